// Every WebSocket client of the server: connection and hello, the dispatch of client messages, resume (replay then
// live, each seq once), live alerts from the feed, status and spectrum fan-out, heartbeat and shutdown.
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocket, type RawData } from 'ws';
import type { Alert } from '../alerts/alert.js';
import type { AlertFeedHistory, AlertFeedLive } from '../alerts/alert-feed.js';
import { QuietBandError } from '../errors.js';
import type { AccessPolicy } from './access.js';
import { readClientFrame, toClientMessage } from './client-messages.js';
import type { RequestPeer } from './guard.js';
import type { AckMessage, DiskStatus, EscalateMessage, HelloMessage, KnownMessage, SensorHealth, SessionStatus, StatusMessage } from './protocol.js';
import type { ServerSensorInfo, WsExtensionHooks } from './server-options.js';
import { decimateSpectrum, type SpectrumInput } from './spectrum-decimate.js';
import { alertText, CLOSE_CODES, messageText, SpectrumEntry, WsClient, type ClientLimits, type ClientStats, type QueuedAlert } from './ws-client.js';

/** Replay reads from the store pause while a client has this many alerts queued, and go on below half of it. */
const REPLAY_QUEUE_HIGH = 512;

/** Settings of a {@link ClientHub} (ServerOptions of the same names, after defaults) besides the per-client limits. */
export interface ClientHubOptions extends ClientLimits {
  site: string;
  sensors: readonly ServerSensorInfo[];
  /** IANA time zone announced in `hello`. */
  timeZone: string;
  /** Heartbeat period (ms). */
  heartbeatMs: number;
  /** A client that sends no `resume` within this (ms) goes live from `hello.lastSeq`. */
  resumeWaitMs: number;
  /** Most points per spectrum array. */
  spectrumMaxPoints: number;
  /** More client message types (live listening), see ServerOptions.wsExtension. */
  wsExtension?: WsExtensionHooks;
}

/**
 * The set of connected clients and what they share (latest status, latest spectrum per sensor, the alert feed). See
 * startServer for the protocol as a client sees it. {@link onMessage} is where each client message is dispatched.
 */
export class ClientHub {
  private readonly o: ClientHubOptions;
  private readonly records: AlertFeedHistory;
  private readonly live: AlertFeedLive;
  private readonly access: AccessPolicy;
  private readonly log: Logger;
  private readonly clients = new Set<WsClient>();
  private nextClientId = 1;
  private latestStatusMsg: StatusMessage;
  private latestStatusText: string;
  private readonly latestSpectra = new Map<string, SpectrumEntry>();
  private heartbeat: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly onAlert = (alert: Alert): void => this.fanOutAlert(alert);

  /** Subscribes to the feed's `'alert'` events at once ({@link detach} or {@link close} unsubscribe). */
  constructor(o: ClientHubOptions, records: AlertFeedHistory, live: AlertFeedLive, access: AccessPolicy, log: Logger) {
    this.o = o;
    this.records = records;
    this.live = live;
    this.access = access;
    this.log = log;
    this.latestStatusMsg = {
      v: 1,
      type: 'status',
      sensors: o.sensors.map((s) => ({
        sensor: s.name,
        online: false,
        state: 'starting',
        centerHz: s.centerHz,
        configuredRateSps: s.rateSps,
        achievedRateSps: 0,
        droppedBlocks: 0,
        clipFraction: 0,
        overload: false,
        lastFrameAgeMs: null,
      })),
    };
    this.latestStatusText = messageText(this.latestStatusMsg);
    live.on('alert', this.onAlert);
  }

  /** Clients connected now. */
  get size(): number {
    return this.clients.size;
  }

  /** True once {@link close} was called. */
  get shuttingDown(): boolean {
    return this.closing;
  }

  /** Sensor health of the latest status (for /healthz). */
  latestSensors(): readonly SensorHealth[] {
    return this.latestStatusMsg.sensors;
  }

  /** Counters per connected client. */
  stats(): ClientStats[] {
    return [...this.clients].map((c) => c.stats());
  }

  /** Stops listening to the feed (the server failed to start). */
  detach(): void {
    this.live.off('alert', this.onAlert);
  }

  /** Pings every client each `heartbeatMs` and terminates one that did not pong since the previous ping (ws README "How to detect and close broken connections?"). */
  startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) {
        if (!c.isAlive) {
          c.log.warn('no pong since the last heartbeat: terminating');
          c.ws.terminate();
          continue;
        }
        c.isAlive = false;
        try {
          c.ws.ping();
        } catch {
          // socket already gone; 'close' cleans up
        }
      }
    }, this.o.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * A new client: sends `hello` (with the feed's `lastSeq`), the latest status and the latest spectrum of each sensor,
   * then waits `resumeWaitMs` for a `resume` before going live from `hello.lastSeq`.
   */
  accept(ws: WebSocket, req: IncomingMessage, peer: RequestPeer): void {
    const remote = `${peer.address}:${req.socket.remotePort ?? 0}`;
    const id = this.nextClientId++;
    const c = new WsClient(id, ws, remote, this.log.child({ client: id, remote }), this.o, {
      origin: req.headers.origin,
      hostHeader: this.access.forwardedHostHeader(req),
      identity: `${this.access.authRequired ? 'token' : 'local'}@${peer.address}`,
    });
    this.clients.add(c);
    c.log.info({ clients: this.clients.size }, 'client connected');
    ws.on('error', (err) => c.log.warn({ err: err.message }, 'websocket error'));
    ws.on('pong', () => {
      c.isAlive = true;
    });
    ws.on('message', (data, isBinary) => this.onMessage(c, data, isBinary));
    ws.on('close', (code, reason) => {
      this.o.wsExtension?.onClose(ws);
      c.onClosed();
      this.clients.delete(c);
      c.log.info({ code, reason: reason.toString(), alertsSent: c.alertsSent, lastSentSeq: c.lastSentSeq }, 'client disconnected');
    });
    c.helloSeq = this.records.lastSeq;
    const hello: HelloMessage = {
      v: 1,
      type: 'hello',
      site: this.o.site,
      sensors: this.o.sensors.map((s) => ({ name: s.name, centerHz: s.centerHz, rateSps: s.rateSps, fftSize: s.fftSize, ...(s.location !== undefined ? { location: { ...s.location } } : {}) })),
      lastSeq: c.helloSeq,
      timeZone: this.o.timeZone,
      authRequired: this.access.authRequired,
    };
    c.sendText(messageText(hello));
    c.sendText(this.latestStatusText);
    for (const [sensor, e] of this.latestSpectra) c.spectra.set(sensor, e);
    c.resumeTimer = setTimeout(() => {
      c.resumeTimer = null;
      if (c.mode !== 'pending') return;
      c.liveFloor = c.helloSeq;
      c.lastSentSeq = c.helloSeq;
      c.goLive();
    }, this.o.resumeWaitMs);
    c.resumeTimer.unref();
    c.pump();
  }

  /**
   * Dispatch of one client message: a frame that is not a valid v1 message gets an `error` (counted against the
   * client's error budget); `resume` is chained behind the client's earlier resumes ({@link resume}); `ack`, `known`
   * and `escalate` are checked against the access policy again and forwarded to the feed ({@link act}).
   */
  private onMessage(c: WsClient, data: RawData, isBinary: boolean): void {
    if (c.closing || c.closed) return;
    const frame = readClientFrame(data, isBinary);
    if ('error' in frame) {
      c.sendError(frame.error);
      return;
    }
    if (this.o.wsExtension?.onMessage(c.ws, frame.json) === true) return;
    const parsed = toClientMessage(frame.json);
    if ('error' in parsed) {
      c.sendError(parsed.error);
      return;
    }
    const msg = parsed.msg;
    switch (msg.type) {
      case 'resume':
        c.chain = c.chain
          .then(() => this.resume(c, msg.sinceSeq))
          .catch((err: unknown) => {
            c.log.error({ err }, 'resume failed');
            c.sendError(`resume failed: ${(err as Error).message}`);
            if (!c.closed) c.ws.close(CLOSE_CODES.resumeFailed, 'resume failed: reconnect and resume');
          });
        return;
      case 'ack':
      case 'known':
      case 'escalate':
        this.act(c, msg);
        return;
    }
  }

  /**
   * A supervisor's state change. The connection's Host and Origin are checked again (the policy, not the socket,
   * decides), and the record names the authenticated identity next to the name the client gave: `ackBy` is
   * "<by> (<identity>)". The stored record reaches every client as an `alert`; a refusal or failure gets an `error`
   * to this client only.
   */
  private act(c: WsClient, msg: AckMessage | KnownMessage | EscalateMessage): void {
    const refusal = this.access.stateChangeRefusal(c.origin, c.hostHeader);
    if (refusal !== undefined) {
      c.log.warn({ type: msg.type, alertId: msg.alertId, origin: c.origin, host: c.hostHeader }, `${msg.type} refused: ${refusal}`);
      c.sendError(`${msg.type}: refused: ${refusal}`);
      return;
    }
    const by = `${msg.by ?? 'supervisor'} (${c.identity})`;
    const p = msg.type === 'ack' ? this.live.ack(msg.alertId, by) : msg.type === 'known' ? this.live.known(msg.alertId, by, msg.label) : this.live.escalate(msg.alertId, by);
    p.catch((err: unknown) => {
      if (!(err instanceof QuietBandError && err.code === 'BAD_INPUT')) c.log.error({ err, alertId: msg.alertId }, `${msg.type} failed`);
      c.sendError(`${msg.type}: ${(err as Error).message}`);
    });
  }

  /** Queues the stored records with seq > `sinceSeq` (and ≤ `upTo`), pausing while the client's queue is long. */
  private async replay(c: WsClient, sinceSeq: number, upTo: number | undefined): Promise<number> {
    let n = 0;
    for await (const rec of this.records.readSince(sinceSeq)) {
      if (c.closed || c.closing) break;
      if (upTo !== undefined && rec.seq > upTo) break;
      c.enqueue({ seq: rec.seq, text: alertText(rec), queuedAtMs: performance.now() });
      n++;
      while (!c.closed && !c.closing && c.queuedCount >= REPLAY_QUEUE_HIGH) await c.waitForRoom();
    }
    return n;
  }

  /**
   * `resume {sinceSeq}`: replays every stored record after `sinceSeq`, holding live alerts meanwhile, then goes live.
   * Before going live the replay runs up to the newest record; afterwards (a late resume) it replays only what lies
   * below the client's live floor. A `sinceSeq` above the feed's `lastSeq` gets an `error` and a replay from 0.
   */
  private async resume(c: WsClient, requested: number): Promise<void> {
    if (c.closed || c.closing) return;
    const lastSeq = this.records.lastSeq;
    let sinceSeq = requested;
    if (sinceSeq > lastSeq) {
      c.sendError(`resume: sinceSeq ${sinceSeq} is ahead of this site's last stored seq ${lastSeq} (data dir replaced?): replaying from 0`);
      c.log.warn({ sinceSeq, lastSeq }, 'resume ahead of the store: replaying from 0');
      sinceSeq = 0;
    }
    let upTo: number | undefined;
    if (c.mode === 'pending') {
      if (c.resumeTimer !== null) clearTimeout(c.resumeTimer);
      c.resumeTimer = null;
      c.lastSentSeq = sinceSeq;
      c.liveFloor = sinceSeq;
    } else {
      if (sinceSeq >= c.liveFloor) return;
      upTo = c.liveFloor;
      c.liveFloor = sinceSeq;
    }
    c.mode = 'replaying';
    const t0 = performance.now();
    try {
      const n = await this.replay(c, sinceSeq, upTo);
      c.log.debug({ sinceSeq, upTo, replayed: n, ms: Math.round(performance.now() - t0) }, 'resume replayed');
    } finally {
      c.goLive();
    }
  }

  /** A new record from the feed: queued for live clients (once per seq), held for pending and replaying ones. */
  private fanOutAlert(alert: Alert): void {
    if (this.clients.size === 0) return;
    const item: QueuedAlert = { seq: alert.seq, text: alertText(alert), queuedAtMs: performance.now() };
    for (const c of this.clients) {
      if (c.closing || c.closed) continue;
      if (c.mode === 'live') {
        if (item.seq > c.lastSentSeq) c.enqueue(item);
      } else c.hold(item);
    }
  }

  /** Sends a spectrum (decimated to ≤ spectrumMaxPoints, copied) to every client, rate-limited and latest-only per sensor. */
  broadcastSpectrum(input: SpectrumInput): void {
    if (this.closing) return;
    const msg = decimateSpectrum(input, this.o.spectrumMaxPoints);
    const entry = new SpectrumEntry(msg);
    this.latestSpectra.set(msg.sensor, entry);
    for (const c of this.clients) {
      if (c.closing || c.closed) continue;
      if (c.spectra.has(msg.sensor)) c.spectraSuperseded++;
      c.spectra.set(msg.sensor, entry);
      c.pump();
    }
  }

  /** Stores the latest status and sends it to every client (latest-only for slow clients). */
  broadcastStatus(msg: StatusMessage | { sensors: SensorHealth[]; session?: SessionStatus; disk?: DiskStatus }): void {
    if (this.closing) return;
    this.latestStatusMsg = { v: 1, type: 'status', sensors: msg.sensors.map((s) => ({ ...s })), ...(msg.session !== undefined ? { session: msg.session } : {}), ...(msg.disk !== undefined ? { disk: msg.disk } : {}) };
    this.latestStatusText = messageText(this.latestStatusMsg);
    for (const c of this.clients) {
      if (c.closing || c.closed) continue;
      c.statusText = this.latestStatusText;
      c.pump();
    }
  }

  /**
   * Shuts the clients down: stops the feed subscription and the heartbeat, closes every client with 1001 and resolves
   * when all are closed (any still open after 1 s is terminated). Broadcasts are ignored from the call on.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.detach();
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    const waits: Promise<unknown>[] = [];
    for (const c of this.clients) {
      c.clearTimers();
      if (c.ws.readyState === WebSocket.CLOSED) continue;
      waits.push(once(c.ws, 'close'));
      try {
        c.ws.close(CLOSE_CODES.shuttingDown, 'server shutting down');
      } catch {
        c.ws.terminate();
      }
    }
    const grace = setTimeout(() => {
      for (const c of this.clients) c.ws.terminate();
    }, 1000);
    await Promise.all(waits);
    clearTimeout(grace);
  }
}
