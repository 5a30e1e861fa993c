// Alert log of the hub: an AlertFeed (what the WebSocket server serves), re-sequenced across sites, kept in a JSONL file.
import { EventEmitter } from 'node:events';
import { DATA_DIR_MODE, DATA_FILE_MODE } from '../file-modes.js';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import type { Alert } from '../alerts/alert.js';
import type { AlertFeed } from '../alerts/alert-feed.js';
import { makeFolder } from '../make-folder.js';

/**
 * An alert as the hub holds and serves it: `seq` is the hub's own (monotonic across sites), `siteSeq` the site's.
 * `siteEpoch` (≥ 1) marks records of a site whose alert store restarted its numbering (data dir replaced or wiped):
 * their `alertId` and `groupId` then carry the suffix `~<siteEpoch>` at the hub, so they never merge with the older
 * alerts of the same site seq.
 */
export type HubAlert = Alert & { siteSeq?: number; siteEpoch?: number };

/** File of the hub's alert history inside its data dir (one {@link HubAlert} per line). */
export const HUB_ALERTS_FILE = 'hub-alerts.jsonl';

/** Options of {@link HubLog.open}. */
export interface HubLogOptions {
  /** Folder of {@link HUB_ALERTS_FILE}; created when missing. Absent: in memory only (a restarted hub starts empty). */
  dataDir?: string;
  /** `fdatasync` each batch before it counts as stored. Default true. */
  fsync?: boolean;
  logger?: Logger;
}

interface Pending {
  rec: HubAlert;
  resolve: (r: HubAlert) => void;
}

/**
 * Alerts of every site in arrival order, hub seq 1..n. An {@link AlertFeed} (src/alerts/alert-feed.ts): the stored
 * side (`lastSeq`, `readSince`) and the live side (`'alert'` events after a record is stored, `ack`, `known`,
 * `escalate`), so the hub serves the same WebSocket protocol v1 as a site, passing itself as the server's `store` and `bus`. Acks and "known" marks are hub-side records (the sites
 * are not told); they carry `ackBy` and `time`, and are stored like any other record.
 *
 * Durability (with `dataDir`): {@link add} assigns the seq at once and queues the record; a write loop appends queued
 * records to `<dataDir>/hub-alerts.jsonl` in batches (one write + fdatasync per batch, group commit as in AlertStore);
 * only then are they counted in `lastSeq`/`readSince` and emitted as `'alert'`. {@link drain} resolves when everything
 * queued so far is stored: the hub sends an MQTT PUBACK only after it, so a hub killed mid-write gets the message
 * again from the broker. On open the file is read whole (the hub keeps its history in memory anyway): a torn last line
 * (crash mid-write) is truncated, an unreadable or out-of-order complete line is skipped with a warning. A failed write
 * is logged and counted in {@link writeErrors}; its records stay in memory (served, not durable).
 */
export class HubLog extends EventEmitter<{ alert: [HubAlert] }> implements AlertFeed {
  private readonly records: HubAlert[] = [];
  private readonly latest = new Map<string, HubAlert>();
  private readonly log: Logger;
  private readonly file: string | null;
  private readonly doFsync: boolean;
  private handle: FileHandle | null = null;
  private committedBytes = 0;
  /** Records [0, committed) are stored (or given up on) and emitted. */
  private committed = 0;
  private nextSeq = 1;
  private pending: Pending[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** True while the write loop runs; cleared in the same synchronous step that sees an empty queue. */
  private loopRunning = false;
  private closed = false;
  /** Lines skipped when the file was read (unparsable or out of order). */
  skippedLines = 0;
  /** Bytes of a torn last line truncated on open. */
  truncatedBytes = 0;
  /** Batches whose write or fsync failed. */
  writeErrors = 0;

  /** Use {@link HubLog.open} for a file-backed log; `new HubLog()` is in memory only. */
  constructor(opts: Omit<HubLogOptions, 'dataDir'> & { file?: string } = {}) {
    super();
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'hub-log' });
    this.file = opts.file ?? null;
    this.doFsync = opts.fsync ?? true;
  }

  /**
   * Opens the hub's history in `opts.dataDir` (reads every stored record; new ones are appended), or an in-memory log
   * without `dataDir`.
   * @throws QuietBandError('IO') when the folder or file cannot be used.
   */
  static async open(opts: HubLogOptions = {}): Promise<HubLog> {
    if (opts.dataDir === undefined) return new HubLog(opts);
    const file = resolve(join(opts.dataDir, HUB_ALERTS_FILE));
    const hl = new HubLog({ ...opts, file });
    try {
      await makeFolder(opts.dataDir, DATA_DIR_MODE);
      await hl.load(file);
      hl.handle = await fsp.open(file, 'a', DATA_FILE_MODE);
    } catch (err) {
      throw new QuietBandError(`hub: cannot use the alert history ${file}: ${(err as Error).message}. Check that --data-dir is writable.`, 'IO', { cause: err });
    }
    hl.log.info({ file, records: hl.records.length, lastSeq: hl.lastSeq }, 'hub alert history opened');
    return hl;
  }

  private async load(file: string): Promise<void> {
    let buf: Buffer;
    try {
      buf = await fsp.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let from = 0;
    while (from < buf.length) {
      const nl = buf.indexOf(10, from);
      if (nl < 0) {
        this.truncatedBytes = buf.length - from;
        this.log.warn({ file, offset: from, bytes: this.truncatedBytes }, 'hub alert history: torn last line (crash during a write) truncated');
        await fsp.truncate(file, from);
        break;
      }
      const text = buf.toString('utf8', from, nl);
      from = nl + 1;
      if (text.length === 0) continue;
      let r: HubAlert | undefined;
      try {
        const v = JSON.parse(text) as Partial<HubAlert>;
        if (typeof v.seq === 'number' && Number.isSafeInteger(v.seq) && v.seq >= this.nextSeq && typeof v.alertId === 'string' && typeof v.event === 'string' && typeof v.site === 'string') r = v as HubAlert;
      } catch {
        // counted below
      }
      if (r === undefined) {
        this.skippedLines++;
        this.log.warn({ file, preview: text.slice(0, 80) }, 'hub alert history: skipping an unreadable or out-of-order line');
        continue;
      }
      this.records.push(r);
      this.latest.set(r.alertId, r);
      this.nextSeq = r.seq + 1;
    }
    this.committed = this.records.length;
    this.committedBytes = from;
  }

  /** Highest stored hub seq (0 when empty). */
  get lastSeq(): number {
    return this.committed === 0 ? 0 : this.records[this.committed - 1]!.seq;
  }

  /** Records stored. */
  get size(): number {
    return this.committed;
  }

  /** Every record (stored or queued) in hub seq order (do not mutate). */
  all(): readonly HubAlert[] {
    return this.records;
  }

  /** The latest record of every alert, stored or queued (do not mutate). */
  latestByAlert(): IterableIterator<HubAlert> {
    return this.latest.values();
  }

  /**
   * Adds a record (its `seq` is replaced by the next hub seq) and returns it at once; it is written, counted and emitted
   * as `'alert'` once stored. @throws QuietBandError('IO') after {@link close}.
   */
  add(rec: Omit<HubAlert, 'seq'> & { seq?: number }): HubAlert {
    return this.enqueue(rec).rec;
  }

  /** As {@link add}; `stored` resolves with the record once it is on disk (or given up on after a write error). */
  enqueue(rec: Omit<HubAlert, 'seq'> & { seq?: number }): { rec: HubAlert; stored: Promise<HubAlert> } {
    if (this.closed) throw new QuietBandError('hub alert history is closed', 'IO');
    const r = { ...rec, seq: this.nextSeq++ } as HubAlert;
    this.records.push(r);
    this.latest.set(r.alertId, r);
    let done!: (x: HubAlert) => void;
    const stored = new Promise<HubAlert>((res) => (done = res));
    this.pending.push({ rec: r, resolve: done });
    if (!this.loopRunning) {
      this.loopRunning = true;
      this.writing = this.writeLoop();
    }
    return { rec: r, stored };
  }

  private async writeLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 512);
      if (this.handle !== null) {
        const buf = Buffer.from(batch.map((p) => JSON.stringify(p.rec)).join('\n') + '\n', 'utf8');
        try {
          let off = 0;
          while (off < buf.length) off += (await this.handle.write(buf, off, buf.length - off)).bytesWritten;
          if (this.doFsync) await this.handle.datasync();
          this.committedBytes += buf.length;
        } catch (err) {
          this.writeErrors++;
          this.log.error({ err, file: this.file, records: batch.length }, 'hub alert history: write failed; these records are kept in memory only');
          await this.handle.truncate(this.committedBytes).catch(() => undefined);
        }
      }
      for (const p of batch) {
        this.committed++;
        this.emit('alert', p.rec);
        p.resolve(p.rec);
      }
    }
    this.loopRunning = false;
  }

  /** Resolves once every record added so far is stored (and emitted). */
  async drain(): Promise<void> {
    while (this.loopRunning) await this.writing;
  }

  /** Records with hub seq > sinceSeq, up to the last stored one now (a snapshot). */
  async *readSince(sinceSeq: number): AsyncGenerator<HubAlert> {
    const end = this.committed;
    let lo = 0;
    let hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.records[mid]!.seq > sinceSeq) hi = mid;
      else lo = mid + 1;
    }
    for (let i = lo; i < end; i++) yield this.records[i]!;
  }

  /** Hub-side acknowledgement: a new record with event 'ack', state 'acknowledged', `ackBy`. Resolves once stored. @throws QuietBandError('BAD_INPUT') unknown alertId. */
  ack(alertId: string, by: string): Promise<HubAlert | undefined> {
    return this.mark(alertId, by, 'ack', 'acknowledged');
  }

  /** Hub-side "known emitter" mark (event 'known', severity 'info'). Resolves once stored. @throws QuietBandError('BAD_INPUT') unknown alertId. */
  known(alertId: string, by: string): Promise<HubAlert | undefined> {
    return this.mark(alertId, by, 'known', 'known');
  }

  /** Waits for queued records, then closes the file. Later adds throw. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain();
    this.closed = true;
    const h = this.handle;
    this.handle = null;
    await h?.close();
  }

  /** Hub-side escalation (event 'escalate', state 'new', severity 'high'). Resolves once stored. @throws QuietBandError('BAD_INPUT') unknown alertId. */
  escalate(alertId: string, by: string): Promise<HubAlert | undefined> {
    return this.mark(alertId, by, 'escalate', 'new');
  }

  private mark(alertId: string, by: string, event: 'ack' | 'known' | 'escalate', state: 'acknowledged' | 'known' | 'new'): Promise<HubAlert | undefined> {
    const last = this.latest.get(alertId);
    if (last === undefined) return Promise.reject(new QuietBandError(`unknown alertId ${alertId}`, 'BAD_INPUT'));
    const { siteSeq: _siteSeq, seq: _seq, ...rest } = last;
    void _siteSeq;
    void _seq;
    try {
      return this.enqueue({ ...rest, event, state, ...(event === 'known' ? { severity: 'info' as const } : event === 'escalate' ? { severity: 'high' as const } : {}), ackBy: by, time: new Date().toISOString() }).stored;
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
