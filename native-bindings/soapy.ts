// Typed wrapper over the quietband_soapy addon (libSoapySDR): loader, device-args strings, range checks that name the
// device's ranges, stream-format choice, error mapping with advice, and SoapyDevice (serialised commands, streaming).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QuietBandError } from './errors.js';

// ---------------------------------------------------------------------------------------------------------------
// Raw binding (native-bindings/soapy/src/soapy.cc)
// ---------------------------------------------------------------------------------------------------------------

/** A Soapy range: [minimum, maximum, step] (step 0 = continuous). Units as the field name says. */
export type SoapyRange = [number, number, number];

/** One gain element of the RX channel (e.g. RTL-SDR "TUNER"; HackRF "LNA", "VGA", "AMP"; Airspy "LNA", "MIX", "VGA"). */
export interface SoapyGainElement {
  name: string;
  minDb: number;
  maxDb: number;
  stepDb: number;
}

/** What the addon reads from channel 0 (RX) at open. */
export interface RawSoapyOpenInfo {
  /** Driver key, e.g. "RTLSDR", "HackRF", "Airspy". */
  driverKey: string;
  /** Hardware key, e.g. "R820T" (SoapyRTLSDR reports the tuner). */
  hardwareKey: string;
  hardwareInfo: Record<string, string>;
  rxChannels: number;
  /** Native stream format ("CS8", "CS16", "CF32", ...) and its full-scale value (e.g. 128 for CS8). */
  nativeFormat: string;
  fullScale: number;
  streamFormats: string[];
  frequencyRangesHz: SoapyRange[];
  rateRangesSps: SoapyRange[];
  /** Discrete rates the driver lists (may be empty when only ranges are known). */
  ratesSps: number[];
  bandwidthRangesHz: SoapyRange[];
  gainElements: SoapyGainElement[];
  /** Overall gain range (dB) when the driver distributes one gain over its elements. */
  gainRangeDb: SoapyRange;
  antennas: string[];
  antenna: string;
  /** True when the RX channel has automatic gain control. */
  hasAgc: boolean;
  hasFreqCorrection: boolean;
}

/** Stream counters; after the stream ended, produced = delivered + dropped. */
export interface RawSoapyStats {
  /** Blocks read from the driver / handed to JS / dropped because JS held every pool slot. */
  producedBlocks: number;
  deliveredBlocks: number;
  droppedBlocks: number;
  /** SOAPY_SDR_OVERFLOW reports: samples lost inside the driver (host too slow for the USB stream). */
  overflows: number;
  /** readStream calls that returned no data within 100 ms. */
  timeouts: number;
  /**
   * Samples lost inside the driver, counted into the stream positions: from SOAPY_SDR_HAS_TIME time stamps, or (a driver
   * without them, or whose time counts only delivered samples) estimated from the wall clock after an overflow.
   */
  samplesLost: number;
  /** Samples read before a gap in the same block, given up so that the block starts after the gap. */
  samplesGivenUp: number;
  /** Gaps found (time stamps or estimates), and how many of them were estimated from the wall clock. */
  gaps: number;
  estimatedGaps: number;
  /** Stream position of the block being read (its first sample's index since start). */
  nextSampleOffset: number;
  slotsInUse: number;
  slotCount: number;
}

/** Errors the addon rejects or calls back with. */
export interface RawSoapyError extends Error {
  /** ERR_SOAPY (a Soapy call threw or failed), ERR_NOT_OPEN, ERR_STREAMING, ERR_PENDING, ERR_STOP_TIMEOUT. */
  code: string;
  /** The Soapy method, e.g. "SoapySDR::Device::make", "setFrequency", "readStream". */
  call?: string;
  /** Soapy error code (SOAPY_SDR_*) when there is one. */
  errno?: number;
  /** Set on the stream-end error (the stream ended without stop()). */
  disconnected?: boolean;
}

/** One native SoapyDevice object. Control calls run off the JS thread, one at a time. */
export interface RawSoapyDevice {
  /**
   * Opens the device. `remoteCallMs` [10000]: for SoapyRemote args naming the server (remote=), the longest the open
   * and each later control call outside streaming may wait for the server before its link is broken and the call
   * fails ("did not answer within"); SoapyRemote itself waits 30 s per reply.
   */
  open(args: string, remoteCallMs?: number): Promise<RawSoapyOpenInfo>;
  close(): Promise<void>;
  setSampleRate(rateSps: number): Promise<number>;
  setBandwidth(bandwidthHz: number): Promise<number>;
  setFrequency(centerHz: number): Promise<number>;
  setGainMode(agc: boolean): Promise<void>;
  /** Gain of one element (name) or the overall gain (name ""); resolves with the read-back dB. */
  setGain(name: string, gainDb: number): Promise<number>;
  /** Read-back gain of every element (name → dB). */
  getGains(): Promise<Record<string, number>>;
  setAntenna(name: string): Promise<string>;
  /** Resolves with the read-back correction (ppm). */
  setFreqCorrection(ppm: number): Promise<number>;
  writeSetting(key: string, value: string): Promise<void>;
  /**
   * Starts the RX stream on an addon thread in `format` (`streamArgs`: setupStream's key=value args). Returns the pool (poolSlots × blockSamples × bytes per
   * sample). `onBlock(slot, seq, sampleOffset, overflowsBefore)`: the slot is the caller's until releaseSlot(slot).
   * `onEnd` runs once after the last block: null after stop(), an error when the stream failed by itself.
   */
  start(
    options: { format: string; blockSamples: number; poolSlots: number; streamArgs?: string },
    onBlock: (slot: number, seq: number, sampleOffset: number, overflowsBefore: number) => void,
    onEnd: (error: RawSoapyError | null) => void,
  ): ArrayBuffer;
  releaseSlot(slot: number): boolean;
  /**
   * Stops the stream; resolves once the read thread ended. A SoapyRemote link whose server has not let the thread end
   * within 1 s (a host gone without closing its sockets) is broken (its sockets replaced): the device can then only
   * be closed. Rejects with ERR_STOP_TIMEOUT after 10 s.
   */
  stop(): Promise<void>;
  stats(): RawSoapyStats;
  ref(): void;
  unref(): void;
}

/** A Soapy driver module file and what loading it said. */
export interface SoapyModuleInfo {
  path: string;
  version: string;
  /** Empty when the module loaded; else the loader's error. */
  error: string;
}

/** The addon's exports. */
export interface SoapyBinding {
  /** SoapySDR::Device::enumerate(args): one key/value record per device (driver, label, serial, ...). */
  enumerate(args: string): Promise<Record<string, string>[]>;
  modules(): SoapyModuleInfo[];
  /** Soapy log lines since the last call (at most 64; levels as SoapySDRLogLevel: 3 error, 4 warning, 6 info). */
  takeLog(): { level: number; message: string }[];
  SoapyDevice: new () => RawSoapyDevice;
  libVersion: string;
  apiVersion: string;
  abiVersion: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Loader
// ---------------------------------------------------------------------------------------------------------------

/** Env var naming a quietband_soapy.node to load instead of the default build. */
export const SOAPY_ADDON_PATH_ENV = 'QUIETBAND_SOAPY_ADDON';
const ADDON_FILE = 'quietband_soapy.node';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const requireNative = createRequire(import.meta.url);
const loaded = new Map<string, SoapyBinding>();

/** What to run to get SoapySDR support, in one sentence. */
export const SOAPY_INSTALL_ADVICE =
  'install SoapySDR and the module for your receiver (sudo apt-get install libsoapysdr-dev soapysdr-tools ' +
  'soapysdr-module-rtlsdr | -hackrf | -airspy | -lms7 | -plutosdr | -remote), then rebuild: npm run build:native';

/** Where SoapySDR's development headers are looked for (Debian's libsoapysdr-dev installs the first). */
export const SOAPY_HEADER_PATHS = ['/usr/include/SoapySDR/Device.hpp', '/usr/local/include/SoapySDR/Device.hpp'];

/**
 * What to do when the addon is not built, in one sentence: with SoapySDR's headers present (`headersPresent`, default:
 * one of {@link SOAPY_HEADER_PATHS} exists) only the build is missing (`npm run build:native`); without them the Debian
 * package libsoapysdr-dev comes first ({@link SOAPY_INSTALL_ADVICE}).
 */
export function soapyBuildAdvice(headersPresent = SOAPY_HEADER_PATHS.some((p) => existsSync(p))): string {
  return headersPresent
    ? 'libsoapysdr-dev is installed but the addon was not built: run npm run build:native (it needs node-gyp and a C++ compiler)'
    : `the Debian package libsoapysdr-dev is not installed: ${SOAPY_INSTALL_ADVICE}`;
}

/**
 * Driver name of a Soapy module file: `/usr/lib/x86_64-linux-gnu/SoapySDR/modules0.8/librtlsdrSupport.so` → `rtlsdr`
 * (Soapy modules are named lib<driver>Support.so); the file name itself when it does not follow that pattern.
 */
export function soapyModuleName(modulePath: string): string {
  const file = path.basename(modulePath);
  return /^lib(.+?)Support\.(so|dylib|dll)/.exec(file)?.[1] ?? file;
}

/** Addon files tried in order: $QUIETBAND_SOAPY_ADDON alone when set; else the build next to this file or from dist/. */
export function soapyAddonCandidates(): string[] {
  const fromEnv = process.env[SOAPY_ADDON_PATH_ENV];
  if (fromEnv) return [path.resolve(fromEnv)];
  return [
    path.join(HERE, 'soapy', 'build', 'Release', ADDON_FILE),
    path.join(HERE, '..', '..', 'native-bindings', 'soapy', 'build', 'Release', ADDON_FILE),
  ];
}

/**
 * Loads the addon once per path.
 * @throws QuietBandError('NATIVE_UNAVAILABLE') naming what to install when it is not built or libSoapySDR cannot load.
 */
export function loadSoapy(options: { path?: string } = {}): SoapyBinding {
  const candidates = options.path ? [path.resolve(options.path)] : soapyAddonCandidates();
  const file = candidates.find((c) => existsSync(c));
  if (!file) {
    throw new QuietBandError(`SoapySDR support is not built (no ${candidates.join(' or ')}): ${soapyBuildAdvice()}`, 'NATIVE_UNAVAILABLE');
  }
  const cached = loaded.get(file);
  if (cached) return cached;
  let binding: SoapyBinding;
  try {
    binding = requireNative(file) as SoapyBinding;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const advice = /libSoapySDR\.so/.test(why)
      ? 'libSoapySDR.so.0.8 cannot be loaded: sudo apt-get install libsoapysdr0.8 (or libsoapysdr-dev), then npm run build:native'
      : `it was built for another Node.js or platform, or is damaged: npm run build:native (running Node ${process.version})`;
    throw new QuietBandError(`cannot load the SoapySDR addon ${file}: ${advice} (${why})`, 'NATIVE_UNAVAILABLE', { cause: err });
  }
  loaded.set(file, binding);
  return binding;
}

// ---------------------------------------------------------------------------------------------------------------
// Device args, ranges, formats
// ---------------------------------------------------------------------------------------------------------------

/**
 * Parses a Soapy device-args string `key=value,key=value` (SoapySDR::KwargsFromString syntax; spaces around keys and
 * values are trimmed). Keys are Soapy's: driver, serial, label, remote, ...
 * @throws QuietBandError('CONFIG') naming `field` for an empty string, a pair without "=" or an empty key.
 */
export function parseSoapyArgs(args: string, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = args.trim();
  if (text.length === 0) throw new QuietBandError(`${field}: empty Soapy device args; expected e.g. driver=hackrf,serial=…`, 'CONFIG');
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    const key = (i < 0 ? part : part.slice(0, i)).trim();
    if (i < 0 || key.length === 0) {
      throw new QuietBandError(`${field}: "${part.trim()}" in Soapy device args "${args}" is not key=value (e.g. driver=rtlsdr,serial=00000001)`, 'CONFIG');
    }
    out[key] = part.slice(i + 1).trim();
  }
  return out;
}

/** Formats args back to `key=value,…` in the given key order. */
export function formatSoapyArgs(args: Record<string, string>): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** True when `value` lies in one of the ranges (inclusive; a tolerance of 1e-6 relative absorbs float read-backs). */
export function inSoapyRanges(value: number, ranges: readonly SoapyRange[]): boolean {
  return ranges.some(([lo, hi]) => value >= lo - Math.abs(lo) * 1e-6 && value <= hi + Math.abs(hi) * 1e-6);
}

/** "24–1764 MHz, 2400–2500 MHz" style description of ranges, in the unit given (divisor: 1e6 for MHz, MS/s). */
export function describeSoapyRanges(ranges: readonly SoapyRange[], unit: string, divisor: number): string {
  if (ranges.length === 0) return '(none reported)';
  const f = (v: number) => String(Number((v / divisor).toPrecision(7)));
  return ranges.map(([lo, hi]) => (lo === hi ? `${f(lo)} ${unit}` : `${f(lo)}–${f(hi)} ${unit}`)).join(', ');
}

/**
 * A raw sample encoding as QuietBand names it (the same list as the daemon's `SampleFormat`, src/types.ts): `cu8`
 * offset binary (RTL-SDR), `cs8`/`cs16` signed, `cf32` float, all interleaved I/Q little-endian.
 */
export type SoapySampleFormat = 'cu8' | 'cs8' | 'cs16' | 'cf32';

/** The stream format QuietBand reads a device in, and the sample format it is converted from. */
export interface SoapyStreamChoice {
  /** Soapy format name given to setupStream. */
  soapyFormat: 'CS8' | 'CS16' | 'CF32';
  /** The same samples as a QuietBand {@link SoapySampleFormat} (cs8: x/128, cs16: x/32768, cf32 as is). */
  sampleFormat: SoapySampleFormat;
  /** True when this is the device's native format (no conversion inside the driver). */
  native: boolean;
  /**
   * True when the driver's CS8 is the RTL2832's offset-binary cu8 with the top bit flipped (SoapyRTLSDR: u − 128):
   * flipping bit 7 back restores the dongle's bytes exactly, which are then read as cu8 ((u − 127.5) / 127.5), the same
   * scale and zero as the rtlsdr: source, recordings and replay (reading them as cs8 would shift DC by half an LSB
   * and the scale by 20·log10(128/127.5) = 0.034 dB).
   */
  offsetBinary: boolean;
}

/**
 * Picks the stream format so that samples are converted exactly once: the device's native format when QuietBand's
 * converter matches its full scale (CS8 at 128, CS16 at 32768, CF32), else CF32 converted by the driver (e.g. CS16 at
 * full scale 2048 from a 12-bit LimeSDR/PlutoSDR ADC: cs16 / 32768 would read 24 dB low). SoapyRTLSDR's CS8 is read
 * as the dongle's cu8 (see {@link SoapyStreamChoice.offsetBinary}).
 */
export function chooseStreamFormat(
  info: Pick<RawSoapyOpenInfo, 'driverKey' | 'nativeFormat' | 'fullScale' | 'streamFormats'>,
): SoapyStreamChoice {
  if (info.nativeFormat === 'CS8' && info.fullScale === 128) {
    const rtl = info.driverKey === 'RTLSDR';
    return { soapyFormat: 'CS8', sampleFormat: rtl ? 'cu8' : 'cs8', native: true, offsetBinary: rtl };
  }
  if (info.nativeFormat === 'CS16' && info.fullScale === 32768) return { soapyFormat: 'CS16', sampleFormat: 'cs16', native: true, offsetBinary: false };
  if (info.nativeFormat === 'CF32') return { soapyFormat: 'CF32', sampleFormat: 'cf32', native: true, offsetBinary: false };
  return { soapyFormat: 'CF32', sampleFormat: 'cf32', native: false, offsetBinary: false };
}

/** Bytes per complex sample of each stream format. */
export const SOAPY_BYTES_PER_SAMPLE: Readonly<Record<SoapyStreamChoice['soapyFormat'], number>> = { CS8: 2, CS16: 4, CF32: 8 };

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** "driver=rtlsdr (label Generic RTL2832U OEM :: 00000001, serial 00000001); driver=hackrf (...)" or "none". */
export function describeSoapyFound(found: readonly Record<string, string>[]): string {
  if (found.length === 0) return 'none';
  return found
    .map((d) => {
      const extra = ['label', 'serial'].filter((k) => d[k]).map((k) => `${k} ${d[k]}`);
      return `driver=${d.driver ?? '?'}${d.serial ? `,serial=${d.serial}` : ''}${extra.length ? ` (${extra.join(', ')})` : ''}`;
    })
    .join('; ');
}

const SOAPY_BUSY_ADVICE =
  'another program (SoapySDRServer, rtl_tcp, SDR++, GQRX, OpenWebRX) may hold it: stop it; or the user lacks permission ' +
  'on the USB device: install the udev rules of the receiver\'s package (docs/receivers.md) and replug';

/** Context for {@link mapSoapyError}. */
export interface SoapyErrorContext {
  /** Device args as given. */
  args: string;
  /** What Soapy enumerates for everything (for DEVICE_NOT_FOUND) and for these args (busy vs not found). */
  found?: readonly Record<string, string>[];
  matching?: readonly Record<string, string>[];
  /** Recent Soapy log lines (errors/warnings), appended to the message. */
  log?: readonly string[];
}

/**
 * Turns an addon error into a QuietBandError: make() with no match → DEVICE_NOT_FOUND naming what Soapy found;
 * make() failing for a device that enumerates → DEVICE_BUSY (busy or no permission; both pieces of advice); a stream
 * that ended by itself → DISCONNECTED; other Soapy failures → CONFIG when setting a value (the driver refused it),
 * else USB_TRANSFER.
 */
export function mapSoapyError(err: unknown, ctx: SoapyErrorContext): QuietBandError {
  if (err instanceof QuietBandError) return err;
  const e = err as Partial<RawSoapyError> | undefined;
  const opts = { cause: err };
  const log = ctx.log && ctx.log.length > 0 ? ` (Soapy log: ${ctx.log.slice(-3).join(' | ')})` : '';
  const what = `Soapy device "${ctx.args}"`;
  if (e?.code !== 'ERR_SOAPY') return new QuietBandError(`${what}: ${e?.message ?? String(err)}`, 'IO', opts);
  if (e.disconnected) {
    return new QuietBandError(`${what} stopped delivering samples (${e.message}): the receiver was unplugged or failed; reopen it by serial${log}`, 'DISCONNECTED', {
      ...opts,
      disconnected: true,
    });
  }
  if (/did not answer within/.test(e.message ?? '')) {
    return new QuietBandError(`${what}: ${e.message}; check the server's computer and its network (the sensor keeps trying)${log}`, 'DEVICE_NOT_FOUND', opts);
  }
  if (e.call === 'SoapySDR::Device::make') {
    if (/no match/i.test(e.message ?? '') || (ctx.matching !== undefined && ctx.matching.length === 0)) {
      const found = ctx.found ? describeSoapyFound(ctx.found) : 'unknown';
      return new QuietBandError(
        `${what} not found; Soapy found: ${found}. Check the driver name and serial (SoapySDRUtil --find); a missing driver needs its module: ${SOAPY_INSTALL_ADVICE}`,
        'DEVICE_NOT_FOUND',
        opts,
      );
    }
    return new QuietBandError(`${what} was found but could not be opened (${e.message}): ${SOAPY_BUSY_ADVICE}${log}`, 'DEVICE_BUSY', opts);
  }
  return new QuietBandError(`${what}: ${e.message}${log}`, 'USB_TRANSFER', opts);
}

// ---------------------------------------------------------------------------------------------------------------
// SoapyDevice
// ---------------------------------------------------------------------------------------------------------------

/** A received block: a view into the pool slot (native format bytes), valid until {@link SoapyDevice.release}. */
export interface SoapyBlock {
  slot: number;
  /** blockSamples complex samples in the stream format. */
  data: Uint8Array;
  /** Block number since start; a gap means blocks were dropped before this one. */
  seq: number;
  /**
   * Index since start of the block's first sample: samples read before it, dropped blocks and samples lost in the
   * driver included (RawSoapyStats.samplesLost), so that time = sampleOffset / rate across overflows.
   */
  sampleOffset: number;
  /** Driver overflows reported since the previous block (the samples they lost are counted in sampleOffset). */
  overflowsBefore: number;
}

/** Callbacks of {@link SoapyDevice.start}. */
export interface SoapyStreamHandlers {
  onBlock(block: SoapyBlock): void;
  /** Once, after the last block: null after stop(), a DISCONNECTED QuietBandError when the stream failed by itself. */
  onEnd(error: QuietBandError | null): void;
}

/**
 * One Soapy receiver (RX channel 0). Commands are serialised in call order; values are checked against the ranges the
 * device reported at open, so a refusal names them. Errors are QuietBandErrors ({@link mapSoapyError}).
 */
export class SoapyDevice {
  /**
   * Opens the device Soapy selects for `args` (e.g. "driver=rtlsdr,serial=00000001").
   * @throws QuietBandError DEVICE_NOT_FOUND (naming what Soapy found), DEVICE_BUSY, NATIVE_UNAVAILABLE, CONFIG
   */
  static async open(args: string, deps: { binding?: SoapyBinding; remoteCallMs?: number } = {}): Promise<SoapyDevice> {
    const binding = deps.binding ?? loadSoapy();
    parseSoapyArgs(args, 'soapy args');
    const raw = new binding.SoapyDevice();
    let info: RawSoapyOpenInfo;
    try {
      info = await raw.open(args, deps.remoteCallMs);
    } catch (err) {
      const log = recentSoapyErrors(binding);
      const matching = await binding.enumerate(args).catch(() => undefined);
      const found = matching !== undefined && matching.length === 0 ? await binding.enumerate('').catch(() => undefined) : matching;
      throw mapSoapyError(err, { args, found, matching, log });
    }
    const enumerated = await binding.enumerate(args).catch(() => [] as Record<string, string>[]);
    return new SoapyDevice(binding, raw, args, info, enumerated[0] ?? {});
  }

  readonly info: RawSoapyOpenInfo;
  /** The enumeration record of this device (driver, label, serial, ...). */
  readonly identity: Record<string, string>;
  readonly args: string;
  private readonly binding: SoapyBinding;
  private readonly raw: RawSoapyDevice;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private streaming = false;
  private ended: Promise<void> | null = null;
  private handlers: SoapyStreamHandlers | null = null;

  private constructor(binding: SoapyBinding, raw: RawSoapyDevice, args: string, info: RawSoapyOpenInfo, identity: Record<string, string>) {
    this.binding = binding;
    this.raw = raw;
    this.args = args;
    this.info = info;
    this.identity = identity;
  }

  /** Serial when the driver reports one, else the device args. */
  get serial(): string {
    return this.identity.serial ?? this.info.hardwareInfo.serial ?? '';
  }

  /** True while blocks may arrive. */
  get isStreaming(): boolean {
    return this.streaming;
  }

  /**
   * Sets the sample rate (S/s).
   * @throws QuietBandError CONFIG naming the device's rate ranges when outside them
   */
  setSampleRate(rateSps: number): Promise<number> {
    if (!(Number.isFinite(rateSps) && rateSps > 0) || !inSoapyRanges(rateSps, this.info.rateRangesSps)) {
      return this.refuse(`sample rate ${rateSps} S/s is not supported; the device's rates are ${describeSoapyRanges(this.info.rateRangesSps, 'MS/s', 1e6)}`);
    }
    return this.command('setSampleRate', () => this.raw.setSampleRate(rateSps));
  }

  /**
   * Sets the analog filter bandwidth (Hz).
   * @throws QuietBandError CONFIG naming the device's bandwidth ranges when outside them
   */
  setBandwidth(bandwidthHz: number): Promise<number> {
    const ranges = this.info.bandwidthRangesHz;
    if (!(Number.isFinite(bandwidthHz) && bandwidthHz > 0) || (ranges.length > 0 && !inSoapyRanges(bandwidthHz, ranges))) {
      return this.refuse(`bandwidth ${bandwidthHz} Hz is not supported; the device's filter bandwidths are ${describeSoapyRanges(ranges, 'MHz', 1e6)}`);
    }
    return this.command('setBandwidth', () => this.raw.setBandwidth(bandwidthHz));
  }

  /**
   * Tunes (Hz).
   * @returns the read-back centre (Hz)
   * @throws QuietBandError CONFIG naming the device's frequency ranges when outside them
   */
  setFrequency(centerHz: number): Promise<number> {
    if (!Number.isFinite(centerHz) || !inSoapyRanges(centerHz, this.info.frequencyRangesHz)) {
      return this.refuse(`centre frequency ${centerHz} Hz is outside the device's ranges ${describeSoapyRanges(this.info.frequencyRangesHz, 'MHz', 1e6)}`);
    }
    return this.command('setFrequency', () => this.raw.setFrequency(centerHz));
  }

  /**
   * Sets the gain: 'auto' turns AGC on; a number (dB) turns AGC off and sets the overall gain (the driver distributes
   * it over its elements); a record sets each named element (dB) with AGC off.
   * @returns 'auto', or the read-back dB of every element after the change (name → dB)
   * @throws QuietBandError CONFIG for an element that does not exist (listing those that do), a value outside an
   *   element's range, or 'auto' on a device without AGC
   */
  async setGain(gain: number | 'auto' | Record<string, number>): Promise<'auto' | Record<string, number>> {
    if (gain === 'auto') {
      if (!this.info.hasAgc) return this.refuse('gain "auto": this device has no AGC; give a gain in dB');
      await this.command('setGainMode', () => this.raw.setGainMode(true));
      return 'auto';
    }
    const elements = this.info.gainElements;
    if (typeof gain === 'number') {
      const [lo, hi] = this.info.gainRangeDb;
      if (!Number.isFinite(gain) || gain < lo || gain > hi) return this.refuse(`gain ${gain} dB is outside the device's overall range ${lo}–${hi} dB`);
    } else {
      for (const [name, db] of Object.entries(gain)) {
        const el = elements.find((g) => g.name === name);
        if (!el) {
          return this.refuse(`gain element "${name}" does not exist; this device has ${elements.map((g) => `${g.name} (${g.minDb}–${g.maxDb} dB)`).join(', ') || 'no gain elements'}`);
        }
        if (!Number.isFinite(db) || db < el.minDb || db > el.maxDb) return this.refuse(`gain ${name} ${db} dB is outside its range ${el.minDb}–${el.maxDb} dB`);
      }
    }
    if (this.info.hasAgc) await this.command('setGainMode', () => this.raw.setGainMode(false));
    if (typeof gain === 'number') await this.command('setGain', () => this.raw.setGain('', gain));
    else for (const [name, db] of Object.entries(gain)) await this.command('setGain', () => this.raw.setGain(name, db));
    return await this.command('getGain', () => this.raw.getGains());
  }

  /**
   * Selects the antenna port.
   * @throws QuietBandError CONFIG listing the ports when the name is unknown
   */
  setAntenna(name: string): Promise<string> {
    if (!this.info.antennas.includes(name)) return this.refuse(`antenna "${name}" does not exist; ports: ${this.info.antennas.join(', ') || '(none)'}`);
    return this.command('setAntenna', () => this.raw.setAntenna(name));
  }

  /**
   * Sets the frequency correction (ppm, −1000..1000).
   * @throws QuietBandError CONFIG when the device has none and ppm ≠ 0
   */
  async setFreqCorrection(ppm: number): Promise<number> {
    if (!Number.isFinite(ppm) || Math.abs(ppm) > 1000) return this.refuse(`ppm ${ppm} must be a number in −1000..1000`);
    if (!this.info.hasFreqCorrection) {
      if (ppm === 0) return 0;
      return this.refuse(`ppm ${ppm}: this device has no frequency correction; measure the offset and shift the plan instead`);
    }
    return this.command('setFrequencyCorrection', () => this.raw.setFreqCorrection(ppm));
  }

  /** Writes a driver setting (SoapySDRUtil --probe lists them, e.g. biastee=true). */
  writeSetting(key: string, value: string): Promise<void> {
    return this.command('writeSetting', () => this.raw.writeSetting(key, value));
  }

  /**
   * Starts the RX stream. Hold at most `poolSlots` blocks (release each) or new ones are dropped and counted.
   * @throws Error when closed or already streaming (a programming error)
   */
  start(
    handlers: SoapyStreamHandlers,
    options: { format: SoapyStreamChoice['soapyFormat']; blockSamples: number; poolSlots: number; streamArgs?: string },
  ): void {
    if (this.closed || this.streaming) throw new Error(`${this.label}: start() refused (${this.closed ? 'closed' : 'already streaming'})`);
    const bytesPerBlock = options.blockSamples * SOAPY_BYTES_PER_SAMPLE[options.format];
    const blocks: SoapyBlock[] = [];
    let resolveEnded: () => void = () => undefined;
    this.ended = new Promise<void>((r) => {
      resolveEnded = r;
    });
    const onBlock = (slot: number, seq: number, sampleOffset: number, overflowsBefore: number): void => {
      const b = blocks[slot] as SoapyBlock;
      if (this.handlers === null) {
        this.raw.releaseSlot(slot);
        return;
      }
      b.seq = seq;
      b.sampleOffset = sampleOffset;
      b.overflowsBefore = overflowsBefore;
      try {
        this.handlers.onBlock(b);
      } catch (err) {
        this.raw.releaseSlot(slot);
        process.nextTick(() => {
          throw err;
        });
      }
    };
    const onEnd = (error: RawSoapyError | null): void => {
      const h = this.handlers;
      this.handlers = null;
      this.streaming = false;
      resolveEnded();
      h?.onEnd(error ? mapSoapyError(error, { args: this.args, log: recentSoapyErrors(this.binding) }) : null);
    };
    let pool: ArrayBuffer;
    try {
      pool = this.raw.start(options, onBlock, onEnd);
    } catch (err) {
      throw mapSoapyError(err, { args: this.args });
    }
    for (let i = 0; i < options.poolSlots; i++) {
      blocks.push({ slot: i, data: new Uint8Array(pool, i * bytesPerBlock, bytesPerBlock), seq: 0, sampleOffset: 0, overflowsBefore: 0 });
    }
    this.handlers = handlers;
    this.streaming = true;
  }

  /** Returns a block's slot to the pool (idempotent). */
  release(block: SoapyBlock | number): void {
    this.raw.releaseSlot(typeof block === 'number' ? block : block.slot);
  }

  /**
   * Stops the stream and waits until the last block and onEnd were delivered. Idempotent. A SoapyRemote server that
   * does not let the read thread end within 1 s (its host gone: power cut, cable, Wi-Fi) has its link broken by the
   * addon, so this returns within ≈ 1–3 s; the device must then be closed and opened again (docs/receivers.md).
   * @throws QuietBandError USB_TRANSFER when the read thread does not stop within 10 s
   */
  async stop(): Promise<void> {
    if (!this.streaming || this.ended === null) return;
    try {
      await this.raw.stop();
    } catch (err) {
      throw new QuietBandError(`${this.label}: ${(err as Error).message}`, 'USB_TRANSFER', { cause: err, disconnected: true });
    }
    await this.ended;
  }

  /** Closes the device (stop() first). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.streaming) await this.stop();
    if (this.ended) await this.ended;
    this.closed = true;
    await this.queue;
    try {
      await this.raw.close();
    } catch (err) {
      throw mapSoapyError(err, { args: this.args });
    }
  }

  /** Counters of the current or last stream. */
  stats(): RawSoapyStats {
    return this.raw.stats();
  }

  /** `soapy:<args>` for messages and labels. */
  get label(): string {
    return `soapy:${this.args}`;
  }

  private refuse<T>(why: string): Promise<T> {
    return Promise.reject(new QuietBandError(`${this.label} (${this.info.driverKey}): ${why}`, 'CONFIG'));
  }

  private command<T>(call: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new QuietBandError(`${this.label} is closed`, 'IO'));
    const run = async (): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        throw mapSoapyError(err, { args: this.args, log: recentSoapyErrors(this.binding) });
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }
}

/** Error and warning lines Soapy logged since the last call (SOAPY_SDR_WARNING = 4 or more severe). */
export function recentSoapyErrors(binding: SoapyBinding): string[] {
  return binding
    .takeLog()
    .filter((l) => l.level <= 4)
    .map((l) => l.message);
}

/** A Soapy device as `quietband devices` lists it: enumeration record plus what opening it reports. */
export interface SoapyDeviceListing {
  args: Record<string, string>;
  /** Present when the device could be opened; else `error` says why. */
  info?: RawSoapyOpenInfo;
  error?: string;
}

/**
 * Enumerates Soapy devices (all drivers, or those matching `args`) and opens each briefly to read its ranges and gain
 * elements. Devices another program holds are listed with the error.
 * @throws QuietBandError('NATIVE_UNAVAILABLE') when the addon is not built
 */
export async function listSoapyDevices(args = '', deps: { binding?: SoapyBinding } = {}): Promise<SoapyDeviceListing[]> {
  const binding = deps.binding ?? loadSoapy();
  const found = await binding.enumerate(args);
  const out: SoapyDeviceListing[] = [];
  for (const d of found) {
    // SoapyRemote marks devices it forwards with remote=...; opening by driver+serial (or label) selects exactly one.
    const sel: Record<string, string> = { driver: d.driver ?? '' };
    if (d.remote) sel.remote = d.remote;
    if (d['remote:driver']) sel['remote:driver'] = d['remote:driver'];
    if (d.serial) sel.serial = d.serial;
    else if (d.label) sel.label = d.label;
    const raw = new binding.SoapyDevice();
    try {
      const info = await raw.open(formatSoapyArgs(sel));
      await raw.close();
      out.push({ args: d, info });
    } catch (err) {
      out.push({ args: d, error: (err as Error).message });
    }
  }
  binding.takeLog();
  return out;
}
