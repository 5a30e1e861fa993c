// The clip band plan of src/dsp/band-cut.ts: the rate ladder, the resampler's L/M and filter edges, and when a clip keeps
// the full band.
import { describe, expect, it } from 'vitest';
import { CLIP_RATES_SPS, planClipBand } from '../../src/dsp/band-cut.js';

describe('planClipBand', () => {
  it('rounds occupied bandwidth × 1.2 up to the rate ladder, centred on the band; full band when not narrower', () => {
    const p = planClipBand(2.4e6, 433.92e6, 433.82e6, 434.02e6); // 200 kHz wide
    expect(planClipBand(2.4e6, 433.92e6, 433.82e6, 434.0284e6).rateSps).toBe(500e3); // 208.4 kHz × 1.2 > 250 kS/s
    expect(p).toMatchObject({ decimated: true, centerHz: 433.92e6, rateSps: 250e3, up: 5, down: 48, passbandHz: 105e3, stopbandHz: 145e3, attenuationDb: 60 });
    // 10 kHz × 1.2 = 12 kHz < the 25 kS/s floor
    expect(planClipBand(2.4e6, 433.92e6, 434.0e6, 434.01e6)).toMatchObject({ rateSps: 25e3, up: 1, down: 96, centerHz: 434.005e6 });
    expect(planClipBand(2.048e6, 868e6, 868.3e6, 868.4e6)).toMatchObject({ rateSps: 125e3, up: 125, down: 2048 });
    // 250 kS/s source, 200 kHz signal: nothing narrower on the ladder → the source as is
    expect(planClipBand(250e3, 433.92e6, 433.82e6, 434.02e6)).toMatchObject({ decimated: false, rateSps: 250e3, centerHz: 433.92e6 });
    // 2.4 MS/s, 450 kHz wide: 540 kS/s → 1 MS/s > a quarter of the source: the full band (saves < 4×)
    expect(planClipBand(2.4e6, 433.92e6, 433.7e6, 434.15e6)).toMatchObject({ decimated: false, rateSps: 2.4e6 });
    expect(planClipBand(2.4e6, 433.92e6, 433.82e6, 434.2e6)).toMatchObject({ decimated: true, rateSps: 500e3, up: 5, down: 24 });
    // an odd source rate whose L/M would need L > 512 falls back to an integer decimation (rate ≥ wanted)
    const odd = planClipBand(2_400_001, 100e6, 100e6 - 5e3, 100e6 + 5e3);
    expect(odd.up).toBe(1);
    expect(odd.down).toBe(96);
    expect(odd.rateSps).toBeCloseTo(2_400_001 / 96, 6);
    expect(CLIP_RATES_SPS).toContain(250e3);
  });

});
