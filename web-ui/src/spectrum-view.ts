// uPlot spectrum of one sensor: current PSD, baseline and threshold over a MHz axis, with detected bands marked.
import uPlot from 'uplot';
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

/** Values at or below this are "no data" (the server sends −300 for non-finite dB): excluded from the y range. */
const NO_DATA_DB = -250;

const TONE_FILL: Record<BandMark['tone'], string> = { alert: 'rgba(255,48,48,0.28)', handled: 'rgba(255,170,0,0.22)', known: 'rgba(160,160,160,0.18)' };
const TONE_EDGE: Record<BandMark['tone'], string> = { alert: '#ff4040', handled: '#ffb020', known: '#a0a0a0' };

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
    const colors = opts.colors ?? ['#6fd3ff', '#8fe08f', '#e8a33a'];
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
          ticks: { stroke: 'rgba(255,255,255,0.15)', width: 1 },
          size: 24,
          label: 'MHz',
          labelSize: 14,
          labelGap: 0,
          labelFont: '11px system-ui, sans-serif',
          font: '11px system-ui, sans-serif',
          values: (_u, splits) => {
            const span = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 1;
            const d = span >= 1 ? 1 : span >= 0.1 ? 2 : span >= 0.01 ? 3 : 4;
            return splits.map((v) => v.toFixed(d));
          },
        },
        {
          stroke: '#9aa4b2',
          grid: { stroke: 'rgba(255,255,255,0.07)', width: 1 },
          ticks: { stroke: 'rgba(255,255,255,0.15)', width: 1 },
          size: 34,
          label: 'dBFS',
          labelSize: 14,
          labelGap: 0,
          labelFont: '11px system-ui, sans-serif',
          font: '11px system-ui, sans-serif',
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
            if (bands === undefined) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.beginPath();
            ctx.rect(left, top, w, height);
            ctx.clip();
            ctx.font = `${Math.round(11 * uPlot.pxRatio)}px system-ui, sans-serif`;
            ctx.textBaseline = 'top';
            for (const b of bands()) {
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
              if (b.label !== undefined) {
                ctx.fillStyle = TONE_EDGE[b.tone];
                const tw = ctx.measureText(b.label).width;
                const tx = Math.min(Math.max(left + 2, (x0 + x1) / 2 - tw / 2), left + w - tw - 2);
                ctx.fillText(b.label, tx, top + 2);
              }
            }
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
