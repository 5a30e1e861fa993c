// The hop loop of a scanning sensor: retune → discard the settle → dwell → next hop, with per-hop learning then detection.
import type { Baseline } from '../baseline/baseline.js';
import { QuietBandError } from '../errors.js';
import type { PipelineOptions } from '../pipeline.js';
import type { SpectrumFrame } from '../spectrum/frames.js';
import type { RetunableSource } from '../source/retunable.js';
import type { DetectionEvent, IqBlock } from '../types.js';
import { HopPipeline } from './hop-pipeline.js';
import { scanPlanOf, scanSettleSamples, type SensorScanSettings } from './scan-config.js';
import { planHops, revisitTimeMs, type Hop, type ScanSegment } from './scan-plan.js';

/** Callbacks of a {@link ScanLoop} (all optional; called synchronously from the block loop). */
export interface ScanHooks {
  /** Merged detections (ids unique over the run; times in s from the stream's sample 0). */
  onDetection?: (ev: DetectionEvent) => void;
  /** Every hop learned: `baselines` by plan centre (Hz). Detection starts with the next hop. */
  onLearned?: (baselines: Map<number, Baseline>) => void;
  /** Every slow frame of every hop (after the learner/detector saw it), with the hop's index in the plan. */
  onSlowFrame?: (hopIndex: number, frame: SpectrumFrame) => void;
  /** A visit of hop `hopIndex` started at sample `firstSample` (after the retune, before the settle). */
  onVisit?: (hopIndex: number, firstSample: number) => void;
}

/** Options of {@link ScanLoop}. */
export interface ScanLoopOptions {
  source: RetunableSource;
  /** Blocks to read, default `source.blocks()` (the daemon passes a SharedBlockStream view of the same source). */
  blocks?: AsyncIterable<IqBlock>;
  scan: Pick<SensorScanSettings, 'segments' | 'dwellMs' | 'settleMs' | 'cropFraction'>;
  /** Rate the plan is made for (S/s): the configured rate, so hop centres (and baseline file names) do not depend on the device's exact rate. */
  planRateSps: number;
  opts: PipelineOptions;
  /** Samples discarded at the start of the stream, before the first hop's settle (start-up transients, docs/field-notes.md §2). */
  startSettleSamples: number;
  /**
   * 'learn': learn every hop from `learnSamplesPerHop` analysed samples, then return the baselines (calibrate).
   * 'run': detect against `stored` (complete, by plan centre) or, without it, learn first (warm-up) then detect until
   * the source ends or the signal aborts.
   */
  mode: 'learn' | 'run';
  learnSamplesPerHop: number;
  stored?: Map<number, Baseline>;
  signal?: AbortSignal;
  /** Stop after this sample index (tests). */
  maxSamples?: number;
  hooks?: ScanHooks;
}

/** Revisit of one segment: how long a burst there could go unseen. */
export interface SegmentRevisit extends ScanSegment {
  hops: number;
  /** Planned: hops of the whole plan × (dwell + settle) (ms). */
  plannedRevisitMs: number;
  /** Measured on the sample clock: the longest of its hops' latest intervals between two visit starts (ms); null before every hop was visited twice. */
  revisitMs: number | null;
}

/** Why {@link ScanLoop.run} returned. */
export type ScanEnd = 'source-ended' | 'aborted' | 'learned' | 'max-samples';

/**
 * Drives a retunable source through a scan plan (planHops: overlapping hops 0.4 × usable apart), round robin:
 * retune → the HopPipeline discards `settleSamples` after the tune change (`tuneId`) → `dwellMs` of analysed samples →
 * next hop. Blocks that still carry the previous tuning (queued before the retune) go to their own hop and do not
 * count towards the new visit; a new tune generation at the same centre (a reconnect) restarts the visit.
 *
 * Settle = {@link scanSettleSamples}: the configured `settleMs`, or 25 ms plus one source block (the size of the first
 * block seen). Baselines are per hop (keyed by the centre the device reports); detection is per hop with tracks held
 * across revisits and merged across overlapping hops (HopPipeline).
 */
export class ScanLoop {
  readonly hops: Hop[];
  /** Index in `segments` of each hop. */
  readonly segmentOf: number[];
  private readonly o: ScanLoopOptions;
  private readonly rate: number;
  private settle = -1;
  private learn: HopPipeline | null = null;
  private detect: HopPipeline | null = null;
  /** Device centre (Hz) → hop index, and the detector's baselines by device centre (filled as hops are tuned). */
  private readonly hopOfCentre = new Map<number, number>();
  private readonly detectBaselines = new Map<number, Baseline>();
  private byPlan: Map<number, Baseline> | null;
  private readonly visitStart: Float64Array;
  private readonly interval: Float64Array;
  private readonly learnedSamples: Float64Array;
  /** Hop being visited, its device centre, the tune generation of its visit (−1 until its first block). */
  hopIndex = 0;
  private actualHz = 0;
  private visitTune = -1;
  private tuneAtRetune = -1;
  private lastTune = -1;
  private hopStart = -1;
  /** Visits completed. */
  visits = 0;
  /** Last sample index seen (end of the last block). */
  samples = 0;
  /** Retunes issued. */
  retunes = 0;

  constructor(o: ScanLoopOptions) {
    this.o = o;
    this.rate = o.source.info.rateSps;
    this.hops = planHops(scanPlanOf(o.scan, 0), o.planRateSps);
    this.segmentOf = [];
    o.scan.segments.forEach((seg, i) => {
      for (let k = 0; k < planHops({ ...scanPlanOf(o.scan, 0), segments: [seg] }, o.planRateSps).length; k++) this.segmentOf.push(i);
    });
    const n = this.hops.length;
    this.visitStart = new Float64Array(n).fill(-1);
    this.interval = new Float64Array(n).fill(-1);
    this.learnedSamples = new Float64Array(n);
    this.byPlan = o.stored ?? null;
    if (this.byPlan !== null) {
      for (const h of this.hops) {
        if (!this.byPlan.has(h.centerHz)) throw new QuietBandError(`scan: no stored baseline for the hop at ${h.centerHz} Hz`, 'CONFIG');
      }
    }
  }

  /** Samples discarded after each retune (known after the first block; −1 before). */
  get settleSamples(): number {
    return this.settle;
  }

  /** True once detecting. */
  get armed(): boolean {
    return this.detect !== null;
  }

  /** Samples thrown away as settle after retunes so far. */
  get discardedSamples(): number {
    return this.learnDiscarded + (this.learn?.discardedSamples ?? 0) + (this.detect?.discardedSamples ?? 0);
  }
  private learnDiscarded = 0;

  /** Planned revisit (ms): hops × (dwell + settle); the settle is known after the first block (0 before). */
  plannedRevisitMs(): number {
    const settleMs = this.settle > 0 ? (this.settle / this.rate) * 1000 : 0;
    return revisitTimeMs(scanPlanOf(this.o.scan, settleMs), this.hops);
  }

  /** Per segment: planned and measured revisit time (see {@link SegmentRevisit}). */
  revisit(): SegmentRevisit[] {
    const planned = this.plannedRevisitMs();
    return this.o.scan.segments.map((seg, i) => {
      let worst = 0;
      let all = true;
      let hops = 0;
      for (let h = 0; h < this.hops.length; h++) {
        if (this.segmentOf[h] !== i) continue;
        hops++;
        const v = this.interval[h]!;
        if (v < 0) all = false;
        else worst = Math.max(worst, v);
      }
      return { startHz: seg.startHz, stopHz: seg.stopHz, hops, plannedRevisitMs: planned, revisitMs: all ? (worst / this.rate) * 1000 : null };
    });
  }

  /** Analysed samples learned per hop so far (warm-up / calibrate progress). */
  learned(hopIndex: number): number {
    return this.learnedSamples[hopIndex]!;
  }

  private async tune(hopIndex: number): Promise<void> {
    this.hopIndex = hopIndex;
    const plan = this.hops[hopIndex]!;
    const hz = await this.o.source.retune(plan.centerHz);
    this.retunes++;
    this.actualHz = hz;
    this.hopOfCentre.set(hz, hopIndex);
    if (this.byPlan !== null) this.detectBaselines.set(hz, this.byPlan.get(plan.centerHz)!);
    this.tuneAtRetune = this.lastTune;
    this.visitTune = -1;
    this.hopStart = -1;
  }

  private makePipeline(mode: 'learn' | 'detect'): HopPipeline {
    const info = this.o.source.info;
    const revisitMs = this.plannedRevisitMs();
    const hooks = this.o.hooks ?? {};
    const p = new HopPipeline(info, this.o.opts, { settleSamples: this.settle, cropFraction: this.o.scan.cropFraction, revisitMs }, mode, this.detectBaselines, (ev) => hooks.onDetection?.(ev));
    const onSlow = hooks.onSlowFrame;
    if (onSlow) {
      p.onSlowFrame = (f) => {
        const h = this.hopOfCentre.get(f.centerHz);
        if (h !== undefined) onSlow(h, f);
      };
    }
    return p;
  }

  /** Learned baselines by plan centre (every hop must have at least 4 fast frames). @throws QuietBandError('IO'). */
  private finishLearning(): Map<number, Baseline> {
    const byDevice = this.learn!.baselines(this.o.mode === 'learn' ? 'calibrate' : 'warmup');
    const out = new Map<number, Baseline>();
    for (const [hz, b] of byDevice) {
      const h = this.hopOfCentre.get(hz);
      if (h === undefined) continue;
      if (b.fast.frames < 4) throw new QuietBandError(`scan: too little signal for the baseline of the hop at ${hz} Hz (${b.fast.frames} FFT frames)`, 'IO');
      out.set(this.hops[h]!.centerHz, b);
    }
    return out;
  }

  /**
   * Runs the loop until the source ends, the signal aborts, `maxSamples`, or (mode 'learn') every hop is learned.
   * Open tracks are closed at the end (detection mode).
   * @returns why it ended and, when learned in this run, the baselines by plan centre.
   * @throws QuietBandError from the source (retune, blocks) and 'IO' for a hop with too little signal.
   */
  async run(): Promise<{ end: ScanEnd; baselines: Map<number, Baseline> | null }> {
    const o = this.o;
    const dwell = Math.round((o.scan.dwellMs / 1000) * this.rate);
    const it = (o.blocks ?? o.source.blocks())[Symbol.asyncIterator]();
    let learnedNow: Map<number, Baseline> | null = null;
    let end: ScanEnd = 'source-ended';
    await this.tune(0);
    try {
      for (;;) {
        if (o.signal?.aborted) {
          end = 'aborted';
          break;
        }
        const r = await it.next();
        if (r.done) break;
        const b = r.value;
        const blockEnd = b.firstSample + b.count;
        this.samples = blockEnd;
        this.lastTune = b.tuneId;
        if (b.firstSample < o.startSettleSamples) continue;
        if (this.settle < 0) {
          this.settle = scanSettleSamples(o.scan, this.rate, b.count);
          if (this.byPlan !== null) this.detect = this.makePipeline('detect');
          else this.learn = this.makePipeline('learn');
        }
        (this.detect ?? this.learn)!.push(b);
        if (b.centerHz === this.actualHz && b.tuneId !== this.tuneAtRetune && b.tuneId !== this.visitTune) {
          // first block of this visit (or of a new tune generation at the same centre: restart the visit)
          this.visitTune = b.tuneId;
          this.hopStart = b.firstSample;
          const h = this.hopIndex;
          const prev = this.visitStart[h]!;
          if (prev >= 0) this.interval[h] = b.firstSample - prev;
          this.visitStart[h] = b.firstSample;
          o.hooks?.onVisit?.(h, b.firstSample);
        }
        if (o.maxSamples !== undefined && blockEnd >= o.maxSamples) {
          end = 'max-samples';
          break;
        }
        if (this.visitTune < 0 || b.tuneId !== this.visitTune) continue;
        const from = Math.max(b.firstSample, this.hopStart + this.settle);
        if (this.learn !== null && blockEnd > from) this.learnedSamples[this.hopIndex] += blockEnd - from;
        if (blockEnd < this.hopStart + this.settle + dwell) continue;
        // visit done
        this.visits++;
        if (this.learn !== null && this.learnedSamples.every((v) => v >= o.learnSamplesPerHop)) {
          learnedNow = this.finishLearning();
          this.learnDiscarded = this.learn.discardedSamples;
          this.learn = null;
          if (o.mode === 'learn') {
            end = 'learned';
            break;
          }
          this.byPlan = learnedNow;
          for (const [hz, h] of this.hopOfCentre) this.detectBaselines.set(hz, learnedNow.get(this.hops[h]!.centerHz)!);
          this.detect = this.makePipeline('detect');
          o.hooks?.onLearned?.(learnedNow);
        }
        await this.tune((this.hopIndex + 1) % this.hops.length);
      }
    } finally {
      this.detect?.flush(this.samples);
      if (end !== 'source-ended') await it.return?.();
    }
    return { end, baselines: learnedNow };
  }
}
