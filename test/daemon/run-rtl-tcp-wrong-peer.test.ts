// `quietband run`: an rtl_tcp endpoint answering with something else (an HTTP reply instead of the "RTL0" header) is a
// sensor-offline alert naming the reason, /healthz 503, retried with backoff; data flows once a real rtl_tcp answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRtlTcpServer, paceStream, prngBytes, rtlHeader } from '../source/fake-rtl-tcp-server.js';
import { buildOnce, killAll, startRtlTcpSite, tempDir } from './helpers.js';
import { healthz } from './storage-helpers.js';

const tmp = tempDir('qb-daemon-wrongpeer-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

describe('rtl_tcp port answered by another service', () => {
  it('raises sensor-offline with "not an rtl_tcp server", retries with backoff, closes it once a real rtl_tcp answers on that port', async () => {
    const RATE = 250_000;
    const noise = prngBytes(1 << 20);
    let real = false;
    const stops: (() => void)[] = [];
    const server = await FakeRtlTcpServer.start((conn) => {
      if (!real) {
        conn.socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      conn.socket.write(rtlHeader());
      stops.push(paceStream(conn.socket, noise, 2 * RATE));
    });
    try {
      const { d, c } = await startRtlTcpSite(tmp.dir, { site: 'hall-w', sensor: 'corridor', port: server.port, rateSps: RATE, extra: { restart: { initialMs: 200, maxMs: 1000 } } });
      const open = await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'sensor-offline' && x.a.event === 'open'), 10_000, 'sensor-offline open');
      expect(open.a).toMatchObject({ sensor: 'corridor', state: 'new' });
      expect(open.a.message).toMatch(new RegExp(`^sensor corridor \\(rtltcp:127\\.0\\.0\\.1:${server.port}\\) stopped delivering: .*127\\.0\\.0\\.1:${server.port} is not an rtl_tcp server.*HTTP.*; reopening in [\\d.]+ m?s$`));
      const h = await healthz(d);
      expect(h.status).toBe(503);
      expect(h.body.problems.join('\n')).toMatch(/^sensor corridor offline: .*is not an rtl_tcp server/m);
      // retried with backoff (200, 400, 800, 1000 ms…): at least 3 more connections within 4 s, not a tight loop
      const n0 = server.connections.length;
      await server.waitForConnections(n0 + 3, 4000);
      await new Promise((r) => setTimeout(r, 1500));
      const tries = server.connections.length - n0;
      expect(tries).toBeLessThan(12);
      console.log(`wrong peer: ${server.connections.length} connection attempts in ${Math.round((Date.now() - open.atMs) / 100) / 10} s after the alert`);
      // one alert, not one per try: its open, then an update only when the retry text changes (400, 800, 1000 ms; then capped)
      const offline = c.alerts().filter((x) => x.a.kind === 'sensor-offline');
      expect(new Set(offline.map((x) => x.a.alertId))).toEqual(new Set([open.a.alertId]));
      expect(offline.map((x) => x.a.event)).toEqual(['open', ...offline.slice(1).map(() => 'update')]);
      const retryTexts = offline.map((x) => /reopening in ([\d.]+ m?s)$/.exec(x.a.message ?? '')?.[1]);
      expect(retryTexts.length).toBeLessThanOrEqual(4);
      expect(new Set(retryTexts).size).toBe(retryTexts.length);

      real = true; // a real rtl_tcp now answers on that port
      const tReal = Date.now();
      const close = await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'sensor-offline' && x.a.event === 'close'), 15_000, 'sensor-offline close');
      console.log(`real rtl_tcp on the port → sensor-offline closed after ${close.atMs - tReal} ms`);
      expect(close.a.alertId).toBe(open.a.alertId);
      expect(close.a.message).toBe('data flows again');
      await c.waitFor(() => c.status('corridor')?.online === true && (c.status('corridor')?.lastFrameAgeMs ?? 9999) < 500, 10_000, 'fresh data');
      const ok = await healthz(d);
      expect(ok.status).toBe(200);
      expect(ok.body.problems).toEqual([]);
      d.child.kill('SIGTERM');
      expect((await d.exited).code).toBe(0);
      c.close();
    } finally {
      for (const s of stops) s();
      await server.close();
    }
  });
});
