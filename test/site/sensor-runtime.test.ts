// The sensor runtime's per-block counters: the achieved rate and the lateness follow a monotonic clock, not the wall clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BlockCounters } from '../../src/site/sensor-runtime.js';
import type { IqBlock } from '../../src/types.js';

const ZEROS = new Float32Array(2 * 32_768);

/** Block `i` of a 1 MS/s stream of 32 768-sample blocks at tune 0 (zeros: the counters read no sample). */
const block = (i: number): IqBlock => ({ samples: ZEROS, count: 32_768, centerHz: 0, rateSps: 1_000_000, firstSample: i * 32_768, tuneId: 0, clipFraction: 0, discontinuity: false });

afterEach(() => {
  vi.useRealTimers();
});

describe('BlockCounters', () => {
  it('an NTP step of the wall clock (60 s back, then 1 h forward) leaves the achieved rate at 1.000 MS/s ± 0.5 %', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const counters = new BlockCounters(false);
    const blockSamples = 32_768;
    const blockMs = (blockSamples / 1_000_000) * 1000;
    const readings: number[] = [];
    for (let i = 0; i < 1500; i++) {
      // 1 MS/s: one block per 32.768 ms, and the wall clock steps at blocks 400 and 900
      vi.advanceTimersByTime(blockMs);
      if (i === 400) vi.setSystemTime(Date.now() - 60_000);
      if (i === 900) vi.setSystemTime(Date.now() + 3_600_000);
      counters.onBlock(block(i));
      if (i > 200 && i % 10 === 0) readings.push(counters.meter.rateSps() ?? 0);
    }
    expect(Math.min(...readings)).toBeGreaterThan(0.995e6);
    expect(Math.max(...readings)).toBeLessThan(1.005e6);
  });

  it('measures how far a worker at 60 % of real time trails it: ≈ 6.7 s after 10 s of a 1 MS/s stream; 0 when on time', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const counters = new BlockCounters(false);
    const blockSamples = 32_768;
    const blockMs = (blockSamples / 1_000_000) * 1000;
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(blockMs); // on time
      counters.onBlock(block(i));
    }
    expect(counters.maxBehindMs).toBeLessThan(0.001);
    vi.setSystemTime(Date.now() + 3_600_000); // an NTP step is not lateness
    const n = Math.round(10_000 / blockMs);
    for (let i = 10; i < 10 + n; i++) {
      vi.advanceTimersByTime(blockMs / 0.6);
      counters.onBlock(block(i));
    }
    // n blocks of 32.768 ms took n · 54.6 ms: behind by n · 21.8 ms
    expect(counters.maxBehindMs).toBeCloseTo(n * blockMs * (1 / 0.6 - 1), -1); // ± 5 ms (fake timers step whole ms)
    expect(counters.maxBehindMs).toBeGreaterThan(6600);
    expect(counters.maxBehindMs).toBeLessThan(6700);
    const scanning = new BlockCounters(true);
    scanning.onBlock(block(0));
    vi.advanceTimersByTime(5000);
    scanning.onBlock(block(1));
    expect(scanning.maxBehindMs).toBe(0); // a retuning sensor restarts its sample count: not measured
  });
  it('a receiver delivering 60 % of its rate, caught up with every 250 ms, stays under 0.2 s late; a pipeline at 60 % is 6.6 s late', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const blockSamples = 32_768;
    const blockMs = (blockSamples / 1_000_000) * 1000;
    const n = Math.round(10_000 / blockMs);
    const slowLink = new BlockCounters(false);
    const busy = new BlockCounters(false);
    let peakSlow = 0;
    for (let i = 0; i < n; i++) {
      vi.advanceTimersByTime(blockMs / 0.6);
      slowLink.onBlock(block(i));
      busy.onBlock(block(i));
      if (i % 5 === 4) {
        // a health report every ≈ 270 ms: the slow link's worker idled (caught up), the busy one never did
        peakSlow = Math.max(peakSlow, slowLink.maxBehindMs);
        slowLink.caughtUp();
        slowLink.maxBehindMs = 0;
        slowLink.minBehindMs = Infinity;
      }
    }
    // 5 blocks of 21.8 ms drift since the last re-anchor, at most 2 intervals: ≤ 0.22 s (was 6.6 s)
    expect(peakSlow).toBeGreaterThan(80);
    expect(peakSlow).toBeLessThan(220);
    expect(busy.maxBehindMs).toBeGreaterThan(6600);
    // a pipeline that caught up keeps its reported peak; later lateness counts from where it caught up
    const caught = new BlockCounters(false);
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(blockMs / 0.6);
      caught.onBlock(block(i)); // 100 blocks at 60 % (the first sets the origin): 2.16 s behind
    }
    expect(caught.maxBehindMs).toBeCloseTo(99 * blockMs * (1 / 0.6 - 1), -1);
    expect(caught.minBehindMs).toBeCloseTo(blockMs * (1 / 0.6 - 1), -1); // the second block's
    caught.caughtUp(); // by the least lateness of the interval: 21.8 ms
    caught.maxBehindMs = 0;
    caught.minBehindMs = Infinity;
    vi.advanceTimersByTime(blockMs);
    caught.onBlock(block(100));
    expect(caught.maxBehindMs).toBeCloseTo(99 * blockMs * (1 / 0.6 - 1) - blockMs * (1 / 0.6 - 1), -1);
  });
});
