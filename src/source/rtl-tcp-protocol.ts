// rtl_tcp wire protocol: the 12-byte dongle-info header and the 5-byte big-endian client commands.

import { QuietBandError } from '../errors.js';
import { errorTextIn, type ErrorMessageCode } from '../error-text.js';

/**
 * Length of the `dongle_info` header rtl_tcp sends on accept: magic `"RTL0"` (4 bytes), `tuner_type`
 * (uint32 BE), `tuner_gain_count` (uint32 BE). Source: osmocom rtl-sdr `src/rtl_tcp.c` (`dongle_info_t`,
 * fields written with `htonl`); docs/field-notes.md §9.
 */
export const RTL_TCP_HEADER_BYTES = 12;

/** The 4 magic bytes `"RTL0"` that open every rtl_tcp stream. */
export const RTL_TCP_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x52, 0x54, 0x4c, 0x30);

/** Length of one client→server command: 1-byte id + uint32 BE parameter, no padding (rtl_tcp.c `struct command`, packed). */
export const RTL_TCP_COMMAND_BYTES = 5;

/**
 * Client→server command ids. Source: osmocom rtl-sdr `src/rtl_tcp.c` `command_worker()` switch
 * (the strings "set freq %d" … "set bias tee %d" in Debian's `/usr/bin/rtl_tcp`); librtlsdr#26.
 */
export const RtlTcpCommand = {
  /** 0x01 centre frequency, Hz (uint32). */
  SET_FREQ: 0x01,
  /** 0x02 sample rate, S/s (uint32). */
  SET_SAMPLE_RATE: 0x02,
  /** 0x03 tuner gain mode: 0 = automatic, 1 = manual (manual gain only applies after this). */
  SET_GAIN_MODE: 0x03,
  /** 0x04 tuner gain in tenths of a dB (int32; librtlsdr snaps it to the tuner's nearest step). */
  SET_GAIN: 0x04,
  /** 0x05 frequency correction, ppm (int32). */
  SET_FREQ_CORRECTION: 0x05,
  /** 0x06 IF stage gain: stage in the high 16 bits, tenths of dB in the low 16 bits. */
  SET_IF_GAIN: 0x06,
  /** 0x07 RTL2832 test mode (counter instead of samples): 0/1. */
  SET_TEST_MODE: 0x07,
  /** 0x08 RTL2832 digital AGC: 0/1. */
  SET_AGC_MODE: 0x08,
  /** 0x09 direct sampling: 0 off, 1 I branch, 2 Q branch. */
  SET_DIRECT_SAMPLING: 0x09,
  /** 0x0a offset tuning (E4000 only): 0/1. */
  SET_OFFSET_TUNING: 0x0a,
  /** 0x0b RTL2832 crystal frequency, Hz. */
  SET_RTL_XTAL: 0x0b,
  /** 0x0c tuner crystal frequency, Hz. */
  SET_TUNER_XTAL: 0x0c,
  /** 0x0d tuner gain by index into the tuner's gain table. */
  SET_GAIN_BY_INDEX: 0x0d,
  /** 0x0e bias-tee on GPIO 0: 0/1. */
  SET_BIAS_TEE: 0x0e,
} as const;

/** Numeric command id, one of {@link RtlTcpCommand}'s values. */
export type RtlTcpCommandId = (typeof RtlTcpCommand)[keyof typeof RtlTcpCommand];

/**
 * Tuner names by `tuner_type` (librtlsdr `enum rtlsdr_tuner` in rtl-sdr.h: 0 unknown … 6 R828D).
 * An RTL-SDR Blog V4 reports R828D (docs/field-notes.md §9).
 */
export const RTL_TUNER_NAMES: readonly string[] = ['unknown', 'E4000', 'FC0012', 'FC0013', 'FC2580', 'R820T', 'R828D'];

/** What the 12-byte header says about the dongle behind the server. */
export interface RtlTcpDongleInfo {
  /** librtlsdr `enum rtlsdr_tuner` value (0 = unknown). */
  tunerType: number;
  /** Human name from {@link RTL_TUNER_NAMES}, or `type <n>` for values outside the enum. */
  tunerName: string;
  /** Number of discrete tuner gains (the list itself is not sent over the protocol; welle.io#146). */
  tunerGainCount: number;
}

/**
 * Index of the first byte of `bytes[0..length)` that differs from {@link RTL_TCP_MAGIC}, or -1 when the
 * (possibly partial, length < 4) prefix matches. Lets a client reject a non-rtl_tcp peer after one byte.
 */
export function magicMismatchIndex(bytes: Uint8Array, length: number): number {
  const n = Math.min(length, RTL_TCP_MAGIC.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== RTL_TCP_MAGIC[i]) return i;
  return -1;
}

/**
 * Renders the first bytes a peer sent, for an error message: printable ASCII as text, the rest as `\xNN`,
 * e.g. `"HTTP/1.1 400 Bad"`. At most `maxBytes` bytes are shown.
 */
export function describePeerBytes(bytes: Uint8Array, length: number, maxBytes = 16): string {
  let out = '';
  const n = Math.min(length, maxBytes);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `"${out}"${length > n ? '…' : ''}`;
}

/** The `NOT_RTL_TCP` error for a peer at `<host>:<port>` whose first bytes are not `"RTL0"` (docs/field-notes.md §9, §10). */
export function notRtlTcpError(host: string, port: number, bytes: Uint8Array, length: number): QuietBandError {
  return new QuietBandError(
    `${host}:${port} is not an rtl_tcp server (first bytes ${describePeerBytes(bytes, length)}, expected "RTL0"). ` +
      'Check the host and port: rtl_tcp listens on 1234 by default, and another service (a web server, nginx) may hold that port.',
    'NOT_RTL_TCP',
  );
}

/**
 * Parses a complete 12-byte header. Returns the dongle info, or `null` when the magic is not `"RTL0"`
 * (the caller turns that into {@link notRtlTcpError}, which needs the host and port).
 * @param header at least {@link RTL_TCP_HEADER_BYTES} bytes.
 */
export function parseDongleInfo(header: Uint8Array): RtlTcpDongleInfo | null {
  if (header.length < RTL_TCP_HEADER_BYTES) throw new RangeError(`rtl_tcp header needs ${RTL_TCP_HEADER_BYTES} bytes, got ${header.length}`);
  if (magicMismatchIndex(header, 4) !== -1) return null;
  const view = new DataView(header.buffer, header.byteOffset, RTL_TCP_HEADER_BYTES);
  const tunerType = view.getUint32(4, false);
  const tunerGainCount = view.getUint32(8, false);
  return { tunerType, tunerName: RTL_TUNER_NAMES[tunerType] ?? `type ${tunerType}`, tunerGainCount };
}

/**
 * Writes one 5-byte command at `out[offset]`: the id, then `param` as a big-endian 32-bit integer.
 * Negative params (ppm, gain in tenths of a dB) are written as two's complement int32, as rtl_tcp reads
 * them with `ntohl` into an `int`.
 * @returns offset after the command.
 * @throws RangeError when `param` is not an integer in [-2^31, 2^32).
 */
export function writeCommand(out: Uint8Array, offset: number, cmd: RtlTcpCommandId, param: number): number {
  if (!Number.isInteger(param) || param < -0x80000000 || param > 0xffffffff) {
    throw new RangeError(`rtl_tcp command 0x${cmd.toString(16)} parameter ${param} does not fit 32 bits`);
  }
  const u = param < 0 ? param + 0x100000000 : param;
  out[offset] = cmd;
  out[offset + 1] = (u >>> 24) & 0xff;
  out[offset + 2] = (u >>> 16) & 0xff;
  out[offset + 3] = (u >>> 8) & 0xff;
  out[offset + 4] = u & 0xff;
  return offset + RTL_TCP_COMMAND_BYTES;
}

/** The tuner/stream settings a client sends on every (re)connect. */
export interface RtlTcpConfiguration {
  /** Centre frequency (Hz), integer below 2^32 (the protocol has no 64-bit path; sdrangel#2947). */
  centerHz: number;
  /** Sample rate (S/s), integer. */
  rateSps: number;
  /** Manual tuner gain (dB; sent in tenths of a dB after gain mode 1), or 'auto' (gain mode 0). */
  gainDb: number | 'auto';
  /** Frequency correction (ppm), integer. */
  ppm: number;
  /** RTL2832 digital AGC on/off (always sent; off is what monitoring wants, docs/field-notes.md §4). */
  agc: boolean;
  /** Bias-tee on/off; undefined = leave the server's setting alone (no command sent). */
  biasTee?: boolean;
}

/**
 * Encodes the full configuration as consecutive 5-byte commands, in this order:
 * sample rate (0x02), frequency correction (0x05), gain mode (0x03: 1 manual / 0 auto), gain in tenths of a dB
 * (0x04, manual only, always after the mode: docs/field-notes.md §4, welle.io#211), RTL AGC (0x08), bias-tee (0x0e, only when
 * set), and the centre frequency (0x01) last. Frequency goes last (docs/field-notes.md §10) so the tuner PLL is programmed with
 * the final rate and ppm, and rtl_tcp (no acknowledgements) has settled everything once that command lands.
 * @returns a new Buffer of 5·k bytes (called once per connection, not per block).
 * @throws RangeError when a value does not fit the protocol's 32-bit parameter.
 */
export function encodeConfiguration(cfg: RtlTcpConfiguration): Buffer {
  const manual = cfg.gainDb !== 'auto';
  const count = 5 + (manual ? 1 : 0) + (cfg.biasTee !== undefined ? 1 : 0);
  const out = Buffer.alloc(count * RTL_TCP_COMMAND_BYTES);
  let o = 0;
  o = writeCommand(out, o, RtlTcpCommand.SET_SAMPLE_RATE, cfg.rateSps);
  o = writeCommand(out, o, RtlTcpCommand.SET_FREQ_CORRECTION, cfg.ppm);
  o = writeCommand(out, o, RtlTcpCommand.SET_GAIN_MODE, manual ? 1 : 0);
  if (cfg.gainDb !== 'auto') o = writeCommand(out, o, RtlTcpCommand.SET_GAIN, Math.round(cfg.gainDb * 10));
  o = writeCommand(out, o, RtlTcpCommand.SET_AGC_MODE, cfg.agc ? 1 : 0);
  if (cfg.biasTee !== undefined) o = writeCommand(out, o, RtlTcpCommand.SET_BIAS_TEE, cfg.biasTee ? 1 : 0);
  writeCommand(out, o, RtlTcpCommand.SET_FREQ, cfg.centerHz);
  return out;
}

/** One decoded command (for tests and diagnostics): id and the parameter read as int32 BE. */
export interface DecodedRtlTcpCommand {
  cmd: number;
  param: number;
}

/** Decodes whole 5-byte commands from `bytes` (trailing partial bytes are ignored). Inverse of {@link writeCommand}. */
export function decodeCommands(bytes: Uint8Array): DecodedRtlTcpCommand[] {
  const out: DecodedRtlTcpCommand[] = [];
  for (let o = 0; o + RTL_TCP_COMMAND_BYTES <= bytes.length; o += RTL_TCP_COMMAND_BYTES) {
    const param = ((bytes[o + 1]! << 24) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 8) | bytes[o + 4]!) | 0;
    out.push({ cmd: bytes[o]!, param });
  }
  return out;
}

/** Plain words for an error of the socket to the rtl_tcp server at `host`:`port`, keeping the errno code for searching logs. */
export function socketErrorText(err: NodeJS.ErrnoException, host: string, port: number): string {
  const code = socketErrorCode(err, host, port);
  return code !== null ? errorTextIn('en', code) : `${err.code ?? 'socket error'}: ${err.message}`;
}

/**
 * The code (src/error-text.ts `rtltcp.*`: words in English and Chinese) of an error of the socket to the rtl_tcp server
 * at `host`:`port`; null for an errno QuietBand does not word (its text is then the system's).
 */
function socketErrorCode(err: NodeJS.ErrnoException, host: string, port: number): ErrorMessageCode | null {
  const where = `${host}:${port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return { id: 'rtltcp.refused', params: { where } };
    case 'ECONNRESET':
      return { id: 'rtltcp.reset' };
    case 'EPIPE':
      return { id: 'rtltcp.pipe' };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { id: 'rtltcp.unreachable', params: { where, errno: err.code } };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { id: 'rtltcp.hostNotFound', params: { host, errno: err.code } };
    default:
      return null;
  }
}
