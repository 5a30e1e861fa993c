// `quietband --help` in Simplified Chinese: every command's description, argument and option, commander's own headings
// ("Usage:", "Options:", "(default: …)") and a line wrapping that counts a CJK character as two columns and may break
// between CJK characters (not inside a `<placeholder>`). English stays the default and lives with each command (src/cli/<command>.ts); the texts
// here are keyed by command name and option flag, and test/cli/help-words.test.ts fails when a command, argument or
// option has none.
import { Help, type Argument, type Command, type Option } from 'commander';
import { textColumns } from '../text-columns.js';
import { hasOwn, type TextLang } from '../text-template.js';

/** The help texts of one command: its description, its arguments' by name, its options' by long flag (else short). */
export interface CommandHelpWords {
  description: string;
  arguments?: Readonly<Record<string, string>>;
  options: Readonly<Record<string, string>>;
}

const LOCALE_DEFAULT = '默认：在中文区域设置（如 LANG=zh_CN.UTF-8）下为 zh-CN，否则为 en';

/** Flags of the spectrum and the file input, shared by replay, calibrate and run (src/cli/pipeline-flags.ts). */
const INPUT: Readonly<Record<string, string>> = {
  '--format': '采样格式：cu8、cs8、cs16、cf32（默认：取自文件扩展名或 SigMF）',
  '--rate': '采样率，如 250k、2.4M（默认：SigMF 的 core:sample_rate 或文件名）',
  '--center': '中心频率，如 433.92M（默认：SigMF 的 core:frequency 或文件名）',
};
const SPECTRUM: Readonly<Record<string, string>> = {
  '--fft-size': '慢路径（Welch）的 FFT 点数，64 到 65536 之间的 2 的幂',
  '--fast-fft-size': '快路径（短帧）的 FFT 点数（默认：fft-size/4）',
  '--window': '窗函数：hann、blackman-harris',
  '--average': '每次 Welch 平均的短帧数（默认：约覆盖 100 毫秒的帧数）',
  '--no-dc-removal': 'FFT 前不减去 I/Q 的滑动均值',
  '--burst-scales-ms': '突发积分时间（毫秒），如 0.5,20（默认：20；off 关闭；见 docs/detector.md §12）',
  '--band-plan': '用于标注和背景（包络）频段的频段规划：CN、EU 或 none',
  '--settle-samples': '数据流开始时丢弃的样本数（瞬态）',
};
const DETECTOR: Readonly<Record<string, string>> = {
  '--threshold-db': '快路径：判定出现信号所需超出基线的最小值（dB）',
  '--slow-threshold-db': '慢路径：超出基线的最小值（dB）',
  '--min-duration-ms': '只报告持续至少这么久的信号（毫秒）',
  '--hold-ms': '信号在最后一次命中后保持打开这么久；间隔更短的突发合并为一个（毫秒）',
  '--dc-guard-hz': '调谐中心 ± 此范围内的频点从不检测（Hz；默认 1500）',
};
/** Flags of a live source and a site config, shared by calibrate and run (src/cli/site-flags.ts). */
const SITE: Readonly<Record<string, string>> = {
  '--source': 'sim | rtlsdr:<序列号|编号> | rtltcp:<主机>:<端口> | soapy:<driver=…,serial=…> | file:<路径>（单个传感器；不能与 --config 同用）',
  '--config': '考点配置 JSON（见 calibration/example-site.json）；命令行参数优先于其中的值',
  '--gain': '调谐器增益，单位 dB（取调谐器最接近的档位）或 auto（默认 30）',
  '--ppm': '频率校正（整数 ppm，默认 0）',
  '--site': '考点名称（默认：配置中的名称，否则为 "quietband"）',
  '--sensor': '用 --source 指定的传感器名称（默认：由信号源推出）',
  '--calibration-dir': '存放基线文件 <考点>-<传感器>.json 的文件夹（默认 ./calibration）',
};
const LOG_LEVEL = { '--log-level': 'stderr 上 pino 日志的级别' };

/** Chinese help texts by command name; '' is the root (`quietband --help`). */
export const HELP_ZH: Readonly<Record<string, CommandHelpWords>> = {
  '': {
    description: '考点无线电频谱异常检测（RTL-SDR → 频谱 → 基线 → 告警）',
    options: {
      '--version': '显示版本号',
      '--log-format': 'stderr 日志行的格式：pretty（终端上的默认）或 json（输出到管道时的默认）',
    },
  },
  devices: {
    description: '列出已连接的 RTL-SDR 接收器（编号、序列号、USB 字符串、调谐器、增益档位）和 SoapySDR 设备（一个都没有时退出码为 1）',
    options: {
      '--json': '输出 JSON 而不是文字',
      '--no-probe': '不打开接收器（没有调谐器和增益信息）',
      '--no-soapy': '不列出 SoapySDR 设备',
      '--lang': `文字的语言：en 或 zh-CN（${LOCALE_DEFAULT}）`,
    },
  },
  sim: {
    description: '生成一个合成的 RTL-SDR 记录文件：<名称>.sigmf-data（cu8）和 <名称>.sigmf-meta，注入的事件记为标注（默认场景：433.92 MHz、1 MS/s、10 秒，两个稳定载波、一次 OOK 突发、5 秒起的一个调频载波、一串类 GSM 突发）',
    options: {
      '--output': '输出文件夹（不存在时创建），或 <名称>.sigmf-data / .sigmf-meta 路径',
      '--seed': '伪随机数种子（种子相同，字节相同）',
      '--scenario': '场景 JSON：{rateSps, centerHz, durationS, seed?, noiseDbfs?, carriers?, events?}',
      '--duration': '时长（秒；优先于场景中的值；用 --background 时默认 60）',
      '--background': 'site：改为生成考点的背景（晶振漂移、底噪缓升、载波、衰落的调频广播、窄带调频用户、每 47 秒一次的 OOK 传感器、咔嗒声、TDMA 邻居；见 docs/eval.md）',
      '--rate': '与 --background 同用：250k（默认）或 2.4M',
      '--center': '与 --background 同用：中心频率（默认 433.92M）',
      '--drift-ppm': '与 --background 同用：前 15 分钟内所有信号的视在漂移（默认 2，最多 ±10）',
      '--lang': `stderr 上摘要行的语言：en 或 zh-CN（${LOCALE_DEFAULT}）`,
    },
  },
  replay: {
    description: '让一个记录文件（原始 cu8/cs8/cs16/cf32 或 SigMF）通过检测器；每次检测在 stdout 输出一行 JSON（stdout 是终端时输出表格）',
    arguments: { file: '记录文件：.cu8 .cs8 .cs16 .cf32（rtl_433 式文件名给出采样率和中心频率）或 .sigmf-meta/.sigmf-data' },
    options: {
      ...INPUT,
      ...SPECTRUM,
      ...DETECTOR,
      '--baseline': "'auto' 从记录文件本身学习基线；或由 'quietband calibrate' 写出的 JSON 文件",
      '--baseline-seconds': '与 --baseline auto 同用：只用前 S 秒学习',
      '--hop-settle-ms': '扫描记录文件（SigMF 中有多个采集频率）：每次重新调谐后丢弃的时长（默认 25 毫秒）',
      '--crop': '扫描记录文件：每个跳频点频带两边裁去的比例（默认 0.25）',
      '--png': '同时写出记录文件的频谱瀑布图：频率（MHz）和时间（秒）坐标轴，每次检测用红框标出',
      '--csv': '同时以 rtl_power 的 CSV 格式写出慢路径频谱（日期、时间、最低 Hz、最高 Hz、Hz 步长、样本数、dB…）',
      '--no-identify': '检测行中不带 "signal" 对象（调制类型、特征）',
      '--audio': '每次模拟调制（am、nfm、wfm）检测，或最接近类别为模拟调制的未知检测，在 DIR 中写一个 16 kHz 单声道 WAV',
      '--threads': '单一调谐记录文件的线程数：1 在一个核上运行；2 及以上在工作线程中计算慢路径（输出逐字节相同）。默认：30 秒及以上的记录文件用可用的全部核，否则为 1',
      '--no-progress': '不显示进度条（只在 stderr 是终端时显示）',
      '--no-summary': '结束时不写文字摘要（只写到终端：stdout，否则 stderr）',
      '--json': 'stdout 是终端时也输出 JSON 行（输出到管道时的默认）',
      '--table': '输出到管道时也在 stdout 上每次检测输出一行易读的表格（终端上的默认）',
      '--lang': '表格、文字摘要和易读日志行的语言：en 或 zh-CN（简体中文）；JSON 行两种语言相同',
      ...LOG_LEVEL,
    },
  },
  calibrate: {
    description: '从考点背景频谱的一个安静记录文件中学习基线，或从 --config/--source 的每个传感器实时记录',
    arguments: { file: '记录文件（格式同 replay）；使用 --config 或 --source 时省略' },
    options: {
      '--output': '要写出的基线 JSON，如 calibration/room-101.json（实时：默认 <calibration-dir>/<考点>-<传感器>.json）',
      '--seconds': '只用前 S 秒（实时：录制 S 秒，默认 60）',
      ...INPUT,
      ...SPECTRUM,
      ...SITE,
      ...LOG_LEVEL,
      '--lang': `终端文字（易读日志行、倒计时进度条）的语言：en 或 zh-CN（${LOCALE_DEFAULT}）；JSON 日志行保持英文`,
    },
  },
  run: {
    description: '运行实时守护进程：每个传感器一个工作线程，告警存入 <data-dir>/alerts.jsonl，网页界面和 WebSocket 位于 http://<bind>:<port>/（不在本机回环地址上时使用 https 和访问令牌）。不带 --source/--config 时：每个已连接的接收器一个传感器，或（没有接收器时）一个由三个房间里三个模拟传感器组成的演示考点',
    options: {
      ...SITE,
      ...INPUT,
      ...SPECTRUM,
      ...DETECTOR,
      '--data-dir': '告警存储和访问令牌所在的文件夹',
      '--http-port': 'HTTP/WebSocket 端口（0 = 任一空闲端口；打印出的网址中有实际端口）',
      '--bind': '监听地址；本机回环以外的地址都需要访问令牌并使用 HTTPS',
      '--tls-cert': 'HTTPS 证书链（PEM）；与 --tls-key 同用。不在本机回环地址上时默认：保存在 <data-dir> 中的自签名证书对',
      '--tls-key': '--tls-cert 的私钥（PEM，不加密，权限 0600）',
      '--no-tls': '即使不在本机回环地址上也使用明文 HTTP（只用于终结 TLS 的反向代理之后：设置 http.trustedProxies）',
      '--warmup': '没有已存基线的传感器用来学习的信号时长（秒；期间不检测）',
      '--demo': '即使连接了接收器也运行演示考点',
      '--csv': '以 rtl_power 的 CSV 格式写出每个传感器的频谱（多个传感器时：在 <file> 的扩展名前加 -<传感器>）',
      ...LOG_LEVEL,
      '--lang': `终端文字（启动信息、易读日志行、预热进度条）的语言：en 或 zh-CN（${LOCALE_DEFAULT}）；JSON 日志行保持英文`,
    },
  },
  record: {
    description: '把信号源的 IQ 录制为 SigMF（.sigmf-data 使用信号源的数据类型，.sigmf-meta 记有频率、时间、硬件和增益）',
    options: {
      '--source': 'sim | rtlsdr:<序列号|编号> | rtltcp:<主机>:<端口> | file:<路径>',
      '--center': '中心频率，如 433.92M（默认 433.92 MHz；文件：文件自身的）',
      '--rate': '采样率，如 250k、2.4M（默认 1 MS/s；文件：文件自身的）',
      '--gain': '调谐器增益，单位 dB，或 auto（默认 30）',
      '--ppm': SITE['--ppm']!,
      '--format': '仅用于 file: 信号源：扩展名和 SigMF 都没有给出时的采样格式',
      '--duration': '录制的秒数',
      '--output': '要写出的记录文件：<名称>、<名称>.sigmf-meta 或 <名称>.sigmf-data',
      ...LOG_LEVEL,
      '--lang': `终端文字（易读日志行、倒计时进度条）的语言：en 或 zh-CN（${LOCALE_DEFAULT}）；JSON 日志行保持英文`,
    },
  },
  hub: {
    description: '省级汇聚：通过 MQTT 订阅多个考点发布的告警、传感器状态和心跳；为所有考点提供一个网页界面（GET /sites 给出各考点状态，GET /report?session=&site= 给出场次报告）；其告警历史和确认记录保存在 --data-dir',
    options: {
      '--mqtt': 'MQTT 服务器网址（mqtt://、mqtts://、ws://、wss://；可带 user:password@）',
      '--topic-prefix': '各考点发布时使用的主题前缀',
      '--client-id': '持久会话的 MQTT 客户端 ID（默认 quietband-hub-<主机名>）',
      '--http-port': 'HTTP/WebSocket 端口（0 = 任一空闲端口）',
      '--bind': '监听地址；本机回环以外的地址都需要访问令牌并使用 HTTPS（自签名证书保存在 --data-dir）',
      '--data-dir': '告警历史（hub-alerts.jsonl，重启后保留）、访问令牌、已生成的场次报告',
      '--offline-after-ms': '考点超过这么久没有心跳即发出考点离线告警（默认为其心跳周期的 3 倍）',
      '--time-zone': '网页界面和场次报告中显示的时区（默认：本机的）',
      '--username': 'MQTT 服务器的用户名（或网址中的 user@）',
      '--password-file': '存放 MQTT 服务器密码的文件（第一行）',
      '--ca': 'TLS：要信任的 CA 证书（mqtts://、wss://）',
      '--cert': 'TLS：客户端证书',
      '--key': 'TLS：客户端私钥',
      '--no-verify-tls': 'TLS：接受无法验证的服务器证书（仅供测试）',
      ...LOG_LEVEL,
    },
  },
  report: {
    description: '写出一份存档用的场次报告（HTML，可打印）：考点、传感器和基线的时长、每条告警及其频谱瀑布图、谁在何时确认、传感器中断',
    options: {
      '--session': '考试场次名称（与考点配置 `sessions` 及其告警中的一致）',
      '--data-dir': '告警存储文件夹（默认：配置中的，否则为 ./data）',
      '--config': '考点配置：传感器、基线、时区和场次时间',
      '--output': '要写出的 HTML 文件',
      '--pdf': '同时用无界面 Chromium 打印为 PDF',
      '--chromium': '用于 --pdf 的 Chromium 程序',
      '--lang': `报告语言：en 或 zh-CN（${LOCALE_DEFAULT}）`,
    },
  },
  notify: {
    description: '通过考点配置 notify 部分的每个通道（webhook、电子邮件、ntfy）发送一条测试通知，并打印哪些可用；有一个失败时退出码为 1',
    options: {
      '--config': '带 notify 部分的考点配置',
      '--channel': '只用这个通道',
    },
  },
};

/** commander's headings and the words it adds, in Chinese (full-width colons, as the rest of the Chinese text). */
const TITLES_ZH: Readonly<Record<string, string>> = { 'Usage:': '用法：', 'Options:': '选项：', 'Global Options:': '全局选项：', 'Commands:': '命令：', 'Arguments:': '参数：' };
/**
 * The Chinese names of the commands' arguments, as their placeholders read in the usage line, the root's list of
 * commands and the Arguments list (`<file>` → `<记录文件>`, `[file]` → `[记录文件]`: the recording's word, as in the texts), like `[选项]`; keyed by argument name.
 */
export const ARGUMENT_NAMES_ZH: Readonly<Record<string, string>> = { file: '记录文件' };
/** The usage words in Chinese: `[options]`, `[command]` and each argument's `<name>` / `[name]` ({@link ARGUMENT_NAMES_ZH}). */
const USAGE_ZH: Readonly<Record<string, string>> = {
  '[options]': '[选项]',
  '[command]': '[命令]',
  ...Object.fromEntries(Object.entries(ARGUMENT_NAMES_ZH).flatMap(([en, zh]) => [[`<${en}>`, `<${zh}>`], [`[${en}]`, `[${zh}]`]])),
};
const HELP_OPTION_ZH = '显示此命令的帮助';
const HELP_COMMAND_ZH = '显示某个命令的帮助';

/** CJK characters (and full-width forms): a line may break before any of them. */
const CJK = '\\u2E80-\\u9FFF\\uF900-\\uFAFF\\uFE30-\\uFE4F\\uFF00-\\uFFEF';
/** Punctuation that never starts a line (it stays with the character before it). */
const NO_START = '，。、；：？！）》」』】,.;:?!)\\]';
/** Punctuation that never ends a line (it goes with the character after it). */
const NO_END = '（《「『【';
/**
 * A word holding placeholders (`<名称>.sigmf-data`, `quietband-hub-<主机名>`, `<考点>-<传感器>.json`): each `<…>` or
 * `‹…›` (no space inside; CJK allowed) with the other non-space, non-CJK characters joined to it, never broken.
 */
const PLACEHOLDER_WORD = `(?:[^\\s${CJK}<‹]*[<‹][^\\s>›]*[>›])+[^\\s${CJK}<‹]*`;
/**
 * One unit of wrapping: leading spaces, opening punctuation, then a word with placeholders, a CJK character or a run
 * of other non-space characters, with the closing punctuation after it.
 */
const CHUNK = new RegExp(`\\s*[${NO_END}]*(?:${PLACEHOLDER_WORD}|[${CJK}]|[^\\s${CJK}]+)[${NO_START}]*`, 'gu');

/**
 * Wraps `str` to `width` terminal columns (string-width: a CJK character takes two), at spaces and between CJK
 * characters, never before closing punctuation nor inside a placeholder's word ({@link PLACEHOLDER_WORD}; one wider
 * than `width` stands alone on its line); existing line breaks stay. Commander's own wrap breaks only at spaces
 * and counts characters, so a Chinese description ran on as one overlong line.
 */
export function wrapColumns(str: string, width: number): string {
  const out: string[] = [];
  for (const line of str.split(/\r\n|\n/)) {
    const chunks = line.match(CHUNK);
    if (chunks === null) {
      out.push('');
      continue;
    }
    let cur = chunks[0]!;
    let w = textColumns(cur);
    for (const chunk of chunks.slice(1)) {
      const cw = textColumns(chunk);
      if (w + cw <= width) {
        cur += chunk;
        w += cw;
        continue;
      }
      out.push(cur);
      cur = chunk.trimStart();
      w = textColumns(cur);
    }
    out.push(cur);
  }
  return out.join('\n');
}

/** The Help overrides of the Chinese help: headings, usage words, "(default: …)", widths and wrapping. */
const ZH_FORMAT: Partial<Help> = {
  styleTitle: (str: string) => TITLES_ZH[str] ?? str,
  styleUsage: (str: string) => str.split(' ').map((w) => USAGE_ZH[w] ?? w).join(' '),
  // "devices [options]" in the root's list of commands
  styleSubcommandTerm: (str: string) => str.split(' ').map((w) => USAGE_ZH[w] ?? w).join(' '),
  // the argument's name in the Arguments list, as its placeholder reads in the usage line
  argumentTerm: (argument: Argument) => (hasOwn(ARGUMENT_NAMES_ZH, argument.name()) ? ARGUMENT_NAMES_ZH[argument.name()]! : argument.name()),
  displayWidth: textColumns,
  optionDescription(this: Help, option: Option): string {
    const text = Help.prototype.optionDescription.call(this, option);
    // commander's "(default: "1024")" / "(choices: …)" after the description, in Chinese punctuation
    return text.replace(/ \((default|choices): (.*)\)$/, (_m, what: string, value: string) => `（${what === 'default' ? '默认' : '可选'}：${value.replace(/^"(.*)"$/, '$1')}）`);
  },
  // commander writes "Usage:" and a space before the usage: the full-width colon holds its own space
  formatHelp(this: Help, cmd: Command, helper: Help): string {
    return Help.prototype.formatHelp.call(this, cmd, helper).replace(/^用法： /, '用法：');
  },
  boxWrap(this: Help, str: string, width: number): string {
    return width < this.minWidthToWrap ? str : wrapColumns(str, width);
  },
};

/**
 * Chinese text after the root's help: the language rule (the English one is LANGUAGE_HELP in src/cli/main.ts), wrapped
 * when asked for (an English start loads no string-width).
 */
export const languageHelpZh = (): string => `\n${wrapColumns(
  '语言：英文或简体中文。不带 --lang 时，命令在任何中文区域设置下说简体中文（依次看 LC_ALL、LC_MESSAGES、LANG：zh_CN，' +
    '以及 zh_TW 和 zh_HK，它们也得到简体中文：没有繁体中文），否则说英文。字符集不是 UTF-8 的中文区域设置（zh_CN.GB18030、' +
    'zh_TW.Big5）得到英文，并有一行说明：QuietBand 只输出 UTF-8。',
  80,
)}\n`;

/**
 * Puts the help of `program` and of every command it has into `lang` (English: left as built): descriptions, arguments
 * and options from {@link HELP_ZH} (one without a text keeps its English), commander's headings and its help option
 * and command, wrapped by display width. Call once every command is registered.
 */
export function localizeHelp(program: Command, lang: TextLang): void {
  if (lang === 'en') return;
  for (const cmd of [program, ...program.commands]) {
    const words = HELP_ZH[cmd === program ? '' : cmd.name()];
    if (words !== undefined) {
      cmd.description(words.description);
      for (const a of cmd.registeredArguments) {
        const text = words.arguments?.[a.name()];
        if (text !== undefined) a.description = text;
      }
      for (const o of cmd.options) {
        const text = words.options[o.long ?? o.short ?? ''];
        if (text !== undefined) o.description = text;
      }
    }
    cmd.helpOption('-h, --help', HELP_OPTION_ZH);
    cmd.configureHelp({ ...cmd.configureHelp(), ...ZH_FORMAT });
  }
  program.helpCommand('help [command]', HELP_COMMAND_ZH);
}
