// A detector track (one transmission being followed across frames and paths), a closed track's footprint, the
// table of track slots and recent footprints the detector matches groups against (docs/detector.md §4), and the
// constants of a track's packets, companions and steady extent the tracker applies.

/**
 * How long (s) after a track's first steady hit its steady extent is taken again ({@link Track.addSteady}) from the
 * steady groups of the second half of that time: the frame after a key-on is not a transient by the tracker's rule,
 * but its window still holds the key-on's splatter (short frames overlap by half). Half a second holds hundreds of
 * short frames, so both tones of an FSK link or the band of a voice link show in it; one second is short against the
 * seconds a long-path average spans: a weak link keyed on beside a strong one is split from its skirt
 * (docs/detector.md §10) once the strong one's steady extent is taken again.
 */
export const STEADY_SETTLE_S = 1;

/**
 * A detection's packets are its runs of fast hits separated by at least this long (s): rtl_433's pulse detector ends a
 * package after a gap of PD_MIN_GAP_MS = 10 ms (when it also exceeds 10 times the longest pulse). Shorter gaps are the
 * gaps between an OOK or pulse-width code's bits, which a supervisor does not count as packets (an Auriol weather
 * sensor's 1 s message read 247 of them; rtl_433 decodes it as one package).
 */
export const PACKET_GAP_S = 0.01;

/**
 * How much stronger (dB, peak excess) an open track must be for a weaker emission the burst path finds soon after one
 * of its packets keyed on to count as its companion (a spur or sideband keyed with it) rather than a new transmission:
 * a companion of a device's own carrier stands well under it (measured on the real recordings: 11–32 dB), while two
 * transmitters a cheater keys together would have to key within two burst windows (40 ms) of each other.
 */
export const BURST_CO_KEYED_DB = 6;

/**
 * How far (Hz, edge to edge) from a stronger track a weaker emission the burst path finds can be its companion: the
 * real recordings' spurs and sidebands lie 34–94 kHz from their carriers. A GSM-like neighbour 1 MHz away, keying every
 * 4.6 ms, then leaves the rest of the band tested (without the limit TDMA Pd 0.9 fell from +1.8 dB to over +4 dB).
 */
export const BURST_COMPANION_REACH_HZ = 100_000;

/**
 * Adds each bin's excess ratio stat/level over [a, z] to a track's running sums (bins with an infinite level, i.e.
 * guarded or unlearned, are left out). A small function of its own: it is optimised early, so the boxed float64
 * values an unoptimised loop makes do not follow every hit until the (rarely called) hit() itself is optimised.
 */
export function accumulateExcess(acc: Float64Array, cnt: Float64Array, stat: Float32Array, level: Float32Array, a: number, z: number): void {
  for (let b = a; b <= z; b++) {
    const l = level[b];
    if (l === Infinity) continue;
    acc[b] += stat[b] / l;
    cnt[b] += 1;
  }
}

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
  /** First sample of the latest packet the short paths saw (−∞ before the first): when the signal last keyed on. */
  packetStart = -Infinity;
  /** Range in slow-resolution bins of every group that hit the track (with a keyed signal's onset splatter). */
  lo = 0;
  hi = 0;
  /**
   * Range (fine bins) of the steady (non-transient) groups, used to match groups to the track once it has one; taken
   * again once, STEADY_SETTLE_S after the first ({@link addSteady}).
   */
  steadyLo = Infinity;
  steadyHi = -Infinity;
  /** Range of the steady groups in the second half of the settle time (see {@link addSteady}). */
  settleLo = Infinity;
  settleHi = -Infinity;
  /** Sample after which the steady extent is taken again (−∞ before the first steady hit, ∞ once it has been). */
  steadySettleEnd = -Infinity;
  confirmed = false;
  fastHits = 0;
  slowHits = 0;
  /** Slow hits that came from the long path (a weak continuous signal only seconds of averaging show). */
  longHits = 0;
  /** Fast hits that came from the burst path (counted in fastHits too); the rest are single short frames'. */
  burstHits = 0;
  /**
   * End sample of the last hit by a single short frame's group over its open level (−∞: none; the burst path's hits do
   * not count).
   */
  lastShortOpenEnd = -Infinity;
  /**
   * The id of the track this one was split from as a newcomer in its extent (0: none); that track's excess spectrum
   * leaves out this one's band (accumulateOwnExcess).
   */
  newcomerOf = 0;
  /** Open tracks split from this one as newcomers (their newcomerOf is its id; newcomer.ts releaseTrack keeps it). */
  children = 0;
  /** Band (fine bins; empty while toneHi < toneLo) of this track's own other tone, a newcomer merged back (pair-watch.ts). */
  toneLo = Infinity;
  toneHi = -Infinity;
  fastStart = 0;
  fastEnd = 0;
  slowStart = 0;
  slowEnd = 0;
  /**
   * End sample the track's events report (−∞ before the first hit): the end of its last hit by a group over its path's
   * open threshold, or by a release-level group within the fast hold of that end ({@link extendReportedEnd}), on the
   * hits {@link endSample} counts. {@link endSample} also counts a release-level group that came after a longer silence
   * while the slow hold kept the track open, as often noise at the band's edge as the signal: a 0.5 s burst read
   * 0.75 s (a one-frame 10 dB blip 0.25 s after it) and, live, 1.1 s (docs/detector.md §4, "Times").
   */
  overEnd = 0;
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
  /** Per fast bin, when the track's signal there keyed on (sample; ∞ before): see pair-watch.ts noteFirstOpen. */
  readonly firstFast: Float64Array;
  firstNoted = false;
  constructor(slot: number, nFast: number, nSlow: number) {
    this.slot = slot;
    this.firstFast = new Float64Array(nFast).fill(Infinity);
    this.accFast = new Float64Array(nFast);
    this.cntFast = new Float64Array(nFast);
    this.accSlow = new Float64Array(nSlow);
    this.cntSlow = new Float64Array(nSlow);
  }
  reset(): void {
    this.firstFast.fill(Infinity);
    this.firstNoted = false;
    this.accFast.fill(0);
    this.cntFast.fill(0);
    this.accSlow.fill(0);
    this.cntSlow.fill(0);
    this.fastHits = 0;
    this.slowHits = 0;
    this.longHits = 0;
    this.burstHits = 0;
    this.lastShortOpenEnd = -Infinity;
    this.newcomerOf = 0;
    this.children = 0;
    this.toneLo = Infinity;
    this.toneHi = -Infinity;
    this.confirmed = false;
    this.peakExcessDb = -Infinity;
    this.peakPowerDbfs = -Infinity;
    this.overload = false;
    this.lastFastHitEnd = -Infinity;
    this.lastSlowHitEnd = -Infinity;
    this.packets = 0;
    this.packetStart = -Infinity;
    this.peakFastDb = -Infinity;
    this.peakSlowDb = -Infinity;
    this.steadyLo = Infinity;
    this.steadyHi = -Infinity;
    this.settleLo = Infinity;
    this.settleHi = -Infinity;
    this.steadySettleEnd = -Infinity;
  }
  /**
   * Takes the hit times, counts and peaks of track `from` (a second emitter found in its spectrum has been on as long
   * as it: docs/detector.md §4), keeping this track's id, extent and spectra.
   */
  copyHits(from: Track): void {
    this.lastFastHitEnd = from.lastFastHitEnd;
    this.lastSlowHitEnd = from.lastSlowHitEnd;
    this.packets = from.packets;
    this.packetStart = from.packetStart;
    this.fastHits = from.fastHits;
    this.slowHits = from.slowHits;
    this.longHits = from.longHits;
    this.burstHits = from.burstHits;
    this.lastShortOpenEnd = from.lastShortOpenEnd;
    this.fastStart = from.fastStart;
    this.fastEnd = from.fastEnd;
    this.slowStart = from.slowStart;
    this.slowEnd = from.slowEnd;
    this.overEnd = from.overEnd;
    this.aliveUntil = from.aliveUntil;
    this.lastUpdateS = from.lastUpdateS;
    this.overload = from.overload;
    this.peakPowerDbfs = from.peakPowerDbfs;
  }
  /**
   * Adds a steady group over [lo, hi] (fine bins) from a frame ending at sample `end` to the steady extent. The first
   * steady hit more than `settleSamples` after the first one takes the extent again from the steady groups of the
   * second half of that time and its own, without the key-on's splatter; before and after, it is the union of every
   * steady group (a modulated signal's band, both tones of an FSK link, a carrier's sidebands once joined).
   */
  addSteady(lo: number, hi: number, end: number, settleSamples: number): void {
    if (this.steadySettleEnd === -Infinity) this.steadySettleEnd = end + settleSamples;
    else if (end > this.steadySettleEnd) {
      this.steadyLo = this.settleLo;
      this.steadyHi = this.settleHi;
      this.steadySettleEnd = Infinity;
    } else if (end > this.steadySettleEnd - settleSamples / 2) {
      if (lo < this.settleLo) this.settleLo = lo;
      if (hi > this.settleHi) this.settleHi = hi;
    }
    if (lo < this.steadyLo) this.steadyLo = lo;
    if (hi > this.steadyHi) this.steadyHi = hi;
  }
  /**
   * Whether a burst-path group (over its open level when `open`) of a window starting at `windowStart` (sample) adds to
   * this track (docs/detector.md §12.1, "Beside the tracks of the other paths"). Not when a single short frame's group hit it over its open level inside the burst
   * window: the short frames see the signal there, and the running mean would only add its smeared times (up to a
   * quarter window early), a window of hold (two 0.5 ms pulses 30 ms apart became one detection) and its wider view of
   * a strong signal's skirt (which widened a 40 dB link's steady extent over a 15 dB link 22 kHz away). Not when only
   * the long path found it (as for the short frames' release-level groups: as fast hits they stopped the long path
   * refreshing a weak link, which split into many detections). Under the open level, only when the burst path has hit
   * it over it: its release level must not carry a one-frame noise blip (a calibration emitter's splatter, held in the
   * means for a window) until the blip is confirmed.
   */
  burstAdds(open: boolean, windowStart: number): boolean {
    if (this.lastShortOpenEnd >= windowStart) return false;
    if (this.longHits > 0 && this.fastHits === 0) return false;
    return open || this.burstHits > 0;
  }

  /**
   * Counts a fast-path hit over [start, end] (samples): `burst` from the burst path, else a single short frame's group,
   * over its open level when `open`. The first such short frame on a track the burst path opened, within `burstWindow`
   * samples of its start, gives the track its start: a running mean's hit stands for its window's middle half, which
   * begins up to three quarters of a window before a burst's onset (a 60 ms OOK packet at 2.000 s read 1.989 s for
   * 2.004 s; docs/detector.md §12.1).
   */
  countFastHit(burst: boolean, open: boolean, start: number, end: number, burstWindow: number): void {
    if (!burst && open && this.burstHits > 0 && this.lastShortOpenEnd === -Infinity && start - this.fastStart <= burstWindow) {
      this.fastStart = start;
    }
    this.fastHits++;
    if (burst) this.burstHits++;
    else if (open) this.lastShortOpenEnd = end;
  }
  /** First sample of the track's hits on any path (the event's start; ∞ before the first hit). */
  startSample(): number {
    return Math.min(this.fastStart, this.slowStart);
  }
  /**
   * Last sample of the track's hits on any path, release-level ones included (−∞ before the first hit): what its
   * updates are timed and its minimum duration is tested by. The events report {@link reportedEnd}.
   */
  endSample(): number {
    return Math.max(this.fastEnd, this.slowEnd);
  }
  /** The end an event reports: {@link overEnd}, or {@link endSample} for a track none of whose hits set it. */
  reportedEnd(): number {
    return this.overEnd > -Infinity ? this.overEnd : this.endSample();
  }
  /**
   * Moves the end the track's events report ({@link overEnd}) to `end` for a hit over [start, end] (samples) by a group
   * over its path's open threshold (`overOpen`), or by a release-level one that continues the reported end across no
   * more than `bridge` samples of silence, the hold this path's own hits give (the fast path's holdMs, what merges a
   * signal's bursts: an OOK device's bits keyed at 11–14 dB, under the open level, stay in its duration; the slow hold
   * for the averages of a weak link that dip under the release level now and then). A release-level short frame after
   * a longer silence, which only the slow hold kept the track open for, is as often noise at the band's edge: it keeps
   * the track (what is detected is unchanged) but not its end.
   */
  extendReportedEnd(overOpen: boolean, start: number, end: number, bridge: number): void {
    if (end > this.overEnd && (overOpen || start <= this.overEnd + bridge)) this.overEnd = end;
  }
  /**
   * The band (fine bins) that locates the track: its steady extent ({@link addSteady}) once it has steady hits, else its
   * whole extent (its onset splatter must not capture its neighbours). Low edge; {@link locateHi} the high one.
   */
  locateLo(): number {
    return this.steadyHi >= this.steadyLo ? this.steadyLo : this.lo;
  }
  /** High edge of the band that locates the track ({@link locateLo}). */
  locateHi(): number {
    return this.steadyHi >= this.steadyLo ? this.steadyHi : this.hi;
  }
}

/** A recently closed track: its band (fine bins), the end of its last fast hit and of its last hit on any path. */
export interface Closed {
  lo: number;
  hi: number;
  fastEnd: number;
  hadFast: boolean;
  end: number;
  /** Its peak excess over the baseline (dB). */
  peakDb: number;
}

/**
 * A third-order product 2f_A − f_B stands 2·ex_A + ex_B − 2·D over the noise (ex: the tones' excess over the noise,
 * D: the receiver's input IP3 over its noise floor, all dB; a cubic front end). D = 55 dB is a pessimistic 8-bit dongle
 * at high gain (spurious-free range 2D/3 ≈ 37 dB); the long path sees a product from −10 dB in its band (its smallest
 * excess, 0.1), so products of tones with 2·ex_A + ex_B under 2·55 − 10 = 100 dB are never seen, and the rule leaves the
 * band round them alone (docs/detector.md §10).
 */
export const IM3_VISIBLE_SUM_DB = 100;

/** Closed tracks remembered (a ring) to tell whether a group in an average is a burst the fast path already reported. */
export const RECENT_TRACKS = 32;

/**
 * The detector's preallocated track slots and a ring of the last {@link RECENT_TRACKS} closed tracks' footprints.
 * Bands are in slow-resolution (fine) bins, times in sample indices. Allocation-free after construction.
 */
export class TrackTable {
  readonly tracks: Track[] = [];
  /** Tracks with `active` set (kept by open/release, so frames without tracks skip the scans). */
  active = 0;
  private readonly recent: Closed[] = [];
  private recentPos = 0;
  private nextId = 1;

  /**
   * @param maxTracks slots (tracks open at once)
   * @param nFast, nSlow bins of the fast and slow paths (the tracks' excess spectra)
   * @param rateSps sample rate (S/s): a new track's last update time (s) is its start sample over it
   */
  constructor(maxTracks: number, nFast: number, nSlow: number, private readonly rateSps: number) {
    for (let i = 0; i < maxTracks; i++) this.tracks.push(new Track(i, nFast, nSlow));
    for (let i = 0; i < RECENT_TRACKS; i++) this.recent.push({ lo: 0, hi: -1, fastEnd: -Infinity, hadFast: false, end: -Infinity, peakDb: -Infinity });
  }

  /**
   * The open track nearest to [lo, hi] (fine bins) within `gap` bins (the oldest of equally near ones), or null; the
   * track in slot `except` is left out.
   */
  find(lo: number, hi: number, gap: number, except = -1): Track | null {
    let found: Track | null = null;
    let foundD = Infinity;
    for (let ti = 0; ti < this.tracks.length; ti++) {
      const t = this.tracks[ti];
      if (ti === except) continue;
      const d = TrackTable.distance(t, lo, hi, gap);
      if (d >= 0 && (found === null || d < foundD || (d === foundD && t.id < found.id))) {
        found = t;
        foundD = d;
      }
    }
    return found;
  }

  /**
   * The distance (fine bins) from open track t to [lo, hi] when within `gap` bins, else −1 (also when t is not open),
   * measured from the band that locates t ({@link Track.locateLo}).
   */
  static distance(t: Track, lo: number, hi: number, gap: number): number {
    if (!t.active) return -1;
    const tlo = t.locateLo();
    const thi = t.locateHi();
    return lo <= thi + gap && hi >= tlo - gap ? Math.max(0, lo - thi, tlo - hi) : -1;
  }

  /**
   * Whether a recently closed track explains a group over [lo, hi] (fine bins, ± gap) in a window from `windowStart`:
   * with `anyPath` false a track the fast path hit inside the window (a burst inside a Welch average); with `anyPath`
   * true any track hit inside it (the long path's window still holds a link the short paths reported and closed);
   * only tracks whose peak excess reached `minPeakDb` (dB) count.
   */
  explainedByRecent(lo: number, hi: number, windowStart: number, gap: number, anyPath = false, minPeakDb = -Infinity): boolean {
    for (const c of this.recent) {
      const last = anyPath ? c.end : c.hadFast ? c.fastEnd : -Infinity;
      if (last >= windowStart && c.peakDb >= minPeakDb && lo <= c.hi + gap && hi >= c.lo - gap) return true;
    }
    return false;
  }

  /**
   * Whether an open track that keyed a packet on at or after sample `since`, has reached a peak excess of `minPeakDb`
   * (dB) and lies within `reach` fine bins of [lo, hi]: a weaker emission that appears with it may be its companion
   * (the burst path's spur rule, Tracker).
   */
  keyedSince(lo: number, hi: number, reach: number, since: number, minPeakDb: number): boolean {
    for (let ti = 0; ti < this.tracks.length; ti++) {
      const t = this.tracks[ti];
      if (t.active && t.packetStart >= since && t.peakExcessDb >= minPeakDb && lo <= t.hi + reach && hi >= t.lo - reach) return true;
    }
    return false;
  }

  /**
   * Whether [lo, hi] (fine bins) lies on a third-order intermodulation product 2f_A − f_B of two signals A and B, each a
   * track open now or closed since `since` (samples) or one of the calibration's emitters (`bands`: [lo, hi] pairs of
   * fine bins, `bandExcessDb` their peak excess; not both), whose product a receiver could show at the group's level
   * `groupExcessDb` (dB over the noise, the group's rise − 1): both at least `rejectionDb` stronger than the group, and
   * 2·ex_A + ex_B at least {@link IM3_VISIBLE_SUM_DB} (see there). The product's band is 2·w_A + w_B wide (w the bands'
   * widths: the cubic term doubles A's modulation and adds B's), widened by `gap`. Allocation-free.
   */
  /**
   * {@link intermodOf} for a group whose peak excess ratio (stat/level) is `peakRatio`; false when `rejectionDb` is not
   * positive (the rule is off): a front end's cubic term mixes a strong new link with the site's carriers, and
   * averaging shows products tens of dB under it (docs/detector.md §10).
   */
  intermodOfGroup(peakRatio: number, lo: number, hi: number, since: number, gap: number, rejectionDb: number, bands: Int32Array, bandExcessDb: Float64Array): boolean {
    if (!(rejectionDb > 0)) return false;
    return this.intermodOf(lo, hi, since, gap, 10 * Math.log10(Math.max(1e-12, peakRatio - 1)), rejectionDb, bands, bandExcessDb);
  }

  intermodOf(lo: number, hi: number, since: number, gap: number, groupExcessDb: number, rejectionDb: number, bands: Int32Array, bandExcessDb: Float64Array): boolean {
    const need = groupExcessDb + rejectionDb;
    const nt = this.tracks.length;
    const total = nt + RECENT_TRACKS + bandExcessDb.length;
    const firstBand = nt + RECENT_TRACKS;
    for (let ai = 0; ai < total; ai++) {
      const exA = this.signalAt(ai, since, bands, bandExcessDb);
      if (!(exA >= need)) continue;
      const aLo = this.sigLo;
      const aHi = this.sigHi;
      for (let bi = 0; bi < total; bi++) {
        // two calibration emitters' products were in the calibration too: one of the two is a track
        if (bi === ai || (ai >= firstBand && bi >= firstBand)) continue;
        const exB = this.signalAt(bi, since, bands, bandExcessDb);
        if (!(exB >= need) || !(2 * exA + exB >= IM3_VISIBLE_SUM_DB)) continue;
        const wA = aHi - aLo + 1;
        const wB = this.sigHi - this.sigLo + 1;
        const centre = aLo + aHi - (this.sigLo + this.sigHi) / 2;
        const half = (2 * wA + wB) / 2 + gap;
        if (lo <= centre + half && hi >= centre - half) return true;
      }
    }
    return false;
  }

  /** Band of the last {@link signalAt} (fine bins). */
  private sigLo = 0;
  private sigHi = -1;

  /**
   * Signal i of intermodOf's list: open track i, then recent closed track i − tracks (only when it ended at or after
   * `since`), then calibration emitter i − tracks − RECENT_TRACKS; sets sigLo/sigHi to its band and returns its peak
   * excess (dB), −Infinity when there is no such signal.
   */
  private signalAt(i: number, since: number, bands?: Int32Array, bandExcessDb?: Float64Array): number {
    const nt = this.tracks.length;
    if (i < nt) {
      const t = this.tracks[i];
      if (!t.active) return -Infinity;
      this.sigLo = t.lo;
      this.sigHi = t.hi;
      return t.peakExcessDb;
    }
    if (i < nt + RECENT_TRACKS) {
      const c = this.recent[i - nt];
      if (c.end < since || c.hi < c.lo) return -Infinity;
      this.sigLo = c.lo;
      this.sigHi = c.hi;
      return c.peakDb;
    }
    if (bands === undefined || bandExcessDb === undefined) return -Infinity;
    const k = i - nt - RECENT_TRACKS;
    this.sigLo = bands[2 * k];
    this.sigHi = bands[2 * k + 1];
    return bandExcessDb[k];
  }

  /** Opens a track over [lo, hi] (fine bins) on a free slot, alive from sample `start`, with a new id; null when all are busy. */
  open(lo: number, hi: number, tuneId: number, start: number): Track | null {
    for (let ti = 0; ti < this.tracks.length; ti++) {
      const t = this.tracks[ti];
      if (t.active) continue;
      t.reset();
      t.active = true;
      this.active++;
      t.id = this.nextId++;
      t.lo = lo;
      t.hi = hi;
      t.tuneId = tuneId;
      t.fastStart = Infinity;
      t.slowStart = Infinity;
      t.fastEnd = -Infinity;
      t.slowEnd = -Infinity;
      t.overEnd = -Infinity;
      t.aliveUntil = start;
      t.lastUpdateS = start / this.rateSps;
      return t;
    }
    return null;
  }

  /** Frees an open track's slot and remembers its footprint (the oldest footprint is overwritten). */
  release(t: Track): void {
    t.active = false;
    this.active--;
    const r = this.recent[this.recentPos];
    this.recentPos = (this.recentPos + 1) % RECENT_TRACKS;
    r.lo = t.lo;
    r.hi = t.hi;
    r.fastEnd = t.fastEnd;
    r.hadFast = t.fastHits > 0;
    r.end = t.endSample();
    r.peakDb = t.peakExcessDb;
  }
}
