// The words of a notification: one title line and a short body a person reads on a phone or in a mailbox.
import type { Alert } from '../alerts/alert.js';
import { raiseMark } from '../text-template.js';
import { formatSiteTime } from '../field/local-time.js';
import { alertMessageIn } from '../server/message-text.js';

/** A notification as every channel renders it. */
export interface NotifyMessage {
  /** One line: `[HIGH] exam-hall: transmission at 433.920 MHz in room 101`. */
  title: string;
  /** A few lines: what, where, when, session, link. */
  body: string;
  /** ntfy priority 1–5 (high → 5, low → 3, info → 2). */
  priority: number;
  /** Link to the web UI (the section's linkUrl with `#alert=<alertId>`), when configured. */
  link?: string;
}

/** Languages of notification texts (site config `notify.language`). */
export const NOTIFY_LANGUAGES = ['en', 'zh-CN'] as const;
export type NotifyLanguage = (typeof NOTIFY_LANGUAGES)[number];

/** The words of one language. Frequencies, names, times and ids are the same in every language. */
interface Words {
  severity: Record<Alert['severity'], string>;
  kind: Record<Alert['kind'], string>;
  transmissionAt: (mhz: string) => string;
  inRoom: (room: string) => string;
  escalated: string;
  /** Title suffix of an alert given back by removing the known emitter that hid it (an `unmark` record). */
  restored: string;
  wide: (bw: string) => string;
  overBaseline: (db: string) => string;
  sensor: (name: string, room: string | undefined) => string;
  heardIn: (rooms: string[]) => string;
  session: (name: string) => string;
  escalatedBy: (who: string) => string;
  restoredBy: (who: string) => string;
  alert: (id: string) => string;
  /** Separator of the facts on the frequency line. */
  comma: string;
  /** The body line of a raised alert: `ranked higher ▲: <the raise's reason>` (docs/identification.md §13). */
  raised: (reason: string) => string;
}

const WORDS: Record<NotifyLanguage, Words> = {
  en: {
    severity: { high: 'HIGH', low: 'LOW', info: 'INFO' },
    kind: {
      transmission: 'transmission',
      'sensor-offline': 'sensor offline',
      overload: 'receiver overload',
      'site-offline': 'site offline',
      'storage-failed': 'storage failed',
      'present-during-calibration': 'emitter heard during calibration',
    },
    transmissionAt: (mhz) => `transmission at ${mhz}`,
    inRoom: (room) => ` in ${room}`,
    escalated: ' (escalated)',
    restored: ' (restored: known mark removed)',
    wide: (bw) => `${bw} wide`,
    overBaseline: (db) => `${db} dB over the baseline`,
    sensor: (name, room) => `sensor ${name}${room !== undefined ? ` (${room})` : ''}`,
    heardIn: (rooms) => `heard in ${rooms.join(', ')} (nearest first)`,
    session: (name) => `exam session: ${name}`,
    escalatedBy: (who) => `escalated by ${who}`,
    restoredBy: (who) => `known mark removed by ${who}`,
    alert: (id) => `alert ${id}`,
    comma: ', ',
    raised: (reason) => `ranked higher ▲: ${reason}`,
  },
  'zh-CN': {
    severity: { high: '高', low: '低', info: '提示' },
    kind: {
      transmission: '发射信号',
      'sensor-offline': '传感器离线',
      overload: '接收机过载',
      'site-offline': '站点离线',
      'storage-failed': '存储故障',
      'present-during-calibration': '校准期间已存在的发射源',
    },
    transmissionAt: (mhz) => `${mhz} 发射信号`,
    inRoom: (room) => `，位置：${room}`,
    escalated: '（已升级）',
    restored: '（已恢复：已知标记已移除）',
    wide: (bw) => `带宽 ${bw}`,
    overBaseline: (db) => `高于基线 ${db} dB`,
    sensor: (name, room) => `传感器 ${name}${room !== undefined ? `（${room}）` : ''}`,
    heardIn: (rooms) => `收到信号的房间：${rooms.join('、')}（由近及远）`,
    session: (name) => `考试场次：${name}`,
    escalatedBy: (who) => `升级人：${who}`,
    restoredBy: (who) => `移除已知标记的人：${who}`,
    alert: (id) => `告警 ${id}`,
    comma: '，',
    raised: (reason) => `优先级提升 ▲：${reason}`,
  },
};

/** `433.920 MHz` (kHz resolution: what tells two SRD channels apart). */
export function formatMHz(hz: number): string {
  return `${(hz / 1e6).toFixed(3)} MHz`;
}

/** `12.5 kHz` below 1 MHz, `1.20 MHz` above. */
export function formatBandwidth(hz: number): string {
  return hz >= 1e6 ? `${(hz / 1e6).toFixed(2)} MHz` : `${+(hz / 1e3).toFixed(1)} kHz`;
}

/**
 * Renders an alert record (an `open`, an `escalate`, an `unmark` — restored: the title says so, the body says which
 * known mark was removed and by whom, in the language's words — or the record that raised a transmission:
 * src/notify/notifier.ts) in `language` (default en). `room` is the sensor's room when configured. Times are the site's wall clock
 * (`timeZone`), as the supervisors read them. The record's own `message` (e.g. why a sensor went offline) is quoted as
 * stored. A record carrying `severityRaise` (docs/identification.md §13) leads its title with the raise's mark
 * (`▲ voice link: transmission at …`) and says why in the body, in the language's words of its code.
 */
export function notifyMessage(a: Alert, opts: { timeZone: string; room?: string; linkUrl?: string; language?: NotifyLanguage }): NotifyMessage {
  const lang = opts.language ?? 'en';
  const w = WORDS[lang];
  const room = a.rooms?.[0]?.room ?? opts.room;
  const what = a.kind === 'transmission' && a.centerHz !== undefined ? w.transmissionAt(formatMHz(a.centerHz)) : w.kind[a.kind];
  const sep = lang === 'zh-CN' ? '：' : ': ';
  const raise = a.severityRaise;
  // a record of another version may carry a code this one does not know: the bare mark then
  const mark = raise === undefined ? '' : `${raiseMark(lang, raise.reasonCode?.id)}${sep}`;
  const title = `[${w.severity[a.severity]}] ${a.site}${sep}${mark}${what}${room !== undefined ? w.inRoom(room) : ''}${a.event === 'escalate' ? w.escalated : a.event === 'unmark' ? w.restored : ''}`;
  const lines: string[] = [];
  const startMs = Date.parse(a.startTime ?? a.time);
  lines.push(`${formatSiteTime(Number.isFinite(startMs) ? startMs : Date.parse(a.time), opts.timeZone).replace('T', ' ')} (${opts.timeZone})`);
  if (a.kind === 'transmission' && a.centerHz !== undefined) {
    const parts = [formatMHz(a.centerHz)];
    if (a.bandwidthHz !== undefined) parts.push(w.wide(formatBandwidth(a.bandwidthHz)));
    if (a.peakExcessDb !== undefined) parts.push(w.overBaseline(a.peakExcessDb.toFixed(1)));
    if (a.bandLabel !== undefined) parts.push(a.bandLabel);
    lines.push(parts.join(w.comma));
  }
  if (raise !== undefined) lines.push(w.raised(alertMessageIn(lang, raise.reason, raise.reasonCode) ?? raise.reason));
  lines.push(w.sensor(a.sensor, room));
  if (a.rooms !== undefined && a.rooms.length > 1) lines.push(w.heardIn(a.rooms.map((r) => r.room)));
  if (a.session !== undefined) lines.push(w.session(a.session));
  if (a.message !== undefined) lines.push(a.event === 'unmark' ? (alertMessageIn(lang, a.message, a.messageCode) ?? a.message) : a.message);
  if (a.ackBy !== undefined && a.event === 'escalate') lines.push(w.escalatedBy(a.ackBy));
  if (a.ackBy !== undefined && a.event === 'unmark') lines.push(w.restoredBy(a.ackBy));
  lines.push(w.alert(a.alertId));
  const out: NotifyMessage = { title, body: '', priority: a.severity === 'high' ? 5 : a.severity === 'low' ? 3 : 2 };
  if (opts.linkUrl !== undefined) {
    out.link = `${opts.linkUrl.endsWith('/') ? opts.linkUrl : `${opts.linkUrl}/`}#alert=${encodeURIComponent(a.alertId)}`;
    lines.push(out.link);
  }
  out.body = lines.join('\n');
  return out;
}
