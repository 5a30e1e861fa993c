// `replay --threads`: the slow path and identification on worker threads give the single-thread run's output, byte for
// byte, on a synthetic 2.4 MS/s recording (the real captures: replay-threads-captures.test.ts); a worker out of step is
// refused.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sameBothWays, run } from './replay-threads-compare.js';
import { availableParallelism } from 'node:os';
import { MIN_THREADED_S, parseThreads } from '../../src/cli/replay-threads.js';
import { createSlowFeedBuffer, SlowFeedReader, SlowFeedWriter } from '../../src/spectrum/slow-frame-feed.js';
import { defaultScenario } from '../../src/source/sim-scenario.js';
import { writeSimCapture } from '../../src/source/sim-capture.js';
import type { IqBlock } from '../../src/types.js';
import { silentLog } from '../helpers.js';
import type { DetectionLine } from '../../src/cli/replay-line.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-replay-threads-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('replay --threads 2 against --threads 1', () => {
  it('a synthetic 2.4 MS/s recording (OOK, FM, GSM bursts): identical lines, CSV spectra, and with --baseline-seconds', async () => {
    const s = defaultScenario();
    s.rateSps = 2_400_000;
    s.durationS = 3;
    s.seed = 17;
    s.events = [
      { kind: 'ook', offsetHz: 120_000, snrDb: 20, startS: 0.8, durationS: 0.06 },
      { kind: 'ook', offsetHz: 120_000, snrDb: 20, startS: 2.2, durationS: 0.06 },
      { kind: 'fm', offsetHz: -60_000, snrDb: 15, startS: 1.0, durationS: 1.2 },
      { kind: 'gsm', offsetHz: 250_000, snrDb: 15, startS: 2.4, durationS: 0.4 },
    ];
    const cap = await writeSimCapture(join(dir, 'sim') + '/', s);
    // the slow frames themselves too: rtl_power CSV of every Welch average
    const csv = (threads: string): string => join(dir, `threads-${threads}.csv`);
    const lines = await sameBothWays(cap.metaPath, {}, (threads) => ({ csv: csv(threads) }));
    const dets = lines.filter((l) => l.startsWith('{"type":"detection"')).map((l) => JSON.parse(l) as DetectionLine);
    expect(dets.length).toBeGreaterThanOrEqual(4);
    expect(dets.every((d) => d.signal !== undefined)).toBe(true);
    const rows = (await readFile(csv('1'), 'utf8')).trim().split('\n');
    expect(rows.length).toBeGreaterThanOrEqual(27); // ≈ 10 averages per second
    expect(await readFile(csv('2'), 'utf8')).toBe(await readFile(csv('1'), 'utf8'));
    // a learning window cut inside a block (the worker stops where the main thread does): 0.7 s = 1.68 M samples, block
    // 26 of 65536; on the recording's first 1.2 s (its OOK at 0.8 s and the FM's start at 1.0 s after the window), as
    // the window and where it is cut do not depend on what follows
    const head = join(dir, 'head');
    await copyFile(cap.metaPath, `${head}.sigmf-meta`);
    await writeFile(`${head}.sigmf-data`, (await readFile(cap.dataPath)).subarray(0, 2 * Math.round(1.2 * s.rateSps)));
    const cal = await sameBothWays(`${head}.sigmf-meta`, { baselineSeconds: '0.7' });
    expect(cal.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('threads and the feed', () => {
  it('--threads takes whole numbers ≥ 1, default the available cores from MIN_THREADED_S of input, else 1', () => {
    expect(parseThreads('1', Infinity)).toBe(1);
    expect(parseThreads('3', Infinity)).toBe(3);
    expect(parseThreads('2', 1000 / 250_000)).toBe(2); // asked for: even on a short file
    expect(parseThreads(undefined, Infinity)).toBe(availableParallelism()); // length unknown: long
    expect(parseThreads(undefined, MIN_THREADED_S)).toBe(availableParallelism());
    expect(parseThreads(undefined, MIN_THREADED_S - 1 / 250_000)).toBe(1);
    for (const bad of ['0', '-2', '1.5', 'two', '']) expect(() => parseThreads(bad, Infinity)).toThrow(/--threads/);
  });

  it('a reader asked for another sample than the writer recorded throws instead of delivering', () => {
    const layout = { fftSize: 64, pieces: 4, frames: 2 };
    const sab = createSlowFeedBuffer(layout);
    const writer = new SlowFeedWriter(sab, layout);
    const reader = new SlowFeedReader(sab, layout, 'test feed');
    writer.piece(1000, 5000);
    writer.finish();
    const block = { samples: new Float32Array(2), count: 1, firstSample: 990, centerHz: 0, rateSps: 1, tuneId: 0, clipFraction: 0, discontinuity: false } as IqBlock;
    expect(() => reader.nextSlowFrameEnd(block, 0)).toThrow(/out of step.*1000.*990/);
    expect(reader.nextSlowFrameEnd(block, 10)).toBe(5000);
    reader.push(block, { onShortFrame: () => {}, onSlowFrame: () => {} }, 10, 1);
    // the writer finished: asking for more is an error, not a wait
    expect(() => reader.nextSlowFrameEnd(block, 11)).toThrow(/ended before/);
  });
});
