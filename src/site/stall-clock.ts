// A thread's own event-loop stalls, measured by a timer, and the "responsive time" that leaves them out (offline judgement).

/** Tick period (ms) of {@link threadStallClock}. */
export const STALL_TICK_MS = 50;
/** Lateness (ms) of a tick that is ordinary timer jitter, not a stall. */
export const STALL_TOLERANCE_MS = 25;

/**
 * Measures how long this thread could not run its event loop, and keeps a clock that stops meanwhile.
 *
 * A timer ticks every `periodMs`. A tick that comes `gap` ms after the previous one, with
 * `gap > periodMs + toleranceMs`, means the thread could not run for `gap − periodMs − toleranceMs` ms: it was busy with
 * synchronous work (a long block, a simulated source generating samples) or was not scheduled at all (a machine at load
 * 8 on 2 cores). Those milliseconds are this thread's own stall, not anything it was waiting for. A stall still in
 * progress (the tick is overdue) counts up to `nowMs`, so a caller that runs before the late tick (timers run in due
 * order) sees it too.
 *
 * `now()` is "responsive time": wall time (ms) minus every stall so far. A silence measured in it — how long a worker has
 * waited for its source, how long the main thread has not heard from a worker — is one the thread was able to observe;
 * the time it was itself stalled does not make a sensor look silent. With no stall it runs at wall-clock pace, so the
 * offline latency of a really silent source is unchanged on an idle machine.
 */
export class StallClock {
  private stalledMs = 0;
  private lastTickMs: number;
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param periodMs tick period (ms, > 0).
   * @param toleranceMs lateness (ms, ≥ 0) of a tick that is not counted (timer jitter).
   * @param wallMs the wall clock (ms): Date.now unless a test drives it.
   */
  constructor(
    readonly periodMs = STALL_TICK_MS,
    readonly toleranceMs = STALL_TOLERANCE_MS,
    private readonly wallMs: () => number = Date.now,
  ) {
    if (!(periodMs > 0) || !(toleranceMs >= 0)) throw new RangeError(`StallClock: periodMs ${periodMs} must be > 0 and toleranceMs ${toleranceMs} ≥ 0`);
    this.lastTickMs = wallMs();
  }

  /** Starts the ticking timer (unref'd: it never keeps the process alive). Idempotent. */
  start(): this {
    if (this.timer === null) {
      this.lastTickMs = this.wallMs();
      this.timer = setInterval(() => this.tick(), this.periodMs);
      this.timer.unref();
    }
    return this;
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One tick at wall time `nowMs`: adds its lateness beyond the tolerance to the stall total. Returns that lateness (ms, ≥ 0). */
  tick(nowMs = this.wallMs()): number {
    const late = this.overdueMs(nowMs);
    this.stalledMs += late;
    this.lastTickMs = nowMs;
    return late;
  }

  /** Stall (ms) of the tick now overdue at `nowMs`: beyond `periodMs + toleranceMs` since the last tick, else 0. */
  private overdueMs(nowMs: number): number {
    return Math.max(0, nowMs - this.lastTickMs - this.periodMs - this.toleranceMs);
  }

  /** Total stall (ms) of this thread since the clock was made, including one in progress at `nowMs`. */
  stalledAt(nowMs = this.wallMs()): number {
    return this.stalledMs + this.overdueMs(nowMs);
  }

  /** Responsive time (ms): wall time minus every stall so far (including one in progress). Only differences are meaningful. */
  now(nowMs = this.wallMs()): number {
    return nowMs - this.stalledAt(nowMs);
  }
}

let shared: StallClock | null = null;

/**
 * This thread's stall clock (one per thread: each worker thread has its own module instance), started on first use.
 * The main thread's supervisors share one; each sensor worker has its own.
 */
export function threadStallClock(): StallClock {
  shared ??= new StallClock().start();
  return shared;
}
