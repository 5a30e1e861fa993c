// A file: sensor whose cf32 recording holds NaN/±Inf: its health reports count them, across the recording's restarts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applySiteDefaults, validateSiteConfig, type SensorSettings } from '../../src/config/site-config.js';
import { resolveSite } from '../../src/site/site-resolve.js';
import { runSensor } from '../../src/site/sensor-runner.js';
import { workerSite } from '../../src/site/worker-protocol.js';
import type { SensorWorkerData, WorkerToMain } from '../../src/site/worker-protocol.js';
import { capture, silentLog } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-nonfinite-health-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('file: sensor health with non-finite samples', () => {
  it('reports nonFiniteSamples (3 per pass over the recording) and keeps running', async () => {
    // the real x10 capture as cf32 with a NaN, a +Inf and a −Inf (cu8 → (x − 127.5) / 127.5)
    const iq = Float32Array.from(readFileSync(capture('x10_HR12A_B1on_310M_250k.cu8')), (b) => (b - 127.5) / 127.5);
    iq[2 * 50_000] = Number.NaN;
    iq[2 * 110_000 + 1] = Infinity;
    iq[2 * 150_000] = -Infinity;
    const file = join(dir, 'x10nan_310M_250k.cf32');
    writeFileSync(file, Buffer.from(iq.buffer));
    const cfg = validateSiteConfig({ site: 'lab', warmupS: 0.5, sensors: [{ name: 'rec', source: `file:${file}`, realtime: false }] }, 'test');
    const site = await resolveSite(applySiteDefaults(cfg, {}, 'test'), 'test', { lookupBaselines: false });
    const data: SensorWorkerData = { mode: 'run', sensor: site.sensors[0] as SensorSettings, site: workerSite(site), logLevel: 'silent' };
    const health: Extract<WorkerToMain, { type: 'health' }>[] = [];
    const abort = new AbortController();
    const done = runSensor({ data, post: (m: WorkerToMain) => void (m.type === 'health' && health.push(m)), signal: abort.signal, log: silentLog });
    const end = performance.now() + 15_000;
    while (!health.some((h) => (h.nonFiniteSamples ?? 0) >= 6) && performance.now() < end) await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    await done;
    const counts = health.map((h) => h.nonFiniteSamples ?? 0);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(6); // at least two passes over the recording
    // never decreasing: the counts of finished passes are kept
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    // before the first NaN (sample 50000) is read the field is absent
    expect(health[0]!.nonFiniteSamples ?? 0).toBeLessThanOrEqual(3);
  });
});
