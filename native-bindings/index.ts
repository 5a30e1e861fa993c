// Typed wrapper over the quietband_rtlsdr addon: one loader, the raw binding's shape, RtlSdrDevice with explicit states and mapped errors.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QuietBandError } from './errors.js';

// ---------------------------------------------------------------------------------------------------------------
// Raw binding (what native-bindings/src/*.cc exports)
// ---------------------------------------------------------------------------------------------------------------

/** A dongle as librtlsdr enumerates it (rtlsdr_get_device_name / rtlsdr_get_device_usb_strings). */
export interface RawDeviceInfo {
  /** librtlsdr index; changes when dongles are replugged (docs/field-notes.md §13): prefer the serial. */
  index: number;
  /** librtlsdr's name for the USB VID:PID, e.g. "Generic RTL2832U OEM". */
  name: string;
  manufacturer: string;
  product: string;
  serial: string;
  /** Return code of rtlsdr_get_device_usb_strings; non-zero when the strings could not be read (permissions). */
  usbStringsRc: number;
}

/** Result of a successful raw `open()`: the dongle as enumerated, and its tuner. */
export interface RawOpenInfo extends Omit<RawDeviceInfo, 'usbStringsRc'> {
  /** enum rtlsdr_tuner: 0 unknown, 1 E4000, 2 FC0012, 3 FC0013, 4 FC2580, 5 R820T, 6 R828D. */
  tunerType: number;
  /** The tuner's gain steps (tenths of a dB), rtlsdr_get_tuner_gains. */
  gainsTenthDb: number[];
}

/** Counters of the current (or last) stream; after the stream ended, produced = delivered + dropped. */
export interface RawStreamStats {
  producedBlocks: number;
  producedBytes: number;
  deliveredBlocks: number;
  droppedBlocks: number;
  droppedBytes: number;
  slotsInUse: number;
  slotCount: number;
}

/** Options of raw `start()`. */
export interface RawStartOptions {
  /** Bytes per USB transfer and per pool slot: a multiple of 512 (default 262144). */
  bufferBytes?: number;
  /** Pool slots (default 16): blocks that arrive while every slot is held are dropped and counted. */
  poolSlots?: number;
  /** USB transfers in flight (rtlsdr_read_async buf_num; 0 = librtlsdr default, 15). */
  usbBuffers?: number;
}

/** Error objects the addon rejects or calls back with. */
export interface RawNativeError extends Error {
  /** 'ERR_LIBRTLSDR' for a failed librtlsdr call; ERR_NOT_OPEN, ERR_STREAMING, ERR_PENDING, ERR_UNSUPPORTED, ... */
  code: string;
  /** librtlsdr/libusb return code (ERR_LIBRTLSDR only). */
  errno?: number;
  /** librtlsdr function name (ERR_LIBRTLSDR only). */
  call?: string;
  /** Set on the stream-end error when rtlsdr_read_async returned without stop() (unplug). */
  disconnected?: boolean;
}

/** One native RtlSdrDevice object (native-bindings/src/device.cc). Promises settle on the JS thread. */
export interface RawRtlSdrDevice {
  readonly isOpen: boolean;
  readonly isStreaming: boolean;
  open(target: { serial: string } | { index: number }): Promise<RawOpenInfo>;
  /** Idempotent; throws ERR_STREAMING while streaming and ERR_PENDING while a call is in flight. */
  close(): Promise<void>;
  /** Resolves with rtlsdr_get_sample_rate (S/s, truncated to an integer by librtlsdr). */
  setSampleRate(rateSps: number): Promise<number>;
  /** Resolves with rtlsdr_get_center_freq (Hz). */
  setCenterFreq(centerHz: number): Promise<number>;
  setTunerGainMode(manual: boolean): Promise<void>;
  /** Resolves with rtlsdr_get_tuner_gain (tenths of a dB). */
  setTunerGain(gainTenthDb: number): Promise<number>;
  setFreqCorrection(ppm: number): Promise<void>;
  setAgcMode(on: boolean): Promise<void>;
  setBiasTee(on: boolean): Promise<void>;
  setDirectSampling(mode: 0 | 1 | 2): Promise<void>;
  setOffsetTuning(on: boolean): Promise<void>;
  getTunerGains(): number[];
  getTunerType(): number;
  /**
   * Starts rtlsdr_read_async on an addon thread. Returns the pool (poolSlots × bufferBytes bytes): slot i is bytes
   * [i·bufferBytes, i·bufferBytes + length). `onBlock` gets (slot, length, seq, byteOffset); the slot is the caller's
   * until `releaseSlot(slot)`. `onEnd` runs once after the last onBlock: null after stop(), an error with
   * `disconnected: true` when the stream ended by itself.
   */
  start(
    options: RawStartOptions,
    onBlock: (slot: number, length: number, seq: number, byteOffset: number) => void,
    onEnd: (error: RawNativeError | null) => void,
  ): ArrayBuffer;
  /** Returns a slot to the pool; false if it was not held (already released, or the stream is gone). */
  releaseSlot(slot: number): boolean;
  /** rtlsdr_cancel_async, then waits (off the JS thread) until rtlsdr_read_async has returned. */
  stop(): Promise<void>;
  stats(): RawStreamStats;
  ref(): void;
  unref(): void;
}

/** The addon's exports. */
export interface RtlSdrBinding {
  listDevices(): Promise<RawDeviceInfo[]>;
  RtlSdrDevice: new () => RawRtlSdrDevice;
  /** False when the loaded librtlsdr has no rtlsdr_set_bias_tee (it is weakly imported). */
  biasTeeSupported: boolean;
  /** File of the librtlsdr the dynamic linker bound (dladdr), e.g. /lib/x86_64-linux-gnu/librtlsdr.so.0. */
  librtlsdrPath?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Loader
// ---------------------------------------------------------------------------------------------------------------

/** Env var naming an addon file to load instead of the default build (tests point it at the fake-linked build). */
export const ADDON_PATH_ENV = 'QUIETBAND_RTLSDR_ADDON';
const ADDON_FILE = 'quietband_rtlsdr.node';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const requireNative = createRequire(import.meta.url);
const loaded = new Map<string, RtlSdrBinding>();

/** What to run to get RTL-SDR support, in one sentence. */
export const NATIVE_INSTALL_ADVICE =
  'install librtlsdr (sudo apt-get install librtlsdr-dev), then rebuild the addon: npm run build:native (or npm rebuild)';

/**
 * Addon files tried in order: $QUIETBAND_RTLSDR_ADDON alone when set; else native-bindings/build/Release/ next to
 * this file (running from source) and the same path from the repository root (running from dist/native-bindings).
 */
export function addonCandidates(): string[] {
  const fromEnv = process.env[ADDON_PATH_ENV];
  if (fromEnv) return [path.resolve(fromEnv)];
  return [
    path.join(HERE, 'build', 'Release', ADDON_FILE),
    path.join(HERE, '..', '..', 'native-bindings', 'build', 'Release', ADDON_FILE),
  ];
}

/**
 * Loads the addon once per path and returns it.
 * @param options.path explicit addon file (overrides the env var and the defaults)
 * @throws QuietBandError('NATIVE_UNAVAILABLE') naming what to install when the addon is not built, when
 *   librtlsdr.so.0 cannot be loaded, or when the build is for another Node version.
 */
export function loadRtlSdr(options: { path?: string } = {}): RtlSdrBinding {
  const candidates = options.path ? [path.resolve(options.path)] : addonCandidates();
  const file = candidates.find((c) => existsSync(c));
  if (!file) {
    throw new QuietBandError(
      `RTL-SDR support is not built (no ${candidates.join(' or ')}): ${NATIVE_INSTALL_ADVICE}`,
      'NATIVE_UNAVAILABLE',
    );
  }
  const cached = loaded.get(file);
  if (cached) return cached;
  let binding: RtlSdrBinding;
  try {
    binding = requireNative(file) as RtlSdrBinding;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    // dlopen failures other than a missing librtlsdr (wrong NODE_MODULE_VERSION, ELF class, truncated file) all
    // mean the same thing: rebuild for this Node.
    const advice = /librtlsdr\.so/.test(why)
      ? 'librtlsdr.so.0 cannot be loaded: sudo apt-get install librtlsdr0 (or librtlsdr-dev), then npm run build:native'
      : `it was built for another Node.js or platform, or is damaged: npm run build:native (running Node ${process.version})`;
    throw new QuietBandError(`cannot load the RTL-SDR addon ${file}: ${advice} (${why})`, 'NATIVE_UNAVAILABLE', {
      cause: err,
    });
  }
  loaded.set(file, binding);
  return binding;
}

// ---------------------------------------------------------------------------------------------------------------
// Tuner facts and validation
// ---------------------------------------------------------------------------------------------------------------

/** Tuner names by enum rtlsdr_tuner value (rtl-sdr.h; docs/field-notes.md §9). */
export const TUNER_NAMES: readonly string[] = ['unknown', 'E4000', 'FC0012', 'FC0013', 'FC2580', 'R820T', 'R828D'];

/** Name of a tuner type number ("unknown" for values outside the enum). */
export function tunerName(tunerType: number): string {
  return TUNER_NAMES[tunerType] ?? 'unknown';
}

/** RTL2832U reference crystal (Hz) librtlsdr assumes (DEF_RTL_XTAL_FREQ). */
export const RTL_XTAL_HZ = 28_800_000;

/**
 * True for rates the RTL2832U resampler accepts: 225001–300000 and 900001–3200000 S/s (librtlsdr
 * rtlsdr_set_sample_rate; docs/field-notes.md §11). Above 2400000 S/s most hosts lose samples.
 */
export function isValidSampleRate(rateSps: number): boolean {
  return (
    Number.isInteger(rateSps) &&
    ((rateSps > 225_000 && rateSps <= 300_000) || (rateSps > 900_000 && rateSps <= 3_200_000))
  );
}

/**
 * The rate the RTL2832U really runs at for a requested rate (S/s, fractional), by librtlsdr 0.6's resampler
 * arithmetic: ratio = floor(xtal·2^22 / rate) & 0x0ffffffc, ratio |= (ratio & 0x08000000) << 1, rate = xtal·2^22 / ratio.
 * E.g. 250000 → 250000.000414 ("Exact sample rate is: ..." in rtl_433 logs). Bin frequencies should use this.
 */
export function exactSampleRateSps(requestedSps: number, xtalHz = RTL_XTAL_HZ): number {
  const scaled = xtalHz * 4194304;
  let ratio = Math.floor(scaled / requestedSps) & 0x0ffffffc;
  ratio = ratio + (ratio & 0x08000000) * 2; // the "| (r & 0x08000000) << 1" of librtlsdr, without 32-bit overflow
  return scaled / ratio;
}

/**
 * The tuner gain step nearest to `requestedDb` (dB), from the tuner's own list (dB); ties go to the lower step.
 * @throws QuietBandError('CONFIG') when the list is empty.
 */
export function snapGainDb(gainsDb: readonly number[], requestedDb: number): number {
  if (gainsDb.length === 0) throw new QuietBandError('the tuner reports no gain steps; use gain "auto"', 'CONFIG');
  let best = gainsDb[0] as number;
  for (let i = 1; i < gainsDb.length; i++) {
    const g = gainsDb[i] as number;
    if (Math.abs(g - requestedDb) < Math.abs(best - requestedDb)) best = g;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Error mapping
// ---------------------------------------------------------------------------------------------------------------

/** libusb / errno codes librtlsdr passes through (libusb.h, errno.h). */
const LIBUSB_ERROR_ACCESS = -3;
const LIBUSB_ERROR_NO_DEVICE = -4;
const LIBUSB_ERROR_BUSY = -6;
const EACCES = -13;
const EBUSY = -16;
const EINVAL = -22;

/** "[0] 00000001 (Realtek RTL2838UHIDIR), [1] ..." or "none". */
export function describeAttached(devices: readonly RawDeviceInfo[]): string {
  if (devices.length === 0) return 'none';
  return devices
    .map((d) => `[${d.index}] ${d.serial || '(no serial)'} (${[d.manufacturer, d.product].filter(Boolean).join(' ') || d.name})`)
    .join(', ');
}

/** Advice when no dongle is visible to librtlsdr. */
export const NO_DEVICE_ADVICE =
  'check that the dongle is plugged in (lsusb should list 0bda:2838 or 0bda:2832), try another USB port or cable, ' +
  'and that the kernel DVB driver has not claimed it (blacklist dvb_usb_rtl28xxu)';

const BUSY_ADVICE =
  'another program such as rtl_tcp or rtl_433 holds the dongle; stop it. If nothing else uses it, the kernel DVB-T ' +
  "driver has claimed it: blacklist it (echo 'blacklist dvb_usb_rtl28xxu' | sudo tee /etc/modprobe.d/blacklist-rtlsdr.conf; " +
  'sudo modprobe -r dvb_usb_rtl28xxu) and replug';

const PERMISSION_ADVICE =
  'install the udev rule (librtlsdr0/rtl-sdr package: /lib/udev/rules.d/60-librtlsdr0.rules), replug the dongle, ' +
  'or add the user to plugdev (sudo usermod -aG plugdev $USER, then log in again)';

/** Context for {@link mapNativeError}: which device and what was being done. */
export interface NativeErrorContext {
  /** e.g. "serial 00000001" or "index 0". */
  device: string;
  /** Devices attached at the time (for DEVICE_NOT_FOUND messages). */
  attached?: readonly RawDeviceInfo[];
  /** The value being set, with unit, e.g. "100000000 Hz". */
  value?: string;
}

/**
 * Turns an addon error into a QuietBandError with a code and advice:
 * open -6/-16 → DEVICE_BUSY; -3/-13 → PERMISSION; serial/index not found → DEVICE_NOT_FOUND (listing what is
 * attached); -4 (LIBUSB_ERROR_NO_DEVICE) or a stream that ended by itself → DISCONNECTED; an invalid sample rate
 * (-22) or an unsupported feature → CONFIG; any other librtlsdr failure → USB_TRANSFER. Non-addon errors pass
 * through wrapped as IO.
 */
export function mapNativeError(err: unknown, ctx: NativeErrorContext): QuietBandError {
  if (err instanceof QuietBandError) return err;
  const e = err as Partial<RawNativeError> | undefined;
  const code = e?.code;
  const rc = e?.errno ?? 0;
  const call = e?.call ?? '';
  const what = `RTL-SDR ${ctx.device}`;
  const opts = { cause: err };
  if (code === 'ERR_UNSUPPORTED') return new QuietBandError(`${what}: ${e?.message}`, 'CONFIG', opts);
  if (code !== 'ERR_LIBRTLSDR') {
    return new QuietBandError(`${what}: ${e?.message ?? String(err)}`, 'IO', opts);
  }
  if (e?.disconnected) {
    return new QuietBandError(
      `${what} stopped delivering samples (rtlsdr_read_async returned ${rc} without stop()): the dongle was unplugged ` +
        'or hung; reopen it by serial (replug if it does not come back)',
      'DISCONNECTED',
      { ...opts, disconnected: true },
    );
  }
  if (call === 'rtlsdr_get_index_by_serial' || (call === 'rtlsdr_open' && (rc === -1 || rc === LIBUSB_ERROR_NO_DEVICE))) {
    const attached = ctx.attached ? describeAttached(ctx.attached) : 'unknown';
    const advice = ctx.attached && ctx.attached.length === 0 ? `; ${NO_DEVICE_ADVICE}` : '';
    return new QuietBandError(`${what} not found; attached: ${attached}${advice}`, 'DEVICE_NOT_FOUND', opts);
  }
  if (call === 'rtlsdr_open' && (rc === LIBUSB_ERROR_BUSY || rc === EBUSY)) {
    return new QuietBandError(`${what} is busy (usb_claim_interface error ${rc}): ${BUSY_ADVICE}`, 'DEVICE_BUSY', opts);
  }
  if (call === 'rtlsdr_open' && (rc === LIBUSB_ERROR_ACCESS || rc === EACCES)) {
    return new QuietBandError(`no permission to open ${what} (usb_open error ${rc}): ${PERMISSION_ADVICE}`, 'PERMISSION', opts);
  }
  if (rc === LIBUSB_ERROR_NO_DEVICE) {
    return new QuietBandError(`${what} is gone (${call} failed with ${rc}): reopen it by serial`, 'DISCONNECTED', {
      ...opts,
      disconnected: true,
    });
  }
  if (call === 'rtlsdr_set_sample_rate' && rc === EINVAL) {
    return new QuietBandError(
      `${what} rejected sample rate ${ctx.value ?? '?'}: valid rates are 225001–300000 and 900001–3200000 S/s ` +
        '(above 2400000 S/s most hosts lose samples)',
      'CONFIG',
      opts,
    );
  }
  if (call === 'rtlsdr_set_offset_tuning' && (rc === -2 || rc === -3)) {
    const why = rc === -2 ? 'the R820T/R828D tuner does not support offset tuning' : 'offset tuning is unavailable in direct sampling mode';
    return new QuietBandError(`${what}: ${why}`, 'CONFIG', opts);
  }
  const value = ctx.value ? ` (value ${ctx.value})` : '';
  return new QuietBandError(
    `${what}: ${call} failed with ${rc}${value}: check the USB connection and the dongle's power supply`,
    'USB_TRANSFER',
    opts,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// RtlSdrDevice
// ---------------------------------------------------------------------------------------------------------------

/** Which dongle to open: by serial (preferred: indexes change on replug) or by librtlsdr index. */
export type RtlSdrTarget = { serial: string; index?: undefined } | { index: number; serial?: undefined };

/** Lifecycle: closed → open ⇄ streaming → stopping → open → closed. */
export type RtlSdrState = 'closed' | 'open' | 'streaming' | 'stopping';

/** Identity and tuner of an open dongle (the raw open's, with the tuner named and its gains in dB). */
export interface RtlSdrDeviceInfo extends Omit<RawOpenInfo, 'gainsTenthDb'> {
  /** e.g. "R820T". */
  tunerName: string;
  /** The tuner's gain steps (dB). */
  gainsDb: number[];
}

/**
 * A received block: a view into the pool slot. Valid until {@link RtlSdrDevice.release} (or until the consumer
 * returns from onBlock, for consumers that release there). The object is reused for the same slot.
 */
export interface RtlSdrBlock {
  slot: number;
  /** Raw cu8 bytes (I,Q interleaved, offset 127.5); length = bytes in this block. */
  data: Uint8Array;
  /** Block number since start(); a gap means blocks were dropped before this one. */
  seq: number;
  /** Stream bytes produced before this block since start() (dropped blocks included): sample index = byteOffset / 2. */
  byteOffset: number;
}

/** Callbacks of {@link RtlSdrDevice.start}. */
export interface RtlSdrStreamHandlers {
  /**
   * Every delivered block, in order. Call `device.release(block)` when its bytes are no longer needed. Blocks already
   * in flight still arrive after stop() was called, until onEnd.
   */
  onBlock(block: RtlSdrBlock): void;
  /** Once, after the last block: null after stop(), a DISCONNECTED QuietBandError when the stream ended by itself. */
  onEnd(error: QuietBandError | null): void;
}

/** Streaming options of {@link RtlSdrDevice.start}. */
export interface RtlSdrStreamOptions {
  /** Bytes per block (multiple of 512; default 262144 = 131072 samples). */
  bufferBytes?: number;
  /** Pool slots (default 16): when the consumer holds every slot, new blocks are dropped and counted. */
  poolSlots?: number;
  /** USB transfers in flight (0 = librtlsdr's default of 15). */
  usbBuffers?: number;
}

/** Dependencies, injectable for tests. */
export interface RtlSdrDeviceDeps {
  binding?: RtlSdrBinding;
}

/**
 * One RTL-SDR dongle over the addon. Commands (set*) are serialised in call order; each resolves after librtlsdr
 * returned. Errors are QuietBandErrors with codes and advice (see {@link mapNativeError}).
 */
export class RtlSdrDevice {
  /**
   * Opens a dongle by serial (preferred) or index.
   * @throws QuietBandError DEVICE_NOT_FOUND (message lists what is attached), DEVICE_BUSY, PERMISSION,
   *   NATIVE_UNAVAILABLE (addon not built), CONFIG (bad target)
   */
  static async open(target: RtlSdrTarget, deps: RtlSdrDeviceDeps = {}): Promise<RtlSdrDevice> {
    const binding = deps.binding ?? loadRtlSdr();
    const label = target.serial !== undefined ? `serial ${target.serial}` : `index ${target.index}`;
    if (target.serial !== undefined ? target.serial.length === 0 : !(Number.isInteger(target.index) && (target.index as number) >= 0)) {
      throw new QuietBandError(`RTL-SDR target ${label}: expected a non-empty serial or an index ≥ 0`, 'CONFIG');
    }
    const raw = new binding.RtlSdrDevice();
    let info: RawOpenInfo;
    try {
      info = await raw.open(target.serial !== undefined ? { serial: target.serial } : { index: target.index as number });
    } catch (err) {
      let attached: RawDeviceInfo[] | undefined;
      try {
        attached = await binding.listDevices();
      } catch {
        attached = undefined;
      }
      throw mapNativeError(err, { device: label, attached });
    }
    return new RtlSdrDevice(binding, raw, info);
  }

  readonly info: RtlSdrDeviceInfo;
  private readonly binding: RtlSdrBinding;
  private readonly raw: RawRtlSdrDevice;
  private currentState: RtlSdrState = 'open';
  private queue: Promise<unknown> = Promise.resolve();
  private stopping: Promise<void> | null = null;
  private endWaiter: (() => void) | null = null;
  private blocks: RtlSdrBlock[] = [];
  private handlers: RtlSdrStreamHandlers | null = null;

  private constructor(binding: RtlSdrBinding, raw: RawRtlSdrDevice, info: RawOpenInfo) {
    this.binding = binding;
    this.raw = raw;
    this.info = {
      index: info.index,
      name: info.name,
      manufacturer: info.manufacturer,
      product: info.product,
      serial: info.serial,
      tunerType: info.tunerType,
      tunerName: tunerName(info.tunerType),
      gainsDb: info.gainsTenthDb.map((g) => g / 10),
    };
  }

  /** Current lifecycle state. */
  get state(): RtlSdrState {
    return this.currentState;
  }

  /** True unless closed. */
  get isOpen(): boolean {
    return this.currentState !== 'closed';
  }

  /** True while blocks may still arrive (streaming or stopping). */
  get isStreaming(): boolean {
    return this.currentState === 'streaming' || this.currentState === 'stopping';
  }

  /** "serial X" for messages. */
  get label(): string {
    return `serial ${this.info.serial || `(none, index ${this.info.index})`}`;
  }

  /** True when the loaded librtlsdr exports rtlsdr_set_bias_tee. */
  get biasTeeSupported(): boolean {
    return this.binding.biasTeeSupported;
  }

  /**
   * Sets the sample rate (S/s; validated first: 225001–300000 or 900001–3200000).
   * @returns the rate librtlsdr reports (integer S/s); the exact rate is {@link exactSampleRateSps}.
   * @throws QuietBandError CONFIG for an invalid rate, DISCONNECTED, USB_TRANSFER
   */
  setSampleRate(rateSps: number): Promise<number> {
    if (!isValidSampleRate(rateSps)) {
      return Promise.reject(
        new QuietBandError(
          `RTL-SDR ${this.label}: sample rate ${rateSps} S/s is invalid: valid rates are integers in 225001–300000 and 900001–3200000 S/s`,
          'CONFIG',
        ),
      );
    }
    return this.command(`${rateSps} S/s`, () => this.raw.setSampleRate(rateSps));
  }

  /**
   * Tunes to `centerHz` (integer Hz, 1..4294967295).
   * @returns the read-back centre (rtlsdr_get_center_freq, Hz).
   * @throws QuietBandError CONFIG for a value out of range, DISCONNECTED, USB_TRANSFER
   */
  setCenterFreq(centerHz: number): Promise<number> {
    if (!Number.isInteger(centerHz) || centerHz < 1 || centerHz > 0xffffffff) {
      return Promise.reject(new QuietBandError(`RTL-SDR ${this.label}: centre frequency ${centerHz} Hz must be an integer in 1..4294967295`, 'CONFIG'));
    }
    return this.command(`${centerHz} Hz`, () => this.raw.setCenterFreq(centerHz));
  }

  /**
   * Sets the tuner gain: 'auto' selects tuner AGC (gain mode 0); a number (dB) selects manual mode and the nearest
   * step of the tuner's own gain list ({@link snapGainDb}).
   * @returns 'auto' or the gain set (dB, as read back).
   */
  async setGain(gainDb: number | 'auto'): Promise<number | 'auto'> {
    if (gainDb === 'auto') {
      await this.command('auto', () => this.raw.setTunerGainMode(false));
      return 'auto';
    }
    if (!Number.isFinite(gainDb)) {
      throw new QuietBandError(`RTL-SDR ${this.label}: gain ${gainDb} dB must be a number or "auto"`, 'CONFIG');
    }
    const snapped = snapGainDb(this.info.gainsDb, gainDb);
    await this.command('manual', () => this.raw.setTunerGainMode(true));
    const tenths = await this.command(`${snapped} dB`, () => this.raw.setTunerGain(Math.round(snapped * 10)));
    return tenths / 10;
  }

  /** Sets the frequency correction (integer ppm, −1000..1000). */
  setFreqCorrection(ppm: number): Promise<void> {
    if (!Number.isInteger(ppm) || Math.abs(ppm) > 1000) {
      return Promise.reject(new QuietBandError(`RTL-SDR ${this.label}: ppm ${ppm} must be an integer in −1000..1000`, 'CONFIG'));
    }
    return this.command(`${ppm} ppm`, () => this.raw.setFreqCorrection(ppm));
  }

  /** Turns the RTL2832's digital AGC on or off (keep it off for calibrated levels; docs/field-notes.md §4). */
  setAgcMode(on: boolean): Promise<void> {
    return this.command(on ? 'on' : 'off', () => this.raw.setAgcMode(on));
  }

  /**
   * Turns the bias tee (5 V on the antenna port, GPIO 0) on or off.
   * @throws QuietBandError CONFIG when this librtlsdr has no rtlsdr_set_bias_tee
   */
  setBiasTee(on: boolean): Promise<void> {
    return this.command(on ? 'on' : 'off', () => this.raw.setBiasTee(on));
  }

  /** Direct sampling: 0 off, 1 I-ADC input, 2 Q-ADC input (HF on modded dongles / V3). */
  setDirectSampling(mode: 0 | 1 | 2): Promise<void> {
    return this.command(`mode ${mode}`, () => this.raw.setDirectSampling(mode));
  }

  /** Offset tuning (E4000 only; CONFIG error on R820T/R828D). */
  setOffsetTuning(on: boolean): Promise<void> {
    return this.command(on ? 'on' : 'off', () => this.raw.setOffsetTuning(on));
  }

  /** The tuner's gain steps (dB). */
  getTunerGains(): number[] {
    return this.info.gainsDb.slice();
  }

  /** enum rtlsdr_tuner value (see {@link TUNER_NAMES}). */
  getTunerType(): number {
    return this.info.tunerType;
  }

  /**
   * Starts streaming. Blocks are handed to `handlers.onBlock` from a bounded pool: hold at most `poolSlots` blocks
   * (release each with {@link release}) or new ones are dropped and counted in {@link stats}.
   * @throws Error when not open or already streaming (a programming error, not a device error)
   */
  start(handlers: RtlSdrStreamHandlers, options: RtlSdrStreamOptions = {}): void {
    if (this.currentState !== 'open') {
      throw new Error(`RTL-SDR ${this.label}: start() refused in state ${this.currentState}`);
    }
    const bufferBytes = options.bufferBytes ?? 262144;
    const poolSlots = options.poolSlots ?? 16;
    const fullViews: Uint8Array[] = []; // one view per slot, made once: no allocation per block
    const onBlock = (slot: number, length: number, seq: number, byteOffset: number): void => {
      const block = this.blocks[slot] as RtlSdrBlock;
      if (this.handlers === null) {
        this.raw.releaseSlot(slot);
        return;
      }
      block.data = length === bufferBytes ? (fullViews[slot] as Uint8Array) : (fullViews[slot] as Uint8Array).subarray(0, length);
      block.seq = seq;
      block.byteOffset = byteOffset;
      try {
        this.handlers.onBlock(block);
      } catch (err) {
        this.raw.releaseSlot(slot);
        process.nextTick(() => {
          throw err;
        });
      }
    };
    const onEnd = (error: RawNativeError | null): void => {
      const handlers = this.handlers;
      this.handlers = null;
      if (this.currentState !== 'closed') this.currentState = 'open';
      const waiter = this.endWaiter;
      this.endWaiter = null;
      if (waiter) waiter();
      handlers?.onEnd(error ? mapNativeError(error, { device: this.label }) : null);
    };
    let pool: ArrayBuffer;
    try {
      pool = this.raw.start({ bufferBytes, poolSlots, usbBuffers: options.usbBuffers ?? 0 }, onBlock, onEnd);
    } catch (err) {
      throw mapNativeError(err, { device: this.label });
    }
    this.blocks = [];
    for (let i = 0; i < poolSlots; i++) {
      fullViews.push(new Uint8Array(pool, i * bufferBytes, bufferBytes));
      this.blocks.push({ slot: i, data: fullViews[i] as Uint8Array, seq: 0, byteOffset: 0 });
    }
    this.handlers = handlers;
    this.currentState = 'streaming';
  }

  /** Returns a block's slot to the pool (idempotent; a no-op after the stream ended). */
  release(block: RtlSdrBlock | number): void {
    this.raw.releaseSlot(typeof block === 'number' ? block : block.slot);
  }

  /**
   * Stops streaming: rtlsdr_cancel_async, waits until the read thread finished and the last block and onEnd were
   * delivered. Idempotent; a no-op when not streaming.
   * @throws QuietBandError USB_TRANSFER when librtlsdr does not return within 10 s (hung USB)
   */
  stop(): Promise<void> {
    if (this.currentState === 'stopping' && this.stopping) return this.stopping;
    if (this.currentState !== 'streaming') return Promise.resolve();
    this.currentState = 'stopping';
    const ended = new Promise<void>((resolve) => {
      this.endWaiter = resolve;
    });
    this.stopping = (async () => {
      try {
        await this.raw.stop();
      } catch (err) {
        const e = err as RawNativeError;
        throw new QuietBandError(`RTL-SDR ${this.label}: ${e.message}`, 'USB_TRANSFER', { cause: err, disconnected: true });
      }
      await ended;
    })().finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  /**
   * Closes the dongle. Idempotent (closing a closed device resolves).
   * @throws Error while streaming or stopping: call stop() first
   */
  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    if (this.currentState !== 'open') {
      throw new Error(`RTL-SDR ${this.label}: close() refused while ${this.currentState}: call stop() first`);
    }
    this.currentState = 'closed';
    await this.queue; // let queued commands finish (the addon refuses close with a pending call)
    try {
      await this.raw.close();
    } catch (err) {
      throw mapNativeError(err, { device: this.label });
    }
  }

  /** Counters of the current or last stream (blocks/bytes produced, delivered, dropped; slots in use). */
  stats(): RawStreamStats {
    return this.raw.stats();
  }

  /** Keeps the event loop alive while streaming (default). */
  ref(): void {
    this.raw.ref();
  }

  /** Lets the process exit while streaming. */
  unref(): void {
    this.raw.unref();
  }

  /** Runs native calls one at a time, in call order; maps errors. */
  private command<T>(value: string, fn: () => Promise<T>): Promise<T> {
    if (this.currentState === 'closed') {
      return Promise.reject(new QuietBandError(`RTL-SDR ${this.label} is closed`, 'IO'));
    }
    const run = async (): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        throw mapNativeError(err, { device: this.label, value });
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }
}

/**
 * Lists attached dongles (no device is opened).
 * @throws QuietBandError('NATIVE_UNAVAILABLE') when the addon is not built
 */
export async function listRtlSdrDevices(deps: RtlSdrDeviceDeps = {}): Promise<RawDeviceInfo[]> {
  const binding = deps.binding ?? loadRtlSdr();
  return await binding.listDevices();
}
