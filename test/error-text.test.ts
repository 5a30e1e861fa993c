// The CLI's coded errors: every literal error text the CLI throws has a code with an English and a Chinese text, and
// the `quietband: …` line is worded in the command's language (--lang, else the locale).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliError, ERROR_TEXT, errorMessageIn, errorTextIn, type ErrorMessageId } from '../src/error-text.js';
import { errorLang, errorLine, usageErrorIn } from '../src/cli/main.js';
import { checkLogLevel, prettyMessage } from '../src/log.js';
import { parseRate } from '../src/source/file-source.js';
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

  it('the English message is the one the flag checks always gave; the code words it in Chinese with the nested expectation', () => {
    const err = (f: () => unknown): Error => {
      try {
        f();
      } catch (e) {
        return e as Error;
      }
      throw new Error('did not throw');
    };
    const rate = err(() => parseRate('fast'));
    expect(rate.message).toBe('--rate: "fast" is not a sample rate; write e.g. 250k, 2.4M or 2400000');
    expect(errorMessageIn('zh-CN', rate)).toBe('--rate："fast" 不是采样率；请写成如 250k、2.4M 或 2400000');
    const level = err(() => checkLogLevel('loud'));
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
    expect(usageErrorIn('zh-CN', text)).toBe("错误：未知选项 '--log-formt'（是否想输入 --log-format？）（quietband --help 列出所有命令和选项）\n");
    expect(usageErrorIn('en', text)).toBe(text);
    expect(usageErrorIn('zh-CN', "error: too many arguments for 'replay'. Expected 1 argument but got 2.\n")).toBe("错误：'replay' 的参数过多：应为 1 个，实际为 2 个。\n");
    expect(usageErrorIn('zh-CN', "error: unknown command 'x' (commands: sim, run)\n")).toBe("错误：未知命令 'x'（可用命令：sim, run）\n");
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

  it('a bad flag prints one Chinese line with --lang zh-CN or a Chinese locale, English otherwise; status 2', () => {
    const zh = cli(['replay', 'x.cu8', '--center', '433.9X', '--lang', 'zh-CN']);
    expect(zh.code).toBe(2);
    expect(zh.stderr).toBe('quietband: --center："433.9X" 不是频率；请写成如 433.92M、868300000 或 1.09G\n');
    const locale = cli(['sim', '--seed', '1.5', '-o', 'unused'], { LANG: 'zh_CN.UTF-8' });
    expect(locale.code).toBe(2);
    expect(locale.stderr).toBe('quietband: --seed："1.5" 不是整数\n');
    // a recording that is not there, a --source that is none
    expect(cli(['replay', 'nope.cu8', '--lang', 'zh-CN']).stderr).toBe("quietband: nope.cu8：无法读取记录文件（ENOENT: no such file or directory, stat 'nope.cu8'）\n");
    expect(cli(['record', '--source', 'foo', '-o', 'unused', '--duration', '1'], { LANG: 'zh_CN.UTF-8' }).stderr).toBe(
      'quietband: --source："foo" 不是可用的信号源；应为 sim、rtlsdr:<序列号|序号>、rtltcp:<主机>:<端口>、soapy:<driver=…,serial=…> 或 file:<路径>\n',
    );
    // commander's usage errors (unknown option, unknown command, a missing argument) with their hints
    const flag = cli(['run', '--http-prot', '9000', '--lang', 'zh-CN']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toBe("错误：未知选项 '--http-prot'\n（是否想输入 --http-port？）\n（quietband run --help 列出所有选项）\n");
    expect(cli(['rep'], { LANG: 'zh_CN.UTF-8' }).stderr).toBe("错误：未知命令 'rep'：是否想输入 'quietband replay' 或 'quietband report'？\n");
    expect(cli(['replay', '--lang', 'zh-CN']).stderr).toBe("错误：缺少必需的参数 'file'\n（quietband replay --help 列出所有选项）\n");
    expect(cli(['replay']).stderr).toBe("error: missing required argument 'file'\n(quietband replay --help lists the options)\n");
    const en = cli(['sim', '--seed', '1.5', '-o', 'unused']);
    expect(en.code).toBe(2);
    expect(en.stderr).toBe('quietband: --seed: "1.5" is not a whole number\n');
  });
});
