// IqSource over a local RTL-SDR dongle through the quietband_rtlsdr addon: configure, stream cu8 → Float32 blocks, count drops.
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import {
  exactSampleRateSps,
  isValidSampleRate,
  RtlSdrDevice,
  type RtlSdrBinding,
  type RtlSdrBlock,
  type RtlSdrStreamHandlers,
} from '../../native-bindings/index.js';
import { QuietBandError } from '../errors.js';
import type { IqSource, IqSourceInfo } from '../types.js';
import { convertCu8 } from './sample-formats.js';
import { tunerCenterProblem } from './input-ranges.js';
import { PooledDeviceSource, type PooledSourceHealth, type PooledSourceState } from './pooled-device-source.js';
import { parseSourceOptions } from './source-options.js';

/** Lifecycle of an {@link RtlSdrSource}. */
export type RtlSdrSourceState = PooledSourceState;

/** Health snapshot (what the UI's sensor status shows). */
export interface RtlSdrHealth extends PooledSourceHealth {
  /** `rtlsdr:<serial>`. */
  label: string;
  /** e.g. "R820T". */
  tunerName: string;
  /** Rate asked for (S/s) and the rate the RTL2832U really runs at (S/s, librtlsdr resampler arithmetic). */
  configuredRateSps: number;
  exactRateSps: number;
  /** Bytes of the blocks dropped because every pool slot was held. */
  droppedBytes: number;
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
export class RtlSdrSource extends PooledDeviceSource<RtlSdrBlock> implements IqSource {
  /**
   * Opens and configures the dongle.
   * @throws QuietBandError CONFIG (invalid option, naming the field), DEVICE_NOT_FOUND (lists attached dongles),
   *   DEVICE_BUSY, PERMISSION, NATIVE_UNAVAILABLE, USB_TRANSFER
   */
  static async open(options: RtlSdrSourceOptions): Promise<RtlSdrSource> {
    const o = parseSourceOptions(rtlSdrSourceOptionsSchema, options, 'rtlsdr source');
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
  declare readonly device: RtlSdrDevice;
  private readonly usbBuffers: number;
  private readonly configuredRateSps: number;
  private expectedSeq = 0;
  private discardThroughSeq = -1; // blocks with seq ≤ this straddle a retune: discarded

  private constructor(device: RtlSdrDevice, o: z.output<typeof rtlSdrSourceOptionsSchema>, gain: number | 'auto', centerHz: number) {
    const blockSamples = o.blockSamples ?? defaultBlockSamples(o.rateSps);
    const poolSlots = o.poolSlots ?? defaultPoolSlots(o.rateSps, blockSamples);
    const blockMs = (blockSamples / o.rateSps) * 1000;
    const serial = device.info.serial;
    const rateSps = exactSampleRateSps(o.rateSps);
    super(
      device,
      {
        log: (o.logger ?? pino({ level: 'silent' })).child({ source: 'rtlsdr', dongle: serial }),
        blockSamples,
        poolSlots,
        stallTimeoutMs: o.stallTimeoutMs ?? Math.max(2000, 4 * blockMs),
        rawBytesPerSample: 2,
        dropMessage: 'blocks dropped: the consumer fell behind the dongle; spectra spanning the gap are marked discontinuous',
        dropFields: { poolSlots },
        zeroMessage: 'samples lost: the dongle handed over a run of (0, 0) samples (a transfer never written); treated as a gap',
        endedLine: 'RTL-SDR stream ended',
        stalledLine: 'RTL-SDR stalled',
        stalledWhat: 'the dongle',
      },
      centerHz,
      rateSps,
    );
    this.configuredRateSps = o.rateSps;
    this.usbBuffers = o.usbBuffers;
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
      ...this.pooledHealth(st, st.droppedBlocks),
      tunerName: this.device.info.tunerName,
      configuredRateSps: this.configuredRateSps,
      exactRateSps: this.info.rateSps,
      droppedBytes: st.droppedBytes,
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

  private markTuneChange(centerHz: number): void {
    this.noteTuneChange(centerHz);
    // The block being filled when the command returned has seq = producedBlocks now: discard it and older ones.
    if (this.device.isStreaming) this.discardThroughSeq = this.device.stats().producedBlocks;
  }

  protected startDevice(handlers: RtlSdrStreamHandlers): void {
    this.device.start(handlers, { bufferBytes: 2 * this.blockSamples, poolSlots: this.poolSlots, usbBuffers: this.usbBuffers });
  }

  /** Converts the oldest received block into this.block and releases its slot; false if it was discarded. */
  protected take(): boolean {
    const b = this.nextHeld();
    const count = b.data.length >> 1;
    const seq = b.seq;
    const expected = this.expectedSeq;
    const gap = seq !== expected;
    this.expectedSeq = seq + 1;
    if (seq <= this.discardThroughSeq) return this.discard(b, count);
    if (!this.deliver(b, count, b.byteOffset / 2, gap)) return false;
    if (gap) this.drops.note(seq - expected, (seq - expected) * count);
    return true;
  }

  protected convert(data: Uint8Array, _words: Uint32Array | null, out: Float32Array, count: number, rawOffset: number): number {
    return convertCu8(data, out, count, 2 * rawOffset);
  }
}
