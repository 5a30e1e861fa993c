// Session arming: when an exam session starts, open transmission alerts raised outside a session become 'high'.
import type { Logger } from 'pino';
import type { Alert, AlertSeverity, AlertState } from './alert.js';
import type { TransmissionAlerts } from './alert-lifecycle.js';

/**
 * Raises the open transmission alerts of severity 'low' to 'high' for `session` (AlertBus.armOpenAlerts has the
 * rule): each gets an `update` record now (not throttled; a throttled update waiting for it is written as this record)
 * carrying `session`, which its later records keep. Left alone: known alerts, ones already 'high', and ones whose
 * latest detection is overload-flagged (possible intermodulation stays 'low').
 * @param stateOf the alert's current state (AlertBus.stateOf: counting records not yet stored).
 * @returns the records' promises, in open order.
 * @throws QuietBandError('IO') synchronously when the bus is closed.
 */
export function armOpenTransmissions(alerts: TransmissionAlerts, stateOf: (alertId: string) => { state: AlertState; severity: AlertSeverity } | undefined, session: string, nowMs: number, log: Logger): Promise<Alert>[] {
  const ps: Promise<Alert>[] = [];
  for (const t of alerts.openTracks()) {
    const s = stateOf(t.alertId);
    if (s === undefined || s.state === 'known' || s.severity !== 'low') continue;
    const pend = t.pending;
    const ev = pend?.ev ?? t.lastEv;
    if (ev.overload) continue;
    alerts.cancelWaiting(t);
    t.session = session;
    log.info({ alertId: t.alertId, sensor: t.sensor, centerHz: ev.centerHz, session }, 'open alert raised to high: session started');
    ps.push(alerts.writeUpdate(t, { ...ev, kind: 'update', paths: [...ev.paths] }, pend?.ctx ?? t.lastCtx, nowMs, 'high'));
  }
  return ps;
}
