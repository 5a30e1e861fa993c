// File IqSource: streams raw (cu8/cs8/cs16/cf32) or SigMF recordings in fixed blocks with constant memory.
import { promises as fsp, read as fsRead } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { QuietBandError, badInput } from '../errors.js';
import { cliError, errorTextIn, type ErrorMessageCode } from '../error-text.js';
import { BYTES_PER_COMPLEX } from '../types.js';
import type { IqBlock, IqSource, IqSourceHealth, IqSourceInfo, SampleFormat } from '../types.js';
import { DeliveryCounter } from './delivery-counter.js';
import { parseCaptureFileName, parseScaledToken } from './file-name.js';
import { checkFirstFloats } from './cf32-check.js';
import { refuseWav } from './wav-check.js';
import { convertCf32Finite, convertSamples, firstNonFinite, formatFromExtension, nonFiniteRunEnd, SAMPLE_FORMATS } from './sample-formats.js';
import { centerProblem, overrideWarnings, rateProblem } from './input-ranges.js';
import type { SigmfSegment } from './sigmf.js';
import { isSigmfPath } from './sigmf-write.js';

/** Default block length (complex samples): 65536 = 128 KiB of cu8, 262 ms at 250 kS/s. */
export const DEFAULT_BLOCK_SAMPLES = 65536;

/** Options of {@link openFileSource}. Flags win over SigMF metadata, which wins over the file name. */
export interface FileSourceOptions {
  /** Sample format; default from SigMF `core:datatype` or the extension (`.cu8`, `.cfile`, …). */
  format?: SampleFormat;
  /** Sample rate (S/s); default from SigMF `core:sample_rate` or the file name (`_250k`). */
  rateSps?: number;
  /** Tuning centre (Hz); default from SigMF `core:frequency` or the file name (`_433.92M`). */
  centerHz?: number;
  /** Complex samples per block (default {@link DEFAULT_BLOCK_SAMPLES}). */
  blockSamples?: number;
  /**
   * Called for non-fatal findings (dangling bytes, truncated SigMF captures), in English; `code` (src/error-text.ts)
   * when the finding has one, so a terminal can word it in its language. Default: ignored.
   */
  onWarning?: (message: string, code?: ErrorMessageCode) => void;
}

/**
 * fs.read on the handle's descriptor as a promise: one request object and one promise per read, where
 * FileHandle.read also makes a result object and runs an async wrapper (≈ 1.8 KiB per block less to collect). The
 * caller keeps the handle open until the read settled (FileSource.blocks awaits it before closing).
 */
function readAt(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fsRead(fd, buf, offset, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}

/**
 * One block's read: `want` samples of `seg` from its sample `done` on (`first`: the segment's first block), into
 * `buf`; `read` settles with the bytes read.
 */
interface ReadRequest {
  seg: Segment;
  done: number;
  want: number;
  first: boolean;
  buf: Buffer;
  read: Promise<number>;
}

/** Non-finite samples of a recording: complex samples dropped, runs of them, dataset index of the first (−1: none). */
export interface NonFiniteStats {
  samples: number;
  runs: number;
  firstSample: number;
}

/** One contiguous run of samples to read: a SigMF capture, or the whole raw file. */
interface Segment {
  byteOffset: number;
  sampleStart: number;
  sampleCount: number;
  centerHz: number;
  tuneId: number;
  /** True when the segment starts a new capture after another (SigMF#89): averages must restart. */
  discontinuity: boolean;
}

function validateBlockSamples(n: number): number {
  if (!Number.isInteger(n) || n <= 0 || n > 1 << 24) {
    throw new QuietBandError(`blockSamples: ${n} must be a whole number of samples between 1 and 16777216`, 'CONFIG');
  }
  return n;
}

/**
 * Parses a sample-rate flag value: `250k`, `2.4M`, `2400000`, `2.048e6` (S/s, rounded to a whole number).
 * @param flag named in the error (default `--rate`)
 * @throws QuietBandError('CONFIG') naming the flag when the value is not a positive rate.
 */
export function parseRate(value: string, flag = '--rate'): number {
  const v = parseHzLike(value);
  if (v === undefined) {
    throw cliError('flag.notA', { flag, value, expected: 'expect.sampleRate' }, 'CONFIG');
  }
  return v;
}

/**
 * Parses a frequency flag value: `433.92M`, `868300000`, `1.09G`, `27.195M` (Hz, rounded to a whole Hz).
 * @param flag named in the error (default `--center`)
 * @throws QuietBandError('CONFIG') naming the flag when the value is not a positive frequency.
 */
export function parseFrequency(value: string, flag = '--center'): number {
  const v = parseHzLike(value);
  if (v === undefined) {
    throw cliError('flag.notA', { flag, value, expected: 'expect.frequency' }, 'CONFIG');
  }
  return v;
}

/** `250k` / `2.4M` / `1.09G` / `2400000` / `2.048e6`, optionally followed by `Hz` or `sps` → a positive whole number. */
function parseHzLike(value: string): number | undefined {
  const t = value.trim().replace(/\s*(hz|sps|s\/s)$/i, '');
  const scaled = parseScaledToken(t);
  if (scaled !== undefined) return scaled;
  if (!/^(\d+(\.\d*)?|\.\d+)(e[+]?\d+)?$/i.test(t)) return undefined;
  const n = Math.round(Number(t));
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * An {@link IqSource} over a file. Reads with one `FileHandle` into two preallocated `Buffer`s (one block read ahead)
 * and converts into ONE preallocated `Float32Array`; the yielded {@link IqBlock} object is reused, so it (and its samples) is valid only
 * until the next block is requested. Offsets are plain numbers (exact to 2^53 bytes), never 32-bit.
 */
export class FileSource implements IqSource {
  readonly info: IqSourceInfo;
  private readonly dataPath: string;
  private readonly segments: Segment[];
  private readonly blockSamples: number;
  private readonly bytesPerSample: number;
  private readonly raw: Buffer;
  /** The second read buffer: the next block is read into one while the current one is analysed. */
  private readonly rawAhead: Buffer;
  private readonly samples: Float32Array;
  private readonly block: IqBlock;
  private fh: FileHandle | undefined;
  private closePromise: Promise<void> | undefined;
  private started = false;
  private closed = false;
  /** Where the sample rate came from, for messages: `<meta>: global.core:sample_rate`, `<file>: file name (rate token)`… */
  readonly rateField: string;
  /** The last block ended in non-finite samples: the next one is delivered with `discontinuity: true`. */
  private gapPending = false;
  private readonly nonFinite: NonFiniteStats = { samples: 0, runs: 0, firstSample: -1 };
  private readonly delivered = new DeliveryCounter();
  private lastError: string | null = null;

  /**
   * Non-finite samples met so far (cf32): complex samples whose I or Q is NaN, ±Inf or at least CF32_LIMIT (2^40) in
   * magnitude (sample-formats.ts), the runs of them and the dataset index of the first. They are never delivered: the finite samples around them go out as separate
   * blocks, the one after each run with `discontinuity: true`, so the spectrum stage drops every frame that would
   * have held one (docs/input-sanity.md). The object is live (updated as blocks are read).
   */
  get nonFiniteSamples(): Readonly<NonFiniteStats> {
    return this.nonFinite;
  }

  /** Health snapshot (a new object each call): samples handed out, `nonFiniteSamples` as in {@link nonFiniteSamples}, the last read error. */
  health(): IqSourceHealth {
    return this.delivered.health(this.info.label, this.started && !this.closed, this.nonFinite.samples, this.lastError);
  }

  /** One past the last non-finite sample counted: a run continuing across a block boundary is one run. */
  private nonFiniteEnd = -1;

  private countNonFinite(firstSample: number, count: number): void {
    const nf = this.nonFinite;
    if (nf.firstSample < 0) nf.firstSample = firstSample;
    nf.samples += count;
    if (firstSample !== this.nonFiniteEnd) nf.runs++;
    this.nonFiniteEnd = firstSample + count;
  }

  /** Use {@link openFileSource}; the constructor takes the resolved layout and an open handle. */
  /** The recording's capture segments (one for raw files): tuning centre, first sample, sample count. */
  get captureSegments(): { centerHz: number; sampleStart: number; sampleCount: number }[] {
    return this.segments.map((s) => ({ centerHz: s.centerHz, sampleStart: s.sampleStart, sampleCount: s.sampleCount }));
  }

  /** Distinct tuning centres of the recording's captures, in order (more than one: the recording is a scan). */
  get tuningCentersHz(): number[] {
    return [...new Set(this.segments.map((s) => s.centerHz))];
  }

  constructor(args: { info: IqSourceInfo; dataPath: string; segments: Segment[]; blockSamples: number; fh: FileHandle; rateField: string }) {
    this.info = args.info;
    this.rateField = args.rateField;
    this.dataPath = args.dataPath;
    this.segments = args.segments;
    this.blockSamples = args.blockSamples;
    this.fh = args.fh;
    this.bytesPerSample = BYTES_PER_COMPLEX[args.info.format];
    this.raw = Buffer.alloc(this.blockSamples * this.bytesPerSample);
    this.rawAhead = Buffer.alloc(this.blockSamples * this.bytesPerSample);
    this.samples = new Float32Array(2 * this.blockSamples);
    this.block = {
      samples: this.samples,
      count: 0,
      centerHz: args.info.centerHz,
      rateSps: args.info.rateSps,
      firstSample: 0,
      tuneId: 0,
      clipFraction: 0,
      discontinuity: false,
    };
  }

  /**
   * Blocks in file order, each `blockSamples` long except the last of a segment (blocks never span two SigMF captures).
   * `firstSample` is the dataset sample index (0 for the first sample of a raw file; SigMF numbering for SigMF).
   * The next block is read (into a second buffer) while the caller works on this one, so the analysis never waits for
   * the disk in steady state.
   * @throws Error when called a second time; QuietBandError('IO') when a read fails.
   */
  async *blocks(): AsyncGenerator<IqBlock> {
    if (this.started) throw new Error(`${this.info.label}: blocks() was already called; open a new FileSource to read again`);
    this.started = true;
    const fh = this.fh;
    if (fh === undefined) return;
    const bps = this.bytesPerSample;
    const block = this.block;
    const format = this.info.format;
    const segments = this.segments;
    const raws = [this.raw, this.rawAhead];
    // the read plan: segment `seg`, samples `done` already requested from it, `slot` the buffer the next read fills
    let seg = 0;
    let done = 0;
    let slot = 0;
    const issue = (): ReadRequest | null => {
      while (seg < segments.length && done >= segments[seg].sampleCount) {
        seg++;
        done = 0;
      }
      if (seg >= segments.length || this.closed) return null;
      const sg = segments[seg];
      const want = Math.min(this.blockSamples, sg.sampleCount - done);
      const buf = raws[slot];
      slot = 1 - slot;
      const read = this.readFully(fh, buf, want * bps, sg.byteOffset + done * bps);
      // the read runs while the caller holds the previous block, maybe awaiting something else: a failure then must
      // not be an unhandled rejection (it killed the process); it is rethrown below, where the read is awaited
      read.catch(() => undefined);
      const r: ReadRequest = { seg: sg, done, want, first: done === 0, buf, read };
      done += want;
      return r;
    };
    /** The read in flight (not awaited yet), if any. */
    let ahead: ReadRequest | null = null;
    try {
      ahead = issue();
      while (ahead !== null) {
        const r = ahead;
        ahead = null;
        const got = await r.read;
        if (this.closed) return;
        const count = Math.floor(got / bps);
        // a short read (the file shrank since it was opened): deliver the whole samples we have, end the segment
        if (count < r.want) {
          seg++;
          done = 0;
        }
        ahead = issue();
        if (count === 0) continue;
        // cf32 is the one format that can hold non-finite values (integer formats convert to finite floats)
        const finite = format === 'cf32' ? convertCf32Finite(r.buf, this.samples, count, 0) : true;
        block.clipFraction = format === 'cf32' ? 0 : convertSamples(format, r.buf, this.samples, count, 0);
        block.centerHz = r.seg.centerHz;
        block.tuneId = r.seg.tuneId;
        const firstSample = r.seg.sampleStart + r.done;
        const discontinuity = (r.first && r.seg.discontinuity) || this.gapPending;
        this.gapPending = false;
        const bad = finite ? -1 : firstNonFinite(this.samples, 0, count);
        if (bad < 0) {
          block.count = count;
          block.firstSample = firstSample;
          block.discontinuity = discontinuity;
          this.delivered.count(count);
          yield block;
          continue;
        }
        // non-finite samples: deliver the finite runs around them as blocks of their own, each after a gap
        let from = 0;
        let at = bad;
        let gap = discontinuity;
        while (from < count) {
          const end = at < 0 ? count : at;
          if (end > from) {
            if (from > 0) this.samples.copyWithin(0, 2 * from, 2 * end);
            block.count = end - from;
            block.firstSample = firstSample + from;
            block.discontinuity = gap;
            this.delivered.count(block.count);
            yield block;
          }
          if (at < 0) break;
          from = nonFiniteRunEnd(this.samples, at, count);
          this.countNonFinite(firstSample + at, from - at);
          // a run reaching the end of the block: the next block starts after a gap too
          if (from >= count) this.gapPending = true;
          gap = true;
          at = from < count ? firstNonFinite(this.samples, from, count) : -1;
        }
      }
    } finally {
      // a read still in flight (the caller stopped early) must settle before the handle closes, its error unheard
      if (ahead !== null) await ahead.read.catch(() => 0);
      await this.close();
    }
  }

  /**
   * Reads `wantBytes` at `position` into `buf` from 0, retrying partial reads; fewer only at the end of the file.
   * @throws QuietBandError('IO') naming the file and byte offset when a read fails (unless the source was closed: 0).
   */
  private async readFully(fh: FileHandle, buf: Buffer, wantBytes: number, position: number): Promise<number> {
    let got = 0;
    while (got < wantBytes) {
      let bytesRead: number;
      try {
        bytesRead = await readAt(fh.fd, buf, got, wantBytes - got, position + got);
      } catch (err) {
        if (this.closed) return got;
        this.lastError = `${this.dataPath}: read failed at byte ${position + got} (${(err as Error).message})`;
        throw new QuietBandError(this.lastError, 'IO', { cause: err });
      }
      if (bytesRead === 0) break; // file shrank since open
      got += bytesRead;
    }
    return got;
  }

  /** Closes the file. Idempotent; an iteration in progress ends at its next block. */
  close(): Promise<void> {
    this.closed = true;
    if (this.closePromise === undefined) {
      const fh = this.fh;
      this.fh = undefined;
      this.closePromise = fh === undefined ? Promise.resolve() : fh.close().catch(() => undefined);
    }
    return this.closePromise;
  }
}

/**
 * Opens a capture for streaming.
 *
 * - `.sigmf-meta` / `.sigmf-data`: SigMF (datatype, rate, captures, header/trailing bytes, datetime; see `sigmf.ts`).
 *   Captures whose `core:frequency` differs from the previous one get a new `tuneId`; every capture after the
 *   first starts with `discontinuity: true`. A capture without `core:frequency` keeps the previous one's.
 * - anything else: raw samples; format from `opts.format` or the extension (docs/field-notes.md §17 aliases).
 * Rate and centre: `opts` first, then SigMF, then the file name (`_433.92M_250k`, gqrx). Unknown centre →
 * `info.centerKnown = false`, `centerHz = 0`. A byte count that is not a whole number of samples is reported ONCE
 * through `opts.onWarning` (file, byte count, dangling bytes); the whole samples are read, nothing is zero-filled.
 *
 * @throws QuietBandError('BAD_INPUT') `"<file>: sample rate: unknown; pass --rate (e.g. --rate 250k)"` (raw) or
 *   `"<meta>: global.core:sample_rate: missing; pass --rate"` (SigMF), unknown format, unreadable file, bad SigMF;
 *   QuietBandError('CONFIG') for a bad `blockSamples`.
 */
export async function openFileSource(path: string, opts: FileSourceOptions = {}): Promise<FileSource> {
  const blockSamples = validateBlockSamples(opts.blockSamples ?? DEFAULT_BLOCK_SAMPLES);
  const warn = opts.onWarning ?? (() => undefined);
  if (/\.sigmf$/.test(path)) {
    throw cliError('file.sigmfArchive', { path }, 'BAD_INPUT');
  }
  const fromName = parseCaptureFileName(path);

  let format: SampleFormat;
  let dataPath: string;
  let rateSps: number | undefined;
  let centerHz: number | undefined;
  let datetime: string | undefined;
  let segmentsIn: SigmfSegment[];
  let totalSamples: number;
  let dataBytes: number;
  let danglingBytes: number;
  let rateError: QuietBandError;
  let metaPath: string | undefined;
  let metaRateSps: number | undefined;
  let centerFromFile: number | undefined;
  let centerFromMeta = false;

  if (isSigmfPath(path)) {
    // the SigMF reader (with its validator, zod: ≈ 0.1 s of CPU to load) only for SigMF input: a replay worker or file
    // sensor reading a raw capture does without it
    const { readSigmfMeta, SIGMF_DATATYPES, sigmfSegments } = await import('./sigmf.js');
    const meta = await readSigmfMeta(path, { formatOverride: opts.format });
    metaPath = meta.metaPath;
    metaRateSps = meta.rateSps;
    if (opts.format !== undefined && opts.format !== SIGMF_DATATYPES[meta.datatype]) {
      warn(`${meta.metaPath}: global.core:datatype is "${meta.datatype}" but the samples are read as ${opts.format} (--format)`);
    }
    format = meta.format;
    dataPath = meta.dataPath;
    dataBytes = await sizeOf(dataPath);
    const layout = sigmfSegments(meta, dataBytes, BYTES_PER_COMPLEX[format]);
    for (const w of layout.warnings) warn(w);
    segmentsIn = layout.segments;
    totalSamples = layout.totalSamples;
    danglingBytes = layout.danglingBytes;
    rateSps = opts.rateSps ?? meta.rateSps ?? fromName.rateSps;
    centerHz = opts.centerHz ?? meta.captures[0].centerHz ?? fromName.centerHz;
    centerFromMeta = meta.captures[0].centerHz !== undefined;
    centerFromFile = meta.captures[0].centerHz ?? fromName.centerHz;
    datetime = meta.captures[0].datetime;
    rateError = cliError('file.rateMissingMeta', { path: meta.metaPath }, 'BAD_INPUT');
  } else {
    await refuseWav(path);
    const f = opts.format ?? formatFromExtension(path);
    if (f === undefined) {
      throw cliError('file.unknownExtension', { path, choices: SAMPLE_FORMATS.join(', ') }, 'BAD_INPUT');
    }
    format = f;
    dataPath = path;
    dataBytes = await sizeOf(dataPath);
    const bps = BYTES_PER_COMPLEX[format];
    totalSamples = Math.floor(dataBytes / bps);
    danglingBytes = dataBytes - totalSamples * bps;
    segmentsIn = [{ captureIndex: 0, sampleStart: 0, sampleCount: totalSamples, byteOffset: 0 }];
    rateSps = opts.rateSps ?? fromName.rateSps;
    centerHz = opts.centerHz ?? fromName.centerHz;
    centerFromFile = fromName.centerHz;
    rateError = cliError('file.rateUnknown', { path }, 'BAD_INPUT');
  }
  if (rateSps === undefined) throw rateError;
  for (const w of overrideWarnings(path, opts, metaRateSps ?? fromName.rateSps, metaRateSps !== undefined ? 'its SigMF core:sample_rate' : 'its file name',
    centerFromFile, centerFromMeta ? 'its SigMF core:frequency' : 'its file name')) warn(w);
  // SigMF values were checked with the meta; what is left came from a caller's option or the file name
  const rateField = opts.rateSps !== undefined ? `${path}: rateSps option`
    : metaRateSps !== undefined ? `${metaPath}: global.core:sample_rate` : `${path}: file name (rate token)`;
  const rateWhy = rateProblem(rateSps);
  if (rateWhy !== null) throw new QuietBandError(`${rateField}: ${rateWhy}`, 'BAD_INPUT');
  const centerWhy = centerHz === undefined ? null : centerProblem(centerHz);
  if (centerWhy !== null) throw badInput(path, opts.centerHz !== undefined ? 'centerHz option' : 'file name (frequency token)', centerWhy);

  if (danglingBytes > 0) {
    const bps = BYTES_PER_COMPLEX[format];
    const code: ErrorMessageCode = { id: 'file.dangling', params: { path: dataPath, bytes: dataBytes, format, bps, samples: totalSamples, dangling: danglingBytes } };
    warn(errorTextIn('en', code), code);
  }

  const centerKnown = centerHz !== undefined;
  const segments: Segment[] = [];
  let tuneId = 0;
  let prevCenter = centerHz ?? 0;
  for (let i = 0; i < segmentsIn.length; i++) {
    const s = segmentsIn[i];
    // A --center override applies to every capture; otherwise a capture without core:frequency keeps the previous one.
    const c = opts.centerHz ?? s.centerHz ?? prevCenter;
    if (i > 0 && c !== prevCenter) tuneId++;
    segments.push({ byteOffset: s.byteOffset, sampleStart: s.sampleStart, sampleCount: s.sampleCount, centerHz: c, tuneId, discontinuity: i > 0 });
    prevCenter = c;
  }

  let fh: FileHandle;
  try {
    fh = await fsp.open(dataPath, 'r');
  } catch (err) {
    throw cliError('file.cannotOpen', { path: dataPath, detail: (err as Error).message }, 'BAD_INPUT', { cause: err });
  }
  if (format === 'cf32') {
    const field = opts.format !== undefined ? { file: path, name: '--format', value: 'cf32' }
      : metaPath !== undefined ? { file: metaPath, name: 'global.core:datatype', value: '"cf32_le"' } : { file: path, name: 'format (from the extension)', value: 'cf32' };
    try {
      await checkFirstFloats(fh, dataPath, segments[0], field);
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }
  const info: IqSourceInfo = {
    label: basename(path),
    format,
    rateSps,
    centerHz: centerHz ?? 0,
    centerKnown,
    totalSamples,
  };
  if (datetime !== undefined) info.datetime = datetime;
  return new FileSource({ info, dataPath, segments, blockSamples, fh, rateField });
}

async function sizeOf(path: string): Promise<number> {
  try {
    const st = await fsp.stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    return st.size;
  } catch (err) {
    throw cliError('file.cannotRead', { path, detail: (err as Error).message }, 'BAD_INPUT', { cause: err });
  }
}
