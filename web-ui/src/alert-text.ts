// Wording of an alert's state that depends on its kind and the site's timetable (shared by the table and the detail).
import type { AlertView } from './alert-model.js';
import { t } from './i18n.js';

/** On-air / ended for a transmission or a heard emitter; ongoing / resolved for a fault (an offline sensor is not "on air"). */
export function liveText(v: Pick<AlertView, 'kind' | 'closed'>): string {
  if (v.kind === 'transmission' || v.kind === 'present-during-calibration') return v.closed ? t('alert.closed') : t('alert.open');
  return v.closed ? t('alert.resolved') : t('alert.ongoing');
}

/**
 * Severity in words, consistent with the timetable and the reason the daemon gave it: 'high' names the alert's session
 * when it has one; without a timetable the time of day lowers no alert and the wording says so (not "exam in
 * session"); otherwise plain 'high'. 'low' of an emitter the calibration heard (a present-during-calibration alert is
 * low by design, src/alerts/alert-bus.ts raiseCalibrationEmitter) says so, not "outside exam sessions".
 */
export function severityText(v: Pick<AlertView, 'severity' | 'session' | 'kind'>, scheduled: boolean | null): string {
  if (v.severity === 'low' && v.kind === 'present-during-calibration') return t('severity.lowCalibration');
  if (v.severity !== 'high') return t(`severity.${v.severity}`);
  if (v.session !== undefined) return t('severity.highSession', { name: v.session });
  return scheduled === false ? t('severity.highAlways') : t('severity.high');
}
