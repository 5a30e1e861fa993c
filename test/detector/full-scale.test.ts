// A signal near the converter's full scale (docs/detector.md §5): an 8-bit converter that does not clip puts its
// products at least spurFreeDb (30 dB) under it, so a link 25 dB under a −5 dBFS carrier is a detection of its own; when
// the converter clips, or the input cannot tell (cf32 has no rails to count), anything 15 dB weaker is taken as its product.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/source/sim-random.js';
import { detectionsAfterCalibration } from './after-calibration.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-fullscale-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RATE = 250_000;
const CALIB_S = 6;
const TOTAL_S = 13;
/** Noise: −40 dBFS over the band (≈ 0.9 LSB rms per component in cu8). */
const NOISE_POWER = 1e-4;
/** The carrier: +30 kHz from 7 s, at `carrierDbfs`. */
const CARRIER_HZ = 30_000;
/** The link: FM at −60 kHz, 8–11 s, 22 dB over the noise in 12.5 kHz (26 dB under a −5 dBFS carrier there). */
const LINK_HZ = -60_000;
const LINK_POWER = NOISE_POWER * (12_500 / RATE) * 10 ** 2.2;

/** Interleaved I/Q (±1 full scale) of the scene with the carrier at `carrierDbfs`. */
function scene(carrierDbfs: number): Float32Array {
  const n = TOTAL_S * RATE;
  const out = new Float32Array(2 * n);
  const rng = new Prng(31);
  const sn = Math.sqrt(NOISE_POWER / 2);
  const ac = Math.sqrt(10 ** (carrierDbfs / 10));
  const al = Math.sqrt(LINK_POWER);
  let ph = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let re = sn * rng.normal();
    let im = sn * rng.normal();
    if (t >= 7) {
      re += ac * Math.cos((2 * Math.PI * CARRIER_HZ * i) / RATE);
      im += ac * Math.sin((2 * Math.PI * CARRIER_HZ * i) / RATE);
    }
    if (t >= 8 && t < 11) {
      ph += (2 * Math.PI * (LINK_HZ + 2500 * Math.sin(2 * Math.PI * 900 * t))) / RATE;
      re += al * Math.cos(ph);
      im += al * Math.sin(ph);
    }
    out[2 * i] = re;
    out[2 * i + 1] = im;
  }
  return out;
}

/** cu8 bytes of `iq`: 127.5 + 127.5·x, rounded and held at the rails 0 and 255. */
function cu8(iq: Float32Array): Buffer {
  const out = Buffer.alloc(iq.length);
  for (let i = 0; i < iq.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(127.5 + 127.5 * iq[i])));
  return out;
}

/** Offsets (kHz) of the detections after the calibration. */
async function offsetsKhz(name: string, samples: Buffer): Promise<number[]> {
  const { dets } = await detectionsAfterCalibration(tmp, name, samples, RATE, CALIB_S);
  return dets.map((d) => Math.round((d.centerHz - 433.92e6) / 1000)).sort((a, b) => a - b);
}

describe('a carrier near full scale', () => {
  it('cu8 at −5 dBFS (no clipping): the link 26 dB under it is found; as cf32 (rails not countable) it is not', async () => {
    const iq = scene(-5);
    expect(await offsetsKhz('clean_433.92M_250k.cu8', cu8(iq))).toEqual([-60, 30]);
    expect(await offsetsKhz('clean_433.92M_250k.cf32', Buffer.from(iq.buffer))).toEqual([30]);
  }, 60_000);

  it('cu8 at +1 dBFS (the converter clips): the link is taken for its product', async () => {
    expect(await offsetsKhz('clipped_433.92M_250k.cu8', cu8(scene(1)))).toEqual([30]);
  }, 60_000);
});
