// A receiver's gain shape that changes after calibration (docs/detector.md §10, "why 0.1"): a passband ripple that grows
// to 0.5 dB peak to peak at a 62.5 kHz period, and a rise of both band edges, must open nothing. The long path's
// smallest excess at 0.04 opened minute-long false alarms at such humps (the local floor follows a tilt, not them).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Prng } from '../../src/source/sim-random.js';
import { detectionsAfterCalibration } from './after-calibration.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-ripple-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RATE = 250_000;
const CALIB_S = 40;
const TOTAL_S = 130;
/** The gain change ramps in linearly over [RAMP_FROM_S, RAMP_TO_S], then holds. */
const RAMP_FROM_S = 45;
const RAMP_TO_S = 75;

/**
 * cf32 white noise (−30 dBFS) through y[n] = x[n] + a(n)·x[n − D]: a gain |1 + a·e^{−j2πfD/fs}|² whose ripple has a
 * period of fs/D and 20·log10((1 + a)/(1 − a)) dB peak to peak (a ≪ 1), a(n) ramping from 0 to `aMax`.
 */
function rippled(delay: number, aMax: number): Buffer {
  const n = TOTAL_S * RATE;
  const out = new Float32Array(2 * n);
  const rng = new Prng(17);
  const sn = Math.sqrt(1e-3 / 2);
  const xr = new Float32Array(delay + 1);
  const xi = new Float32Array(delay + 1);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const a = aMax * Math.min(1, Math.max(0, (t - RAMP_FROM_S) / (RAMP_TO_S - RAMP_FROM_S)));
    const k = i % (delay + 1);
    const kd = (i + 1) % (delay + 1); // the sample `delay` ago
    xr[k] = sn * rng.normal();
    xi[k] = sn * rng.normal();
    out[2 * i] = xr[k] + a * xr[kd];
    out[2 * i + 1] = xi[k] + a * xi[kd];
  }
  return Buffer.from(out.buffer);
}

describe('a gain ripple growing after calibration (250 kS/s, white noise, 40 s calibration)', () => {
  it('0.5 dB peak to peak at a 62.5 kHz period (D = 4): no detection in the 90 s after calibration', async () => {
    // (1 + a)/(1 − a) = 10^(0.5/20): a = 0.0288
    const a = (10 ** (0.5 / 20) - 1) / (10 ** (0.5 / 20) + 1);
    const { dets } = await detectionsAfterCalibration(tmp, 'ripple_433.92M_250k.cf32', rippled(4, a), RATE, CALIB_S);
    expect(dets.map((d) => `${((d.centerHz - 433.92e6) / 1e3).toFixed(1)} kHz ${d.startS.toFixed(1)}–${d.endS?.toFixed(1)} s ${d.paths.join('+')}`)).toEqual([]);
  }, 60_000);
});
