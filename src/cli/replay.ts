// `quietband replay <file>`: runs the detection pipeline over a recording and prints one JSON line per detection (piped),
// or a short table (stdout a terminal; src/cli/replay-table.ts).
import type { EmitterHeard } from '../detector/emitter-watch.js';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { QuietBandError } from '../errors.js';
import { cliError, type CodedQuietBandError } from '../error-text.js';
import { checkLogLevel, createLogger, warnCoded, type Logger } from '../log.js';
import { openFileSource, type FileSourceOptions } from '../source/file-source.js';
import { reportNonFinite } from './non-finite-report.js';
import { learnBaseline, detect, type PipelineOptions } from '../pipeline.js';
import { loadBaseline, type Baseline } from '../baseline/baseline.js';
import { detectionLine } from './replay-line.js';
import { RtlPowerCsvWriter } from '../spectrum/rtl-power-csv.js';
import { HopPipeline } from '../scan/hop-pipeline.js';
import { DEFAULT_SCAN } from '../scan/scan-plan.js';
import type { DetectionEvent, IqSourceInfo } from '../types.js';
import { reportEmitters } from './calibrate.js';
import { ClipMeter, overloadWarningCode, type ClipSummary } from '../spectrum/overload.js';
import { CLIP_PRE_ROLL_NOISE_S, DetectionIdentifier, identifyJob, isIdentJob } from '../ident/detection-ident.js';
import { RowJoiner } from '../ident/joined-rows.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../detector/options.js';
import { inputOverrides, pipelineOptions, settleSamples, type PipelineFlags } from './pipeline-flags.js';
import { readClipHints } from '../evidence/clip-meta.js';
import { renderRecordingPicture, type PictureDetection } from '../evidence/recording-picture.js';
import { isSigmfPath, sigmfPaths } from '../source/sigmf.js';
import { stat } from 'node:fs/promises';
import { replaySummaryText, summaryStream } from './replay-summary.js';
import { ReplayTable, replayOutput } from './replay-table.js';
import { langFlag, replayWords } from './replay-words.js';
import { LOG_LANG_ENV } from '../log-words.js';
import { MAX_PENDING_IDENT, parseThreads, startIdentWorker, startSlowPathWorker, type SlowPathWorker } from './replay-threads.js';
import { makeFolder } from '../make-folder.js';

/** Flags of `replay`. */
export interface ReplayFlags extends PipelineFlags {
  baseline?: string;
  baselineSeconds?: string;
  logLevel?: string;
  progress?: boolean;
  /** Write the slow-path spectra in rtl_power's CSV layout to this file. */
  csv?: string;
  /** Write a spectrogram picture of the recording (axes, detections boxed) to this PNG file. */
  png?: string;
  hopSettleMs?: string;
  crop?: string;
  /** false (`--no-identify`): no `signal` object on detection lines. */
  identify?: boolean;
  /** Write one 16 kHz WAV per analog (am/nfm/wfm) detection, or unknown one whose closest class is analog, into this folder. */
  audio?: string;
  /** false (`--no-summary`): no summary in words at the end, even on a terminal. */
  summary?: boolean;
  /** `--json`: JSON lines on stdout even when it is a terminal. */
  json?: boolean;
  /** `--table`: the readable table on stdout even when it is piped (e.g. into `less`). */
  table?: boolean;
  /** Threads (`--threads`): 1 runs everything on the main thread; ≥ 2 puts the slow path on a worker. */
  threads?: string;
  /** `--lang`: language of the table and the summary in words, 'en' (default) or 'zh-CN' (JSON lines are the same). */
  lang?: string;
}

/** What a replay did (also logged as the summary). */
export interface ReplaySummary {
  file: string;
  samples: number;
  durationS: number;
  /** Rows written: detections, the slices of one band-wide emission counted once (docs/identification.md §12). */
  detections: number;
  /** Detections the detector closed, when more than the rows written (slices joined); absent otherwise. */
  detectorTracks?: number;
  /** Wall time of the whole replay, s: start-up (reading the header, opening the file, threads), the baseline pass and the detect pass. */
  wallS: number;
  /** Speed as a multiple of real time: durationS / wallS (the whole replay, start-up and baseline pass included). */
  realtimeFactor: number;
  /** Wall time of the detect pass alone, s (what a live sensor runs); a scan's wallS and detectWallS both time its detect pass. */
  detectWallS: number;
  /** durationS / detectWallS: the detect pass's own speed as a multiple of real time. */
  detectRealtimeFactor: number;
  /** True for float samples (cf32): they have no ADC rails, so the clip fields are 0 and say nothing. */
  floatSamples: boolean;
  /** The clip fraction of one block above which it is clipping (0..1; detector overloadClipFraction, default 0.05). */
  overloadClipFraction: number;
  /** Share of raw values at the ADC rails over the whole recording (0..1; 0 for cf32). */
  clipFraction: number;
  /** Largest clip fraction of one 65536-sample block (0..1). */
  maxBlockClipFraction: number;
  /** Seconds of the recording in clipping blocks (clip fraction above overloadClipFraction). */
  overloadS: number;
  /** True when any block was clipping: the summary then also warns in words (see spectrum/overload.ts). */
  overloaded: boolean;
  /**
   * Complex samples with a non-finite I or Q (cf32 NaN/±Inf) in the analysed span: dropped, with every frame that
   * would have held one, from the baseline and detection (docs/input-sanity.md).
   */
  nonFiniteSamples: number;
  /** Sample rate (S/s) and tuning centre (Hz; null when unknown: frequencies are then offsets). */
  rateSps: number;
  centerHz: number | null;
  /** Each emitter the calibration heard, and how often the detect pass heard it ([] for scans and bare baselines). */
  calibrationEmitters: { centerHz: number; appearances: number }[];
}

/**
 * The summary's overload fields (rounded: fractions to 1e-6, seconds to 1 ms) and, when the recording was clipping, a
 * warn-level line in words: the recording is clipped and its detections are unreliable.
 */
function overloadFields(clip: ClipSummary, durationS: number, file: string, log: Logger): Pick<ReplaySummary, 'clipFraction' | 'maxBlockClipFraction' | 'overloadS' | 'overloaded' | 'overloadClipFraction'> {
  const fields = { clipFraction: r(clip.clipFraction, 6), maxBlockClipFraction: r(clip.maxBlockClipFraction, 6), overloadS: r(clip.overloadS, 3), overloaded: clip.overloaded, overloadClipFraction: clip.overloadClipFraction };
  if (clip.overloaded) {
    // the code words the readable line in the terminal's language (src/log.ts); the JSON line keeps the English
    warnCoded(log, { file, ...fields, overloadClipFraction: clip.overloadClipFraction }, overloadWarningCode(clip, durationS));
  }
  return fields;
}


const r = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/**
 * Wall-clock time (ms) of a recording's sample 0, for the rows of `--csv`: SigMF `core:datetime` when the recording has
 * one; else the modification time of the samples' file (when the recorder finished writing: the time of its last
 * sample) less the recording's duration, with a warning naming the file, since a copy or an edit moves it.
 * The epoch (1970) only when neither exists.
 */
export async function csvOriginMs(file: string, info: IqSourceInfo, log: Logger): Promise<number> {
  const fromMeta = info.datetime !== undefined ? Date.parse(info.datetime) : NaN;
  if (Number.isFinite(fromMeta)) return fromMeta;
  const dataPath = isSigmfPath(file) ? sigmfPaths(file).dataPath : file;
  try {
    const mtimeMs = (await stat(dataPath)).mtimeMs;
    const durationMs = ((info.totalSamples ?? 0) / info.rateSps) * 1000;
    const originMs = Math.round(mtimeMs - durationMs);
    const origin = new Date(originMs).toISOString();
    warnCoded(log, { file: dataPath, mtime: new Date(mtimeMs).toISOString(), origin }, { id: 'warn.csvMtime', params: { path: dataPath, origin } });
    return originMs;
  } catch {
    warnCoded(log, { file: dataPath }, { id: 'warn.csv1970', params: { path: dataPath } });
    return 0;
  }
}

/**
 * Replays one recording: opens it (streamed), learns an automatic baseline from it (or loads `--baseline FILE` and
 * checks its fingerprint), runs the detector and writes one line per finished detection to `write`.
 * @throws QuietBandError('BAD_INPUT' | 'CONFIG' | 'BASELINE_MISMATCH') naming the file/flag/field.
 */
export async function replayFile(file: string, givenFlags: ReplayFlags, write: (line: string) => void, log: Logger): Promise<ReplaySummary> {
  const tStart = performance.now();
  // an evidence clip cut to its band (quietband:dc_free) is centred by a mixer, not a tuner: nothing to guard at 0 Hz,
  // and the detection sits there; DC removal would eat its carrier (docs/clip-decimation.md)
  const hints = await readClipHints(file);
  // and its default FFT size gives about the sensor's RBW (ClipHints.replayFftSize)
  const flags: ReplayFlags = hints.dcFree
    ? { ...givenFlags, dcGuardHz: givenFlags.dcGuardHz ?? '0', dcRemoval: false, fftSize: givenFlags.fftSize ?? (hints.replayFftSize !== undefined ? String(hints.replayFftSize) : undefined) }
    : givenFlags;
  if (hints.dcFree) log.info({ file, gainDb: hints.gainDb, fftSize: flags.fftSize }, 'evidence clip cut to its band: no DC guard or DC removal, FFT size for the sensor\'s RBW; levels are the source dBFS + gain_db');
  let warned = false;
  const srcOpts: FileSourceOptions = {
    ...inputOverrides(flags),
    onWarning: (message, code) => {
      // a coded warning (a truncated recording) reads in the terminal's language
      if (!warned) {
        if (code !== undefined) warnCoded(log, { file }, code);
        else log.warn({ file }, message);
      }
      warned = true;
    },
  };
  if (flags.audio !== undefined) {
    if (flags.identify === false) throw cliError('replay.audioNoIdentify', {}, 'CONFIG');
    if (flags.audio === '') throw cliError('replay.audioEmpty', {}, 'CONFIG');
    await makeFolder(flags.audio).catch((err: unknown) => {
      // a refusing file system's error names the folder already: the flag is all it lacks
      if ((err as Partial<CodedQuietBandError>).messageCode?.id === 'file.folderRefused') throw cliError('flag.detail', { flag: '--audio', detail: (err as Error).message }, 'CONFIG', { cause: err });
      throw cliError('replay.audioFolder', { path: flags.audio, detail: (err as Error).message }, 'CONFIG', { cause: err });
    });
  }
  const probe = await openFileSource(file, srcOpts);
  const info = probe.info;
  const segments = probe.captureSegments;
  await probe.close();
  const opts: PipelineOptions = pipelineOptions(flags, info.rateSps, flags.rate !== undefined ? '--rate' : probe.rateField);
  const settle = settleSamples(flags);
  const threads = parseThreads(flags.threads, (info.totalSamples ?? Infinity) / info.rateSps);
  if (!info.centerKnown) {
    log.warn({ file }, 'centre frequency unknown (no --center, SigMF core:frequency or file-name token): frequencies are offsets from the tuning centre');
  }
  log.info({ file, format: info.format, rateSps: info.rateSps, centerHz: info.centerKnown ? info.centerHz : null, totalSamples: info.totalSamples, fftSize: opts.spectrum.fftSize, fastFftSize: opts.fastFftSize, average: opts.spectrum.average }, 'replay');

  if (new Set(segments.map((x) => x.centerHz)).size > 1) {
    if (flags.png !== undefined) log.warn({ file, png: flags.png }, '--png: a scan (several tuning centres) has no single band to draw; no picture written');
    return replayScan(file, flags, write, log, srcOpts, info, segments, opts);
  }

  // each pass's slow path on a worker thread (threads ≥ 2): the same frames, so the same output byte for byte
  const slowWorker: SlowPathWorker | undefined = threads >= 2 ? startSlowPathWorker(file, srcOpts, opts, settle) : undefined;
  try {
    return await replayOneTuning(file, flags, write, log, srcOpts, info, opts, settle, threads, slowWorker, tStart, hints.dcFree === true);
  } finally {
    await slowWorker?.close();
  }
}

/** {@link replayFile} of one tuning: learn (or load) the baseline, then detect; `dcFree`: a band-cut clip's replay. */
async function replayOneTuning(
  file: string, flags: ReplayFlags, write: (line: string) => void, log: Logger, srcOpts: FileSourceOptions, info: IqSourceInfo,
  opts: PipelineOptions, settle: number, threads: number, slowWorker: SlowPathWorker | undefined, tStart: number, dcFree: boolean,
): Promise<ReplaySummary> {
  // the passes' names and the unit in the command's language (`学习基线 [███░░] 40% | 52000/131072 个采样`)
  const pw = replayWords(langFlag(flags.lang)).progress;
  const bar = flags.progress !== false && process.stderr.isTTY && info.totalSamples
    ? new cliProgress.SingleBar({ stream: process.stderr, format: `{task} [{bar}] {percentage}% | {value}/{total} ${pw.samples}`, clearOnComplete: true }, cliProgress.Presets.shades_classic)
    : undefined;
  const total = info.totalSamples ?? 0;

  let baseline: Baseline;
  const spec = flags.baseline ?? 'auto';
  if (spec === 'auto') {
    let maxSamples: number | undefined;
    if (flags.baselineSeconds !== undefined) {
      const s = Number(flags.baselineSeconds);
      if (!(s > 0)) throw cliError('flag.notA', { flag: '--baseline-seconds', value: flags.baselineSeconds, expected: 'expect.positiveSeconds' }, 'CONFIG');
      maxSamples = Math.round(s * info.rateSps);
    }
    if (flags.baselineSeconds === undefined) log.info({ file }, 'pass 1 of 2: learning the baseline from the recording');
    bar?.start(maxSamples ?? total, 0, { task: pw.baseline });
    const learnSource = await openFileSource(file, srcOpts);
    const learnPass = slowWorker?.pass(maxSamples);
    const learned = await learnBaseline(learnSource, opts, 'auto', { maxSamples, settleSamples: settle, onProgress: (n) => bar?.update(n), slowFrames: learnPass?.reader })
      .finally(() => learnPass?.end());
    bar?.stop();
    baseline = learned.baseline;
    if (baseline.fast.frames < 4) {
      const nf = learnSource.nonFiniteSamples.samples;
      const need = settle + 4 * opts.fastFftSize;
      const counts = { samples: learned.stats.samples, frames: baseline.fast.frames, settle, fast: opts.fastFftSize, need, nonFiniteSamples: nf };
      throw cliError('replay.tooShort', { file, ...counts, nonFinite: nf > 0 ? 'replay.nonFiniteDropped' : 'none' }, 'BAD_INPUT');
    }
    log.info({ frames: baseline.fast.frames, slowFrames: baseline.slow.frames, seconds: r(baseline.durationS, 3) }, 'baseline learned from the recording');
    if (maxSamples !== undefined && learned.stats.samples < maxSamples) {
      // the whole recording was the learning window: everything in it is background, and nothing after it is tested
      const recordingS = r(learned.stats.samples / info.rateSps, 3);
      warnCoded(log, { file, baselineSeconds: Number(flags.baselineSeconds), recordingS }, { id: 'warn.baselineWhole', params: { value: flags.baselineSeconds, recordingS } });
    }
    if (maxSamples !== undefined) {
      // a learning window is a calibration: what it heard is background from now on, so it is listed (stdout lines
      // of type "calibration-emitter", and in words on stderr)
      for (const e of baseline.emitters ?? []) write(JSON.stringify({ type: 'calibration-emitter', ...e }));
      reportEmitters(baseline.emitters ?? [], (line) => process.stderr.write(line + '\n'));
    }
  } else {
    if (flags.baselineSeconds !== undefined) throw cliError('replay.baselineSecondsAuto', { spec }, 'CONFIG');
    baseline = await loadBaseline(spec).catch((err: unknown) => {
      // the baseline's own message names its file (maybe '' or a number): say which flag gave it
      throw err instanceof QuietBandError ? cliError('flag.detail', { flag: '--baseline', detail: err.message }, err.code, { cause: err }) : err;
    });
    log.info({ baseline: spec, createdAt: baseline.createdAt, method: baseline.method }, 'baseline loaded');
  }

  let detections = 0;
  const csv = flags.csv ? new RtlPowerCsvWriter(flags.csv, await csvOriginMs(file, info, log)) : undefined;
  bar?.start(total, 0, { task: pw.detect });
  const detectSource = await openFileSource(file, srcOpts);
  // identification (docs/identification.md): a bounded ring of the IQ, each detection classified when it closes
  // a band-cut clip's identifications take their noise floor from its pre-roll when the emission fills the clip
  const ident = flags.identify === false ? undefined : new DetectionIdentifier(info, { audioDir: flags.audio, ...(dcFree ? { noiseS: CLIP_PRE_ROLL_NOISE_S } : {}) });
  const boxes: PictureDetection[] = [];
  const detectPass = slowWorker?.pass();
  // with threads, detections are identified on a worker (not with --audio: the WAVs are written here) and their lines
  // written in order as the answers come
  const identWorker = ident !== undefined && threads >= 2 && flags.audio === undefined ? startIdentWorker(file) : undefined;
  // one row per transmission: slices of one band-wide emission are held to the end and written as one row
  const rows = new RowJoiner((opts.detector.holdMs ?? DEFAULT_DETECTOR_OPTIONS.holdMs) / 1000, (row) => write(detectionLine(row.ev, info, opts.bandPlan, row.signal, row.joinedIds)));
  let lines: Promise<void> = Promise.resolve();
  let identError: unknown;
  const passed = detect(ident ? ident.tap(detectSource) : detectSource, baseline, opts, (ev) => {
    if (ev.kind !== 'close') return;
    detections++;
    if (flags.png !== undefined) boxes.push({ lowHz: ev.lowHz, highHz: ev.highHz, startS: ev.startS, endS: ev.endS ?? ev.startS });
    if (identWorker === undefined || ident === undefined) {
      rows.add({ ev: { ...ev, paths: [...ev.paths] }, signal: ident?.identify(ev) });
      return;
    }
    const job = ident.prepare(ev);
    const signal = !isIdentJob(job) ? Promise.resolve(job)
      : identWorker.pending < MAX_PENDING_IDENT ? identWorker.identify(job) : Promise.resolve(identifyJob(job).summary);
    const closed: DetectionEvent = { ...ev, paths: [...ev.paths] };
    lines = lines.then(async () => rows.add({ ev: closed, signal: await signal })).catch((err: unknown) => {
      identError ??= err;
    });
  }, { settleSamples: settle, onProgress: (n) => bar?.update(n), onSlowFrame: csv ? (f) => csv.write(f) : undefined, slowFrames: detectPass?.reader }, spec)
    .finally(() => detectPass?.end());
  const { stats, detector } = await passed.finally(() => lines).finally(() => identWorker?.close());
  if (identError !== undefined) throw identError;
  rows.flush();
  bar?.stop();
  await ident?.flush();
  // what became of each emitter the calibration heard: a sensor that stopped hearing a known emitter is deaf, not quiet
  for (const h of detector.emittersHeard()) {
    write(JSON.stringify({ type: 'emitter-heard', ...h, lastHeardS: h.lastHeardS === null ? null : r(h.lastHeardS, 3), longestDeafS: r(h.longestDeafS, 3), limitS: h.limitS === null ? null : r(h.limitS, 3), driftHz: h.driftHz === null ? null : r(h.driftHz, 1), levelOverCalibrationDb: h.levelOverCalibrationDb === null ? null : r(h.levelOverCalibrationDb, 2) }));
    process.stderr.write(describeHeard(h) + '\n');
  }
  const driftPpm = detector.receiverDriftPpm();
  if (driftPpm !== null) {
    process.stderr.write(`receiver drift since calibration, measured on its narrow emitters: ${driftPpm >= 0 ? '+' : ''}${driftPpm.toFixed(2)} ppm (${((driftPpm * info.centerHz) / 1e6).toFixed(0)} Hz here)\n`);
  }
  await csv?.close();
  if (stats.shortFrames === 0) {
    throw cliError('replay.noSamples', { file, samples: stats.samples, settle }, 'BAD_INPUT');
  }
  const durationS = stats.samples / info.rateSps;
  const totalS = (performance.now() - tStart) / 1000;
  const summary: ReplaySummary = {
    file,
    samples: stats.samples,
    durationS: r(durationS, 6),
    detections: rows.rows,
    ...(rows.rows < detections ? { detectorTracks: detections } : {}),
    wallS: r(totalS, 3),
    realtimeFactor: r(durationS / Math.max(totalS, 1e-6), 2),
    detectWallS: r(stats.wallMs / 1000, 3),
    detectRealtimeFactor: r(durationS / Math.max(stats.wallMs / 1000, 1e-6), 2),
    floatSamples: info.format === 'cf32',
    ...overloadFields(stats.clip, durationS, file, log),
    nonFiniteSamples: detectSource.nonFiniteSamples.samples,
    rateSps: info.rateSps,
    centerHz: info.centerKnown ? info.centerHz : null,
    calibrationEmitters: detector.emittersHeard().map((h) => ({ centerHz: Math.round(h.centerHz), appearances: h.appearances })),
  };
  reportNonFinite(log, file, detectSource.nonFiniteSamples, info.rateSps);
  if (flags.png !== undefined) {
    const pic = await renderRecordingPicture(file, flags.png, boxes);
    log.info({ png: flags.png, widthPx: pic.widthPx, heightPx: pic.heightPx, boxes: pic.boxes.length }, 'spectrogram picture written');
  }
  // the detection pass alone is what a live sensor runs; the whole replay also reads the file once for the baseline
  log.info(summary, 'replay finished');
  return summary;
}

/**
 * One line a person reads about a calibration emitter after the detect pass, e.g. `calibration emitter 433.9900 MHz:
 * heard 12 times, last at 590.2 s, longest silence 47 s` (+ the lifts of its envelope, if any).
 */
function describeHeard(h: EmitterHeard): string {
  const mhz = (h.centerHz / 1e6).toFixed(4);
  const heard = h.appearances === 0
    ? 'never heard after calibration'
    : `heard ${h.appearances} time${h.appearances === 1 ? '' : 's'}, last at ${h.lastHeardS?.toFixed(1)} s, longest silence ${h.longestDeafS.toFixed(0)} s`;
  const lifted = h.lifted > 0
    ? `; ${h.lifted} appearance${h.lifted === 1 ? '' : 's'} outlasted ${h.limitS?.toFixed(1)} s and ${h.lifted === 1 ? 'was' : 'were'} tested as new`
    : '';
  return `calibration emitter ${mhz} MHz: ${heard}${lifted}`;
}

/**
 * Replay of a scan: a SigMF recording whose captures hop between centre frequencies. Each hop gets its own baseline
 * (learned from its own captures), engines and detector; the first `--hop-settle-ms` of every capture is discarded
 * (stale samples from the previous frequency); tracks seen through two overlapping hops are merged.
 */
async function replayScan(
  file: string, flags: ReplayFlags, write: (line: string) => void, log: Logger, srcOpts: FileSourceOptions,
  info: IqSourceInfo, segments: { centerHz: number; sampleStart: number; sampleCount: number }[], opts: PipelineOptions,
): Promise<ReplaySummary> {
  if ((flags.baseline ?? 'auto') !== 'auto') {
    throw cliError('replay.scanBaseline', { file, n: new Set(segments.map((x) => x.centerHz)).size }, 'CONFIG');
  }
  const settleMs = flags.hopSettleMs === undefined ? DEFAULT_SCAN.settleMs : Number(flags.hopSettleMs);
  if (!(settleMs >= 0)) throw cliError('flag.notA', { flag: '--hop-settle-ms', value: flags.hopSettleMs, expected: 'expect.durationMs' }, 'CONFIG');
  const cropFraction = flags.crop === undefined ? DEFAULT_SCAN.cropFraction : Number(flags.crop);
  if (!(cropFraction >= 0 && cropFraction <= 0.8)) throw cliError('replay.crop', { value: flags.crop }, 'CONFIG');
  // revisit time: the longest gap between two captures of the same centre
  let revisitMs = 0;
  const lastStart = new Map<number, number>();
  for (const seg of segments) {
    const prev = lastStart.get(seg.centerHz);
    if (prev !== undefined) revisitMs = Math.max(revisitMs, ((seg.sampleStart - prev) / info.rateSps) * 1000);
    lastStart.set(seg.centerHz, seg.sampleStart);
  }
  const hop = { settleSamples: Math.round((settleMs / 1000) * info.rateSps), cropFraction, revisitMs };
  log.info({ file, hops: lastStart.size, captures: segments.length, revisitMs: r(revisitMs, 1), settleMs, cropFraction }, 'replaying a scan');
  const learn = new HopPipeline(info, opts, hop, 'learn');
  for await (const b of (await openFileSource(file, srcOpts)).blocks()) learn.push(b);
  const baselines = learn.baselines('auto');
  let detections = 0;
  let samples = 0;
  const t0 = performance.now();
  const det = new HopPipeline(info, opts, hop, 'detect', baselines, (ev) => {
    if (ev.kind !== 'close') return;
    detections++;
    write(detectionLine(ev, info, opts.bandPlan));
  });
  const clip = new ClipMeter(opts.detector.overloadClipFraction);
  const detectSource = await openFileSource(file, srcOpts);
  for await (const b of detectSource.blocks()) {
    det.push(b);
    clip.add(b.clipFraction, b.count);
    samples = b.firstSample + b.count;
  }
  det.flush(samples);
  const wallS = (performance.now() - t0) / 1000;
  const durationS = samples / info.rateSps;
  const summary: ReplaySummary = {
    file, samples, durationS: r(durationS, 6), detections, wallS: r(wallS, 3), realtimeFactor: r(durationS / Math.max(wallS, 1e-6), 1),
    detectWallS: r(wallS, 3), detectRealtimeFactor: r(durationS / Math.max(wallS, 1e-6), 1), floatSamples: info.format === 'cf32',
    ...overloadFields(clip.summary(info.rateSps), durationS, file, log),
    nonFiniteSamples: detectSource.nonFiniteSamples.samples,
    rateSps: info.rateSps, centerHz: info.centerKnown ? info.centerHz : null, calibrationEmitters: [],
  };
  reportNonFinite(log, file, detectSource.nonFiniteSamples, info.rateSps);
  log.info({ ...summary, hops: det.centers.length, discardedSamples: det.discardedSamples }, 'replay finished');
  return summary;
}

/**
 * Runs `quietband replay <file>` (src/cli/commands.ts registers it as `cmd`): detection lines on stdout as they come
 * when piped, a table at the end on a terminal, then the summary in words where a person reads it.
 */
export async function replayCommand(file: string, flags: ReplayFlags, cmd: Command): Promise<void> {
  const lang = langFlag(flags.lang);
  // the readable log lines and the calibration's emitter report in the same language (worker threads inherit it)
  process.env[LOG_LANG_ENV] = lang;
  const log = createLogger(checkLogLevel(flags.logLevel));
  // an FFT size nobody asked for is left to replayFile: a band-cut clip picks its own (the sensor's RBW)
  if (cmd.getOptionValueSource('fftSize') === 'default') delete flags.fftSize;
  // a person at a terminal reads a table, written after the progress bar is gone; a pipe gets the JSON lines as they come
  const table = replayOutput(flags, process.stdout.isTTY === true) === 'table' ? new ReplayTable(lang) : undefined;
  const lines: string[] = [];
  const flush = () => {
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
    lines.length = 0;
  };
  const summary = await replayFile(file, flags, (line) => {
    if (table) return table.add(line);
    lines.push(line);
    if (lines.length >= 256) flush();
  }, log);
  flush();
  if (table) process.stdout.write(table.text());
  // a person at a terminal gets the summary in words; piped output stays machine lines only
  if (flags.summary !== false) summaryStream(process.stdout, process.stderr, table === undefined)?.write(replaySummaryText(summary, lang));
}
