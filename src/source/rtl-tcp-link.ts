// The connection side of an rtl_tcp client: connect, check the 12-byte header, watchdog, offline → reconnect with backoff.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import { Backoff } from './backoff.js';
import { tunerCenterProblem } from './input-ranges.js';
import type { ResolvedRtlTcpOptions, RtlTcpHealth, RtlTcpState } from './rtl-tcp-options.js';
import { magicMismatchIndex, notRtlTcpError, parseDongleInfo, RTL_TCP_HEADER_BYTES, socketErrorText, type RtlTcpDongleInfo } from './rtl-tcp-protocol.js';

/**
 * One rtl_tcp server, connected again and again: TCP connect → read exactly 12 header bytes and check the `"RTL0"`
 * magic (the check fails on the first wrong byte) and the tuner's range → {@link onHeader}; then every further byte
 * goes to {@link onStreamData}. A connection that is refused, times out, sends no header or no data for
 * `stallTimeoutMs`, or is closed by the server ends in {@link onConnectionLost}, state 'backoff' and a new attempt
 * after the {@link Backoff} delay — forever, until {@link close}. A peer that is not rtl_tcp, or a tuner that cannot
 * reach the centre, is a configuration error ({@link fail}): no more attempts.
 *
 * {@link RtlTcpSource} adds the stream (settle, ring, retunes, sample clock) and the health snapshot.
 */
export abstract class RtlTcpLink {
  protected readonly opts: ResolvedRtlTcpOptions;
  protected readonly log: Logger;
  /** `rtltcp:<host>:<port>`. */
  protected readonly label: string;
  protected state: RtlTcpState = 'idle';
  protected socket: net.Socket | null = null;
  protected watchdog: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  /** True while we stopped reading the socket ourselves (the consumer is behind): not a server stall. */
  protected paused = false;
  /** The configuration error that ended the source, thrown by the iterator. */
  protected fatal: QuietBandError | null = null;
  private wake: (() => void) | null = null;
  private closePromise: Promise<void> | null = null;
  private readonly header = new Uint8Array(RTL_TCP_HEADER_BYTES);
  private headerFill = 0;
  /** Why this connection is ending (watchdog, socket error), for `lastError`. */
  private closeReason: string | null = null;
  /** Reconnect delays: doubling from reconnectInitialMs, reset by a connection that delivered a block. */
  protected readonly backoff: Backoff;
  /** What the last header said about the dongle. */
  protected dongle: RtlTcpDongleInfo | null = null;
  /** Centre (Hz) the server is (or will be, on the next connect) tuned to. */
  protected currentCenterHz: number;

  // health counters
  protected connects = 0;
  protected connectAttempts = 0;
  protected bytesReceived = 0;
  protected lastDataMs: number | null = null;
  /** performance.now() when the current connection attempt started (before DNS and the TCP handshake). */
  protected connectStartMs = 0;
  protected nextDelayMs: number | null = null;
  protected lastError: string | null = null;

  /** @param o validated options (nothing connects until {@link start}). */
  constructor(o: ResolvedRtlTcpOptions) {
    this.opts = o;
    this.backoff = new Backoff(o.reconnectInitialMs, o.reconnectMaxMs);
    this.label = `rtltcp:${o.host}:${o.port}`;
    this.log = (o.logger ?? pino({ level: 'silent' })).child({ source: 'rtl_tcp', server: `${o.host}:${o.port}` });
    this.currentCenterHz = o.centerHz;
  }

  /** Current health snapshot (a new object each call). */
  abstract health(): RtlTcpHealth;

  /** The header was valid (`dongle` is what it said; `connects` counted): configure the server and start the stream. */
  protected abstract onHeader(dongle: RtlTcpDongleInfo): void;

  /** Bytes after the header: `chunk[off..]` (off < chunk.length), read at `now` (performance.now()). */
  protected abstract onStreamData(socket: net.Socket, chunk: Buffer, off: number, now: number): void;

  /** The connection is lost (state still that of the connection): drop what it left half done. */
  protected abstract onConnectionLost(): void;

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

  /** Starts the health timer and the first connection (on the first iteration). */
  protected start(): void {
    this.healthTimer = setInterval(() => this.onHealthTick(), this.opts.healthIntervalMs);
    this.healthTimer.unref();
    this.connect();
  }

  /** Opens one TCP connection (state 'connecting'; the watchdog bounds connect and header). */
  private connect(): void {
    this.reconnectTimer = null;
    if (this.state === 'closed' || this.state === 'failed') return;
    this.connectAttempts++;
    this.connectStartMs = performance.now();
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
      this.closeReason ??= socketErrorText(err, this.opts.host, this.opts.port);
    });
    socket.on('close', () => {
      if (socket === this.socket) this.onSocketClosed();
    });
    this.watchdog = setTimeout(() => this.onWatchdog(socket), this.opts.stallTimeoutMs);
  }

  /** Every read: counters, watchdog, the header while in handshake, the rest to {@link onStreamData}. */
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
    this.onStreamData(socket, chunk, off, now);
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
    this.onHeader(this.dongle);
    return n;
  }

  /** No byte for stallTimeoutMs (or no connect/header): drops the connection, unless we paused reading ourselves. */
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

  /** The connection ended (not by close() or a failure): goes offline and reconnects after the backoff delay. */
  private onSocketClosed(): void {
    const wasOnline = this.state === 'settling' || this.state === 'streaming';
    this.socket = null;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    if (this.state === 'closed' || this.state === 'failed') return;
    this.onConnectionLost();
    this.lastError =
      this.closeReason ??
      (wasOnline ? 'server closed the connection' : this.state === 'handshake' ? 'server closed the connection before sending the header' : 'connection closed');
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

  /** A configuration error (not rtl_tcp, tuner range): no more reconnects; the iterator throws `err`. */
  protected fail(err: QuietBandError): void {
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

  /** Reads the socket again (the consumer made room in the ring). */
  protected resumeSocket(): void {
    this.paused = false;
    this.watchdog?.refresh();
    this.socket?.resume();
  }

  /** Every healthIntervalMs while iterating: reports health (subclasses refresh their estimates first). */
  protected onHealthTick(): void {
    this.emitHealth();
  }

  /** Calls `onHealth` with a fresh snapshot (a throwing callback is logged, not propagated). */
  protected emitHealth(): void {
    const cb = this.opts.onHealth;
    if (!cb) return;
    try {
      cb(this.health());
    } catch (err) {
      this.log.error({ err }, 'onHealth callback threw');
    }
  }

  /** Resolves when {@link wakeConsumer} is called (a block is ready, a failure, close()). One waiter at a time. */
  protected waitForWake(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** Wakes the consumer waiting in {@link waitForWake}, if any. */
  protected wakeConsumer(): void {
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
