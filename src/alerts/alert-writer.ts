// Writes alert records: through the store (fsync) first, then announced once stored, in seq order; tracks the state of
// records still on their way so that the next record of an alert carries it.
import type { Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import type { Alert, AlertKind, AlertSeverity, AlertState } from './alert.js';
import type { AlertDraft, AlertStateEntry, AlertStore } from './alert-store.js';

/** ISO 8601 UTC text of a wall-clock time (ms since the Unix epoch): the form of every time in an alert record. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** State of an alert whose latest record is queued in the store but not yet stored. */
interface InflightState {
  state: AlertState;
  severity: AlertSeverity;
  sensor: string;
  kind: AlertKind;
}

/**
 * The one way the alert bus stores a record: {@link write} queues it in the {@link AlertStore} and calls `announce`
 * with the stored record once the store accepted it (on disk, or held in memory after a failed write), in seq order.
 * Until then the alert's state/severity are kept here, so {@link stateOf} already answers with them.
 */
export class AlertWriter {
  /** True once the bus closed: {@link write} then throws. */
  closed = false;
  private readonly inflightState = new Map<string, InflightState>();
  private readonly inflight = new Set<Promise<unknown>>();

  /**
   * @param store the open store every record goes through.
   * @param log the bus's logger (opens, closes and state changes at info, updates at debug).
   * @param announce called once per stored record, in seq order (the bus emits `'alert'` there); a throw is logged.
   */
  constructor(
    readonly store: AlertStore,
    private readonly log: Logger,
    private readonly announce: (alert: Alert) => void,
  ) {}

  /** Current state of an alert, counting records queued but not yet stored; undefined for an unknown alertId. */
  stateOf(alertId: string): { state: AlertState; severity: AlertSeverity; closed: boolean } | undefined {
    const stored = this.store.stateOf(alertId);
    const fly = this.inflightState.get(alertId);
    if (fly !== undefined) return { state: fly.state, severity: fly.severity, closed: stored?.closed ?? false };
    return stored === undefined ? undefined : { state: stored.state, severity: stored.severity, closed: stored.closed };
  }

  /** {@link stateOf} without `closed`, as state 'new' / severity 'high' for an alert not known yet. */
  currentState(alertId: string): { state: AlertState; severity: AlertSeverity } {
    const s = this.stateOf(alertId);
    return s ?? { state: 'new', severity: 'high' };
  }

  /** Sensor and kind of an alert (from its queued or stored records); undefined for an unknown alertId. */
  originOf(alertId: string): Pick<AlertStateEntry, 'sensor' | 'kind'> | undefined {
    return this.inflightState.get(alertId) ?? this.store.stateOf(alertId);
  }

  /**
   * Queues a record in the store and tracks its state until stored. `done` resolves with the stored record after it
   * was announced; it rejects with the store's error (QuietBandError('IO') when the store closed before storing it).
   * @throws QuietBandError('IO') synchronously when the writer (the bus) or the store is closed.
   */
  write(draft: AlertDraft): { alertId: string; done: Promise<Alert> } {
    if (this.closed) throw new QuietBandError('alert bus is closed', 'IO');
    const q = this.store.enqueue(draft);
    const marker: InflightState = { state: draft.state, severity: draft.severity, sensor: draft.sensor, kind: draft.kind };
    this.inflightState.set(q.alertId, marker);
    q.done.catch(() => undefined); // a record never stored is logged in full by the store at close
    const done = q.accepted.then(
      (rec) => {
        if (this.inflightState.get(q.alertId) === marker) this.inflightState.delete(q.alertId);
        // updates (up to one a second per open alert) only at debug: the open, close and state changes tell the story
        const fields = { seq: rec.seq, alertId: rec.alertId, sensor: rec.sensor, kind: rec.kind, event: rec.event, state: rec.state, severity: rec.severity, centerHz: rec.centerHz, bandLabel: rec.bandLabel, signalClass: rec.signal?.class, signalClosest: rec.signal?.closestClass, signalConfidence: rec.signal?.confidence, raise: rec.severityRaise?.reasonCode.id, session: rec.session, ackBy: rec.ackBy, knownLabel: rec.event === 'known' ? rec.knownLabel : undefined, clipNotKept: rec.clipNotKept, lateMs: rec.lateMs, lateLinkMs: rec.lateLinkMs };
        if (rec.event === 'update') this.log.debug(fields, 'alert');
        else this.log.info(fields, 'alert');
        try {
          this.announce(rec);
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

  /** Waits until every record queued so far is stored or failed (never rejects). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }
}
