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

/**
 * The sensor cell of a group row: how many sensors heard the transmission, counted once each however many alerts one
 * of them gave ("2 sensors" for three alerts of two sensors, "2 个传感器"), or the sensor's name when only one did;
 * `title` names them in order of their first alert, with "×n" after one that gave n alerts ("hall-c ×2, hall-d").
 */
export function groupSensorsText(members: readonly Pick<AlertView, 'sensor'>[]): { text: string; title: string } {
  const alerts = new Map<string, number>();
  for (const m of members) alerts.set(m.sensor, (alerts.get(m.sensor) ?? 0) + 1);
  const title = [...alerts].map(([s, n]) => (n > 1 ? `${s} ×${n}` : s)).join(', ');
  return { text: alerts.size === 1 ? [...alerts.keys()][0]! : t('group.sensors', { n: alerts.size }), title };
}

/**
 * The clip line's note when its pre-roll came short (`quietband:pre_roll`, docs/clip-decimation.md): how many seconds
 * (`keptS`, `askedS`) it holds before the transmission, two decimals, or that it holds none when `keptS` rounds to 0.00.
 */
export function preRollShortText(keptS: number, askedS: number): string {
  const asked = askedS.toFixed(2);
  return keptS < 0.005 ? t('detail.clipPreRollNone', { asked }) : t('detail.clipPreRollShort', { kept: keptS.toFixed(2), asked });
}
