// A newcomer in a track's extent (docs/detector.md §4): a second transmitter keyed on while a strong one with a noisy
// oscillator is on. The strong one's skirt (a Wiener phase of linewidth Δν: L(f) = Δν/(πf²)) stands over the release
// level across the band in the slow path's averages, so its track's extent, and the band its groups match, grew over
// the whole band: the second transmitter, 40 kHz away and as strong, continued that track and was never reported.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/source/sim-random.js';
import type { DetectionEvent } from '../../src/types.js';
import { detectionsAfterCalibration } from './after-calibration.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-newcomer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RATE = 250_000;
const CALIB_S = 3;
const TOTAL_S = 11;
const NOISE_POWER = 1e-5;
/** Noise power in 12.5 kHz. */
const NOISE_CHANNEL = NOISE_POWER * (12_500 / RATE);

/**
 * One emitter of a scene: centre (Hz), on over [fromS, toS) (s), `db` over the noise in 12.5 kHz, FM by a 1 kHz tone
 * at `devHz` peak deviation (0: a carrier) or, with `fskBaud`, 2-FSK at ±`devHz` by random bits at that rate (Bd) after
 * `preambleS` of its upper tone alone, and a Wiener phase of `linewidthHz`.
 */
interface Emitter {
  hz: number;
  fromS: number;
  toS: number;
  db: number;
  devHz: number;
  linewidthHz: number;
  fskBaud?: number;
  preambleS?: number;
}

/** cf32 samples of `totalS` seconds: white noise (seed `seed`) and the emitters, keyed on and off abruptly. */
function scene(seed: number, emitters: readonly Emitter[], totalS = TOTAL_S): Buffer {
  const n = totalS * RATE;
  const out = new Float32Array(2 * n);
  const rng = new Prng(seed);
  const sn = Math.sqrt(NOISE_POWER / 2);
  const amp = emitters.map((e) => Math.sqrt(NOISE_CHANNEL * 10 ** (e.db / 10)));
  const pnStep = emitters.map((e) => Math.sqrt((2 * Math.PI * e.linewidthHz) / RATE));
  const phase = emitters.map(() => 0);
  const bit = emitters.map(() => 1);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let re = sn * rng.normal();
    let im = sn * rng.normal();
    for (let k = 0; k < emitters.length; k++) {
      const e = emitters[k]!;
      if (t < e.fromS || t >= e.toS) continue;
      if (e.fskBaud !== undefined && t < e.fromS + (e.preambleS ?? 0)) bit[k] = 1;
      else if (e.fskBaud !== undefined && Math.floor((i * e.fskBaud) / RATE) !== Math.floor(((i - 1) * e.fskBaud) / RATE)) bit[k] = rng.normal() < 0 ? -1 : 1;
      const fm = e.fskBaud === undefined ? Math.sin(2 * Math.PI * 1000 * t) : bit[k]!;
      phase[k] += (2 * Math.PI * (e.hz + e.devHz * fm)) / RATE + pnStep[k]! * rng.normal();
      re += amp[k]! * Math.cos(phase[k]!);
      im += amp[k]! * Math.sin(phase[k]!);
    }
    out[2 * i] = re;
    out[2 * i + 1] = im;
  }
  return Buffer.from(out.buffer);
}

const offsetHz = (d: DetectionEvent) => d.centerHz - 433.92e6;
const near = (dets: readonly DetectionEvent[], hz: number) => dets.filter((d) => Math.abs(offsetHz(d) - hz) < 3_000);

describe('Tracker: a newcomer inside a strong track\'s extent', () => {
  it('a second 40 dB carrier keyed on 40 kHz from a 40 dB carrier with a 300 Hz linewidth is a detection of its own, with its own times', async () => {
    const { dets } = await detectionsAfterCalibration(tmp, 'pair_433.92M_250k.cf32', scene(25, [
      { hz: -30_000, fromS: 4, toS: 10, db: 40, devHz: 0, linewidthHz: 300 },
      { hz: 10_000, fromS: 6, toS: 9, db: 40, devHz: 0, linewidthHz: 300 },
    ]), RATE, CALIB_S);
    const first = near(dets, -30_000);
    const second = near(dets, 10_000);
    expect(first).toHaveLength(1);
    expect(first[0].startS).toBeCloseTo(4, 1);
    expect(first[0].endS!).toBeCloseTo(10, 1);
    // keyed on while the first was on: one detection from its own key-on (± one short frame) to its end
    expect(second).toHaveLength(1);
    expect(Math.abs(second[0].startS - 6)).toBeLessThan(0.01);
    expect(Math.abs(second[0].endS! - 9)).toBeLessThan(0.05);
    expect(Math.abs(offsetHz(second[0]) - 10_000)).toBeLessThan(500);
  }, 60_000);

  it('a 42 dB carrier keyed on beside a 45 dB FM link with a noisy oscillator: each reported at its own frequency', async () => {
    const { dets } = await detectionsAfterCalibration(tmp, 'beside_433.92M_250k.cf32', scene(23, [
      { hz: -30_000, fromS: 4, toS: 10, db: 45, devHz: 2_500, linewidthHz: 300 },
      { hz: 10_000, fromS: 6, toS: 9, db: 42, devHz: 0, linewidthHz: 0 },
    ]), RATE, CALIB_S);
    // the link's band is measured from its own spectrum: with the carrier's power in it, it read 1.2 kHz at +10 kHz
    const link = near(dets, -30_000);
    expect(link).toHaveLength(1);
    expect(link[0].startS).toBeCloseTo(4, 1);
    expect(link[0].bandwidthHz).toBeGreaterThan(5_000);
    const carrier = near(dets, 10_000);
    expect(carrier).toHaveLength(1);
    expect(Math.abs(carrier[0].startS - 6)).toBeLessThan(0.01);
    expect(Math.abs(carrier[0].endS! - 9)).toBeLessThan(0.05);
    expect(carrier[0].bandwidthHz).toBeLessThan(3_000);
  }, 60_000);

  it('two 30 dB FM links keyed on together 25 kHz apart: two detections with the same times, each at its own frequency', async () => {
    // one track holds both from their first frame; once it settles, the second link is found in its own spectrum and
    // its power, frame by frame, is not that of a 2-FSK link's other tone
    const { dets } = await detectionsAfterCalibration(tmp, 'together_433.92M_250k.cf32', scene(51, [
      { hz: -20_000, fromS: 4, toS: 9, db: 30, devHz: 2_500, linewidthHz: 0 },
      { hz: 5_000, fromS: 4, toS: 9, db: 30, devHz: 2_500, linewidthHz: 0 },
    ]), RATE, CALIB_S);
    expect(dets).toHaveLength(2);
    for (const hz of [-20_000, 5_000]) {
      const d = near(dets, hz);
      expect(d).toHaveLength(1);
      expect(Math.abs(d[0].startS - 4)).toBeLessThan(0.01);
      expect(Math.abs(d[0].endS! - 9)).toBeLessThan(0.05);
      expect(d[0].bandwidthHz).toBeGreaterThan(4_000);
      expect(d[0].bandwidthHz).toBeLessThan(12_500);
    }
  }, 60_000);

  it('a 30 dB 2-FSK link at 4.8 kBd whose tones 40 kHz apart have the noise between them stays one detection', async () => {
    // its mean spectrum holds two equal islands as the pair above does; its tones take turns frame by frame
    const { dets } = await detectionsAfterCalibration(tmp, 'fsk_433.92M_250k.cf32', scene(45, [
      { hz: -40_000, fromS: 4, toS: 9, db: 30, devHz: 20_000, linewidthHz: 0, fskBaud: 4_800 },
    ]), RATE, CALIB_S);
    expect(dets).toHaveLength(1);
    expect(Math.abs(dets[0].startS - 4)).toBeLessThan(0.01);
    expect(Math.abs(dets[0].endS! - 9)).toBeLessThan(0.05);
  }, 60_000);

  it('a 40 dB 2-FSK link at 100 Bd, whose short frames hold one tone at a time, stays one detection', async () => {
    // a frame of the other tone is no newcomer: the track is not on in its own band in that frame (a breaker's scene
    // gave one detection per tone, and fragments of the other tone, before that rule)
    const { dets } = await detectionsAfterCalibration(tmp, 'slowfsk_433.92M_250k.cf32', scene(211, [
      { hz: 30_000, fromS: 4, toS: 10, db: 40, devHz: 10_000, linewidthHz: 0, fskBaud: 100 },
    ]), RATE, CALIB_S);
    expect(dets).toHaveLength(1);
    expect(Math.abs(dets[0].startS - 4)).toBeLessThan(0.01);
    expect(Math.abs(dets[0].endS! - 10)).toBeLessThan(0.05);
  }, 60_000);

  it('a 30 dB 2-FSK link at 2.4 kBd that sends its upper tone alone for 2.5 s, then data: one detection over both tones', async () => {
    // its track settles on the preamble's tone; the lower tone, once the data begins, stands over the track's mean as a
    // newcomer would, but its power takes turns with the first tone's frame by frame: merged back, no second alert (it
    // was a second detection, 7.43–8.84 s at +19.9 kHz)
    const { dets } = await detectionsAfterCalibration(tmp, 'preamble_433.92M_250k.cf32', scene(3, [
      { hz: 20_000, fromS: 5, toS: 9, db: 30, devHz: 5_000, linewidthHz: 0, fskBaud: 2_400, preambleS: 2.5 },
    ]), RATE, CALIB_S);
    expect(dets).toHaveLength(1);
    expect(Math.abs(dets[0].startS - 5)).toBeLessThan(0.01);
    expect(Math.abs(dets[0].endS! - 9)).toBeLessThan(0.05);
    // the band spans both tones (15 and 25 kHz): the preamble's tone alone read 2.9 kHz
    expect(offsetHz(dets[0]) - dets[0].bandwidthHz / 2).toBeLessThan(17_000);
    expect(offsetHz(dets[0]) + dets[0].bandwidthHz / 2).toBeGreaterThan(25_000);
  }, 60_000);

  // a pair split by the watch (above) must keep its frames apart afterwards, and each keeps its own times
  const carrier = (hz: number, fromS: number, toS: number, db = 35): Emitter => ({ hz, fromS, toS, db, devHz: 0, linewidthHz: 0 });

  it('two 35 dB carriers 12 kHz apart keyed on together, one group by their skirts: two detections, each to its end', async () => {
    // after the split, every frame's group still spans both: it went to the first track, which took the second's
    // frames, and the second's detection ended at 5.13 s
    const { dets } = await detectionsAfterCalibration(tmp, 'pair12_433.92M_250k.cf32', scene(7, [carrier(-6_000, 4, 7.5), carrier(6_000, 4, 7.5)], 8), RATE, CALIB_S);
    expect(dets).toHaveLength(2);
    for (const hz of [-6_000, 6_000]) {
      const d = near(dets, hz);
      expect(d).toHaveLength(1);
      expect(Math.abs(d[0].startS - 4)).toBeLessThan(0.01);
      expect(Math.abs(d[0].endS! - 7.5)).toBeLessThan(0.1);
    }
  }, 60_000);

  it('a 40 dB pair keyed on together, one keyed off 1.1 s later as the watch decides: each reported once, with its own end', async () => {
    // the other one was reported twice (once split off at the key-off's splatter) and the one keyed off not at all
    const { dets } = await detectionsAfterCalibration(tmp, 'keyoff_433.92M_250k.cf32', scene(1, [carrier(-20_000, 4, 7.5, 40), carrier(20_000, 4, 5.1, 40)], 8), RATE, CALIB_S);
    expect(dets).toHaveLength(2);
    const on = near(dets, -20_000);
    const off = near(dets, 20_000);
    expect(on).toHaveLength(1);
    expect(off).toHaveLength(1);
    expect(Math.abs(on[0].endS! - 7.5)).toBeLessThan(0.06);
    expect(Math.abs(off[0].startS - 4)).toBeLessThan(0.01);
    expect(Math.abs(off[0].endS! - 5.1)).toBeLessThan(0.06);
  }, 60_000);

  it('a carrier keyed on 0.5 s after another, inside its settle time: found as a pair, reported from its own key-on', async () => {
    // split with the first one's times, it was reported from 4.00 s
    const { dets } = await detectionsAfterCalibration(tmp, 'late_433.92M_250k.cf32', scene(9, [carrier(-20_000, 4, 7.5), carrier(20_000, 4.5, 7.5)], 8), RATE, CALIB_S);
    const late = near(dets, 20_000);
    expect(late).toHaveLength(1);
    expect(Math.abs(late[0].startS - 4.5)).toBeLessThan(0.01);
    expect(near(dets, -20_000)).toHaveLength(1);
    expect(near(dets, -20_000)[0].startS).toBeCloseTo(4, 2);
  }, 60_000);
});
