// One sensor's life inside its worker: open → settle → stored or warm-up baseline → detect until the source ends → reopen.
import { checkFingerprint, loadBaseline, saveBaseline, type Baseline } from '../baseline/baseline.js';
import { QuietBandError } from '../errors.js';
import { detect, fingerprintOf, learnBaseline } from '../pipeline.js';
import type { SpectrumFrame } from '../spectrum/frames.js';
import type { IqSource } from '../types.js';
import { SharedBlockStream } from './block-stream.js';
import { openSensorSource } from './open-source.js';
import { sensorPipelineOptions, settleSamplesFor } from './sensor-pipeline.js';
import { baselineTraces, decimationFactor, maxDecimate } from '../spectrum-view.js';
import { calibrateWith, differingFields, storedBaselineVerdict, type SensorRunnerHost } from './sensor-runtime.js';
import { superviseSensor } from './sensor-life.js';
import { calibratingNote } from '../server/message-text.js';
import { heardIn, type WorkerToMain } from './worker-protocol.js';

export { HEALTH_REPORT_MS, type SensorRunnerHost } from './sensor-runtime.js';

/**
 * Runs one sensor until `host.signal` aborts (mode 'run'):
 * 1. state 'starting'; open the source (open failures such as a missing or busy dongle → 'offline', retried after
 *    the backoff; CONFIG/BAD_INPUT/NATIVE_UNAVAILABLE → 'error', not retried; NOT_RTL_TCP → 'offline', retried);
 * 2. baseline: the stored one (`sensor.baselinePath`), whose fingerprint must match the live settings
 *    (checkFingerprint; a mismatch → state 'error' whose message names the field, no detections, no retry), or one
 *    learned from the first `warmupS` seconds after the settle (state 'learning', no detections; kept across reopens
 *    while the fingerprint stays the same);
 * 3. state 'armed': detect() on the very next samples (no gap after the warm-up), posting detections and ≤ 10
 *    spectra/s (dBFS, ≤ 1024 points, transferred);
 * 4. when the source ends or throws: state 'offline' with the reason, reopen after `restart.initialMs · 2^k`
 *    (≤ `restart.maxMs`; k resets after a run that delivered blocks).
 * Health is posted every {@link HEALTH_REPORT_MS}; the life cycle (states, reopen, health, clips, CSV) is
 * {@link superviseSensor}'s. A calibration window's request (main → worker 'calibrate') ends the detect pass after
 * the block in hand: state 'learning', `seconds` of baseline recorded from the same stream and saved to `output`, then
 * detection with it (track ids continue). Ends with state 'stopped'.
 */
export async function runSensor(host: SensorRunnerHost): Promise<void> {
  const { data, signal, log } = host;
  const { sensor, site } = data;
  let stored: Baseline | null = null;
  /** File `stored` came from (the configured one, or the one a calibration window wrote). */
  let storedPath = sensor.baselinePath;
  let learned: Baseline | null = null;
  await superviseSensor(host, {
    hopping: false,
    prepare: async () => {
      if (sensor.baselinePath !== null) stored = await loadBaseline(sensor.baselinePath);
    },
    open: () => openSensorSource(sensor, { realtime: true, log }),
    session: async (run) => {
      const { rt, stream, info } = run;
      const post = rt.post;
      const opts = sensorPipelineOptions(sensor, site, info.rateSps);
      const settle = settleSamplesFor(site.settleS, info.rateSps);
      const live = fingerprintOf(info, opts);
      const csvHook = data.csv === undefined ? undefined : run.csvFrame;
      const onSlowFrame = (f: SpectrumFrame): void => {
        csvHook?.(f);
        if (!run.spectrumDue()) return;
        const n = f.power.length;
        const factor = decimationFactor(n);
        const out = new Float32Array(Math.ceil(n / factor)); // one per posted frame (≤ 10/s): transferred, so not reusable
        maxDecimate(f.power, factor, out, true);
        const stepHz = f.rateSps / n;
        post(
          {
            type: 'spectrum',
            run: run.run,
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
      let baseline: Baseline;
      if (stored !== null) {
        const v = storedBaselineVerdict(stored.fingerprint, live);
        if (v.verdict === 'refresh') {
          const field = v.field!;
          const msg = `${storedPath ?? 'baseline'}: taken at ${field} ${JSON.stringify(stored.fingerprint[field])}, live ${JSON.stringify(live[field])}: using a warm-up baseline instead`;
          log.warn({ stored: stored.fingerprint, live }, msg);
          post({ type: 'baseline-refused', path: storedPath ?? 'baseline', field, stored: stored.fingerprint[field], live: live[field] });
          stored = null;
        } else checkFingerprint(stored.fingerprint, live, storedPath ?? 'baseline');
      }
      if (stored !== null) {
        baseline = stored;
      } else {
        if (learned !== null && differingFields(learned.fingerprint, live).length > 0) {
          log.warn({ stored: learned.fingerprint, live }, 'live settings changed since the warm-up: learning a new baseline');
          learned = null;
        }
        if (learned === null) {
          run.setStateOnData('learning');
          const warm = settle + Math.round(site.warmupS * info.rateSps);
          const r = await learnBaseline(stream.view(warm), opts, 'warmup', { settleSamples: settle, ...(csvHook !== undefined ? { onSlowFrame: csvHook } : {}) });
          if (signal.aborted) return;
          if (stream.ended || r.baseline.fast.frames < 4) throw new QuietBandError(`the source ended during the warm-up (${r.stats.samples} samples)`, 'IO');
          learned = r.baseline;
          log.info({ seconds: learned.durationS, fastFrames: learned.fast.frames, slowFrames: learned.slow.frames }, 'warm-up baseline learned');
        }
        baseline = learned;
      }
      // a detect pass ends early (after the block in hand) when a calibration is requested
      const interruptible = (src: IqSource): IqSource => ({
        info: src.info,
        async *blocks() {
          for await (const b of src.blocks()) {
            yield b;
            if (rt.calibration !== null) return;
          }
        },
        close: () => src.close(),
        health: () => src.health(),
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
        const bm: WorkerToMain = { type: 'baseline', method: baseline.method, createdAt: baseline.createdAt, startHz: info.centerHz - info.rateSps / 2 + ((factor - 1) / 2) * stepHz, stepHz: factor * stepHz, levelDb, thresholdDb, heard: [heardIn(baseline)] };
        if (fromStored && storedPath !== null) bm.path = storedPath;
        post(bm, [levelDb.buffer as ArrayBuffer, thresholdDb.buffer as ArrayBuffer]);
        run.setStateOnData('armed');
        rt.hearing.watch(baseline.emitters ?? []);
        await detect(interruptible(stream.view()), baseline, opts, run.emit, {
          settleSamples: settle, onSlowFrame, onEmitterAppearance: (a) => rt.hearing.onHeard(a.emitter),
        }, storedPath ?? 'warm-up baseline');
        const cal = rt.calibration;
        if (cal === null || signal.aborted || stream.ended) return;
        // calibration window: record a baseline from the next `seconds` of this stream, store it, detect with it
        const note = calibratingNote(cal.seconds, cal.reason, false);
        rt.setState('learning', note.message, undefined, note.code);
        const r = await learnBaseline(stream.view(Math.round(cal.seconds * info.rateSps)), opts, 'calibrate', { settleSamples: 0, ...(csvHook !== undefined ? { onSlowFrame: csvHook } : {}) });
        rt.calibrationDone();
        if (signal.aborted) return;
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
        run.newPass();
      }
    },
  });
}

/**
 * Records a baseline (mode 'calibrate', method 'calibrate'): opens the source (sim and files as fast as they can be
 * read), discards the settle, learns from `calibrate.seconds` seconds (or until a file ends), writes
 * `calibrate.output` with saveBaseline and posts 'calibrated'. Failures are posted as 'fatal' (code + message).
 */
export async function calibrateSensor(host: SensorRunnerHost): Promise<void> {
  const { data, post, signal, log } = host;
  const { sensor, site } = data;
  await calibrateWith(host, async (cal, hold) => {
    const source = await openSensorSource(sensor, { realtime: false, log });
    const stream = new SharedBlockStream(source);
    hold(stream);
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
      heard: [heardIn(baseline)],
    });
  });
}
