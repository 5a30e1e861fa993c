// In-memory alert log of the hub: the store/bus surface the WebSocket server needs, re-sequenced across many sites.
import { EventEmitter } from 'node:events';
import { QuietBandError } from '../errors.js';
import type { Alert } from '../server/protocol.js';

/** An alert as the hub holds and serves it: `seq` is the hub's own (monotonic across sites), `siteSeq` the site's. */
export type HubAlert = Alert & { siteSeq?: number };

/**
 * Alerts of every site in arrival order, hub seq 1..n. Implements what `startServer` reads from an AlertStore
 * (`lastSeq`, `size`, `readSince`) and from an AlertBus (`'alert'` events after a record is added, `ack`, `known`),
 * so the hub serves the same WebSocket protocol v1 as a site. Acks and "known" marks are hub-side records (the
 * sites are not told). In memory only: a restarted hub starts empty.
 */
export class HubLog extends EventEmitter<{ alert: [HubAlert] }> {
  private readonly records: HubAlert[] = [];
  private readonly latest = new Map<string, HubAlert>();

  /** Highest hub seq (0 when empty). */
  get lastSeq(): number {
    return this.records.length;
  }

  /** Records held. */
  get size(): number {
    return this.records.length;
  }

  /** Every record in hub seq order (do not mutate). */
  all(): readonly HubAlert[] {
    return this.records;
  }

  /** The latest record of every alert (do not mutate). */
  latestByAlert(): IterableIterator<HubAlert> {
    return this.latest.values();
  }

  /** Adds a record (its `seq` is replaced by the next hub seq), emits `'alert'`, returns it. */
  add(rec: Omit<HubAlert, 'seq'> & { seq?: number }): HubAlert {
    const r = { ...rec, seq: this.records.length + 1 } as HubAlert;
    this.records.push(r);
    this.latest.set(r.alertId, r);
    this.emit('alert', r);
    return r;
  }

  /** Records with hub seq > sinceSeq, up to the last one now (a snapshot). */
  async *readSince(sinceSeq: number): AsyncGenerator<HubAlert> {
    const end = this.records.length;
    for (let i = Math.max(0, Math.floor(sinceSeq)); i < end; i++) yield this.records[i]!;
  }

  /** Hub-side acknowledgement: a new record with event 'ack', state 'acknowledged'. @throws QuietBandError('BAD_INPUT') unknown alertId. */
  ack(alertId: string, by: string): Promise<HubAlert | undefined> {
    return this.mark(alertId, by, 'ack', 'acknowledged');
  }

  /** Hub-side "known emitter" mark (event 'known', severity 'info'). @throws QuietBandError('BAD_INPUT') unknown alertId. */
  known(alertId: string, by: string): Promise<HubAlert | undefined> {
    return this.mark(alertId, by, 'known', 'known');
  }

  private mark(alertId: string, by: string, event: 'ack' | 'known', state: 'acknowledged' | 'known'): Promise<HubAlert | undefined> {
    const last = this.latest.get(alertId);
    if (last === undefined) return Promise.reject(new QuietBandError(`unknown alertId ${alertId}`, 'BAD_INPUT'));
    const { siteSeq: _siteSeq, ...rest } = last;
    void _siteSeq;
    const rec = this.add({ ...rest, event, state, ...(event === 'known' ? { severity: 'info' as const } : {}), ackBy: by, time: new Date().toISOString() });
    return Promise.resolve(rec);
  }
}
