// `quietband run` with an rtltcp: sensor whose server frees two of its 262144-byte transfers (as rtl_tcp does past -n):
// the loss reaches the sensor's status and /metrics as lost samples and gaps, and the log as a warning.
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeRtlTcpServer, prngBytes, rtlHeader } from '../source/fake-rtl-tcp-server.js';
import { buildOnce, killAll, startRtlTcpSite, tempDir } from '../daemon/helpers.js';
import { parseMetrics } from './metrics-helpers.js';

const tmp = tempDir('qb-lost-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

const RATE = 1_024_000;
const TRANSFER_BYTES = 262_144;

/**
 * Sends whole transfers on rtl_tcp's schedule (transfer k complete at (k + 1) × 128 ms after the connection) except
 * those in `freed`, which are never sent: the stream closes up over them, as it does when rtl_tcp frees queued ones.
 */
function paceTransfers(socket: net.Socket, freed: Set<number>): () => void {
  const noise = prngBytes(TRANSFER_BYTES, 99);
  const periodMs = (TRANSFER_BYTES / 2 / RATE) * 1000;
  const t0 = performance.now();
  let k = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return;
    while (performance.now() - t0 >= (k + 1) * periodMs) {
      if (!freed.has(k)) socket.write(noise);
      k++;
    }
  }, 5);
  return () => clearInterval(timer);
}

describe('lost samples in health and /metrics', () => {
  it('two transfers freed at 4.1 s and 6.9 s: samplesLost = 2 × 131072 in the status and /metrics, 2 gaps, one warning', async () => {
    const stops: (() => void)[] = [];
    const server = await FakeRtlTcpServer.start((conn) => {
      conn.socket.write(rtlHeader());
      stops.push(paceTransfers(conn.socket, new Set([32, 54])));
    });
    try {
      const { d, c } = await startRtlTcpSite(tmp.dir, { site: 'hall-l', sensor: 'door', port: server.port, rateSps: RATE, warmupS: 0.5 });
      const st = await c.waitFor(() => {
        const s = c.status('door');
        return (s?.samplesLost ?? 0) >= 2 * 131072 ? s : undefined;
      }, 20_000, `two transfers lost in the status (last: ${JSON.stringify(c.status('door'))})`);
      expect(st.samplesLost).toBe(2 * 131072);
      // each loss marks the block being filled discontinuous: a gap, counted when that block arrives (a report later)
      await c.waitFor(() => (c.status('door')?.droppedBlocks ?? 0) >= 2, 5000, 'two gaps in the status');
      const m = parseMetrics(await (await fetch(`${d.url}metrics`)).text());
      expect(m.get('quietband_sensor_lost_samples{sensor="door",site="hall-l"}')).toBe(2 * 131072);
      // caught up: what has not arrived is the transfer being filled and what is in flight, under two transfers
      const behind = m.get('quietband_sensor_behind_or_lost_samples{sensor="door",site="hall-l"}');
      expect(behind).toBeGreaterThanOrEqual(0);
      expect(behind).toBeLessThan(2 * 131072);
      expect(c.status('door')?.samplesBehindOrLost).toBeLessThan(2 * 131072);
      const warnings = (d.stdout() + d.stderr()).split('\n').filter((l) => l.includes('rtl_tcp lost samples upstream'));
      console.log(`lost samples: status ${st.samplesLost}, dropped blocks ${c.status('door')?.droppedBlocks}; log: ${warnings.join(' / ')}`);
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      // exactly one gap per lost transfer, tolerance 0, also once the delivered-rate judgement has had time to flip
      // (a quarter of its 5 s window): the counted loss is not a rate shortfall as well, which would flag every block
      // filled meanwhile and count tens of gaps (45–61 measured without that)
      await new Promise((r) => setTimeout(r, 2000));
      expect(c.status('door')?.droppedBlocks).toBe(2);
      expect((d.stdout() + d.stderr()).includes('delivered rate below configured')).toBe(false);
      c.close();
      d.child.kill('SIGTERM');
      expect(await d.exited).toEqual({ code: 0, signal: null });
    } finally {
      for (const s of stops) s();
      await server.close();
    }
  }, 60_000);
});
