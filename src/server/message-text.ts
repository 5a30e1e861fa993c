// Server-produced alert texts (Alert.messageCode) in English and Simplified Chinese: one table for the web page and the session report.
import type { AlertMessageCode } from './protocol.js';

/** Languages of the texts (the web UI's and the session report's). */
export type TextLang = 'en' | 'zh-CN';

/** The `id`s of {@link AlertMessageCode}. */
export type AlertMessageId = AlertMessageCode['id'];

/**
 * Text of every message code per language, `{param}` placeholders filled from the code's params (values shown as
 * sent: a sensor name, a source, a number, or a source's own words in `reason`).
 */
export const ALERT_MESSAGE_TEXT: Readonly<Record<TextLang, Readonly<Record<AlertMessageId, string>>>> = {
  en: {
    'offline.source': 'sensor {sensor} ({source}) stopped delivering: {reason}',
    'offline.silentWorker': 'sensor {sensor} ({source}) stopped delivering: its worker has not reported for {ms} ms',
    'offline.noDataAfterOpen': 'sensor {sensor} ({source}) stopped delivering: no data {ms} ms after opening the source',
    'offline.noData': 'sensor {sensor} ({source}) stopped delivering: no data for {ms} ms',
    'online.again': 'data flows again',
    'overload.on': 'ADC overload: {pct} % of samples at the rails for over {ms} ms; lower the gain (detections meanwhile may be intermodulation)',
    'overload.off': 'clipping stopped',
    'storage.failed': 'STORAGE FAILED: alerts cannot be written to the data dir ({code}: {error}). They are still sent and kept in memory, and are stored once the disk accepts writes again: free space or fix the data dir now.',
    'storage.back': 'storage back: every held alert is stored',
    'restart.closed': 'closed at daemon restart: the previous run ended while it was open',
    'worker.exited': 'sensor worker exited (code {code}); restarting in {ms} ms',
    'site.stopped': 'site stopped (last heartbeat {s} s ago)',
    'site.silent': 'no heartbeat for {s} s',
    'site.silentSinceStart': 'no heartbeat for {s} s since the hub started',
    'site.back': 'heartbeats again',
    'baseline.refused': 'baseline {path} was taken at {field} {stored}, the sensor runs at {live}: not used (warm-up baseline instead).',
    'baseline.stale': 'baseline {name} is {ageH} h old (limit {limitH} h).',
    'baseline.staleUnknown': 'baseline {name} is of unknown age (limit {limitH} h).',
    'baseline.advice': 'Refresh it: stop quietband, run `{command}`, start it again.',
    'baseline.adviceWindow': 'Refresh it: stop quietband, run `{command}`, start it again (or leave it running: the calibration window before "{session}" (from {from}) records one).',
    'baseline.adviceWindowNow': 'Refresh it: stop quietband, run `{command}`, start it again (or leave it running: the calibration window before "{session}" (now) records one).',
  },
  'zh-CN': {
    'offline.source': '传感器 {sensor}（{source}）停止输出数据：{reason}',
    'offline.silentWorker': '传感器 {sensor}（{source}）停止输出数据：处理进程已 {ms} 毫秒未报告',
    'offline.noDataAfterOpen': '传感器 {sensor}（{source}）停止输出数据：打开信号源 {ms} 毫秒后仍无数据',
    'offline.noData': '传感器 {sensor}（{source}）停止输出数据：已 {ms} 毫秒无数据',
    'online.again': '数据已恢复',
    'overload.on': 'ADC 过载：{pct}% 的采样处于满幅已超过 {ms} 毫秒；请降低增益（期间的检测可能是互调产物）',
    'overload.off': '削波已停止',
    'storage.failed': '存储故障：告警无法写入数据目录（{code}：{error}）。告警仍会发送并暂存于内存，磁盘恢复写入后即保存：请立即释放空间或修复数据目录。',
    'storage.back': '存储已恢复：暂存的告警均已保存',
    'restart.closed': '守护进程重启时关闭：上次运行结束时该告警仍未结束',
    'worker.exited': '传感器处理进程已退出（代码 {code}）；{ms} 毫秒后重启',
    'site.stopped': '考点已停止（最近心跳在 {s} 秒前）',
    'site.silent': '已 {s} 秒未收到心跳',
    'site.silentSinceStart': '中心启动后 {s} 秒内未收到心跳',
    'site.back': '心跳已恢复',
    'baseline.refused': '基线 {path} 录制时 {field} 为 {stored}，传感器当前为 {live}：未使用（改用预热基线）。',
    'baseline.stale': '基线 {name} 已录制 {ageH} 小时（上限 {limitH} 小时）。',
    'baseline.staleUnknown': '基线 {name} 录制时间未知（上限 {limitH} 小时）。',
    'baseline.advice': '更新方法：停止 quietband，运行 `{command}`，再重新启动。',
    'baseline.adviceWindow': '更新方法：停止 quietband，运行 `{command}`，再重新启动（或保持运行：“{session}”之前的校准时段（{from} 起）会自动录制）。',
    'baseline.adviceWindowNow': '更新方法：停止 quietband，运行 `{command}`，再重新启动（或保持运行：“{session}”之前的校准时段（现在）会自动录制）。',
  },
};

/**
 * The text of a sequence of codes in `lang` (English: space-separated, the `message` that goes with `messageCodes`;
 * Chinese: run together, as sentences ending in 。 are).
 */
export function codesText(codes: readonly AlertMessageCode[], lang: TextLang = 'en'): string {
  return codes.map((c) => alertMessageIn(lang, '', c)).join(lang === 'zh-CN' ? '' : ' ');
}

/**
 * An alert's text in `lang`: its `code` rendered from {@link ALERT_MESSAGE_TEXT} (a code of a newer server, or a
 * malformed one: `message` as sent), else `message`; undefined when there is neither. Records come from other
 * processes (a hub relays other versions), so `code` is checked, not trusted.
 */
export function alertMessageIn(lang: TextLang, message: string | undefined, code: unknown): string | undefined {
  if (typeof code === 'object' && code !== null && typeof (code as { id?: unknown }).id === 'string') {
    const table = ALERT_MESSAGE_TEXT[lang] as Readonly<Record<string, string>>;
    const id = (code as { id: string }).id;
    if (Object.prototype.hasOwnProperty.call(table, id)) {
      const raw = (code as { params?: unknown }).params;
      const params = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
      return table[id]!.replace(/\{(\w+)\}/g, (m, k: string) => (Object.prototype.hasOwnProperty.call(params, k) ? String(params[k]) : m));
    }
  }
  return message;
}
