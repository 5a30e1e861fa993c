// RtlTcpSource data path over real sockets: odd TCP splits, settle discard, back-pressure without loss, close().
import { describe, expect, it } from 'vitest';
import { RtlTcpSource } from '../../src/source/rtl-tcp-source.js';
import { closedAfterEach, collectBlocks, cu8ToFloats, delay, FakeRtlTcpServer, prngBytes, rtlHeader, waitFor } from './fake-rtl-tcp-server.js';

const { servers, sources } = closedAfterEach();

describe('RtlTcpSource stream', () => {
  it('reassembles data split at odd byte boundaries (header too) into exact samples after the settle discard', async () => {
    const data = prngBytes(2000, 99);
    const stream = Buffer.concat([rtlHeader(), data]);
    const sizes = [5, 1, 3, 7, 2, 13, 1, 11, 127, 3]; // first write cuts the header; later ones cut I/Q pairs
    const server = await FakeRtlTcpServer.start(async (c) => {
      let pos = 0;
      for (let k = 0; pos < stream.length; k++) {
        const n = sizes[k % sizes.length]!;
        c.socket.write(stream.subarray(pos, pos + n));
        pos += n;
        await delay(k % 4 === 0 ? 2 : 0); // separate TCP segments often, not always
      }
    });
    servers.push(server);
    const settle = 37; // odd: 74 bytes discarded
    const blockSamples = 64;
    const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 433_920_000, rateSps: 250_000, gainDb: 20, settleSamples: settle, blockSamples });
    sources.push(src);
    const { blocks } = collectBlocks(src.blocks());
    const expectedBlocks = Math.floor((2000 - 2 * settle) / (2 * blockSamples)); // 15
    await waitFor(() => blocks.length >= expectedBlocks, 5000, `${expectedBlocks} blocks`);
    const want = cu8ToFloats(data.subarray(2 * settle));
    for (let k = 0; k < expectedBlocks; k++) {
      const b = blocks[k]!;
      expect(b.firstSample).toBe(settle + k * blockSamples);
      expect([b.count, b.tuneId, b.discontinuity]).toEqual([blockSamples, 0, false]);
      expect(b.samples).toEqual(want.subarray(k * 2 * blockSamples, (k + 1) * 2 * blockSamples));
      let clipped = 0;
      for (let i = 2 * settle + k * 128; i < 2 * settle + (k + 1) * 128; i++) if (data[i] === 0 || data[i] === 255) clipped++;
      expect(b.clipFraction).toBe(clipped / 128);
    }
    expect(blocks.reduce((a, b) => a + b.clipFraction, 0)).toBeGreaterThan(0); // the PRNG does hit 0/255
    const h = src.health();
    expect(h.bytesReceived).toBe(stream.length);
    expect(h.samplesDelivered).toBe(expectedBlocks * blockSamples);
    expect(h.samplesDiscarded).toBe(settle);
  });

  it('a slow consumer pauses the socket (ring of 2 blocks) and loses nothing', async () => {
    const data = prngBytes(200 * 2 * 256, 7); // 200 blocks of 256 samples, sent at once
    const server = await FakeRtlTcpServer.start((c) => c.socket.write(Buffer.concat([rtlHeader(), data])));
    servers.push(server);
    const src = new RtlTcpSource({
      host: '127.0.0.1',
      port: server.port,
      centerHz: 433_920_000,
      rateSps: 250_000,
      gainDb: 20,
      settleSamples: 0,
      blockSamples: 256,
      ringBlocks: 2,
      stallTimeoutMs: 200, // shorter than the consumer's total lag: a pause must not count as a stall
    });
    sources.push(src);
    const { blocks } = collectBlocks(src.blocks(), { perBlockDelayMs: 2 });
    await waitFor(() => blocks.length >= 200, 10_000, '200 blocks');
    const want = cu8ToFloats(data);
    for (let k = 0; k < 200; k++) {
      expect(blocks[k]!.firstSample).toBe(k * 256);
      expect(blocks[k]!.discontinuity).toBe(false);
      expect(blocks[k]!.samples).toEqual(want.subarray(k * 512, (k + 1) * 512));
    }
    expect(server.connections).toHaveLength(1);
    expect(src.health().connects).toBe(1);
  });

  it('close() ends the iterator, is idempotent, and stops reconnecting', async () => {
    const server = await FakeRtlTcpServer.start((c) => c.socket.write(Buffer.concat([rtlHeader(), prngBytes(4000)])));
    servers.push(server);
    const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 433_920_000, rateSps: 250_000, gainDb: 20, settleSamples: 0, blockSamples: 100, reconnectInitialMs: 20 });
    const { blocks, done } = collectBlocks(src.blocks());
    await waitFor(() => blocks.length >= 20, 3000, '20 blocks');
    const p1 = src.close();
    const p2 = src.close();
    expect(p2).toBe(p1);
    await p1;
    await src.close();
    expect(await done).toBeNull();
    const n = blocks.length;
    expect(n).toBe(20);
    await delay(150);
    expect(blocks.length).toBe(n);
    expect(server.connections).toHaveLength(1);
    expect(src.health().state).toBe('closed');
    expect(() => src.blocks()).toThrow(/only once/);
  });

  it('breaking out of for-await closes the source', async () => {
    const server = await FakeRtlTcpServer.start((c) => c.socket.write(Buffer.concat([rtlHeader(), prngBytes(4000)])));
    servers.push(server);
    const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 433_920_000, rateSps: 250_000, gainDb: 20, settleSamples: 0, blockSamples: 100 });
    let n = 0;
    for await (const b of src.blocks()) {
      expect(b.count).toBe(100);
      if (++n === 3) break;
    }
    expect(src.health().state).toBe('closed');
    await waitFor(() => server.connections[0]!.closedAtMs !== null, 1000, 'server side close');
  });
});
