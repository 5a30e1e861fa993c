// The scanning sensor's runner in-process (no worker thread): calibrate writes one baseline per hop, run uses them, a mismatch is refused, a partial set means warm-up; clips per hop, CSV rows per hop, calibration windows, pipeline time in health.
import { EventEmitter } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applySiteDefaults, validateSiteConfig, type SensorSettings } from '../../src/config/site-config.js';
import { resolveSite } from '../../src/site/site-resolve.js';
import { calibrateScanSensor, hopSimBlockSamples, runScanSensor } from '../../src/site/hop-runner.js';
import { workerSite } from '../../src/site/worker-protocol.js';
import type { SensorWorkerData, WorkerToMain } from '../../src/site/worker-protocol.js';
import { silentLog } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-hop-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RATE = 250_000;
const HOP_A = 433_882_500;
const HOP_B = 433_957_500;
const CAL = join(dir, 'cal');
/** A calibration dir with hop A's baseline alone (the plan changed): the shared-runtime test's, beside the runner tests' CAL. */
const CAL_PARTIAL = join(dir, 'cal-partial');
const DATA_DIR = join(dir, 'data');
const CSV = join(dir, 'spectra.csv');
const WINDOW_OUT = join(dir, 'window', 'lab-hopper.json');

/** A two-hop sim sensor (world around 433.92 MHz: carrier 433.91 MHz, a tone on hop A's centre from 2.0 to 2.6 s of every 4 s, after the calibration's
 * time, so the calibration does not hear it and its baseline has no envelope there). */
async function data(mode: 'run' | 'calibrate', fftSize = 1024, calibrationDir = CAL): Promise<SensorWorkerData> {
  const cfg = validateSiteConfig(
    {
      site: 'lab',
      warmupS: 0.4,
      calibrationDir,
      sensors: [{
        name: 'hopper',
        source: 'sim',
        centerHz: 433_920_000,
        rateSps: RATE,
        fftSize,
        scenario: { durationS: 4, seed: 5, carriers: [{ offsetHz: -10_000, powerDbfs: -20 }], events: [{ kind: 'tone', offsetHz: HOP_A - 433_920_000, snrDb: 25, startS: 2.0, durationS: 0.6 }] },
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

/** Settles once the first test's calibration ended (hop A's baseline written, unless it failed). */
let calibrated = (): void => undefined;
const hopACalibrated = new Promise<void>((r) => (calibrated = r));

/** Runs the runner tests one after another (each uses the baselines the one before left in CAL). */
let previous: Promise<unknown> = Promise.resolve();
function inOrder(test: () => Promise<void>): () => Promise<void> {
  return () => {
    const run = previous.then(test, test);
    previous = run.catch(() => undefined);
    return run;
  };
}

// The runner tests (one after another) and the shared-runtime test (own calibration, data and window dirs) side by
// side: both mostly wait for their sim tones, paced by the wall clock.
describe.concurrent('scanning sensor runner (sim, two hops)', () => {
  it('calibrate: one baseline per hop, <calibrationDir>/<site>-<sensor>-<centerHz>.json, fingerprinted with the hop centre', inOrder(async () => {
    const h = host(await data('calibrate'));
    await calibrateScanSensor(h.host).finally(calibrated);
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
  }));

  it('run with the stored baselines: armed without warm-up, the tone reported through hop B, health with the revisit time', inOrder(async () => {
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
    expect(open.startS).toBeGreaterThanOrEqual(2.0 - 0.001); // one short-frame hop
    expect(open.startS).toBeLessThan(2.0 + 2 * 0.11 + 0.03);
    expect(new Set(dets.map((e) => e.id))).toEqual(new Set([open.id]));
    const scan = h.of('health').findLast((m) => m.scan?.segments[0]?.revisitMs != null)!.scan!;
    expect(scan).toMatchObject({ hops: 2, dwellMs: 100, settleMs: 10 });
    expect(Math.abs(scan.segments[0]!.revisitMs! - 220) / 220).toBeLessThan(0.1);
    const sp = h.of('spectrum');
    expect(sp.length).toBeGreaterThan(0);
    expect(sp[0]!.powerDbfs.length).toBe(1024);
  }));

  it('a stored baseline taken with other settings is refused (state error naming the field), no detections', inOrder(async () => {
    const h = host(await data('run', 2048));
    await runScanSensor(h.host);
    const states = h.of('state');
    expect(states.map((m) => m.state)).toEqual(['starting', 'error']);
    expect(states[1]!.code).toBe('BASELINE_MISMATCH');
    expect(states[1]!.message).toMatch(/fftSize/);
    expect(h.of('detection')).toEqual([]);
  }));

  it('baselines for only some hops (the plan changed): warm-up of every hop, then armed', inOrder(async () => {
    rmSync(pathB);
    expect(existsSync(pathA)).toBe(true);
    const h = host(await data('run'));
    const done = runScanSensor(h.host);
    await until(() => h.of('state').some((m) => m.state === 'armed'), 5000, 'armed after the warm-up');
    h.abort.abort();
    await done;
    expect(h.of('state').map((m) => m.state)).toEqual(['starting', 'learning', 'armed', 'stopped']);
    expect(h.of('baseline')[0]).toMatchObject({ method: 'warmup' });
  }));
});

/** Power (dBFS) at `offsetHz` from the centre in samples [from, to) of cu8 bytes: a single-bin DFT, normalised per sample. */
function toneDbfs(bytes: Buffer, from: number, to: number, offsetHz: number): number {
  let re = 0;
  let im = 0;
  for (let n = from; n < to; n++) {
    const i = (bytes[2 * n]! - 127.5) / 127.5;
    const q = (bytes[2 * n + 1]! - 127.5) / 127.5;
    const ph = (-2 * Math.PI * offsetHz * n) / RATE;
    re += i * Math.cos(ph) - q * Math.sin(ph);
    im += i * Math.sin(ph) + q * Math.cos(ph);
  }
  const n = to - from;
  return 10 * Math.log10((re * re + im * im) / (n * n) + 1e-30);
}

describe.concurrent('scanning sensor on the shared runtime: what a fixed sensor has', () => {
  it('warm-up (the plan changed), then a clip per hop with one capture per visit, CSV rows per hop, a calibration window, pipeline time in health', async () => {
    const messages: WorkerToMain[] = [];
    const of = <T extends WorkerToMain['type']>(type: T) => messages.filter((m) => m.type === type) as Extract<WorkerToMain, { type: T }>[];
    const abort = new AbortController();
    const control = new EventEmitter();
    // hop A's baseline alone, as the runner tests leave CAL for their last one
    await hopACalibrated;
    mkdirSync(CAL_PARTIAL, { recursive: true });
    copyFileSync(pathA, join(CAL_PARTIAL, `lab-hopper-${HOP_A}.json`));
    const d = await data('run', 1024, CAL_PARTIAL);
    d.site = { ...d.site, dataDir: DATA_DIR, evidence: { clips: true, pictures: false, preS: 1, postS: 0.5, maxS: 3, quotaMiB: 64, minFreeMiB: 0, maxClipBytes: 1_000_000, band: 'signal' } };
    d.csv = { path: CSV, append: false };
    const done = runScanSensor({ data: d, post: (m) => messages.push(m), signal: abort.signal, log: silentLog, control });

    // 1. a detection with its clip (the tone of the second cycle, after the warm-up)
    const second = (m: Extract<WorkerToMain, { type: 'detection' }>): boolean => m.ev.kind === 'close' && m.clip !== undefined && m.ev.startS > 4;
    await until(() => of('detection').some(second), 14_000, 'a close with its clip');
    const close = of('detection').find(second)!;
    const stream = of('stream')[0]!;
    expect(close.clip).toMatch(/^clips\/hopper_.*\.sigmf-meta$/);
    // the stream-clock times are posted, not the hop clock's: the tone lasts 0.6 s (± a revisit)
    expect(close.ev.endS! - close.ev.startS).toBeGreaterThan(0.6 - 0.25);
    expect(close.ev.endS! - close.ev.startS).toBeLessThan(0.6 + 0.25);
    expect(close.ev.startS % 4).toBeGreaterThan(1.95);
    expect(close.ev.startS % 4).toBeLessThan(2.0 + 0.25);
    // every event of the track carries the clip's track id, open first, close last
    const track = of('detection').filter((m) => m.ev.id === close.ev.id);
    expect(track[0]!.ev.kind).toBe('open');
    expect(track.at(-1)).toBe(close);

    const metaPath = join(DATA_DIR, close.clip!);
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { global: Record<string, unknown>; captures: Record<string, any>[]; annotations: Record<string, any>[] };
    expect(meta.global['core:datatype']).toBe('cu8');
    expect(meta.global['core:sample_rate']).toBe(RATE);
    // one capture per visit of the hop the tone was seen through (hop B: on hop A it sits in the DC guard)
    const caps = meta.captures;
    expect(caps.length).toBeGreaterThanOrEqual(5);
    for (const c of caps) expect(c['core:frequency']).toBe(HOP_B);
    expect(caps[0]!['core:sample_start']).toBe(0);
    const dwellSamples = 0.1 * RATE;
    // the first capture may start inside a visit; the others are whole dwells, 2 × (dwell + settle) = 220 ms apart
    for (let k = 2; k < caps.length; k++) {
      const len = caps[k]!['core:sample_start'] - caps[k - 1]!['core:sample_start'];
      expect(Math.abs(len - dwellSamples)).toBeLessThanOrEqual(hopSimBlockSamples(RATE));
      const gapMs = Date.parse(caps[k]!['core:datetime']) - Date.parse(caps[k - 1]!['core:datetime']);
      expect(Math.abs(gapMs - 220)).toBeLessThanOrEqual(15);
    }
    // the clip starts about preS (1 s) of wall time before the detection
    const startWall = stream.originMs + close.ev.startS * 1000;
    expect(Math.abs(Date.parse(caps[0]!['core:datetime']) - (startWall - 1000))).toBeLessThan(300);
    // the annotated stretch holds the tone (−75 kHz from hop B's centre) far above the clip's start
    const bytes = readFileSync(metaPath.replace(/meta$/, 'data'));
    const ann = meta.annotations[0]!;
    expect(ann['core:label']).toBe('detection');
    const a0 = ann['core:sample_start'] as number;
    const a1 = a0 + (ann['core:sample_count'] as number);
    expect(a1).toBeLessThanOrEqual(bytes.length / 2);
    const inside = toneDbfs(bytes, a0, Math.min(a1, a0 + dwellSamples), HOP_A - HOP_B);
    const before = toneDbfs(bytes, 0, Math.min(a0, dwellSamples), HOP_A - HOP_B);
    console.log(`hop clip: ${caps.length} visits, ${bytes.length / 2} samples; tone ${inside.toFixed(1)} dBFS inside, ${before.toFixed(1)} dBFS before`);
    expect(inside - before).toBeGreaterThan(15);

    // 2. calibration window: every hop records 0.3 s, written per hop, used at once (stored path, armed again)
    const armedBefore = of('state').filter((m) => m.state === 'armed').length;
    control.emit('message', { type: 'calibrate', seconds: 0.3, output: WINDOW_OUT, reason: 'window before "Maths"' });
    await until(() => of('state').filter((m) => m.state === 'armed').length > armedBefore, 8000, 'armed after the calibration');
    const learning = of('state').filter((m) => m.state === 'learning').at(-1)!;
    expect(learning.message).toBe('calibration: recording 0.3 s of baseline per hop (window before "Maths")');
    for (const hz of [HOP_A, HOP_B]) {
      const p = join(dir, 'window', `lab-hopper-${hz}.json`);
      expect(existsSync(p)).toBe(true);
      const b = JSON.parse(readFileSync(p, 'utf8')) as { method: string; durationS: number; fingerprint: { centerHz: number } };
      expect(b.method).toBe('calibrate');
      expect(b.fingerprint.centerHz).toBe(hz);
      expect(b.durationS).toBeGreaterThan(0.25);
    }
    const base = of('baseline').at(-1)!;
    expect(base).toMatchObject({ method: 'calibrate', path: `${join(dir, 'window', 'lab-hopper')}-<centerHz>.json` });
    const idsBefore = new Set(of('detection').map((m) => m.ev.id));
    // the next tone after the window gets a new track id (ids continue over detect passes)
    const nDet = of('detection').length;
    const opened = () => of('detection').slice(nDet).find((m) => m.ev.kind === 'open');
    await until(() => opened() !== undefined && of('detection').slice(nDet).some((m) => m.ev.kind === 'close'), 9000, 'a detection opened and closed after the calibration');
    expect(idsBefore.has(opened()!.ev.id)).toBe(false);
    abort.abort();
    await done;
    expect(of('state').at(-1)!.state).toBe('stopped');

    // 3. CSV: one row per hop frame, each at its hop's band
    const rows = readFileSync(CSV, 'utf8').trim().split('\n').map((l) => l.split(', '));
    const lows = new Map<number, number>();
    for (const r of rows) lows.set(Number(r[2]), (lows.get(Number(r[2])) ?? 0) + 1);
    expect([...lows.keys()].sort()).toEqual([HOP_A - RATE / 2, HOP_B - RATE / 2]);
    const [na, nb] = [lows.get(HOP_A - RATE / 2)!, lows.get(HOP_B - RATE / 2)!];
    expect(Math.abs(na - nb)).toBeLessThanOrEqual(Math.max(2, 0.1 * na));
    for (const r of rows) expect(Number(r[3]) - Number(r[2])).toBe(RATE);

    // 4. pipeline time per block in health: every block measured, each far below its 4.1 ms, load < 1
    const reports = of('health').map((m) => m.processing).filter((p) => p !== undefined);
    expect(reports.length).toBeGreaterThan(10);
    const times = reports.flatMap((p) => Array.from(p.blockBusyS));
    const blockS = hopSimBlockSamples(RATE) / RATE;
    const busy = reports.reduce((a, p) => a + p.busyS, 0);
    const signal = reports.reduce((a, p) => a + p.blockS, 0);
    expect(reports.every((p) => p.lost === 0)).toBe(true);
    // every block counted: Σ block seconds ≈ the samples the health counted (a block cut between views counts twice, shorter)
    expect(signal).toBeGreaterThan(0.9 * (of('health').at(-1)!.samples / RATE));
    times.sort((x, y) => x - y);
    const median = times[times.length >> 1]!;
    console.log(`hop sensor: ${times.length} blocks, median ${(median * 1e3).toFixed(3)} ms per ${(blockS * 1e3).toFixed(1)} ms block, load ${(busy / signal).toFixed(3)}`);
    expect(times[0]!).toBeGreaterThan(0);
    expect(median).toBeLessThan(blockS);
    expect(busy / signal).toBeGreaterThan(0);
    expect(busy / signal).toBeLessThan(1);
  }, 40_000);
});
