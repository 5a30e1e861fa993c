// Request guards of the HTTP/WS server: Host allow-list (DNS rebinding), peer identity behind trusted proxies,
// per-peer token buckets (login attempts), security headers and the Content-Security-Policy of HTML pages.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/**
 * Host name of a `Host` (or `X-Forwarded-Host`) header value, lower case, without port, brackets or a trailing dot:
 * `Example.org:8443` → `example.org`, `[::1]:8080` → `::1`. Undefined for an empty or malformed value.
 */
export function hostOfHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let h = value.trim().toLowerCase();
  if (h.length === 0 || h.length > 255 || /[\s/@\\]/.test(h)) return undefined;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 0) return undefined;
    const rest = h.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    h = h.slice(1, end);
    return isIP(h) === 6 ? h : undefined;
  }
  const colon = h.indexOf(':');
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(h.slice(colon + 1))) return undefined;
    h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.length > 0 ? h : undefined;
}

/** True for the wildcard binds that listen on every interface (`0.0.0.0`, `::`). */
export function isWildcardBind(bind: string): boolean {
  const h = bind.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/**
 * Which `Host` names a request may carry (defence against DNS rebinding: a page of `attacker.example` whose name
 * resolves to this machine sends `Host: attacker.example`, and is refused). Allowed: `localhost`, `127.0.0.1`, `::1`,
 * the bind address, the configured names; with a wildcard bind also this machine's host name and every address of its
 * interfaces (re-read when an unknown IP literal arrives, at most once per {@link HostPolicy.REFRESH_MS}).
 */
export class HostPolicy {
  /** Shortest interval between two re-reads of the interface addresses (ms). */
  static readonly REFRESH_MS = 5000;
  private readonly fixed: Set<string>;
  private local = new Set<string>();
  private readAtMs = -Infinity;

  constructor(private readonly bind: string, names: readonly string[] = []) {
    this.fixed = new Set(['localhost', '127.0.0.1', '::1']);
    const b = hostOfHeader(bind.includes(':') && !bind.startsWith('[') && isIP(bind) === 6 ? `[${bind}]` : bind);
    if (b !== undefined && !isWildcardBind(bind)) this.fixed.add(b);
    for (const n of names) {
      const h = hostOfHeader(n);
      if (h !== undefined) this.fixed.add(h);
    }
    if (isWildcardBind(bind)) this.refresh(0);
  }

  private refresh(nowMs: number): void {
    this.readAtMs = nowMs;
    const s = new Set<string>([hostname().toLowerCase()]);
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) s.add(a.address.toLowerCase().replace(/%.*$/, ''));
    this.local = s;
  }

  /** True when `host` (already normalised by {@link hostOfHeader}) may be served. */
  allows(host: string | undefined, nowMs = performance.now()): boolean {
    if (host === undefined) return false;
    if (this.fixed.has(host)) return true;
    if (!isWildcardBind(this.bind)) return false;
    if (this.local.has(host)) return true;
    if (isIP(host) !== 0 && nowMs - this.readAtMs >= HostPolicy.REFRESH_MS) {
      this.refresh(nowMs);
      return this.local.has(host);
    }
    return false;
  }
}

/**
 * True when `addr` is one of `trusted` (IP addresses, compared after removing an IPv4-mapped `::ffff:` prefix).
 */
export function isTrustedProxy(addr: string | undefined, trusted: readonly string[]): boolean {
  if (addr === undefined || trusted.length === 0) return false;
  const a = plainAddress(addr);
  return trusted.some((t) => plainAddress(t) === a);
}

/** `::ffff:10.0.0.5` → `10.0.0.5`; lower case; other addresses unchanged. */
export function plainAddress(addr: string): string {
  const a = addr.trim().toLowerCase();
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return m !== null ? m[1]! : a;
}

/** What the guards read of a request (a node:http IncomingMessage is one): its headers and its socket's peer address. */
export interface PeerRequest {
  readonly headers: IncomingHttpHeaders;
  readonly socket: { readonly remoteAddress?: string | undefined };
}

/** Who sent a request, as the guards see it (see {@link requestPeer}). */
export interface RequestPeer {
  /** Client address: the socket's, or behind a trusted proxy the last untrusted `X-Forwarded-For` hop. */
  address: string;
  /** The `Host` name the client asked for (`X-Forwarded-Host` behind a trusted proxy); undefined when malformed or absent. */
  host: string | undefined;
  /** True when the client reached us over TLS (our own, or `X-Forwarded-Proto: https` from a trusted proxy). */
  secure: boolean;
}

/**
 * Peer address, requested host and transport security of a request. The `X-Forwarded-*` headers are read only when
 * the socket's peer is in `trustedProxies` (anyone else could forge them): the address is the right-most
 * `X-Forwarded-For` entry that is not itself a trusted proxy (the one the first trusted hop saw).
 */
export function requestPeer(req: PeerRequest, trustedProxies: readonly string[], tls: boolean): RequestPeer {
  const sockAddr = plainAddress(req.socket.remoteAddress ?? '?');
  let address = sockAddr;
  let host = hostOfHeader(req.headers.host);
  let secure = tls;
  if (isTrustedProxy(sockAddr, trustedProxies)) {
    const xff = headerText(req.headers['x-forwarded-for']);
    if (xff !== undefined) {
      const hops = xff.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      for (let i = hops.length - 1; i >= 0; i--) {
        address = plainAddress(hops[i]!);
        if (!isTrustedProxy(address, trustedProxies)) break;
      }
    }
    const xfh = headerText(req.headers['x-forwarded-host']);
    if (xfh !== undefined) host = hostOfHeader(xfh.split(',')[0]);
    const xfp = headerText(req.headers['x-forwarded-proto']);
    if (xfp !== undefined) secure = xfp.split(',')[0]!.trim().toLowerCase() === 'https';
  }
  return { address, host, secure };
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Rate-limit key of a peer address: the address itself for IPv4, its /64 prefix for IPv6 (one host usually holds a
 * whole /64, so per-address buckets would not limit it).
 */
export function peerKey(address: string): string {
  const a = plainAddress(address);
  if (isIP(a) !== 6) return a;
  const parts = expandIpv6(a);
  return parts === undefined ? a : `${parts.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(a: string): string[] | undefined {
  const [head, tail] = a.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  if (t.some((p) => p.includes('.')) || h.some((p) => p.includes('.'))) return undefined;
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if (fill < 0) return undefined;
  return [...h, ...Array<string>(fill).fill('0'), ...t].map((p) => p.replace(/^0+(?=.)/, ''));
}

/** Options of {@link PeerBuckets}. */
export interface PeerBucketOptions {
  /** Bucket size: attempts a peer may make in a burst. */
  burst: number;
  /** Refill rate (attempts per second). */
  perSecond: number;
  /** Most peers remembered; beyond it the fullest (least recently emptied) buckets are forgotten first. Default 10000. */
  maxPeers?: number;
}

/**
 * Token buckets per peer key (classic token bucket: `burst` tokens, refilled at `perSecond`, one taken per attempt).
 * Memory is bounded by `maxPeers`; a forgotten peer starts again with a full bucket, which is what a full bucket holds
 * anyway, so only buckets that had refilled completely are evicted unless the map is full of busy peers.
 */
export class PeerBuckets {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private readonly maxPeers: number;

  constructor(private readonly o: PeerBucketOptions) {
    this.maxPeers = o.maxPeers ?? 10_000;
  }

  private level(key: string, nowMs: number): { tokens: number; atMs: number } {
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.maxPeers) this.evict(nowMs);
      b = { tokens: this.o.burst, atMs: nowMs };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.o.burst, b.tokens + ((nowMs - b.atMs) / 1000) * this.o.perSecond);
      b.atMs = nowMs;
    }
    return b;
  }

  private evict(nowMs: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((nowMs - b.atMs) / 1000) * this.o.perSecond >= this.o.burst) this.buckets.delete(k);
    }
    // still full of busy peers: forget the oldest entries (Map keeps insertion order)
    for (const k of this.buckets.keys()) {
      if (this.buckets.size < this.maxPeers) break;
      this.buckets.delete(k);
    }
  }

  /** True when `key` has a token left (without taking it). */
  allowed(key: string, nowMs = performance.now()): boolean {
    return this.level(key, nowMs).tokens >= 1;
  }

  /** Takes one token; returns false (nothing taken) when the bucket is empty. */
  take(key: string, nowMs = performance.now()): boolean {
    const b = this.level(key, nowMs);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Seconds until `key` has a token again (0 when it has one), rounded up. */
  retryAfterS(key: string, nowMs = performance.now()): number {
    const b = this.level(key, nowMs);
    return b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) / this.o.perSecond);
  }

  /** Peers remembered now. */
  get size(): number {
    return this.buckets.size;
  }
}

/**
 * CSP of every response that is not an HTML page of the UI: nothing may run, frame it or be loaded from elsewhere;
 * inline styles and same-origin/data: images stay allowed for the HTML session report.
 */
export const DEFAULT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Headers set on every response (MDN "HTTP headers" / OWASP Secure Headers): `X-Frame-Options: DENY` and
 * `frame-ancestors 'none'` (no clickjacking), `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (no-referrer would make browsers send `Origin: null` on form posts),
 * {@link DEFAULT_CSP}, and under TLS `Strict-Transport-Security` (one year; browsers ignore it on a connection with
 * certificate errors, RFC 6797 §8.1, so a self-signed certificate still lets a supervisor accept it once).
 */
export function securityHeaders(secure: boolean): Record<string, string> {
  const h: Record<string, string> = {
    'Content-Security-Policy': DEFAULT_CSP,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  if (secure) h['Strict-Transport-Security'] = 'max-age=31536000';
  return h;
}

/**
 * CSP of one UI page: its own inline `<script>` blocks by SHA-256 hash (CSP Level 2 hash-source; the built UI inlines
 * its bundle), scripts and connections (http/ws, CSP Level 3 'self' covers ws:/wss: of the same host) to this origin
 * only, inline styles allowed (the UI and uPlot style elements), no plugins, no framing, forms posting here only.
 */
export function pageCsp(html: string): string {
  const hashes: string[] = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    if (/\bsrc\s*=/i.test(m[1]!)) continue;
    hashes.push(`'sha256-${createHash('sha256').update(m[2]!, 'utf8').digest('base64')}'`);
  }
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.length > 0 ? ' ' + hashes.join(' ') : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
