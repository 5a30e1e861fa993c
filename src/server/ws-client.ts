// One WebSocket client of the server: its send queue (alerts and error replies, never dropped), held live alerts, the
// latest-only status and spectra, its protocol-error budget, and the over-budget close.
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { Alert } from '../alerts/alert.js';
import { PROTOCOL_VERSION, type ServerMessage, type SpectrumMessage } from './protocol.js';

/**
 * WebSocket close codes of this server (RFC 6455 §7.4.1): 1001 shutting down, 1008 policy violation (the client went
 * over its error budget or its send queue filled with error replies it does not read), 1011 resume failed, 1013 alert
 * backlog too large (reconnect and resume).
 */
export const CLOSE_CODES = { shuttingDown: 1001, policyViolation: 1008, resumeFailed: 1011, tryAgainLater: 1013 } as const;

/** Per-client counters from {@link RunningServer.clientStats}. */
export interface ClientStats {
  id: number;
  remote: string;
  /** 'pending' (before resume), 'replaying', 'live'. */
  mode: 'pending' | 'replaying' | 'live';
  /** `ws.bufferedAmount` now (bytes). */
  bufferedBytes: number;
  /** Largest `bufferedAmount` seen right after a send (bytes). */
  maxBufferedBytes: number;
  /** Alerts serialised and waiting for the socket to drain. */
  queuedAlerts: number;
  /** Live alerts held while the client is pending/replaying. */
  heldAlerts: number;
  /** Sensors with a spectrum waiting (latest only). */
  pendingSpectra: number;
  alertsSent: number;
  spectraSent: number;
  /** Spectra replaced by a newer one before they could be sent (slow client or rate limit). */
  spectraSuperseded: number;
  /** Highest alert seq sent. */
  lastSentSeq: number;
  /**
   * Alerts queued for this client that its socket did not take at once, in the call that queued them: the socket was
   * over `alertHighWaterBytes` (the client's own back-pressure) or alerts queued before were still waiting. Another
   * client's slowness never counts here: each client's queue is pumped on its own.
   */
  alertsWaited: number;
  /**
   * Longest time an alert waited for this client (wall ms): from the server queuing it (its fan-out to every client,
   * or its replay) to its write on this client's socket; includes the time held while the client was not live yet.
   */
  maxAlertWaitMs: number;
}

/** One message waiting in a client's send queue: an alert (seq > 0) or an error reply to that client (seq 0). */
export interface QueuedAlert {
  seq: number;
  text: string;
  /** When the server queued it (performance.now() ms; one fan-out item is shared by every client). */
  queuedAtMs: number;
}

/** The JSON text of a server message as sent on the socket. */
export function messageText(msg: ServerMessage): string {
  return JSON.stringify(msg);
}

/** The JSON text of an `alert` message carrying `alert`. */
export function alertText(alert: Alert): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, type: 'alert', alert });
}

/** Latest decimated spectrum of a sensor; serialised on first send only (most frames are superseded unsent). */
export class SpectrumEntry {
  readonly sensor: string;
  private msg: SpectrumMessage | null;
  private json: string | null = null;
  constructor(msg: SpectrumMessage) {
    this.sensor = msg.sensor;
    this.msg = msg;
  }
  get text(): string {
    if (this.json === null) {
      this.json = messageText(this.msg!);
      this.msg = null;
    }
    return this.json;
  }
}

/** Per-client bounds (ServerOptions of the same names, defaults in SERVER_DEFAULTS). */
export interface ClientLimits {
  /** Alerts wait in the queue while `bufferedAmount` is at or above this (bytes). */
  alertHighWaterBytes: number;
  /** Status and spectra wait (latest only) while `bufferedAmount` is at or above this (bytes). */
  spectrumHighWaterBytes: number;
  /** Least interval between two spectra of one sensor (ms). */
  spectrumMinIntervalMs: number;
  /** More queued plus held alerts than this closes the client (1013, or 1008 when its error replies filled the queue). */
  maxQueuedAlerts: number;
  /** Time a client closed over budget has to finish the close handshake before it is terminated (ms). */
  overflowCloseGraceMs: number;
  /** Protocol-error budget: a burst of this many, refilled at `clientErrorsPerSecond`. */
  clientErrorBurst: number;
  clientErrorsPerSecond: number;
}

/**
 * A connected WebSocket client and everything queued for it. Alerts go through {@link enqueue} (or are held while the
 * client is not live, see ClientHub) and are sent in order by {@link pump} while the socket's `bufferedAmount` is below
 * `alertHighWaterBytes`; then the latest status, then the latest spectrum per sensor (at most one per
 * `spectrumMinIntervalMs`) while it is below `spectrumHighWaterBytes`. A write callback or a 50 ms poll pumps again.
 */
export class WsClient {
  readonly id: number;
  readonly ws: WebSocket;
  readonly remote: string;
  readonly log: Logger;
  private readonly limits: ClientLimits;
  isAlive = true;
  mode: 'pending' | 'replaying' | 'live' = 'pending';
  /** The client has (been sent or declined) every alert with seq ≤ liveFloor; every later one is sent live. */
  liveFloor = 0;
  lastSentSeq = 0;
  helloSeq = 0;
  held: QueuedAlert[] = [];
  queue: QueuedAlert[] = [];
  qHead = 0;
  statusText: string | null = null;
  readonly spectra = new Map<string, SpectrumEntry>();
  readonly spectrumSentAt = new Map<string, number>();
  spectrumTimer: NodeJS.Timeout | null = null;
  spectrumTimerDue = Infinity;
  drainTimer: NodeJS.Timeout | null = null;
  resumeTimer: NodeJS.Timeout | null = null;
  killTimer: NodeJS.Timeout | null = null;
  waiting = false;
  pumpScheduled = false;
  /** Resumes of this client, run one after the other. */
  chain: Promise<void> = Promise.resolve();
  roomWaiters: (() => void)[] = [];
  closing = false;
  closed = false;
  alertsSent = 0;
  spectraSent = 0;
  spectraSuperseded = 0;
  maxBufferedBytes = 0;
  /** See {@link ClientStats.alertsWaited}. */
  alertsWaited = 0;
  /** See {@link ClientStats.maxAlertWaitMs}. */
  maxAlertWaitMs = 0;
  /** Error replies queued now (they share {@link queue} and its bound with the alerts). */
  queuedErrors = 0;
  /** Protocol-error budget (token bucket): tokens left and when last refilled (performance.now() ms). */
  errorTokens: number;
  errorAtMs = performance.now();
  /** `Origin` and `Host` headers of the upgrade request (re-checked before every state change). */
  readonly origin: string | undefined;
  readonly hostHeader: string | undefined;
  /** Who is acting: `token@<address>` (authenticated with the access token) or `local@<address>` (auth off, loopback bind). */
  readonly identity: string;

  constructor(id: number, ws: WebSocket, remote: string, log: Logger, limits: ClientLimits, conn: { origin: string | undefined; hostHeader: string | undefined; identity: string }) {
    this.id = id;
    this.ws = ws;
    this.remote = remote;
    this.log = log;
    this.limits = limits;
    this.origin = conn.origin;
    this.hostHeader = conn.hostHeader;
    this.identity = conn.identity;
    this.errorTokens = limits.clientErrorBurst;
  }

  get queuedCount(): number {
    return this.queue.length - this.qHead;
  }

  /** Resolves when the send queue is short again, or the client closed. */
  waitForRoom(): Promise<void> {
    if (this.closed || this.closing) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  wakeRoomWaiters(): void {
    const w = this.roomWaiters;
    this.roomWaiters = [];
    for (const f of w) f();
  }

  clearTimers(): void {
    for (const t of [this.spectrumTimer, this.drainTimer, this.resumeTimer, this.killTimer]) if (t !== null) clearTimeout(t);
    this.spectrumTimer = this.drainTimer = this.resumeTimer = this.killTimer = null;
  }

  /** Counters of this client ({@link ClientStats}). */
  stats(): ClientStats {
    return {
      id: this.id,
      remote: this.remote,
      mode: this.mode,
      bufferedBytes: this.ws.bufferedAmount,
      maxBufferedBytes: this.maxBufferedBytes,
      queuedAlerts: this.queuedCount,
      heldAlerts: this.held.length,
      pendingSpectra: this.spectra.size,
      alertsSent: this.alertsSent,
      spectraSent: this.spectraSent,
      spectraSuperseded: this.spectraSuperseded,
      lastSentSeq: this.lastSentSeq,
      alertsWaited: this.alertsWaited,
      maxAlertWaitMs: this.maxAlertWaitMs,
    };
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Writes `text` to the socket now (no queue, no bound: hello and the first status go this way). */
  sendText(text: string): void {
    this.ws.send(text, (err) => {
      if (err === undefined || err === null) {
        if (this.waiting) this.schedulePump();
      }
    });
    const b = this.ws.bufferedAmount;
    if (b > this.maxBufferedBytes) this.maxBufferedBytes = b;
  }

  private waitDrain(): void {
    this.waiting = true;
    if (this.drainTimer === null) {
      // Fallback poll; normally a send callback (socket write done) pumps first.
      this.drainTimer = setTimeout(() => {
        this.drainTimer = null;
        this.pump();
      }, 50);
      this.drainTimer.unref();
    }
  }

  /** Sends what the socket takes now: queued alerts and errors, then the status, then due spectra (see the class doc). */
  pump(): void {
    if (this.closed || this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    this.waiting = false;
    const ws = this.ws;
    const o = this.limits;
    while (this.qHead < this.queue.length) {
      if (ws.bufferedAmount >= o.alertHighWaterBytes) {
        this.waitDrain();
        return;
      }
      const item = this.queue[this.qHead]!;
      this.qHead++;
      if (item.seq === 0) this.queuedErrors--;
      else {
        this.alertsSent++;
        const waitedMs = performance.now() - item.queuedAtMs;
        if (waitedMs > this.maxAlertWaitMs) this.maxAlertWaitMs = waitedMs;
      }
      this.sendText(item.text);
      if (this.qHead >= 1024 && this.qHead * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.qHead);
        this.qHead = 0;
      }
    }
    this.queue = [];
    this.qHead = 0;
    this.queuedErrors = 0;
    if (this.roomWaiters.length > 0) this.wakeRoomWaiters();
    if (this.statusText !== null) {
      if (ws.bufferedAmount >= o.spectrumHighWaterBytes) {
        this.waitDrain();
        return;
      }
      this.sendText(this.statusText);
      this.statusText = null;
    }
    if (this.spectra.size === 0) return;
    const now = performance.now();
    let nextDue = Infinity;
    for (const [sensor, entry] of this.spectra) {
      const due = (this.spectrumSentAt.get(sensor) ?? -Infinity) + o.spectrumMinIntervalMs;
      if (now < due) {
        if (due < nextDue) nextDue = due;
        continue;
      }
      if (ws.bufferedAmount >= o.spectrumHighWaterBytes) {
        this.waitDrain();
        return;
      }
      this.sendText(entry.text);
      this.spectraSent++;
      this.spectrumSentAt.set(sensor, now);
      this.spectra.delete(sensor);
    }
    if (nextDue < Infinity && nextDue < this.spectrumTimerDue) {
      if (this.spectrumTimer !== null) clearTimeout(this.spectrumTimer);
      this.spectrumTimerDue = nextDue;
      this.spectrumTimer = setTimeout(() => {
        this.spectrumTimer = null;
        this.spectrumTimerDue = Infinity;
        this.pump();
      }, Math.max(1, Math.ceil(nextDue - now)));
      this.spectrumTimer.unref();
    }
  }

  /**
   * Closes a client that went over its budget: 1013 when alerts piled up (a slow reader: it reconnects and resumes),
   * 1008 when its own error replies did, or it spent its error budget. Its queues are dropped at once and it is
   * terminated if it does not finish the close handshake within the grace time. A 1008 client is not read from any more
   * (its flood stays in its own socket buffers, costing this process nothing), and its grace is at most 1 s.
   */
  closeOverBudget(code: 1008 | 1013, reason: string): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    const facts = { code, queued: this.queuedCount, queuedErrors: this.queuedErrors, held: this.held.length, bufferedBytes: this.ws.bufferedAmount };
    if (code === CLOSE_CODES.tryAgainLater) this.log.warn(facts, 'client cannot keep up with alerts: closing with 1013 so it reconnects and resumes');
    else {
      this.log.warn(facts, `client over its budget: closing with 1008 (${reason})`);
      this.ws.pause();
    }
    this.queue = [];
    this.qHead = 0;
    this.held = [];
    this.spectra.clear();
    this.statusText = null;
    this.wakeRoomWaiters();
    this.queuedErrors = 0;
    try {
      this.ws.close(code, reason);
    } catch {
      // already closing
    }
    const o = this.limits;
    this.killTimer = setTimeout(() => this.ws.terminate(), code === CLOSE_CODES.policyViolation ? Math.min(o.overflowCloseGraceMs, 1000) : o.overflowCloseGraceMs);
    this.killTimer.unref();
  }

  /** Closes the client whose queued plus held messages went over `maxQueuedAlerts` (1008 when error replies are among them, else 1013). */
  overflow(): void {
    if (this.queuedErrors > 0) this.closeOverBudget(CLOSE_CODES.policyViolation, 'send queue full of unread error replies');
    else this.closeOverBudget(CLOSE_CODES.tryAgainLater, 'alert backlog too large: reconnect and resume');
  }

  /** True when queued plus held messages are over `maxQueuedAlerts`. */
  private overBound(): boolean {
    return this.queuedCount + this.held.length > this.limits.maxQueuedAlerts;
  }

  /** Queues an alert for sending (no mode check). */
  enqueue(item: QueuedAlert): void {
    if (this.closing || this.closed) return;
    this.queue.push(item);
    if (item.seq > this.lastSentSeq) this.lastSentSeq = item.seq;
    if (this.overBound()) {
      this.overflow();
      return;
    }
    this.pump();
    if (this.qHead < this.queue.length && this.queue[this.queue.length - 1] === item) this.alertsWaited++;
  }

  /** Holds a live alert while the client is pending or replaying ({@link goLive} sends the ones it was not sent). */
  hold(item: QueuedAlert): void {
    this.held.push(item);
    if (this.overBound()) this.overflow();
  }

  /** Switches to live: queues the held alerts above {@link lastSentSeq}, in order. */
  goLive(): void {
    if (this.closed || this.closing) return;
    this.mode = 'live';
    const held = this.held;
    this.held = [];
    for (const h of held) if (h.seq > this.lastSentSeq) this.enqueue(h);
    this.pump();
  }

  /**
   * Queues an error reply behind whatever the client has queued (same queue, same bound as alerts) and spends one unit
   * of its error budget; a client out of budget is closed with 1008 instead.
   */
  sendError(message: string): void {
    if (this.closed || this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    const o = this.limits;
    const now = performance.now();
    this.errorTokens = Math.min(o.clientErrorBurst, this.errorTokens + ((now - this.errorAtMs) / 1000) * o.clientErrorsPerSecond);
    this.errorAtMs = now;
    if (this.errorTokens < 1) {
      this.closeOverBudget(CLOSE_CODES.policyViolation, `more than ${o.clientErrorBurst} protocol errors (${o.clientErrorsPerSecond}/s allowed)`);
      return;
    }
    this.errorTokens -= 1;
    this.queue.push({ seq: 0, text: messageText({ v: 1, type: 'error', message: message.length > 500 ? message.slice(0, 500) + '…' : message }), queuedAtMs: now });
    this.queuedErrors++;
    if (this.overBound()) {
      this.overflow();
      return;
    }
    this.pump();
  }

  /** Marks the client closed after its socket's `'close'`: timers stopped, queues dropped, replay waiters woken. */
  onClosed(): void {
    this.closed = true;
    this.clearTimers();
    this.wakeRoomWaiters();
    this.queue = [];
    this.held = [];
  }
}
