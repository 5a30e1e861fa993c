// HTTP(S) + WebSocket server (protocol v1): static UI, /healthz, token auth, alert replay/resume, spectrum/status fan-out.
import { once } from 'node:events';
import { join } from 'node:path';
import { promises as fsp } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { z } from 'zod';
import type { AlertBus } from '../alerts/alert-bus.js';
import type { AlertStore } from '../alerts/alert-store.js';
import { QuietBandError } from '../errors.js';
import { isAuthorized, isLoopbackBind, loadOrCreateToken, requestTokens, TOKEN_COOKIE, tokensEqual } from './auth.js';
import { hostOfHeader, HostPolicy, isTrustedProxy, PeerBuckets, peerKey, requestPeer, securityHeaders, type RequestPeer } from './guard.js';
import { loadOrCreateSelfSigned, loadTlsFiles, type ServerTls } from './tls.js';
import type { Alert, DiskStatus, HelloMessage, SensorHealth, ServerMessage, SessionStatus, SpectrumMessage, StatusMessage } from './protocol.js';
import { PROTOCOL_VERSION } from './protocol.js';
import { decimateSpectrum, type SpectrumInput } from './spectrum-decimate.js';
import { defaultWebRoot, readHtmlPage, serveStatic } from './static-files.js';

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
  /** Extra browser origins allowed to open the WebSocket and post the login (e.g. 'https://proxy.example'); same-host origins always are. Default []. */
  allowedOrigins?: string[];
  /**
   * Extra `Host` names this server answers to (e.g. 'quietband.exam.local', a reverse proxy's name). Always allowed:
   * the bind address, `localhost`, `127.0.0.1`, `::1`, and with a wildcard bind this machine's host name and interface
   * addresses. Any other Host gets 421 (DNS-rebinding defence, see guard.ts HostPolicy). Default [].
   */
  allowedHosts?: string[];
  /**
   * Addresses of reverse proxies whose `X-Forwarded-For/-Host/-Proto` headers are believed (peer address for rate limits
   * and logs, Host check, Secure cookie). Default [] (the headers are ignored).
   */
  trustedProxies?: string[];
  /**
   * TLS: `{ cert, key }` PEM file paths, `'self-signed'` (a pair generated once into `dataDir`, see tls.ts), or `'off'`
   * (plain HTTP). Default: 'self-signed' off loopback, 'off' on a loopback bind.
   */
  tls?: { cert: string; key: string } | 'self-signed' | 'off';
  /** Login attempts with a wrong token a peer may make in a burst, and refilled per second (token bucket). Default 10 and 0.2. */
  loginBurst?: number;
  loginPerSecond?: number;
  /**
   * Per-client budget of protocol errors (invalid messages, refused requests): a burst of this many, refilled at
   * `clientErrorsPerSecond`; a client beyond it is closed with 1008. Default 50 and 10.
   */
  clientErrorBurst?: number;
  clientErrorsPerSecond?: number;
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
  /**
   * What is wrong with the site now (storage failed, sensors offline), one sentence each: `/healthz` answers 503 with
   * `ok: false` and these as `problems` while the list is not empty. Default: nothing.
   */
  healthProblems?: () => string[];
  /** More facts for `/healthz` (e.g. `disk`: free space and the days it lasts), merged into its JSON. Default: none. */
  healthFacts?: () => Record<string, unknown>;
  /** More client message types (live listening, listen.ts WsExtension): sees every parsed message first (true: handled), and every closed socket. */ wsExtension?: { onMessage(ws: WebSocket, msg: unknown): boolean; onClose(ws: WebSocket): void };
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
  loginBurst: 10,
  loginPerSecond: 0.2,
  clientErrorBurst: 50,
  clientErrorsPerSecond: 10,
} as const;

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
}

/** Handle returned by {@link startServer}. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080/` or `https://…` under TLS (0.0.0.0 → 127.0.0.1, :: → [::1]). */
  url: string;
  /** TLS material in use (absent: plain HTTP). */
  tls?: Pick<ServerTls, 'certPath' | 'keyPath' | 'fingerprint256' | 'validTo' | 'selfSigned' | 'generated'>;
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
  broadcastStatus(msg: StatusMessage | { sensors: SensorHealth[]; session?: SessionStatus; disk?: DiskStatus }): void;
  /** Counters per connected client. */
  clientStats(): ClientStats[];
  /** Closes every client (1001), the WS server and the HTTP server. Does not close the bus or store. Idempotent. */
  close(): Promise<void>;
}

const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ v: z.literal(1), type: z.literal('resume'), sinceSeq: z.number().int().min(0) }),
  z.object({ v: z.literal(1), type: z.literal('ack'), alertId: z.string().min(1).max(200), by: z.string().min(1).max(100).optional() }),
  z.object({ v: z.literal(1), type: z.literal('known'), alertId: z.string().min(1).max(200), by: z.string().min(1).max(100).optional(), label: z.string().trim().min(1).max(200).optional() }),
  z.object({ v: z.literal(1), type: z.literal('escalate'), alertId: z.string().min(1).max(200), by: z.string().min(1).max(100).optional() }),
]);

/** One message waiting in a client's send queue: an alert (seq > 0) or an error reply to that client (seq 0). */
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

  constructor(id: number, ws: WebSocket, remote: string, log: Logger, conn: { origin: string | undefined; hostHeader: string | undefined; identity: string; errorBurst: number }) {
    this.id = id;
    this.ws = ws;
    this.remote = remote;
    this.log = log;
    this.origin = conn.origin;
    this.hostHeader = conn.hostHeader;
    this.identity = conn.identity;
    this.errorTokens = conn.errorBurst;
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
    ...Object.entries({ ...securityHeaders(false), ...extra }).map(([k, v]) => `${k}: ${v}`),
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
 * Starts the HTTP(S) + WebSocket server of the live daemon (see DESIGN.md "WebSocket protocol v1"; who may reach it
 * and how: docs/security.md).
 *
 * Every request and upgrade: a `Host` that is not one of ours → 421 (DNS rebinding); security headers (CSP,
 * X-Frame-Options, nosniff, HSTS under TLS) on every response. TLS per `tls` (default: self-signed off loopback).
 * HTTP: `GET /healthz` → `{ ok, problems, site, sensorsOnline, sensorsTotal, lastSeq }` (503 while `healthProblems` lists
 * any); `GET /login` → the sign-in page;
 * `POST /login` (form field `token`) → the `quietband_token` cookie (HttpOnly, SameSite=Strict, Secure under TLS) and a
 * 303 to `/`; everything else is a static file of `webRoot`. When auth is on, every path except `/login` (including
 * `/healthz`) needs `Authorization: Bearer T` or the cookie, else 401 (tokens in URLs are not accepted); wrong tokens
 * are rate-limited per peer (429) and logged with the peer.
 *
 * WebSocket at `/ws` (upgrade without a valid token → 401 and the socket is destroyed; foreign `Origin` → 403):
 * 1. The server sends `hello` (with `lastSeq`), then the latest `status`, then the latest spectrum of each sensor.
 * 2. The client sends `resume {sinceSeq}` (its last seen seq; `hello.lastSeq` to skip history, 0 for all): the server
 *    replays every stored alert with seq > sinceSeq in order, then continues live — each seq exactly once, no gap.
 *    Without a resume within `resumeWaitMs`, the client goes live from `hello.lastSeq`; a later resume then replays
 *    the older alerts it has not been sent (those arrive after newer ones). A sinceSeq above the store's lastSeq
 *    (data dir replaced) is answered with an `error` and a replay from 0.
 * 3. `ack`/`known`/`escalate {alertId, by?}` → Host and Origin checked again → bus → stored with `ackBy` "<by> (<identity>)" →
 *    broadcast to every client as an `alert`; an unknown alertId or a malformed message gets an `error` to that client
 *    only, queued behind its alerts and counted against its error budget (over it: close 1008).
 * Alerts are never dropped for a slow client: they queue in memory; above `maxQueuedAlerts` the client is closed with
 * 1013 (reconnect and resume), or 1008 when its own unread error replies filled the queue. Spectra: ≤ 1 per
 * `spectrumMinIntervalMs` per sensor per client, latest-only while the client's `bufferedAmount` ≥
 * `spectrumHighWaterBytes`. Heartbeat per the ws README (isAlive/ping/terminate).
 *
 * @throws QuietBandError('CONFIG') for bad options, a port in use or unusable TLS files (naming the file); QuietBandError('IO')
 *   when the token file or the self-signed pair cannot be read or written.
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
    loginBurst: positiveNumber('loginBurst', opts.loginBurst ?? SERVER_DEFAULTS.loginBurst, 1),
    loginPerSecond: positiveNumber('loginPerSecond', opts.loginPerSecond ?? SERVER_DEFAULTS.loginPerSecond, 1e-6),
    clientErrorBurst: positiveNumber('clientErrorBurst', opts.clientErrorBurst ?? SERVER_DEFAULTS.clientErrorBurst, 1),
    clientErrorsPerSecond: positiveNumber('clientErrorsPerSecond', opts.clientErrorsPerSecond ?? SERVER_DEFAULTS.clientErrorsPerSecond, 1e-6),
    trustedProxies: opts.trustedProxies ?? [],
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

  // --- TLS, Host allow-list, login rate limit ---
  const tlsOpt = opts.tls ?? (isLoopbackBind(o.bind) ? 'off' : 'self-signed');
  let tls: ServerTls | undefined;
  if (tlsOpt === 'self-signed') tls = await loadOrCreateSelfSigned(opts.dataDir, opts.allowedHosts ?? [], log);
  else if (tlsOpt !== 'off') tls = await loadTlsFiles(tlsOpt.cert, tlsOpt.key, log);
  const hostPolicy = new HostPolicy(o.bind, opts.allowedHosts ?? []);
  const loginBuckets = new PeerBuckets({ burst: o.loginBurst, perSecond: o.loginPerSecond });
  /** Peers whose refusals were logged recently: one line per peer per 10 s, with the count of the ones not logged. */
  const refusalLog = new Map<string, { atMs: number; suppressed: number }>();
  const logRefusal = (peer: RequestPeer, what: string, extra: Record<string, unknown> = {}): void => {
    const key = `${what}|${peer.address}`;
    const now = performance.now();
    const e = refusalLog.get(key);
    if (e !== undefined && now - e.atMs < 10_000) {
      e.suppressed++;
      return;
    }
    if (refusalLog.size > 10_000) refusalLog.clear();
    refusalLog.set(key, { atMs: now, suppressed: 0 });
    log.warn({ peer: peer.address, host: peer.host, ...extra, ...(e !== undefined && e.suppressed > 0 ? { notLogged: e.suppressed } : {}) }, what);
  };

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
      if (item.seq === 0) c.queuedErrors--;
      else c.alertsSent++;
      if (c.qHead >= 1024 && c.qHead * 2 >= c.queue.length) {
        c.queue = c.queue.slice(c.qHead);
        c.qHead = 0;
      }
    }
    c.queue = [];
    c.qHead = 0;
    c.queuedErrors = 0;
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

  /**
   * Closes a client that went over its budget: 1013 when alerts piled up (a slow reader: it reconnects and resumes),
   * 1008 when its own error replies did, or it spent its error budget. Its queues are dropped at once and it is
   * terminated if it does not finish the close handshake within the grace time. A 1008 client is not read from any more
   * (its flood stays in its own socket buffers, costing this process nothing), and its grace is at most 1 s.
   */
  const closeOverBudget = (c: Client, code: 1008 | 1013, reason: string): void => {
    if (c.closing || c.closed) return;
    c.closing = true;
    const facts = { code, queued: c.queuedCount, queuedErrors: c.queuedErrors, held: c.held.length, bufferedBytes: c.ws.bufferedAmount };
    if (code === CLOSE_CODES.tryAgainLater) c.log.warn(facts, 'client cannot keep up with alerts: closing with 1013 so it reconnects and resumes');
    else {
      c.log.warn(facts, `client over its budget: closing with 1008 (${reason})`);
      c.ws.pause();
    }
    c.queue = [];
    c.qHead = 0;
    c.held = [];
    c.spectra.clear();
    c.statusText = null;
    c.wakeRoomWaiters();
    c.queuedErrors = 0;
    try {
      c.ws.close(code, reason);
    } catch {
      // already closing
    }
    c.killTimer = setTimeout(() => c.ws.terminate(), code === CLOSE_CODES.policyViolation ? Math.min(o.overflowCloseGraceMs, 1000) : o.overflowCloseGraceMs);
    c.killTimer.unref();
  };
  const overflow = (c: Client): void =>
    c.queuedErrors > 0 ? closeOverBudget(c, CLOSE_CODES.policyViolation, 'send queue full of unread error replies') : closeOverBudget(c, CLOSE_CODES.tryAgainLater, 'alert backlog too large: reconnect and resume');

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

  /**
   * Queues an error reply behind whatever the client has queued (same queue, same bound as alerts) and spends one unit
   * of its error budget; a client out of budget is closed with 1008 instead.
   */
  const sendError = (c: Client, message: string): void => {
    if (c.closed || c.closing || c.ws.readyState !== WebSocket.OPEN) return;
    const now = performance.now();
    c.errorTokens = Math.min(o.clientErrorBurst, c.errorTokens + ((now - c.errorAtMs) / 1000) * o.clientErrorsPerSecond);
    c.errorAtMs = now;
    if (c.errorTokens < 1) {
      closeOverBudget(c, CLOSE_CODES.policyViolation, `more than ${o.clientErrorBurst} protocol errors (${o.clientErrorsPerSecond}/s allowed)`);
      return;
    }
    c.errorTokens -= 1;
    c.queue.push({ seq: 0, text: messageText({ v: 1, type: 'error', message: message.length > 500 ? message.slice(0, 500) + '…' : message }) });
    c.queuedErrors++;
    if (c.queuedCount + c.held.length > o.maxQueuedAlerts) {
      overflow(c);
      return;
    }
    pump(c);
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
    if (c.closing || c.closed) return;
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
    if (opts.wsExtension?.onMessage(c.ws, parsed) === true) return;
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
    // state changes: the connection's Host and Origin are checked again (the policy, not the socket, decides), and the
    // record names the authenticated identity next to the name the client gave
    const refusal = stateChangeRefusal(c);
    if (refusal !== undefined) {
      c.log.warn({ type: msg.type, alertId: msg.alertId, origin: c.origin, host: c.hostHeader }, `${msg.type} refused: ${refusal}`);
      sendError(c, `${msg.type}: refused: ${refusal}`);
      return;
    }
    const by = `${msg.by ?? 'supervisor'} (${c.identity})`;
    const p = msg.type === 'ack' ? bus.ack(msg.alertId, by) : msg.type === 'known' ? bus.known(msg.alertId, by, msg.type === 'known' ? msg.label : undefined) : bus.escalate(msg.alertId, by);
    p.catch((err: unknown) => {
      if (!(err instanceof QuietBandError && err.code === 'BAD_INPUT')) c.log.error({ err, alertId: msg.alertId }, `${msg.type} failed`);
      sendError(c, `${msg.type}: ${(err as Error).message}`);
    });
  };

  const onConnection = (ws: WebSocket, req: IncomingMessage, peer: RequestPeer): void => {
    const remote = `${peer.address}:${req.socket.remotePort ?? 0}`;
    const id = nextClientId++;
    const c = new Client(id, ws, remote, log.child({ client: id, remote }), {
      origin: req.headers.origin,
      hostHeader: forwardedHostHeader(req),
      identity: `${authRequired ? 'token' : 'local'}@${peer.address}`,
      errorBurst: o.clientErrorBurst,
    });
    clients.add(c);
    c.log.info({ clients: clients.size }, 'client connected');
    ws.on('error', (err) => c.log.warn({ err: err.message }, 'websocket error'));
    ws.on('pong', () => {
      c.isAlive = true;
    });
    ws.on('message', (data, isBinary) => onClientMessage(c, data, isBinary));
    ws.on('close', (code, reason) => {
      opts.wsExtension?.onClose(ws);
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

  /** The `Host` header the client sent (`X-Forwarded-Host` from a trusted proxy). */
  function forwardedHostHeader(req: IncomingMessage): string | undefined {
    const xfh = req.headers['x-forwarded-host'];
    if (typeof xfh === 'string' && isTrustedProxy(req.socket.remoteAddress, o.trustedProxies)) return xfh.split(',')[0]!.trim();
    return req.headers.host;
  }

  /** Browser origins allowed: none sent (not a browser), one of `allowedOrigins`, or this very host (`Origin` host = `Host`). */
  function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
    if (origin === undefined) return true;
    if (o.allowedOrigins.includes(origin)) return true;
    try {
      const u = new URL(origin);
      return hostHeader !== undefined && u.host === hostHeader.trim().toLowerCase() && hostPolicy.allows(hostOfHeader(u.host));
    } catch {
      return false;
    }
  }

  /** Why a client may not change state now (Host or Origin outside the policy), or undefined when it may. */
  function stateChangeRefusal(c: Client): string | undefined {
    if (!hostPolicy.allows(hostOfHeader(c.hostHeader))) return `Host "${c.hostHeader ?? ''}" is not a name of this server`;
    if (!originAllowed(c.origin, c.hostHeader)) return `Origin "${c.origin ?? ''}" is not allowed`;
    return undefined;
  }

  /**
   * Token check with the per-peer rate limit: requests carrying a wrong token spend one unit of the peer's bucket and
   * are logged with the peer; while the bucket is empty every request carrying a token gets 429 (so guessing stops
   * paying off even for a right guess). Requests carrying no token get 401 without spending anything.
   */
  const checkAuth = (req: IncomingMessage, peer: RequestPeer, what: string): { status: 200 | 401 | 429; retryAfterS?: number } => {
    if (!authRequired) return { status: 200 };
    const candidates = requestTokens(req);
    if (candidates.length === 0) return { status: 401 };
    const key = peerKey(peer.address);
    if (!loginBuckets.allowed(key)) {
      logRefusal(peer, 'authentication attempts over the rate limit refused (429)', { what });
      return { status: 429, retryAfterS: loginBuckets.retryAfterS(key) };
    }
    if (isAuthorized(req, token!)) return { status: 200 };
    loginBuckets.take(key);
    log.warn({ peer: peer.address, what }, 'wrong access token refused (401)');
    return { status: 401 };
  };

  const unauthorizedText = 'unauthorized: send Authorization: Bearer <token>, or sign in with POST /login (form field "token"); tokens in URLs are not accepted';
  const tooMany = (res: ServerResponse, retryAfterS: number): void =>
    json(res, 429, { error: `too many authentication attempts from your address: retry in ${retryAfterS} s` }, { 'Retry-After': String(retryAfterS) });

  /** Sends the sign-in page (`login.html` of the web root) with `status`, or the JSON `fallback` when there is none. */
  const sendLoginPage = (res: ServerResponse, status: number, fallback: () => void): void => {
    if (webRootReal === null) {
      fallback();
      return;
    }
    readHtmlPage(join(webRootReal, 'login.html')).then((page) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.body.length, 'Content-Security-Policy': page.csp, 'WWW-Authenticate': 'Bearer realm="quietband"', 'Cache-Control': 'no-store' });
      res.end(page.body);
    }, fallback);
  };

  /** Largest login request body (bytes). */
  const LOGIN_BODY_MAX = 4096;

  /**
   * `/login`: `GET` → the sign-in page; `POST` (form field or JSON `token`) → the cookie and a 303 to `/`, or 401
   * (wrong token, logged, rate-limited per peer) / 429 / 403 (foreign Origin) / 413.
   */
  const onLogin = (req: IncomingMessage, res: ServerResponse, url: URL, peer: RequestPeer): void => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!authRequired) {
        res.writeHead(303, { Location: '/' }).end();
        return;
      }
      if (url.searchParams.has('token')) {
        logRefusal(peer, 'token in a URL refused (400)', { path: '/login' });
        json(res, 400, { error: 'a token in a URL is not accepted (URLs are kept in history and logs): POST it to /login as the form field "token"' });
        return;
      }
      sendLoginPage(res, 200, () => json(res, 200, { login: 'POST /login with the form field "token"' }));
      return;
    }
    if (req.method !== 'POST') {
      json(res, 405, { error: 'method not allowed: GET or POST /login' }, { Allow: 'GET, HEAD, POST' });
      return;
    }
    if (!originAllowed(req.headers.origin, forwardedHostHeader(req))) {
      logRefusal(peer, 'login from a foreign origin refused (403)', { origin: req.headers.origin });
      json(res, 403, { error: 'forbidden origin' });
      return;
    }
    if (!authRequired) {
      res.writeHead(303, { Location: '/' }).end();
      return;
    }
    const key = peerKey(peer.address);
    if (!loginBuckets.allowed(key)) {
      logRefusal(peer, 'login attempts over the rate limit refused (429)');
      tooMany(res, loginBuckets.retryAfterS(key));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (d: Buffer) => {
      if (done) return;
      size += d.length;
      if (size > LOGIN_BODY_MAX) {
        done = true;
        json(res, 413, { error: `login body larger than ${LOGIN_BODY_MAX} bytes` }, { Connection: 'close' });
        req.destroy();
        return;
      }
      chunks.push(d);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      let candidate: string | undefined;
      if (/application\/json/i.test(req.headers['content-type'] ?? '')) {
        try {
          const v = JSON.parse(text) as { token?: unknown };
          if (typeof v?.token === 'string') candidate = v.token;
        } catch {
          // answered below
        }
      } else candidate = new URLSearchParams(text).get('token') ?? undefined;
      candidate = candidate?.trim();
      if (candidate === undefined || candidate.length === 0) {
        json(res, 400, { error: 'login: expected the form field "token" (application/x-www-form-urlencoded) or JSON {"token": …}' });
        return;
      }
      if (!tokensEqual(candidate, token!)) {
        loginBuckets.take(key);
        log.warn({ peer: peer.address, what: 'POST /login' }, 'wrong access token refused (401)');
        const deny = (): void => json(res, 401, { error: 'login: wrong token' }, { 'WWW-Authenticate': 'Bearer realm="quietband"' });
        if (/text\/html/.test(req.headers.accept ?? '')) sendLoginPage(res, 401, deny);
        else deny();
        return;
      }
      log.info({ peer: peer.address }, 'signed in');
      res.writeHead(303, {
        Location: '/',
        'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token!)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000${peer.secure ? '; Secure' : ''}`,
        'Cache-Control': 'no-store',
      });
      res.end();
    });
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const peer = requestPeer(req, o.trustedProxies, tls !== undefined);
    for (const [k, v] of Object.entries(securityHeaders(peer.secure))) res.setHeader(k, v);
    if (!hostPolicy.allows(peer.host)) {
      logRefusal(peer, 'request for a foreign Host refused (421): DNS rebinding?', { hostHeader: req.headers.host, method: req.method });
      json(res, 421, { error: `misdirected request: Host "${req.headers.host ?? ''}" is not a name of this server (add it to http.allowedHosts if it is)` }, { Connection: 'close' });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (url.pathname === '/login') {
      onLogin(req, res, url, peer);
      return;
    }
    const auth = checkAuth(req, peer, `${req.method ?? '?'} ${url.pathname}`);
    if (auth.status === 429) {
      tooMany(res, auth.retryAfterS ?? 1);
      return;
    }
    if (auth.status === 401) {
      // a browser's first visit (GET of a page) gets the sign-in form with the 401, so a supervisor can paste the token
      const deny = (): void => json(res, 401, { error: unauthorizedText }, { 'WWW-Authenticate': 'Bearer realm="quietband"' });
      if (req.method === 'GET' && /text\/html/.test(req.headers.accept ?? '')) sendLoginPage(res, 401, deny);
      else deny();
      return;
    }
    if (url.pathname === '/healthz') {
      const problems = opts.healthProblems?.() ?? [];
      json(res, problems.length === 0 ? 200 : 503, {
        ok: problems.length === 0,
        problems,
        site,
        sensorsOnline: latestStatus.sensors.filter((s) => s.online).length,
        sensorsTotal: latestStatus.sensors.length,
        lastSeq: store.lastSeq,
        clients: clients.size,
        ...opts.healthFacts?.(),
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

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', (err) => log.debug({ err: err.message }, 'upgrade socket error'));
    const peer = requestPeer(req, o.trustedProxies, tls !== undefined);
    if (!hostPolicy.allows(peer.host)) {
      logRefusal(peer, 'websocket upgrade for a foreign Host refused (421): DNS rebinding?', { hostHeader: req.headers.host, origin: req.headers.origin });
      rejectUpgrade(socket, 421, 'misdirected request: Host is not a name of this server');
      return;
    }
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
    const auth = checkAuth(req, peer, 'websocket upgrade');
    if (auth.status === 429) {
      rejectUpgrade(socket, 429, 'too many authentication attempts', { 'Retry-After': String(auth.retryAfterS ?? 1) });
      return;
    }
    if (auth.status === 401) {
      log.info({ peer: peer.address }, 'websocket upgrade without a valid token refused');
      rejectUpgrade(socket, 401, 'unauthorized', { 'WWW-Authenticate': 'Bearer realm="quietband"' });
      return;
    }
    if (!originAllowed(req.headers.origin, forwardedHostHeader(req))) {
      logRefusal(peer, 'websocket upgrade from a foreign origin refused (403)', { origin: req.headers.origin });
      rejectUpgrade(socket, 403, 'forbidden origin');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, peer));
  };

  const httpServer = tls !== undefined ? https.createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, onRequest) : http.createServer(onRequest);
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
      throw new QuietBandError(`server: port ${o.port} on ${o.bind} is already in use: is another quietband running? Choose another with --http-port (0 picks a free one) or http.port in the site config.`, 'CONFIG', { cause: err });
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new QuietBandError(`server: bind: ${o.bind} is not an address of this machine`, 'CONFIG', { cause: err });
    }
    throw new QuietBandError(`server: cannot listen on ${o.bind}:${o.port}: ${(err as Error).message}`, 'IO', { cause: err });
  }
  httpServer.on('error', (err) => log.error({ err }, 'http server error'));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `${tls !== undefined ? 'https' : 'http'}://${urlHost(o.bind)}:${port}/`;
  log.info({ url, authRequired, site, webRoot: webRootReal, tls: tls !== undefined ? { certPath: tls.certPath, fingerprint256: tls.fingerprint256, selfSigned: tls.selfSigned } : false }, 'server listening');
  if (tls === undefined && !isLoopbackBind(o.bind) && opts.trustedProxies === undefined) {
    log.warn({ bind: o.bind }, 'serving plain HTTP off loopback: the access token and alerts cross the network in clear');
  }

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

  const broadcastStatus = (msg: StatusMessage | { sensors: SensorHealth[]; session?: SessionStatus; disk?: DiskStatus }): void => {
    if (shuttingDown) return;
    latestStatus = { v: 1, type: 'status', sensors: msg.sensors.map((s) => ({ ...s })), ...(msg.session !== undefined ? { session: msg.session } : {}), ...(msg.disk !== undefined ? { disk: msg.disk } : {}) };
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
  if (tls !== undefined) result.tls = { certPath: tls.certPath, keyPath: tls.keyPath, fingerprint256: tls.fingerprint256, validTo: tls.validTo, selfSigned: tls.selfSigned, generated: tls.generated };
  return result;
}
