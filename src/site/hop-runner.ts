// A scanning sensor's life inside its worker: open → per-hop baselines (stored or warm-up) → hop and detect → reopen; and its calibrate.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkFingerprint, FINGERPRINT_FIELDS, loadBaseline, saveBaseline, type Baseline, type BaselineFingerprint } from '../baseline/baseline.js';
import type { SensorSettings } from '../config/site-config.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../detector/detector.js';
import { QuietBandError } from '../errors.js';
import { fingerprintOf, type PipelineOptions } from '../pipeline.js';
import { ScanLoop } from '../scan/scan-loop.js';
import { scanBaselinePath, scanPlanOf, scanSettleSamples, DEFAULT_SCAN_SETTLE_MS, type SensorScanSettings } from '../scan/scan-config.js';
import { planHops, type Hop } from '../scan/scan-plan.js';
import { ScanSpectrum } from '../scan/scan-spectrum.js';
import type { ScanHealth } from '../server/protocol.js';
import { HoppingSimSource } from '../source/hopping-sim.js';
import { isRetunable, type RetunableSource } from '../source/retunable.js';
import { parseScenario } from '../source/sim.js';
import type { IqBlock, IqSourceInfo } from '../types.js';
import { SharedBlockStream } from './block-stream.js';
import { openSensorSource, type OpenSourceOptions } from './open-source.js';
import { RateMeter } from './sensor-health.js';
import { sensorPipelineOptions, settleSamplesFor } from './sensor-pipeline.js';
import { HEALTH_REPORT_MS, type SensorRunnerHost } from './sensor-runner.js';
import type { SensorState, WorkerToMain } from './worker-protocol.js';

/** Error codes after which reopening cannot help (as in sensor-runner.ts). */
const FATAL_CODES = new Set(['CONFIG', 'BAD_INPUT', 'BASELINE_MISMATCH', 'NATIVE_UNAVAILABLE', 'NOT_RTL_TCP']);

function asError(err: unknown): { code: string; message: string } {
  if (err instanceof QuietBandError) return { code: err.code, message: err.message };
  return { code: 'IO', message: err instanceof Error ? err.message : String(err) };
}

/** Block length of a hopping sim sensor (complex samples): the power of two ≤ rateSps × 0.008 (≈ 8 ms), clamped to 1024…65536, so a dwell ends within 8 ms of its plan. */
export function hopSimBlockSamples(rateSps: number): number {
  let n = 1024;
  while (n * 2 <= rateSps * 0.008 && n < 65536) n *= 2;
  return n;
}

/**
 * Opens a scanning sensor's source, tuned to the sensor's `centerHz` (the loop retunes it to the first hop):
 * - `sim`: {@link HoppingSimSource} over the sensor's scenario as a world around `centerHz` (signals at
 *   centerHz + offsetHz), looping, `scan.simStaleMs` of stale samples after each retune, blocks of
 *   {@link hopSimBlockSamples};
 * - `rtlsdr`, `rtltcp`: as a single-band sensor (openSensorSource); both can retune.
 * @throws QuietBandError('CONFIG') for `file:` sources or a source without retune; the open errors of openSensorSource.
 */
export async function openScanSource(sensor: SensorSettings, o: OpenSourceOptions): Promise<RetunableSource> {
  const scan = sensor.scan;
  if (scan === undefined) throw new QuietBandError(`sensor ${sensor.name}: not a scanning sensor`, 'CONFIG');
  if (sensor.source.kind === 'sim') {
    if (sensor.scenario === undefined) throw new QuietBandError(`sensor ${sensor.name}: sim source without a scenario (resolveSite not called)`, 'CONFIG');
    const scenario = parseScenario(sensor.scenario);
    return new HoppingSimSource(scenario, {
      realtime: o.realtime,
      loop: true,
      blockSamples: hopSimBlockSamples(scenario.rateSps),
      staleSamples: Math.round((scan.simStaleMs / 1000) * scenario.rateSps),
      centerHz: sensor.centerHz,
    });
  }
  if (sensor.source.kind === 'file') throw new QuietBandError(`sensor ${sensor.name}: a file: source cannot hop`, 'CONFIG');
  const src = await openSensorSource(sensor, o);
  if (!isRetunable(src)) {
    await src.close();
    throw new QuietBandError(`sensor ${sensor.name}: ${sensor.sourceText} cannot be retuned`, 'CONFIG');
  }
  return src;
}

/**
 * A scanning sensor's pipeline options: the single-band ones (sensorPipelineOptions) with the Welch average shortened
 * so that a whole slow frame fits in one dwell — the spectrum engines restart at every retune, so a longer average
 * would never complete and the slow path would be blind. average ≤ ⌊dwell samples / (fftSize/2)⌋ − 1 (≥ 1); calibrate
 * and run use the same rule, so their fingerprints agree.
 */
export function scanPipelineOptions(sensor: SensorSettings, site: SensorRunnerHost['data']['site'], rateSps: number): PipelineOptions {
  const o = sensorPipelineOptions(sensor, site, rateSps);
  const dwellSamples = Math.round(((sensor.scan?.dwellMs ?? 0) / 1000) * rateSps);
  const fit = Math.max(1, Math.floor(dwellSamples / (o.spectrum.fftSize / 2)) - 1);
  if (o.spectrum.average > fit) o.spectrum = { ...o.spectrum, average: fit };
  return o;
}

/** True when two fingerprints agree on every field both know (checkFingerprint's rule, without throwing). */
function sameFingerprint(a: BaselineFingerprint, b: BaselineFingerprint): boolean {
  for (const f of FINGERPRINT_FIELDS) if (a[f] !== undefined && b[f] !== undefined && a[f] !== b[f]) return false;
  return true;
}

/** The live fingerprint of one hop. */
function hopFingerprint(info: IqSourceInfo, opts: PipelineOptions, hop: Hop): BaselineFingerprint {
  return fingerprintOf({ ...info, centerHz: hop.centerHz, centerKnown: true }, opts);
}

/**
 * Reads the stored per-hop baselines `<baselineBase>-<centerHz>.json` of a plan.
 * @returns the baselines by plan centre when every hop has one; null when none or only some exist (`missing` lists them).
 * @throws QuietBandError('BAD_INPUT') for an unreadable file.
 */
export async function loadScanBaselines(scan: SensorScanSettings, hops: readonly Hop[]): Promise<{ baselines: Map<number, Baseline> | null; paths: string[]; missing: string[] }> {
  const paths = hops.map((h) => scanBaselinePath(scan.baselineBase, h.centerHz));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) return { baselines: null, paths, missing };
  const out = new Map<number, Baseline>();
  for (const [i, h] of hops.entries()) out.set(h.centerHz, await loadBaseline(paths[i]!));
  return { baselines: out, paths, missing };
}

/** Health counters of the blocks a scanning sensor receives (allocation-free per block). */
class ScanCounters {
  lastBlockAtMs: number | null = null;
  samples = 0;
  gaps = 0;
  maxClip = 0;
  first = true;
  readonly meter = new RateMeter(5000);
  onFirst: ((b: IqBlock, nowMs: number) => void) | null = null;
  onAfter: ((nowMs: number) => void) | null = null;
  readonly onBlock = (b: IqBlock): void => {
    const now = Date.now();
    if (this.first) {
      this.first = false;
      this.onFirst?.(b, now);
    } else if (b.discontinuity && b.tuneId === this.lastTune) this.gaps++; // a retune's discontinuity is not a gap
    this.lastTune = b.tuneId;
    this.lastBlockAtMs = now;
    this.samples += b.count;
    this.meter.add(now, this.samples);
    if (b.clipFraction > this.maxClip) this.maxClip = b.clipFraction;
    this.onAfter?.(now);
  };
  private lastTune = -1;
  newRun(): void {
    this.first = true;
    this.lastTune = -1;
    this.meter.reset();
  }
}

/**
 * Runs a scanning sensor (`sensor.scan`) until `host.signal` aborts — the single-band runner's life cycle (states,
 * reopen with backoff, health every {@link HEALTH_REPORT_MS}) around a {@link ScanLoop}:
 * - baselines per hop: the stored `<calibrationDir>/<site>-<sensor>-<centerHz>.json` of every hop (written by
 *   `quietband calibrate --config`; each fingerprint must match the live settings at that centre, else state 'error'),
 *   otherwise a warm-up that learns every hop from `warmupS` seconds of its own analysed samples (state 'learning': it
 *   takes about hops × warmupS × (dwell + settle) / dwell; kept across reopens while the settings stay the same);
 * - detections are posted like a single-band sensor's (merged across overlapping hops);
 * - spectra: every hop's latest slow frame stitched on one fixed grid over the whole scan ({@link ScanSpectrum}),
 *   ≤ `spectrumMaxPerS`, with the stitched baseline/threshold traces;
 * - health carries `scan`: the plan, the hop being visited and each segment's planned and measured revisit time.
 */
export async function runScanSensor(host: SensorRunnerHost): Promise<void> {
  const { data, post, signal, log } = host;
  const { sensor, site } = data;
  const scan = sensor.scan;
  if (scan === undefined) throw new QuietBandError(`sensor ${sensor.name}: runScanSensor without a scan`, 'CONFIG');
  const minSpectrumMs = 1000 / (data.spectrumMaxPerS ?? 10);
  const planHopsAtConfig = planHops(scanPlanOf(scan, 0), sensor.rateSps);
  const hopsPerSegment = scan.segments.map((seg) => planHops(scanPlanOf({ ...scan, segments: [seg] }, 0), sensor.rateSps).length);
  let state = 'starting' as SensorState;
  const setState = (s: SensorState, message?: string, code?: string): void => {
    state = s;
    const m: WorkerToMain = { type: 'state', state: s };
    if (message !== undefined) m.message = message;
    if (code !== undefined) m.code = code;
    post(m);
    log.info({ state: s, message }, 'sensor state');
  };

  const counters = new ScanCounters();
  let current: SharedBlockStream | null = null;
  let loop: ScanLoop | null = null;
  let configuredRateSps = sensor.rateSps;
  let lastHealthMs = 0;
  let openingSinceMs: number | null = null;
  const scanHealth = (): ScanHealth => {
    const rate = current?.source.info.rateSps ?? sensor.rateSps;
    const settle = loop !== null && loop.settleSamples >= 0 ? loop.settleSamples : scanSettleSamples(scan, rate, 0);
    const settleMs = (settle / rate) * 1000;
    const hops = loop?.hops ?? planHopsAtConfig;
    const segments = loop?.revisit() ?? scan.segments.map((s, i) => ({ ...s, hops: hopsPerSegment[i]!, plannedRevisitMs: hops.length * (scan.dwellMs + settleMs), revisitMs: null }));
    return { hops: hops.length, hopCenterHz: hops[loop?.hopIndex ?? 0]!.centerHz, dwellMs: scan.dwellMs, settleMs: Math.round(settleMs * 10) / 10, segments };
  };
  const postHealth = (): void => {
    lastHealthMs = Date.now();
    let dropped = counters.gaps;
    const src = current?.source as { health?: () => unknown } | undefined;
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
      streaming: current !== null && !counters.first,
      scan: scanHealth(),
    });
    counters.maxClip = 0;
  };
  counters.onAfter = (nowMs) => {
    if (nowMs - lastHealthMs >= HEALTH_REPORT_MS) postHealth();
  };
  const healthTimer = setInterval(() => {
    if (Date.now() - lastHealthMs >= HEALTH_REPORT_MS / 2) postHealth();
  }, HEALTH_REPORT_MS);
  const onAbort = (): void => {
    void current?.close();
  };
  signal.addEventListener('abort', onAbort);

  let stored: Map<number, Baseline> | null = null;
  let learned = null as Map<number, Baseline> | null; // set from the loop's onLearned hook
  let failures = 0;
  let run = 0;
  try {
    try {
      const r = await loadScanBaselines(scan, planHopsAtConfig);
      stored = r.baselines;
      if (stored !== null) log.info({ hops: r.paths.length, first: r.paths[0] }, 'stored per-hop baselines');
      else if (r.missing.length < r.paths.length) {
        log.warn({ missing: r.missing }, `stored baselines exist for ${r.paths.length - r.missing.length} of ${r.paths.length} hops (the scan plan changed?): learning every hop during the warm-up; re-run quietband calibrate`);
      }
    } catch (err) {
      const e = asError(err);
      setState('error', e.message, e.code);
      return;
    }
    while (!signal.aborted) {
      setState('starting');
      let reason = 'no source';
      let delivered = false;
      let source: RetunableSource | null = null;
      openingSinceMs = Date.now();
      try {
        source = await openScanSource(sensor, { realtime: true, log });
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
        const opts = scanPipelineOptions(sensor, site, info.rateSps);
        counters.newRun();
        try {
          const hops = planHopsAtConfig;
          const live = hopFingerprint(info, opts, hops[0]!);
          let baselines: Map<number, Baseline> | null = null;
          if (stored !== null) {
            for (const h of hops) checkFingerprint(stored.get(h.centerHz)!.fingerprint, hopFingerprint(info, opts, h), scanBaselinePath(scan.baselineBase, h.centerHz));
            baselines = stored;
          } else if (learned !== null) {
            if (sameFingerprint(learned.get(hops[0]!.centerHz)!.fingerprint, live)) baselines = learned;
            else {
              log.warn({ live }, 'live settings changed since the warm-up: learning new baselines');
              learned = null;
            }
          }
          const spectrum = new ScanSpectrum(hops, info.rateSps, opts.spectrum.fftSize, opts.detector.dcGuardHz ?? DEFAULT_DETECTOR_OPTIONS.dcGuardHz);
          const postBaseline = (b: Map<number, Baseline>): void => {
            const first = b.values().next().value as Baseline;
            const tr = spectrum.traces((h) => b.get(hops[h]!.centerHz), sensor.detector);
            post(
              { type: 'baseline', method: first.method, createdAt: first.createdAt, startHz: spectrum.startHz, stepHz: spectrum.stepHz, levelDb: tr.levelDb, thresholdDb: tr.thresholdDb },
              [tr.levelDb.buffer as ArrayBuffer, tr.thresholdDb.buffer as ArrayBuffer],
            );
          };
          counters.onFirst = (b, nowMs) => {
            delivered = true;
            post({ type: 'stream', run: thisRun, centerHz: spectrum.centerHz, rateSps: b.rateSps, originMs: nowMs - ((b.firstSample + b.count) / b.rateSps) * 1000, label: info.label });
          };
          let lastSpectrumMs = -Infinity;
          const l = new ScanLoop({
            source,
            blocks: stream.view().blocks(),
            scan,
            planRateSps: sensor.rateSps,
            opts,
            startSettleSamples: settleSamplesFor(site.settleS, info.rateSps),
            mode: 'run',
            learnSamplesPerHop: Math.round(site.warmupS * info.rateSps),
            ...(baselines !== null ? { stored: baselines } : {}),
            signal,
            hooks: {
              onDetection: (ev) => post({ type: 'detection', run: thisRun, ev }),
              onLearned: (b) => {
                learned = b;
                log.info({ hops: b.size, seconds: (b.values().next().value as Baseline).durationS }, 'warm-up baselines learned (every hop)');
                postBaseline(b);
                setState('armed');
              },
              onSlowFrame: (h, f) => {
                spectrum.update(h, f.power, (f.firstSample + f.sampleCount) / f.rateSps);
                const t = performance.now();
                if (t - lastSpectrumMs < 0.9 * minSpectrumMs) return;
                lastSpectrumMs = t;
                const out = spectrum.snapshotDb(); // one per posted frame (≤ 10/s): transferred, so not reusable
                post(
                  { type: 'spectrum', run: thisRun, timeS: spectrum.timeS, centerHz: spectrum.centerHz, rateSps: spectrum.spanHz, startHz: spectrum.startHz, stepHz: spectrum.stepHz, powerDbfs: out },
                  [out.buffer as ArrayBuffer],
                );
              },
            },
          });
          loop = l;
          if (baselines !== null) {
            postBaseline(baselines);
            setState('armed');
          } else setState('learning');
          log.info({ hops: hops.map((h) => h.centerHz), dwellMs: scan.dwellMs, settleMs: scan.settleMs ?? `${DEFAULT_SCAN_SETTLE_MS} + one buffer` }, 'scanning');
          await l.run();
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
          loop = null;
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
 * Records per-hop baselines of a scanning sensor (worker mode 'calibrate', method 'calibrate'): hops the source
 * (sim as fast as it renders, live sources in real time), learns every hop from `calibrate.seconds` seconds of its own
 * analysed samples, and writes `<output without .json>-<centerHz>.json` per hop — with the default output
 * `<calibrationDir>/<site>-<sensor>.json` that is `<calibrationDir>/<site>-<sensor>-<centerHz>.json`, which `run`
 * loads. Posts 'calibrated' with `path` = the files written, one per line (calibrate prints them one per line),
 * `durationS` = seconds learned per hop, frame counts of the hop with the fewest. Failures are posted as 'fatal'.
 */
export async function calibrateScanSensor(host: SensorRunnerHost): Promise<void> {
  const { data, post, signal, log } = host;
  const { sensor, site } = data;
  const cal = data.calibrate;
  let source: RetunableSource | null = null;
  const onAbort = (): void => {
    void source?.close();
  };
  signal.addEventListener('abort', onAbort);
  try {
    if (cal === undefined) throw new QuietBandError('calibrate: missing seconds/output', 'CONFIG');
    const scan = sensor.scan;
    if (scan === undefined) throw new QuietBandError(`sensor ${sensor.name}: not a scanning sensor`, 'CONFIG');
    source = await openScanSource(sensor, { realtime: false, log });
    const info = source.info;
    const opts = scanPipelineOptions(sensor, site, info.rateSps);
    post({ type: 'state', state: 'learning' });
    const l = new ScanLoop({
      source,
      scan,
      planRateSps: sensor.rateSps,
      opts,
      startSettleSamples: settleSamplesFor(site.settleS, info.rateSps),
      mode: 'learn',
      learnSamplesPerHop: Math.round(cal.seconds * info.rateSps),
      signal,
    });
    const { end, baselines } = await l.run();
    if (signal.aborted) throw new QuietBandError('calibrate: stopped', 'IO');
    if (end !== 'learned' || baselines === null) {
      throw new QuietBandError(`${sensor.sourceText}: the source ended before every hop had ${cal.seconds} s of signal (${l.visits} visits)`, 'BAD_INPUT');
    }
    const base = cal.output.replace(/\.json$/i, '');
    const paths: string[] = [];
    let fast = Infinity;
    let slow = Infinity;
    for (const h of l.hops) {
      const b = baselines.get(h.centerHz)!;
      const p = scanBaselinePath(base, h.centerHz);
      await saveBaseline(p, b);
      paths.push(p);
      fast = Math.min(fast, b.fast.frames);
      slow = Math.min(slow, b.slow.frames);
    }
    log.info({ hops: paths.length, paths }, 'per-hop baselines written');
    const first = baselines.get(l.hops[0]!.centerHz)!;
    post({ type: 'calibrated', path: paths.join('\n'), durationS: first.durationS, fastFrames: fast, slowFrames: slow, fingerprint: { ...first.fingerprint } });
  } catch (err) {
    const e = asError(err);
    post({ type: 'fatal', code: e.code, message: e.message });
  } finally {
    signal.removeEventListener('abort', onAbort);
    await source?.close();
  }
}
