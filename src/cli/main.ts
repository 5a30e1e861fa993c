// Command-line entry: one commander program; commands.ts defines the commands, one implementation file per command
// under src/cli/ (imported by its action only).
import { Command, CommanderError } from 'commander';
import { QuietBandError } from '../errors.js';
import { localeCharsetWarning } from '../locale.js';
import { errorMessageIn, errorTextIn, type ErrorMessageId } from '../error-text.js';
import type { TextLang } from '../text-template.js';
import { languageHelpZh, localizeHelp } from './help-words.js';
import { langFlag } from './replay-words.js';
import {
  registerCalibrate,
  registerDevices,
  registerHub,
  registerNotify,
  registerRecord,
  registerReplay,
  registerReport,
  registerRun,
  registerSim,
} from './commands.js';

/**
 * The root program's usage error, in commander's words with the hints joined on one line (see {@link usageLine}). An
 * unknown command names the closest ones (the commands it begins, else commander's suggestion: edit distance ≤ 3) as
 * commands to type — `error: unknown command 'replayy': did you mean 'quietband replay'?` — or, with none close, lists
 * the commands; every root error ends with the hint where the commands and options are. `text` is commander's error
 * output (message, then "(Did you mean …?)" on its own line).
 */
export function rootUsageError(text: string, commands: readonly string[]): string {
  const help = ' (quietband --help lists the commands and options)\n';
  const m = /^error: unknown command '([^']*)'(?:\n\(Did you mean (?:one of )?(.+)\?\))?\n?$/.exec(text);
  if (m === null) return `${text.replace(/\n\(Did you mean (.+)\?\)/, ' (did you mean $1?)').trimEnd()}${help}`;
  const typed = m[1]!;
  const starting = typed.length > 0 ? commands.filter((c) => c.startsWith(typed)) : [];
  const closest = starting.length > 0 ? starting : m[2]?.split(', ');
  if (closest === undefined) return `error: unknown command '${typed}' (commands: ${commands.join(', ')})${help}`;
  const close = closest.map((c) => `'quietband ${c}'`);
  return `error: unknown command '${typed}': did you mean ${close.length === 1 ? close[0] : `${close.slice(0, -1).join(', ')} or ${close.at(-1)}`}?${help}`;
}

/**
 * A usage error (commander's text in `lang`, {@link usageErrorIn}) as the one line every bad flag or input gives:
 * `quietband: ` and the message without commander's "error: ", then the parts commander writes on lines of their own
 * (its "did you mean") and `hint` (where the options are), on the same line. English parts are set off by a space, the
 * Chinese ones are full-width parentheses and follow directly.
 */
export function usageLine(lang: TextLang, text: string, hint = ''): string {
  const parts = [...text.split('\n'), hint].map((p) => p.trim()).filter((p) => p !== '');
  const first = (parts[0] ?? '').replace(/^error: /, '');
  const rest = parts.slice(1).map((p) => p.replace(/^\(Did you mean /, '(did you mean '));
  return `quietband: ${[first, ...rest].join(lang === 'zh-CN' ? '' : ' ')}\n`;
}

/**
 * A command's usage error with a better suggestion for an unknown option that is the end of one of its options
 * (`--port` for `--http-port`, `--scales-ms` for `--burst-scales-ms`): commander's edit distance offers an unrelated
 * short one instead (`--port` → `--format`). Other errors are returned unchanged.
 */
export function unknownOptionHint(text: string, longs: readonly string[]): string {
  const m = /^error: unknown option '(--[^'=]+)[^']*'/.exec(text);
  if (m === null) return text;
  const ends = longs.filter((l) => l.endsWith('-' + m[1]!.slice(2)));
  if (ends.length === 0) return text;
  return text.replace(/\(Did you mean [^)]*\?\)/, '').replace(m[0], `${m[0]} (did you mean ${ends.join(' or ')}?)`).replace(/\n\n+/g, '\n');
}

/** commander's usage texts (and the hints added here) by their `usage.*` code; the named groups are the code's params. */
const USAGE: readonly (readonly [RegExp, ErrorMessageId])[] = [
  [/(?<=error: )unknown option '(?<option>[^']*)'/g, 'usage.unknownOption'],
  [/(?<=error: )unknown command '(?<command>[^']*)'/g, 'usage.unknownCommand'],
  [/(?<=error: )missing required argument '(?<argument>[^']*)'/g, 'usage.missingArgument'],
  [/(?<=error: )option '(?<option>[^']*)' argument missing/g, 'usage.optionArgumentMissing'],
  [/(?<=error: )required option '(?<option>[^']*)' not specified/g, 'usage.requiredOption'],
  [/(?<=error: )too many arguments for '(?<command>[^']*)'\. Expected (?<expected>\d+) arguments? but got (?<got>\d+)\./g, 'usage.tooManyArguments'],
  [/(?<=error: )option '(?<option>[^']*)' argument '(?<value>[^']*)' is invalid\./g, 'usage.invalidArgument'],
  [/ ?\([Dd]id you mean (?<suggestion>[^)]*)\?\)/g, 'usage.didYouMean'],
  [/: did you mean (?<suggestion>'[^\n]*?')\?/g, 'usage.didYouMeanCommand'],
  [/ ?\(commands: (?<commands>[^)]*)\)/g, 'usage.commands'],
  [/ ?\(quietband --help lists the commands and options\)/g, 'usage.rootHelp'],
];

/**
 * A usage error's text (commander's English, with the hints of {@link rootUsageError} / {@link unknownOptionHint}) in
 * `lang`: each known part worded by its `usage.*` code (src/error-text.ts); option and command names stay. English and
 * parts it does not know: as they are.
 */
export function usageErrorIn(lang: TextLang, text: string): string {
  if (lang === 'en') return text;
  let out = text;
  for (const [re, id] of USAGE) {
    out = out.replace(re, (...m: unknown[]) => {
      const params: Record<string, unknown> = { ...(m.at(-1) as Record<string, string>) };
      if (typeof params.suggestion === 'string') params.suggestion = params.suggestion.replace(/ or /g, ' 或 ');
      return errorTextIn(lang, { id, params });
    });
  }
  return out;
}

/** The language rule, at the end of `quietband --help` (src/locale.ts localeLang). */
const LANGUAGE_HELP = `
Language: English or Simplified Chinese. Without --lang, a command speaks Simplified Chinese under any Chinese locale
(LC_ALL, else LC_MESSAGES, else LANG: zh_CN, and also zh_TW and zh_HK, which get Simplified Chinese: there is no
Traditional Chinese), else English. A Chinese locale whose charset is not UTF-8 (zh_CN.GB18030, zh_TW.Big5) gets
English and one line saying so: QuietBand writes UTF-8 only.
`;

/**
 * Builds the commander program with every command registered; its usage errors and its help (`--help` of the program
 * and of each command: src/cli/help-words.ts) are in the language of `argv` ({@link errorLang}), English by default.
 */
export function buildProgram(argv: readonly string[] = process.argv): Command {
  const lang = errorLang(argv);
  const program = new Command();
  program
    .name('quietband')
    .description('Radio-spectrum anomaly detector for exam sites (RTL-SDR → spectrum → baseline → alerts)')
    .version('0.1.0')
    .option('--log-format <format>', 'stderr log lines: pretty (default on a terminal) or json (default when piped)')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', lang === 'zh-CN' ? languageHelpZh() : LANGUAGE_HELP)
    // a usage error is one line: the message, commander's "did you mean" and where the options are, not the whole help
    // (usageLine; the commands' hints are set below)
    .showSuggestionAfterError(true)
    // usage errors (unknown option, missing argument) throw instead of exiting, so main() can exit with status 2;
    // set before the commands are added, which inherit it
    .exitOverride();
  // src/cli/commands.ts defines every command (its implementation module loads when its action runs). Keep one line
  // per command here.
  // @register-commands
  registerDevices(program);
  registerSim(program);
  registerReplay(program);
  registerCalibrate(program);
  registerRun(program);
  registerRecord(program);
  registerHub(program);
  registerReport(program);
  registerNotify(program);
  localizeHelp(program, lang);
  for (const c of program.commands) {
    // the hint is part of the one line (commander's showHelpAfterError would print it as a line of its own)
    const hint = errorTextIn(lang, { id: 'usage.commandHelp', params: { command: c.name() } });
    const longs = c.options.map((o) => o.long).filter((l): l is string => l !== undefined);
    c.showHelpAfterError(false).configureOutput({ outputError: (text, write) => write(usageLine(lang, usageErrorIn(lang, unknownOptionHint(text, longs)), hint)) });
  }
  const names = program.commands.map((c) => c.name());
  program.showHelpAfterError(false).configureOutput({ outputError: (text, write) => write(usageLine(lang, usageErrorIn(lang, rootUsageError(text, names)))) });
  // worker threads inherit the environment: they format their lines the same way (src/log.ts, loaded here and not at
  // start: it loads pino, which --help and --version do not need)
  program.hook('preAction', async (root) => {
    const { checkLogFormat, LOG_FORMAT_ENV, resolveLogFormat } = await import('../log.js');
    const f = root.opts<{ logFormat?: string }>().logFormat;
    process.env[LOG_FORMAT_ENV] = f !== undefined ? checkLogFormat(f) : resolveLogFormat();
  });
  return program;
}

/**
 * The language of the CLI's `quietband: …` error line: the `--lang` on the command line (`--lang zh-CN` or
 * `--lang=zh-CN`, also when the error came before the command read it), else (none or a bad value) the locale's
 * (LC_ALL / LC_MESSAGES / LANG zh_* → zh-CN), as the commands choose theirs (src/cli/replay-words.ts langFlag).
 */
export function errorLang(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): TextLang {
  let given: string | undefined;
  argv.forEach((a, i) => {
    if (a === '--lang' && i + 1 < argv.length) given = argv[i + 1];
    else if (a.startsWith('--lang=')) given = a.slice('--lang='.length);
  });
  try {
    return langFlag(given, env);
  } catch {
    return langFlag(undefined, env);
  }
}

/**
 * The error line's text of `err` in `lang`: its message code's text (src/error-text.ts), else the message as thrown.
 */
export function errorLine(err: Error, lang: TextLang): string {
  if (lang === 'en') return err.message;
  return errorMessageIn(lang, err) ?? err.message;
}

/** Runs the CLI; bad input or config exits with status 2 and a message naming the file/field. */
export async function main(argv: string[]): Promise<void> {
  // a Chinese locale in GB18030, GBK or Big5: one line on why the command speaks English (unless --lang chose)
  const charsetWarning = localeCharsetWarning();
  if (charsetWarning !== null && !argv.some((a) => a === '--lang' || a.startsWith('--lang='))) process.stderr.write(`${charsetWarning}\n`);
  const program = buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed the message (and the help); --help / --version exit 0
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    if (err instanceof QuietBandError) {
      // in the language the command speaks (--lang, else the locale)
      process.stderr.write(`quietband: ${errorLine(err, errorLang(argv))}\n`);
      process.exit(err.code === 'BAD_INPUT' || err.code === 'CONFIG' || err.code === 'BASELINE_MISMATCH' ? 2 : 1);
    }
    throw err;
  }
}
