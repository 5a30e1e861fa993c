// Raised unacknowledged alerts lead the alert table: which alerts are pinned there, in which order, and when the
// table must be re-laid out because an alert was raised or acknowledged.
import { alertRank, type AlertView } from './alert-model.js';

/**
 * Where a raised alert still waiting for a supervisor is pinned: its rank (src/alerts/alert-fold.ts alertRank: a raised
 * high 5, a raised low 3) while it is unacknowledged, not informational and raised (Alert.severityRaise); 0 for every
 * other alert, which keeps its place newest first.
 */
export function pinRank(v: Pick<AlertView, 'state' | 'severity' | 'severityRaise'>): number {
  return v.state === 'new' && v.severity !== 'info' && v.severityRaise !== undefined ? alertRank(v) : 0;
}

/** The pinned alerts of the table's last layout, and that layout's order. */
export class RaisedPins {
  /** alertId → its {@link pinRank} at the last layout (pinned alerts only). */
  private pinned = new Map<string, number>();

  /**
   * `entries` (newest first; an entry is one alert or a group of them, `alertsOf`) with the pinned ones first: highest
   * pin rank of their alerts first, newest first within a rank; the rest after them in their order. Remembers the pins.
   */
  order<E>(entries: readonly E[], alertsOf: (e: E) => readonly AlertView[]): E[] {
    this.pinned = new Map();
    const pins = entries.map((e) => {
      let best = 0;
      for (const v of alertsOf(e)) {
        const p = pinRank(v);
        if (p > 0) this.pinned.set(v.alertId, p);
        best = Math.max(best, p);
      }
      return best;
    });
    if (this.pinned.size === 0) return [...entries];
    // stable: Array.prototype.sort keeps the newest-first order of equal pins
    return entries.map((_, i) => i).sort((a, b) => pins[b]! - pins[a]!).map((i) => entries[i]!);
  }

  /** True when `v`'s pin differs from the last layout's (raised, or acknowledged): it moves to / from the top. */
  moved(alertId: string, v: AlertView | undefined): boolean {
    return (v === undefined ? 0 : pinRank(v)) !== (this.pinned.get(alertId) ?? 0);
  }

  /** Forgets every pin (the table was cleared). */
  clear(): void {
    this.pinned.clear();
  }
}
