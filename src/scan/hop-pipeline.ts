// Hopping pipeline: per-hop engines, baselines and detectors; settle after every retune; merging across overlapping hops.
import type { SpectrumFrame } from '../spectrum/frames.js';
import { AnalysisChain, type PipelineOptions } from '../pipeline.js';
import type { Baseline } from '../baseline/baseline.js';
import type { DetectionEvent, IqBlock, IqSourceInfo } from '../types.js';

/** Settings of a hopping run (see ScanPlan). */
export interface HopSettings {
  /** Samples discarded after every retune (settleMs·rate, plus one source buffer for live sources). */
  settleSamples: number;
  /** Fraction of each hop's band cropped at the edges. */
  cropFraction: number;
  /** Time between two visits of a hop (ms): tracks are held this much longer, so a continuous signal stays one track. */
  revisitMs: number;
}

interface HopState {
  centerHz: number;
  /** The hop's engines and its learner or detector (built once per hop: the hot path creates nothing per block). */
  chain: AnalysisChain;
  lastTuneId: number;
  discardUntil: number;
  analysedSamples: number;
}

/**
 * Routes blocks to the hop whose centre they were tuned to (`IqBlock.centerHz`), discards the first
 * `settleSamples` after every tune change (`tuneId`) — stale samples from the previous frequency, PLL settling — and
 * runs that hop's own {@link AnalysisChain} (the one replay and the live sensors run). Hops are created on first sight,
 * so a SigMF recording with several `captures` at different `core:frequency` replays as a scan. Allocation-free per
 * block once every hop has been seen.
 */
export class HopPipeline {
  private readonly hops = new Map<number, HopState>();
  private readonly merger: HopMerger;
  /** Samples thrown away as settle after retunes (all hops). */
  discardedSamples = 0;
  /** Optional tap: every slow (Welch) frame of every hop after the learner/detector saw it (live spectra of a scan). */
  onSlowFrame: ((frame: SpectrumFrame) => void) | null = null;
  private readonly tap = (frame: SpectrumFrame): void => this.onSlowFrame?.(frame);

  /**
   * @param mode 'learn' builds baselines (read them with {@link baselines}); 'detect' needs `baselines` for every hop
   * @param emit receives merged DetectionEvents (ids unique across hops)
   */
  constructor(
    private readonly info: IqSourceInfo,
    private readonly opts: PipelineOptions,
    private readonly hop: HopSettings,
    private readonly mode: 'learn' | 'detect',
    private readonly stored: Map<number, Baseline> = new Map(),
    emit: (ev: DetectionEvent) => void = () => {},
  ) {
    this.merger = new HopMerger(emit, (4 * info.rateSps) / opts.spectrum.fftSize);
  }

  private stateFor(centerHz: number): HopState {
    let s = this.hops.get(centerHz);
    if (s) return s;
    const o = this.opts;
    const hopInfo = { ...this.info, centerHz, centerKnown: true };
    let chain: AnalysisChain;
    if (this.mode === 'learn') {
      chain = AnalysisChain.learning(hopInfo, o, this.tap);
    } else {
      const baseline = this.stored.get(centerHz);
      if (!baseline) throw new RangeError(`no baseline for the hop at ${centerHz} Hz`);
      const holdMs = (o.detector.holdMs ?? 25) + this.hop.revisitMs;
      const hopIndex = this.hops.size;
      chain = AnalysisChain.detecting(hopInfo, baseline, o, (ev) => this.merger.onEvent(hopIndex, ev),
        // no long path: a hop's Welch averages come in dwells one revisit apart, so seconds of them are not seconds of time
        { ...o.detector, holdMs, cropFraction: this.hop.cropFraction, dropDcCentred: true, closeOnRetune: false, longScalesS: [] },
        this.tap);
    }
    s = { centerHz, chain, lastTuneId: -1, discardUntil: 0, analysedSamples: 0 };
    this.hops.set(centerHz, s);
    return s;
  }

/** Feeds one block (in stream order). */
  push(block: IqBlock): void {
    const s = this.stateFor(block.centerHz);
    if (block.tuneId !== s.lastTuneId) {
      s.lastTuneId = block.tuneId;
      s.discardUntil = block.firstSample + this.hop.settleSamples;
    }
    const from = Math.min(block.count, Math.max(0, s.discardUntil - block.firstSample));
    this.discardedSamples += from;
    if (from >= block.count) return;
    s.chain.push(block, from, block.count);
    s.analysedSamples += block.count - from;
  }

  /** Baselines learned per hop centre ('learn' mode). */
  baselines(method: Baseline['method']): Map<number, Baseline> {
    const out = new Map<number, Baseline>();
    for (const [hz, s] of this.hops) if (s.chain.learner) out.set(hz, s.chain.learner.finish(method));
    return out;
  }

  /** Closes every open track ('detect' mode) at `atSample`. */
  flush(atSample: number): void {
    for (const s of this.hops.values()) s.chain.detector?.flush(atSample);
  }

  /** Hop centres seen so far, in order of first appearance. */
  get centers(): number[] {
    return [...this.hops.keys()];
  }
}


interface Merged {
  id: number;
  lowHz: number;
  highHz: number;
  startS: number;
  /** Open per-hop tracks that feed this merged track: `${hop}:${id}`. */
  members: Set<string>;
  last: DetectionEvent;
  /** Any member's event was flagged overload (a clipping block on either hop): the merged track is too. */
  overload: boolean;
}

/**
 * One signal seen through two overlapping hops is one detection: a hop's new track whose band overlaps (± `tolHz`) an
 * open merged track of another hop joins it instead of opening a new one. The merged track closes when its last
 * member closes; its start is the earliest member start and its end the latest member end.
 */
export class HopMerger {
  private readonly open: Merged[] = [];
  private readonly memberOf = new Map<string, Merged>();
  private nextId = 1;
  constructor(private readonly emit: (ev: DetectionEvent) => void, private readonly tolHz: number) {}

  onEvent(hop: number, ev: DetectionEvent): void {
    const key = `${hop}:${ev.id}`;
    let m = this.memberOf.get(key);
    if (!m) {
      m = this.open.find((x) => ev.lowHz <= x.highHz + this.tolHz && ev.highHz >= x.lowHz - this.tolHz);
      if (m) {
        m.members.add(key);
        this.memberOf.set(key, m);
      } else {
        m = { id: this.nextId++, lowHz: ev.lowHz, highHz: ev.highHz, startS: ev.startS, members: new Set([key]), last: ev, overload: ev.overload };
        this.open.push(m);
        this.memberOf.set(key, m);
        this.emit({ ...ev, id: m.id, kind: 'open' });
        if (ev.kind === 'open') return;
      }
    }
    const startS = Math.min(m.startS, ev.startS);
    m.startS = startS;
    const overload = (m.overload ||= ev.overload);
    if (ev.kind === 'close') {
      m.members.delete(key);
      this.memberOf.delete(key);
      const endS = Math.max(ev.endS ?? ev.startS, m.last.endS ?? m.last.startS);
      if (m.members.size > 0) {
        m.last = { ...m.last, endS };
        return;
      }
      this.open.splice(this.open.indexOf(m), 1);
      // report the stronger view of the two hops
      const best = ev.peakExcessDb >= m.last.peakExcessDb ? ev : m.last;
      this.emit({ ...best, id: m.id, kind: 'close', startS, endS, overload });
      return;
    }
    if (ev.peakExcessDb >= m.last.peakExcessDb || m.last.kind === 'open') m.last = ev;
    if (ev.kind === 'update' && m.members.size === 1) this.emit({ ...ev, id: m.id, startS, overload });
  }
}
