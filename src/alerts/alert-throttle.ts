// The update throttle of open alerts: at most one stored `update` record per interval per alert, the latest one written
// when the interval ends (trailing), so a long transmission does not write a record per detector frame.

/** What the throttle keeps on each alert it throttles: `P` is the update waiting to be written. */
export interface Throttled<P> {
  /** Time (ms, the bus's clock) of the last stored record of this alert. */
  lastWriteMs: number;
  /** The latest update not yet written (null: none waiting). */
  pending: P | null;
  /** Runs while an update waits for the interval to end. */
  timer: NodeJS.Timeout | null;
}

/**
 * Decides when an alert's next `update` may be stored: once `intervalMs` has passed since its last stored record.
 * An update arriving earlier waits (the later one replaces it) and is handed to `onDue` when the interval ends. The
 * timers are unref'd: they never keep the process alive.
 */
export class UpdateThrottle<P, T extends Throttled<P>> {
  /**
   * @param intervalMs minimum time between two stored updates of one alert (ms, ≥ 0).
   * @param onDue called with an alert whose waiting update is due (take it with {@link take}).
   */
  constructor(
    readonly intervalMs: number,
    private readonly onDue: (t: T) => void,
  ) {}

  /** True when an update of `t` may be written now: none is waiting and the interval since the last record has passed. */
  isDue(t: T, nowMs: number): boolean {
    return t.timer === null && nowMs - t.lastWriteMs >= this.intervalMs;
  }

  /** Drops the waiting update of `t` and its timer. */
  cancel(t: T): void {
    if (t.timer !== null) clearTimeout(t.timer);
    t.timer = null;
    t.pending = null;
  }

  /** Keeps `update` as the one to write when the interval of `t` ends (starting its timer when none runs). */
  defer(t: T, update: P, nowMs: number): void {
    t.pending = update;
    if (t.timer === null) this.schedule(t, nowMs);
  }

  /**
   * Asks for an update of `t` (e.g. its group changed) when none is waiting yet: the waiting one, else `fallback()`,
   * goes to `onDue` at once when the interval has passed, else when it ends. No-op while a timer runs (the waiting
   * update is written then and carries the change).
   */
  request(t: T, fallback: () => P, nowMs: number): void {
    if (t.timer !== null) return;
    t.pending ??= fallback();
    if (nowMs - t.lastWriteMs >= this.intervalMs) {
      this.onDue(t);
      return;
    }
    this.schedule(t, nowMs);
  }

  /** Takes the waiting update of `t` (null when none), stopping its timer's claim; call from `onDue`. */
  take(t: T): P | null {
    t.timer = null;
    const p = t.pending;
    t.pending = null;
    return p;
  }

  /** When an update of `t` waits on its timer: stops the timer and hands it to `onDue` now. */
  flushNow(t: T): void {
    if (t.timer === null) return;
    clearTimeout(t.timer);
    this.onDue(t);
  }

  /** Stops the timer of `t`, keeping what waits (used when the bus closes). */
  stop(t: T): void {
    if (t.timer !== null) clearTimeout(t.timer);
  }

  private schedule(t: T, nowMs: number): void {
    t.timer = setTimeout(() => this.onDue(t), Math.max(0, t.lastWriteMs + this.intervalMs - nowMs));
    t.timer.unref();
  }
}
