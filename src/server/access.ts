// Who may talk to the server: Host allow-list, browser Origin, access token with its per-peer rate limit, and the
// rate-limited log of refusals. Every HTTP request, WebSocket upgrade and client state change asks this one object.
import type { Logger } from 'pino';
import { isAuthorized, requestTokens } from './auth.js';
import { hostOfHeader, HostPolicy, isTrustedProxy, PeerBuckets, peerKey, requestPeer, type PeerRequest, type RequestPeer } from './guard.js';

/** Settings of an {@link AccessPolicy} (ServerOptions of the same names, after defaults). */
export interface AccessOptions {
  bind: string;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  trustedProxies: readonly string[];
  /** Wrong-token attempts per peer: burst and refill per second. */
  loginBurst: number;
  loginPerSecond: number;
  /** True when the server speaks TLS itself. */
  tls: boolean;
  /** True when HTTP and WS need `token`. */
  authRequired: boolean;
  /** The access token (defined when `authRequired`). */
  token: string | undefined;
}

/** Result of {@link AccessPolicy.checkAuth}: 200 go on, 401 no or wrong token, 429 rate-limited (retry after `retryAfterS`). */
export interface AuthCheck {
  status: 200 | 401 | 429;
  retryAfterS?: number;
}

/**
 * The server's access rules (docs/security.md): a request for a `Host` that is not a name of this server is refused
 * (DNS rebinding, {@link HostPolicy}); a browser `Origin` must be this very host or one of `allowedOrigins`; with auth
 * on, a token is needed, and a peer sending wrong ones is slowed by a token bucket ({@link PeerBuckets}).
 */
export class AccessPolicy {
  readonly authRequired: boolean;
  private readonly token: string | undefined;
  private readonly o: AccessOptions;
  private readonly hostPolicy: HostPolicy;
  /** Wrong-token budget per peer (login and every request carrying a token). */
  readonly loginBuckets: PeerBuckets;
  private readonly log: Logger;
  /** Peers whose refusals were logged recently: one line per peer per 10 s, with the count of the ones not logged. */
  private readonly refusalLog = new Map<string, { atMs: number; suppressed: number }>();

  constructor(o: AccessOptions, log: Logger) {
    this.o = o;
    this.authRequired = o.authRequired;
    this.token = o.token;
    this.hostPolicy = new HostPolicy(o.bind, o.allowedHosts);
    this.loginBuckets = new PeerBuckets({ burst: o.loginBurst, perSecond: o.loginPerSecond });
    this.log = log;
  }

  /** Address, requested host and transport security of a request (X-Forwarded-* from trusted proxies only). */
  peerOf(req: PeerRequest): RequestPeer {
    return requestPeer(req, this.o.trustedProxies, this.o.tls);
  }

  /** True when `host` (a peer's requested host name) is a name of this server. */
  allowsHost(host: string | undefined): boolean {
    return this.hostPolicy.allows(host);
  }

  /** Logs a refusal at warn, at most once per 10 s per kind and peer (the line counts the ones not logged). */
  logRefusal(peer: RequestPeer, what: string, extra: Record<string, unknown> = {}): void {
    const key = `${what}|${peer.address}`;
    const now = performance.now();
    const e = this.refusalLog.get(key);
    if (e !== undefined && now - e.atMs < 10_000) {
      e.suppressed++;
      return;
    }
    if (this.refusalLog.size > 10_000) this.refusalLog.clear();
    this.refusalLog.set(key, { atMs: now, suppressed: 0 });
    this.log.warn({ peer: peer.address, host: peer.host, ...extra, ...(e !== undefined && e.suppressed > 0 ? { notLogged: e.suppressed } : {}) }, what);
  }

  /** The `Host` header the client sent (`X-Forwarded-Host` from a trusted proxy). */
  forwardedHostHeader(req: PeerRequest): string | undefined {
    const xfh = req.headers['x-forwarded-host'];
    if (typeof xfh === 'string' && isTrustedProxy(req.socket.remoteAddress, this.o.trustedProxies)) return xfh.split(',')[0]!.trim();
    return req.headers.host;
  }

  /** Browser origins allowed: none sent (not a browser), one of `allowedOrigins`, or this very host (`Origin` host = `Host`). */
  originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
    if (origin === undefined) return true;
    if (this.o.allowedOrigins.includes(origin)) return true;
    try {
      const u = new URL(origin);
      return hostHeader !== undefined && u.host === hostHeader.trim().toLowerCase() && this.hostPolicy.allows(hostOfHeader(u.host));
    } catch {
      return false;
    }
  }

  /** Why a connection with these `Origin` and `Host` headers may not change state now, or undefined when it may. */
  stateChangeRefusal(origin: string | undefined, hostHeader: string | undefined): string | undefined {
    if (!this.hostPolicy.allows(hostOfHeader(hostHeader))) return `Host "${hostHeader ?? ''}" is not a name of this server`;
    if (!this.originAllowed(origin, hostHeader)) return `Origin "${origin ?? ''}" is not allowed`;
    return undefined;
  }

  /**
   * Token check with the per-peer rate limit: requests carrying a wrong token spend one unit of the peer's bucket and
   * are logged with the peer; while the bucket is empty every request carrying a token gets 429 (so guessing stops
   * paying off even for a right guess). Requests carrying no token get 401 without spending anything.
   */
  checkAuth(req: PeerRequest, peer: RequestPeer, what: string): AuthCheck {
    if (!this.authRequired) return { status: 200 };
    const candidates = requestTokens(req);
    if (candidates.length === 0) return { status: 401 };
    const key = peerKey(peer.address);
    if (!this.loginBuckets.allowed(key)) {
      this.logRefusal(peer, 'authentication attempts over the rate limit refused (429)', { what });
      return { status: 429, retryAfterS: this.loginBuckets.retryAfterS(key) };
    }
    if (isAuthorized(req, this.token!)) return { status: 200 };
    this.loginBuckets.take(key);
    this.log.warn({ peer: peer.address, what }, 'wrong access token refused (401)');
    return { status: 401 };
  }
}
