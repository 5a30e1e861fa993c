// Pipeline time per block: the worker's meter, the stream's measurement, the per-sensor histogram and load gauge, and /metrics of a running daemon.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESSING_BUCKETS_S, PROCESSING_METRIC, SensorProcessingMetrics, SiteMetrics, withProcessing, type MetricsStore } from '../../src/metrics/site-metrics.js';
import type { SensorHealth } from '../../src/server/protocol.js';
import { SharedBlockStream } from '../../src/site/block-stream.js';
import { simBlockSamples } from '../../src/site/open-source.js';
import { ProcessingMeter } from '../../src/site/sensor-health.js';
import { DeliveryCounter } from '../../src/source/delivery-counter.js';
import type { IqBlock, IqSource } from '../../src/types.js';
import { buildOnce, killAll, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';
import { parseMetrics } from './metrics-helpers.js';

const tmp = tempDir('qb-processing-');
afterAll(() => {
  killAll();
  tmp.cleanup();
});

/** A source of `n` blocks of 1000 samples at 100 kS/s (10 ms each), each after a 20 ms wait. */
function fakeSource(n: number): IqSource {
  const samples = new Float32Array(2000);
  const delivered = new DeliveryCounter();
  return {
    info: { label: 'fake', format: 'cf32', rateSps: 100_000, centerHz: 1e8, centerKnown: true },
    async *blocks() {
      for (let k = 0; k < n; k++) {
        await new Promise((r) => setTimeout(r, 20));
        const b: IqBlock = { samples, count: 1000, centerHz: 1e8, rateSps: 100_000, firstSample: k * 1000, tuneId: 0, clipFraction: 0, discontinuity: false };
        delivered.count(b.count);
        yield b;
      }
    },
    health: () => delivered.health('fake', delivered.samplesDelivered < n * 1000),
    close: async () => undefined,
  };
}

const busyWait = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('pipeline time per block in the worker', () => {
  it('the stream measures the consumer, not the source: 3 ms of work per block (20 ms waits between), a cut block as its two parts', async () => {
    const meter = new ProcessingMeter();
    const stream = new SharedBlockStream(fakeSource(8), undefined, meter);
    for await (const _b of stream.view(2500).blocks()) busyWait(3); // 1000 + 1000 + 500 (cut)
    for await (const _b of stream.view().blocks()) busyWait(3); // 500 (tail) + 5 × 1000
    const r = meter.take()!;
    expect(r.blockBusyS.length).toBe(9);
    expect(r.lost).toBe(0);
    for (const t of r.blockBusyS) expect(t).toBeGreaterThanOrEqual(0.003);
    // the source's 20 ms waits are not counted (the median, so one preemption of the busy loop cannot fail the test)
    const sorted = Array.from(r.blockBusyS).sort((x, y) => x - y);
    expect(sorted[4]!).toBeLessThan(0.012);
    expect(r.blockS).toBeCloseTo(0.08, 9); // 8000 samples at 100 kS/s, every one counted once
    expect(r.busyS).toBeCloseTo(r.blockBusyS.reduce((a, t) => a + t, 0), 12);
    expect(meter.take()).toBeNull();
  });

  it('the meter lists up to its capacity, sums every block, and starts over after take', () => {
    const m = new ProcessingMeter(3);
    for (let k = 1; k <= 5; k++) m.add(k / 1000, 0.01);
    const r = m.take()!;
    expect(Array.from(r.blockBusyS)).toEqual([0.001, 0.002, 0.003]);
    expect(r.lost).toBe(2);
    expect(r.busyS).toBeCloseTo(0.015, 12);
    expect(r.blockS).toBeCloseTo(0.05, 12);
    m.add(0.004, 0.01);
    expect(Array.from(m.take()!.blockBusyS)).toEqual([0.004]);
  });
});

describe('SensorProcessingMetrics and SiteMetrics', () => {
  it('a histogram per sensor under one metric, cumulative buckets, sum and count; load over the last 5 s', async () => {
    const a = new SensorProcessingMetrics('room-a');
    const b = new SensorProcessingMetrics('room-b');
    const t0 = 1_000_000;
    a.record({ blockBusyS: Float64Array.of(0.0003, 0.0008, 0.004, 0.7), busyS: 0.7051, blockS: 0.4, lost: 0 }, t0);
    a.record({ blockBusyS: Float64Array.of(0.0012), busyS: 0.0012 + 0.002, blockS: 0.2, lost: 1 }, t0 + 3000);
    expect(a.load(t0 + 3000)).toBeCloseTo((0.7051 + 0.0032) / 0.6, 9);
    expect(a.load(t0 + 5500)).toBeCloseTo(0.0032 / 0.2, 9); // the first report left the 5 s window
    expect(a.load(t0 + 9000)).toBeNull();
    expect(b.load(t0)).toBeNull();

    const store: MetricsStore = { openAlerts: () => [], allStates: () => [][Symbol.iterator](), size: 0, storedSeq: 0, heldCount: 0, writeFailures: 0, storageState: () => ({ ok: true, heldRecords: 0, failures: 0, reserveBytes: 0 }), file: join(tmp.dir, 'none.jsonl') };
    const metrics = new SiteMetrics('hall-x', store);
    const health = (sensor: string): SensorHealth => ({ sensor, online: true, state: 'armed', centerHz: 1, configuredRateSps: 1, achievedRateSps: 1, droppedBlocks: 0, clipFraction: 0, overload: false, lastFrameAgeMs: 0 });
    metrics.attach({ sensors: () => [withProcessing(health('room-a'), a), withProcessing(health('room-b'), b), health('no-link')], wsClients: () => 0 });
    const text = await metrics.text();
    expect(text).toContain(`# TYPE ${PROCESSING_METRIC} histogram`);
    const m = parseMetrics(text);
    const bucket = (sensor: string, le: string): number | undefined => m.get(`${PROCESSING_METRIC}_bucket{le="${le}",sensor="${sensor}",site="hall-x"}`);
    // room-a: 0.3 ms, 0.8 ms, 1.2 ms, 4 ms, 700 ms (the lost block is not observed)
    const want = new Map([[0.0005, 1], [0.001, 2], [0.002, 3], [0.005, 4], [0.01, 4], [0.5, 4]]);
    for (const le of PROCESSING_BUCKETS_S) if (want.has(le)) expect(bucket('room-a', String(le))).toBe(want.get(le));
    expect(bucket('room-a', '+Inf')).toBe(5);
    expect(m.get(`${PROCESSING_METRIC}_count{sensor="room-a",site="hall-x"}`)).toBe(5);
    expect(m.get(`${PROCESSING_METRIC}_sum{sensor="room-a",site="hall-x"}`)).toBeCloseTo(0.0003 + 0.0008 + 0.004 + 0.7 + 0.0012, 9);
    // room-b exists with zero counts; a health object without a link has no series
    expect(m.get(`${PROCESSING_METRIC}_count{sensor="room-b",site="hall-x"}`)).toBe(0);
    expect(bucket('room-b', '0.5')).toBe(0);
    expect([...m.keys()].some((k) => k.includes('no-link') && (k.startsWith(PROCESSING_METRIC) || k.startsWith('quietband_sensor_realtime_load')))).toBe(false);
    expect([...m.keys()].some((k) => k.includes('no-link'))).toBe(true); // (its other gauges are there)
    expect(m.get('quietband_sensor_realtime_load{sensor="room-b",site="hall-x"}')).toBeUndefined(); // no block yet
    // the link does not travel with a copy (status messages spread the health objects)
    expect(JSON.stringify(withProcessing(health('room-a'), a))).not.toContain('histogram');
  });
});

describe('GET /metrics of a running daemon', () => {
  beforeAll(() => buildOnce());

  it('the sim sensor\'s block-processing histogram grows with its blocks; values > 0 and far below the 32.8 ms block; load in (0, 1)', async () => {
    const dataDir = join(tmp.dir, 'data-p');
    const config = writeConfig(tmp.dir, 'p.json', { site: 'hall-p', warmupS: 1, calibrationDir: join(tmp.dir, 'cal'), sensors: [simSensor('room-p', [])] });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const scrape = async (): Promise<Map<string, number>> => parseMetrics(await (await fetch(`${d.url}metrics`)).text());
    const sensor = '{sensor="room-p",site="hall-p"}';
    const count = (m: Map<string, number>): number => m.get(`${PROCESSING_METRIC}_count${sensor}`) ?? 0;
    // 2 s after start the worker has sent blocks
    let first = await scrape();
    for (let k = 0; k < 50 && count(first) < 10; k++) {
      await new Promise((r) => setTimeout(r, 100));
      first = await scrape();
    }
    const t1 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const second = await scrape();
    const t2 = performance.now();
    const blockS = simBlockSamples(250_000) / 250_000; // 4096 samples: 16.4 ms
    const grown = count(second) - count(first);
    const expected = (t2 - t1) / 1000 / blockS;
    console.log(`/metrics: +${grown} blocks in ${((t2 - t1) / 1000).toFixed(2)} s (≈ ${expected.toFixed(0)} expected), mean ${((second.get(`${PROCESSING_METRIC}_sum${sensor}`)! / count(second)) * 1e3).toFixed(3)} ms, load ${second.get(`quietband_sensor_realtime_load${sensor}`)}`);
    // every block is observed (health reports every 250 ms: ± 2 reports of blocks at the window's ends)
    expect(grown).toBeGreaterThan(expected - 2 * 0.25 / blockS - 2);
    expect(grown).toBeLessThan(expected + 2 * 0.25 / blockS + 2);
    const sum = second.get(`${PROCESSING_METRIC}_sum${sensor}`)!;
    const mean = sum / count(second);
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeLessThan(blockS);
    // cumulative buckets: non-decreasing, +Inf = count; most blocks take less than a block's duration
    let prev = 0;
    for (const le of PROCESSING_BUCKETS_S) {
      const v = second.get(`${PROCESSING_METRIC}_bucket{le="${le}",sensor="room-p",site="hall-p"}`)!;
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
    expect(second.get(`${PROCESSING_METRIC}_bucket{le="+Inf",sensor="room-p",site="hall-p"}`)).toBe(count(second));
    expect(second.get(`${PROCESSING_METRIC}_bucket{le="0.02",sensor="room-p",site="hall-p"}`)! / count(second)).toBeGreaterThan(0.9);
    const load = second.get(`quietband_sensor_realtime_load${sensor}`)!;
    expect(load).toBeGreaterThan(0);
    expect(load).toBeLessThan(1);
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
  }, 30_000);
});
