// RtlTcpSource handshake: header check (NOT_RTL_TCP), exact command bytes on connect and on reconnect, option errors.
import { describe, expect, it } from 'vitest';
import { QuietBandError } from '../../src/errors.js';
import { RtlTcpSource, type RtlTcpHealth } from '../../src/source/rtl-tcp-source.js';
import { closedAfterEach, collectBlocks, delay, FakeRtlTcpServer, rtlHeader, waitFor } from './fake-rtl-tcp-server.js';

const { servers, sources } = closedAfterEach();

describe('RtlTcpSource handshake', () => {
  it('rejects a peer whose first bytes are "HTTP/1.1 …" with NOT_RTL_TCP naming host:port, sends nothing, never retries', async () => {
    const server = await FakeRtlTcpServer.start((c) => c.socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
    servers.push(server);
    const healths: RtlTcpHealth[] = [];
    const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 433_920_000, rateSps: 250_000, gainDb: 20, reconnectInitialMs: 50, onHealth: (h) => healths.push(h) });
    sources.push(src);
    const { blocks, done } = collectBlocks(src.blocks());
    const err = await done;
    expect(err).toBeInstanceOf(QuietBandError);
    const qe = err as QuietBandError;
    expect(qe.code).toBe('NOT_RTL_TCP');
    expect(qe.disconnected).toBe(false);
    expect(qe.message).toContain(`127.0.0.1:${server.port} is not an rtl_tcp server`);
    expect(qe.message).toContain('"HTTP/1.1 400 Bad');
    expect(blocks).toHaveLength(0);
    await delay(300); // 6× the reconnect delay: a retry would have happened by now
    expect(server.connections).toHaveLength(1);
    expect(server.connections[0]!.received.length).toBe(0); // no binary commands written to a non-rtl_tcp peer
    expect(healths.some((h) => h.state === 'failed' && h.lastError?.includes('not an rtl_tcp server'))).toBe(true);
    expect(src.health().state).toBe('closed'); // the iterator's end closed the source
  });

  it('sends rate, ppm, gain mode 1, gain in tenths, AGC, bias-tee, frequency as 5-byte BE commands, and the same bytes on reconnect', async () => {
    const server = await FakeRtlTcpServer.start((c) => {
      c.socket.write(rtlHeader(6, 29));
      // Hang up once all 7 commands have arrived, to force a reconnect.
      c.socket.on('data', () => {
        if (c.received.length >= 35 && c.index === 0) c.socket.destroy();
      });
    });
    servers.push(server);
    const src = new RtlTcpSource({
      host: '127.0.0.1',
      port: server.port,
      centerHz: 433_920_000,
      rateSps: 250_000,
      gainDb: 38.6,
      ppm: -3,
      biasTee: true,
      reconnectInitialMs: 50,
    });
    sources.push(src);
    collectBlocks(src.blocks());
    await server.waitForConnections(2, 5000);
    await waitFor(() => server.connections[1]!.received.length >= 35, 2000, 'commands on the second connection');
    await delay(50);
    const expected = [
      '020003d090', // 0x02 sample rate 250000
      '05fffffffd', // 0x05 ppm −3 (int32 BE)
      '0300000001', // 0x03 gain mode 1 (manual) before the gain
      '0400000182', // 0x04 gain 386 = 38.6 dB in tenths
      '0800000000', // 0x08 RTL AGC off
      '0e00000001', // 0x0e bias-tee on
      '0119dd1800', // 0x01 433920000 Hz
    ].join('');
    expect(server.connections[0]!.received.toString('hex')).toBe(expected);
    expect(server.connections[1]!.received.toString('hex')).toBe(expected);
    const h = src.health();
    expect(h.connects).toBe(2);
    expect(h.tuneId).toBe(1);
    expect(h.tunerName).toBe('R828D');
    expect(h.tunerGainCount).toBe(29);
  });

  it('sends gain mode 0 and no gain for gainDb "auto"; header split across reads is accepted', async () => {
    const server = await FakeRtlTcpServer.start(async (c) => {
      const h = rtlHeader();
      c.socket.write(h.subarray(0, 3));
      await delay(30);
      c.socket.write(h.subarray(3, 7));
      await delay(30);
      c.socket.write(h.subarray(7));
    });
    servers.push(server);
    const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 100_000_000, rateSps: 2_048_000, gainDb: 'auto' });
    sources.push(src);
    collectBlocks(src.blocks());
    await server.waitForConnections(1);
    await waitFor(() => server.connections[0]!.received.length >= 25, 2000, 'commands');
    expect(server.connections[0]!.received.toString('hex')).toBe(['02001f4000', '0500000000', '0300000000', '0800000000', '0105f5e100'].join(''));
    expect(src.health()).toMatchObject({ online: true, state: 'settling', connects: 1, tunerName: 'R820T' });
  });

  it('refuses invalid options with CONFIG naming the field', () => {
    const base = { host: '127.0.0.1', port: 1234, centerHz: 433_920_000, rateSps: 250_000, gainDb: 20 as number | 'auto' };
    const cases: [Record<string, unknown>, string][] = [
      [{ rateSps: 0 }, 'rateSps'],
      [{ centerHz: 5e9 }, 'centerHz'],
      [{ ppm: 1.5 }, 'ppm'],
      [{ gainDb: 'max' }, 'gainDb'],
      [{ port: 70000 }, 'port'],
      [{ gainDb_: 1 }, 'gainDb_'],
      [{ reconnectInitialMs: 500, reconnectMaxMs: 100 }, 'reconnectMaxMs'],
    ];
    for (const [patch, field] of cases) {
      let caught: unknown;
      try {
        new RtlTcpSource({ ...base, ...patch } as never);
      } catch (err) {
        caught = err;
      }
      expect(caught, field).toBeInstanceOf(QuietBandError);
      expect((caught as QuietBandError).code).toBe('CONFIG');
      expect((caught as QuietBandError).message).toContain(field);
    }
  });
});
