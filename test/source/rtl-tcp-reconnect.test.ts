// RtlTcpSource outages: reconnect backoff (its delays: test/source/backoff.test.ts), stall watchdog, refused connections, sample clock and tuneId across reconnects.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { RtlTcpSource, type RtlTcpHealth } from '../../src/source/rtl-tcp-source.js';
import { closedAfterEach, collectBlocks, cu8ToFloats, delay, FakeRtlTcpServer, paceStream, prngBytes, rtlHeader, waitFor } from './fake-rtl-tcp-server.js';

const { servers, sources } = closedAfterEach();

describe('RtlTcpSource reconnect', () => {
  it('a server that sends a valid header and hangs up: offline, reconnects after 250, 500, 1000 ms, yields no blocks', async () => {
    const server = await FakeRtlTcpServer.start((c) => c.socket.end(rtlHeader()));
    servers.push(server);
    const healths: RtlTcpHealth[] = [];
    const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 433_920_000, rateSps: 250_000, gainDb: 20, onHealth: (h) => healths.push(h) });
    sources.push(src);
    const { blocks } = collectBlocks(src.blocks());
    await server.waitForConnections(4, 5000);
    const t = server.connections.map((c) => c.acceptedAtMs);
    const gaps = [t[1]! - t[0]!, t[2]! - t[1]!, t[3]! - t[2]!];
    // Each gap = backoff delay + hang-up detection + TCP connect on loopback (a few ms).
    expect(gaps[0]).toBeGreaterThanOrEqual(245);
    expect(gaps[0]).toBeLessThan(250 + 150);
    expect(gaps[1]).toBeGreaterThanOrEqual(495);
    expect(gaps[1]).toBeLessThan(500 + 150);
    expect(gaps[2]).toBeGreaterThanOrEqual(995);
    expect(gaps[2]).toBeLessThan(1000 + 150);
    const backoffs = healths.filter((h) => h.state === 'backoff');
    expect(backoffs.slice(0, 3).map((h) => [h.online, h.reconnectDelayMs, h.lastError])).toEqual([
      [false, 250, 'server closed the connection'],
      [false, 500, 'server closed the connection'],
      [false, 1000, 'server closed the connection'],
    ]);
    expect(healths.some((h) => h.online)).toBe(true); // each header made it online briefly
    expect(blocks).toHaveLength(0);
    expect(src.health().samplesDelivered).toBe(0);
  });

  it('keeps retrying a refused port (no listener) and connects when a server appears', async () => {
    // Grab a free port, then release it so connections are refused.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const src = new RtlTcpSource({ host: '127.0.0.1', port, centerHz: 433_920_000, rateSps: 20_000, gainDb: 20, settleSamples: 0, blockSamples: 100, reconnectInitialMs: 50, reconnectMaxMs: 100 });
    sources.push(src);
    const { blocks } = collectBlocks(src.blocks());
    await waitFor(() => src.health().connectAttempts >= 3 && src.health().state === 'backoff', 2000, '3 refused attempts');
    expect(src.health()).toMatchObject({ online: false, state: 'backoff', connects: 0 });
    expect(src.health().lastError).toMatch(/ECONNREFUSED/);
    const data = prngBytes(2000);
    const server = await new Promise<net.Server>((resolve) => {
      const s = net.createServer((sock) => sock.write(Buffer.concat([rtlHeader(), data])));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
    try {
      await waitFor(() => blocks.length >= 10, 3000, '10 blocks after the server appeared');
      expect(blocks[0]!.samples).toEqual(cu8ToFloats(data.subarray(0, 200)));
      expect(blocks[0]!.firstSample).toBe(0);
      expect(blocks[0]!.discontinuity).toBe(false);
    } finally {
      await src.close();
      server.close();
    }
  });

  it('stall watchdog: no data for stallTimeoutMs → socket destroyed within 300 ms + margin, offline, reconnect', async () => {
    let lastWriteMs = 0;
    const server = await FakeRtlTcpServer.start((c) => {
      if (c.index === 0) {
        c.socket.write(Buffer.concat([rtlHeader(), prngBytes(1000)]), () => {
          lastWriteMs = performance.now();
        });
      } else c.socket.write(rtlHeader());
      // then silence, socket left open
    });
    servers.push(server);
    const healths: RtlTcpHealth[] = [];
    const src = new RtlTcpSource({
      host: '127.0.0.1',
      port: server.port,
      centerHz: 433_920_000,
      rateSps: 250_000,
      gainDb: 20,
      stallTimeoutMs: 300,
      settleSamples: 100,
      blockSamples: 100,
      onHealth: (h) => healths.push(h),
    });
    sources.push(src);
    const { blocks } = collectBlocks(src.blocks());
    await server.waitForConnections(2, 3000);
    const c0 = server.connections[0]!;
    expect(c0.closedAtMs).not.toBeNull();
    const detectMs = c0.closedAtMs! - lastWriteMs;
    expect(detectMs).toBeGreaterThanOrEqual(290);
    expect(detectMs).toBeLessThan(300 + 150);
    const off = healths.find((h) => h.state === 'backoff')!;
    expect(off.online).toBe(false);
    expect(off.lastError).toBe('stall: no data for 300 ms');
    expect(off.reconnectDelayMs).toBe(250);
    // The reconnect came after the 250 ms backoff. Backoff restarted from 250 ms because the first
    // connection delivered a whole block.
    expect(server.connections[1]!.acceptedAtMs - c0.closedAtMs!).toBeGreaterThanOrEqual(240);
    expect(blocks.length).toBe(4); // (1000 − 2·100) bytes / 200 bytes per block
    expect(blocks.map((b) => b.firstSample)).toEqual([100, 200, 300, 400]);
    // The second connection goes silent too: the watchdog covers it as well (stall after the header).
    await waitFor(() => server.connections[1]!.closedAtMs !== null, 1000, 'second stall');
  });

  it('after a reconnect: new tuneId, discontinuity on its first block, firstSample advanced by the offline time', async () => {
    const rate = 20_000;
    const data = prngBytes(rate * 2); // 1 s of cu8
    const stops: (() => void)[] = [];
    const server = await FakeRtlTcpServer.start((c) => {
      c.socket.write(rtlHeader());
      stops.push(paceStream(c.socket, data, rate * 2));
      if (c.index === 0) setTimeout(() => c.socket.destroy(), 600);
    });
    servers.push(server);
    const settle = 1000;
    const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 433_920_000, rateSps: rate, gainDb: 20, settleSamples: settle, blockSamples: 500 });
    sources.push(src);
    const { blocks } = collectBlocks(src.blocks());
    try {
      await waitFor(() => blocks.some((b) => b.tuneId === 1), 3000, 'a block from the second connection');
    } finally {
      for (const s of stops) s();
    }
    const first = blocks.filter((b) => b.tuneId === 0);
    const second = blocks.find((b) => b.tuneId === 1)!;
    expect(first.length).toBeGreaterThanOrEqual(12); // ≈ (0.6 s · 20 kS/s − 1000) / 500 = 22
    expect(first[0]!.firstSample).toBe(settle);
    expect(first[0]!.discontinuity).toBe(false);
    // Contiguous within the connection.
    for (let i = 1; i < first.length; i++) expect(first[i]!.firstSample - first[i - 1]!.firstSample).toBe(500);
    expect(first[0]!.samples).toEqual(cu8ToFloats(data.subarray(2 * settle, 2 * settle + 1000)));
    expect(second.discontinuity).toBe(true);
    // The gap in the index covers backoff (250 ms) + the new connection's settle (1000 samples) and at most
    // ~250 ms of scheduling slack, plus the partial block cut at the hang-up (< 500 samples).
    const lastEnd = first[first.length - 1]!.firstSample + 500;
    const gapSamples = second.firstSample - lastEnd;
    expect(gapSamples).toBeGreaterThanOrEqual(0.25 * rate + settle);
    expect(gapSamples).toBeLessThan(0.5 * rate + settle + 500);
    const h = src.health();
    expect(h.connects).toBe(2);
    expect(h.tuneId).toBe(1);
    expect(h.samplesDiscarded).toBeGreaterThanOrEqual(2 * settle);
  });
});
