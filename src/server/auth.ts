// Bearer-token auth for non-loopback binds: token file (0600), loopback detection, constant-time checks.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { PeerRequest } from './guard.js';
import { isIP } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import { makeFolder } from '../make-folder.js';

/** File name of the token inside the data dir. */
export const TOKEN_FILE = 'token';
/**
 * Cookie set by `POST /login` (HttpOnly, SameSite=Strict, Secure under TLS) so browsers, which cannot set headers on a
 * WebSocket, stay signed in without the token ever appearing in a URL.
 */
export const TOKEN_COOKIE = 'quietband_token';

/**
 * True when `bind` only accepts connections from this machine: `localhost`, any 127.0.0.0/8 address, `::1`, or an
 * IPv4-mapped loopback (`::ffff:127.x.x.x`). `0.0.0.0`, `::` and every other address are not loopback.
 */
export function isLoopbackBind(bind: string): boolean {
  const h = bind.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === 'localhost.') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
    const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return m !== null && m[1]!.startsWith('127.');
  }
  return false;
}

/** Token and where it came from (see {@link loadOrCreateToken}). */
export interface TokenInfo {
  token: string;
  /** True when this call generated the token and wrote the file: the caller prints it once. */
  tokenCreated: boolean;
  /** Absolute path of the token file. */
  tokenPath: string;
}

/**
 * Reads `<dataDir>/token`, or creates it with 32 random bytes (base64url, 43 chars) and mode 0600 when missing.
 * A file readable by group/others is tightened to 0600 with a warning.
 * @throws QuietBandError('CONFIG') when the file exists but is empty; QuietBandError('IO') when it cannot be read/written.
 */
export async function loadOrCreateToken(dataDir: string, logger?: Logger): Promise<TokenInfo> {
  const tokenPath = path.resolve(dataDir, TOKEN_FILE);
  try {
    await makeFolder(path.dirname(tokenPath));
    try {
      const token = randomBytes(32).toString('base64url');
      const h = await fsp.open(tokenPath, 'wx', 0o600);
      try {
        await h.writeFile(token + '\n', 'utf8');
        await h.chmod(0o600);
        await h.sync();
      } finally {
        await h.close();
      }
      logger?.info({ tokenPath }, 'access token created');
      return { token, tokenCreated: true, tokenPath };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const st = await fsp.stat(tokenPath);
    if ((st.mode & 0o077) !== 0) {
      logger?.warn({ tokenPath, mode: (st.mode & 0o777).toString(8) }, 'token file was readable by others; setting mode 0600');
      await fsp.chmod(tokenPath, 0o600);
    }
    const token = (await fsp.readFile(tokenPath, 'utf8')).trim();
    if (token.length === 0) {
      throw new QuietBandError(`${tokenPath}: token: file is empty; delete it to have a new token generated`, 'CONFIG');
    }
    return { token, tokenCreated: false, tokenPath };
  } catch (err) {
    if (err instanceof QuietBandError) throw err;
    throw new QuietBandError(`cannot read or create the access token ${tokenPath}: ${(err as Error).message}`, 'IO', { cause: err });
  }
}

/** Constant-time token comparison (SHA-256 of both sides, then `crypto.timingSafeEqual`, so lengths do not leak). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Value of one cookie from a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Every token candidate a request carries: `Authorization: Bearer …` and the {@link TOKEN_COOKIE} cookie. A
 * `?token=` query parameter is not one: URLs end up in browser history, proxy and server logs and Referer headers.
 */
export function requestTokens(req: Pick<PeerRequest, 'headers'>): string[] {
  const out: string[] = [];
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m !== null) out.push(m[1]!);
  }
  const c = readCookie(req.headers.cookie, TOKEN_COOKIE);
  if (c !== undefined) out.push(c);
  return out;
}

/** True when any token candidate of the request equals `expected` (constant time per candidate). */
export function isAuthorized(req: Pick<PeerRequest, 'headers'>, expected: string): boolean {
  let ok = false;
  for (const t of requestTokens(req)) if (tokensEqual(t, expected)) ok = true;
  return ok;
}
