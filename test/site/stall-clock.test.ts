// StallClock: a thread's own stalls from its timer's lateness, and the responsive time that leaves them out.
import { describe, expect, it } from 'vitest';
import { StallClock } from '../../src/site/stall-clock.js';

describe('StallClock', () => {
  it('counts a tick later than period + tolerance as a stall, jitter within the tolerance as none', () => {
    let wall = 1000;
    const c = new StallClock(50, 25, () => wall);
    for (let i = 0; i < 20; i++) {
      wall += 60; // 10 ms late each: jitter
      expect(c.tick()).toBe(0);
    }
    expect(c.stalledAt()).toBe(0);
    expect(c.now()).toBe(wall);
    wall += 1500; // the thread could not run for 1.5 s
    expect(c.stalledAt()).toBe(1500 - 75); // in progress: counted before the late tick runs
    expect(c.tick()).toBe(1425);
    expect(c.stalledAt()).toBe(1425);
    wall += 50;
    c.tick();
    expect(c.now()).toBe(wall - 1425);
  });

  it('measures a real synchronous stall of this thread within 60 ms', async () => {
    const c = new StallClock(20, 10).start();
    try {
      await new Promise((r) => setTimeout(r, 100));
      const before = c.stalledAt();
      const t0 = Date.now();
      while (Date.now() - t0 < 600); // busy: no timer can run
      const stalled = c.stalledAt() - before;
      console.log(`600 ms busy loop → stall measured ${stalled} ms (tick 20 ms, tolerance 10 ms)`);
      expect(stalled).toBeGreaterThan(600 - 30 - 60);
      expect(stalled).toBeLessThanOrEqual(610);
    } finally {
      c.stop();
    }
  });

  it('rejects a period that is not positive', () => {
    expect(() => new StallClock(0, 0)).toThrow(/periodMs 0 must be > 0/);
  });
});
