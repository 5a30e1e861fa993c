// `quietband replay <file>`: runs the detection pipeline over a recording and prints one JSON line per detection.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { QuietBandError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { openFileSource, type FileSourceOptions } from '../source/file-source.js';
import { learnBaseline, detect, type PipelineOptions } from '../pipeline.js';
import { loadBaseline, type Baseline } from '../baseline/baseline.js';
import { bandAt, type Region } from '../site/band-plan.js';
import { RtlPowerCsvWriter } from '../spectrum/rtl-power-csv.js';
import type { DetectionEvent, IqSourceInfo } from '../types.js';
import { addInputFlags, addPipelineFlags, inputOverrides, pipelineOptions, settleSamples, type PipelineFlags } from './pipeline-flags.js';

/** Flags of `replay`. */
export interface ReplayFlags extends PipelineFlags {
  baseline?: string;
  baselineSeconds?: string;
  logLevel?: string;
  progress?: boolean;
  /** Write the slow-path spectra in rtl_power's CSV layout to this file. */
  csv?: string;
}

/** What a replay did (also logged as the summary). */
export interface ReplaySummary {
  file: string;
  samples: number;
  durationS: number;
  detections: number;
  wallS: number;
  /** Speed as a multiple of real time (durationS / wall time of the detection pass). */
  realtimeFactor: number;
}

const r = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * The stdout line for a finished detection: `{"type":"detection","centerHz",…}` with fixed rounding (Hz to 1 Hz,
 * seconds to 1 µs, dB to 0.01 dB) so the same file and flags give the same bytes. `frequencyReference` is
 * "offset" when the recording's centre frequency is unknown (frequencies are then offsets from the tuning centre).
 */
export function detectionLine(ev: DetectionEvent, info: IqSourceInfo, region: Region | 'none'): string {
  const band = info.centerKnown && region !== 'none' ? bandAt(ev.centerHz, region) : undefined;
  const endS = ev.endS ?? ev.startS;
  const line: Record<string, unknown> = {
    type: 'detection',
    id: ev.id,
    centerHz: Math.round(ev.centerHz),
    bandwidthHz: Math.round(ev.bandwidthHz),
    lowHz: Math.round(ev.lowHz),
    highHz: Math.round(ev.highHz),
    startS: r(ev.startS, 6),
    endS: r(endS, 6),
    durationMs: r((endS - ev.startS) * 1000, 3),
    peakExcessDb: r(ev.peakExcessDb, 2),
    peakPowerDbfs: r(ev.peakPowerDbfs, 2),
    paths: ev.paths,
    overload: ev.overload,
    frequencyReference: info.centerKnown ? 'absolute' : 'offset',
  };
  if (band) line.bandLabel = band.label;
  return JSON.stringify(line);
}

/**
 * Replays one recording: opens it (streamed), learns an automatic baseline from it (or loads `--baseline FILE` and
 * checks its fingerprint), runs the detector and writes one line per finished detection to `write`.
 * @throws QuietBandError('BAD_INPUT' | 'CONFIG' | 'BASELINE_MISMATCH') naming the file/flag/field.
 */
export async function replayFile(file: string, flags: ReplayFlags, write: (line: string) => void, log: Logger): Promise<ReplaySummary> {
  let warned = false;
  const srcOpts: FileSourceOptions = {
    ...inputOverrides(flags),
    onWarning: (message) => {
      if (!warned) log.warn({ file }, message);
      warned = true;
    },
  };
  const probe = await openFileSource(file, srcOpts);
  const info = probe.info;
  await probe.close();
  const opts: PipelineOptions = pipelineOptions(flags, info.rateSps);
  const settle = settleSamples(flags);
  if (!info.centerKnown) {
    log.warn({ file }, 'centre frequency unknown (no --center, SigMF core:frequency or file-name token): frequencies are offsets from the tuning centre');
  }
  log.info({ file, format: info.format, rateSps: info.rateSps, centerHz: info.centerHz, totalSamples: info.totalSamples, fftSize: opts.spectrum.fftSize, fastFftSize: opts.fastFftSize, average: opts.spectrum.average }, 'replay');

  const bar = flags.progress !== false && process.stderr.isTTY && info.totalSamples
    ? new cliProgress.SingleBar({ stream: process.stderr, format: '{task} [{bar}] {percentage}% | {value}/{total} samples', clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : undefined;
  const total = info.totalSamples ?? 0;

  let baseline: Baseline;
  const spec = flags.baseline ?? 'auto';
  if (spec === 'auto') {
    let maxSamples: number | undefined;
    if (flags.baselineSeconds !== undefined) {
      const s = Number(flags.baselineSeconds);
      if (!(s > 0)) throw new QuietBandError(`--baseline-seconds: "${flags.baselineSeconds}" is not a positive number of seconds`, 'CONFIG');
      maxSamples = Math.round(s * info.rateSps);
    }
    bar?.start(maxSamples ?? total, 0, { task: 'baseline' });
    const learned = await learnBaseline(await openFileSource(file, srcOpts), opts, 'auto', { maxSamples, settleSamples: settle, onProgress: (n) => bar?.update(n) });
    bar?.stop();
    baseline = learned.baseline;
    log.info({ frames: baseline.fast.frames, slowFrames: baseline.slow.frames, seconds: r(baseline.durationS, 3) }, 'baseline learned from the recording');
  } else {
    baseline = await loadBaseline(spec);
    log.info({ baseline: spec, createdAt: baseline.createdAt, method: baseline.method }, 'baseline loaded');
  }

  let detections = 0;
  // wall-clock stamps for CSV rows: SigMF core:datetime of sample 0, else the epoch (the recording's time is unknown)
  const originMs = info.datetime ? Date.parse(info.datetime) : 0;
  const csv = flags.csv ? new RtlPowerCsvWriter(flags.csv, Number.isFinite(originMs) ? originMs : 0) : undefined;
  bar?.start(total, 0, { task: 'detect' });
  const { stats } = await detect(await openFileSource(file, srcOpts), baseline, opts, (ev) => {
    if (ev.kind !== 'close') return;
    detections++;
    write(detectionLine(ev, info, opts.bandPlan));
  }, { settleSamples: settle, onProgress: (n) => bar?.update(n), onSlowFrame: csv ? (f) => csv.write(f) : undefined }, spec);
  bar?.stop();
  await csv?.close();
  const durationS = stats.samples / info.rateSps;
  const summary: ReplaySummary = {
    file,
    samples: stats.samples,
    durationS: r(durationS, 6),
    detections,
    wallS: r(stats.wallMs / 1000, 3),
    realtimeFactor: r(durationS / Math.max(stats.wallMs / 1000, 1e-6), 1),
  };
  log.info({ ...summary, maxClipFraction: r(stats.maxClipFraction, 4) }, 'replay finished');
  return summary;
}

/** Registers `quietband replay`. */
export function register(program: Command): void {
  const cmd = program
    .command('replay')
    .description('replay a recording (raw cu8/cs8/cs16/cf32 or SigMF) through the detector; one JSON line per detection on stdout')
    .argument('<file>', 'recording: .cu8 .cs8 .cs16 .cf32 (rtl_433-style names give rate and centre) or .sigmf-meta/.sigmf-data');
  addInputFlags(cmd);
  addPipelineFlags(cmd);
  cmd
    .option('--baseline <auto|file>', "'auto' learns it from the recording itself; or a JSON file written by 'quietband calibrate'", 'auto')
    .option('--baseline-seconds <s>', 'with --baseline auto: learn from the first S seconds only')
    .option('--csv <file>', "also write the slow-path spectra in rtl_power's CSV layout (date, time, Hz low, Hz high, Hz step, samples, dB…)")
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .option('--log-level <level>', 'pino log level on stderr', 'info')
    .action(async (file: string, flags: ReplayFlags) => {
      const log = createLogger(flags.logLevel);
      const lines: string[] = [];
      const flush = () => {
        if (lines.length) process.stdout.write(lines.join('\n') + '\n');
        lines.length = 0;
      };
      await replayFile(file, flags, (line) => {
        lines.push(line);
        if (lines.length >= 256) flush();
      }, log);
      flush();
    });
}
