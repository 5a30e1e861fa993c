// Options of the HTTP(S) + WebSocket server, their defaults and checks, and the handle startServer returns.
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AlertFeedHistory, AlertFeedLive } from '../alerts/alert-feed.js';
import { QuietBandError } from '../errors.js';
import type { HttpRoute } from './http-reply.js';
import type { DiskStatus, HelloMessage, SensorHealth, SessionStatus, StatusMessage } from './protocol.js';
import type { SpectrumInput } from './spectrum-decimate.js';
import type { ServerTls } from './tls.js';
import type { ClientStats } from './ws-client.js';

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
  /** Stored side of the alert feed (a site's AlertStore, the hub's log): replay source and `lastSeq`. */
  store: AlertFeedHistory;
  /** Live side of the alert feed (a site's AlertBus, the hub's log): the server listens to its `'alert'` event and forwards ack/known/escalate to it. */
  bus: AlertFeedLive;
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
  routes?: HttpRoute[];
  /**
   * What is wrong with the site now (storage failed, sensors offline), one sentence each: `/healthz` answers 503 with
   * `ok: false` and these as `problems` while the list is not empty. Default: nothing.
   */
  healthProblems?: () => string[];
  /** More facts for `/healthz` (e.g. `disk`: free space and the days it lasts), merged into its JSON. Default: none. */
  healthFacts?: () => Record<string, unknown>;
  /**
   * More client message types (live listening: listen.ts `WsExtension`): sees every parsed message before the schema
   * check (true: handled), and every closed socket.
   */
  wsExtension?: WsExtensionHooks;
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

/** {@link ServerOptions} with every default applied and every number checked (what the server's parts read). */
export interface ResolvedServerOptions {
  bind: string;
  port: number;
  allowedOrigins: readonly string[];
  heartbeatMs: number;
  resumeWaitMs: number;
  spectrumMinIntervalMs: number;
  spectrumMaxPoints: number;
  spectrumHighWaterBytes: number;
  alertHighWaterBytes: number;
  maxQueuedAlerts: number;
  overflowCloseGraceMs: number;
  maxPayloadBytes: number;
  loginBurst: number;
  loginPerSecond: number;
  clientErrorBurst: number;
  clientErrorsPerSecond: number;
  trustedProxies: readonly string[];
}

function positiveNumber(name: string, v: number, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new QuietBandError(`server: ${name}: expected a number >= ${min}, got ${String(v)}`, 'CONFIG');
  }
  return v;
}

/**
 * Applies {@link SERVER_DEFAULTS} and checks the numbers, the port and the site name.
 * @throws QuietBandError('CONFIG') naming the option and what was expected (a number below its minimum, a port outside
 *   0..65535, an empty site name).
 */
export function resolveServerOptions(opts: ServerOptions): ResolvedServerOptions {
  const o: ResolvedServerOptions = {
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
  return o;
}

/** Hooks of a WebSocket extension (see ServerOptions.wsExtension). */
export interface WsExtensionHooks {
  /** A parsed JSON message of an accepted client; true when the extension handled it. */
  onMessage(ws: WebSocket, msg: unknown): boolean;
  /** A client's socket closed. */
  onClose(ws: WebSocket): void;
}
