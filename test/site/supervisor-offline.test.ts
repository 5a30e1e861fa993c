// SensorSupervisor's offline judgement with stand-in workers: a slow start-up, the worker's own stall and the main
// thread's own stall raise no sensor-offline; a silent source and a hung worker still do, within a measured latency.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import type { Alert } from '../../src/server/protocol.js';
import { codeDetail } from '../../src/server/message-text.js';
import { SensorSupervisor } from '../../src/site/supervisor.js';
import { silentLog } from '../helpers.js';
import { tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-supervisor-offline-');
afterAll(() => tmp.cleanup());

/**
 * A stand-in sensor worker whose behaviour is its sensor name:
 * - slow-start: its first message comes 3 s after it starts (module loading on a loaded machine), then as 'steady';
 * - busy-open: says 'learning', then its thread is busy for 3.5 s before its first block (opening a simulated source),
 *   then as 'steady';
 * - steady: state armed, a block and a report every 50 ms, each saying it has waited `WAIT_MS` for its source;
 * - worker-stall: steady, but at 0.6 s its thread is busy for 1.6 s (generating a block), right after a report that
 *   said it was waiting 300 ms; its wait after the stall is counted without it (the real worker's StallClock);
 * - silent-source: steady for 0.6 s, then no block: idle, reporting a wait that grows with the wall clock;
 * - hung: steady for 0.6 s, then its thread never yields again.
 * Each posts {type:'probe', t} when its silence or stall starts (t = Date.now()).
 */
const STANDIN = `
import { parentPort, workerData } from 'node:worker_threads';
const mode = workerData.sensor.name;
const WAIT_MS = Number(process.env.QB_STANDIN_WAIT_MS);
const busy = (ms) => { const t = Date.now(); while (Date.now() - t < ms); };
let lastBlockAtMs = null;
let waitMs = WAIT_MS;
let sourceError;
function health(streaming = true) {
  parentPort.postMessage({ type: 'health', lastBlockAtMs, samples: 1000, configuredRateSps: 250000, achievedRateSps: 250000, droppedBlocks: 0, clipFraction: 0, sourceWaitMs: waitMs, streaming, ...(sourceError ? { sourceError } : {}) });
}
function steady() {
  parentPort.postMessage({ type: 'state', state: 'armed' });
  parentPort.postMessage({ type: 'stream', run: 1, centerHz: 433920000, rateSps: 250000, originMs: Date.now(), label: mode });
  const t0 = Date.now();
  let silentSince = null;
  const timer = setInterval(() => {
    const el = Date.now() - t0;
    if (mode === 'silent-source' && el > 600) {
      if (silentSince === null) { silentSince = Date.now(); parentPort.postMessage({ type: 'probe', t: silentSince }); }
      sourceError = 'connection refused (ECONNREFUSED): is rtl_tcp running and listening on 127.0.0.1:1?';
      waitMs = Date.now() - silentSince;
    } else if (mode === 'hung' && el > 600) {
      parentPort.postMessage({ type: 'probe', t: Date.now() });
      for (;;);
    } else {
      lastBlockAtMs = Date.now();
    }
    if (mode === 'worker-stall' && el > 600 && silentSince === null) {
      silentSince = Date.now();
      waitMs = 300;
      health();
      parentPort.postMessage({ type: 'probe', t: silentSince });
      busy(1600);
      waitMs = WAIT_MS;
      lastBlockAtMs = Date.now();
    }
    health();
  }, 50);
  parentPort.on('message', (m) => {
    if (m.type === 'stop') { clearInterval(timer); parentPort.postMessage({ type: 'state', state: 'stopped' }); }
  });
}
if (mode === 'slow-start') setTimeout(steady, 3000);
else if (mode === 'busy-open') {
  parentPort.postMessage({ type: 'state', state: 'learning' });
  setTimeout(() => { busy(3500); steady(); }, 50);
} else steady();
`;

interface Run {
  offline: Alert[];
  probeMs: number | null;
}

/** Runs the stand-in `mode` for `runMs` with offlineAfterMs 1000 and startGraceMs 2500; `during` runs on the main thread meanwhile. */
async function runStandIn(mode: string, runMs: number, during?: () => Promise<void>): Promise<Run> {
  const workerPath = join(tmp.dir, 'standin-worker.mjs');
  writeFileSync(workerPath, STANDIN);
  process.env.QUIETBAND_SENSOR_WORKER = workerPath;
  const store = await AlertStore.open({ dataDir: join(tmp.dir, `data-${mode}`), site: 'bench' });
  const bus = new AlertBus({ store });
  const offline: Alert[] = [];
  bus.on('alert', (a) => {
    if (a.kind === 'sensor-offline') offline.push(a);
  });
  const site = applySiteDefaults(validateSiteConfig({ site: 'bench', offlineAfterMs: 1000, startGraceMs: 2500, sensors: [{ name: mode, source: 'sim' }] }, 'x'), {}, 'x');
  const sup = new SensorSupervisor({ sensor: site.sensors[0]!, site, bus, log: silentLog, logLevel: 'silent', workerUrl: new URL(`file://${workerPath}`), onSpectrum: () => undefined, onChange: () => undefined });
  let probeMs: number | null = null;
  try {
    sup.start();
    // the probe message is not part of the protocol: read it from the worker directly
    const w = (sup as unknown as { worker: import('node:worker_threads').Worker }).worker;
    w.on('message', (m: { type: string; t?: number }) => {
      if (m.type === 'probe' && probeMs === null) probeMs = m.t!;
    });
    const done = new Promise((r) => setTimeout(r, runMs));
    await during?.();
    await done;
    await bus.flush();
  } finally {
    await sup.stop(500);
    delete process.env.QUIETBAND_SENSOR_WORKER;
    await bus.close();
    await store.close();
  }
  return { offline, probeMs };
}

/** Time (ms) from the probe to the sensor-offline alert's raise. */
function latencyMs(r: Run): number {
  const open = r.offline.find((a) => a.event === 'open');
  expect(open).toBeDefined();
  return Date.parse(open!.time) - r.probeMs!;
}

describe('SensorSupervisor offline judgement (offlineAfterMs 1000, startGraceMs 2500)', () => {
  process.env.QB_STANDIN_WAIT_MS = '20';

  it('a worker whose first report comes 3 s after its spawn (startGraceMs 2.5 s) is starting, not offline', async () => {
    const r = await runStandIn('slow-start', 4000);
    expect(r.offline.map((a) => a.message)).toEqual([]);
  });

  it('a worker that said it is learning and then is busy 3.5 s before its first block (startGraceMs 2.5 s) is not offline', async () => {
    const r = await runStandIn('busy-open', 4500);
    expect(r.offline.map((a) => a.message)).toEqual([]);
  });

  it("the worker's own 1.6 s stall right after reporting a 300 ms wait raises nothing", async () => {
    const r = await runStandIn('worker-stall', 3000);
    expect(r.probeMs).not.toBeNull();
    expect(r.offline.map((a) => a.message)).toEqual([]);
  });

  it("the main thread's own 1.5 s stall is not blamed on a worker that reported a 575 ms wait", async () => {
    process.env.QB_STANDIN_WAIT_MS = '575';
    try {
      const r = await runStandIn('steady', 2500, async () => {
        await new Promise((res) => setTimeout(res, 600));
        // from the check phase: the next loop turn runs the overdue timers (the offline check) before the queued messages
        await new Promise((res) => setImmediate(res));
        const t = Date.now();
        while (Date.now() - t < 1500); // the daemon's main thread busy: no message, no timer
      });
      expect(r.offline.map((a) => a.message)).toEqual([]);
    } finally {
      process.env.QB_STANDIN_WAIT_MS = '20';
    }
  });

  it('a source that goes silent (idle worker) is offline within offlineAfterMs + 350 ms', async () => {
    const r = await runStandIn('silent-source', 2500);
    const ms = latencyMs(r);
    console.log(`silent source → sensor-offline in ${ms} ms (offlineAfterMs 1000): ${r.offline[0]!.message}`);
    expect(r.offline[0]!.messageCode?.id).toBe('offline.noData');
    // the source's own words come with it, as the detail line of both languages
    expect(r.offline[0]!.message).toContain(': connection refused (ECONNREFUSED): is rtl_tcp running and listening on 127.0.0.1:1?');
    expect(codeDetail('zh-CN', r.offline[0]!.messageCode)).toBe('connection refused (ECONNREFUSED): is rtl_tcp running and listening on 127.0.0.1:1?');
    expect(ms).toBeGreaterThan(950);
    expect(ms).toBeLessThan(1350);
  });

  it('a worker that hangs is offline within startGraceMs + 350 ms', async () => {
    const r = await runStandIn('hung', 3800);
    const ms = latencyMs(r);
    console.log(`hung worker → sensor-offline in ${ms} ms (startGraceMs 2500): ${r.offline[0]!.message}`);
    expect(r.offline[0]!.messageCode?.id).toBe('offline.silentWorker');
    expect(ms).toBeGreaterThan(2400); // startGraceMs after its last report, ≤ 50 ms before the probe
    expect(ms).toBeLessThan(2850);
  });
});
