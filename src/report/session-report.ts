// Session report for the record: alerts, acknowledgements and sensor outages of one exam session, as printable HTML.
import { CLIP_FIGURE_CSS, clipFigureHtml, type ClipExtent } from '../evidence/clip-axes.js';
import { clipFileExtent, clipPictureDataUrl, type PictureDrawer } from '../evidence/clip-picture-files.js';
import { cliError } from '../error-text.js';
import { alertMessageIn, codeDetail, type TextLang } from '../server/message-text.js';
import { ackByText, ALERT_STATE_WORDS, closestClassOf, closestText, EN_CLASS_WORDS, guessNote, isGuess, markedClass, notRaisedNote, pluralWord, ZH_CLASS_WORDS } from '../text-template.js';
import { sessionNamesText } from './alert-records.js';
import { endMsOf, sessionAlertRecords, sessionWindow, startMsOf } from './session-window.js';
import type { Alert, AlertMessageCode, AlertSignal } from '../alerts/alert.js';
import type { RunRecord } from './run-log.js';
import { monitoringGaps, type MonitoringSummary } from './monitoring-gaps.js';
import { monitoringSectionHtml, monitoringSummaryText } from './monitoring-html.js';
import { esc, localTime, num } from './report-format.js';

export { readAlertRecords } from './alert-records.js';
export { durationText, esc, localTime } from './report-format.js';

/** A sensor as the report lists it. */
export interface ReportSensor {
  name: string;
  centerHz: number;
  rateSps: number;
  source: string;
  room?: string;
  /** Creation time of its stored baseline (ISO) and its age at the session start (h); absent without a baseline file. */
  baselineCreatedAt?: string;
  baselineAgeH?: number;
  /** True when the baseline file was looked for (a config was given): "none stored" instead of "—". */
  baselineChecked?: boolean;
}

/** One ranked room of a grouped transmission (Alert.rooms): its strongest sensor and that sensor's excess (dB). */
export interface ReportRoom {
  room: string;
  sensor: string;
  excessDb: number;
}

/** One alert of the session: its records folded together. */
export interface ReportAlert {
  alertId: string;
  sensor: string;
  kind: Alert['kind'];
  severity: Alert['severity'];
  /** State after the last record. */
  state: Alert['state'];
  /** Time of the first record, start and end of the transmission/outage (ISO; end absent while open). */
  firstTime: string;
  startTime: string;
  endTime?: string;
  durationS?: number;
  centerHz?: number;
  bandwidthHz?: number;
  peakExcessDb?: number;
  bandLabel?: string;
  /** Notes of the open/update/close records, joined by ' → '. */
  message?: string;
  /** The same notes one by one with their message codes (translated in a zh-CN report; src/server/message-text.ts). */
  notes?: { message: string; code?: AlertMessageCode }[];
  /** Acknowledgements and "known" marks in order: who and when. */
  acks: { event: 'ack' | 'known'; by: string; time: string }[];
  /** PNG spectrogram of the evidence clip as a data: URL, when the picture exists. */
  pictureDataUrl?: string;
  /** The picture's band and duration from its clip's files (its axes); absent when the clip's files are unreadable. */
  pictureExtent?: ClipExtent;
  clip?: string;
  /**
   * "Which room" of a transmission several located sensors saw: the ranked rooms (nearest = strongest excess first,
   * dB over each sensor's own baseline), the shared group id and the weighted-centroid position (m) when computed —
   * from the newest record of its group (every sensor's final excess), else its own latest record carrying rooms.
   * Absent for a transmission only one located sensor saw.
   */
  rooms?: ReportRoom[];
  groupId?: string;
  positionM?: { xM: number; yM: number };
  /**
   * Transmissions: the sensor's latest identification (class, confidence, reason; docs/identification.md): the closest
   * class when it names none (below the class floor, §5a), and its band's verdict when the band does not expect the class.
   */
  signal?: FieldsOf<AlertSignal, {
    class: string; closestClass?: string; confidence: number; reason: string; reasonCode?: unknown; speechPresent?: true;
    unexpected?: true; band?: string; expected?: string[];
  }>;
  /** Transmissions: why it ranked above the others of its severity (Alert.severityRaise of its latest record carrying a `signal`). */
  severityRaise?: { reason: string; reasonCode?: unknown };
}

/** Everything the HTML shows; built by {@link buildSessionReport}. */
export interface SessionReport {
  site: string;
  session: string;
  timeZone: string;
  /** Session window (ISO) by {@link sessionWindow}: the configured one, else first..last record carrying the session's name. */
  startTime: string;
  endTime: string;
  windowFrom: 'config' | 'alerts';
  generatedAt: string;
  sensors: ReportSensor[];
  /** Transmissions (and overloads) in start order. */
  alerts: ReportAlert[];
  /** sensor-offline alerts in start order. */
  outages: ReportAlert[];
  /** `raised`: transmissions ranked above the others of their severity (severityRaise). */
  counts: { transmissions: number; high: number; raised: number; acknowledged: number; known: number; unacknowledged: number; outages: number };
  /** Transmission alerts per signal class (`unidentified`: no record carried a `signal`), largest count first. */
  classes: { class: string; count: number }[];
  /**
   * Times nothing (daemon down) or not every sensor (warm-up) was monitored, from the data dir's run log
   * (src/report/monitoring-gaps.ts); absent when there is none (a data dir of a daemon older than the run log).
   */
  monitoring?: MonitoringSummary;
}

/** Input of {@link buildSessionReport}. */
export interface SessionReportInput {
  session: string;
  /** Every stored record (alerts.jsonl). */
  records: Alert[];
  /** Site name when no record carries it. */
  site?: string;
  /** The session's window (epoch ms) when configured (used as {@link sessionWindow} says). */
  window?: { startMs: number; endMs: number };
  sensors?: ReportSensor[];
  timeZone?: string;
  /** Data dir to look for clip pictures in (`<dataDir>/clip-pictures/<clip>.png`). */
  dataDir?: string;
  /** The data dir's run log (src/site/run-log.ts readRunRecords): the report lists the times nothing was monitored. */
  runs?: RunRecord[];
  /** Draws a clip's picture not drawn yet (evidence.pictures 'on-view'; see clipPictureDataUrl). */
  drawPicture?: PictureDrawer;
  nowMs?: number;
}

/** A record's `T` as read back from disk (any version, any edit): `T`'s field names, none of its values trusted. */
type Unchecked<T> = { [K in keyof T]?: unknown };

/** `T`, whose field names must all be `Of`'s (a misspelt or renamed field is a type error), else never. */
type FieldsOf<Of, T> = Exclude<keyof T, keyof Of> extends never ? T : never;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The well-formed entries of a record's `rooms` (room, sensor strings; finite excess dB), in their order; [] otherwise. */
export function reportRooms(rooms: unknown): ReportRoom[] {
  if (!Array.isArray(rooms)) return [];
  const out: ReportRoom[] = [];
  for (const r of rooms as unknown[]) {
    if (typeof r !== 'object' || r === null) continue;
    const o = r as Record<string, unknown>;
    if (typeof o.room === 'string' && typeof o.sensor === 'string' && finite(o.excessDb)) out.push({ room: o.room, sensor: o.sensor, excessDb: o.excessDb });
  }
  return out;
}

/**
 * Folds the records into the session's alerts: window by {@link sessionWindow} (`input.window` the configured one),
 * alerts by {@link sessionAlertRecords}.
 * @throws QuietBandError('BAD_INPUT') when there is no window: no configured session and no record of that name (coded
 * `report.noSession`), or none of those records has a readable time.
 */
export async function buildSessionReport(input: SessionReportInput): Promise<SessionReport> {
  const w = sessionWindow(input.records, input.session, input.window);
  if (w === undefined) {
    if (!input.records.some((r) => r.session === input.session)) throw cliError('report.noSession', { session: input.session, known: sessionNamesText(input.records), hint: 'report.passConfig' }, 'BAD_INPUT');
    throw cliError('report.noTime', { session: input.session }, 'BAD_INPUT');
  }
  const { startMs, endMs, windowFrom } = w;
  const groups = sessionAlertRecords(input.records, input.session, w);
  // the newest ranking of each transmission group: an alert that closed first keeps the other sensors' excesses as they
  // were then in its own records (records are re-sent on a ranking change, not on every dB change)
  const groupLatest = new Map<string, Alert>();
  for (const r of input.records) {
    if (typeof r.groupId !== 'string' || (r.event !== 'open' && r.event !== 'update' && r.event !== 'close') || reportRooms(r.rooms).length === 0) continue;
    const had = groupLatest.get(r.groupId);
    if (had === undefined || r.seq > had.seq) groupLatest.set(r.groupId, r);
  }
  const alerts: ReportAlert[] = [];
  const outages: ReportAlert[] = [];
  for (const [alertId, recs] of groups) {
    const first = recs[0]!;
    const t0 = startMsOf(first);
    const startIso = typeof first.startTime === 'string' && !Number.isNaN(Date.parse(first.startTime)) ? first.startTime : first.time;
    const closeRec = recs.find((r) => r.event === 'close');
    const last = recs[recs.length - 1]!;
    const merged: Alert = Object.assign({}, ...recs.filter((r) => r.event === 'open' || r.event === 'update' || r.event === 'close')) as Alert;
    const a: ReportAlert = {
      alertId,
      sensor: first.sensor,
      kind: first.kind,
      severity: last.severity,
      state: last.state,
      firstTime: first.time,
      startTime: startIso,
      acks: recs.filter((r) => r.event === 'ack' || r.event === 'known').map((r) => ({ event: r.event as 'ack' | 'known', by: String(r.ackBy ?? '?'), time: r.time })),
    };
    if (closeRec !== undefined) {
      const t1 = endMsOf(closeRec);
      a.endTime = typeof closeRec.endTime === 'string' && !Number.isNaN(Date.parse(closeRec.endTime)) ? closeRec.endTime : closeRec.time;
      if (!Number.isNaN(t0) && !Number.isNaN(t1)) a.durationS = (t1 - t0) / 1000;
    }
    if (merged.centerHz !== undefined) a.centerHz = merged.centerHz;
    if (merged.bandwidthHz !== undefined) a.bandwidthHz = merged.bandwidthHz;
    if (merged.peakExcessDb !== undefined) a.peakExcessDb = merged.peakExcessDb;
    if (merged.bandLabel !== undefined) a.bandLabel = merged.bandLabel;
    if (merged.clip !== undefined) a.clip = merged.clip;
    // a stored record of any version: every field checked before it is shown
    const sig = merged.signal as Unchecked<AlertSignal> | undefined;
    if (typeof sig === 'object' && sig !== null && typeof sig.class === 'string') {
      a.signal = { class: sig.class, confidence: finite(sig.confidence) ? sig.confidence : 0, reason: typeof sig.reason === 'string' ? sig.reason : '' };
      if (typeof sig.closestClass === 'string') a.signal.closestClass = sig.closestClass;
      if (sig.reasonCode !== undefined) a.signal.reasonCode = sig.reasonCode;
      if (sig.unexpected === true && typeof sig.band === 'string') {
        Object.assign(a.signal, { unexpected: true, band: sig.band, expected: Array.isArray(sig.expected) ? sig.expected.map(String) : [] });
      }
      if (recs.some((r) => (r.signal as Unchecked<AlertSignal> | undefined)?.speechPresent === true)) a.signal.speechPresent = true;
    }
    // the raise follows the signal it came with: the latest record carrying a signal decides (none there: not raised)
    const raise = [...recs].reverse().find((r) => r.signal !== undefined)?.severityRaise as unknown;
    if (typeof raise === 'object' && raise !== null && typeof (raise as { reason?: unknown }).reason === 'string') {
      const g = raise as { reason: string; reasonCode?: unknown };
      a.severityRaise = { reason: g.reason, ...(g.reasonCode !== undefined ? { reasonCode: g.reasonCode } : {}) };
    }
    // the opening note says what happened ("no data for 5 s"); a later one only how it ended
    const noteRecs = recs.filter((r) => r.message !== undefined && r.event !== 'ack' && r.event !== 'known');
    const notes = [...new Set(noteRecs.map((r) => r.message!))];
    if (notes.length > 0) {
      a.message = notes.join(' → ');
      a.notes = notes.map((m) => {
        const code = noteRecs.find((r) => r.message === m)?.messageCode;
        return code !== undefined ? { message: m, code } : { message: m };
      });
    }
    // which room: this alert's latest record carrying well-formed rooms (a record without them leaves the previous in
    // force), then the newest record of its group (same groupId), which has every sensor's latest excess
    for (let i = recs.length - 1; i >= 0; i--) {
      let r = recs[i]!;
      if (r.event !== 'open' && r.event !== 'update' && r.event !== 'close') continue;
      if (reportRooms(r.rooms).length === 0) continue;
      if (typeof r.groupId === 'string') r = groupLatest.get(r.groupId) ?? r;
      a.rooms = reportRooms(r.rooms);
      if (typeof r.groupId === 'string') a.groupId = r.groupId;
      const p = r.positionM as unknown;
      if (typeof p === 'object' && p !== null && finite((p as { xM?: unknown }).xM) && finite((p as { yM?: unknown }).yM)) a.positionM = { xM: (p as { xM: number }).xM, yM: (p as { yM: number }).yM };
      break;
    }
    if (typeof a.clip === 'string' && input.dataDir !== undefined) {
      const url = await clipPictureDataUrl(input.dataDir, a.clip, input.drawPicture);
      if (url !== undefined) a.pictureDataUrl = url;
      const extent = url !== undefined ? await clipFileExtent(input.dataDir, a.clip) : undefined;
      if (extent !== undefined) a.pictureExtent = extent;
    }
    (first.kind === 'sensor-offline' ? outages : alerts).push(a);
  }
  const byStart = (x: ReportAlert, y: ReportAlert): number => (Date.parse(x.startTime) || 0) - (Date.parse(y.startTime) || 0);
  alerts.sort(byStart);
  outages.sort(byStart);
  const tx = alerts.filter((a) => a.kind === 'transmission');
  const classes = new Map<string, number>();
  for (const a of tx) classes.set(a.signal?.class ?? 'unidentified', (classes.get(a.signal?.class ?? 'unidentified') ?? 0) + 1);
  const nowMs = input.nowMs ?? Date.now();
  return {
    ...(input.runs !== undefined && input.runs.length > 0 ? { monitoring: monitoringGaps(input.runs, { startMs, endMs }, nowMs) } : {}),
    site: input.site ?? input.records[0]?.site ?? '?',
    session: input.session,
    timeZone: input.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    startTime: new Date(startMs).toISOString(),
    endTime: new Date(endMs).toISOString(),
    windowFrom,
    generatedAt: new Date(nowMs).toISOString(),
    sensors: input.sensors ?? sensorsFromRecords(input.records),
    alerts,
    outages,
    counts: {
      transmissions: tx.length,
      high: tx.filter((a) => a.severity === 'high').length,
      raised: tx.filter((a) => a.severityRaise !== undefined && a.severity !== 'info').length,
      acknowledged: tx.filter((a) => a.state === 'acknowledged').length,
      known: tx.filter((a) => a.state === 'known').length,
      unacknowledged: tx.filter((a) => a.state === 'new').length,
      outages: outages.length,
    },
    classes: [...classes].map(([cls, count]) => ({ class: cls, count })).sort((x, y) => y.count - x.count || x.class.localeCompare(y.class)),
  };
}

/**
 * The sensors named by the records (no config: e.g. at the hub), sorted, each with its room when a record's ranked
 * `rooms` names it (the strongest sensor of each room).
 */
function sensorsFromRecords(records: readonly Alert[]): ReportSensor[] {
  const rooms = new Map<string, string>();
  for (const r of records) for (const x of reportRooms(r.rooms)) rooms.set(x.sensor, x.room);
  const names = [...new Set(records.map((r) => r.sensor).filter((s): s is string => typeof s === 'string' && s !== ''))].sort();
  return names.map((name) => {
    const s: ReportSensor = { name, centerHz: NaN, rateSps: NaN, source: '?' };
    const room = rooms.get(name);
    if (room !== undefined) s.room = room;
    return s;
  });
}

/** The report's words in each language ({@link renderReportHtml}); values are HTML (already escaped where needed). */
const REPORT_TEXT = {
  en: {
    // an aside after a value and the separator inside it (full-width in Chinese, as every Chinese text)
    aside: (inner: string) => ` (${inner})`, semi: '; ',
    title: 'QuietBand session report', site: 'Site', session: 'Session', window: 'Window', asConfigured: 'as configured',
    fromAlerts: 'from the alerts of this session', generated: 'Generated', summary: 'Summary',
    summaryText: (c: SessionReport['counts']) => `${c.transmissions} transmission ${pluralWord('en', c.transmissions, 'alert', 'alerts')}, ${c.high} high severity${c.raised > 0 ? `, ${c.raised} ranked higher (▲)` : ''}; ${c.acknowledged} acknowledged, ${c.known} marked known, ${c.unacknowledged} not acknowledged; ${c.outages} sensor ${pluralWord('en', c.outages, 'outage', 'outages')}.`,
    sensors: 'Sensors', sensor: 'Sensor', room: 'Room', source: 'Source', centre: 'Centre', rate: 'Rate', baseline: 'Baseline',
    baselineAge: (time: string, h: string) => `${time} (${h} h before the start)`, noneStored: 'none stored',
    alerts: 'Alerts', noAlerts: 'No alerts.', alertId: 'Alert id', frequency: 'Frequency', bandwidth: 'Detected extent',
    peakOver: 'Peak over baseline', severityState: 'Severity / state', startEnd: 'Start – end', duration: 'Duration', seconds: 's',
    acknowledgement: 'Acknowledgement', notAcked: 'not acknowledged',
    acked: (by: string, time: string) => `acknowledged by <b>${by}</b> at ${time}`, markedKnown: (by: string, time: string) => `marked known by <b>${by}</b> at ${time}`,
    rooms: 'Rooms (nearest first)', nearest: 'nearest',
    position: (x: string, y: string) => `Estimated position: x ${x} m, y ${y} m (weighted centroid of the sensors)`,
    group: (id: string) => `Seen by several sensors: group <code>${id}</code>`,
    raise: 'Ranked higher ▲', signal: 'Signal type', classesTitle: 'Transmissions by signal type: ', speech: 'speech heard',
    // as the page's detail words it (web-ui/src/strings-en.ts detail.signalBand, detail.signalUnexpected)
    bandCheck: 'Band check', unexpected: (band: string, expected: string) => `Not expected in ${band} (expected: ${expected})`, clauseSep: '; ',
    // the classes as the English page's badges name them (one table: src/text-template.ts)
    classWord: { ...EN_CLASS_WORDS, unidentified: 'not identified' } as Partial<Record<string, string>>,
    note: 'Note', daemonWords: (d: string) => ` (details: ${d})`, clip: 'Evidence clip', pictureAlt: 'spectrogram of the evidence clip', axisFreq: 'Frequency (MHz)', axisTime: 'Time (s)', outages: 'Sensor outages', none: 'None.', from: 'From', to: 'To',
    // the kinds as the English page words them (web-ui/src/strings-en.ts kind.*)
    kind: { transmission: 'Transmission', 'sensor-offline': 'Sensor offline', overload: 'Sensor overload', 'site-offline': 'Site offline', 'storage-failed': 'Storage failed', 'present-during-calibration': 'Present during calibration' } as Partial<Record<string, string>>,
    severity: {} as Partial<Record<string, string>>,
    state: ALERT_STATE_WORDS.en as Partial<Record<string, string>>,
  },
  'zh-CN': {
    aside: (inner: string) => `（${inner}）`, semi: '；',
    title: 'QuietBand 考试场次报告', site: '考点', session: '考试场次', window: '时间范围', asConfigured: '按考点配置',
    fromAlerts: '按本场次的告警', generated: '生成时间', summary: '概要',
    summaryText: (c: SessionReport['counts']) => `无线发射告警 ${c.transmissions} 条，其中高级别 ${c.high} 条${c.raised > 0 ? `，优先级提升 ${c.raised} 条（▲）` : ''}；已确认 ${c.acknowledged} 条，标记为已知 ${c.known} 条，未确认 ${c.unacknowledged} 条；传感器中断 ${c.outages} 次。`,
    sensors: '传感器', sensor: '传感器', room: '考场', source: '信号源', centre: '中心频率', rate: '采样率', baseline: '基线',
    baselineAge: (time: string, h: string) => `${time}（开始前 ${h} 小时）`, noneStored: '未保存',
    alerts: '告警', noAlerts: '无告警。', alertId: '告警编号', frequency: '频率', bandwidth: '检测到的频宽',
    peakOver: '超出基线峰值', severityState: '级别 / 状态', startEnd: '开始 – 结束', duration: '持续时间', seconds: '秒',
    acknowledgement: '确认', notAcked: '未确认',
    acked: (by: string, time: string) => `由 <b>${by}</b> 于 ${time} 确认`, markedKnown: (by: string, time: string) => `由 <b>${by}</b> 于 ${time} 标记为已知`,
    rooms: '所在考场（由近及远）', nearest: '最近',
    position: (x: string, y: string) => `估计位置：x ${x} m，y ${y} m（各传感器的加权质心）`,
    group: (id: string) => `多个传感器收到：分组 <code>${id}</code>`,
    raise: '优先级提升 ▲', signal: '信号类型', classesTitle: '按信号类型统计的发射告警：', speech: '检测到语音',
    bandCheck: '频段核对', unexpected: (band: string, expected: string) => `${band} 中不应出现（预期：${expected}）`, clauseSep: '；',
    // the classes in the page's words (one table: src/text-template.ts)
    classWord: { ...ZH_CLASS_WORDS, unidentified: '未识别' } as Partial<Record<string, string>>,
    note: '备注', daemonWords: (d: string) => `（守护进程原文：${d}）`, clip: '证据片段（IQ）', pictureAlt: '证据片段的时频图', axisFreq: '频率（MHz）', axisTime: '时间（秒）', outages: '传感器中断', none: '无。', from: '开始', to: '结束',
    kind: {
      transmission: '无线发射', 'sensor-offline': '传感器离线', overload: '传感器过载', 'site-offline': '考点离线', 'storage-failed': '存储故障',
      'present-during-calibration': '校准期间已存在',
    } as Partial<Record<string, string>>,
    severity: { high: '高', low: '低', info: '提示' } as Partial<Record<string, string>>,
    state: ALERT_STATE_WORDS['zh-CN'] as Partial<Record<string, string>>,
  },
} satisfies Record<TextLang, unknown>;

/**
 * A transmission's class and confidence as the report shows them, a guess marked as everywhere a class is shown
 * (src/text-template.ts): `<b>nfm</b> (87 %)`, or `<b class="signal-class guess">nfm?</b> (guess 41 %: confidence
 * below 50 %)` (`窄调频？`, `推测 41 %：置信度低于 50 %` in Chinese); below the class floor `<b class="signal-class
 * closest">unknown</b> (closest: NFM, 5 %; no class is named below 20 %)` (full-width brackets in Chinese).
 */
function classHtml(lang: TextLang, s: NonNullable<ReportAlert['signal']>): string {
  const words = REPORT_TEXT[lang].classWord;
  const closest = closestClassOf(s);
  if (closest !== undefined) {
    return `<b class="signal-class closest">${esc(words.unknown ?? 'unknown')}</b>${REPORT_TEXT[lang].aside(esc(closestText(lang, 'note', words[closest] ?? closest, s.confidence)))}`;
  }
  const guess = isGuess(s.class, s.confidence);
  const name = markedClass(esc(REPORT_TEXT[lang].classWord[s.class] ?? s.class), s.class, s.confidence);
  return `<b class="signal-class${guess ? ' guess' : ''}">${name}</b>${REPORT_TEXT[lang].aside(guess ? guessNote(lang, s.confidence) : `${Math.round(100 * s.confidence)} %`)}`;
}

/** Report languages: the web UI's. */
export type ReportLang = TextLang;

/** `lang` query value → a report language ('zh*' → 'zh-CN'; anything else, or none → 'en'). */
export function reportLang(v: string | null | undefined): ReportLang {
  return v !== null && v !== undefined && v.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

/**
 * Renders the report as one self-contained HTML page (inline CSS, pictures as data: URLs; A4 print styles, each alert
 * kept on one page; on a phone at its own width: the viewport meta, tables scrolling in a `.scroll` wrapper, pictures
 * no wider than the page) in `lang` (default English; zh-CN also words kinds, severities, states and coded server notes).
 * Times are shown in the site's zone.
 */
export function renderReportHtml(r: SessionReport, lang: ReportLang = 'en'): string {
  const L = REPORT_TEXT[lang];
  const word = (table: Partial<Record<string, string>>, v: string): string => esc(table[v] ?? v);
  // a translated note whose text leaves out the daemon's English words (device list, file name) keeps them after it
  const noteOf = (n: { message: string; code?: AlertMessageCode }): string => {
    const text = alertMessageIn(lang, n.message, n.code) ?? n.message;
    const detail = codeDetail(lang, n.code);
    return detail === undefined ? text : `${text}${L.daemonWords(detail)}`;
  };
  // why a transmission ranked above the others of its severity, in the report's language (none for a known emitter)
  const raisedOf = (a: ReportAlert): string | undefined =>
    a.severityRaise === undefined || a.severity === 'info' ? undefined : (alertMessageIn(lang, a.severityRaise.reason, a.severityRaise.reasonCode) ?? a.severityRaise.reason);
  // a band flag that raised nothing, and why (a guess raises nothing: src/alerts/severity-raise.ts)
  const notRaisedRow = (a: ReportAlert): string => {
    const why = a.signal?.band === undefined ? undefined : notRaisedNote(lang, a.signal, raisedOf(a) !== undefined);
    if (why === undefined) return '';
    const expected = (a.signal!.expected ?? []).map((c) => L.classWord[c] ?? c).join(lang === 'zh-CN' ? '、' : ', ');
    return `<tr><th>${L.bandCheck}</th><td colspan="3" class="not-raised">${esc(`${L.unexpected(a.signal!.band!, expected)}${L.clauseSep}${why}`)}</td></tr>`;
  };
  const noteText = (a: ReportAlert): string | undefined => (a.notes !== undefined ? a.notes.map(noteOf).join(' → ') : a.message);
  const t = (iso: string | undefined): string => (iso === undefined ? '—' : esc(localTime(iso, r.timeZone)));
  const mhz = (hz: number): string => `${(hz / 1e6).toFixed(4)} MHz`;
  const sensorRows = r.sensors
    .map((s) => `<tr><td>${esc(s.name)}</td><td>${esc(s.room ?? '—')}</td><td>${esc(s.source)}</td><td>${num(s.centerHz, mhz)}</td><td>${num(s.rateSps, (x) => `${(x / 1e3).toFixed(0)} kS/s`)}</td><td>${s.baselineCreatedAt !== undefined ? L.baselineAge(t(s.baselineCreatedAt), num(s.baselineAgeH, (x) => x.toFixed(1))) : s.baselineChecked === true ? L.noneStored : '—'}</td></tr>`)
    .join('\n');
  const ackText = (a: ReportAlert): string =>
    a.acks.length === 0 ? `<span class="warn">${L.notAcked}</span>` : a.acks.map((k) => (k.event === 'ack' ? L.acked : L.markedKnown)(esc(ackByText(lang, k.by, L.aside)), t(k.time))).join('<br>');
  const roomsRow = (a: ReportAlert): string => {
    if (a.rooms === undefined || a.rooms.length === 0) return '';
    const top = a.rooms[0]!.excessDb;
    const items = a.rooms
      .map((x, i) => `<li data-room="${esc(x.room)}" data-sensor="${esc(x.sensor)}"><b>${esc(x.room)}</b>${L.aside(esc(x.sensor))} ${x.excessDb.toFixed(1)} dB${i === 0 ? ` — ${L.nearest}` : L.aside(`${(x.excessDb - top).toFixed(1)} dB`)}</li>`)
      .join('');
    const pos = a.positionM !== undefined ? `<div>${L.position(a.positionM.xM.toFixed(1), a.positionM.yM.toFixed(1))}</div>` : '';
    const group = a.groupId !== undefined ? `<div>${L.group(esc(a.groupId))}</div>` : '';
    return `<tr><th>${L.rooms}</th><td colspan="3"><ol class="rooms">${items}</ol>${pos}${group}</td></tr>`;
  };
  const alertRows = r.alerts
    .map(
      (a, i) => `<section class="alert sev-${a.severity}${raisedOf(a) !== undefined ? ' raised' : ''}" data-alert-id="${esc(a.alertId)}">
<h3>${i + 1}. ${word(L.kind, a.kind)} — ${esc(a.sensor === '' ? r.site : a.sensor)} — ${t(a.startTime)}</h3>
<div class="scroll"><table class="kv">
<tr><th>${L.alertId}</th><td colspan="3"><code class="alert-id">${esc(a.alertId)}</code></td></tr>
<tr><th>${L.frequency}</th><td>${num(a.centerHz, mhz)}${a.bandLabel !== undefined ? L.aside(esc(a.bandLabel)) : ''}</td><th>${L.bandwidth}</th><td>${num(a.bandwidthHz, (x) => `${(x / 1e3).toFixed(1)} kHz`)}</td></tr>
<tr><th>${L.peakOver}</th><td>${num(a.peakExcessDb, (x) => `${x.toFixed(1)} dB`)}</td><th>${L.severityState}</th><td>${word(L.severity, a.severity)}${raisedOf(a) !== undefined ? ' ▲' : ''} / ${word(L.state, a.state)}</td></tr>
<tr><th>${L.startEnd}</th><td>${t(a.startTime)} – ${t(a.endTime)}</td><th>${L.duration}</th><td>${num(a.durationS, (x) => `${x.toFixed(1)} ${L.seconds}`)}</td></tr>
<tr><th>${L.acknowledgement}</th><td colspan="3">${ackText(a)}</td></tr>
${roomsRow(a)}
${a.signal !== undefined ? `<tr><th>${L.signal}</th><td colspan="3">${classHtml(lang, a.signal)}${a.signal.speechPresent === true ? ` · <b class="speech">${L.speech}</b>` : ''} — ${esc(alertMessageIn(lang, a.signal.reason, a.signal.reasonCode) ?? a.signal.reason)}</td></tr>` : ''}
${raisedOf(a) !== undefined ? `<tr><th>${L.raise}</th><td colspan="3" class="raise">${esc(raisedOf(a))}</td></tr>` : ''}
${notRaisedRow(a)}
${noteText(a) !== undefined ? `<tr><th>${L.note}</th><td colspan="3">${esc(noteText(a))}</td></tr>` : ''}
${a.clip !== undefined ? `<tr><th>${L.clip}</th><td colspan="3"><code>${esc(a.clip)}</code></td></tr>` : ''}
</table></div>
${a.pictureDataUrl !== undefined ? clipFigureHtml(`<img class="spectrogram" alt="${L.pictureAlt}" src="${a.pictureDataUrl}">`, a.pictureExtent, { freq: L.axisFreq, time: L.axisTime }) : ''}
</section>`,
    )
    .join('\n');
  const outageRows = r.outages
    .map((o) => `<tr><td>${esc(o.sensor)}</td><td>${t(o.startTime)}</td><td>${t(o.endTime)}</td><td>${num(o.durationS, (x) => `${x.toFixed(0)} ${L.seconds}`)}</td><td>${esc(noteText(o) ?? '')}</td></tr>`)
    .join('\n');
  const c = r.counts;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${L.title} — ${esc(r.site)} — ${esc(r.session)}</title>
<style>
body{font:11pt/1.35 system-ui,sans-serif;margin:2em;color:#111}
h1{font-size:16pt;margin:0 0 .3em}h2{font-size:13pt;margin:1.4em 0 .4em;border-bottom:1px solid #999}h3{font-size:11pt;margin:.2em 0}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}th{background:#eee}
.kv th{width:16%}.alert{margin:.8em 0;padding:.4em;border-left:4px solid #888}.sev-high{border-color:#c00}.sev-low{border-color:#d80}.sev-info{border-color:#08c}.raised{border-left-width:8px}
.warn{color:#c00;font-weight:bold}.rooms{margin:0;padding-left:1.6em}.spectrogram{display:block;width:100%;height:auto;image-rendering:pixelated}
.meta td{border:none;padding:0 1em 0 0}
.scroll{max-width:100%;overflow-x:auto}code{overflow-wrap:anywhere}
@media (max-width:600px){body{margin:.6em}}
@page{size:A4;margin:15mm}@media print{body{margin:0}.alert{break-inside:avoid}}
${CLIP_FIGURE_CSS}</style></head><body>
<h1>${L.title}</h1>
<table class="meta">
<tr><td>${L.site}</td><td><b id="site">${esc(r.site)}</b></td></tr>
<tr><td>${L.session}</td><td><b id="session">${esc(r.session)}</b></td></tr>
<tr><td>${L.window}</td><td>${t(r.startTime)} – ${t(r.endTime)}${L.aside(`${esc(r.timeZone)}${L.semi}${r.windowFrom === 'config' ? L.asConfigured : L.fromAlerts}`)}</td></tr>
<tr><td>${L.generated}</td><td>${t(r.generatedAt)}</td></tr>
</table>
<h2>${L.summary}</h2>
<p id="summary">${L.summaryText(c)}${r.monitoring !== undefined ? ` <span id="unmonitored">${monitoringSummaryText(lang, r.monitoring)}</span>` : ''}</p>
${r.classes.length > 0 ? `<p id="classes">${L.classesTitle}${r.classes.map((x) => `<span data-class="${esc(x.class)}">${word(L.classWord, x.class)} ${x.count}</span>`).join(lang === 'zh-CN' ? '，' : ', ')}</p>` : ''}
<h2>${L.sensors}</h2>
<div class="scroll"><table id="sensors"><tr><th>${L.sensor}</th><th>${L.room}</th><th>${L.source}</th><th>${L.centre}</th><th>${L.rate}</th><th>${L.baseline}</th></tr>
${sensorRows}
</table></div>
<h2>${L.alerts}</h2>
<div id="alerts">${alertRows === '' ? `<p>${L.noAlerts}</p>` : alertRows}</div>
${monitoringSectionHtml(r.monitoring, lang, t)}
<h2>${L.outages}</h2>
${outageRows === '' ? `<p id="outages">${L.none}</p>` : `<div class="scroll"><table id="outages"><tr><th>${L.sensor}</th><th>${L.from}</th><th>${L.to}</th><th>${L.duration}</th><th>${L.note}</th></tr>\n${outageRows}\n</table></div>`}
</body></html>
`;
}
