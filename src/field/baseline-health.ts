// Baseline validity for sensor health and calibration windows: age, refused settings (gain/ppm), the refresh advice.
import { codesText } from '../server/message-text.js';
import type { AlertMessageCode } from '../alerts/alert.js';

/** What the main thread knows about the baseline a sensor uses (from its worker's messages). */
export interface BaselineStatus {
  /** 'calibrate' (stored file or recorded in a calibration window), 'warmup' (learned at start), 'auto'. */
  method: string;
  /** ISO time it was recorded. */
  createdAt: string;
  /** Stored file in use, when it came from one. */
  path?: string;
  /**
   * A stored baseline that was not used because it was taken at another gain/ppm (the sensor fell back to a warm-up
   * baseline): the file, the first differing field and both values.
   */
  refused?: { path: string; field: string; stored: unknown; live: unknown };
}

/** Judgement of {@link judgeBaseline}. */
export interface BaselineJudgement {
  /** Age (s) of the baseline in use; undefined before the worker reported one. */
  ageS?: number;
  /**
   * True when the baseline counts as valid for an exam session: recorded by calibration (not a warm-up), not refused,
   * not older than the limit. A calibration window records a new one when false.
   */
  valid: boolean;
  /** Health message for the technician when something is wrong (stale or refused), with the refresh command. */
  note?: string;
  /** `note` as codes (what is wrong, then the advice) for the page to show in its language. */
  noteCodes?: AlertMessageCode[];
}

/** The next calibration window, for the advice: the session it precedes, and its start as site time (absent: it is on now). */
export interface NextWindow {
  session: string;
  from?: string;
}

const hours = (s: number): string => (s / 3600).toFixed(1);

/**
 * Judges a sensor's baseline at `nowMs` (docs/field-notes.md §4, §6: a baseline taken at another gain/ppm, or long ago,
 * no longer describes the site):
 * - refused (gain/ppm differ) → note `baseline <file> was taken at <field> <stored>, the sensor runs at <live>: not
 *   used (warm-up baseline instead). Refresh it: <command>`;
 * - older than `maxAgeH` → note `baseline <file|warm-up> is <h> h old (limit <maxAgeH> h). Refresh it: <command>`;
 * `<command>` is `refreshCommand`, e.g. `stop quietband, run "quietband calibrate --config /srv/site.json", start it again`
 * (the daemon holds the dongle), followed by the automatic alternative when `nextWindow` is given. The note is also
 * given as codes (`noteCodes`, texts in src/server/message-text.ts), which the page shows in its language.
 * @param nextWindow the next calibration window (e.g. before "Maths" from 08:40), when one is scheduled.
 */
export function judgeBaseline(b: BaselineStatus | null, nowMs: number, maxAgeH: number, refreshCommand: string, nextWindow?: NextWindow): BaselineJudgement {
  if (b === null) return { valid: false };
  const created = Date.parse(b.createdAt);
  const ageS = Number.isFinite(created) ? Math.max(0, (nowMs - created) / 1000) : undefined;
  const advice: AlertMessageCode =
    nextWindow === undefined
      ? { id: 'baseline.advice', params: { command: refreshCommand } }
      : nextWindow.from === undefined
        ? { id: 'baseline.adviceWindowNow', params: { command: refreshCommand, session: nextWindow.session } }
        : { id: 'baseline.adviceWindow', params: { command: refreshCommand, session: nextWindow.session, from: nextWindow.from } };
  const out: BaselineJudgement = { valid: false };
  if (ageS !== undefined) out.ageS = Math.round(ageS);
  const noted = (what: AlertMessageCode): BaselineJudgement => {
    out.noteCodes = [what, advice];
    out.note = codesText(out.noteCodes);
    return out;
  };
  if (b.refused !== undefined) {
    const r = b.refused;
    return noted({ id: 'baseline.refused', params: { path: r.path, field: r.field, stored: JSON.stringify(r.stored), live: JSON.stringify(r.live) } });
  }
  const stale = ageS === undefined || ageS > maxAgeH * 3600;
  if (stale) {
    const name = b.path ?? `(${b.method})`;
    return noted(ageS === undefined ? { id: 'baseline.staleUnknown', params: { name, limitH: maxAgeH } } : { id: 'baseline.stale', params: { name, ageH: hours(ageS), limitH: maxAgeH } });
  }
  out.valid = b.method === 'calibrate';
  return out;
}

/** Quotes a shell word when needed (POSIX single quotes). */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A periodic calibration emitter unheard for more than this many of its periods (plus the grace) makes a note. */
export const DEAF_PERIODS = 3;
/** Seconds added to the limit: the emitter's own jitter, an appearance reported only when it ends. */
export const DEAF_GRACE_S = 30;

/** Judgement of {@link judgeHearing}: the note in English and as codes the page shows in its language. */
export interface HearingNote {
  message: string;
  /** One `hearing.deaf` per silent emitter, then `hearing.advice` (texts in src/server/message-text.ts). */
  messageCodes: AlertMessageCode[];
}

/**
 * Is the sensor still hearing the background it was calibrated on? A non-continuous calibration emitter with a known
 * period (a weather station every 47 s) that has gone unheard for more than DEAF_PERIODS × period + DEAF_GRACE_S is
 * reason to suspect the antenna, the cable or the gain: a sensor that hears nothing is deaf, not quiet. Returns a note
 * for the technician naming the emitter(s) (`Not hearing the calibration's periodic emitter 433.9904 MHz (every 47 s,
 * silent 172 s). Check the antenna, …`), or undefined when all are heard (or none is periodic).
 */
export function judgeHearing(emitters: readonly { centerHz: number; periodS: number | null; continuous: boolean; silentS: number }[]): HearingNote | undefined {
  const silent = emitters.filter((e) => !e.continuous && e.periodS !== null && e.periodS > 0 && e.silentS > DEAF_PERIODS * e.periodS + DEAF_GRACE_S);
  if (silent.length === 0) return undefined;
  const messageCodes: AlertMessageCode[] = silent.map((e) => ({
    id: 'hearing.deaf',
    params: { mhz: (e.centerHz / 1e6).toFixed(4), periodS: e.periodS!.toFixed(0), silentS: e.silentS.toFixed(0) },
  }));
  messageCodes.push({ id: 'hearing.advice' });
  return { message: codesText(messageCodes), messageCodes };
}

/** A sensor's deaf note over time: {@link judgeHearing} of each health report, and whether the unheard set changed. */
export class HearingWatch {
  /** The note of the latest report (undefined: every periodic emitter heard, or not judged). */
  note: HearingNote | undefined;

  /**
   * Judges the emitters of a report (undefined: the sensor is not armed, nothing to judge). Returns 'deaf' or 'heard'
   * when the set of unheard emitters changed (for one log line per change: their silence grows with every report),
   * else null.
   */
  update(emitters: Parameters<typeof judgeHearing>[0] | undefined): 'deaf' | 'heard' | null {
    const note = emitters === undefined ? undefined : judgeHearing(emitters);
    const which = (n: HearingNote | undefined): string => n?.messageCodes.map((c) => c.params?.mhz ?? '').join(',') ?? '';
    const changed = which(note) !== which(this.note);
    this.note = note;
    return !changed ? null : note !== undefined ? 'deaf' : 'heard';
  }
}
