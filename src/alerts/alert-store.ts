// Append-only JSONL alert store: per-site monotonic seq, fsync before resolve, torn-tail recovery, resume reads.
import { createReadStream, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import type { Alert, AlertKind, AlertSeverity, AlertState } from '../server/protocol.js';

/** File name of the store inside the data dir. */
export const ALERTS_FILE = 'alerts.jsonl';

/**
 * What a caller hands to {@link AlertStore.append}: an {@link Alert} without `seq` and `site` (the store assigns
 * both). `alertId` may be left out on `open` records: the store then assigns `"<site>-<seq>"`.
 */
export type AlertDraft = Omit<Alert, 'seq' | 'site' | 'alertId'> & { alertId?: string };

/** Options of {@link AlertStore.open}. */
export interface AlertStoreOptions {
  /** Folder that holds `alerts.jsonl`; created (recursively) when missing. */
  dataDir: string;
  /** Site name written into every record (`Alert.site`). */
  site: string;
  /** pino logger; the store logs through `logger.child({ component: 'alert-store' })`. Default: silent. */
  logger?: Logger;
  /** Most recent records kept in memory so that a resume near the head never touches the disk. Default 4096. */
  recentCapacity?: number;
  /** Sparse file index density: the byte offset of one record in every `indexEvery` is remembered. Default 1024. */
  indexEvery?: number;
  /** `fdatasync` every batch before resolving. Default true; only throughput experiments should turn it off. */
  fsync?: boolean;
  /** Most records written in one write + fsync (group commit). Default 512. */
  maxBatch?: number;
}

/** Current state of one alert (all records sharing an `alertId`), rebuilt from the file on open. */
export interface AlertStateEntry {
  alertId: string;
  site: string;
  sensor: string;
  kind: AlertKind;
  state: AlertState;
  severity: AlertSeverity;
  /** True once a `close` record was stored. */
  closed: boolean;
  /** `seq` of the first record of this alert. */
  openSeq: number;
  /** `seq` of the latest record of this alert. */
  lastSeq: number;
  lastEvent: Alert['event'];
  /** Who acknowledged / marked it known, from the latest `ack`/`known` record. */
  ackBy?: string;
}

/** Result of {@link AlertStore.enqueue}: the seq and alertId are known at once, the record is durable when `done` resolves. */
export interface EnqueuedAlert {
  seq: number;
  alertId: string;
  /** Resolves with the stored record after it was written and fsynced; rejects with `QuietBandError('IO')`. */
  done: Promise<Alert>;
}

interface PendingWrite {
  record: Alert;
  resolve: (a: Alert) => void;
  reject: (e: unknown) => void;
}

interface IndexMark {
  seq: number;
  offset: number;
}

interface ScannedLine {
  text: string;
  /** Byte offset of the first byte of the line. */
  start: number;
  /** False for a last line without a trailing `\n` (a torn write). */
  terminated: boolean;
}

/**
 * Splits the byte range [start, endExclusive) of a file into lines without loading it whole
 * (64 KiB chunks; a partial line is carried into the next chunk).
 */
async function* scanLines(file: string, start: number, endExclusive: number): AsyncGenerator<ScannedLine> {
  if (endExclusive <= start) return;
  const stream = createReadStream(file, { start, end: endExclusive - 1, highWaterMark: 64 * 1024 });
  let carry: Buffer | null = null;
  let carryStart = start;
  let pos = start;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf: Buffer = carry !== null ? Buffer.concat([carry, chunk]) : chunk;
    const bufStart = carry !== null ? carryStart : pos;
    pos += chunk.length;
    let from = 0;
    for (;;) {
      const nl = buf.indexOf(10, from);
      if (nl < 0) break;
      yield { text: buf.toString('utf8', from, nl), start: bufStart + from, terminated: true };
      from = nl + 1;
    }
    carry = from < buf.length ? buf.subarray(from) : null;
    carryStart = bufStart + from;
  }
  if (carry !== null && carry.length > 0) yield { text: carry.toString('utf8'), start: carryStart, terminated: false };
}

/** Parses one stored line; returns undefined for anything that is not a plausible alert record. */
function parseRecord(text: string): Alert | undefined {
  if (text.length === 0) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Partial<Alert>;
  if (typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq < 1) return undefined;
  if (typeof r.alertId !== 'string' || typeof r.event !== 'string' || typeof r.state !== 'string') return undefined;
  return r as Alert;
}

/**
 * Durable, append-only alert log at `<dataDir>/alerts.jsonl`, one JSON {@link Alert} per line.
 *
 * - `seq` is monotonic per site (per data dir), starts at 1, survives restarts (the file is scanned on open) and is
 *   never reused while the process runs (a failed write leaves a gap; after a restart numbering continues at the last
 *   stored seq + 1, so unstored seqs — never broadcast — may be reused then).
 * - {@link append} resolves only after the record was written and `fdatasync`ed. Appends are serialised through one
 *   queue and written in batches (group commit), so seq order = call order = file order.
 * - A torn last line (crash mid-write: no trailing newline) is truncated away on open with a warning; a complete but
 *   unparsable line is skipped with a warning (never truncated: later records stay readable).
 * - {@link readSince} streams records for resume from memory (recent records) or from the file (sparse byte index),
 *   never loading the whole file.
 * - The per-alert state map ({@link stateOf}) holds one small entry per alertId ever stored (~200 B each).
 */
export class AlertStore {
  /** Site written into every record. */
  readonly site: string;
  /** Absolute path of the JSONL file. */
  readonly file: string;
  private readonly log: Logger;
  private readonly recentCapacity: number;
  private readonly indexEvery: number;
  private readonly doFsync: boolean;
  private readonly maxBatch: number;
  private handle: FileHandle | null = null;
  private committedSeq = 0;
  private nextSeq = 1;
  private committedBytes = 0;
  private recordCount = 0;
  private recent: Alert[] = [];
  private readonly index: IndexMark[] = [];
  private readonly states = new Map<string, AlertStateEntry>();
  private pending: PendingWrite[] = [];
  /** True while the write loop runs; cleared synchronously when it sees an empty queue (no lost wake-up). */
  private writing = false;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Lines skipped on open because they did not parse (complete lines only). */
  skippedLines = 0;
  /** Bytes truncated on open from a torn last line (0 when the file ended cleanly). */
  truncatedBytes = 0;

  private constructor(opts: AlertStoreOptions) {
    this.site = opts.site;
    this.file = path.resolve(opts.dataDir, ALERTS_FILE);
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'alert-store' });
    this.recentCapacity = Math.max(1, opts.recentCapacity ?? 4096);
    this.indexEvery = Math.max(1, opts.indexEvery ?? 1024);
    this.doFsync = opts.fsync ?? true;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 512);
  }

  /**
   * Opens (or creates) the store in `opts.dataDir`: scans the file for the last seq and the state of every alert,
   * truncates a torn last line (warning logged), then opens the file for appending.
   * @throws QuietBandError('CONFIG') when `site` is empty; QuietBandError('IO') when the dir/file cannot be used.
   */
  static async open(opts: AlertStoreOptions): Promise<AlertStore> {
    if (typeof opts.site !== 'string' || opts.site.length === 0) {
      throw new QuietBandError('alert store: site: expected a non-empty site name', 'CONFIG');
    }
    const store = new AlertStore(opts);
    try {
      await fsp.mkdir(path.dirname(store.file), { recursive: true });
      await store.scan();
      const created = store.committedBytes === 0;
      store.handle = await fsp.open(store.file, 'a', 0o644);
      if (created && store.doFsync) await AlertStore.fsyncDir(path.dirname(store.file));
    } catch (err) {
      if (err instanceof QuietBandError) throw err;
      throw new QuietBandError(
        `alert store: cannot open ${store.file}: ${(err as Error).message}. Check that the data dir exists and is writable.`,
        'IO',
        { cause: err },
      );
    }
    store.log.info({ file: store.file, lastSeq: store.committedSeq, records: store.recordCount }, 'alert store opened');
    return store;
  }

  private static async fsyncDir(dir: string): Promise<void> {
    let h: FileHandle | undefined;
    try {
      h = await fsp.open(dir, 'r');
      await h.sync();
    } catch {
      // Some filesystems refuse fsync on a directory; the file's own fsync still holds its data.
    } finally {
      await h?.close();
    }
  }

  /** Reads the whole file once (streamed) to rebuild seq, index, recent records and states. */
  private async scan(): Promise<void> {
    let size: number;
    try {
      size = (await fsp.stat(this.file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let tornAt = -1;
    for await (const line of scanLines(this.file, 0, size)) {
      if (!line.terminated) {
        tornAt = line.start;
        break;
      }
      const rec = parseRecord(line.text);
      if (rec === undefined || rec.seq <= this.committedSeq) {
        if (line.text.length > 0) {
          this.skippedLines++;
          this.log.warn({ file: this.file, offset: line.start, preview: line.text.slice(0, 80) }, 'alert store: skipping an unreadable or out-of-order line');
        }
        continue;
      }
      this.remember(rec, line.start);
    }
    if (tornAt >= 0) {
      this.truncatedBytes = size - tornAt;
      this.log.warn(
        { file: this.file, offset: tornAt, bytes: this.truncatedBytes },
        'alert store: last line is torn (crash during a write); truncating it — that record was never acknowledged',
      );
      await fsp.truncate(this.file, tornAt);
      size = tornAt;
    }
    this.committedBytes = size;
    this.nextSeq = this.committedSeq + 1;
  }

  /** Adds a committed record to seq, index, recent ring and state map. */
  private remember(rec: Alert, offset: number): void {
    if (this.recordCount % this.indexEvery === 0) this.index.push({ seq: rec.seq, offset });
    this.recordCount++;
    this.committedSeq = rec.seq;
    this.recent.push(rec);
    if (this.recent.length >= 2 * this.recentCapacity) this.recent = this.recent.slice(this.recent.length - this.recentCapacity);
    let e = this.states.get(rec.alertId);
    if (e === undefined) {
      e = {
        alertId: rec.alertId,
        site: rec.site,
        sensor: rec.sensor,
        kind: rec.kind,
        state: rec.state,
        severity: rec.severity,
        closed: false,
        openSeq: rec.seq,
        lastSeq: rec.seq,
        lastEvent: rec.event,
      };
      this.states.set(rec.alertId, e);
    }
    e.state = rec.state;
    e.severity = rec.severity;
    e.lastSeq = rec.seq;
    e.lastEvent = rec.event;
    if (rec.event === 'close') e.closed = true;
    if ((rec.event === 'ack' || rec.event === 'known' || rec.event === 'escalate') && rec.ackBy !== undefined) e.ackBy = rec.ackBy;
  }

  /** Highest seq that is durably stored (0 for an empty store). */
  get lastSeq(): number {
    return this.committedSeq;
  }

  /** Number of records stored (valid lines). */
  get size(): number {
    return this.recordCount;
  }

  /** Current state of one alert, or undefined when no record with that alertId is stored. Do not mutate. */
  stateOf(alertId: string): AlertStateEntry | undefined {
    return this.states.get(alertId);
  }

  /** Every alert's current state, in first-seen order. Do not mutate. */
  allStates(): IterableIterator<AlertStateEntry> {
    return this.states.values();
  }

  /** Alerts with no `close` record yet. */
  openAlerts(): AlertStateEntry[] {
    const out: AlertStateEntry[] = [];
    for (const e of this.states.values()) if (!e.closed) out.push(e);
    return out;
  }

  /**
   * Queues a record and returns its seq and alertId synchronously; `done` resolves with the stored record (with `seq`
   * and `site` filled in) once it is on disk (written + fdatasync). Records are written in call order.
   * @throws QuietBandError('IO') when the store is closed (thrown synchronously).
   */
  enqueue(draft: AlertDraft): EnqueuedAlert {
    if (this.closed || this.handle === null) throw new QuietBandError(`alert store ${this.file} is closed`, 'IO');
    const seq = this.nextSeq++;
    const { alertId: givenId, ...rest } = draft;
    const alertId = givenId ?? `${this.site}-${seq}`;
    const record = { seq, alertId, site: this.site, ...rest } as Alert;
    record.seq = seq;
    record.alertId = alertId;
    record.site = this.site;
    let resolve!: (a: Alert) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<Alert>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pending.push({ record, resolve, reject });
    if (!this.writing) {
      this.writing = true;
      this.flushing = this.flushLoop();
    }
    return { seq, alertId, done };
  }

  /**
   * Appends one record; resolves with the stored record after write + fdatasync (see {@link enqueue}).
   * Rejects with QuietBandError('IO') when the store is closed or the write/fsync fails (the file is then truncated back).
   */
  append(draft: AlertDraft): Promise<Alert> {
    try {
      return this.enqueue(draft).done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Writes queued records batch by batch. `writing` is cleared in the same synchronous step that sees an empty queue. */
  private async flushLoop(): Promise<void> {
    for (;;) {
      if (this.pending.length === 0) {
        this.writing = false;
        return;
      }
      const batch = this.pending.splice(0, this.maxBatch);
      const handle = this.handle;
      const lines: string[] = [];
      let buf: Buffer;
      try {
        for (let i = 0; i < batch.length; i++) lines.push(JSON.stringify(batch[i]!.record));
        buf = Buffer.from(lines.join('\n') + '\n', 'utf8');
        if (handle === null) throw new Error('file handle closed');
        let off = 0;
        while (off < buf.length) {
          const { bytesWritten } = await handle.write(buf, off, buf.length - off);
          off += bytesWritten;
        }
        if (this.doFsync) await handle.datasync();
      } catch (err) {
        this.log.error({ err, file: this.file, records: batch.length }, 'alert store: write failed; records not stored');
        try {
          await handle?.truncate(this.committedBytes);
        } catch {
          // Nothing more to do: a torn tail is dropped on the next open.
        }
        const e = new QuietBandError(
          `alert store: cannot write ${this.file}: ${(err as Error).message}. Check free disk space and permissions.`,
          'IO',
          { cause: err },
        );
        for (const p of batch) p.reject(e);
        continue;
      }
      let offset = this.committedBytes;
      for (let i = 0; i < batch.length; i++) {
        this.remember(batch[i]!.record, offset);
        offset += Buffer.byteLength(lines[i]!, 'utf8') + 1;
      }
      this.committedBytes += buf.length;
      for (const p of batch) p.resolve(p.record);
    }
  }

  /**
   * Streams every stored record with `seq > sinceSeq`, in seq order, up to the last seq stored at the moment of the
   * call (a snapshot: records committed later are not included — deliver those live). Records near the head come from
   * memory; older ones are read from the file from the nearest indexed offset (bounded memory for any file size).
   * Yielded objects are shared: do not mutate them.
   */
  readSince(sinceSeq: number): AsyncGenerator<Alert> {
    const endSeq = this.committedSeq;
    const endBytes = this.committedBytes;
    const since = Number.isFinite(sinceSeq) ? Math.floor(sinceSeq) : 0;
    const recent = this.recent;
    if (since >= endSeq) return (async function* () {})();
    if (recent.length > 0 && since >= recent[0]!.seq - 1) {
      // Binary search the first record with seq > since.
      let lo = 0;
      let hi = recent.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (recent[mid]!.seq > since) hi = mid;
        else lo = mid + 1;
      }
      const snap: Alert[] = [];
      for (let i = lo; i < recent.length && recent[i]!.seq <= endSeq; i++) snap.push(recent[i]!);
      return (async function* () {
        yield* snap;
      })();
    }
    // Last index mark with seq <= since + 1: every record before it has seq <= since.
    let startOffset = 0;
    let lo = 0;
    let hi = this.index.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.index[mid]!.seq <= since + 1) {
        startOffset = this.index[mid]!.offset;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const file = this.file;
    return (async function* () {
      for await (const line of scanLines(file, startOffset, endBytes)) {
        if (!line.terminated) return;
        const rec = parseRecord(line.text);
        if (rec === undefined || rec.seq <= since) continue;
        if (rec.seq > endSeq) return;
        yield rec;
      }
    })();
  }

  /** Waits for queued appends to be stored (or fail). */
  async drain(): Promise<void> {
    while (this.writing) await this.flushing;
  }

  /** Waits for queued appends, then closes the file. Later appends reject. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drain();
    const h = this.handle;
    this.handle = null;
    await h?.close();
    this.log.info({ file: this.file, lastSeq: this.committedSeq }, 'alert store closed');
  }
}
