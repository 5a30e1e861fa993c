// Level and frequency calibration of the spectrum engine: a full-scale tone on a bin centre reads 0 dBFS at its bin.
import { describe, expect, it } from 'vitest';
import { SpectrumEngine, binHz } from '../../src/spectrum/spectrum-engine.js';
import type { SpectrumFrame } from '../../src/spectrum/frames.js';
import type { IqBlock } from '../../src/types.js';
import { WINDOW_NAMES } from '../../src/dsp/window.js';

/** Complex tone of amplitude `amp` at `hz`, n samples, as an IqBlock. */
function toneBlock(n: number, rateSps: number, hz: number, amp: number): IqBlock {
  const samples = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const ph = (2 * Math.PI * hz * i) / rateSps;
    samples[2 * i] = amp * Math.cos(ph);
    samples[2 * i + 1] = amp * Math.sin(ph);
  }
  return { samples, count: n, centerHz: 100e6, rateSps, firstSample: 0, tuneId: 0, clipFraction: 0, discontinuity: false };
}

function peakOf(frame: SpectrumFrame): { bin: number; db: number } {
  let bin = 0;
  for (let b = 1; b < frame.power.length; b++) if (frame.power[b] > frame.power[bin]) bin = b;
  return { bin, db: 10 * Math.log10(frame.power[bin]) };
}

describe('spectrum level (dBFS normalisation) and frequency', () => {
  const rateSps = 2_048_000;
  for (const window of WINDOW_NAMES) {
    for (const fftSize of [256, 512, 1024, 2048, 4096, 8192]) {
      it(`${window}, FFT ${fftSize}: 0 dBFS tone → 0 ± 0.1 dB, −40 dBFS tone → −40 ± 0.2 dB, at the right bin`, () => {
        const rbw = rateSps / fftSize;
        // bins +fftSize/8 and −fftSize/5 from the centre (negative frequencies are fftshifted below N/2)
        for (const k of [Math.round(fftSize / 8), -Math.round(fftSize / 5)]) {
          const hz = k * rbw;
          for (const [amp, expectDb, tol] of [[1, 0, 0.1], [0.01, -40, 0.2]] as const) {
            const engine = new SpectrumEngine({ fftSize, window, average: 4, dcRemoval: true });
            const frames: { bin: number; db: number }[] = [];
            let slow: { bin: number; db: number } | undefined;
            engine.push(toneBlock(fftSize * 3, rateSps, hz, amp), {
              onShortFrame: (f) => frames.push(peakOf(f)),
              onSlowFrame: (f) => {
                slow = peakOf(f);
              },
            });
            expect(frames.length).toBe(5); // 3N samples at 50 % overlap
            const expectBin = fftSize / 2 + k;
            for (const p of frames) {
              expect(p.bin).toBe(expectBin);
              expect(p.db).toBeGreaterThan(expectDb - tol);
              expect(p.db).toBeLessThan(expectDb + tol);
            }
            expect(slow!.bin).toBe(expectBin);
            expect(Math.abs(slow!.db - expectDb)).toBeLessThan(tol);
            expect(binHz(expectBin, fftSize, 100e6, rateSps)).toBeCloseTo(100e6 + hz, 6);
          }
        }
      });
    }
  }

  it('noise reads σ²·ENBW/N per bin (Hann ENBW = 1.5 bins) within 0.3 dB', () => {
    const n = 1024;
    const engine = new SpectrumEngine({ fftSize: n, window: 'hann', average: 200, dcRemoval: false });
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const count = n * 101;
    const samples = new Float32Array(2 * count);
    const sigma = 0.05; // per component → complex variance 2σ²
    for (let i = 0; i < count; i++) {
      const r = Math.sqrt(-2 * Math.log(rnd() + 1e-12));
      const t = 2 * Math.PI * rnd();
      samples[2 * i] = sigma * r * Math.cos(t);
      samples[2 * i + 1] = sigma * r * Math.sin(t);
    }
    let mean = 0;
    engine.push({ samples, count, centerHz: 0, rateSps: 1e6, firstSample: 0, tuneId: 0, clipFraction: 0, discontinuity: false }, {
      onShortFrame: () => {},
      onSlowFrame: (f) => {
        let s = 0;
        for (let b = 0; b < n; b++) s += f.power[b];
        mean = s / n;
      },
    });
    const expected = (2 * sigma * sigma * engine.enbw) / n;
    expect(engine.enbw).toBeCloseTo(1.5, 6);
    expect(Math.abs(10 * Math.log10(mean / expected))).toBeLessThan(0.3);
  });
});
