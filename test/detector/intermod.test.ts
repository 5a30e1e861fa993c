// Third-order intermodulation (docs/detector.md §10): a front end's cubic term mixes a strong new link f₁ with a steady
// carrier f₂ into products at 2f₁ − f₂ and 2f₂ − f₁. The long path's seconds of averaging see such a product tens of dB
// under the link; it is the link's, not a transmission of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/source/sim-random.js';
import { detectionsAfterCalibration } from './after-calibration.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-im3-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RATE = 250_000;
const CENTER_HZ = 433.92e6;
const CALIB_S = 6;
const TOTAL_S = 13;
const NOISE_POWER = 1e-3;
/** Noise power in 12.5 kHz. */
const NOISE_CHANNEL = NOISE_POWER * (12_500 / RATE);
/** The steady carrier, on from the start (calibration hears it): +20 kHz, 35 dB over the noise in 12.5 kHz. */
const CARRIER_HZ = 20_000;
const CARRIER_POWER = 3162 * NOISE_CHANNEL;
/** The new link: FM (1 kHz and 370 Hz tones, 2.5 kHz deviation) at +50 kHz, 25 dB over the noise in 12.5 kHz. */
const LINK_HZ = 50_000;
const LINK_POWER = 316 * NOISE_CHANNEL;
const LINK_AT_S = 7.5;

/**
 * cf32 samples through a front end y = x·(1 − a·|x|²): the product at 2f₂ − f₁ = −10 kHz has amplitude a·A₂²·A₁,
 * `productDb` dB over the noise in 12.5 kHz (the link's modulation on it), the one at 2f₁ − f₂ = +80 kHz, a·A₁²·A₂,
 * 10 dB less.
 */
function scene(productDb: number): Buffer {
  const n = TOTAL_S * RATE;
  const out = new Float32Array(2 * n);
  const rng = new Prng(5);
  const sn = Math.sqrt(NOISE_POWER / 2);
  const a1 = Math.sqrt(LINK_POWER);
  const a2 = Math.sqrt(CARRIER_POWER);
  const a = Math.sqrt(NOISE_CHANNEL * 10 ** (productDb / 10)) / (a2 * a2 * a1);
  let ph = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let re = sn * rng.normal();
    let im = sn * rng.normal();
    re += a2 * Math.cos((2 * Math.PI * CARRIER_HZ * i) / RATE);
    im += a2 * Math.sin((2 * Math.PI * CARRIER_HZ * i) / RATE);
    if (t >= LINK_AT_S) {
      const audio = 0.6 * Math.sin(2 * Math.PI * 1000 * t) + 0.4 * Math.sin(2 * Math.PI * 370 * t);
      ph += (2 * Math.PI * (LINK_HZ + 2500 * audio)) / RATE;
      re += a1 * Math.cos(ph);
      im += a1 * Math.sin(ph);
    }
    const g = 1 - a * (re * re + im * im);
    out[2 * i] = re * g;
    out[2 * i + 1] = im * g;
  }
  return Buffer.from(out.buffer);
}

describe('intermodulation of a new link with a strong steady carrier (250 kS/s, link 25 dB, carrier 35 dB in 12.5 kHz)', () => {
  it('products 6 and 16 dB under the noise in their bands at 2f₂ − f₁ and 2f₁ − f₂ are no detections; the link is one', async () => {
    // without the rule the long path opens at 2f₂ − f₁ (−10 kHz: the product raises its kernel by 0.25)
    const { dets } = await detectionsAfterCalibration(tmp, 'im3_433.92M_250k.cf32', scene(-6), RATE, CALIB_S);
    const offsets = dets.map((d) => Math.round((d.centerHz - CENTER_HZ) / 100) * 100);
    expect(offsets.filter((f) => Math.abs(f - LINK_HZ) < 3_000)).toHaveLength(1);
    expect(dets).toHaveLength(1);
  });
});
