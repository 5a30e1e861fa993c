// `quietband calibrate <file> -o calibration/NAME.json`: records a baseline from a (quiet) recording.
import type { Command } from 'commander';
import { cliError } from '../error-text.js';
import { checkLogLevel, createLogger, warnCoded, type Logger } from '../log.js';
import { LOG_LANG_ENV, resolveLogLang, terminalWords, type EmitterWords } from '../log-words.js';
import { langFlag } from './replay-words.js';
import { openFileSource } from '../source/file-source.js';
import { learnBaseline } from '../pipeline.js';
import { saveBaseline } from '../baseline/baseline.js';
import { describeEmitter, type CalibrationEmitter } from '../baseline/emitters.js';
import { overloadWarningCode } from '../spectrum/overload.js';
import { inputOverrides, pipelineOptions, settleSamples, type PipelineFlags } from './pipeline-flags.js';
import { calibrateLive, type CalibrateLiveFlags } from './calibrate-live.js';
import { reportNonFinite } from './non-finite-report.js';
import { cliSetter } from './site-flags.js';

/** Flags of `calibrate <file>`. */
export interface CalibrateFlags extends PipelineFlags {
  output?: string;
  seconds?: string;
  logLevel?: string;
}

/**
 * Learns a baseline (method 'calibrate': per-bin spreads) from a recording and writes it as JSON. A recording that was
 * clipping (spectrum/overload.ts) is still learned from, with a warn-level line saying the baseline is unreliable.
 * @returns the path written.
 * @throws QuietBandError('CONFIG') without `-o`, or for bad flags; 'BAD_INPUT' for a bad recording.
 */
export async function calibrateFile(file: string, flags: CalibrateFlags, log: Logger): Promise<string> {
  if (!flags.output) throw cliError('calibrate.outputMissing', {}, 'CONFIG');
  const overrides = inputOverrides(flags);
  const probe = await openFileSource(file, overrides);
  const info = probe.info;
  await probe.close();
  const opts = pipelineOptions(flags, info.rateSps, flags.rate !== undefined ? '--rate' : probe.rateField);
  let maxSamples: number | undefined;
  if (flags.seconds !== undefined) {
    const s = Number(flags.seconds);
    if (!(s > 0)) throw cliError('flag.notA', { flag: '--seconds', value: flags.seconds, expected: 'expect.positiveSeconds' }, 'CONFIG');
    maxSamples = Math.round(s * info.rateSps);
  }
  const source = await openFileSource(file, overrides);
  const { baseline, stats } = await learnBaseline(source, opts, 'calibrate', { maxSamples, settleSamples: settleSamples(flags) });
  reportNonFinite(log, file, source.nonFiniteSamples, info.rateSps);
  if (baseline.fast.frames < 4) throw cliError('calibrate.tooShort', { file, samples: stats.samples }, 'BAD_INPUT');
  const clip = stats.clip;
  if (clip.overloaded) {
    warnCoded(log, { file, clipFraction: clip.clipFraction, maxBlockClipFraction: clip.maxBlockClipFraction, overloadS: clip.overloadS }, overloadWarningCode(clip, stats.samples / info.rateSps, 'baseline'));
  }
  await saveBaseline(flags.output, baseline);
  log.info({ file, output: flags.output, seconds: baseline.durationS, fastFrames: baseline.fast.frames, slowFrames: baseline.slow.frames, fingerprint: baseline.fingerprint }, 'baseline written');
  reportEmitters(baseline.emitters ?? [], (line) => process.stderr.write(line + '\n'));
  return flags.output;
}

/**
 * Writes what a calibration heard, one line per emitter (strongest first), to `write`: a transmitter on during
 * calibration is in the baseline's envelope from now on, so a person must see it (docs/detector.md §6), in the words
 * `w` (default: the terminal language, QUIETBAND_LANG). `who` opens the heading (live calibrate: `w.who(sensor, hop)`).
 */
export function reportEmitters(emitters: readonly CalibrationEmitter[], write: (line: string) => void, w: EmitterWords = terminalWords(resolveLogLang()).heard, who = w.who()): void {
  if (emitters.length === 0) {
    write(w.none(who));
    return;
  }
  write(w.some(who, emitters.length));
  for (const e of emitters) write(`  ${describeEmitter(e, w)}`);
}

/** Runs `quietband calibrate` (src/cli/commands.ts registers it): the file form, or the live form with --config / --source (calibrate-live.ts); prints the baseline paths written. */
export async function calibrateCommand(file: string | undefined, flags: CalibrateFlags & CalibrateLiveFlags & { lang?: string }, command: Command): Promise<void> {
  // worker threads inherit the environment: their terminal lines are worded in the same language
  process.env[LOG_LANG_ENV] = langFlag(flags.lang);
  const set = cliSetter(command);
  if (file === undefined || set('config') || set('source')) {
    if (file !== undefined) throw cliError('calibrate.fileAndLive', { file }, 'CONFIG');
    const paths = await calibrateLive(flags, set, createLogger(checkLogLevel(flags.logLevel)), (s) => {
      const w = terminalWords(resolveLogLang()).heard;
      for (const h of s.heard) {
        reportEmitters(h.emitters, (line) => process.stderr.write(line + '\n'), w, w.who(s.sensor, h.hopCenterHz !== undefined ? (h.hopCenterHz / 1e6).toFixed(4) : undefined));
      }
    });
    process.stdout.write(paths.map((p) => `${p}\n`).join(''));
    return;
  }
  const out = await calibrateFile(file, flags, createLogger(checkLogLevel(flags.logLevel)));
  process.stdout.write(`${out}\n`);
}
