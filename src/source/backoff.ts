// Capped doubling backoff for reconnects and restarts: rtl_tcp reconnects, sensor reopens, sensor worker restarts.

/**
 * Delay (ms) before the next attempt after `failures` consecutive failures (0-based): `initialMs × 2^failures`,
 * capped at `maxMs`. No jitter, so the sequence is deterministic: 250, 500, 1000, 2000, 4000, 8000, 10000, 10000, …
 * for 250 / 10000 ms, which the offline messages and the tests can state. The exponent stops at 30, so the product
 * stays finite for any count (0 ms × 2^30 is still 0 ms).
 * @param failures consecutive failures so far (0 before the first retry)
 * @param initialMs first delay (ms, ≥ 0)
 * @param maxMs largest delay (ms, ≥ initialMs)
 */
export function backoffDelayMs(failures: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(failures, 30));
}

/**
 * The failure count of one thing that is retried, and its {@link backoffDelayMs} delays: {@link next} after each
 * failure, {@link reset} once an attempt has proved healthy (a connection delivered data, a worker ran long enough).
 */
export class Backoff {
  private count = 0;

  /**
   * @param initialMs first delay (ms)
   * @param maxMs largest delay (ms)
   */
  constructor(private readonly initialMs: number, private readonly maxMs: number) {}

  /** Consecutive failures since the last {@link reset}. */
  get failures(): number {
    return this.count;
  }

  /** Counts a failure; returns the delay (ms) to wait before the next attempt. */
  next(): number {
    const ms = backoffDelayMs(this.count, this.initialMs, this.maxMs);
    this.count++;
    return ms;
  }

  /** A healthy attempt: the next failure waits `initialMs` again. */
  reset(): void {
    this.count = 0;
  }
}
