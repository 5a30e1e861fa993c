// UpdateThrottle (src/alerts/alert-throttle.ts): at most one update per interval per alert, the latest one written when
// the interval ends; requests, cancels and flushes. Fake timers: times are exact (ms).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpdateThrottle, type Throttled } from '../../src/alerts/alert-throttle.js';

interface T extends Throttled<string> {
  name: string;
}

let due: { name: string; update: string | null; atMs: number }[];
let throttle: UpdateThrottle<string, T>;
const alert = (lastWriteMs: number): T => ({ name: 'a', lastWriteMs, pending: null, timer: null });

beforeEach(() => {
  vi.useFakeTimers({ now: 10_000 });
  due = [];
  throttle = new UpdateThrottle<string, T>(1000, (t) => due.push({ name: t.name, update: throttle.take(t), atMs: Date.now() }));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('UpdateThrottle', () => {
  it('is due once the interval since the last record has passed and nothing waits', () => {
    const t = alert(10_000);
    expect(throttle.isDue(t, 10_999)).toBe(false);
    expect(throttle.isDue(t, 11_000)).toBe(true);
    throttle.defer(t, 'u1', 10_100);
    expect(throttle.isDue(t, 11_000)).toBe(false); // a timer runs: the waiting update goes first
  });

  it('writes only the latest deferred update, when the interval ends (lastWriteMs + intervalMs)', () => {
    const t = alert(10_000);
    throttle.defer(t, 'u1', 10_000);
    vi.advanceTimersByTime(300);
    throttle.defer(t, 'u2', 10_300);
    vi.advanceTimersByTime(300);
    throttle.defer(t, 'u3', 10_600);
    vi.advanceTimersByTime(399);
    expect(due).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(due).toEqual([{ name: 'a', update: 'u3', atMs: 11_000 }]);
    expect(t.timer).toBeNull();
    expect(t.pending).toBeNull();
  });

  it('cancel drops the waiting update and its timer', () => {
    const t = alert(10_000);
    throttle.defer(t, 'u1', 10_000);
    throttle.cancel(t);
    vi.advanceTimersByTime(5000);
    expect(due).toEqual([]);
    expect([t.timer, t.pending]).toEqual([null, null]);
  });

  it('request: at once when the interval has passed (fallback when nothing waits), else when it ends; no-op while a timer runs', () => {
    const t = alert(8000);
    throttle.request(t, () => 'latest', 10_000);
    expect(due).toEqual([{ name: 'a', update: 'latest', atMs: 10_000 }]);
    t.lastWriteMs = 10_000;
    vi.advanceTimersByTime(200);
    throttle.request(t, () => 'latest-2', Date.now());
    vi.advanceTimersByTime(100);
    throttle.request(t, () => 'ignored', Date.now());
    vi.advanceTimersByTime(699);
    expect(due).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(due.slice(1)).toEqual([{ name: 'a', update: 'latest-2', atMs: 11_000 }]);
  });

  it('flushNow hands a waiting update over at once; stop keeps it but ends the timer', () => {
    const t = alert(10_000);
    throttle.defer(t, 'u1', 10_000);
    throttle.flushNow(t);
    expect(due).toEqual([{ name: 'a', update: 'u1', atMs: 10_000 }]);
    throttle.flushNow(t); // nothing waits: no call
    expect(due).toHaveLength(1);
    throttle.defer(t, 'u2', 10_000);
    throttle.stop(t);
    vi.advanceTimersByTime(5000);
    expect(due).toHaveLength(1);
    expect(t.pending).toBe('u2');
  });
});
