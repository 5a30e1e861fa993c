// Calibration windows before exam sessions: asks every sensor without a valid baseline to record one, and words the health advice.
import type { Logger } from 'pino';
import type { SensorHealth } from '../server/protocol.js';
import { judgeBaseline, type BaselineStatus, type NextWindow } from './baseline-health.js';
import type { ExamSchedule } from './exam-schedule.js';
import { formatSiteTime } from './local-time.js';

/** What {@link CalibrationWindows} needs of a sensor supervisor. */
export interface CalibratedSensor {
  readonly name: string;
  readonly baseline: BaselineStatus | null;
  readonly state: string;
  recalibrate(seconds: number, output: string, reason: string): boolean;
}

/** Options of {@link CalibrationWindows}. */
export interface CalibrationWindowsOptions {
  schedule: ExamSchedule;
  sensors: readonly CalibratedSensor[];
  /** Baseline file a sensor's calibration writes (its configured `baseline`, else `<calibrationDir>/<site>-<sensor>.json`). */
  outputFor: (sensor: string) => string;
  /** The command a technician runs to refresh baselines by hand (shown in health notes). */
  refreshCommand: string;
  /** Site time zone (for the times in notes). */
  timeZone: string;
  log: Logger;
}

/**
 * Drives the calibration windows (site config `calibration`) and the baseline part of sensor health:
 * - {@link tick} (call every second): inside a window (windowMin before a session start), every sensor whose baseline
 *   is not valid ({@link judgeBaseline}: not recorded by calibration, refused for gain/ppm, or older than maxAgeH)
 *   is asked to record `seconds` of baseline; the request is repeated if, `seconds` + 30 s later, the sensor still has
 *   no valid one (worker restarted, source offline);
 * - {@link decorate} adds `baselineAgeS` and, for a stale or refused baseline, the note with the refresh command
 *   to a sensor's health.
 */
export class CalibrationWindows {
  private readonly requestedAtMs = new Map<string, number>();
  private announced: string | null = null;

  constructor(private readonly o: CalibrationWindowsOptions) {}

  /** The calibration window on at `nowMs`, else the next one (for health notes); undefined when none is scheduled. */
  nextWindow(nowMs: number): NextWindow | undefined {
    const s = this.o.schedule;
    if (s.calibration.windowMin <= 0) return undefined;
    const cur = s.calibrationWindowAt(nowMs);
    if (cur !== undefined) return { session: cur.name };
    const next = s.nextSession(nowMs);
    if (next === undefined) return undefined;
    return { session: next.name, from: formatSiteTime(next.startMs - s.calibration.windowMin * 60_000, this.o.timeZone) };
  }

  /** Requests calibrations that are due at `nowMs` (see the class comment). Returns the sensors asked now. */
  tick(nowMs: number): string[] {
    const session = this.o.schedule.calibrationWindowAt(nowMs);
    if (session === undefined) {
      this.announced = null;
      return [];
    }
    const { seconds, maxAgeH } = this.o.schedule.calibration;
    const asked: string[] = [];
    const invalid: string[] = [];
    for (const s of this.o.sensors) {
      if (s.state === 'error' || s.state === 'stopped') continue;
      const j = judgeBaseline(s.baseline, nowMs, maxAgeH, this.o.refreshCommand);
      if (j.valid) continue;
      invalid.push(s.name);
      const last = this.requestedAtMs.get(s.name);
      if (last !== undefined && nowMs - last < (seconds + 30) * 1000) continue;
      const why = `calibration window before session "${session.name}" at ${formatSiteTime(session.startMs, this.o.timeZone)}`;
      if (s.recalibrate(seconds, this.o.outputFor(s.name), why)) {
        this.requestedAtMs.set(s.name, nowMs);
        asked.push(s.name);
      }
    }
    const key = `${session.name}@${session.startMs}`;
    if (this.announced !== key) {
      this.announced = key;
      this.o.log.info({ session: session.name, start: session.start, recording: invalid, seconds }, invalid.length > 0 ? 'calibration window: recording baselines' : 'calibration window: every baseline is valid');
    }
    return asked;
  }

  /** Adds `baselineAgeS` and the stale/refused note (with the refresh advice) to a sensor's health. Returns `h`. */
  decorate(h: SensorHealth, baseline: BaselineStatus | null, nowMs: number): SensorHealth {
    const j = judgeBaseline(baseline, nowMs, this.o.schedule.calibration.maxAgeH, this.o.refreshCommand, this.nextWindow(nowMs));
    if (j.ageS !== undefined) h.baselineAgeS = j.ageS;
    if (j.note !== undefined) {
      // codes only when the whole message has them (the sensor's own text may not)
      const codes = h.message === undefined ? [] : h.messageCodes;
      h.message = h.message !== undefined ? `${h.message}; ${j.note}` : j.note;
      if (codes !== undefined && j.noteCodes !== undefined) h.messageCodes = [...codes, ...j.noteCodes];
      else delete h.messageCodes;
    }
    return h;
  }
}
