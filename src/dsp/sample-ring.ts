// The bookkeeping of a ring of the most recent complex samples of a stream, addressed by absolute sample index: what
// the evidence clips' ring (src/evidence/iq-ring.ts) and identification's Float32 ring (src/ident/detection-ident.ts)
// share; each keeps the samples in its own storage.
import type { IqBlock } from '../types.js';

/**
 * The last `capacity` complex samples of a stream, addressed by the stream's absolute sample index
 * (IqBlock.firstSample). A gap in firstSample or a block marked `discontinuity` restarts the ring, so a read never
 * splices two stretches of time. Subclasses store and load runs of interleaved I/Q floats (at most two runs per push or
 * read: the ring wraps at most once); push and readInto allocate nothing. Throws a RangeError for a capacity below 1.
 */
export abstract class SampleRing {
  /** Absolute index of the oldest sample held. */
  protected start = 0;
  /** Absolute index one past the newest sample held. */
  protected end = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`ring capacity must be ≥ 1 sample, got ${capacity}`);
  }

  /** Oldest and one-past-newest absolute sample indices held. */
  get range(): [number, number] {
    return [this.start, this.end];
  }

  /** Appends a block's samples; of a block longer than the ring only the tail is stored. */
  push(block: IqBlock): void {
    if (block.firstSample !== this.end || block.discontinuity) {
      this.start = block.firstSample;
      this.end = block.firstSample;
    }
    const cap = this.capacity;
    let done = Math.max(0, block.count - cap);
    this.end += done;
    while (done < block.count) {
      const at = this.end % cap;
      const run = Math.min(block.count - done, cap - at);
      this.storeRun(block.samples, 2 * done, 2 * at, 2 * run);
      done += run;
      this.end += run;
    }
    if (this.end - this.start > cap) this.start = this.end - cap;
  }

  /**
   * Samples [from, to), clipped to what is held and to `out`'s length, as Float32 I/Q into `out` from index 0.
   * @returns [first index copied, samples copied]
   */
  readInto(from: number, to: number, out: Float32Array): [number, number] {
    const a = Math.max(from, this.start);
    const z = Math.max(a, Math.min(to, this.end, a + out.length / 2));
    const cap = this.capacity;
    let done = 0;
    while (a + done < z) {
      const at = (a + done) % cap;
      const run = Math.min(z - a - done, cap - at);
      this.loadRun(2 * at, 2 * done, 2 * run, out);
      done += run;
    }
    return [a, z - a];
  }

  /**
   * Samples [from, to) clipped to what is held, as a new Float32Array of I/Q (`count` samples).
   * @returns the samples, the first index and the number of samples
   */
  read(from: number, to: number): { iq: Float32Array; first: number; count: number } {
    const iq = new Float32Array(2 * Math.max(0, Math.min(to, this.end) - Math.max(from, this.start)));
    const [first, count] = this.readInto(from, to, iq);
    return { iq, first, count };
  }

  /** Stores `values` floats of `samples` from float index `from` into the ring's storage at float index `to`. */
  protected abstract storeRun(samples: Float32Array, from: number, to: number, values: number): void;

  /** Loads `values` stored floats from float index `from` of the ring into `out` at float index `to`. */
  protected abstract loadRun(from: number, to: number, values: number, out: Float32Array): void;
}
