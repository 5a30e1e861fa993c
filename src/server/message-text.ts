// Server-produced alert texts (Alert.messageCode) in English and Simplified Chinese: one table for the web page and the session report.
import { RAISE_REASON_TEXT } from '../alerts/severity-rank.js';
import { SIGNAL_REASON_TEXT } from '../ident/reasons.js';
import { zhOsErrorText } from '../os-error-words.js';
import { fillTemplate, hasOwn, type TextLang } from '../text-template.js';
import type { AlertMessageCode } from './protocol.js';

export type { TextLang } from '../text-template.js';

/**
 * The Chinese advice when no RTL-SDR is visible (the words of native-bindings NO_DEVICE_ADVICE): the daemon's
 * `source.notFound` text and `quietband devices` (src/cli/devices-words.ts) give the same sentence.
 */
export const ZH_NO_DEVICE_ADVICE =
  '请确认 RTL-SDR 接收器已插好（"lsusb" 应列出 "0bda:2838" 或 "0bda:2832"），换一个 USB 口或线缆，并确认内核 DVB 驱动没有占用它（屏蔽 "dvb_usb_rtl28xxu"）';

/** The `id`s of {@link AlertMessageCode}. */
export type AlertMessageId = AlertMessageCode['id'];

/**
 * Text of every message code per language, `{param}` placeholders filled from the code's params (values shown as
 * sent: a sensor name, a source, a number, or a source's own words in `reason`). The `ident.*` texts are those of
 * src/ident/reasons.ts, the `raise.*` ones those of src/alerts/severity-raise.ts.
 */
export const ALERT_MESSAGE_TEXT: Readonly<Record<TextLang, Readonly<Record<AlertMessageId, string>>>> = {
  en: {
    'offline.source': 'sensor {sensor} ({source}) stopped delivering: {reason}',
    'offline.silentWorker': 'sensor {sensor} ({source}) stopped delivering: its worker has not reported for {ms|delay}',
    'offline.noDataAfterOpen': 'sensor {sensor} ({source}) stopped delivering: no data {ms|delay} after opening the source',
    'offline.noData': 'sensor {sensor} ({source}) stopped delivering: no data for {ms|delay}',
    'online.again': 'data flows again',
    'overload.on': 'ADC overload: {pct} % of samples at the rails for over {ms|delay}; lower the gain (detections meanwhile may be intermodulation)',
    'overload.off': 'clipping stopped',
    'storage.failed': 'STORAGE FAILED: alerts cannot be written to the data dir ({code}: {error}). They are still sent and kept in memory, and are stored once the disk accepts writes again: free space or fix the data dir now.',
    'storage.back': 'storage back: every held alert is stored',
    'restart.closed': 'closed at daemon restart: the previous run ended while it was open',
    'known.removed': 'known emitter "{label}" removed: this alert counts again',
    'worker.exited': 'sensor worker exited (code {code}); restarting in {ms|delay}',
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
    'offline.sourceError': 'sensor {sensor} ({source}) stopped delivering: {=cause}',
    'source.notFound': '{detail}; reopening in {ms|delay}',
    'source.busy': '{detail}; reopening in {ms|delay}',
    'source.permission': '{detail}; reopening in {ms|delay}',
    'source.disconnected': '{detail}; reopening in {ms|delay}',
    'source.usb': '{detail}; reopening in {ms|delay}',
    'source.notRtlTcp': '{detail}; reopening in {ms|delay}',
    'source.io': '{detail}; reopening in {ms|delay}',
    'source.ended': 'the source ended; reopening in {ms|delay}',
    'source.stopped': 'the source stopped',
    'sensor.config': '{detail}',
    'sensor.badInput': '{detail}',
    'sensor.baselineMismatch': '{detail}',
    'sensor.nativeUnavailable': '{detail}',
    'sensor.failed': '{detail}',
    'sensor.calibrating': 'calibration: recording {seconds} s of baseline ({reason})',
    'sensor.calibratingHops': 'calibration: recording {seconds} s of baseline per hop ({reason})',
    'hearing.deaf': "Not hearing the calibration's periodic emitter {mhz} MHz (every {periodS} s, silent {silentS} s).",
    'hearing.advice': 'Check the antenna, its cable and the gain: a deaf sensor raises no alerts.',
    'disk.measuring': 'recording to disk: {free} free (measuring the rate)',
    'disk.notFilling': 'recording to disk: {free} free, not filling at the current rate',
    'disk.days': 'recording to disk: {free} free, ≈ {n} days at the current rate (whole disk {perDay}/day, of it QuietBand\'s data dir {ownPerDay}/day)',
    'disk.hours': 'recording to disk: {free} free, ≈ {n} h at the current rate (whole disk {perDay}/day, of it QuietBand\'s data dir {ownPerDay}/day)',
    'disk.minutes': 'recording to disk: {free} free, ≈ {n} min at the current rate (whole disk {perDay}/day, of it QuietBand\'s data dir {ownPerDay}/day)',
    'disk.picturesShed': 'recording to disk: {free} free, below {pictureFloor} (twice the evidence floor): clip pictures are not drawn (clips and alerts are written)',
    'disk.belowFloor': 'recording to disk: {free} free, below the {floor} evidence floor: clips and pictures are not written (alerts are)',
    'evidence.used': 'evidence: {used} of the {quota} quota',
    'evidence.fullInDays': 'evidence: {used} of the {quota} quota, full in ≈ {n} days at the current rate (then the oldest clips are deleted)',
    'evidence.fullInHours': 'evidence: {used} of the {quota} quota, full in ≈ {n} h at the current rate (then the oldest clips are deleted)',
    'evidence.fullInMinutes': 'evidence: {used} of the {quota} quota, full in ≈ {n} min at the current rate (then the oldest clips are deleted)',
    'evidence.keptDays': 'evidence: the {quota} quota is full and holds the clips of the last ≈ {n} days (the oldest are deleted first)',
    'evidence.keptHours': 'evidence: the {quota} quota is full and holds the clips of the last ≈ {n} h (the oldest are deleted first)',
    'evidence.keptMinutes': 'evidence: the {quota} quota is full and holds the clips of the last ≈ {n} min (the oldest are deleted first)',
    ...SIGNAL_REASON_TEXT.en,
    ...RAISE_REASON_TEXT.en,
    'listen.byListener': 'stopped by the listener',
    'listen.disconnected': 'the listener disconnected',
    'listen.daemonStopping': 'the daemon is stopping',
    'listen.alertClosed': 'the transmission ended (its alert closed)',
    'listen.notListening': 'not listening',
    'listen.noOpenAlert': 'no open transmission alert {alertId} (closed, unknown, or not a transmission)',
    'listen.notIdentified': 'alert {alertId} is not identified yet: listening needs an analog class ({classes})',
    'listen.digital': 'alert {alertId} is "{cls}": only analog classes ({classes}) carry audio to listen to',
    'listen.hopping': 'sensor {sensor} hops its tuner (or is not of this site): its channels cannot be listened to live',
    'listen.limit': 'sensor {sensor} already streams {max} channels (its limit): stop one first',
    'listen.workerStopped': 'the sensor worker stopped',
    'listen.sensorLimit': 'sensor {sensor} already demodulates {max} channels (its limit)',
    'listen.outsideStream': "{mhz} MHz is outside sensor {sensor}'s stream ({centerMhz} MHz ± {halfKhz} kHz)",
    'listen.threadMissing': 'the listen thread {path} is missing: build QuietBand ({command})',
    'listen.threadFailed': 'the listen thread failed: {error}',
  },
  'zh-CN': {
    'offline.source': '传感器 {sensor}（{source}）停止输出数据：{reason}',
    'offline.silentWorker': '传感器 {sensor}（{source}）停止输出数据：处理进程已 {ms|delay}未报告',
    'offline.noDataAfterOpen': '传感器 {sensor}（{source}）停止输出数据：打开信号源 {ms|delay}后仍无数据',
    'offline.noData': '传感器 {sensor}（{source}）停止输出数据：已 {ms|delay}无数据',
    'online.again': '数据已恢复',
    'overload.on': 'ADC 过载：{pct}% 的采样处于满幅已超过 {ms|delay}；请降低增益（期间的检测可能是互调产物）',
    'overload.off': '削波已停止',
    'storage.failed': '存储故障：告警无法写入数据目录（{code}：{error}）。告警仍会发送并暂存于内存，磁盘恢复写入后即保存：请立即释放空间或修复数据目录。',
    'storage.back': '存储已恢复：暂存的告警均已保存',
    'restart.closed': '守护进程重启时关闭：上次运行结束时该告警仍未结束',
    'known.removed': '已知发射源“{label}”已移除：本告警重新计入',
    'worker.exited': '传感器处理进程已退出（代码 {code}）；{ms|delay}后重启',
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
    'offline.sourceError': '传感器 {sensor}（{source}）停止输出数据：{=cause}',
    'source.notFound': `找不到接收器：${ZH_NO_DEVICE_ADVICE}；{ms|delay}后重试`,
    'source.busy': '接收器{device?}被占用：另一个程序（如 "rtl_tcp"、"rtl_433"）正在使用 RTL-SDR 接收器，请先停止它；若没有其他程序，则是内核 DVB-T 驱动占用了它，请屏蔽 "dvb_usb_rtl28xxu" 并重新插拔；{ms|delay}后重试',
    'source.permission': '无权打开{device?}接收器：请安装 "udev" 规则（"rtl-sdr" 软件包）并重新插拔 RTL-SDR 接收器，或把用户加入 "plugdev" 组后重新登录；{ms|delay}后重试',
    'source.disconnected': '接收器停止送出采样：RTL-SDR 接收器被拔出或卡死；{ms|delay}后按序列号重新打开（仍不恢复请重新插拔）',
    'source.usb': '接收器 USB 传输出错：请检查 USB 连接和 RTL-SDR 接收器的供电；{ms|delay}后重试',
    'source.notRtlTcp': '对端不是 "rtl_tcp" 服务器：请检查主机和端口（"rtl_tcp" 默认监听 1234，该端口也可能被网页服务器等其他服务占用）；{ms|delay}后重试',
    'source.io': '读取信号源出错：请查看详情（守护进程的原文），检查信号源及其连接；{ms|delay}后重试',
    'source.ended': '信号源已结束；{ms|delay}后重新打开',
    'source.stopped': '信号源已停止',
    'sensor.config': '配置有误，传感器未运行：请按详情修改考点配置文件中该传感器的设置，然后重启 quietband',
    'sensor.badInput': '输入文件有误，传感器未运行：请按详情检查记录文件及其元数据（采样格式、采样率、中心频率）',
    'sensor.baselineMismatch': '存储的基线与当前设置不符，传感器未运行：请重新校准（"quietband calibrate"），或删除详情中所列的基线文件',
    'sensor.nativeUnavailable': '本机接收器模块不可用，传感器未运行：请安装详情中所列的软件包，再运行 "npm run build:native" 重新编译',
    'sensor.failed': '传感器出错，未运行：请查看详情（守护进程的原文）',
    'sensor.calibrating': '校准：正在录制 {seconds} 秒基线',
    'sensor.calibratingHops': '校准：每个跳频段正在录制 {seconds} 秒基线',
    'hearing.deaf': '听不到校准时的周期性发射源 {mhz} MHz（每 {periodS} 秒一次，已 {silentS} 秒未出现）。',
    'hearing.advice': '请检查天线、馈线和增益：听不到信号的传感器不会产生任何告警。',
    'disk.measuring': '磁盘记录：剩余 {free}（正在测算写入速度）',
    'disk.notFilling': '磁盘记录：剩余 {free}，按当前速度不会写满',
    'disk.days': '磁盘记录：剩余 {free}，按当前速度约可用 {n} 天（整个磁盘每天写入 {perDay}，其中 QuietBand 数据目录 {ownPerDay}）',
    'disk.hours': '磁盘记录：剩余 {free}，按当前速度约可用 {n} 小时（整个磁盘每天写入 {perDay}，其中 QuietBand 数据目录 {ownPerDay}）',
    'disk.minutes': '磁盘记录：剩余 {free}，按当前速度约可用 {n} 分钟（整个磁盘每天写入 {perDay}，其中 QuietBand 数据目录 {ownPerDay}）',
    'disk.picturesShed': '磁盘记录：剩余 {free}，低于 {pictureFloor}（证据存储下限的两倍）：不再绘制片段图片（证据片段和告警照常写入）',
    ...SIGNAL_REASON_TEXT['zh-CN'],
    ...RAISE_REASON_TEXT['zh-CN'],
    'listen.byListener': '监听者已停止',
    'listen.disconnected': '监听者已断开连接',
    'listen.daemonStopping': '守护进程正在停止',
    'listen.alertClosed': '发射已结束（其告警已关闭）',
    'listen.notListening': '未在监听',
    'listen.noOpenAlert': '没有未关闭的发射告警 {alertId}（已关闭、未知或不是发射）',
    'listen.notIdentified': '告警 {alertId} 尚未识别：监听需要模拟类型（{classes}）',
    'listen.digital': '告警 {alertId} 为“{cls}”：只有模拟类型（{classes}）带有可监听的音频',
    'listen.hopping': '传感器 {sensor} 在跳频扫描（或不属于本考点）：其信道无法实时监听',
    'listen.limit': '传感器 {sensor} 已在传送 {max} 个信道（上限）：请先停止一个',
    'listen.workerStopped': '传感器工作线程已停止',
    'listen.sensorLimit': '传感器 {sensor} 已在解调 {max} 个信道（上限）',
    'listen.outsideStream': '{mhz} MHz 不在传感器 {sensor} 的接收范围内（{centerMhz} MHz ± {halfKhz} kHz）',
    'listen.threadMissing': '缺少监听线程 {path}：请构建 QuietBand（运行 `{command}`）',
    'listen.threadFailed': '监听线程失败：{error}',
    'disk.belowFloor': '磁盘记录：剩余 {free}，低于证据存储下限 {floor}：不再写入证据片段和图片（告警照常保存）',
    'evidence.used': '证据：已用 {used}，配额 {quota}',
    'evidence.fullInDays': '证据：已用 {used}，配额 {quota}，按当前速度约 {n} 天后用满（之后删除最早的片段）',
    'evidence.fullInHours': '证据：已用 {used}，配额 {quota}，按当前速度约 {n} 小时后用满（之后删除最早的片段）',
    'evidence.fullInMinutes': '证据：已用 {used}，配额 {quota}，按当前速度约 {n} 分钟后用满（之后删除最早的片段）',
    'evidence.keptDays': '证据：配额 {quota} 已满，保存最近约 {n} 天的片段（最早的先删除）',
    'evidence.keptHours': '证据：配额 {quota} 已满，保存最近约 {n} 小时的片段（最早的先删除）',
    'evidence.keptMinutes': '证据：配额 {quota} 已满，保存最近约 {n} 分钟的片段（最早的先删除）',
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
 * The daemon's own English words a code carries in `params.detail` (device lists, file names, library errors) when its
 * text in `lang` leaves them out (the Chinese texts of the `source.*` and `sensor.*` codes give advice in Chinese
 * instead): the web page and the report show them as a secondary "details" line, a Node system error message in
 * Chinese words in Chinese. undefined when the code has no detail, or its text already holds it (English).
 */
export function codeDetail(lang: TextLang, code: unknown): string | undefined {
  if (typeof code !== 'object' || code === null) return undefined;
  const params = (code as { params?: unknown }).params;
  const detail = typeof params === 'object' && params !== null ? (params as { detail?: unknown }).detail : undefined;
  if (typeof detail !== 'string' || detail.trim() === '') return undefined;
  const text = alertMessageIn(lang, undefined, code);
  if (text === undefined || text.includes(detail)) return undefined;
  // a system error in Chinese words with its code kept (src/os-error-words.ts): `找不到该文件或文件夹［ENOENT］：/x`
  return lang === 'zh-CN' ? zhOsErrorText(detail) : detail;
}

/** {@link codeDetail} of each code of a sequence, the distinct ones joined with "; " (undefined when none). */
export function codesDetail(lang: TextLang, codes: readonly AlertMessageCode[] | undefined): string | undefined {
  if (!Array.isArray(codes)) return undefined;
  const out = [...new Set(codes.map((c) => codeDetail(lang, c)).filter((d): d is string => d !== undefined))];
  return out.length > 0 ? out.join('; ') : undefined;
}

/**
 * An alert's text in `lang`: its `code` rendered from {@link ALERT_MESSAGE_TEXT} (a code of a newer server, or a
 * malformed one: `message` as sent), else `message`; undefined when there is neither. Records come from other
 * processes (a hub relays other versions), so `code` is checked, not trusted. A `{=cause}` placeholder is the text of
 * the id in `params.cause` (e.g. `offline.sourceError` with cause `source.notFound`), rendered with the same params.
 */
export function alertMessageIn(lang: TextLang, message: string | undefined, code: unknown): string | undefined {
  if (typeof code === 'object' && code !== null && typeof (code as { id?: unknown }).id === 'string') {
    const table = ALERT_MESSAGE_TEXT[lang] as Readonly<Record<string, string>>;
    const id = (code as { id: string }).id;
    if (hasOwn(table, id)) {
      const raw = (code as { params?: unknown }).params;
      const params = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
      return fillTemplate(lang, table, table[id]!, params, true);
    }
  }
  return message;
}

/** The receivers attached as a not-found reason lists them (`…; attached: none; check …`, Soapy's `…; Soapy found: …. Check …`). */
const ATTACHED = /; (?:attached|Soapy found): (.*?)(?:; check |\. Check |$)/;

/**
 * The terminal's text of a log record's code in `lang` ({@link alertMessageIn}); in Chinese, for a receiver not found,
 * with the receivers attached as the daemon's reason lists them (`找不到接收器（已连接的接收器：无）：请确认…`): the
 * Chinese sentence is the advice, and the technician at the terminal needs the list the English line gives (the web
 * page shows that English reason in the note's tooltip).
 */
export function logCodeText(code: unknown, lang: TextLang): string | undefined {
  const text = alertMessageIn(lang, undefined, code);
  const c = code as { id?: unknown; params?: { detail?: unknown } } | undefined;
  if (text === undefined || lang === 'en' || c?.id !== 'source.notFound' || typeof c.params?.detail !== 'string') return text;
  const m = ATTACHED.exec(c.params.detail);
  const head = '找不到接收器';
  if (m === null || !text.startsWith(`${head}：`)) return text;
  return `${head}（已连接的接收器：${m[1] === 'none' ? '无' : m[1]}）${text.slice(head.length)}`;
}

/** Message id of a source's error code while the sensor retries (DEVICE_NOT_FOUND → `source.notFound`, …; others: `source.io`). */
const SOURCE_RETRY_ID: Readonly<Record<string, AlertMessageId>> = {
  DEVICE_NOT_FOUND: 'source.notFound',
  DEVICE_BUSY: 'source.busy',
  PERMISSION: 'source.permission',
  DISCONNECTED: 'source.disconnected',
  USB_TRANSFER: 'source.usb',
  NOT_RTL_TCP: 'source.notRtlTcp',
};

/** Message id of an error that stops a sensor for good (the codes of FATAL_CODES in src/site/sensor-runtime.ts). */
const SENSOR_ERROR_ID: Readonly<Record<string, AlertMessageId>> = {
  CONFIG: 'sensor.config',
  BAD_INPUT: 'sensor.badInput',
  BASELINE_MISMATCH: 'sensor.baselineMismatch',
  NATIVE_UNAVAILABLE: 'sensor.nativeUnavailable',
};

/**
 * The code of a sensor's offline note while it reopens its source: `errorCode` is the QuietBandError code of the
 * failure (undefined: the source ended by itself → `source.ended`), `detail` the English reason as the daemon logs it
 * (rendered as written in English, and inside `source.io` in Chinese), `reopenMs` the delay before the next try,
 * `device` the receiver as the sensor's source names it (`rtlsdr:00000001`): the Chinese busy and permission texts
 * name it (the English detail already does: `cannot open rtlsdr:00000001: RTL-SDR serial 00000001 is busy …`).
 */
export function sourceRetryCode(errorCode: string | undefined, detail: string, reopenMs: number, device = ''): AlertMessageCode {
  const id = errorCode === undefined ? 'source.ended' : (SOURCE_RETRY_ID[errorCode] ?? 'source.io');
  return { id, params: { detail, ms: Math.round(reopenMs), ...(device !== '' ? { device } : {}) } };
}

/**
 * The code of a sensor's error state (it is not restarted): one of `sensor.config`, `sensor.badInput`,
 * `sensor.baselineMismatch`, `sensor.nativeUnavailable` with the error's own words as `detail`; undefined for another
 * code (the note is then shown as written).
 */
export function sensorErrorCode(errorCode: string | undefined, detail: string): AlertMessageCode | undefined {
  const id = errorCode === undefined ? undefined : SENSOR_ERROR_ID[errorCode];
  return id === undefined ? undefined : { id, params: { detail } };
}

/**
 * The note of a sensor that records a baseline in a calibration window: `seconds` of it (of every hop when `perHop`),
 * `reason` the window (English, e.g. `calibration window before session "Maths" at 08:40`); the English text and its
 * code (`sensor.calibrating` / `sensor.calibratingHops`).
 */
export function calibratingNote(seconds: number, reason: string, perHop: boolean): { message: string; code: AlertMessageCode } {
  const code: AlertMessageCode = { id: perHop ? 'sensor.calibratingHops' : 'sensor.calibrating', params: { seconds, reason } };
  return { message: codesText([code]), code };
}

/**
 * The code of a sensor-offline alert for a sensor whose source stopped: always `offline.sourceError`, whose `{=cause}`
 * is the text of the sensor's note in the reader's language: the note's own id (`source.*` while the source is
 * reopened, `worker.exited`, `sensor.*`) with its params; a note in words only (`reason`, an error without a known code)
 * is `sensor.failed` with those words as `detail` (shown as a details line in Chinese, see {@link codeDetail}); no note
 * at all is `source.stopped`.
 */
export function offlineSourceCode(sensor: string, source: string, reason: string, note: AlertMessageCode | undefined): AlertMessageCode {
  const cause: AlertMessageCode = note ?? (reason.trim() !== '' ? { id: 'sensor.failed', params: { detail: reason } } : { id: 'source.stopped' });
  return { id: 'offline.sourceError', params: { sensor, source, ...cause.params, cause: cause.id } };
}

/**
 * A server text as its code and its English words: `{ reason, reasonCode }` with `reason` rendered from
 * {@link ALERT_MESSAGE_TEXT}.en (what logs, MQTT and `quietband replay` print), `reasonCode` for a page to word it in its
 * reader's language; its `id` typed as the one given, so an `ident.*` code fills an `AlertSignal.reasonCode`.
 */
export function codedReason<I extends AlertMessageId>(id: I, params: Record<string, string | number> = {}): { reason: string; reasonCode: { id: I; params: Record<string, string | number> } } {
  const reasonCode = { id, params };
  return { reason: alertMessageIn('en', '', reasonCode)!, reasonCode };
}
