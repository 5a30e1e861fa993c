// The times a session was not monitored (daemon down, sensor warm-up), from the run log, and how the report shows them.
import { describe, expect, it } from 'vitest';
import { monitoringGaps } from '../../src/report/monitoring-gaps.js';
import { buildSessionReport, renderReportHtml } from '../../src/report/session-report.js';
import type { Alert } from '../../src/alerts/alert.js';
import type { RunRecord, RunSensor } from '../../src/report/run-log.js';

const sensor = (name: string): RunSensor => ({ name, centerHz: 433_920_000, rateSps: 1_000_000, source: 'sim', baselinePath: `/cal/${name}.json` });
const SENSORS = [sensor('hall-a-433'), sensor('hall-b-868')];
const start = (time: string): RunRecord => ({ event: 'start', time, pid: 1, heartbeatMs: 10_000, sensors: SENSORS });
const armed = (time: string, s: string): RunRecord => ({ event: 'armed', time, sensor: s });
const T = (hms: string): string => `2026-12-07T${hms}.000Z`;
const ms = (hms: string): number => Date.parse(T(hms));
// the trial of issue 16: SIGINT at 20:40:28, restart 20:41:16; SIGTERM at 20:51:16, restart 10 s later; 10 s warm-ups
const TRIAL: RunRecord[] = [
  start(T('20:30:00')), armed(T('20:30:10'), 'hall-a-433'), armed(T('20:30:10'), 'hall-b-868'),
  { event: 'stop', time: T('20:40:28'), reason: 'SIGINT' },
  start(T('20:41:16')), armed(T('20:41:26'), 'hall-a-433'), armed(T('20:41:26'), 'hall-b-868'),
  { event: 'stop', time: T('20:51:16'), reason: 'SIGTERM' },
  start(T('20:51:26')), armed(T('20:51:36'), 'hall-a-433'), armed(T('20:51:37'), 'hall-b-868'),
];

describe('monitoringGaps', () => {
  it('the trial: two daemon stops (48 s, 10 s) and the four warm-ups after them, 79 s unmonitored; the first run\'s warm-up is before the window', () => {
    const s = monitoringGaps(TRIAL, { startMs: ms('20:35:00'), endMs: ms('21:00:00') }, ms('21:10:00'));
    expect(s.gaps).toEqual([
      { kind: 'down', fromMs: ms('20:40:28'), toMs: ms('20:41:16'), reason: 'SIGINT', restarted: true },
      { kind: 'warmup', sensor: 'hall-a-433', fromMs: ms('20:41:16'), toMs: ms('20:41:26') },
      { kind: 'warmup', sensor: 'hall-b-868', fromMs: ms('20:41:16'), toMs: ms('20:41:26') },
      { kind: 'down', fromMs: ms('20:51:16'), toMs: ms('20:51:26'), reason: 'SIGTERM', restarted: true },
      { kind: 'warmup', sensor: 'hall-a-433', fromMs: ms('20:51:26'), toMs: ms('20:51:36') },
      { kind: 'warmup', sensor: 'hall-b-868', fromMs: ms('20:51:26'), toMs: ms('20:51:37') },
    ]);
    expect(s.unmonitoredS).toBe(48 + 10 + 10 + 11);
    expect([s.downs, s.warmups]).toEqual([2, 4]);
  });

  it('a crash dated by its heartbeat, a daemon still down at the window\'s end, a sensor that never armed', () => {
    const runs: RunRecord[] = [
      start(T('09:00:00')), armed(T('09:00:10'), 'hall-a-433'),
      { event: 'stop', time: T('09:20:00'), reason: 'unclean', lastSign: 'heartbeat', resolutionMs: 10_000, recordedAt: T('09:25:00') },
      start(T('09:25:00')), armed(T('09:25:10'), 'hall-a-433'), armed(T('09:25:10'), 'hall-b-868'),
      { event: 'stop', time: T('10:50:00'), reason: 'SIGTERM' },
    ];
    const s = monitoringGaps(runs, { startMs: ms('09:00:00'), endMs: ms('11:00:00') }, ms('12:00:00'));
    expect(s.gaps).toEqual([
      { kind: 'warmup', sensor: 'hall-a-433', fromMs: ms('09:00:00'), toMs: ms('09:00:10') },
      { kind: 'warmup', sensor: 'hall-b-868', fromMs: ms('09:00:00'), toMs: ms('09:20:00') }, // never armed in that run
      { kind: 'down', fromMs: ms('09:20:00'), toMs: ms('09:25:00'), reason: 'unclean', lastSign: 'heartbeat', resolutionMs: 10_000, restarted: true },
      { kind: 'warmup', sensor: 'hall-a-433', fromMs: ms('09:25:00'), toMs: ms('09:25:10') },
      { kind: 'warmup', sensor: 'hall-b-868', fromMs: ms('09:25:00'), toMs: ms('09:25:10') },
      { kind: 'down', fromMs: ms('10:50:00'), toMs: ms('11:00:00'), reason: 'SIGTERM', restarted: false },
    ]);
    expect(s.unmonitoredS).toBe(25 * 60 + 10 + 10 * 60);
  });
});

describe('session report: times not monitored', () => {
  const base = { site: 'demo', state: 'new', severity: 'high', session: 'Demo', kind: 'transmission', sensor: 'hall-a-433' } as const;
  const records = [
    { ...base, seq: 1, alertId: 'demo-1', event: 'open', time: T('20:35:00'), startTime: T('20:35:00') },
    { ...base, seq: 2, alertId: 'demo-1', event: 'close', time: T('20:59:00'), endTime: T('20:59:00') },
  ] as Alert[];

  it('lists the daemon stops and warm-ups in the summary and their table, in English and Chinese', async () => {
    const r = await buildSessionReport({ session: 'Demo', records, runs: TRIAL, timeZone: 'UTC', nowMs: ms('21:10:00') });
    const en = renderReportHtml(r, 'en');
    expect(en).toContain('<span id="unmonitored">Not monitored: 1 min 19 s in all (daemon down 2 times, sensor warm-up 4 times).</span>');
    expect(en).toContain('<h2>Not monitored</h2>');
    expect(en).toContain('<tr data-kind="down"><td>Daemon not running</td><td>all</td><td>2026-12-07 20:40:28</td><td>2026-12-07 20:41:16</td><td>48 s</td><td>stopped by SIGINT</td></tr>');
    expect(en).toContain('<tr data-kind="warmup"><td>Sensor warm-up (learning its baseline: no detection)</td><td>hall-b-868</td><td>2026-12-07 20:51:26</td><td>2026-12-07 20:51:37</td><td>11 s</td><td></td></tr>');
    const zh = renderReportHtml(r, 'zh-CN');
    expect(zh).toContain('<span id="unmonitored">无监测共 1 分 19 秒（守护进程停止 2 次，传感器预热 4 次）。</span>');
    expect(zh).toContain('<tr data-kind="down"><td>守护进程未运行</td><td>全部</td><td>2026-12-07 20:51:16</td><td>2026-12-07 20:51:26</td><td>10 秒</td><td>收到 SIGTERM 后停止</td></tr>');
    expect(zh).toContain('<td>传感器预热（学习基线，不检测）</td><td>hall-a-433</td>');
  });

  it('a range that starts at the first alert, after the daemon start: the first warm-up clipped to it, no "0 s" row', async () => {
    // hall-a armed at 20:30:10 and its first alert starts 200 ms before that record (the detection's own start);
    // hall-b learns until 20:30:40. The range (from the alerts) starts at 20:30:09.8, 9.8 s after the daemon start.
    const runs: RunRecord[] = [start(T('20:30:00')), armed(T('20:30:10'), 'hall-a-433'), armed(T('20:30:40'), 'hall-b-868')];
    const first = [
      { ...base, seq: 1, alertId: 'demo-1', event: 'open', time: T('20:30:10'), startTime: '2026-12-07T20:30:09.800Z' },
      { ...base, seq: 2, alertId: 'demo-1', event: 'close', time: T('20:50:00'), endTime: T('20:50:00') },
    ] as Alert[];
    const r = await buildSessionReport({ session: 'Demo', records: first, runs, timeZone: 'UTC', nowMs: ms('21:00:00') });
    expect(r.windowFrom).toBe('alerts');
    expect(r.monitoring!.gaps).toEqual([{ kind: 'warmup', sensor: 'hall-b-868', fromMs: Date.parse('2026-12-07T20:30:09.800Z'), toMs: ms('20:30:40') }]);
    expect([r.monitoring!.unmonitoredS, r.monitoring!.warmups]).toEqual([30.2, 1]);
    const en = renderReportHtml(r, 'en');
    expect(en).toContain('<span id="unmonitored">Not monitored: 30 s in all (daemon down 0 times, sensor warm-up 1 time).</span>');
    expect(en).toContain('<td>hall-b-868</td><td>2026-12-07 20:30:09</td><td>2026-12-07 20:30:40</td><td>30 s</td>');
    expect(en).not.toContain('<td>0 s</td>'); // hall-a's 200 ms left in the range was a "0 s" row and a count
  });

  it('a crash is worded with its resolution; a data dir without a run log says it was not recorded', async () => {
    const crash: RunRecord[] = [start(T('20:30:00')), { event: 'stop', time: T('20:40:00'), reason: 'unclean', lastSign: 'heartbeat', resolutionMs: 10_000, recordedAt: T('20:45:00') }, start(T('20:45:00'))];
    const r = await buildSessionReport({ session: 'Demo', records, runs: crash, timeZone: 'UTC', nowMs: ms('21:10:00') });
    expect(renderReportHtml(r, 'en')).toContain('<td>5 min</td><td>ended without stopping (crash, kill or power cut); from its last heartbeat, ended up to 10 s later</td>');
    expect(renderReportHtml(r, 'zh-CN')).toContain('<td>5 分</td><td>未经停止而结束（崩溃、被强制结束或断电）；自最后一次心跳起，实际结束最多晚 10 秒</td>');
    const old = await buildSessionReport({ session: 'Demo', records, timeZone: 'UTC' });
    expect(old.monitoring).toBeUndefined();
    expect(renderReportHtml(old, 'en')).toContain('<p id="monitoring">Not recorded (no run log: the alerts were written by an older daemon, or this report comes from a hub).</p>');
  });
});
