// `quietband run`: a sensor that stops delivering raises sensor-offline within 2 s and closes it when data flows again (rtl_tcp, file end).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSimCapture } from '../../src/source/sim.js';
import { FakeRtlTcpServer, paceStream, prngBytes, rtlHeader } from '../source/fake-rtl-tcp-server.js';
import { buildOnce, CENTER_HZ, Client, killAll, startDaemon, startRtlTcpSite, tempDir, writeConfig } from './helpers.js';

const tmp = tempDir('qb-daemon-offline-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

// The two sites below share nothing (their own daemon, port, data dir and calibration dir) and their time is waits for
// real time (an outage, a backoff, a file's end), so the two suites run side by side (describe.concurrent: vitest runs
// consecutive concurrent suites together): the file takes the longer of the two instead of their sum. Both sensors
// run at 250 kS/s (≈ 0.3 core each, as the sim sensors of helpers.ts).
describe.concurrent('sensor-offline: rtl_tcp server goes away and comes back', () => {
  it('raises sensor-offline within 2 s of the last byte and closes it when the reconnected stream delivers', async () => {
    const RATE = 250_000;
    const noise = prngBytes(1 << 20);
    let accepting = true;
    const stops: (() => void)[] = [];
    const acceptedAt: number[] = [];
    const server = await FakeRtlTcpServer.start((conn) => {
      if (!accepting) {
        conn.socket.destroy();
        return;
      }
      acceptedAt.push(Date.now());
      conn.socket.write(rtlHeader());
      stops.push(paceStream(conn.socket, noise, 2 * RATE));
    });
    try {
      const { d, c } = await startRtlTcpSite(tmp.dir, { site: 'hall-t', sensor: 'corridor', port: server.port, rateSps: RATE });
      await c.waitFor(() => c.status('corridor')?.state === 'armed', 20_000, 'corridor armed');
      await c.waitFor(() => (c.status('corridor')?.lastFrameAgeMs ?? 9999) < 500, 5000, 'fresh data');

      // outage: stop sending, drop the connection, refuse reconnects
      accepting = false;
      for (const s of stops) s();
      const tOut = Date.now();
      for (const conn of server.connections) conn.socket.destroy();
      const open = await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'sensor-offline' && x.a.event === 'open'), 5000, 'sensor-offline open');
      const raiseMs = open.atMs - tOut;
      console.log(`rtl_tcp outage → sensor-offline alert: ${raiseMs} ms`);
      expect(raiseMs).toBeLessThan(2000);
      expect(raiseMs).toBeGreaterThan(900); // judged on silence (offlineAfterMs 1000), not on a guess
      expect(open.a).toMatchObject({ sensor: 'corridor', state: 'new', severity: 'high' });
      // with the source's own words when it has them (the server gone: closed, or refused on the reconnect)
      expect(open.a.message).toMatch(/^sensor corridor \(rtltcp:127\.0\.0\.1:\d+\) stopped delivering: no data for (\d+ ms|\d+(\.\d)? s)(: (server closed the connection|connection refused).*)?$/);
      await c.waitFor(() => c.status('corridor')?.state === 'offline', 2000, 'status offline');
      expect(c.status('corridor')!.online).toBe(false);

      // the server comes back: the source reconnects (backoff), re-sends its configuration, settles, delivers
      await new Promise((r) => setTimeout(r, 1500));
      expect(c.alerts().filter((x) => x.a.kind === 'sensor-offline' && x.a.event === 'close')).toEqual([]);
      const connectsBefore = acceptedAt.length;
      accepting = true;
      const tBack = Date.now();
      const close = await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'sensor-offline' && x.a.event === 'close'), 15_000, 'sensor-offline close');
      expect(acceptedAt.length).toBeGreaterThan(connectsBefore);
      const reconnectAt = acceptedAt[connectsBefore]!;
      console.log(`server back → reconnect ${reconnectAt - tBack} ms → sensor-offline closed ${close.atMs - reconnectAt} ms after the reconnect (rtl_tcp settle ${(0.25 + 131072 / RATE).toFixed(2)} s)`);
      expect(close.atMs).toBeGreaterThan(reconnectAt);
      expect(close.atMs - reconnectAt).toBeLessThan(3000);
      expect(close.a.alertId).toBe(open.a.alertId);
      expect(close.a.message).toBe('data flows again');
      await c.waitFor(() => c.status('corridor')?.online === true && c.status('corridor')?.state === 'armed', 3000, 'armed again');
      // one outage → exactly one open/close pair
      expect(c.alerts().filter((x) => x.a.kind === 'sensor-offline').map((x) => x.a.event)).toEqual(['open', 'close']);
      d.child.kill('SIGTERM');
      expect((await d.exited).code).toBe(0);
      c.close();
    } finally {
      for (const s of stops) s();
      await server.close();
    }
  });
});

describe.concurrent('sensor-offline: a file: source that ends is reopened', () => {
  it('raises sensor-offline when the recording ends and closes it when the reopened file delivers', async () => {
    const files = await writeSimCapture(join(tmp.dir, 'rec', 'g1'), { rateSps: 250_000, centerHz: CENTER_HZ, durationS: 2.5, seed: 5, carriers: [{ offsetHz: 30_000, powerDbfs: -25 }], events: [] });
    const config = writeConfig(tmp.dir, 'file.json', {
      site: 'hall-f',
      warmupS: 1,
      restart: { initialMs: 1000, maxMs: 1000 },
      calibrationDir: join(tmp.dir, 'cal-f'),
      sensors: [{ name: 'replayed', source: `file:${files.metaPath}` }],
    });
    const d = await startDaemon(['run', '--config', config, '--data-dir', join(tmp.dir, 'data-f'), '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => c.status('replayed')?.state === 'armed', 10_000, 'armed');
    const armedAt = Date.now();
    const offline = () => c.alerts().filter((x) => x.a.kind === 'sensor-offline');
    await c.waitFor(() => offline().length >= 3, 15_000, 'offline, back, offline again');
    const [open, close, open2] = offline();
    console.log(`file end → offline alert ${open!.atMs - armedAt} ms after armed (file 2.5 s, armed at ≈ 1.25 s); closed ${close!.atMs - open!.atMs} ms later (restart.initialMs 1000)`);
    expect(open!.a.event).toBe('open');
    expect(open!.a.message).toMatch(/stopped delivering: the source ended; reopening in 1 s$/);
    expect(close!.a.event).toBe('close');
    expect(close!.a.alertId).toBe(open!.a.alertId);
    expect(close!.atMs - open!.atMs).toBeGreaterThan(900);
    expect(close!.atMs - open!.atMs).toBeLessThan(3000);
    // the reopened file is analysed with the warm-up baseline learned the first time (no second warm-up): it is played
    // whole and ends again 2.5 s after it reopened, less the ≈ 0.5 s its first block takes to arrive (the close); measured
    // 1963–2151 ms under load, so the bound leaves 0.5 s for the machine (a file ended at once would read ≈ 0)
    expect(open2!.a.event).toBe('open');
    expect(open2!.atMs - close!.atMs).toBeGreaterThan(1500);
    expect(open2!.atMs - close!.atMs).toBeLessThan(4000);
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    c.close();
  });
});
