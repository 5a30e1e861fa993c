// Identification of narrow emissions in a 20 MS/s clip: the band around the detection is cut out first (narrowClip,
// the evidence clips' two-stage resampler), so the features cost a fraction of the full-rate analysis and measure the
// same emission: FSK tone spacing and symbol rate, an OOK element, the centre; a wide emission is analysed as it is.
import { describe, expect, it } from 'vitest';
import { identify } from '../../src/ident/classify.js';
import { extractFeatures, narrowClip, type IdentInput } from '../../src/ident/features.js';

const RATE = 20e6;
const N = 1_000_000; // 50 ms: the live identification's clip at 20 MS/s (600 000 samples + 10 ms margin either side)

/** Seeded uniform (0, 1] (xorshift32). */
function uniform(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return (x + 1) / 4294967297;
  };
}

/**
 * Complex Gaussian noise at `noiseDbfs` plus, from sample `from` for `len` samples, a constant-envelope emission at
 * `amplDbfs` whose frequency (Hz from the tuning centre) at sample j is `freqAt(j)`.
 */
function clip(seed: number, noiseDbfs: number, amplDbfs: number, from: number, len: number, freqAt: (j: number) => number | null): Float32Array {
  const u = uniform(seed);
  const iq = new Float32Array(2 * N);
  const sigma = Math.sqrt(10 ** (noiseDbfs / 10) / 2);
  for (let i = 0; i < N; i++) {
    const r = sigma * Math.sqrt(-2 * Math.log(u()));
    const th = 2 * Math.PI * u();
    iq[2 * i] = r * Math.cos(th);
    iq[2 * i + 1] = r * Math.sin(th);
  }
  const a = 10 ** (amplDbfs / 20);
  let ph = 0;
  for (let j = 0; j < len; j++) {
    const f = freqAt(j);
    if (f === null) continue; // keyed off
    ph += (2 * Math.PI * f) / RATE;
    iq[2 * (from + j)] += a * Math.cos(ph);
    iq[2 * (from + j) + 1] += a * Math.sin(ph);
  }
  return iq;
}

/** CPU time (ms, this process) of fn. */
function cpuMs<T>(fn: () => T): { value: T; ms: number } {
  const c0 = process.cpuUsage();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, ms: (c.user + c.system) / 1000 };
}

describe('identification at 20 MS/s cuts the band around the detection first', () => {
  it('2-FSK (±5 kHz, 2400 Bd) 3.1 MHz off centre: class fsk, spacing and symbol rate within 10 %, the middle of its band within 1 kHz of 3.1 MHz, cut to 250 kS/s', () => {
    const bits = uniform(7);
    const symbol = RATE / 2400;
    const symbols = Array.from({ length: 200 }, () => (bits() < 0.5 ? -5000 : 5000));
    const iq = clip(3, -40, -25, 100_000, 800_000, (j) => 3.1e6 + symbols[Math.floor(j / symbol)]!);
    const input: IdentInput = { iq, count: N, rateSps: RATE, offsetHz: 3.1e6, bandwidthHz: 15_000 };
    const cut = narrowClip(input, 15_000);
    // window ±22.5 kHz → 10 × 22.5 kHz = 225 kS/s → the ladder's 250 kS/s; 20 MS/s / 80
    expect(cut).not.toBeNull();
    expect(cut!.rateSps).toBe(250_000);
    expect(Math.abs(cut!.count - N / 80)).toBeLessThanOrEqual(1);
    const { value: id, ms } = cpuMs(() => identify({ ...input, iq: iq.slice() }));
    console.log(`20 MS/s FSK, 1e6 samples: ${id.class} in ${ms.toFixed(0)} ms CPU; ${id.reason}`);
    expect(id.class).toBe('fsk');
    const f = id.features!;
    expect(Math.abs(f.toneSpacingHz / 10_000 - 1)).toBeLessThan(0.1);
    expect(Math.abs(f.symbolRateBd / 2400 - 1)).toBeLessThan(0.1);
    // (centerOffsetHz is the median instantaneous frequency: one tone or the other for unbalanced bits)
    expect(Math.abs((f.lowHz + f.highHz) / 2 - 3.1e6)).toBeLessThan(1000);
    expect(f.lowHz).toBeGreaterThan(3.1e6 - 12_000);
    expect(f.highHz).toBeLessThan(3.1e6 + 12_000);
    expect(f.clipS).toBeCloseTo(N / RATE, 6);
    // the full-rate analysis took 0.8–1.6 s of CPU for such a clip on this machine (channel filter of 6881 taps over
    // 1e6 samples, 16 MB float64 working copies); the cut ≈ 0.1 s
    expect(ms).toBeLessThan(500);
  });

  it('OOK, 1 ms elements, −5.2 MHz off centre: class ook, element within 10 %, centre within 300 Hz', () => {
    // on-off keying 1 ms on / 1 ms off / 1 ms on / 2 ms off …: elements of 1 ms
    const pattern = [1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0];
    const el = RATE / 1000;
    const iq = clip(5, -40, -25, 50_000, 40 * el, (j) => (pattern[Math.floor(j / el)] === 1 ? -5.2e6 : null));
    const id = identify({ iq, count: N, rateSps: RATE, offsetHz: -5.2e6, bandwidthHz: 5000 });
    expect(id.class).toBe('ook');
    const f = id.features!;
    expect(Math.abs(f.symbolS / 1e-3 - 1)).toBeLessThan(0.1);
    expect(Math.abs(f.centerOffsetHz + 5.2e6)).toBeLessThan(300);
  });

  it('a wide emission (hint 500 kHz) is not cut: its band would need more than 1/4 of the rate', () => {
    const input: IdentInput = { iq: new Float32Array(2 * N), count: N, rateSps: RATE, offsetHz: 0, bandwidthHz: 500_000 };
    expect(narrowClip(input, 500_000)).toBeNull();
    // the detector's reading of a 577 µs burst at 20 MS/s (5 fast-path bins of 19.5 kHz): cut to 2 MS/s
    expect(narrowClip({ ...input, bandwidthHz: 97_656 }, 97_656)?.rateSps).toBe(2_000_000);
    // the limit: the ladder's top, 2.5 MS/s ≤ 20 MS/s / 4, = 10 × a half window of 250 kHz (hint 166.7 kHz)
    expect(narrowClip({ ...input, bandwidthHz: 166_000 }, 166_000)?.rateSps).toBe(2_500_000);
    expect(narrowClip({ ...input, bandwidthHz: 167_000 }, 167_000)).toBeNull();
    // 2.4 MS/s: an NFM channel's 12.5 kHz hint → 10 × 18.75 kHz → 200 kS/s; a 50 kHz hint is not cut (750 kS/s > 600 kS/s)
    expect(narrowClip({ ...input, rateSps: 2.4e6, bandwidthHz: 12_500 }, 12_500)?.rateSps).toBe(200_000);
    expect(narrowClip({ ...input, rateSps: 2.4e6, bandwidthHz: 50_000 }, 50_000)).toBeNull();
    // refusals name the caller's offset, not the cut clip's 0 Hz
    const r = extractFeatures({ ...input, offsetHz: 4e6, bandwidthHz: 10_000 });
    expect('reason' in r && r.reason).toMatch(/near \+4000\.0 kHz from the sensor's centre/);
  });
});
