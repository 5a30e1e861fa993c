// TLS material of the HTTP/WS server: a configured certificate + key, or a self-signed pair kept in the data dir.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import { writeFileAtomic } from '../atomic-write.js';
import { makeFolder } from '../make-folder.js';

/** File names of the generated pair inside the data dir. */
export const SELF_SIGNED_CERT_FILE = 'tls-cert.pem';
export const SELF_SIGNED_KEY_FILE = 'tls-key.pem';
/** Validity of a generated certificate (days). */
export const SELF_SIGNED_DAYS = 825;
/** A generated certificate expiring within this many days is replaced at start. */
export const RENEW_BEFORE_DAYS = 30;

/** Certificate and key ready for `https.createServer`. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  certPath: string;
  keyPath: string;
  /** SHA-256 fingerprint (`AA:BB:…`): supervisors compare it with what the browser shows before trusting a self-signed one. */
  fingerprint256: string;
  /** Expiry (ISO 8601). */
  validTo: string;
  /** True for the generated pair of {@link loadOrCreateSelfSigned}. */
  selfSigned: boolean;
  /** True when this start generated it. */
  generated: boolean;
}

function parsePair(cert: Buffer, key: Buffer, certPath: string, keyPath: string): X509Certificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new QuietBandError(`${certPath}: http.tls.cert: not a PEM X.509 certificate (${(err as Error).message})`, 'CONFIG', { cause: err });
  }
  let pk;
  try {
    pk = createPrivateKey(key);
  } catch (err) {
    throw new QuietBandError(`${keyPath}: http.tls.key: not an unencrypted PEM private key (${(err as Error).message})`, 'CONFIG', { cause: err });
  }
  if (!x509.checkPrivateKey(pk)) throw new QuietBandError(`${keyPath}: http.tls.key: does not belong to the certificate ${certPath}`, 'CONFIG');
  return x509;
}

async function readFileOr(file: string, field: string): Promise<Buffer> {
  try {
    return await fsp.readFile(file);
  } catch (err) {
    throw new QuietBandError(`${file}: ${field}: cannot read (${(err as Error).message})`, 'CONFIG', { cause: err });
  }
}

/**
 * Loads a configured certificate chain and key (PEM). Warns when the key file is readable by group/others or the
 * certificate has expired.
 * @throws QuietBandError('CONFIG') naming the file when a file cannot be read, is not PEM, or the key does not match.
 */
export async function loadTlsFiles(certPath: string, keyPath: string, log?: Logger): Promise<ServerTls> {
  const cert = await readFileOr(certPath, 'http.tls.cert (--tls-cert)');
  const key = await readFileOr(keyPath, 'http.tls.key (--tls-key)');
  const x509 = parsePair(cert, key, certPath, keyPath);
  const st = await fsp.stat(keyPath);
  if ((st.mode & 0o077) !== 0) log?.warn({ keyPath, mode: (st.mode & 0o777).toString(8) }, 'TLS key file is readable by others: chmod 600 it');
  if (Date.parse(x509.validTo) < Date.now()) log?.warn({ certPath, validTo: x509.validTo }, 'TLS certificate has expired');
  return { cert, key, certPath, keyPath, fingerprint256: x509.fingerprint256, validTo: new Date(x509.validTo).toISOString(), selfSigned: false, generated: false };
}

/** Names a generated certificate covers: localhost, loopback, this machine's host name and interface addresses, `names`. */
export function selfSignedNames(names: readonly string[] = []): string[] {
  const out = new Set<string>(['localhost', '127.0.0.1', '::1', hostname().toLowerCase()]);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (!a.address.includes('%')) out.add(a.address.toLowerCase());
  for (const n of names) if (n.trim() !== '') out.add(n.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1'));
  return [...out];
}

function covers(x509: X509Certificate, name: string): boolean {
  return isIP(name) !== 0 ? x509.checkIP(name) !== undefined : x509.checkHost(name) !== undefined;
}

/**
 * The self-signed pair `<dataDir>/tls-cert.pem` + `tls-key.pem` (key mode 0600): reused when present, valid for more
 * than {@link RENEW_BEFORE_DAYS} days and covering every name in `names`; else generated with the `selfsigned`
 * library (EC P-256, SHA-256, {@link SELF_SIGNED_DAYS} days, subjectAltName = {@link selfSignedNames}) and written
 * atomically (temp file + rename). The key file is tightened to 0600 with a warning when it was readable by others.
 * @throws QuietBandError('IO') when the files cannot be read or written.
 */
export async function loadOrCreateSelfSigned(dataDir: string, names: readonly string[], log?: Logger): Promise<ServerTls> {
  const certPath = path.resolve(dataDir, SELF_SIGNED_CERT_FILE);
  const keyPath = path.resolve(dataDir, SELF_SIGNED_KEY_FILE);
  try {
    await makeFolder(path.dirname(certPath), 0o700);
    let existing: { cert: Buffer; key: Buffer } | undefined;
    try {
      existing = { cert: await fsp.readFile(certPath), key: await fsp.readFile(keyPath) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (existing !== undefined) {
      try {
        const x509 = parsePair(existing.cert, existing.key, certPath, keyPath);
        const left = (Date.parse(x509.validTo) - Date.now()) / 86_400_000;
        const missing = names.filter((n) => !covers(x509, n.toLowerCase().replace(/^\[(.*)\]$/, '$1')));
        if (left > RENEW_BEFORE_DAYS && missing.length === 0) {
          const st = await fsp.stat(keyPath);
          if ((st.mode & 0o077) !== 0) {
            log?.warn({ keyPath, mode: (st.mode & 0o777).toString(8) }, 'TLS key file was readable by others; setting mode 0600');
            await fsp.chmod(keyPath, 0o600);
          }
          return { ...existing, certPath, keyPath, fingerprint256: x509.fingerprint256, validTo: new Date(x509.validTo).toISOString(), selfSigned: true, generated: false };
        }
        log?.warn({ certPath, daysLeft: Math.floor(left), missing }, 'self-signed TLS certificate expiring or not covering a configured name: generating a new one');
      } catch (err) {
        log?.warn({ certPath, err: (err as Error).message }, 'self-signed TLS certificate unusable: generating a new one');
      }
    }
    const all = selfSignedNames(names);
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(notBefore.getTime() + SELF_SIGNED_DAYS * 86_400_000);
    // selfsigned is loaded here, when a certificate is made: its import costs ≈ 0.3 s of CPU, which every command and
    // every daemon without TLS would otherwise pay at start
    const { generate } = await import('selfsigned');
    const pems = await generate([{ name: 'commonName', value: `quietband ${hostname()}` }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: notBefore,
      notAfterDate: notAfter,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: all.map((n) => (isIP(n) !== 0 ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })) },
      ],
    });
    const cert = Buffer.from(pems.cert);
    const key = Buffer.from(pems.private);
    await writeFileAtomic(keyPath, key, { mode: 0o600, exactMode: true, sync: true });
    await writeFileAtomic(certPath, cert, { mode: 0o644, exactMode: true, sync: true });
    const x509 = new X509Certificate(cert);
    log?.info({ certPath, fingerprint256: x509.fingerprint256, names: all }, 'self-signed TLS certificate created');
    return { cert, key, certPath, keyPath, fingerprint256: x509.fingerprint256, validTo: new Date(x509.validTo).toISOString(), selfSigned: true, generated: true };
  } catch (err) {
    if (err instanceof QuietBandError) throw err;
    throw new QuietBandError(`cannot read or create the TLS certificate ${certPath}: ${(err as Error).message}`, 'IO', { cause: err });
  }
}

/**
 * The stdout line a daemon prints about its TLS: a self-signed certificate with the SHA-256 fingerprint supervisors
 * compare with the browser's warning, or a configured one with its expiry.
 */
export function tlsStartLine(tls: Pick<ServerTls, 'certPath' | 'fingerprint256' | 'validTo' | 'selfSigned' | 'generated'>): string {
  return tls.selfSigned
    ? `HTTPS with a self-signed certificate (${tls.certPath}${tls.generated ? ', created now' : ''}): browsers warn once; accept it only if they show SHA-256 fingerprint ${tls.fingerprint256}`
    : `HTTPS with the certificate ${tls.certPath} (valid until ${tls.validTo})`;
}

