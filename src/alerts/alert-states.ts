// The current state of every alert a store holds: its records folded (alert-fold.ts) into one entry per alertId.
import type { Alert, AlertSignal } from './alert.js';
import { foldInOrder, openAlertState, type AlertStateCore } from './alert-fold.js';

/** Current state of one alert (all records sharing an `alertId`), rebuilt from the file on open. */
export interface AlertStateEntry extends AlertStateCore {
  /** Transmissions: the class of the latest record carrying a `signal` (absent before the sensor identified it). */ signalClass?: AlertSignal['class'];
  /** Who acknowledged / marked it known, from the latest `ack`/`known` record. */
  ackBy?: string;
  /** Known from the open: the emitter that matched and the severity without it (its open record's fields), and its label. */
  knownEmitterId?: string;
  severityUnlessKnown?: Alert['severity'];
  knownLabel?: string;
  /** Marked known by a supervisor: its state and severity just before the latest `known` record. */
  beforeKnown?: { state: Alert['state']; severity: Alert['severity'] };
  /**
   * What the alert is about, from its latest records carrying each field ({@link ALERT_FACTS}: frequency, band, level,
   * times, session, rooms): an `unmark` record repeats them, so the notification of a restored alert says what and where.
   */
  facts?: AlertFacts;
}

/** Fields an {@link AlertStateEntry} keeps as its `facts` (the latest record carrying one wins). */
export const ALERT_FACTS = ['centerHz', 'bandwidthHz', 'peakExcessDb', 'peakPowerDbfs', 'bandLabel', 'startTime', 'endTime', 'session', 'groupId', 'rooms'] as const;

/** The {@link ALERT_FACTS} of an alert. */
export type AlertFacts = Partial<Pick<Alert, (typeof ALERT_FACTS)[number]>>;

/** One {@link AlertStateEntry} per alertId ever folded in (~200 B each, ~400 B with its facts), in first-seen order. */
export class AlertStates {
  private readonly states = new Map<string, AlertStateEntry>();

  /** Folds in the next record in seq order (stored, or held after a failed write). */
  fold(rec: Alert): void {
    let e = this.states.get(rec.alertId);
    if (e === undefined) {
      e = openAlertState(rec);
      this.states.set(rec.alertId, e);
    }
    if (rec.event === 'known') e.beforeKnown = { state: e.state, severity: e.severity };
    if (rec.knownEmitterId !== undefined) e.knownEmitterId = rec.knownEmitterId;
    if (rec.severityUnlessKnown !== undefined) e.severityUnlessKnown = rec.severityUnlessKnown;
    if (rec.knownLabel !== undefined) e.knownLabel = rec.knownLabel;
    foldInOrder(e, rec);
    for (const k of ALERT_FACTS) {
      if (rec[k] !== undefined) (e.facts ??= {})[k] = rec[k] as never;
    }
    if (typeof rec.signal?.class === 'string') e.signalClass = rec.signal.class;
    if ((rec.event === 'ack' || rec.event === 'known' || rec.event === 'escalate' || rec.event === 'unmark') && rec.ackBy !== undefined) e.ackBy = rec.ackBy;
  }

  /** The state of one alert, or undefined when no record with that alertId was folded in. Do not mutate. */
  get(alertId: string): AlertStateEntry | undefined {
    return this.states.get(alertId);
  }

  /** Every alert's state, in first-seen order. Do not mutate. */
  all(): IterableIterator<AlertStateEntry> {
    return this.states.values();
  }

  /** Alerts with no `close` record yet. */
  open(): AlertStateEntry[] {
    const out: AlertStateEntry[] = [];
    for (const e of this.states.values()) if (!e.closed) out.push(e);
    return out;
  }
}
