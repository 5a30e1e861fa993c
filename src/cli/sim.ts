// `quietband sim`: writes a synthetic RTL-SDR capture (cu8 + SigMF meta with ground-truth annotations).
import { promises as fsp } from 'node:fs';
import { cliError, type ErrorMessageId } from '../error-text.js';
import { defaultScenario, parseScenario, writeSimCapture, type Scenario } from '../source/sim.js';
import { siteBackgroundPreset, writeSiteCapture, type SiteBackground } from '../source/site-background.js';
import { parseFrequency, parseRate } from '../source/file-source.js';
import { isSigmfPath } from '../source/sigmf.js';
import { terminalWords } from '../log-words.js';
import { langFlag } from './replay-words.js';

/** Options of the `sim` command as commander delivers them. */
export interface SimCliOptions {
  output: string;
  seed?: string;
  scenario?: string;
  duration?: string;
  background?: string;
  rate?: string;
  center?: string;
  driftPpm?: string;
  /** `--lang`: language of the summary line on stderr ({@link langFlag}: en, zh, zh-CN; default the locale's). */
  lang?: string;
}

/**
 * Builds the scenario the flags describe: `--scenario FILE.json` (else the built-in demo), then `--seed` and
 * `--duration` override it.
 * @throws QuietBandError('BAD_INPUT') for an unreadable or invalid scenario file (naming the file and field),
 *   QuietBandError('CONFIG') for a bad `--seed` / `--duration`.
 */
export async function scenarioFromFlags(opts: Omit<SimCliOptions, 'output'>): Promise<Scenario> {
  let scenario: Scenario;
  if (opts.scenario !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(await fsp.readFile(opts.scenario, 'utf8'));
    } catch (err) {
      throw cliError('sim.scenarioJson', { path: opts.scenario, detail: (err as Error).message }, 'BAD_INPUT', { cause: err });
    }
    scenario = parseScenario(json, opts.scenario);
  } else {
    scenario = defaultScenario();
  }
  if (opts.seed !== undefined) {
    const seed = Number(opts.seed);
    if (!Number.isInteger(seed)) throw cliError('flag.notA', { flag: '--seed', value: opts.seed, expected: 'expect.wholeNumber' }, 'CONFIG');
    scenario.seed = seed;
  }
  if (opts.duration !== undefined) {
    const d = Number(opts.duration);
    if (!(d > 0) || !Number.isFinite(d)) throw cliError('flag.notA', { flag: '--duration', value: opts.duration, expected: 'expect.positiveSeconds' }, 'CONFIG');
    scenario.durationS = d;
  }
  return parseScenario(scenario);
}

/**
 * Builds the site background the flags describe (`--background site`): the preset for `--rate` (250k or 2.4M, default
 * 250k), `--duration` (default 60 s), `--seed`, `--center`, `--drift-ppm` (±10).
 * @throws QuietBandError('CONFIG') naming the flag.
 */
export function siteFromFlags(opts: Omit<SimCliOptions, 'output'>): SiteBackground {
  if (opts.background !== 'site') throw cliError('sim.background', { value: opts.background }, 'CONFIG');
  if (opts.scenario !== undefined) throw cliError('sim.scenarioWithBackground', {}, 'CONFIG');
  const rateSps = opts.rate === undefined ? 250_000 : parseRate(opts.rate, '--rate');
  if (rateSps !== 250_000 && rateSps !== 2_400_000) throw cliError('sim.backgroundRate', { value: opts.rate, rateSps }, 'CONFIG');
  const num = (v: string | undefined, flag: string, ok: (n: number) => boolean, expected: ErrorMessageId): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || !ok(n)) throw cliError('flag.notA', { flag, value: v, expected }, 'CONFIG');
    return n;
  };
  return siteBackgroundPreset(rateSps, {
    durationS: num(opts.duration, '--duration', (n) => n > 0, 'expect.positiveSeconds') ?? 60,
    seed: num(opts.seed, '--seed', Number.isInteger, 'expect.wholeNumber'),
    driftPpm: num(opts.driftPpm, '--drift-ppm', (n) => Math.abs(n) <= 10, 'expect.drift'),
    centerHz: opts.center === undefined ? undefined : parseFrequency(opts.center, '--center'),
  });
}

/**
 * `-o` as the capture writers take it: a path naming a SigMF file (`.sigmf-data`/`.sigmf-meta`) or an existing file is a
 * base path; anything else is a folder, created when missing (`sim -o demo` writes `demo/quietband-sim_….sigmf-*`).
 */
export async function simOutputTarget(output: string): Promise<string> {
  if (isSigmfPath(output) || /[\\/]$/.test(output)) return output;
  const st = await fsp.stat(output).catch(() => undefined);
  return st !== undefined && !st.isDirectory() ? output : `${output}/`;
}

/** Runs `quietband sim` (src/cli/commands.ts registers it): writes the capture the flags describe, prints its two paths on stdout and a summary line on stderr. */
export async function simCommand(opts: SimCliOptions): Promise<void> {
  const w = terminalWords(langFlag(opts.lang));
  if (opts.background !== undefined) {
    const site = siteFromFlags(opts);
    const files = await writeSiteCapture(await simOutputTarget(opts.output), site);
    process.stdout.write(`${files.dataPath}\n${files.metaPath}\n`);
    process.stderr.write(`${w.simWrote(true, files.samples, site.durationS, site.rateSps, files.annotations.length, (files.clipFraction * 100).toFixed(2))}\n`);
    return;
  }
  for (const flag of ['rate', 'center', 'driftPpm'] as const) {
    if (opts[flag] !== undefined) throw cliError('sim.onlyWithBackground', { flag: `--${flag === 'driftPpm' ? 'drift-ppm' : flag}` }, 'CONFIG');
  }
  const scenario = await scenarioFromFlags(opts);
  const files = await writeSimCapture(await simOutputTarget(opts.output), scenario);
  process.stdout.write(`${files.dataPath}\n${files.metaPath}\n`);
  process.stderr.write(`${w.simWrote(false, files.samples, scenario.durationS, scenario.rateSps, files.annotations.length, (files.clipFraction * 100).toFixed(2))}\n`);
}
