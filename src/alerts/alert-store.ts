// Append-only JSONL alert store: per-site monotonic seq, fsync before resolve, torn-tail recovery, resume reads,
// a reserve file freed on a full disk, and records held in memory and retried while the disk refuses them.
// Its parts: alert-journal.ts (the file's lines, recent records, sparse index, reading after a seq), alert-states.ts
// (records folded into each alert's state), alert-reserve.ts (the space reserve), alert-store-types.ts (its shapes).
import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import { DATA_DIR_MODE, DATA_FILE_MODE } from '../file-modes.js';
import type { Alert } from './alert.js';
import { fsyncDir, JournalIndex, parseRecord, scanLines } from './alert-journal.js';
import { AlertSpaceReserve } from './alert-reserve.js';
import { AlertStates, type AlertStateEntry } from './alert-states.js';
import type { AlertDraft, AlertStoreOptions, EnqueuedAlert, StorageState, StoreFs } from './alert-store-types.js';
import { makeFolder } from '../make-folder.js';

export type { AlertStateEntry } from './alert-states.js';
export type { AlertDraft, AlertStoreOptions, EnqueuedAlert, StorageState, StoreFs } from './alert-store-types.js';

/** File name of the store inside the data dir. */
export const ALERTS_FILE = 'alerts.jsonl';

/** File name of the alert space reserve inside the data dir (zeros; deleted to make room when the disk is full). */
export const ALERTS_RESERVE_FILE = 'alerts.reserve';

/** Default size of the alert space reserve: 1 MiB ≈ 2,000 alert records of ≈ 500 B. */
export const DEFAULT_ALERT_RESERVE_BYTES = 1 << 20;

interface PendingWrite {
  record: Alert;
  /** True once `accepted` resolved (the record is in `recent`/states and may have been sent). */
  accepted: boolean;
  accept: (a: Alert) => void;
  resolve: (a: Alert) => void;
  reject: (e: unknown) => void;
}

/** errno codes of a full disk or quota: the reserve is freed for them. */
const NO_SPACE_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

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
 *   never loading the whole file. With `lastSeq` it is the stored side of an alert feed (AlertFeedHistory, alert-feed.ts).
 * - The per-alert state map ({@link stateOf}) holds one small entry per alertId ever stored (~200 B each).
 * - Storage faults (docs/storage-faults.md): a write that fails for lack of space deletes the reserve file
 *   (`alerts.reserve`) and is retried at once. A write that still fails (full disk without reserve, read-only file
 *   system, EACCES, EIO) loses nothing: the batch and every record queued after it are *accepted* (their `accepted`
 *   promise resolves, so they are sent) and held in memory, in seq order; the store emits `'storage'` with
 *   `ok: false` and retries with backoff (`retryInitialMs` doubling to `retryMaxMs`), reopening the file and cutting
 *   any partial tail first. Once every held record is written, `'storage'` fires with `ok: true`. Each seq is written
 *   once. {@link readSince} serves held records too (from memory), so a resuming client misses none. A store closed
 *   while records are still held logs each of them in full (level fatal) before rejecting their `done`.
 * - The file is created with mode 0600; an existing one is narrowed to 0600.
 */
export class AlertStore extends EventEmitter<{ storage: [state: StorageState] }> {
  /** Site written into every record. */
  readonly site: string;
  /** Absolute path of the JSONL file. */
  readonly file: string;
  private readonly log: Logger;
  private readonly doFsync: boolean;
  private readonly maxBatch: number;
  private readonly reserve: AlertSpaceReserve;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly fs: StoreFs;
  private handle: FileHandle | null = null;
  /** The handle must be reopened (and the file's tail checked) before the next write: a write failed on it. */
  private reopen = false;
  private committedSeq = 0;
  /** Highest seq accepted (stored or held); = committedSeq while storage is ok and nothing is queued. */
  private acceptedSeq = 0;
  private failure: { error: string; code: string; sinceMs: number; failures: number } | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private wakeRetry: (() => void) | null = null;
  /** Write failures since open (all episodes). */
  writeFailures = 0;
  /** Records still not on disk when the store was closed (each logged in full at level fatal); 0 normally. */
  unstoredAtClose = 0;
  private nextSeq = 1;
  private committedBytes = 0;
  private readonly journal: JournalIndex;
  private readonly states = new AlertStates();
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
    super();
    this.site = opts.site;
    this.file = path.resolve(opts.dataDir, ALERTS_FILE);
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'alert-store' });
    this.journal = new JournalIndex(Math.max(1, opts.recentCapacity ?? 4096), Math.max(1, opts.indexEvery ?? 1024));
    this.doFsync = opts.fsync ?? true;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 512);
    const reserveBytes = Math.max(0, Math.floor(opts.reserveBytes ?? DEFAULT_ALERT_RESERVE_BYTES));
    this.reserve = new AlertSpaceReserve(path.resolve(opts.dataDir, ALERTS_RESERVE_FILE), reserveBytes, this.log, () => this.emitStorage(), () => this.closed);
    this.retryInitialMs = Math.max(1, opts.retryInitialMs ?? 500);
    this.retryMaxMs = Math.max(this.retryInitialMs, opts.retryMaxMs ?? 10_000);
    this.fs = opts.fs ?? { open: (f, fl, m) => fsp.open(f, fl, m) };
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
      await makeFolder(path.dirname(store.file), DATA_DIR_MODE);
      await store.scan();
      const created = store.committedBytes === 0;
      store.handle = await store.fs.open(store.file, 'a', DATA_FILE_MODE);
      await store.handle.chmod(DATA_FILE_MODE).catch((err: unknown) => store.log.warn({ err, file: store.file }, 'alert store: cannot narrow the file mode to 0600'));
      if (created && store.doFsync) await fsyncDir(path.dirname(store.file));
    } catch (err) {
      if (err instanceof QuietBandError) throw err;
      throw new QuietBandError(
        `alert store: cannot open ${store.file}: ${(err as Error).message}. Check that the data dir exists and is writable.`,
        'IO',
        { cause: err },
      );
    }
    await store.reserve.ensure(true);
    store.log.info({ file: store.file, lastSeq: store.committedSeq, records: store.journal.recordCount, reserveBytes: store.reserve.bytes }, 'alert store opened');
    return store;
  }

  /** Current storage state (see {@link StorageState}). */
  storageState(): StorageState {
    const st: StorageState = { ok: this.failure === null, heldRecords: this.heldCount, failures: this.failure?.failures ?? 0, reserveBytes: this.reserve.bytes };
    if (this.failure !== null) {
      st.error = this.failure.error;
      st.code = this.failure.code;
      st.sinceMs = this.failure.sinceMs;
    }
    return st;
  }

  /** Records accepted (sent) but not yet on disk. */
  get heldCount(): number {
    let n = 0;
    for (const p of this.pending) if (p.accepted) n++;
    return n;
  }

  private emitStorage(): void {
    try {
      this.emit('storage', this.storageState());
    } catch (err) {
      this.log.error({ err }, 'alert store: a storage listener threw');
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
    this.acceptedSeq = this.committedSeq;
  }

  /** Adds a record read from the file to seq, index, recent ring and state map. */
  private remember(rec: Alert, offset: number): void {
    this.track(rec);
    this.commit(rec, offset);
  }

  /** Adds a record written at byte `offset` to the durable seq and the sparse index. */
  private commit(rec: Alert, offset: number): void {
    this.journal.addStored(rec, offset);
    this.committedSeq = rec.seq;
  }

  /** Adds an accepted record (stored, or held after a failed write) to the recent ring and the state map. */
  private track(rec: Alert): void {
    this.acceptedSeq = rec.seq;
    this.journal.addRecent(rec);
    this.states.fold(rec);
  }

  /**
   * Highest seq accepted: stored, or (storage failed) sent and held in memory; {@link readSince} serves every record up
   * to it. Equals {@link storedSeq} while storage is ok. 0 for an empty store.
   */
  get lastSeq(): number {
    return this.acceptedSeq;
  }

  /** Highest seq durably stored (written + fdatasync). */
  get storedSeq(): number {
    return this.committedSeq;
  }

  /** Number of records stored (valid lines). */
  get size(): number {
    return this.journal.recordCount;
  }

  /** Current state of one alert, or undefined when no record with that alertId is stored. Do not mutate. */
  stateOf(alertId: string): AlertStateEntry | undefined {
    return this.states.get(alertId);
  }

  /** Every alert's current state, in first-seen order. Do not mutate. */
  allStates(): IterableIterator<AlertStateEntry> {
    return this.states.all();
  }

  /** Alerts with no `close` record yet. */
  openAlerts(): AlertStateEntry[] {
    return this.states.open();
  }

  /**
   * Queues a record and returns its seq and alertId synchronously; `done` resolves with the stored record (with `seq`
   * and `site` filled in) once it is on disk (written + fdatasync). Records are written in call order.
   * @throws QuietBandError('IO') when the store is closed (thrown synchronously).
   */
  enqueue(draft: AlertDraft): EnqueuedAlert {
    // not the handle: after a failed write it is null until a retry reopens the file, and records are still accepted
    if (this.closed) throw new QuietBandError(`alert store ${this.file} is closed`, 'IO');
    const seq = this.nextSeq++;
    const { alertId: givenId, ...rest } = draft;
    const alertId = givenId ?? `${this.site}-${seq}`;
    const record = { seq, alertId, site: this.site, ...rest } as Alert;
    record.seq = seq;
    record.alertId = alertId;
    record.site = this.site;
    let resolve!: (a: Alert) => void;
    let reject!: (e: unknown) => void;
    let accept!: (a: Alert) => void;
    const done = new Promise<Alert>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const accepted = new Promise<Alert>((res) => {
      accept = res;
    });
    const p: PendingWrite = { record, accepted: false, accept, resolve, reject };
    this.pending.push(p);
    // while storage has failed a new record is not held back until a retry succeeds: it is sent at once
    if (this.failure !== null) this.acceptOne(p);
    if (!this.writing) {
      this.writing = true;
      this.flushing = this.flushLoop();
    }
    return { seq, alertId, accepted, done };
  }

  private acceptOne(p: PendingWrite): void {
    if (p.accepted) return;
    p.accepted = true;
    this.track(p.record);
    p.accept(p.record);
  }

  /**
   * Appends one record; resolves with the stored record after write + fdatasync (see {@link enqueue}; after a storage
   * failure that is when a retry stored it). Rejects with QuietBandError('IO') when the store is closed, or is closed
   * before the record could be stored.
   */
  append(draft: AlertDraft): Promise<Alert> {
    try {
      return this.enqueue(draft).done;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Writes queued records batch by batch. `writing` is cleared in the same synchronous step that sees an empty queue.
   * A failed batch stays at the head of the queue (see the class comment) and is retried after the backoff.
   */
  private async flushLoop(): Promise<void> {
    for (;;) {
      if (this.pending.length === 0) {
        this.writing = false;
        return;
      }
      const batch = this.pending.slice(0, this.maxBatch);
      let written: { lines: string[]; bytes: number };
      try {
        written = await this.writeBatch(batch);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
        this.reopen = true; // a partial write may be on disk: cut it before the next attempt
        if (NO_SPACE_CODES.has(code) && (await this.reserve.release())) continue;
        this.onWriteFailed(err, code, batch.length);
        if (this.closed) {
          this.giveUp();
          this.writing = false;
          return;
        }
        await this.retryDelay();
        continue;
      }
      this.pending.splice(0, batch.length);
      let offset = this.committedBytes;
      for (let i = 0; i < batch.length; i++) {
        const p = batch[i]!;
        this.acceptOne(p);
        this.commit(p.record, offset);
        offset += Buffer.byteLength(written.lines[i]!, 'utf8') + 1;
      }
      this.committedBytes += written.bytes;
      for (const p of batch) p.resolve(p.record);
      if (this.failure !== null && this.pending.length === 0) {
        const f = this.failure;
        this.failure = null;
        this.log.warn({ file: this.file, failedForMs: Date.now() - f.sinceMs, failures: f.failures, lastSeq: this.committedSeq }, 'alert store: storage back; every held alert is stored');
        this.emitStorage();
      }
      if (this.reserve.wantsRefill(Date.now())) void this.reserve.ensure();
    }
  }

  /** Writes and fdatasyncs one batch; reopens the file first after a failure (cutting a partial tail). */
  private async writeBatch(batch: PendingWrite[]): Promise<{ lines: string[]; bytes: number }> {
    if (this.handle === null || this.reopen) await this.reopenHandle();
    const handle = this.handle;
    if (handle === null) throw Object.assign(new Error('file handle closed'), { code: 'EBADF' });
    const lines: string[] = [];
    for (let i = 0; i < batch.length; i++) lines.push(JSON.stringify(batch[i]!.record));
    const buf = Buffer.from(lines.join('\n') + '\n', 'utf8');
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await handle.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
    if (this.doFsync) await handle.datasync();
    return { lines, bytes: buf.length };
  }

  /** Opens the file anew and cuts anything past the last committed byte (a partial write of a failed batch). */
  private async reopenHandle(): Promise<void> {
    const old = this.handle;
    this.handle = null;
    await old?.close().catch(() => undefined);
    const h = await this.fs.open(this.file, 'a', DATA_FILE_MODE);
    try {
      const size = (await h.stat()).size;
      if (size > this.committedBytes) await h.truncate(this.committedBytes);
      else if (size < this.committedBytes) {
        this.log.error({ file: this.file, size, expected: this.committedBytes }, 'alert store: the file is shorter than what was stored (changed by something else); appending at its end');
        this.committedBytes = size;
      }
    } catch (err) {
      await h.close().catch(() => undefined);
      throw err;
    }
    this.handle = h;
    this.reopen = false;
  }

  /** Enters (or stays in) the failed state: every queued record is accepted (sent) and held for the retry. */
  private onWriteFailed(err: unknown, code: string, records: number): void {
    this.writeFailures++;
    this.reopen = true;
    const error = `alert store: cannot write ${this.file}: ${(err as Error).message}`;
    const first = this.failure === null;
    if (first) this.failure = { error, code, sinceMs: Date.now(), failures: 0 };
    const f = this.failure!;
    f.failures++;
    f.error = error;
    f.code = code;
    for (const p of this.pending) this.acceptOne(p);
    if (first) {
      this.log.error({ err, file: this.file, code, records, held: this.pending.length }, 'alert store: STORAGE FAILED; alerts are sent and held in memory, retrying');
    } else if (f.failures % 10 === 0) {
      this.log.error({ code, failures: f.failures, held: this.pending.length }, 'alert store: storage still failing');
    }
    if (first || f.failures % 10 === 0) this.emitStorage();
  }

  /** Waits the backoff delay (or until close() cuts it short). */
  private retryDelay(): Promise<void> {
    const n = this.failure?.failures ?? 1;
    const ms = Math.min(this.retryInitialMs * 2 ** Math.min(30, n - 1), this.retryMaxMs);
    return new Promise<void>((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.wakeRetry = null;
        resolve();
      }, ms);
    });
  }

  /** Store closed while records are still not on disk: each is logged in full (the last place it exists), then rejected. */
  private giveUp(): void {
    const lost = this.pending.splice(0);
    if (lost.length === 0) return;
    this.unstoredAtClose += lost.length;
    const e = new QuietBandError(
      `${this.failure?.error ?? `alert store: cannot write ${this.file}`}; ${lost.length} alert record(s) (seq ${lost[0]!.record.seq}-${lost[lost.length - 1]!.record.seq}) were sent but never stored; they are in this log`,
      'IO',
    );
    for (const p of lost) this.log.fatal({ record: p.record }, 'alert record not stored (storage failed until shutdown)');
    this.log.fatal({ file: this.file, records: lost.length }, e.message);
    for (const p of lost) p.reject(e);
  }

  /**
   * Streams every stored record with `seq > sinceSeq`, in seq order, up to the last seq stored at the moment of the
   * call (a snapshot: records committed later are not included — deliver those live). Records near the head come from
   * memory; older ones are read from the file from the nearest indexed offset (bounded memory for any file size).
   * Yielded objects are shared: do not mutate them.
   */
  readSince(sinceSeq: number): AsyncGenerator<Alert> {
    const endSeq = this.acceptedSeq;
    const fileEndSeq = this.committedSeq;
    // accepted records not yet on disk (storage failed): served from memory after the file's part
    const held = (): Alert[] => this.pending.filter((p) => p.accepted && p.record.seq > fileEndSeq && p.record.seq <= endSeq).map((p) => p.record);
    return this.journal.readSince(sinceSeq, { file: this.file, endSeq, endBytes: this.committedBytes, fileEndSeq, held });
  }

  /** Waits for queued appends to be stored (or fail). */
  async drain(): Promise<void> {
    while (this.writing) await this.flushing;
  }

  /**
   * Waits for queued appends (after a storage failure: one last immediate attempt; records still not storable are
   * logged in full and their `done` rejects), then closes the file. Later appends reject. Safe to call more than once.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const wake = this.wakeRetry;
    this.wakeRetry = null;
    wake?.();
    await this.drain();
    const h = this.handle;
    this.handle = null;
    await h?.close();
    this.log.info({ file: this.file, lastSeq: this.committedSeq }, 'alert store closed');
  }
}
