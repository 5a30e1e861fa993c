// The CLI's coded errors: every literal error text the CLI throws has a code with an English and a Chinese text, and
// the `quietband: …` line is worded in the command's language (--lang, else the locale).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliError, ERROR_TEXT, errorMessageIn, errorTextIn, type ErrorMessageId } from '../src/error-text.js';
import { errorLang, errorLine, usageErrorIn, usageLine } from '../src/cli/main.js';
import { checkLogLevel, prettyMessage } from '../src/log.js';
import { logCodeText } from '../src/server/message-text.js';
import { localeCharsetWarning } from '../src/locale.js';
import { parseRate } from '../src/source/file-source.js';
import { parseSigmfMeta } from '../src/source/sigmf.js';
import { applySiteDefaults, validateSiteConfig } from '../src/config/site-config.js';
import { checkSensorInputs } from '../src/config/sensor-checks.js';
import { resolveSite } from '../src/site/site-resolve.js';
import { BIN, buildOnce, REPO } from './daemon/helpers.js';

beforeAll(() => buildOnce());

/** Runs the CLI with `env` added (LANG=C.UTF-8 unless given); status and stderr. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: 'C.UTF-8', QUIETBAND_LOG_FORMAT: 'json', ...env },
  });
  return { code: r.status, stderr: r.stderr };
}

/** The error `f` throws (the test fails when it throws none). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe('coded CLI errors', () => {
  it('no error text is thrown as a literal under src/cli/, by the log flags or the --source parser: each has a code (an English and a Chinese text)', () => {
    // `new QuietBandError('…'` / `new QuietBandError(`…`` / `badInput(…)`: a text only English readers can read
    const literal = /new QuietBandError\(\s*['"`]|\bbadInput\(/g;
    const files = [...readdirSync(join(REPO, 'src', 'cli')).filter((f) => f.endsWith('.ts')).map((f) => join('src', 'cli', f)), 'src/log.ts', 'src/config/source-spec.ts'];
    expect(files.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const f of files) {
      readFileSync(join(REPO, f), 'utf8').split('\n').forEach((line, i) => {
        if (literal.test(line)) found.push(`${f}:${i + 1}: ${line.trim()}`);
        literal.lastIndex = 0;
      });
    }
    expect(found).toEqual([]);
  });

  it('no log line under src/cli/ is worded from a template literal: a text built at run time carries a code (warnCoded)', () => {
    // `log.warn({ … }, `…${x}…`)`: the readable line could not word it in Chinese
    const templated = /\.(?:info|warn|error|fatal)\(\s*(?:\{[^;]*?\},\s*)?`/gs;
    const found = readdirSync(join(REPO, 'src', 'cli')).filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readFileSync(join(REPO, 'src', 'cli', f), 'utf8').matchAll(templated)].map((m) => `${f}: ${m[0].slice(0, 60)}`));
    expect(found).toEqual([]);
    const code = { id: 'warn.baselineWhole' as const, params: { value: '5', recordingS: 0.524 } };
    expect(prettyMessage({ msg: errorTextIn('en', code), messageCode: code, file: 'a.cu8' }, 'zh-CN')).toBe('--baseline-seconds 5：记录文件只有 0.524 秒，整段都作为校准（背景），之后没有任何部分会检测新的发射  file=a.cu8');
  });

  it('each Chinese text is a translation with the same placeholders as the English one', () => {
    const placeholders = (t: string): string[] => [...t.matchAll(/\{=?\w+(?:\|\w+)?\}/g)].map((m) => m[0]).sort();
    const ids = Object.keys(ERROR_TEXT.en) as ErrorMessageId[];
    expect(ids.length).toBeGreaterThan(70);
    expect(Object.keys(ERROR_TEXT['zh-CN']).sort()).toEqual([...ids].sort());
    const bad = ids.filter((id) => placeholders(ERROR_TEXT['zh-CN'][id]).join() !== placeholders(ERROR_TEXT.en[id]).join());
    expect(bad).toEqual([]);
    // a Chinese text is not the English one (the only ones alike: the empty part and `{flag}: {detail}`)
    expect(ids.filter((id) => ERROR_TEXT['zh-CN'][id] === ERROR_TEXT.en[id])).toEqual(['none']);
  });

  it('English counts with plurals (Intl.PluralRules), never "(s)"; the Chinese texts have none to choose', () => {
    expect(ERROR_TEXT.en.none).toBe('');
    expect(Object.entries(ERROR_TEXT.en).filter(([, t]) => t.includes('(s)'))).toEqual([]);
    expect(errorTextIn('en', { id: 'usage.tooManyArguments', params: { command: 'replay', expected: 1, got: 2 } })).toBe("too many arguments for 'replay'. Expected 1 argument but got 2.");
    expect(errorTextIn('en', { id: 'usage.tooManyArguments', params: { command: 'sim', expected: 0, got: 1 } })).toBe("too many arguments for 'sim'. Expected 0 arguments but got 1.");
    const nf = { path: 'a.cf32', nonFiniteSamples: 1, nonFiniteRuns: 1, firstNonFiniteSample: 7, firstNonFiniteS: 0.1 };
    expect(errorTextIn('en', { id: 'warn.nonFinite', params: nf })).toMatch(/^a\.cf32: 1 non-finite sample \(NaN, ±Inf or \|x\| ≥ 2\^40\) in 1 run, the first at sample 7 /);
    expect(errorTextIn('en', { id: 'warn.nonFinite', params: { ...nf, nonFiniteSamples: 12, nonFiniteRuns: 3 } })).toMatch(/^a\.cf32: 12 non-finite samples \(.*\) in 3 runs, the first/);
    // the nested part is filled with the same params, its plural choices too
    expect(errorTextIn('en', { id: 'replay.tooShort', params: { file: 'x', nonFinite: 'replay.nonFiniteDropped', nonFiniteSamples: 1 } })).toContain('; 1 non-finite sample (NaN, ±Inf or |x| ≥ 2^40) was dropped with');
    expect(errorTextIn('en', { id: 'warn.outboxUnreadable', params: { lines: 1 } })).toBe('notify outbox: 1 unreadable line skipped (a write cut by a crash); the alerts after the last cursor are routed again');
    expect(errorTextIn('en', { id: 'warn.outboxUnreadable', params: { lines: 3 } })).toContain('notify outbox: 3 unreadable lines skipped');
    expect(errorTextIn('zh-CN', { id: 'warn.outboxUnreadable', params: { lines: 3 } })).toBe('通知发件箱：跳过 3 行无法读取的内容（崩溃时写到一半）；最后游标之后的告警重新分发');
    expect(errorTextIn('zh-CN', { id: 'usage.tooManyArguments', params: { command: 'replay', expected: 1, got: 2 } })).toBe("'replay' 的参数过多：应为 1 个，实际为 2 个。");
  });

  it('the English message is the one the flag checks always gave; the code words it in Chinese with the nested expectation', () => {
    const rate = thrown(() => parseRate('fast'));
    expect(rate.message).toBe('--rate: "fast" is not a sample rate; write e.g. 250k, 2.4M or 2400000');
    expect(errorMessageIn('zh-CN', rate)).toBe('--rate："fast" 不是采样率；请写成如 250k、2.4M 或 2400000');
    const level = thrown(() => checkLogLevel('loud'));
    expect(level.message).toBe('--log-level: "loud" is not a level; expected one of fatal, error, warn, info, debug, trace, silent');
    expect(errorLine(level, 'zh-CN')).toBe('--log-level："loud" 不是日志级别；应为以下之一：fatal, error, warn, info, debug, trace, silent');
    const lock = cliError('dataDir.inUse', { dir: '/d', pid: 42, host: 'lab-2', onHost: 'dataDir.onHost', since: '2026-12-07T06:00:00Z', lock: '/d/quietband.lock' }, 'CONFIG');
    expect(lock.message).toBe(
      'dataDir: /d is in use by another QuietBand daemon (pid 42 on lab-2, since 2026-12-07T06:00:00Z; lock file /d/quietband.lock). Stop that daemon first, or give this one another data dir (config "dataDir" or --data-dir).',
    );
    expect(errorLine(lock, 'zh-CN')).toBe('数据目录 /d 正被另一个 QuietBand 守护进程使用（进程号 42，在 lab-2 上，自 2026-12-07T06:00:00Z 起；锁文件 /d/quietband.lock）。请先停止那个守护进程，或为本进程指定另一个数据目录（配置 "dataDir" 或 --data-dir）。');
    expect(errorLine(lock, 'en')).toBe(lock.message);
    // an error without a code stays as thrown
    expect(errorLine(new Error('x.cu8: cannot read'), 'zh-CN')).toBe('x.cu8: cannot read');
  });

  it('commander\'s usage errors in Chinese: each known part by its code, names as typed; English as commander wrote it', () => {
    const text = "error: unknown option '--log-formt' (did you mean --log-format?) (quietband --help lists the commands and options)\n";
    expect(usageErrorIn('zh-CN', text)).toBe("error: 未知选项 '--log-formt'（是否想输入 --log-format？）（quietband --help 列出所有命令和选项）\n");
    expect(usageLine('zh-CN', usageErrorIn('zh-CN', text))).toBe("quietband: 未知选项 '--log-formt'（是否想输入 --log-format？）（quietband --help 列出所有命令和选项）\n");
    expect(usageErrorIn('en', text)).toBe(text);
    expect(usageErrorIn('zh-CN', "error: too many arguments for 'replay'. Expected 1 argument but got 2.\n")).toBe("error: 'replay' 的参数过多：应为 1 个，实际为 2 个。\n");
    expect(usageErrorIn('zh-CN', "error: unknown command 'x' (commands: sim, run)\n")).toBe("error: 未知命令 'x'（可用命令：sim, run）\n");
    expect(usageErrorIn('zh-CN', 'error: something commander adds later\n')).toBe('error: something commander adds later\n');
  });

  it('the error language: --lang on the command line, else the locale (LC_ALL, LC_MESSAGES, LANG)', () => {
    expect(errorLang(['node', 'qb', 'replay', 'x', '--lang', 'zh-CN'], {})).toBe('zh-CN');
    expect(errorLang(['node', 'qb', 'replay', 'x', '--lang=zh'], { LANG: 'en_US.UTF-8' })).toBe('zh-CN');
    expect(errorLang(['node', 'qb', 'replay', 'x', '--lang', 'en'], { LANG: 'zh_CN.UTF-8' })).toBe('en');
    expect(errorLang(['node', 'qb', 'sim'], { LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(errorLang(['node', 'qb', 'sim'], { LC_ALL: 'C', LANG: 'zh_CN.UTF-8' })).toBe('en');
    expect(errorLang(['node', 'qb', 'sim'], { LC_MESSAGES: 'zh_TW.UTF-8' })).toBe('zh-CN');
    expect(errorLang(['node', 'qb', 'replay', '--lang', 'fr'], { LANG: 'zh_CN.UTF-8' })).toBe('zh-CN');
    expect(errorLang(['node', 'qb', 'sim'], {})).toBe('en');
  });

  it('Traditional Chinese locales get Simplified Chinese (the only Chinese shipped); a charset other than UTF-8 gets English and one line saying why', () => {
    for (const LANG of ['zh_TW.UTF-8', 'zh_HK.UTF-8', 'zh_CN', 'zh']) expect({ LANG, lang: errorLang(['node', 'qb', 'sim'], { LANG }) }).toEqual({ LANG, lang: 'zh-CN' });
    for (const LANG of ['zh_CN.GB18030', 'zh_CN.gbk', 'zh_TW.Big5']) expect({ LANG, lang: errorLang(['node', 'qb', 'sim'], { LANG }) }).toEqual({ LANG, lang: 'en' });
    // the charset is LC_CTYPE's, the language LC_MESSAGES's
    expect(errorLang(['node', 'qb', 'sim'], { LC_MESSAGES: 'zh_CN.UTF-8', LC_CTYPE: 'zh_CN.GB18030' })).toBe('en');
    expect(errorLang(['node', 'qb', 'sim', '--lang', 'zh-CN'], { LANG: 'zh_CN.GB18030' })).toBe('zh-CN');
    expect(localeCharsetWarning({ LANG: 'en_US.ISO-8859-1' })).toBeNull();
    expect(localeCharsetWarning({ LANG: 'zh_CN.UTF-8' })).toBeNull();
    const gb = cli(['sim', '--seed', '1.5', '-o', 'unused'], { LANG: 'zh_CN.GB18030' });
    expect(gb.code).toBe(2);
    expect(gb.stderr).toBe(
      'quietband: LANG=zh_CN.GB18030 names the GB18030 charset; QuietBand writes UTF-8 only, so it speaks English here (for Chinese use a UTF-8 locale such as LANG=zh_CN.UTF-8)\n' +
        'quietband: --seed: "1.5" is not a whole number\n',
    );
    expect([...Buffer.from(gb.stderr)].every((b) => b < 0x80)).toBe(true); // ASCII: the same bytes in GB18030
    // --help says the rule
    const help = spawnSync(process.execPath, [BIN, '--help'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } }).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('zh_TW and zh_HK, which get Simplified Chinese: there is no Traditional Chinese');
    expect(help).toContain('A Chinese locale whose charset is not UTF-8 (zh_CN.GB18030, zh_TW.Big5) gets English and one line saying so');
  });

  it('a bad flag prints one Chinese line with --lang zh-CN or a Chinese locale, English otherwise; status 2', () => {
    const zh = cli(['replay', 'x.cu8', '--center', '433.9X', '--lang', 'zh-CN']);
    expect(zh.code).toBe(2);
    expect(zh.stderr).toBe('quietband: --center："433.9X" 不是频率；请写成如 433.92M、868300000 或 1.09G\n');
    const locale = cli(['sim', '--seed', '1.5', '-o', 'unused'], { LANG: 'zh_CN.UTF-8' });
    expect(locale.code).toBe(2);
    expect(locale.stderr).toBe('quietband: --seed："1.5" 不是整数\n');
    // a recording that is not there, a --source that is none
    expect(cli(['replay', 'nope.cu8', '--lang', 'zh-CN']).stderr).toBe('quietband: nope.cu8：无法读取记录文件（找不到该文件或文件夹［ENOENT］）\n');
    expect(cli(['record', '--source', 'foo', '-o', 'unused', '--duration', '1'], { LANG: 'zh_CN.UTF-8' }).stderr).toBe(
      'quietband: --source："foo" 不是可用的信号源；应为 sim、rtlsdr:<序列号|序号>、rtltcp:<主机>:<端口>、soapy:<driver=…,serial=…> 或 file:<路径>\n',
    );
    // commander's usage errors (unknown option, unknown command, a missing argument) with their hints
    const flag = cli(['run', '--http-prot', '9000', '--lang', 'zh-CN']);
    expect(flag.code).toBe(2);
    // one line as every other bad flag's (README), with the hint where the options are
    expect(flag.stderr).toBe("quietband: 未知选项 '--http-prot'（是否想输入 --http-port？）（quietband run --help 列出所有选项）\n");
    expect(cli(['rep'], { LANG: 'zh_CN.UTF-8' }).stderr).toBe("quietband: 未知命令 'rep'：是否想输入 'quietband replay' 或 'quietband report'？（quietband --help 列出所有命令和选项）\n");
    expect(cli(['replay', '--lang', 'zh-CN']).stderr).toBe("quietband: 缺少必需的参数 'file'（quietband replay --help 列出所有选项）\n");
    expect(cli(['replay']).stderr).toBe("quietband: missing required argument 'file' (quietband replay --help lists the options)\n");
    const en = cli(['sim', '--seed', '1.5', '-o', 'unused']);
    expect(en.code).toBe(2);
    expect(en.stderr).toBe('quietband: --seed: "1.5" is not a whole number\n');
  });
});

describe('field errors in Chinese: the SigMF meta, the site config, --bind', () => {
  /** [English message as thrown, the Chinese line] of what `f` throws. */
  const both = (f: () => unknown): [string, string] => {
    const e = thrown(f);
    return [e.message, errorLine(e, 'zh-CN')];
  };

  it('a SigMF meta: file, field and what was expected (with the advice on the spelling), in both languages', () => {
    expect(both(() => parseSigmfMeta({ global: { 'core:datatype': 'i16_le' } }, 'a.sigmf-meta'))).toEqual([
      'a.sigmf-meta: global.core:datatype: "i16_le" is not supported; supported: cu8, ci8, ci16_le, cf32_le; not a legal SigMF datatype: it needs a leading r (real) or c (complex), e.g. "ri16_le" or "ci16_le"',
      'a.sigmf-meta：global.core:datatype：不支持 "i16_le"；支持的类型：cu8, ci8, ci16_le, cf32_le；不是合法的 SigMF 数据类型：开头须有 r（实数）或 c（复数），如 "ri16_le" 或 "ci16_le"',
    ]);
    expect(both(() => parseSigmfMeta({ global: { dtype: 'cu8' } }, 'a.sigmf-meta'))[1]).toBe(
      'a.sigmf-meta：global.core:datatype：缺少此项（键名是 "core:datatype"，不是 "dtype"；SigMF#114）；支持的类型：cu8, ci8, ci16_le, cf32_le',
    );
    expect(both(() => parseSigmfMeta({ global: { 'core:datatype': 'cu8', 'core:sample_rate': '250k' } }, 'a.sigmf-meta'))).toEqual([
      'a.sigmf-meta: global.core:sample_rate: Invalid input: expected number, received string',
      'a.sigmf-meta：global.core:sample_rate：类型不对：应为 number，实际为 string',
    ]);
    expect(both(() => parseSigmfMeta({ global: { 'core:datatype': 'cu8', 'core:sample_rate': 10 } }, 'a.sigmf-meta'))[1]).toBe(
      'a.sigmf-meta：global.core:sample_rate：10 S/s 低于 1000 S/s；容不下 QuietBand 监测的任何频段（RTL-SDR 的采样率为 225001–3200000 S/s）',
    );
    const order = { global: { 'core:datatype': 'cu8' }, captures: [{ 'core:sample_start': 100 }, { 'core:sample_start': 50 }] };
    expect(both(() => parseSigmfMeta(order, 'a.sigmf-meta'))).toEqual([
      'a.sigmf-meta: captures[1].core:sample_start: 50 is before captures[0] (100); captures must be in sample order',
      'a.sigmf-meta：captures[1].core:sample_start：50 在 captures[0]（100）之前；captures 须按采样顺序排列',
    ]);
  });

  it('a site config: a wrong type, an unknown field, a rule between fields, a sensor from the flags; --bind', () => {
    const sensors = [{ name: 's1', source: 'sim' }];
    expect(both(() => validateSiteConfig({ sensors: [{ ...sensors[0], simPath: { lossDb: '10' } }] }, 'x.json'))).toEqual([
      'x.json: sensors[0].simPath.lossDb: Invalid input: expected number, received string',
      'x.json：sensors[0].simPath.lossDb：类型不对：应为 number，实际为 string',
    ]);
    expect(both(() => validateSiteConfig({ http: { port: 70000 }, sensors }, 'x.json'))[1]).toBe('x.json：http.port：数值太大：应 <=65535');
    expect(both(() => validateSiteConfig({ sensorz: [], sensors }, 'x.json'))[1]).toBe('x.json：sensorz：未知字段（是否应为 sensors？参见 calibration/example-site.json）');
    expect(both(() => validateSiteConfig({ color: 'red', sensors }, 'x.json'))[1]).toBe('x.json：color：未知字段（请检查拼写；参见 calibration/example-site.json）'); // nothing near
    // a field of a sensor gets a near name of the sensor's fields, as a mistyped flag does (--gian: did you mean --gain?)
    expect(both(() => validateSiteConfig({ sensors: [{ ...sensors[0], gain: 30 }] }, 'x.json'))).toEqual([
      'x.json: sensors[0].gain: unknown field (did you mean gainDb? see calibration/example-site.json)',
      'x.json：sensors[0].gain：未知字段（是否应为 gainDb？参见 calibration/example-site.json）',
    ]);
    expect(both(() => validateSiteConfig({ sensors: [{ ...sensors[0], detector: { tresholdDb: 9 } }] }, 'x.json'))[0]).toBe('x.json: sensors[0].detector.tresholdDb: unknown field (did you mean thresholdDb? see calibration/example-site.json)');
    expect(both(() => validateSiteConfig({}, 'x.json'))[1]).toBe('x.json：sensors：缺少此项');
    const twice = validateSiteConfig({ sensors: [sensors[0], { name: 's1', source: 'sim' }] }, 'x.json');
    expect(both(() => applySiteDefaults(twice, {}, 'x.json'))).toEqual(['x.json: sensors[1].name: "s1" is used by two sensors; names must be unique', 'x.json：sensors[1].name："s1" 被两个传感器使用；名称不能重复']);
    const rtl = validateSiteConfig({ sensors: [{ name: 'a', source: 'rtlsdr:1' }] }, 'x.json');
    const slow = applySiteDefaults(rtl, { sensor: { rateSps: 500_000 } }, 'x.json').sensors;
    expect(both(() => checkSensorInputs(slow, 'x.json'))[1]).toMatch(/^x\.json：sensors\[0\]\.rateSps：500000 S\/s 不是 RTL2832U 接受的采样率；/);
    expect(both(() => checkSensorInputs(slow, 'x.json', { rateSps: true }))).toEqual([
      '--rate: 500000 S/s is not a rate the RTL2832U accepts; use a whole number in 225001–300000 or 900001–3200000 S/s (librtlsdr rtlsdr_set_sample_rate) (for sensors[0] of x.json)',
      '--rate：500000 S/s 不是 RTL2832U 接受的采样率；请用 225001–300000 或 900001–3200000 S/s 之间的整数（librtlsdr rtlsdr_set_sample_rate）（x.json 的 sensors[0]）',
    ]);
    const bind = both(() => applySiteDefaults(rtl, { bind: '192.0.2.8' }, 'flags'));
    expect(bind[0]).toMatch(/^flags: --bind: 192\.0\.2\.8 is not an address of this machine \(its addresses: .+; 0\.0\.0\.0 listens on all\)$/);
    expect(bind[1]).toMatch(/^flags：--bind：192\.0\.2\.8 不是本机的地址（本机地址：.+；0\.0\.0\.0 表示监听所有地址）$/);
  });

  it('English the fresh-user trial found in the Chinese terminal: a bad session time, a truncated recording, rtl_tcp refused and the offline line\'s why', () => {
    const cfg = validateSiteConfig({ timeZone: 'UTC', sessions: [{ name: 'x', start: '2026-13-07T09:00', end: '2026-12-07T11:00' }], sensors: [{ name: 's1', source: 'sim' }] }, 'x.json');
    expect(both(() => applySiteDefaults(cfg, {}, 'x.json'))).toEqual([
      'x.json: sessions[0].start: "2026-13-07T09:00" is not a valid date/time (time zone UTC)',
      'x.json：sessions[0].start："2026-13-07T09:00" 不是有效的日期/时间（时区 UTC）',
    ]);
    const notTime = validateSiteConfig({ ...cfg, sessions: [{ name: 'x', start: '9 am', end: '2026-12-07T11:00' }] }, 'x.json');
    expect(both(() => applySiteDefaults(notTime, {}, 'x.json'))[1]).toBe('x.json：sessions[0].start："9 am" 不是时间：应为考点当地时间，如 "2026-06-07T09:00"（或 "2026-06-07"，或带 Z/时差的 ISO 时间）（时区 UTC）');
    const dangling = { id: 'file.dangling', params: { path: 'a.cu8', bytes: 100_001, format: 'cu8', bps: 2, samples: 50_000, dangling: 1 } } as const;
    expect(prettyMessage({ msg: errorTextIn('en', dangling), messageCode: dangling, file: 'a.cu8' }, 'zh-CN')).toBe('a.cu8：100001 字节不是 cu8 采样（每个 2 字节）的整数倍；读取 50000 个采样，忽略末尾多出的 1 字节  file=a.cu8');
    // rtl_tcp's reason crosses from the sensor's thread as text: worded back from its English
    const refused = 'connection refused (ECONNREFUSED): is rtl_tcp running and listening on 127.0.0.1:1?';
    expect(prettyMessage({ msg: 'rtl_tcp offline; reconnecting', sensor: 'r1', reconnectInMs: 250, reason: refused }, 'zh-CN'))
      .toBe('【r1】rtl_tcp 离线；正在重连  reconnectInMs=250 毫秒 reason="连接被拒绝（ECONNREFUSED）：rtl_tcp 是否正在运行并监听 127.0.0.1:1？"');
    expect(prettyMessage({ msg: 'rtl_tcp offline; reconnecting', reason: refused }, 'en')).toBe(`rtl_tcp offline; reconnecting  reason="${refused}"`);
    expect(prettyMessage({ msg: 'x', reason: 'ECONNABORTED: aborted' }, 'zh-CN')).toBe('x  reason="ECONNABORTED: aborted"'); // no code: as logged
    // the offline line's why by its code (whyCode, not shown), the source's words after it
    const whyCode = { id: 'offline.noDataAfterOpen', params: { sensor: 'r1', source: 'rtltcp:127.0.0.1:1', ms: 5100, detail: refused } };
    const line = { msg: 'sensor offline: alert raised', sensor: 'r1', why: `no data 5.1 s after opening the source: ${refused}`, whyCode, mainStalledMs: 3 };
    expect(prettyMessage(line, 'zh-CN', logCodeText)).toBe('【r1】传感器离线：已发出告警  why="传感器 r1（rtltcp:127.0.0.1:1）停止输出数据：打开信号源 5.1 秒后仍无数据（连接被拒绝（ECONNREFUSED）：rtl_tcp 是否正在运行并监听 127.0.0.1:1？）" mainStalledMs=3 毫秒');
    expect(prettyMessage(line, 'en', logCodeText)).toBe(`[r1] sensor offline: alert raised  why="no data 5.1 s after opening the source: ${refused}" mainStalledMs=3 ms`);
  });

  it('a recording or a baseline a site config names: the config\'s field, then the recording\'s own coded error, in both languages', async () => {
    const cfg = validateSiteConfig({ sensors: [{ name: 'a', source: 'file:nope.cu8', baseline: 'gone.json' }] }, 'x.json');
    const err = await resolveSite(applySiteDefaults(cfg, {}, 'x.json'), 'x.json').then(() => null, (e: Error) => e);
    expect(err!.message).toMatch(/^x\.json: sensors\[0\]\.source: \/.+\/nope\.cu8: cannot read the capture \(ENOENT: /);
    expect(errorLine(err!, 'zh-CN')).toMatch(/^x\.json：sensors\[0\]\.source：\/.+\/nope\.cu8：无法读取记录文件（找不到该文件或文件夹［ENOENT］）$/);
    const sim = validateSiteConfig({ sensors: [{ name: 'a', source: 'sim', baseline: 'gone.json' }] }, 'x.json');
    const missing = await resolveSite(applySiteDefaults(sim, {}, 'x.json'), 'x.json').then(() => null, (e: Error) => e);
    expect(errorLine(missing!, 'zh-CN')).toMatch(/^x\.json：sensors\[0\]\.baseline：\/.+\/gone\.json 不存在；请用 'quietband calibrate' 录制/);
  });

  it('the CLI prints a bad site config field in Chinese under a Chinese locale', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qb-field-'));
    try {
      writeFileSync(join(dir, 'site.json'), JSON.stringify({ sensors: [{ name: 'a', source: 'sim', seed: 'x' }] }));
      const r = cli(['run', '--config', join(dir, 'site.json'), '--data-dir', join(dir, 'data')], { LANG: 'zh_CN.UTF-8' });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`quietband: ${join(dir, 'site.json')}：sensors[0].seed：类型不对：应为 number，实际为 string\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
