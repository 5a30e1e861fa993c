// `quietband replay` on a terminal: one table line per detection (time, centre, bandwidth, duration, excess, class) built
// from the same JSON lines a pipe gets; --json / --table choose against the terminal.
import { describe, expect, it } from 'vitest';
import { classText, detectionDurationText, ReplayTable, replayOutput } from '../../src/cli/replay-table.js';
import type { DetectionLine } from '../../src/cli/replay-line.js';
import type { ReplaySignal } from '../../src/ident/signal-summary.js';
import type { SeverityRaise } from '../../src/alerts/severity-rank.js';

/** A detection line as replay writes it (detectionLine), with `over` fields replaced. */
function line(over: Partial<Omit<DetectionLine, 'signal'>> & { signal?: Partial<ReplaySignal> }): string {
  return JSON.stringify({
    type: 'detection', id: 1, centerHz: 434_025_162, bandwidthHz: 977, lowHz: 434_024_614, highHz: 434_025_591, startS: 0.108544, endS: 0.407296,
    durationMs: 298.752, peakExcessDb: 10.92, peakPowerDbfs: -34.18, paths: ['fast', 'slow'], overload: false, packets: 7, frequencyReference: 'absolute',
    bandLabel: 'ISM 433 MHz', signal: { class: 'ook', confidence: 0.87, reason: 'on-off keyed', band: 'ISM 433 MHz', expected: ['ook', 'fsk', 'carrier'], unexpected: false },
    ...over,
  });
}

describe('replay table', () => {
  it('shows one aligned line per detection in start order, and counts them by class', () => {
    const t = new ReplayTable();
    t.add(line({ id: 2, centerHz: 433_923_658, bandwidthHz: 9277, startS: 0.289024, durationMs: 195.584, packets: 1, peakExcessDb: 43.8, signal: { class: 'ook', confidence: 0.99 } }));
    t.add(JSON.stringify({ type: 'emitter-heard', centerHz: 433_920_000, appearances: 3 }));
    t.add(line({}));
    t.add(line({ id: 3, centerHz: 868_300_000, bandwidthHz: 1_200_000, startS: 12.5, durationMs: 1640, packets: 12, peakExcessDb: 7.04, overload: true, bandLabel: 'SRD 868 MHz', signal: { class: 'nfm', confidence: 0.41, unexpected: true } }));
    expect(t.count).toBe(3);
    expect(t.text()).toBe([
      '#  start s  centre MHz   bw kHz  duration  pk  excess dB  class            notes',
      '1    0.109    434.0252     0.98    299 ms   7       10.9  ook 87 %         ISM 433 MHz',
      '2    0.289    433.9237     9.28    196 ms   1       43.8  ook 99 %         ISM 433 MHz',
      '3   12.500    868.3000  1200.00     1.6 s  12        7.0  nfm? guess 41 %  SRD 868 MHz, unexpected class here, CLIPPED',
      '3 detections: ook 2, nfm 1',
      'pk: packets in one detection (bursts at least 10 ms apart); repeats of a transmission close in time and frequency make one row',
      // a row shows a guess: the legend of its mark, as the web UI's tooltip and the report word it
      '? = guess: confidence below 50 %',
      '',
    ].join('\n'));
  });

  it('zh-CN: Chinese headings, units and notes, columns aligned in terminal columns (a CJK character takes two)', () => {
    const t = new ReplayTable('zh-CN');
    t.add(line({}));
    t.add(line({ id: 3, centerHz: 868_300_000, bandwidthHz: 1_200_000, startS: 12.5, durationMs: 1640, packets: 12, peakExcessDb: 7.04, overload: true, bandLabel: 'SRD 868 MHz', signal: { class: 'unknown', confidence: 0.2, unexpected: true } }));
    expect(t.text()).toBe([
      '#  开始 秒  中心 MHz  带宽 kHz      时长  包数  超出 dB  类型           备注',
      '1    0.109  434.0252      0.98  299 毫秒     7     10.9  ook 键控 87 %  ISM 433 MHz',
      '2   12.500  868.3000   1200.00    1.6 秒    12      7.0  未知           SRD 868 MHz，此频段不应有此类型，削波',
      '2 个检测：ook 键控 1，未知 1',
      '包数：一个检测所含的数据包数（相隔至少 10 毫秒的突发）；时间和频率相近的重复发射合为一行',
      '',
    ].join('\n'));
    // every class has the web page's word beside its code; a guess is marked as everywhere a class is shown
    expect(classText({ class: 'nfm', confidence: 0.41 }, 'zh-CN')).toBe('nfm 窄调频？ 推测 41 %');
    expect(classText({ class: 'tdma-burst' }, 'zh-CN')).toBe('tdma-burst 时隙');
    expect(classText({ class: 'nfm', confidence: 0.41 })).toBe('nfm? guess 41 %');
    // below the class floor: unknown, the closest class a hint (the demo's noise burst)
    expect(classText({ class: 'unknown', closestClass: 'nfm', confidence: 0.05 })).toBe('unknown (closest: nfm, 5 %)');
    expect(classText({ class: 'unknown', closestClass: 'nfm', confidence: 0.05 }, 'zh-CN')).toBe('未知（最接近：nfm 窄调频，5 %）');
    const floored = new ReplayTable();
    floored.add(line({ signal: { class: 'unknown', closestClass: 'nfm', confidence: 0.05 } }));
    expect(floored.text().split('\n').slice(1)).toEqual([
      '1    0.109    434.0252    0.98    299 ms   7       10.9  unknown (closest: nfm, 5 %)  ISM 433 MHz',
      '1 detection: unknown 1',
      'pk: packets in one detection (bursts at least 10 ms apart); repeats of a transmission close in time and frequency make one row',
      'unknown (closest: …) = no class is named below 20 %',
      '',
    ]);
    // a table with a guess ends with the legend of its mark, in Chinese too
    const guessed = new ReplayTable('zh-CN');
    guessed.add(line({ signal: { class: 'fsk', confidence: 0.3 } }));
    expect(guessed.text().split('\n').slice(1)).toEqual([
      '1    0.109  434.0252      0.98  299 毫秒     7     10.9  fsk 频移？ 推测 30 %  ISM 433 MHz',
      '1 个检测：fsk 频移 1',
      '包数：一个检测所含的数据包数（相隔至少 10 毫秒的突发）；时间和频率相近的重复发射合为一行',
      '？ = 推测：置信度低于 50 %',
      '',
    ]);
    expect(new ReplayTable('zh-CN').text()).toBe('无检测结果\n');
    expect(detectionDurationText(0.55, 'zh-CN')).toBe('0.6 毫秒');
  });

  it('marks a row whose alert would be raised (severityRaise) with the reason\'s short words instead of "unexpected class here" (en, zh-CN)', () => {
    const voice: SeverityRaise = { reason: 'nfm in UHF land mobile 400–470 MHz: a voice link', reasonCode: { id: 'raise.voice', params: { class: 'nfm', band: 'UHF land mobile 400–470 MHz' } } };
    const odd: SeverityRaise = { reason: 'nfm is not a class ISM 433 MHz carries', reasonCode: { id: 'raise.unexpected', params: { class: 'nfm', band: 'ISM 433 MHz', expected: 'ook, fsk, carrier' } } };
    for (const [lang, want] of [['en', ['UHF land mobile, ▲ voice link', 'ISM 433 MHz, ▲ unusual for this band']], ['zh-CN', ['UHF land mobile，▲ 语音链路', 'ISM 433 MHz，▲ 调制与频段不符']]] as const) {
      const t = new ReplayTable(lang);
      t.add(line({ centerHz: 450_125_000, bandLabel: 'UHF land mobile', signal: { class: 'nfm', confidence: 0.93, unexpected: false }, severityRaise: voice }));
      t.add(line({ id: 2, startS: 0.5, signal: { class: 'nfm', confidence: 0.9, unexpected: true }, severityRaise: odd }));
      expect(t.text().split('\n').slice(1, 3).map((r) => r.slice(r.indexOf('%') + 1).trim())).toEqual(want);
      expect(t.text().split('\n')[3]).toBe(lang === 'en' ? '2 detections: nfm 2; 2 ranked higher (▲)' : '2 个检测：nfm 窄调频 2；其中 2 个优先级提升（▲）');
    }
  });

  it('numbers the rows 1, 2, 3 in start order, not by the track ids (3, 7, 12: gaps that read as missing detections)', () => {
    const t = new ReplayTable();
    for (const [id, startS] of [[12, 4.0], [3, 0.5], [7, 1.25]] as const) t.add(line({ id, startS }));
    expect(t.text().split('\n').slice(1, 4).map((r) => r.split(/ +/).slice(0, 2).join(' '))).toEqual(['1 0.500', '2 1.250', '3 4.000']);
  });

  it('shows offsets in kHz when the centre is unknown, and says when nothing was detected', () => {
    const t = new ReplayTable();
    t.add(line({ centerHz: -403_400, frequencyReference: 'offset', bandLabel: undefined, signal: { class: 'unknown', confidence: 0 } }));
    t.add(line({ id: 2, startS: 0.2, centerHz: 14_500, frequencyReference: 'offset', bandLabel: undefined, signal: undefined, packets: undefined }));
    const rows = t.text().split('\n');
    expect(rows[0]).toContain('offset kHz');
    expect(rows[1]).toMatch(/^1 +0\.109 +−403\.4 +0\.98 +299 ms +7 +10\.9 +unknown$/);
    expect(rows[2]).toMatch(/^2 +0\.200 +\+14\.5 +0\.98 +299 ms +– +10\.9 +—$/);
    expect(rows[3]).toBe('2 detections: unidentified 1, unknown 1');
    expect(new ReplayTable().text()).toBe('no detections\n');
  });

  it('words durations as the rest of QuietBand does, with tenths below 10 ms', () => {
    expect([0.44, 4.32, 9.94, 9.96, 298.752, 999.4, 1640, 16_000].map((ms) => detectionDurationText(ms))).toEqual(['0.4 ms', '4.3 ms', '9.9 ms', '10 ms', '299 ms', '999 ms', '1.6 s', '16 s']);
    expect(classText({ class: 'fsk', confidence: 0.5 })).toBe('fsk 50 %');
    // just below the threshold: a guess, its percent never the threshold's own 50 %
    expect(classText({ class: 'fsk', confidence: 0.499 })).toBe('fsk? guess 49 %');
    expect(classText(undefined)).toBe('—');
  });

  it('is the default on a terminal; --json and --table override; both is an error', () => {
    expect(replayOutput({}, true)).toBe('table');
    expect(replayOutput({}, false)).toBe('json');
    expect(replayOutput({ json: true }, true)).toBe('json');
    expect(replayOutput({ table: true }, false)).toBe('table');
    expect(() => replayOutput({ json: true, table: true }, true)).toThrow('--json and --table: choose one of them');
  });
});
