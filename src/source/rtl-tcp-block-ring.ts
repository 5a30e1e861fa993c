// Preallocated ring of cu8 block slots: TCP chunks in (any split), whole Float32 IQ blocks out.

import type { IqBlock } from '../types.js';
import { convertCu8 } from './sample-formats.js';

/**
 * A fixed number of block-sized slots of raw cu8 bytes. The writer copies socket chunks into the current slot
 * (chunks may end anywhere, including between the I and Q byte of a pair) and commits the slot when it is full;
 * the reader converts the oldest committed slot to Float32 into the caller's block. Each slot remembers the
 * first-sample index, tune generation and discontinuity flag it was written under.
 *
 * Nothing is allocated after construction. Memory: `slots × blockSamples × 2` bytes plus 17 bytes per slot.
 */
export class Cu8BlockRing {
  /** Complex samples per block. */
  readonly blockSamples: number;
  /** Bytes per block (= 2 × blockSamples). */
  readonly blockBytes: number;
  /** Number of block slots. */
  readonly slots: number;
  private readonly bytes: Uint8Array;
  private readonly slotFirstSample: Float64Array;
  private readonly slotTuneId: Float64Array;
  private readonly slotDisc: Uint8Array;
  private writeSlot = 0;
  private writeFill = 0;
  private readSlot = 0;
  private committed = 0;
  private nextSample = 0;
  private tuneId = 0;
  private writeDisc = 0;

  /**
   * @param blockSamples complex samples per block (integer ≥ 1).
   * @param slots number of block slots (integer ≥ 1); the writer stops accepting bytes when all are committed.
   */
  constructor(blockSamples: number, slots: number) {
    if (!Number.isInteger(blockSamples) || blockSamples < 1) throw new RangeError(`blockSamples must be an integer ≥ 1, got ${blockSamples}`);
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be an integer ≥ 1, got ${slots}`);
    this.blockSamples = blockSamples;
    this.blockBytes = blockSamples * 2;
    this.slots = slots;
    this.bytes = new Uint8Array(slots * this.blockBytes);
    this.slotFirstSample = new Float64Array(slots);
    this.slotTuneId = new Float64Array(slots);
    this.slotDisc = new Uint8Array(slots);
  }

  /** Committed blocks waiting for {@link readInto}. */
  get readyBlocks(): number {
    return this.committed;
  }

  /** True when every slot holds a committed block: {@link write} accepts nothing until one is read. */
  get full(): boolean {
    return this.committed === this.slots;
  }

  /** Bytes written into the current, not yet committed slot. */
  get partialBytes(): number {
    return this.writeFill;
  }

  /**
   * Starts a new stretch of contiguous samples: drops any partial slot (its bytes never become a block),
   * and tags the blocks that follow with `tuneId`, first-sample index counting from `firstSample`, and
   * `discontinuity` on the first of them. Committed, unread blocks are kept.
   * @returns the number of bytes dropped from the partial slot.
   */
  startRun(firstSample: number, tuneId: number, discontinuity: boolean): number {
    const dropped = this.writeFill;
    this.writeFill = 0;
    this.nextSample = firstSample;
    this.tuneId = tuneId;
    this.writeDisc = discontinuity ? 1 : 0;
    return dropped;
  }

  /** Drops the partial slot (e.g. the connection ended mid-block). @returns bytes dropped. */
  dropPartial(): number {
    const dropped = this.writeFill;
    this.writeFill = 0;
    return dropped;
  }

  /**
   * Records `samples` lost before the block being filled (found late: the bytes closed up over the gap): that block and
   * the following ones start `samples` later on the time line, and that block is flagged discontinuous. Committed
   * blocks keep their indices.
   */
  addGap(samples: number): void {
    this.nextSample += samples;
    if (this.writeFill > 0) this.slotFirstSample[this.writeSlot] += samples;
    this.writeDisc = 1;
  }

  /** Flags the block currently being filled as discontinuous (e.g. the delivered rate fell short while it filled). */
  flagDiscontinuity(): void {
    this.writeDisc = 1;
  }

  /**
   * Copies `src[start..end)` into the ring, committing every slot that fills.
   * @returns bytes consumed (less than `end − start` only when the ring became full; the caller keeps the rest).
   */
  write(src: Buffer, start: number, end: number): number {
    let pos = start;
    const blockBytes = this.blockBytes;
    while (pos < end && this.committed < this.slots) {
      const n = Math.min(end - pos, blockBytes - this.writeFill);
      if (this.writeFill === 0) {
        this.slotFirstSample[this.writeSlot] = this.nextSample;
        this.slotTuneId[this.writeSlot] = this.tuneId;
      }
      src.copy(this.bytes, this.writeSlot * blockBytes + this.writeFill, pos, pos + n);
      this.writeFill += n;
      pos += n;
      if (this.writeFill === blockBytes) {
        this.slotDisc[this.writeSlot] = this.writeDisc;
        this.writeDisc = 0;
        this.nextSample += this.blockSamples;
        this.writeFill = 0;
        this.writeSlot = this.writeSlot + 1 === this.slots ? 0 : this.writeSlot + 1;
        this.committed++;
      }
    }
    return pos - start;
  }

  /**
   * Converts the oldest committed block into `block.samples[0 .. 2·blockSamples)` and sets `count`,
   * `firstSample`, `tuneId`, `discontinuity` and `clipFraction` (share of bytes equal to 0 or 255).
   * `centerHz`/`rateSps` are left to the caller. Frees the slot.
   * @throws RangeError when no block is ready or `block.samples` is shorter than 2·blockSamples.
   */
  readInto(block: IqBlock): void {
    if (this.committed === 0) throw new RangeError('Cu8BlockRing.readInto: no block ready');
    const out = block.samples;
    const n = this.blockBytes;
    if (out.length < n) throw new RangeError(`Cu8BlockRing.readInto: samples has ${out.length} values, need ${n}`);
    const slot = this.readSlot;
    // cu8 → float (b − 127.5)/127.5 and the share of bytes at 0 or 255 (sample-formats.ts; the addon's one pass)
    const clip = convertCu8(this.bytes, out, this.blockSamples, slot * n);
    block.count = this.blockSamples;
    block.firstSample = this.slotFirstSample[slot]!;
    block.tuneId = this.slotTuneId[slot]!;
    block.discontinuity = this.slotDisc[slot] === 1;
    block.clipFraction = clip;
    this.readSlot = slot + 1 === this.slots ? 0 : slot + 1;
    this.committed--;
  }
}
