// The replay's two passes over a simulated site background, in memory, and the matching of detections to truth boxes.
import type { CalibrationEmitter } from '../baseline/emitters.js';
import type { EmitterHeard } from '../detector/emitter-watch.js';
import { learnBaseline, detect } from '../pipeline.js';
import { pipelineOptions, settleSamples, type PipelineFlags } from '../cli/pipeline-flags.js';
import { driftHzAt, SiteBackgroundSource, type SiteBackground } from '../source/site-background.js';
import type { IqSource } from '../types.js';

/** A closed detection, with the fields `quietband replay` prints (frequencies absolute, Hz; times s from sample 0). */
export interface ClosedDetection {
  id: number;
  startS: number;
  endS: number;
  lowHz: number;
  highHz: number;
  centerHz: number;
  peakExcessDb: number;
  overload: boolean;
  /** Detector paths that saw it ('fast', 'slow', 'long'). */
  paths: string[];
}

/** Result of {@link replayPasses}. */
export interface ReplayPassesResult {
  detections: ClosedDetection[];
  /** Wall and process CPU time (s) of each pass (rendering the background included). */
  learnS: number;
  detectS: number;
  cpuS: number;
  samples: number;
  /** Slow-path resolution bandwidth (Hz): rateSps / fftSize. */
  rbwHz: number;
  /** What the learning window heard (the baseline's calibration emitters). */
  emitters: CalibrationEmitter[];
  /** Every appearance of those emitters the detect pass's emitter watch saw (s; `lifted`: its envelope was lifted). */
  appearances: { emitter: number; startS: number; endS: number; lifted: boolean }[];
  /** The watch's summary per emitter at the end of the stream. */
  heard: EmitterHeard[];
  /** The receiver drift the watch measured on the steady carriers at the end of the stream (ppm), null without. */
  driftPpm: number | null;
  /** The detector's slow-path noise bins (Detector.slowNoiseBins): where the background is noise alone. */
  slowNoiseBins: Uint8Array;
}

/**
 * What `quietband replay --baseline-seconds S` does to a recording (src/cli/replay.ts), on a streamed site background
 * instead of a file: PipelineOptions from the same flag parser (`flags`, default none = the CLI defaults), learnBaseline
 * over the first S seconds (the settle samples discarded), then detect over the whole stream from sample 0 with that
 * baseline, keeping the 'close' events.
 * @param makeSource the stream of each pass (called twice, learn then detect); default a new
 *   {@link SiteBackgroundSource} of `site`. It must stream the same samples as that source: a caller that replays the
 *   background from one rendering in memory saves rendering the learning window twice.
 * @throws Error when the learning window gives fewer than 4 fast frames; QuietBandError('CONFIG') for bad flags.
 */
export async function replayPasses(site: SiteBackground, baselineSeconds: number, flags: PipelineFlags = {}, makeSource: () => IqSource = () => new SiteBackgroundSource(site)): Promise<ReplayPassesResult> {
  const opts = pipelineOptions(flags, site.rateSps);
  const settle = settleSamples(flags);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const learned = await learnBaseline(makeSource(), opts, 'auto', { maxSamples: Math.round(baselineSeconds * site.rateSps), settleSamples: settle });
  if (learned.baseline.fast.frames < 4) throw new Error(`replayPasses: a baseline of ${learned.baseline.fast.frames} fast frames is too short (learning window ${baselineSeconds} s)`);
  const learnS = (performance.now() - t0) / 1000;
  const detections: ClosedDetection[] = [];
  const t1 = performance.now();
  const appearances: ReplayPassesResult['appearances'] = [];
  const { stats, detector } = await detect(makeSource(), learned.baseline, opts, (ev) => {
    if (ev.kind !== 'close') return;
    detections.push({ id: ev.id, startS: ev.startS, endS: ev.endS ?? ev.startS, lowHz: ev.lowHz, highHz: ev.highHz, centerHz: ev.centerHz, peakExcessDb: ev.peakExcessDb, overload: ev.overload, paths: ev.paths });
  }, {
    settleSamples: settle,
    onEmitterAppearance: (a) => appearances.push({ emitter: a.emitter, startS: a.startSample / site.rateSps, endS: a.endSample / site.rateSps, lifted: a.lifted }),
  });
  const cpu = process.cpuUsage(cpu0);
  return {
    detections, learnS, detectS: (performance.now() - t1) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, samples: stats.samples,
    rbwHz: site.rateSps / opts.spectrum.fftSize, emitters: learned.baseline.emitters ?? [], appearances, heard: detector.emittersHeard(),
    driftPpm: detector.receiverDriftPpm(), slowNoiseBins: detector.slowNoiseBins(),
  };
}

/** A band-time box of the truth: [startS, endS] × offset ± bandwidth/2 (offset from the tuning centre, before drift). */
export interface TruthBox {
  startS: number;
  endS: number;
  offsetHz: number;
  bandwidthHz: number;
}

/**
 * Does a detection overlap a truth box? The box's band is placed at `centerHz + offsetHz + drift(mid-time)` and both
 * box dimensions are widened by the tolerances (`tolS` for averaging latency and hold, `tolHz` for a bin or two).
 */
export function overlapsTruth(d: ClosedDetection, box: TruthBox, site: SiteBackground, tolS: number, tolHz: number): boolean {
  if (d.startS > box.endS + tolS || d.endS < box.startS - tolS) return false;
  const f = site.centerHz + box.offsetHz + driftHzAt(site, 0.5 * (box.startS + box.endS));
  return d.lowHz <= f + box.bandwidthHz / 2 + tolHz && d.highHz >= f - box.bandwidthHz / 2 - tolHz;
}
