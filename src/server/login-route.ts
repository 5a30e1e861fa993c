// Sign-in over HTTP: the `/login` route (page and token POST → cookie) and the 401/429 answers every other route gives.
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AccessPolicy } from './access.js';
import { TOKEN_COOKIE, tokensEqual } from './auth.js';
import { peerKey, type RequestPeer } from './guard.js';
import { sendJson } from './http-reply.js';
import { readHtmlPage } from './static-files.js';

/** Path of the sign-in route. */
export const LOGIN_PATH = '/login';

/** Largest login request body (bytes). */
const LOGIN_BODY_MAX = 4096;

const UNAUTHORIZED_TEXT = 'unauthorized: send Authorization: Bearer <token>, or sign in with POST /login (form field "token"); tokens in URLs are not accepted';

/**
 * Sign-in for browsers, which cannot put a header on a WebSocket: `/login` trades the access token for an HttpOnly
 * cookie (`quietband_token`, SameSite=Strict, Secure under TLS), and an unauthenticated page visit gets the sign-in
 * form with its 401. The page is `login.html` of the web root; without one, JSON answers stand in.
 */
export class SignIn {
  private readonly access: AccessPolicy;
  private readonly token: string | undefined;
  private readonly webRootReal: string | null;
  private readonly log: Logger;

  /** `token`: the access token (defined when `access.authRequired`); `webRootReal`: realpath of the web root, null when there is none. */
  constructor(access: AccessPolicy, token: string | undefined, webRootReal: string | null, log: Logger) {
    this.access = access;
    this.token = token;
    this.webRootReal = webRootReal;
    this.log = log;
  }

  /** 429 with `Retry-After` for a peer over its wrong-token budget. */
  tooMany(res: ServerResponse, retryAfterS: number): void {
    sendJson(res, 429, { error: `too many authentication attempts from your address: retry in ${retryAfterS} s` }, { 'Retry-After': String(retryAfterS) });
  }

  /** 401 for a request without a valid token: a browser's page visit (GET, Accept text/html) gets the sign-in form, anything else JSON. */
  unauthorized(req: IncomingMessage, res: ServerResponse): void {
    const deny = (): void => sendJson(res, 401, { error: UNAUTHORIZED_TEXT }, { 'WWW-Authenticate': 'Bearer realm="quietband"' });
    if (req.method === 'GET' && /text\/html/.test(req.headers.accept ?? '')) this.sendLoginPage(res, 401, deny);
    else deny();
  }

  /** Sends the sign-in page (`login.html` of the web root) with `status`, or the JSON `fallback` when there is none. */
  private sendLoginPage(res: ServerResponse, status: number, fallback: () => void): void {
    if (this.webRootReal === null) {
      fallback();
      return;
    }
    readHtmlPage(join(this.webRootReal, 'login.html')).then((page) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': page.body.length, 'Content-Security-Policy': page.csp, 'WWW-Authenticate': 'Bearer realm="quietband"', 'Cache-Control': 'no-store' });
      res.end(page.body);
    }, fallback);
  }

  /**
   * `/login`: `GET` → the sign-in page; `POST` (form field or JSON `token`) → the cookie and a 303 to `/`, or 401
   * (wrong token, logged, rate-limited per peer) / 429 / 403 (foreign Origin) / 413. Served before the auth check.
   */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, peer: RequestPeer): void {
    const { access } = this;
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (!access.authRequired) {
        res.writeHead(303, { Location: '/' }).end();
        return;
      }
      if (url.searchParams.has('token')) {
        access.logRefusal(peer, 'token in a URL refused (400)', { path: LOGIN_PATH });
        sendJson(res, 400, { error: 'a token in a URL is not accepted (URLs are kept in history and logs): POST it to /login as the form field "token"' });
        return;
      }
      this.sendLoginPage(res, 200, () => sendJson(res, 200, { login: 'POST /login with the form field "token"' }));
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'method not allowed: GET or POST /login' }, { Allow: 'GET, HEAD, POST' });
      return;
    }
    if (!access.originAllowed(req.headers.origin, access.forwardedHostHeader(req))) {
      access.logRefusal(peer, 'login from a foreign origin refused (403)', { origin: req.headers.origin });
      sendJson(res, 403, { error: 'forbidden origin' });
      return;
    }
    if (!access.authRequired) {
      res.writeHead(303, { Location: '/' }).end();
      return;
    }
    const key = peerKey(peer.address);
    if (!access.loginBuckets.allowed(key)) {
      access.logRefusal(peer, 'login attempts over the rate limit refused (429)');
      this.tooMany(res, access.loginBuckets.retryAfterS(key));
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
        sendJson(res, 413, { error: `login body larger than ${LOGIN_BODY_MAX} bytes` }, { Connection: 'close' });
        req.destroy();
        return;
      }
      chunks.push(d);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (done) return;
      done = true;
      this.finishLogin(req, res, peer, key, Buffer.concat(chunks).toString('utf8'));
    });
  }

  /** Checks the posted token (`text`: the whole body) and answers 303 with the cookie, 400 or 401. */
  private finishLogin(req: IncomingMessage, res: ServerResponse, peer: RequestPeer, key: string, text: string): void {
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
      sendJson(res, 400, { error: 'login: expected the form field "token" (application/x-www-form-urlencoded) or JSON {"token": …}' });
      return;
    }
    if (!tokensEqual(candidate, this.token!)) {
      this.access.loginBuckets.take(key);
      this.log.warn({ peer: peer.address, what: 'POST /login' }, 'wrong access token refused (401)');
      const deny = (): void => sendJson(res, 401, { error: 'login: wrong token' }, { 'WWW-Authenticate': 'Bearer realm="quietband"' });
      if (/text\/html/.test(req.headers.accept ?? '')) this.sendLoginPage(res, 401, deny);
      else deny();
      return;
    }
    this.log.info({ peer: peer.address }, 'signed in');
    res.writeHead(303, {
      Location: '/',
      'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(this.token!)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=31536000${peer.secure ? '; Secure' : ''}`,
      'Cache-Control': 'no-store',
    });
    res.end();
  }
}
