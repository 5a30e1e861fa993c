// One live source read in consecutive passes (warm-up, then detection) without reopening it: sequential views over one iterator.
import { setImmediate as turn } from 'node:timers/promises';
import type { IqBlock, IqSource } from '../types.js';
import { threadStallClock } from './stall-clock.js';

/** Longest run (ms) of blocks consumed without letting timers and messages run (see SharedBlockStream). */
export const MAX_BUSY_MS = 50;

/**
 * Splits one {@link IqSource} stream into consecutive one-pass views, so a live sensor can learn its baseline from the
 * first seconds and go on detecting from the very next sample (a live source cannot be iterated twice).
 *
 * - `view(maxSamples)` yields the next blocks until `maxSamples` complex samples were yielded (the block that crosses
 *   the limit is cut: the view yields its head, the next view starts with its tail — no sample is lost or repeated),
 *   or until the source ends. Views must be consumed one after the other. Leaving a view early (break) loses nothing
 *   that was not yielded.
 * - Closing a view does not close the source; {@link close} does.
 * - `onBlock` sees every block of the source once, when it arrives (health counters); it must not keep the block.
 * - `processing` (optional) gets the consumer's time per yielded block (ProcessingMeter): a cut block counts as its
 *   two parts. A view left early (break) does not measure its last block.
 *
 * Blocks keep the source's reuse rule: a yielded block is valid until the consumer asks for the next one. The cut
 * allocates two small block objects (once per view switch), never per block.
 *
 * A consumer that is behind real time gets blocks from an already-filled queue without ever leaving the microtask
 * queue, which would starve the worker's timers and its 'stop' message. So every {@link MAX_BUSY_MS} the stream
 * yields one macrotask turn (setImmediate) before the next block.
 */
export class SharedBlockStream {
  private iterator: AsyncIterator<IqBlock> | null = null;
  /** Tail of a block cut by the previous view; its samples stay valid until the next `iterator.next()`. */
  private pending: IqBlock | null = null;
  private done = false;
  private active = false;
  private lastTurnMs = performance.now();
  private waitStart: number | null = null;

  /**
   * @param onBlock sees every block once, when it arrives.
   * @param processing receives, for every block yielded, the wall seconds the consumer spent on it (from the yield
   *   until it asked for the next block: the pipeline's time, not the source's) and the signal seconds it held.
   */
  constructor(
    readonly source: IqSource,
    private readonly onBlock?: (block: IqBlock) => void,
    private readonly processing?: { add(busyS: number, blockS: number): void },
  ) {}

  /**
   * This thread's responsive time ({@link threadStallClock}, ms) since which a view has been waiting for the source's
   * next block; null while the consumer is busy with a block (a busy consumer is not a silent source).
   */
  get waitingSinceMs(): number | null {
    return this.waitStart;
  }

  /** True once the underlying source has ended. */
  get ended(): boolean {
    return this.done && this.pending === null;
  }

  /**
   * The next pass over the stream as an IqSource (same `info` and `health()` as the source).
   * @param maxSamples complex samples to yield at most (default: until the source ends).
   * @throws Error from blocks() when another view is still being iterated.
   */
  view(maxSamples = Infinity): IqSource {
    const self = this;
    let used = false;
    return {
      info: this.source.info,
      blocks(): AsyncIterable<IqBlock> {
        if (used) throw new Error('SharedBlockStream: a view can be iterated only once');
        used = true;
        return self.run(maxSamples);
      },
      close: async () => undefined,
      health: () => self.source.health(),
    };
  }

  private async *run(maxSamples: number): AsyncGenerator<IqBlock> {
    if (this.active) throw new Error('SharedBlockStream: the previous view is still being iterated');
    this.active = true;
    try {
      let yielded = 0;
      while (yielded < maxSamples) {
        let b: IqBlock;
        if (this.pending !== null) {
          b = this.pending;
          this.pending = null;
        } else {
          if (this.done) return;
          this.iterator ??= this.source.blocks()[Symbol.asyncIterator]();
          if (performance.now() - this.lastTurnMs > MAX_BUSY_MS) {
            await turn(); // at most one extra turn per MAX_BUSY_MS, whether or not the source yielded on its own
            this.lastTurnMs = performance.now();
            if (this.done) return;
          }
          this.waitStart = threadStallClock().now();
          let r: IteratorResult<IqBlock>;
          try {
            r = await this.iterator.next();
          } finally {
            this.waitStart = null;
          }
          if (r.done) {
            this.done = true;
            return;
          }
          b = r.value;
          this.onBlock?.(b);
        }
        const left = maxSamples - yielded;
        if (b.count > left) {
          const head: IqBlock = { ...b, count: left };
          this.pending = {
            ...b,
            samples: b.samples.subarray(2 * left),
            count: b.count - left,
            firstSample: b.firstSample + left,
            discontinuity: false,
          };
          yielded += left;
          const t0 = performance.now();
          yield head;
          this.processing?.add((performance.now() - t0) / 1000, left / head.rateSps);
          return;
        }
        yielded += b.count;
        const count = b.count;
        const rate = b.rateSps;
        const t0 = performance.now();
        yield b;
        this.processing?.add((performance.now() - t0) / 1000, count / rate);
      }
    } finally {
      this.active = false;
    }
  }

  /** Ends the underlying iteration and closes the source. Idempotent. */
  async close(): Promise<void> {
    this.done = true;
    this.pending = null;
    await this.source.close();
    const it = this.iterator;
    this.iterator = null;
    // not awaited: a generator that is mid-await finishes its pending step first (the closed source ends it)
    if (it?.return) it.return(undefined).catch(() => undefined);
  }
}
