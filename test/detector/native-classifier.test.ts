// The detector's native bin classification (quietband_dsp addon) gives exactly the JS loop's detections on real captures.
import { describe, expect, it } from 'vitest';
import { openFileSource } from '../../src/source/file-source.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { nativeFrameAvailable } from '../../src/dsp/native-frame.js';
import type { DetectionEvent } from '../../src/types.js';
import { capture } from '../helpers.js';

/**
 * Detections of one capture with the given backend and classifier (baseline learnt from the same file), the short
 * frames analysed and those the gated engine skipped as cold.
 */
async function detections(file: string, backend: string, nativeClassifier: boolean, blockSamples?: number): Promise<DetectionEvent[]> {
  return (await detectionRun(file, backend, nativeClassifier, blockSamples)).evs;
}

async function detectionRun(file: string, backend: string, nativeClassifier: boolean, blockSamples?: number) {
  const src = await openFileSource(file);
  const opts = pipelineOptions({}, src.info.rateSps);
  opts.spectrum.fftBackend = backend;
  opts.detector = { ...opts.detector, nativeClassifier };
  const { baseline } = await learnBaseline(src, opts, 'auto');
  const evs: DetectionEvent[] = [];
  const { stats, detector } = await detect(await openFileSource(file, { blockSamples }), baseline, opts, (ev) => evs.push(ev));
  return { evs, shortFrames: stats.shortFrames, skipped: detector.skippedFrames };
}

describe('native classifier', () => {
  it('is built here (libfftw3-dev is installed by .ci/run)', () => {
    expect(nativeFrameAvailable()).toBe(true);
  });

  // the 2 MS/s Mode S file (64–120 µs replies, wide kernel), a 250 kS/s OOK file with clipping, and the x10 remote (6 packets)
  for (const name of ['dump1090_modes1_1090M_2000k.cu8', 'generic_remote_SC2260_arm_433.92M_250k.cu8', 'x10_HR12A_B1on_310M_250k.cu8']) {
    it(`${name}: the same detections, field for field, as the JS classification (both FFT paths)`, async () => {
      for (const backend of ['fftw', 'pffft']) {
        const js = await detections(capture(name), backend, false);
        const native = await detections(capture(name), backend, true);
        expect(js.length).toBeGreaterThan(0);
        expect(native).toEqual(js);
      }
    });
  }

  it('the fftw engine skips the cold short frames in the addon (the same detections, whatever the block size)', async () => {
    const file = capture('x10_HR12A_B1on_310M_250k.cu8');
    const js = await detectionRun(file, 'fftw', false);
    expect(js.skipped).toBe(0);
    // 196 608 samples − 2 048 settle, FFT 256 with hop 128: 1 519 short frames
    expect(js.shortFrames).toBe(1519);
    for (const blockSamples of [65_536, 4_097, 1_000, 200_000]) {
      const gated = await detectionRun(file, 'fftw', true, blockSamples);
      expect(gated.evs).toEqual(js.evs);
      expect(gated.shortFrames).toBe(1519);
      // six packets in 0.79 s: most frames are cold and never reach the detector in JS
      expect(gated.skipped).toBeGreaterThan(1519 / 2);
      expect(gated.skipped).toBeLessThan(1519);
    }
    // pffft has no native kernel to gate: every frame is delivered
    expect((await detectionRun(file, 'pffft', true)).skipped).toBe(0);
  });
});

describe('native learner kernel', () => {
  it('learns the very baseline the JS learner learns (frames with and without the engine prefix sum), on a clipped real capture', async () => {
    const { SpectrumEngine } = await import('../../src/spectrum/spectrum-engine.js');
    const { BaselineLearner } = await import('../../src/baseline/learner.js');
    const { measureNoiseShapes } = await import('../../src/baseline/noise-shape.js');
    const { fingerprintOf } = await import('../../src/pipeline.js');
    const file = capture('generic_remote_SC2260_arm_433.92M_250k.cu8');
    const learn = async (prefix: boolean) => {
      const src = await openFileSource(file);
      const opts = pipelineOptions({}, src.info.rateSps);
      const fast = new SpectrumEngine({ ...opts.spectrum, fftSize: opts.fastFftSize, average: 0 }, { prefix });
      const learner = new BaselineLearner(fingerprintOf(src.info, opts), measureNoiseShapes(opts));
      const sink = { onShortFrame: (f: Parameters<typeof learner.addShort>[0]) => learner.addShort(f), onSlowFrame: () => {} };
      for await (const b of src.blocks()) fast.push(b, sink);
      const bl = learner.finish('calibrate');
      return { fast: bl.fast, fastWide: bl.fastWide, frames: learner.frames, skipped: learner.skippedFrames };
    };
    const js = await learn(false);
    const native = await learn(true);
    expect(js.frames.fast).toBeGreaterThan(400);
    expect(js.skipped.fast).toBeGreaterThan(0); // the floor gate did reject clipped frames: its median decides here
    expect(native).toEqual(js);
  });
});

describe('learner frame selection', () => {
  it('a native engine passes over the frames the learner thins out: the very same baseline, a fraction of the frames computed', async () => {
    const { SpectrumEngine } = await import('../../src/spectrum/spectrum-engine.js');
    const { BaselineLearner } = await import('../../src/baseline/learner.js');
    const { measureNoiseShapes } = await import('../../src/baseline/noise-shape.js');
    const { fingerprintOf } = await import('../../src/pipeline.js');
    const { SimSource, defaultScenario } = await import('../../src/source/sim.js');
    // 2 s of the default scenario at 2.4 MS/s: 37 500 short frames, so the learner thins past its first 4 000
    const scenario = { ...defaultScenario(), rateSps: 2_400_000, durationS: 2 };
    const learn = async (select: boolean) => {
      const src = new SimSource(scenario, { blockSamples: 65_536 });
      const opts = pipelineOptions({}, src.info.rateSps);
      const fast = new SpectrumEngine({ ...opts.spectrum, fftSize: opts.fastFftSize, average: 0 }, { prefix: true });
      const learner = new BaselineLearner(fingerprintOf(src.info, opts), measureNoiseShapes(opts));
      let computed = 0;
      let passed = 0;
      if (select) {
        expect(fast.setSelector({
          framesToSkip: learner.shortSelector.framesToSkip,
          onSkipped: (count, first, hop, size, tune) => {
            passed += count;
            learner.shortSelector.onSkipped(count, first, hop, size, tune);
          },
        })).toBe(true);
      }
      const sink = {
        onShortFrame: (f: Parameters<typeof learner.addShort>[0]) => {
          computed++;
          learner.addShort(f);
        },
        onSlowFrame: () => {},
      };
      for await (const b of src.blocks()) fast.push(b, sink);
      const bl = learner.finish('calibrate');
      return { baseline: { fast: bl.fast, fastWide: bl.fastWide, durationS: bl.durationS }, frames: learner.frames, computed, passed };
    };
    const all = await learn(false);
    const selected = await learn(true);
    expect(all.computed).toBe(37_499); // (4 800 000 − 256) / 128 + 1
    expect(selected.computed + selected.passed).toBe(37_499);
    // every 2nd frame up to 4 000 learned, then every 9th (2 000 per second at 18 750 frames/s)
    expect(selected.computed).toBeGreaterThan(6_000);
    expect(selected.computed).toBeLessThan(8_000);
    expect(selected.frames).toEqual(all.frames);
    expect(selected.baseline).toEqual(all.baseline);
    expect(all.baseline.durationS).toBeCloseTo(2, 3);
  });
});

describe('slow-frame prefix sums', () => {
  it('the pipeline slow engine gives each Welch frame the prefix sum of its float32 power (what the classifier reads)', async () => {
    const { slowEngineFor } = await import('../../src/pipeline.js');
    const src = await openFileSource(capture('x10_HR12A_B1on_310M_250k.cu8'));
    const opts = pipelineOptions({}, src.info.rateSps);
    const engine = slowEngineFor(opts);
    let frames = 0;
    let worst = 0;
    const sink = {
      onShortFrame: () => { throw new Error('the slow engine forms no short frames'); },
      onSlowFrame: (f: { power: Float32Array; prefix?: Float64Array }) => {
        frames++;
        const pre = f.prefix as Float64Array;
        expect(pre.length).toBe(f.power.length + 1);
        let acc = 0;
        for (let k = 0; k < f.power.length; k++) {
          acc += f.power[k];
          worst = Math.max(worst, Math.abs(pre[k + 1] - acc));
        }
      },
    };
    for await (const b of src.blocks()) engine.push(b, sink);
    expect(frames).toBeGreaterThan(5);
    expect(worst).toBe(0);
  });
});
