// A scanning sensor's life inside its worker: open → per-hop baselines (stored or warm-up) → hop and detect → reopen; and its calibrate.
import { existsSync } from 'node:fs';
import { checkFingerprint, loadBaseline, saveBaseline, type Baseline, type BaselineFingerprint } from '../baseline/baseline.js';
import type { SensorSettings } from '../config/site-config.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../detector/options.js';
import { QuietBandError } from '../errors.js';
import { fingerprintOf, type PipelineOptions } from '../pipeline.js';
import { ScanLoop, type ScanLoopOptions } from '../scan/scan-loop.js';
import { scanBaselinePath, scanPlanOf, scanSettleSamples, DEFAULT_SCAN_SETTLE_MS, type SensorScanSettings } from '../scan/scan-config.js';
import { planHops, type Hop } from '../scan/scan-plan.js';
import { ScanSpectrum } from '../scan/scan-spectrum.js';
import type { ScanHealth } from '../server/protocol.js';
import { HoppingSimSource } from '../source/hopping-sim.js';
import { isRetunable, type RetunableSource } from '../source/retunable.js';
import { parseScenario } from '../source/sim.js';
import type { SpectrumFrame } from '../spectrum/frames.js';
import type { IqSourceInfo } from '../types.js';
import { HopEvidence } from './hop-evidence.js';
import { openSensorSource, type OpenSourceOptions } from './open-source.js';
import { sensorPipelineOptions, settleSamplesFor } from './sensor-pipeline.js';
import { calibrateWith, differingFields, storedBaselineVerdict, type SensorRunnerHost, type SensorRuntime } from './sensor-runtime.js';
import { superviseSensor } from './sensor-life.js';
import { calibratingNote } from '../server/message-text.js';
import { heardIn, type WorkerToMain } from './worker-protocol.js';

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

/**
 * Writes per-hop baselines `<output without .json>-<centerHz>.json` (with the default output
 * `<calibrationDir>/<site>-<sensor>.json` that is `<baselineBase>-<centerHz>.json`, which `run` loads).
 * @returns the paths in plan order and the fewest fast/slow frames of any hop.
 * @throws QuietBandError('IO') from saveBaseline.
 */
export async function saveScanBaselines(output: string, hops: readonly Hop[], baselines: Map<number, Baseline>): Promise<{ base: string; paths: string[]; fastFrames: number; slowFrames: number }> {
  const base = output.replace(/\.json$/i, '');
  const paths: string[] = [];
  let fastFrames = Infinity;
  let slowFrames = Infinity;
  for (const h of hops) {
    const b = baselines.get(h.centerHz)!;
    const p = scanBaselinePath(base, h.centerHz);
    await saveBaseline(p, b);
    paths.push(p);
    fastFrames = Math.min(fastFrames, b.fast.frames);
    slowFrames = Math.min(slowFrames, b.slow.frames);
  }
  return { base, paths, fastFrames, slowFrames };
}

/**
 * Runs a scanning sensor (`sensor.scan`) until `host.signal` aborts — the life cycle every sensor shares
 * ({@link superviseSensor}: states, reopen with backoff, health, evidence clips, `run --csv`) around a {@link ScanLoop}:
 * - baselines per hop: the stored `<calibrationDir>/<site>-<sensor>-<centerHz>.json` of every hop (written by
 *   `quietband calibrate --config`; each fingerprint must match the live settings at that centre, else state 'error';
 *   when only gain/ppm differ, a warm-up instead and 'baseline-refused' naming the first such file, as a fixed sensor),
 *   otherwise a warm-up that learns every hop from `warmupS` seconds of its own analysed samples (state 'learning': it
 *   takes about hops × warmupS × (dwell + settle) / dwell; kept across reopens while the settings stay the same);
 * - detections are posted like a single-band sensor's (merged across overlapping hops);
 * - spectra: every hop's latest slow frame stitched on one fixed grid over the whole scan ({@link ScanSpectrum}),
 *   ≤ `spectrumMaxPerS`, with the stitched baseline/threshold traces;
 * - health carries `scan`: the plan, the hop being visited and each segment's planned and measured revisit time;
 * - evidence clips (site `evidence.clips`) per hop ({@link HopEvidence}): the IQ of the hop where the detection was
 *   seen, its visits around the detection, one SigMF capture per visit;
 * - `run --csv`: a row per hop slow frame, each at its hop's centre (rtl_power's layout for a hopping scan);
 * - a calibration window's request ends the detect pass: state 'learning' while every hop records `seconds` of its
 *   own analysed samples from the same stream, saved as `<output without .json>-<centerHz>.json` and used at once.
 */
export async function runScanSensor(host: SensorRunnerHost): Promise<void> {
  const { data, signal, log } = host;
  const { sensor, site } = data;
  const scan = sensor.scan;
  if (scan === undefined) throw new QuietBandError(`sensor ${sensor.name}: runScanSensor without a scan`, 'CONFIG');
  const hops = planHops(scanPlanOf(scan, 0), sensor.rateSps);
  const hopsPerSegment = scan.segments.map((seg) => planHops(scanPlanOf({ ...scan, segments: [seg] }, 0), sensor.rateSps).length);
  let loop: ScanLoop | null = null;
  /** Settle after each retune (samples) once a loop has seen a block; the same for every loop of a stream. */
  let knownSettle = -1;
  const scanHealth = (rt: SensorRuntime): ScanHealth => {
    const rate = rt.current?.source.info.rateSps ?? sensor.rateSps;
    const settle = loop !== null && loop.settleSamples >= 0 ? loop.settleSamples : scanSettleSamples(scan, rate, 0);
    const settleMs = (settle / rate) * 1000;
    const segments = loop?.revisit() ?? scan.segments.map((s, i) => ({ ...s, hops: hopsPerSegment[i]!, plannedRevisitMs: hops.length * (scan.dwellMs + settleMs), revisitMs: null }));
    return { hops: hops.length, hopCenterHz: hops[loop?.hopIndex ?? 0]!.centerHz, dwellMs: scan.dwellMs, settleMs: Math.round(settleMs * 10) / 10, segments };
  };

  let stored: Map<number, Baseline> | null = null;
  /** Files of `stored`: `<storedBase>-<centerHz>.json` (the configured set, or the one a calibration window wrote). */
  let storedBase = scan.baselineBase;
  let learned: Map<number, Baseline> | null = null;
  await superviseSensor<RetunableSource>(host, {
    hopping: true,
    prepare: async () => {
      const r = await loadScanBaselines(scan, hops);
      stored = r.baselines;
      if (stored !== null) log.info({ hops: r.paths.length, first: r.paths[0] }, 'stored per-hop baselines');
      else if (r.missing.length < r.paths.length) {
        log.warn({ missing: r.missing }, `stored baselines exist for ${r.paths.length - r.missing.length} of ${r.paths.length} hops (the scan plan changed?): learning every hop during the warm-up; re-run quietband calibrate`);
      }
    },
    open: () => openScanSource(sensor, { realtime: true, log }),
    evidence: (info, originMs, o) => new HopEvidence(info, originMs, o, { hops: hops.length, dwellMs: scan.dwellMs, settleSamples: () => (knownSettle = Math.max(knownSettle, loop?.settleSamples ?? -1)) }),
    health: scanHealth,
    session: async (run) => {
      const { rt, source, stream, info } = run;
      const post = rt.post;
      const opts = scanPipelineOptions(sensor, site, info.rateSps);
      let baselines: Map<number, Baseline> | null = null;
      if (stored !== null) {
        // as a fixed sensor's: only gain/ppm differ → warm-up instead (health says how to refresh); else refused
        let refresh: Extract<WorkerToMain, { type: 'baseline-refused' }> | null = null;
        for (const h of hops) {
          const fp = stored.get(h.centerHz)!.fingerprint;
          const hopLive = hopFingerprint(info, opts, h);
          const path = scanBaselinePath(storedBase, h.centerHz);
          const v = storedBaselineVerdict(fp, hopLive);
          if (v.verdict === 'refuse') checkFingerprint(fp, hopLive, path);
          else if (v.verdict === 'refresh' && refresh === null) refresh = { type: 'baseline-refused', path, field: v.field!, stored: fp[v.field!], live: hopLive[v.field!] };
        }
        if (refresh !== null) {
          log.warn({ path: refresh.path, field: refresh.field, stored: refresh.stored, live: refresh.live }, `${refresh.path}: taken at ${refresh.field} ${JSON.stringify(refresh.stored)}, live ${JSON.stringify(refresh.live)}: learning warm-up baselines instead`);
          post(refresh);
          stored = null;
        } else baselines = stored;
      }
      if (baselines === null && learned !== null) {
        const live = hopFingerprint(info, opts, hops[0]!);
        if (differingFields(learned.get(hops[0]!.centerHz)!.fingerprint, live).length === 0) baselines = learned;
        else {
          log.warn({ live }, 'live settings changed since the warm-up: learning new baselines');
          learned = null;
        }
      }
      const spectrum = new ScanSpectrum(hops, info.rateSps, opts.spectrum.fftSize, opts.detector.dcGuardHz ?? DEFAULT_DETECTOR_OPTIONS.dcGuardHz);
      run.streamCenterHz = spectrum.centerHz;
      const postBaseline = (b: Map<number, Baseline>, fromStored: boolean): void => {
        const first = b.values().next().value as Baseline;
        const tr = spectrum.traces((h) => b.get(hops[h]!.centerHz), sensor.detector);
        const heard = hops.flatMap((h) => {
          const hb = b.get(h.centerHz);
          return hb !== undefined ? [heardIn(hb, h.centerHz)] : [];
        });
        const m: WorkerToMain = { type: 'baseline', method: first.method, createdAt: first.createdAt, startHz: spectrum.startHz, stepHz: spectrum.stepHz, levelDb: tr.levelDb, thresholdDb: tr.thresholdDb, heard };
        if (fromStored) m.path = `${storedBase}-<centerHz>.json`;
        post(m, [tr.levelDb.buffer as ArrayBuffer, tr.thresholdDb.buffer as ArrayBuffer]);
      };
      const onSlowFrame = (h: number, f: SpectrumFrame): void => {
        run.csvFrame(f); // `run --csv`: one row per hop frame, at the hop's own centre (as rtl_power's hops)
        spectrum.update(h, f.power, (f.firstSample + f.sampleCount) / f.rateSps);
        if (!run.spectrumDue()) return;
        const out = spectrum.snapshotDb(); // one per posted frame (≤ 10/s): transferred, so not reusable
        post(
          { type: 'spectrum', run: run.run, timeS: spectrum.timeS, centerHz: spectrum.centerHz, rateSps: spectrum.spanHz, startHz: spectrum.startHz, stepHz: spectrum.stepHz, powerDbfs: out },
          [out.buffer as ArrayBuffer],
        );
      };
      const loopOptions = (mode: 'run' | 'learn', learnSamplesPerHop: number, sig: AbortSignal): ScanLoopOptions => ({
        source,
        blocks: stream.view().blocks(),
        scan,
        planRateSps: sensor.rateSps,
        opts,
        startSettleSamples: settleSamplesFor(site.settleS, info.rateSps), // only the stream's first samples are below it
        mode,
        learnSamplesPerHop,
        signal: sig,
      });
      let fromStored = baselines !== null;
      try {
        for (;;) {
          const l = new ScanLoop({
            ...loopOptions('run', Math.round(site.warmupS * info.rateSps), rt.passSignal()),
            ...(baselines !== null ? { stored: baselines } : {}),
            hooks: {
              onDetection: run.emit,
              onLearned: (b) => {
                learned = b;
                log.info({ hops: b.size, seconds: (b.values().next().value as Baseline).durationS }, 'warm-up baselines learned (every hop)');
                postBaseline(b, false);
                rt.setState('armed');
              },
              onSlowFrame,
            },
          });
          loop = l;
          if (baselines !== null) {
            postBaseline(baselines, fromStored);
            run.setStateOnData('armed');
          } else run.setStateOnData('learning');
          log.info({ hops: hops.map((h) => h.centerHz), dwellMs: scan.dwellMs, settleMs: scan.settleMs ?? `${DEFAULT_SCAN_SETTLE_MS} + one buffer` }, 'scanning');
          await l.run();
          const cal = rt.calibration;
          if (cal === null || signal.aborted || stream.ended) return;
          // calibration window: every hop learns `seconds` of its own analysed samples from this stream, stored, then used
          const note = calibratingNote(cal.seconds, cal.reason, true);
          rt.setState('learning', note.message, undefined, note.code);
          const c = new ScanLoop({ ...loopOptions('learn', Math.round(cal.seconds * info.rateSps), signal), hooks: { onSlowFrame } });
          loop = c;
          const r = await c.run();
          rt.calibrationDone();
          if (signal.aborted) return;
          if (r.end !== 'learned' || r.baselines === null) throw new QuietBandError(`the source ended during the calibration (${c.visits} visits)`, 'IO');
          storedBase = cal.output.replace(/\.json$/i, '');
          try {
            const w = await saveScanBaselines(cal.output, hops, r.baselines);
            log.info({ hops: w.paths.length, paths: w.paths, fastFrames: w.fastFrames }, 'calibration baselines written (every hop)');
          } catch (err) {
            log.error({ err, output: cal.output }, 'calibration baselines not written (used until the worker restarts)');
          }
          baselines = r.baselines;
          stored = r.baselines;
          fromStored = true;
          run.newPass();
        }
      } finally {
        loop = null;
      }
    },
  });
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
  await calibrateWith(host, async (cal, hold) => {
    const scan = sensor.scan;
    if (scan === undefined) throw new QuietBandError(`sensor ${sensor.name}: not a scanning sensor`, 'CONFIG');
    const source = await openScanSource(sensor, { realtime: false, log });
    hold(source);
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
    const w = await saveScanBaselines(cal.output, l.hops, baselines);
    log.info({ hops: w.paths.length, paths: w.paths }, 'per-hop baselines written');
    const first = baselines.get(l.hops[0]!.centerHz)!;
    const heard = l.hops.map((h) => heardIn(baselines.get(h.centerHz)!, h.centerHz));
    post({ type: 'calibrated', path: w.paths.join('\n'), durationS: first.durationS, fastFrames: w.fastFrames, slowFrames: w.slowFrames, fingerprint: { ...first.fingerprint }, heard });
  });
}
