// occupiedBand: the emission's run of signal bins stops before a stronger neighbour its skirt reaches (a steady carrier
// beside the demo's GSM-like train), but keeps an emission's own parts beyond the detection's band (an FSK's other tone).
import { describe, expect, it } from 'vitest';
import { identify } from '../../src/ident/classify.js';
import { noiseFloorPerBin, occupiedBand, type ClipSpectrum } from '../../src/ident/spectrum.js';
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
  it('an emission filling the window takes the reference floor (a band-cut clip\'s pre-roll); with noise bins beside it, those', () => {
    // a 25 kS/s clip's spectrum as 512 bins of 48.8 Hz: an emission 20 dB over the floor over bins 40–471 (21.1 kHz, 84 %
    // of the bins: the flat part of a band-cut clip), the search window ±12.5 kHz (the whole clip)
    const binHz = 25_000 / 512;
    const p = new Float64Array(512).fill(1);
    for (let k = 40; k <= 471; k++) p[k] = 100;
    const fm: ClipSpectrum = { powerPerBin: p, fftSize: 512, binHz, frames: 200 };
    // without a reference the floor is the 20th percentile of all bins, the emission's own level: no excess at all
    const alone = occupiedBand(fm, 0, 12_500, 6_800);
    expect(alone.floorFrom).toBe('percentile');
    expect(alone.floorPerBin).toBe(100);
    expect(alone.signalPower).toBe(0);
    const ref = occupiedBand(fm, 0, 12_500, 6_800, 1);
    expect(ref.floorFrom).toBe('reference');
    expect(ref.floorPerBin).toBe(1);
    expect(Math.abs(ref.high99Hz - ref.low99Hz - 0.99 * 432 * binHz)).toBeLessThan(binHz); // 99 % of a flat block
    expect(ref.signalPower).toBeCloseTo(432 * 99, 6);
    // a narrow emission leaves its bins outside the window: the reference is not used (the same floor as without it)
    const narrow = spectrum([[250, 262, 100]]);
    expect(occupiedBand(narrow, 0, 20_000, 6_000, 7)).toMatchObject({ floorFrom: 'outside', floorPerBin: 1 });
  });

  it('noiseFloorPerBin: the median of the stretch\'s parts\' median bins, a burst in some of them aside; undefined below 8 frames', () => {
    // complex white noise of power 2·σ² = 0.02 (σ = 0.1, Box-Muller from a fixed LCG): 0.02 / 64 per bin of a 64-point
    // spectrum (Σ_k P_k = mean |x|²)
    let seed = 7;
    const uniform = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) + 1) / (2 ** 31 + 1);
    const count = 64 * 100;
    const iq = new Float32Array(2 * count);
    for (let i = 0; i < count; i++) {
      const r = 0.1 * Math.sqrt(-2 * Math.log(uniform()));
      const a = 2 * Math.PI * uniform();
      iq[2 * i] = r * Math.cos(a);
      iq[2 * i + 1] = r * Math.sin(a);
    }
    const floor = noiseFloorPerBin(iq, count, 25_000, 64)!;
    // the median of 8 parts' median bins (24 frames each): within a few % of the mean
    expect(floor).toBeGreaterThan((0.02 / 64) * 0.9);
    expect(floor).toBeLessThan((0.02 / 64) * 1.05);
    // a burst over the whole band, 20 dB over the noise, in the first quarter of the stretch (a repeating transmitter's
    // previous packet in the pre-roll): the floor stays the noise's (one Welch spectrum over all of it would read ≈ 26×,
    // the median of the 8 parts' floors lies between the 4th and 5th of the 6 noise parts)
    const burst = Float32Array.from(iq);
    for (let i = 0; i < 2 * (count >> 2); i++) burst[i] *= 10;
    const withBurst = noiseFloorPerBin(burst, count, 25_000, 64)!;
    expect(withBurst).toBeGreaterThan((0.02 / 64) * 0.9);
    expect(withBurst).toBeLessThan((0.02 / 64) * 1.1);
    expect(noiseFloorPerBin(iq, 4 * 64 + 31, 25_000, 64)).toBeUndefined();
    expect(noiseFloorPerBin(iq, 4 * 64 + 32, 25_000, 64)).toBeGreaterThan(0);
  });
});
