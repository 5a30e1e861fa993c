// Folding alert records into an alert: every record of one alertId, in seq order, gives the alert's current state.
// Pure (no I/O, type imports only): the alert store (alert-store.ts) and the browser's alert list
// (web-ui/src/alert-model.ts) fold with these same functions.
import type { Alert } from './alert.js';

/**
 * What every folded view of an alert holds: who raised it and what it is, its current state and severity (the latest
 * record's), the seq of its first and latest record, what its latest record changed, and whether it was closed.
 */
export interface AlertStateCore {
  alertId: string;
  site: string;
  sensor: string;
  kind: Alert['kind'];
  state: Alert['state'];
  severity: Alert['severity'];
  /** Why it ranks above the others of its severity: the raise of the latest record carrying a `signal` (Alert.severityRaise). */
  severityRaise?: Alert['severityRaise'];
  /** True once a `close` record was folded in. */
  closed: boolean;
  /** `seq` of the first record of this alert. */ openSeq: number;
  /** `seq` of the latest record of this alert. */ lastSeq: number;
  lastEvent: Alert['event'];
}

/** The state of an alert from the first of its records seen (fold that record in too, with {@link foldInOrder}). */
export function openAlertState(rec: Alert): AlertStateCore {
  // severityRaise: set by foldInOrder from the record's signal
  return {
    alertId: rec.alertId,
    site: rec.site,
    sensor: rec.sensor,
    kind: rec.kind,
    state: rec.state,
    severity: rec.severity,
    closed: false,
    openSeq: rec.seq,
    lastSeq: rec.seq,
    lastEvent: rec.event,
  };
}

/**
 * Folds in a record with a seq above every one folded so far: its state, severity, seq and event become the alert's;
 * one carrying a `signal` sets the severity raise (its `severityRaise`, none when absent); a `close` closes it (for
 * good: a later record does not reopen it).
 */
export function foldInOrder(s: AlertStateCore, rec: Alert): void {
  s.state = rec.state;
  s.severity = rec.severity;
  if (rec.signal !== undefined) {
    if (rec.severityRaise !== undefined) s.severityRaise = rec.severityRaise;
    else delete s.severityRaise;
  }
  s.lastSeq = rec.seq;
  s.lastEvent = rec.event;
  if (rec.event === 'close') s.closed = true;
}
