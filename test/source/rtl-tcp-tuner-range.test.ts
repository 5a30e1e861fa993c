// RtlTcpSource: a centre outside the range of the tuner the server reports (RTL0 header) fails with CONFIG naming it.
import { describe, expect, it } from 'vitest';
import { QuietBandError } from '../../src/errors.js';
import { RtlTcpSource } from '../../src/source/rtl-tcp-source.js';
import { closedAfterEach, collectBlocks, FakeRtlTcpServer, rtlHeader } from './fake-rtl-tcp-server.js';

const { servers, sources } = closedAfterEach();

describe('rtl_tcp tuner range', () => {
  it('R820T server, centre 1.9 GHz: CONFIG naming the tuner and its range, no command sent', async () => {
    const server = await FakeRtlTcpServer.start((c) => c.socket.write(rtlHeader(5, 29)));
    servers.push(server);
    const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 1_900_000_000, rateSps: 1_024_000, gainDb: 20, reconnectInitialMs: 50 });
    sources.push(src);
    const { blocks, done } = collectBlocks(src.blocks());
    const err = await done;
    expect(err).toBeInstanceOf(QuietBandError);
    expect((err as QuietBandError).code).toBe('CONFIG');
    expect((err as Error).message).toContain(`centerHz: 1900 MHz is out of range: the R820T tuner tunes 24–1766 MHz`);
    expect(blocks).toHaveLength(0);
    expect(server.connections[0]!.received.length).toBe(0);
  });
});
