// fastDb matches 10·log10 within 0.005 dB over the range the histograms use.
import { describe, expect, it } from 'vitest';
import { fastDb } from '../../src/dsp/fast-db.js';

describe('fastDb', () => {
  it('is within 0.005 dB of 10·log10 from −150 to +120 dB', () => {
    let worst = 0;
    for (let db = -150; db <= 120; db += 0.0137) {
      const x = Math.fround(10 ** (db / 10));
      worst = Math.max(worst, Math.abs(fastDb(x) - 10 * Math.log10(x)));
    }
    expect(worst).toBeLessThan(0.005);
  });
  it('returns a very low value for 0 and negatives', () => {
    expect(fastDb(0)).toBeLessThan(-1000);
    expect(fastDb(-1)).toBeLessThan(-1000);
  });
});
