// The words a technician reads on the terminal (pretty log lines, the start-up lines, countdown bars) in English and
// Simplified Chinese. The JSON log lines stay English whatever the language: machines read those.
import { ZH_LOG_MESSAGES } from './log-messages-zh.js';
import { ALERT_STATE_WORDS, pluralWord, type TextLang } from './text-template.js';

/** Environment variable carrying the terminal language to worker threads (`--lang` of run, calibrate, record sets it). */
export const LOG_LANG_ENV = 'QUIETBAND_LANG';

/** The terminal language from `QUIETBAND_LANG` ('zh-CN' for zh / zh-CN in any case, else 'en'). */
export function resolveLogLang(env: NodeJS.ProcessEnv = process.env): TextLang {
  const v = env[LOG_LANG_ENV]?.toLowerCase();
  return v === 'zh' || v === 'zh-cn' ? 'zh-CN' : 'en';
}

/** One language's terminal words. */
export interface TerminalWords {
  /** Log messages (the record's `msg`) a technician sees on a normal run, by their English text; others stay English. */
  msg: Readonly<Record<string, string>>;
  /** pino-pretty's level labels (INFO, WARN, ERROR, …) as shown. */
  level: Readonly<Record<string, string>>;
  /**
   * The start of a readable line from its local time (`HH:MM:ss`) and level word, where the language words it itself:
   * Chinese `20:31:07 信息：` (pino-pretty's own start, `[20:31:07] INFO:`, ends in a Latin colon it adds beside the
   * level word). Undefined: pino-pretty's own.
   */
  lineHead?: (time: string, level: string) => string;
  /** Whose line it is, before the message: a sensor's or a component's name as logged, `[s1] ` / `【s1】`. */
  who: (name: string) => string;
  /** Sensor states (SensorHealth.state). */
  state: Readonly<Record<string, string>>;
  /** Alert words of the `ALERT` line: record events, severities, kinds, alert states. */
  event: Readonly<Record<string, string>>;
  severity: Readonly<Record<string, string>>;
  kind: Readonly<Record<string, string>>;
  alertState: Readonly<Record<string, string>>;
  alert: string;
  /** The identified class on an alert line, from the class's words (src/text-template.ts classWordsText). */
  signalClass: (classWords: string) => string;
  session: (name: string) => string;
  by: (who: string) => string;
  /** Who removed the known mark that hid an alert (its `unmark` record's `ackBy`): not its handler. */
  removedBy: (who: string) => string;
  /**
   * A late alert (`lateMs`, from the delay's words: src/text-template.ts delayText): `2.3 s late`, with the part its
   * samples waited on the receiver's link (`lateLinkMs`) when given: `31.6 s late (30 s on the receiver's link)`.
   */
  late: (delay: string, link?: string) => string;
  stateArrow: string;
  /**
   * The punctuation of a line's own structure: an aside after the text (` (…)` / `（…）`, its leading space in English),
   * the separators inside it and before a detail; full-width in Chinese, as every Chinese text of the project.
   */
  punct: { aside: (inner: string) => string; semi: string; comma: string; colon: string };
  /** `centre 433.920 MHz` / `centre unknown`. */
  centre: (mhz: string | null) => string;
  /** Prefix of the repeated offline line (`still offline: <reason>`). */
  stillOffline: string;
  /**
   * The `calibration` field of the `exam sessions` line (the site's CalibrationSettings): `windowMin` minutes before each
   * session (0: no window), recording `seconds` s, baselines valid `maxAgeH` hours.
   */
  calibration: (windowMin: number, seconds: number, maxAgeH: number) => string;
  /** Countdown: time left, and the bars' labels. */
  left: (s: number) => string;
  warmup: (sensor: string) => string;
  calibrating: (sensor: string) => string;
  recording: (source: string) => string;
  /** Start-up lines of `run` on stdout. */
  siteRunning: (demo: boolean, site: string, url: string) => string;
  /** The addresses other computers open (a wildcard --bind). */
  otherComputers: (urls: string) => string;
  sensorLine: (name: string, source: string, mhz: string, kSps: string, fft: number, baseline: string) => string;
  warmupBaseline: (s: number) => string;
  /** A scanning sensor's warm-up: `s` seconds on each of `hops` hops, about `totalS` seconds in all (countdown.ts warmupLengthS). */
  warmupScan: (s: number, hops: number, totalS: number) => string;
  storedBaseline: (path: string) => string;
  /** What a calibration heard (calibrate, replay's baseline pass): the heading and one emitter's words. */
  heard: EmitterWords;
  /**
   * `quietband sim`'s line on stderr about the capture it wrote: `site` the site background (annotated intervals),
   * else a scenario (annotated events); `clippedPercent` already formatted (`0.00`).
   */
  simWrote: (site: boolean, samples: number, durationS: number, rateSps: number, annotations: number, clippedPercent: string) => string;
}

/** Words of the calibration's emitter report (src/cli/calibrate.ts reportEmitters, src/baseline/emitters.ts describeEmitter). */
export interface EmitterWords {
  /** Who heard: a file's calibration, or a live sensor's (`hopMhz`: the hop of a scanning sensor, MHz text). */
  who: (sensor?: string, hopMhz?: string) => string;
  none: (who: string) => string;
  some: (who: string, n: number) => string;
  /** `-23.0 dBFS (+40.2 dB over the floor)` from the two texts. */
  level: (dbfs: string, excessDb: string) => string;
  continuous: string;
  duty: (percent: string) => string;
  every: (seconds: string) => string;
  appearances: (n: number, longestS: string) => string;
}

/** `1 min 05 s` / `33 s` of `s` seconds (rounded up, never negative), with the units of one language. */
function minSec(s: number, min: string, sec: string): string {
  const r = Math.max(0, Math.ceil(s));
  return r >= 60 ? `${Math.floor(r / 60)} ${min} ${String(r % 60).padStart(2, '0')} ${sec}` : `${r} ${sec}`;
}

const EN: TerminalWords = {
  msg: {},
  level: {},
  who: (name) => `[${name}] `,
  state: {},
  event: { unmark: 'restored' },
  severity: {},
  kind: {},
  alertState: ALERT_STATE_WORDS.en,
  alert: 'ALERT',
  signalClass: (c) => `class ${c}`,
  session: (name) => `session ${name}`,
  by: (who) => `by ${who}`,
  removedBy: (who) => `known mark removed by ${who}`,
  late: (delay, link) => `${delay} late${link !== undefined ? ` (${link} on the receiver's link)` : ''}`,
  stateArrow: 'state →',
  punct: { aside: (inner) => ` (${inner})`, semi: '; ', comma: ', ', colon: ': ' },
  centre: (mhz) => (mhz === null ? 'centre unknown' : `centre ${mhz}`),
  stillOffline: 'still offline: ',
  calibration: (win, sec, maxH) => `calibration ${win > 0 ? `${win} min before (${sec} s; ` : 'off ('}baselines valid ${maxH} h)`,
  left: (s) => `${minSec(s, 'min', 's')} left`,
  warmup: (sensor) => `warm-up ${sensor}`,
  calibrating: (sensor) => `calibrating ${sensor}`,
  recording: (source) => `recording ${source}`,
  siteRunning: (demo, site, url) => `${demo ? 'QuietBand demo site' : `QuietBand site "${site}"`} running at ${url}`,
  otherComputers: (urls) => `  from other computers: ${urls}`,
  sensorLine: (name, source, mhz, kSps, fft, baseline) => `  sensor ${name}: ${source} at ${mhz} MHz, ${kSps} kS/s, FFT ${fft}; baseline: ${baseline}`,
  warmupBaseline: (s) => `warm-up ${s} s`,
  warmupScan: (s, hops, totalS) => `warm-up ${s} s on each of ${hops} hops (about ${totalS} s)`,
  storedBaseline: (path) => `stored ${path}`,
  heard: {
    who: (sensor, hop) => (sensor === undefined ? 'calibration' : `sensor ${sensor} calibration${hop !== undefined ? ` (hop ${hop} MHz)` : ''}`),
    none: (who) => `${who} heard no emitter above the noise floor`,
    some: (who, n) => `${who} heard ${n} emitter${n === 1 ? '' : 's'} (now part of the baseline; confirm each as known, or investigate):`,
    level: (dbfs, excess) => `${dbfs} dBFS (+${excess} dB over the floor)`,
    continuous: 'continuous',
    duty: (pct) => `duty ${pct} %`,
    every: (s) => `every ${s} s`,
    appearances: (n, longest) => `(${n} appearance${n === 1 ? '' : 's'}, longest ${longest} s)`,
  },
  simWrote: (site, samples, durationS, rateSps, n, clipped) =>
    `quietband sim: ${site ? 'site background, ' : ''}${samples} samples (${durationS} s at ${rateSps} S/s), ${n} annotated ${site ? pluralWord('en', n, 'interval', 'intervals') : pluralWord('en', n, 'event', 'events')}, clipped ${clipped} %`,
};

/** Simplified Chinese: the sensor states, kinds, events and severities are the web page's words (web-ui/src/strings-zh.ts). */
const ZH: TerminalWords = {
  msg: ZH_LOG_MESSAGES,
  level: { TRACE: '跟踪', DEBUG: '调试', INFO: '信息', WARN: '警告', ERROR: '错误', FATAL: '致命' },
  lineHead: (time, level) => `${time} ${level}：`,
  // full-width lenticular brackets, the Chinese tag of a source; they carry their own space
  who: (name) => `【${name}】`,
  state: { starting: '启动中', learning: '学习基线', armed: '监测中', offline: '离线', overload: '过载', error: '因错误停止', stopped: '已停止' },
  event: { open: '发出', update: '更新', close: '结束', ack: '已确认', known: '标记为已知', escalate: '已升级', unmark: '已恢复' },
  severity: { high: '高', low: '低', info: '提示' },
  kind: { transmission: '无线发射', 'sensor-offline': '传感器离线', overload: '传感器过载', 'site-offline': '考点离线', 'storage-failed': '存储故障', 'present-during-calibration': '校准期间已存在' },
  alertState: ALERT_STATE_WORDS['zh-CN'],
  alert: '告警',
  signalClass: (c) => `识别为${c}`,
  session: (name) => `考试场次 ${name}`,
  by: (who) => `处理人 ${who}`,
  removedBy: (who) => `由 ${who} 移除标记`,
  late: (delay, link) => `延迟 ${delay}${link !== undefined ? `（接收机链路上 ${link}）` : ''}`,
  stateArrow: '状态 →',
  punct: { aside: (inner) => `（${inner}）`, semi: '；', comma: '，', colon: '：' },
  centre: (mhz) => (mhz === null ? '中心频率未知' : `中心 ${mhz}`),
  stillOffline: '仍离线：',
  calibration: (win, sec, maxH) => `校准 ${win > 0 ? `开考前 ${win} 分钟（录制 ${sec} 秒；` : '关闭（'}基线有效期 ${maxH} 小时）`,
  left: (s) => `剩余 ${minSec(s, '分', '秒')}`,
  warmup: (sensor) => `预热 ${sensor}`,
  calibrating: (sensor) => `校准 ${sensor}`,
  recording: (source) => `记录 ${source}`,
  siteRunning: (demo, site, url) => `${demo ? 'QuietBand 演示考点' : `QuietBand 考点“${site}”`}运行于 ${url}`,
  otherComputers: (urls) => `  其他电脑访问：${urls}`,
  sensorLine: (name, source, mhz, kSps, fft, baseline) => `  传感器 ${name}：${source}，${mhz} MHz，${kSps} kS/s，FFT ${fft}；基线：${baseline}`,
  warmupBaseline: (s) => `预热 ${s} 秒`,
  warmupScan: (s, hops, totalS) => `${hops} 个跳频点各预热 ${s} 秒（共约 ${totalS} 秒）`,
  storedBaseline: (path) => `已存 ${path}`,
  heard: {
    who: (sensor, hop) => (sensor === undefined ? '校准' : `传感器 ${sensor} 的校准${hop !== undefined ? `（跳频点 ${hop} MHz）` : ''}`),
    none: (who) => `${who}未收到高于底噪的发射源`,
    some: (who, n) => `${who}收到 ${n} 个发射源（已计入基线；请逐一确认为已知，或进行调查）：`,
    level: (dbfs, excess) => `${dbfs} dBFS（高出底噪 +${excess} dB）`,
    continuous: '持续',
    duty: (pct) => `占空比 ${pct} %`,
    every: (s) => `每 ${s} 秒一次`,
    appearances: (n, longest) => `（出现 ${n} 次，最长 ${longest} 秒）`,
  },
  simWrote: (site, samples, durationS, rateSps, n, clipped) =>
    `quietband sim：${site ? '考点背景，' : ''}${samples} 个采样（${durationS} 秒，${rateSps} S/s），${n} 个标注${site ? '区间' : '事件'}，削波 ${clipped} %`,
};

/** The terminal words of `lang`. */
export function terminalWords(lang: TextLang): TerminalWords {
  return lang === 'zh-CN' ? ZH : EN;
}

/** The text for `key` in `table`, else `key` itself (a word the table does not list stays as the daemon wrote it). */
export function word(table: Readonly<Record<string, string>>, key: string): string {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key]! : key;
}
