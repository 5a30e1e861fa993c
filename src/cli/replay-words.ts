// The words of `quietband replay` for a person (its table and its summary), in English and Simplified Chinese.
import { cliError } from '../error-text.js';
import { CLASS_WORDS, ZH_CLASS_WORDS, type TextLang } from '../text-template.js';
import { localeLang } from '../locale.js';
import { textColumns } from '../text-columns.js';
import { RAISE_MARK_TEXT } from '../alerts/severity-rank.js';

/**
 * `--lang` of the CLI (run, calibrate, record, replay, report) → language: 'en' for en, 'zh-CN' for zh / zh-CN (any
 * case); not given: the locale's ({@link localeLang}: zh_CN.UTF-8 → 'zh-CN'). `QUIETBAND_LANG` is what a command
 * chose (for its worker threads), not read here.
 * @throws QuietBandError('CONFIG') naming the flag for anything else.
 */
export function langFlag(v: string | undefined, env: NodeJS.ProcessEnv = process.env): TextLang {
  if (v === undefined) return localeLang(env);
  if (v.toLowerCase() === 'en') return 'en';
  if (v.toLowerCase() === 'zh' || v.toLowerCase() === 'zh-cn') return 'zh-CN';
  throw cliError('flag.lang', { value: v }, 'CONFIG');
}

/**
 * `s` padded to `width` terminal columns, on the right (`left` true) or the left. Columns as a terminal shows them
 * (string-width: a CJK character takes two), so a table with Chinese headings stays aligned.
 */
export function padColumns(s: string, width: number, left: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - textColumns(s)));
  return left ? s + fill : fill + s;
}

/** Terminal columns of `s` (see {@link padColumns}). */
export function columns(s: string): number {
  return textColumns(s);
}

/** Every text of the replay table and summary in one language; numbers come formatted, units are the words' own. */
export interface ReplayWords {
  /** Table headings: #, start, centre (absolute) / offset (unknown centre), bandwidth, duration, bursts, excess, class, notes. */
  head: { start: string; centre: string; offset: string; bandwidth: string; duration: string; packets: string; excess: string; class: string; notes: string };
  unexpected: string;
  /** The mark of a detection whose alert would be raised, by reason code (`raise.voice` → `▲ voice link`). */
  raised: Readonly<Record<string, string>>;
  /** After the count line when rows are raised: `; 2 ranked higher (▲)`. */
  raisedCount: (n: number) => string;
  clipped: string;
  unknownClass: string;
  unidentified: string;
  noDetections: string;
  /** `3 detections: ook 2, nfm 1`. */
  count: (n: number, classes: string) => string;
  packetsFooter: string;
  ms: string;
  s: string;
  /** Summary labels (padded to 12 columns). */
  label: { recording: string; detections: string; overload: string; calibration: string; nonFinite: string; speed: string };
  title: (file: string) => string;
  recording: (durationS: string, rate: string, centre: string) => string;
  centre: (mhz: string) => string;
  centreUnknown: string;
  overloadFloat: string;
  overloadClipped: (pct: string, clippingS: string, durationS: string) => string;
  overloadNone: (maxPct: string, limitPct: string) => string;
  calibration: (heard: number, of: number) => string;
  neverHeard: (list: string) => string;
  nonFinite: (n: number) => string;
  /** After the detections' count when slices were joined: `tracks` detector detections written as fewer rows. */
  joined: (tracks: number) => string;
  /** Separator of a list inside a line (`, ` in English, `，` in Chinese). */
  listSep: string;
  speedOne: (factor: string, wallS: string) => string;
  speedTwo: (detectFactor: string, detectS: string, factor: string, wallS: string) => string;
  /** The progress bar's passes and its unit (`baseline [████░░] 40% | 52000/131072 samples`). */
  progress: { baseline: string; detect: string; samples: string };
  /**
   * A word shown after a class code (`ook 键控 99 %`), by SignalClass; none in English (the code is the word). The
   * Chinese words are the web page's class column (web-ui/src/strings-zh.ts `sig.*`), so the table and the page agree.
   */
  classWord: Readonly<Partial<Record<string, string>>>;
}

const EN: ReplayWords = {
  head: { start: 'start s', centre: 'centre MHz', offset: 'offset kHz', bandwidth: 'bw kHz', duration: 'duration', packets: 'pk', excess: 'excess dB', class: 'class', notes: 'notes' },
  unexpected: 'unexpected class here',
  raised: RAISE_MARK_TEXT.en,
  raisedCount: (n) => `; ${n} ranked higher (▲)`,
  listSep: ', ',
  clipped: 'CLIPPED',
  unknownClass: 'unknown',
  unidentified: 'unidentified',
  noDetections: 'no detections',
  count: (n, classes) => `${n} detection${n === 1 ? '' : 's'}: ${classes}`,
  packetsFooter: 'pk: packets in one detection (bursts at least 10 ms apart); repeats of a transmission close in time and frequency make one row',
  ms: 'ms',
  s: 's',
  label: { recording: 'recording', detections: 'detections', overload: 'overload', calibration: 'calibration', nonFinite: 'non-finite', speed: 'speed' },
  title: (file) => `replay of ${file}`,
  recording: (d, rate, centre) => `${d} s at ${rate}, ${centre}`,
  centre: (mhz) => `centre ${mhz} MHz`,
  centreUnknown: 'centre unknown (frequencies are offsets)',
  overloadFloat: 'not measured: float samples (cf32) have no ADC rails',
  overloadClipped: (pct, clippingS, d) => `CLIPPED: ${pct} of raw values at the ADC rails, ${clippingS} s of ${d} s clipping; ` +
    'the detections are unreliable (intermodulation, missed weak signals): record again with less gain',
  overloadNone: (maxPct, limitPct) => `none (at most ${maxPct} of raw values at the rails in one block, below the ${limitPct} limit)`,
  calibration: (heard, of) => `${heard} of ${of} emitter${of === 1 ? '' : 's'} heard`,
  neverHeard: (list) => `; never heard after calibration: ${list} (deaf receiver, or it stopped)`,
  nonFinite: (n) => `${n} samples (NaN, ±Inf) dropped with their frames`,
  joined: (tracks) => ` (of ${tracks} detector slices: the slices of one band-wide emission are one row)`,
  speedOne: (f, wall) => `${f} × real time (${wall} s, the detect pass)`,
  speedTwo: (df, ds, f, wall) => `detect pass ${df} × real time (${ds} s); whole replay ${f} × (${wall} s: start-up, baseline pass and detect pass)`,
  progress: { baseline: 'baseline', detect: 'detect', samples: 'samples' },
  classWord: {},
};

const ZH: ReplayWords = {
  head: { start: '开始 秒', centre: '中心 MHz', offset: '偏移 kHz', bandwidth: '带宽 kHz', duration: '时长', packets: '包数', excess: '超出 dB', class: '类型', notes: '备注' },
  unexpected: '此频段不应有此类型',
  raised: RAISE_MARK_TEXT['zh-CN'],
  raisedCount: (n) => `；其中 ${n} 个优先级提升（▲）`,
  listSep: '，',
  clipped: '削波',
  unknownClass: ZH_CLASS_WORDS.unknown,
  unidentified: '未识别',
  noDetections: '无检测结果',
  count: (n, classes) => `${n} 个检测：${classes}`,
  packetsFooter: '包数：一个检测所含的数据包数（相隔至少 10 毫秒的突发）；时间和频率相近的重复发射合为一行',
  ms: '毫秒',
  s: '秒',
  label: { recording: '记录文件', detections: '检测', overload: '过载', calibration: '校准', nonFinite: '非有限值', speed: '速度' },
  title: (file) => `回放 ${file}`,
  recording: (d, rate, centre) => `${d} 秒，采样率 ${rate}，${centre}`,
  centre: (mhz) => `中心 ${mhz} MHz`,
  centreUnknown: '中心频率未知（频率为偏移量）',
  overloadFloat: '未测量：浮点采样（cf32）没有 ADC 满幅',
  overloadClipped: (pct, clippingS, d) => `削波：${pct} 的原始值达到 ADC 满幅，${d} 秒中有 ${clippingS} 秒削波；检测结果不可靠（互调、漏检弱信号）：请降低增益重新录制`,
  overloadNone: (maxPct, limitPct) => `无（单个数据块中最多 ${maxPct} 的原始值达到满幅，低于 ${limitPct} 的限值）`,
  calibration: (heard, of) => `${of} 个发射源中听到 ${heard} 个`,
  neverHeard: (list) => `；校准后从未听到：${list}（接收机失聪，或发射源已停止）`,
  nonFinite: (n) => `丢弃 ${n} 个采样（NaN、±Inf）及其所在的帧`,
  joined: (tracks) => `（检测器共 ${tracks} 段：同一宽带发射的各段合为一行）`,
  speedOne: (f, wall) => `实时的 ${f} 倍（${wall} 秒，检测过程）`,
  speedTwo: (df, ds, f, wall) => `检测过程为实时的 ${df} 倍（${ds} 秒）；整个回放 ${f} 倍（${wall} 秒：启动、基线过程和检测过程）`,
  progress: { baseline: '学习基线', detect: '检测', samples: '个采样' },
  classWord: CLASS_WORDS['zh-CN'],
};

/** The replay words of `lang`. */
export function replayWords(lang: TextLang): ReplayWords {
  return lang === 'zh-CN' ? ZH : EN;
}
