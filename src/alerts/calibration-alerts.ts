// Present-during-calibration alerts: an emitter that was on while a baseline was learned, raised once per baseline.
import { createHash } from 'node:crypto';
import type { Alert, CalibrationAlertInfo } from './alert.js';
import type { AlertDraft } from './alert-store.js';
import { isoTime, type AlertWriter } from './alert-writer.js';

/**
 * The alertId of the `present-during-calibration` alert of one emitter of one baseline: `<site>-cal-<hash>`, the
 * first 16 hex digits of SHA-256 over sensor, baseline `createdAt` and the emitter's centre (Hz, rounded).
 */
export function calibrationAlertId(site: string, sensor: string, info: Pick<CalibrationAlertInfo, 'baselineCreatedAt' | 'emitter'>): string {
  const key = `${sensor}\u0000${info.baselineCreatedAt}\u0000${Math.round(info.emitter.centerHz)}`;
  return `${site}-cal-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * Stores the `open` and `close` records of one emitter a baseline heard (AlertBus.raiseCalibrationEmitter has the
 * rule), unless alert `alertId` is already stored or queued (resolves undefined then).
 * @returns the open record, once the close is stored too.
 */
export async function raiseCalibrationEmitter(writer: AlertWriter, now: () => number, alertId: string, sensor: string, info: CalibrationAlertInfo, knownLabel?: string): Promise<Alert | undefined> {
  if (writer.stateOf(alertId) !== undefined) return undefined;
  const e = info.emitter;
  const endMs = Date.parse(info.baselineCreatedAt);
  const nowIso = isoTime(now());
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
    ...(Number.isFinite(endMs) ? { startTime: isoTime(endMs - info.baselineDurationS * 1000), endTime: info.baselineCreatedAt } : {}),
    ...(known ? { knownLabel } : {}),
  };
  const opened = writer.write({ ...base, calibration: { ...info, emitter: { ...e, centerHz: Math.round(e.centerHz), lowHz: Math.round(e.lowHz), highHz: Math.round(e.highHz), bandwidthHz: Math.round(e.bandwidthHz) } } }).done;
  opened.catch(() => undefined); // the close below rejects too and reports it
  const close: AlertDraft = { alertId, sensor, kind: base.kind, event: 'close', state: base.state, severity: base.severity, time: nowIso };
  if (base.endTime !== undefined) close.endTime = base.endTime;
  await writer.write(close).done;
  return opened;
}
