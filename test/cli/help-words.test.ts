// `quietband --help` follows the language (src/cli/help-words.ts): under --lang zh-CN or a Chinese locale every
// command's description, argument and option is Chinese, commander's headings too, lines fit 80 terminal columns
// (a CJK character takes two); English stays the default.
import type { Command } from 'commander';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { ARGUMENT_NAMES_ZH, HELP_ZH, wrapColumns } from '../../src/cli/help-words.js';
import { buildProgram } from '../../src/cli/main.js';

/** The help of the root (`command` undefined) or of one command, as `quietband [command] --help` with `argv` prints it. */
function helpOf(argv: string[], command?: string): string {
  const program = buildProgram(['node', 'quietband', ...argv]);
  const c: Command = command === undefined ? program : program.commands.find((x) => x.name() === command)!;
  return c.helpInformation();
}

/** Latin words of 4+ letters outside flags, placeholders, paths, file names, URLs and the names the help keeps as typed. */
function english(text: string): string[] {
  const rest = text
    .replace(/--?[\w-]+|<[^>]*>|[\w.<>-]*\/[\w./<>-]*|\[[^\]]*\]|[\w./-]+\.(?:json|jsonl|md|sigmf-\w+|cu8|cs8|cs16|cf32|wav)\b|\w+:\/\/\S*|\b\w+(?:[:=_][\w.=]+)+/g, ' ')
    .replace(/\b(?:quietband|auto|sim|rtlsdr|rtltcp|soapy|file|hann|blackman|none|pretty|json|Welch|SigMF|SoapySDR|Chromium|WebSocket|HTTP|HTTPS|MQTT|webhook|ntfy|pino|stderr|stdout|rtl_power|rtl_433|info|help|devices|replay|calibrate|run|record|hub|report|notify|driver|serial|sessions|signal|carriers|events|seed|rateSps|centerHz|durationS|noiseDbfs|site|QuietBand|trustedProxies|user|password|bind|port|hostname|sites|session|HTML|PEM|GSM|TDMA|USB|OOK|UTF)\b/gi, ' ');
  return rest.match(/[A-Za-z]{4,}/g) ?? [];
}

describe('quietband --help in Chinese', () => {
  const program = buildProgram(['node', 'quietband']);
  const commands = [program, ...program.commands];

  it('has a Chinese text for every command, argument and option, and none for one that does not exist', () => {
    const missing: string[] = [];
    const stale: string[] = [];
    for (const c of commands) {
      const key = c === program ? '' : c.name();
      const words = HELP_ZH[key];
      if (words === undefined) {
        missing.push(`${key}: description`);
        continue;
      }
      const longs = c.options.map((o) => o.long ?? o.short!);
      for (const l of longs) if (words.options[l] === undefined) missing.push(`${key} ${l}`);
      for (const l of Object.keys(words.options)) if (!longs.includes(l)) stale.push(`${key} ${l}`);
      for (const a of c.registeredArguments) if (words.arguments?.[a.name()] === undefined) missing.push(`${key} <${a.name()}>`);
      for (const a of c.registeredArguments) if (ARGUMENT_NAMES_ZH[a.name()] === undefined) missing.push(`${key} <${a.name()}> placeholder`);
    }
    expect(Object.keys(HELP_ZH).filter((k) => !commands.some((c) => (c === program ? '' : c.name()) === k))).toEqual([]);
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it.each([['--lang zh-CN', ['--lang', 'zh-CN'], {}], ['a zh_CN.UTF-8 locale', [], { LANG: 'zh_CN.UTF-8' }]] as const)('under %s: every help is Chinese and fits 80 columns', (_how, flag, env) => {
    const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_MESSAGES: process.env.LC_MESSAGES };
    delete process.env.LC_ALL;
    delete process.env.LC_MESSAGES;
    process.env.LANG = (env as { LANG?: string }).LANG ?? 'C.UTF-8';
    try {
      const root = helpOf([...flag, '--help']);
      expect(root).toMatch(/^用法：quietband \[选项\] \[命令\]\n\n考点无线电频谱异常检测（RTL-SDR → 频谱 → 基线 → 告警）\n\n选项：\n/);
      expect(root).toContain('\n命令：\n');
      expect(root).toMatch(/\n {2}run \[选项\] +运行实时守护进程：/);
      expect(root).toMatch(/\n {2}-h, --help +显示此命令的帮助\n/);
      for (const c of [undefined, ...program.commands.map((x) => x.name())]) {
        const text = helpOf([...(c !== undefined ? [c] : []), ...flag, '--help'], c);
        const where = c ?? 'quietband';
        expect({ where, english: english(text) }).toEqual({ where, english: [] });

        expect({ where, wide: text.split('\n').filter((l) => stringWidth(l) > 80) }).toEqual({ where, wide: [] });
        // a placeholder is never split across lines (was `<名称` / `>.sigmf-data` in record -o)
        const split = text.split('\n').filter((l) => (l.match(/</g)?.length ?? 0) !== (l.match(/>/g)?.length ?? 0));
        expect({ where, split }).toEqual({ where, split: [] });
      }
      const run = helpOf(['run', ...flag, '--help'], 'run');
      expect(run).toMatch(/^用法：quietband run \[选项\]\n/);
      // commander's "(default: "8080")" in Chinese; an option's text wraps between CJK characters, aligned under its column
      expect(run).toMatch(/\n {2}--http-port <port> +HTTP\/WebSocket 端口（0 = 任一空闲端口；打印出的网址\n {28}中有实际端口）（默认：8080）\n/);
      expect(run).toContain('全局选项：');
      // argument placeholders are Chinese as [选项] is (were <file> / [file]): usage line, Arguments list, root's command list
      const replay = helpOf(['replay', ...flag, '--help'], 'replay');
      expect(replay).toMatch(/^用法：quietband replay \[选项\] <记录文件>\n/);
      expect(replay).toMatch(/\n参数：\n {2}记录文件 +记录文件：\.cu8 /);
      expect(helpOf(['calibrate', ...flag, '--help'], 'calibrate')).toMatch(/^用法：quietband calibrate \[选项\] \[记录文件\]\n/);
      expect(root).toMatch(/\n {2}replay \[选项\] <记录文件> +/);
      for (const c of program.commands) expect(helpOf([c.name(), ...flag, '--help'], c.name())).not.toMatch(/ <file>\n|\[file\]|\n {2}file /);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('stays English by default', () => {
    const saved = process.env.LANG;
    process.env.LANG = 'C.UTF-8';
    try {
      const run = helpOf(['run', '--help'], 'run');
      expect(run).toMatch(/^Usage: quietband run \[options\]\n\nrun the live daemon: /);
      expect(run).toContain('\n  --http-port <port>        HTTP/WebSocket port (0 = any free port; the printed\n                            URL shows it) (default: "8080")\n');
      expect(helpOf(['--help'])).toMatch(/\nCommands:\n {2}devices \[options\] /);
    } finally {
      if (saved === undefined) delete process.env.LANG;
      else process.env.LANG = saved;
    }
  });
});

describe('the Chinese word for a recording', () => {
  it('is 记录文件 in --help as in the messages, the replay table and the logs (录制 only as the verb "to record")', () => {
    const all = Object.values(HELP_ZH).flatMap((w) => [w.description, ...Object.values(w.arguments ?? {}), ...Object.values(w.options)]).join('\n');
    // the messages' word (src/error-text.ts file.cannotRead, src/cli/replay-words.ts label.recording)
    expect(HELP_ZH.replay!.arguments!.file).toMatch(/^记录文件：/);
    expect(HELP_ZH.calibrate!.arguments!.file).toMatch(/^记录文件（/);
    expect(HELP_ZH.record!.options['--output']).toMatch(/^要写出的记录文件：/);
    // the noun forms the help used before
    expect(all.match(/录制文件|一段录制|扫描录制|调谐录制|的录制|录制本身|录制的频谱|安静录制/g)).toBeNull();
    // the verb stays: record (录制) S seconds, record the IQ as SigMF
    expect(HELP_ZH.record!.description).toMatch(/^把信号源的 IQ 录制为 SigMF/);
  });
});

describe('wrapColumns', () => {
  it('counts a CJK character as two columns, breaks between them, never before closing or after opening punctuation', () => {
    expect(wrapColumns('一二三四五六', 6)).toBe('一二三\n四五六');
    expect(wrapColumns('一二，三四', 6)).toBe('一二，\n三四');
    expect(wrapColumns('一二，三四', 4)).toBe('一\n二，\n三四');
    expect(wrapColumns('一二（三四）', 6)).toBe('一二\n（三\n四）');
    expect(wrapColumns('HTTP 端口 8080', 9)).toBe('HTTP 端口\n8080');
    expect(wrapColumns('a\n\nb', 10)).toBe('a\n\nb');
  });

  it('never breaks inside a placeholder\'s word (<…>, ‹…›, with what is joined to it); one too wide stands alone', () => {
    expect(wrapColumns('录制：<名称>、<名称>.sigmf-meta 或 <名称>.sigmf-data', 31)).toBe('录制：<名称>、<名称>.sigmf-meta\n或 <名称>.sigmf-data');
    expect(wrapColumns('客户端 ID（默认 quietband-hub-<主机名>）', 30)).toBe('客户端 ID（默认\nquietband-hub-<主机名>）');
    expect(wrapColumns('文件 <考点>-<传感器>.json 中', 12)).toBe('文件\n<考点>-<传感器>.json\n中');
    expect(wrapColumns('默认 ‹主机名›', 8)).toBe('默认\n‹主机名›');
    expect(wrapColumns('一 < 二三', 6)).toBe('一 <\n二三'); // a lone < is an ordinary character
  });
});
