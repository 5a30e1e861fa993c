// Evidence clips of a scanning sensor: per hop, the IQ of that hop's visits around a detection, one SigMF capture per visit.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DetectionEvidence, type DetectionEvidenceOptions } from '../evidence/detection-evidence.js';
import { readSigmfMeta, writeSigmfMeta, type SigmfAnnotationInput } from '../source/sigmf.js';
import type { ClipLoss, DetectionEvent, IqBlock, IqSourceInfo } from '../types.js';
import type { EvidenceSink } from './sensor-runtime.js';

/** What {@link HopEvidence} needs to know of the scan. */
export interface HopEvidencePlan {
  /** Hops in the plan. */
  hops: number;
  /** Dwell per visit (ms). */
  dwellMs: number;
  /** Samples a visit discards after its retune (ScanLoop.settleSamples; −1 before it is known: nothing is kept). */
  settleSamples: () => number;
}

/** One visit of a hop: where its kept samples start on the stream clock and on the hop's own clock. */
interface Visit {
  /** Tune generation of the visit (IqBlock.tuneId). */
  tuneId: number;
  streamStart: number;
  hopStart: number;
  count: number;
}

/** The evidence of one hop (by device centre): a DetectionEvidence on the hop's own sample clock. */
interface HopClips {
  centerHz: number;
  evidence: DetectionEvidence;
  /** Samples of this hop kept so far = the hop clock. */
  clock: number;
  lastTune: number;
  /** Stream sample before which this visit's samples are settle. */
  keepFrom: number;
  visits: Visit[];
  /** Reused block handed to the evidence (fields copied in: no allocation per block). */
  block: IqBlock;
}

/**
 * A scanning sensor's evidence ({@link EvidenceSink} of one stream). A hop is watched only while the loop dwells there,
 * so a clip of "the stream around the detection" would splice every hop's IQ under one centre frequency. Instead each
 * hop (device centre) keeps its own {@link DetectionEvidence} on a hop clock that counts only that hop's analysed
 * samples (the settle after each retune is left out, as the detector leaves it out):
 * - a detection goes to the hop it was seen in at its first event (by tune generation; else the hop whose centre is
 *   nearest), for the whole track; its times are mapped from the stream clock to that hop's clock (a time between two visits maps to the next visit);
 * - pre/post/max seconds are scaled by the hop's share of the wall time (dwell / (hops × dwell + settles)), so a clip
 *   spans about the configured wall time of the hop's visits and each hop's ring is that share of a fixed sensor's;
 * - once written, the clip's `.sigmf-meta` gets one capture per visit (`core:sample_start` in the file,
 *   `core:frequency` the hop's centre, `core:datetime` the visit's wall time); the events are posted with their
 *   stream times, in order per track, after that rewrite.
 * The ring is allocation-free per block; a visit allocates a small record, a block cut by the settle a subarray.
 */
export class HopEvidence implements EvidenceSink {
  private readonly hops = new Map<number, HopClips>();
  /** Hop (device centre) of each open track. */
  private readonly hopOfTrack = new Map<number, number>();
  /** The stream-clock event posted for a hop-clock one: `current` for events posted during onEvent, `closes` for held closes. */
  private current: DetectionEvent | null = null;
  private readonly closes = new Map<number, DetectionEvent>();
  /** Posts wait for meta rewrites (in order). */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  /** A hop's share of the wall time: dwell / (hops × (dwell + settle)); set with the first kept block. */
  private share = 1;

  constructor(
    private readonly info: IqSourceInfo,
    private readonly originMs: number,
    private readonly o: DetectionEvidenceOptions,
    private readonly plan: HopEvidencePlan,
  ) {}

  private hopFor(centerHz: number, settle: number): HopClips {
    let h = this.hops.get(centerHz);
    if (h !== undefined) return h;
    if (this.hops.size === 0) {
      const dwellS = this.plan.dwellMs / 1000;
      this.share = Math.min(1, dwellS / (Math.max(1, this.plan.hops) * (dwellS + settle / this.info.rateSps)));
    }
    const s = this.share;
    const o = this.o;
    h = {
      centerHz,
      evidence: new DetectionEvidence({ ...this.info, centerHz, centerKnown: true }, this.originMs, {
        ...o,
        preS: o.preS * s,
        postS: o.postS * s,
        maxS: o.maxS * s,
        // the metas are rewritten with one capture per visit at the source rate: the clip keeps the hop's whole band
        band: false,
        // a close waits for the hop's next visits to cover postS: the fixed sensor's wait plus a revisit
        holdMs: o.holdMs ?? (o.postS + 15) * 1000 + this.plan.hops * this.plan.dwellMs * 2,
        post: (ev, clip, noClip) => this.onPost(h!, ev, clip, noClip),
        // a hop's late clip would reach its alert without the per-visit rewrite of its meta: it is only logged
        lateClip: undefined,
      }),
      clock: 0,
      lastTune: -1,
      keepFrom: 0,
      visits: [],
      block: { samples: new Float32Array(0), count: 0, centerHz, rateSps: this.info.rateSps, firstSample: 0, tuneId: 0, clipFraction: 0, discontinuity: false },
    };
    this.hops.set(centerHz, h);
    return h;
  }

  /** Feeds a stream block to its hop (the analysed part only). */
  push(b: IqBlock): void {
    const settle = this.plan.settleSamples();
    if (settle < 0) return;
    const h = this.hopFor(b.centerHz, settle);
    let visit = h.visits.length > 0 ? h.visits[h.visits.length - 1]! : null;
    if (b.tuneId !== h.lastTune) {
      h.lastTune = b.tuneId;
      h.keepFrom = b.firstSample + settle;
      visit = null;
    }
    const skip = Math.max(0, h.keepFrom - b.firstSample);
    if (skip >= b.count) return;
    const n = b.count - skip;
    if (visit === null || visit.streamStart + visit.count !== b.firstSample + skip) {
      visit = { tuneId: b.tuneId, streamStart: b.firstSample + skip, hopStart: h.clock, count: 0 };
      h.visits.push(visit);
      this.prune(h);
    }
    const blk = h.block;
    blk.samples = skip === 0 ? b.samples : b.samples.subarray(2 * skip);
    blk.count = n;
    blk.firstSample = h.clock;
    blk.tuneId = b.tuneId;
    blk.clipFraction = b.clipFraction;
    h.evidence.push(blk);
    visit.count += n;
    h.clock += n;
  }

  /** Forgets visits older than the hop's ring can hold. */
  private prune(h: HopClips): void {
    const keep = (this.o.preS + this.o.maxS + this.o.postS) * this.share * this.info.rateSps * 2;
    let k = 0;
    while (k < h.visits.length - 1 && h.visits[k]!.hopStart + h.visits[k]!.count < h.clock - keep) k++;
    if (k > 0) h.visits.splice(0, k);
  }

  /** Stream time (s) → the hop's clock (s): inside a visit exactly, between visits at the next visit's start. */
  private toHop(h: HopClips, streamS: number): number {
    const rate = this.info.rateSps;
    const x = Math.round(streamS * rate);
    for (const v of h.visits) {
      if (x < v.streamStart) return v.hopStart / rate;
      if (x <= v.streamStart + v.count) return (v.hopStart + x - v.streamStart) / rate;
    }
    return h.clock / rate;
  }

  /**
   * The hop a detection was seen in: the one whose visit has the event's tune generation (the detector stamps its
   * frames' tuneId), else the one whose device centre is nearest the event's (null before any block).
   */
  private hopOf(ev: DetectionEvent): HopClips | null {
    for (const h of this.hops.values()) {
      for (let k = h.visits.length - 1; k >= 0; k--) if (h.visits[k]!.tuneId === ev.tuneId) return h;
    }
    const hz = ev.centerHz;
    let best: HopClips | null = null;
    for (const h of this.hops.values()) if (best === null || Math.abs(h.centerHz - hz) < Math.abs(best.centerHz - hz)) best = h;
    return best;
  }

  /** Handles one detector event (stream clock). Events arriving before any hop was kept are posted without a clip. */
  onEvent(ev: DetectionEvent): void {
    let centre = this.hopOfTrack.get(ev.id);
    if (centre === undefined) {
      const h = this.hopOf(ev);
      if (h === null) {
        this.o.post(ev);
        return;
      }
      centre = h.centerHz;
      this.hopOfTrack.set(ev.id, centre);
    }
    const h = this.hops.get(centre)!;
    const mapped: DetectionEvent = { ...ev, startS: this.toHop(h, ev.startS) };
    if (ev.endS !== undefined) mapped.endS = this.toHop(h, ev.endS);
    if (ev.kind === 'close') {
      this.closes.set(ev.id, ev);
      this.hopOfTrack.delete(ev.id);
    }
    this.current = ev;
    try {
      h.evidence.onEvent(mapped);
    } finally {
      this.current = null;
    }
  }

  /** DetectionEvidence's post: the stream-clock event, after the clip's captures are rewritten (order kept). */
  private onPost(h: HopClips, mapped: DetectionEvent, clip: string | undefined, noClip: ClipLoss | undefined): void {
    let ev = this.current;
    if (mapped.kind === 'close') {
      ev = this.closes.get(mapped.id) ?? ev;
      this.closes.delete(mapped.id);
    }
    const out = ev ?? mapped;
    const send = (): void => this.o.post(out, clip, noClip);
    if (clip !== undefined && !this.fixed.has(clip)) {
      this.fixed.add(clip);
      this.enqueue(async () => {
        await this.rewriteCaptures(h, clip, mapped.startS).catch((err: unknown) => this.o.log.error({ err, clip }, 'hop clip captures not rewritten'));
        send();
      });
    } else if (this.queued > 0) this.enqueue(async () => send());
    else send();
  }
  private readonly fixed = new Set<string>();

  private enqueue(job: () => Promise<void>): void {
    this.queued++;
    this.queue = this.queue.then(job).finally(() => {
      this.queued--;
    });
  }

  /**
   * Replaces the clip's single capture by one per visit. The clip's first sample on the hop clock is the detection
   * start (`startS`, hop clock; the ring always holds it) less the annotation's `core:sample_start`; checked against
   * the capture's datetime (ClipRecorder stamps originMs + first / rate, to the millisecond), which is used instead
   * when they disagree by more than 1 ms.
   */
  private async rewriteCaptures(h: HopClips, clip: string, startS: number): Promise<void> {
    const metaPath = join(this.o.dataDir, clip);
    const meta = await readSigmfMeta(metaPath);
    const a = meta.annotations[0];
    const cap = meta.captures[0];
    if (a === undefined || cap?.datetime === undefined) return;
    const rate = this.info.rateSps;
    const approx = Math.round(((Date.parse(cap.datetime) - this.originMs) / 1000) * rate);
    const exact = Math.round(startS * rate) - a.sampleStart;
    const first = Math.abs(exact - approx) <= rate / 1000 + 1 ? exact : approx;
    const bytesPerSample = meta.format === 'cu8' || meta.format === 'cs8' ? 2 : meta.format === 'cs16' ? 4 : 8;
    const count = Math.floor((await stat(meta.dataPath)).size / bytesPerSample);
    const captures: { sampleStart: number; centerHz: number; datetime: string }[] = [];
    for (const v of h.visits) {
      const from = Math.max(v.hopStart, first);
      const to = Math.min(v.hopStart + v.count, first + count);
      if (to <= from) continue;
      const streamSample = v.streamStart + (from - v.hopStart);
      captures.push({ sampleStart: from - first, centerHz: h.centerHz, datetime: new Date(this.originMs + (streamSample / rate) * 1000).toISOString() });
    }
    if (captures.length === 0 || captures[0]!.sampleStart !== 0) return; // the clip's first visit is forgotten: keep ClipRecorder's capture
    // the recorder's extension keys (core:extensions, quietband:*) stay
    const global = (JSON.parse(await readFile(metaPath, 'utf8')) as { global: Record<string, unknown> }).global;
    const extraGlobal = Object.fromEntries(Object.entries(global).filter(([k]) => k === 'core:extensions' || !k.startsWith('core:')));
    await writeSigmfMeta(metaPath, {
      extraGlobal,
      format: meta.format,
      rateSps: meta.rateSps ?? rate,
      ...(meta.description !== undefined ? { description: `${meta.description}, hop ${h.centerHz} Hz (${captures.length} visits)` } : {}),
      captures,
      annotations: meta.annotations.map((x) => {
        const o: SigmfAnnotationInput = { sampleStart: x.sampleStart, sampleCount: x.sampleCount ?? 1 };
        if (x.freqLowerHz !== undefined) o.freqLowerHz = x.freqLowerHz;
        if (x.freqUpperHz !== undefined) o.freqUpperHz = x.freqUpperHz;
        if (x.label !== undefined) o.label = x.label;
        if (x.comment !== undefined) o.comment = x.comment;
        return o;
      }),
    });
  }

  /** Stream end: every hop's pending clips and held closes, then the queued posts. */
  async close(skipPictures = false): Promise<void> {
    await Promise.all([...this.hops.values()].map((h) => h.evidence.close(skipPictures)));
    await this.queue;
  }
}
