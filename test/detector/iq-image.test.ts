// IQ images (docs/detector.md §5): a receiver's I/Q imbalance puts an image of a strong new link at the mirror
// frequency, 30 dB under it here; the link is one detection, not two. A real second link there, 20 dB under the first,
// is still its own detection.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/source/sim-random.js';
import { detectionsAfterCalibration } from './after-calibration.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-image-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RATE = 250_000;
const CENTER_HZ = 433.92e6;
const CALIB_S = 6;
const TOTAL_S = 11;
const NOISE_POWER = 1e-3;
/** The link: FM (1 kHz and 370 Hz tones, 2.5 kHz deviation) at +50 kHz, 33 dB over the noise in 12.5 kHz, from 7.5 s. */
const LINK_OFFSET_HZ = 50_000;
const LINK_SNR_DB = 33;
const LINK_AT_S = 7.5;
/** The receiver's image: y = x + β·conj(x), |β|² = −30 dB. */
const IMAGE_DB = -30;

/** cf32 samples; `secondDb` adds a second link at the mirror frequency, that many dB under the first (null: none). */
function scene(secondDb: number | null): Buffer {
  const n = TOTAL_S * RATE;
  const out = new Float32Array(2 * n);
  const rng = new Prng(11);
  const sn = Math.sqrt(NOISE_POWER / 2);
  const amp = Math.sqrt(NOISE_POWER * (12_500 / RATE) * 10 ** (LINK_SNR_DB / 10));
  const amp2 = secondDb === null ? 0 : amp * 10 ** (-secondDb / 20);
  const beta = 10 ** (IMAGE_DB / 20);
  let ph = 0;
  let ph2 = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    let re = sn * rng.normal();
    let im = sn * rng.normal();
    if (t >= LINK_AT_S) {
      const audio = 0.6 * Math.sin(2 * Math.PI * 1000 * t) + 0.4 * Math.sin(2 * Math.PI * 370 * t);
      ph += (2 * Math.PI * (LINK_OFFSET_HZ + 2500 * audio)) / RATE;
      re += amp * Math.cos(ph);
      im += amp * Math.sin(ph);
      if (amp2 > 0) {
        ph2 += (2 * Math.PI * (-LINK_OFFSET_HZ + 3000 * Math.sin(2 * Math.PI * 610 * t))) / RATE;
        re += amp2 * Math.cos(ph2);
        im += amp2 * Math.sin(ph2);
      }
    }
    // the front end's I/Q imbalance, on everything it receives
    out[2 * i] = re * (1 + beta);
    out[2 * i + 1] = im * (1 - beta);
  }
  return Buffer.from(out.buffer);
}

/** Learns the first CALIB_S seconds as a calibration; the detections after it (offsets from the centre, Hz). */
async function offsetsAfterCalibration(name: string, samples: Buffer): Promise<number[]> {
  const { dets } = await detectionsAfterCalibration(tmp, name, samples, RATE, CALIB_S);
  return dets.map((d) => d.centerHz - CENTER_HZ).sort((a, b) => a - b);
}

describe('IQ image of a strong new link (250 kS/s, link 33 dB in 12.5 kHz, image −30 dBc)', () => {
  it('the link is one detection at +50 kHz, its image at −50 kHz none', async () => {
    const offsets = await offsetsAfterCalibration('image_433.92M_250k.cf32', scene(null));
    expect(offsets.length).toBe(1);
    expect(Math.abs(offsets[0]! - LINK_OFFSET_HZ)).toBeLessThan(1500);
  }, 60_000);

  it('a second real link at −50 kHz, 20 dB under the first, is a detection of its own', async () => {
    const offsets = await offsetsAfterCalibration('image2_433.92M_250k.cf32', scene(20));
    expect(offsets.length).toBe(2);
    expect(Math.abs(offsets[0]! + LINK_OFFSET_HZ)).toBeLessThan(1500);
    expect(Math.abs(offsets[1]! - LINK_OFFSET_HZ)).toBeLessThan(1500);
  }, 60_000);
});
