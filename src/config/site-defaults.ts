// Every site setting's default (STYLE habit 13), apart from the schema (site-config.ts): the CLI registers its commands
// at every start and their help shows these defaults, so this module imports no zod and no parser.
import type { WindowName } from '../dsp/window.js';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions } from '../detector/options.js';
import type { Region } from '../spectrum/band-plan.js';
import { FIELD_DEFAULTS } from '../field/field-defaults.js';
import type { SensorConfig } from './site-config.js';

/** Defaults of the `http` section. */
export const HTTP_DEFAULTS = Object.freeze({
  /** Listen address. Loopback → no auth and plain HTTP; anything else → token auth and HTTPS (token printed once). */
  bind: '127.0.0.1',
  /** TCP port; 0 picks a free one (the printed URL shows it). */
  port: 8080,
});

/** Defaults of one sensor's optional fields (centre/rate also apply to `sim`; `file:` sources default to the recording's metadata). */
export const DEFAULT_SENSOR = Object.freeze({
  /** Tuning centre (Hz): the 433 MHz ISM band. */
  centerHz: 433_920_000,
  /** Sample rate (S/s): 1 MS/s, valid for an RTL2832U (900001–3200000) and light enough for a laptop. */
  rateSps: 1_000_000,
  /** Manual tuner gain (dB; the dongle snaps it to its nearest step). Manual, not 'auto': AGC invalidates baselines (docs/field-notes.md §4). */
  gainDb: 30 as number | 'auto',
  /** Frequency correction (ppm, integer). */
  ppm: 0,
  /** Slow-path (Welch) FFT size. */
  fftSize: 1024,
  /** `file:` sources: pace blocks at the sample rate (like a live dongle). */
  realtime: true,
});

/**
 * Every site setting with its default (STYLE habit 13): file < CLI flags are spread over it. Relative paths (dataDir,
 * calibrationDir, baselines, `file:` sources, scenario files) are resolved against the current working directory.
 */
export const DEFAULT_SITE_CONFIG = Object.freeze({
  /** Site name: written into every alert and into baseline file names (`<calibrationDir>/<site>-<sensor>.json`). */
  site: 'quietband',
  /** IANA time zone announced to browsers (hello.timeZone); undefined = this machine's. */
  timeZone: undefined as string | undefined,
  /** Listen address and port (TLS, auth, origins, hosts, proxies: see http-config.ts). */
  http: HTTP_DEFAULTS,
  /** Folder of the alert store (alerts.jsonl) and the access token. */
  dataDir: './data',
  /** Folder of stored baselines: `<calibrationDir>/<site>-<sensor>.json`, used by `run` when it exists. */
  calibrationDir: './calibration',
  /** Warm-up (s): a sensor without a stored baseline learns one from this much signal; no detections meanwhile. */
  warmupS: 10,
  /** Discarded at the start of every stream before anything is analysed (s): start-up transients (docs/field-notes.md §2). */
  settleS: 0.25,
  /** A sensor that delivers no block for this long (ms) is offline (`sensor-offline` alert). */
  offlineAfterMs: 1000,
  /** A sensor whose source never delivered since its (re)open is offline after this long (ms); so is a running worker that stops reporting (docs/sensor-offline.md). */
  startGraceMs: 5000,
  overload: Object.freeze({
    /** Share of raw values at the ADC rails above which a block is clipping; default the detector's overloadClipFraction. */
    clipFraction: DEFAULT_DETECTOR_OPTIONS.overloadClipFraction,
    /** Clipping must last this long (ms) to enter overload (status + one `overload` alert). */
    onAfterMs: 1000,
    /** Clean blocks for this long (ms) leave overload (alert closed): hysteresis, so a flapping front end raises one alert. */
    offAfterMs: 5000,
  }),
  restart: Object.freeze({
    /** First delay (ms) before a source or worker is reopened; doubles per consecutive failure. */
    initialMs: 1000,
    /** Largest delay (ms). */
    maxMs: 30_000,
  }),
  /** Band plan: labels of alert frequencies and envelope baselines in background bands. */
  bandPlan: 'CN' as Region | 'none',
  spectrum: Object.freeze({
    window: 'hann' as WindowName,
    /** Short frames per Welch average; undefined = the number spanning ≈ 100 ms (defaultAverage). */
    average: undefined as number | undefined,
    /** Fast-path FFT size; undefined = fftSize/4. */
    fastFftSize: undefined as number | undefined,
    /** Subtract the running I/Q mean before the FFT. */
    dcRemoval: true,
  }),
  /** Detector settings over DEFAULT_DETECTOR_OPTIONS (thresholdDb, slowThresholdDb, minDurationMs, holdMs, …). */
  detector: Object.freeze({}) as Readonly<Partial<DetectorOptions>>,
  /** Exam sessions `[{ name, start, end }]` in `timeZone` (src/field/field-config.ts): armed ('high') during, 'low' outside; none = always armed. */
  sessions: FIELD_DEFAULTS.sessions,
  /** Calibration before sessions: `windowMin` before each start, sensors without a valid baseline record `seconds`; baselines older than `maxAgeH` are flagged. */
  calibration: FIELD_DEFAULTS.calibration,
  /** Known emitters `[{ lowHz, highHz, sensor?, expires?, label }]`: alerts inside are 'known'/'info' (UI-marked ones: `<dataDir>/known-emitters.json`). */
  knownEmitters: FIELD_DEFAULTS.knownEmitters,
  /** Evidence clips (SigMF, `<dataDir>/clips/`) and pictures: preS/postS/maxS s, maxClipBytes (a band-cut clip's budget), quotaMiB, minFreeMiB (clips shed below it, pictures below 2×). */
  evidence: FIELD_DEFAULTS.evidence,
  sensors: Object.freeze([]) as readonly SensorConfig[],
});
