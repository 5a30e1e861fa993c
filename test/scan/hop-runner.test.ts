// The scanning sensor's runner in-process (no worker thread): calibrate writes one baseline per hop, run uses them, a mismatch is refused, a partial set means warm-up.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applySiteDefaults, validateSiteConfig, type SensorSettings } from '../../src/config/site-config.js';
import { resolveSite } from '../../src/site/site-resolve.js';
import { calibrateScanSensor, runScanSensor } from '../../src/site/hop-runner.js';
import { workerSite } from '../../src/site/supervisor.js';
import type { SensorWorkerData, WorkerToMain } from '../../src/site/worker-protocol.js';
import { silentLog } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-hop-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RATE = 250_000;
const HOP_A = 433_882_500;
const HOP_B = 433_957_500;
const CAL = join(dir, 'cal');

/** A two-hop sim sensor (world around 433.92 MHz: carrier 433.91 MHz, a tone on hop A's centre from 1.0 to 1.6 s of every 4 s). */
async function data(mode: 'run' | 'calibrate', fftSize = 1024): Promise<SensorWorkerData> {
  const cfg = validateSiteConfig(
    {
      site: 'lab',
      warmupS: 0.4,
      calibrationDir: CAL,
      sensors: [{
        name: 'hopper',
        source: 'sim',
        centerHz: 433_920_000,
        rateSps: RATE,
        fftSize,
        scenario: { durationS: 4, seed: 5, carriers: [{ offsetHz: -10_000, powerDbfs: -20 }], events: [{ kind: 'tone', offsetHz: HOP_A - 433_920_000, snrDb: 25, startS: 1.0, durationS: 0.6 }] },
        scan: { segments: [{ startHz: 433_900_000, stopHz: 433_940_000 }], dwellMs: 100, settleMs: 10, simStaleMs: 5 },
      }],
    },
    'test',
  );
  const site = await resolveSite(applySiteDefaults(cfg, {}, 'test'), 'test');
  const d: SensorWorkerData = { mode, sensor: site.sensors[0] as SensorSettings, site: workerSite(site), logLevel: 'silent' };
  if (mode === 'calibrate') d.calibrate = { seconds: 0.5, output: join(CAL, 'lab-hopper.json') };
  return d;
}

function host(d: SensorWorkerData) {
  const messages: WorkerToMain[] = [];
  const abort = new AbortController();
  return {
    messages,
    abort,
    of: <T extends WorkerToMain['type']>(type: T) => messages.filter((m) => m.type === type) as Extract<WorkerToMain, { type: T }>[],
    host: { data: d, post: (m: WorkerToMain) => messages.push(m), signal: abort.signal, log: silentLog },
  };
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pathA = join(CAL, `lab-hopper-${HOP_A}.json`);
const pathB = join(CAL, `lab-hopper-${HOP_B}.json`);

describe('scanning sensor runner (sim, two hops)', () => {
  it('calibrate: one baseline per hop, <calibrationDir>/<site>-<sensor>-<centerHz>.json, fingerprinted with the hop centre', async () => {
    const h = host(await data('calibrate'));
    await calibrateScanSensor(h.host);
    expect(h.of('fatal')).toEqual([]);
    const cal = h.of('calibrated')[0]!;
    expect(cal.path.split('\n')).toEqual([pathA, pathB]);
    expect(cal.durationS).toBeGreaterThan(0.45);
    expect(cal.fastFrames).toBeGreaterThanOrEqual(4);
    for (const [p, hz] of [[pathA, HOP_A], [pathB, HOP_B]] as const) {
      const b = JSON.parse(readFileSync(p, 'utf8')) as { method: string; fingerprint: { centerHz: number; rateSps: number; fftSize: number } };
      expect(b.method).toBe('calibrate');
      expect(b.fingerprint).toMatchObject({ centerHz: hz, rateSps: RATE, fftSize: 1024 });
    }
  });

  it('run with the stored baselines: armed without warm-up, the tone reported through hop B, health with the revisit time', async () => {
    const h = host(await data('run'));
    const done = runScanSensor(h.host);
    await until(() => h.of('detection').some((m) => m.ev.kind === 'close'), 8000, 'the tone to close');
    await until(() => h.of('health').some((m) => m.scan?.segments[0]?.revisitMs != null), 3000, 'a measured revisit');
    h.abort.abort();
    await done;
    expect(h.of('state').map((m) => m.state)).toEqual(['starting', 'armed', 'stopped']);
    expect(h.of('baseline')[0]).toMatchObject({ method: 'calibrate' });
    const dets = h.of('detection').map((m) => m.ev);
    const open = dets.find((e) => e.kind === 'open')!;
    expect(Math.abs(open.centerHz - HOP_A)).toBeLessThanOrEqual(RATE / 1024);
    expect(open.startS).toBeGreaterThanOrEqual(1.0);
    expect(open.startS).toBeLessThan(1.0 + 2 * 0.11 + 0.03);
    expect(new Set(dets.map((e) => e.id))).toEqual(new Set([open.id]));
    const scan = h.of('health').findLast((m) => m.scan?.segments[0]?.revisitMs != null)!.scan!;
    expect(scan).toMatchObject({ hops: 2, dwellMs: 100, settleMs: 10 });
    expect(Math.abs(scan.segments[0]!.revisitMs! - 220) / 220).toBeLessThan(0.1);
    const sp = h.of('spectrum');
    expect(sp.length).toBeGreaterThan(0);
    expect(sp[0]!.powerDbfs.length).toBe(1024);
  });

  it('a stored baseline taken with other settings is refused (state error naming the field), no detections', async () => {
    const h = host(await data('run', 2048));
    await runScanSensor(h.host);
    const states = h.of('state');
    expect(states.map((m) => m.state)).toEqual(['starting', 'error']);
    expect(states[1]!.code).toBe('BASELINE_MISMATCH');
    expect(states[1]!.message).toMatch(/fftSize/);
    expect(h.of('detection')).toEqual([]);
  });

  it('baselines for only some hops (the plan changed): warm-up of every hop, then armed', async () => {
    rmSync(pathB);
    expect(existsSync(pathA)).toBe(true);
    const h = host(await data('run'));
    const done = runScanSensor(h.host);
    await until(() => h.of('state').some((m) => m.state === 'armed'), 5000, 'armed after the warm-up');
    h.abort.abort();
    await done;
    expect(h.of('state').map((m) => m.state)).toEqual(['starting', 'learning', 'armed', 'stopped']);
    expect(h.of('baseline')[0]).toMatchObject({ method: 'warmup' });
  });
});
