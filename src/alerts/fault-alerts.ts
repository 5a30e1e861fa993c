// Sensor-fault alerts: a sensor that stopped delivering or overloads, a site gone quiet; one open alert per sensor and kind.
import type { Alert, AlertKind, AlertMessageCode, AlertSeverity } from './alert.js';
import type { SeverityContext } from './alert-context.js';
import type { AlertDraft } from './alert-store.js';
import { isoTime, type AlertWriter } from './alert-writer.js';

/** Sensor-fault alert kinds raised with AlertBus.raiseSensorAlert. */
export type SensorAlertKind = Exclude<AlertKind, 'transmission' | 'present-during-calibration'>;

/**
 * The open sensor-fault alerts, at most one per sensor + kind: {@link raise} opens one (a repeat while it is open is a
 * no-op), {@link clear} closes it.
 */
export class FaultAlerts {
  /** alertId of the open alert per sensor + kind. */
  private readonly open = new Map<string, string>();
  /** Latest message written per open alertId (an update repeating it is not written). */
  private readonly lastMessage = new Map<string, string>();

  constructor(
    private readonly writer: AlertWriter,
    private readonly severityFor: (ctx: SeverityContext) => AlertSeverity,
    private readonly now: () => number,
  ) {}

  private static key(sensor: string, kind: SensorAlertKind): string {
    return `${sensor}\u0000${kind}`;
  }

  /** See AlertBus.raiseSensorAlert. Resolves undefined while one of that sensor + kind is open. */
  raise(sensor: string, kind: SensorAlertKind, message: string, code?: AlertMessageCode): Promise<Alert | undefined> {
    try {
      const key = FaultAlerts.key(sensor, kind);
      if (this.open.has(key)) return Promise.resolve(undefined);
      const severity = this.severityFor({ sensor, kind });
      const w = this.writer.write({ sensor, kind, event: 'open', state: 'new', severity, time: isoTime(this.now()), message, ...(code !== undefined ? { messageCode: code } : {}) });
      this.open.set(key, w.alertId);
      this.lastMessage.set(w.alertId, message);
      w.done.catch(() => {
        if (this.open.get(key) === w.alertId) this.open.delete(key);
        this.lastMessage.delete(w.alertId);
      });
      return w.done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * See AlertBus.updateSensorAlert: an `update` record carrying `message` and `code` on the open alert of that sensor +
   * kind; resolves undefined (nothing written) when none is open or its latest text is already `message`.
   */
  update(sensor: string, kind: SensorAlertKind, message: string, code?: AlertMessageCode): Promise<Alert | undefined> {
    try {
      const key = FaultAlerts.key(sensor, kind);
      const alertId = this.open.get(key);
      if (alertId === undefined || this.lastMessage.get(alertId) === message) return Promise.resolve(undefined);
      this.lastMessage.set(alertId, message);
      const { state, severity } = this.writer.currentState(alertId);
      const draft: AlertDraft = { alertId, sensor, kind, event: 'update', state, severity, time: isoTime(this.now()), message };
      if (code !== undefined) draft.messageCode = code;
      return this.writer.write(draft).done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** See AlertBus.clearSensorAlert. Resolves undefined when none of that sensor + kind is open. */
  clear(sensor: string, kind: SensorAlertKind, message?: string, code?: AlertMessageCode): Promise<Alert | undefined> {
    try {
      const key = FaultAlerts.key(sensor, kind);
      const alertId = this.open.get(key);
      if (alertId === undefined) return Promise.resolve(undefined);
      this.open.delete(key);
      this.lastMessage.delete(alertId);
      const { state, severity } = this.writer.currentState(alertId);
      const draft: AlertDraft = { alertId, sensor, kind, event: 'close', state, severity, time: isoTime(this.now()) };
      if (message !== undefined) draft.message = message;
      if (code !== undefined) draft.messageCode = code;
      return this.writer.write(draft).done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** True when `alertId` is an open sensor-fault alert of this run. */
  isTracked(alertId: string): boolean {
    for (const id of this.open.values()) if (id === alertId) return true;
    return false;
  }
}
