// Delivered sample rate over a sliding wall-clock window, to catch rtl_tcp servers that fall behind.

/**
 * Measures the rate at which samples actually arrive (S/s) over the last `windowMs` of wall clock.
 *
 * rtl_tcp forwards whole librtlsdr transfers (262144 bytes by default: 0.52 s of data at 250 kS/s), and each
 * transfer reaches us as a burst of socket reads. Counting bytes from "window start" to "now" would be off by up
 * to one transfer (10 % at 250 kS/s over 5 s). So arrivals are grouped into bursts — a read within `gapMs` of the
 * previous one joins its burst, up to `windowMs / 16` per burst — and each burst is stored as (time of its last
 * read, cumulative samples after it). The rate is the samples of the bursts after the oldest one in the window
 * divided by the time from the end of that oldest burst to the end of the newest *finished* burst (one whose
 * last read is more than `gapMs` old, or that hit the length cap). Whole transfers between burst ends: exact for
 * periodic delivery. Same bytes-against-clock idea as stream1090 PR#74's drop detector (docs/field-notes.md §7, §10).
 *
 * `gapMs = min(10, windowMs / 64)`. Storage is a preallocated ring of `ceil(windowMs / gapMs) + 3` bursts (more
 * cannot fit in a window); nothing is allocated per arrival.
 */
export class SampleRateMeter {
  /** Window length (ms). */
  readonly windowMs: number;
  /** Largest pause between reads of one burst (ms). */
  readonly gapMs: number;
  private readonly maxBurstMs: number;
  private readonly times: Float64Array;
  private readonly cums: Float64Array;
  private readonly capacity: number;
  private head = 0; // index of the oldest entry
  private size = 0;
  private cum = 0;
  private startMs = 0;
  private burstStartMs = -Infinity; // first read of the newest entry's burst
  private burstCapped = false; // the newest burst reached maxBurstMs (finished regardless of gaps)

  /** @param windowMs window length (ms, > 0). */
  constructor(windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be > 0, got ${windowMs}`);
    this.windowMs = windowMs;
    this.gapMs = Math.min(10, windowMs / 64);
    this.maxBurstMs = windowMs / 16;
    this.capacity = Math.ceil(windowMs / this.gapMs) + 3;
    this.times = new Float64Array(this.capacity);
    this.cums = new Float64Array(this.capacity);
  }

  /** Forgets all arrivals; the meter judges again only once a full window has passed after `nowMs`. */
  reset(nowMs: number): void {
    this.head = 0;
    this.size = 0;
    this.cum = 0;
    this.startMs = nowMs;
    this.burstStartMs = -Infinity;
    this.burstCapped = false;
  }

  /** Records `samples` (may be fractional: bytes / 2) arriving at `nowMs` (monotonic ms). */
  record(nowMs: number, samples: number): void {
    this.cum += samples;
    const cap = this.capacity;
    if (this.size > 0 && !this.burstCapped) {
      const last = this.index(this.size - 1);
      if (nowMs - this.times[last]! <= this.gapMs) {
        // Same burst.
        this.times[last] = nowMs;
        this.cums[last] = this.cum;
        if (nowMs - this.burstStartMs >= this.maxBurstMs) this.burstCapped = true;
        this.prune(nowMs);
        return;
      }
    }
    this.burstStartMs = nowMs;
    this.burstCapped = false;
    if (this.size === cap) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.size--;
    }
    const tail = this.index(this.size);
    this.times[tail] = nowMs;
    this.cums[tail] = this.cum;
    this.size++;
    this.prune(nowMs);
  }

  /** True once a full window has passed since the last {@link reset}: before that the rate is not judged. */
  isSettled(nowMs: number): boolean {
    return nowMs - this.startMs >= this.windowMs;
  }

  /**
   * Achieved rate (S/s) over the finished bursts within the last window, or `null` when fewer than two of them
   * lie in it or they span less than a quarter of the window (too little to judge).
   */
  achievedSps(nowMs: number): number | null {
    this.prune(nowMs);
    let n = this.size;
    if (n > 0 && !this.burstCapped && nowMs - this.times[this.index(n - 1)]! <= this.gapMs) n--; // newest burst still arriving
    if (n < 2) return null;
    const first = this.head;
    const last = this.index(n - 1);
    const spanMs = this.times[last]! - this.times[first]!;
    if (spanMs < this.windowMs / 4) return null;
    return ((this.cums[last]! - this.cums[first]!) * 1000) / spanMs;
  }

  private index(k: number): number {
    const i = this.head + k;
    return i >= this.capacity ? i - this.capacity : i;
  }

  private prune(nowMs: number): void {
    const cutoff = nowMs - this.windowMs;
    const cap = this.capacity;
    while (this.size > 0 && this.times[this.head]! < cutoff) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.size--;
    }
  }
}

/**
 * Whether a stream's delivered rate ({@link SampleRateMeter}) falls short of the configured one:
 * `achieved < ratio × configured`, judged once the meter has a full window, and a change is reported only when it
 * has held for a quarter window, both ways (stream1090 PR#79: unconfirmed drop reports were false alarms; here one
 * late event-loop turn can move a burst's timestamp).
 */
export class RateShortfall {
  /** The meter's last estimate (S/s), null until a full window has been seen since {@link restart}. */
  achievedSps: number | null = null;
  /** True while the confirmed estimate is short. */
  shortfall = false;
  /** When the estimate first disagreed with `shortfall` (ms), null while they agree. */
  private flipSinceMs: number | null = null;

  /**
   * @param meter the delivered-rate meter (its window sets the confirmation time)
   * @param rateSps configured rate (S/s)
   * @param ratio shortfall threshold (0..1] of the configured rate
   */
  constructor(private readonly meter: SampleRateMeter, private readonly rateSps: number, private readonly ratio: number) {}

  /** Reads the meter at `nowMs`; returns true when `shortfall` changed (confirmed). */
  evaluate(nowMs: number): boolean {
    if (!this.meter.isSettled(nowMs)) return false;
    const achieved = this.meter.achievedSps(nowMs);
    this.achievedSps = achieved;
    if (achieved === null) return false;
    const short = achieved < this.ratio * this.rateSps;
    if (short === this.shortfall) {
      this.flipSinceMs = null;
      return false;
    }
    if (this.flipSinceMs === null) this.flipSinceMs = nowMs;
    if (nowMs - this.flipSinceMs < this.meter.windowMs / 4) return false;
    this.flipSinceMs = null;
    this.shortfall = short;
    return true;
  }

  /** A new measurement run (the stream settled again): no estimate yet; `shortfall` stays until judged again. */
  restart(): void {
    this.achievedSps = null;
    this.flipSinceMs = null;
  }

  /** Offline: no estimate, no shortfall. */
  clear(): void {
    this.restart();
    this.shortfall = false;
  }
}
