// Defaults of the exam-day fields of the site config, apart from their schema (field-config.ts): the CLI's help shows
// site defaults at every start and must not load zod for it (src/config/site-defaults.ts).
import type { CalibrationSettings } from './exam-schedule.js';
import type { EvidenceSettings, KnownEmitterMarkSettings, KnownEmitterSettings } from './field-config.js';

/**
 * Defaults of the exam-day fields. Evidence ring memory per sensor is about (preS + maxS + postS) × rate × 2 bytes
 * for cu8 sources (the ring holds the source's bytes): 15 MB at 1 MS/s with these values. `evidence.maxClipBytes` is
 * DEFAULT_CLIP_MAX_BYTES (src/evidence/clip-recorder.ts), written out here so the CLI's help loads no evidence code.
 */
export const FIELD_DEFAULTS = Object.freeze({
  /** `[{ name, start, end }]`, times local to `timeZone` (`2026-06-07T09:00`) or ISO with an offset. */
  sessions: Object.freeze([]) as readonly { name: string; start: string; end: string }[],
  calibration: Object.freeze({ windowMin: 20, seconds: 60, maxAgeH: 24 }) as Readonly<CalibrationSettings>,
  /** `[{ lowHz, highHz, sensor?, expires?, label }]`; UI-marked ones live in `<dataDir>/known-emitters.json`. */
  knownEmitters: Object.freeze([]) as readonly KnownEmitterSettings[],
  /** UI-marked emitters (`<dataDir>/known-emitters.json`) expire `ttlH` hours after marking; config ones do not. */
  knownEmitterMarks: Object.freeze({ ttlH: 24 }) as Readonly<KnownEmitterMarkSettings>,
  evidence: Object.freeze({ clips: true, pictures: 'on-view', preS: 1.5, postS: 1, maxS: 5, quotaMiB: 1024, minFreeMiB: 100, maxClipBytes: 1_000_000, band: 'signal' }) as Readonly<EvidenceSettings>,
});
