// Options, states and health of an RtlTcpSource: the option schema with its defaults, the settle window, the health shape.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { z } from 'zod';
import { QuietBandError } from '../errors.js';
import type { IqSourceHealth } from '../types.js';
import { parseSourceOptions } from './source-options.js';

/**
 * Samples in one librtlsdr USB transfer as rtl_tcp uses it (`rtlsdr_read_async(..., buf_len = 0)` → the library
 * default 16 × 32 × 512 = 262144 bytes = 131072 complex samples; rtl-sdr.h / librtlsdr.c `DEFAULT_BUF_LENGTH`).
 * rtl_tcp forwards whole transfers, so the first one after a connect can be entirely pre-configuration data.
 */
export const RTL_TCP_TRANSFER_SAMPLES = 131072;

/** Settle time (s) discarded after each (re)configuration, on top of one transfer (docs/field-notes.md §2, §10). */
export const RTL_TCP_SETTLE_S = 0.25;

/**
 * Default samples to discard after each (re)configuration: `ceil(rateSps × 0.25 s) + max(blockSamples, 131072)`.
 * rtl_tcp streams at its start-up settings (2.048 MS/s, auto gain, `-f` frequency) until our commands land and
 * sends no acknowledgement (urh#209, docs/field-notes.md §2), and pre-command samples sit in the transfer already queued
 * (dsd-neo PR#283: buffered back-ends need the full window). So we drop a time window (hundreds of ms,
 * docs/field-notes.md §10) plus one whole USB transfer — well above the minimum of `rateSps × 0.05 + blockSamples`.
 * @param rateSps configured sample rate (S/s).
 * @param blockSamples block length (complex samples).
 */
export function defaultSettleSamples(rateSps: number, blockSamples: number): number {
  return Math.ceil(rateSps * RTL_TCP_SETTLE_S) + Math.max(blockSamples, RTL_TCP_TRANSFER_SAMPLES);
}

/** Fastest rate (S/s) of an RTL2832U: the shortest transfer period a server's start-up rate (unknown to us) can give. */
const RTL_MAX_RATE_SPS = 3_200_000;

/**
 * Time (ms) allowed for rtl_tcp to apply our rate command after it arrives: its command thread wakes from select()
 * at once, and the rate is our first command (a few USB control writes on a dongle; 50 ms leaves room for a busy host).
 */
export const RTL_TCP_COMMAND_MARGIN_MS = 50;

/**
 * Connection byte position (after the header) from which an rtl_tcp stream is at the configured rate for sure: where
 * the loss accounting (UpstreamLossTracker, rtl-tcp-loss.ts) starts, so that a transfer lost later in the settle window is
 * counted too. rtl_tcp 0.6 sends its header, then starts `rtlsdr_read_async` and forwards whole transfers, so
 * transfer k of the connection starts at byte 2 × 131072 × k and was begun k transfer periods after the header left
 * the server. Our configuration reaches the server at most `roundTripMs` after that (measured from our connect
 * attempt to the header's arrival: the TCP handshake's round trip plus the header's way back, more than one round
 * trip), and the rate command takes effect within {@link RTL_TCP_COMMAND_MARGIN_MS}. The server's start-up rate is
 * unknown, so the period is taken at the fastest rate (41 ms): the first transfer begun after that is
 * k = 1 + ceil((roundTripMs + margin) / 41 ms) (3 on a loopback: 0.16 s of a 2.4 MS/s stream, whose settle is 0.30 s).
 * Never after the end of the settle (2 × `settleSamples`): the settle already assumes the configuration has landed.
 * Samples lost before this position are not counted (they cannot be told from a rate change).
 * @param roundTripMs time (ms) from the connect attempt to the header's arrival
 * @param settleSamples samples discarded after the configuration
 */
export function lossOriginBytes(roundTripMs: number, settleSamples: number): number {
  const periodMs = (RTL_TCP_TRANSFER_SAMPLES / RTL_MAX_RATE_SPS) * 1000;
  const transfer = 1 + Math.ceil((Math.max(0, roundTripMs) + RTL_TCP_COMMAND_MARGIN_MS) / periodMs);
  return Math.min(2 * settleSamples, 2 * RTL_TCP_TRANSFER_SAMPLES * transfer);
}

/** Lifecycle of an {@link RtlTcpSource}. */
export type RtlTcpState =
  | 'idle' // constructed, blocks() not called yet
  | 'connecting' // TCP connect in progress
  | 'handshake' // connected, waiting for the 12-byte header
  | 'settling' // configured, discarding settleSamples
  | 'streaming' // delivering blocks
  | 'backoff' // offline, waiting to reconnect
  | 'failed' // configuration error (NOT_RTL_TCP): no more reconnects
  | 'closed'; // close() called

/** Health snapshot of an rtl_tcp source (what the UI's sensor status shows). */
export interface RtlTcpHealth extends IqSourceHealth {
  /** `rtltcp:<host>:<port>`. */
  label: string;
  state: RtlTcpState;
  /** True while connected to a server that passed the header check (settling or streaming). */
  online: boolean;
  /** Connections that passed the header check (each one was fully reconfigured). */
  connects: number;
  /** TCP connection attempts, successful or not. */
  connectAttempts: number;
  /** Tune generation of the current/last connection (0 for the first; +1 per reconnect). */
  tuneId: number;
  /** Tuner reported by the last header (`R820T`, `R828D`, …), null before the first header. */
  tunerName: string | null;
  /** Number of tuner gains reported by the last header, null before the first header. */
  tunerGainCount: number | null;
  /** Rate sent to the server (S/s). */
  configuredRateSps: number;
  /**
   * Delivered rate over the last `rateWindowMs` (S/s), null until a full window has been seen on this connection: the
   * samples received from the server, and those counted lost upstream (`samplesLost`) as of their count, so that a
   * counted loss is not read as a shortfall as well.
   */
  achievedRateSps: number | null;
  /** Length of the rate window (ms). */
  rateWindowMs: number;
  /**
   * True while achievedRateSps < rateShortfallRatio × configuredRateSps (confirmed over a quarter window, both ways):
   * samples are being lost or trimmed (server backlog, slow link, slow consumer) and not yet counted as a loss. Blocks
   * filled meanwhile carry `discontinuity: true`. False while offline (see `online`).
   */
  rateShortfall: boolean;
  /**
   * Complex samples lost upstream since the source was created (rtl_tcp freed queued transfers past its `-n`, or the
   * dongle overflowed), found from bytes against the clock (UpstreamLossTracker, rtl-tcp-loss.ts): the blocks after each loss
   * start that much later (firstSample) and the first of them carries `discontinuity: true`.
   */
  samplesLost: number;
  /**
   * Samples the server has produced that have not arrived: waiting upstream (the transfer being filled, rtl_tcp's
   * queue, the socket buffers) or lost and not counted yet, which the byte stream cannot tell apart until the client
   * catches up or the backlog passes its bound (`serverQueueTransfers`, `socketBufferBytes`). Null while not streaming
   * and in the first two seconds of a connection (no floor yet: unknown, not 0).
   */
  samplesBehindOrLost: number | null;
  /** Whole 131072-sample transfers among {@link samplesLost}. */
  transfersLost: number;
  /** Losses found (each one gap, of one or more transfers or an odd size). */
  upstreamGaps: number;
  /** Bytes received from the server, all connections, headers included. */
  bytesReceived: number;
  /** Complex samples handed out in blocks. */
  samplesDelivered: number;
  /** Complex samples received but discarded (settle windows, partial blocks cut by a disconnect). */
  samplesDiscarded: number;
  /** Milliseconds since the last byte from any server, null before the first. */
  lastDataAgeMs: number | null;
  /** When state is 'backoff': the delay (ms) chosen before the next attempt; otherwise null. */
  reconnectDelayMs: number | null;
  /** Last connection problem in plain words (refused, stall, server closed, not rtl_tcp), null if none yet. */
  lastError: string | null;
}

const intIn = (min: number, max: number) => z.number().int().min(min).max(max);

/** zod schema of {@link RtlTcpSourceOptions}; unknown keys are rejected. */
export const rtlTcpSourceOptionsSchema = z
  .object({
    host: z.string().min(1),
    port: intIn(1, 65535),
    centerHz: intIn(1, 0xffffffff),
    rateSps: intIn(1, 0xffffffff),
    gainDb: z.union([z.number().finite().min(-100).max(100), z.literal('auto')]),
    ppm: intIn(-1000, 1000).default(0),
    agc: z.boolean().default(false),
    biasTee: z.boolean().optional(),
    blockSamples: intIn(1, 1 << 22).default(16384),
    ringBlocks: intIn(2, 4096).default(8),
    stallTimeoutMs: z.number().positive().default(2000),
    reconnectInitialMs: z.number().positive().default(250),
    reconnectMaxMs: z.number().positive().default(10_000),
    settleSamples: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
    retuneSkipsBacklog: z.boolean().default(true),
    rateWindowMs: z.number().positive().default(5000),
    rateShortfallRatio: z.number().gt(0).max(1).default(0.95),
    healthIntervalMs: z.number().positive().default(1000),
    serverQueueTransfers: intIn(0, 1_000_000).default(500),
    socketBufferBytes: intIn(0, Number.MAX_SAFE_INTEGER).optional(),
    logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).child === 'function').optional(),
    onHealth: z.custom<(health: RtlTcpHealth) => void>((v) => typeof v === 'function').optional(),
  })
  .strict();

/**
 * Options of {@link RtlTcpSource}. Units are in the names; defaults in brackets.
 * - `host`, `port`: the rtl_tcp server (Debian's `rtl_tcp -a <addr> -p <port>`, default port 1234).
 * - `centerHz`: centre frequency (Hz, integer < 2^32). `rateSps`: sample rate (S/s, integer; an RTL-SDR accepts
 *   225001–300000 and 900001–3200000, anything else is only logged as a warning since other servers speak the protocol).
 * - `gainDb`: manual tuner gain in dB (sent as gain mode 1 then tenths of a dB) or `'auto'` (gain mode 0; not for
 *   baselines, docs/field-notes.md §4). `ppm` [0]: integer correction, sent on every connect (docs/field-notes.md §6).
 * - `agc` [false]: RTL2832 digital AGC, always sent. `biasTee` [unset]: sent only when given.
 * - `blockSamples` [16384]: complex samples per yielded block. `ringBlocks` [8]: blocks buffered between the socket
 *   and the consumer; when full the socket is paused (TCP back-pressure; the server then queues, and a lasting
 *   shortfall shows in `rateShortfall`).
 * - `stallTimeoutMs` [2000]: no byte for this long (also: connect or header taking this long) → drop and reconnect.
 *   Must exceed one transfer period (262144 bytes at the rate: 0.52 s at 250 kS/s).
 * - `reconnectInitialMs` [250], `reconnectMaxMs` [10000]: doubling backoff without jitter ({@link Backoff}); it restarts from the
 *   initial delay once a connection has delivered a whole block after settling.
 * - `settleSamples` [{@link defaultSettleSamples}]: samples discarded after each (re)configuration.
 * - `retuneSkipsBacklog` [true]: a retune also skips the samples estimated to wait upstream ({@link RtlTcpSource.backlogSamples};
 *   it assumes a server that produces at the configured rate, as rtl_tcp does; false for test servers that do not).
 * - `rateWindowMs` [5000], `rateShortfallRatio` [0.95]: achieved-rate window ({@link SampleRateMeter}) and the
 *   shortfall threshold; judged from one full window after settling, a change is confirmed over a quarter window.
 * - `healthIntervalMs` [1000]: period of `onHealth` calls (also called on every state change).
 * - `serverQueueTransfers` [500]: the server's `rtl_tcp -n` (its default 500; 0 = unbounded), and `socketBufferBytes`
 *   [this machine's tcp_rmem + tcp_wmem maxima, {@link defaultSocketBufferBytes}]: together the most that can wait
 *   upstream ({@link upstreamBacklogBoundSamples}); a client further behind than that has lost the rest for sure, and
 *   it is counted at once instead of when the client catches up.
 * - `logger`: pino logger (a child with `{ source: 'rtl_tcp', server }` is used); silent when absent.
 */
export type RtlTcpSourceOptions = z.input<typeof rtlTcpSourceOptionsSchema>;

/** {@link RtlTcpSourceOptions} with every default filled in (`settleSamples`, `socketBufferBytes` too). */
export type ResolvedRtlTcpOptions = z.output<typeof rtlTcpSourceOptionsSchema> & { settleSamples: number; socketBufferBytes: number };

/**
 * Bytes the TCP buffers of one connection can hold at most: this machine's receive maximum plus its send maximum
 * (`/proc/sys/net/ipv4/tcp_rmem` and `tcp_wmem`, third fields: what autotuning may grow to), taken for the server's
 * send side too; Linux's defaults (6 MiB + 4 MiB) when those files cannot be read.
 */
export function defaultSocketBufferBytes(): number {
  const max = (file: string, fallback: number): number => {
    try {
      const v = Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
      return Number.isInteger(v) && v > 0 ? v : fallback;
    } catch {
      return fallback;
    }
  };
  return max('/proc/sys/net/ipv4/tcp_rmem', 6 << 20) + max('/proc/sys/net/ipv4/tcp_wmem', 4 << 20);
}

/**
 * Most samples that can wait between a dongle and an rtl_tcp client (Infinity for `-n 0`, rtl_tcp's unbounded queue).
 * rtl_tcp 0.6 (`rtl_tcp.c`): the callback frees the oldest queued transfer when its list holds `n` + 3, so the list
 * keeps at most `n` + 3 transfers; the sending thread takes the whole list at once, so it may hold as many again; one
 * more is being filled. Then the socket buffers, and 64 KiB for what Node has read but not handed over.
 * @param queueTransfers rtl_tcp's `-n`
 * @param socketBufferBytes the TCP buffers' maximum (bytes)
 */
export function upstreamBacklogBoundSamples(queueTransfers: number, socketBufferBytes: number): number {
  if (queueTransfers === 0) return Infinity;
  return (2 * (queueTransfers + 3) + 1) * RTL_TCP_TRANSFER_SAMPLES + (socketBufferBytes + 65536) / 2;
}

/** True when `rateSps` is a rate an RTL2832U accepts (librtlsdr `rtlsdr_set_sample_rate`: 225001–300000, 900001–3200000). */
export function isRtlRate(rateSps: number): boolean {
  return (rateSps > 225000 && rateSps <= 300000) || (rateSps > 900000 && rateSps <= 3200000);
}

/**
 * Validates `options` and fills in the defaults.
 * @throws QuietBandError('CONFIG') naming the first invalid field (`rtl_tcp source option <field>: …`).
 */
export function resolveRtlTcpOptions(options: RtlTcpSourceOptions): ResolvedRtlTcpOptions {
  const o = parseSourceOptions(rtlTcpSourceOptionsSchema, options, 'rtl_tcp source');
  if (o.reconnectMaxMs < o.reconnectInitialMs) {
    throw new QuietBandError(`rtl_tcp source option reconnectMaxMs: must be ≥ reconnectInitialMs (${o.reconnectInitialMs} ms)`, 'CONFIG');
  }
  return { ...o, settleSamples: o.settleSamples ?? defaultSettleSamples(o.rateSps, o.blockSamples), socketBufferBytes: o.socketBufferBytes ?? defaultSocketBufferBytes() };
}
