// The evidence clip's spectrogram (PNG from the daemon) framed with a frequency axis (MHz) below and a time axis (s) beside it.
import { t } from './i18n.js';

/** The picture's extent: frequency (Hz) across, time (s) down (top = clip start; src/evidence/clip-picture.ts). */
export interface ClipExtent {
  lowHz: number;
  highHz: number;
  durationS: number;
}

/**
 * Bytes of one complex sample for a SigMF `core:datatype` ("cf32_le" → 8, "ci16_le" → 4, "cu8" → 2), or undefined for
 * a real or unknown type. SigMF spec "Dataset Format": c = complex (I and Q), f/i/u + bits per component.
 */
export function complexSampleBytes(datatype: unknown): number | undefined {
  if (typeof datatype !== 'string') return undefined;
  const m = /^c[fiu](8|16|32|64)(_le|_be)?$/.exec(datatype.trim());
  return m === null ? undefined : (2 * Number(m[1])) / 8;
}

/**
 * The picture's extent from the clip's `.sigmf-meta` JSON and the `.sigmf-data` size (bytes): the band is
 * centre ± rate/2 (`captures[0].core:frequency`, `global.core:sample_rate`), the duration is samples / rate with
 * samples = data bytes / {@link complexSampleBytes}. Undefined when a field is missing or not positive.
 */
export function clipExtent(meta: unknown, dataBytes: number): ClipExtent | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const m = meta as { global?: Record<string, unknown>; captures?: Record<string, unknown>[] };
  const rate = m.global?.['core:sample_rate'];
  const centre = m.captures?.[0]?.['core:frequency'];
  const bytes = complexSampleBytes(m.global?.['core:datatype']);
  if (typeof rate !== 'number' || !(rate > 0) || typeof centre !== 'number' || !Number.isFinite(centre) || bytes === undefined || !(dataBytes > 0)) return undefined;
  return { lowHz: centre - rate / 2, highHz: centre + rate / 2, durationS: dataBytes / bytes / rate };
}

/**
 * "Nice" tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k giving about `count` ticks (Heckbert, "Nice numbers
 * for graph labels", Graphics Gems, 1990).
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

/** Decimals needed to print ticks `step` apart. */
function decimalsFor(step: number): number {
  return step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
}

/**
 * A `<figure data-testid="detail-clip-figure">` holding the picture and its axes: x ticks in MHz (`data-testid="axis-x"`,
 * one `.tick` per label at its fraction of the width), y ticks in seconds (`axis-y`), and both axis titles. {@link show}
 * loads the meta and the data size (HEAD) of a clip and draws the axes; the picture without a readable meta keeps no
 * axes (and says nothing false).
 */
export class ClipFigure {
  readonly el: HTMLElement;
  private readonly xAxis: HTMLElement;
  private readonly yAxis: HTMLElement;
  private readonly xTitle: HTMLElement;
  private readonly yTitle: HTMLElement;
  private extent: ClipExtent | undefined;
  private shownFor = '';

  constructor(readonly img: HTMLImageElement) {
    this.el = document.createElement('figure');
    this.el.className = 'clip-figure';
    this.el.dataset.testid = 'detail-clip-figure';
    this.yTitle = document.createElement('div');
    this.yTitle.className = 'axis-title y';
    this.yAxis = document.createElement('div');
    this.yAxis.className = 'axis y';
    this.yAxis.dataset.testid = 'axis-y';
    this.xAxis = document.createElement('div');
    this.xAxis.className = 'axis x';
    this.xAxis.dataset.testid = 'axis-x';
    this.xTitle = document.createElement('div');
    this.xTitle.className = 'axis-title x';
    const plot = document.createElement('div');
    plot.className = 'clip-plot';
    plot.append(img, this.xAxis);
    this.el.append(this.yTitle, this.yAxis, plot, document.createElement('span'), document.createElement('span'), this.xTitle);
    this.el.hidden = true;
  }

  /** Loads the extent of the clip whose files are at `metaUrl` / `dataUrl` (once per clip) and draws the axes. */
  async show(metaUrl: string, dataUrl: string): Promise<void> {
    if (this.shownFor === metaUrl) return;
    this.shownFor = metaUrl;
    this.extent = undefined;
    this.draw();
    try {
      const [meta, head] = await Promise.all([
        fetch(metaUrl, { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : undefined)),
        fetch(dataUrl, { method: 'HEAD', credentials: 'same-origin' }),
      ]);
      if (this.shownFor !== metaUrl) return;
      this.extent = clipExtent(meta, Number(head.headers.get('content-length')));
    } catch {
      this.extent = undefined;
    }
    this.draw();
  }

  /** Forgets the clip (dialog closed). */
  reset(): void {
    this.shownFor = '';
    this.extent = undefined;
    this.draw();
  }

  /** Redraws the axes (also after a language change: the titles). */
  draw(): void {
    const e = this.extent;
    this.xTitle.textContent = t('axis.freq');
    this.yTitle.textContent = t('axis.time');
    this.el.classList.toggle('no-axes', e === undefined);
    if (e === undefined) {
      this.xAxis.replaceChildren();
      this.yAxis.replaceChildren();
      return;
    }
    const lo = e.lowHz / 1e6;
    const hi = e.highHz / 1e6;
    const xs = niceTicks(lo, hi, 5);
    const xd = decimalsFor(xs.length > 1 ? xs[1]! - xs[0]! : 1);
    this.xAxis.replaceChildren(...xs.map((v) => tick(v.toFixed(xd), (v - lo) / (hi - lo), 'left')));
    const ys = niceTicks(0, e.durationS, 4);
    const yd = decimalsFor(ys.length > 1 ? ys[1]! - ys[0]! : 1);
    this.yAxis.replaceChildren(...ys.map((v) => tick(v.toFixed(yd), v / e.durationS, 'top')));
  }
}

function tick(text: string, frac: number, side: 'left' | 'top'): HTMLElement {
  const s = document.createElement('span');
  s.className = 'tick';
  s.textContent = text;
  s.dataset.frac = frac.toFixed(4);
  s.style[side] = `${(frac * 100).toFixed(2)}%`;
  return s;
}
