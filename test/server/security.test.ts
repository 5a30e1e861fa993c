// Never let a stranger in: Host allow-list (421), security headers on every response, POST cookie login, per-peer
// login rate limit with logged failures, HTTPS/WSS with the generated certificate, 0 unauthenticated state changes.
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostPolicy, hostOfHeader, PeerBuckets, peerKey } from '../../src/server/guard.js';
import { SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE } from '../../src/server/tls.js';
import { det, memoryLogger, startStack, TestClient, tempDir, type Stack } from './helpers.js';

const stacks: Stack[] = [];
const clients: TestClient[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const s of stacks.splice(0)) await s.close();
  for (const f of cleanups.splice(0)) f();
});

/** One raw HTTP/1.1 request over TCP (fetch cannot set Host): status, lower-case headers, body. */
function rawRequest(port: number, head: string, body = ''): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString('utf8')));
    sock.on('error', reject);
    sock.on('close', () => {
      const [h = '', ...rest] = text.split('\r\n\r\n');
      const lines = h.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0), headers, body: rest.join('\r\n\r\n') });
    });
    sock.write(`${head.replace(/\n/g, '\r\n')}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

const UPGRADE = 'Upgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13';

function expectSecurityHeaders(h: Record<string, string>, what: string): void {
  expect(h['x-frame-options'], what).toBe('DENY');
  expect(h['x-content-type-options'], what).toBe('nosniff');
  expect(h['content-security-policy'], what).toMatch(/frame-ancestors 'none'/);
}

describe('guard helpers', () => {
  it('normalises Host headers and allows only our names', () => {
    expect(hostOfHeader('Example.ORG.:8443')).toBe('example.org');
    expect(hostOfHeader('[::1]:8080')).toBe('::1');
    for (const bad of ['', 'a b', 'x:y', '[::1', 'user@host', 'a/b']) expect(hostOfHeader(bad), bad).toBeUndefined();
    const p = new HostPolicy('127.0.0.1', ['quietband.exam.local']);
    for (const h of ['localhost', '127.0.0.1', '::1', 'quietband.exam.local']) expect(p.allows(h), h).toBe(true);
    for (const h of ['attacker.example', 'localhost.attacker.example', '127.0.0.1.nip.io', '10.0.0.1', undefined]) expect(p.allows(h), String(h)).toBe(false);
    expect(new HostPolicy('192.168.7.9').allows('192.168.7.9')).toBe(true);
    expect(new HostPolicy('192.168.7.9').allows('192.168.7.10')).toBe(false);
  });
  it('keys IPv6 peers by /64 and refills token buckets at the stated rate', () => {
    expect(peerKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(peerKey('2001:db8:1:2:bbbb::9')).toBe('2001:db8:1:2::/64');
    expect(peerKey('::ffff:10.0.0.5')).toBe('10.0.0.5');
    const b = new PeerBuckets({ burst: 3, perSecond: 0.5 });
    for (let i = 0; i < 3; i++) expect(b.take('p', 0)).toBe(true);
    expect(b.take('p', 0)).toBe(false);
    expect(b.retryAfterS('p', 0)).toBe(2);
    expect(b.take('p', 1999)).toBe(false);
    expect(b.take('p', 2000)).toBe(true);
    expect(b.take('q', 2000)).toBe(true); // other peers are not affected
  });
});

describe('DNS rebinding on the default loopback bind', () => {
  it('answers 421 to a foreign Host on HTTP and on the WebSocket upgrade; no state changes', async () => {
    const { logger, lines } = memoryLogger('info');
    const s = await startStack({ logger });
    stacks.push(s);
    const a = (await s.bus.handleDetection('s1', det(1)))!;
    const port = s.server.port;
    for (const host of ['attacker.example', `attacker.example:${port}`, `localhost.attacker.example:${port}`, '10.255.255.1']) {
      const r = await rawRequest(port, `GET /healthz HTTP/1.1\nHost: ${host}`);
      expect(r.status, host).toBe(421);
      expectSecurityHeaders(r.headers, `421 ${host}`);
      const u = await rawRequest(port, `GET /ws HTTP/1.1\nHost: ${host}\nOrigin: http://${host}\n${UPGRADE}`);
      expect(u.status, `upgrade ${host}`).toBe(421);
    }
    await expect(TestClient.open(s.wsUrl, { headers: { Host: `attacker.example:${port}`, Origin: `http://attacker.example:${port}` } })).rejects.toThrow('HTTP 421');
    // an allowed Host with a foreign Origin is still refused (403)
    await expect(TestClient.open(s.wsUrl, { headers: { Origin: `http://attacker.example:${port}` } })).rejects.toThrow('HTTP 403');
    const post = await rawRequest(port, `POST /login HTTP/1.1\nHost: attacker.example:${port}\nContent-Type: application/x-www-form-urlencoded`, 'token=x');
    expect(post.status).toBe(421);
    expect(s.store.lastSeq).toBe(1);
    expect(s.store.stateOf(a.alertId)?.state).toBe('new');
    const refusals = lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('foreign Host refused (421)'));
    expect(refusals.length).toBeGreaterThanOrEqual(1); // logged (one line per peer per 10 s, the rest counted)
    expect(refusals[0]).toMatchObject({ peer: '127.0.0.1', host: 'attacker.example' });
    // the real names still work
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) expect((await rawRequest(port, `GET /healthz HTTP/1.1\nHost: ${host}`)).status, host).toBe(200);
  });

  it('serves a configured name, and records who acted on every state change', async () => {
    const s = await startStack({ allowedHosts: ['quietband.exam.local'] });
    stacks.push(s);
    const a = (await s.bus.handleDetection('s1', det(1)))!;
    expect((await rawRequest(s.server.port, 'GET /healthz HTTP/1.1\nHost: quietband.exam.local:8080')).status).toBe(200);
    const c = await TestClient.open(s.wsUrl, { headers: { Host: `quietband.exam.local:${s.server.port}`, Origin: `http://quietband.exam.local:${s.server.port}` } });
    clients.push(c);
    await c.waitFor(() => c.messages.some((m) => m.type === 'hello') || undefined);
    c.send({ v: 1, type: 'resume', sinceSeq: 0 });
    c.send({ v: 1, type: 'ack', alertId: a.alertId, by: 'amy' });
    await c.waitForSeq(2);
    expect(c.alerts.at(-1)).toMatchObject({ event: 'ack', ackBy: 'amy (local@127.0.0.1)' });
  });
});

describe('headers, login and its rate limit (auth on, plain HTTP)', () => {
  it('sets CSP, X-Frame-Options and nosniff on every response; HTML pages get their script hashes', async () => {
    const s = await startStack({ requireAuth: true, token: 'tok-0123456789abcdef' });
    stacks.push(s);
    const base = s.server.url;
    const auth = { Authorization: 'Bearer tok-0123456789abcdef' };
    const responses = [
      await fetch(`${base}healthz`),
      await fetch(`${base}healthz`, { headers: auth }),
      await fetch(`${base}`, { headers: { ...auth, Accept: 'text/html' } }),
      await fetch(`${base}`, { headers: { Accept: 'text/html' } }),
      await fetch(`${base}no-such-file`, { headers: auth }),
      await fetch(`${base}ws`, { headers: auth }),
      await fetch(`${base}login`),
      await fetch(`${base}login`, { method: 'PUT' }),
    ];
    expect(responses.map((r) => r.status)).toEqual([401, 200, 200, 401, 404, 426, 200, 405]);
    for (const r of responses) expectSecurityHeaders(Object.fromEntries(r.headers), `${r.url} ${r.status}`);
    const page = responses[2]!;
    const html = await page.text();
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')*/);
    if (/<script>|<script type="module">/.test(html)) expect(page.headers.get('content-security-policy')).toMatch(/'sha256-/);
    const up = await rawRequest(s.server.port, `GET /ws HTTP/1.1\nHost: 127.0.0.1\n${UPGRADE}`);
    expect(up.status).toBe(401);
    expectSecurityHeaders(up.headers, 'refused upgrade');
  });

  it('POST /login sets an HttpOnly SameSite=Strict cookie; tokens in URLs are refused; wrong tokens are rate-limited per peer and logged', async () => {
    const { logger, lines } = memoryLogger('info');
    const token = 'tok-0123456789abcdef';
    // 127.0.0.1 is a trusted proxy here, so X-Forwarded-For names the peer: several peers from one test
    const s = await startStack({ requireAuth: true, token, logger, trustedProxies: ['127.0.0.1'], loginBurst: 5, loginPerSecond: 0.5 });
    stacks.push(s);
    const base = s.server.url;
    const login = (tok: string, peer: string) =>
      fetch(`${base}login`, { method: 'POST', body: new URLSearchParams({ token: tok }), redirect: 'manual', headers: { 'X-Forwarded-For': peer } });
    const ok = await login(token, '203.0.113.1');
    expect(ok.status).toBe(303);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^quietband_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    expect((await fetch(`${base}healthz`, { headers: { Cookie: cookie.split(';')[0]! } })).status).toBe(200);
    expect((await fetch(`${base}login?token=${token}`)).status).toBe(400);
    const json = await fetch(`${base}login`, { method: 'POST', body: JSON.stringify({ token }), headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '203.0.113.2' }, redirect: 'manual' });
    expect(json.status).toBe(303);
    const huge = await fetch(`${base}login`, { method: 'POST', body: `token=${'x'.repeat(5000)}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-For': '203.0.113.3' } }).catch(() => null);
    if (huge !== null) expect(huge.status).toBe(413); // or the connection is cut while the body is still being sent
    expect((await fetch(`${base}login`, { method: 'POST', body: 'nothing=here', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status).toBe(400);
    expect((await fetch(`${base}login`, { method: 'POST', body: new URLSearchParams({ token }), headers: { Origin: 'http://attacker.example' } })).status).toBe(403);
    expect((await fetch(`${base}healthz?token=${token}`)).status).toBe(401);

    // peer A: 5 wrong tries → 401 each, then 429 (with Retry-After) even for the right token
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await login(`wrong-${i}`, '198.51.100.7')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const limited = await login(token, '198.51.100.7');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBe(2);
    // bearer guesses count against the same bucket
    expect((await fetch(`${base}healthz`, { headers: { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '198.51.100.7' } })).status).toBe(429);
    // peer B is not affected
    expect((await login(token, '198.51.100.8')).status).toBe(303);
    // after the refill time (0.5/s → 2 s) peer A may try again
    await new Promise((r) => setTimeout(r, 2100));
    expect((await login(token, '198.51.100.7')).status).toBe(303);

    const failures = lines.filter((l) => l.msg === 'wrong access token refused (401)');
    expect(failures).toHaveLength(5);
    expect(failures.every((l) => l.peer === '198.51.100.7')).toBe(true);
    expect(lines.some((l) => typeof l.msg === 'string' && l.msg.includes('rate limit refused (429)') && l.peer === '198.51.100.7')).toBe(true);
  });

  it('0 unauthenticated state changes: no token, wrong token, token in the URL, foreign origin', async () => {
    const token = 'tok-0123456789abcdef';
    const s = await startStack({ requireAuth: true, token, loginBurst: 100 });
    stacks.push(s);
    const a = (await s.bus.handleDetection('s1', det(1)))!;
    const attempts: [string, () => Promise<TestClient>][] = [
      ['no token', () => TestClient.open(s.wsUrl)],
      ['wrong token', () => TestClient.open(s.wsUrl, { headers: { Authorization: 'Bearer nope' } })],
      ['token in the URL', () => TestClient.open(`${s.wsUrl}?token=${token}`)],
      ['wrong cookie', () => TestClient.open(s.wsUrl, { headers: { Cookie: 'quietband_token=nope' } })],
      ['foreign origin', () => TestClient.open(s.wsUrl, { headers: { Authorization: `Bearer ${token}`, Origin: 'http://attacker.example' } })],
    ];
    for (const [what, open] of attempts) await expect(open(), what).rejects.toThrow(/HTTP 40[13]/);
    expect(s.store.lastSeq).toBe(1);
    const good = await TestClient.open(s.wsUrl, { headers: { Authorization: `Bearer ${token}` } });
    clients.push(good);
    await good.waitFor(() => good.messages.some((m) => m.type === 'hello') || undefined);
    good.send({ v: 1, type: 'ack', alertId: a.alertId });
    await good.waitFor(() => s.store.lastSeq === 2 || undefined, 3000, 'ack stored');
    expect(s.store.stateOf(a.alertId)).toMatchObject({ state: 'acknowledged', ackBy: 'supervisor (token@127.0.0.1)' });
  });
});

describe('TLS with the generated certificate', () => {
  it('creates a self-signed pair off loopback (key 0600), serves https + wss verified against it with HSTS and a Secure cookie, and reuses it', async () => {
    const t = tempDir('qb-tls-');
    cleanups.push(t.cleanup);
    const s = await startStack({ bind: '0.0.0.0' }, {}, t.dir);
    stacks.push(s);
    const srv = s.server;
    expect(srv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    expect(srv.tls).toMatchObject({ selfSigned: true, generated: true });
    expect(statSync(join(t.dir, SELF_SIGNED_KEY_FILE)).mode & 0o777).toBe(0o600);
    const ca = readFileSync(join(t.dir, SELF_SIGNED_CERT_FILE));
    const x509 = new X509Certificate(ca);
    expect(x509.fingerprint256).toBe(srv.tls!.fingerprint256);
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkHost('localhost')).toBe('localhost');

    // handshake verified against the certificate (rejectUnauthorized is on by default)
    const get = (path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; protocol: string }>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port: srv.port, path, method, ca, headers, agent: false }, (res) => {
          const protocol = (res.socket as TLSSocket).getProtocol() ?? '';
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, protocol }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const h = await get('/healthz', { Authorization: `Bearer ${srv.token}` });
    expect(h.status).toBe(200);
    expect(h.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(h.headers['strict-transport-security']).toBe('max-age=31536000');
    const login = await get('/login', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'POST', `token=${srv.token}`);
    expect(login.status).toBe(303);
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure$/);
    // a client that does not know the certificate refuses it
    await expect(
      new Promise((resolve, reject) => https.get({ host: '127.0.0.1', port: srv.port, path: '/healthz', agent: false }, resolve).on('error', reject)),
    ).rejects.toThrow(/self[- ]signed|unable to verify/i);
    // plain HTTP on the TLS port gets nothing useful
    await expect(fetch(`http://127.0.0.1:${srv.port}/healthz`)).rejects.toThrow();

    const c = await TestClient.open(`wss://127.0.0.1:${srv.port}/ws`, { ca, headers: { Authorization: `Bearer ${srv.token}` } });
    clients.push(c);
    const hello = await c.waitFor(() => c.messages.find((m) => m.type === 'hello'));
    expect(hello).toMatchObject({ authRequired: true, site: 'hall-a' });
    c.ws.terminate();

    await s.close();
    stacks.splice(0);
    const s2 = await startStack({ bind: '0.0.0.0' }, {}, t.dir);
    stacks.push(s2);
    expect(s2.server.tls).toMatchObject({ selfSigned: true, generated: false, fingerprint256: srv.tls!.fingerprint256 });
  });

  it('loads a configured pair and names the file when the key does not match', async () => {
    const t = tempDir('qb-tls2-');
    cleanups.push(t.cleanup);
    const a = await startStack({ bind: '0.0.0.0' }, {}, join(t.dir, 'a'));
    const b = await startStack({ bind: '0.0.0.0' }, {}, join(t.dir, 'b'));
    await a.close();
    await b.close();
    const cert = join(t.dir, 'a', SELF_SIGNED_CERT_FILE);
    const s = await startStack({ bind: '0.0.0.0', tls: { cert, key: join(t.dir, 'a', SELF_SIGNED_KEY_FILE) } }, {}, join(t.dir, 'c'));
    stacks.push(s);
    expect(s.server.tls).toMatchObject({ selfSigned: false, certPath: cert });
    await expect(startStack({ port: 0, bind: '0.0.0.0', tls: { cert, key: join(t.dir, 'b', SELF_SIGNED_KEY_FILE) } }, {}, join(t.dir, 'd'))).rejects.toThrow(/tls-key\.pem: http\.tls\.key: does not belong to the certificate/);
  });
});
