// End of stream: only whole frames and whole Welch averages are analysed, so a stream's last samples never make a
// detection of their own; noise alone gives none; a burst in the last 5 ms is still found (docs/detector.md "End of stream").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayFile } from '../../src/cli/replay.js';
import { writeSimCapture, Prng, type Scenario } from '../../src/source/sim.js';
import { SpectrumEngine } from '../../src/spectrum/spectrum-engine.js';
import type { SpectrumFrame } from '../../src/spectrum/frames.js';
import { pffftAvailable } from '../../src/dsp/pffft.js';
import { nativeFrameAvailable } from '../../src/dsp/native-frame.js';
import { DEFAULT_SETTLE_SAMPLES } from '../../src/pipeline.js';
import type { IqBlock } from '../../src/types.js';
import { silentLog } from '../helpers.js';

interface Det { centerHz: number; startS: number; endS: number; peakExcessDb: number }

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-eos-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the scenario as a SigMF cu8 recording in the temp folder and replays it (auto baseline, default flags). */
async function replaySim(name: string, scenario: Scenario): Promise<{ dets: Det[]; samples: number }> {
  const { metaPath } = await writeSimCapture(join(dir, name), scenario);
  const dets: Det[] = [];
  const s = await replayFile(metaPath, { progress: false }, (line) => dets.push(JSON.parse(line) as Det), silentLog);
  await rm(metaPath.replace(/meta$/, 'data'));
  return { dets, samples: s.samples };
}

/**
 * Writes `total` samples of complex white Gaussian noise as cu8 (−35 dBFS over the band, centre 127.5: σ = 1.6 LSB per
 * component, the sim's default level) to `path`, fast: each byte is one of 65536 quantised normal draws picked by a
 * xorshift32 index (≈ 3 ns per sample, so 30 s at 2.4 MS/s is written in well under a second of CPU).
 */
function writeNoiseCu8(path: string, total: number, seed: number): void {
  const prng = new Prng(seed);
  const sigma = 127.5 * Math.sqrt(10 ** -3.5 / 2);
  const table = new Uint8Array(65536);
  for (let i = 0; i < table.length; i++) table[i] = Math.max(0, Math.min(255, Math.round(127.5 + sigma * prng.normal())));
  let x = (seed * 2654435761) >>> 0 || 1;
  const chunk = new Uint8Array(2 * 1_048_576);
  const fd = openSync(path, 'w');
  try {
    for (let done = 0; done < total;) {
      const n = Math.min(total - done, chunk.length / 2);
      for (let i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        x >>>= 0;
        chunk[2 * i] = table[x & 0xffff];
        chunk[2 * i + 1] = table[x >>> 16];
      }
      writeSync(fd, chunk, 0, 2 * n);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
}

const BACKENDS = ['fft.js', ...(pffftAvailable() ? ['pffft'] : []), ...(nativeFrameAvailable() ? ['fftw'] : [])];

describe('end of stream: whole frames only', () => {
  it.each(BACKENDS)('%s: no short frame or Welch average reaches past the last sample, and every whole one is delivered', (backend) => {
    const fftSize = 256;
    const average = 7;
    // 10 007 samples in blocks of odd sizes: the stream ends inside a frame and inside an average
    const total = 10_007;
    const prng = new Prng(5);
    const samples = new Float32Array(2 * total);
    for (let i = 0; i < samples.length; i++) samples[i] = 0.1 * prng.normal();
    const fast = new SpectrumEngine({ fftSize, window: 'hann', average: 0, dcRemoval: true, fftBackend: backend }, { prefix: true });
    const slow = new SpectrumEngine({ fftSize, window: 'hann', average, dcRemoval: true, fftBackend: backend }, { shortFrames: false, slowPrefix: true });
    const shortEnds: number[] = [];
    const slowFrames: { first: number; count: number; frames: number }[] = [];
    const sinkFast = { onShortFrame: (f: SpectrumFrame) => shortEnds.push(f.firstSample + f.sampleCount), onSlowFrame: () => undefined };
    const sinkSlow = {
      onShortFrame: () => undefined,
      onSlowFrame: (f: SpectrumFrame) => slowFrames.push({ first: f.firstSample, count: f.sampleCount, frames: f.frames }),
    };
    const sizes = [1000, 333, 4096, 1, 2500, 77];
    let first = 0;
    for (let k = 0; first < total; k++) {
      const count = Math.min(sizes[k % sizes.length], total - first);
      const block: IqBlock = {
        samples: samples.subarray(2 * first, 2 * (first + count)), count, centerHz: 0, rateSps: 1e6, firstSample: first,
        tuneId: 0, clipFraction: 0, discontinuity: false,
      };
      fast.push(block, sinkFast);
      slow.push(block, sinkSlow);
      first += count;
    }
    const hop = fftSize / 2;
    const wholeFrames = Math.floor((total - fftSize) / hop) + 1; // 77: the last ends at 9984, 23 samples before the end
    expect(shortEnds).toHaveLength(wholeFrames);
    expect(shortEnds[shortEnds.length - 1]).toBe((wholeFrames - 1) * hop + fftSize);
    expect(Math.max(...shortEnds)).toBeLessThanOrEqual(total);
    // Welch averages: only whole ones (7 frames each); the 6 frames after the 11th average are never averaged
    expect(slowFrames).toHaveLength(Math.floor(wholeFrames / average));
    for (const f of slowFrames) {
      expect(f.frames).toBe(average);
      expect(f.count).toBe((average - 1) * hop + fftSize);
      expect(f.first + f.count).toBeLessThanOrEqual(total);
    }
  });
});

describe('end of stream: replay', () => {
  // 433.92 MHz: a noise-baseline band. (At 100 MHz the whole band is FM broadcast, a background band with an envelope
  // baseline, where a noise spike is far less likely to pass.)
  const CENTER_HZ = 433.92e6;

  it.each([
    [1_000_000, 30_000_000, 1],
    [2_400_000, 72_000_077, 2], // ends 77 samples into a frame
  ])('noise only at %d S/s, %d samples (30 s): 0 detections', async (rateSps, total, seed) => {
    const file = join(dir, `noise_433.92M_${rateSps / 1000}k.cu8`);
    writeNoiseCu8(file, total, seed);
    const dets: Det[] = [];
    const s = await replayFile(file, { progress: false }, (line) => dets.push(JSON.parse(line) as Det), silentLog);
    await rm(file);
    expect(s.samples).toBe(total);
    expect(dets).toEqual([]);
  });

  it('a 30 dB tone burst in the last 5 ms of a 2 s recording at 1 MS/s is found, ending at the last analysed frame', async () => {
    const rateSps = 1_000_000;
    const { dets, samples } = await replaySim('burst-last-5ms', {
      rateSps, centerHz: CENTER_HZ, durationS: 2, seed: 3, carriers: [],
      events: [{ kind: 'tone', offsetHz: 150_000, snrDb: 30, startS: 1.995, durationS: 0.005 }],
    });
    expect(dets).toHaveLength(1);
    expect(Math.abs(dets[0].centerHz - (CENTER_HZ + 150_000))).toBeLessThan(1000);
    // fast frames: 256 samples, times are their middle halves (64..192), so within 0.2 ms of the burst's edges
    expect(Math.abs(dets[0].startS - 1.995)).toBeLessThan(0.0002);
    expect(dets[0].endS).toBeLessThanOrEqual(samples / rateSps);
    expect(dets[0].endS).toBeGreaterThan(2 - 0.0002);
    expect(dets[0].peakExcessDb).toBeGreaterThan(20);
  });

  it('a burst only in the samples after the last whole fast frame (64 samples at 1 MS/s) is not analysed: no detection', async () => {
    // 2 000 064 samples: after the 2048-sample settle the fast frames (256, hop 128) end 64 samples before the end,
    // so frames are never zero-padded to reach the last sample
    const rateSps = 1_000_000;
    const total = 2_000_064;
    expect((total - DEFAULT_SETTLE_SAMPLES - 256) % 128).toBe(64);
    const { dets, samples } = await replaySim('burst-in-tail', {
      rateSps, centerHz: CENTER_HZ, durationS: total / rateSps, seed: 4, carriers: [],
      events: [{ kind: 'tone', offsetHz: 150_000, snrDb: 40, startS: (total - 64) / rateSps, durationS: 64 / rateSps }],
    });
    expect(samples).toBe(total);
    expect(dets).toEqual([]);
  });
});
