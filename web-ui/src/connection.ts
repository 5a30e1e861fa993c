// WebSocket client of protocol v1: connect, resume right after hello, reconnect with backoff, detect sign-in needed.
import type { ClientMessage, HelloMessage, ListenStateMessage, ServerMessage } from './protocol-types.js';

/** Connection state as the indicator shows it. */
export type ConnState = 'connecting' | 'live' | 'reconnecting' | 'auth';

/** Options of {@link Connection}. */
export interface ConnectionOptions {
  /** Page URL the `ws`, `healthz` paths are resolved against (relative: works behind a path-prefix proxy). */
  base: URL;
  /** Called with each `hello`; returns the `sinceSeq` to resume from (the caller may reset its state first). */
  onHello: (hello: HelloMessage) => number;
  /** Every other server message, in arrival order. */
  onMessage: (msg: ServerMessage) => void;
  /**
   * Live listening (live-listen.ts): its `listen-state` messages, every binary (audio) frame, and each lost socket (the
   * server ends a listen with its socket); absent: dropped.
   */
  listen?: { onState(m: ListenStateMessage): void; onFrame(frame: ArrayBuffer): void; onSocketLost(): void };
  /** State changes; `retryInMs` with 'reconnecting'. */
  onState: (state: ConnState, retryInMs?: number) => void;
  /** First reconnect delay (ms), doubled per failed attempt up to `maxBackoffMs`; ±20 % jitter. Default 500. */
  initialBackoffMs?: number;
  /** Longest reconnect delay (ms). Default 5000. */
  maxBackoffMs?: number;
  /** A connection that received nothing for this long (ms) is dropped and reopened (the daemon sends a status every second). Default 15000. */
  stallMs?: number;
}

/**
 * Keeps one protocol v1 WebSocket open. After each `hello` it sends `resume {sinceSeq}` at once (the server then
 * replays every stored alert after sinceSeq, then goes live: nothing missed). When a socket fails before its `hello`,
 * `GET healthz` tells a refused token (401 → state 'auth', no retries until {@link retryNow}) from a daemon that is down.
 */
export class Connection {
  private readonly o: Required<Omit<ConnectionOptions, 'base' | 'onHello' | 'onMessage' | 'onState' | 'listen'>> & ConnectionOptions;
  private ws: WebSocket | null = null;
  private attempts = 0;
  private timer: number | null = null;
  private watchdog: number | null = null;
  private lastMessageAt = 0;
  private stopped = true;
  private probing = false;
  private state: ConnState = 'connecting';

  constructor(opts: ConnectionOptions) {
    this.o = { initialBackoffMs: 500, maxBackoffMs: 5000, stallMs: 15_000, ...opts };
  }

  /** Current state. */
  get connState(): ConnState {
    return this.state;
  }

  /** Opens the first connection. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.watchdog = window.setInterval(() => this.checkStall(), 5000);
    this.connect();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.timer = this.watchdog = null;
    this.drop();
  }

  /** Reconnects now (after a sign-in, or a click on the indicator). */
  retryNow(): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.attempts = 0;
    this.drop();
    this.connect();
  }

  /** Sends a client message; false when not connected (the caller shows that nothing was sent). */
  send(msg: ClientMessage): boolean {
    if (this.ws === null || this.ws.readyState !== WebSocket.OPEN || this.state !== 'live') return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  private setState(s: ConnState, retryInMs?: number): void {
    this.state = s;
    this.o.onState(s, retryInMs);
  }

  private wsUrl(): string {
    const u = new URL('ws', this.o.base);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.search = '';
    u.hash = '';
    return u.toString(); // signed in by the HttpOnly cookie of POST login: no token in any URL
  }

  private drop(): void {
    const ws = this.ws;
    this.ws = null;
    if (ws === null) return;
    this.o.listen?.onSocketLost();
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close();
    } catch {
      // already closed
    }
  }

  private connect(): void {
    if (this.stopped) return;
    if (this.state !== 'reconnecting') this.setState('connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.wsUrl());
    } catch {
      this.scheduleReconnect(false);
      return;
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    let gotHello = false;
    this.lastMessageAt = performance.now();
    ws.onmessage = (ev: MessageEvent) => {
      this.lastMessageAt = performance.now();
      if (ev.data instanceof ArrayBuffer) this.o.listen?.onFrame(ev.data);
      if (typeof ev.data !== 'string') return;
      let msg: ServerMessage;
      try {
        msg = JSON.parse(ev.data) as ServerMessage;
      } catch {
        console.warn('quietband: a server message is not JSON');
        return;
      }
      if (msg === null || typeof msg !== 'object' || msg.v !== 1) return;
      if (msg.type === 'hello') {
        gotHello = true;
        this.attempts = 0;
        const sinceSeq = this.o.onHello(msg);
        ws.send(JSON.stringify({ v: 1, type: 'resume', sinceSeq } satisfies ClientMessage));
        this.setState('live');
        return;
      }
      if (msg.type === 'listen-state') this.o.listen?.onState(msg);
      else this.o.onMessage(msg);
    };
    ws.onclose = () => {
      this.o.listen?.onSocketLost();
      if (this.ws !== ws) return;
      this.ws = null;
      this.scheduleReconnect(gotHello);
    };
  }

  private scheduleReconnect(hadHello: boolean): void {
    if (this.stopped || this.timer !== null || this.probing) return;
    const go = (): void => {
      const base = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** this.attempts);
      const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
      this.attempts++;
      this.setState('reconnecting', delay);
      this.timer = window.setTimeout(() => {
        this.timer = null;
        this.connect();
      }, delay);
    };
    if (hadHello) {
      go();
      return;
    }
    // Refused before hello: a 401 on the WebSocket is invisible to scripts, so ask over HTTP.
    this.probing = true;
    const probeUrl = new URL('healthz', this.o.base);
    probeUrl.search = '';
    probeUrl.hash = '';
    fetch(probeUrl, { cache: 'no-store', credentials: 'same-origin' })
      .then((r) => r.status)
      .catch(() => 0)
      .then((status) => {
        this.probing = false;
        if (this.stopped || this.ws !== null) return;
        if (status === 401) this.setState('auth');
        else go();
      });
  }

  private checkStall(): void {
    if (this.ws === null || this.ws.readyState !== WebSocket.OPEN) return;
    if (performance.now() - this.lastMessageAt < this.o.stallMs) return;
    console.warn(`quietband: nothing received for ${this.o.stallMs} ms: reconnecting`);
    this.drop();
    this.scheduleReconnect(true);
  }
}
