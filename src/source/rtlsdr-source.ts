// IqSource over a local RTL-SDR dongle through the quietband_rtlsdr addon: configure, stream cu8 → Float32 blocks, count drops.
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import {
  exactSampleRateSps,
  isValidSampleRate,
  RtlSdrDevice,
  type RtlSdrBinding,
  type RtlSdrBlock,
} from '../../native-bindings/index.js';
import { QuietBandError } from '../errors.js';
import type { IqBlock, IqSource, IqSourceHealth, IqSourceInfo } from '../types.js';
import { convertCu8 } from './sample-formats.js';
import { tunerCenterProblem } from './input-ranges.js';
import { DropWarning } from './drop-warning.js';
import { ZeroRunGuard } from './zero-run.js';

/** Lifecycle of an {@link RtlSdrSource}. */
export type RtlSdrSourceState = 'open' | 'streaming' | 'ended' | 'closed';

/** Health snapshot (what the UI's sensor status shows). */
export interface RtlSdrHealth extends IqSourceHealth {
  /** `rtlsdr:<serial>`. */
  label: string;
  state: RtlSdrSourceState;
  /** True while the stream runs and the watchdog has not fired. */
  online: boolean;
  /** e.g. "R820T". */
  tunerName: string;
  /** Rate asked for (S/s) and the rate the RTL2832U really runs at (S/s, librtlsdr resampler arithmetic). */
  configuredRateSps: number;
  exactRateSps: number;
  centerHz: number;
  tuneId: number;
  /** Blocks librtlsdr produced / the addon handed to JS / dropped because every pool slot was held. */
  producedBlocks: number;
  deliveredBlocks: number;
  droppedBlocks: number;
  droppedBytes: number;
  /** Complex samples yielded to the consumer. */
  samplesDelivered: number;
  /** Complex samples received but not yielded (blocks straddling a retune or gain change). */
  samplesDiscarded: number;
  /**
   * Blocks holding a run of ≥ ZERO_RUN_MIN_SAMPLES samples with both bytes 0 (I and Q pinned at the negative rail: a
   * transfer never written, not ADC output) and the samples lost with them (not delivered; the next delivered block
   * carries `discontinuity`).
   */
  zeroRunBlocks: number;
  zeroedSamples: number;
  /** ms since the last block arrived, null before the first. */
  lastDataAgeMs: number | null;
  /** Last problem in plain words, null if none. */
  lastError: string | null;
}

const intIn = (min: number, max: number) => z.number().int().min(min).max(max);

/** zod schema of {@link RtlSdrSourceOptions}; unknown keys are rejected. */
export const rtlSdrSourceOptionsSchema = z
  .object({
    serial: z.string().min(1).max(255).optional(),
    index: intIn(0, 255).optional(),
    centerHz: intIn(1, 0xffffffff),
    rateSps: z.number().int().refine(isValidSampleRate, {
      message: 'must be an integer in 225001–300000 or 900001–3200000 S/s (docs/field-notes.md §11)',
    }),
    gainDb: z.union([z.number().finite().min(-100).max(100), z.literal('auto')]),
    ppm: intIn(-1000, 1000).default(0),
    agc: z.boolean().default(false),
    biasTee: z.boolean().optional(),
    directSampling: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
    offsetTuning: z.boolean().optional(),
    blockSamples: intIn(256, 1 << 22)
      .refine((n) => n % 256 === 0, { message: 'must be a multiple of 256 (USB transfers are multiples of 512 bytes)' })
      .optional(),
    poolSlots: intIn(2, 4096).optional(),
    usbBuffers: intIn(0, 256).default(0),
    stallTimeoutMs: z.number().positive().optional(),
    logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).child === 'function').optional(),
    binding: z.custom<RtlSdrBinding>((v) => typeof v === 'object' && v !== null).optional(),
  })
  .strict()
  .refine((o) => o.serial === undefined || o.index === undefined, { message: 'give serial or index, not both', path: ['serial'] });

/**
 * Options of {@link RtlSdrSource}. Units in the names; defaults in brackets.
 * - `serial` (preferred; indexes change on replug, docs/field-notes.md §13) or `index` [0].
 * - `centerHz`, `rateSps` (225001–300000 or 900001–3200000), `gainDb` (dB, snapped to the tuner's steps) or 'auto'
 *   (tuner AGC: not for baselines, docs/field-notes.md §4), `ppm` [0], `agc` [false] (RTL2832 digital AGC), `biasTee`,
 *   `directSampling`, `offsetTuning` (sent only when given).
 * - `blockSamples` [≈32 ms: the power of two nearest below rateSps × 0.032, clamped to 4096…131072]: complex samples
 *   per block = per USB transfer.
 * - `poolSlots` [≈1 s of blocks, 8…512]: blocks buffered between the USB thread and the consumer; when the consumer
 *   falls that far behind, new blocks are dropped, counted, and the next block yielded has `discontinuity: true`.
 * - `usbBuffers` [0 = librtlsdr's 15]: USB transfers in flight.
 * - `stallTimeoutMs` [max(2000, 4 block periods)]: no block for this long → the iterator throws DISCONNECTED
 *   (a hung dongle "idles forever", docs/field-notes.md §8).
 * - `logger`: pino logger (a child `{ source: 'rtlsdr', dongle: serial }` is used); silent when absent.
 * - `binding`: the addon, injectable for tests (default {@link loadRtlSdr}).
 */
export type RtlSdrSourceOptions = z.input<typeof rtlSdrSourceOptionsSchema>;

/** Default block length (complex samples) for a rate: power of two ≤ rateSps × 0.032, clamped to 4096…131072. */
export function defaultBlockSamples(rateSps: number): number {
  const target = rateSps * 0.032;
  let n = 4096;
  while (n * 2 <= target && n < 131072) n *= 2;
  return n;
}

/** Default pool size: about one second of blocks, clamped to 8…512. */
export function defaultPoolSlots(rateSps: number, blockSamples: number): number {
  return Math.min(512, Math.max(8, Math.ceil(rateSps / blockSamples)));
}

/**
 * Live IQ from a local RTL-SDR as {@link IqSource}.
 *
 * `RtlSdrSource.open()` opens the dongle by serial and configures it (rate, ppm, AGC off, gain mode + gain, optional
 * bias-tee / direct sampling / offset tuning, then the frequency; each call's return code checked). Streaming starts
 * on the first iteration of {@link blocks}.
 *
 * Per block: cu8 → Float32 ((x − 127.5) / 127.5, {@link convertCu8}), `clipFraction` = share of bytes at 0 or 255.
 * `firstSample` = stream bytes before the block / 2 since start, dropped blocks included, so `firstSample / rateSps`
 * stays a time axis across drops. `discontinuity` is true on the first block after dropped ones (a sequence gap) and
 * on the first block after a retune/gain change. `tuneId` starts at 0 and increments on every {@link retune} and
 * {@link setGain}; the block that was being filled when the command returned (and any older one) is discarded, so
 * no yielded block mixes two tunings. `rateSps` is the exact rate ({@link exactSampleRateSps}, e.g. 250000.000414).
 *
 * When the dongle goes away (unplug, or no block for `stallTimeoutMs`), the iterator yields what was buffered, then
 * throws `QuietBandError('DISCONNECTED')` with `disconnected: true`; close() and reopen by serial to recover.
 * Blocks are reused: a yielded block is valid until the next `next()`. `blocks()` may be called once; leaving the
 * loop closes the source.
 */
export class RtlSdrSource implements IqSource {
  /**
   * Opens and configures the dongle.
   * @throws QuietBandError CONFIG (invalid option, naming the field), DEVICE_NOT_FOUND (lists attached dongles),
   *   DEVICE_BUSY, PERMISSION, NATIVE_UNAVAILABLE, USB_TRANSFER
   */
  static async open(options: RtlSdrSourceOptions): Promise<RtlSdrSource> {
    const parsed = rtlSdrSourceOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? issue.path.join('.') : ((issue as { keys?: string[] }).keys?.join(', ') ?? '(options)');
      throw new QuietBandError(`rtlsdr source option ${field}: ${issue.message}`, 'CONFIG');
    }
    const o = parsed.data;
    const target = o.serial !== undefined ? { serial: o.serial } : { index: o.index ?? 0 };
    const device = await RtlSdrDevice.open(target, { binding: o.binding });
    try {
      const tunerProblem = tunerCenterProblem(o.centerHz, device.info.tunerName);
      if (tunerProblem !== null) throw new QuietBandError(`RTL-SDR ${device.label}: centerHz: ${tunerProblem}`, 'CONFIG');
      await device.setSampleRate(o.rateSps);
      await device.setFreqCorrection(o.ppm);
      await device.setAgcMode(o.agc);
      const gain = await device.setGain(o.gainDb);
      if (o.biasTee !== undefined) await device.setBiasTee(o.biasTee);
      if (o.directSampling !== undefined) await device.setDirectSampling(o.directSampling);
      if (o.offsetTuning !== undefined) await device.setOffsetTuning(o.offsetTuning);
      const centerHz = await device.setCenterFreq(o.centerHz);
      return new RtlSdrSource(device, o, gain, centerHz);
    } catch (err) {
      await device.close().catch(() => undefined);
      throw err;
    }
  }

  /** Stream description (format cu8; `datetime` is the wall clock when streaming started). */
  readonly info: IqSourceInfo;
  /** The underlying device (for health and advanced settings). */
  readonly device: RtlSdrDevice;
  private readonly log: Logger;
  private readonly blockSamples: number;
  private readonly poolSlots: number;
  private readonly usbBuffers: number;
  private readonly stallTimeoutMs: number;
  private readonly configuredRateSps: number;
  private readonly block: IqBlock;
  // FIFO of slots received and not yet consumed (ring of slot indices; at most poolSlots)
  private readonly fifo: Int32Array;
  private fifoHead = 0;
  private fifoCount = 0;
  private heldBlocks: RtlSdrBlock[] = [];
  private words: (Uint32Array | null)[] = [];
  private readonly zeros = new ZeroRunGuard(2);
  private readonly zeroWarning: DropWarning;
  private state: RtlSdrSourceState = 'open';
  private iterated = false;
  private ended: QuietBandError | null | undefined = undefined; // undefined: running; null: ended cleanly
  private wake: (() => void) | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private closePromise: Promise<void> | null = null;
  private expectedSeq = 0;
  private tuneId = 0;
  private discardThroughSeq = -1; // blocks with seq ≤ this straddle a retune: discarded
  private pendingCenterHz = 0;
  private tuneChanged = false;
  private samplesDelivered = 0;
  private samplesDiscarded = 0;
  private lastDataMs: number | null = null;
  private lastError: string | null = null;
  private readonly drops: DropWarning;

  private constructor(device: RtlSdrDevice, o: z.output<typeof rtlSdrSourceOptionsSchema>, gain: number | 'auto', centerHz: number) {
    this.device = device;
    this.configuredRateSps = o.rateSps;
    this.blockSamples = o.blockSamples ?? defaultBlockSamples(o.rateSps);
    this.poolSlots = o.poolSlots ?? defaultPoolSlots(o.rateSps, this.blockSamples);
    this.usbBuffers = o.usbBuffers;
    const blockMs = (this.blockSamples / o.rateSps) * 1000;
    this.stallTimeoutMs = o.stallTimeoutMs ?? Math.max(2000, 4 * blockMs);
    const serial = device.info.serial;
    this.log = (o.logger ?? pino({ level: 'silent' })).child({ source: 'rtlsdr', dongle: serial });
    this.drops = new DropWarning(this.log, 'blocks dropped: the consumer fell behind the dongle; spectra spanning the gap are marked discontinuous', { fields: { poolSlots: this.poolSlots } });
    this.zeroWarning = new DropWarning(this.log, 'samples lost: the dongle handed over a run of (0, 0) samples (a transfer never written); treated as a gap', { fields: { minRunSamples: this.zeros.minSamples } });
    this.fifo = new Int32Array(this.poolSlots);
    const rateSps = exactSampleRateSps(o.rateSps);
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
    this.info = {
      label: `rtlsdr:${serial}`,
      format: 'cu8',
      rateSps,
      centerHz,
      centerKnown: true,
      gainDb: gain,
      ppm: o.ppm,
      deviceId: serial,
    };
    this.log.info(
      {
        manufacturer: device.info.manufacturer,
        product: device.info.product,
        tuner: device.info.tunerName,
        rateSps,
        centerHz,
        gainDb: gain,
        ppm: o.ppm,
        blockSamples: this.blockSamples,
        poolSlots: this.poolSlots,
      },
      'RTL-SDR opened and configured',
    );
  }

  /** Current state. */
  get sourceState(): RtlSdrSourceState {
    return this.state;
  }

  /** Health snapshot (a new object each call). */
  health(): RtlSdrHealth {
    const st = this.device.stats();
    return {
      label: this.info.label,
      state: this.state,
      online: this.state === 'streaming' && this.ended === undefined,
      tunerName: this.device.info.tunerName,
      configuredRateSps: this.configuredRateSps,
      exactRateSps: this.info.rateSps,
      centerHz: this.info.centerHz,
      tuneId: this.tuneId,
      producedBlocks: st.producedBlocks,
      deliveredBlocks: st.deliveredBlocks,
      droppedBlocks: st.droppedBlocks + this.zeros.holes,
      droppedBytes: st.droppedBytes,
      samplesDelivered: this.samplesDelivered,
      samplesDiscarded: this.samplesDiscarded,
      zeroRunBlocks: this.zeros.holes,
      zeroedSamples: this.zeros.lostSamples,
      lastDataAgeMs: this.lastDataMs === null ? null : performance.now() - this.lastDataMs,
      lastError: this.lastError,
      nonFiniteSamples: 0,
    };
  }

  /**
   * Retunes (Hz). Blocks from before the command returned are discarded; later blocks carry the new centre, the
   * next `tuneId` and `discontinuity: true`.
   * @returns the read-back centre (Hz)
   */
  async retune(centerHz: number): Promise<number> {
    const tunerProblem = tunerCenterProblem(centerHz, this.device.info.tunerName);
    if (tunerProblem !== null) throw new QuietBandError(`RTL-SDR ${this.device.label}: retune: ${tunerProblem}`, 'CONFIG');
    const hz = await this.device.setCenterFreq(centerHz);
    this.markTuneChange(hz);
    this.info.centerHz = hz;
    return hz;
  }

  /** Changes the tuner gain (dB, snapped to the tuner's steps, or 'auto'); like a retune, starts a new `tuneId`. */
  async setGain(gainDb: number | 'auto'): Promise<number | 'auto'> {
    const g = await this.device.setGain(gainDb);
    this.markTuneChange(this.pendingCenterHz);
    this.info.gainDb = g;
    return g;
  }

  /**
   * The block stream; starts the USB stream on first iteration.
   * @throws QuietBandError('DISCONNECTED') from the iterator when the dongle is lost or stalls (after buffered blocks).
   * @throws Error when called a second time.
   */
  blocks(): AsyncIterable<IqBlock> {
    if (this.iterated) throw new Error(`${this.info.label}: blocks() can be iterated only once; create a new source`);
    this.iterated = true;
    return this.generate();
  }

  /** Stops the stream and closes the dongle. Idempotent. */
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

  private markTuneChange(centerHz: number): void {
    this.pendingCenterHz = centerHz;
    this.tuneChanged = true;
    this.tuneId++;
    // The block being filled when the command returned has seq = producedBlocks now: discard it and older ones.
    if (this.device.isStreaming) this.discardThroughSeq = this.device.stats().producedBlocks;
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
    this.device.start(
      {
        onBlock: (b) => this.onBlock(b),
        onEnd: (err) => this.onEnd(err),
      },
      { bufferBytes: 2 * this.blockSamples, poolSlots: this.poolSlots, usbBuffers: this.usbBuffers },
    );
    this.heldBlocks = [];
    this.words = [];
    this.zeros.reset();
    this.watchdog = setTimeout(() => this.onStall(), this.stallTimeoutMs);
    this.watchdog.unref();
  }

  private onBlock(b: RtlSdrBlock): void {
    if (this.state === 'closed') {
      this.device.release(b); // in flight while closing
      return;
    }
    this.lastDataMs = performance.now();
    this.watchdog?.refresh();
    this.heldBlocks[b.slot] = b;
    // one Uint32Array view per slot, made on the slot's first block (none when the slot is not 4-byte aligned)
    if (this.words[b.slot] === undefined) {
      this.words[b.slot] = b.data.byteOffset % 4 === 0 ? new Uint32Array(b.data.buffer, b.data.byteOffset, (2 * this.blockSamples) >> 2) : null;
    }
    this.fifo[(this.fifoHead + this.fifoCount) % this.poolSlots] = b.slot;
    this.fifoCount++;
    this.wakeConsumer();
  }

  /** Converts the oldest received block into this.block and releases its slot; false if it was discarded. */
  private take(): boolean {
    const slot = this.fifo[this.fifoHead] as number;
    this.fifoHead = (this.fifoHead + 1) % this.poolSlots;
    this.fifoCount--;
    const b = this.heldBlocks[slot] as RtlSdrBlock;
    const count = b.data.length >> 1;
    const seq = b.seq;
    const expected = this.expectedSeq;
    const gap = seq !== expected;
    this.expectedSeq = seq + 1;
    if (seq <= this.discardThroughSeq) {
      this.samplesDiscarded += count;
      this.device.release(slot);
      return false;
    }
    const zeroed = this.zeros.check(this.words[slot] ?? null, count);
    if (zeroed > 0) this.zeroWarning.note(1, zeroed);
    if (this.zeros.count === 0) {
      this.device.release(slot);
      return false;
    }
    const out = this.block;
    out.clipFraction = convertCu8(b.data, out.samples, this.zeros.count, 2 * this.zeros.from);
    out.count = this.zeros.count;
    out.firstSample = b.byteOffset / 2 + this.zeros.from;
    out.discontinuity = gap || this.tuneChanged || this.zeros.gapBefore;
    if (this.tuneChanged) {
      this.tuneChanged = false;
      out.tuneId = this.tuneId;
      out.centerHz = this.pendingCenterHz;
    }
    this.device.release(slot);
    this.samplesDelivered += out.count;
    if (gap) this.drops.note(seq - expected, (seq - expected) * count);
    return true;
  }

  private onEnd(err: QuietBandError | null): void {
    this.clearWatchdog();
    if (this.state === 'closed') return;
    this.state = 'ended';
    if (err !== null && this.ended === undefined) {
      this.lastError = err.message;
      this.log.error({ err: err.message }, 'RTL-SDR stream ended');
    }
    if (this.ended === undefined) this.ended = err;
    this.wakeConsumer();
  }

  private onStall(): void {
    this.watchdog = null;
    if (this.ended !== undefined || this.state !== 'streaming') return;
    const err = new QuietBandError(
      `${this.info.label}: no samples for ${Math.round(this.stallTimeoutMs)} ms: the dongle stalled or was unplugged; reopen it by serial (replug if it does not recover)`,
      'DISCONNECTED',
      { disconnected: true },
    );
    this.lastError = err.message;
    this.log.error({ stallTimeoutMs: this.stallTimeoutMs }, 'RTL-SDR stalled');
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
