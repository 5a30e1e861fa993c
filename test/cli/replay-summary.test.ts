// `quietband replay` on a terminal shows a table of the detections and ends with a summary in words (detections,
// overload, calibration emitters, duration, speed); piped (or with --json), stdout is the JSON lines, byte for byte.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReplaySummary } from '../../src/cli/replay.js';
import { replaySummaryText, summaryStream } from '../../src/cli/replay-summary.js';
import { BIN, buildOnce, REPO } from '../daemon/helpers.js';

beforeAll(() => buildOnce());

const CAPTURE = path.resolve(REPO, '../shared/captures/dsc_contact_gfile004_433.92M_250k.cu8');

const CLEAN: ReplaySummary = {
  file: 'hall.cu8', samples: 15_000_000, durationS: 60, detections: 5, wallS: 1.24, realtimeFactor: 48.39, detectWallS: 0.62, detectRealtimeFactor: 96.77, floatSamples: false, overloadClipFraction: 0.05, clipFraction: 0.0001,
  maxBlockClipFraction: 0.0031, overloadS: 0, overloaded: false, nonFiniteSamples: 0, rateSps: 250_000, centerHz: 433_920_000,
  calibrationEmitters: [{ centerHz: 433_990_400, appearances: 0 }, { centerHz: 433_920_000, appearances: 12 }, { centerHz: 868_300_000, appearances: 3 }],
};

describe('replay summary text', () => {
  it('reads duration, rate, centre, detections, overload, the emitters heard and the speed', () => {
    expect(replaySummaryText(CLEAN)).toBe([
      '',
      'replay of hall.cu8',
      '  recording    60.00 s at 250 kS/s, centre 433.920 MHz',
      '  detections   5',
      '  overload     none (at most 0.3 % of raw values at the rails in one block, below the 5 % limit)',
      '  calibration  2 of 3 emitters heard; never heard after calibration: 433.9904 MHz (deaf receiver, or it stopped)',
      '  speed        detect pass 96.8 × real time (0.62 s); whole replay 48.4 × (1.24 s: start-up, baseline pass and detect pass)',
      '',
    ].join('\n'));
  });

  it('says float samples have no rails, and words a slow short replay without rounding it to 0.0 ×', () => {
    const text = replaySummaryText({ ...CLEAN, floatSamples: true, clipFraction: 0, maxBlockClipFraction: 0, durationS: 0.18, wallS: 4.87, realtimeFactor: 0.036961, detectWallS: 0.012, detectRealtimeFactor: 15, overloadClipFraction: 0.025 });
    expect(text).toContain('  overload     not measured: float samples (cf32) have no ADC rails\n');
    expect(text).not.toContain('rails in one block');
    expect(text).toContain('  speed        detect pass 15.0 × real time (0.01 s); whole replay 0.037 × (4.87 s: start-up, baseline pass and detect pass)\n');
    expect(replaySummaryText({ ...CLEAN, overloadClipFraction: 0.025 })).toContain('below the 2.5 % limit)');
    expect(replaySummaryText({ ...CLEAN, detectWallS: 1.24, detectRealtimeFactor: 48.39 })).toContain('  speed        48.4 × real time (1.24 s, the detect pass)\n');
  });

  it('says how many detector slices a joined row stands for (the Mode S recording: 10 slices, 1 row)', () => {
    expect(replaySummaryText({ ...CLEAN, detections: 1, detectorTracks: 10 })).toContain('  detections   1 (of 10 detector slices: the slices of one band-wide emission are one row)\n');
    expect(replaySummaryText({ ...CLEAN, detections: 1, detectorTracks: 10 }, 'zh-CN')).toContain('  检测         1（检测器共 10 段：同一宽带发射的各段合为一行）\n');
  });

  it('says a clipped recording is clipped and what to do, names dropped non-finite samples and an unknown centre', () => {
    const text = replaySummaryText({ ...CLEAN, clipFraction: 0.15, maxBlockClipFraction: 0.464, overloadS: 9, overloaded: true, nonFiniteSamples: 42, centerHz: null, rateSps: 2_400_000, calibrationEmitters: [] });
    expect(text).toContain('  recording    60.00 s at 2.4 MS/s, centre unknown (frequencies are offsets)\n');
    expect(text).toContain('  overload     CLIPPED: 15.0 % of raw values at the ADC rails, 9.00 s of 60.00 s clipping; the detections are unreliable (intermodulation, missed weak signals): record again with less gain\n');
    expect(text).toContain('  non-finite   42 samples (NaN, ±Inf) dropped with their frames\n');
    expect(text).not.toContain('calibration');
  });

  it('zh-CN: the same lines in Simplified Chinese, labels padded to 12 terminal columns', () => {
    expect(replaySummaryText(CLEAN, 'zh-CN')).toBe([
      '',
      '回放 hall.cu8',
      '  记录文件     60.00 秒，采样率 250 kS/s，中心 433.920 MHz',
      '  检测         5',
      '  过载         无（单个数据块中最多 0.3 % 的原始值达到满幅，低于 5 % 的限值）',
      '  校准         3 个发射源中听到 2 个；校准后从未听到：433.9904 MHz（接收机失聪，或发射源已停止）',
      '  速度         检测过程为实时的 96.8 倍（0.62 秒）；整个回放 48.4 倍（1.24 秒：启动、基线过程和检测过程）',
      '',
    ].join('\n'));
    const clipped = replaySummaryText({ ...CLEAN, clipFraction: 0.15, overloadS: 9, overloaded: true, nonFiniteSamples: 42, centerHz: null, calibrationEmitters: [] }, 'zh-CN');
    expect(clipped).toContain('  过载         削波：15.0 % 的原始值达到 ADC 满幅，60.00 秒中有 9.00 秒削波；检测结果不可靠（互调、漏检弱信号）：请降低增益重新录制\n');
    expect(clipped).toContain('  非有限值     丢弃 42 个采样（NaN、±Inf）及其所在的帧\n');
    expect(clipped).toContain('中心频率未知（频率为偏移量）');
  });

  it('goes to stdout on a terminal, else to stderr on a terminal, else nowhere', () => {
    const out = { isTTY: true, write: () => true };
    const err = { isTTY: true, write: () => true };
    expect(summaryStream(out, err)).toBe(out);
    expect(summaryStream({ write: () => true }, err)).toBe(err);
    expect(summaryStream({ isTTY: false, write: () => true }, { write: () => true })).toBeNull();
    // --json on a terminal: stdout carries JSON lines only, the words go to stderr (or nowhere)
    expect(summaryStream(out, err, true)).toBe(err);
    expect(summaryStream(out, { write: () => true }, true)).toBeNull();
  });
});

/** Runs the CLI with stdout and stderr on a pseudo-terminal (util-linux `script`); returns what the terminal showed. */
function onTerminal(args: string[]): string {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: REPO, encoding: 'utf8', timeout: 60_000, env: { ...process.env, QUIETBAND_LOG_FORMAT: '' } });
  expect(r.status).toBe(0);
  // the terminal turns \n into \r\n; the progress bar redraws its line (cursor to column 1) and clears it at the end
  return r.stdout.replace(/\r\n/g, '\n').replace(/\x1b\[\d*G/g, '\r').replace(/\x1b(?:\[[0-9;?]*[A-Za-z]|[78])/g, '').replace(/^.*\r/gm, '');
}

/** `quietband replay CAPTURE --log-level warn` with stdout and stderr piped, run once for both tests below. */
let pipedEnglish: SpawnSyncReturns<string> | undefined;
function pipedReplay(): SpawnSyncReturns<string> {
  pipedEnglish ??= spawnSync(process.execPath, [BIN, 'replay', CAPTURE, '--log-level', 'warn'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return pipedEnglish;
}

describe('replay on a terminal and piped (real capture)', () => {
  it('shows a table and ends with the summary on a terminal; piped stdout (or --json on a terminal) is the detection lines and nothing else', () => {
    const args = ['replay', CAPTURE, '--log-level', 'warn'];
    const piped = pipedReplay();
    expect(piped.status).toBe(0);
    const lines = piped.stdout.trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['detection', 'detection']);
    expect(piped.stderr).not.toContain('replay of');
    const again = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(again.stdout).toBe(piped.stdout); // deterministic bytes

    const shown = onTerminal(args);
    // a terminal gets a table, one line per detection, not the JSON lines; --json gives those bytes on a terminal too
    expect(shown.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    expect(shown).toMatch(/^#  start s  centre MHz  bw kHz  duration  pk  excess dB  class     notes\n1    0\.109    434\.0252    0\.98    303 ms   \d  +10\.9  ook \d+ %  ISM 433 MHz\n2    0\.289    433\.9237    9\.28    196 ms   \d  +43\.8  ook \d+ %  ISM 433 MHz\n2 detections: ook 2\npk: packets/m);
    const asJson = onTerminal([...args, '--json', '--no-summary']);
    expect(asJson.split('\n').filter((l) => l.startsWith('{')).join('\n') + '\n').toBe(piped.stdout);
    expect(asJson).not.toContain('start s');
    const summary = shown.slice(shown.indexOf('replay of '));
    expect(summary).toMatch(new RegExp(
      `^replay of ${CAPTURE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n` +
      '  recording    0\\.52 s at 250 kS/s, centre 433\\.920 MHz\\n' +
      '  detections   2\\n' +
      '  overload     none \\(at most \\d+\\.\\d % of raw values at the rails in one block, below the 5 % limit\\)\\n' +
      '  speed        detect pass [\\d.]+ × real time \\(\\d+\\.\\d\\d s\\); whole replay [\\d.]+ × \\(\\d+\\.\\d\\d s: start-up, baseline pass and detect pass\\)\\n$',
    ));
    expect(asJson).not.toContain('replay of'); // --no-summary
  }, 60_000);

  it('--lang zh-CN: the table and the summary in Chinese; the JSON lines unchanged; another language is refused', () => {
    const args = ['replay', CAPTURE, '--log-level', 'warn', '--lang', 'zh-CN'];
    const shown = onTerminal(args);
    expect(shown).toMatch(/^#  开始 秒  中心 MHz  带宽 kHz      时长  包数  超出 dB  类型           备注\n1    0\.109  434\.0252      0\.98  303 毫秒     \d     10\.9  ook 键控 \d+ %  ISM 433 MHz\n2    0\.289  433\.9237      9\.28  196 毫秒     \d     43\.8  ook 键控 \d+ %  ISM 433 MHz\n2 个检测：ook 键控 2\n包数：/m);
    expect(shown).toContain(`回放 ${CAPTURE}\n  记录文件     0.52 秒，采样率 250 kS/s，中心 433.920 MHz\n  检测         2\n`);
    const piped = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(piped.stdout).toBe(pipedReplay().stdout); // the English run's bytes
    const bad = spawnSync(process.execPath, [BIN, 'replay', CAPTURE, '--lang', 'fr'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('quietband: --lang: expected en or zh-CN, got "fr"\n');
  }, 60_000);
});
