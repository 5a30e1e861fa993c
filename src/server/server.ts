// HTTP(S) + WebSocket server (protocol v1): puts together the access policy, the HTTP routes, the WebSocket door and
// the client hub, and listens. Where things are: options and defaults in server-options.ts; who may connect in
// access.ts; HTTP requests in http-router.ts (routes: login-route.ts, health-route.ts, clips-route.ts, alerts-api.ts,
// static-files.ts); WebSocket upgrades in ws-upgrade.ts; clients, resume, live alerts and fan-out in client-hub.ts
// (ClientHub.onMessage dispatches each client message); one client's send queue in ws-client.ts.
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { withBindings } from '../log.js';
import { WebSocketServer } from 'ws';
import { cliError } from '../error-text.js';
import { AccessPolicy } from './access.js';
import { isLoopbackBind, loadOrCreateToken } from './auth.js';
import { ClientHub } from './client-hub.js';
import { clipsRoute } from './clips-route.js';
import { healthRoute } from './health-route.js';
import type { HttpRoute } from './http-reply.js';
import { httpRequestHandler } from './http-router.js';
import { SignIn } from './login-route.js';
import { resolveServerOptions, type RunningServer, type ServerOptions } from './server-options.js';
import { defaultWebRoot } from './static-files.js';
import { loadOrCreateSelfSigned, loadTlsFiles, type ServerTls } from './tls.js';
import { upgradeRequiredRoute, wsUpgradeHandler } from './ws-upgrade.js';

export { SERVER_DEFAULTS, type RunningServer, type ServerOptions, type ServerSensorInfo } from './server-options.js';
export { CLOSE_CODES, type ClientStats } from './ws-client.js';

/** The URL host of a bind address: wildcards become the loopback address of their family, IPv6 gets brackets. */
function urlHost(bind: string): string {
  if (bind === '0.0.0.0') return '127.0.0.1';
  if (bind === '::' || bind === '[::]') return '[::1]';
  if (bind.includes(':') && !bind.startsWith('[')) return `[${bind}]`;
  return bind;
}

/**
 * The error a person acts on for a listen on `bind`:`port` that failed with `err`: a port in use names --http-port and
 * http.port, an address no interface here holds (or a host name that does not resolve) the bind, anything else the OS's
 * words. QuietBandError('CONFIG') for the first two, 'IO' otherwise.
 */
function listenError(err: unknown, port: number, bind: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return cliError('server.portInUse', { port, bind }, 'CONFIG', { cause: err });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return cliError('server.bindNotOwn', { bind }, 'CONFIG', { cause: err });
  return cliError('server.cannotListen', { bind, port, detail: (err as Error).message }, 'IO', { cause: err });
}

/**
 * Checks that `port` (0: any free one) on `bind` can be listened on, by listening there and closing at once, so a daemon
 * refuses a port in use before it writes anything into its data dir (token, TLS pair, alert store, clip folders). A
 * process that takes the port between this check and the server's listen still makes {@link startServer} fail, with the
 * same error, after those writes.
 * @throws QuietBandError('CONFIG') port in use or `bind` not an address of this machine; 'IO' when the OS refuses otherwise.
 */
export async function checkListenable(port: number, bind: string): Promise<void> {
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ port, host: bind }, () => resolve());
    });
  } catch (err) {
    throw listenError(err, port, bind);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
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
  const o = resolveServerOptions(opts);
  const { store, bus, site } = opts;
  const log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'server' });
  const timeZone = opts.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;

  // --- the port, before the token and TLS files are written ---
  await checkListenable(o.port, o.bind);

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

  // --- TLS, Host and Origin rules, login rate limit ---
  const tlsOpt = opts.tls ?? (isLoopbackBind(o.bind) ? 'off' : 'self-signed');
  let tls: ServerTls | undefined;
  if (tlsOpt === 'self-signed') tls = await loadOrCreateSelfSigned(opts.dataDir, opts.allowedHosts ?? [], log);
  else if (tlsOpt !== 'off') tls = await loadTlsFiles(tlsOpt.cert, tlsOpt.key, log);
  const access = new AccessPolicy(
    { bind: o.bind, allowedHosts: opts.allowedHosts ?? [], allowedOrigins: o.allowedOrigins, trustedProxies: o.trustedProxies, loginBurst: o.loginBurst, loginPerSecond: o.loginPerSecond, tls: tls !== undefined, authRequired, token },
    log,
  );

  // --- static root ---
  const webRoot = opts.webRoot ?? defaultWebRoot();
  let webRootReal: string | null = null;
  try {
    webRootReal = await fsp.realpath(webRoot);
  } catch {
    log.warn({ webRoot }, 'web UI folder not found: only /healthz and /ws will answer');
  }

  // --- WebSocket clients (listening to the alert feed from here on) ---
  const hub = new ClientHub({ ...o, site, sensors: opts.sensors, timeZone, ...(opts.wsExtension !== undefined ? { wsExtension: opts.wsExtension } : {}) }, store, bus, access, log);

  // --- HTTP routes behind auth, in order; then the static UI ---
  const routes: HttpRoute[] = [
    healthRoute({ site, records: store, sensors: () => hub.latestSensors(), clientCount: () => hub.size, ...(opts.healthProblems !== undefined ? { problems: opts.healthProblems } : {}), ...(opts.healthFacts !== undefined ? { facts: opts.healthFacts } : {}) }),
    ...(opts.routes ?? []),
    upgradeRequiredRoute,
    ...(opts.clips !== undefined ? [clipsRoute(opts.clips, log)] : []),
  ];
  const onRequest = httpRequestHandler({ access, signIn: new SignIn(access, token, webRootReal, log), routes, webRootReal, log });

  const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  wss.on('error', (err) => log.error({ err }, 'websocket server error'));
  const onUpgrade = wsUpgradeHandler({ access, wss, shuttingDown: () => hub.shuttingDown, onConnection: (ws, req, peer) => hub.accept(ws, req, peer), log });

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
    hub.detach();
    throw listenError(err, o.port, o.bind);
  }
  httpServer.on('error', (err) => log.error({ err }, 'http server error'));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `${tls !== undefined ? 'https' : 'http'}://${urlHost(o.bind)}:${port}/`;
  withBindings(log, { site }).info({ url, authRequired, webRoot: webRootReal, tls: tls !== undefined ? { certPath: tls.certPath, fingerprint256: tls.fingerprint256, selfSigned: tls.selfSigned } : false }, 'server listening');
  if (tls === undefined && !isLoopbackBind(o.bind) && opts.trustedProxies === undefined) {
    log.warn({ bind: o.bind }, 'serving plain HTTP off loopback: the access token and alerts cross the network in clear');
  }
  hub.startHeartbeat();

  let closePromise: Promise<void> | null = null;
  const close = (): Promise<void> => {
    if (closePromise !== null) return closePromise;
    closePromise = (async () => {
      await hub.close();
      wss.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      log.info('server closed');
    })();
    return closePromise;
  };

  const result: RunningServer = {
    url,
    port,
    authRequired,
    tokenCreated,
    close,
    broadcastSpectrum: (input) => hub.broadcastSpectrum(input),
    broadcastStatus: (msg) => hub.broadcastStatus(msg),
    clientStats: () => hub.stats(),
  };
  if (token !== undefined) result.token = token;
  if (tokenPath !== undefined) result.tokenPath = tokenPath;
  if (tls !== undefined) result.tls = { certPath: tls.certPath, keyPath: tls.keyPath, fingerprint256: tls.fingerprint256, validTo: tls.validTo, selfSigned: tls.selfSigned, generated: tls.generated };
  return result;
}
