// A one-way feed of Welch averages between two threads over a SharedArrayBuffer: a worker runs the slow path's engine
// over a recording and writes what it produced; the analysis chain on the main thread reads it in place of its own
// engine (cli/replay-threads.ts, docs/architecture.md "Replay on every core").
import type { IqBlock } from '../types.js';
import type { SpectrumFrame, SpectrumSink } from './frames.js';

/** Control words (Int32 indices). Counters only grow; ring slots are counter mod capacity. */
const SEQ = 0; // bumped on every change, the word both sides wait on
const PIECE_W = 1; // pieces written
const PIECE_R = 2; // pieces read
const FRAME_W = 3; // frames written
const FRAME_R = 4; // frames read
const STATE = 5; // RUNNING, DONE, FAILED, ABORTED
const ERROR_LEN = 6; // bytes of the failure message
const READER_WAITING = 7; // 1 while the reader waits (the writer then notifies)
const WRITER_WAITING = 8; // 1 while the writer waits
const CONTROL_WORDS = 10;
const RUNNING = 0;
const DONE = 1;
const FAILED = 2;
const ABORTED = 3;
/** Float64 fields of a piece: absolute first sample, the next average's end (absolute; Infinity for none). */
const PIECE_FIELDS = 2;
/** Float64 fields of a frame's metadata: piece index, firstSample, sampleCount, centerHz, rateSps, tuneId, clipFraction, frames. */
const META_FIELDS = 8;
const ERROR_BYTES = 2048;
/** A waiting side wakes at least this often (ms) to look at the other side's state. */
const WAIT_SLICE_MS = 1000;
/**
 * The reader gives up after this long (ms) without any change from the writer: a worker that died before it could say
 * so (its thread's events cannot reach a main thread that is waiting here).
 */
export const SLOW_FEED_STALL_MS = 120_000;

/** Sizes of a feed: FFT size of its frames and ring capacities. */
export interface SlowFeedLayout {
  fftSize: number;
  /** Pieces the ring holds (a piece: one step of AnalysisChain.push). */
  pieces: number;
  /** Welch averages the ring holds. */
  frames: number;
}

/** Default capacities: ≈ 1.6 s of 2.4 MS/s signal ahead in averages, twice as many pieces. */
export const DEFAULT_SLOW_FEED = { pieces: 64, frames: 16 };

/** The typed views both sides make over one buffer. */
class FeedViews {
  readonly ctrl: Int32Array;
  readonly pieces: Float64Array;
  readonly meta: Float64Array;
  readonly power: Float32Array;
  readonly prefix: Float64Array;
  readonly error: Uint8Array;
  constructor(readonly sab: SharedArrayBuffer, readonly layout: SlowFeedLayout) {
    const n = layout.fftSize;
    let at = 0;
    const take = (bytes: number): number => {
      const o = at;
      at += Math.ceil(bytes / 8) * 8;
      return o;
    };
    this.ctrl = new Int32Array(sab, take(4 * CONTROL_WORDS), CONTROL_WORDS);
    this.pieces = new Float64Array(sab, take(8 * PIECE_FIELDS * layout.pieces), PIECE_FIELDS * layout.pieces);
    this.meta = new Float64Array(sab, take(8 * META_FIELDS * layout.frames), META_FIELDS * layout.frames);
    this.prefix = new Float64Array(sab, take(8 * (n + 1) * layout.frames), (n + 1) * layout.frames);
    this.power = new Float32Array(sab, take(4 * n * layout.frames), n * layout.frames);
    this.error = new Uint8Array(sab, take(ERROR_BYTES), ERROR_BYTES);
    if (at > sab.byteLength) throw new RangeError(`slow feed: buffer of ${sab.byteLength} B, layout needs ${at} B`);
  }

  /** Bytes a buffer of this layout needs. */
  static bytes(layout: SlowFeedLayout): number {
    const r8 = (b: number): number => Math.ceil(b / 8) * 8;
    const n = layout.fftSize;
    return r8(4 * CONTROL_WORDS) + 8 * PIECE_FIELDS * layout.pieces + 8 * META_FIELDS * layout.frames +
      8 * (n + 1) * layout.frames + r8(4 * n * layout.frames) + ERROR_BYTES;
  }

  /**
   * Publishes a change (after the counters were stored): bumps SEQ, and wakes the other side only when it waits (a
   * notify costs a futex call; most changes find the other side busy).
   */
  bump(otherWaiting: number): void {
    Atomics.add(this.ctrl, SEQ, 1);
    if (Atomics.load(this.ctrl, otherWaiting) !== 0) Atomics.notify(this.ctrl, SEQ);
  }

  /**
   * Blocks until SEQ moves from `seen` (or a slice passes). The flag is raised before SEQ is looked at again, so a
   * change published after the caller's look either shows in SEQ here or finds the flag raised and notifies.
   */
  wait(seen: number, waitingFlag: number): void {
    Atomics.store(this.ctrl, waitingFlag, 1);
    if (Atomics.load(this.ctrl, SEQ) === seen) Atomics.wait(this.ctrl, SEQ, seen, WAIT_SLICE_MS);
    Atomics.store(this.ctrl, waitingFlag, 0);
  }
}

/** Makes the shared buffer of a feed (pass it to both sides). */
export function createSlowFeedBuffer(layout: SlowFeedLayout): SharedArrayBuffer {
  return new SharedArrayBuffer(FeedViews.bytes(layout));
}

/** Thrown on the writing side when the reader gave up ({@link SlowFeedReader.abort}). */
export class SlowFeedAborted extends Error {}

/**
 * The worker's side: a {@link SpectrumSink} for the slow engine plus {@link piece}, called before each step of the
 * push loop. Blocks (Atomics.wait) while the ring is full. Allocation-free.
 */
export class SlowFeedWriter implements SpectrumSink {
  private readonly v: FeedViews;
  constructor(sab: SharedArrayBuffer, layout: SlowFeedLayout) {
    this.v = new FeedViews(sab, layout);
  }

  /** A step of the push loop starts at absolute sample `pos`; the next average ends at `slowEnd`. */
  piece(pos: number, slowEnd: number): void {
    const { ctrl, pieces, layout } = this.v;
    const w = Atomics.load(ctrl, PIECE_W);
    for (;;) {
      const seq = Atomics.load(ctrl, SEQ);
      if (w - Atomics.load(ctrl, PIECE_R) < layout.pieces) break;
      this.idle(seq);
    }
    const o = (w % layout.pieces) * PIECE_FIELDS;
    pieces[o] = pos;
    pieces[o + 1] = slowEnd;
    Atomics.store(ctrl, PIECE_W, w + 1);
    this.v.bump(READER_WAITING);
  }

  onShortFrame(): void {}

  /** Copies a Welch average (power and, when the engine made one, its prefix sum) into the ring. */
  onSlowFrame(f: SpectrumFrame): void {
    const { ctrl, meta, power, prefix, layout } = this.v;
    const n = layout.fftSize;
    const w = Atomics.load(ctrl, FRAME_W);
    for (;;) {
      const seq = Atomics.load(ctrl, SEQ);
      if (w - Atomics.load(ctrl, FRAME_R) < layout.frames) break;
      this.idle(seq);
    }
    const slot = w % layout.frames;
    const m = slot * META_FIELDS;
    meta[m] = Atomics.load(ctrl, PIECE_W) - 1;
    meta[m + 1] = f.firstSample;
    meta[m + 2] = f.sampleCount;
    meta[m + 3] = f.centerHz;
    meta[m + 4] = f.rateSps;
    meta[m + 5] = f.tuneId;
    meta[m + 6] = f.clipFraction;
    meta[m + 7] = f.frames;
    power.set(f.power, slot * n);
    if (f.prefix !== undefined) prefix.set(f.prefix, slot * (n + 1));
    else prefix[slot * (n + 1)] = NaN; // no prefix sum: the reader's frame goes without
    Atomics.store(ctrl, FRAME_W, w + 1);
    this.v.bump(READER_WAITING);
  }

  /** The stream ended: everything is written. */
  finish(): void {
    Atomics.compareExchange(this.v.ctrl, STATE, RUNNING, DONE);
    this.v.bump(READER_WAITING);
  }

  /** The worker failed: the reader throws `message`. */
  fail(message: string): void {
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES);
    this.v.error.set(bytes);
    Atomics.store(this.v.ctrl, ERROR_LEN, bytes.length);
    Atomics.compareExchange(this.v.ctrl, STATE, RUNNING, FAILED);
    this.v.bump(READER_WAITING);
  }

  /** Waits for the reader to move on from `seq`; throws when it gave up. */
  private idle(seq: number): void {
    if (Atomics.load(this.v.ctrl, STATE) === ABORTED) throw new SlowFeedAborted('slow feed: the reader stopped');
    this.v.wait(seq, WRITER_WAITING);
  }
}

/**
 * The main thread's side: stands in for the slow engine of an AnalysisChain ({@link SlowFrameSource} of pipeline.ts).
 * The writer ran the same push loop over the same blocks, so each call here meets the piece the engine would have been
 * at; every call checks that, and throws on a mismatch rather than deliver other frames. Blocks (Atomics.wait) until
 * the worker has written what is asked. Allocation-free: one frame object per ring slot, made here.
 */
export class SlowFeedReader {
  readonly hop: number;
  private readonly v: FeedViews;
  private readonly slots: SpectrumFrame[];
  private readonly noPrefix: SpectrumFrame[];
  private current = -1;
  /** SEQ as last seen and when it last changed (performance.now ms), for the stall limit. */
  private lastSeq = -1;
  private lastChangeMs = 0;

  constructor(sab: SharedArrayBuffer, layout: SlowFeedLayout, private readonly label: string) {
    this.v = new FeedViews(sab, layout);
    this.hop = layout.fftSize >> 1;
    const n = layout.fftSize;
    const make = (s: number, withPrefix: boolean): SpectrumFrame => {
      const f: SpectrumFrame = {
        power: this.v.power.subarray(s * n, (s + 1) * n), firstSample: 0, sampleCount: 0, centerHz: 0, rateSps: 0, tuneId: 0,
        clipFraction: 0, frames: 0,
      };
      if (withPrefix) f.prefix = this.v.prefix.subarray(s * (n + 1), (s + 1) * (n + 1));
      return f;
    };
    this.slots = Array.from({ length: layout.frames }, (_, s) => make(s, true));
    this.noPrefix = Array.from({ length: layout.frames }, (_, s) => make(s, false));
  }

  /** The end (absolute) of the next Welch average from `from` of `block` on, as the worker's engine found it. */
  nextSlowFrameEnd(block: IqBlock, from: number): number {
    const { ctrl, pieces, layout } = this.v;
    const k = Atomics.load(ctrl, PIECE_R);
    for (;;) {
      const seq = Atomics.load(ctrl, SEQ);
      const state = Atomics.load(ctrl, STATE);
      if (Atomics.load(ctrl, PIECE_W) > k) break;
      this.idle(seq, state, true);
    }
    const o = (k % layout.pieces) * PIECE_FIELDS;
    this.check(pieces[o], block.firstSample + from);
    this.current = k;
    return pieces[o + 1];
  }

  /** Delivers the Welch averages the worker's engine completed in samples [from, to) of `block`. */
  push(block: IqBlock, sink: SpectrumSink, from: number, _to: number): void {
    const { ctrl, pieces, meta, layout } = this.v;
    const k = this.current;
    if (k < 0 || k !== Atomics.load(ctrl, PIECE_R)) throw new Error(`${this.label}: push without nextSlowFrameEnd`);
    this.check(pieces[(k % layout.pieces) * PIECE_FIELDS], block.firstSample + from);
    for (;;) {
      // the writer stores a piece's frames before the next piece (or the end): read those markers first
      let more = false;
      for (;;) {
        const seq = Atomics.load(ctrl, SEQ);
        const state = Atomics.load(ctrl, STATE);
        const after = Atomics.load(ctrl, PIECE_W) > k + 1 || state === DONE;
        const r = Atomics.load(ctrl, FRAME_R);
        more = Atomics.load(ctrl, FRAME_W) > r && meta[(r % layout.frames) * META_FIELDS] === k;
        if (more || after) break;
        this.idle(seq, state, false);
      }
      if (!more) break;
      const r = Atomics.load(ctrl, FRAME_R);
      const slot = r % layout.frames;
      const m = slot * META_FIELDS;
      const f = Number.isNaN(this.v.prefix[slot * (layout.fftSize + 1)]) ? this.noPrefix[slot] : this.slots[slot];
      f.firstSample = meta[m + 1];
      f.sampleCount = meta[m + 2];
      f.centerHz = meta[m + 3];
      f.rateSps = meta[m + 4];
      f.tuneId = meta[m + 5];
      f.clipFraction = meta[m + 6];
      f.frames = meta[m + 7];
      sink.onSlowFrame(f);
      Atomics.store(ctrl, FRAME_R, r + 1);
      this.v.bump(WRITER_WAITING);
    }
    Atomics.store(ctrl, PIECE_R, k + 1);
    this.current = -1;
    this.v.bump(WRITER_WAITING);
  }

  /** Tells the writer to stop (it throws {@link SlowFeedAborted} at its next wait). */
  abort(): void {
    Atomics.compareExchange(this.v.ctrl, STATE, RUNNING, ABORTED);
    this.v.bump(WRITER_WAITING);
  }

  private check(recorded: number, pos: number): void {
    if (recorded !== pos) {
      throw new Error(`${this.label}: the worker's slow path is out of step (its piece starts at sample ${recorded}, the chain is at ${pos})`);
    }
  }

  /**
   * What is asked is not there yet (`state` read before looking): throws the worker's failure, or (`needMore`) when it
   * finished without it; else waits for the writer to move on from `seq`.
   */
  private idle(seq: number, state: number, needMore: boolean): void {
    if (state === FAILED) {
      const len = Atomics.load(this.v.ctrl, ERROR_LEN);
      throw new Error(`${this.label}: ${new TextDecoder().decode(this.v.error.slice(0, len))}`);
    }
    if (state === DONE && needMore) throw new Error(`${this.label}: the worker's slow path ended before the chain's stream`);
    if (state === ABORTED) throw new Error(`${this.label}: aborted`);
    const now = performance.now();
    if (seq !== this.lastSeq) {
      this.lastSeq = seq;
      this.lastChangeMs = now;
    } else if (now - this.lastChangeMs > SLOW_FEED_STALL_MS) {
      throw new Error(`${this.label}: no progress for ${SLOW_FEED_STALL_MS / 1000} s (the worker thread stopped)`);
    }
    this.v.wait(seq, READER_WAITING);
  }
}
