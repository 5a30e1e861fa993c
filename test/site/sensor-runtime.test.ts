// The sensor runtime's per-block counters: the achieved rate follows a monotonic clock, not the wall clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BlockCounters } from '../../src/site/sensor-runtime.js';
import type { IqBlock } from '../../src/types.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('BlockCounters', () => {
  it('an NTP step of the wall clock (60 s back, then 1 h forward) leaves the achieved rate at 1.000 MS/s ± 0.5 %', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const counters = new BlockCounters(false);
    const blockSamples = 32_768;
    const block = { count: blockSamples, discontinuity: false, tuneId: 0 } as unknown as IqBlock;
    const blockMs = (blockSamples / 1_000_000) * 1000;
    const readings: number[] = [];
    for (let i = 0; i < 1500; i++) {
      // 1 MS/s: one block per 32.768 ms, and the wall clock steps at blocks 400 and 900
      vi.advanceTimersByTime(blockMs);
      if (i === 400) vi.setSystemTime(Date.now() - 60_000);
      if (i === 900) vi.setSystemTime(Date.now() + 3_600_000);
      counters.onBlock(block);
      if (i > 200 && i % 10 === 0) readings.push(counters.meter.rateSps() ?? 0);
    }
    expect(Math.min(...readings)).toBeGreaterThan(0.995e6);
    expect(Math.max(...readings)).toBeLessThan(1.005e6);
  });
});
