// HTTP side: static files with content types, no directory traversal, /healthz figures, WS path/origin checks, close twice.
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { det, startStack, TestClient, tempDir, type Stack } from './helpers.js';

const stacks: Stack[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

let webRoot = '';
let secretDir = '';
beforeAll(() => {
  const t = tempDir('qb-web-');
  cleanups.push(t.cleanup);
  webRoot = path.join(t.dir, 'www');
  secretDir = path.join(t.dir, 'secret');
  mkdirSync(path.join(webRoot, 'assets'), { recursive: true });
  mkdirSync(secretDir);
  writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>qb</title>');
  writeFileSync(path.join(webRoot, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(webRoot, 'assets', 'app.css'), 'body{}');
  writeFileSync(path.join(webRoot, 'assets', 'logo.svg'), '<svg/>');
  writeFileSync(path.join(secretDir, 'token'), 'SECRET');
  symlinkSync(secretDir, path.join(webRoot, 'escape'));
  return () => cleanups.forEach((f) => f());
});

/** Raw HTTP GET so that `..` and encoded paths reach the server unnormalised. */
function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString()));
    sock.on('error', reject);
    sock.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

describe('HTTP server', () => {
  it('serves static files with the right content types', async () => {
    const s = await startStack({ webRoot });
    stacks.push(s);
    const idx = await fetch(s.server.url);
    expect(idx.status).toBe(200);
    expect(idx.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await idx.text()).toContain('<title>qb</title>');
    const cases: [string, string][] = [
      ['assets/app.js', 'text/javascript; charset=utf-8'],
      ['assets/app.css', 'text/css; charset=utf-8'],
      ['assets/logo.svg', 'image/svg+xml'],
    ];
    for (const [p, ct] of cases) {
      const r = await fetch(s.server.url + p);
      expect(r.status, p).toBe(200);
      expect(r.headers.get('content-type'), p).toBe(ct);
    }
    expect((await fetch(s.server.url + 'missing.js')).status).toBe(404);
    expect((await fetch(s.server.url + 'ws')).status).toBe(426);
    expect((await fetch(s.server.url, { method: 'POST' })).status).toBe(405);
  });

  it('never serves files outside the web root', async () => {
    const s = await startStack({ webRoot });
    stacks.push(s);
    for (const target of ['/../secret/token', '/%2e%2e/secret/token', '/..%2fsecret%2ftoken', '/assets/..%2f..%2fsecret/token', '/escape/token', '/%00index.html', '/..\\secret\\token']) {
      const r = await rawGet(s.server.port, target);
      expect(r.body, target).not.toContain('SECRET');
      expect([400, 404], target).toContain(r.status);
    }
  });

  it('/healthz reports site, sensors online and lastSeq', async () => {
    const s = await startStack({ webRoot });
    stacks.push(s);
    await s.bus.handleDetection('s1', det(1));
    await s.bus.handleDetection('s1', det(2));
    s.server.broadcastStatus({
      sensors: [
        { sensor: 's1', online: true, state: 'armed', centerHz: 1, configuredRateSps: 1, achievedRateSps: 1, droppedBlocks: 0, clipFraction: 0, overload: false, lastFrameAgeMs: 5 },
        { sensor: 's2', online: false, state: 'offline', centerHz: 1, configuredRateSps: 1, achievedRateSps: 0, droppedBlocks: 0, clipFraction: 0, overload: false, lastFrameAgeMs: null },
      ],
    });
    const r = await fetch(s.server.url + 'healthz');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await r.json()).toEqual({ ok: true, problems: [], site: 'hall-a', sensorsOnline: 1, sensorsTotal: 2, lastSeq: 2, clients: 0 });
  });

  it('refuses WS upgrades on other paths (404) and from foreign browser origins (403)', async () => {
    const s = await startStack({ webRoot, allowedOrigins: ['https://proxy.example'] });
    stacks.push(s);
    const base = s.server.url.replace(/^http/, 'ws');
    await expect(TestClient.open(base + 'other')).rejects.toThrow('HTTP 404');
    await expect(TestClient.open(s.wsUrl, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const host = new URL(s.server.url).host;
    const same = await TestClient.open(s.wsUrl, { origin: `http://${host}` });
    const allowed = await TestClient.open(s.wsUrl, { origin: 'https://proxy.example' });
    same.ws.terminate();
    allowed.ws.terminate();
  });

  it('reports a port in use as a CONFIG error; close twice does not throw', async () => {
    const s = await startStack({ webRoot });
    await expect(startStack({ webRoot, port: s.server.port })).rejects.toMatchObject({ code: 'CONFIG' });
    await s.server.close();
    await s.server.close();
    stacks.push(s);
  });

  it('a port in use is refused before the token and the self-signed TLS pair are written (bind 0.0.0.0: auth and TLS on)', async () => {
    const held = net.createServer();
    await new Promise<void>((resolve) => held.listen({ port: 0, host: '127.0.0.1' }, () => resolve()));
    const port = (held.address() as net.AddressInfo).port;
    const t = tempDir('qb-port-held-');
    cleanups.push(t.cleanup);
    try {
      // before: token, tls-cert.pem and tls-key.pem were written, then listen failed
      await expect(startStack({ webRoot, port, bind: '0.0.0.0' }, {}, t.dir)).rejects.toMatchObject({
        code: 'CONFIG',
        message: `server: port ${port} on 0.0.0.0 is already in use: is another quietband running? Choose another with --http-port (0 picks a free one) or http.port in the site config.`,
      });
      expect(readdirSync(t.dir).filter((n) => !n.startsWith('alerts.')).sort()).toEqual([]); // the alert store is the test's own
    } finally {
      await new Promise<void>((resolve) => held.close(() => resolve()));
    }
    // the same port once free is taken (the check leaves nothing listening behind)
    const s = await startStack({ webRoot, port });
    stacks.push(s);
    expect(s.server.port).toBe(port);
  });
});
