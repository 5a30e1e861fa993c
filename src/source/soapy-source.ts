// IqSource over any SoapySDR receiver (HackRF, Airspy, SDRplay, LimeSDR, PlutoSDR, RTL-SDR, SoapyRemote) through the
// quietband_soapy addon: configure, stream the native format, convert once to Float32, count drops, retune.
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import {
  chooseStreamFormat,
  parseSoapyArgs,
  SoapyDevice,
  type SoapyBinding,
  type SoapyBlock,
  type SoapyStreamChoice,
} from '../../native-bindings/soapy.js';
import type { QuietBandError } from '../errors.js';
import { BYTES_PER_COMPLEX, type IqSourceInfo } from '../types.js';
import type { RetunableSource } from './retunable.js';
import { PooledDeviceSource, type PooledSourceHealth } from './pooled-device-source.js';
import { parseSourceOptions } from './source-options.js';
import { convertSamples } from './sample-formats.js';

/** Health snapshot of a {@link SoapySource}. */
export interface SoapyHealth extends PooledSourceHealth {
  driverKey: string;
  /** Stream format read from the driver (CS8/CS16/CF32) and whether it is the device's native one. */
  streamFormat: string;
  nativeFormat: boolean;
  rateSps: number;
  /**
   * Blocks lost: read from the driver while every pool slot was held (the consumer fell behind), plus one per driver
   * overflow report (samples lost inside the driver: how many is `samplesLost`), plus the zero-run blocks.
   */
  droppedBlocks: number;
  /** SOAPY_SDR_OVERFLOW reports: samples were lost inside the driver (the host did not read fast enough). */
  overflows: number;
  /**
   * Samples lost inside the driver, counted into `firstSample` so detection times stay true: from the driver's time
   * stamps (SOAPY_SDR_HAS_TIME), else estimated from the wall clock (approximate; see docs/receivers.md).
   */
  samplesLost: number;
}

const gainSchema = z.union([
  z.number().finite(),
  z.literal('auto'),
  z.record(z.string().min(1), z.number().finite()).refine((r) => Object.keys(r).length > 0, { message: 'give at least one gain element' }),
]);

/** zod schema of {@link SoapySourceOptions}; unknown keys are rejected. */
export const soapySourceOptionsSchema = z
  .object({
    args: z.string().min(1),
    centerHz: z.number().finite().positive(),
    rateSps: z.number().finite().positive(),
    bandwidthHz: z.number().finite().positive().optional(),
    gain: gainSchema,
    antenna: z.string().min(1).optional(),
    ppm: z.number().finite().min(-1000).max(1000).default(0),
    settings: z.record(z.string().min(1), z.string()).optional(),
    blockSamples: z
      .number()
      .int()
      .min(256)
      .max(1 << 22)
      .refine((n) => n % 256 === 0, { message: 'must be a multiple of 256' })
      .optional(),
    poolSlots: z.number().int().min(2).max(4096).optional(),
    retuneDiscardMs: z.number().min(0).max(10_000).optional(),
    stallTimeoutMs: z.number().positive().optional(),
    remoteCallMs: z.number().int().min(1).max(600_000).optional(),
    logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).child === 'function').optional(),
    binding: z.custom<SoapyBinding>((v) => typeof v === 'object' && v !== null).optional(),
  })
  .strict();

/**
 * Options of {@link SoapySource}. Units in the names; defaults in brackets.
 * - `args`: Soapy device args, e.g. "driver=hackrf,serial=0000000000000000457863c8234b5b5f" (serial preferred:
 *   USB order changes on replug).
 * - `centerHz`, `rateSps` (checked against the device's ranges), `bandwidthHz` [driver default, usually ≈ rate].
 * - `gain`: dB overall (the driver distributes it over its elements), a record of element → dB (e.g.
 *   `{ LNA: 24, VGA: 20, AMP: 0 }` for a HackRF), or 'auto' (AGC: not for baselines). Fixed gain is the default in
 *   site configs; every element's read-back value is part of the source's `deviceId`, so a baseline notices a change.
 * - `antenna` [driver default], `ppm` [0] (frequency correction; refused by devices without it unless 0),
 *   `settings`: driver settings written after open (`SoapySDRUtil --probe` lists them, e.g. `{ biastee: 'true' }`).
 * - `retuneDiscardMs` [{@link defaultRetuneDiscardMs}]: samples discarded after a retune or gain change, on top of the
 *   block in flight: what the driver had buffered before the command still arrives afterwards.
 * - `blockSamples` [power of two ≈ 16 ms, 4096…1048576], `poolSlots` [≈ 1 s of blocks, 8…512],
 *   `stallTimeoutMs` [max(2000, 4 block periods)]: no block for this long → DISCONNECTED.
 * - `remoteCallMs` [10000]: SoapyRemote with remote=: the longest the open, and a control call outside streaming, waits
 *   for a server that stopped answering (frozen, link cut) before the call fails (SoapyRemote alone waits 30 s per reply).
 * - `logger` (child `{ source: 'soapy' }`), `binding` (the addon; default {@link loadSoapy}).
 */
export type SoapySourceOptions = z.input<typeof soapySourceOptionsSchema>;

/** Default block length (complex samples): the power of two ≤ rateSps × 0.016, clamped to 4096…1048576. */
export function soapyBlockSamples(rateSps: number): number {
  let n = 4096;
  while (n * 2 <= rateSps * 0.016 && n < 1 << 20) n *= 2;
  return n;
}

/**
 * Default discard after a retune (ms), beyond the block in flight, for a driver. SoapyRTLSDR: 0, as for the rtlsdr:
 * source: with USB transfers of one block ({@link soapyStreamArgs}) no block after the one in flight carried the old
 * tuning (measured; with its default 262144-byte transfers 7–15 blocks of 16 ms did at 1.024 MS/s). Other drivers:
 * 50 ms (not measured here; set `retuneDiscardMs` from a measurement, docs/receivers.md). A scan's settle comes on top.
 */
export function defaultRetuneDiscardMs(driverKey: string): number {
  return driverKey === 'RTLSDR' ? 0 : 50;
}

/**
 * setupStream args per driver: SoapyRTLSDR gets USB transfers of one block (`bufflen` = 2 bytes × blockSamples, a
 * multiple of 512 since blockSamples ≥ 4096 is a power of two) instead of its 262144 bytes, which at 250 kS/s would
 * hold 0.52 s and leave that much of the old tuning queued after a retune. Other drivers: their defaults.
 *
 * A SoapyRemote device (`deviceArgs` has driver=remote or a remote= key; SoapyRemote reports the server's driver as
 * `driverKey`) streams over TCP (`remote:prot=tcp`) unless the device args choose `remote:prot`: SoapyRemote's UDP
 * drops a lost datagram with no flag (a log letter "S" only: the samples after it shift in time unseen) and handed
 * blocks with unwritten halves on the loopback; TCP turns a slow link into flagged overflows (docs/receivers.md).
 */
export function soapyStreamArgs(driverKey: string, blockSamples: number, deviceArgs: Record<string, string> = {}): string {
  const args: string[] = [];
  if (driverKey === 'RTLSDR') args.push(`bufflen=${2 * blockSamples}`);
  const remote = deviceArgs.driver === 'remote' || deviceArgs.remote !== undefined;
  if (remote && deviceArgs['remote:prot'] === undefined) args.push('remote:prot=tcp');
  return args.join(',');
}

/** `RTLSDR:00000001 gains TUNER=29.7` style identity: driver, serial and every gain element's read-back dB. */
export function soapyDeviceId(driverKey: string, serial: string, gains: 'auto' | Record<string, number>): string {
  const g = gains === 'auto' ? 'auto' : Object.entries(gains).map(([k, v]) => `${k}=${Math.round(v * 10) / 10}`).join(',');
  return `${driverKey}:${serial || '(no serial)'} gains ${g || '(none)'}`;
}

/**
 * Live IQ from a SoapySDR receiver, as a {@link RetunableSource}.
 *
 * `SoapySource.open()` opens the device, checks every setting against the ranges it reports (errors name them), then
 * sets rate, bandwidth, antenna, ppm, gain mode and gains, driver settings and the centre. Streaming starts on the
 * first iteration of {@link blocks}, in the format {@link chooseStreamFormat} picks (the native one when QuietBand's
 * converter fits its full scale), converted once to Float32 per block (an RTL-SDR's CS8 has bit 7 flipped back in
 * place first, restoring the dongle's cu8 bytes).
 *
 * Blocks: `firstSample` = the block's first sample's index since start: samples read, dropped blocks and the samples a
 * driver overflow lost (from its time stamps, else estimated from the wall clock; {@link SoapyHealth.samplesLost}), so
 * firstSample / rateSps is the time since start across overflows; `discontinuity` on the first block after dropped
 * blocks, a driver overflow, a zero run, or a retune/gain change (lost samples are logged by a {@link DropWarning}, at
 * most one line per 10 s); blocks read while a retune was in flight, and `retuneDiscardMs` after it, are discarded. A
 * run of ≥ 256 all-zero raw samples (memory the transport never wrote; {@link ZeroRunGuard}) is lost, not delivered:
 * the block is cut to its longer clean end (`count` < blockSamples, `firstSample` moved past a leading run).
 * A stream that fails or stops delivering for `stallTimeoutMs` ends the iterator with QuietBandError('DISCONNECTED');
 * close() and reopen (by serial) to recover. `blocks()` may be called once; leaving the loop closes the source.
 */
export class SoapySource extends PooledDeviceSource<SoapyBlock> implements RetunableSource {
  /**
   * Opens and configures the device.
   * @throws QuietBandError CONFIG (bad option, or a value outside the device's ranges, naming them), DEVICE_NOT_FOUND
   *   (naming what Soapy found), DEVICE_BUSY, NATIVE_UNAVAILABLE, USB_TRANSFER
   */
  static async open(options: SoapySourceOptions): Promise<SoapySource> {
    const o = parseSourceOptions(soapySourceOptionsSchema, options, 'soapy source');
    parseSoapyArgs(o.args, 'soapy source option args');
    const device = await SoapyDevice.open(o.args, { binding: o.binding, remoteCallMs: o.remoteCallMs });
    try {
      const rateSps = await device.setSampleRate(o.rateSps);
      if (o.bandwidthHz !== undefined) await device.setBandwidth(o.bandwidthHz);
      if (o.antenna !== undefined) await device.setAntenna(o.antenna);
      const ppm = await device.setFreqCorrection(o.ppm);
      const gains = await device.setGain(o.gain);
      for (const [k, v] of Object.entries(o.settings ?? {})) await device.writeSetting(k, v);
      const centerHz = await device.setFrequency(o.centerHz);
      return new SoapySource(device, o, rateSps, centerHz, ppm, gains);
    } catch (err) {
      await device.close().catch(() => undefined);
      throw err;
    }
  }

  readonly info: IqSourceInfo;
  declare readonly device: SoapyDevice;
  /** The stream format used (see {@link chooseStreamFormat}). */
  readonly stream: SoapyStreamChoice;
  /** The `args` option, parsed. */
  private readonly deviceArgs: Record<string, string>;
  private expectedSeq = 0;
  private expectedSample = 0;
  // blocks starting before this sample index were (partly) read before the last retune settled: discarded
  private discardUntilSample = 0;
  private readonly retuneDiscardSamples: number;

  private constructor(
    device: SoapyDevice,
    o: z.output<typeof soapySourceOptionsSchema>,
    rateSps: number,
    centerHz: number,
    ppm: number,
    gains: 'auto' | Record<string, number>,
  ) {
    const stream = chooseStreamFormat(device.info);
    const blockSamples = o.blockSamples ?? soapyBlockSamples(rateSps);
    const poolSlots = o.poolSlots ?? Math.min(512, Math.max(8, Math.ceil(rateSps / blockSamples)));
    super(
      device,
      {
        log: (o.logger ?? pino({ level: 'silent' })).child({ source: 'soapy', device: o.args }),
        blockSamples,
        poolSlots,
        stallTimeoutMs: o.stallTimeoutMs ?? Math.max(2000, (4 * 1000 * blockSamples) / rateSps),
        rawBytesPerSample: BYTES_PER_COMPLEX[stream.soapyFormat === 'CS8' ? 'cs8' : stream.soapyFormat === 'CS16' ? 'cs16' : 'cf32'],
        dropMessage: 'samples lost (the consumer or the host fell behind the receiver); spectra spanning a gap are marked discontinuous',
        dropFields: { poolSlots },
        zeroMessage: 'samples lost: the receiver handed over a run of all-zero samples (never written by the transport); treated as a gap',
        endedLine: 'Soapy stream ended',
        stalledLine: 'Soapy receiver stalled',
        stalledWhat: 'the receiver',
      },
      centerHz,
      rateSps,
    );
    this.stream = stream;
    this.deviceArgs = parseSoapyArgs(o.args, 'soapy source option args');
    this.retuneDiscardSamples = Math.round(((o.retuneDiscardMs ?? defaultRetuneDiscardMs(device.info.driverKey)) / 1000) * rateSps);
    const gainTotal = gains === 'auto' ? 'auto' : Object.values(gains).reduce((a, b) => a + b, 0);
    this.info = {
      label: `soapy:${o.args}`,
      format: this.stream.sampleFormat,
      rateSps,
      centerHz,
      centerKnown: true,
      gainDb: gainTotal,
      ppm,
      deviceId: soapyDeviceId(device.info.driverKey, device.serial, gains),
    };
    this.log.info(
      {
        driver: device.info.driverKey,
        hardware: device.info.hardwareKey,
        serial: device.serial,
        rateSps,
        centerHz,
        gains,
        ppm,
        streamFormat: this.stream.soapyFormat,
        nativeFormat: this.stream.native,
        blockSamples: this.blockSamples,
        poolSlots: this.poolSlots,
      },
      'Soapy receiver opened and configured',
    );
  }

  /** Health snapshot (a new object each call). */
  health(): SoapyHealth {
    const st = this.device.stats();
    return {
      ...this.pooledHealth(st, st.droppedBlocks + st.overflows),
      driverKey: this.device.info.driverKey,
      streamFormat: this.stream.soapyFormat,
      nativeFormat: this.stream.native,
      rateSps: this.info.rateSps,
      overflows: st.overflows,
      samplesLost: st.samplesLost,
      nonFiniteSamples: 0,
      tunerName: null,
    };
  }

  /**
   * Retunes (Hz; checked against the device's ranges). Blocks read before the command returned are discarded; later
   * blocks carry the new centre, the next `tuneId` and `discontinuity: true`.
   * @returns the read-back centre (Hz)
   */
  async retune(centerHz: number): Promise<number> {
    const hz = await this.device.setFrequency(centerHz);
    this.markTuneChange(hz);
    this.info.centerHz = hz;
    return hz;
  }

  /** Changes the gain (as the `gain` option); like a retune, starts a new `tuneId`. */
  async setGain(gain: number | 'auto' | Record<string, number>): Promise<'auto' | Record<string, number>> {
    const g = await this.device.setGain(gain);
    this.markTuneChange(this.pendingCenterHz);
    this.info.gainDb = g === 'auto' ? 'auto' : Object.values(g).reduce((a, b) => a + b, 0);
    this.info.deviceId = soapyDeviceId(this.device.info.driverKey, this.device.serial, g);
    return g;
  }

  private markTuneChange(centerHz: number): void {
    this.noteTuneChange(centerHz);
    // The block being read when the command returned starts at the stream's current position: discard it, older
    // ones, and the driver's buffered samples after it.
    if (this.device.isStreaming) {
      this.discardUntilSample = this.device.stats().nextSampleOffset + this.blockSamples + this.retuneDiscardSamples;
    }
  }

  protected startDevice(handlers: { onBlock(b: SoapyBlock): void; onEnd(err: QuietBandError | null): void }): void {
    this.device.start(handlers, {
      format: this.stream.soapyFormat,
      blockSamples: this.blockSamples,
      poolSlots: this.poolSlots,
      streamArgs: soapyStreamArgs(this.device.info.driverKey, this.blockSamples, this.deviceArgs),
    });
  }

  /** Converts the oldest received block into this.block and releases its slot; false if it was discarded. */
  protected take(): boolean {
    const b = this.nextHeld();
    const lostBlocks = b.seq - this.expectedSeq + b.overflowsBefore;
    const lostSamples = b.sampleOffset - this.expectedSample;
    const gap = lostBlocks > 0 || lostSamples !== 0;
    this.expectedSeq = b.seq + 1;
    this.expectedSample = b.sampleOffset + this.blockSamples;
    if (b.sampleOffset < this.discardUntilSample) return this.discard(b, this.blockSamples);
    if (!this.deliver(b, this.blockSamples, b.sampleOffset, gap)) return false;
    if (gap) this.drops.note(lostBlocks, lostSamples);
    return true;
  }

  /** Flips bit 7 back for offset-binary CS8 (after the zero-run scan, which reads the bytes as handed over), converts. */
  protected convert(data: Uint8Array, words: Uint32Array | null, out: Float32Array, count: number, rawOffset: number): number {
    if (this.stream.offsetBinary && words !== null) {
      for (let i = 0; i < words.length; i++) words[i] = (words[i] as number) ^ 0x80808080;
    }
    return convertSamples(this.stream.sampleFormat, data, out, count, rawOffset * BYTES_PER_COMPLEX[this.stream.sampleFormat]);
  }
}
