// RtlTcpSource.retune against a fake rtl_tcp server: the exact 5-byte command, new tune generation, settle discard on a whole I/Q pair, reconnect keeps the centre.
import { afterEach, describe, expect, it } from 'vitest';
import { RtlTcpSource } from '../../src/source/rtl-tcp-source.js';
import { decodeCommands, encodeConfiguration } from '../../src/source/rtl-tcp-protocol.js';
import type { IqBlock } from '../../src/types.js';
import { delay, FakeRtlTcpServer, rtlHeader, waitFor, type FakeConnection } from '../source/fake-rtl-tcp-server.js';

const servers: FakeRtlTcpServer[] = [];
const sources: RtlTcpSource[] = [];
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Post-header bytes of the test stream: sample s is I = s mod 256, Q = ⌊s / 256⌋ mod 256 (each sample says where it is). */
function pattern(fromByte: number, toByte: number): Buffer {
  const out = Buffer.alloc(toByte - fromByte);
  for (let p = fromByte; p < toByte; p++) {
    const s = Math.floor(p / 2);
    out[p - fromByte] = p % 2 === 0 ? s % 256 : Math.floor(s / 256) % 256;
  }
  return out;
}

/** The sample index a block's k-th sample encodes (inverse of {@link pattern} through the cu8 → float conversion). */
function encodedIndex(b: IqBlock, k: number): number {
  const i = Math.round(b.samples[2 * k]! * 127.5 + 127.5);
  const q = Math.round(b.samples[2 * k + 1]! * 127.5 + 127.5);
  return q * 256 + i;
}

interface Seen {
  firstSample: number;
  count: number;
  centerHz: number;
  tuneId: number;
  discontinuity: boolean;
  indexOk: boolean;
}

describe('RtlTcpSource.retune', () => {
  it('sends 0x01 + frequency (uint32 BE), starts a tune generation, discards the settle and resumes on the right sample', async () => {
    const BLOCK = 100;
    const CONN_SETTLE = 100;
    const RETUNE_SETTLE = 500;
    // phase 1: the settle, 4 whole blocks and an odd 133 bytes (the partial block ends between an I and a Q byte)
    const phase1 = 2 * CONN_SETTLE + 4 * 2 * BLOCK + 133;
    const total = phase1 + 2 * RETUNE_SETTLE + 1 + 12 * 2 * BLOCK;
    let conn: FakeConnection | undefined;
    const server = await FakeRtlTcpServer.start((c) => {
      conn ??= c;
      if (c.index === 0) c.socket.write(Buffer.concat([rtlHeader(), pattern(0, phase1)]));
      else c.socket.write(Buffer.concat([rtlHeader(), pattern(0, 2 * CONN_SETTLE + 4 * 2 * BLOCK)]));
    });
    servers.push(server);
    const opts = { host: '127.0.0.1', port: server.port, centerHz: 100_000_000, rateSps: 250_000, gainDb: 20, blockSamples: BLOCK, settleSamples: CONN_SETTLE, stallTimeoutMs: 60_000, reconnectInitialMs: 20, retuneSkipsBacklog: false }; // a server that is not real time
    const src = new RtlTcpSource(opts);
    sources.push(src);
    const configLen = encodeConfiguration({ centerHz: opts.centerHz, rateSps: opts.rateSps, gainDb: 20, ppm: 0, agc: false }).length;
    const it = src.blocks()[Symbol.asyncIterator]();
    const seen: Seen[] = [];
    const take = async (): Promise<Seen> => {
      const b = (await it.next()).value as IqBlock;
      let indexOk = true;
      for (let k = 0; k < b.count; k++) if (encodedIndex(b, k) !== (b.firstSample + k) % 65536) indexOk = false;
      const s = { firstSample: b.firstSample, count: b.count, centerHz: b.centerHz, tuneId: b.tuneId, discontinuity: b.discontinuity, indexOk };
      seen.push(s);
      return s;
    };
    for (let k = 0; k < 4; k++) await take();
    await waitFor(() => src.health().bytesReceived === 12 + phase1 && conn !== undefined && conn.received.length >= configLen, 5000, 'phase 1 received');
    expect(conn!.received.length).toBe(configLen);
    expect(await src.retune(101_000_000, RETUNE_SETTLE)).toBe(101_000_000);
    await waitFor(() => conn!.received.length === configLen + 5, 5000, 'the retune command');
    // exactly one 5-byte command: 0x01, 101000000 = 0x06052340 big-endian
    expect([...conn!.received.subarray(configLen)]).toEqual([0x01, 0x06, 0x05, 0x23, 0x40]);
    expect(decodeCommands(conn!.received.subarray(configLen))).toEqual([{ cmd: 1, param: 101_000_000 }]);
    expect(src.info.centerHz).toBe(101_000_000);
    expect(src.health().tuneId).toBe(1);

    // phase 2: the server goes on (pre-retune samples keep arriving: they are the settle), in odd-sized writes
    const rest = pattern(phase1, total);
    for (let p = 0; p < rest.length; p += 77) {
      conn!.socket.write(rest.subarray(p, p + 77));
      if (p % 770 === 0) await delay(1);
    }
    for (let k = 0; k < 12; k++) await take();
    // blocks from before the command keep the old centre and tune generation
    const before = seen.slice(0, 4);
    const after = seen.slice(4);
    expect(before.map((b) => [b.firstSample, b.centerHz, b.tuneId, b.indexOk])).toEqual([100, 200, 300, 400].map((f) => [f, 100_000_000, 0, true]));
    // resume at the first whole pair after phase1 + settle bytes (phase1 is odd → one byte more)
    const resume = (phase1 + 2 * RETUNE_SETTLE + 1) / 2;
    expect(after[0]).toEqual({ firstSample: resume, count: BLOCK, centerHz: 101_000_000, tuneId: 1, discontinuity: true, indexOk: true });
    after.forEach((b, k) => {
      expect([b.firstSample, b.centerHz, b.tuneId, b.indexOk]).toEqual([resume + k * BLOCK, 101_000_000, 1, true]);
      if (k > 0) expect(b.discontinuity).toBe(false);
    });
    expect(after.length).toBe(12);
    // discarded: the connection settle, the partial block (66.5 samples) and the retune settle (500 + ½)
    expect(src.health().samplesDiscarded).toBe(CONN_SETTLE + Math.floor((133 + 2 * RETUNE_SETTLE + 1) / 2));

    // a reconnect configures the server with the retuned centre: the last command of the new connection's configuration
    conn!.socket.destroy();
    await server.waitForConnections(2);
    await waitFor(() => server.connections[1]!.received.length >= configLen, 5000, 'the second configuration');
    const cmds = decodeCommands(server.connections[1]!.received);
    expect(cmds.at(-1)).toEqual({ cmd: 1, param: 101_000_000 });
    const b = (await it.next()).value as IqBlock;
    // the new connection's clock follows the wall clock; its first block is the server's sample CONN_SETTLE
    expect([b.centerHz, b.tuneId, b.discontinuity, encodedIndex(b, 0)]).toEqual([101_000_000, 2, true, CONN_SETTLE]);
  });

  it('a consumer that fell behind: the samples waiting upstream (produced before the command) are skipped too', async () => {
    const RATE = 250_000;
    // a real-time server whose samples say whether it had received the retune command: Q = 0 before, 255 after
    const server = await FakeRtlTcpServer.start((c) => {
      c.socket.write(rtlHeader());
      const t0 = performance.now();
      let sent = 0;
      const timer = setInterval(() => {
        if (c.socket.destroyed) return clearInterval(timer);
        const due = Math.floor(((performance.now() - t0) / 1000) * RATE) - sent;
        if (due <= 0) return;
        const q = c.received.length > configLen ? 255 : 0;
        const b = Buffer.alloc(2 * due);
        for (let k = 0; k < due; k++) {
          b[2 * k] = (sent + k) % 256;
          b[2 * k + 1] = q;
        }
        c.socket.write(b);
        sent += due;
      }, 5);
    });
    servers.push(server);
    const configLen = encodeConfiguration({ centerHz: 100_000_000, rateSps: RATE, gainDb: 20, ppm: 0, agc: false }).length;
    const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 100_000_000, rateSps: RATE, gainDb: 20, blockSamples: 1024, settleSamples: 2048 });
    sources.push(src);
    const it = src.blocks()[Symbol.asyncIterator]();
    for (let k = 0; k < 20; k++) await it.next(); // ≈ 80 ms of caught-up reading
    // busy for 300 ms: ≈ 75 000 samples pile up in the socket buffers, all produced at the old tuning
    const busyUntil = performance.now() + 300;
    while (performance.now() < busyUntil) {
      /* a consumer that does not read */
    }
    const backlog = src.backlogSamples();
    await src.retune(101_000_000, 1000);
    let first: { firstSample: number; staleQ: number } | null = null;
    for (let k = 0; k < 400 && first === null; k++) {
      const b = (await it.next()).value as IqBlock;
      if (b.tuneId !== 1) continue;
      let staleQ = 0;
      for (let n = 0; n < b.count; n++) if (Math.round(b.samples[2 * n + 1]! * 127.5 + 127.5) !== 255) staleQ++;
      first = { firstSample: b.firstSample, staleQ };
    }
    console.log(`backlog at the retune: ${backlog} samples (${((backlog / RATE) * 1000).toFixed(0)} ms); first block of the new tuning at sample ${first?.firstSample}`);
    expect(backlog).toBeGreaterThan(0.8 * 0.3 * RATE);
    expect(backlog).toBeLessThan(0.45 * RATE);
    // not one sample of the first block after the retune was produced before the server got the command
    expect(first?.staleQ).toBe(0);
  });

  it('refuses a frequency the 32-bit command cannot carry', async () => {
    const src = new RtlTcpSource({ host: '127.0.0.1', port: 1, centerHz: 100_000_000, rateSps: 250_000, gainDb: 20 });
    sources.push(src);
    await expect(src.retune(5e9)).rejects.toMatchObject({ code: 'CONFIG' });
    await expect(src.retune(433.92e6 + 0.5)).rejects.toMatchObject({ code: 'CONFIG' });
    // not connected: accepted, used by the next connection's configuration
    expect(await src.retune(434_000_000)).toBe(434_000_000);
    expect(src.info.centerHz).toBe(434_000_000);
  });
});
