// The WebSocket door: which HTTP upgrades become protocol v1 clients (Host, path, auth, Origin), and the refusals.
import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket, WebSocketServer } from 'ws';
import type { AccessPolicy } from './access.js';
import { securityHeaders, type RequestPeer } from './guard.js';
import { sendJson, type HttpRoute } from './http-reply.js';

/** Path of the WebSocket. */
export const WS_PATH = '/ws';

/** A plain `GET /ws` (no upgrade) → 426 `Upgrade: websocket`. */
export const upgradeRequiredRoute: HttpRoute = (_req, res, url) => {
  if (url.pathname !== WS_PATH) return false;
  sendJson(res, 426, { error: 'upgrade to WebSocket required' }, { Upgrade: 'websocket' });
  return true;
};

/** Answers a refused upgrade with an HTTP status on the raw socket and closes it once the answer is flushed. */
export function rejectUpgrade(socket: Duplex, status: number, reason: string, extra: Record<string, string> = {}): void {
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

/** What {@link wsUpgradeHandler} needs. */
export interface UpgradeParts {
  access: AccessPolicy;
  /** ws server in `noServer` mode that completes the handshake. */
  wss: WebSocketServer;
  /** True once the server is closing (upgrades get 503). */
  shuttingDown: () => boolean;
  /** Takes the new client (ClientHub.accept). */
  onConnection: (ws: WebSocket, req: IncomingMessage, peer: RequestPeer) => void;
  log: Logger;
}

/**
 * The server's `'upgrade'` listener. Refused, in this order: a `Host` that is not one of ours → 421; an unparsable URL
 * → 400; shutting down → 503; a path other than `/ws` → 404; no valid token → 401 (or 429 while the peer is
 * rate-limited); a foreign `Origin` → 403. Anything else becomes a WebSocket handed to `onConnection`.
 */
export function wsUpgradeHandler(parts: UpgradeParts): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { access, wss, log } = parts;
  return (req, socket, head) => {
    socket.on('error', (err) => log.debug({ err: err.message }, 'upgrade socket error'));
    const peer = access.peerOf(req);
    if (!access.allowsHost(peer.host)) {
      access.logRefusal(peer, 'websocket upgrade for a foreign Host refused (421): DNS rebinding?', { hostHeader: req.headers.host, origin: req.headers.origin });
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
    if (parts.shuttingDown()) {
      rejectUpgrade(socket, 503, 'server shutting down');
      return;
    }
    if (url.pathname !== WS_PATH) {
      rejectUpgrade(socket, 404, 'not found: the WebSocket is at /ws');
      return;
    }
    const auth = access.checkAuth(req, peer, 'websocket upgrade');
    if (auth.status === 429) {
      rejectUpgrade(socket, 429, 'too many authentication attempts', { 'Retry-After': String(auth.retryAfterS ?? 1) });
      return;
    }
    if (auth.status === 401) {
      log.info({ peer: peer.address }, 'websocket upgrade without a valid token refused');
      rejectUpgrade(socket, 401, 'unauthorized', { 'WWW-Authenticate': 'Bearer realm="quietband"' });
      return;
    }
    if (!access.originAllowed(req.headers.origin, access.forwardedHostHeader(req))) {
      access.logRefusal(peer, 'websocket upgrade from a foreign origin refused (403)', { origin: req.headers.origin });
      rejectUpgrade(socket, 403, 'forbidden origin');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => parts.onConnection(ws, req, peer));
  };
}
