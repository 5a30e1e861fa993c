// Spectrogram picture (PNG) of an evidence clip with the detected band outlined, computed with our SpectrumEngine.
import { mkdir, rename } from 'node:fs/promises';
import { DATA_FILE_MODE } from '../file-modes.js';
import { PNG } from 'pngjs';
import { readSigmfMeta } from '../source/sigmf.js';
import { openFileSource } from '../source/file-source.js';
import { SpectrumEngine } from '../spectrum/spectrum-engine.js';
import type { SpectrumFrame } from '../spectrum/frames.js';
import { readClipHints } from './clip-meta.js';
import { encodePng } from './png-encode.js';
import type { IqSourceInfo } from '../types.js';
import { writeFileAtomic } from '../atomic-write.js';

// the pictures' folder, names and pruning live in clip-picture-files.ts (a sensor worker needs those without the
// renderer's PNG encoder, SigMF reader and spectrum engine); they are part of this module's API too
export { CLIP_PICTURES_DIR, clipPicturePath, pruneClipPictures } from './clip-picture-files.js';

/** Picture size: 512 frequency columns (max of 2 FFT bins each) × 256 time rows (top = clip start). */
export const CLIP_PICTURE_SIZE = Object.freeze({ widthPx: 512, heightPx: 256 });

/** Colour of the outline of the annotated band (RGB). */
export const OUTLINE_RGB = Object.freeze([255, 48, 48] as const);
/** Clear pixels between the band and its 2 px outline, and the smallest inner size (px) of the outlined box. */
const OUTLINE_GAP_PX = 2;
const MIN_INNER_PX = 4;

/** What {@link renderClipPicture} drew. */
export interface ClipPictureInfo {
  pngPath: string;
  widthPx: number;
  heightPx: number;
  /** FFT frames averaged into the rows. */
  frames: number;
  /** Colour scale: dBFS at the bottom (dark) and top (yellow) of the map. */
  lowDb: number;
  highDb: number;
  /** The outlined annotation in pixels (inclusive), or null when the clip has none. */
  box: { x0: number; x1: number; y0: number; y1: number } | null;
}

/** Viridis control points (matplotlib's `_viridis_data` at 0, ¼, ½, ¾, 1). */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/**
 * Colour levels of the map: t in [0, 1] is drawn as level ⌊t·64⌋ (clamped to 63), level k as viridis at k/63. Over the
 * map's span (≥ 30 dB) one level is ≤ 0.47 dB, well under the ±5.6 dB spread of a one-frame periodogram's noise, and
 * with ≤ 256 colours the picture is written as an indexed PNG (png-encode.ts): a third of the bytes of 256 levels' RGBA.
 */
export const COLOUR_LEVELS = 64;

function colour(t: number, out: Uint8Array, at: number): void {
  const level = Math.min(COLOUR_LEVELS - 1, Math.floor(Math.max(0, Math.min(1, t)) * COLOUR_LEVELS));
  const x = (level / (COLOUR_LEVELS - 1)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  out[at] = Math.round(a[0] + f * (b[0] - a[0]));
  out[at + 1] = Math.round(a[1] + f * (b[1] - a[1]));
  out[at + 2] = Math.round(a[2] + f * (b[2] - a[2]));
  out[at + 3] = 255;
}

/** A recording's spectrogram: dB per (row, column), row 0 = the first samples (see {@link computeSpectrogram}). */
export interface Spectrogram {
  /** H × W dB values (row-major); NaN where no frame fell (only when the recording has no frames at all). */
  db: Float32Array;
  /** FFT frames averaged. */
  frames: number;
  /** Samples in the recording. */
  total: number;
  info: IqSourceInfo;
}

/**
 * The spectrogram of a recording (SigMF or raw, see openFileSource) at W columns × H rows: frequency on x, the
 * recording's full band, centre − rate/2 … centre + rate/2, each column the max of 2 bins of a 2·W-point FFT (Hann,
 * 50 % overlap: SpectrumEngine; DC removal unless the recording is a band-cut clip, `quietband:dc_free`: its 0 Hz is
 * the signal's centre, not a receiver's DC); time on y, each row the Welch mean of the FFT frames centred in its 1/H of
 * the recording (rows without a frame repeat their neighbour, for recordings shorter than H frames).
 * @throws QuietBandError('BAD_INPUT') for an unreadable recording
 */
export async function computeSpectrogram(path: string, W: number, H: number): Promise<Spectrogram> {
  const F = 2 * W;
  const src = await openFileSource(path);
  const info = src.info;
  const total = info.totalSamples ?? 0;
  const rowSum = new Float64Array(H * F);
  const rowFrames = new Uint32Array(H);
  let frames = 0;
  const { dcFree } = await readClipHints(path);
  const engine = new SpectrumEngine({ fftSize: F, window: 'hann', average: 0, dcRemoval: !dcFree });
  const sink = {
    onShortFrame(f: SpectrumFrame): void {
      const mid = f.firstSample + F / 2;
      const r = Math.min(H - 1, Math.max(0, Math.floor((mid * H) / Math.max(1, total))));
      const p = f.power;
      const base = r * F;
      for (let k = 0; k < F; k++) rowSum[base + k] += p[k]!;
      rowFrames[r]++;
      frames++;
    },
    onSlowFrame(): void {},
  };
  try {
    for await (const b of src.blocks()) engine.push(b, sink);
  } finally {
    await src.close();
  }
  // rows → dB columns (max of 2 bins), empty rows copy the previous (then the next) filled row
  const db = new Float32Array(W * H);
  let lastFilled = -1;
  for (let r = 0; r < H; r++) {
    const src0 = rowFrames[r]! > 0 ? r : lastFilled;
    if (rowFrames[r]! > 0) lastFilled = r;
    if (src0 < 0) {
      db.fill(NaN, r * W, (r + 1) * W);
      continue;
    }
    const inv = 1 / rowFrames[src0]!;
    for (let c = 0; c < W; c++) {
      const v = Math.max(rowSum[src0 * F + 2 * c]!, rowSum[src0 * F + 2 * c + 1]!) * inv;
      db[r * W + c] = 10 * Math.log10(v + 1e-30);
    }
  }
  const firstFilled = rowFrames.findIndex((n) => n > 0);
  for (let r = 0; firstFilled > 0 && r < firstFilled; r++) db.copyWithin(r * W, firstFilled * W, (firstFilled + 1) * W);
  return { db, frames, total, info };
}

/**
 * Colours a W × H dB map with viridis ({@link COLOUR_LEVELS} levels) over [median − 3 dB, max(max, median + 27 dB)] of
 * its finite values (non-finite values get the bottom colour). @returns the PNG (pngjs, RGBA) and the scale's ends (dBFS)
 */
export function spectrogramPng(db: Float32Array, W: number, H: number): { png: PNG; lowDb: number; highDb: number } {
  const sorted = Float32Array.from(db.filter((v) => Number.isFinite(v))).sort();
  const median = sorted.length ? sorted[sorted.length >> 1]! : -100;
  const max = sorted.length ? sorted[sorted.length - 1]! : -100;
  const lowDb = median - 3;
  const highDb = Math.max(max, median + 27);
  const png = new PNG({ width: W, height: H });
  const px = png.data;
  const span = highDb - lowDb;
  for (let i = 0; i < W * H; i++) {
    const v = db[i]!;
    colour(Number.isFinite(v) ? (v - lowDb) / span : 0, px, 4 * i);
  }
  return { png, lowDb, highDb };
}

/** Writes a PNG ({@link encodePng}: indexed colour when it has ≤ 256 colours) through a temp file and a rename, creating the folder; `mode` (before the umask) default DATA_FILE_MODE. */
export async function writePngAtomically(png: PNG, pngPath: string, mode = DATA_FILE_MODE): Promise<void> {
  // the temp name is unique per writer: the sensors' evidence threads and the server's picture thread share this process
  await writeFileAtomic(pngPath, encodePng(png), { mode, mkdir: true });
}

/**
 * Renders the spectrogram of a SigMF clip to `pngPath` (written via a temp file + rename):
 * - frequency on x: the clip's full band, centre − rate/2 … centre + rate/2, {@link CLIP_PICTURE_SIZE}.widthPx
 *   columns, each the max of 2 bins of a 2·width-point FFT (Hann, 50 % overlap: SpectrumEngine; DC removal unless the
 *   clip is band-cut, `quietband:dc_free`: its 0 Hz is the signal's centre, not a receiver's DC);
 * - time on y, top = first sample: each of the heightPx rows is the Welch mean of the FFT frames centred in its
 *   1/heightPx of the clip (rows without a frame repeat their neighbour, for clips shorter than heightPx frames);
 * - colour: viridis over [median − 3 dB, max(max, median + 27 dB)] of the picture's dB values in
 *   {@link COLOUR_LEVELS} levels, so the PNG is indexed (png-encode.ts: ≈ 70 KB for a 6 s clip whose rows are one
 *   noisy FFT frame each, where 256 levels as RGBA took ≈ 340 KB);
 * - the first annotation (`core:freq_lower_edge/upper_edge`, `core:sample_start/count`) outlined 2 px wide in
 *   {@link OUTLINE_RGB}, around the band with 2 clear pixels (the box's inside is ≥ 4 px), so a narrow signal stays
 *   visible inside it.
 * @throws QuietBandError('BAD_INPUT') for an unreadable clip; IO errors from the file system.
 */
export async function renderClipPicture(metaPath: string, pngPath: string, size = CLIP_PICTURE_SIZE): Promise<ClipPictureInfo> {
  const W = size.widthPx;
  const H = size.heightPx;
  const meta = await readSigmfMeta(metaPath);
  const sg = await computeSpectrogram(metaPath, W, H);
  const { info, total, frames } = sg;
  const { png, lowDb, highDb } = spectrogramPng(sg.db, W, H);
  const px = png.data;
  // outline the first annotation
  let box: ClipPictureInfo['box'] = null;
  const ann = meta.annotations[0];
  if (ann !== undefined && total > 0 && info.rateSps > 0) {
    const f0 = info.centerHz - info.rateSps / 2;
    const clampX = (x: number): number => Math.max(0, Math.min(W - 1, Math.round(x)));
    const clampY = (y: number): number => Math.max(0, Math.min(H - 1, Math.round(y)));
    const lo = ann.freqLowerHz ?? f0;
    const hi = ann.freqUpperHz ?? f0 + info.rateSps;
    // the outline goes around the band, never over it: OUTLINE_GAP_PX clear pixels inside, at least MIN_INNER_PX wide/tall
    const xa = ((lo - f0) / info.rateSps) * W;
    const xb = ((hi - f0) / info.rateSps) * W;
    const ya = (ann.sampleStart / total) * H;
    const yb = ((ann.sampleStart + (ann.sampleCount ?? total - ann.sampleStart)) / total) * H;
    const grow = (a: number, b: number): [number, number] => {
      const pad = Math.max(0, (MIN_INNER_PX - (b - a)) / 2);
      return [Math.floor(a - pad) - OUTLINE_GAP_PX - 2, Math.ceil(b + pad) + OUTLINE_GAP_PX + 1];
    };
    const [gx0, gx1] = grow(xa, xb);
    const [gy0, gy1] = grow(ya, yb);
    const x0 = clampX(gx0);
    const x1 = clampX(gx1);
    const y0 = clampY(gy0);
    const y1 = clampY(gy1);
    box = { x0, x1, y0, y1 };
    const set = (x: number, y: number): void => {
      if (x < 0 || x >= W || y < 0 || y >= H) return;
      const at = 4 * (y * W + x);
      px[at] = OUTLINE_RGB[0];
      px[at + 1] = OUTLINE_RGB[1];
      px[at + 2] = OUTLINE_RGB[2];
      px[at + 3] = 255;
    };
    for (let t = 0; t < 2; t++) {
      for (let x = x0; x <= x1; x++) {
        set(x, y0 + t);
        set(x, y1 - t);
      }
      for (let y = y0; y <= y1; y++) {
        set(x0 + t, y);
        set(x1 - t, y);
      }
    }
  }
  await writePngAtomically(png, pngPath);
  return { pngPath, widthPx: W, heightPx: H, frames, lowDb, highDb, box };
}
