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
    'sensor.config': '{detail}',
    'sensor.badInput': '{detail}',
    'sensor.baselineMismatch': '{detail}',
    'sensor.nativeUnavailable': '{detail}',
    'sensor.calibrating': 'calibration: recording {seconds} s of baseline ({reason})',
    'sensor.calibratingHops': 'calibration: recording {seconds} s of baseline per hop ({reason})',
    'hearing.deaf': "Not hearing the calibration's periodic emitter {mhz} MHz (every {periodS} s, silent {silentS} s).",
    'hearing.advice': 'Check the antenna, its cable and the gain: a deaf sensor raises no alerts.',
    'disk.measuring': 'recording to disk: {free} free (measuring the rate)',
    'disk.notFilling': 'recording to disk: {free} free, not filling at the current rate',
    'disk.days': 'recording to disk: {free} free, ≈ {n} days at the current rate ({perDay}/day)',
    'disk.hours': 'recording to disk: {free} free, ≈ {n} h at the current rate ({perDay}/day)',
    'disk.minutes': 'recording to disk: {free} free, ≈ {n} min at the current rate ({perDay}/day)',
    'disk.picturesShed': 'recording to disk: {free} free, below {pictureFloor} (twice the evidence floor): clip pictures are not drawn (clips and alerts are written)',
    'disk.belowFloor': 'recording to disk: {free} free, below the {floor} evidence floor: clips and pictures are not written (alerts are)',
    'ident.pulsed': 'impulsive: {n} pulses of median {median} (< {max}), duty {duty}, noise-like within pulses (kurtosis {k}), 99 % bandwidth {bw}',
    'ident.tdma': 'regular modulated bursts: slot {slot} (CV {slotCv}), frame {frame} (CV {frameCv}), duty {duty}, bandwidth {bw} (time × bandwidth {tb})',
    'ident.fskBursts': 'bursts whose frequency takes {tones} values {spacing} apart (constant envelope while on, kurtosis {k}); symbol rate {bd} Bd',
    'ident.widebandBursts': 'bursts of a noise-like emission (kurtosis while on {k}, no carrier line) {bw} wide, duty {duty}',
    'ident.amBursts': 'amplitude modulated to near zero (the envelope dips read as gaps): carrier line {line} of the power, amplitude index {index} ({lo}–{hi})',
    'ident.ookBursts': 'on-off keyed: {n} pulses, duty {duty}, one frequency, carrier line {line} of the power, shortest element {element} ({bd} Bd)',
    'ident.ookKeyedCarrier': 'keyed carrier: carrier line {line} of the power, amplitude index {index} (≈ 1 for on-off at 50 %), envelope kurtosis {k} (≈ 1/duty − 1); keying too fast for the noise to resolve pulses',
    'ident.am': 'amplitude modulated: carrier line {line} of the power, amplitude index {index} ({lo}–{hi}), 99 % bandwidth {bw}',
    'ident.carrier': 'unmodulated carrier: 99 % bandwidth {bw} (< {max}), amplitude index {index}, drift {drift}',
    'ident.fsk': 'continuous, constant envelope, frequency takes {tones} values ({ifTones} in the instantaneous frequency, {humps} humps in the spectrum) {spacing} apart; symbol rate {bd} Bd',
    'ident.ookMerged': 'on-off keyed (pulses not resolved at this SNR or merged packets): envelope kurtosis {k} (≈ 1/duty − 1), carrier line {line} of the power',
    'ident.widebandDigital': 'continuous, noise-like envelope (kurtosis {k} ≈ 1 for Gaussian), no carrier line, flatness {flat}, {bw} wide',
    'ident.ookKeyed': 'on-off keyed (pulses not resolved at this SNR): envelope kurtosis {k} (a constant envelope on ≈ {share} of the time; > {limit}), no carrier line above the noise ({line}), in-band SNR {snr} dB, {bw} wide',
    'ident.carrierWeak': 'narrow (99 % bandwidth {bw}) without a dominant line: a drifting or weak carrier',
    'ident.wfm': 'wide FM: constant envelope (kurtosis {k}), 99 % bandwidth {bw} (> {min}), deviation ≈ {dev}',
    'ident.wfmNotConstant': 'wide FM: envelope not constant (kurtosis {k} > {limit}): FM only because no other rule matched, 99 % bandwidth {bw} (> {min}), deviation ≈ {dev}',
    'ident.nfm': 'narrow FM: constant envelope (kurtosis {k}), 99 % bandwidth {bw}, deviation ≈ {dev}',
    'ident.nfmNotConstant': 'narrow FM: envelope not constant (kurtosis {k} > {limit}): FM only because no other rule matched, 99 % bandwidth {bw}, deviation ≈ {dev}',
    'ident.tooShort': 'clip too short: {samples} samples ({ms} ms); need at least {minSamples} samples and {minMs} ms',
    'ident.tooShortChannel': 'clip too short: {samples} samples after channel selection at {rate} S/s',
    'ident.noEmission': 'no emission above the noise near {offset|near} (in-band SNR {snr} dB)',
    'ident.notHeld': "the transmission's IQ is no longer held by the sensor's ring",
    'ident.failed': 'identification failed: {error}',
    'ident.group': "as identified by {groupSensor}, the group's strongest (in-band SNR {groupSnr} dB): {=inner}",
    'ident.firstStands': '{=inner} (its last part: {last})',
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
    'offline.silentWorker': '传感器 {sensor}（{source}）停止输出数据：处理进程已 {ms} 毫秒未报告',
    'offline.noDataAfterOpen': '传感器 {sensor}（{source}）停止输出数据：打开信号源 {ms} 毫秒后仍无数据',
    'offline.noData': '传感器 {sensor}（{source}）停止输出数据：已 {ms} 毫秒无数据',
    'online.again': '数据已恢复',
    'overload.on': 'ADC 过载：{pct}% 的采样处于满幅已超过 {ms} 毫秒；请降低增益（期间的检测可能是互调产物）',
    'overload.off': '削波已停止',
    'storage.failed': '存储故障：告警无法写入数据目录（{code}：{error}）。告警仍会发送并暂存于内存，磁盘恢复写入后即保存：请立即释放空间或修复数据目录。',
    'storage.back': '存储已恢复：暂存的告警均已保存',
    'restart.closed': '守护进程重启时关闭：上次运行结束时该告警仍未结束',
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
    'source.notFound': '找不到接收器：请确认 RTL-SDR 接收器已插好（"lsusb" 应列出 "0bda:2838" 或 "0bda:2832"），换一个 USB 口或线缆，并确认内核 DVB 驱动没有占用它（屏蔽 "dvb_usb_rtl28xxu"）；{ms|delay}后重试',
    'source.busy': '接收器被占用：另一个程序（如 "rtl_tcp"、"rtl_433"）正在使用 RTL-SDR 接收器，请先停止它；若没有其他程序，则是内核 DVB-T 驱动占用了它，请屏蔽 "dvb_usb_rtl28xxu" 并重新插拔；{ms|delay}后重试',
    'source.permission': '无权打开接收器：请安装 "udev" 规则（"rtl-sdr" 软件包）并重新插拔 RTL-SDR 接收器，或把用户加入 "plugdev" 组后重新登录；{ms|delay}后重试',
    'source.disconnected': '接收器停止送出采样：RTL-SDR 接收器被拔出或卡死；{ms|delay}后按序列号重新打开（仍不恢复请重新插拔）',
    'source.usb': '接收器 USB 传输出错：请检查 USB 连接和 RTL-SDR 接收器的供电；{ms|delay}后重试',
    'source.notRtlTcp': '对端不是 "rtl_tcp" 服务器：请检查主机和端口（"rtl_tcp" 默认监听 1234，该端口也可能被网页服务器等其他服务占用）；{ms|delay}后重试',
    'source.io': '读取信号源出错：请查看详情（守护进程的原文），检查信号源及其连接；{ms|delay}后重试',
    'source.ended': '信号源已结束；{ms|delay}后重新打开',
    'sensor.config': '配置有误，传感器未运行：请按详情修改考点配置文件中该传感器的设置，然后重启 quietband',
    'sensor.badInput': '输入文件有误，传感器未运行：请按详情检查录音文件及其元数据（采样格式、采样率、中心频率）',
    'sensor.baselineMismatch': '存储的基线与当前设置不符，传感器未运行：请重新校准（"quietband calibrate"），或删除详情中所列的基线文件',
    'sensor.nativeUnavailable': '本机接收器模块不可用，传感器未运行：请安装详情中所列的软件包，再运行 "npm run build:native" 重新编译',
    'sensor.calibrating': '校准：正在录制 {seconds} 秒基线',
    'sensor.calibratingHops': '校准：每个跳频段正在录制 {seconds} 秒基线',
    'hearing.deaf': '听不到校准时的周期性发射源 {mhz} MHz（每 {periodS} 秒一次，已 {silentS} 秒未出现）。',
    'hearing.advice': '请检查天线、馈线和增益：听不到信号的传感器不会产生任何告警。',
    'disk.measuring': '磁盘记录：剩余 {free}（正在测算写入速度）',
    'disk.notFilling': '磁盘记录：剩余 {free}，按当前速度不会写满',
    'disk.days': '磁盘记录：剩余 {free}，按当前速度约可用 {n} 天（每天 {perDay}）',
    'disk.hours': '磁盘记录：剩余 {free}，按当前速度约可用 {n} 小时（每天 {perDay}）',
    'disk.minutes': '磁盘记录：剩余 {free}，按当前速度约可用 {n} 分钟（每天 {perDay}）',
    'disk.picturesShed': '磁盘记录：剩余 {free}，低于 {pictureFloor}（证据存储下限的两倍）：不再绘制片段图片（证据片段和告警照常写入）',
    'ident.pulsed': '脉冲性：{n} 个脉冲，中位宽度 {median}（< {max}），占空比 {duty}，脉冲内类噪声（峭度 {k}），99 % 带宽 {bw}',
    'ident.tdma': '规则的调制突发：时隙 {slot}（变异系数 {slotCv}），帧 {frame}（变异系数 {frameCv}），占空比 {duty}，带宽 {bw}（时宽×带宽 {tb}）',
    'ident.fskBursts': '突发内频率取 {tones} 个值，间隔 {spacing}（发射时包络恒定，峭度 {k}）；符号率 {bd} 波特',
    'ident.widebandBursts': '类噪声发射的突发（发射时峭度 {k}，无载波谱线），宽 {bw}，占空比 {duty}',
    'ident.amBursts': '调幅至接近零（包络凹陷被读作间隙）：载波谱线占功率 {line}，调幅指数 {index}（{lo}–{hi}）',
    'ident.ookBursts': '通断键控：{n} 个脉冲，占空比 {duty}，单一频率，载波谱线占功率 {line}，最短码元 {element}（{bd} 波特）',
    'ident.ookKeyedCarrier': '键控载波：载波谱线占功率 {line}，调幅指数 {index}（50 % 通断时约为 1），包络峭度 {k}（约 1/占空比 − 1）；键控过快，在此噪声下无法分辨脉冲',
    'ident.am': '调幅：载波谱线占功率 {line}，调幅指数 {index}（{lo}–{hi}），99 % 带宽 {bw}',
    'ident.carrier': '未调制载波：99 % 带宽 {bw}（< {max}），调幅指数 {index}，漂移 {drift}',
    'ident.fsk': '连续发射，包络恒定，频率取 {tones} 个值（瞬时频率中 {ifTones} 个，频谱中 {humps} 个峰），间隔 {spacing}；符号率 {bd} 波特',
    'ident.ookMerged': '通断键控（此信噪比下脉冲无法分辨，或数据包相连）：包络峭度 {k}（约 1/占空比 − 1），载波谱线占功率 {line}',
    'ident.widebandDigital': '连续发射，包络类噪声（峭度 {k}，高斯信号约为 1），无载波谱线，平坦度 {flat}，宽 {bw}',
    'ident.ookKeyed': '通断键控（此信噪比下脉冲无法分辨）：包络峭度 {k}（恒定包络约有 {share} 的时间在发射；> {limit}），噪声之上无载波谱线（{line}），带内信噪比 {snr} dB，宽 {bw}',
    'ident.carrierWeak': '窄带（99 % 带宽 {bw}），无主导谱线：漂移或微弱的载波',
    'ident.wfm': '宽带调频：包络恒定（峭度 {k}），99 % 带宽 {bw}（> {min}），频偏约 {dev}',
    'ident.wfmNotConstant': '宽带调频：包络不恒定（峭度 {k} > {limit}）：仅因其他规则都不符合而判为调频，99 % 带宽 {bw}（> {min}），频偏约 {dev}',
    'ident.nfm': '窄带调频：包络恒定（峭度 {k}），99 % 带宽 {bw}，频偏约 {dev}',
    'ident.nfmNotConstant': '窄带调频：包络不恒定（峭度 {k} > {limit}）：仅因其他规则都不符合而判为调频，99 % 带宽 {bw}，频偏约 {dev}',
    'ident.tooShort': '片段过短：{samples} 个采样（{ms} 毫秒）；至少需要 {minSamples} 个采样和 {minMs} 毫秒',
    'ident.tooShortChannel': '片段过短：信道选择后仅 {samples} 个采样（{rate} 采样/秒）',
    'ident.noEmission': '{offset|near} 附近噪声之上无发射（带内信噪比 {snr} dB）',
    'ident.notHeld': '传感器的缓冲区已不再保存该发射的 IQ 数据',
    'ident.failed': '识别失败：{error}',
    'ident.group': '由本组最强的 {groupSensor} 识别（带内信噪比 {groupSnr} dB）：{=inner}',
    'ident.firstStands': '{=inner}（其最后一段无法识别，沿用最初的识别）',
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
 * instead): the web page and the report show them as a secondary "details" line. undefined when the code has no
 * detail, or its text already holds it (English).
 */
export function codeDetail(lang: TextLang, code: unknown): string | undefined {
  if (typeof code !== 'object' || code === null) return undefined;
  const params = (code as { params?: unknown }).params;
  const detail = typeof params === 'object' && params !== null ? (params as { detail?: unknown }).detail : undefined;
  if (typeof detail !== 'string' || detail.trim() === '') return undefined;
  const text = alertMessageIn(lang, undefined, code);
  return text === undefined || text.includes(detail) ? undefined : detail;
}

/** {@link codeDetail} of each code of a sequence, the distinct ones joined with "; " (undefined when none). */
export function codesDetail(lang: TextLang, codes: readonly AlertMessageCode[] | undefined): string | undefined {
  if (!Array.isArray(codes)) return undefined;
  const out = [...new Set(codes.map((c) => codeDetail(lang, c)).filter((d): d is string => d !== undefined))];
  return out.length > 0 ? out.join('; ') : undefined;
}

const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/**
 * A delay of `ms` milliseconds as a reader words it in `lang`: whole milliseconds below 1 s ("400 ms", "400 毫秒"),
 * else seconds to 0.1 s without a trailing ".0" ("1.6 s", "16 s"; "16 秒"). A value that is not a finite number is
 * shown as sent, followed by the millisecond unit.
 */
export function delayText(lang: TextLang, ms: unknown): string {
  const n = typeof ms === 'number' ? ms : typeof ms === 'string' && ms.trim() !== '' ? Number(ms) : NaN;
  const [msUnit, sUnit] = lang === 'zh-CN' ? ['毫秒', '秒'] : ['ms', 's'];
  if (!Number.isFinite(n)) return `${String(ms)} ${msUnit}`;
  if (Math.abs(n) < 1000) return `${Math.round(n)} ${msUnit}`;
  return `${String(Math.round(n / 100) / 10)} ${sUnit}`;
}

/**
 * Where an offset of `offsetHz` from a sensor's tuning centre lies, worded in `lang`: the absolute frequency in MHz
 * (4 decimals) when the tuning centre `tunedHz` is known ("434.1712 MHz"), else signed kHz from the sensor's centre
 * ("+251.2 kHz from the sensor's centre", "距传感器中心频率 +251.2 kHz"). A value that is not a number is shown with "Hz".
 */
export function nearText(lang: TextLang, offsetHz: unknown, tunedHz: unknown): string {
  const off = typeof offsetHz === 'number' ? offsetHz : typeof offsetHz === 'string' && offsetHz.trim() !== '' ? Number(offsetHz) : NaN;
  if (!Number.isFinite(off)) return `${String(offsetHz)} Hz`;
  if (typeof tunedHz === 'number' && Number.isFinite(tunedHz) && tunedHz > 0) return `${((tunedHz + off) / 1e6).toFixed(4)} MHz`;
  const khz = `${off < 0 ? '−' : '+'}${(Math.abs(off) / 1000).toFixed(1)} kHz`;
  return lang === 'zh-CN' ? `距传感器中心频率 ${khz}` : `${khz} from the sensor's centre`;
}

/**
 * `template` with `{k}` replaced by `params[k]`, `{k|delay}` by {@link delayText} of `params[k]` (milliseconds) in
 * `lang`, `{k|near}` by {@link nearText} of `params[k]` (Hz from the tuning centre `params.tunedHz`), and, when `nested`, `{=k}` by the text of the message id `params[k]` rendered with the same params (one
 * level: the nested text's own `{=k}` stay as written). Unknown keys stay as written.
 */
function fill(lang: TextLang, table: Readonly<Record<string, string>>, template: string, params: Record<string, unknown>, nested: boolean): string {
  return template.replace(/\{(=?)(\w+)(?:\|(delay|near))?\}/g, (m, eq: string, k: string, format: string | undefined) => {
    if (!has(params, k)) return m;
    if (format === 'delay') return delayText(lang, params[k]);
    if (format === 'near') return nearText(lang, params[k], params.tunedHz);
    if (eq === '') return String(params[k]);
    const id = String(params[k]);
    return nested && has(table, id) ? fill(lang, table, table[id]!, params, false) : m;
  });
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
    if (has(table, id)) {
      const raw = (code as { params?: unknown }).params;
      const params = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
      return fill(lang, table, table[id]!, params, true);
    }
  }
  return message;
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
 * (rendered as written in English, and inside `source.io` in Chinese), `reopenMs` the delay before the next try.
 */
export function sourceRetryCode(errorCode: string | undefined, detail: string, reopenMs: number): AlertMessageCode {
  const id = errorCode === undefined ? 'source.ended' : (SOURCE_RETRY_ID[errorCode] ?? 'source.io');
  return { id, params: { detail, ms: Math.round(reopenMs) } };
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
 * The code of a sensor-offline alert for a sensor whose source stopped: `offline.sourceError` naming the cause when the
 * sensor's note is a `source.*` code, else `offline.source` with `reason` (the note's English words) as written.
 */
export function offlineSourceCode(sensor: string, source: string, reason: string, note: AlertMessageCode | undefined): AlertMessageCode {
  if (note !== undefined && note.id.startsWith('source.')) return { id: 'offline.sourceError', params: { sensor, source, ...note.params, cause: note.id } };
  return { id: 'offline.source', params: { sensor, source, reason } };
}

/**
 * A server text as its code and its English words: `{ reason, reasonCode }` with `reason` rendered from
 * {@link ALERT_MESSAGE_TEXT}.en (what logs, MQTT and `quietband replay` print), `reasonCode` for a page to word it in its
 * reader's language.
 */
export function codedReason(id: AlertMessageId, params: Record<string, string | number> = {}): { reason: string; reasonCode: AlertMessageCode } {
  const reasonCode: AlertMessageCode = { id, params };
  return { reason: alertMessageIn('en', '', reasonCode)!, reasonCode };
}
