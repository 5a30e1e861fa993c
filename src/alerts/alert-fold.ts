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

/**
 * Rank of an alert for ordering (higher first): severity first (high 4, low 2, info 0), one more when raised
 * (Alert.severityRaise, src/alerts/severity-raise.ts). A raised alert thus ranks above every other alert of its
 * severity, never above a higher severity: outside exam sessions a raised alert stays below an in-session one.
 */
export function alertRank(a: Pick<AlertStateCore, 'severity' | 'severityRaise'>): number {
  const base = a.severity === 'high' ? 4 : a.severity === 'low' ? 2 : 0;
  return base + (a.severityRaise !== undefined && a.severity !== 'info' ? 1 : 0);
}
