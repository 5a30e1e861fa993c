// uPlot spectrum of one sensor: current PSD, baseline and threshold over a MHz axis, with detected bands marked.
import uPlot from 'uplot';
import { t } from './i18n.js';
import type { SpectrumMessage } from './protocol-types.js';

/** A frequency band to shade on the plot (Hz), e.g. an open alert's occupied band. */
export interface BandMark {
  lowHz: number;
  highHz: number;
  /** Short text drawn at the top of the band (e.g. "433.9200 MHz"). */
  label?: string;
  /** 'alert' (red) for unacknowledged, 'handled' (amber) for acknowledged, 'known' (grey). */
  tone: 'alert' | 'handled' | 'known';
}

/** Options of {@link SpectrumView}. */
export interface SpectrumViewOptions {
  /** Plot height in CSS px (axes included). */
  height: number;
  /** Bands to shade, read at every redraw (keep it cheap). */
  bands?: () => Iterable<BandMark>;
  /** Called with the frequency (Hz) and power (dBFS) under the cursor, or null when it leaves. */
  onCursor?: (hz: number | null, dbfs: number | null) => void;
  /** Drag on the plot to zoom the frequency axis, double-click to reset (static plots only: new data resets it). */
  zoomable?: boolean;
  /** Series colours: power, baseline, threshold. */
  colors?: [string, string, string];
}

/** Default colours of the series: power (blue), baseline (green), threshold (amber); the key ({@link spectrumKey}) uses them. */
const SERIES_COLORS: [string, string, string] = ['#6fd3ff', '#8fe08f', '#e8a33a'];

/**
 * The plot's key (its legend): a short line of each series' colour before its name, "Power · Baseline · Threshold"
 * (功率 · 基线 · 门限), as HTML beside or above the plot; it wraps rather than widening a phone's page. The names carry
 * `data-i18n`, so a language switch (translateStatic / relabel) re-words them. `colors` as {@link SpectrumViewOptions}.
 */
export function spectrumKey(colors: [string, string, string] = SERIES_COLORS): HTMLElement {
  const key = document.createElement('span');
  key.className = 'spec-key';
  key.dataset.testid = 'spectrum-key';
  (['plot.power', 'plot.baseline', 'plot.threshold'] as const).forEach((k, i) => {
    const item = document.createElement('span');
    item.className = 'spec-key-item';
    const sw = document.createElement('i');
    sw.className = `k-${k.slice(5)}`;
    sw.style.borderColor = colors[i]!;
    const label = document.createElement('span');
    label.dataset.i18n = k;
    label.textContent = t(k);
    item.append(sw, label);
    key.append(item);
  });
  return key;
}

/** Values at or below this are "no data" (the server sends −300 for non-finite dB): excluded from the y range. */
const NO_DATA_DB = -250;

const TONE_FILL: Record<BandMark['tone'], string> = { alert: 'rgba(255,48,48,0.28)', handled: 'rgba(255,170,0,0.22)', known: 'rgba(160,160,160,0.18)' };
const TONE_EDGE: Record<BandMark['tone'], string> = { alert: '#ff4040', handled: '#ffb020', known: '#a0a0a0' };

/** Font size (CSS px) of the band labels and the axes; a label row is LABEL_LINE × that high. */
const LABEL_FONT_PX = 11;
const LABEL_LINE = 1.3;
/** Rows of band labels at most; a label that fits in none of them is left out (its band is still shaded). */
const LABEL_ROWS = 3;
/** Free space (CSS px) kept between two labels of a row and between a label and the plot's edges. */
const LABEL_GAP_PX = 6;

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** Font of the tick labels and axis titles; tick length and the gap from tick to label (CSS px). */
const AXIS_FONT = `${LABEL_FONT_PX}px system-ui, sans-serif`;
const TICK_PX = 4;
const TICK_GAP_PX = 3;

let measureCtx: CanvasRenderingContext2D | null = null;

/** Width (CSS px) of `text` in {@link AXIS_FONT}, from an offscreen canvas. */
function textWidthPx(text: string): number {
  measureCtx ??= document.createElement('canvas').getContext('2d');
  if (measureCtx === null) return 8 * text.length;
  measureCtx.font = AXIS_FONT;
  return measureCtx.measureText(text).width;
}

/** A band label to place: its text, tone, measured width `w` and band centre (canvas px); x, y set by {@link placeLabels} (y −1: left out). */
export interface LabelBox {
  text: string;
  tone: BandMark['tone'];
  w: number;
  centre: number;
  x: number;
  y: number;
}

/**
 * Places band labels at the top of the plot area [left, left + width] (canvas px), each centred on its band but moved
 * inside the area, the first row at `top`; a label that would overlap (or come within LABEL_GAP_PX of) one already in
 * a row goes to the next row, down to LABEL_ROWS rows; one that fits nowhere gets y = −1 (not drawn). Labels are placed
 * in order of their band's centre, so neighbours alternate rows rather than pile up.
 */
export function placeLabels(labels: LabelBox[], left: number, width: number, top: number, fontPx: number): void {
  const gap = LABEL_GAP_PX * (fontPx / LABEL_FONT_PX);
  const rows: [number, number][][] = Array.from({ length: LABEL_ROWS }, () => []);
  for (const l of [...labels].sort((a, b) => a.centre - b.centre)) {
    const x = Math.min(Math.max(left + gap / 3, l.centre - l.w / 2), left + width - l.w - gap / 3);
    l.x = x;
    l.y = -1;
    if (l.w > width) continue;
    const r = rows.findIndex((row) => row.every(([a, b]) => x + l.w + gap <= a || x >= b + gap));
    if (r < 0) continue;
    rows[r]!.push([x, x + l.w]);
    l.y = top + 2 * (fontPx / LABEL_FONT_PX) + r * LABEL_LINE * fontPx;
  }
}

/**
 * Spectrum plot with uPlot (x: MHz, y: dBFS). {@link update} takes a protocol `spectrum` message and draws it;
 * call it at most once per animation frame per view. The frequency axis array is rebuilt only when start, step or
 * point count change; the y range moves in 10 dB steps with hysteresis (so it does not jitter frame to frame):
 * it covers [min power − 5 dB, max(power, threshold) + 5 dB], widened at once, narrowed only by ≥ 20 dB.
 */
export class SpectrumView {
  readonly plot: uPlot;
  private readonly el: HTMLElement;
  private x: Float64Array = new Float64Array(0);
  private nulls: null[] = [];
  private key = '';
  private yLo = -120;
  private yHi = -20;
  private resizeObs: ResizeObserver;
  /** Frames drawn (for the debug hook and tests). */
  framesDrawn = 0;
  private last: SpectrumMessage | null = null;

  constructor(el: HTMLElement, opts: SpectrumViewOptions) {
    this.el = el;
    const colors = opts.colors ?? SERIES_COLORS;
    const bands = opts.bands;
    const width = Math.max(200, el.clientWidth);
    const o: uPlot.Options = {
      width,
      height: opts.height,
      pxAlign: true,
      legend: { show: false },
      cursor: { drag: { x: opts.zoomable === true, y: false, setScale: opts.zoomable === true }, points: { show: false }, y: false },
      scales: {
        x: { time: false, range: (_u, min, max) => [min, max] },
        y: { range: () => [this.yLo, this.yHi] },
      },
      axes: [
        {
          stroke: '#9aa4b2',
          grid: { stroke: 'rgba(255,255,255,0.07)', width: 1 },
          ticks: { stroke: 'rgba(255,255,255,0.15)', width: 1, size: TICK_PX },
          gap: TICK_GAP_PX,
          // tick, gap, one line of tick labels and a few px of air above the MHz title's own band
          size: TICK_PX + TICK_GAP_PX + Math.ceil(LABEL_LINE * LABEL_FONT_PX) + 3,
          // at least this many px between ticks: room for the widest label ("868.3500") and a gap
          space: 66,
          label: 'MHz',
          labelSize: Math.ceil(LABEL_LINE * LABEL_FONT_PX),
          labelGap: 0,
          labelFont: AXIS_FONT,
          font: AXIS_FONT,
          values: (_u, splits) => {
            const span = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 1;
            const d = span >= 1 ? 1 : span >= 0.1 ? 2 : span >= 0.01 ? 3 : 4;
            return splits.map((v) => v.toFixed(d));
          },
        },
        {
          stroke: '#9aa4b2',
          grid: { stroke: 'rgba(255,255,255,0.07)', width: 1 },
          ticks: { stroke: 'rgba(255,255,255,0.15)', width: 1, size: TICK_PX },
          gap: TICK_GAP_PX,
          // as wide as the widest tick label ("-120") plus tick and gaps, so it never runs into the dBFS title
          size: (_u, values) => TICK_PX + TICK_GAP_PX + Math.ceil(Math.max(20, ...(values ?? []).map(textWidthPx))) + 4,
          label: 'dBFS',
          labelSize: Math.ceil(LABEL_LINE * LABEL_FONT_PX),
          labelGap: 0,
          labelFont: AXIS_FONT,
          font: AXIS_FONT,
          values: (_u, splits) => splits.map((v) => v.toFixed(0)),
        },
      ],
      series: [
        {},
        { stroke: colors[0], width: 1, points: { show: false } },
        { stroke: colors[1], width: 1.5, points: { show: false } },
        { stroke: colors[2], width: 1, points: { show: false } },
      ],
      hooks: {
        draw: [
          (u) => {
            const { top, height, left, width: w } = u.bbox;
            // Plot area in CSS px from the canvas' left edge, for tests and tools that map x to frequency.
            const cssLeft = String(Math.round((left / uPlot.pxRatio) * 10) / 10);
            const cssWidth = String(Math.round((w / uPlot.pxRatio) * 10) / 10);
            if (this.el.dataset.plotLeft !== cssLeft) this.el.dataset.plotLeft = cssLeft;
            if (this.el.dataset.plotWidth !== cssWidth) this.el.dataset.plotWidth = cssWidth;
            const cssTop = String(Math.round((top / uPlot.pxRatio) * 10) / 10);
            const cssHeight = String(Math.round((height / uPlot.pxRatio) * 10) / 10);
            if (this.el.dataset.plotTop !== cssTop) this.el.dataset.plotTop = cssTop;
            if (this.el.dataset.plotHeight !== cssHeight) this.el.dataset.plotHeight = cssHeight;
            if (bands === undefined) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.beginPath();
            ctx.rect(left, top, w, height);
            ctx.clip();
            ctx.font = `${Math.round(LABEL_FONT_PX * uPlot.pxRatio)}px system-ui, sans-serif`;
            // uPlot leaves the alignment of its last axis (right-aligned y tick labels): set both
            ctx.textAlign = 'left';
            ctx.textBaseline = 'top';
            const marks = [...bands()];
            const labels: LabelBox[] = [];
            for (const b of marks) {
              let x0 = u.valToPos(b.lowHz / 1e6, 'x', true);
              let x1 = u.valToPos(b.highHz / 1e6, 'x', true);
              if (x1 - x0 < 3 * uPlot.pxRatio) {
                const c = (x0 + x1) / 2;
                x0 = c - 1.5 * uPlot.pxRatio;
                x1 = c + 1.5 * uPlot.pxRatio;
              }
              ctx.fillStyle = TONE_FILL[b.tone];
              ctx.fillRect(x0, top, x1 - x0, height);
              ctx.strokeStyle = TONE_EDGE[b.tone];
              ctx.lineWidth = uPlot.pxRatio;
              ctx.strokeRect(x0, top, x1 - x0, height);
              if (b.label !== undefined) labels.push({ text: b.label, tone: b.tone, x: 0, y: 0, w: ctx.measureText(b.label).width, centre: (x0 + x1) / 2 });
            }
            placeLabels(labels, left, w, top, LABEL_FONT_PX * uPlot.pxRatio);
            const drawn: { text: string; x: number; y: number; w: number; h: number; centre: number }[] = [];
            for (const l of labels) {
              if (l.y < 0) continue;
              ctx.fillStyle = TONE_EDGE[l.tone];
              ctx.fillText(l.text, l.x, l.y);
              const k = 1 / uPlot.pxRatio;
              drawn.push({ text: l.text, x: round1(l.x * k), y: round1(l.y * k), w: round1(l.w * k), h: round1(LABEL_LINE * LABEL_FONT_PX), centre: round1(l.centre * k) });
            }
            const json = JSON.stringify(drawn);
            if (this.el.dataset.bandLabels !== json) this.el.dataset.bandLabels = json;
            ctx.restore();
          },
        ],
        setCursor: [
          (u) => {
            if (opts.onCursor === undefined) return;
            const idx = u.cursor.idx;
            if (idx === null || idx === undefined || this.last === null) {
              opts.onCursor(null, null);
              return;
            }
            opts.onCursor(this.x[idx] !== undefined ? this.x[idx]! * 1e6 : null, this.last.powerDbfs[idx] ?? null);
          },
        ],
      },
    };
    this.plot = new uPlot(o, [[], [], [], []], el);
    this.resizeObs = new ResizeObserver(() => {
      const w = Math.max(200, Math.floor(this.el.clientWidth));
      if (w !== this.plot.width) this.plot.setSize({ width: w, height: opts.height });
    });
    this.resizeObs.observe(el);
  }

  /** Draws a frame (arrays are used as they are, not copied: do not modify them afterwards). */
  update(msg: SpectrumMessage): void {
    const n = msg.powerDbfs.length;
    const key = `${msg.startHz}|${msg.stepHz}|${n}`;
    if (key !== this.key) {
      this.key = key;
      this.x = new Float64Array(n);
      for (let i = 0; i < n; i++) this.x[i] = (msg.startHz + i * msg.stepHz) / 1e6;
      this.nulls = new Array<null>(n).fill(null);
    }
    this.last = msg;
    this.fitY(msg);
    const base = msg.baselineDbfs.length === n ? msg.baselineDbfs : this.nulls;
    const thr = msg.thresholdDbfs.length === n ? msg.thresholdDbfs : this.nulls;
    this.plot.setData([this.x, msg.powerDbfs, base, thr]);
    this.framesDrawn++;
  }

  /** Redraws without new data (e.g. the band marks changed). */
  redraw(): void {
    this.plot.redraw(false, false);
  }

  /** Removes the plot and its resize observer. */
  destroy(): void {
    this.resizeObs.disconnect();
    this.plot.destroy();
  }

  private fitY(msg: SpectrumMessage): void {
    let lo = Infinity;
    let hi = -Infinity;
    const p = msg.powerDbfs;
    for (let i = 0; i < p.length; i++) {
      const v = p[i]!;
      if (v <= NO_DATA_DB) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const t = msg.thresholdDbfs;
    for (let i = 0; i < t.length; i++) {
      const v = t[i]!;
      if (v > hi) hi = v;
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return;
    const wantLo = Math.floor((lo - 5) / 10) * 10;
    const wantHi = Math.ceil((hi + 5) / 10) * 10;
    if (wantLo < this.yLo || wantLo - this.yLo >= 20) this.yLo = wantLo;
    if (wantHi > this.yHi || this.yHi - wantHi >= 20) this.yHi = wantHi;
  }
}
