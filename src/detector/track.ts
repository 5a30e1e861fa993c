// A detector track (one transmission being followed across frames and paths) and a closed track's footprint.

export class Track {
  active = false;
  id = 0;
  /** Index of this track in the detector's preallocated array. */
  readonly slot: number;
  /** End sample of the last frame of each path that hit the track (−∞: none). */
  lastFastHitEnd = -Infinity;
  lastSlowHitEnd = -Infinity;
  /** Largest excess (dB) seen by each path: the fast path's wider RBW reads a carrier lower than the slow path's. */
  peakFastDb = -Infinity;
  peakSlowDb = -Infinity;
  /** Separate bursts (runs of hits with gaps of more than one frame between them): an OOK device's packets. */
  packets = 0;
  /** Range in slow-resolution bins of every group that hit the track (with a keyed signal's onset splatter). */
  lo = 0;
  hi = 0;
  /** Range of the steady (non-transient) groups only, used to match groups to the track once it has one. */
  steadyLo = Infinity;
  steadyHi = -Infinity;
  confirmed = false;
  fastHits = 0;
  slowHits = 0;
  /** Slow hits that came from the long path (a weak continuous signal only seconds of averaging show). */
  longHits = 0;
  fastStart = 0;
  fastEnd = 0;
  slowStart = 0;
  slowEnd = 0;
  /** Sample index until which the track is kept alive (last activity on either path). */
  aliveUntil = 0;
  lastUpdateS = 0;
  peakExcessDb = -Infinity;
  peakPowerDbfs = -Infinity;
  overload = false;
  tuneId = 0;
  readonly accFast: Float64Array;
  readonly cntFast: Float64Array;
  readonly accSlow: Float64Array;
  readonly cntSlow: Float64Array;
  constructor(slot: number, nFast: number, nSlow: number) {
    this.slot = slot;
    this.accFast = new Float64Array(nFast);
    this.cntFast = new Float64Array(nFast);
    this.accSlow = new Float64Array(nSlow);
    this.cntSlow = new Float64Array(nSlow);
  }
  reset(): void {
    this.accFast.fill(0);
    this.cntFast.fill(0);
    this.accSlow.fill(0);
    this.cntSlow.fill(0);
    this.fastHits = 0;
    this.slowHits = 0;
    this.longHits = 0;
    this.confirmed = false;
    this.peakExcessDb = -Infinity;
    this.peakPowerDbfs = -Infinity;
    this.overload = false;
    this.lastFastHitEnd = -Infinity;
    this.lastSlowHitEnd = -Infinity;
    this.packets = 0;
    this.peakFastDb = -Infinity;
    this.peakSlowDb = -Infinity;
    this.steadyLo = Infinity;
    this.steadyHi = -Infinity;
  }
}

/** A recently closed track: its band (fast bins), the end of its last fast hit and of its last hit on any path. */
export interface Closed {
  lo: number;
  hi: number;
  fastEnd: number;
  hadFast: boolean;
  end: number;
}
