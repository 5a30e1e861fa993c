// SampleRateMeter: achieved S/s over a sliding window for smooth and bursty arrivals, and stalls.
import { describe, expect, it } from 'vitest';
import { SampleRateMeter } from '../../src/source/rtl-tcp-rate-meter.js';

describe('SampleRateMeter', () => {
  it('measures a steady 20 kS/s delivered in 20 ms pieces exactly', () => {
    const m = new SampleRateMeter(1000);
    m.reset(0);
    for (let t = 20; t <= 3000; t += 20) m.record(t, 400);
    expect(m.isSettled(3000)).toBe(true);
    expect(m.achievedSps(3000)).toBeCloseTo(20_000, 6);
  });

  it('measures bursty delivery (one 131072-sample transfer every 524.288 ms at 250 kS/s) within 1 %', () => {
    const m = new SampleRateMeter(5000);
    m.reset(0);
    const period = (131072 / 250_000) * 1000;
    let t = 0;
    for (let k = 0; k < 40; k++) {
      t = k * period + 3;
      for (let part = 0; part < 4; part++) m.record(t + part * 0.2, 32768); // 4 socket reads per transfer
    }
    const r = m.achievedSps(t + 1)!;
    expect(Math.abs(r / 250_000 - 1)).toBeLessThan(0.01); // the 4 reads of a transfer merge into one arrival
  });

  it('stays within 1 % when each transfer arrives as unevenly split reads and the rate is read at every read', () => {
    // As the source does: evaluate before recording each read, so the newest burst is often half-received.
    const m = new SampleRateMeter(5000);
    m.reset(0);
    const period = (131072 / 250_000) * 1000;
    let seed = 5;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const estimates: number[] = [];
    for (let k = 0; k < 30; k++) {
      let left = 131072;
      let t = 40 + k * period;
      while (left > 0) {
        const n = Math.min(left, 1 + Math.floor(rnd() * 60000));
        const r = m.achievedSps(t);
        if (m.isSettled(t) && r !== null) estimates.push(r);
        m.record(t, n);
        left -= n;
        t += 0.5 + rnd() * 3; // reads of one transfer 0.5–3.5 ms apart
      }
    }
    expect(estimates.length).toBeGreaterThan(50);
    for (const r of estimates) expect(Math.abs(r / 250_000 - 1)).toBeLessThan(0.01);
  });

  it('reports half rate as half, and null with too few arrivals or before a full window', () => {
    const m = new SampleRateMeter(1000);
    m.reset(0);
    expect(m.achievedSps(0)).toBeNull();
    for (let t = 20; t <= 2000; t += 20) m.record(t, 200);
    expect(m.achievedSps(2000)).toBeCloseTo(10_000, 6);
    expect(m.isSettled(999)).toBe(false);
    expect(m.achievedSps(4000)).toBeNull(); // everything aged out
  });

  it('merges dense arrivals (1 per ms) and still measures exactly', () => {
    const m = new SampleRateMeter(1000);
    m.reset(0);
    for (let t = 1; t <= 2000; t++) m.record(t, 20);
    expect(m.achievedSps(2000)).toBeCloseTo(20_000, 6);
  });
});
