// Session report: transmissions counted per signal class (latest identification of each alert), and each alert's class.
import { describe, expect, it } from 'vitest';
import { buildSessionReport, renderReportHtml } from '../../src/report/session-report.js';
import { codedReason } from '../../src/server/message-text.js';
import type { Alert, AlertSignal } from '../../src/server/protocol.js';

const T0 = Date.parse('2026-06-07T01:00:00Z');
const iso = (s: number): string => new Date(T0 + s * 1000).toISOString();
const sig = (cls: AlertSignal['class'], final: boolean): AlertSignal => ({ class: cls, confidence: 0.9, final, reason: `${cls} because` });
let seq = 0;
const rec = (alertId: string, event: Alert['event'], s: number, extra: Partial<Alert> = {}): Alert =>
  ({ seq: ++seq, alertId, site: 'hall-s', sensor: 'room-1', kind: 'transmission', event, state: 'new', severity: 'high', time: iso(s), startTime: iso(0), session: 'maths', ...extra });

const RECORDS: Alert[] = [
  rec('a1', 'open', 1), rec('a1', 'update', 2, { signal: sig('ook', false) }), rec('a1', 'close', 3, { signal: sig('ook', true) }),
  // first said fsk, the final identification ook: counted once, as ook
  rec('a2', 'open', 4), rec('a2', 'update', 5, { signal: sig('fsk', false) }), rec('a2', 'close', 6, { signal: sig('ook', true) }),
  rec('a3', 'open', 7), rec('a3', 'close', 8, { signal: sig('nfm', true) }),
  rec('a4', 'open', 9), rec('a4', 'close', 10), // never identified
  rec('a5', 'open', 11, { kind: 'sensor-offline' }),
];

describe('session report: signal classes', () => {
  it('counts transmissions per latest class (unidentified apart) and names each alert\'s class, in English and Chinese', async () => {
    const r = await buildSessionReport({ session: 'maths', records: RECORDS, timeZone: 'UTC', nowMs: T0 + 60_000 });
    expect(r.counts.transmissions).toBe(4);
    expect(r.classes).toEqual([{ class: 'ook', count: 2 }, { class: 'nfm', count: 1 }, { class: 'unidentified', count: 1 }]);
    expect(r.alerts.find((a) => a.alertId === 'a2')!.signal).toEqual({ class: 'ook', confidence: 0.9, reason: 'ook because' });
    expect(r.alerts.find((a) => a.alertId === 'a4')!.signal).toBeUndefined();
    const en = renderReportHtml(r, 'en');
    expect(en).toContain('<p id="classes">Transmissions by signal type: <span data-class="ook">OOK 2</span>, <span data-class="nfm">NFM 1</span>, <span data-class="unidentified">not identified 1</span></p>');
    expect(en).toContain('<b class="signal-class">NFM</b> (90 %) — nfm because');
    const zh = renderReportHtml(r, 'zh-CN');
    expect(zh).toContain('按信号类型统计的发射告警：<span data-class="ook">键控 2</span>，<span data-class="nfm">窄调频 1</span>，<span data-class="unidentified">未识别 1</span>');
  });

  it('marks a class below LOW_CONFIDENCE as a guess as everywhere a class is shown (nfm?, guess 41 %), in English and Chinese', async () => {
    const records: Alert[] = [
      rec('g1', 'open', 1), rec('g1', 'close', 2, { signal: { ...sig('nfm', true), confidence: 0.41 } }),
      rec('g2', 'open', 3), rec('g2', 'close', 4, { signal: { ...sig('fsk', true), confidence: 0.5 } }),
    ];
    const r = await buildSessionReport({ session: 'maths', records, timeZone: 'UTC', nowMs: T0 + 60_000 });
    const en = renderReportHtml(r, 'en');
    expect(en).toContain('<b class="signal-class guess">NFM?</b> (guess 41 %: confidence below 50 %) — nfm because');
    expect(en).toContain('<b class="signal-class">FSK</b> (50 %) — fsk because');
    const zh = renderReportHtml(r, 'zh-CN');
    expect(zh).toContain('<b class="signal-class guess">窄调频？</b>（推测 41 %：置信度低于 50 %）');
    expect(zh).toContain('<b class="signal-class">频移</b>（50 %）');
  });

  it('shows a class below the class floor as unknown with the closest class, and counts it as unknown (en and zh)', async () => {
    // the demo's noise burst at 868.26 MHz: NFM at 5 %, flagged nothing (unknown is never unexpected)
    const floored: AlertSignal = { class: 'unknown', closestClass: 'nfm', confidence: 0.05, final: true, reason: 'nfm because', band: 'SRD 868 MHz', expected: ['fsk', 'ook', 'wideband-digital', 'carrier'], unexpected: false };
    const records: Alert[] = [rec('u1', 'open', 1), rec('u1', 'close', 2, { signal: floored })];
    const r = await buildSessionReport({ session: 'maths', records, timeZone: 'UTC', nowMs: T0 + 60_000 });
    expect(r.classes).toEqual([{ class: 'unknown', count: 1 }]);
    const en = renderReportHtml(r, 'en');
    expect(en).toContain('<b class="signal-class closest">unknown</b> (closest: NFM, 5 %; no class is named below 20 %) — nfm because');
    expect(en).not.toContain('Band check');
    const zh = renderReportHtml(r, 'zh-CN');
    // full-width brackets beside the Chinese words, as every aside of the Chinese report (was ' (最接近…)')
    expect(zh).toContain('<b class="signal-class closest">未知</b>（最接近：窄调频，5 %；置信度低于 20 % 时不给出类别）');
    expect(zh.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, '')).not.toMatch(/[\u4e00-\u9fff] ?[(:[\]]|[):[\]] ?[\u4e00-\u9fff]/);
  });

  it('says why an unexpected class did not rank the alert higher: its confidence is a guess\'s (en and zh)', async () => {
    const band: Pick<AlertSignal, 'band' | 'expected' | 'unexpected'> = { band: 'SRD 868 MHz', expected: ['fsk', 'ook', 'wideband-digital', 'carrier'], unexpected: true };
    const records: Alert[] = [
      rec('n1', 'open', 1), rec('n1', 'close', 2, { signal: { ...sig('nfm', true), confidence: 0.41, ...band } }),
      // a confident one raised: its own "Ranked higher" row, no band-check row
      rec('n2', 'open', 3), rec('n2', 'close', 4, { signal: { ...sig('nfm', true), confidence: 0.93, ...band }, severityRaise: { reason: 'NFM is not a class SRD 868 MHz carries', reasonCode: { id: 'raise.unexpected', params: { class: 'nfm', band: 'SRD 868 MHz', expected: 'fsk, ook, wideband-digital, carrier' } } } }),
    ];
    const r = await buildSessionReport({ session: 'maths', records, timeZone: 'UTC', nowMs: T0 + 60_000 });
    const en = renderReportHtml(r, 'en');
    expect(en).toContain('<tr><th>Band check</th><td colspan="3" class="not-raised">Not expected in SRD 868 MHz (expected: FSK, OOK, DIGI, CW); not ranked higher: confidence 41 % is below 50 %</td></tr>');
    expect(en.match(/class="not-raised"/g)?.length).toBe(1);
    const zh = renderReportHtml(r, 'zh-CN');
    expect(zh).toContain('<tr><th>频段核对</th><td colspan="3" class="not-raised">SRD 868 MHz 中不应出现（预期：频移、键控、数字、载波）；未提升优先级：置信度 41 % 低于 50 %</td></tr>');
  });

  it('words the reason from its code in the report\'s language and marks speech heard live (kept from the update that found it)', async () => {
    const nfm: AlertSignal = { class: 'nfm', confidence: 0.93, final: false, ...codedReason('ident.nfm', { k: '0.03', limit: 0.55, bw: '11.2 kHz', dev: '2.9 kHz' }) };
    const records: Alert[] = [
      rec('s1', 'open', 1), rec('s1', 'update', 2, { signal: nfm }), rec('s1', 'update', 3, { signal: { ...nfm, speechPresent: true, voice: 'speech heard while listening live' } }),
      rec('s1', 'close', 4, { signal: { ...nfm, final: true, speechPresent: true } }),
    ];
    const r = await buildSessionReport({ session: 'maths', records, timeZone: 'UTC', nowMs: T0 + 60_000 });
    const en = renderReportHtml(r, 'en');
    expect(en).toContain('<b class="signal-class">NFM</b> (93 %) · <b class="speech">speech heard</b> — narrow FM: constant envelope (kurtosis 0.03), 99 % bandwidth 11.2 kHz, deviation ≈ 2.9 kHz');
    const zh = renderReportHtml(r, 'zh-CN');
    expect(zh).toContain('（93 %） · <b class="speech">检测到语音</b> — 窄带调频：包络恒定（峭度 0.03），99 % 带宽 11.2 kHz，频偏约 2.9 kHz');
  });
});
