// Transmission alerts: a detector track's open / update / close events become the open, update and close records of
// one alert (severity and known-emitter verdict at the open, updates throttled, grouping across sensors).
import type { Logger } from 'pino';
import type { DetectionEvent } from '../types.js';
import type { Alert, AlertSeverity, AlertSignal, AlertState } from './alert.js';
import type { DetectionContext, KnownEmitterContext, KnownEmitterVerdict, SeverityContext } from './alert-context.js';
import { AlertGrouping, type GroupedAlert } from './alert-grouping.js';
import type { AlertDraft } from './alert-store.js';
import { UpdateThrottle, type Throttled } from './alert-throttle.js';
import { isoTime, type AlertWriter } from './alert-writer.js';
import type { GroupingOptions, SensorLocation } from './localisation.js';
import { severityRaiseFor } from './severity-raise.js';
import { BoundedMap } from '../bounded.js';

/**
 * A copy of a detector event with its frequencies in whole Hz (centre, bandwidth, band edges): alert records carry
 * integer Hz everywhere, as `quietband replay` prints them (the detector's sub-Hz centroid is not a measurement).
 */
function wholeHz(ev: DetectionEvent): DetectionEvent {
  return { ...ev, centerHz: Math.round(ev.centerHz), bandwidthHz: Math.round(ev.bandwidthHz), lowHz: Math.round(ev.lowHz), highHz: Math.round(ev.highHz), paths: [...ev.paths] };
}

/**
 * Sets `draft.severityRaise` from the `signal` it carries (after grouping gave it its group's class): a record carrying
 * a signal carries the raise that follows from it, absent when none does (Alert.severityRaise).
 */
function raiseFromSignal(draft: AlertDraft): void {
  const raise = severityRaiseFor(draft.signal, draft.centerHz);
  if (raise !== undefined) draft.severityRaise = raise;
  else delete draft.severityRaise;
}

/**
 * How long (ms of the bus clock) a closed transmission alert still takes its identification ({@link
 * TransmissionAlerts.lateSignal}) after its close record: the sensor's close waits ≤ 2.5 s for the final one
 * (src/site/live-ident.ts), which on a loaded box comes later from its lowered-priority thread: in the demo at load
 * 7–17, up to 24 s after the close record, and over 30 s at load 16–18 (docs/identification.md §10, "Late
 * identifications"). Later ones are dropped (logged).
 */
export const LATE_SIGNAL_MS = 120_000;

/** Most closed alerts kept for a late identification at once (the oldest is forgotten beyond). */
const MAX_LATE_SIGNAL_TRACKS = 1024;

/** An update waiting for the throttle: the detector event and its context. */
interface WaitingUpdate {
  ev: DetectionEvent;
  ctx: DetectionContext | undefined;
}

/** One transmission alert: a detector track (`sensor` + `DetectionEvent.id`) and what its next records need. */
export interface TransmissionTrack extends Throttled<WaitingUpdate>, GroupedAlert {
  alertId: string;
  trackId: number;
  /** Latest detector event and context (re-sent when the group changes or a session arms the alert). */
  lastEv: DetectionEvent;
  lastCtx: DetectionContext | undefined;
  /** Label of the known emitter the open matched (copied to every record as `knownLabel`). */
  knownLabel?: string;
  /** Session that started while the alert was open (session-arming.ts): its records carry it. */
  session?: string;
}

/** Options of {@link TransmissionAlerts}: the parts of AlertBusOptions (alert-bus.ts) it uses, defaults applied. */
export interface TransmissionAlertsOptions {
  writer: AlertWriter;
  log: Logger;
  now: () => number;
  severityFor: (ctx: SeverityContext) => AlertSeverity;
  knownEmitterCheck: ((ctx: KnownEmitterContext) => KnownEmitterVerdict) | undefined;
  /** Minimum interval between stored `update` records of one alert (ms, ≥ 0). */
  updateIntervalMs: number;
  locations: Readonly<Record<string, SensorLocation>>;
  grouping: Partial<GroupingOptions> | undefined;
}

/**
 * The lifecycle of transmission alerts, one per detector track (see AlertBus in alert-bus.ts for the rules): opens
 * (superseding a live track with the same id), throttled updates ({@link UpdateThrottle}), closes, and the grouping of
 * alerts of one transmission across located sensors ({@link AlertGrouping}).
 */
export class TransmissionAlerts {
  private readonly tracks = new Map<string, TransmissionTrack>();
  /** Alerts closed within {@link LATE_SIGNAL_MS}, by track key, in close order, with their close time (ms). */
  private readonly recentlyClosed = new BoundedMap<string, { track: TransmissionTrack; closedMs: number }>(MAX_LATE_SIGNAL_TRACKS);
  private readonly writer: AlertWriter;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly severityFor: (ctx: SeverityContext) => AlertSeverity;
  private readonly knownEmitterCheck: ((ctx: KnownEmitterContext) => KnownEmitterVerdict) | undefined;
  private readonly throttle: UpdateThrottle<WaitingUpdate, TransmissionTrack>;
  private readonly grouping: AlertGrouping<TransmissionTrack>;

  /** @throws RangeError for a negative or non-finite grouping tolerance. */
  constructor(opts: TransmissionAlertsOptions) {
    this.writer = opts.writer;
    this.log = opts.log;
    this.now = opts.now;
    this.severityFor = opts.severityFor;
    this.knownEmitterCheck = opts.knownEmitterCheck;
    this.throttle = new UpdateThrottle(opts.updateIntervalMs, (t) => this.flushTrack(t));
    this.grouping = new AlertGrouping<TransmissionTrack>(opts.locations, opts.grouping, {
      requestUpdate: (t, nowMs) => {
        if (!this.writer.closed) this.throttle.request(t, () => ({ ev: t.lastEv, ctx: t.lastCtx }), nowMs);
      },
      forgotten: (t) => {
        if (t.closed && t.timer !== null) this.throttle.cancel(t);
      },
      identificationOf: (t) => {
        const signal = t.lastCtx?.signal;
        if (signal === undefined) return undefined;
        return { signal, rankDb: signal.snrDb ?? t.lastEv.peakExcessDb };
      },
    });
  }

  /** Detection fields of a transmission record. */
  private detectionDraft(
    track: Pick<TransmissionTrack, 'sensor' | 'originMs' | 'startTime' | 'knownLabel' | 'session'> & { alertId?: string },
    ev: DetectionEvent,
    ctx: DetectionContext | undefined,
    event: Alert['event'],
    state: AlertState,
    severity: AlertSeverity,
    nowMs: number,
  ): AlertDraft {
    const d: AlertDraft = {
      sensor: track.sensor,
      kind: 'transmission',
      event,
      state,
      severity,
      time: isoTime(nowMs),
      centerHz: Math.round(ev.centerHz),
      bandwidthHz: Math.round(ev.bandwidthHz),
      peakExcessDb: ev.peakExcessDb,
      peakPowerDbfs: ev.peakPowerDbfs,
      startTime: track.startTime,
      detection: wholeHz(ev),
    };
    if (track.alertId !== undefined) d.alertId = track.alertId;
    if (ev.endS !== undefined && (event === 'close' || event === 'update')) {
      d.endTime = track.originMs !== undefined ? isoTime(track.originMs + ev.endS * 1000) : isoTime(nowMs);
    } else if (event === 'close') d.endTime = isoTime(nowMs);
    if (ctx?.bandLabel !== undefined) d.bandLabel = ctx.bandLabel;
    const session = ctx?.session ?? track.session;
    if (session !== undefined) d.session = session;
    if (ctx?.clip !== undefined) d.clip = ctx.clip;
    if (ctx?.clipNotKept !== undefined) d.clipNotKept = ctx.clipNotKept;
    if (ctx?.signal !== undefined) d.signal = ctx.signal;
    if (ctx?.lateMs !== undefined && event === 'open') d.lateMs = ctx.lateMs;
    if (ctx?.lateLinkMs !== undefined && event === 'open') d.lateLinkMs = ctx.lateLinkMs;
    if (track.knownLabel !== undefined) d.knownLabel = track.knownLabel;
    if (ev.overload) d.message = 'ADC overload during this track: may be intermodulation from a strong signal';
    return d;
  }

  private static trackKey(sensor: string, id: number): string {
    return `${sensor}\u0000${id}`;
  }

  /**
   * Feeds one detector event of `sensor` (AlertBus.handleDetection). Returns the stored record's promise, or undefined
   * when an `update` was deferred by the throttle.
   * @throws QuietBandError('IO') synchronously when the bus is closed.
   */
  handleDetection(sensor: string, ev: DetectionEvent, ctx?: DetectionContext): Promise<Alert> | undefined {
    const key = TransmissionAlerts.trackKey(sensor, ev.id);
    const nowMs = this.now();
    this.grouping.prune(nowMs);
    const track = this.tracks.get(key);
    if (ev.kind === 'open' || track === undefined) {
      if (track !== undefined) this.closeTrack(key, track, null, undefined, nowMs, 'superseded by a new track with the same id');
      const opened = this.openTrack(key, sensor, ev, ctx, nowMs);
      if (ev.kind !== 'close') return opened;
      opened.catch(() => undefined); // the close below rejects too and reports it
      const t = this.tracks.get(key)!;
      return this.closeTrack(key, t, ev, ctx, nowMs, undefined);
    }
    if (ev.kind === 'close') return this.closeTrack(key, track, ev, ctx, nowMs, undefined);
    // update; one bringing a new identification (`signal`) is written at once (at most twice per alert), a pending one dropped
    const newSignal = ctx?.signal !== undefined && ctx.signal !== track.lastCtx?.signal;
    track.lastEv = { ...ev, paths: [...ev.paths] };
    track.lastCtx = ctx;
    this.grouping.observe(track, ev, nowMs, false);
    if (newSignal || this.throttle.isDue(track, nowMs)) {
      this.throttle.cancel(track);
      return this.writeUpdate(track, ev, ctx, nowMs);
    }
    this.throttle.defer(track, { ev: { ...ev, paths: [...ev.paths] }, ctx }, nowMs);
    return undefined;
  }

  private openTrack(key: string, sensor: string, ev: DetectionEvent, ctx: DetectionContext | undefined, nowMs: number): Promise<Alert> {
    const originMs = ctx?.originMs;
    const startTime = originMs !== undefined ? isoTime(originMs + ev.startS * 1000) : isoTime(nowMs);
    const verdict = this.knownEmitterCheck?.({ sensor, detection: ev, context: ctx });
    const known = verdict !== undefined && verdict !== false;
    const knownLabel = typeof verdict === 'object' ? verdict.label : undefined;
    const state: AlertState = known ? 'known' : 'new';
    const severityUnlessKnown: AlertSeverity = this.severityFor({ sensor, kind: 'transmission', detection: ev, context: ctx });
    const severity: AlertSeverity = known ? 'info' : severityUnlessKnown;
    const proto = { sensor, originMs, startTime, ...(knownLabel !== undefined ? { knownLabel } : {}) };
    const memberKey = this.grouping.memberKeyFor(sensor);
    const track: TransmissionTrack = {
      alertId: '', sensor, trackId: ev.id, lastWriteMs: nowMs, pending: null, timer: null, originMs, startTime,
      memberKey, lastEv: { ...ev, paths: [...ev.paths] }, lastCtx: ctx, sentSig: '', closed: false,
    };
    if (knownLabel !== undefined) track.knownLabel = knownLabel;
    this.grouping.observe(track, ev, nowMs, false);
    const draft = this.detectionDraft(proto, ev, ctx, 'open', state, severity, nowMs);
    // what the alert is without the known mark: removing that emitter gives it back (AlertBus.unmarkKnown)
    if (known) draft.severityUnlessKnown = severityUnlessKnown;
    if (typeof verdict === 'object' && verdict.id !== undefined) draft.knownEmitterId = verdict.id;
    const group = this.grouping.attach(draft, track, nowMs);
    raiseFromSignal(draft);
    let w: ReturnType<AlertWriter['write']>;
    try {
      w = this.writer.write(draft);
    } catch (err) {
      this.grouping.forget(memberKey);
      throw err;
    }
    track.alertId = w.alertId;
    this.tracks.set(key, track);
    this.grouping.join(track, w.alertId);
    if (group !== undefined) this.grouping.propagate(group, track, nowMs);
    return w.done;
  }

  /**
   * Stores an `update` record of `track` now (not throttled) with `ev`/`ctx`, its current state, and its current
   * severity or `severityOverride`; every other alert of its group whose grouping changed gets an update too.
   * `beforeWrite` sees the finished draft (its group's signal and raise) just before it is queued.
   * @throws QuietBandError('IO') synchronously when the bus is closed.
   */
  writeUpdate(track: TransmissionTrack, ev: DetectionEvent, ctx: DetectionContext | undefined, nowMs: number, severityOverride?: AlertSeverity, beforeWrite?: (draft: AlertDraft) => void): Promise<Alert> {
    const { state, severity: current } = this.writer.currentState(track.alertId);
    const severity = severityOverride ?? current;
    track.lastWriteMs = nowMs;
    const draft = this.detectionDraft(track, ev, ctx, 'update', state, severity, nowMs);
    const group = this.grouping.attach(draft, track, nowMs);
    raiseFromSignal(draft);
    beforeWrite?.(draft);
    const done = this.writer.write(draft).done;
    if (group !== undefined) this.grouping.propagate(group, track, nowMs);
    return done;
  }

  /** The throttle's `onDue`: writes the update waiting for `track`, unless the bus closed or the track was forgotten. */
  private flushTrack(track: TransmissionTrack): void {
    const p = this.throttle.take(track);
    if (p === null || this.writer.closed) return;
    if (track.closed && !this.grouping.remembers(track)) return; // forgotten meanwhile
    this.writeUpdate(track, p.ev, p.ctx, this.now()).catch((err: unknown) => {
      this.log.error({ err, alertId: track.alertId }, 'alert bus: a throttled update could not be stored');
    });
  }

  private closeTrack(
    key: string,
    track: TransmissionTrack,
    ev: DetectionEvent | null,
    ctx: DetectionContext | undefined,
    nowMs: number,
    message: string | undefined,
  ): Promise<Alert> {
    const last = ev ?? track.pending?.ev;
    this.throttle.cancel(track);
    this.tracks.delete(key);
    const { state, severity } = this.writer.currentState(track.alertId);
    let draft: AlertDraft;
    if (last !== undefined) {
      draft = this.detectionDraft(track, { ...last, kind: 'close' }, ctx, 'close', state, severity, nowMs);
    } else {
      draft = { alertId: track.alertId, sensor: track.sensor, kind: 'transmission', event: 'close', state, severity, time: isoTime(nowMs), startTime: track.startTime, endTime: isoTime(nowMs) };
      if (track.knownLabel !== undefined) draft.knownLabel = track.knownLabel;
    }
    if (message !== undefined) draft.message = message;
    const final = { ...(last ?? track.lastEv), kind: 'close' as const };
    track.lastEv = { ...final, paths: [...final.paths] };
    if (ctx !== undefined) track.lastCtx = ctx;
    track.closed = true;
    // a superseded track (ev null) ends now; a detector close at its own end time
    this.grouping.observe(track, ev === null ? { ...final, endS: undefined } : final, nowMs, true);
    const group = this.grouping.attach(draft, track, nowMs);
    raiseFromSignal(draft);
    const p = this.writer.write(draft).done;
    if (ev === null) p.catch(() => undefined); // superseded close: failure is logged by the store; the new open reports its own.
    if (group !== undefined) this.grouping.propagate(group, track, nowMs);
    this.forgetClosedBefore(nowMs - LATE_SIGNAL_MS);
    this.recentlyClosed.setNewest(key, { track, closedMs: nowMs });
    return p;
  }

  /**
   * The sensor identified track `trackId` of `sensor` after its alert closed (AlertBus.lateSignal): an `update` record
   * of the closed alert with `signal` (its state and severity, the raise that follows from the signal, the group's
   * identification when grouped; the alert stays closed), and the group's other alerts updated as for any new
   * identification. Undefined (nothing stored, a warning logged) when the alert closed more than {@link LATE_SIGNAL_MS}
   * ago or is not known here (a restarted daemon).
   * @throws QuietBandError('IO') synchronously when the bus is closed.
   */
  lateSignal(sensor: string, trackId: number, signal: AlertSignal): Promise<Alert> | undefined {
    const nowMs = this.now();
    this.forgetClosedBefore(nowMs - LATE_SIGNAL_MS);
    const closed = this.recentlyClosed.get(TransmissionAlerts.trackKey(sensor, trackId));
    if (closed === undefined) {
      this.log.warn({ sensor, trackId, class: signal.class, closestClass: signal.closestClass, confidence: signal.confidence, lateSignalMs: LATE_SIGNAL_MS }, 'identification dropped: it came more than lateSignalMs after its alert closed');
      return undefined;
    }
    const { track } = closed;
    track.lastCtx = { ...track.lastCtx, signal };
    // the close's clip facts are not repeated: a clip added later (AlertBus.attachClip) is not to read as lost again
    const { clip: _clip, clipNotKept: _lost, ...ctx } = track.lastCtx;
    this.throttle.cancel(track); // a group update waiting for it: this record carries the group as it is now
    // logged with the raise its record carries (the group's class may decide it), so the terminal marks it as the alert line does
    return this.writeUpdate(track, { ...track.lastEv, kind: 'update', paths: [...track.lastEv.paths] }, ctx, nowMs, undefined, (draft) => {
      this.log.info({ sensor, alertId: track.alertId, class: signal.class, closestClass: signal.closestClass, confidence: signal.confidence, final: signal.final, afterCloseMs: nowMs - closed.closedMs, raise: draft.severityRaise?.reasonCode.id }, 'identification added to its closed alert');
    });
  }

  /** Forgets the closed alerts closed before `ms` (no late identification for them any more). */
  private forgetClosedBefore(ms: number): void {
    for (const [key, c] of this.recentlyClosed) {
      if (c.closedMs >= ms) break;
      this.recentlyClosed.delete(key);
    }
  }

  /** The open transmission alerts, in open order. */
  openTracks(): IterableIterator<TransmissionTrack> {
    return this.tracks.values();
  }

  /** Number of open transmission alerts. */
  get size(): number {
    return this.tracks.size;
  }

  /** The sensor and detector track id of the open transmission alert `alertId`; undefined when it is not open. */
  trackOf(alertId: string): { sensor: string; trackId: number } | undefined {
    for (const t of this.tracks.values()) if (t.alertId === alertId) return { sensor: t.sensor, trackId: t.trackId };
    return undefined;
  }

  /** The open transmission `alertId` no longer names a known emitter on its later records (its emitter was removed). */
  forgetKnownLabel(alertId: string): void {
    for (const t of this.tracks.values()) if (t.alertId === alertId) delete t.knownLabel;
  }

  /** The open transmission `alertId` names the known emitter `label` on its later records (the one that hides it now). */
  setKnownLabel(alertId: string, label: string): void {
    for (const t of this.tracks.values()) if (t.alertId === alertId) t.knownLabel = label;
  }

  /** True when `alertId` is an open transmission alert of this run. */
  isTracked(alertId: string): boolean {
    for (const t of this.tracks.values()) if (t.alertId === alertId) return true;
    return false;
  }

  /** Drops the update waiting for `track` (it is about to be written another way). */
  cancelWaiting(track: TransmissionTrack): void {
    this.throttle.cancel(track);
  }

  /** Writes every throttled update that waits (open alerts, and closed ones still grouped) now. */
  flushWaiting(): void {
    for (const t of [...this.tracks.values(), ...[...this.grouping.allMembers()].filter((m) => m.closed)]) this.throttle.flushNow(t);
  }

  /** Stops every throttle timer (the bus closed). */
  stopTimers(): void {
    for (const t of this.tracks.values()) this.throttle.stop(t);
    for (const t of this.grouping.allMembers()) this.throttle.stop(t);
  }
}
