// RtlTcpSource rate check: a server delivering half the configured rate is flagged (health + discontinuous blocks).
import { afterEach, describe, expect, it } from 'vitest';
import { RtlTcpSource, type RtlTcpHealth } from '../../src/source/rtl-tcp-source.js';
import { collectBlocks, FakeRtlTcpServer, paceStream, prngBytes, rtlHeader, waitFor } from './fake-rtl-tcp-server.js';

const servers: FakeRtlTcpServer[] = [];
const sources: RtlTcpSource[] = [];
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await Promise.all(sources.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const RATE = 20_000;

async function streamAt(fraction: number): Promise<{ src: RtlTcpSource; healths: RtlTcpHealth[]; blocks: ReturnType<typeof collectBlocks>['blocks'] }> {
  const server = await FakeRtlTcpServer.start((c) => {
    c.socket.write(rtlHeader());
    stops.push(paceStream(c.socket, prngBytes(RATE * 2), RATE * 2 * fraction));
  });
  servers.push(server);
  const healths: RtlTcpHealth[] = [];
  const src = new RtlTcpSource({
    host: '127.0.0.1',
    port: server.port,
    centerHz: 433_920_000,
    rateSps: RATE,
    gainDb: 20,
    settleSamples: 1000,
    blockSamples: 500,
    rateWindowMs: 1000,
    healthIntervalMs: 100,
    onHealth: (h) => healths.push(h),
  });
  sources.push(src);
  const { blocks } = collectBlocks(src.blocks());
  return { src, healths, blocks };
}

describe('RtlTcpSource rate check', () => {
  it('half rate (10 of 20 kS/s) → rateShortfall within a few seconds, achieved ≈ 10 kS/s, blocks marked discontinuous', async () => {
    const { src, healths, blocks } = await streamAt(0.5);
    const t0 = performance.now();
    await waitFor(() => src.health().rateShortfall, 4000, 'rateShortfall');
    const tookMs = performance.now() - t0;
    // settle (1000 samples at 10 kS/s = 0.1 s) + one 1 s window + a tick
    expect(tookMs).toBeLessThan(2500);
    const h = src.health();
    expect(h.configuredRateSps).toBe(RATE);
    expect(h.achievedRateSps!).toBeGreaterThan(RATE * 0.5 * 0.9);
    expect(h.achievedRateSps!).toBeLessThan(RATE * 0.5 * 1.1);
    expect(healths.some((x) => x.rateShortfall)).toBe(true);
    const n = blocks.length;
    await waitFor(() => blocks.length >= n + 3, 2000, '3 more blocks');
    expect(blocks.slice(n).every((b) => b.discontinuity)).toBe(true);
    // Blocks before the first full window could not be judged and are not flagged.
    expect(blocks[0]!.discontinuity).toBe(false);
  });

  it('full rate → no shortfall, achieved within 5 % of 20 kS/s, no discontinuity', async () => {
    const { src, blocks } = await streamAt(1);
    await waitFor(() => src.health().achievedRateSps !== null, 3000, 'a rate estimate');
    await new Promise((r) => setTimeout(r, 1000));
    const h = src.health();
    expect(h.rateShortfall).toBe(false);
    expect(Math.abs(h.achievedRateSps! / RATE - 1)).toBeLessThan(0.05);
    expect(blocks.length).toBeGreaterThan(40);
    expect(blocks.every((b) => !b.discontinuity)).toBe(true);
  });
});
