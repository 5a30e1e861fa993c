// The session report's "not monitored" part (src/report/monitoring-gaps.ts) in HTML: its summary sentence and its
// section, in English and Simplified Chinese.
import { pluralWord, type TextLang } from '../text-template.js';
import type { MonitoringGap, MonitoringSummary } from './monitoring-gaps.js';
import { durationText, esc, num } from './report-format.js';

/** The section's words per language; values are HTML (no markup characters in them). */
const MONITORING_TEXT = {
  en: {
    title: 'Not monitored', none: 'None: the daemon ran and every sensor was armed throughout.',
    unknown: 'Not recorded (no run log: the alerts were written by an older daemon, or this report comes from a hub).',
    summary: (s: MonitoringSummary) => `Not monitored: ${durationText('en', s.unmonitoredS)} in all (daemon down ${s.downs} ${pluralWord('en', s.downs, 'time', 'times')}, sensor warm-up ${s.warmups} ${pluralWord('en', s.warmups, 'time', 'times')}).`,
    what: 'What', sensor: 'Sensor', from: 'From', to: 'To', duration: 'Duration', note: 'Note', allSensors: 'all', semi: '; ',
    down: 'Daemon not running', warmup: 'Sensor warm-up (learning its baseline: no detection)',
    stoppedBy: (reason: string) => (reason === 'stopped' ? 'stopped' : `stopped by ${reason}`),
    crashed: 'ended without stopping (crash, kill or power cut)',
    since: { heartbeat: (s: string) => `from its last heartbeat, ended up to ${s} s later`, 'alert-store': "from the alert store's last write: it may have run longer", start: 'from its start: no later sign of life' },
    notRestarted: 'not restarted before the end of the report',
  },
  'zh-CN': {
    title: '无监测时段', none: '无：守护进程一直运行，各传感器始终处于检测状态。',
    unknown: '未记录（没有运行日志：告警由旧版守护进程写入，或本报告来自中心）。',
    summary: (s: MonitoringSummary) => `无监测共 ${durationText('zh-CN', s.unmonitoredS)}（守护进程停止 ${s.downs} 次，传感器预热 ${s.warmups} 次）。`,
    what: '类型', sensor: '传感器', from: '开始', to: '结束', duration: '持续时间', note: '备注', allSensors: '全部', semi: '；',
    down: '守护进程未运行', warmup: '传感器预热（学习基线，不检测）',
    stoppedBy: (reason: string) => (reason === 'stopped' ? '已停止' : `收到 ${reason} 后停止`),
    crashed: '未经停止而结束（崩溃、被强制结束或断电）',
    since: { heartbeat: (s: string) => `自最后一次心跳起，实际结束最多晚 ${s} 秒`, 'alert-store': '自告警存储最后一次写入起：实际可能运行得更久', start: '自启动起：之后没有运行迹象' },
    notRestarted: '报告结束前未重新启动',
  },
} satisfies Record<TextLang, unknown>;

/** The summary's sentence: `Not monitored: 1 min 19 s in all (daemon down 2 times, sensor warm-up 4 times).` */
export function monitoringSummaryText(lang: TextLang, m: MonitoringSummary): string {
  return MONITORING_TEXT[lang].summary(m);
}

/** A gap's note: how the daemon stopped (the signal, or a crash dated by its last sign of life), and when not restarted. */
function gapNote(lang: TextLang, g: MonitoringGap): string {
  const L = MONITORING_TEXT[lang];
  if (g.kind === 'warmup') return '';
  const parts = [g.reason === 'unclean' ? L.crashed : L.stoppedBy(g.reason)];
  if (g.reason === 'unclean' && g.lastSign !== undefined) parts.push(g.lastSign === 'heartbeat' ? L.since.heartbeat(num(g.resolutionMs, (x) => (x / 1000).toFixed(0))) : L.since[g.lastSign]);
  if (!g.restarted) parts.push(L.notRestarted);
  return parts.join(L.semi);
}

/**
 * The "not monitored" section: its heading, then a table of the gaps (`#monitoring`, a row `data-kind` down|warmup:
 * what, sensor, from, to — '—' for a daemon not restarted —, duration, note), "none" without gaps, "not recorded"
 * without a run log (`m` undefined). `time` formats an ISO time in the report's zone (HTML).
 */
export function monitoringSectionHtml(m: MonitoringSummary | undefined, lang: TextLang, time: (iso: string) => string): string {
  const L = MONITORING_TEXT[lang];
  const at = (ms: number): string => time(new Date(ms).toISOString());
  const rows = (m?.gaps ?? [])
    .map((g) => `<tr data-kind="${g.kind}"><td>${g.kind === 'down' ? L.down : L.warmup}</td><td>${g.kind === 'down' ? L.allSensors : esc(g.sensor)}</td><td>${at(g.fromMs)}</td><td>${g.kind === 'down' && !g.restarted ? '—' : at(g.toMs)}</td><td>${esc(durationText(lang, (g.toMs - g.fromMs) / 1000))}</td><td>${esc(gapNote(lang, g))}</td></tr>`)
    .join('\n');
  const body = m === undefined
    ? `<p id="monitoring">${L.unknown}</p>`
    : rows === '' ? `<p id="monitoring">${L.none}</p>`
      : `<div class="scroll"><table id="monitoring"><tr><th>${L.what}</th><th>${L.sensor}</th><th>${L.from}</th><th>${L.to}</th><th>${L.duration}</th><th>${L.note}</th></tr>\n${rows}\n</table></div>`;
  return `<h2>${L.title}</h2>\n${body}`;
}
