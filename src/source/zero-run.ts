// Runs of all-zero raw bytes inside a live block: memory a transport handed over without writing (SoapyRemote's UDP
// stream sometimes does, docs/receivers.md). They are lost samples, not a quiet spectrum.

/**
 * Shortest run of all-zero complex samples (raw bytes all 0) treated as lost: 256 samples (12.8 µs at 20 MS/s,
 * 107 µs at 2.4 MS/s).
 *
 * Why a real receiver never produces it: I and Q carry the ADC's own noise, at least the quantisation noise of
 * 1/√12 ≈ 0.29 LSB rms even with every gain stage off, and in practice ≥ 0.5 LSB (front-end thermal noise at the
 * ADC input). With Gaussian noise of σ LSB rms centred on code 0, one component reads exactly 0 with probability
 * P(|x| < 0.5) = erf(0.5 / (σ√2)), both with its square p:
 *   σ = 0.5 LSB: p = 0.683² = 0.47, P(run ≥ 256) = p^256 ≈ 1e-84;
 *   σ = 0.3 LSB (below any converter's quantisation noise plus a DC offset of 0): p = 0.905² = 0.82, p^256 ≈ 1e-22.
 * A sensor at 20 MS/s offers 1.7e12 run starts a day, so even the second case gives one false run in ~1e10 days.
 * Sources whose zero byte is not the signal's zero are safer still: cu8 byte 0 is the negative rail (a run at (0, 0)
 * needs I and Q both pinned there; a clipping signal swings), and an RTL-SDR's CS8 through Soapy is cu8 − 128, whose
 * noise sits around 127.5 − 128 = −0.5 (p ≤ 0.25). The holes seen (half a block: thousands of samples) are 10–1000×
 * longer than the threshold, so it is not the limit of what is caught.
 */
export const ZERO_RUN_MIN_SAMPLES = 256;

/**
 * Result of {@link scanZeroRuns}: the span from the start of the first all-zero run to the end of the last one (complex
 * samples, [start, end)), and what the runs hold. Reused across blocks: the scan allocates nothing.
 */
export class ZeroRunScan {
  /** First sample of the first run; -1 when there is none. */
  start = -1;
  /** One past the last sample of the last run; -1 when there is none. */
  end = -1;
  /** Number of runs found in the block. */
  runs = 0;
  /** Complex samples inside the runs. */
  zeroSamples = 0;
}

/**
 * Finds the runs of ≥ `minSamples` complex samples whose raw bytes are all zero in the first `count` samples of a raw
 * block seen as 32-bit words (`words`: a view on the block's bytes; `bytesPerSample`: 2 for cu8/cs8, 4 for cs16, 8 for
 * cf32, so one word is 2, 1 or ½ samples). Run edges are found to the word: a run that starts or ends inside a cu8/cs8
 * word counts one sample less.
 *
 * Cost: M consecutive words hold every index residue mod M once, so any run of at least M = minWords zero words covers
 * a word whose index is ≡ M − 1 (mod M): only those words are probed, and a zero probe is widened both ways. That is
 * count·bytesPerSample/(4M) probes per block plus the widening, not a pass over every byte.
 * @returns true when at least one run was found (then `out` holds it); false and `out` cleared otherwise.
 */
export function scanZeroRuns(words: Uint32Array, count: number, bytesPerSample: number, minSamples: number, out: ZeroRunScan): boolean {
  out.start = -1;
  out.end = -1;
  out.runs = 0;
  out.zeroSamples = 0;
  const nWords = (count * bytesPerSample) >> 2;
  const minWords = Math.max(1, Math.ceil((minSamples * bytesPerSample) / 4));
  let lastEnd = 0; // words before this index belong to a run already found
  for (let probe = minWords - 1; probe < nWords; probe += minWords) {
    if (words[probe] !== 0 || probe < lastEnd) continue;
    let lo = probe;
    while (lo > lastEnd && words[lo - 1] === 0) lo--;
    let hi = probe + 1;
    while (hi < nWords && words[hi] === 0) hi++;
    if (hi - lo >= minWords) {
      // word range → sample range, rounded inwards to whole samples
      const s = Math.ceil((lo * 4) / bytesPerSample);
      const e = Math.floor((hi * 4) / bytesPerSample);
      if (out.start < 0) out.start = s;
      out.end = e;
      out.runs++;
      out.zeroSamples += e - s;
    }
    lastEnd = hi;
  }
  return out.runs > 0;
}

/**
 * What a source keeps of a block with zero runs (see {@link keepAroundZeroRuns}): samples [from, from + count) of it.
 */
export interface ZeroRunKeep {
  from: number;
  count: number;
}

/**
 * Chooses the part of a `count`-sample block to deliver when `scan` found zero runs: the longer of the clean head
 * [0, start) and the clean tail [end, count) (the head on a tie); everything else (the runs and whatever lies between
 * or beside them) is lost. The usual hole (a block's second half never written) keeps the whole written head.
 * Writes into `keep` (no allocation).
 */
export function keepAroundZeroRuns(scan: ZeroRunScan, count: number, keep: ZeroRunKeep): void {
  const head = scan.start;
  const tail = count - scan.end;
  if (head >= tail) {
    keep.from = 0;
    keep.count = head;
  } else {
    keep.from = scan.end;
    keep.count = tail;
  }
}

/**
 * Per-source zero-run handling: scans each raw block ({@link scanZeroRuns}), picks what to keep
 * ({@link keepAroundZeroRuns}) and counts what was lost. After {@link check}: deliver samples [from, from + count) of
 * the block, starting at index `firstSample + from`, with `discontinuity` set when {@link gapBefore} is true (samples
 * right before `from` were lost: in this block, or at the end of the previous one). Allocates nothing per block.
 */
export class ZeroRunGuard {
  /** First sample of the block to deliver (after {@link check}). */
  from = 0;
  /** Samples of the block to deliver (after {@link check}); 0: nothing, discard the block. */
  count = 0;
  /** True when samples just before `from` were lost (a zero run in this block, or the previous block's tail). */
  gapBefore = false;
  /** Blocks that held a zero run. */
  holes = 0;
  /** Complex samples not delivered for zero runs: the runs and the clean part dropped beside them. */
  lostSamples = 0;
  private tailLost = false;
  private readonly scan = new ZeroRunScan();
  private readonly keep: ZeroRunKeep = { from: 0, count: 0 };

  /** @param bytesPerSample raw bytes per complex sample (2 cu8/cs8, 4 cs16, 8 cf32); @param minSamples run length */
  constructor(readonly bytesPerSample: number, readonly minSamples = ZERO_RUN_MIN_SAMPLES) {}

  /**
   * Checks a block of `count` samples (`words`: its raw bytes as 32-bit words; null when the block's bytes are not
   * 4-byte aligned: no check) and sets from/count/gapBefore.
   * @returns the samples lost in this block (0 when it is clean)
   */
  check(words: Uint32Array | null, count: number): number {
    this.gapBefore = this.tailLost;
    this.tailLost = false;
    if (words === null || !scanZeroRuns(words, count, this.bytesPerSample, this.minSamples, this.scan)) {
      this.from = 0;
      this.count = count;
      return 0;
    }
    keepAroundZeroRuns(this.scan, count, this.keep);
    this.from = this.keep.from;
    this.count = this.keep.count;
    if (this.from > 0) this.gapBefore = true;
    if (this.from + this.count < count) this.tailLost = true;
    const lost = count - this.count;
    this.holes++;
    this.lostSamples += lost;
    return lost;
  }

  /** Forgets a lost tail (the stream restarted: the next block is a new run anyway). */
  reset(): void {
    this.tailLost = false;
  }
}
