// calibrate → baseline file → replay --baseline: fingerprint checks and detection against a stored baseline.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrateFile } from '../../src/cli/calibrate.js';
import { replayFile } from '../../src/cli/replay.js';
import { writeSimCapture, type Scenario } from '../../src/source/sim.js';
import { QuietBandError } from '../../src/errors.js';
import { silentLog } from '../helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-cal-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = (seed: number, events: Scenario['events']): Scenario => ({
  rateSps: 250_000, centerHz: 433.92e6, durationS: 2, seed, carriers: [{ offsetHz: -60_000, powerDbfs: -20 }], events,
});

describe('calibrate and replay --baseline', () => {
  it('a quiet recording calibrates a baseline; a session recording against it detects only the new transmission', async () => {
    const quiet = (await writeSimCapture(join(dir, 'quiet'), base(1, []))).metaPath;
    const session = (await writeSimCapture(join(dir, 'session'), base(2, [{ kind: 'ook', offsetHz: 30_000, snrDb: 20, startS: 1.2, durationS: 0.08 }]))).metaPath;
    const out = join(dir, 'calibration', 'room-101.json');
    await calibrateFile(quiet, { output: out }, silentLog);
    const json = JSON.parse(await readFile(out, 'utf8'));
    expect(json.method).toBe('calibrate');
    expect(json.fingerprint).toMatchObject({ centerHz: 433.92e6, rateSps: 250_000, fftSize: 1024, fastFftSize: 256, window: 'hann', source: 'file' });
    expect(json.fast.levelDb.length).toBe(256);
    expect(json.slow.levelDb.length).toBe(1024);
    // the steady −20 dBFS carrier is in the baseline. The statistic is the 3-bin mean, so a tone reads its bin plus the
    // Hann neighbours (−6 dB each): (1 + ¼ + ¼)/3 → −3.0 dB, and −60 kHz is 0.24 bin off a bin centre (Hann
    // scalloping ≈ −0.2 dB): ≈ −23.2 dBFS
    const carrierBin = 512 + Math.round((-60_000 / 250_000) * 1024);
    expect(json.slow.levelDb[carrierBin]).toBeGreaterThan(-24);
    expect(json.slow.levelDb[carrierBin]).toBeLessThan(-22.4);
    const lines: { type: string; centerHz: number; startS: number; appearances?: number }[] = [];
    await replayFile(session, { baseline: out, progress: false }, (l) => lines.push(JSON.parse(l)), silentLog);
    const dets = lines.filter((o) => o.type === 'detection');
    expect(dets.length).toBe(1);
    // and the calibration's carrier, heard throughout the session (one appearance: it never stops)
    const heard = lines.filter((o) => o.type === 'emitter-heard');
    expect(heard.length).toBe(1);
    expect(Math.abs(heard[0].centerHz - (433.92e6 - 60_000))).toBeLessThan(500);
    expect(heard[0].appearances).toBe(1);
    expect(Math.abs(dets[0].centerHz - (433.92e6 + 30_000))).toBeLessThanOrEqual(250_000 / 1024);
    expect(Math.abs(dets[0].startS - 1.2)).toBeLessThan(0.01);
  });

  it('a baseline whose fingerprint differs is refused, naming the field', async () => {
    const quiet = (await writeSimCapture(join(dir, 'quiet2'), base(3, []))).metaPath;
    const out = join(dir, 'b.json');
    await calibrateFile(quiet, { output: out }, silentLog);
    const err = await replayFile(quiet, { baseline: out, fftSize: '2048', progress: false }, () => {}, silentLog).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuietBandError);
    expect((err as QuietBandError).code).toBe('BASELINE_MISMATCH');
    expect((err as Error).message).toContain("'fftSize'");
    expect((err as Error).message).toContain('1024');
    expect((err as Error).message).toContain('2048');
    const err2 = await replayFile(quiet, { baseline: out, center: '434M', progress: false }, () => {}, silentLog).catch((e: unknown) => e);
    expect((err2 as Error).message).toContain("'centerHz'");
  });

  it('calibrate without -o is a CONFIG error naming the flag', async () => {
    const err = await calibrateFile('x.cu8', {}, silentLog).catch((e: unknown) => e);
    expect((err as QuietBandError).code).toBe('CONFIG');
    expect((err as Error).message).toContain('--output');
  });
});
