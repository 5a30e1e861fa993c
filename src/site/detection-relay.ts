// One sensor's detections on their way from its worker runs to the alert bus: ids unique across worker restarts, the
// run's wall-clock origin, band label, overload flag and identification on every record, speech heard live, orphaned
// tracks closed.
import type { Logger } from 'pino';
import { LATE_ALERT_MS, type Alert } from '../alerts/alert.js';
import type { AlertBus, DetectionContext } from '../alerts/alert-bus.js';
import type { SiteSettings } from '../config/site-config.js';
import { ClipAlertAnnotator } from '../evidence/clip-meta.js';
import type { AlertSignal } from '../server/protocol.js';
import { bandAt } from '../spectrum/band-plan.js';
import type { ClipLoss, DetectionEvent } from '../types.js';
import { BoundedMap } from '../bounded.js';

/** Options of {@link DetectionRelay}. */
export interface DetectionRelayOptions {
  /** The sensor's name (the bus's sensor key). */
  name: string;
  site: Pick<SiteSettings, 'bandPlan' | 'dataDir'>;
  bus: AlertBus;
  log: Logger;
  /** Adds facts to each detection's context before the bus sees it (exam session name). */
  decorate?: (ctx: DetectionContext, ev: DetectionEvent) => void;
  /** The sensor's tuning centre now (Hz; 0 before its first stream: then no band label). */
  centerHz: () => number;
  /** True while the sensor is in overload: every detection meanwhile is flagged `overload`. */
  overload: () => boolean;
  /** Evidence clips are on: a track closed here (its worker died) says its clip was not kept (`stream-end`). */
  clips?: boolean;
  /**
   * How far (ms) the sensor's pipeline trails real time now (its latest health report's `behindMs`): an open at or
   * past LATE_ALERT_MS carries it as `lateMs`. Absent: never.
   */
  behindMs?: () => number;
  /**
   * How long (ms) the samples arriving now waited on the receiver's network link (its health's samplesBehindOrLost at
   * the configured rate: {@link linkWaitMs}); added to `behindMs` for `lateMs` and recorded as `lateLinkMs`. Absent: 0.
   */
  linkWaitMs?: () => number;
}

/**
 * How long (ms) samples wait on a receiver's link: `samplesBehindOrLost` (samples the receiver produced that have not
 * arrived; null = not known yet, undefined = not tracked) at `rateSps`; 0 when not known.
 */
export function linkWaitMs(samplesBehindOrLost: number | null | undefined, rateSps: number): number {
  return samplesBehindOrLost == null || !(rateSps > 0) || !(samplesBehindOrLost > 0) ? 0 : (1000 * samplesBehindOrLost) / rateSps;
}

/** An open track: its bus id, latest event, latest identification, and whether speech was heard live. */
interface OpenTrack {
  busId: number;
  last: DetectionEvent;
  signal?: AlertSignal;
  speech?: true;
}

/** Most closes kept waiting for a late clip, and most closed tracks kept for a late identification (the oldest is forgotten beyond). */
const MAX_AWAITING_CLIPS = 256;

/**
 * Maps the detections of every worker run of one sensor onto the bus. A track is keyed by (worker generation, run,
 * detector id) and gets an id unique for this relay (a restarted detector counts from 1 again); each record goes to
 * `bus.handleDetection(sensor, ev, ctx)` with `originMs` (wall time of the run's sample 0), `bandLabel` (band plan at
 * the detection's centre), the latest identification (`signal`) and the clip, whose sidecar is annotated with the
 * stored alert.
 */
export class DetectionRelay {
  /** Detections handed to the bus (all kinds), for logs and tests. */
  detections = 0;
  private readonly o: DetectionRelayOptions;
  private readonly origins = new Map<string, number>();
  /** Open tracks by `gen:run:id`. */
  private readonly open = new Map<string, OpenTrack>();
  private readonly clipAnnotator: ClipAlertAnnotator;
  /** Closes that went without their clip (`late`) by `gen:run:id`: the stored close, whose alert gains the clip later. */
  private readonly awaitingClip = new BoundedMap<string, Promise<Alert>>(MAX_AWAITING_CLIPS);
  /**
   * Closed tracks by `gen:run:id`: their bus id and whether speech was heard live, for an identification that comes after
   * the close (the bus decides whether it is still in time: AlertBus.lateSignal).
   */
  private readonly closedTracks = new BoundedMap<string, { busId: number; speech?: true }>(MAX_AWAITING_CLIPS);
  private nextBusId = 1;

  constructor(o: DetectionRelayOptions) {
    this.o = o;
    this.clipAnnotator = new ClipAlertAnnotator(o.site.dataDir, o.log);
  }

  /** Run `run` of worker generation `gen` started; `originMs` is the wall time of its sample 0. */
  stream(gen: number, run: number, originMs: number): void {
    this.origins.set(`${gen}:${run}`, originMs);
  }

  /** A detector event of a run (with the clip file that holds it, when clips are on; else, on a close, why none). */
  detection(gen: number, run: number, ev: DetectionEvent, clip?: string, noClip?: ClipLoss): void {
    const key = `${gen}:${run}:${ev.id}`;
    let t = this.open.get(key);
    if (t === undefined) {
      t = { busId: this.nextBusId++, last: ev };
      this.open.set(key, t);
    }
    t.last = ev;
    if (ev.kind === 'close') {
      this.open.delete(key);
      this.closedTracks.set(key, t.speech ? { busId: t.busId, speech: true } : { busId: t.busId });
    }
    const stored = this.toBus({ ...ev, id: t.busId, overload: ev.overload || this.o.overload() }, this.origins.get(`${gen}:${run}`), clip, t.signal, noClip);
    if (ev.kind === 'close' && noClip === 'late' && stored !== undefined) {
      // the worker writes the clip within seconds; a few hundred closes waiting at once would be a worker far behind
      this.awaitingClip.set(key, stored);
    }
  }

  /**
   * The clip of track `id` of a run, whose close went without it (`late`), was written: its alert gets an `update`
   * record carrying the clip (the alert stays closed; the page's detail shows the clip from then on), and the clip's
   * meta gets the alert id. A clip no close waits for (the daemon restarted the relay) is ignored.
   */
  lateClip(gen: number, run: number, id: number, clip: string): void {
    const key = `${gen}:${run}:${id}`;
    const closed = this.awaitingClip.get(key);
    if (closed === undefined) return;
    this.awaitingClip.delete(key);
    closed
      .then((a) => {
        const stored = this.o.bus.attachClip(a.alertId, clip);
        this.clipAnnotator.annotate(clip, stored);
        return stored;
      })
      .catch((err: unknown) => this.o.log.error({ err, id, clip }, 'late evidence clip not added to its alert'));
  }

  /**
   * The sensor identified a track: an open one keeps it for its later records and sends it now as an `update` (written at
   * once: it brings a new `signal`); a closed one (its close went on without it) gets it as an `update` of its closed
   * alert (AlertBus.lateSignal: within LATE_SIGNAL_MS of the close, else dropped and logged).
   */
  signal(gen: number, run: number, id: number, signal: AlertSignal): void {
    const key = `${gen}:${run}:${id}`;
    const t = this.open.get(key);
    if (t === undefined) {
      const closed = this.closedTracks.get(key);
      if (closed === undefined) return; // not a track of this relay (a restart), or forgotten (hundreds of closes since)
      try {
        this.o.bus.lateSignal(this.o.name, closed.busId, closed.speech ? withLiveSpeech(signal) : signal)
          ?.catch((err: unknown) => this.o.log.error({ err, id }, 'late identification not stored'));
      } catch (err) {
        this.o.log.error({ err }, 'late identification not stored (bus closed)');
      }
      return;
    }
    t.signal = t.speech ? withLiveSpeech(signal) : signal;
    this.toBus({ ...t.last, kind: 'update', id: t.busId, overload: t.last.overload || this.o.overload() }, this.origins.get(`${gen}:${run}`), undefined, t.signal);
  }

  /**
   * Speech was heard live on the open track whose bus id is `busId`: its identification gets `speechPresent: true` for
   * good (a later identification, whose clip may have missed the speech, does not turn it back), sent now as an
   * `update` the way an identification is. Returns false when no open track has that id.
   */
  speechHeard(busId: number): boolean {
    for (const [key, t] of this.open) {
      if (t.busId !== busId) continue;
      if (t.speech) return true;
      t.speech = true;
      if (t.signal === undefined) return true; // carried by the identification when it comes
      t.signal = withLiveSpeech(t.signal);
      const [gen, run] = key.split(':');
      this.toBus({ ...t.last, kind: 'update', id: t.busId, overload: t.last.overload || this.o.overload() }, this.origins.get(`${gen}:${run}`), undefined, t.signal);
      return true;
    }
    return false;
  }

  /** Closes, with their last values, the tracks of worker generation `gen` that never got a close (worker died). */
  closeOrphans(gen: number): void {
    const prefix = `${gen}:`;
    for (const [key, t] of this.open) {
      if (!key.startsWith(prefix)) continue;
      this.open.delete(key);
      const run = key.split(':')[1];
      this.toBus({ ...t.last, kind: 'close', id: t.busId }, this.origins.get(`${gen}:${run}`), undefined, t.signal, this.o.clips === true ? 'stream-end' : undefined);
    }
  }

  /** Hands one event to the bus; returns the stored record's promise (undefined: an update the throttle deferred, or the bus closed). */
  private toBus(ev: DetectionEvent, originMs: number | undefined, clip?: string, signal?: AlertSignal, noClip?: ClipLoss): Promise<Alert> | undefined {
    const ctx: DetectionContext = {};
    if (originMs !== undefined) ctx.originMs = originMs;
    if (clip !== undefined) ctx.clip = clip;
    if (noClip !== undefined) ctx.clipNotKept = noClip;
    if (signal !== undefined) ctx.signal = signal; // the latest identification, on every record after it
    if (ev.kind === 'open') {
      // the pipeline's own lateness, plus what the samples waited on the receiver's link before they arrived
      const behindMs = this.o.behindMs?.() ?? 0;
      const linkMs = this.o.linkWaitMs?.() ?? 0;
      if (behindMs + linkMs >= LATE_ALERT_MS) {
        ctx.lateMs = Math.round(behindMs + linkMs);
        if (Math.round(linkMs) > 0) ctx.lateLinkMs = Math.round(linkMs);
      }
    }
    if (this.o.site.bandPlan !== 'none' && this.o.centerHz() > 0) {
      const band = bandAt(ev.centerHz, this.o.site.bandPlan);
      if (band) ctx.bandLabel = band.label;
    }
    this.o.decorate?.(ctx, ev);
    this.detections++;
    try {
      const stored = this.o.bus.handleDetection(this.o.name, ev, ctx);
      stored?.catch((err: unknown) => this.o.log.error({ err, kind: ev.kind, id: ev.id }, 'detection not stored'));
      if (clip !== undefined && stored !== undefined) this.clipAnnotator.annotate(clip, stored);
      return stored;
    } catch (err) {
      this.o.log.error({ err }, 'detection not stored (bus closed)');
      return undefined;
    }
  }
}

/** Why {@link withLiveSpeech} says speech is present. */
export const LIVE_SPEECH_VOICE = 'speech heard while listening live (voice test over 2 s of the demodulated audio)';

/** `signal` with speech present, as heard live (its own voice verdict kept when it already found speech). */
export function withLiveSpeech(signal: AlertSignal): AlertSignal {
  if (signal.speechPresent === true) return signal;
  return { ...signal, speechPresent: true, voice: LIVE_SPEECH_VOICE };
}
