// UpstreamBacklog: samples waiting upstream of an rtl_tcp client, as lateness above its windowed minimum (LEDBAT base delay).
import { describe, expect, it } from 'vitest';
import { LATENESS_WINDOW_S, UpstreamBacklog } from '../../src/source/rtl-tcp-backlog.js';

const RATE = 250_000;
/**
 * performance.now() (ms) of the tests' first connection. Slots of the lateness ring that were never written count as
 * minima of 0 while performance.now() is under LATENESS_WINDOW_S s (a process's first minute), so the tests start later.
 */
const T0 = 100_000;

describe('UpstreamBacklog', () => {
  it('0 before anything was tracked; 0 while reads keep up with production', () => {
    const b = new UpstreamBacklog(RATE);
    b.start(T0 + 1000);
    expect(b.samples(T0 + 1500, 0)).toBe(0);
    // 131072-sample transfers every 524.288 ms, each read 10 ms after it was produced
    let received = 0;
    for (let k = 1; k <= 10; k++) {
      const t = T0 + 1000 + k * 524.288 + 10;
      received += 131_072;
      b.track(t, received);
    }
    expect(b.samples(T0 + 1000 + 10 * 524.288 + 10, received)).toBe(0);
  });

  it('a consumer 2 s behind leaves 500 000 samples (2 s at 250 kS/s) upstream', () => {
    const b = new UpstreamBacklog(RATE);
    b.start(T0);
    let received = 0;
    for (let t = 100; t <= 5000; t += 100) {
      received += RATE / 10;
      b.track(T0 + t, received); // caught up: lateness 0
    }
    // nothing read for 2 s: the server went on producing
    expect(b.samples(T0 + 7000, received)).toBe(500_000);
    expect(b.samples(T0 + 7000, received + 100_000)).toBe(400_000);
  });

  it('start() forgets the previous connection; minima older than the window no longer count', () => {
    const b = new UpstreamBacklog(RATE);
    b.start(T0);
    b.track(T0 + 1000, 0); // 1 s late at 1 s
    b.start(T0 + 5000);
    expect(b.samples(T0 + 5500, 0)).toBe(0); // nothing tracked on this connection
    b.track(T0 + 5500, RATE / 2); // on time
    expect(b.samples(T0 + 6000, RATE / 2)).toBe(RATE / 2);
    // a minimum tracked long ago leaves the window: the base becomes the newer, later reading
    const late = new UpstreamBacklog(RATE);
    late.start(T0);
    late.track(T0 + 500, RATE / 2); // lateness 0
    const dt = (LATENESS_WINDOW_S + 2) * 1000;
    late.track(T0 + dt, (dt / 1000) * RATE - 1000); // 1000 samples late
    expect(late.samples(T0 + dt, (dt / 1000) * RATE - 1000)).toBe(0);
    expect(late.samples(T0 + dt, (dt / 1000) * RATE - 3000)).toBe(2000);
  });
});
