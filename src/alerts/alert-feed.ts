// The seam between whatever raises and stores alerts and whatever serves them to people (src/server/, the hub).
import type { Alert } from './alert.js';

/**
 * The stored side of an alert feed: every record so far, in seq order. A reader (the WebSocket server's resume, the
 * `/api/alerts` route, `/healthz`) replays from it. {@link AlertStore} of a site implements it; so does the hub's log.
 */
export interface AlertFeedHistory {
  /** Highest seq a reader can get from {@link readSince} now (0 before the first record). */
  readonly lastSeq: number;
  /**
   * Every record with seq > `sinceSeq`, in seq order, up to at least the `lastSeq` of the moment of the call. Records
   * stored while the iteration runs may or may not be included (a reader that also listens to `'alert'` de-duplicates
   * by seq).
   * @throws (the iterator rejects) when the records cannot be read, e.g. QuietBandError('IO').
   */
  readSince(sinceSeq: number): AsyncIterable<Alert>;
}

/**
 * The live side of an alert feed: each new record as an `'alert'` event (once, in seq order, after it is readable
 * through {@link AlertFeedHistory.readSince}), and the three actions a supervisor takes on an alert. Each action stores
 * a new record (which then arrives as an `'alert'` event like any other) and resolves with it, or with undefined when
 * the alert is already in the asked state (nothing stored). {@link AlertBus} of a site implements it; so does the hub's log.
 */
export interface AlertFeedLive {
  on(event: 'alert', listener: (alert: Alert) => void): unknown;
  off(event: 'alert', listener: (alert: Alert) => void): unknown;
  /** State → 'acknowledged', `ackBy` = `by`. @throws (rejects) QuietBandError('BAD_INPUT') for an unknown alertId. */
  ack(alertId: string, by: string): Promise<Alert | undefined>;
  /** State → 'known' (severity 'info'), `knownLabel` = `label` when given. @throws (rejects) QuietBandError('BAD_INPUT') for an unknown alertId. */
  known(alertId: string, by: string, label?: string): Promise<Alert | undefined>;
  /** Severity → 'high', state → 'new'. @throws (rejects) QuietBandError('BAD_INPUT') for an unknown alertId. */
  escalate(alertId: string, by: string): Promise<Alert | undefined>;
}

/**
 * A whole alert feed in one object: the stored records and the live events and actions (docs/architecture.md "Alert
 * feed"). The WebSocket server takes the two halves as `store` and `bus` (ServerOptions in src/server/server-options.ts)
 * because a site keeps them in two objects (AlertStore persists, AlertBus decides the lifecycle); the hub's log is
 * both and passes itself as each.
 */
export interface AlertFeed extends AlertFeedHistory, AlertFeedLive {}
