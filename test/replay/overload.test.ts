// Replay of a clipped recording: the summary says so in words and fields, detections during clipping are still reported
// and flagged; a recording that is not clipped gives no warning. The threshold and ClipMeter: test/spectrum/overload.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { replayFile, type ReplaySummary } from '../../src/cli/replay.js';
import { calibrateFile } from '../../src/cli/calibrate.js';
import { writeSimCapture, type Scenario } from '../../src/source/sim.js';
import { OVERLOAD_CLIP_FRACTION } from '../../src/spectrum/overload.js';
import { prettyMessage, type Logger } from '../../src/log.js';
import { capture } from '../helpers.js';

interface Det { centerHz: number; startS: number; endS: number; peakExcessDb: number; overload: boolean }
interface Rec { level: number; msg: string; [k: string]: unknown }

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-overload-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pino logger that keeps every record (what stderr would show). */
function recordingLog(): { log: Logger; logs: Rec[] } {
  const logs: Rec[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(JSON.parse(String(chunk)) as Rec);
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), logs };
}

/** Replays `file`, returning the detection lines, the summary and every log record (what stderr would show). */
async function replay(file: string): Promise<{ dets: Det[]; summary: ReplaySummary; logs: Rec[] }> {
  const { log, logs } = recordingLog();
  const dets: Det[] = [];
  const summary = await replayFile(file, { progress: false }, (line) => dets.push(JSON.parse(line) as Det), log);
  return { dets, summary, logs };
}

const CENTER_HZ = 433.92e6;

describe('replay of a clipped recording', () => {
  it('a 46 %-clipped recording (two +2 dBFS carriers): "clipped" in words, summary fields, the burst inside it reported and flagged', async () => {
    // two carriers at +2 dBFS each put 46 % of the raw cu8 values at 0/255 (measured on the sim); a 40 dB tone burst
    // at +110 kHz from 4.0 to 4.3 s sits inside the clipping, away from the carriers' strong intermodulation products
    // (at +95 kHz, on 2·f1 − f2 aliased, it drowns in one: the baseline there is that product's level)
    const scenario: Scenario = {
      rateSps: 250_000, centerHz: CENTER_HZ, durationS: 6, seed: 3,
      carriers: [{ offsetHz: -60_000, powerDbfs: 2 }, { offsetHz: 35_000, powerDbfs: 2 }],
      events: [{ kind: 'tone', offsetHz: 110_000, snrDb: 40, startS: 4.0, durationS: 0.3 }],
    };
    const sim = await writeSimCapture(join(dir, 'clipped') + '/', scenario);
    expect(sim.clipFraction).toBeGreaterThan(0.44);
    expect(sim.clipFraction).toBeLessThan(0.48);
    const { dets, summary, logs } = await replay(sim.metaPath);
    // summary fields: overall and per-block fraction, seconds (the whole 6 s clips)
    expect(summary.overloaded).toBe(true);
    expect(summary.clipFraction).toBeCloseTo(sim.clipFraction, 3);
    expect(summary.maxBlockClipFraction).toBeGreaterThan(0.44);
    expect(summary.overloadS).toBeCloseTo(6, 2);
    // a warn-level line a person reads, before the summary, with the same fields
    const warn = logs.filter((l) => l.level === 40 && /clipped/.test(l.msg));
    expect(warn).toHaveLength(1);
    expect(warn[0].msg).toMatch(/^recording is clipped \(ADC overload\): 4\d\.\d % of raw values at the rails overall/);
    expect(warn[0].msg).toContain('detections are unreliable');
    expect(warn[0]).toMatchObject({ overloaded: true, overloadClipFraction: OVERLOAD_CLIP_FRACTION });
    // the record carries its code: the readable line under --lang zh-CN is Chinese, the JSON line keeps the English
    expect(prettyMessage(warn[0], 'zh-CN')).toMatch(/^记录文件有削波（ADC 过载）：总体 4\d\.\d % 的原始值达到满幅，单个数据块最多 4\d\.\d %，6\.00 秒中有 6\.00 秒超过 5\.0 %；检测结果不可靠：.+；请降低增益重新录制  file=/);
    const fin = logs.find((l) => l.msg === 'replay finished')!;
    expect(fin).toMatchObject({ overloaded: true, overloadS: summary.overloadS, clipFraction: summary.clipFraction });
    // the burst is still reported, within 5 ms of its edges and 1 kHz of its frequency, flagged overload
    const burst = dets.filter((d) => Math.abs(d.centerHz - (CENTER_HZ + 110_000)) < 1000);
    expect(burst).toHaveLength(1);
    expect(burst[0].startS).toBeCloseTo(4.0, 2);
    expect(burst[0].endS).toBeCloseTo(4.3, 2);
    expect(burst[0].overload).toBe(true);
    // the others are the burst's intermodulation with the carriers (what "unreliable" warns of): all flagged too
    expect(dets.every((d) => d.overload)).toBe(true);
    // calibrating from it says the baseline is unreliable
    const cal = recordingLog();
    await calibrateFile(sim.metaPath, { output: join(dir, 'clipped-baseline.json') }, cal.log);
    const calWarn = cal.logs.filter((l) => l.level === 40);
    expect(calWarn).toHaveLength(1);
    expect(calWarn[0].msg).toMatch(/^recording is clipped \(ADC overload\): 4\d\.\d % .*a baseline learned from it is unreliable/);
    expect(prettyMessage(calWarn[0], 'zh-CN')).toMatch(/^记录文件有削波（ADC 过载）：.*；从中学得的基线不可靠：.+；请降低增益重新录制/);
  });

  it('a real capture that is not clipped (Mode S at 2 MS/s, 0.2 % at most in a block): no warning, overloaded false', async () => {
    const { dets, summary, logs } = await replay(capture('dump1090_modes1_1090M_2000k.cu8'));
    expect(summary.overloaded).toBe(false);
    expect(summary.overloadS).toBe(0);
    expect(summary.maxBlockClipFraction).toBeGreaterThan(0); // a few rail values, far below the threshold
    expect(summary.maxBlockClipFraction).toBeLessThan(0.005);
    expect(logs.filter((l) => l.level >= 40)).toEqual([]);
    expect(dets.length).toBeGreaterThan(0);
    expect(dets.every((d) => !d.overload)).toBe(true);
  });
});
