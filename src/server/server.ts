// HTTP + WebSocket server (protocol v1): static UI, /healthz, token auth, alert replay/resume, spectrum/status fan-out.
import { once } from 'node:events';
import { join } from 'node:path';
import { promises as fsp } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { z } from 'zod';
import type { AlertBus } from '../alerts/alert-bus.js';
import type { AlertStore } from '../alerts/alert-store.js';
import { QuietBandError } from '../errors.js';
import { isAuthorized, isLoopbackBind, loadOrCreateToken, TOKEN_COOKIE } from './auth.js';
import type { Alert, HelloMessage, SensorHealth, ServerMessage, SpectrumMessage, StatusMessage } from './protocol.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { decimateSpectrum, type SpectrumInput } from './spectrum-decimate.js';
import { defaultWebRoot, serveStatic } from './static-files.js';

/** One sensor as announced in `hello`. */
export type ServerSensorInfo = HelloMessage['sensors'][number];

/** Options of {@link startServer}. Defaults are in {@link SERVER_DEFAULTS}. */
export interface ServerOptions {
  /** Listen address. Loopback (127.0.0.0/8, ::1, localhost) → no auth; anything else (incl. 0.0.0.0) → token auth. Default '127.0.0.1'. */
  bind?: string;
  /** TCP port; 0 picks a free one (read it back from the result). Default 8080. */
  port?: number;
  /** Site name (hello, /healthz). */
  site: string;
  /** Sensors announced in `hello`; also the initial `status` (state 'starting') until {@link RunningServer.broadcastStatus}. */
  sensors: ServerSensorInfo[];
  /** Open alert store (replay source and lastSeq). */
  store: AlertStore;
  /** Alert bus: the server listens to its `'alert'` event and forwards ack/known to it. */
  bus: AlertBus;
  /** Folder of static UI files. Default {@link defaultWebRoot} (web-ui/dist if built, else web-ui). */
  webRoot?: string;
  /** Access token to use instead of `<dataDir>/token` when auth is on. Ignored when auth is off. */
  token?: string;
  /** Data dir: holds `token` (mode 0600) when auth is on. */
  dataDir: string;
  /** pino logger (child loggers per component and per client). Default: silent. */
  logger?: Logger;
  /** Force auth on/off. Default: on unless `bind` is loopback. Turn it on when a reverse proxy on this machine exposes the port. */
  requireAuth?: boolean;
  /** Extra browser origins allowed to open the WebSocket (e.g. 'https://proxy.example'); same-host origins always are. Default []. */
  allowedOrigins?: string[];
  /** Heartbeat period (ms): ping every period, terminate a client that did not pong since the previous one. Default 30000. */
  heartbeatMs?: number;
  /** A client that sends no `resume` within this time (ms) after `hello` goes live from `hello.lastSeq`. Default 1000. */
  resumeWaitMs?: number;
  /** Minimum interval between two spectra of one sensor to one client (ms): 100 → ≤ 10 msgs/s. Default 100. */
  spectrumMinIntervalMs?: number;
  /** Most points per spectrum array (max-decimated). Default 1024. */
  spectrumMaxPoints?: number;
  /** Spectra/status are held (latest only per sensor) while the client's `bufferedAmount` is at or above this (bytes). Default 256 KiB. */
  spectrumHighWaterBytes?: number;
  /** Alerts are queued in memory while the client's `bufferedAmount` is at or above this (bytes). Default 1 MiB. */
  alertHighWaterBytes?: number;
  /** A client with more alerts queued than this is closed with 1013 (it reconnects and resumes). Default 10000. */
  maxQueuedAlerts?: number;
  /** After a 1013 close, a client that does not finish the close handshake is terminated after this (ms). Default 5000. */
  overflowCloseGraceMs?: number;
  /** Largest accepted client message (bytes). Default 65536. */
  maxPayloadBytes?: number;
  /** IANA time zone announced in `hello`. Default: this machine's. */
  timeZone?: string;
  /**
   * Evidence served behind the same auth: `GET /clips/<name>.sigmf-meta|.sigmf-data` from `dir`, `GET /clips/<name>.png`
   * (the clip's spectrogram) from `picturesDir`. Absent: /clips/ is a static path like any other.
   */
  clips?: { dir: string; picturesDir: string };
  /**
   * Extra HTTP routes behind the same auth (e.g. `/metrics`), tried in order after `/healthz`: each returns true when it
   * answered the request.
   */
  routes?: ((req: IncomingMessage, res: ServerResponse, url: URL) => boolean)[];
}

/** Defaults of the optional {@link ServerOptions} fields. */
export const SERVER_DEFAULTS = {
  bind: '127.0.0.1',
  port: 8080,
  allowedOrigins: [] as string[],
  heartbeatMs: 30_000,
  resumeWaitMs: 1000,
  spectrumMinIntervalMs: 100,
  spectrumMaxPoints: 1024,
  spectrumHighWaterBytes: 256 * 1024,
  alertHighWaterBytes: 1024 * 1024,
  maxQueuedAlerts: 10_000,
  overflowCloseGraceMs: 5000,
  maxPayloadBytes: 64 * 1024,
} as const;

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
}

/** Handle returned by {@link startServer}. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080/` (0.0.0.0 → 127.0.0.1, :: → [::1]). */
  url: string;
  /** Port actually bound. */
  port: number;
  /** True when HTTP and WS need the token. */
  authRequired: boolean;
  /** The token when auth is on. */
  token?: string;
  /** True when the token was generated by this start: print it once. */
  tokenCreated: boolean;
  /** Where the token is stored (auth on, no `token` option). */
  tokenPath?: string;
  /** Sends a spectrum (decimated to ≤ spectrumMaxPoints, copied) to every client, rate-limited and latest-only per sensor. */
  broadcastSpectrum(msg: SpectrumInput): void;
  /** Stores the latest status and sends it to every client (latest-only for slow clients); also feeds /healthz. */
  broadcastStatus(msg: StatusMessage | { sensors: SensorHealth[] }): void;
  /** Counters per connected client. */
  clientStats(): ClientStats[];
  /** Closes every client (1001), the WS server and the HTTP server. Does not close the bus or store. Idempotent. */
  close(): Promise<void>;
}

const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ v: z.literal(1), type: z.literal('resume'), sinceSeq: z.number().int().min(0) }),
  z.object({ v: z.literal(1), type: z.literal('ack'), alertId: z.string().min(1).max(200), by: z.string().min(1).max(100).optional() }),
  z.object({ v: z.literal(1), type: z.literal('known'), alertId: z.string().min(1).max(200), by: z.string().min(1).max(100).optional() }),
  z.object({ v: z.literal(1), type: z.literal('escalate'), alertId: z.string().min(1).max(200), by: z.string().min(1).max(100).optional() }),
]);

interface QueuedAlert {
  seq: number;
  text: string;
}

/** Latest decimated spectrum of a sensor; serialised on first send only (most frames are superseded unsent). */
class SpectrumEntry {
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

class Client {
  readonly id: number;
  readonly ws: WebSocket;
  readonly remote: string;
  readonly log: Logger;
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
  chain: Promise<void> = Promise.resolve();
  roomWaiters: (() => void)[] = [];
  closing = false;
  closed = false;
  alertsSent = 0;
  spectraSent = 0;
  spectraSuperseded = 0;
  maxBufferedBytes = 0;

  constructor(id: number, ws: WebSocket, remote: string, log: Logger) {
    this.id = id;
    this.ws = ws;
    this.remote = remote;
    this.log = log;
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
}

/** Replay reads from the store pause while a client has this many alerts queued, and go on below half of it. */
const REPLAY_QUEUE_HIGH = 512;

function alertText(alert: Alert): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, type: 'alert', alert });
}

function messageText(msg: ServerMessage): string {
  return JSON.stringify(msg);
}

function urlHost(bind: string): string {
  if (bind === '0.0.0.0') return '127.0.0.1';
  if (bind === '::' || bind === '[::]') return '[::1]';
  if (bind.includes(':') && !bind.startsWith('[')) return `[${bind}]`;
  return bind;
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, extra: Record<string, string> = {}): void {
  const body = `${reason}\n`;
  const headers = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  // As ws's abortHandshake: destroy once the response is flushed, so the status line is not lost.
  socket.once('finish', () => socket.destroy());
  socket.end(headers.join('\r\n') + '\r\n\r\n' + body);
}

function positiveNumber(name: string, v: number, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new QuietBandError(`server: ${name}: expected a number >= ${min}, got ${String(v)}`, 'CONFIG');
  }
  return v;
}

/**
 * Starts the HTTP + WebSocket server of the live daemon (see DESIGN.md "WebSocket protocol v1").
 *
 * HTTP: `GET /healthz` → `{ ok, site, sensorsOnline, sensorsTotal, lastSeq }`; `GET /login?token=T` → sets the
 * `quietband_token` cookie (HttpOnly, SameSite=Strict) and redirects to `/`; everything else is a static file of
 * `webRoot`. When auth is on, every path except `/login` (including `/healthz`) needs `Authorization: Bearer T`,
 * `?token=T` or the cookie, else 401.
 *
 * WebSocket at `/ws` (upgrade without a valid token → 401 and the socket is destroyed; foreign `Origin` → 403):
 * 1. The server sends `hello` (with `lastSeq`), then the latest `status`, then the latest spectrum of each sensor.
 * 2. The client sends `resume {sinceSeq}` (its last seen seq; `hello.lastSeq` to skip history, 0 for all): the server
 *    replays every stored alert with seq > sinceSeq in order, then continues live — each seq exactly once, no gap.
 *    Without a resume within `resumeWaitMs`, the client goes live from `hello.lastSeq`; a later resume then replays
 *    the older alerts it has not been sent (those arrive after newer ones). A sinceSeq above the store's lastSeq
 *    (data dir replaced) is answered with an `error` and a replay from 0.
 * 3. `ack`/`known`/`escalate {alertId, by?}` → bus → stored → broadcast to every client as an `alert`; an unknown alertId or a
 *    malformed message gets an `error` to that client only.
 * Alerts are never dropped for a slow client: they queue in memory; above `maxQueuedAlerts` the client is closed with
 * 1013 (reconnect and resume). Spectra: ≤ 1 per `spectrumMinIntervalMs` per sensor per client, latest-only while
 * the client's `bufferedAmount` ≥ `spectrumHighWaterBytes`. Heartbeat per the ws README (isAlive/ping/terminate).
 *
 * @throws QuietBandError('CONFIG') for bad options or a port in use; QuietBandError('IO') when the token file cannot be used.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const o = {
    bind: opts.bind ?? SERVER_DEFAULTS.bind,
    port: opts.port ?? SERVER_DEFAULTS.port,
    allowedOrigins: opts.allowedOrigins ?? SERVER_DEFAULTS.allowedOrigins,
    heartbeatMs: positiveNumber('heartbeatMs', opts.heartbeatMs ?? SERVER_DEFAULTS.heartbeatMs, 10),
    resumeWaitMs: positiveNumber('resumeWaitMs', opts.resumeWaitMs ?? SERVER_DEFAULTS.resumeWaitMs),
    spectrumMinIntervalMs: positiveNumber('spectrumMinIntervalMs', opts.spectrumMinIntervalMs ?? SERVER_DEFAULTS.spectrumMinIntervalMs),
    spectrumMaxPoints: positiveNumber('spectrumMaxPoints', opts.spectrumMaxPoints ?? SERVER_DEFAULTS.spectrumMaxPoints, 1),
    spectrumHighWaterBytes: positiveNumber('spectrumHighWaterBytes', opts.spectrumHighWaterBytes ?? SERVER_DEFAULTS.spectrumHighWaterBytes, 1),
    alertHighWaterBytes: positiveNumber('alertHighWaterBytes', opts.alertHighWaterBytes ?? SERVER_DEFAULTS.alertHighWaterBytes, 1),
    maxQueuedAlerts: positiveNumber('maxQueuedAlerts', opts.maxQueuedAlerts ?? SERVER_DEFAULTS.maxQueuedAlerts, 1),
    overflowCloseGraceMs: positiveNumber('overflowCloseGraceMs', opts.overflowCloseGraceMs ?? SERVER_DEFAULTS.overflowCloseGraceMs),
    maxPayloadBytes: positiveNumber('maxPayloadBytes', opts.maxPayloadBytes ?? SERVER_DEFAULTS.maxPayloadBytes, 128),
  };
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new QuietBandError(`server: port: expected an integer 0..65535, got ${String(o.port)}`, 'CONFIG');
  }
  if (typeof opts.site !== 'string' || opts.site.length === 0) throw new QuietBandError('server: site: expected a non-empty name', 'CONFIG');
  const { store, bus, site } = opts;
  const log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'server' });
  const timeZone = opts.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

  // --- auth ---
  const authRequired = opts.requireAuth ?? !isLoopbackBind(o.bind);
  let token: string | undefined;
  let tokenCreated = false;
  let tokenPath: string | undefined;
  if (authRequired) {
    if (opts.token !== undefined && opts.token.length > 0) token = opts.token;
    else {
      const t = await loadOrCreateToken(opts.dataDir, log);
      token = t.token;
      tokenCreated = t.tokenCreated;
      tokenPath = t.tokenPath;
    }
  }
  const authorized = (req: IncomingMessage, url: URL): boolean => !authRequired || isAuthorized(req, url, token!);

  // --- static root ---
  const webRoot = opts.webRoot ?? defaultWebRoot();
  let webRootReal: string | null = null;
  try {
    webRootReal = await fsp.realpath(webRoot);
  } catch {
    log.warn({ webRoot }, 'web UI folder not found: only /healthz and /ws will answer');
  }

  // --- state shared by all clients ---
  const clients = new Set<Client>();
  let nextClientId = 1;
  let latestStatus: StatusMessage = {
    v: 1,
    type: 'status',
    sensors: opts.sensors.map((s) => ({
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
  let latestStatusText = messageText(latestStatus);
  const latestSpectra = new Map<string, SpectrumEntry>();
  let shuttingDown = false;

  // --- per-client sending ---
  const schedulePump = (c: Client): void => {
    if (c.pumpScheduled || c.closed) return;
    c.pumpScheduled = true;
    setImmediate(() => {
      c.pumpScheduled = false;
      pump(c);
    });
  };

  const sendText = (c: Client, text: string): void => {
    c.ws.send(text, (err) => {
      if (err === undefined || err === null) {
        if (c.waiting) schedulePump(c);
      }
    });
    const b = c.ws.bufferedAmount;
    if (b > c.maxBufferedBytes) c.maxBufferedBytes = b;
  };

  const waitDrain = (c: Client): void => {
    c.waiting = true;
    if (c.drainTimer === null) {
      // Fallback poll; normally a send callback (socket write done) pumps first.
      c.drainTimer = setTimeout(() => {
        c.drainTimer = null;
        pump(c);
      }, 50);
      c.drainTimer.unref();
    }
  };

  const pump = (c: Client): void => {
    if (c.closed || c.closing || c.ws.readyState !== WebSocket.OPEN) return;
    c.waiting = false;
    const ws = c.ws;
    while (c.qHead < c.queue.length) {
      if (ws.bufferedAmount >= o.alertHighWaterBytes) {
        waitDrain(c);
        return;
      }
      const item = c.queue[c.qHead]!;
      c.qHead++;
      sendText(c, item.text);
      c.alertsSent++;
      if (c.qHead >= 1024 && c.qHead * 2 >= c.queue.length) {
        c.queue = c.queue.slice(c.qHead);
        c.qHead = 0;
      }
    }
    c.queue = [];
    c.qHead = 0;
    if (c.roomWaiters.length > 0) c.wakeRoomWaiters();
    if (c.statusText !== null) {
      if (ws.bufferedAmount >= o.spectrumHighWaterBytes) {
        waitDrain(c);
        return;
      }
      sendText(c, c.statusText);
      c.statusText = null;
    }
    if (c.spectra.size === 0) return;
    const now = performance.now();
    let nextDue = Infinity;
    for (const [sensor, entry] of c.spectra) {
      const due = (c.spectrumSentAt.get(sensor) ?? -Infinity) + o.spectrumMinIntervalMs;
      if (now < due) {
        if (due < nextDue) nextDue = due;
        continue;
      }
      if (ws.bufferedAmount >= o.spectrumHighWaterBytes) {
        waitDrain(c);
        return;
      }
      sendText(c, entry.text);
      c.spectraSent++;
      c.spectrumSentAt.set(sensor, now);
      c.spectra.delete(sensor);
    }
    if (nextDue < Infinity && nextDue < c.spectrumTimerDue) {
      if (c.spectrumTimer !== null) clearTimeout(c.spectrumTimer);
      c.spectrumTimerDue = nextDue;
      c.spectrumTimer = setTimeout(() => {
        c.spectrumTimer = null;
        c.spectrumTimerDue = Infinity;
        pump(c);
      }, Math.max(1, Math.ceil(nextDue - now)));
      c.spectrumTimer.unref();
    }
  };

  const overflow = (c: Client): void => {
    if (c.closing || c.closed) return;
    c.closing = true;
    c.log.warn({ queued: c.queuedCount, held: c.held.length, bufferedBytes: c.ws.bufferedAmount }, 'client cannot keep up with alerts: closing with 1013 so it reconnects and resumes');
    c.queue = [];
    c.qHead = 0;
    c.held = [];
    c.spectra.clear();
    c.statusText = null;
    c.wakeRoomWaiters();
    try {
      c.ws.close(1013, 'alert backlog too large: reconnect and resume');
    } catch {
      // already closing
    }
    c.killTimer = setTimeout(() => c.ws.terminate(), o.overflowCloseGraceMs);
    c.killTimer.unref();
  };

  /** Queues an alert for sending (no mode check). */
  const enqueue = (c: Client, item: QueuedAlert): void => {
    if (c.closing || c.closed) return;
    c.queue.push(item);
    if (item.seq > c.lastSentSeq) c.lastSentSeq = item.seq;
    if (c.queuedCount + c.held.length > o.maxQueuedAlerts) {
      overflow(c);
      return;
    }
    pump(c);
  };

  const goLive = (c: Client): void => {
    if (c.closed || c.closing) return;
    c.mode = 'live';
    const held = c.held;
    c.held = [];
    for (const h of held) if (h.seq > c.lastSentSeq) enqueue(c, h);
    pump(c);
  };

  const sendError = (c: Client, message: string): void => {
    if (c.closed || c.closing || c.ws.readyState !== WebSocket.OPEN) return;
    sendText(c, messageText({ v: 1, type: 'error', message }));
  };

  const replay = async (c: Client, sinceSeq: number, upTo: number | undefined): Promise<number> => {
    let n = 0;
    for await (const rec of store.readSince(sinceSeq)) {
      if (c.closed || c.closing) break;
      if (upTo !== undefined && rec.seq > upTo) break;
      enqueue(c, { seq: rec.seq, text: alertText(rec) });
      n++;
      while (!c.closed && !c.closing && c.queuedCount >= REPLAY_QUEUE_HIGH) await c.waitForRoom();
    }
    return n;
  };

  const doResume = async (c: Client, requested: number): Promise<void> => {
    if (c.closed || c.closing) return;
    let sinceSeq = requested;
    if (sinceSeq > store.lastSeq) {
      sendError(c, `resume: sinceSeq ${sinceSeq} is ahead of this site's last stored seq ${store.lastSeq} (data dir replaced?): replaying from 0`);
      c.log.warn({ sinceSeq, lastSeq: store.lastSeq }, 'resume ahead of the store: replaying from 0');
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
      const n = await replay(c, sinceSeq, upTo);
      c.log.debug({ sinceSeq, upTo, replayed: n, ms: Math.round(performance.now() - t0) }, 'resume replayed');
    } finally {
      goLive(c);
    }
  };

  const onClientMessage = (c: Client, data: RawData, isBinary: boolean): void => {
    if (isBinary) {
      sendError(c, 'binary messages are not part of protocol v1');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      sendError(c, 'message is not JSON');
      return;
    }
    const r = ClientMessageSchema.safeParse(parsed);
    if (!r.success) {
      const issue = r.error.issues[0];
      sendError(c, `bad message: ${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid'} (protocol v1 expects {v:1,type:'resume'|'ack'|'known'|'escalate',…})`);
      return;
    }
    const msg = r.data;
    if (msg.type === 'resume') {
      c.chain = c.chain
        .then(() => doResume(c, msg.sinceSeq))
        .catch((err: unknown) => {
          c.log.error({ err }, 'resume failed');
          sendError(c, `resume failed: ${(err as Error).message}`);
          if (!c.closed) c.ws.close(1011, 'resume failed: reconnect and resume');
        });
      return;
    }
    const by = msg.by ?? `supervisor@${c.remote}`;
    const p = msg.type === 'ack' ? bus.ack(msg.alertId, by) : msg.type === 'known' ? bus.known(msg.alertId, by) : bus.escalate(msg.alertId, by);
    p.catch((err: unknown) => {
      if (!(err instanceof QuietBandError && err.code === 'BAD_INPUT')) c.log.error({ err, alertId: msg.alertId }, `${msg.type} failed`);
      sendError(c, `${msg.type}: ${(err as Error).message}`);
    });
  };

  const onConnection = (ws: WebSocket, req: IncomingMessage): void => {
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    const id = nextClientId++;
    const c = new Client(id, ws, remote, log.child({ client: id, remote }));
    clients.add(c);
    c.log.info({ clients: clients.size }, 'client connected');
    ws.on('error', (err) => c.log.warn({ err: err.message }, 'websocket error'));
    ws.on('pong', () => {
      c.isAlive = true;
    });
    ws.on('message', (data, isBinary) => onClientMessage(c, data, isBinary));
    ws.on('close', (code, reason) => {
      c.closed = true;
      c.clearTimers();
      c.wakeRoomWaiters();
      c.queue = [];
      c.held = [];
      clients.delete(c);
      c.log.info({ code, reason: reason.toString(), alertsSent: c.alertsSent, lastSentSeq: c.lastSentSeq }, 'client disconnected');
    });
    c.helloSeq = store.lastSeq;
    const hello: HelloMessage = {
      v: 1,
      type: 'hello',
      site,
      sensors: opts.sensors.map((s) => ({ name: s.name, centerHz: s.centerHz, rateSps: s.rateSps, fftSize: s.fftSize, ...(s.location !== undefined ? { location: { ...s.location } } : {}) })),
      lastSeq: c.helloSeq,
      timeZone,
      authRequired,
    };
    sendText(c, messageText(hello));
    sendText(c, latestStatusText);
    for (const [sensor, e] of latestSpectra) c.spectra.set(sensor, e);
    c.resumeTimer = setTimeout(() => {
      c.resumeTimer = null;
      if (c.mode !== 'pending') return;
      c.liveFloor = c.helloSeq;
      c.lastSentSeq = c.helloSeq;
      goLive(c);
    }, o.resumeWaitMs);
    c.resumeTimer.unref();
    pump(c);
  };

  // --- live alerts from the bus ---
  const onAlert = (alert: Alert): void => {
    if (clients.size === 0) return;
    const item: QueuedAlert = { seq: alert.seq, text: alertText(alert) };
    for (const c of clients) {
      if (c.closing || c.closed) continue;
      if (c.mode === 'live') {
        if (item.seq > c.lastSentSeq) enqueue(c, item);
      } else {
        c.held.push(item);
        if (c.queuedCount + c.held.length > o.maxQueuedAlerts) overflow(c);
      }
    }
  };
  bus.on('alert', onAlert);

  // --- HTTP ---
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
    res.end(text);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (url.pathname === '/login') {
      if (!authRequired) {
        res.writeHead(302, { Location: '/' }).end();
        return;
      }
      const t = url.searchParams.get('token');
      if (t === null || !isAuthorized(req, url, token!)) {
        json(res, 401, { error: 'unauthorized: /login?token=<token from the data dir token file>' });
        return;
      }
      res.writeHead(302, {
        Location: '/',
        'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token!)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000`,
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (!authorized(req, url)) {
      // a browser's first visit (GET of a page) gets the sign-in form with the 401, so a supervisor can paste the token
      const deny = (): void => json(res, 401, { error: 'unauthorized: send Authorization: Bearer <token>, ?token=<token>, or open /login?token=<token>' }, { 'WWW-Authenticate': 'Bearer realm="quietband"' });
      if (req.method === 'GET' && webRootReal !== null && /text\/html/.test(req.headers.accept ?? '')) {
        fsp.readFile(join(webRootReal, 'login.html')).then((form) => {
          res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'WWW-Authenticate': 'Bearer realm="quietband"', 'Cache-Control': 'no-store' });
          res.end(form);
        }, deny);
        return;
      }
      json(res, 401, { error: 'unauthorized: send Authorization: Bearer <token>, ?token=<token>, or open /login?token=<token>' }, { 'WWW-Authenticate': 'Bearer realm="quietband"' });
      return;
    }
    if (url.pathname === '/healthz') {
      json(res, 200, {
        ok: true,
        site,
        sensorsOnline: latestStatus.sensors.filter((s) => s.online).length,
        sensorsTotal: latestStatus.sensors.length,
        lastSeq: store.lastSeq,
        clients: clients.size,
      });
      return;
    }
    if (opts.routes !== undefined && opts.routes.some((route) => route(req, res, url))) return;
    if (url.pathname === '/ws') {
      json(res, 426, { error: 'upgrade to WebSocket required' }, { Upgrade: 'websocket' });
      return;
    }
    if (opts.clips !== undefined && url.pathname.startsWith('/clips/')) {
      const name = url.pathname.slice('/clips'.length);
      const root = name.endsWith('.png') ? opts.clips.picturesDir : opts.clips.dir;
      fsp.realpath(root).then(
        (real) => serveStatic(real, name, req, res),
        () => res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('no clips yet\n'),
      ).catch((err: unknown) => {
        log.error({ err }, 'clip file error');
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
      return;
    }
    if (webRootReal === null) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('web UI not installed\n');
      return;
    }
    serveStatic(webRootReal, url.pathname, req, res).catch((err: unknown) => {
      log.error({ err }, 'static file error');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  wss.on('error', (err) => log.error({ err }, 'websocket server error'));

  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser (CLI tools, tests)
    if (o.allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (err) => log.debug({ err: err.message }, 'upgrade socket error'));
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      rejectUpgrade(socket, 400, 'bad request');
      return;
    }
    if (shuttingDown) {
      rejectUpgrade(socket, 503, 'server shutting down');
      return;
    }
    if (url.pathname !== '/ws') {
      rejectUpgrade(socket, 404, 'not found: the WebSocket is at /ws');
      return;
    }
    if (!authorized(req, url)) {
      log.warn({ remote: req.socket.remoteAddress }, 'websocket upgrade without a valid token refused');
      rejectUpgrade(socket, 401, 'unauthorized', { 'WWW-Authenticate': 'Bearer realm="quietband"' });
      return;
    }
    if (!originAllowed(req)) {
      log.warn({ origin: req.headers.origin, remote: req.socket.remoteAddress }, 'websocket upgrade from a foreign origin refused');
      rejectUpgrade(socket, 403, 'forbidden origin');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
  };

  const httpServer = http.createServer(onRequest);
  httpServer.on('upgrade', onUpgrade);
  httpServer.on('clientError', (_err, socket: Duplex) => {
    if ((socket as Socket).writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen({ port: o.port, host: o.bind }, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    bus.off('alert', onAlert);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new QuietBandError(`server: port ${o.port} on ${o.bind} is already in use: is another quietband running? Choose another --port.`, 'CONFIG', { cause: err });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new QuietBandError(`server: bind: ${o.bind} is not an address of this machine`, 'CONFIG', { cause: err });
    }
    throw new QuietBandError(`server: cannot listen on ${o.bind}:${o.port}: ${(err as Error).message}`, 'IO', { cause: err });
  }
  httpServer.on('error', (err) => log.error({ err }, 'http server error'));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${urlHost(o.bind)}:${port}/`;
  log.info({ url, authRequired, site, webRoot: webRootReal }, 'server listening');

  // --- heartbeat (ws README "How to detect and close broken connections?") ---
  const heartbeat = setInterval(() => {
    for (const c of clients) {
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
  }, o.heartbeatMs);
  heartbeat.unref();

  let closePromise: Promise<void> | null = null;
  const close = (): Promise<void> => {
    if (closePromise !== null) return closePromise;
    shuttingDown = true;
    closePromise = (async () => {
      bus.off('alert', onAlert);
      clearInterval(heartbeat);
      const waits: Promise<unknown>[] = [];
      for (const c of clients) {
        c.clearTimers();
        if (c.ws.readyState === WebSocket.CLOSED) continue;
        waits.push(once(c.ws, 'close'));
        try {
          c.ws.close(1001, 'server shutting down');
        } catch {
          c.ws.terminate();
        }
      }
      const grace = setTimeout(() => {
        for (const c of clients) c.ws.terminate();
      }, 1000);
      await Promise.all(waits);
      clearTimeout(grace);
      wss.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      log.info('server closed');
    })();
    return closePromise;
  };

  const broadcastSpectrum = (input: SpectrumInput): void => {
    if (shuttingDown) return;
    const msg = decimateSpectrum(input, o.spectrumMaxPoints);
    const entry = new SpectrumEntry(msg);
    latestSpectra.set(msg.sensor, entry);
    for (const c of clients) {
      if (c.closing || c.closed) continue;
      if (c.spectra.has(msg.sensor)) c.spectraSuperseded++;
      c.spectra.set(msg.sensor, entry);
      pump(c);
    }
  };

  const broadcastStatus = (msg: StatusMessage | { sensors: SensorHealth[] }): void => {
    if (shuttingDown) return;
    latestStatus = { v: 1, type: 'status', sensors: msg.sensors.map((s) => ({ ...s })) };
    latestStatusText = messageText(latestStatus);
    for (const c of clients) {
      if (c.closing || c.closed) continue;
      c.statusText = latestStatusText;
      pump(c);
    }
  };

  const clientStats = (): ClientStats[] =>
    [...clients].map((c) => ({
      id: c.id,
      remote: c.remote,
      mode: c.mode,
      bufferedBytes: c.ws.bufferedAmount,
      maxBufferedBytes: c.maxBufferedBytes,
      queuedAlerts: c.queuedCount,
      heldAlerts: c.held.length,
      pendingSpectra: c.spectra.size,
      alertsSent: c.alertsSent,
      spectraSent: c.spectraSent,
      spectraSuperseded: c.spectraSuperseded,
      lastSentSeq: c.lastSentSeq,
    }));

  const result: RunningServer = { url, port, authRequired, tokenCreated, close, broadcastSpectrum, broadcastStatus, clientStats };
  if (token !== undefined) result.token = token;
  if (tokenPath !== undefined) result.tokenPath = tokenPath;
  return result;
}
