// Impulsive noise (docs/detector.md §7): clicks are set aside, a flat pair of them less than 50 ms apart too (once a
// minute); a keyed wideband transmitter (DECT-like 0.4 ms bursts every 10 ms) is one detection from its third burst on,
// one keying pairs of bursts from its second pair; a strong narrow pulse whose keying splatters over the whole band is
// reported from its second.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { openFileSource } from '../../src/source/file-source.js';
import { Prng } from '../../src/source/sim-generators.js';
import type { Detector } from '../../src/detector/detector.js';
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

/** Writes `cu8` to a temp file `name`, learns the first CALIB_S, and returns the detections closed after it. */
async function learnAndDetect(name: string, cu8: Buffer): Promise<{ detector: Detector; dets: DetectionEvent[] }> {
  const file = path.join(tmp, name);
  writeFileSync(file, cu8);
  const opts = pipelineOptions({}, RATE);
  const { baseline } = await learnBaseline(await openFileSource(file), opts, 'auto', { maxSamples: CALIB_S * RATE });
  const dets: DetectionEvent[] = [];
  const { detector } = await detect(await openFileSource(file), baseline, opts, (ev) => {
    if (ev.kind === 'close' && ev.startS >= CALIB_S) dets.push(ev);
  });
  return { detector, dets };
}

describe('clicks and keyed wideband bursts (1 MS/s, white noise 4 LSB rms)', () => {
  it('clicks alone raise nothing; ten 0.4 ms bursts every 10 ms are one detection from the third burst', async () => {
    const rng = new Prng(9);
    const n = DURATION_S * RATE;
    const out = Buffer.alloc(2 * n);
    const amp = new Float32Array(n).fill(4);
    for (const [t, len] of [...CLICKS, ...TRAIN]) amp.fill(40, Math.round(t * RATE), Math.round((t + len) * RATE));
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 2; c++) out[2 * i + c] = Math.max(0, Math.min(255, Math.round(127.5 + amp[i]! * rng.normal())));
    }
    const { detector, dets } = await learnAndDetect('clicks_433.92M_1000k.cu8', out);
    // the two clicks are counted as impulses, and so are the train's first two bursts (a flat pair)
    expect(detector.impulse.impulses).toBe(4);
    expect(dets.length).toBe(1);
    const d = dets[0]!;
    // the third burst starts at 3.22 s; a short frame's hit stands for its middle half (± 0.13 ms)
    expect(d.startS).toBeGreaterThan(TRAIN_START_S + 0.02 - 0.001);
    expect(d.startS).toBeLessThan(TRAIN_START_S + 0.02 + 0.001);
    // the last burst ends at 3.2904 s; the track bridges the 9.6 ms gaps and ends with it (± a frame and the hold)
    expect(d.endS!).toBeGreaterThan(TRAIN_START_S + 0.09);
    expect(d.endS!).toBeLessThan(TRAIN_START_S + 0.09 + 0.03);
    expect(d.bandwidthHz).toBeGreaterThan(0.5 * RATE);
  }, 60_000);

  it('a transmitter keying pairs of flat bursts (8 ms apart, every 200 ms) is reported from its second pair', async () => {
    const rng = new Prng(10);
    const n = DURATION_S * RATE;
    const out = Buffer.alloc(2 * n);
    const amp = new Float32Array(n).fill(4);
    const pairs = [2.5, 2.7, 2.9, 3.1];
    for (const t of pairs) for (const b of [t, t + 0.008]) amp.fill(40, Math.round(b * RATE), Math.round((b + 400e-6) * RATE));
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 2; c++) out[2 * i + c] = Math.max(0, Math.min(255, Math.round(127.5 + amp[i]! * rng.normal())));
    }
    const { detector, dets } = await learnAndDetect('pairs_433.92M_1000k.cu8', out);
    // the first pair is taken for two chance clicks; a second flat pair within CLICK_PAIR_QUIET_S is not: each later
    // pair's second burst is tracked at once (first bursts stay single clicks: 4 + 1)
    expect(detector.impulse.impulses).toBe(5);
    expect(dets.map((d) => Math.round(d.startS * 1000))).toEqual([2708, 2908, 3108]);
  }, 60_000);

  it('a strong 0.5 ms tone keyed twice 30 ms apart, splattering over the band, is reported from its second pulse', async () => {
    const rng = new Prng(11);
    const n = DURATION_S * RATE;
    const out = Buffer.alloc(2 * n);
    const toneHz = 120_000;
    // 1 LSB of noise: the keying edges splatter ≥ 12 dB over it across the band (a real pulse does through the front end)
    const pulses = [3.0, 3.03];
    for (let i = 0; i < n; i++) {
      const t = i / RATE;
      const on = pulses.some((p) => t >= p && t < p + 0.0005);
      const ph = 2 * Math.PI * toneHz * t;
      const iv = rng.normal() + (on ? 120 * Math.cos(ph) : 0);
      const qv = rng.normal() + (on ? 120 * Math.sin(ph) : 0);
      out[2 * i] = Math.max(0, Math.min(255, Math.round(127.5 + iv)));
      out[2 * i + 1] = Math.max(0, Math.min(255, Math.round(127.5 + qv)));
    }
    const { detector, dets } = await learnAndDetect('pulse_433.92M_1000k.cu8', out);
    // the first pulse's leading frame is a click (alone), the pulse itself is tracked; the second pulse's leading
    // frame peaks ≥ 15 dB at the carrier, so it is no click pair: reported from its first frame (± half a frame)
    expect(detector.impulse.impulses).toBe(1);
    expect(dets.map((x) => Math.round((x.centerHz - 433_920_000) / 1000))).toEqual([120, 120]);
    expect(dets[0]!.startS).toBeGreaterThan(3.0);
    expect(dets[0]!.startS).toBeLessThan(3.0007);
    expect(Math.abs(dets[1]!.startS - 3.03)).toBeLessThan(0.0003);
  }, 60_000);
});
