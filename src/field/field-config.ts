// Site config fields for exam days: sessions, calibration windows, known emitters, evidence clips (schemas, defaults, apply).
import { z } from 'zod';
import { errorTextIn, type ErrorMessageCode } from '../error-text.js';
import type { CalibrationSettings, ExamSession } from './exam-schedule.js';
import { machineTimeZone, parseSiteTime } from './local-time.js';
import { FIELD_DEFAULTS } from './field-defaults.js';

/** Evidence settings (site config `evidence`). */
export interface EvidenceSettings {
  /** Write a SigMF clip per transmission alert under `<dataDir>/clips/`. */
  clips: boolean;
  /**
   * Spectrogram PNGs of the clips under `<dataDir>/clip-pictures/`: 'on-view' (default) = drawn from its clip when it is
   * first asked for (`GET /clips/<clip>.png`, the session report) and kept; true = drawn as each clip is written (on the
   * sensor's evidence thread, beside its band cuts and identifications); false = none. A picture can always be drawn
   * again from its clip, so drawing only the ones someone looks at keeps a busy day's evidence to its clips.
   */
  pictures: boolean | 'on-view';
  /** Seconds of IQ before a detection's start (≥ 1, the minimum). */
  preS: number;
  /** Seconds after its end (≥ 1). */
  postS: number;
  /** Longest span after the start (s); longer signals are clipped from start to start + maxS while still on. */
  maxS: number;
  /** Disk quota (MiB) of `<dataDir>/clips` plus `<dataDir>/clip-pictures`; the oldest clips are deleted first, each with its picture (logged). */
  quotaMiB: number;
  /**
   * Free-space floor (MiB) of the data dir's file system: a clip or picture is not written (shed, logged) when writing
   * it would leave less free than this, so evidence never takes the space alerts need.
   */
  minFreeMiB: number;
  /**
   * Largest band-cut clip (bytes of sigmf-data + sigmf-meta; issue #17: ≤ 1 MB per alert). A clip whose span at its
   * rate would take more is shortened: post-roll, pre-roll down to 0.75 s, then the transmission's tail
   * (src/evidence/clip-recorder.ts fitClipSpan, docs/clip-decimation.md). Clips of the whole band (`band: 'full'`) are
   * not shortened. {@link MIN_CLIP_BYTES} to {@link MAX_CLIP_BYTES}; default 1 000 000.
   */
  maxClipBytes: number;
  /**
   * What band a clip keeps: 'signal' = the detection's occupied band × 1.2 at a standard rate, centred on it
   * (docs/clip-decimation.md; ≈ 0.1 MB per 2 s for a 10 kHz signal from 2.4 MS/s), 'full' = the sensor's whole band at
   * its rate (9.6 MB per 2 s at 2.4 MS/s). Default 'signal'.
   */
  band: 'signal' | 'full';
}

/**
 * A known emitter from the site config, expiry converted: a detection whose centre lies in [lowHz, highHz] (on `sensor`,
 * if given; before `expiresMs`) is known.
 */
export interface KnownEmitterSettings {
  lowHz: number;
  highHz: number;
  /** Only this sensor's detections; undefined = every sensor. */
  sensor?: string;
  /** Expiry as written (site local time or ISO); the emitter no longer matches from `expiresMs` on. */
  expires?: string;
  expiresMs?: number;
  label: string;
}

/** Emitters marked known from the UI (site config `knownEmitterMarks`). */
export interface KnownEmitterMarkSettings {
  /** Hours after marking during which a UI-marked emitter matches (then it is no longer known). Default 24. */
  ttlH: number;
}

/** The exam-day part of SiteSettings. */
export interface FieldSettings {
  /** Exam sessions, sorted by start; empty = always armed (every transmission 'high'). */
  sessions: ExamSession[];
  calibration: CalibrationSettings;
  knownEmitters: KnownEmitterSettings[];
  knownEmitterMarks: KnownEmitterMarkSettings;
  evidence: EvidenceSettings;
}

/**
 * Smallest `evidence.maxClipBytes` (B): the narrowest clip (the slowest clip rate, 25 kS/s, of 8-bit I/Q: 50 000 B/s
 * for rtl-sdr, rtl_tcp and HackRF sources) must still hold its meta (4096 B kept), the 0.75 s of pre-roll the budget
 * never cuts (the identification's 0.56 s noise reference and the replay's baseline) and 1 s of transmission (the
 * shortest `maxS`): 4096 + 1.75 s × 50 000 B/s = 91 596 B, rounded up to 100 kB (1.92 s at that rate: 0.75 s + 1.17 s).
 */
export const MIN_CLIP_BYTES = 100_000;

/** Largest `evidence.maxClipBytes` (B): 1 GB, the default quota's size (a bigger clip would empty the quota alone). */
export const MAX_CLIP_BYTES = 1_000_000_000;

const comment = z.union([z.string(), z.array(z.string())]).optional();
const siteTime = z.string().min(1, 'expected a time such as "2026-06-07T09:00"');
const hz = z.number().int('expected a whole number of Hz').positive('expected a positive frequency in Hz').max(0xffffffff);

/** Zod shapes of the exam-day fields, spread into the site schema. */
export const fieldSchemas = {
  sessions: z.array(z.object({ comment, name: z.string().min(1).max(100), start: siteTime, end: siteTime }).strict()).optional(),
  calibration: z
    .object({
      windowMin: z.number().min(0).max(1440).optional(),
      seconds: z.number().gt(0).max(3600).optional(),
      maxAgeH: z.number().gt(0).max(24 * 366).optional(),
    })
    .strict()
    .optional(),
  knownEmitters: z
    .array(z.object({ comment, lowHz: hz, highHz: hz, sensor: z.string().min(1).optional(), expires: siteTime.optional(), label: z.string().min(1).max(200) }).strict())
    .optional(),
  knownEmitterMarks: z
    .object({ comment, ttlH: z.number().gt(0, 'expected more than 0 hours').max(24 * 366, 'expected at most 8784 hours (366 days)').optional() })
    .strict()
    .optional(),
  evidence: z
    .object({
      clips: z.boolean().optional(),
      pictures: z.union([z.boolean(), z.literal('on-view')]).optional(),
      preS: z.number().min(1, 'expected at least 1 s before the detection').max(60).optional(),
      postS: z.number().min(1, 'expected at least 1 s after the detection').max(60).optional(),
      maxS: z.number().min(1).max(60).optional(),
      quotaMiB: z.number().gt(0).max(1 << 24).optional(),
      minFreeMiB: z.number().min(0).max(1 << 24).optional(),
      // range checked in fieldSettings, whose coded reason reads in both languages
      maxClipBytes: z.number().optional(),
      band: z.enum(['signal', 'full']).optional(),
    })
    .strict()
    .optional(),
};

type FieldInput = { [K in keyof typeof fieldSchemas]?: z.infer<(typeof fieldSchemas)[K]> } & { timeZone?: string };

/**
 * Applies defaults and converts times (site `timeZone`, else the machine's). Cross-field rules: session end after
 * start; known emitter lowHz ≤ highHz and its sensor one of the site's; the calibration recording shorter than its
 * window (unless windowMin is 0); `evidence.maxClipBytes` a whole number in [{@link MIN_CLIP_BYTES},
 * {@link MAX_CLIP_BYTES}] (coded `why.clipBytes`, worded in English and Chinese).
 * @param fail throws QuietBandError('CONFIG') `"<where>: <field>: <msg>"` (site-config's; a coded `why` is worded in
 *   Chinese too).
 */
export function fieldSettings(cfg: FieldInput, sensorNames: readonly string[], fail: (field: string, why: string | ErrorMessageCode) => never): FieldSettings {
  const d = FIELD_DEFAULTS;
  const tz = cfg.timeZone ?? machineTimeZone();
  const time = (text: string, field: string): number => {
    try {
      return parseSiteTime(text, tz);
    } catch (err) {
      // parseSiteTime's reason in both languages, then the zone it read the time in
      const c = (err as { messageCode?: ErrorMessageCode }).messageCode;
      const time = c === undefined ? (err as Error).message : { en: errorTextIn('en', c), 'zh-CN': errorTextIn('zh-CN', c) };
      return fail(field, { id: 'why.siteTime', params: { time, tz } });
    }
  };
  const sessions = (cfg.sessions ?? []).map((s, i): ExamSession => {
    const startMs = time(s.start, `sessions[${i}].start`);
    const endMs = time(s.end, `sessions[${i}].end`);
    if (!(endMs > startMs)) fail(`sessions[${i}].end`, `"${s.end}" is not after start "${s.start}"`);
    return { name: s.name, start: s.start, end: s.end, startMs, endMs };
  });
  sessions.sort((a, b) => a.startMs - b.startMs);
  const calibration: CalibrationSettings = { ...d.calibration, ...cfg.calibration };
  if (calibration.windowMin > 0 && calibration.seconds >= calibration.windowMin * 60) {
    fail('calibration.seconds', `${calibration.seconds} s does not fit in the ${calibration.windowMin} min calibration window`);
  }
  const knownEmitters = (cfg.knownEmitters ?? []).map((e, i): KnownEmitterSettings => {
    if (e.lowHz > e.highHz) fail(`knownEmitters[${i}].highHz`, `${e.highHz} Hz is below lowHz ${e.lowHz} Hz`);
    if (e.sensor !== undefined && !sensorNames.includes(e.sensor)) fail(`knownEmitters[${i}].sensor`, `"${e.sensor}" is not a sensor of this site (${sensorNames.join(', ')})`);
    const out: KnownEmitterSettings = { lowHz: e.lowHz, highHz: e.highHz, label: e.label };
    if (e.sensor !== undefined) out.sensor = e.sensor;
    if (e.expires !== undefined) {
      out.expires = e.expires;
      out.expiresMs = time(e.expires, `knownEmitters[${i}].expires`);
    }
    return out;
  });
  const knownEmitterMarks: KnownEmitterMarkSettings = { ttlH: cfg.knownEmitterMarks?.ttlH ?? d.knownEmitterMarks.ttlH };
  const evidence: EvidenceSettings = { ...d.evidence, ...cfg.evidence };
  const clipBytes = evidence.maxClipBytes;
  if (!Number.isInteger(clipBytes) || clipBytes < MIN_CLIP_BYTES || clipBytes > MAX_CLIP_BYTES) {
    fail('evidence.maxClipBytes', { id: 'why.clipBytes', params: { value: clipBytes, min: MIN_CLIP_BYTES, max: MAX_CLIP_BYTES } });
  }
  return { sessions, calibration, knownEmitters, knownEmitterMarks, evidence };
}
