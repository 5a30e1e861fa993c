// IqSource over an rtl_tcp server: header check, full reconfiguration on every connect, watchdog, reconnect, rate check.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { QuietBandError } from '../errors.js';
import type { IqBlock, IqSource, IqSourceHealth, IqSourceInfo } from '../types.js';
import { Backoff } from './backoff.js';
import { Cu8BlockRing } from './rtl-tcp-block-ring.js';
import {
  encodeConfiguration,
  magicMismatchIndex,
  notRtlTcpError,
  parseDongleInfo,
  RTL_TCP_COMMAND_BYTES,
  RTL_TCP_HEADER_BYTES,
  RtlTcpCommand,
  writeCommand,
  type RtlTcpDongleInfo,
} from './rtl-tcp-protocol.js';
import type { RetunableSource } from './retunable.js';
import { SampleRateMeter } from './rtl-tcp-rate-meter.js';
import { tunerCenterProblem } from './input-ranges.js';

/**
 * Samples in one librtlsdr USB transfer as rtl_tcp uses it (`rtlsdr_read_async(..., buf_len = 0)` → the library
 * default 16 × 32 × 512 = 262144 bytes = 131072 complex samples; rtl-sdr.h / librtlsdr.c `DEFAULT_BUF_LENGTH`).
 * rtl_tcp forwards whole transfers, so the first one after a connect can be entirely pre-configuration data.
 */
export const RTL_TCP_TRANSFER_SAMPLES = 131072;

/** Settle time (s) discarded after each (re)configuration, on top of one transfer (docs/field-notes.md §2, §10). */
export const RTL_TCP_SETTLE_S = 0.25;

/** Window (s) of the lateness minimum behind {@link RtlTcpSource.backlogSamples}. */
export const LATENESS_WINDOW_S = 60;

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
  /** Delivered rate over the last `rateWindowMs` (S/s), null until a full window has been seen on this connection. */
  achievedRateSps: number | null;
  /** Length of the rate window (ms). */
  rateWindowMs: number;
  /**
   * True while achievedRateSps < rateShortfallRatio × configuredRateSps (confirmed over a quarter window, both ways):
   * samples are being lost or trimmed (server backlog, slow link, slow consumer). Blocks filled meanwhile carry
   * `discontinuity: true`. False while offline (see `online`).
   */
  rateShortfall: boolean;
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
 * - `logger`: pino logger (a child with `{ source: 'rtl_tcp', server }` is used); silent when absent.
 */
export type RtlTcpSourceOptions = z.input<typeof rtlTcpSourceOptionsSchema>;

type ResolvedOptions = z.output<typeof rtlTcpSourceOptionsSchema> & { settleSamples: number };

/** True when `rateSps` is a rate an RTL2832U accepts (librtlsdr `rtlsdr_set_sample_rate`: 225001–300000, 900001–3200000). */
function isRtlRate(rateSps: number): boolean {
  return (rateSps > 225000 && rateSps <= 300000) || (rateSps > 900000 && rateSps <= 3200000);
}

/**
 * IQ from an rtl_tcp server as {@link IqSource}.
 *
 * Per connection: TCP connect → read exactly 12 header bytes and check the `"RTL0"` magic (the check fails on the
 * first wrong byte) → send the full configuration ({@link encodeConfiguration}: rate, ppm, gain mode, gain, AGC,
 * bias-tee, frequency) → discard `settleSamples` → stream cu8 into preallocated block slots → Float32 blocks.
 *
 * Reconnect policy:
 * - Refused/unreachable, connect timeout, no header within `stallTimeoutMs`, server closed (also after a valid
 *   header), stall (no byte for `stallTimeoutMs`): the source goes offline and reconnects after
 *   {@link Backoff} — forever, until close(). The iterator keeps waiting; offline time shows in health.
 * - A peer whose first bytes are not `"RTL0"` is a configuration error (wrong port, another service), not an outage:
 *   the iterator throws `QuietBandError('NOT_RTL_TCP')` (with `disconnected: false`) after any blocks already
 *   buffered, and the source does not retry. A supervisor that wants to keep trying must create a new source.
 *
 * Sample clock across reconnects (`firstSample`, `tuneId`, `discontinuity`):
 * - Within a connection, `firstSample` counts every sample received after the header, settle samples included,
 *   so the first block of the first connection starts at `settleSamples`, not 0.
 * - A new connection's first sample gets index `end + round(gapS × rateSps)`, where `end` is just past the last
 *   sample received before and `gapS` the wall-clock time between that last byte and the new connection's first
 *   byte: indices keep following real time over offline periods, so `firstSample / rateSps` stays a time axis.
 * - Every header-valid connection is a new tune generation (`tuneId` + 1), because the server may have been
 *   restarted with other settings and we re-tuned it. The first block of every connection after the first has
 *   `discontinuity: true`. A partial block cut by a disconnect is discarded (counted in `samplesDiscarded`).
 * - While `rateShortfall` is true, every block filled meanwhile has `discontinuity: true` (silent loss made loud).
 *
 * Retuning while streaming ({@link retune}, for scans): the 0x01 frequency command is sent, `tuneId` + 1, the partial
 * block is dropped and the samples still waiting upstream ({@link backlogSamples}) plus the next `settleSamples` are
 * discarded (rtl_tcp sends no acknowledgement and keeps delivering pre-retune samples from its USB transfer, its queue
 * and the TCP buffers well after the command, docs/field-notes.md §2); the
 * first block after that carries the new centre and `discontinuity: true`. Blocks already complete before the command
 * keep the old centre and tune generation. A reconnect configures the server with the latest centre.
 *
 * Blocks are reused: a yielded block is valid until the next `next()`. `blocks()` may be called once.
 */
export class RtlTcpSource implements IqSource, RetunableSource {
  /** Stream description (format cu8; `datetime` is set when the first sample arrives). */
  readonly info: IqSourceInfo;
  private readonly opts: ResolvedOptions;
  private readonly log: Logger;
  /** Centre (Hz) the server is (or will be, on the next connect) tuned to. */
  private currentCenterHz: number;
  /** Centre (Hz) of each tune generation still in the ring (retunes and connections). */
  private readonly tuneCenters = new Map<number, number>();
  /** Tune generation of the last block handed out (centre lookups are pruned below it). */
  private lastBlockTuneId = -1;
  /** Connection byte position (post-header) where the stream resumes after a retune's settle; -1 when none pending. */
  private retuneResumeAtByte = -1;
  /** performance.now() of the connection's first post-header byte (the server's production clock starts about then). */
  private connFirstDataMs = 0;
  /** Minimum lateness ({@link lateness}) per wall-clock second of the last {@link LATENESS_WINDOW_S} (ring), and its second. */
  private readonly lateMin = new Float64Array(LATENESS_WINDOW_S);
  private readonly lateSec = new Float64Array(LATENESS_WINDOW_S).fill(-1);
  private readonly ring: Cu8BlockRing;
  private readonly block: IqBlock;
  private readonly meter: SampleRateMeter;
  private readonly header = new Uint8Array(RTL_TCP_HEADER_BYTES);
  private readonly label: string;

  private state: RtlTcpState = 'idle';
  private socket: net.Socket | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private paused = false;
  private iterated = false;
  private fatal: QuietBandError | null = null;
  private wake: (() => void) | null = null;
  private closePromise: Promise<void> | null = null;

  // connection bookkeeping
  private headerFill = 0;
  private closeReason: string | null = null; // why this connection is ending (watchdog, socket error)
  private settleBytesLeft = 0;
  private connBase = 0; // sample index of the connection's first post-header sample
  private connBytes = 0; // post-header bytes received on this connection
  private connBaseSet = false;
  private connStreamBytes = 0; // bytes accepted into the ring on this connection
  /** Reconnect delays: doubling from reconnectInitialMs, reset by a connection that delivered a block. */
  private readonly backoff: Backoff;
  private dongle: RtlTcpDongleInfo | null = null;

  // clock across connections
  private clockEnd: number | null = null; // sample index just past the last sample received
  private clockEndMs = 0;

  // health counters
  private connects = 0;
  private connectAttempts = 0;
  private tuneId = -1;
  private bytesReceived = 0;
  private samplesDelivered = 0;
  private samplesDiscarded = 0;
  private lastDataMs: number | null = null;
  private achieved: number | null = null;
  private shortfall = false;
  private flipSinceMs: number | null = null; // when the estimate first disagreed with `shortfall`
  private nextDelayMs: number | null = null;
  private lastError: string | null = null;

  /**
   * Validates the options (nothing connects until {@link blocks} is iterated).
   * @throws QuietBandError('CONFIG') naming the first invalid field.
   */
  constructor(options: RtlTcpSourceOptions) {
    const parsed = rtlTcpSourceOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? issue.path.join('.') : (issue as { keys?: string[] }).keys?.join(', ') ?? '(options)';
      throw new QuietBandError(`rtl_tcp source option ${field}: ${issue.message}`, 'CONFIG');
    }
    const o = parsed.data;
    if (o.reconnectMaxMs < o.reconnectInitialMs) {
      throw new QuietBandError(`rtl_tcp source option reconnectMaxMs: must be ≥ reconnectInitialMs (${o.reconnectInitialMs} ms)`, 'CONFIG');
    }
    this.opts = { ...o, settleSamples: o.settleSamples ?? defaultSettleSamples(o.rateSps, o.blockSamples) };
    this.backoff = new Backoff(o.reconnectInitialMs, o.reconnectMaxMs);
    this.label = `rtltcp:${o.host}:${o.port}`;
    this.log = (o.logger ?? pino({ level: 'silent' })).child({ source: 'rtl_tcp', server: `${o.host}:${o.port}` });
    this.currentCenterHz = o.centerHz;
    this.ring = new Cu8BlockRing(o.blockSamples, o.ringBlocks);
    this.block = {
      samples: new Float32Array(2 * o.blockSamples),
      count: 0,
      centerHz: o.centerHz,
      rateSps: o.rateSps,
      firstSample: 0,
      tuneId: 0,
      clipFraction: 0,
      discontinuity: false,
    };
    this.meter = new SampleRateMeter(o.rateWindowMs);
    this.info = {
      label: this.label,
      format: 'cu8',
      rateSps: o.rateSps,
      centerHz: o.centerHz,
      centerKnown: true,
      gainDb: o.gainDb === 'auto' ? 'auto' : Math.round(o.gainDb * 10) / 10,
      ppm: o.ppm,
    };
    if (!isRtlRate(o.rateSps)) {
      this.log.warn({ rateSps: o.rateSps }, 'rate is outside the RTL2832U ranges (225001–300000, 900001–3200000 S/s); a real dongle will refuse it');
    }
  }

  /** Current health snapshot (a new object each call). */
  health(): RtlTcpHealth {
    const now = performance.now();
    return {
      label: this.label,
      state: this.state,
      online: this.state === 'settling' || this.state === 'streaming',
      connects: this.connects,
      connectAttempts: this.connectAttempts,
      tuneId: Math.max(0, this.tuneId),
      tunerName: this.dongle?.tunerName ?? null,
      tunerGainCount: this.dongle?.tunerGainCount ?? null,
      configuredRateSps: this.opts.rateSps,
      achievedRateSps: this.achieved,
      rateWindowMs: this.opts.rateWindowMs,
      rateShortfall: this.shortfall,
      bytesReceived: this.bytesReceived,
      samplesDelivered: this.samplesDelivered,
      samplesDiscarded: Math.floor(this.samplesDiscarded),
      lastDataAgeMs: this.lastDataMs === null ? null : now - this.lastDataMs,
      reconnectDelayMs: this.state === 'backoff' ? this.nextDelayMs : null,
      lastError: this.lastError,
      droppedBlocks: null,
      nonFiniteSamples: 0,
    };
  }

  /**
   * The block stream; starts connecting on first iteration. Keeps yielding across reconnects; ends when
   * {@link close} is called (or the consumer stops iterating, which closes the source).
   * @throws QuietBandError('NOT_RTL_TCP') from the iterator when the peer is not an rtl_tcp server.
   * @throws Error when called a second time.
   */
  blocks(): AsyncIterable<IqBlock> {
    if (this.iterated) throw new Error(`${this.label}: blocks() can be iterated only once; create a new source`);
    this.iterated = true;
    return this.generate();
  }

  /** Stops reconnecting, destroys the socket and ends the iterator. Idempotent; resolves when the socket is closed. */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    const wasFailed = this.state === 'failed';
    this.state = 'closed';
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    this.closePromise = new Promise<void>((resolve) => {
      if (socket === null || socket.destroyed) {
        resolve();
        return;
      }
      socket.once('close', () => resolve());
      socket.destroy();
    });
    if (!wasFailed) this.emitHealth();
    this.wakeConsumer();
    return this.closePromise;
  }

  private async *generate(): AsyncGenerator<IqBlock, void, undefined> {
    if (this.state === 'idle') this.start();
    try {
      for (;;) {
        if (this.state === 'closed') return;
        if (this.ring.readyBlocks > 0) {
          this.ring.readInto(this.block);
          this.labelCentre(this.block);
          this.samplesDelivered += this.block.count;
          if (this.paused && !this.ring.full) this.resumeSocket();
          yield this.block;
          continue;
        }
        if (this.fatal !== null) throw this.fatal;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      await this.close();
    }
  }

  /**
   * Retunes the server to `centerHz` (Hz): sends the 5-byte 0x01 command (uint32 big-endian), starts a new tune
   * generation, drops the partial block and discards the samples still waiting upstream ({@link backlogSamples}: the
   * consumer was behind) plus the next `settleSamples` (default: the connection settle, {@link defaultSettleSamples}, as
   * buffered back-ends keep the full window; docs/field-notes.md §2). Not connected: the next
   * connection is configured with `centerHz` (and is a new tune generation anyway).
   * @returns `centerHz` (rtl_tcp cannot read the frequency back).
   * @throws QuietBandError('CONFIG') when `centerHz` is not a whole number of Hz in 1…4294967295 or `settleSamples` is
   *   not a whole number ≥ 0; 'IO' after close() or a NOT_RTL_TCP failure.
   */
  async retune(centerHz: number, settleSamples: number = this.opts.settleSamples): Promise<number> {
    if (!Number.isInteger(centerHz) || centerHz < 1 || centerHz > 0xffffffff) {
      throw new QuietBandError(`${this.label}: retune to ${centerHz} Hz: expected a whole number of Hz in 1…4294967295 (the rtl_tcp command is 32-bit)`, 'CONFIG');
    }
    if (!Number.isInteger(settleSamples) || settleSamples < 0) {
      throw new QuietBandError(`${this.label}: retune settleSamples ${settleSamples}: expected a whole number ≥ 0`, 'CONFIG');
    }
    if (this.state === 'closed' || this.state === 'failed') throw new QuietBandError(`${this.label}: retune after the source was ${this.state}`, 'IO');
    const tunerProblem = this.dongle === null ? null : tunerCenterProblem(centerHz, this.dongle.tunerName);
    if (tunerProblem !== null) throw new QuietBandError(`${this.label}: retune: ${tunerProblem} (the tuner the rtl_tcp server reported)`, 'CONFIG');
    this.currentCenterHz = centerHz;
    this.info.centerHz = centerHz;
    const socket = this.socket;
    if (socket === null || (this.state !== 'settling' && this.state !== 'streaming')) return centerHz;
    const cmd = Buffer.alloc(RTL_TCP_COMMAND_BYTES); // once per retune, not per block
    writeCommand(cmd, 0, RtlTcpCommand.SET_FREQ, centerHz);
    socket.write(cmd);
    this.tuneId++;
    this.tuneCenters.set(this.tuneId, centerHz);
    if (this.state === 'streaming') this.samplesDiscarded += this.ring.dropPartial() / 2;
    // everything produced before the command is stale: what waits upstream unread (the consumer was behind), then the settle
    const backlog = this.opts.retuneSkipsBacklog ? this.backlogSamples() : 0;
    // resume on a whole I/Q pair (a chunk may have ended between I and Q), and not before the connection settle ends
    let resume = this.connBytes + 2 * (backlog + settleSamples);
    resume += resume % 2;
    if (this.state === 'settling') resume = Math.max(resume, 2 * this.opts.settleSamples);
    this.retuneResumeAtByte = resume;
    this.log.debug({ centerHz, tuneId: this.tuneId, settleSamples, backlog }, 'retuned');
    return centerHz;
  }

  /** Sets `block.centerHz` from its tune generation (allocation-free; prunes older generations when it changes). */
  private labelCentre(block: IqBlock): void {
    const t = block.tuneId;
    block.centerHz = this.tuneCenters.get(t) ?? this.currentCenterHz;
    if (t !== this.lastBlockTuneId) {
      this.lastBlockTuneId = t;
      for (const k of this.tuneCenters.keys()) if (k < t) this.tuneCenters.delete(k);
    }
  }

  private start(): void {
    this.healthTimer = setInterval(() => this.onHealthTick(), this.opts.healthIntervalMs);
    this.healthTimer.unref();
    this.connect();
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.state === 'closed' || this.state === 'failed') return;
    this.connectAttempts++;
    this.state = 'connecting';
    this.headerFill = 0;
    this.paused = false;
    this.closeReason = null;
    const socket = net.createConnection({ host: this.opts.host, port: this.opts.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (socket !== this.socket) return;
      this.state = 'handshake';
      this.watchdog?.refresh();
    });
    socket.on('data', (chunk: Buffer) => {
      if (socket === this.socket) this.onData(socket, chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (socket !== this.socket) return;
      this.closeReason ??= this.describeSocketError(err);
    });
    socket.on('close', () => {
      if (socket === this.socket) this.onSocketClosed();
    });
    this.watchdog = setTimeout(() => this.onWatchdog(socket), this.opts.stallTimeoutMs);
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    const now = performance.now();
    const len = chunk.length;
    this.bytesReceived += len;
    this.lastDataMs = now;
    this.watchdog?.refresh();
    let off = 0;
    if (this.state === 'handshake') {
      off = this.readHeader(chunk);
      if ((this.state as RtlTcpState) !== 'settling') return; // header incomplete, or rejected
    }
    if (off >= len) return;
    if (!this.connBaseSet) this.startConnectionClock(now);
    this.connBytes += len - off;
    this.trackLateness(now);
    this.clockEnd = this.connBase + Math.floor(this.connBytes / 2);
    this.clockEndMs = now;
    if (this.state === 'settling') {
      const skip = Math.min(this.settleBytesLeft, len - off);
      this.settleBytesLeft -= skip;
      off += skip;
      if (this.settleBytesLeft > 0) return;
      this.samplesDiscarded += this.opts.settleSamples;
      this.state = 'streaming';
      this.ring.startRun(this.connBase + this.opts.settleSamples, this.tuneId, this.connects > 1);
      this.meter.reset(now);
      this.achieved = null;
      this.flipSinceMs = null;
      this.log.debug({ settleSamples: this.opts.settleSamples, tuneId: this.tuneId }, 'settled; streaming');
      this.emitHealth();
      if (off >= len) return;
    }
    // streaming
    if (this.retuneResumeAtByte >= 0) {
      const pos = this.connBytes - (len - off); // connection byte position of chunk[off]
      if (pos < this.retuneResumeAtByte) {
        const skip = Math.min(len - off, this.retuneResumeAtByte - pos);
        off += skip;
        this.samplesDiscarded += skip / 2;
        this.meter.record(now, skip / 2); // received from the server: not a rate shortfall
        if (off >= len) return;
      }
      this.ring.startRun(this.connBase + this.retuneResumeAtByte / 2, this.tuneId, true);
      this.retuneResumeAtByte = -1;
    }
    this.evaluateRate(now);
    if (this.shortfall) this.ring.flagDiscontinuity();
    const n = this.ring.write(chunk, off, len);
    this.meter.record(now, n / 2);
    const hadBlock = this.connStreamBytes >= this.ring.blockBytes;
    this.connStreamBytes += n;
    if (!hadBlock && this.connStreamBytes >= this.ring.blockBytes) this.backoff.reset(); // a healthy connection
    if (off + n < len) {
      // Ring full: hand the rest back to the socket and stop reading (TCP back-pressure).
      socket.pause();
      this.paused = true;
      const rest = len - off - n;
      this.bytesReceived -= rest;
      this.connBytes -= rest;
      this.clockEnd = this.connBase + Math.floor(this.connBytes / 2);
      socket.unshift(chunk.subarray(off + n));
    } else if (this.ring.full) {
      socket.pause();
      this.paused = true;
    }
    if (this.ring.readyBlocks > 0) this.wakeConsumer();
  }

  /** Consumes header bytes from `chunk`; returns how many. Moves to 'settling' (and configures) or 'failed'. */
  private readHeader(chunk: Buffer): number {
    const need = RTL_TCP_HEADER_BYTES - this.headerFill;
    const n = Math.min(need, chunk.length);
    for (let i = 0; i < n; i++) this.header[this.headerFill + i] = chunk[i]!;
    this.headerFill += n;
    if (magicMismatchIndex(this.header, this.headerFill) !== -1) {
      // Show what the peer sent (up to 16 bytes of this read) in the error.
      const shown = new Uint8Array(Math.min(16, this.headerFill - n + chunk.length));
      shown.set(this.header.subarray(0, this.headerFill - n));
      for (let i = this.headerFill - n; i < shown.length; i++) shown[i] = chunk[i - (this.headerFill - n)]!;
      this.fail(notRtlTcpError(this.opts.host, this.opts.port, shown, shown.length));
      return n;
    }
    if (this.headerFill < RTL_TCP_HEADER_BYTES) return n;
    this.dongle = parseDongleInfo(this.header)!;
    const tunerProblem = tunerCenterProblem(this.currentCenterHz, this.dongle.tunerName);
    if (tunerProblem !== null) {
      this.fail(new QuietBandError(`${this.label}: centerHz: ${tunerProblem} (the tuner the rtl_tcp server reported)`, 'CONFIG'));
      return n;
    }
    this.connects++;
    this.tuneId++;
    this.connBaseSet = false;
    this.connBytes = 0;
    this.connStreamBytes = 0;
    this.settleBytesLeft = this.opts.settleSamples * 2;
    this.state = 'settling';
    this.retuneResumeAtByte = -1;
    this.tuneCenters.set(this.tuneId, this.currentCenterHz);
    const o = this.opts;
    // the latest centre: a scan may have retuned since the source was created
    this.socket?.write(encodeConfiguration({ centerHz: this.currentCenterHz, rateSps: o.rateSps, gainDb: o.gainDb, ppm: o.ppm, agc: o.agc, biasTee: o.biasTee }));
    this.log.info(
      { tuner: this.dongle.tunerName, tunerType: this.dongle.tunerType, tunerGainCount: this.dongle.tunerGainCount, connects: this.connects, tuneId: this.tuneId },
      'rtl_tcp connected; configuration sent',
    );
    this.emitHealth();
    return n;
  }

  /**
   * Samples the server has produced on this connection by `now` (at the configured rate, from the first byte) minus the
   * samples received: grows while data waits unread upstream (kernel socket buffers, rtl_tcp's queue).
   */
  private lateness(now: number): number {
    return ((now - this.connFirstDataMs) / 1000) * this.opts.rateSps - this.connBytes / 2;
  }

  /** Records the lateness of a moment data was read (allocation-free: one ring slot per wall-clock second). */
  private trackLateness(now: number): void {
    const late = this.lateness(now);
    const sec = Math.floor(now / 1000);
    const i = sec % LATENESS_WINDOW_S;
    if (this.lateSec[i] !== sec) {
      this.lateSec[i] = sec;
      this.lateMin[i] = late;
    } else if (late < this.lateMin[i]!) this.lateMin[i] = late;
  }

  /**
   * Samples waiting upstream of this client (≥ 0): the current lateness (produced at the configured rate − received)
   * above its minimum over the last {@link LATENESS_WINDOW_S} s — the base-delay rule of delay-based congestion control
   * (LEDBAT, RFC 6817 §2.4: queueing delay = current delay − the minimum over a window). The minimum is what is left
   * after a burst was read while caught up (the transfer in flight, a constant). A consumer that falls behind (busy, or
   * the socket paused by a full ring) leaves data produced at the old tuning in the kernel buffers and in rtl_tcp's
   * queue; a retune skips it too (docs/field-notes.md §2: buffered back-ends deliver pre-retune samples well after the command).
   * A stalled or trimming server looks like backlog until its lateness leaves the window (longer settles meanwhile).
   */
  backlogSamples(now = performance.now()): number {
    if (!this.connBaseSet || (this.state !== 'settling' && this.state !== 'streaming')) return 0;
    const sec = Math.floor(now / 1000);
    let base = Infinity;
    for (let i = 0; i < LATENESS_WINDOW_S; i++) if (this.lateSec[i]! > sec - LATENESS_WINDOW_S && this.lateMin[i]! < base) base = this.lateMin[i]!;
    if (base === Infinity) return 0;
    return Math.max(0, Math.round(this.lateness(now) - base));
  }

  private startConnectionClock(now: number): void {
    this.connBaseSet = true;
    this.connFirstDataMs = now;
    this.lateSec.fill(-1);
    if (this.clockEnd === null) {
      this.connBase = 0;
      this.info.datetime = new Date().toISOString();
    } else {
      const gapSamples = Math.max(0, Math.round(((now - this.clockEndMs) / 1000) * this.opts.rateSps));
      this.connBase = this.clockEnd + gapSamples;
    }
  }

  private evaluateRate(now: number): void {
    if (this.state !== 'streaming') return;
    if (!this.meter.isSettled(now)) return;
    const achieved = this.meter.achievedSps(now);
    this.achieved = achieved;
    if (achieved === null) return;
    const short = achieved < this.opts.rateShortfallRatio * this.opts.rateSps;
    if (short === this.shortfall) {
      this.flipSinceMs = null;
      return;
    }
    // Confirm a change over a quarter window before reporting it (stream1090 PR#79: unconfirmed drop reports
    // were false alarms; here one late event-loop turn can move a burst's timestamp).
    if (this.flipSinceMs === null) this.flipSinceMs = now;
    if (now - this.flipSinceMs >= this.opts.rateWindowMs / 4) {
      this.flipSinceMs = null;
      this.shortfall = short;
      if (short) {
        this.log.warn({ achievedSps: Math.round(achieved), configuredSps: this.opts.rateSps, windowMs: this.opts.rateWindowMs }, 'delivered rate below configured: samples are being lost; blocks marked discontinuous');
      } else {
        this.log.info({ achievedSps: Math.round(achieved) }, 'delivered rate recovered');
      }
      this.emitHealth();
    }
  }

  private onWatchdog(socket: net.Socket): void {
    if (socket !== this.socket) return;
    if (this.paused) {
      // We stopped reading ourselves (consumer behind): not a server stall.
      this.watchdog?.refresh();
      return;
    }
    const ms = this.opts.stallTimeoutMs;
    const what =
      this.state === 'connecting'
        ? `connect timeout after ${ms} ms`
        : this.state === 'handshake'
          ? `no rtl_tcp header within ${ms} ms (is this an rtl_tcp server? is it busy with another client?)`
          : `stall: no data for ${ms} ms`;
    this.closeReason = what;
    this.log.warn({ state: this.state }, what);
    socket.destroy();
  }

  private onSocketClosed(): void {
    const wasOnline = this.state === 'settling' || this.state === 'streaming';
    this.socket = null;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    if (this.state === 'closed' || this.state === 'failed') return;
    const dropped = this.ring.dropPartial();
    this.samplesDiscarded += Math.floor(dropped / 2);
    if (this.state === 'settling') this.samplesDiscarded += Math.floor((this.opts.settleSamples * 2 - this.settleBytesLeft) / 2);
    this.lastError =
      this.closeReason ??
      (wasOnline ? 'server closed the connection' : this.state === 'handshake' ? 'server closed the connection before sending the header' : 'connection closed');
    this.shortfall = false;
    this.flipSinceMs = null;
    this.achieved = null;
    this.paused = false;
    const delay = this.backoff.next();
    this.nextDelayMs = delay;
    this.state = 'backoff';
    // One warning per outage; the retries of a long outage go to debug (at most one per reconnectMaxMs).
    if (wasOnline || this.backoff.failures === 1) this.log.warn({ reconnectInMs: delay, reason: this.lastError }, 'rtl_tcp offline; reconnecting');
    else this.log.debug({ reconnectInMs: delay, reason: this.lastError, failures: this.backoff.failures }, 'rtl_tcp still offline');
    this.emitHealth();
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** Plain words for a socket error, keeping the errno code for searching logs. */
  private describeSocketError(err: NodeJS.ErrnoException): string {
    const where = `${this.opts.host}:${this.opts.port}`;
    switch (err.code) {
      case 'ECONNREFUSED':
        return `connection refused (ECONNREFUSED): is rtl_tcp running and listening on ${where}?`;
      case 'ECONNRESET':
        return 'connection reset by the server (ECONNRESET)';
      case 'EPIPE':
        return 'server closed the connection while we were sending (EPIPE)';
      case 'ETIMEDOUT':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return `${where} unreachable (${err.code})`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `host ${this.opts.host} not found (${err.code})`;
      default:
        return `${err.code ?? 'socket error'}: ${err.message}`;
    }
  }

  private fail(err: QuietBandError): void {
    this.fatal = err;
    this.state = 'failed';
    this.lastError = err.message;
    this.log.error({ code: err.code }, err.message);
    const socket = this.socket;
    this.socket = null;
    this.clearTimers();
    socket?.destroy();
    this.emitHealth();
    this.wakeConsumer();
  }

  private resumeSocket(): void {
    this.paused = false;
    this.watchdog?.refresh();
    this.socket?.resume();
  }

  private onHealthTick(): void {
    this.evaluateRate(performance.now());
    this.emitHealth();
  }

  private emitHealth(): void {
    const cb = this.opts.onHealth;
    if (!cb) return;
    try {
      cb(this.health());
    } catch (err) {
      this.log.error({ err }, 'onHealth callback threw');
    }
  }

  private wakeConsumer(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private clearTimers(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.watchdog = null;
    this.reconnectTimer = null;
    this.healthTimer = null;
  }
}
