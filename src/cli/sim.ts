// `quietband sim`: writes a synthetic RTL-SDR capture (cu8 + SigMF meta with ground-truth annotations).
import { promises as fsp } from 'node:fs';
import type { Command } from 'commander';
import { QuietBandError } from '../errors.js';
import { defaultScenario, parseScenario, writeSimCapture, type Scenario } from '../source/sim.js';

/** Options of the `sim` command as commander delivers them. */
interface SimCliOptions {
  output: string;
  seed?: string;
  scenario?: string;
  duration?: string;
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
      throw new QuietBandError(`${opts.scenario}: cannot read the scenario as JSON (${(err as Error).message})`, 'BAD_INPUT', { cause: err });
    }
    scenario = parseScenario(json, opts.scenario);
  } else {
    scenario = defaultScenario();
  }
  if (opts.seed !== undefined) {
    const seed = Number(opts.seed);
    if (!Number.isInteger(seed)) throw new QuietBandError(`--seed: "${opts.seed}" is not a whole number`, 'CONFIG');
    scenario.seed = seed;
  }
  if (opts.duration !== undefined) {
    const d = Number(opts.duration);
    if (!(d > 0) || !Number.isFinite(d)) throw new QuietBandError(`--duration: "${opts.duration}" is not a positive number of seconds`, 'CONFIG');
    scenario.durationS = d;
  }
  return parseScenario(scenario);
}

/** Registers `quietband sim [-o OUT] [--seed N] [--scenario FILE.json] [--duration S]`. */
export function register(program: Command): void {
  program
    .command('sim')
    .description(
      'write a synthetic RTL-SDR capture: <name>.sigmf-data (cu8) + <name>.sigmf-meta with the injected events as annotations ' +
        '(default scenario: 433.92 MHz, 1 MS/s, 10 s, two steady carriers, an OOK burst, an FM carrier from 5 s, a GSM-like burst train)',
    )
    .option('-o, --output <path>', 'output folder, or base path / .sigmf-data path', '.')
    .option('--seed <n>', 'PRNG seed (same seed, same bytes)')
    .option('--scenario <file>', 'scenario JSON: {rateSps, centerHz, durationS, seed?, noiseDbfs?, carriers?, events?}')
    .option('--duration <s>', 'length in seconds (overrides the scenario)')
    .action(async (opts: SimCliOptions) => {
      const scenario = await scenarioFromFlags(opts);
      const files = await writeSimCapture(opts.output, scenario);
      process.stdout.write(`${files.dataPath}\n${files.metaPath}\n`);
      process.stderr.write(
        `quietband sim: ${files.samples} samples (${scenario.durationS} s at ${scenario.rateSps} S/s), ` +
          `${files.annotations.length} annotated event(s), clipped ${(files.clipFraction * 100).toFixed(2)} %\n`,
      );
    });
}
