// Site config `http` section: listen address, TLS, auth, allowed origins/hosts, trusted reverse proxies.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import type { ErrorMessageCode } from '../error-text.js';
import { isLoopbackBind } from '../server/auth.js';
import { hostOfHeader } from '../server/guard.js';
import { HTTP_DEFAULTS } from './site-defaults.js';

/** An origin as browsers send it: scheme, host, optional port; no path, query or fragment. */
const originSchema = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === v.replace(/\/$/, '');
  } catch {
    return false;
  }
}, 'expected an origin such as "https://proxy.example" or "https://proxy.example:8443" (scheme, host, optional port; no path)');

/** Schema of the `http` section (strict: an unknown field is an error naming it). */
export const httpSchema = z
  .object({
    bind: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    tls: z
      .union([
        z.literal('self-signed'),
        z.literal('off'),
        z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict(),
      ], { error: 'expected "self-signed", "off", or { "cert": "<PEM file>", "key": "<PEM file>" }' })
      .optional(),
    requireAuth: z.boolean().optional(),
    allowedOrigins: z.array(originSchema).max(100).optional(),
    allowedHosts: z.array(z.string().refine((v) => (hostOfHeader(v) !== undefined && !v.includes(':')) || isIP(v.replace(/^\[(.*)\]$/, '$1')) !== 0, 'expected a host name or address without port (e.g. "quietband.exam.local")')).max(100).optional(),
    trustedProxies: z.array(z.string().refine((v) => isIP(v) !== 0, 'expected the IP address of a reverse proxy (e.g. "127.0.0.1")')).max(100).optional(),
  })
  .strict();

/** The `http` settings after defaults (fields other than bind/port only when configured; the server has the defaults). */
export interface HttpSettings {
  bind: string;
  port: number;
  /** TLS: PEM files (absolute paths), 'self-signed', or 'off'. Absent: HTTPS with a self-signed pair off loopback, plain on loopback. */
  tls?: { cert: string; key: string } | 'self-signed' | 'off';
  /** Force token auth on or off (absent: on unless bound to loopback; `false` is refused off loopback). */
  requireAuth?: boolean;
  allowedOrigins?: string[];
  allowedHosts?: string[];
  trustedProxies?: string[];
}

/** Overrides from CLI flags. */
export interface HttpOverrides {
  bind?: string;
  port?: number;
  /** `--tls-cert` + `--tls-key`, or `--no-tls` ('off'). */
  tls?: { cert: string; key: string } | 'off';
}

/**
 * A host name as RFC 1123 §2.1 allows it (labels of letters, digits and inner hyphens, 1-63 characters, at most 253 in
 * all, a trailing dot allowed) whose last label is not all digits (RFC 3696 §2: no top-level domain is numeric), so a
 * mistyped address such as `0.0.0.0.1` or `192.168.1` is no host name.
 */
const HOST_NAME = /^(?=.{1,253}\.?$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*(?=[a-z0-9-]*[a-z])[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?$/i;

/**
 * What is wrong with `bind` as a listen address, as a code (src/error-text.ts `why.bind*`), or null when it may be listened on: a port in it
 * (`0.0.0.0:8080`, `[::]:8080`: the port is its own setting, named by `portField`), neither an IP address nor a host name
 * ({@link HOST_NAME}: `0.0.0.0.1`, `300.1.1.1`), or an IP address that no interface of this machine holds (`interfaces`:
 * os.networkInterfaces()). Host names are left to the listen call (resolved there).
 * Checked before anything is written (certificate, token, alert store), so a refused bind leaves the data dir as it was.
 */
export function bindProblem(bind: string, portField: string, interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): ErrorMessageCode | null {
  const withPort = /^(\[[^\]]*\]|[^:\[\]]+):(\d+)$/.exec(bind.trim());
  if (withPort !== null) return { id: 'why.bindPort', params: { bind, address: withPort[1], portField, port: withPort[2] } };
  const ip = bind.trim().replace(/^\[(.*)\]$/, '$1');
  const own = Object.values(interfaces).flatMap((list) => (list ?? []).map((a) => a.address.toLowerCase().replace(/%.*$/, '')));
  if (isIP(ip) === 0) return HOST_NAME.test(ip) ? null : { id: 'why.bindNotAddress', params: { bind, addresses: own.join(', ') } };
  if (ip === '0.0.0.0' || ip === '::' || isLoopbackBind(ip)) return null;
  return own.includes(ip.toLowerCase().replace(/%.*$/, '')) ? null : { id: 'why.bindNotOwn', params: { bind, addresses: own.join(', ') } };
}

/**
 * `http` settings: defaults < file < flags; relative certificate paths resolved against the working directory.
 * @param fail throws a CONFIG error naming the field.
 */
export function httpSettings(cfg: z.infer<typeof httpSchema> | undefined, overrides: HttpOverrides, fail: (field: string, why: string | ErrorMessageCode) => never): HttpSettings {
  const out: HttpSettings = { bind: overrides.bind ?? cfg?.bind ?? HTTP_DEFAULTS.bind, port: overrides.port ?? cfg?.port ?? HTTP_DEFAULTS.port };
  const bad = bindProblem(out.bind, overrides.bind !== undefined ? '--http-port' : 'http.port');
  if (bad !== null) fail(overrides.bind !== undefined ? '--bind' : 'http.bind', bad);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(process.cwd(), p));
  const tls = overrides.tls ?? cfg?.tls;
  if (tls !== undefined) out.tls = typeof tls === 'string' ? tls : { cert: abs(tls.cert), key: abs(tls.key) };
  if (cfg?.requireAuth !== undefined) {
    if (!cfg.requireAuth && !isLoopbackBind(out.bind)) fail('http.requireAuth', { id: 'why.requireAuth', params: { bind: out.bind } });
    out.requireAuth = cfg.requireAuth;
  }
  if (cfg?.allowedOrigins !== undefined) out.allowedOrigins = cfg.allowedOrigins.map((v) => v.replace(/\/$/, ''));
  if (cfg?.allowedHosts !== undefined) out.allowedHosts = [...cfg.allowedHosts];
  if (cfg?.trustedProxies !== undefined) out.trustedProxies = [...cfg.trustedProxies];
  return out;
}

/** An IPv6 link-local address (fe80::/10: the first 10 bits are 1111111010, so fe80 … febf). */
const LINK_LOCAL_V6 = /^fe[89ab][0-9a-f]:/i;

/**
 * The addresses other computers reach a server listening on `bind` at: for a wildcard bind (0.0.0.0, ::) every
 * non-internal IPv4 address of this machine (IPv6 too for ::, but not link-local fe80::/10 ones: a browser opens those
 * only with the zone id of the interface it reaches them on (`[fe80::1%eth0]`), which browsers refuse in a URL), as
 * `url` with its host replaced; for any other bind, none (`url` already names it). Sorted as the interfaces list them.
 */
export function otherComputerUrls(url: string, bind: string, interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  if (bind !== '0.0.0.0' && bind !== '::') return [];
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal || (a.family !== 'IPv4' && (bind !== '::' || LINK_LOCAL_V6.test(a.address)))) continue;
      const u = new URL(url);
      u.hostname = a.family === 'IPv4' ? a.address : `[${a.address}]`;
      out.push(u.href);
    }
  }
  return out;
}
