// Impulsive noise (docs/detector.md §7): clicks are set aside; a keyed wideband transmitter (DECT-like 0.4 ms bursts
// every 10 ms) is one detection from its second burst on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { openFileSource } from '../../src/source/file-source.js';
import { Prng } from '../../src/source/sim-generators.js';
import type { DetectionEvent } from '../../src/types.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-clicks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RATE = 1_000_000;
const DURATION_S = 4;
const CALIB_S = 2;
/** Whole-band bursts of white noise 20 dB over the floor: [start s, length s]. */
const CLICKS: [number, number][] = [[2.5, 200e-6], [2.8, 200e-6]];
const TRAIN_START_S = 3.2;
const TRAIN: [number, number][] = Array.from({ length: 10 }, (_, k) => [TRAIN_START_S + 0.01 * k, 400e-6]);

describe('clicks and keyed wideband bursts (1 MS/s, white noise 4 LSB rms)', () => {
  it('two clicks 0.3 s apart raise nothing; ten 0.4 ms bursts every 10 ms are one detection from the second burst', async () => {
    const rng = new Prng(9);
    const n = DURATION_S * RATE;
    const out = Buffer.alloc(2 * n);
    const amp = new Float32Array(n).fill(4);
    for (const [t, len] of [...CLICKS, ...TRAIN]) amp.fill(40, Math.round(t * RATE), Math.round((t + len) * RATE));
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 2; c++) out[2 * i + c] = Math.max(0, Math.min(255, Math.round(127.5 + amp[i]! * rng.normal())));
    }
    const file = path.join(tmp, 'clicks_433.92M_1000k.cu8');
    writeFileSync(file, out);
    const opts = pipelineOptions({}, RATE);
    const { baseline } = await learnBaseline(await openFileSource(file), opts, 'auto', { maxSamples: CALIB_S * RATE });
    const dets: DetectionEvent[] = [];
    const { detector } = await detect(await openFileSource(file), baseline, opts, (ev) => {
      if (ev.kind === 'close' && ev.startS >= CALIB_S) dets.push(ev);
    });
    // the two clicks are counted as impulses, and so is the train's first burst
    expect(detector.impulses).toBe(3);
    expect(dets.length).toBe(1);
    const d = dets[0]!;
    // the second burst starts at 3.21 s; a short frame's hit stands for its middle half (± 0.13 ms)
    expect(d.startS).toBeGreaterThan(TRAIN_START_S + 0.01 - 0.001);
    expect(d.startS).toBeLessThan(TRAIN_START_S + 0.01 + 0.001);
    // the last burst ends at 3.2904 s; the track bridges the 9.6 ms gaps and ends with it (± a frame and the hold)
    expect(d.endS!).toBeGreaterThan(TRAIN_START_S + 0.09);
    expect(d.endS!).toBeLessThan(TRAIN_START_S + 0.09 + 0.03);
    expect(d.bandwidthHz).toBeGreaterThan(0.5 * RATE);
  }, 60_000);
});
