// A strong OOK emitter with sharp keying edges, heard during calibration, splatters over much of the band for a frame
// at each edge. While it is on, a weaker group within its skirt with a twin across its carrier is its splatter
// (docs/detector.md §5), so the splatter raises nothing after the calibration, while a new burst beside the emitter is
// still found.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/source/sim-random.js';
import type { DetectionEvent } from '../../src/types.js';
import { detectionsAfterCalibration } from './after-calibration.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-keying-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RATE = 250_000;
const CALIB_S = 20;
const TEST_S = 20;
/** Complex white noise, −30 dBFS over the band. */
const NOISE_POWER = 1e-3;
/** The emitter: 40 kHz under the centre, 45 dB over the noise in 2 kHz, 1 ms symbols of random bits, hard keyed. */
const EMITTER_OFFSET_HZ = -40_000;
const EMITTER_SNR_DB = 45;
const SYMBOL_S = 1e-3;
/** A 0.5 s packet every 5 s, from 2 s on: four packets in the calibration, four after it. */
const PACKET_S = 0.5;
const PERIOD_S = 5;
const FIRST_PACKET_S = 2;
/** The new burst: a 100 ms tone 95 kHz over the emitter (+55 kHz), 30 dB over the noise in one slow bin (244 Hz). */
const NEW_AT_S = 33.2;
const NEW_LEN_S = 0.1;
const NEW_OFFSET_HZ = 55_000;

/** cf32 samples of the scene; `withNew` adds the new burst. */
function scene(withNew: boolean): Buffer {
  const n = (CALIB_S + TEST_S) * RATE;
  const out = new Float32Array(2 * n);
  const rng = new Prng(5);
  const sn = Math.sqrt(NOISE_POWER / 2);
  const emitterAmp = Math.sqrt(NOISE_POWER * (2000 / RATE) * 10 ** (EMITTER_SNR_DB / 10));
  const newAmp = Math.sqrt(NOISE_POWER * (244 / RATE) * 1000);
  const symbolSamples = Math.round(SYMBOL_S * RATE);
  let bit = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let re = sn * rng.normal();
    let im = sn * rng.normal();
    if (i % symbolSamples === 0) bit = rng.uniform() < 0.5 ? 1 : 0;
    const inPacket = t >= FIRST_PACKET_S && (t - FIRST_PACKET_S) % PERIOD_S < PACKET_S;
    if (inPacket && bit === 1) {
      const ph = 2 * Math.PI * EMITTER_OFFSET_HZ * t;
      re += emitterAmp * Math.cos(ph);
      im += emitterAmp * Math.sin(ph);
    }
    if (withNew && t >= NEW_AT_S && t < NEW_AT_S + NEW_LEN_S) {
      const ph = 2 * Math.PI * NEW_OFFSET_HZ * t;
      re += newAmp * Math.cos(ph);
      im += newAmp * Math.sin(ph);
    }
    out[2 * i] = re;
    out[2 * i + 1] = im;
  }
  return Buffer.from(out.buffer);
}

/** Learns the first CALIB_S seconds of `samples` as a calibration, then returns the detections that start after it. */
async function afterCalibration(name: string, samples: Buffer): Promise<{ dets: DetectionEvent[]; emitters: number }> {
  const { baseline, dets } = await detectionsAfterCalibration(tmp, name, samples, RATE, CALIB_S);
  return { dets, emitters: baseline.emitters?.length ?? 0 };
}

describe('a hard-keyed OOK emitter heard in calibration (250 kS/s, 45 dB in 2 kHz, 1 ms symbols)', () => {
  it('its keying splatter raises nothing after the calibration; a new 100 ms tone 95 kHz away is found', async () => {
    const quiet = await afterCalibration('keyed_433.92M_250k.cf32', scene(false));
    expect(quiet.emitters).toBe(1);
    // before the learner kept keying transients, the splatter at ±40 kHz from the emitter gave 6 detections here
    expect(quiet.dets).toEqual([]);

    const withNew = await afterCalibration('keyed-new_433.92M_250k.cf32', scene(true));
    expect(withNew.dets.length).toBe(1);
    const d = withNew.dets[0]!;
    expect(d.centerHz - 433.92e6).toBeGreaterThan(NEW_OFFSET_HZ - 1000);
    expect(d.centerHz - 433.92e6).toBeLessThan(NEW_OFFSET_HZ + 1000);
    // a short frame's hit stands for its middle half: the start within 2 ms of the key-up
    expect(Math.abs(d.startS - NEW_AT_S)).toBeLessThan(0.002);
  }, 60_000);
});
