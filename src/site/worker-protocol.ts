// Messages between the daemon's main thread and its sensor workers (node:worker_threads). Workers never send raw IQ.
import type { SensorSettings, SiteSettings } from '../config/site-config.js';
import type { ClipLoss, DetectionEvent, ProcessingReport } from '../types.js';
import type { AlertMessageCode, AlertSignal, CalibrationEmitterHeard, ScanHealth } from '../server/protocol.js';
import type { Baseline } from '../baseline/baseline.js';
import type { CalibrationEmitter } from '../baseline/emitters.js';

/**
 * What one baseline heard while it was learned (Baseline.emitters), for the main thread to raise each emitter as a
 * `present-during-calibration` alert (AlertBus.raiseCalibrationEmitter).
 */
export interface HeardInBaseline {
  /** The baseline's createdAt (ISO), method and learned seconds. */
  createdAt: string;
  method: string;
  durationS: number;
  /** Hopping sensors: the hop's centre (Hz). */
  hopCenterHz?: number;
  emitters: CalibrationEmitter[];
}

/** {@link HeardInBaseline} of a baseline (none for a baseline file written before emitters were listed). */
export function heardIn(b: Baseline, hopCenterHz?: number): HeardInBaseline {
  return { createdAt: b.createdAt, method: b.method, durationS: b.durationS, ...(hopCenterHz !== undefined ? { hopCenterHz } : {}), emitters: b.emitters ?? [] };
}

/** What a sensor worker is doing. The main thread adds 'overload' on top of 'armed' from the clip reports. */
export type SensorState =
  | 'starting' // opening the source / waiting for the first block
  | 'learning' // warm-up: learning a baseline, no detections
  | 'armed' // detecting
  | 'offline' // the source ended or failed; the worker reopens it after a backoff
  | 'error' // refused (baseline fingerprint mismatch, unreadable baseline, bad config): no detections, no retry
  | 'stopped'; // worker finished (shutdown)

/** Site settings a worker needs (the rest stays on the main thread). */
export type WorkerSiteSettings = Pick<SiteSettings, 'site' | 'warmupS' | 'settleS' | 'restart' | 'spectrum' | 'bandPlan'> &
  /** Evidence clips/pictures under `dataDir`; `timeZone` stamps `--csv` rows (machine's when absent). */
  Partial<Pick<SiteSettings, 'dataDir' | 'evidence' | 'timeZone'>>;

/** The worker-side part of the site settings. */
export function workerSite(site: SiteSettings): WorkerSiteSettings {
  const w: WorkerSiteSettings = { site: site.site, warmupS: site.warmupS, settleS: site.settleS, restart: site.restart, spectrum: site.spectrum, bandPlan: site.bandPlan };
  if (site.timeZone !== undefined) w.timeZone = site.timeZone;
  return w;
}

/** `workerData` of a sensor worker. */
export interface SensorWorkerData {
  /** 'run': supervise the source, warm up or load the baseline, detect forever. 'calibrate': record a baseline and exit. */
  mode: 'run' | 'calibrate';
  sensor: SensorSettings;
  site: WorkerSiteSettings;
  /** mode 'calibrate': seconds to record (after the settle) and the baseline file to write. */
  calibrate?: { seconds: number; output: string };
  /** pino level of the worker's logger (stderr). */
  logLevel: string;
  /** Spectra posted per second at most (default 10; posts are ≥ 0.9 / rate apart, the server enforces the exact limit per client). */
  spectrumMaxPerS?: number;
  /** `run --csv`: every slow frame as an rtl_power CSV row; `append` after a worker restart (the file is kept). */
  csv?: { path: string; append: boolean };
}

/** Main → worker. */
export type MainToWorker =
  | { type: 'stop' }
  /** Calibration window: stop detecting, record `seconds` of baseline, save it to `output`, detect with it. */
  | { type: 'calibrate'; seconds: number; output: string; reason: string };

/** Worker → main. Float32Arrays are transferred, not copied. */
export type WorkerToMain =
  /**
   * `message`: why (English, as logged); `code`: the error's QuietBandError code; `messageCode`: `message` as a code
   * the page shows in its language (src/server/message-text.ts).
   */
  | { type: 'state'; state: SensorState; message?: string; code?: string; messageCode?: AlertMessageCode }
  /** A source (re)opened and delivered its first block: `originMs` = wall time (ms) of its sample 0; `run` counts opens. */
  | { type: 'stream'; run: number; centerHz: number; rateSps: number; originMs: number; label: string }
  /** The baseline in use, decimated like the spectra: level and open threshold of the slow path (dBFS). */
  | {
      type: 'baseline'; method: string; createdAt: string; /** Stored file it came from. */ path?: string; startHz: number; stepHz: number; levelDb: Float32Array; thresholdDb: Float32Array;
      /** What the baseline heard (one entry; hopping sensors: one per hop). */
      heard: HeardInBaseline[];
    }
  /**
   * `clip`: the evidence clip's `.sigmf-meta`, relative to the data dir (a close waits for it); `noClip`: why a close
   * (clips on) comes without one.
   */
  | { type: 'detection'; run: number; ev: DetectionEvent; clip?: string; noClip?: ClipLoss }
  /** The clip of track `id`, whose close went without it (`noClip: 'late'`), written at last: its alert gains it. */
  | { type: 'late-clip'; run: number; id: number; clip: string }
  /** Identification of track `id` (src/site/live-ident.ts): ≈ 0.5 s into it, and the final one before its close. */
  | { type: 'signal'; run: number; id: number; signal: AlertSignal }
  /** A stored baseline taken at another gain/ppm: not used (warm-up instead); the first differing field and both values. */
  | { type: 'baseline-refused'; path: string; field: string; stored: unknown; live: unknown }
  /** One slow (Welch) frame in dBFS, max-decimated to ≤ 1024 points; `timeS` from the stream's sample 0. */
  | { type: 'spectrum'; run: number; timeS: number; centerHz: number; rateSps: number; startHz: number; stepHz: number; powerDbfs: Float32Array }
  /** Every 250 ms. */
  | {
      type: 'health';
      /** Wall time (ms, Date.now) of the last block; null before the first of this worker. */
      lastBlockAtMs: number | null;
      samples: number;
      configuredRateSps: number;
      achievedRateSps: number | null;
      /** True while the rate is judged short (RateShortfallJudge: under 95 % for 5 s, back at 98 % for 5 s). */
      rateShortfall: boolean;
      /** Dropped blocks reported by the source (dongle pool), else blocks that followed a gap (`discontinuity`). */
      droppedBlocks: number;
      /** Largest block clip fraction since the previous report (0 when no block). */
      clipFraction: number;
      /**
       * How long (ms) the worker has been waiting for its source: opening it, or asking for the next block without getting
       * one. 0 while it is busy with a block. This, not the block age, is the silence that makes a sensor offline.
       */
      sourceWaitMs: number;
      /** True once the current source run delivered a block (before that, opening/settling may take startGraceMs). */
      streaming: boolean;
      /**
       * The current source's last problem in plain words (IqSourceHealth.lastError: refused, stalled, unplugged); absent
       * when none. A sensor-offline alert for a silent source carries it as its detail.
       */
      sourceError?: string;
      /**
       * How far (ms) the newest sample of a block trailed the wall clock when the block reached the pipeline, at most
       * since the previous report: `now − (originMs + (firstSample + count) / rateSps)`, 0 on the run's first block (it
       * defines originMs). It grows while the worker falls behind real time; detections and alerts come this much late.
       * Absent for scanning sensors (each retune restarts the sample count).
       */
      behindMs?: number;
      /**
       * Fraction (0–1) of the time since the previous report this worker's event loop was idle, i.e. waited for its
       * source's next block (performance.eventLoopUtilization): well above 0 while it keeps up (the source sets the
       * pace), ≈ 0 while it is behind (blocks already queued). Absent before the stream's first block.
       */
      waitedFraction?: number;
      /** Non-finite samples (cf32 NaN/±Inf) dropped since the worker started; absent when none. */
      nonFiniteSamples?: number;
      /** The current source's IqSourceHealth.zeroedSamples (runs of never-written zeros, lost); absent when none. */
      zeroedSamples?: number;
      /** The current source's IqSourceHealth.samplesLost (driver overflows, rtl_tcp's freed transfers); absent when none. */
      samplesLost?: number;
      /** The current source's IqSourceHealth.samplesBehindOrLost (null: unknown yet); absent when the source does not track it. */
      samplesBehindOrLost?: number | null;
      /** Hopping sensors: plan and revisit times (passed on as SensorHealth.scan). */
      scan?: ScanHealth;
      /** The baseline's calibration emitters and how long each has gone unheard (see SensorHealth). */
      calibrationEmitters?: CalibrationEmitterHeard[];
      /** Pipeline time of the blocks processed since the previous report; absent when none was. */
      processing?: ProcessingReport;
    }
  | { type: 'calibrated'; path: string; durationS: number; fastFrames: number; slowFrames: number; fingerprint: Record<string, unknown>; /** What it heard (hopping: per hop). */ heard: HeardInBaseline[] }
  | { type: 'fatal'; code: string; message: string };
