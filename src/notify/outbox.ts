// Durable notification outbox: an append-only JSONL journal in the data dir, so deliveries survive receiver outages and restarts.
import { open, rename, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import { warnCoded } from '../log.js';
import type { Alert } from '../alerts/alert.js';
import { DATA_FILE_MODE } from '../file-modes.js';
import { writeFileAtomic } from '../atomic-write.js';

/** Journal file in the data dir. */
export const OUTBOX_FILE = 'notify-outbox.jsonl';
/** The journal is compacted once nothing is pending and it has grown past this (1 MiB ≈ 800 delivered alerts). */
export const OUTBOX_COMPACT_BYTES = 1 << 20;

/** A delivery waiting in the outbox. */
export interface OutboxEntry {
  /** `<seq>.<channel>` (see senders.ts Delivery.id). */
  id: string;
  channel: string;
  seq: number;
  /** When it was added (ms since epoch). */
  addedMs: number;
  /** The stored alert record, without `detection`. */
  alert: Alert;
  /** Held by a quiet rule with `hold`: not sent before this time (ms since epoch). */
  notBeforeMs?: number;
}

/**
 * Journal lines, one JSON object each:
 * - `{op:'add', …OutboxEntry}` a delivery to make;
 * - `{op:'done', id}` the receiver accepted it; `{op:'drop', id, reason}` given up (logged in full);
 * - `{op:'cursor', seq}` every alert record with seq ≤ this was routed (its `add`s are earlier in the file).
 */
type JournalLine = ({ op: 'add' } & OutboxEntry) | { op: 'done'; id: string } | { op: 'drop'; id: string; reason: string } | { op: 'cursor'; seq: number };

/**
 * The outbox of one data dir. Every change is appended and fdatasync'ed before the caller goes on, so after a crash or a
 * restart {@link Outbox.open} finds each delivery not yet accepted (an `add` without `done`/`drop`) and the routing
 * cursor. A torn last line (crash mid-write) is ignored: the records after the previous cursor are routed again and the
 * ids, which are deterministic, keep each delivery once. At open the journal is compacted (temp file + fsync + rename):
 * the cursor and the pending `add`s only.
 */
export class Outbox {
  private handle: FileHandle | null;
  private chain: Promise<void> = Promise.resolve();
  /** Pending deliveries in journal order (= seq order per channel). */
  readonly pending: Map<string, OutboxEntry>;
  /** Routing cursor; undefined when the journal did not exist (first start with notifications). */
  cursor: number | undefined;
  /** Deliveries taken while the journal could not be written (see {@link add}). */
  private unjournaled: OutboxEntry[] = [];

  /** Bytes in the journal file (its size as written by this process). */
  private bytes = 0;

  private constructor(readonly file: string, handle: FileHandle, pending: Map<string, OutboxEntry>, cursor: number | undefined, private readonly compactBytes: number) {
    this.handle = handle;
    this.pending = pending;
    this.cursor = cursor;
  }

  /**
   * Writes the journal anew (writeFileAtomic: temp file + fsync + rename): the pending `add`s and the cursor. Returns the new
   * file opened for appending and its size.
   */
  private static async rewrite(file: string, pending: ReadonlyMap<string, OutboxEntry>, cursor: number | undefined): Promise<{ handle: FileHandle; bytes: number }> {
    const lines: JournalLine[] = [...pending.values()].map((e): JournalLine => ({ op: 'add', ...e }));
    if (cursor !== undefined) lines.push({ op: 'cursor', seq: cursor });
    const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
    await writeFileAtomic(file, text, { sync: true });
    return { handle: await open(file, 'a', DATA_FILE_MODE), bytes: Buffer.byteLength(text, 'utf8') };
  }

  /** Compacts the journal when nothing is pending and it outgrew `compactBytes` (queued behind the writes). */
  private maybeCompact(): void {
    if (this.pending.size > 0 || this.unjournaled.length > 0 || this.bytes < this.compactBytes) return;
    const run = async (): Promise<void> => {
      if (this.handle === null || this.pending.size > 0) return;
      const old = this.handle;
      const { handle, bytes } = await Outbox.rewrite(this.file, this.pending, this.cursor);
      this.handle = handle;
      this.bytes = bytes;
      await old.close();
    };
    this.chain = this.chain.then(run).catch(() => undefined); // a failed compaction leaves the journal as it was
  }

  /**
   * Reads and compacts `<dataDir>/notify-outbox.jsonl` (created when missing, mode 0600). While running, the journal
   * is compacted again whenever nothing is pending and it has grown past `compactBytes`.
   * @throws QuietBandError('IO') naming the file when it cannot be read or written.
   */
  static async open(dataDir: string, log: Logger, compactBytes = OUTBOX_COMPACT_BYTES): Promise<Outbox> {
    const file = join(dataDir, OUTBOX_FILE);
    const pending = new Map<string, OutboxEntry>();
    let cursor: number | undefined;
    try {
      let text = '';
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      let bad = 0;
      for (const line of text.split('\n')) {
        if (line.length === 0) continue;
        let j: JournalLine;
        try {
          j = JSON.parse(line) as JournalLine;
        } catch {
          bad++;
          continue;
        }
        if (j.op === 'add') {
          if (!pending.has(j.id)) pending.set(j.id, { id: j.id, channel: j.channel, seq: j.seq, addedMs: j.addedMs, alert: j.alert });
        } else if (j.op === 'done' || j.op === 'drop') pending.delete(j.id);
        else if (j.op === 'cursor' && Number.isInteger(j.seq)) cursor = Math.max(cursor ?? 0, j.seq);
      }
      if (bad > 0) warnCoded(log, { file, lines: bad }, { id: 'warn.outboxUnreadable', params: { lines: bad } });
      let opened: { handle: FileHandle; bytes: number };
      try {
        opened = await Outbox.rewrite(file, pending, cursor);
      } catch (err) {
        // a full disk: go on with the journal as it is (appends may fail too; deliveries are then kept in memory)
        log.warn({ err, file }, 'notify outbox: cannot compact the journal; using it as it is');
        opened = { handle: await open(file, 'a', DATA_FILE_MODE), bytes: Buffer.byteLength(text, 'utf8') };
      }
      const { handle, bytes } = opened;
      const box = new Outbox(file, handle, pending, cursor, compactBytes);
      box.bytes = bytes;
      return box;
    } catch (err) {
      throw new QuietBandError(`notify outbox: cannot use ${file}: ${(err as Error).message}`, 'IO', { cause: err });
    }
  }

  /** Appends lines in one write + fdatasync, in call order. Rejects when the write fails (the caller retries later). */
  private append(lines: JournalLine[]): Promise<void> {
    const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
    const run = async (): Promise<void> => {
      const h = this.handle;
      if (h === null) throw new QuietBandError(`notify outbox ${this.file} is closed`, 'IO');
      await h.write(text);
      await h.datasync();
      this.bytes += Buffer.byteLength(text, 'utf8');
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /**
   * Records new deliveries and moves the cursor past the records they came from (one durable write). When the write
   * fails (a full disk) they are taken in memory all the same, so they are still sent, and written with the next
   * add that succeeds; the error is rethrown for the caller to log. A restart before that routes those records again
   * (same ids).
   */
  async add(entries: OutboxEntry[], cursor: number): Promise<void> {
    const fresh = entries.filter((e) => !this.pending.has(e.id));
    const late = this.unjournaled.filter((e) => this.pending.has(e.id));
    for (const e of fresh) this.pending.set(e.id, e);
    this.cursor = cursor;
    try {
      await this.append([...[...late, ...fresh].map((e): JournalLine => ({ op: 'add', ...e })), { op: 'cursor', seq: cursor }]);
      this.unjournaled = [];
    } catch (err) {
      this.unjournaled = [...late, ...fresh];
      throw err;
    }
  }

  /** Records that the receiver accepted a delivery (forgotten in memory at once, even when the write fails). */
  async done(id: string): Promise<void> {
    this.pending.delete(id);
    await this.append([{ op: 'done', id }]);
    this.maybeCompact();
  }

  /** Records that a delivery was given up (forgotten in memory at once, even when the write fails). */
  async drop(id: string, reason: string): Promise<void> {
    this.pending.delete(id);
    await this.append([{ op: 'drop', id, reason }]);
    this.maybeCompact();
  }

  /** Waits for queued writes, then closes the file. Idempotent. */
  async close(): Promise<void> {
    await this.chain;
    const h = this.handle;
    this.handle = null;
    await h?.close();
  }
}
