// One sensor's life inside its worker: open → settle → stored or warm-up baseline → detect until the source ends → reopen.
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { checkFingerprint, loadBaseline, saveBaseline, type Baseline, type BaselineFingerprint, FINGERPRINT_FIELDS } from '../baseline/baseline.js';
import { QuietBandError } from '../errors.js';
import { detect, fingerprintOf, learnBaseline } from '../pipeline.js';
import type { SpectrumFrame } from '../spectrum/spectrum-engine.js';
import type { DetectionEvent, IqBlock, IqSource } from '../types.js';
import { DetectionEvidence } from '../evidence/detection-evidence.js';
import { RtlPowerCsvWriter } from '../spectrum/rtl-power-csv.js';
import { SharedBlockStream } from './block-stream.js';
import { openSensorSource } from './open-source.js';
import { RateMeter } from './sensor-health.js';
import { baselineTraces, decimationFactor, maxDecimate, sensorPipelineOptions, settleSamplesFor } from './sensor-pipeline.js';
import type { MainToWorker, SensorState, SensorWorkerData, WorkerToMain } from './worker-protocol.js';

/** What {@link runSensor} / {@link calibrateSensor} need from their host (the worker shell, or a test). */
export interface SensorRunnerHost {
  data: SensorWorkerData;
  /** Sends a message to the main thread; `transfer` lists buffers to move instead of copy. */
  post: (msg: WorkerToMain, transfer?: ArrayBuffer[]) => void;
  /** Aborted on shutdown: the runner closes its source and returns. */
  signal: AbortSignal;
  log: Logger;
  /** Emits 'message' with main → worker messages other than 'stop' (a calibration request). */
  control?: EventEmitter;
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
  return differingFields(a, b).length === 0;
}

/** Fingerprint fields both know and that differ, in FINGERPRINT_FIELDS order. */
function differingFields(a: BaselineFingerprint, b: BaselineFingerprint): (keyof BaselineFingerprint)[] {
  return FINGERPRINT_FIELDS.filter((f) => a[f] !== undefined && b[f] !== undefined && a[f] !== b[f]);
}

/**
 * Fields whose change makes a stored baseline unusable but not the sensor: the sensor falls back to a warm-up baseline
 * and its health says how to refresh the stored one (FIELD-NOTES 4, 8). Any other difference (FFT size, rate, centre…)
 * means the file belongs to another set-up: refused, state 'error'.
 */
const REFRESHABLE_FIELDS: ReadonlySet<string> = new Set(['gainDb', 'ppm']);

/**
 * `run --csv`: one rtl_power CSV writer for the worker's life. Rows are stamped from the first run's sample 0; frames of
 * later runs (source reopened, new sample 0) are shifted onto that clock. Called per slow frame (≈ 10/s): one reused
 * frame object, the writer builds its row string.
 */
class CsvTap {
  private readonly writer: RtlPowerCsvWriter;
  private readonly shifted: SpectrumFrame;
  constructor(path: string, private readonly originMs: number, timeZone: string, append: boolean) {
    this.writer = new RtlPowerCsvWriter(path, originMs, timeZone, append ? 'a' : 'w');
    this.shifted = { power: new Float32Array(0), firstSample: 0, sampleCount: 0, centerHz: 0, rateSps: 0, tuneId: 0, clipFraction: 0, frames: 0 };
  }
  /** Writes frame `f` of a run whose sample 0 was at `runOriginMs`. */
  write(f: SpectrumFrame, runOriginMs: number): void {
    const shift = Math.round(((runOriginMs - this.originMs) / 1000) * f.rateSps);
    if (shift === 0) {
      this.writer.write(f);
      return;
    }
    Object.assign(this.shifted, f);
    this.shifted.firstSample = f.firstSample + shift;
    this.writer.write(this.shifted);
  }
  close(): Promise<void> {
    return this.writer.close();
  }
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
  /** File `stored` came from (the configured one, or the one a calibration window wrote). */
  let storedPath = sensor.baselinePath;
  let learned: Baseline | null = null;
  let failures = 0;
  let run = 0;
  let pendingCal: { seconds: number; output: string; reason: string } | null = null;
  const onControl = (m: MainToWorker): void => {
    if (m.type !== 'calibrate') return;
    pendingCal = { seconds: m.seconds, output: m.output, reason: m.reason };
    log.info({ seconds: m.seconds, output: m.output, reason: m.reason }, 'calibration requested');
  };
  host.control?.on('message', onControl);
  const evidenceOn = site.evidence?.clips === true && site.dataDir !== undefined;
  let csv: CsvTap | null = null;
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
        let evidence: DetectionEvidence | null = null;
        let runOriginMs = 0;
        const stream = new SharedBlockStream(source, (b) => {
          counters.onBlock(b);
          evidence?.push(b);
        });
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
          runOriginMs = nowMs - ((b.firstSample + b.count) / b.rateSps) * 1000;
          post({ type: 'stream', run: thisRun, centerHz: b.centerHz, rateSps: b.rateSps, originMs: runOriginMs, label: info.label });
          if (evidenceOn) {
            const ev = site.evidence!;
            evidence = new DetectionEvidence(info, runOriginMs, {
              dataDir: site.dataDir!,
              sensor: sensor.name,
              preS: ev.preS,
              postS: ev.postS,
              maxS: ev.maxS,
              quotaBytes: Math.round(ev.quotaMiB * 1024 * 1024),
              pictures: ev.pictures,
              log,
              post: (e, clip) => post(clip === undefined ? { type: 'detection', run: thisRun, ev: e } : { type: 'detection', run: thisRun, ev: e, clip }),
            });
          }
          if (data.csv !== undefined && csv === null) {
            csv = new CsvTap(data.csv.path, runOriginMs, site.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, data.csv.append);
            log.info({ csv: data.csv.path, append: data.csv.append }, 'writing spectra as rtl_power CSV');
          }
        };
        const csvHook = data.csv === undefined ? undefined : (f: SpectrumFrame): void => csv?.write(f, runOriginMs);
        let lastSpectrumMs = -Infinity;
        const onSlowFrame = (f: SpectrumFrame): void => {
          csvHook?.(f);
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
            const diff = differingFields(stored.fingerprint, live);
            if (diff.length > 0 && diff.every((f) => REFRESHABLE_FIELDS.has(f))) {
              const field = diff[0]!;
              const msg = `${storedPath ?? 'baseline'}: taken at ${field} ${JSON.stringify(stored.fingerprint[field])}, live ${JSON.stringify(live[field])}: using a warm-up baseline instead`;
              log.warn({ stored: stored.fingerprint, live }, msg);
              post({ type: 'baseline-refused', path: storedPath ?? 'baseline', field, stored: stored.fingerprint[field], live: live[field] });
              stored = null;
            } else checkFingerprint(stored.fingerprint, live, storedPath ?? 'baseline');
          }
          if (stored !== null) {
            baseline = stored;
          } else {
            if (learned !== null && !sameFingerprint(learned.fingerprint, live)) {
              log.warn({ stored: learned.fingerprint, live }, 'live settings changed since the warm-up: learning a new baseline');
              learned = null;
            }
            if (learned === null) {
              setState('learning');
              const warm = settle + Math.round(site.warmupS * info.rateSps);
              const r = await learnBaseline(stream.view(warm), opts, 'warmup', { settleSamples: settle, ...(csvHook !== undefined ? { onSlowFrame: csvHook } : {}) });
              if (signal.aborted) break;
              if (stream.ended || r.baseline.fast.frames < 4) throw new QuietBandError(`the source ended during the warm-up (${r.stats.samples} samples)`, 'IO');
              learned = r.baseline;
              log.info({ seconds: learned.durationS, fastFrames: learned.fast.frames, slowFrames: learned.slow.frames }, 'warm-up baseline learned');
            }
            baseline = learned;
          }
          // track ids restart at 1 in every detect pass: offset them so they stay unique within the stream
          let idOffset = 0;
          let maxId = 0;
          const emit = (ev0: DetectionEvent): void => {
            const ev = idOffset === 0 ? ev0 : { ...ev0, id: ev0.id + idOffset };
            if (ev.id > maxId) maxId = ev.id;
            if (evidence !== null) evidence.onEvent(ev);
            else post({ type: 'detection', run: thisRun, ev });
          };
          // a detect pass ends early (after the block in hand) when a calibration is requested
          const interruptible = (src: IqSource): IqSource => ({
            info: src.info,
            async *blocks() {
              for await (const b of src.blocks()) {
                yield b;
                if (pendingCal !== null) return;
              }
            },
            close: () => src.close(),
          });
          let fromStored = stored !== null && baseline === stored;
          for (;;) {
            const traces = baselineTraces(baseline, sensor.detector);
            const n = traces.levelDb.length;
            const factor = decimationFactor(n);
            const levelDb = new Float32Array(Math.ceil(n / factor));
            const thresholdDb = new Float32Array(levelDb.length);
            maxDecimate(traces.levelDb, factor, levelDb);
            maxDecimate(traces.thresholdDb, factor, thresholdDb);
            const stepHz = info.rateSps / n;
            const bm: WorkerToMain = { type: 'baseline', method: baseline.method, createdAt: baseline.createdAt, startHz: info.centerHz - info.rateSps / 2 + ((factor - 1) / 2) * stepHz, stepHz: factor * stepHz, levelDb, thresholdDb };
            if (fromStored && storedPath !== null) bm.path = storedPath;
            post(bm, [levelDb.buffer as ArrayBuffer, thresholdDb.buffer as ArrayBuffer]);
            setState('armed');
            await detect(interruptible(stream.view()), baseline, opts, emit, { settleSamples: settle, onSlowFrame }, storedPath ?? 'warm-up baseline');
            const cal = pendingCal as { seconds: number; output: string; reason: string } | null;
            if (cal === null || signal.aborted || stream.ended) break;
            // calibration window: record a baseline from the next `seconds` of this stream, store it, detect with it
            setState('learning', `calibration: recording ${cal.seconds} s of baseline (${cal.reason})`);
            const r = await learnBaseline(stream.view(Math.round(cal.seconds * info.rateSps)), opts, 'calibrate', { settleSamples: 0, ...(csvHook !== undefined ? { onSlowFrame: csvHook } : {}) });
            pendingCal = null;
            if (signal.aborted) break;
            if (stream.ended || r.baseline.fast.frames < 4) throw new QuietBandError(`the source ended during the calibration (${r.stats.samples} samples)`, 'IO');
            try {
              await saveBaseline(cal.output, r.baseline);
              log.info({ output: cal.output, seconds: r.baseline.durationS, fastFrames: r.baseline.fast.frames, slowFrames: r.baseline.slow.frames }, 'calibration baseline written');
            } catch (err) {
              log.error({ err, output: cal.output }, 'calibration baseline not written (used until the worker restarts)');
            }
            baseline = r.baseline;
            stored = r.baseline;
            storedPath = cal.output;
            fromStored = true;
            idOffset = maxId;
          }
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
          const ev = evidence as DetectionEvidence | null;
          if (ev !== null) await ev.close(signal.aborted).catch((err: unknown) => log.error({ err }, 'evidence clips of the run not finished'));
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
    host.control?.off('message', onControl);
    const c = csv as CsvTap | null;
    if (c !== null) await c.close().catch((err: unknown) => log.error({ err }, 'CSV not closed'));
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
