// Live identification of a fixed sensor's transmissions inside its worker, off the alert path (docs/identification.md §10).
import type { Logger } from 'pino';
import { emissionEnd, Float32IqRing, type FrameReader } from '../ident/detection-ident.js';
import { describeSignal } from '../ident/describe-signal.js';
import type { Identification } from '../ident/classify.js';
import type { IdentInput } from '../ident/features.js';
import { signalReason } from '../ident/reasons.js';
import type { IqRing } from '../evidence/iq-ring.js';
import type { SampleRing } from '../dsp/sample-ring.js';
import { DetectionEvidence } from '../evidence/detection-evidence.js';
import { sharedPictureRenderer } from '../evidence/picture-renderer.js';
import type { IdentTiming } from '../evidence/picture-worker.js';
import type { AlertSignal } from '../server/protocol.js';
import type { DetectionEvent, IqBlock, IqSource, IqSourceInfo } from '../types.js';
import { classWordsText, closestClassOf, closestText, PAGE_CLASS_WORDS } from '../text-template.js';
import type { EvidenceSink } from './sensor-runtime.js';
import type { SensorRun } from './sensor-life.js';
import { sensorListenTap, type ListenTap } from './listen-tap.js';

/** Timing of {@link LiveIdentifier} (seconds of signal, ms of wall time). */
export interface LiveIdentOptions {
  /** Part of a transmission analysed for its first identification, from its start (s); = the replay's analysed part. */
  firstS: number;
  /** Part analysed at its end, up to its last sample (s): the final identification. */
  finalS: number;
  /**
   * Most samples one identification analyses: above maxSamples / firstS (1.2 MS/s) the analysed parts are shorter than
   * firstS/finalS (0.25 s at 2.4 MS/s), so the identification's cost (≈ 0.2–0.35 s of CPU per 10⁶ samples) stays
   * within the update's budget.
   */
  maxSamples: number;
  /** Noise kept either side of the analysed part (s). */
  marginS: number;
  /**
   * The final part is looked for this much before the detector's end (s): that end can lie past the emission's (a track
   * the slow path saw ends with the last Welch average holding it: the demo's GSM-like train 0.52 s past its last burst),
   * so the final part ends at the emission's last frame within it ({@link emissionEnd}), not at the detector's end.
   */
  endSearchS: number;
  /**
   * Own ring (s) when no evidence ring holds the stream's IQ: covers the first part plus the detector's open delay, and
   * at a close (≈ slowHoldMs = 0.6 s after the detector's end) the final part plus its search (`finalS` + `endSearchS`).
   */
  ringS: number;
  /**
   * A close waits at most this long (ms) for the final identification, then goes on with the identification it has;
   * the final one is posted when it comes.
   */
  holdCloseMs: number;
}

export const DEFAULT_LIVE_IDENT: Readonly<LiveIdentOptions> = Object.freeze({ firstS: 0.5, finalS: 0.5, maxSamples: 600_000, marginS: 0.01, endSearchS: 1, ringS: 2.5, holdCloseMs: 2500 });

/** What {@link LiveIdentifier} works with. */
export interface LiveIdentDeps {
  info: IqSourceInfo;
  /** The sink events go on to (the run's evidence), or null: then `post` sends them. */
  inner: EvidenceSink | null;
  post: (ev: DetectionEvent) => void;
  /** Sends an identification of track `id` (before the track's close is passed on, when it is the final one). */
  postSignal: (id: number, signal: AlertSignal) => void;
  /** The evidence clips' ring when clips are on (the same samples; no second copy is kept), else null: own ring. */
  evidenceRing: IqRing | null;
  /**
   * Runs the identification (the evidence worker thread's {@link identify}); its input's samples may be transferred.
   * `onTiming` (when the engine calls it) gets where its time went there, for the log.
   */
  engine: (input: IdentInput, onTiming?: (timing: IdentTiming) => void) => Promise<Identification>;
  log: Logger;
  /** Live listening's copy of the stream (src/site/listen-tap.ts), fed every block; absent: none. */
  listen?: ListenTap;
}

interface LiveTrack {
  id: number;
  startSample: number;
  /** Sample index after which the first part is in the ring; null once asked for, or when the close came first. */
  firstDue: number | null;
  last: DetectionEvent;
  /** The close, held until the final identification (or holdCloseMs). */
  held: DetectionEvent | null;
  timer: NodeJS.Timeout | null;
  /** Wall time (performance.now, ms) the track opened: the identification's delay is logged from it. */
  openedMs: number;
  /** The first identification (null before it came). */
  first: AlertSignal | null;
  /** The final identification was posted: a first one coming after it is not (it would undo the final class). */
  finalPosted: boolean;
  /** Wall time (performance.now, ms) the close was passed on; null before. Results after it are late (posted still). */
  releasedMs: number | null;
}

/**
 * Identifies every transmission of a fixed sensor while it is on, without delaying its alert: put between the detector's
 * events and the run's evidence (an {@link EvidenceSink} wrapping the evidence, or posting the events itself).
 *
 * - Opens and updates pass on at once. When the stream holds the transmission's first `firstS` (+ margin), those samples
 *   are copied from the ring and identified on the evidence worker thread; the result is posted as a signal
 *   (`final: false`), which the main thread writes as an `update` of the alert.
 * - A close asks for the final identification (the last `finalS` of the transmission, or all of it when shorter: then
 *   the same clip as `quietband replay` analyses) and is held until it is posted (`final: true`), at most `holdCloseMs`.
 *   When that part shows nothing (`unknown`) the first identification stands, its reason saying so.
 * - Every result is posted when it comes, none dropped: a first one still pending at the close too (before the final
 *   one: the evidence thread answers in order), and results that come after the close went on without them (the main
 *   thread writes them as updates of the closed alert); only a first one coming after the final one is not (the final
 *   class stands).
 * - Identification never throws into the detection: a failure is posted as class `unknown` with the reason; samples that
 *   left the ring give `unknown` ("no longer held").
 * - Hot path: `push` copies the block into the own ring (no evidence) and compares one number per block.
 */
export class LiveIdentifier implements EvidenceSink {
  private readonly o: LiveIdentOptions;
  private readonly ring: Float32IqRing | null;
  private readonly tracks = new Map<number, LiveTrack>();
  /** Smallest firstDue of the tracks (Infinity: none waits). */
  private nextDue = Infinity;
  private end = 0;
  private closed = false;

  constructor(private readonly d: LiveIdentDeps, opts: Partial<LiveIdentOptions> = {}) {
    this.o = { ...DEFAULT_LIVE_IDENT, ...opts };
    this.ring = d.evidenceRing === null ? new Float32IqRing(Math.ceil(this.o.ringS * d.info.rateSps)) : null;
  }

  push(block: IqBlock): void {
    this.d.inner?.push(block);
    this.ring?.push(block);
    this.d.listen?.push(block);
    this.end = block.firstSample + block.count;
    if (this.end >= this.nextDue) this.askFirsts();
  }

  onEvent(ev: DetectionEvent): void {
    const rate = this.d.info.rateSps;
    let t = this.tracks.get(ev.id);
    if (t === undefined) {
      const startSample = Math.round(ev.startS * rate);
      t = { id: ev.id, startSample, firstDue: startSample + this.span(this.o.firstS) + Math.round(this.o.marginS * rate), last: ev, held: null, timer: null, openedMs: performance.now(), first: null, finalPosted: false, releasedMs: null };
      this.tracks.set(ev.id, t);
      if (t.firstDue! < this.nextDue) this.nextDue = t.firstDue!;
    }
    t.last = ev;
    if (ev.kind !== 'close' || this.closed) {
      if (ev.kind === 'close') this.tracks.delete(ev.id);
      this.forward(ev);
      if (ev.kind !== 'close' && this.end >= this.nextDue) this.askFirsts();
      return;
    }
    t.firstDue = null; // the final identification covers a transmission that ended before its first part was asked for
    t.held = ev;
    t.timer = setTimeout(() => {
      // routine on a loaded box (most demo alerts): the result still reaches the alert, so nothing to act on
      this.d.log.debug({ id: t.id, holdCloseMs: this.o.holdCloseMs }, 'close passed on without its final identification (too slow): it follows as an update of the closed alert');
      this.release(t);
    }, this.o.holdCloseMs);
    const end = Math.round((ev.endS ?? ev.startS) * rate);
    // the stretch searched for the emission's end: the final part plus endSearchS before the detector's end
    this.ask(t, Math.max(t.startSample, end - this.span(this.o.finalS) - Math.round(this.o.endSearchS * rate)), end, true);
  }

  async close(skipPictures?: boolean): Promise<void> {
    this.closed = true;
    this.d.listen?.detach();
    // the stream ended: held closes go on now, with the identification they have
    for (const t of [...this.tracks.values()]) if (t.held !== null) this.release(t);
    this.tracks.clear();
    await this.d.inner?.close(skipPictures);
  }

  private forward(ev: DetectionEvent): void {
    if (this.d.inner !== null) this.d.inner.onEvent(ev);
    else this.d.post(ev);
  }

  /** Passes a held close on (once); identifications still pending for the track are posted when they come. */
  private release(t: LiveTrack): void {
    if (t.timer !== null) clearTimeout(t.timer);
    t.timer = null;
    const held = t.held;
    t.held = null;
    if (this.tracks.get(t.id) === t) this.tracks.delete(t.id);
    if (held !== null) {
      t.releasedMs = performance.now();
      this.forward(held);
    }
  }

  /** Samples of an analysed part of `s` seconds, at most maxSamples. */
  private span(s: number): number {
    return Math.min(Math.round(s * this.d.info.rateSps), this.o.maxSamples);
  }

  /** Asks for the first identification of every track whose first part the ring now holds. */
  private askFirsts(): void {
    let next = Infinity;
    for (const t of this.tracks.values()) {
      if (t.firstDue === null) continue;
      if (this.end < t.firstDue) {
        next = Math.min(next, t.firstDue);
        continue;
      }
      t.firstDue = null;
      this.ask(t, t.startSample, t.startSample + this.span(this.o.firstS), false);
    }
    this.nextDue = next;
  }

  /**
   * Identifies stream samples [from, to) (± margin) of track `t` off this thread and posts the result; a final one
   * identifies the last `finalS` (at most maxSamples) of that stretch up to the emission's end in it ({@link emissionEnd}).
   */
  private ask(t: LiveTrack, from: number, to: number, final: boolean): void {
    const ev = t.last;
    const margin = Math.round(this.o.marginS * this.d.info.rateSps);
    let pending: Promise<Identification>;
    const askedMs = performance.now();
    const offsetHz = ev.centerHz - this.d.info.centerHz;
    /** Analysed part [first, end) as stream sample indices, margins included. */
    let part: [number, number] = [from, to];
    /** This thread's time to copy the part out (and, for the final one, find the emission's end): ms. */
    let prepMs = 0;
    let timing: IdentTiming | undefined;
    // a detection reported late (the long path: seconds after its start) whose start left the ring: its first part is
    // the oldest stretch still held
    const shift = final ? 0 : Math.max(0, this.heldFrom() + margin - from);
    try {
      // the final part: the last finalS of the stretch up to the emission's end in it
      const [a, z] = final ? this.finalPart(from, to, offsetHz, ev.bandwidthHz, margin) : [from, to];
      const read = this.read(a + shift - margin, z + shift + margin);
      part = [read.first, read.first + read.count];
      if (read.count === 0 || z + shift + margin <= this.heldFrom()) {
        pending = Promise.resolve({ class: 'unknown', confidence: 0, ...signalReason('ident.notHeld') });
      } else pending = this.d.engine({ iq: read.iq, count: read.count, rateSps: this.d.info.rateSps, offsetHz, bandwidthHz: ev.bandwidthHz }, (x) => (timing = x));
      prepMs = performance.now() - askedMs;
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending
      .catch((err: unknown): Identification => ({ class: 'unknown', confidence: 0, ...signalReason('ident.failed', { error: err instanceof Error ? err.message : String(err) }) }))
      .then((id) => {
        // the thread answers in order, so the first comes before the final; were it not, the final class stands
        if (t.finalPosted) return;
        let signal: AlertSignal = { ...describeSignal(id, ev.centerHz, this.d.info), final };
        // an end that shows nothing (a detector end estimate past the emission's real end) leaves the first identification standing
        // (also one whose best class is below the class floor: it names none, docs/identification.md §5a)
        if (final && signal.class === 'unknown' && t.first !== null && t.first.class !== 'unknown') {
          const first = t.first.reasonCode;
          const closest = closestClassOf(signal);
          const last = closest === undefined ? signal.reason : `${closestText('en', 'shown', classWordsText('en', closest, PAGE_CLASS_WORDS.en), signal.confidence)}: ${signal.reason}`;
          signal = first !== undefined
            ? { ...t.first, final: true, ...signalReason('ident.firstStands', { ...first.params, inner: first.id, last }) }
            : { ...t.first, final: true, reason: `${t.first.reason} (its last part: ${last})` };
        }
        if (!final) t.first = signal;
        const now = performance.now();
        // after the close went on without it (holdCloseMs over), a result is still posted: the main thread writes it as
        // an update of the closed alert (docs/identification.md §10, "Late identifications")
        const lateMs = t.releasedMs === null ? undefined : Math.round(now - t.releasedMs);
        // the main thread logs the outcome (AlertBus.lateSignal: added to the closed alert, or dropped)
        if (lateMs !== undefined) this.d.log.debug({ id: t.id, class: signal.class, final, lateMs }, 'identification posted after its close (the alert gets it as an update)');
        this.d.log.debug({ id: t.id, class: signal.class, final, ...(lateMs !== undefined ? { lateMs } : {}), sinceOpenMs: Math.round(now - t.openedMs), identMs: Math.round(now - askedMs), ...roundedTiming(timing), prepMs: Math.round(prepMs * 10) / 10, samples: part[1] - part[0], partS: [part[0] / this.d.info.rateSps, part[1] / this.d.info.rateSps], detectorEndS: ev.endS, hintHz: Math.round(ev.bandwidthHz), offsetHz: Math.round(ev.centerHz - this.d.info.centerHz) }, 'transmission identified');
        // the evidence learns its band first: the close, passed on below, schedules the clip cut to it
        this.d.inner?.onSignal?.(t.id, signal);
        this.d.postSignal(t.id, signal);
        if (final) {
          t.finalPosted = true;
          this.release(t);
        }
      })
      .catch((err: unknown) => this.d.log.error({ err, id: t.id }, 'identification result not posted'));
  }

  /**
   * The final part [from, to) (stream sample indices, margins not included) of the stretch [from, to) searched for it:
   * the last `finalS` (at most maxSamples) up to the emission's end in the stretch (± margin), found by
   * {@link emissionEnd} on frames read one by one from the ring (the stretch itself is not copied: at 2.4 MS/s, cu8 ring,
   * a loaded 2-core box, copying its 1.52 s out and scanning it took 32–149 ms of this thread, the frames plus the
   * 0.27 s part 10–29 ms, the part alone 4–22 ms).
   */
  private finalPart(from: number, to: number, offsetHz: number, bandwidthHz: number, margin: number): [number, number] {
    const [held0, held1] = this.held.range;
    const a = Math.max(from - margin, held0);
    const z = Math.min(to + margin, held1);
    if (z <= a) return [from, to];
    let scratch = new Float32Array(0);
    const frame: FrameReader = (s, n) => {
      if (scratch.length < 2 * n) scratch = new Float32Array(2 * n);
      this.held.readInto(a + s, a + s + n, scratch);
      return scratch;
    };
    const end = a + emissionEnd({ count: z - a, rateSps: this.d.info.rateSps, offsetHz, bandwidthHz }, frame);
    return [Math.max(from, end - this.span(this.o.finalS)), end];
  }

  /** The ring that holds the samples: the own one, or the evidence clips' when clips are on. */
  private get held(): SampleRing {
    return this.ring ?? this.d.evidenceRing!;
  }

  private heldFrom(): number {
    return this.held.range[0];
  }

  /**
   * Samples [from, to) as Float32 I/Q from whichever ring holds them (a new array: it is transferred to the worker).
   * @returns the samples, their number and the stream index of the first
   */
  private read(from: number, to: number): { iq: Float32Array; count: number; first: number } {
    return this.held.read(from, to);
  }
}

/** The worker's timing of an identification in whole ms, for the log (`queuedMs`, `runMs`, `cpuWaitMs`). */
function roundedTiming(t: IdentTiming | undefined): Partial<IdentTiming> {
  if (t === undefined) return {};
  return { queuedMs: Math.round(t.queuedMs), runMs: Math.round(t.runMs), cpuWaitMs: t.cpuWaitMs === null ? null : Math.round(t.cpuWaitMs) };
}

/**
 * The event sink of a fixed sensor's run: a {@link LiveIdentifier} in front of `inner` (the run's evidence, or null when
 * clips are off), identifying on the thread's evidence worker (started now, so its start-up does not delay the first
 * identification) and posting `detection` and `signal` messages for the run; its blocks also feed the worker's live
 * listening ({@link sensorListenTap}).
 */
export function liveIdentSink(run: SensorRun<IqSource>, inner: EvidenceSink | null): LiveIdentifier {
  const { rt } = run;
  const worker = sharedPictureRenderer();
  worker.warm();
  const listen = sensorListenTap(rt.data.site.site, rt.data.sensor.name, rt.log);
  listen.attach(run.info, run.originMs);
  return new LiveIdentifier({
    info: run.info,
    inner,
    post: (ev) => rt.post({ type: 'detection', run: run.run, ev }),
    postSignal: (id, signal) => rt.post({ type: 'signal', run: run.run, id, signal }),
    evidenceRing: inner instanceof DetectionEvidence ? inner.iqRing : null,
    engine: (input, onTiming) => worker.identify(input, onTiming),
    log: rt.log,
    listen,
  });
}
