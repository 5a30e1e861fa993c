// SampleRateMeter: achieved S/s over a sliding window for smooth and bursty arrivals, and stalls; RateShortfall's confirmed judgement.
import { describe, expect, it } from 'vitest';
import { RateShortfall, SampleRateMeter } from '../../src/source/rtl-tcp-rate-meter.js';

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

describe('RateShortfall', () => {
  /** A meter fed 20 ms pieces of `sps` S/s over [fromMs, toMs), the judgement read before each piece (as the source does). */
  function feed(m: SampleRateMeter, r: RateShortfall, sps: number, fromMs: number, toMs: number): number[] {
    const changes: number[] = [];
    for (let t = fromMs; t < toMs; t += 20) {
      if (r.evaluate(t)) changes.push(t);
      m.record(t, (sps * 20) / 1000);
    }
    return changes;
  }

  it('reports a drop below 95 % and the recovery each once, a quarter window (250 ms) after the estimate crossed', () => {
    const m = new SampleRateMeter(1000);
    m.reset(0);
    const r = new RateShortfall(m, 20_000, 0.95);
    expect(feed(m, r, 20_000, 20, 3000)).toEqual([]);
    expect(r.shortfall).toBe(false);
    expect(r.achievedSps!).toBeCloseTo(20_000, 6);
    const down = feed(m, r, 10_000, 3000, 6000);
    expect(down).toHaveLength(1);
    expect(r.shortfall).toBe(true);
    expect(r.achievedSps!).toBeCloseTo(10_000, 6);
    // the estimate falls below 19 000 S/s within the first window after 3000 ms; the change is confirmed 250 ms later
    expect(down[0]!).toBeGreaterThanOrEqual(3250);
    expect(down[0]!).toBeLessThan(4000 + 250);
    const up = feed(m, r, 20_000, 6000, 9000);
    expect(up).toHaveLength(1);
    expect(r.shortfall).toBe(false);
  });

  it('a dip shorter than the confirmation is not reported; clear() forgets the estimate and the shortfall', () => {
    const m = new SampleRateMeter(1000);
    m.reset(0);
    const r = new RateShortfall(m, 20_000, 0.95);
    feed(m, r, 20_000, 20, 3000);
    expect(feed(m, r, 18_000, 3000, 3060)).toEqual([]);
    expect(feed(m, r, 20_000, 3060, 5000)).toEqual([]);
    expect(r.shortfall).toBe(false);
    feed(m, r, 5_000, 5000, 8000);
    expect(r.shortfall).toBe(true);
    r.clear();
    expect([r.shortfall, r.achievedSps]).toEqual([false, null]);
  });
});
