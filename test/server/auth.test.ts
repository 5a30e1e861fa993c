// Auth: loopback detection; a 0.0.0.0 bind needs the token (HTTP 401/200, WS 401 + destroyed, POST cookie login, no ?token=); token file mode 0600.
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopbackBind, tokensEqual } from '../../src/server/auth.js';
import { startStack, TestClient, tempDir, type Stack } from './helpers.js';

const stacks: Stack[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
  for (const f of cleanups.splice(0)) f();
});

describe('isLoopbackBind / tokensEqual', () => {
  it('classifies bind addresses', () => {
    for (const b of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackBind(b), b).toBe(true);
    for (const b of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.org', '::ffff:10.0.0.1', '128.0.0.1']) expect(isLoopbackBind(b), b).toBe(false);
  });
  it('compares tokens of any length', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
  });
});

describe('token auth on a non-loopback bind (0.0.0.0 over plain HTTP, reached via 127.0.0.1)', () => {
  it('creates a 0600 token once, and guards HTTP and WebSocket with it', async () => {
    const t = tempDir('qb-auth-');
    cleanups.push(t.cleanup);
    const s = await startStack({ bind: '0.0.0.0', tls: 'off' }, {}, t.dir);
    stacks.push(s);
    const srv = s.server;
    expect(srv.authRequired).toBe(true);
    expect(srv.tokenCreated).toBe(true);
    expect(srv.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(srv.tokenPath!).mode & 0o777).toBe(0o600);
    const base = `http://127.0.0.1:${srv.port}`;
    const token = srv.token!;

    // HTTP: /healthz is behind auth too
    const noTok = await fetch(`${base}/healthz`);
    expect(noTok.status).toBe(401);
    expect(noTok.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await fetch(`${base}/healthz`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    const bearer = await fetch(`${base}/healthz`, { headers: { Authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(200);
    expect(await bearer.json()).toMatchObject({ ok: true, site: 'hall-a', sensorsOnline: 0, sensorsTotal: 1, lastSeq: 0 });
    expect((await fetch(`${base}/healthz?token=${encodeURIComponent(token)}`)).status).toBe(401); // no tokens in URLs
    expect((await fetch(`${base}/`)).status).toBe(401);

    // cookie login
    const post = (tok: string) => fetch(`${base}/login`, { method: 'POST', body: new URLSearchParams({ token: tok }), redirect: 'manual' });
    expect((await post('nope')).status).toBe(401);
    expect((await fetch(`${base}/login?token=${encodeURIComponent(token)}`, { redirect: 'manual' })).status).toBe(400);
    const login = await post(token);
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const viaCookie = await fetch(`${base}/healthz`, { headers: { Cookie: cookie.split(';')[0]! } });
    expect(viaCookie.status).toBe(200);

    // WebSocket
    const wsUrl = `ws://127.0.0.1:${srv.port}/ws`;
    await expect(TestClient.open(wsUrl)).rejects.toThrow('HTTP 401');
    await expect(TestClient.open(wsUrl, { headers: { Authorization: 'Bearer wrong' } })).rejects.toThrow('HTTP 401');
    const ok1 = await TestClient.open(wsUrl, { headers: { Authorization: `Bearer ${token}` } });
    await expect(TestClient.open(`${wsUrl}?token=${encodeURIComponent(token)}`)).rejects.toThrow('HTTP 401');
    const ok3 = await TestClient.open(wsUrl, { headers: { Cookie: cookie.split(';')[0]! } });
    for (const c of [ok1, ok3]) {
      const h = await c.waitFor(() => c.messages.find((m) => m.type === 'hello'));
      expect(h).toMatchObject({ authRequired: true });
      c.ws.terminate();
    }

    // second start on the same data dir reuses the token
    await s.close();
    stacks.splice(0);
    const s2 = await startStack({ bind: '0.0.0.0', tls: 'off' }, {}, t.dir);
    stacks.push(s2);
    expect(s2.server.tokenCreated).toBe(false);
    expect(s2.server.token).toBe(token);
  });

  it('the raw upgrade without a token gets a 401 status line and the socket is closed', async () => {
    const s = await startStack({ bind: '0.0.0.0', tls: 'off' });
    stacks.push(s);
    const net = await import('node:net');
    const sock = net.connect(s.server.port, '127.0.0.1');
    sock.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString()));
    await new Promise<void>((r) => sock.on('close', () => r()));
    expect(text.startsWith('HTTP/1.1 401 Unauthorized')).toBe(true);
  });

  it('a loopback bind needs no token and writes no token file', async () => {
    const s = await startStack({ bind: '127.0.0.1' });
    stacks.push(s);
    expect(s.server.authRequired).toBe(false);
    expect(s.server.token).toBeUndefined();
    expect((await fetch(`${s.server.url}healthz`)).status).toBe(200);
    expect(() => statSync(`${s.dir}/token`)).toThrow();
  });
});
