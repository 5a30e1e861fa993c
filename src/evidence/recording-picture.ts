// `replay --png`: a spectrogram of a whole recording with frequency and time axes and the detections boxed.
import { PNG } from 'pngjs';
import { decimalsFor, niceTicks } from './clip-axes.js';
import { computeSpectrogram, OUTLINE_RGB, spectrogramPng, writePngAtomically } from './clip-picture.js';

/** Plot area (px) of a recording picture: frequency columns × time rows (top = first sample). */
export const RECORDING_PICTURE_PLOT = Object.freeze({ widthPx: 1024, heightPx: 512 });

/** Margins (px) around the plot: labels left (time) and below (frequency). */
const MARGIN = Object.freeze({ left: 72, right: 16, top: 12, bottom: 44 });
/** Glyph scale: each font pixel is SCALE × SCALE picture pixels (5 × 7 glyphs → 10 × 14). */
const SCALE = 2;
const TICK_PX = 6;
const AXIS_RGB = [230, 230, 230] as const;
const BACKGROUND_RGB = [24, 24, 24] as const;

/**
 * 5 × 7 bitmap glyphs (rows top to bottom, '#' = ink) of the characters axis labels use: digits, '.', '-', ' ' and the
 * unit letters of "MHz" and "s". Drawn by {@link drawText}; no font file is needed.
 */
const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '    #', '   # ', '  #  ', ' #   ', '#####'],
  '3': ['#####', '   # ', '  #  ', '   # ', '    #', '#   #', ' ### '],
  '4': ['   # ', '  ## ', ' # # ', '#  # ', '#####', '   # ', '   # '],
  '5': ['#####', '#    ', '#### ', '    #', '    #', '#   #', ' ### '],
  '6': ['  ## ', ' #   ', '#    ', '#### ', '#   #', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
  '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
  '9': [' ### ', '#   #', '#   #', ' ####', '    #', '   # ', ' ##  '],
  '.': ['     ', '     ', '     ', '     ', '     ', ' ##  ', ' ##  '],
  '-': ['     ', '     ', '     ', '#####', '     ', '     ', '     '],
  ' ': ['     ', '     ', '     ', '     ', '     ', '     ', '     '],
  M: ['#   #', '## ##', '# # #', '# # #', '#   #', '#   #', '#   #'],
  H: ['#   #', '#   #', '#   #', '#####', '#   #', '#   #', '#   #'],
  z: ['     ', '     ', '#####', '   # ', '  #  ', ' #   ', '#####'],
  s: ['     ', '     ', ' ####', '#    ', ' ### ', '    #', '#### '],
};

/** Width (px) of `text` drawn by {@link drawText}: 6 font columns per character (5 + 1 space) × SCALE. */
export function textWidthPx(text: string): number {
  return text.length * 6 * SCALE;
}

/** Draws `text` with its top-left corner at (x, y); characters without a glyph are drawn as spaces. */
function drawText(png: PNG, text: string, x: number, y: number, rgb: readonly [number, number, number]): void {
  for (let i = 0; i < text.length; i++) {
    const g = GLYPHS[text[i]!] ?? GLYPHS[' ']!;
    for (let r = 0; r < 7; r++) {
      for (let c = 0; c < 5; c++) {
        if (g[r]![c] !== '#') continue;
        fillRect(png, x + (i * 6 + c) * SCALE, y + r * SCALE, SCALE, SCALE, rgb);
      }
    }
  }
}

function fillRect(png: PNG, x: number, y: number, w: number, h: number, rgb: readonly [number, number, number]): void {
  const d = png.data;
  for (let yy = Math.max(0, y); yy < Math.min(png.height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(png.width, x + w); xx++) {
      const at = 4 * (yy * png.width + xx);
      d[at] = rgb[0];
      d[at + 1] = rgb[1];
      d[at + 2] = rgb[2];
      d[at + 3] = 255;
    }
  }
}

/** A detection drawn as a box: its band and its time span (s from the recording's first sample). */
export interface PictureDetection {
  lowHz: number;
  highHz: number;
  startS: number;
  endS: number;
}

/** What {@link renderRecordingPicture} drew. */
export interface RecordingPictureInfo {
  widthPx: number;
  heightPx: number;
  /** The plot's rectangle inside the picture (px; x1/y1 exclusive). */
  plot: { x0: number; y0: number; x1: number; y1: number };
  /** Frequency ticks (Hz) and time ticks (s) with their pixel positions (x for frequency, y for time). */
  freqTicks: { hz: number; x: number; label: string }[];
  timeTicks: { s: number; y: number; label: string }[];
  /** The detections' boxes (px, inclusive, in picture coordinates). */
  boxes: { x0: number; x1: number; y0: number; y1: number }[];
  frames: number;
  lowDb: number;
  highDb: number;
}

/**
 * Renders a recording's spectrogram ({@link computeSpectrogram}, {@link RECORDING_PICTURE_PLOT}: 1024 frequency columns
 * × 512 time rows, viridis) with axes: frequency below in MHz (absolute when the centre is known, else the offset from
 * the tuning centre), time on the left in seconds from the first sample, ticks at 1-2-5 steps; each detection boxed
 * 2 px wide in {@link OUTLINE_RGB} around its band and time span (at least 4 px inside). Written through a temp file
 * and a rename, mode 0666 before the umask (a user's file, not the daemon's data).
 * @throws QuietBandError('BAD_INPUT') for an unreadable recording; IO errors from the file system
 */
export async function renderRecordingPicture(path: string, pngPath: string, detections: readonly PictureDetection[]): Promise<RecordingPictureInfo> {
  const W = RECORDING_PICTURE_PLOT.widthPx;
  const H = RECORDING_PICTURE_PLOT.heightPx;
  const sg = await computeSpectrogram(path, W, H);
  const { png: plot, lowDb, highDb } = spectrogramPng(sg.db, W, H);
  const PW = MARGIN.left + W + MARGIN.right;
  const PH = MARGIN.top + H + MARGIN.bottom;
  const png = new PNG({ width: PW, height: PH });
  fillRect(png, 0, 0, PW, PH, BACKGROUND_RGB);
  PNG.bitblt(plot, png, 0, 0, W, H, MARGIN.left, MARGIN.top);
  const x0 = MARGIN.left;
  const y0 = MARGIN.top;
  const rate = sg.info.rateSps;
  const centre = sg.info.centerHz;
  const f0 = centre - rate / 2;
  const durationS = sg.total / rate;
  const xOf = (hz: number): number => x0 + ((hz - f0) / rate) * W;
  const yOf = (s: number): number => y0 + (durationS > 0 ? (s / durationS) * H : 0);
  // axes: a frame around the plot, ticks outside it, labels centred on the ticks
  fillRect(png, x0 - 1, y0 - 1, W + 2, 1, AXIS_RGB);
  fillRect(png, x0 - 1, y0 + H, W + 2, 1, AXIS_RGB);
  fillRect(png, x0 - 1, y0 - 1, 1, H + 2, AXIS_RGB);
  fillRect(png, x0 + W, y0 - 1, 1, H + 2, AXIS_RGB);
  const fx = niceTicks(f0 / 1e6, (f0 + rate) / 1e6, 8);
  const fd = decimalsFor(fx.step);
  const freqTicks: RecordingPictureInfo['freqTicks'] = [];
  for (const mhz of fx.ticks) {
    const x = Math.round(xOf(mhz * 1e6));
    const label = mhz.toFixed(fd);
    fillRect(png, x, y0 + H + 1, 1, TICK_PX, AXIS_RGB);
    drawText(png, label, Math.round(x - textWidthPx(label) / 2), y0 + H + TICK_PX + 3, AXIS_RGB);
    freqTicks.push({ hz: mhz * 1e6, x, label });
  }
  drawText(png, 'MHz', x0 + W - textWidthPx('MHz'), PH - 7 * SCALE - 2, AXIS_RGB);
  const tx = niceTicks(0, durationS, 8);
  const td = decimalsFor(tx.step);
  const timeTicks: RecordingPictureInfo['timeTicks'] = [];
  for (const s of tx.ticks) {
    const y = Math.round(yOf(s));
    const label = s.toFixed(td);
    fillRect(png, x0 - 1 - TICK_PX, y, TICK_PX, 1, AXIS_RGB);
    drawText(png, label, x0 - TICK_PX - 4 - textWidthPx(label), Math.round(y - 3.5 * SCALE), AXIS_RGB);
    timeTicks.push({ s, y, label });
  }
  drawText(png, 's', 4, PH - 7 * SCALE - 2, AXIS_RGB);
  // detections: boxes around band × time, clipped to the plot
  const boxes: RecordingPictureInfo['boxes'] = [];
  const clampX = (x: number): number => Math.max(x0, Math.min(x0 + W - 1, x));
  const clampY = (y: number): number => Math.max(y0, Math.min(y0 + H - 1, y));
  for (const d of detections) {
    const grow = (a: number, b: number): [number, number] => {
      const pad = Math.max(0, (4 - (b - a)) / 2);
      return [Math.floor(a - pad) - 2, Math.ceil(b + pad) + 1];
    };
    const [gx0, gx1] = grow(xOf(d.lowHz), xOf(d.highHz));
    const [gy0, gy1] = grow(yOf(d.startS), yOf(d.endS));
    const b = { x0: clampX(gx0), x1: clampX(gx1), y0: clampY(gy0), y1: clampY(gy1) };
    boxes.push(b);
    fillRect(png, b.x0, b.y0, b.x1 - b.x0 + 1, 2, OUTLINE_RGB);
    fillRect(png, b.x0, b.y1 - 1, b.x1 - b.x0 + 1, 2, OUTLINE_RGB);
    fillRect(png, b.x0, b.y0, 2, b.y1 - b.y0 + 1, OUTLINE_RGB);
    fillRect(png, b.x1 - 1, b.y0, 2, b.y1 - b.y0 + 1, OUTLINE_RGB);
  }
  await writePngAtomically(png, pngPath, 0o666);
  return { widthPx: PW, heightPx: PH, plot: { x0, y0, x1: x0 + W, y1: y0 + H }, freqTicks, timeTicks, boxes, frames: sg.frames, lowDb, highDb };
}
