// The one retry delay rule: rtl_tcp reconnects (250 ms → 10 s), sensor reopens and worker restarts (site `restart`).
import { describe, expect, it } from 'vitest';
import { DEFAULT_SITE_CONFIG } from '../../src/config/site-config.js';
import { Backoff, backoffDelayMs } from '../../src/source/backoff.js';
import { rtlTcpSourceOptionsSchema } from '../../src/source/rtl-tcp-source.js';

describe('backoffDelayMs', () => {
  it('doubles from 250 ms and caps at 10 s, without jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 20, 1000].map((f) => backoffDelayMs(f, 250, 10_000))).toEqual([
      250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000,
    ]);
  });

  it('stays finite for any failure count: 0 ms stays 0 ms, a cap equal to the start is constant', () => {
    expect([0, 1, 1023, 1024, 1e6].map((f) => backoffDelayMs(f, 0, 5000))).toEqual([0, 0, 0, 0, 0]);
    expect([0, 1, 2, 50].map((f) => backoffDelayMs(f, 700, 700))).toEqual([700, 700, 700, 700]);
    expect(backoffDelayMs(3, 100, 1e12)).toBe(800);
  });
});

describe('Backoff', () => {
  it('the rtl_tcp defaults: 250, 500, 1000, 2000, 4000, 8000, 10000, 10000 ms; a healthy connection starts over', () => {
    const o = rtlTcpSourceOptionsSchema.parse({ host: 'h', port: 1, centerHz: 1, rateSps: 1, gainDb: 0 });
    const b = new Backoff(o.reconnectInitialMs, o.reconnectMaxMs);
    expect(b.failures).toBe(0);
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(b.failures).toBe(8);
    b.reset();
    expect(b.failures).toBe(0);
    expect([b.next(), b.next()]).toEqual([250, 500]);
  });

  it('the site restart defaults (sensor reopen, worker restart): 1, 2, 4, 8, 16, 30, 30 s', () => {
    const { initialMs, maxMs } = DEFAULT_SITE_CONFIG.restart;
    const b = new Backoff(initialMs, maxMs);
    expect(Array.from({ length: 7 }, () => b.next())).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });
});
