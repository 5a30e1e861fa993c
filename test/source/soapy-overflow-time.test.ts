// Detection times across a driver overflow: a child process streams the quietband-fake SoapySDR device's synthetic
// signal (a 5 ms tone burst every 250 ms, each at its own frequency) through SoapySource and the detector, and is
// stopped (SIGSTOP) for 1.5 s, so the device loses ≈ 1.5 s of samples. The samples it lost must count in the stream
// positions: from the driver's time stamps exactly (time=1), from the wall clock approximately when the driver has no
// time stamps (time=0) or stamps only the samples it delivers (time=count). Every burst detected after the stall must
// lie at its scheduled time: within one FFT frame (1024 samples) with time stamps, within 0.1 s when estimated.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, REPO } from '../daemon/helpers.js';
import { FAKE_SOAPY_DRIVER, soapyWithFake } from '../fake-soapy/build.js';
import { runStalledChild } from '../fake-soapy/stall-child.js';

const RATE = 2.4e6;
const FFT = 1024;
const SEED = 3;
const FIRST_MS = 100;
const PERIOD_MS = 250;
const STOP_S = 1.5;
let moduleDir = '';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-soapy-overflow-time-'));

beforeAll(async () => {
  ({ moduleDir } = await soapyWithFake());
  buildOnce();
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Burst k of the fake's schedule (fake-soapy.cc): start (s since stream start) and offset from the centre (Hz). */
function burst(k: number): { startS: number; offsetHz: number } {
  const fr = (0.5 + (k + SEED) * 0.6180339887498949) % 1;
  return { startS: (FIRST_MS + k * PERIOD_MS) / 1000, offsetHz: RATE * 0.8 * (fr - 0.5) };
}

interface ChildResult {
  opens: { startS: number; offsetHz: number }[];
  health: { overflows: number; samplesLost: number; droppedBlocks: number };
  /** Stream position (s) of the first block after the stall's gap. */
  gapAtS: number;
}

/** Runs the child with the fake's time= mode, stops it 1.5 s once it streams, and returns what it printed. */
async function runChild(timeMode: string): Promise<{ res: ChildResult; deviceLost: number; stoppedS: number }> {
  const stats = path.join(tmp, `stats-${timeMode}.json`);
  const script = path.join(tmp, `child-${timeMode}.mjs`);
  const dist = (p: string): string => JSON.stringify(path.join(REPO, 'dist', p));
  const base = `driver=${FAKE_SOAPY_DRIVER},serial=QBFAKE01,native=CF32,seed=${SEED},noise_dbfs=-40,burst_dbfs=-10,burst_ms=5,buffer_ms=600,time=${timeMode}`;
  writeFileSync(
    script,
    `import { SoapySource } from ${dist('src/source/soapy-source.js')};
import { detect, learnBaseline } from ${dist('src/pipeline.js')};
import { pipelineOptions } from ${dist('src/cli/pipeline-flags.js')};
const opts = pipelineOptions({ fftSize: '${FFT}' }, ${RATE});
const open = (extra) => SoapySource.open({ args: ${JSON.stringify(base)} + extra, centerHz: 2.44e9, rateSps: ${RATE}, gain: 20 });
// the baseline: 0.5 s without bursts (the first one scheduled at 100 s)
const { baseline } = await learnBaseline(await open(',burst_first_ms=100000'), opts, 'auto', { maxSamples: ${RATE / 2}, settleSamples: 0 });
const src = await open(${JSON.stringify(`,burst_first_ms=${FIRST_MS},burst_period_ms=${PERIOD_MS},stats=${stats}`)});
const opens = [];
let k = 0, expected = 0, gapAtS = -1;
const tee = { info: src.info, health: () => src.health(), close: () => src.close(), async *blocks() {
  for await (const b of src.blocks()) {
    if (k++ === 40) process.stdout.write('streaming\\n');
    if (b.firstSample !== expected && gapAtS < 0) gapAtS = b.firstSample / ${RATE};
    expected = b.firstSample + b.count;
    yield b;
  }
} };
await detect(tee, baseline, opts, (ev) => {
  if (ev.kind === 'open') opens.push({ startS: ev.startS, offsetHz: ev.centerHz - 2.44e9 });
}, { maxSamples: ${RATE * 3}, settleSamples: 0 });
const h = src.health();
await src.close();
process.stdout.write(JSON.stringify({ opens, gapAtS, health: { overflows: h.overflows, samplesLost: h.samplesLost, droppedBlocks: h.droppedBlocks } }) + '\\n');
`,
  );
  const { out, err, code, stoppedS } = await runStalledChild(script, moduleDir, STOP_S);
  expect(code, err).toBe(0);
  const res = JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
  const st = JSON.parse(readFileSync(stats, 'utf8')) as { samplesLost: number };
  return { res, deviceLost: st.samplesLost, stoppedS };
}

/**
 * Each detection opened after the gap, matched to the burst of its frequency (unique per burst; within 3 kHz):
 * its start error (s). Bursts before the gap are left out (their times were never in doubt).
 */
function errorsAfterGap(r: ChildResult): { k: number; errorS: number }[] {
  const out: { k: number; errorS: number }[] = [];
  for (const o of r.opens) {
    if (o.startS < r.gapAtS) continue;
    let best = -1;
    for (let k = 0; k < 40; k++) if (Math.abs(burst(k).offsetHz - o.offsetHz) < 3000 && (best < 0 || Math.abs(burst(k).startS - o.startS) < Math.abs(burst(best).startS - o.startS))) best = k;
    out.push({ k: best, errorS: best < 0 ? Infinity : o.startS - burst(best).startS });
  }
  return out;
}

describe('SoapySource: samples a driver overflow lost count in the stream positions', () => {
  it('driver time stamps (SOAPY_SDR_HAS_TIME): lost samples exact, every later burst within one FFT frame of its time', async () => {
    const { res, deviceLost, stoppedS } = await runChild('1');
    const errs = errorsAfterGap(res);
    console.log(`time stamps: stopped ${stoppedS.toFixed(2)} s, device lost ${deviceLost} samples, source counted ${res.health.samplesLost}; gap at ${res.gapAtS.toFixed(3)} s; bursts after it: ${errs.map((e) => `${e.k}: ${(e.errorS * 1e6).toFixed(0)} µs`).join(', ')}`);
    expect(res.health.overflows).toBe(1);
    expect(deviceLost / RATE).toBeGreaterThan(stoppedS - 0.7);
    expect(res.health.samplesLost).toBe(deviceLost);
    // 3 s of stream read in all, ≈ 1.5 s of it after the gap: 5–6 bursts
    expect(errs.length).toBeGreaterThanOrEqual(4);
    for (const e of errs) expect(Math.abs(e.errorS), `burst ${e.k}`).toBeLessThanOrEqual(FFT / RATE);
  }, 60_000);

  it.each([
    ['no time stamps (time=0)', '0'],
    ['time stamps that count only delivered samples (time=count)', 'count'],
  ])('%s: lost samples estimated from the wall clock, within 0.1 s; later bursts within 0.1 s of their times', async (_name, mode) => {
    const { res, deviceLost, stoppedS } = await runChild(mode);
    const errs = errorsAfterGap(res);
    console.log(`time=${mode}: stopped ${stoppedS.toFixed(2)} s, device lost ${deviceLost} samples (${(deviceLost / RATE).toFixed(3)} s), source estimated ${res.health.samplesLost} (${(res.health.samplesLost / RATE).toFixed(3)} s); bursts after the gap: ${errs.map((e) => `${e.k}: ${(e.errorS * 1e3).toFixed(1)} ms`).join(', ')}`);
    expect(res.health.overflows).toBe(1);
    expect(Math.abs(res.health.samplesLost - deviceLost) / RATE).toBeLessThan(0.1);
    expect(errs.length).toBeGreaterThanOrEqual(4);
    for (const e of errs) expect(Math.abs(e.errorS), `burst ${e.k}`).toBeLessThan(0.1);
  }, 60_000);
});
