// The alert store's file and its memory of it: JSONL lines read in chunks, records parsed, the most recent records
// and a sparse byte index, and the reading of every record after a seq (a resuming client).
import { createReadStream, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Alert } from './alert.js';

/** One line of the file, as {@link scanLines} yields it. */
export interface ScannedLine {
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
export async function* scanLines(file: string, start: number, endExclusive: number): AsyncGenerator<ScannedLine> {
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
export function parseRecord(text: string): Alert | undefined {
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
 * fsyncs a folder, so that a file just created in it survives a crash (fsync(2): the file's own fsync does not
 * persist its directory entry). Never throws: some filesystems refuse fsync on a directory.
 */
export async function fsyncDir(dir: string): Promise<void> {
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

interface IndexMark {
  seq: number;
  offset: number;
}

/** Where the file's part of a {@link JournalIndex.readSince} ends, and the records past it held in memory. */
export interface ReadBounds {
  /** Absolute path of the JSONL file. */
  file: string;
  /** Highest seq to serve (the store's accepted seq at the call). */
  endSeq: number;
  /** File bytes stored (written + fdatasync) at the call, and the highest seq among them. */
  endBytes: number;
  fileEndSeq: number;
  /** Accepted records not on disk yet (storage failed), in seq order; asked for only when the file is read. */
  held: () => Alert[];
}

/**
 * The store's memory of its records: the most recent ones (a ring of `recentCapacity` to `2·recentCapacity`
 * records, so a resume near the head never touches the disk) and the byte offset of one stored record in every
 * `indexEvery` (so an older resume reads the file from near its start seq, never all of it).
 */
export class JournalIndex {
  private recent: Alert[] = [];
  private readonly index: IndexMark[] = [];
  /** Number of records stored (valid lines). */
  recordCount = 0;

  constructor(
    private readonly recentCapacity: number,
    private readonly indexEvery: number,
  ) {}

  /** Adds an accepted record (stored, or held after a failed write) to the recent ring. */
  addRecent(rec: Alert): void {
    this.recent.push(rec);
    if (this.recent.length >= 2 * this.recentCapacity) this.recent = this.recent.slice(this.recent.length - this.recentCapacity);
  }

  /** Counts a record stored at byte `offset` of the file, indexing one in every `indexEvery`. */
  addStored(rec: Alert, offset: number): void {
    if (this.recordCount % this.indexEvery === 0) this.index.push({ seq: rec.seq, offset });
    this.recordCount++;
  }

  /**
   * Every record with `seq > sinceSeq` up to `b.endSeq`, in seq order (AlertStore.readSince): from the recent ring
   * when it reaches back far enough, else from the file from the nearest indexed offset, then the held records.
   * Yielded objects are shared: do not mutate them.
   */
  readSince(sinceSeq: number, b: ReadBounds): AsyncGenerator<Alert> {
    const { endSeq, endBytes, fileEndSeq, file } = b;
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
    const held = b.held();
    return (async function* () {
      for await (const line of scanLines(file, startOffset, endBytes)) {
        if (!line.terminated) break;
        const rec = parseRecord(line.text);
        if (rec === undefined || rec.seq <= since) continue;
        if (rec.seq > fileEndSeq) break;
        yield rec;
      }
      for (const rec of held) if (rec.seq > since) yield rec;
    })();
  }
}
