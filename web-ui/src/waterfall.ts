// Canvas waterfall of one sensor: one row per spectrum frame (newest on top), colour levels set from the noise floor.
import type { SpectrumMessage } from './protocol-types.js';

/** Histogram bins of the level estimator: 0.5 dB wide over [HIST_MIN_DB, HIST_MIN_DB + HIST_BINS/2). */
const HIST_MIN_DB = -200;
const HIST_BINS = 480;
/** Values at or below this are "no data" (the server sends −300 for non-finite dB). */
const NO_DATA_DB = -250;

/** Colour stops of the palette (position 0..1 → RGB): black, navy, blue, cyan, yellow, red, white. */
const STOPS: [number, number, number, number][] = [
  [0, 0, 0, 8],
  [0.18, 16, 24, 96],
  [0.38, 24, 96, 200],
  [0.55, 32, 200, 210],
  [0.72, 240, 230, 70],
  [0.88, 240, 70, 30],
  [1, 255, 255, 255],
];

/** 256-entry palette as little-endian RGBA words for a Uint32Array view of ImageData. */
function buildLut(): Uint32Array {
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    let k = 1;
    while (k < STOPS.length - 1 && STOPS[k]![0] < x) k++;
    const a = STOPS[k - 1]!;
    const b = STOPS[k]!;
    const f = (x - a[0]) / (b[0] - a[0]);
    const r = Math.round(a[1] + f * (b[1] - a[1]));
    const g = Math.round(a[2] + f * (b[2] - a[2]));
    const bl = Math.round(a[3] + f * (b[3] - a[3]));
    lut[i] = ((255 << 24) | (bl << 16) | (g << 8) | r) >>> 0;
  }
  return lut;
}

const LUT = buildLut();

/**
 * Waterfall on a canvas whose pixel width is the spectrum's point count (≤ 1024) and height `rows`; CSS stretches it.
 *
 * Automatic levels: per frame, the 20th percentile of the power points (a 0.5 dB histogram, no sorting) estimates
 * the noise floor and the maximum the strongest signal; both are smoothed (floor: α = 0.1; peak: fast attack
 * α = 0.5, slow decay α = 0.02). The colour scale spans [floor − 6 dB, max(floor + 30 dB, peak + 3 dB)], so noise
 * sits in dark blue and a signal 20 dB above it is yellow–red whatever the gain.
 * Per frame it allocates nothing: the row, histogram and palette are preallocated (the row is reallocated only when
 * the point count changes). A change of start frequency, step or point count (retune) clears the picture.
 */
export class Waterfall {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly rows: number;
  private row: ImageData | null = null;
  private rowWords = new Uint32Array(0);
  private readonly hist = new Uint32Array(HIST_BINS);
  private floorDb = NaN;
  private peakDb = NaN;
  private key = '';
  /** Rows drawn since creation (for the debug hook and tests). */
  rowsDrawn = 0;

  /** @param rows Picture height in frames (at 10 frames/s, 120 rows = 12 s of history). */
  constructor(canvas: HTMLCanvasElement, rows = 120) {
    this.canvas = canvas;
    this.rows = rows;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (ctx === null) throw new Error('waterfall: no 2D canvas context');
    this.ctx = ctx;
    canvas.width = 1;
    canvas.height = rows;
  }

  /** Current colour scale (dBFS): [lowDb, highDb]. NaN before the first frame. */
  get levels(): { lowDb: number; highDb: number } {
    const low = this.floorDb - 6;
    return { lowDb: low, highDb: Math.max(this.floorDb + 30, this.peakDb + 3) };
  }

  /** Adds one frame as the newest (top) row. */
  push(msg: SpectrumMessage): void {
    const p = msg.powerDbfs;
    const n = p.length;
    if (n === 0) return;
    const key = `${msg.startHz}|${msg.stepHz}|${n}`;
    if (key !== this.key || this.row === null) this.reset(key, n);
    this.updateLevels(p, n);
    const { lowDb, highDb } = this.levels;
    const scale = 255 / (highDb - lowDb);
    const out = this.rowWords;
    for (let i = 0; i < n; i++) {
      let k = ((p[i]! - lowDb) * scale) | 0;
      if (k < 0) k = 0;
      else if (k > 255) k = 255;
      out[i] = LUT[k]!;
    }
    const ctx = this.ctx;
    // Scroll the picture down one row (the browser copies the source first when it overlaps), then draw the new row.
    ctx.drawImage(this.canvas, 0, 0, n, this.rows - 1, 0, 1, n, this.rows - 1);
    ctx.putImageData(this.row!, 0, 0);
    this.rowsDrawn++;
  }

  private reset(key: string, n: number): void {
    this.key = key;
    this.canvas.width = n;
    this.canvas.height = this.rows;
    this.row = this.ctx.createImageData(n, 1);
    this.rowWords = new Uint32Array(this.row.data.buffer);
    this.ctx.fillStyle = '#000008';
    this.ctx.fillRect(0, 0, n, this.rows);
    this.floorDb = NaN;
    this.peakDb = NaN;
  }

  private updateLevels(p: ArrayLike<number>, n: number): void {
    const h = this.hist;
    h.fill(0);
    let max = -Infinity;
    let counted = 0;
    for (let i = 0; i < n; i++) {
      const v = p[i]!;
      if (v <= NO_DATA_DB) continue;
      if (v > max) max = v;
      let b = ((v - HIST_MIN_DB) * 2) | 0;
      if (b < 0) b = 0;
      else if (b >= HIST_BINS) b = HIST_BINS - 1;
      h[b]!++;
      counted++;
    }
    if (counted === 0) return;
    const want = Math.max(1, Math.floor(counted * 0.2));
    let acc = 0;
    let b = 0;
    for (; b < HIST_BINS; b++) {
      acc += h[b]!;
      if (acc >= want) break;
    }
    const floor = HIST_MIN_DB + b / 2;
    if (Number.isNaN(this.floorDb)) {
      this.floorDb = floor;
      this.peakDb = max;
      return;
    }
    this.floorDb += 0.1 * (floor - this.floorDb);
    this.peakDb += (max > this.peakDb ? 0.5 : 0.02) * (max - this.peakDb);
  }
}
