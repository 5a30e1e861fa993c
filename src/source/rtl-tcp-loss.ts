// Samples an rtl_tcp server lost upstream (queued transfers it freed, a USB overflow), found from bytes against the clock.

/** Options of {@link UpstreamLossTracker}; units in the names. */
export interface UpstreamLossOptions {
  /** Configured sample rate (S/s, > 0). */
  rateSps: number;
  /** Samples per upstream transfer: rtl_tcp loses whole ones (default 131072, librtlsdr's 262144-byte buffer). */
  transferSamples?: number;
  /** Length of each of the two half windows compared for a steady floor (ms; default max(1000, 4 transfer periods)). */
  halfWindowMs?: number;
  /** Tolerance (samples) of "steady" and of "a whole number of transfers" (default transferSamples / 8). */
  toleranceSamples?: number;
  /** Largest clock error (ppm) the floor's slope may take as drift (default 250; RTL-SDR crystals are within ±100). */
  maxDriftPpm?: number;
  /**
   * How long (ms) a rise that is not a whole number of transfers must hold before it counts (default 4 × 2 half windows).
   * Not shorter: a standing queue upstream (a slower path, a consumer just at real time with a lag) reads exactly as such
   * a loss until it goes, and a 2 s hold counted a 30 ms queue that lasted 6 s as 72 000 lost samples.
   */
  oddLossConfirmMs?: number;
  /**
   * Most samples that can wait upstream of the client (server queues, socket buffers; default Infinity: no bound).
   * A deficit above the floor by more than this is lost for sure, whether or not the client ever catches up.
   */
  maxBacklogSamples?: number;
}

/** One confirmed loss; positions are counts of samples received since {@link UpstreamLossTracker.start}. */
export interface UpstreamLoss {
  /** Samples lost (whole transfers × transferSamples when `transfers` > 0, else the measured rise, rounded). */
  lostSamples: number;
  /** Whole transfers lost, or 0 when the rise is not a whole number of transfers (e.g. a USB overflow). */
  transfers: number;
  /** Received samples at the last read still at the old floor: the loss is after this position. */
  afterReceived: number;
  /** Received samples at the first read at the new floor: the loss is at or before this position (best estimate). */
  beforeReceived: number;
  /** Received samples when the loss was confirmed. */
  detectedReceived: number;
  /** Time (ms) from the last read at the old floor to the confirmation. */
  delayMs: number;
  /**
   * True when counted while the client was still behind, from {@link UpstreamLossOptions.maxBacklogSamples}: the gap
   * may not be received yet (it lies within maxBacklogSamples after `detectedReceived`: `beforeReceived` is that end).
   */
  bounded: boolean;
}

/**
 * Least-squares line y ≈ a + b·x through the points added since {@link reset} (running sums, nothing allocated). Judged
 * only from 8 points on, and the slope only once the points' mean x is over 2 (seconds here: a short span's slope is
 * noise).
 */
class LineFit {
  private n = 0;
  private sx = 0;
  private sy = 0;
  private sxx = 0;
  private sxy = 0;

  reset(): void {
    this.n = this.sx = this.sy = this.sxx = this.sxy = 0;
  }

  add(x: number, y: number): void {
    this.n++;
    this.sx += x;
    this.sy += y;
    this.sxx += x * x;
    this.sxy += x * y;
  }

  /** Slope b; 0 before 8 points, or while their mean x is 2 or less. */
  slope(): number {
    if (this.n < 8 || this.sx / this.n <= 2) return 0;
    const spread = this.sxx - (this.sx * this.sx) / this.n;
    return spread > 0 ? (this.sxy - (this.sx * this.sy) / this.n) / spread : 0;
  }

  /** Intercept a for the slope `b`; 0 before 8 points. */
  intercept(b: number): number {
    return this.n < 8 ? 0 : (this.sy - b * this.sx) / this.n;
  }
}

/**
 * Finds samples lost upstream of an rtl_tcp client (the server frees its oldest queued transfer when its list passes
 * `-n`, librtlsdr loses data when the USB host falls behind): the byte stream closes up over such a gap, so only the
 * clock shows it.
 *
 * Accounting since the stream (re)started: deficit = rateSps × elapsed − samples received. Waiting in buffers (the
 * transfer being filled, rtl_tcp's list, the socket buffers, a slow consumer) only delays samples, so the deficit's
 * lower envelope — the floor, reached by a read that arrived with the least delay — stays put while nothing is lost,
 * and a loss raises it for good by exactly what was lost. The floor is the minimum deficit per bin (a 16th of the
 * window); it is judged at each bin's end over the last two half windows: "steady" when the two halves' minima agree
 * within the tolerance (a draining backlog falls, a growing one rises, a fresh step differs; none is judged). A steady
 * floor is compared with the predicted one (the last anchor plus the clock drift):
 * - lower by more than the tolerance: re-anchored there (less delay than before, or the first floor had a backlog);
 * - within the tolerance: the point refines the drift (least squares of the residual over time since the anchor,
 *   slope clamped to `maxDriftPpm`), so a crystal's tens of ppm never read as loss;
 * - higher by a whole number k ≥ 1 of transfers (± tolerance): k transfers lost, confirmed at once;
 * - higher by anything else: lost only once that rise has held for `oddLossConfirmMs` (a backlog rarely stays level
 *   that long; a USB overflow does).
 * The first floor: the first steady floor is compared with the lowest deficit read since the start (the anchor is set
 * there), so a loss in the first two half windows counts like a later one. That lowest read can only be higher than
 * the true floor (a read is never early), so it never invents a loss; what it can miss is a loss before the first read
 * that arrived with the least delay.
 * Detection delay: the loss shows once the client has caught up again and the rise has filled both half windows
 * (2 × halfWindowMs after the first read at the new floor, at the next bin end). A client that stays behind: once the
 * deficit of a read exceeds the predicted floor by more than `maxBacklogSamples`, the whole transfers beyond
 * that bound are counted at once (`bounded: true`; they cannot be waiting anywhere), the rest when it catches up. So
 * the delay is at most the time the shortfall takes to pass the bound after the backlog filled. Before the first steady
 * floor (a client behind from the start) the lowest read so far stands in for the floor.
 *
 * Nothing is allocated per read: the bins are preallocated rings.
 */
export class UpstreamLossTracker {
  /** Samples per upstream transfer. */
  readonly transferSamples: number;
  /** Length of one half window (ms). */
  readonly halfWindowMs: number;
  /** Steadiness and whole-transfer tolerance (samples). */
  readonly toleranceSamples: number;
  /** Bin length (ms): halfWindowMs / 8. */
  readonly binMs: number;
  private readonly rateSps: number;
  private readonly maxSlopePerS: number;
  private readonly oddConfirmMs: number;
  private readonly maxBacklog: number;
  private static readonly BINS_PER_HALF = 8;
  /** Ring of bins covering four half windows (two to judge, two more to bracket a loss found late). */
  private readonly binNo: Float64Array;
  private readonly binMin: Float64Array;
  private readonly binReceived: Float64Array;
  private readonly binTimeMs: Float64Array;
  private readonly capacity: number;

  private startMs = 0;
  private currentBin = -1;
  // floor model: predicted floor = anchor + slope × x + fit(x), x = seconds since the anchor
  private anchored = false;
  private anchorFloor = 0;
  private anchorMs = 0;
  private slopePerS = 0;
  /** Residual of the steady floors against anchor + slopePerS × x, since the anchor. */
  private readonly fit = new LineFit();
  // a rise that is not whole transfers, waiting to hold
  private oddSinceMs = -1;
  private oddLevel = 0;
  // last read still at the old floor (bracket of a loss)
  private lastNearReceived = 0;
  private lastNearMs = 0;
  // before the first anchor: the lowest deficit read since the start, and when
  private preMin = Infinity;
  private preMinMs = 0;
  // the last read: deficit and time (for backlogOrLostSamples)
  private lastDeficit = 0;
  private lastMs = 0;

  /** Losses confirmed since construction (all streams). */
  losses = 0;
  /** Samples lost since construction (all streams). */
  lostSamples = 0;
  /** Whole transfers lost since construction (all streams). */
  lostTransfers = 0;
  /** The last loss confirmed, null before the first. */
  lastLoss: UpstreamLoss | null = null;
  /** Largest |steady floor − predicted floor| (samples) taken as jitter or drift since construction (the margin left to the tolerance). */
  largestResidualSamples = 0;
  /** Steady floors judged since construction. */
  steadyJudgements = 0;
  /**
   * Samples counted lost from the bound ({@link UpstreamLoss.bounded}) that had only waited: the floor came back lower
   * by whole transfers once the client caught up, so `maxBacklogSamples` was too small. Not taken back from the
   * totals (they only grow); the blocks after kept their later indices.
   */
  overcountSamples = 0;
  /** Samples counted from the bound since the last steady floor. */
  private boundedSinceSteady = 0;

  /**
   * @throws RangeError naming the option when one is not a positive finite number.
   */
  constructor(o: UpstreamLossOptions) {
    const positive = (name: string, v: number): number => {
      if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`UpstreamLossTracker option ${name}: expected a finite number > 0, got ${v}`);
      return v;
    };
    this.rateSps = positive('rateSps', o.rateSps);
    this.transferSamples = positive('transferSamples', o.transferSamples ?? 131072);
    const periodMs = (this.transferSamples / this.rateSps) * 1000;
    this.halfWindowMs = positive('halfWindowMs', o.halfWindowMs ?? Math.max(1000, 4 * periodMs));
    this.toleranceSamples = positive('toleranceSamples', o.toleranceSamples ?? this.transferSamples / 8);
    this.maxSlopePerS = (positive('maxDriftPpm', o.maxDriftPpm ?? 250) * 1e-6) * this.rateSps;
    this.oddConfirmMs = positive('oddLossConfirmMs', o.oddLossConfirmMs ?? 8 * this.halfWindowMs);
    this.maxBacklog = o.maxBacklogSamples ?? Infinity;
    if (!(this.maxBacklog > 0)) throw new RangeError(`UpstreamLossTracker option maxBacklogSamples: expected a number > 0 (Infinity: no bound), got ${this.maxBacklog}`);
    this.binMs = this.halfWindowMs / UpstreamLossTracker.BINS_PER_HALF;
    this.capacity = 4 * UpstreamLossTracker.BINS_PER_HALF;
    this.binNo = new Float64Array(this.capacity).fill(-1);
    this.binMin = new Float64Array(this.capacity);
    this.binReceived = new Float64Array(this.capacity);
    this.binTimeMs = new Float64Array(this.capacity);
  }

  /** A stream (re)starts at `nowMs` (monotonic ms) with 0 samples received: forgets the floor and its drift. */
  start(nowMs: number): void {
    this.startMs = nowMs;
    this.currentBin = -1;
    this.binNo.fill(-1);
    this.anchored = false;
    this.slopePerS = 0;
    this.fit.reset();
    this.oddSinceMs = -1;
    this.lastNearReceived = 0;
    this.lastNearMs = nowMs;
    this.preMin = Infinity;
    this.preMinMs = nowMs;
    this.lastDeficit = 0;
    this.lastMs = nowMs;
  }

  /**
   * Samples produced upstream and not received at the last {@link record}: waiting (the transfer being filled, queues,
   * socket buffers, a slow consumer) or lost and not yet counted, which the byte stream cannot tell apart until the
   * client catches up or the bound {@link UpstreamLossOptions.maxBacklogSamples} is passed. ≥ 0; null before the first
   * floor is known (the first two half windows of a stream): then not even this is known.
   */
  backlogOrLostSamples(): number | null {
    return this.anchored ? Math.max(0, this.lastDeficit - this.predict(this.lastMs)) : null;
  }

  /**
   * Records a read at `nowMs`: `receivedSamples` in all since {@link start} (fractional is fine: bytes / 2).
   * @returns the loss confirmed by this read (at a bin's end), or null; totals and {@link lastLoss} are updated.
   */
  record(nowMs: number, receivedSamples: number): UpstreamLoss | null {
    const t = nowMs - this.startMs;
    const deficit = (t / 1000) * this.rateSps - receivedSamples;
    const bin = Math.floor(t / this.binMs);
    let loss: UpstreamLoss | null = null;
    if (bin !== this.currentBin) {
      if (this.currentBin >= 0) loss = this.judge((bin * this.binMs) + this.startMs, receivedSamples);
      this.currentBin = bin;
      const i = bin % this.capacity;
      this.binNo[i] = bin;
      this.binMin[i] = deficit;
      this.binReceived[i] = receivedSamples;
      this.binTimeMs[i] = nowMs;
    } else {
      const i = bin % this.capacity;
      if (deficit < this.binMin[i]!) {
        this.binMin[i] = deficit;
        this.binReceived[i] = receivedSamples;
        this.binTimeMs[i] = nowMs;
      }
    }
    this.lastDeficit = deficit;
    this.lastMs = nowMs;
    loss ??= this.beyondBacklog(nowMs, receivedSamples);
    if (!this.anchored) {
      if (deficit < this.preMin) {
        this.preMin = deficit;
        this.preMinMs = nowMs;
      }
      if (deficit < this.preMin + this.toleranceSamples) {
        this.lastNearReceived = receivedSamples;
        this.lastNearMs = nowMs;
      }
    } else if (deficit < this.predict(nowMs) + this.toleranceSamples) {
      this.lastNearReceived = receivedSamples;
      this.lastNearMs = nowMs;
    }
    return loss;
  }

  /** Predicted floor (deficit, samples) at `nowMs` from the anchor, the drift and the fit since the anchor. */
  private predict(nowMs: number): number {
    const x = (nowMs - this.anchorMs) / 1000;
    const b = this.fit.slope();
    return this.anchorFloor + this.fit.intercept(b) + this.clampSlope(this.slopePerS + b) * x;
  }

  /** `slope` (samples/s) within ±maxDriftPpm of the rate. */
  private clampSlope(slope: number): number {
    return Math.max(-this.maxSlopePerS, Math.min(this.maxSlopePerS, slope));
  }

  /** Moves the anchor to `floor` at `nowMs`, keeping the drift learnt so far. */
  private reanchor(nowMs: number, floor: number): void {
    if (this.anchored) this.slopePerS = this.clampSlope(this.slopePerS + this.fit.slope());
    this.anchored = true;
    this.anchorFloor = floor;
    this.anchorMs = nowMs;
    this.fit.reset();
    this.oddSinceMs = -1;
  }

  /** Judges the two half windows that end at `endMs` (the bin just finished). */
  private judge(endMs: number, receivedNow: number): UpstreamLoss | null {
    const per = UpstreamLossTracker.BINS_PER_HALF;
    const last = this.currentBin;
    let minOld = Infinity;
    let minNew = Infinity;
    let filledOld = 0;
    let filledNew = 0;
    for (let k = 0; k < 2 * per; k++) {
      const b = last - k;
      if (b < 0) return null;
      const i = b % this.capacity;
      if (this.binNo[i] !== b) continue;
      const m = this.binMin[i]!;
      if (k < per) {
        filledNew++;
        if (m < minNew) minNew = m;
      } else {
        filledOld++;
        if (m < minOld) minOld = m;
      }
    }
    if (filledOld < 2 || filledNew < 2) return null;
    const tol = this.toleranceSamples;
    if (Math.abs(minOld - minNew) > tol) return null; // falling, rising or a fresh step: not judged
    const level = minNew;
    // the first steady floor is judged against the lowest read since the start (a loss in the first half windows)
    if (!this.anchored) this.reanchor(this.preMinMs, this.preMin);
    const predicted = this.predict(endMs);
    const excess = level - predicted;
    this.steadyJudgements++;
    if (excess < -tol) {
      // lower by whole transfers right after counts from the bound: those transfers had only waited
      const over = Math.min(this.boundedSinceSteady, Math.round(-excess / this.transferSamples) * this.transferSamples);
      if (over > 0) this.overcountSamples += over;
      this.boundedSinceSteady = 0;
      this.reanchor(endMs, level);
      return null;
    }
    this.boundedSinceSteady = 0;
    if (excess <= tol) {
      if (Math.abs(excess) > this.largestResidualSamples) this.largestResidualSamples = Math.abs(excess);
      const x = (endMs - this.anchorMs) / 1000;
      this.fit.add(x, level - this.anchorFloor - this.slopePerS * x);
      this.oddSinceMs = -1;
      return null;
    }
    const k = Math.round(excess / this.transferSamples);
    const whole = k >= 1 && Math.abs(excess - k * this.transferSamples) <= tol;
    let lost: number;
    if (whole) lost = k * this.transferSamples;
    else {
      if (this.oddSinceMs < 0 || Math.abs(excess - this.oddLevel) > tol) {
        this.oddSinceMs = endMs;
        this.oddLevel = excess;
        return null;
      }
      if (endMs - this.oddSinceMs < this.oddConfirmMs) return null;
      lost = Math.round(excess);
    }
    // bracket: after the last read at the old floor, at or before the first bin at the new one (the whole rise: a rise
    // in steps, several gaps within two half windows, is one loss)
    let before = receivedNow;
    let bestNo = Infinity;
    for (let i = 0; i < this.capacity; i++) {
      const b = this.binNo[i]!;
      if (b < 0 || this.binTimeMs[i]! <= this.lastNearMs || b >= bestNo) continue;
      if (Math.abs(this.binMin[i]! - level) <= tol) {
        bestNo = b;
        before = this.binReceived[i]!;
      }
    }
    const loss: UpstreamLoss = {
      lostSamples: lost,
      transfers: whole ? k : 0,
      afterReceived: this.lastNearReceived,
      beforeReceived: Math.max(before, this.lastNearReceived),
      detectedReceived: receivedNow,
      delayMs: endMs - this.lastNearMs,
      bounded: false,
    };
    return this.count(loss, endMs, predicted);
  }

  /**
   * The client is behind by more than any backlog can hold: this read's deficit exceeds the predicted floor by more
   * than `maxBacklogSamples`, so the whole transfers beyond the bound are lost now.
   * @returns that loss ({@link UpstreamLoss.bounded}), or null
   */
  private beyondBacklog(endMs: number, receivedNow: number): UpstreamLoss | null {
    if (this.maxBacklog === Infinity) return null;
    // before the first steady floor (a client behind from the start never has one): the lowest read so far, which is
    // never below the true floor, so the count stays a lower bound
    const predicted = this.anchored ? this.predict(endMs) : this.preMin;
    if (predicted === Infinity) return null;
    const k = Math.floor((this.lastDeficit - predicted - this.maxBacklog) / this.transferSamples);
    if (k < 1) return null;
    const lost = k * this.transferSamples;
    const loss: UpstreamLoss = {
      lostSamples: lost,
      transfers: k,
      afterReceived: this.lastNearReceived,
      beforeReceived: receivedNow + this.maxBacklog,
      detectedReceived: receivedNow,
      delayMs: endMs - this.lastNearMs,
      bounded: true,
    };
    const counted = this.count(loss, endMs, predicted);
    this.boundedSinceSteady += lost;
    // still behind: the bracket's start stays at the last read at the old floor
    this.lastNearReceived = loss.afterReceived;
    this.lastNearMs = endMs - loss.delayMs;
    return counted;
  }

  /** Adds `loss` to the totals; the floor model continues from `predicted` plus what was lost. */
  private count(loss: UpstreamLoss, endMs: number, predicted: number): UpstreamLoss {
    this.losses++;
    this.lostSamples += loss.lostSamples;
    this.lostTransfers += loss.transfers;
    this.lastLoss = loss;
    // (a residual is left to the drift fit)
    this.reanchor(endMs, predicted + loss.lostSamples);
    this.lastNearReceived = loss.detectedReceived;
    this.lastNearMs = endMs;
    return loss;
  }
}
