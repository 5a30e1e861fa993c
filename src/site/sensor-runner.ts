// One sensor's life inside its worker: open → settle → stored or warm-up baseline → detect until the source ends → reopen.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { checkFingerprint, loadBaseline, saveBaseline, type Baseline, type BaselineFingerprint, FINGERPRINT_FIELDS } from '../baseline/baseline.js';
import { QuietBandError } from '../errors.js';
import { detect, fingerprintOf, learnBaseline } from '../pipeline.js';
import type { SpectrumFrame } from '../spectrum/spectrum-engine.js';
import type { IqBlock, IqSource } from '../types.js';
import { SharedBlockStream } from './block-stream.js';
import { openSensorSource } from './open-source.js';
import { RateMeter } from './sensor-health.js';
import { baselineTraces, decimationFactor, maxDecimate, sensorPipelineOptions, settleSamplesFor } from './sensor-pipeline.js';
import type { SensorState, SensorWorkerData, WorkerToMain } from './worker-protocol.js';

/** What {@link runSensor} / {@link calibrateSensor} need from their host (the worker shell, or a test). */
export interface SensorRunnerHost {
  data: SensorWorkerData;
  /** Sends a message to the main thread; `transfer` lists buffers to move instead of copy. */
  post: (msg: WorkerToMain, transfer?: ArrayBuffer[]) => void;
  /** Aborted on shutdown: the runner closes its source and returns. */
  signal: AbortSignal;
  log: Logger;
}

/** Health report period (ms). */
export const HEALTH_REPORT_MS = 250;

/** Error codes after which reopening cannot help: the sensor goes to 'error' and stays there. */
const FATAL_CODES = new Set(['CONFIG', 'BAD_INPUT', 'BASELINE_MISMATCH', 'NATIVE_UNAVAILABLE', 'NOT_RTL_TCP']);

function asError(err: unknown): { code: string; message: string } {
  if (err instanceof QuietBandError) return { code: err.code, message: err.message };
  return { code: 'IO', message: err instanceof Error ? err.message : String(err) };
}

/** True when two fingerprints agree on every field both know (the rule of checkFingerprint, without throwing). */
function sameFingerprint(a: BaselineFingerprint, b: BaselineFingerprint): boolean {
  for (const f of FINGERPRINT_FIELDS) if (a[f] !== undefined && b[f] !== undefined && a[f] !== b[f]) return false;
  return true;
}

/** Per-block counters shared by run and calibrate; `onBlock` allocates nothing. */
class BlockCounters {
  lastBlockAtMs: number | null = null;
  samples = 0;
  gaps = 0;
  maxClip = 0;
  readonly meter = new RateMeter(5000);
  private firstOfRun = true;
  /** True once the current run delivered a block. */
  get streaming(): boolean {
    return !this.firstOfRun;
  }
  /** Called with the first block of each run. */
  onFirst: ((b: IqBlock, nowMs: number) => void) | null = null;
  /** Called after every block (health reports when due). */
  onAfterBlock: ((nowMs: number) => void) | null = null;

  readonly onBlock = (b: IqBlock): void => {
    const now = Date.now();
    if (this.firstOfRun) {
      this.firstOfRun = false;
      this.onFirst?.(b, now);
    } else if (b.discontinuity) this.gaps++;
    this.lastBlockAtMs = now;
    this.samples += b.count;
    this.meter.add(now, this.samples);
    if (b.clipFraction > this.maxClip) this.maxClip = b.clipFraction;
    this.onAfterBlock?.(now);
  };

  newRun(): void {
    this.firstOfRun = true;
    this.meter.reset();
  }
}

/**
 * Runs one sensor until `host.signal` aborts (mode 'run'):
 * 1. state 'starting'; open the source (open failures such as a missing or busy dongle → 'offline', retried after
 *    the backoff; CONFIG/BAD_INPUT/NATIVE_UNAVAILABLE/NOT_RTL_TCP → 'error', not retried);
 * 2. baseline: the stored one (`sensor.baselinePath`), whose fingerprint must match the live settings
 *    (checkFingerprint; a mismatch → state 'error' whose message names the field, no detections, no retry), or one
 *    learned from the first `warmupS` seconds after the settle (state 'learning', no detections; kept across reopens
 *    while the fingerprint stays the same);
 * 3. state 'armed': detect() on the very next samples (no gap after the warm-up), posting detections and ≤ 10
 *    spectra/s (dBFS, ≤ 1024 points, transferred);
 * 4. when the source ends or throws: state 'offline' with the reason, reopen after `restart.initialMs · 2^k`
 *    (≤ `restart.maxMs`; k resets after a run that delivered blocks).
 * Health is posted every {@link HEALTH_REPORT_MS}. Ends with state 'stopped'.
 */
export async function runSensor(host: SensorRunnerHost): Promise<void> {
  const { data, post, signal, log } = host;
  const { sensor, site } = data;
  const minSpectrumMs = 1000 / (data.spectrumMaxPerS ?? 10);
  let state = 'starting' as SensorState;
  const setState = (s: SensorState, message?: string, code?: string): void => {
    state = s;
    const m: WorkerToMain = { type: 'state', state: s };
    if (message !== undefined) m.message = message;
    if (code !== undefined) m.code = code;
    post(m);
    log.info({ state: s, message }, 'sensor state');
  };

  const counters = new BlockCounters();
  let current: SharedBlockStream | null = null;
  let configuredRateSps = sensor.rateSps;
  let lastHealthMs = 0;
  /** Set while the source is being opened (a hanging open counts as silence). */
  let openingSinceMs: number | null = null;
  const postHealth = (): void => {
    lastHealthMs = Date.now();
    let dropped = counters.gaps;
    const src = current?.source as (IqSource & { health?: () => unknown }) | undefined;
    if (src && typeof src.health === 'function') {
      const h = src.health() as { droppedBlocks?: unknown };
      if (typeof h.droppedBlocks === 'number') dropped = h.droppedBlocks;
    }
    post({
      type: 'health',
      lastBlockAtMs: counters.lastBlockAtMs,
      samples: counters.samples,
      configuredRateSps,
      achievedRateSps: counters.meter.rateSps(),
      droppedBlocks: dropped,
      clipFraction: counters.maxClip,
      sourceWaitMs: openingSinceMs !== null ? Date.now() - openingSinceMs : current?.waitingSinceMs != null ? Date.now() - current.waitingSinceMs : 0,
      streaming: current !== null && counters.streaming,
    });
    counters.maxClip = 0;
  };
  // from the block path too: a worker that is behind real time reads its source without ever yielding to timers
  counters.onAfterBlock = (nowMs) => {
    if (nowMs - lastHealthMs >= HEALTH_REPORT_MS) postHealth();
  };
  const healthTimer = setInterval(() => {
    if (Date.now() - lastHealthMs >= HEALTH_REPORT_MS / 2) postHealth();
  }, HEALTH_REPORT_MS);
  const onAbort = (): void => {
    void current?.close();
  };
  signal.addEventListener('abort', onAbort);

  let stored: Baseline | null = null;
  let learned: Baseline | null = null;
  let failures = 0;
  let run = 0;
  try {
    if (sensor.baselinePath !== null) {
      try {
        stored = await loadBaseline(sensor.baselinePath);
      } catch (err) {
        const e = asError(err);
        setState('error', e.message, e.code);
        return;
      }
    }
    while (!signal.aborted) {
      setState('starting');
      let reason = 'no source';
      let delivered = false;
      let source: IqSource | null = null;
      openingSinceMs = Date.now();
      try {
        source = await openSensorSource(sensor, { realtime: true, log });
      } catch (err) {
        const e = asError(err);
        if (FATAL_CODES.has(e.code)) {
          setState('error', e.message, e.code);
          return;
        }
        reason = `cannot open ${sensor.sourceText}: ${e.message}`;
      }
      openingSinceMs = null;
      if (source !== null) {
        const stream = new SharedBlockStream(source, counters.onBlock);
        current = stream;
        if (signal.aborted) {
          await stream.close();
          break;
        }
        run++;
        const thisRun = run;
        const info = source.info;
        configuredRateSps = info.rateSps;
        const opts = sensorPipelineOptions(sensor, site, info.rateSps);
        const settle = settleSamplesFor(site.settleS, info.rateSps);
        const live = fingerprintOf(info, opts);
        counters.newRun();
        counters.onFirst = (b, nowMs) => {
          delivered = true;
          post({ type: 'stream', run: thisRun, centerHz: b.centerHz, rateSps: b.rateSps, originMs: nowMs - ((b.firstSample + b.count) / b.rateSps) * 1000, label: info.label });
        };
        let lastSpectrumMs = -Infinity;
        const onSlowFrame = (f: SpectrumFrame): void => {
          const t = performance.now();
          // 10 % slack: slow frames come every ≈ 100 ms, a strict limit would skip every other one (the server enforces ≤ 10/s)
          if (t - lastSpectrumMs < 0.9 * minSpectrumMs) return;
          lastSpectrumMs = t;
          const n = f.power.length;
          const factor = decimationFactor(n);
          const out = new Float32Array(Math.ceil(n / factor)); // one per posted frame (≤ 10/s): transferred, so not reusable
          maxDecimate(f.power, factor, out, true);
          const stepHz = f.rateSps / n;
          post(
            {
              type: 'spectrum',
              run: thisRun,
              timeS: (f.firstSample + f.sampleCount) / f.rateSps,
              centerHz: f.centerHz,
              rateSps: f.rateSps,
              startHz: f.centerHz - f.rateSps / 2 + ((factor - 1) / 2) * stepHz,
              stepHz: factor * stepHz,
              powerDbfs: out,
            },
            [out.buffer as ArrayBuffer],
          );
        };
        try {
          let baseline: Baseline;
          if (stored !== null) {
            checkFingerprint(stored.fingerprint, live, sensor.baselinePath ?? 'baseline');
            baseline = stored;
          } else {
            if (learned !== null && !sameFingerprint(learned.fingerprint, live)) {
              log.warn({ stored: learned.fingerprint, live }, 'live settings changed since the warm-up: learning a new baseline');
              learned = null;
            }
            if (learned === null) {
              setState('learning');
              const warm = settle + Math.round(site.warmupS * info.rateSps);
              const r = await learnBaseline(stream.view(warm), opts, 'warmup', { settleSamples: settle });
              if (signal.aborted) break;
              if (stream.ended || r.baseline.fast.frames < 4) throw new QuietBandError(`the source ended during the warm-up (${r.stats.samples} samples)`, 'IO');
              learned = r.baseline;
              log.info({ seconds: learned.durationS, fastFrames: learned.fast.frames, slowFrames: learned.slow.frames }, 'warm-up baseline learned');
            }
            baseline = learned;
          }
          const traces = baselineTraces(baseline, sensor.detector);
          const n = traces.levelDb.length;
          const factor = decimationFactor(n);
          const levelDb = new Float32Array(Math.ceil(n / factor));
          const thresholdDb = new Float32Array(levelDb.length);
          maxDecimate(traces.levelDb, factor, levelDb);
          maxDecimate(traces.thresholdDb, factor, thresholdDb);
          const stepHz = info.rateSps / n;
          post(
            { type: 'baseline', method: baseline.method, createdAt: baseline.createdAt, startHz: info.centerHz - info.rateSps / 2 + ((factor - 1) / 2) * stepHz, stepHz: factor * stepHz, levelDb, thresholdDb },
            [levelDb.buffer as ArrayBuffer, thresholdDb.buffer as ArrayBuffer],
          );
          setState('armed');
          await detect(stream.view(), baseline, opts, (ev) => post({ type: 'detection', run: thisRun, ev }), { settleSamples: settle, onSlowFrame }, sensor.baselinePath ?? 'warm-up baseline');
          reason = 'the source ended';
        } catch (err) {
          const e = asError(err);
          if (FATAL_CODES.has(e.code)) {
            setState('error', e.message, e.code);
            await stream.close();
            return;
          }
          reason = e.message;
        } finally {
          counters.onFirst = null;
          await stream.close();
          current = null;
        }
      }
      if (signal.aborted) break;
      if (delivered) failures = 0;
      const delayMs = Math.min(site.restart.initialMs * 2 ** failures, site.restart.maxMs);
      failures++;
      setState('offline', `${reason}; reopening in ${Math.round(delayMs)} ms`);
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        break;
      }
    }
  } finally {
    clearInterval(healthTimer);
    signal.removeEventListener('abort', onAbort);
    if (state !== 'error') setState('stopped');
  }
}

/**
 * Records a baseline (mode 'calibrate', method 'calibrate'): opens the source (sim and files as fast as they can be
 * read), discards the settle, learns from `calibrate.seconds` seconds (or until a file ends), writes
 * `calibrate.output` with saveBaseline and posts 'calibrated'. Failures are posted as 'fatal' (code + message).
 */
export async function calibrateSensor(host: SensorRunnerHost): Promise<void> {
  const { data, post, signal, log } = host;
  const { sensor, site } = data;
  const cal = data.calibrate;
  let stream: SharedBlockStream | null = null;
  const onAbort = (): void => {
    void stream?.close();
  };
  signal.addEventListener('abort', onAbort);
  try {
    if (cal === undefined) throw new QuietBandError('calibrate: missing seconds/output', 'CONFIG');
    const source = await openSensorSource(sensor, { realtime: false, log });
    stream = new SharedBlockStream(source);
    const info = source.info;
    const opts = sensorPipelineOptions(sensor, site, info.rateSps);
    const settle = settleSamplesFor(site.settleS, info.rateSps);
    post({ type: 'state', state: 'learning' });
    const { baseline, stats } = await learnBaseline(stream.view(settle + Math.round(cal.seconds * info.rateSps)), opts, 'calibrate', { settleSamples: settle });
    await stream.close();
    if (signal.aborted) throw new QuietBandError('calibrate: stopped', 'IO');
    if (baseline.fast.frames < 4) {
      throw new QuietBandError(`${sensor.sourceText}: too little signal for a baseline (${stats.samples} samples; need at least 4 FFT frames)`, 'BAD_INPUT');
    }
    await saveBaseline(cal.output, baseline);
    post({
      type: 'calibrated',
      path: cal.output,
      durationS: baseline.durationS,
      fastFrames: baseline.fast.frames,
      slowFrames: baseline.slow.frames,
      fingerprint: { ...baseline.fingerprint },
    });
  } catch (err) {
    const e = asError(err);
    post({ type: 'fatal', code: e.code, message: e.message });
  } finally {
    signal.removeEventListener('abort', onAbort);
    await stream?.close();
  }
}
