// Every HTTP request of the server, in order: Host check, /login, auth, the routes, then the static web UI.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AccessPolicy } from './access.js';
import { securityHeaders } from './guard.js';
import { failFileAnswer, sendJson, type HttpRoute } from './http-reply.js';
import { LOGIN_PATH, type SignIn } from './login-route.js';
import { serveStatic } from './static-files.js';

/** What {@link httpRequestHandler} dispatches to. */
export interface HttpRouterParts {
  access: AccessPolicy;
  signIn: SignIn;
  /** Routes behind auth, tried in order; the first that answers wins (startServer: health, the caller's, `/ws` 426, clips). */
  routes: readonly HttpRoute[];
  /** Realpath of the web root; null: no UI installed (404 for every other path). */
  webRootReal: string | null;
  log: Logger;
}

/**
 * The server's `'request'` listener. Every response carries the security headers (CSP, X-Frame-Options, nosniff,
 * HSTS under TLS). Then: a `Host` that is not one of ours → 421 (DNS rebinding); an unparsable URL → 400; `/login` →
 * {@link SignIn.handle} (no auth); no valid token → 401 (a page visit gets the sign-in form) or 429 (rate-limited);
 * then `routes` in order; anything else → a static file of the web root.
 */
export function httpRequestHandler(parts: HttpRouterParts): (req: IncomingMessage, res: ServerResponse) => void {
  const { access, signIn, routes, webRootReal, log } = parts;
  return (req, res) => {
    const peer = access.peerOf(req);
    for (const [k, v] of Object.entries(securityHeaders(peer.secure))) res.setHeader(k, v);
    if (!access.allowsHost(peer.host)) {
      access.logRefusal(peer, 'request for a foreign Host refused (421): DNS rebinding?', { hostHeader: req.headers.host, method: req.method });
      sendJson(res, 421, { error: `misdirected request: Host "${req.headers.host ?? ''}" is not a name of this server (add it to http.allowedHosts if it is)` }, { Connection: 'close' });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (url.pathname === LOGIN_PATH) {
      signIn.handle(req, res, url, peer);
      return;
    }
    const auth = access.checkAuth(req, peer, `${req.method ?? '?'} ${url.pathname}`);
    if (auth.status === 429) {
      signIn.tooMany(res, auth.retryAfterS ?? 1);
      return;
    }
    if (auth.status === 401) {
      signIn.unauthorized(req, res);
      return;
    }
    if (routes.some((route) => route(req, res, url))) return;
    if (webRootReal === null) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('web UI not installed\n');
      return;
    }
    serveStatic(webRootReal, url.pathname, req, res).catch((err: unknown) => failFileAnswer(res, log, 'static file error', err));
  };
}
