// SensorSupervisor with stand-in workers: one that crashes (orphan tracks closed, sensor-offline at once, restarts with
// doubling backoff), one whose pipeline first waits for its source, then not (SensorHealth.sourceBound).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import type { Alert } from '../../src/server/protocol.js';
import { SensorSupervisor } from '../../src/site/supervisor.js';
import { sensorWorkerUrl } from '../../src/site/worker-url.js';
import { silentLog } from '../helpers.js';
import { tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-supervisor-');
afterAll(() => tmp.cleanup());

/**
 * A worker that behaves like a sensor for 300 ms — state armed, a fresh block, a detection that opens — then dies
 * (exit code 3) without closing it. Appends its start time to $CRASH_LOG.
 */
const CRASH_WORKER = `
import { parentPort } from 'node:worker_threads';
import { appendFileSync } from 'node:fs';
appendFileSync(process.env.CRASH_LOG, Date.now() + '\\n');
parentPort.postMessage({ type: 'state', state: 'armed' });
parentPort.postMessage({ type: 'stream', run: 1, centerHz: 433920000, rateSps: 250000, originMs: Date.now() - 1000, label: 'crash' });
parentPort.postMessage({ type: 'health', lastBlockAtMs: Date.now(), samples: 1000, configuredRateSps: 250000, achievedRateSps: 250000, droppedBlocks: 0, clipFraction: 0, sourceWaitMs: 0, streaming: true });
parentPort.postMessage({ type: 'detection', run: 1, ev: { kind: 'open', id: 1, centerHz: 433980000, bandwidthHz: 1000, lowHz: 433979500, highHz: 433980500, peakExcessDb: 20, peakPowerDbfs: -40, startS: 0.5, paths: ['fast'], overload: false, tuneId: 0 } });
setTimeout(() => process.exit(3), 300);
`;

describe('SensorSupervisor', () => {
  it('closes the tracks of a dead worker, raises sensor-offline at once, restarts it with doubling backoff and clears the alert on data', async () => {
    const workerPath = join(tmp.dir, 'crash-worker.mjs');
    const crashLog = join(tmp.dir, 'starts.log');
    writeFileSync(workerPath, CRASH_WORKER);
    writeFileSync(crashLog, '');
    process.env.QUIETBAND_SENSOR_WORKER = workerPath;
    process.env.CRASH_LOG = crashLog;
    const store = await AlertStore.open({ dataDir: join(tmp.dir, 'data'), site: 'hall-s' });
    const bus = new AlertBus({ store });
    const alerts: Alert[] = [];
    bus.on('alert', (a) => alerts.push(a));
    const site = applySiteDefaults(validateSiteConfig({ site: 'hall-s', restart: { initialMs: 200, maxMs: 10_000 }, sensors: [{ name: 'bench', source: 'sim' }] }, 'x'), {}, 'x');
    const sup = new SensorSupervisor({ sensor: site.sensors[0]!, site, bus, log: silentLog, logLevel: 'silent', workerUrl: sensorWorkerUrl(), onSpectrum: () => undefined, onChange: () => undefined });
    try {
      sup.start();
      // starts at t0, t0 + 0.3 + 0.2, + 0.3 + 0.4, + 0.3 + 0.8 → four starts within ≈ 2.5 s
      const end = Date.now() + 6000;
      while (readFileSync(crashLog, 'utf8').trim().split('\n').filter(Boolean).length < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      const starts = readFileSync(crashLog, 'utf8').trim().split('\n').map(Number);
      expect(starts.length).toBeGreaterThanOrEqual(4);
      const gaps = starts.slice(1, 4).map((t, i) => t - starts[i]! - 300); // minus the 300 ms each worker lives
      console.log(`restart delays after a crash: ${gaps.join(', ')} ms (configured 200 · 2^k)`);
      expect(gaps[0]!).toBeGreaterThanOrEqual(180);
      expect(gaps[1]!).toBeGreaterThanOrEqual(380);
      expect(gaps[2]!).toBeGreaterThanOrEqual(780);
      expect(gaps[2]!).toBeLessThan(1600);
      await bus.flush();
      // each worker's open track was closed when it died (ids unique across worker generations)
      const trans = alerts.filter((a) => a.kind === 'transmission');
      const ids = [...new Set(trans.map((a) => a.alertId))];
      expect(ids.length).toBeGreaterThanOrEqual(3);
      for (const id of ids.slice(0, 3)) expect(trans.filter((a) => a.alertId === id).map((a) => a.event)).toEqual(['open', 'close']);
      expect(trans.find((a) => a.event === 'open')!.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      // sensor-offline: raised when the first worker died, cleared by the restarted worker's fresh block, raised again…
      const off = alerts.filter((a) => a.kind === 'sensor-offline');
      expect(off.slice(0, 3).map((a) => a.event)).toEqual(['open', 'close', 'open']);
      expect(off[0]!.message).toMatch(/^sensor bench \(sim\) stopped delivering: sensor worker exited \(code 3\); restarting in 200 ms$/);
      expect(sup.health()).toMatchObject({ sensor: 'bench' });
    } finally {
      await sup.stop(1000);
      delete process.env.QUIETBAND_SENSOR_WORKER;
      await bus.close();
      await store.close();
    }
  });
});

/** A worker whose pipeline first waits 80 % of the time for its source (3 reports), then never (25 reports, from 400 ms). */
const WAITING_WORKER = `
import { parentPort } from 'node:worker_threads';
const health = (waitedFraction) => parentPort.postMessage({ type: 'health', lastBlockAtMs: Date.now(), samples: 1000, configuredRateSps: 250000, achievedRateSps: 200000, droppedBlocks: 40, clipFraction: 0, sourceWaitMs: 0, streaming: true, behindMs: 20, waitedFraction });
parentPort.postMessage({ type: 'state', state: 'armed' });
for (let i = 0; i < 3; i++) health(0.8);
setTimeout(() => { for (let i = 0; i < 25; i++) health(0); }, 400);
parentPort.on('message', (m) => { if (m.type === 'stop') { parentPort.postMessage({ type: 'state', state: 'stopped' }); setTimeout(() => process.exit(0), 10); } });
`;

describe('SensorSupervisor: does the pipeline keep up with its source?', () => {
  it('sourceBound while the smoothed share of time waiting for the source is ≥ 10 %; false after it fell to 0 (0.8 · 0.9^25 = 0.06)', async () => {
    const workerPath = join(tmp.dir, 'waiting-worker.mjs');
    writeFileSync(workerPath, WAITING_WORKER);
    process.env.QUIETBAND_SENSOR_WORKER = workerPath;
    const store = await AlertStore.open({ dataDir: join(tmp.dir, 'data-wait'), site: 'hall-w' });
    const bus = new AlertBus({ store });
    const site = applySiteDefaults(validateSiteConfig({ site: 'hall-w', sensors: [{ name: 'link', source: 'sim' }] }, 'x'), {}, 'x');
    const sup = new SensorSupervisor({ sensor: site.sensors[0]!, site, bus, log: silentLog, logLevel: 'silent', workerUrl: sensorWorkerUrl(), onSpectrum: () => undefined, onChange: () => undefined });
    try {
      expect(sup.health().sourceBound).toBeUndefined(); // no report yet
      sup.start();
      const until = async (want: boolean): Promise<void> => {
        const end = Date.now() + 5000;
        while (sup.health().sourceBound !== want && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      };
      await until(true);
      expect(sup.health()).toMatchObject({ sourceBound: true, droppedBlocks: 40 });
      await until(false);
      expect(sup.health().sourceBound).toBe(false);
    } finally {
      await sup.stop(1000);
      delete process.env.QUIETBAND_SENSOR_WORKER;
      await bus.close();
      await store.close();
    }
  });
});
