// occupiedBand: the emission's run of signal bins stops before a stronger neighbour its skirt reaches (a steady carrier
// beside the demo's GSM-like train), but keeps an emission's own parts beyond the detection's band (an FSK's other tone).
import { describe, expect, it } from 'vitest';
import { identify } from '../../src/ident/classify.js';
import { occupiedBand, type ClipSpectrum } from '../../src/ident/spectrum.js';
import { ScenarioRenderer, type Scenario } from '../../src/source/sim.js';

/** A spectrum of 512 bins of 1 kHz (bin 256 = 0 Hz), noise floor 1 per bin over 400 frames, with `set` bins raised. */
function spectrum(set: [fromBin: number, toBin: number, power: number][]): ClipSpectrum {
  const p = new Float64Array(512).fill(1);
  for (const [a, z, v] of set) for (let k = a; k <= z; k++) p[k] = v;
  return { powerPerBin: p, fftSize: 512, binHz: 1000, frames: 400 };
}

describe('occupiedBand', () => {
  it('a skirt bridging to a carrier 17 dB over the emission ends at the weakest bin between them; an FSK keeps its other tone', () => {
    // emission at +50 kHz (bins 296–316, peak 100), a skirt 2× the floor (over the 4.5σ line, 1.225) up to a carrier at
    // +94 kHz 50× the emission's peak
    const bridged = spectrum([[296, 316, 50], [306, 306, 100], [317, 348, 2], [349, 351, 500], [350, 350, 5000]]);
    const ob = occupiedBand(bridged, 50_000, 60_000, 10_000);
    expect(ob.high99Hz).toBeGreaterThan(59_500); // the emission's upper bin (+60 kHz) stays in
    expect(ob.high99Hz).toBeLessThan(62_000); // before: +94.5 kHz, the carrier's bin
    expect(Math.abs(ob.low99Hz - 39_500)).toBeLessThan(500);
    // 2-FSK: tones at +42 and +58 kHz (the second 20 % stronger), the detection's band on the first only
    const fsk = spectrum([[296, 300, 80], [298, 298, 100], [301, 311, 2], [312, 316, 90], [314, 314, 120]]);
    const two = occupiedBand(fsk, 42_000, 30_000, 5_000);
    expect(two.high99Hz).toBeGreaterThan(59_000);
    expect(two.low99Hz).toBeLessThan(40_500);
  });

  it("the demo's GSM-like train beside a steady carrier 170 kHz away reads tdma-burst on every window, its band short of the carrier", () => {
    // hall-a-433 of src/site/demo-site.ts (1 MS/s, noise −35 dBFS, carriers −180 kHz / +420 kHz) with its train: before,
    // the 2nd and 3rd of these 0.1 s windows read wfm with a 99 % band of −73…+183 kHz around the train, the carrier's in it
    const rate = 1_000_000;
    const scenario: Scenario = {
      rateSps: rate, centerHz: 433_920_000, durationS: 0.3, seed: 1, noiseDbfs: -35,
      carriers: [{ offsetHz: -180_000, powerDbfs: -20 }, { offsetHz: 420_000, powerDbfs: -25 }],
      events: [{ kind: 'gsm', offsetHz: 250_000, snrDb: 15, startS: 0.02, durationS: 0.75 }],
    };
    const r = new ScenarioRenderer(scenario, 300_000);
    const n = r.render(300_000);
    const iq = new Float32Array(2 * n);
    for (let i = 0; i < 2 * n; i++) iq[i] = (r.bytes[i]! - 127.5) / 127.5;
    const read: string[] = [];
    for (let w = 0; w < 3; w++) {
      const a = Math.round(0.1 * w * rate);
      const count = Math.round(0.1 * rate);
      const id = identify({ iq: iq.slice(2 * a, 2 * (a + count)), count, rateSps: rate, offsetHz: 249_900, bandwidthHz: 150_000 });
      read.push(id.class);
      const highHz = id.features!.highHz - 249_900;
      expect(highHz).toBeGreaterThan(105_000); // the train's own band: ±111–116 kHz
      expect(highHz).toBeLessThan(150_000); // the carrier: +170 kHz
    }
    expect(read).toEqual(['tdma-burst', 'tdma-burst', 'tdma-burst']);
  });
});
