// The CLI's errors (the `quietband: …` line of a bad flag or input, exit status 2) and its warnings in words, by
// message code, in English and Simplified Chinese. Same mechanism as the alert and log texts with a code (src/server/message-text.ts): a table of
// `{param}` templates per language filled by fillTemplate, so the English message and its Chinese text come from one
// call site. test/cli/cli-errors.test.ts fails on a literal error text under src/cli/ that has no code here.
import { QuietBandError, type QuietBandErrorCode } from './errors.js';
import type { CodedErrorOptions } from '../native-bindings/errors.js';
import { fillTemplate, hasOwn, type TextLang } from './text-template.js';

const EN = {
  // a flag's value: `{=expected}` names one of the `expect.*` texts below (rendered with the same params)
  'flag.notA': '{flag}: "{value}" is not {=expected}',
  'flag.notSupported': '{flag}: "{value}" is not supported; expected one of {choices}',
  'flag.detail': '{flag}: {detail}',
  'flag.cannotWrite': '{flag}: cannot write {path} ({detail})',
  'flag.intRange': '{flag}: expected an integer {min}..{max}, got "{value}"',
  'flag.lang': '--lang: expected en or zh-CN, got "{value}"',
  'flag.rateLow': '--rate: {value} ({rateSps} S/s) is below 1 kS/s; write e.g. 250k or 2.4M',
  'flag.rateHigh': '--rate: {value} ({rateSps} S/s) is above {maxMsps} MS/s; RTL-SDR rates are 0.225–3.2 MS/s',
  'flag.center': '--center: "{value}": {detail}',
  'flag.fastOverFft': '--fast-fft-size: {fast} must not exceed --fft-size {fft}',
  'flag.burstScales': '--burst-scales-ms: "{item}" in "{value}" is not a time in ms above 0 and up to 1000; give a list such as 0.5,20, or off alone',
  'flag.mqttUrl': '--mqtt: expected a broker URL such as mqtt://broker:1883, got "{value}"',
  'flag.jsonAndTable': '--json and --table: choose one of them',
  'flag.settleSamples': '--settle-samples: not used by run/live calibrate; set settleS (seconds) in the site config',
  'flag.tlsBoth': '{flag}: give both --tls-cert and --tls-key',
  'flag.noTlsWithCert': '--no-tls: cannot be combined with --tls-cert/--tls-key',
  'flag.sourceWithConfig': '--source: cannot be combined with --config; set sensors[].source in {path}',
  'flag.sensorWithConfig': '--sensor: cannot be combined with --config; sensors are named in {path}',
  'flag.isFile': '{field}: {path} is a file, not a folder; give a folder (it is created when missing)',
  'expect.positiveSeconds': 'a positive number of seconds',
  'expect.wholeNumber': 'a whole number',
  'expect.fftSize': 'a power of two between 64 and 65536',
  'expect.fastFftSize': 'a power of two between 16 and the FFT size ({fftSize})',
  'expect.wholeFrames': 'a whole number of frames ≥ 1',
  'expect.levelDb': 'a level in dB above 0 and below 100',
  'expect.durationMs': 'a duration ≥ 0 ms',
  'expect.dcGuard': 'a width ≥ 0 Hz and below a quarter of the sample rate ({quarterHz} Hz)',
  'expect.wholeSamples': 'a whole number of samples ≥ 0',
  'expect.threads': 'a whole number of threads ≥ 1',
  'expect.bandPlan': 'CN, EU or none',
  'expect.sampleRate': 'a sample rate; write e.g. 250k, 2.4M or 2400000',
  'expect.frequency': 'a frequency; write e.g. 433.92M, 868300000 or 1.09G',
  'expect.logFormat': 'a format; expected pretty or json',
  'expect.logLevel': 'a level; expected one of {levels}',
  'expect.timeZone': 'an IANA time zone (e.g. Asia/Shanghai)',
  'expect.gain': "a gain in dB (-100..100) or 'auto'",
  'expect.ppm': 'a whole number of ppm (-1000..1000)',
  'expect.tcpPort': 'a TCP port 0–65535 (0 = any free port)',
  'expect.warmup': 'a warm-up in seconds (> 0)',
  'expect.drift': 'a drift within ±10 ppm',
  // a missing or conflicting choice of a command
  'calibrate.outputMissing': '-o/--output: missing; give the baseline file to write, e.g. -o calibration/room-101.json',
  'calibrate.outputMany': '-o/--output: the site has {n} sensors; omit -o to write {dir}/<site>-<sensor>.json each',
  'calibrate.fileAndLive': 'calibrate: give either a recording ({file}) or --config/--source, not both',
  'calibrate.nothing': 'calibrate: give a recording file, --config site.json, or --source <spec>',
  'calibrate.tooShort': '{file}: too short for a baseline ({samples} samples; need at least 4 FFT frames)',
  'calibrate.sensor': 'sensor {sensor} ({source}): {detail}',
  'calibrate.workerExited': 'sensor {sensor}: calibration worker exited (code {code}) without a result',
  'record.sourceMissing': '--source: missing; e.g. --source rtlsdr:00000001, rtltcp:127.0.0.1:1234, sim or file:x.cu8',
  'record.outputMissing': '-o/--output: missing; give the recording to write, e.g. -o hall-a.sigmf-meta',
  'file.cannotWrite': '{path}: cannot write ({detail})',
  'file.folderRefused': 'cannot create folder {path}: {parent} takes no new folders (mkdir answers ENOENT although it exists: a virtual file system such as /proc, not a disk)',
  // a recording, its SigMF meta, a source
  'file.sigmfArchive': '{path}: file: SigMF archives (.sigmf) are not read directly; extract them (tar xf) and pass the .sigmf-meta',
  'file.rateMissingMeta': '{path}: global.core:sample_rate: missing; pass --rate (e.g. --rate 250k)',
  'file.unknownExtension': '{path}: format: unknown extension; pass --format ({choices})',
  'file.rateUnknown': '{path}: sample rate: unknown; pass --rate (e.g. --rate 250k)',
  'file.cannotOpen': '{path}: cannot open ({detail})',
  'file.cannotRead': '{path}: cannot read the capture ({detail})',
  'sigmf.cannotRead': '{path}: cannot read the SigMF meta ({detail})',
  'sigmf.notJson': '{path}: not valid JSON ({detail})',
  'source.bad': '{field}: "{spec}" {=why}; expected sim, rtlsdr:<serial|index>, rtltcp:<host>:<port>, soapy:<driver=…,serial=…> or file:<path>',
  'source.emptySerial': 'has an empty serial/index',
  'source.notSerial': 'is not a dongle serial',
  'source.noHost': 'has no host',
  'source.badPort': 'has port "{port}", not a TCP port 1–65535',
  'source.noSoapyArgs': 'has no Soapy device args key=value[,key=value…] (e.g. soapy:driver=hackrf)',
  'source.noPath': 'has no path',
  'source.notSource': 'is not a source',
  'notify.missing': '{path}: notify: missing; add a notify section with at least one channel (docs/notifications.md)',
  'notify.noChannel': '--channel: "{value}" is not a channel of {path} (channels: {channels})',
  'replay.audioNoIdentify': '--audio: needs identification (the class decides which detections carry audio); drop --no-identify',
  'replay.audioEmpty': '--audio: expected a folder name, got ""',
  'replay.audioFolder': '--audio: cannot create folder {path}: {detail}',
  'replay.tooShort':
    '{file}: too short for a baseline: {samples} samples, {frames} usable fast frames after the {settle}-sample settle (need at least 4 frames of {fast} samples, i.e. {need} samples){=nonFinite}',
  'replay.nonFiniteDropped': '; {nonFiniteSamples} non-finite {nonFiniteSamples|sample|samples} (NaN, ±Inf or |x| ≥ 2^40) {nonFiniteSamples|was|were} dropped with the frames holding them',
  'replay.baselineSecondsAuto': '--baseline-seconds: only with --baseline auto (the baseline comes from {spec})',
  'replay.noSamples': '{file}: no samples to analyse ({samples} samples; the first {settle} are discarded as settle)',
  'replay.scanBaseline': '--baseline: {file} is a scan ({n} tuning centres): per-hop baselines are learned from the recording; use --baseline auto',
  'replay.crop': '--crop: "{value}" must be a fraction between 0 and 0.8',
  'replay.workerMissing': 'the replay worker {path} is missing: build QuietBand first (npm run build)',
  'replay.identFailed': '{file}: identification worker failed: {detail}',
  'replay.identStopped': '{file}: identification worker stopped',
  'replay.workerFailed': '{file}: replay worker failed: {detail}',
  'rate.dcGuard':
    '{field}: {rateSps} S/s is too low for the default DC guard of ±{guardHz} Hz (it needs a rate above {needSps} S/s); check the rate, or pass --dc-guard-hz below {quarterHz} Hz',
  'sim.scenarioJson': '{path}: cannot read the scenario as JSON ({detail})',
  'sim.background': '--background: "{value}" is not a known background; expected site',
  'sim.scenarioWithBackground': '--scenario: not with --background (the background is its own scenario)',
  'sim.backgroundRate': '--rate: {value} ({rateSps} S/s): the site background exists at 250k and 2.4M',
  'sim.onlyWithBackground': '{flag}: only with --background site',
  // commander's usage errors, as src/cli/main.ts words them (usageErrorIn finds these in commander's English; usageLine
  // sets them after `quietband: ` on one line)
  'usage.unknownOption': "unknown option '{option}'",
  'usage.unknownCommand': "unknown command '{command}'",
  'usage.missingArgument': "missing required argument '{argument}'",
  'usage.optionArgumentMissing': "option '{option}' argument missing",
  'usage.requiredOption': "required option '{option}' not specified",
  'usage.tooManyArguments': "too many arguments for '{command}'. Expected {expected} {expected|argument|arguments} but got {got}.",
  'usage.invalidArgument': "option '{option}' argument '{value}' is invalid.",
  'usage.didYouMean': '(did you mean {suggestion}?)',
  'usage.didYouMeanCommand': ': did you mean {suggestion}?',
  'usage.commands': '(commands: {commands})',
  'usage.commandHelp': '(quietband {command} --help lists the options)',
  'usage.rootHelp': '(quietband --help lists the commands and options)',
  // starting the daemon
  // the alert store a report reads; `storeDemo`: the default folder has none, the demo's (src/site/demo-site.ts) has
  'report.storeUnreadable': 'cannot read the alert store {path} ({detail})',
  // `known`: the session names the store's alerts carry, per language ({ en, 'zh-CN' }: "none" has words); `{=hint}`:
  // `report.passConfig` from the CLI (a report without --config), `none` from a daemon (it has its config)
  'report.noSession': 'session "{session}": no alert carries this session and no site config defines it{=hint}; sessions on the stored alerts: {known}',
  'report.passConfig': ' (pass --config)',
  // the report routes' answers (GET /report; a hub's too), worded in the request's `lang`
  'report.badQuery': 'report: expected /report?session=<name> (optional &site=<site>, &format=pdf)',
  'report.otherSite': 'report: this daemon is site "{site}", not "{asked}"',
  'report.noTime': 'session "{session}": no record of this session has a readable time',
  'report.manySites': 'session "{session}" ran at {sites}: add &site=<site>',
  'report.hubNone': 'session "{session}": no alert relayed to the hub carries it',
  'report.hubSiteNone': 'session "{session}": no alert of site "{site}" carries it',
  'report.failed': 'report failed: {detail}',
  // printing the PDF (src/report/report-routes.ts printPdf): Chromium stopped at the time limit, or ended without a file
  'report.pdfTimeout': '{chromium} did not finish printing the PDF within {s} s (the computer may be busy): try again, or open the HTML report and print it from the browser',
  'report.pdfMissing': '{chromium} ended without writing the PDF {path}',
  'report.pdfFailed': '{chromium} could not print {path} ({detail})',
  'report.storeDemo':
    'no alert store in {dataDir} ({path} does not exist); the demo (npm start, or quietband run without flags) keeps its alerts in {demoDir}: pass --data-dir {demoDir}',
  'dataDir.inUse':
    'dataDir: {dir} is in use by another QuietBand daemon (pid {pid}{=onHost}, since {since}; lock file {lock}). Stop that daemon first, or give this one another data dir (config "dataDir" or --data-dir).',
  'dataDir.onHost': ' on {host}',
  'dataDir.parentFile': 'dataDir: {dir}: a parent of this path is a file, not a folder; give the data dir a folder path (config "dataDir" or --data-dir)',
  'dataDir.isFile': 'dataDir: {dir} is a file, not a folder; give the data dir a folder path (config "dataDir" or --data-dir)',
  'dataDir.cannotUse': 'dataDir: cannot use {dir}: {detail}; give the data dir a writable folder path (config "dataDir" or --data-dir)',
  'dataDir.cannotUseParent': 'dataDir: cannot use {dir}: a parent of this path is a file, not a folder; give the data dir a writable folder path (config "dataDir" or --data-dir)',
  'dataDir.lockFile': 'dataDir: cannot create the lock file {path}: {detail}',
  'server.portInUse': 'server: port {port} on {bind} is already in use: is another quietband running? Choose another with --http-port (0 picks a free one) or http.port in the site config.',
  // warnings in words the CLI logs with the code as the record's `messageCode` (src/log.ts words them)
  'warn.clipped': 'recording is clipped (ADC overload): {pct} of raw values at the rails overall, up to {maxPct} in one block, {clippingS} s of {durationS} s above {limitPct}; {=consequence}; record again with less gain',
  'warn.clippedDetections': 'detections are unreliable: those during clipping may be intermodulation products (flagged overload) and weaker signals may be missed',
  'warn.clippedBaseline': 'a baseline learned from it is unreliable: it holds the intermodulation products of the clipping, where it will then miss signals',
  'warn.baselineWhole': '--baseline-seconds {value}: the recording is only {recordingS} s long, so all of it is the calibration (background) and nothing after it is tested for new transmissions',
  'warn.nonFinite':
    '{path}: {nonFiniteSamples} non-finite {nonFiniteSamples|sample|samples} (NaN, ±Inf or |x| ≥ 2^40) in {nonFiniteRuns} {nonFiniteRuns|run|runs}, the first at sample {firstNonFiniteSample} ({firstNonFiniteS} s): dropped, with every spectrum frame that would have held them, from the baseline and the detection; the analysis restarts after each run as after a gap in the stream',
  'warn.csvMtime': "{path}: no recording time (SigMF core:datetime); CSV rows are dated from the file's modification time less its duration, {origin} for the first sample: wrong if the file was copied or edited since",
  'warn.csv1970': '{path}: no recording time and no modification time: CSV rows are dated from 1970-01-01',
  'warn.outboxUnreadable': 'notify outbox: {lines} unreadable {lines|line|lines} skipped (a write cut by a crash); the alerts after the last cursor are routed again',
  // a field of a file (a SigMF meta, a site config) or of the flags: `{=why}` names a `why.*`/`range.*` text below,
  // `{=advice}` an `advice.*` one or `none` (fieldError fills both)
  'field.bad': '{where}: {field}: {=why}{=advice}',
  'field.detail': '{where}: {field}: {detail}',
  'field.flagFor': '{flag}: {=why} (for {sensor} of {where})',
  'config.cannotRead': '{path}: cannot read the site config ({detail})',
  'config.scenarioJson': '{where}: {field}: cannot read {path} as JSON ({detail})',
  'config.baselineMissing': "{where}: {field}: {path} does not exist; record it with 'quietband calibrate' or remove the field to learn one during the warm-up",
  'why.missing': 'missing',
  'why.unknownField': 'unknown field (check the spelling; see calibration/example-site.json)',
  'why.type': 'Invalid input: expected {expected}, received {received}',
  'why.tooBig': 'Too big: expected number to be {op}{limit}',
  'why.tooSmall': 'Too small: expected number to be {op}{limit}',
  'why.siteName': '"{value}" is not a valid name (letters, digits, ".", "_", "-")',
  'why.nameTwice': '"{value}" is used by two sensors; names must be unique',
  'why.simScenario': 'only sim sensors take a scenario',
  'why.simSeed': 'only sim sensors take a seed',
  'why.simPath': 'only sim sensors take a simulated path (a real sensor has its own)',
  'why.fileFormat': 'only file: sensors take a sample format',
  'why.fileRealtime': 'only file: sensors take realtime (live sources are real time)',
  'why.soapyOnly': 'only soapy: sensors take Soapy settings',
  'why.rtlTcpOnly': 'only rtltcp: sensors take rtl_tcp settings',
  'why.fastOverSensorFft': '{fast} exceeds sensors[{i}].fftSize {fft}',
  'why.restartMax': 'must be ≥ restart.initialMs ({initialMs} ms)',
  'why.clipBytes': 'expected a whole number of bytes from {min} to {max}, got {value} (the smallest keeps, in the narrowest clip (25 kS/s of 8-bit I/Q), the 0.75 s before the detection and 1 s of it)',
  'why.sameDongle': '"{spec}" (sensor "{sensor}") is the same receiver as sensors[{j}].source "{otherSpec}" (sensor "{other}"): one dongle can feed only one sensor',
  'why.sameRtlTcp': '"{spec}" (sensor "{sensor}") is the same receiver as sensors[{j}].source "{otherSpec}" (sensor "{other}"): an rtl_tcp server serves one client at a time',
  'why.sameSoapy': '"{spec}" (sensor "{sensor}") is the same receiver as sensors[{j}].source "{otherSpec}" (sensor "{other}"): one receiver can feed only one sensor',
  'why.bindPort': '"{bind}" holds a port: give the address alone ({address}) and the port with {portField} {port}',
  'why.bindNotOwn': '{bind} is not an address of this machine (its addresses: {addresses}; 0.0.0.0 listens on all)',
  'why.bindNotAddress': '"{bind}" is neither an IP address nor a host name: expected an address of this machine ({addresses}), 0.0.0.0 or :: to listen on all, or a host name',
  'why.requireAuth': 'false is refused with the non-loopback bind {bind}: anyone on the network could act on alerts',
  'why.datatypeMissing': 'missing; supported: {types}',
  'why.datatypeMissingDtype': 'missing (the key is "core:datatype", not "dtype"; SigMF#114); supported: {types}',
  'why.datatypeNotString': '{value} (a {kind}) is not a datatype; it must be a string, one of: {types} (SigMF "Dataset Format", e.g. "cu8" for RTL-SDR bytes)',
  'why.datatypeUnsupported': '"{value}" is not supported; supported: {types}',
  'why.captureOrder': '{start} is before captures[{prev}] ({prevStart}); captures must be in sample order',
  'why.headerBytes': 'headers ({headerBytes} bytes) and trailing bytes ({trailingBytes}) exceed the data file ({dataBytes} bytes)',
  'advice.spelling': '; the SigMF spelling is "{spelling}"',
  'advice.noKind': '; not a legal SigMF datatype: it needs a leading r (real) or c (complex), e.g. "{real}" or "{complex}"',
  'advice.real': '; real-valued samples cannot be read: QuietBand needs complex I/Q ("{complex}")',
  'advice.endian': '; the endianness suffix is mandatory for multi-byte types: "{complex}"',
  'advice.bigEndian': '; big-endian data is not read: convert it to "{complex}"',
  'advice.cf64': '; if the file was written by an old SigMF helper from numpy complex64 it actually holds cf32_le (SigMF#226): fix the meta',
  // physical and device ranges (src/source/input-ranges.ts): each follows a field name
  'range.rateNotPositive': '{value} is not a positive sample rate in S/s',
  'range.rateLow': '{value} S/s is below {minSps} S/s; no radio band QuietBand watches fits (RTL-SDR rates are 225001–3200000 S/s)',
  'range.rateHigh': '{value} S/s is above {maxMsps} MS/s, faster than any receiver QuietBand reads (RTL-SDR: at most 3.2 MS/s)',
  'range.centerNotNumber': '{value} is not a frequency in Hz',
  'range.centerNegative': '{value} Hz is negative; a tuning centre is a frequency ≥ 0 Hz (0 for a baseband recording)',
  'range.centerHigh': '{value} Hz is above 3 THz, the top of the radio spectrum',
  'range.rtlRate': '{value} S/s is not a rate the RTL2832U accepts; use a whole number in 225001–300000 or 900001–3200000 S/s (librtlsdr rtlsdr_set_sample_rate)',
  'range.tunerKnown': '{mhz} is out of range: the {tuner} tuner tunes {ranges}',
  'range.tunerAny': '{mhz} is out of range: RTL-SDR tuners reach {ranges} at most (R820T/R828D: 24–1766 MHz)',
  'server.bindNotOwn': 'server: bind: {bind} is not an address of this machine',
  'server.cannotListen': 'server: cannot listen on {bind}:{port}: {detail}',
  // an optional part left out (`{=k}` naming it renders nothing)
  none: '',
} as const;

/** The ids of the CLI's coded errors. */
export type ErrorMessageId = keyof typeof EN;

/** A coded error: its id and the values its texts show (a `{=k}` param holds another id of the table). */
export interface ErrorMessageCode {
  id: ErrorMessageId;
  params?: Record<string, unknown>;
}

/** Every coded error's text per language; the Chinese words follow the terminal's and the web page's (src/log-words.ts). */
export const ERROR_TEXT: Readonly<Record<TextLang, Readonly<Record<ErrorMessageId, string>>>> = {
  en: EN,
  'zh-CN': {
    'flag.notA': '{flag}："{value}" 不是{=expected}',
    'flag.notSupported': '{flag}：不支持 "{value}"；可选：{choices}',
    'flag.detail': '{flag}：{detail}',
    'flag.cannotWrite': '{flag}：无法写入 {path}（{detail}）',
    'flag.intRange': '{flag}：应为 {min}..{max} 之间的整数，实际为 "{value}"',
    'flag.lang': '--lang：应为 en 或 zh-CN，实际为 "{value}"',
    'flag.rateLow': '--rate：{value}（{rateSps} S/s）低于 1 kS/s；请写成如 250k 或 2.4M',
    'flag.rateHigh': '--rate：{value}（{rateSps} S/s）高于 {maxMsps} MS/s；RTL-SDR 的采样率为 0.225–3.2 MS/s',
    'flag.center': '--center："{value}"：{detail}',
    'flag.fastOverFft': '--fast-fft-size：{fast} 不能大于 --fft-size {fft}',
    'flag.burstScales': '--burst-scales-ms："{value}" 中的 "{item}" 不是大于 0、不超过 1000 的毫秒数；请写成如 0.5,20 的列表，或单独写 off',
    'flag.mqttUrl': '--mqtt：应为 MQTT 服务器地址，如 mqtt://broker:1883，实际为 "{value}"',
    'flag.jsonAndTable': '--json 和 --table：只能选其一',
    'flag.settleSamples': '--settle-samples：run 和实时校准不使用此项；请在考点配置中设置 settleS（秒）',
    'flag.tlsBoth': '{flag}：--tls-cert 和 --tls-key 须同时给出',
    'flag.noTlsWithCert': '--no-tls：不能与 --tls-cert/--tls-key 同时使用',
    'flag.sourceWithConfig': '--source：不能与 --config 同时使用；请在 {path} 中设置 sensors[].source',
    'flag.sensorWithConfig': '--sensor：不能与 --config 同时使用；传感器名称在 {path} 中设置',
    'flag.isFile': '{field}：{path} 是文件而不是文件夹；请指定一个文件夹（不存在时会自动创建）',
    'expect.positiveSeconds': '大于 0 的秒数',
    'expect.wholeNumber': '整数',
    'expect.fftSize': '介于 64 到 65536 之间的 2 的幂',
    'expect.fastFftSize': '介于 16 到 FFT 点数（{fftSize}）之间的 2 的幂',
    'expect.wholeFrames': '不小于 1 的整数帧数',
    'expect.levelDb': '大于 0、小于 100 的 dB 值',
    'expect.durationMs': '不小于 0 的毫秒数',
    'expect.dcGuard': '不小于 0 Hz 且小于采样率四分之一（{quarterHz} Hz）的宽度',
    'expect.wholeSamples': '不小于 0 的整数采样数',
    'expect.threads': '不小于 1 的整数线程数',
    'expect.bandPlan': '可用的频段规划（CN、EU 或 none）',
    'expect.sampleRate': '采样率；请写成如 250k、2.4M 或 2400000',
    'expect.frequency': '频率；请写成如 433.92M、868300000 或 1.09G',
    'expect.logFormat': '日志格式；应为 pretty 或 json',
    'expect.logLevel': '日志级别；应为以下之一：{levels}',
    'expect.timeZone': '有效的 IANA 时区（如 Asia/Shanghai）',
    'expect.gain': "有效的 dB 增益（-100..100）或 'auto'",
    'expect.ppm': '整数 ppm（-1000..1000）',
    'expect.tcpPort': '有效的 TCP 端口 0–65535（0 表示任选空闲端口）',
    'expect.warmup': '大于 0 的预热秒数',
    'expect.drift': '在 ±10 ppm 以内的频偏',
    'calibrate.outputMissing': '-o/--output：缺少；请给出要写入的基线文件，如 -o calibration/room-101.json',
    'calibrate.outputMany': '-o/--output：考点有 {n} 个传感器；请省略 -o，每个传感器分别写入 {dir}/<site>-<sensor>.json',
    'calibrate.fileAndLive': 'calibrate：请给出记录文件（{file}）或 --config/--source，不能同时给出',
    'calibrate.nothing': 'calibrate：请给出记录文件、--config site.json 或 --source <spec>',
    'calibrate.tooShort': '{file}：太短，无法得出基线（{samples} 个采样；至少需要 4 个 FFT 帧）',
    'calibrate.sensor': '传感器 {sensor}（{source}）：{detail}',
    'calibrate.workerExited': '传感器 {sensor}：校准工作线程已退出（代码 {code}），没有结果',
    'record.sourceMissing': '--source：缺少；例如 --source rtlsdr:00000001、rtltcp:127.0.0.1:1234、sim 或 file:x.cu8',
    'record.outputMissing': '-o/--output：缺少；请给出要写入的记录文件，如 -o hall-a.sigmf-meta',
    'file.cannotWrite': '{path}：无法写入（{detail}）',
    'file.folderRefused': '无法创建文件夹 {path}：{parent} 不接受新建文件夹（它存在，mkdir 却答 ENOENT：这是 /proc 一类的虚拟文件系统，不是磁盘）',
    'file.sigmfArchive': '{path}：不能直接读取 SigMF 归档（.sigmf）；请先解包（tar xf），再给出其中的 .sigmf-meta',
    'file.rateMissingMeta': '{path}：缺少 global.core:sample_rate（采样率）；请用 --rate 指定（如 --rate 250k）',
    'file.unknownExtension': '{path}：无法从扩展名得知采样格式；请用 --format 指定（{choices}）',
    'file.rateUnknown': '{path}：采样率未知；请用 --rate 指定（如 --rate 250k）',
    'file.cannotOpen': '{path}：无法打开（{detail}）',
    'file.cannotRead': '{path}：无法读取记录文件（{detail}）',
    'sigmf.cannotRead': '{path}：无法读取 SigMF 元数据文件（{detail}）',
    'sigmf.notJson': '{path}：不是有效的 JSON（{detail}）',
    'source.bad': '{field}："{spec}" {=why}；应为 sim、rtlsdr:<序列号|序号>、rtltcp:<主机>:<端口>、soapy:<driver=…,serial=…> 或 file:<路径>',
    'source.emptySerial': '序列号/序号为空',
    'source.notSerial': '不是接收棒的序列号',
    'source.noHost': '缺少主机名',
    'source.badPort': '的端口 "{port}" 不是 1–65535 的 TCP 端口',
    'source.noSoapyArgs': '缺少 Soapy 设备参数 key=value[,key=value…]（如 soapy:driver=hackrf）',
    'source.noPath': '缺少文件路径',
    'source.notSource': '不是可用的信号源',
    'notify.missing': '{path}：缺少 notify 部分；请添加 notify 部分并至少配置一个通道（docs/notifications.md）',
    'notify.noChannel': '--channel："{value}" 不是 {path} 中的通道（已有通道：{channels}）',
    'replay.audioNoIdentify': '--audio：需要识别（由信号类型决定哪些检测带音频）；请去掉 --no-identify',
    'replay.audioEmpty': '--audio：应为文件夹名称，实际为空 ""',
    'replay.audioFolder': '--audio：无法创建文件夹 {path}：{detail}',
    'replay.tooShort': '{file}：太短，无法得出基线：{samples} 个采样，去掉开头 {settle} 个稳定采样后只有 {frames} 个可用快帧（至少需要 4 帧、每帧 {fast} 个采样，即 {need} 个采样）{=nonFinite}',
    'replay.nonFiniteDropped': '；{nonFiniteSamples} 个非有限采样（NaN、±Inf 或 |x| ≥ 2^40）已连同所在帧一起丢弃',
    'replay.baselineSecondsAuto': '--baseline-seconds：只能与 --baseline auto 一起使用（当前基线来自 {spec}）',
    'replay.noSamples': '{file}：没有可分析的采样（{samples} 个采样；开头 {settle} 个作为稳定期丢弃）',
    'replay.scanBaseline': '--baseline：{file} 是扫描记录（{n} 个调谐中心）：各跳频点的基线要从记录本身学习；请用 --baseline auto',
    'replay.crop': '--crop："{value}" 应为 0 到 0.8 之间的比例',
    'replay.workerMissing': '缺少回放工作线程 {path}：请先构建 QuietBand（npm run build）',
    'replay.identFailed': '{file}：识别工作线程失败：{detail}',
    'replay.identStopped': '{file}：识别工作线程已停止',
    'replay.workerFailed': '{file}：回放工作线程失败：{detail}',
    'rate.dcGuard': '{field}：{rateSps} S/s 太低，容不下默认的 ±{guardHz} Hz 直流保护带（需要高于 {needSps} S/s）；请检查采样率，或用 --dc-guard-hz 设为小于 {quarterHz} Hz',
    'sim.scenarioJson': '{path}：无法按 JSON 读取场景文件（{detail}）',
    'sim.background': '--background："{value}" 不是已知的背景；应为 site',
    'sim.scenarioWithBackground': '--scenario：不能与 --background 同时使用（背景本身就是场景）',
    'sim.backgroundRate': '--rate：{value}（{rateSps} S/s）：考点背景只有 250k 和 2.4M 两种采样率',
    'sim.onlyWithBackground': '{flag}：只能与 --background site 一起使用',
    'usage.unknownOption': "未知选项 '{option}'",
    'usage.unknownCommand': "未知命令 '{command}'",
    'usage.missingArgument': "缺少必需的参数 '{argument}'",
    'usage.optionArgumentMissing': "选项 '{option}' 缺少取值",
    'usage.requiredOption': "未给出必需的选项 '{option}'",
    'usage.tooManyArguments': "'{command}' 的参数过多：应为 {expected} 个，实际为 {got} 个。",
    'usage.invalidArgument': "选项 '{option}' 的取值 '{value}' 无效。",
    'usage.didYouMean': '（是否想输入 {suggestion}？）',
    'usage.didYouMeanCommand': '：是否想输入 {suggestion}？',
    'usage.commands': '（可用命令：{commands}）',
    'usage.commandHelp': '（quietband {command} --help 列出所有选项）',
    'usage.rootHelp': '（quietband --help 列出所有命令和选项）',
    'report.storeUnreadable': '无法读取告警存储 {path}（{detail}）',
    'report.noSession': '考试场次“{session}”：没有告警属于该场次，也没有考点配置定义它{=hint}；已存告警中的考试场次：{known}',
    'report.passConfig': '（请加上 --config）',
    'report.badQuery': '报告：应为 /report?session=<名称>（可选 &site=<考点>、&format=pdf）',
    'report.otherSite': '报告：本守护进程是考点“{site}”，不是“{asked}”',
    'report.noTime': '考试场次“{session}”：该场次的记录都没有可读的时间',
    'report.manySites': '考试场次“{session}”在多个考点进行过（{sites}）：请加上 &site=<考点>',
    'report.hubNone': '考试场次“{session}”：转发到中心的告警中没有属于该场次的',
    'report.hubSiteNone': '考试场次“{session}”：考点“{site}”的告警中没有属于该场次的',
    'report.failed': '报告生成失败：{detail}',
    'report.pdfTimeout': '{chromium} 未能在 {s} 秒内打印完 PDF（电脑可能繁忙）：请重试，或打开 HTML 报告后在浏览器中打印',
    'report.pdfMissing': '{chromium} 结束时没有写出 PDF {path}',
    'report.pdfFailed': '{chromium} 无法打印 {path}（{detail}）',
    'report.storeDemo': '{dataDir} 中没有告警存储（{path} 不存在）；演示（npm start，或不带参数的 quietband run）的告警保存在 {demoDir}：请加上 --data-dir {demoDir}',
    'dataDir.inUse': '数据目录 {dir} 正被另一个 QuietBand 守护进程使用（进程号 {pid}{=onHost}，自 {since} 起；锁文件 {lock}）。请先停止那个守护进程，或为本进程指定另一个数据目录（配置 "dataDir" 或 --data-dir）。',
    'dataDir.onHost': '，在 {host} 上',
    'dataDir.parentFile': '数据目录 {dir}：路径中的上级是文件而不是文件夹；请为数据目录指定一个文件夹路径（配置 "dataDir" 或 --data-dir）',
    'dataDir.isFile': '数据目录 {dir} 是文件而不是文件夹；请为数据目录指定一个文件夹路径（配置 "dataDir" 或 --data-dir）',
    'dataDir.cannotUse': '无法使用数据目录 {dir}：{detail}；请为数据目录指定一个可写的文件夹路径（配置 "dataDir" 或 --data-dir）',
    'dataDir.cannotUseParent': '无法使用数据目录 {dir}：路径中的上级是文件而不是文件夹；请为数据目录指定一个可写的文件夹路径（配置 "dataDir" 或 --data-dir）',
    'dataDir.lockFile': '数据目录：无法创建锁文件 {path}：{detail}',
    'server.portInUse': '网页服务：{bind} 上的端口 {port} 已被占用：是否已有另一个 quietband 在运行？请用 --http-port 换一个端口（0 表示任选空闲端口），或修改考点配置中的 http.port。',
    'warn.clipped': '记录文件有削波（ADC 过载）：总体 {pct} 的原始值达到满幅，单个数据块最多 {maxPct}，{durationS} 秒中有 {clippingS} 秒超过 {limitPct}；{=consequence}；请降低增益重新录制',
    'warn.clippedDetections': '检测结果不可靠：削波期间的检测可能是互调产物（已标为过载），较弱的信号可能漏检',
    'warn.clippedBaseline': '从中学得的基线不可靠：基线含有削波产生的互调产物，会在那些频率上漏检信号',
    'warn.baselineWhole': '--baseline-seconds {value}：记录文件只有 {recordingS} 秒，整段都作为校准（背景），之后没有任何部分会检测新的发射',
    'warn.nonFinite': '{path}：有 {nonFiniteSamples} 个非有限采样（NaN、±Inf 或 |x| ≥ 2^40），共 {nonFiniteRuns} 段，第一个在第 {firstNonFiniteSample} 个采样（{firstNonFiniteS} 秒）：已连同所在的全部频谱帧从基线和检测中去掉；每段之后分析重新开始，如同数据流中断后一样',
    'warn.csvMtime': '{path}：没有记录时间（SigMF core:datetime）；CSV 各行的时间按文件修改时间减去其时长推算，第一个采样为 {origin}：若文件在录制后被复制或编辑过则不准',
    'warn.csv1970': '{path}：没有记录时间，也没有修改时间：CSV 各行从 1970-01-01 起计时',
    'warn.outboxUnreadable': '通知发件箱：跳过 {lines} 行无法读取的内容（崩溃时写到一半）；最后游标之后的告警重新分发',
    'field.bad': '{where}：{field}：{=why}{=advice}',
    'field.detail': '{where}：{field}：{detail}',
    'field.flagFor': '{flag}：{=why}（{where} 的 {sensor}）',
    'config.cannotRead': '{path}：无法读取考点配置（{detail}）',
    'config.scenarioJson': '{where}：{field}：无法按 JSON 读取 {path}（{detail}）',
    'config.baselineMissing': "{where}：{field}：{path} 不存在；请用 'quietband calibrate' 录制，或删去此项，在预热期间学习基线",
    'why.missing': '缺少此项',
    'why.unknownField': '未知字段（请检查拼写；参见 calibration/example-site.json）',
    'why.type': '类型不对：应为 {expected}，实际为 {received}',
    'why.tooBig': '数值太大：应 {op}{limit}',
    'why.tooSmall': '数值太小：应 {op}{limit}',
    'why.siteName': '"{value}" 不是有效的名称（只能用字母、数字、"."、"_"、"-"）',
    'why.nameTwice': '"{value}" 被两个传感器使用；名称不能重复',
    'why.simScenario': '只有 sim 传感器才有场景（scenario）',
    'why.simSeed': '只有 sim 传感器才有随机种子（seed）',
    'why.simPath': '只有 sim 传感器才有模拟传播路径（真实传感器有自己的路径）',
    'why.fileFormat': '只有 file: 传感器才有采样格式',
    'why.fileRealtime': '只有 file: 传感器才有 realtime（实时信号源本来就是实时的）',
    'why.soapyOnly': '只有 soapy: 传感器才有 Soapy 设置',
    'why.rtlTcpOnly': '只有 rtltcp: 传感器才有 rtl_tcp 设置',
    'why.fastOverSensorFft': '{fast} 大于 sensors[{i}].fftSize {fft}',
    'why.restartMax': '应不小于 restart.initialMs（{initialMs} 毫秒）',
    'why.clipBytes': '应为 {min} 到 {max} 之间的整数字节数，实际为 {value}（最小值使最窄的证据片段（25 kS/s、8 位 I/Q）仍保留检测前的 0.75 秒和检测的 1 秒）',
    'why.sameDongle': '"{spec}"（传感器 "{sensor}"）与 sensors[{j}].source "{otherSpec}"（传感器 "{other}"）是同一个接收器：一个接收棒只能供一个传感器使用',
    'why.sameRtlTcp': '"{spec}"（传感器 "{sensor}"）与 sensors[{j}].source "{otherSpec}"（传感器 "{other}"）是同一个接收器：一个 rtl_tcp 服务器一次只服务一个客户端',
    'why.sameSoapy': '"{spec}"（传感器 "{sensor}"）与 sensors[{j}].source "{otherSpec}"（传感器 "{other}"）是同一个接收器：一个接收器只能供一个传感器使用',
    'why.bindPort': '"{bind}" 含有端口：地址请单独写（{address}），端口用 {portField} {port} 指定',
    'why.bindNotOwn': '{bind} 不是本机的地址（本机地址：{addresses}；0.0.0.0 表示监听所有地址）',
    'why.bindNotAddress': '"{bind}" 既不是 IP 地址也不是主机名：应为本机的地址（{addresses}）、表示监听所有地址的 0.0.0.0 或 ::，或者主机名',
    'why.requireAuth': '监听地址 {bind} 不是本机回环地址，不能设为 false：网络上任何人都能处理告警',
    'why.datatypeMissing': '缺少此项；支持的类型：{types}',
    'why.datatypeMissingDtype': '缺少此项（键名是 "core:datatype"，不是 "dtype"；SigMF#114）；支持的类型：{types}',
    'why.datatypeNotString': '{value}（{kind}）不是数据类型；应为字符串，取以下之一：{types}（SigMF "Dataset Format"，如 RTL-SDR 字节为 "cu8"）',
    'why.datatypeUnsupported': '不支持 "{value}"；支持的类型：{types}',
    'why.captureOrder': '{start} 在 captures[{prev}]（{prevStart}）之前；captures 须按采样顺序排列',
    'why.headerBytes': '头部（{headerBytes} 字节）加尾部字节（{trailingBytes}）超过了数据文件（{dataBytes} 字节）',
    'advice.spelling': '；SigMF 的写法是 "{spelling}"',
    'advice.noKind': '；不是合法的 SigMF 数据类型：开头须有 r（实数）或 c（复数），如 "{real}" 或 "{complex}"',
    'advice.real': '；无法读取实数采样：QuietBand 需要复数 I/Q（"{complex}"）',
    'advice.endian': '；多字节类型必须带字节序后缀："{complex}"',
    'advice.bigEndian': '；不读取大端数据：请转换为 "{complex}"',
    'advice.cf64': '；若该文件由旧版 SigMF 工具从 numpy complex64 写出，其实际内容是 cf32_le（SigMF#226）：请修改元数据',
    'range.rateNotPositive': '{value} 不是以 S/s 计的正采样率',
    'range.rateLow': '{value} S/s 低于 {minSps} S/s；容不下 QuietBand 监测的任何频段（RTL-SDR 的采样率为 225001–3200000 S/s）',
    'range.rateHigh': '{value} S/s 高于 {maxMsps} MS/s，超过 QuietBand 能读取的任何接收器（RTL-SDR 最高 3.2 MS/s）',
    'range.centerNotNumber': '{value} 不是以 Hz 计的频率',
    'range.centerNegative': '{value} Hz 是负数；调谐中心频率应不小于 0 Hz（基带记录为 0）',
    'range.centerHigh': '{value} Hz 高于 3 THz，超出无线电频谱的上限',
    'range.rtlRate': '{value} S/s 不是 RTL2832U 接受的采样率；请用 225001–300000 或 900001–3200000 S/s 之间的整数（librtlsdr rtlsdr_set_sample_rate）',
    'range.tunerKnown': '{mhz} 超出范围：{tuner} 调谐器的范围是 {ranges}',
    'range.tunerAny': '{mhz} 超出范围：RTL-SDR 调谐器最多覆盖 {ranges}（R820T/R828D：24–1766 MHz）',
    'server.bindNotOwn': '网页服务：监听地址 {bind} 不是本机的地址',
    'server.cannotListen': '网页服务：无法在 {bind}:{port} 上监听：{detail}',
    none: '',
  },
};

/** The text of `code` in `lang` (its `{=k}` params name other ids of the table; params not given stay as `{k}`). */
export function errorTextIn(lang: TextLang, code: ErrorMessageCode): string {
  const table = ERROR_TEXT[lang];
  return fillTemplate(lang, table, table[code.id], code.params ?? {}, true);
}

/** A QuietBandError that carries its {@link ErrorMessageCode}: the CLI prints it in the terminal's language. */
export type CodedQuietBandError = QuietBandError & { messageCode: ErrorMessageCode };

/**
 * A QuietBandError whose message is the English text of `id` with `params` (see {@link EN}), carrying the code so the
 * CLI can print it in Chinese ({@link errorMessageIn}).
 */
export function cliError(id: ErrorMessageId, params: Record<string, unknown>, code: QuietBandErrorCode, options?: CodedErrorOptions): CodedQuietBandError {
  const messageCode: ErrorMessageCode = { id, params };
  return Object.assign(new QuietBandError(errorTextIn('en', messageCode), code, options), { messageCode });
}

/**
 * The text of a log record's `messageCode` in `lang` when it is one of this table's codes, else undefined (src/log.ts
 * CodeText: the readable log lines of every command word these).
 */
export function codeTextIn(code: unknown, lang: TextLang): string | undefined {
  if (typeof code !== 'object' || code === null) return undefined;
  const c = code as { id?: unknown; params?: unknown };
  if (typeof c.id !== 'string' || !hasOwn(ERROR_TEXT[lang], c.id)) return undefined;
  const params = typeof c.params === 'object' && c.params !== null ? (c.params as Record<string, unknown>) : {};
  return errorTextIn(lang, { id: c.id as ErrorMessageId, params });
}

/** The message of `err` in `lang`: its code's text when it carries one ({@link cliError}), else undefined. */
export function errorMessageIn(lang: TextLang, err: Error): string | undefined {
  const c = (err as Partial<CodedQuietBandError>).messageCode;
  return c !== undefined && hasOwn(ERROR_TEXT[lang], c.id) ? errorTextIn(lang, c) : undefined;
}

/**
 * A coded field error `<where>: <field>: <why>[advice]` (`field.bad`): `why` is a `why.*`/`range.*` code whose params
 * join the frame's (`where`, `field`, `why` and `advice` are the frame's own names), `advice` an `advice.*` code or
 * none. Used for the SigMF meta checks, the site config and the flags' field checks, so each prints in Chinese too.
 */
export function fieldError(where: string, field: string, why: ErrorMessageCode, code: QuietBandErrorCode, advice?: ErrorMessageCode | null): CodedQuietBandError {
  const params = { ...advice?.params, ...why.params, where, field, why: why.id, advice: advice?.id ?? 'none' };
  return cliError('field.bad', params, code);
}

/**
 * The reason of a zod schema issue as a code when QuietBand words it (a missing field, an unknown one, a wrong type, a
 * number out of range: the English text is zod's own), else null (the caller keeps zod's English as `field.detail`).
 * `issue.message` is zod 4's text ("Invalid input: expected number, received string", "Too big: expected number to be
 * <=65535"); `missing` is whether the value was absent (`input === undefined` with reportInput).
 */
export function schemaIssueWhy(issue: { code: string; message: string }, missing: boolean): ErrorMessageCode | null {
  if (issue.code === 'invalid_type' && missing) return { id: 'why.missing' };
  const type = /^Invalid input: expected (\w+), received (\w+)$/.exec(issue.message);
  if (type !== null) return { id: 'why.type', params: { expected: type[1], received: type[2] } };
  const range = /^Too (big|small): expected number to be ([<>]=?)(\S+)$/.exec(issue.message);
  if (range !== null) return { id: range[1] === 'big' ? 'why.tooBig' : 'why.tooSmall', params: { op: range[2], limit: range[3] } };
  return null;
}

/**
 * `err` (thrown while reading what a config field names: a recording) inside that field's error,
 * `<where>: <field>: <err's message>`, with the same error code; a coded `err` keeps its words in both languages
 * (`field.detail` with the detail worded per language), another keeps its English message.
 */
export function fieldWrap(where: string, field: string, err: QuietBandError): CodedQuietBandError {
  const c = (err as Partial<CodedQuietBandError>).messageCode;
  const detail = c === undefined ? err.message : { en: errorTextIn('en', c), 'zh-CN': errorTextIn('zh-CN', c) };
  return cliError('field.detail', { where, field, detail }, err.code, { cause: err });
}
