// The alert bus: DetectionEvents and sensor faults → persisted Alert records (open/update/close/ack/known), emitted
// after fsync. It composes one module per job: alert-writer.ts (store, then announce), alert-lifecycle.ts (transmission
// alerts) with alert-throttle.ts and alert-grouping.ts, fault-alerts.ts, calibration-alerts.ts, session-arming.ts.
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import type { Alert, AlertMessageCode, AlertSeverity, AlertSignal, AlertState, CalibrationAlertInfo } from './alert.js';
import type { DetectionEvent } from '../types.js';
import type { DetectionContext, KnownEmitterContext, KnownEmitterVerdict, SeverityContext } from './alert-context.js';
import type { AlertFeedLive } from './alert-feed.js';
import { TransmissionAlerts } from './alert-lifecycle.js';
import type { AlertDraft, AlertStore } from './alert-store.js';
import { isoTime, AlertWriter } from './alert-writer.js';
import { calibrationAlertId, raiseCalibrationEmitter } from './calibration-alerts.js';
import { FaultAlerts, type SensorAlertKind } from './fault-alerts.js';
import type { GroupingOptions, SensorLocation } from './localisation.js';
import { armOpenTransmissions } from './session-arming.js';

export type { DetectionContext, KnownEmitterContext, KnownEmitterVerdict, SeverityContext } from './alert-context.js';
export type { SensorAlertKind } from './fault-alerts.js';

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
 * - an identification after the close (`lateSignal`, within LATE_SIGNAL_MS) → an `update` record of the closed alert.
 * State changes: new → acknowledged (ack), new|acknowledged → known (known). 'known' ends only when its emitter is
 * removed from the known list ({@link unmarkKnown}: an `unmark` record); repeating a transition is a no-op (resolves
 * undefined, nothing stored).
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
  private readonly now: () => number;
  private readonly writer: AlertWriter;
  private readonly transmissions: TransmissionAlerts;
  private readonly faults: FaultAlerts;

  /** @throws QuietBandError('CONFIG') when `updateIntervalMs` is negative or not finite, or a grouping tolerance is. */
  constructor(opts: AlertBusOptions) {
    super();
    this.store = opts.store;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'alert-bus' });
    const severityFor = opts.severityFor ?? ((): AlertSeverity => 'high');
    const updateIntervalMs = opts.updateIntervalMs ?? 1000;
    if (!Number.isFinite(updateIntervalMs) || updateIntervalMs < 0) {
      throw new QuietBandError(`alert bus: updateIntervalMs: expected a finite number >= 0, got ${opts.updateIntervalMs}`, 'CONFIG');
    }
    this.now = opts.now ?? Date.now;
    this.writer = new AlertWriter(this.store, this.log, (rec) => this.emit('alert', rec));
    try {
      this.transmissions = new TransmissionAlerts({
        writer: this.writer, log: this.log, now: this.now, severityFor, knownEmitterCheck: opts.knownEmitterCheck,
        updateIntervalMs, locations: opts.locations ?? {}, grouping: opts.grouping,
      });
    } catch (err) {
      throw new QuietBandError(`alert bus: ${(err as Error).message}`, 'CONFIG', { cause: err });
    }
    this.faults = new FaultAlerts(this.writer, severityFor, this.now);
  }

  /** Current state of an alert, counting records queued but not yet stored. */
  stateOf(alertId: string): { state: AlertState; severity: AlertSeverity; closed: boolean } | undefined {
    return this.writer.stateOf(alertId);
  }

  /**
   * Feeds one detector event of `sensor`. Returns the stored record's promise, or undefined when an `update` was
   * deferred by the throttle (it is written later, or dropped by a `close`). Stores synchronously-in-order: call it in
   * event order; awaiting is not needed for ordering.
   * @throws QuietBandError('IO') synchronously when the bus is closed.
   */
  handleDetection(sensor: string, ev: DetectionEvent, ctx?: DetectionContext): Promise<Alert> | undefined {
    return this.transmissions.handleDetection(sensor, ev, ctx);
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
   * Records that `by` escalated `alertId` (severity → 'high', state → 'new': it needs handling again), with the alert's
   * facts (frequency, band, level, times, session, rooms: ALERT_FACTS of alert-states.ts) so it notifies like an open. Resolves undefined
   * (nothing stored) when it is known (final) or already 'high'.
   * @throws (rejects) QuietBandError('BAD_INPUT') for an unknown alertId.
   */
  escalate(alertId: string, by: string): Promise<Alert | undefined> {
    return this.transition(alertId, by, 'escalate');
  }

  /**
   * The identification `signal` of track `trackId` of `sensor` came after its alert's close: an `update` record of the
   * closed alert carrying it (the alert stays closed; the raise and the group's identification follow from it), when the
   * close was stored at most LATE_SIGNAL_MS (alert-lifecycle.ts, 120 s) ago. Returns the record's promise, or undefined
   * when nothing was stored (too late, or an alert this bus does not know: logged).
   * @throws QuietBandError('IO') synchronously when the bus is closed.
   */
  lateSignal(sensor: string, trackId: number, signal: AlertSignal): Promise<Alert> | undefined {
    return this.transmissions.lateSignal(sensor, trackId, signal);
  }

  /**
   * Adds the evidence clip `clip` (meta path relative to the data dir) to `alertId`, whose close went without it: an
   * `update` record with the clip and the alert's current state and severity (a closed alert stays closed).
   * @throws (rejects) QuietBandError('BAD_INPUT') for an unknown alertId; QuietBandError('IO') when the bus is closed.
   */
  attachClip(alertId: string, clip: string): Promise<Alert> {
    try {
      const s = this.stateOf(alertId);
      if (s === undefined) throw new QuietBandError(`clip: unknown alertId "${alertId}"`, 'BAD_INPUT');
      const origin = this.writer.originOf(alertId)!;
      const draft: AlertDraft = { alertId, sensor: origin.sensor, kind: origin.kind, event: 'update', state: s.state, severity: s.severity, time: isoTime(this.now()), clip };
      return this.writer.write(draft).done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private transition(alertId: string, by: string, event: 'ack' | 'known' | 'escalate', label?: string): Promise<Alert | undefined> {
    let s: ReturnType<AlertBus['stateOf']>;
    try {
      s = this.stateOf(alertId);
      if (s === undefined) throw new QuietBandError(`${event}: unknown alertId "${alertId}"`, 'BAD_INPUT');
      if (s.state === 'known' || (event === 'ack' && s.state === 'acknowledged') || (event === 'escalate' && s.severity === 'high')) return Promise.resolve(undefined);
      const origin = this.writer.originOf(alertId)!;
      // an escalation notifies like an open: it repeats what and where (the alert's facts), as an `unmark` does
      const facts = event === 'escalate' ? this.store.stateOf(alertId)?.facts : undefined;
      const draft: AlertDraft = {
        ...facts,
        alertId,
        sensor: origin.sensor,
        kind: origin.kind,
        event,
        state: event === 'ack' ? 'acknowledged' : event === 'known' ? 'known' : 'new',
        severity: event === 'ack' ? s.severity : event === 'known' ? 'info' : 'high',
        time: isoTime(this.now()),
        ackBy: by,
      };
      if (label !== undefined) draft.knownLabel = label;
      return this.writer.write(draft).done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The known emitter `emitter` (its KnownEmitters id, label, sensor, and the alert it was marked from) was removed by
   * `by`: every alert it alone hid gets an `unmark` record (`ackBy` = by, message coded `known.removed`, and the alert's
   * facts: frequency, band, level, times, session, rooms, so that it notifies like an open) giving back what it was
   * without it, so it can be acknowledged or escalated again:
   * - the alert the supervisor marked (`emitter.alertId`): its state and severity just before the mark;
   * - an alert known from its open because it matched the emitter (its `knownEmitterId`; for records written before
   *   that field: same sensor and `knownLabel` = the label), or because it matched an emitter removed before whose band
   *   this one also covers (`emitter.lowHz`–`highHz`, its sensor; `list.exists` says which ids remain): state 'new' and
   *   its `severityUnlessKnown` ('high' when not recorded: looked at rather than missed).
   * Overlapping emitters (two marks, or a mark and a configured emitter, covering one frequency): an alert stays known
   * while another emitter still covers its centre (`list.coveredBy`, asked after the removal: that emitter's id and
   * label); it gets an `update` record (state and severity unchanged) naming that emitter as its
   * `knownLabel`/`knownEmitterId`, so its row shows the emitter that hides it now and removing that one gives it back —
   * the alert a removed mark was made from included. Removing one of two overlapping marks thus gives back only what the
   * other does not hide, and removing the second gives back the rest.
   * Alerts not 'known' now are left alone. Resolves with the `unmark` records stored (first-seen order) and, as `kept`,
   * the `update` records of the alerts another emitter still hides.
   */
  unmarkKnown(
    emitter: { id: string; label: string; sensor?: string; alertId?: string; lowHz?: number; highHz?: number },
    by: string,
    list: { coveredBy?: (sensor: string, centerHz: number) => { id: string; label: string } | undefined; exists?: (id: string) => boolean } = {},
  ): Promise<Alert[] & { kept?: Alert[] }> {
    try {
      const time = isoTime(this.now());
      const done: Promise<Alert>[] = [];
      const kept: Promise<Alert>[] = [];
      for (const e of this.store.allStates()) {
        const marked = e.alertId === emitter.alertId;
        const hz = e.facts?.centerHz;
        const inBand = hz !== undefined && emitter.lowHz !== undefined && emitter.highHz !== undefined && hz >= emitter.lowHz && hz <= emitter.highHz && (emitter.sensor === undefined || e.sensor === emitter.sensor);
        const matched = e.knownEmitterId !== undefined
          ? e.knownEmitterId === emitter.id || (inBand && list.exists?.(e.knownEmitterId) === false)
          : e.knownLabel === emitter.label && (emitter.sensor === undefined || e.sensor === emitter.sensor);
        if ((!marked && !matched) || this.stateOf(e.alertId)?.state !== 'known') continue;
        const other = hz !== undefined ? list.coveredBy?.(e.sensor, hz) : undefined;
        if (other !== undefined) {
          // another emitter still hides it: from now on it is known as that one (whose removal gives it back)
          const s = this.stateOf(e.alertId)!;
          this.transmissions.setKnownLabel(e.alertId, other.label);
          kept.push(this.writer.write({
            alertId: e.alertId, sensor: e.sensor, kind: e.kind, event: 'update', state: s.state, severity: s.severity, time,
            knownLabel: other.label, knownEmitterId: other.id,
          }).done);
          continue;
        }
        // marked itself (before this or another overlapping mark was removed): what it was just before its mark
        const back = e.beforeKnown !== undefined ? e.beforeKnown : { state: 'new' as const, severity: e.severityUnlessKnown ?? 'high' };
        this.transmissions.forgetKnownLabel(e.alertId);
        done.push(this.writer.write({
          ...e.facts, alertId: e.alertId, sensor: e.sensor, kind: e.kind, event: 'unmark', state: back.state, severity: back.severity, time, ackBy: by,
          message: `known emitter "${emitter.label}" removed: this alert counts again`, messageCode: { id: 'known.removed', params: { label: emitter.label } },
        }).done);
      }
      return Promise.all([Promise.all(done), Promise.all(kept)]).then(([back, still]) => Object.assign(back, { kept: still }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Raises a sensor-fault alert (`sensor-offline`, `overload`, `site-offline`). While one of that sensor+kind is open,
   * further raises are no-ops (resolve undefined). Severity from `severityFor`. `code`: `message` as a code the UI
   * translates (stored as the record's `messageCode`).
   */
  raiseSensorAlert(sensor: string, kind: SensorAlertKind, message: string, code?: AlertMessageCode): Promise<Alert | undefined> {
    return this.faults.raise(sensor, kind, message, code);
  }

  /**
   * The alertId of the `present-during-calibration` alert of one emitter of one baseline: `<site>-cal-<hash>` over sensor,
   * baseline `createdAt` and the emitter's centre (Hz, rounded). Deterministic, so a daemon restart with the same
   * baseline file finds the alert already in the store.
   */
  calibrationAlertId(sensor: string, info: Pick<CalibrationAlertInfo, 'baselineCreatedAt' | 'emitter'>): string {
    return calibrationAlertId(this.store.site, sensor, info);
  }

  /**
   * Raises one emitter a baseline heard as a `present-during-calibration` alert: an `open` record (severity 'low', state
   * 'new'; or state 'known'/severity 'info' with `knownLabel` when the emitter was already on the known list) carrying
   * `calibration` and the emitter's centre/bandwidth/level, and its `close` (the learning is over), `startTime`–`endTime`
   * spanning the baseline's learning. Once per {@link calibrationAlertId}: resolves undefined (nothing stored) when that
   * alert is already stored or queued — also across daemon restarts, since the store keeps every alertId.
   */
  async raiseCalibrationEmitter(sensor: string, info: CalibrationAlertInfo, knownLabel?: string): Promise<Alert | undefined> {
    return raiseCalibrationEmitter(this.writer, this.now, this.calibrationAlertId(sensor, info), sensor, info, knownLabel);
  }

  /**
   * Restates the open sensor-fault alert of that sensor+kind with a newer `message` (and its `code`), e.g. a sensor-offline
   * alert whose source retries with a longer delay: an `update` record; resolves undefined when none is open or the
   * text did not change.
   */
  updateSensorAlert(sensor: string, kind: SensorAlertKind, message: string, code?: AlertMessageCode): Promise<Alert | undefined> {
    return this.faults.update(sensor, kind, message, code);
  }

  /** Closes the open sensor-fault alert of that sensor+kind; resolves undefined when none is open. */
  clearSensorAlert(sensor: string, kind: SensorAlertKind, message?: string, code?: AlertMessageCode): Promise<Alert | undefined> {
    return this.faults.clear(sensor, kind, message, code);
  }

  /**
   * Call once after opening the store at daemon start: closes every alert left open by the previous run (its detector
   * and sensors restarted, so no close would ever come) with `message`. Resolves with the number closed.
   */
  async recoverOpenAlerts(message?: string): Promise<number> {
    const open = this.store.openAlerts().filter((e) => !this.transmissions.isTracked(e.alertId) && !this.faults.isTracked(e.alertId));
    const nowIso = isoTime(this.now());
    const text = message ?? 'closed at daemon restart: the previous run ended while it was open';
    const code: AlertMessageCode | undefined = message === undefined ? { id: 'restart.closed' } : undefined;
    const ps = open.map((e) =>
      this.writer.write({ alertId: e.alertId, sensor: e.sensor, kind: e.kind, event: 'close', state: e.state, severity: e.severity, time: nowIso, message: text, ...(code !== undefined ? { messageCode: code } : {}) }).done,
    );
    await Promise.all(ps);
    return ps.length;
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
      if (this.writer.closed) throw new QuietBandError('alert bus is closed', 'IO');
      return Promise.all(armOpenTransmissions(this.transmissions, (id) => this.stateOf(id), session, this.now(), this.log));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The sensor and the detector track id (`DetectionEvent.id` as handed to {@link handleDetection}) of the open
   * transmission alert `alertId`; undefined when no such alert is open.
   */
  transmissionTrackOf(alertId: string): { sensor: string; trackId: number } | undefined {
    return this.transmissions.trackOf(alertId);
  }

  /** Number of transmission alerts open (tracked) right now. */
  get openTrackCount(): number {
    return this.transmissions.size;
  }

  /** Writes throttled updates that are waiting, and waits for every queued record to be stored. */
  async flush(): Promise<void> {
    this.transmissions.flushWaiting();
    await this.writer.settle();
  }

  /** Flushes (see {@link flush}) and refuses further input. Does not close the store. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.writer.closed) return;
    await this.flush();
    this.writer.closed = true;
    this.transmissions.stopTimers();
  }
}
