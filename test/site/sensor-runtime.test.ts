// The sensor runtime's per-block counters: the achieved rate and the lateness follow a monotonic clock, not the wall clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { SharedBlockStream } from '../../src/site/block-stream.js';
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

  it('measures how far a worker at 60 % of real time trails it: ≈ 6.7 s after 10 s of a 1 MS/s stream; 0 when on time', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const counters = new BlockCounters(false);
    const blockSamples = 32_768;
    const blockMs = (blockSamples / 1_000_000) * 1000;
    const block = (i: number): IqBlock => ({ count: blockSamples, firstSample: i * blockSamples, rateSps: 1_000_000, discontinuity: false, tuneId: 0, clipFraction: 0 }) as unknown as IqBlock;
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
  it('a receiver delivering 60 % of its rate, waited for block by block, is not late (0 ms); a pipeline at 60 % is', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const blockSamples = 32_768;
    const blockMs = (blockSamples / 1_000_000) * 1000;
    const block = (i: number): IqBlock => ({ count: blockSamples, firstSample: i * blockSamples, rateSps: 1_000_000, discontinuity: false, tuneId: 0, clipFraction: 0 }) as unknown as IqBlock;
    const n = Math.round(10_000 / blockMs);
    const slowLink = new BlockCounters(false);
    const busy = new BlockCounters(false);
    for (let i = 0; i < n; i++) {
      vi.advanceTimersByTime(blockMs / 0.6);
      slowLink.onBlock(block(i), blockMs / 0.6); // the pipeline waited the whole interval: the receiver is the slow one
      busy.onBlock(block(i), 0); // queued: the pipeline is the slow one
    }
    expect(slowLink.maxBehindMs).toBe(0);
    expect(busy.maxBehindMs).toBeGreaterThan(6600);
    // the wait is summed for the health report's waitedFraction (the first block of a run only sets the origin)
    expect(slowLink.waitedMs).toBeCloseTo(((n - 1) * blockMs) / 0.6, 6);
    expect(busy.waitedMs).toBe(0);
    // a pipeline that caught up keeps its peak, and later lateness counts from where it caught up
    const caught = new BlockCounters(false);
    for (let i = 0; i < 100; i++) {
      vi.advanceTimersByTime(blockMs / 0.6);
      caught.onBlock(block(i), 0); // 100 blocks at 60 % (the first sets the origin): 2.16 s behind
    }
    const peak = caught.maxBehindMs;
    expect(peak).toBeCloseTo(99 * blockMs * (1 / 0.6 - 1), -1);
    vi.advanceTimersByTime(blockMs);
    caught.onBlock(block(100), blockMs); // waited: caught up
    for (let i = 101; i < 111; i++) {
      vi.advanceTimersByTime(blockMs * 2);
      caught.onBlock(block(i), 0); // 10 blocks at 50 %: 327.7 ms behind from the catch-up, under the old peak
    }
    expect(caught.maxBehindMs).toBe(peak);
  });

  it('SharedBlockStream hands onBlock the time the pipeline waited: ≈ 20 ms for a source pacing 20 ms blocks, 0 for queued ones', async () => {
    const waits: number[] = [];
    const mk = (i: number): IqBlock => ({ count: 5000, firstSample: i * 5000, rateSps: 250_000, discontinuity: false, tuneId: 0, clipFraction: 0, samples: new Float32Array(10_000) }) as unknown as IqBlock;
    const paced = {
      info: {} as never,
      async *blocks() {
        for (let i = 0; i < 5; i++) {
          if (i >= 3) await sleep(20); // blocks 0-2 queued, 3-4 take 20 ms to arrive
          yield mk(i);
        }
      },
      close: async () => undefined,
      health: () => ({}) as never,
    };
    const stream = new SharedBlockStream(paced as never, (_b, waitedMs) => waits.push(waitedMs));
    for await (const _b of stream.view().blocks()) void _b;
    expect(waits.length).toBe(5);
    for (const w of waits.slice(0, 3)) expect(w).toBeLessThan(5);
    for (const w of waits.slice(3)) expect(w).toBeGreaterThanOrEqual(19);
  });
});
