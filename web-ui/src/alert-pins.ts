// Unacknowledged alerts that lead the alert table: which alerts are pinned there, in which order, and when the table
// must be re-laid out because an alert was raised, ended or acknowledged.
import { alertRank, type AlertView } from './alert-model.js';

/** Pin offset of a live alert: above every ended one ({@link alertRank} is at most 5). */
const LIVE_PIN = 10;

/**
 * Where an unacknowledged, not informational alert is pinned (0: not pinned, it keeps its place newest first):
 * - live (not closed: a transmission on air, a fault still going on): {@link LIVE_PIN} + its rank (alert-fold.ts
 *   alertRank: raised high 15, high 14, raised low 13, low 12), so what happens now is never pushed down by ended alerts;
 * - ended and raised (Alert.severityRaise): its rank (raised high 5, raised low 3), below every live one;
 * - ended and not raised, acknowledged, known or info: 0.
 */
export function pinRank(v: Pick<AlertView, 'state' | 'severity' | 'severityRaise' | 'closed'>): number {
  if (v.state !== 'new' || v.severity === 'info') return 0;
  if (!v.closed) return LIVE_PIN + alertRank(v);
  return v.severityRaise !== undefined ? alertRank(v) : 0;
}

/** The pinned alerts of the table's last layout, and that layout's order. */
export class AlertPins {
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

  /** True when `v`'s pin differs from the last layout's (raised, ended or acknowledged): it moves within / from the top. */
  moved(alertId: string, v: AlertView | undefined): boolean {
    return (v === undefined ? 0 : pinRank(v)) !== (this.pinned.get(alertId) ?? 0);
  }

  /** Forgets every pin (the table was cleared). */
  clear(): void {
    this.pinned.clear();
  }
}
