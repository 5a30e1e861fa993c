// Session report in Simplified Chinese (`/report?…&lang=zh-CN`, the web UI's language): every label, kind, severity,
// state and coded server note in Chinese; names, ids and units as recorded.
import { describe, expect, it } from 'vitest';
import { buildSessionReport, renderReportHtml, reportLang } from '../../src/report/session-report.js';
import type { Alert } from '../../src/server/protocol.js';

const base = { site: 'hall-z', state: 'new', severity: 'high', session: '数学' } as const;
const RECORDS: Alert[] = [
  { ...base, seq: 1, alertId: 'hall-z-1', sensor: 'room-2', kind: 'sensor-offline', event: 'open', time: '2026-06-07T01:05:00.000Z', message: 'sensor room-2 (rtl=0) stopped delivering: no data for 2.1 s', messageCode: { id: 'offline.noData', params: { sensor: 'room-2', source: 'rtl=0', ms: 2100 } } },
  { ...base, seq: 2, alertId: 'hall-z-1', sensor: 'room-2', kind: 'sensor-offline', event: 'close', time: '2026-06-07T01:06:00.000Z', message: 'data flows again', messageCode: { id: 'online.again' } },
  { ...base, seq: 3, alertId: 'hall-z-2', sensor: 'room-1', kind: 'transmission', event: 'open', time: '2026-06-07T01:10:00.000Z', startTime: '2026-06-07T01:10:00.000Z', centerHz: 433_980_000, bandwidthHz: 12_000, peakExcessDb: 25.3, bandLabel: 'ISM 433 MHz',
    rooms: [{ room: 'Room 101', sensor: 'room-1', excessDb: 25.3 }, { room: 'Room 102', sensor: 'room-2', excessDb: 12.1 }], groupId: 'hall-z-2', positionM: { xM: 2.5, yM: 3 } },
  { ...base, seq: 4, alertId: 'hall-z-2', sensor: 'room-1', kind: 'transmission', event: 'close', time: '2026-06-07T01:10:05.000Z', endTime: '2026-06-07T01:10:05.000Z' },
  { ...base, seq: 5, alertId: 'hall-z-2', sensor: 'room-1', kind: 'transmission', event: 'ack', time: '2026-06-07T01:11:00.000Z', state: 'acknowledged', ackBy: '王老师 (local@127.0.0.1)' },
  { ...base, seq: 6, alertId: 'hall-z-3', sensor: 'room-1', kind: 'transmission', event: 'open', time: '2026-06-07T02:00:00.000Z', startTime: '2026-06-07T02:00:00.000Z', centerHz: 470_500_000 },
];

async function report(lang: 'en' | 'zh-CN'): Promise<string> {
  const r = await buildSessionReport({ records: RECORDS, session: '数学', site: 'hall-z', timeZone: 'Asia/Shanghai', nowMs: Date.parse('2026-06-07T03:00:00Z'), sensors: [{ name: 'room-1', room: 'Room 101', centerHz: 433_920_000, rateSps: 250_000, source: 'rtl=0' }, { name: 'room-2', room: 'Room 102', centerHz: 433_920_000, rateSps: 250_000, source: 'rtl=1' }] });
  return renderReportHtml(r, lang);
}

describe('session report in zh-CN', () => {
  it('words every label, kind, severity, state and coded note in Chinese; no English words but names, ids and units', async () => {
    const html = await report('zh-CN');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<h1>QuietBand 考试场次报告</h1>');
    expect(html).toContain('无线发射告警 2 条，其中高级别 2 条；已确认 1 条，标记为已知 0 条，未确认 1 条；传感器中断 1 次。');
    expect(html).toContain('1. 无线发射 — room-1 — 2026-06-07 09:10:00');
    expect(html).toContain('<td>高 / 已确认</td>');
    // the unacknowledged alert in the page's and the terminal's word (src/text-template.ts ALERT_STATE_WORDS)
    expect(html).toContain('<td>高 / 未确认</td>');
    // the daemon's identity word in Chinese (was "local@127.0.0.1")
    expect(html).toContain('由 <b>王老师（本机@127.0.0.1）</b> 于 2026-06-07 09:11:00 确认');
    expect(html).toContain('<td>5.0 秒</td>');
    // brackets and separators full-width, as in every Chinese text (the English page keeps ' (…; …)')
    expect(html).toContain('<td>433.9800 MHz（ISM 433 MHz）</td>');
    expect(html).toContain('<td>2026-06-07 09:05:00 – 2026-06-07 10:00:00（Asia/Shanghai；按本场次的告警）</td>');
    // and no Latin colon beside a Chinese word either (the terminal's lines hold to the same rule)
    expect(html).not.toMatch(/[\u4e00-\u9fff] ?[(:[\]]|[):[\]] ?[\u4e00-\u9fff]/);
    expect(html).toContain('<b>Room 101</b>（room-1） 25.3 dB — 最近');
    expect(html).toContain('估计位置：x 2.5 m，y 3.0 m（各传感器的加权质心）');
    expect(html).toContain('<td>room-2</td><td>2026-06-07 09:05:00</td><td>2026-06-07 09:06:00</td><td>60 秒</td><td>传感器 room-2（rtl=0）停止输出数据：已 2.1 秒无数据 → 数据已恢复</td>');
    // visible text without tags, names and ids: only allowed Latin words remain
    const text = html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]+>/g, ' ');
    let rest = text;
    for (const d of ['hall-z-1', 'hall-z-2', 'hall-z-3', 'hall-z', 'room-1', 'room-2', 'Room 101', 'Room 102', 'Asia/Shanghai', 'ISM 433 MHz', '127.0.0.1', 'rtl=0', 'rtl=1', 'QuietBand']) rest = rest.split(d).join(' ');
    const words = (rest.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !['MHz', 'kHz', 'kS', 'dB'].includes(w));
    expect(words).toEqual([]);
  });

  it("a Chinese note whose text leaves out the daemon's English words (an unclassified source error) keeps them after it, marked as the original", async () => {
    const messageCode = { id: 'offline.sourceError', params: { sensor: 'room-3', source: 'rtl=2', detail: 'usb_claim_interface error -6', ms: 800, cause: 'source.io' } } as const;
    const message = 'sensor room-3 (rtl=2) stopped delivering: usb_claim_interface error -6; reopening in 800 ms';
    const records: Alert[] = [
      { ...base, seq: 1, alertId: 'hall-z-9', sensor: 'room-3', kind: 'sensor-offline', event: 'open', time: '2026-06-07T01:05:00.000Z', message, messageCode },
      { ...base, seq: 2, alertId: 'hall-z-9', sensor: 'room-3', kind: 'sensor-offline', event: 'close', time: '2026-06-07T01:06:00.000Z', message: 'data flows again', messageCode: { id: 'online.again' } },
    ];
    const r = await buildSessionReport({ records, session: '数学', site: 'hall-z', timeZone: 'Asia/Shanghai', nowMs: Date.parse('2026-06-07T03:00:00Z'), sensors: [] });
    expect(renderReportHtml(r, 'zh-CN')).toContain(
      '<td>传感器 room-3（rtl=2）停止输出数据：读取信号源出错：请查看详情（守护进程的原文），检查信号源及其连接；800 毫秒后重试（守护进程原文：usb_claim_interface error -6） → 数据已恢复</td>',
    );
    expect(renderReportHtml(r, 'en')).toContain(`<td>${message} → data flows again</td>`);
  });

  it('an acknowledgement from before acks took a name reads unsigned with its address, in either language; the record is kept', async () => {
    const old: Alert = { ...RECORDS[4]!, ackBy: 'supervisor@127.0.0.1:59262' };
    const noName: Alert = { ...RECORDS[4]!, seq: 7, ackBy: 'supervisor (local@127.0.0.1)' };
    const records = [...RECORDS.slice(0, 4), old, noName];
    const r = await buildSessionReport({ records, session: '数学', site: 'hall-z', timeZone: 'Asia/Shanghai', nowMs: Date.parse('2026-06-07T03:00:00Z'), sensors: [] });
    const zh = renderReportHtml(r, 'zh-CN');
    expect(zh).toContain('由 <b>未署名（127.0.0.1）</b> 于 2026-06-07 09:11:00 确认');
    // the daemon's placeholder for "no name given" reads the same word (was "supervisor（本机@127.0.0.1）")
    expect(zh).toContain('由 <b>未署名（本机@127.0.0.1）</b> 于 2026-06-07 09:11:00 确认');
    expect(zh).not.toContain('supervisor');
    const en = renderReportHtml(r, 'en');
    expect(en).toContain('acknowledged by <b>unsigned (127.0.0.1)</b> at 2026-06-07 09:11:00');
    expect(en).toContain('acknowledged by <b>unsigned (local@127.0.0.1)</b> at 2026-06-07 09:11:00');
    expect(en).not.toContain('supervisor');
    expect(old.ackBy).toBe('supervisor@127.0.0.1:59262');
  });

  it('stays English by default and for any other lang value; the notes read as recorded', async () => {
    expect([reportLang(null), reportLang('en'), reportLang('fr'), reportLang('zh'), reportLang('zh-CN')]).toEqual(['en', 'en', 'en', 'zh-CN', 'zh-CN']);
    const html = await report('en');
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('2 transmission alerts, 2 high severity; 1 acknowledged, 0 marked known, 1 not acknowledged; 1 sensor outage.');
    expect(html).toContain('<td>sensor room-2 (rtl=0) stopped delivering: no data for 2.1 s → data flows again</td>');
    expect(html).toContain('<td>high / acknowledged</td>');
    expect(html).toContain('<td>high / unacknowledged</td>');
  });
});
