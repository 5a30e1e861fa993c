// Alert lifecycle: DetectionEvents and sensor faults → persisted Alert records (open/update/close/ack/known), emitted after fsync.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import type { Alert, AlertKind, AlertMessageCode, AlertSeverity, AlertState, AlertSignal, CalibrationAlertInfo } from './alert.js';
import type { DetectionEvent } from '../types.js';
import { TransmissionGrouper, type GroupingOptions, type SensorLocation, type TransmissionGroup } from './localisation.js';
import type { AlertFeedLive } from './alert-feed.js';
import type { AlertDraft, AlertStore } from './alert-store.js';

/** Sensor-fault alert kinds raised with {@link AlertBus.raiseSensorAlert}. */
export type SensorAlertKind = Exclude<AlertKind, 'transmission' | 'present-during-calibration'>;

/** Extra facts the daemon attaches to a detection (all optional). */
export interface DetectionContext {
  /** Wall-clock time (ms since the Unix epoch) of the source's sample 0: maps `startS`/`endS` to ISO times. */
  originMs?: number;
  /** Band plan label for the alert (e.g. "ISM 433"). */ bandLabel?: string;
  /** Exam session name when armed. */ session?: string;
  /** Evidence clip path (SigMF) relative to the data dir. */ clip?: string;
  /** The sensor's identification of the transmission (the record's `signal`). */ signal?: AlertSignal;
}

/** Input of the {@link AlertBusOptions.severityFor} hook. */
export interface SeverityContext {
  sensor: string;
  kind: AlertKind;
  /** Present for transmissions. */
  detection?: DetectionEvent;
  context?: DetectionContext;
}

/** Input of the {@link AlertBusOptions.knownEmitterCheck} hook. */
export interface KnownEmitterContext {
  sensor: string;
  detection: DetectionEvent;
  context?: DetectionContext;
}

/**
 * Answer of the {@link AlertBusOptions.knownEmitterCheck} hook: false/undefined = not known; true = known (no label);
 * `{ label }` = known, and every record of the alert carries `knownLabel: label` (which emitter it matched).
 */
export type KnownEmitterVerdict = boolean | { label: string } | undefined;

/** Options of {@link AlertBus}. */
export interface AlertBusOptions {
  /** Open store; every record goes through it before it is emitted. */
  store: AlertStore;
  /** pino logger; the bus logs through `logger.child({ component: 'alert-bus' })`. Default: silent. */
  logger?: Logger;
  /** Severity of a new alert. Default: always 'high'. (Known emitters are always 'info'.) */
  severityFor?: (ctx: SeverityContext) => AlertSeverity;
  /**
   * Returns true (or `{ label }`) for a known emitter: the alert is stored and sent with state 'known', severity 'info'
   * (never dropped), and with the label as `knownLabel` on each of its records. Default: none known.
   */
  knownEmitterCheck?: (ctx: KnownEmitterContext) => KnownEmitterVerdict;
  /** Minimum interval between stored `update` records of one alert (ms); the latest update is written when it ends. Default 1000. */
  updateIntervalMs?: number;
  /** Wall clock (ms since epoch). Default `Date.now`. */
  now?: () => number;
  /**
   * Sensor name → location (site config `sensors[].location`). With at least one, transmissions that several located
   * sensors see at once are grouped (see {@link AlertBus}). Default: none (no grouping).
   */
  locations?: Readonly<Record<string, SensorLocation>>;
  /** Grouping tolerances over DEFAULT_GROUPING (src/alerts/localisation.ts). */
  grouping?: Partial<GroupingOptions>;
}

/**
 * A copy of a detector event with its frequencies in whole Hz (centre, bandwidth, band edges): alert records carry
 * integer Hz everywhere, as `quietband replay` prints them (the detector's sub-Hz centroid is not a measurement).
 */
function wholeHz(ev: DetectionEvent): DetectionEvent {
  return { ...ev, centerHz: Math.round(ev.centerHz), bandwidthHz: Math.round(ev.bandwidthHz), lowHz: Math.round(ev.lowHz), highHz: Math.round(ev.highHz), paths: [...ev.paths] };
}

interface Track {
  alertId: string;
  sensor: string;
  trackId: number;
  /** Time (ms, `now()`) of the last stored record of this alert. */ lastWriteMs: number;
  pending: { ev: DetectionEvent; ctx: DetectionContext | undefined } | null;
  timer: NodeJS.Timeout | null;
  originMs: number | undefined;
  startTime: string;
  /** Grouping: key in the grouper (null when the sensor has no location or grouping is off). */ memberKey: string | null;
  /** Latest detector event and context (re-sent when the group changes). */
  lastEv: DetectionEvent;
  lastCtx: DetectionContext | undefined;
  /** Signature of the group written in this alert's latest record ('' = none). */ sentSig: string;
  /** True once the close is stored: kept only while the grouper remembers it, for group updates. */
  closed: boolean;
  /** Label of the known emitter the open matched (copied to every record as `knownLabel`). */
  knownLabel?: string;
  /** Session that started while the alert was open ({@link AlertBus.armOpenAlerts}): its records carry it. */
  session?: string;
}

interface SensorAlert {
  alertId: string;
}

/**
 * Events of {@link AlertBus}: `'alert'` fires once per record, in seq order, after the record is on disk — or, while
 * the store's storage has failed, once the store holds it in memory for retrying (an alert is never held back).
 */
export interface AlertBusEvents {
  alert: [alert: Alert];
}

/**
 * Turns detector events and sensor faults into {@link Alert} records, persists each through the {@link AlertStore}
 * and emits `'alert'` only after the store resolved (fsynced), in seq order.
 *
 * Lifecycle per transmission track (`sensor` + `DetectionEvent.id`):
 * - `open` → record `event:'open'`, state 'new' (severity from `severityFor`), or 'known'/'info' when
 *   `knownEmitterCheck` says so. A second `open` for a live track id closes the old alert first ("superseded").
 * - `update` → at most one record per `updateIntervalMs` per alert (trailing: the latest update is written when the
 *   interval ends), except one whose context brings a new `signal` (written at once); an unknown track's opens it.
 * - `close` → record `event:'close'` at once (a pending update is dropped: the close carries the final values);
 *   a `close` for an unknown track stores `open` then `close`.
 * State changes: new → acknowledged (ack), new|acknowledged → known (known). 'known' is final; repeating a transition is a
 * no-op (resolves undefined, nothing stored).
 *
 * Grouping (with `locations`): one transmission seen by several located sensors (same frequency, overlapping times:
 * src/alerts/localisation.ts) keeps one alert per sensor — none is merged away or dropped — and every record of those
 * alerts carries the shared `groupId`, the ranked `rooms` (nearest first) and `positionM` when computable. When another
 * sensor joins or the ranking changes, each other alert of the group gets an `update` record with the new grouping
 * (throttled like updates; also after its close, while the group is remembered).
 *
 * Every method that stores returns the record's promise: it resolves when the record is on disk, or held by the store
 * after a failed write (see AlertStore: sent now, stored by a retry); it rejects with QuietBandError('IO') only when
 * the bus or the store is closed.
 */
export class AlertBus extends EventEmitter<AlertBusEvents> implements AlertFeedLive {
  private readonly store: AlertStore;
  private readonly log: Logger;
  private readonly severityFor: (ctx: SeverityContext) => AlertSeverity;
  private readonly knownEmitterCheck: ((ctx: KnownEmitterContext) => KnownEmitterVerdict) | undefined;
  private readonly updateIntervalMs: number;
  private readonly now: () => number;
  private readonly tracks = new Map<string, Track>();
  private readonly sensorAlerts = new Map<string, SensorAlert>();
  /** State/severity of alerts whose latest record is queued but not yet stored (so later records carry it). */
  private readonly inflightState = new Map<string, { state: AlertState; severity: AlertSeverity; sensor: string; kind: AlertKind }>();
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;
  /** Transmission grouping across located sensors; null when no sensor has a location. */
  private readonly grouper: TransmissionGrouper | null;
  /** Tracks (open, and closed ones the grouper still remembers) by grouper key. */
  private readonly members = new Map<string, Track>();
  private nextMember = 1;

  /** @throws QuietBandError('CONFIG') when `updateIntervalMs` is negative or not finite. */
  constructor(opts: AlertBusOptions) {
    super();
    this.store = opts.store;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'alert-bus' });
    this.severityFor = opts.severityFor ?? (() => 'high');
    this.knownEmitterCheck = opts.knownEmitterCheck;
    this.updateIntervalMs = opts.updateIntervalMs ?? 1000;
    if (!Number.isFinite(this.updateIntervalMs) || this.updateIntervalMs < 0) {
      throw new QuietBandError(`alert bus: updateIntervalMs: expected a finite number >= 0, got ${opts.updateIntervalMs}`, 'CONFIG');
    }
    this.now = opts.now ?? Date.now;
    const locations = opts.locations ?? {};
    try {
      this.grouper = Object.keys(locations).length > 0 ? new TransmissionGrouper(locations, opts.grouping) : null;
    } catch (err) {
      throw new QuietBandError(`alert bus: ${(err as Error).message}`, 'CONFIG', { cause: err });
    }
  }

  /** Current state of an alert, counting records queued but not yet stored. */
  stateOf(alertId: string): { state: AlertState; severity: AlertSeverity; closed: boolean } | undefined {
    const stored = this.store.stateOf(alertId);
    const fly = this.inflightState.get(alertId);
    if (fly !== undefined) return { state: fly.state, severity: fly.severity, closed: stored?.closed ?? false };
    return stored === undefined ? undefined : { state: stored.state, severity: stored.severity, closed: stored.closed };
  }

  /** Queues a record in the store, tracks its state until stored, emits it once stored. */
  private write(draft: AlertDraft): { alertId: string; done: Promise<Alert> } {
    if (this.closed) throw new QuietBandError('alert bus is closed', 'IO');
    const q = this.store.enqueue(draft);
    const marker = { state: draft.state, severity: draft.severity, sensor: draft.sensor, kind: draft.kind };
    this.inflightState.set(q.alertId, marker);
    q.done.catch(() => undefined); // a record never stored is logged in full by the store at close
    const done = q.accepted.then(
      (rec) => {
        if (this.inflightState.get(q.alertId) === marker) this.inflightState.delete(q.alertId);
        // updates (up to one a second per open alert) only at debug: the open, close and state changes tell the story
        const fields = { seq: rec.seq, alertId: rec.alertId, sensor: rec.sensor, kind: rec.kind, event: rec.event, state: rec.state, severity: rec.severity, centerHz: rec.centerHz, bandLabel: rec.bandLabel, session: rec.session, ackBy: rec.ackBy };
        if (rec.event === 'update') this.log.debug(fields, 'alert');
        else this.log.info(fields, 'alert');
        try {
          this.emit('alert', rec);
        } catch (err) {
          this.log.error({ err, seq: rec.seq }, 'an alert listener threw');
        }
        return rec;
      },
      (err: unknown) => {
        if (this.inflightState.get(q.alertId) === marker) this.inflightState.delete(q.alertId);
        throw err;
      },
    );
    this.inflight.add(done);
    const forget = (): void => {
      this.inflight.delete(done);
    };
    done.then(forget, forget);
    return { alertId: q.alertId, done };
  }

  private static isoTime(ms: number): string {
    return new Date(ms).toISOString();
  }

  /** Detection fields of a transmission record. */
  private detectionDraft(
    track: Pick<Track, 'sensor' | 'originMs' | 'startTime' | 'knownLabel' | 'session'> & { alertId?: string },
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
      time: AlertBus.isoTime(nowMs),
      centerHz: Math.round(ev.centerHz),
      bandwidthHz: Math.round(ev.bandwidthHz),
      peakExcessDb: ev.peakExcessDb,
      peakPowerDbfs: ev.peakPowerDbfs,
      startTime: track.startTime,
      detection: wholeHz(ev),
    };
    if (track.alertId !== undefined) d.alertId = track.alertId;
    if (ev.endS !== undefined && (event === 'close' || event === 'update')) {
      d.endTime = track.originMs !== undefined ? AlertBus.isoTime(track.originMs + ev.endS * 1000) : AlertBus.isoTime(nowMs);
    } else if (event === 'close') d.endTime = AlertBus.isoTime(nowMs);
    if (ctx?.bandLabel !== undefined) d.bandLabel = ctx.bandLabel;
    const session = ctx?.session ?? track.session;
    if (session !== undefined) d.session = session;
    if (ctx?.clip !== undefined) d.clip = ctx.clip;
    if (ctx?.signal !== undefined) d.signal = ctx.signal;
    if (track.knownLabel !== undefined) d.knownLabel = track.knownLabel;
    if (ev.overload) d.message = 'ADC overload during this track: may be intermodulation from a strong signal';
    return d;
  }

  private static trackKey(sensor: string, id: number): string {
    return `${sensor}\u0000${id}`;
  }

  /**
   * Feeds one detector event of `sensor`. Returns the stored record's promise, or undefined when an `update` was
   * deferred by the throttle (it is written later, or dropped by a `close`). Stores synchronously-in-order: call it in
   * event order; awaiting is not needed for ordering.
   * @throws QuietBandError('IO') synchronously when the bus is closed.
   */
  handleDetection(sensor: string, ev: DetectionEvent, ctx?: DetectionContext): Promise<Alert> | undefined {
    const key = AlertBus.trackKey(sensor, ev.id);
    const nowMs = this.now();
    this.pruneGroups(nowMs);
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
    this.observe(track, ev, nowMs, false);
    if (newSignal || (track.timer === null && nowMs - track.lastWriteMs >= this.updateIntervalMs)) {
      if (track.timer !== null) clearTimeout(track.timer);
      [track.timer, track.pending] = [null, null];
      return this.writeUpdate(track, ev, ctx, nowMs);
    }
    track.pending = { ev: { ...ev, paths: [...ev.paths] }, ctx };
    if (track.timer === null) {
      const waitMs = Math.max(0, track.lastWriteMs + this.updateIntervalMs - nowMs);
      track.timer = setTimeout(() => this.flushTrack(track), waitMs);
      track.timer.unref();
    }
    return undefined;
  }

  private openTrack(key: string, sensor: string, ev: DetectionEvent, ctx: DetectionContext | undefined, nowMs: number): Promise<Alert> {
    const originMs = ctx?.originMs;
    const startTime = originMs !== undefined ? AlertBus.isoTime(originMs + ev.startS * 1000) : AlertBus.isoTime(nowMs);
    const verdict = this.knownEmitterCheck?.({ sensor, detection: ev, context: ctx });
    const known = verdict !== undefined && verdict !== false;
    const knownLabel = typeof verdict === 'object' ? verdict.label : undefined;
    const state: AlertState = known ? 'known' : 'new';
    const severity: AlertSeverity = known ? 'info' : this.severityFor({ sensor, kind: 'transmission', detection: ev, context: ctx });
    const proto = { sensor, originMs, startTime, ...(knownLabel !== undefined ? { knownLabel } : {}) };
    const memberKey = this.grouper?.locates(sensor) === true ? `m${this.nextMember++}` : null;
    const track: Track = {
      alertId: '', sensor, trackId: ev.id, lastWriteMs: nowMs, pending: null, timer: null, originMs, startTime,
      memberKey, lastEv: { ...ev, paths: [...ev.paths] }, lastCtx: ctx, sentSig: '', closed: false,
    };
    if (knownLabel !== undefined) track.knownLabel = knownLabel;
    this.observe(track, ev, nowMs, false);
    const draft = this.detectionDraft(proto, ev, ctx, 'open', state, severity, nowMs);
    const group = this.attachGroup(draft, track, nowMs);
    let w: ReturnType<AlertBus['write']>;
    try {
      w = this.write(draft);
    } catch (err) {
      if (memberKey !== null) this.grouper!.forget(memberKey);
      throw err;
    }
    track.alertId = w.alertId;
    this.tracks.set(key, track);
    if (memberKey !== null) {
      this.members.set(memberKey, track);
      this.grouper!.setAlertId(memberKey, w.alertId);
    }
    if (group !== undefined) this.propagateGroup(group, track, nowMs);
    return w.done;
  }

  private currentState(alertId: string): { state: AlertState; severity: AlertSeverity } {
    const s = this.stateOf(alertId);
    return s ?? { state: 'new', severity: 'high' };
  }

  private writeUpdate(track: Track, ev: DetectionEvent, ctx: DetectionContext | undefined, nowMs: number, severityOverride?: AlertSeverity): Promise<Alert> {
    const { state, severity: current } = this.currentState(track.alertId);
    const severity = severityOverride ?? current;
    track.lastWriteMs = nowMs;
    const draft = this.detectionDraft(track, ev, ctx, 'update', state, severity, nowMs);
    const group = this.attachGroup(draft, track, nowMs);
    const done = this.write(draft).done;
    if (group !== undefined) this.propagateGroup(group, track, nowMs);
    return done;
  }

  private flushTrack(track: Track): void {
    track.timer = null;
    const p = track.pending;
    track.pending = null;
    if (p === null || this.closed) return;
    if (track.closed && (track.memberKey === null || this.members.get(track.memberKey) !== track)) return; // forgotten meanwhile
    this.writeUpdate(track, p.ev, p.ctx, this.now()).catch((err: unknown) => {
      this.log.error({ err, alertId: track.alertId }, 'alert bus: a throttled update could not be stored');
    });
  }

  private closeTrack(
    key: string,
    track: Track,
    ev: DetectionEvent | null,
    ctx: DetectionContext | undefined,
    nowMs: number,
    message: string | undefined,
  ): Promise<Alert> {
    if (track.timer !== null) clearTimeout(track.timer);
    track.timer = null;
    const last = ev ?? track.pending?.ev;
    track.pending = null;
    this.tracks.delete(key);
    const { state, severity } = this.currentState(track.alertId);
    let draft: AlertDraft;
    if (last !== undefined) {
      draft = this.detectionDraft(track, { ...last, kind: 'close' }, ctx, 'close', state, severity, nowMs);
    } else {
      draft = { alertId: track.alertId, sensor: track.sensor, kind: 'transmission', event: 'close', state, severity, time: AlertBus.isoTime(nowMs), startTime: track.startTime, endTime: AlertBus.isoTime(nowMs) };
      if (track.knownLabel !== undefined) draft.knownLabel = track.knownLabel;
    }
    if (message !== undefined) draft.message = message;
    const final = { ...(last ?? track.lastEv), kind: 'close' as const };
    track.lastEv = { ...final, paths: [...final.paths] };
    if (ctx !== undefined) track.lastCtx = ctx;
    track.closed = true;
    // a superseded track (ev null) ends now; a detector close at its own end time
    this.observe(track, ev === null ? { ...final, endS: undefined } : final, nowMs, true);
    const group = this.attachGroup(draft, track, nowMs);
    const p = this.write(draft).done;
    if (ev === null) p.catch(() => undefined); // superseded close: failure is logged by the store; the new open reports its own.
    if (group !== undefined) this.propagateGroup(group, track, nowMs);
    return p;
  }

  // ───────────────────────────── grouping ─────────────────────────────

  /** Tells the grouper the track's latest band, excess and times (wall clock from the stream origin). */
  private observe(track: Track, ev: DetectionEvent, nowMs: number, closed: boolean): void {
    if (this.grouper === null || track.memberKey === null) return;
    let endMs: number | null = null;
    if (closed) endMs = ev.endS !== undefined && track.originMs !== undefined ? track.originMs + ev.endS * 1000 : nowMs;
    const startMs = Date.parse(track.startTime);
    this.grouper.observe({
      key: track.memberKey,
      sensor: track.sensor,
      centerHz: ev.centerHz,
      lowHz: ev.lowHz,
      highHz: ev.highHz,
      startMs,
      endMs: endMs === null ? null : Math.max(endMs, startMs),
      excessDb: ev.peakExcessDb,
    });
  }

  /** Sets groupId/rooms/positionM on a draft when the track belongs to a transmission of ≥ 2 sensors. */
  private attachGroup(draft: AlertDraft, track: Track, nowMs: number): TransmissionGroup | undefined {
    if (this.grouper === null || track.memberKey === null) return undefined;
    const g = this.grouper.groupOf(track.memberKey, nowMs);
    if (g === undefined) return undefined;
    if (g.groupId !== undefined) draft.groupId = g.groupId;
    draft.rooms = g.rooms.map((r) => ({ ...r }));
    if (g.positionM !== undefined) draft.positionM = { ...g.positionM };
    track.sentSig = g.signature;
    return g;
  }

  /** Queues a group update for every other alert of the group whose latest record shows another grouping. */
  private propagateGroup(g: TransmissionGroup, self: Track, nowMs: number): void {
    for (const k of g.keys) {
      if (k === self.memberKey) continue;
      const t = this.members.get(k);
      if (t === undefined || t.sentSig === g.signature) continue;
      this.requestGroupUpdate(t, nowMs);
    }
  }

  /**
   * An `update` record of the track's latest values (with the current grouping), under the same throttle as detector
   * updates: at once when the interval has passed, else when it ends (a pending update already carries it).
   */
  private requestGroupUpdate(t: Track, nowMs: number): void {
    if (this.closed || t.timer !== null) return;
    t.pending ??= { ev: t.lastEv, ctx: t.lastCtx };
    if (nowMs - t.lastWriteMs >= this.updateIntervalMs) {
      this.flushTrack(t);
      return;
    }
    t.timer = setTimeout(() => this.flushTrack(t), Math.max(0, t.lastWriteMs + this.updateIntervalMs - nowMs));
    t.timer.unref();
  }

  /** Forgets closed tracks the grouper no longer remembers (ended more than `retainMs` ago). */
  private pruneGroups(nowMs: number): void {
    if (this.grouper === null) return;
    this.grouper.prune(nowMs);
    for (const [k, t] of this.members) {
      if (this.grouper.has(k)) continue;
      this.members.delete(k);
      if (t.closed && t.timer !== null) {
        clearTimeout(t.timer);
        t.timer = null;
        t.pending = null;
      }
    }
  }

  /**
   * Records that `by` acknowledged `alertId` (state → 'acknowledged'). Resolves undefined (nothing stored) when the
   * alert is already acknowledged or known.
   * @throws (rejects) QuietBandError('BAD_INPUT') for an unknown alertId.
   */
  ack(alertId: string, by: string): Promise<Alert | undefined> {
    return this.transition(alertId, by, 'ack');
  }

  /**
   * Records that `by` marked `alertId` as a known emitter (state → 'known', severity → 'info'), named `label` when
   * given (the record's `knownLabel`, which the known-emitter list keeps). Resolves undefined when it is already known.
   * @throws (rejects) QuietBandError('BAD_INPUT') for an unknown alertId.
   */
  known(alertId: string, by: string, label?: string): Promise<Alert | undefined> {
    return this.transition(alertId, by, 'known', label);
  }

  /**
   * Records that `by` escalated `alertId` (severity → 'high', state → 'new': it needs handling again). Resolves undefined
   * (nothing stored) when it is known (final) or already 'high'.
   * @throws (rejects) QuietBandError('BAD_INPUT') for an unknown alertId.
   */
  escalate(alertId: string, by: string): Promise<Alert | undefined> {
    return this.transition(alertId, by, 'escalate');
  }

  private transition(alertId: string, by: string, event: 'ack' | 'known' | 'escalate', label?: string): Promise<Alert | undefined> {
    let s: ReturnType<AlertBus['stateOf']>;
    try {
      s = this.stateOf(alertId);
      if (s === undefined) throw new QuietBandError(`${event}: unknown alertId "${alertId}"`, 'BAD_INPUT');
      if (s.state === 'known' || (event === 'ack' && s.state === 'acknowledged') || (event === 'escalate' && s.severity === 'high')) return Promise.resolve(undefined);
      const origin = this.inflightState.get(alertId) ?? this.store.stateOf(alertId)!;
      const draft: AlertDraft = {
        alertId,
        sensor: origin.sensor,
        kind: origin.kind,
        event,
        state: event === 'ack' ? 'acknowledged' : event === 'known' ? 'known' : 'new',
        severity: event === 'ack' ? s.severity : event === 'known' ? 'info' : 'high',
        time: AlertBus.isoTime(this.now()),
        ackBy: by,
      };
      if (label !== undefined) draft.knownLabel = label;
      return this.write(draft).done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private static sensorKey(sensor: string, kind: SensorAlertKind): string {
    return `${sensor}\u0000${kind}`;
  }

  /**
   * Raises a sensor-fault alert (`sensor-offline`, `overload`, `site-offline`). While one of that sensor+kind is open,
   * further raises are no-ops (resolve undefined). Severity from `severityFor`. `code`: `message` as a code the UI
   * translates (stored as the record's `messageCode`).
   */
  raiseSensorAlert(sensor: string, kind: SensorAlertKind, message: string, code?: AlertMessageCode): Promise<Alert | undefined> {
    try {
      const key = AlertBus.sensorKey(sensor, kind);
      if (this.sensorAlerts.has(key)) return Promise.resolve(undefined);
      const severity = this.severityFor({ sensor, kind });
      const w = this.write({ sensor, kind, event: 'open', state: 'new', severity, time: AlertBus.isoTime(this.now()), message, ...(code !== undefined ? { messageCode: code } : {}) });
      this.sensorAlerts.set(key, { alertId: w.alertId });
      w.done.catch(() => {
        if (this.sensorAlerts.get(key)?.alertId === w.alertId) this.sensorAlerts.delete(key);
      });
      return w.done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The alertId of the `present-during-calibration` alert of one emitter of one baseline: `<site>-cal-<hash>` over sensor,
   * baseline `createdAt` and the emitter's centre (Hz, rounded). Deterministic, so a daemon restart with the same
   * baseline file finds the alert already in the store.
   */
  calibrationAlertId(sensor: string, info: Pick<CalibrationAlertInfo, 'baselineCreatedAt' | 'emitter'>): string {
    const key = `${sensor}\u0000${info.baselineCreatedAt}\u0000${Math.round(info.emitter.centerHz)}`;
    return `${this.store.site}-cal-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  }

  /**
   * Raises one emitter a baseline heard as a `present-during-calibration` alert: an `open` record (severity 'low', state
   * 'new'; or state 'known'/severity 'info' with `knownLabel` when the emitter was already on the known list) carrying
   * `calibration` and the emitter's centre/bandwidth/level, and its `close` (the learning is over), `startTime`–`endTime`
   * spanning the baseline's learning. Once per {@link calibrationAlertId}: resolves undefined (nothing stored) when that
   * alert is already stored or queued — also across daemon restarts, since the store keeps every alertId.
   */
  async raiseCalibrationEmitter(sensor: string, info: CalibrationAlertInfo, knownLabel?: string): Promise<Alert | undefined> {
    const alertId = this.calibrationAlertId(sensor, info);
    if (this.stateOf(alertId) !== undefined) return undefined;
    const e = info.emitter;
    const endMs = Date.parse(info.baselineCreatedAt);
    const nowIso = AlertBus.isoTime(this.now());
    const known = knownLabel !== undefined;
    const base: AlertDraft = {
      alertId,
      sensor,
      kind: 'present-during-calibration',
      event: 'open',
      state: known ? 'known' : 'new',
      severity: known ? 'info' : 'low',
      time: nowIso,
      centerHz: Math.round(e.centerHz),
      bandwidthHz: Math.round(e.bandwidthHz),
      peakExcessDb: e.peakExcessDb,
      peakPowerDbfs: e.peakPowerDbfs,
      ...(Number.isFinite(endMs)
        ? { startTime: AlertBus.isoTime(endMs - info.baselineDurationS * 1000), endTime: info.baselineCreatedAt }
        : {}),
      ...(known ? { knownLabel } : {}),
    };
    const opened = this.write({ ...base, calibration: { ...info, emitter: { ...e, centerHz: Math.round(e.centerHz), lowHz: Math.round(e.lowHz), highHz: Math.round(e.highHz), bandwidthHz: Math.round(e.bandwidthHz) } } }).done;
    opened.catch(() => undefined); // the close below rejects too and reports it
    const close: AlertDraft = { alertId, sensor, kind: base.kind, event: 'close', state: base.state, severity: base.severity, time: nowIso };
    if (base.endTime !== undefined) close.endTime = base.endTime;
    await this.write(close).done;
    return opened;
  }

  /** Closes the open sensor-fault alert of that sensor+kind; resolves undefined when none is open. */
  clearSensorAlert(sensor: string, kind: SensorAlertKind, message?: string, code?: AlertMessageCode): Promise<Alert | undefined> {
    try {
      const key = AlertBus.sensorKey(sensor, kind);
      const a = this.sensorAlerts.get(key);
      if (a === undefined) return Promise.resolve(undefined);
      this.sensorAlerts.delete(key);
      const { state, severity } = this.currentState(a.alertId);
      const draft: AlertDraft = { alertId: a.alertId, sensor, kind, event: 'close', state, severity, time: AlertBus.isoTime(this.now()) };
      if (message !== undefined) draft.message = message;
      if (code !== undefined) draft.messageCode = code;
      return this.write(draft).done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Call once after opening the store at daemon start: closes every alert left open by the previous run (its detector
   * and sensors restarted, so no close would ever come) with `message`. Resolves with the number closed.
   */
  async recoverOpenAlerts(message?: string): Promise<number> {
    const open = this.store.openAlerts().filter((e) => !this.isTracked(e.alertId));
    const nowIso = AlertBus.isoTime(this.now());
    const text = message ?? 'closed at daemon restart: the previous run ended while it was open';
    const code: AlertMessageCode | undefined = message === undefined ? { id: 'restart.closed' } : undefined;
    const ps = open.map((e) =>
      this.write({ alertId: e.alertId, sensor: e.sensor, kind: e.kind, event: 'close', state: e.state, severity: e.severity, time: nowIso, message: text, ...(code !== undefined ? { messageCode: code } : {}) }).done,
    );
    await Promise.all(ps);
    return ps.length;
  }

  private isTracked(alertId: string): boolean {
    for (const t of this.tracks.values()) if (t.alertId === alertId) return true;
    for (const s of this.sensorAlerts.values()) if (s.alertId === alertId) return true;
    return false;
  }

  /**
   * Call when exam session `session` starts: every open transmission alert of severity 'low' (raised outside a
   * session) gets an `update` record at once (not throttled) with severity 'high' and `session`, and its later records
   * keep both — a transmitter keyed up just before the start must not stay 'low'. Left alone: known/info alerts, ones
   * already 'high', and ones whose latest detection is overload-flagged ('low' by the session rule: possible
   * intermodulation). A throttled update waiting for the alert is written as this record. Resolves with the records
   * stored (detection order); rejects with QuietBandError('IO') when one could not be stored.
   */
  armOpenAlerts(session: string): Promise<Alert[]> {
    try {
      if (this.closed) throw new QuietBandError('alert bus is closed', 'IO');
      const nowMs = this.now();
      const ps: Promise<Alert>[] = [];
      for (const t of this.tracks.values()) {
        const s = this.stateOf(t.alertId);
        if (s === undefined || s.state === 'known' || s.severity !== 'low') continue;
        const pend = t.pending;
        const ev = pend?.ev ?? t.lastEv;
        if (ev.overload) continue;
        if (t.timer !== null) clearTimeout(t.timer);
        t.timer = null;
        t.pending = null;
        t.session = session;
        this.log.info({ alertId: t.alertId, sensor: t.sensor, centerHz: ev.centerHz, session }, 'open alert raised to high: session started');
        ps.push(this.writeUpdate(t, { ...ev, kind: 'update', paths: [...ev.paths] }, pend?.ctx ?? t.lastCtx, nowMs, 'high'));
      }
      return Promise.all(ps);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Number of transmission alerts open (tracked) right now. */
  get openTrackCount(): number {
    return this.tracks.size;
  }

  /** Writes throttled updates that are waiting, and waits for every queued record to be stored. */
  async flush(): Promise<void> {
    for (const t of [...this.tracks.values(), ...[...this.members.values()].filter((m) => m.closed)]) {
      if (t.timer !== null) {
        clearTimeout(t.timer);
        this.flushTrack(t);
      }
    }
    await Promise.allSettled([...this.inflight]);
  }

  /** Flushes (see {@link flush}) and refuses further input. Does not close the store. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    for (const t of this.tracks.values()) if (t.timer !== null) clearTimeout(t.timer);
    for (const t of this.members.values()) if (t.timer !== null) clearTimeout(t.timer);
  }
}
