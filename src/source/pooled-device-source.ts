// What the rtlsdr: and soapy: sources share: an addon's read thread hands over blocks in recycled pool slots; the
// source queues them, converts one per iteration into a reused IqBlock (after the zero-run check), counts drops and
// discards, watches for a stall and ends with DISCONNECTED. Each source adds its device's configuration, its own
// sample positions and retune bookkeeping, and its health.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import type { IqBlock, IqSourceHealth, IqSourceInfo } from '../types.js';
import { closeOnReturn } from './close-on-return.js';
import { DropWarning } from './drop-warning.js';
import { ZeroRunGuard } from './zero-run.js';

/** Lifecycle of a {@link PooledDeviceSource}. */
export type PooledSourceState = 'open' | 'streaming' | 'ended' | 'closed';

/** The health fields every {@link PooledDeviceSource} reports (each source adds its device's). */
export interface PooledSourceHealth extends IqSourceHealth {
  state: PooledSourceState;
  /** True while the stream runs and the stall watchdog has not fired. */
  online: boolean;
  centerHz: number;
  tuneId: number;
  /** Blocks the addon's thread read / handed to JS. */
  producedBlocks: number;
  deliveredBlocks: number;
  /** Blocks lost before the consumer saw them (the source says which losses count); zero-run blocks included. */
  droppedBlocks: number;
  /** Complex samples yielded to the consumer. */
  samplesDelivered: number;
  /** Complex samples received but not yielded (blocks straddling a retune or gain change). */
  samplesDiscarded: number;
  /**
   * Blocks holding a run of ≥ ZERO_RUN_MIN_SAMPLES samples whose raw bytes are all 0 (memory the transport never
   * wrote, not ADC output: src/source/zero-run.ts) and the complex samples lost with them (not delivered; the next
   * delivered samples carry `discontinuity`).
   */
  zeroRunBlocks: number;
  zeroedSamples: number;
  /** ms since the last block arrived, null before the first. */
  lastDataAgeMs: number | null;
  /** Last problem in plain words, null if none. */
  lastError: string | null;
}

/** A block as the addons hand it over: a pool slot and its raw bytes (valid until the slot is released). */
export interface PooledBlock {
  slot: number;
  data: Uint8Array;
}

/** The device side a {@link PooledDeviceSource} drives (RtlSdrDevice, SoapyDevice). */
export interface PooledDevice<B extends PooledBlock> {
  readonly isStreaming: boolean;
  /** Returns a slot to the pool (idempotent). */
  release(block: B | number): void;
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** Settings of a {@link PooledDeviceSource}. */
export interface PooledSourceSettings {
  /** The source's logger (already a child naming the device). */
  log: Logger;
  /** Complex samples per block, pool slots, and silence (ms) after which the stream counts as stalled. */
  blockSamples: number;
  poolSlots: number;
  stallTimeoutMs: number;
  /** Raw bytes per complex sample as the device hands them (2 for cu8/CS8, 4 CS16, 8 CF32): the zero-run scan's unit. */
  rawBytesPerSample: number;
  /** Log line of a dropped-block warning, and the fields it carries. */
  dropMessage: string;
  dropFields: Record<string, unknown>;
  /** Log line of a zero-run warning. */
  zeroMessage: string;
  /** Log lines when the stream ends with an error / stalls (e.g. 'RTL-SDR stream ended', 'RTL-SDR stalled'). */
  endedLine: string;
  stalledLine: string;
  /** What stalled, in the DISCONNECTED message ('the dongle', 'the receiver'). */
  stalledWhat: string;
}

/**
 * Base of the addon-backed live sources. Blocks arrive on {@link onBlock} (JS thread, from the addon's
 * ThreadSafeFunction) into a FIFO of slot indices; {@link blocks} yields one converted block per slot, in order, via
 * the subclass's {@link take}, which positions the block and calls {@link deliver} or {@link discard}. A stream that
 * ends with an error, or delivers nothing for `stallTimeoutMs`, ends the iterator with QuietBandError('DISCONNECTED');
 * leaving the loop closes the source. Allocates nothing per block.
 */
export abstract class PooledDeviceSource<B extends PooledBlock> {
  abstract readonly info: IqSourceInfo;
  protected readonly log: Logger;
  protected readonly blockSamples: number;
  protected readonly poolSlots: number;
  protected readonly stallTimeoutMs: number;
  /** The block handed to the consumer (reused). */
  protected readonly block: IqBlock;
  protected readonly drops: DropWarning;
  protected readonly zeros: ZeroRunGuard;
  protected state: PooledSourceState = 'open';
  protected ended: QuietBandError | null | undefined = undefined; // undefined: running; null: ended cleanly
  protected tuneId = 0;
  protected pendingCenterHz: number;
  protected tuneChanged = false;
  protected samplesDelivered = 0;
  protected samplesDiscarded = 0;
  protected lastDataMs: number | null = null;
  protected lastError: string | null = null;
  // FIFO of slots received and not yet consumed (ring of slot indices; at most poolSlots)
  private readonly fifo: Int32Array;
  private fifoHead = 0;
  private fifoCount = 0;
  private held: B[] = [];
  // one Uint32Array view per slot (zero-run scan; the CS8 bit flip); null when the slot is not 4-byte aligned
  private views: (Uint32Array | null)[] = [];
  private readonly zeroWarning: DropWarning;
  private iterated = false;
  private wake: (() => void) | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private closePromise: Promise<void> | null = null;

  /** @param centerHz the tuned centre (Hz) @param rateSps the stream's rate (S/s), both copied into the block */
  protected constructor(protected readonly device: PooledDevice<B>, private readonly s: PooledSourceSettings, centerHz: number, rateSps: number) {
    ({ log: this.log, blockSamples: this.blockSamples, poolSlots: this.poolSlots, stallTimeoutMs: this.stallTimeoutMs } = s);
    this.drops = new DropWarning(this.log, s.dropMessage, { fields: s.dropFields });
    this.zeros = new ZeroRunGuard(s.rawBytesPerSample);
    this.zeroWarning = new DropWarning(this.log, s.zeroMessage, { fields: { minRunSamples: this.zeros.minSamples } });
    this.fifo = new Int32Array(this.poolSlots);
    this.pendingCenterHz = centerHz;
    this.block = {
      samples: new Float32Array(2 * this.blockSamples),
      count: 0,
      centerHz,
      rateSps,
      firstSample: 0,
      tuneId: 0,
      clipFraction: 0,
      discontinuity: false,
    };
  }

  /**
   * The block stream; starts the device's stream on first iteration.
   * @throws QuietBandError('DISCONNECTED') from the iterator when the stream fails or stalls (after buffered blocks).
   * @throws Error when called a second time.
   */
  blocks(): AsyncIterable<IqBlock> {
    if (this.iterated) throw new Error(`${this.info.label}: blocks() can be iterated only once; create a new source`);
    this.iterated = true;
    return closeOnReturn(this.generate(), () => this.close());
  }

  /** Stops the stream and closes the device. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.state = 'closed';
      this.clearWatchdog();
      this.drops.close();
      this.zeroWarning.close();
      this.wakeConsumer();
      try {
        await this.device.stop();
      } finally {
        await this.device.close();
      }
    })();
    return this.closePromise;
  }

  /**
   * The health fields this class keeps, with the device's block counters (`droppedBlocks`: the device's losses, to
   * which the zero-run blocks are added).
   */
  protected pooledHealth(
    st: { producedBlocks: number; deliveredBlocks: number },
    droppedBlocks: number,
  ): Omit<PooledSourceHealth, 'nonFiniteSamples' | 'tunerName'> {
    return {
      label: this.info.label,
      state: this.state,
      online: this.state === 'streaming' && this.ended === undefined,
      centerHz: this.info.centerHz,
      tuneId: this.tuneId,
      producedBlocks: st.producedBlocks,
      deliveredBlocks: st.deliveredBlocks,
      droppedBlocks: droppedBlocks + this.zeros.holes,
      samplesDelivered: this.samplesDelivered,
      samplesDiscarded: this.samplesDiscarded,
      zeroRunBlocks: this.zeros.holes,
      zeroedSamples: this.zeros.lostSamples,
      lastDataAgeMs: this.lastDataMs === null ? null : performance.now() - this.lastDataMs,
      lastError: this.lastError,
    };
  }

  /** Starts the device's stream with handlers that call {@link onBlock} and {@link onEnd}. */
  protected abstract startDevice(handlers: { onBlock(b: B): void; onEnd(err: QuietBandError | null): void }): void;

  /**
   * Positions the oldest held block ({@link nextHeld}) and hands it to {@link deliver} or {@link discard}.
   * @returns true when this.block holds a block to yield
   */
  protected abstract take(): boolean;

  /**
   * Converts `count` samples from `rawOffset` (samples) of the slot's raw bytes into `out`; may rewrite the raw bytes
   * in place (`words`: their 32-bit view, null when unaligned).
   * @returns the clip fraction (0..1)
   */
  protected abstract convert(data: Uint8Array, words: Uint32Array | null, out: Float32Array, count: number, rawOffset: number): number;

  /** Records a retune or gain change: later delivered blocks carry `centerHz`, the next tuneId and a discontinuity. */
  protected noteTuneChange(centerHz: number): void {
    this.pendingCenterHz = centerHz;
    this.tuneChanged = true;
    this.tuneId++;
  }

  /** Removes the oldest received block from the FIFO and returns it. */
  protected nextHeld(): B {
    const slot = this.fifo[this.fifoHead] as number;
    this.fifoHead = (this.fifoHead + 1) % this.poolSlots;
    this.fifoCount--;
    return this.held[slot] as B;
  }

  /** Counts `count` samples of block `b` as discarded and releases its slot. @returns false (nothing to yield) */
  protected discard(b: B, count: number): false {
    this.samplesDiscarded += count;
    this.device.release(b.slot);
    return false;
  }

  /**
   * Converts block `b` (`count` samples, first at index `firstSample`; `gap`: samples were lost right before it) into
   * this.block, minus any zero run ({@link ZeroRunGuard}: the block is cut to its longer clean end, the loss counted
   * and logged), applies a pending tune change, and releases the slot.
   * @returns false when the whole block was a zero run (nothing to yield)
   */
  protected deliver(b: B, count: number, firstSample: number, gap: boolean): boolean {
    const words = this.views[b.slot] ?? null;
    const zeroed = this.zeros.check(words, count);
    if (zeroed > 0) this.zeroWarning.note(1, zeroed);
    if (this.zeros.count === 0) {
      this.device.release(b.slot);
      return false;
    }
    const out = this.block;
    const from = this.zeros.from;
    out.clipFraction = this.convert(b.data, words, out.samples, this.zeros.count, from);
    out.count = this.zeros.count;
    out.firstSample = firstSample + from;
    out.discontinuity = gap || this.tuneChanged || this.zeros.gapBefore;
    if (this.tuneChanged) {
      this.tuneChanged = false;
      out.tuneId = this.tuneId;
      out.centerHz = this.pendingCenterHz;
    }
    this.device.release(b.slot);
    this.samplesDelivered += out.count;
    return true;
  }

  private async *generate(): AsyncGenerator<IqBlock, void, undefined> {
    if (this.state === 'open') this.start();
    try {
      for (;;) {
        if (this.state === 'closed') return;
        if (this.fifoCount > 0) {
          if (this.take()) yield this.block;
          continue;
        }
        if (this.ended !== undefined) {
          if (this.ended !== null) throw this.ended;
          return;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      await this.close();
    }
  }

  private start(): void {
    this.state = 'streaming';
    this.info.datetime = new Date().toISOString();
    this.startDevice({ onBlock: (b) => this.onBlock(b), onEnd: (err) => this.onEnd(err) });
    this.held = [];
    this.views = [];
    this.zeros.reset();
    this.watchdog = setTimeout(() => this.onStall(), this.stallTimeoutMs);
    this.watchdog.unref();
  }

  private onBlock(b: B): void {
    if (this.state === 'closed') {
      this.device.release(b); // in flight while closing
      return;
    }
    this.lastDataMs = performance.now();
    this.watchdog?.refresh();
    this.held[b.slot] = b;
    // one view per slot, made on the slot's first block: no allocation per block afterwards
    if (this.views[b.slot] === undefined) {
      const d = b.data;
      this.views[b.slot] = d.byteOffset % 4 === 0 ? new Uint32Array(d.buffer, d.byteOffset, (this.blockSamples * this.zeros.bytesPerSample) >> 2) : null;
    }
    this.fifo[(this.fifoHead + this.fifoCount) % this.poolSlots] = b.slot;
    this.fifoCount++;
    this.wakeConsumer();
  }

  private onEnd(err: QuietBandError | null): void {
    this.clearWatchdog();
    if (this.state === 'closed') return;
    this.state = 'ended';
    if (err !== null && this.ended === undefined) {
      this.lastError = err.message;
      this.log.error({ err: err.message }, this.s.endedLine);
    }
    if (this.ended === undefined) this.ended = err;
    this.wakeConsumer();
  }

  private onStall(): void {
    this.watchdog = null;
    if (this.ended !== undefined || this.state !== 'streaming') return;
    const err = new QuietBandError(
      `${this.info.label}: no samples for ${Math.round(this.stallTimeoutMs)} ms: ${this.s.stalledWhat} stalled or was unplugged; reopen it by serial (replug if it does not recover)`,
      'DISCONNECTED',
      { disconnected: true },
    );
    this.lastError = err.message;
    this.log.error({ stallTimeoutMs: this.stallTimeoutMs }, this.s.stalledLine);
    this.ended = err;
    this.wakeConsumer();
    this.device.stop().catch((e: unknown) => {
      this.lastError = e instanceof Error ? e.message : String(e);
    });
  }

  private clearWatchdog(): void {
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private wakeConsumer(): void {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }
}
