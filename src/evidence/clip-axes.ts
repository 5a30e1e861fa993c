// The axes of a clip's picture (frequency across in MHz, time down in s), shared by the web UI's alert detail
// (web-ui/src/clip-figure.ts, DOM) and the session report (src/report/report-figure.ts, HTML text): the extent read from
// the clip's SigMF meta, 1-2-5 ticks, their markup and the figure's CSS. Pure: no DOM, no Node modules.

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

/** The pre-roll of a clip whose ring had overwritten part of it: seconds asked for and kept. */
export interface ShortPreRoll {
  askedS: number;
  keptS: number;
}

/**
 * The clip's `quietband:pre_roll` (src/evidence/clip-meta.ts) when it says the pre-roll is short (`short` true, both
 * figures numbers), else undefined: a clip with its whole pre-roll, or a meta without the key (older clips).
 */
export function shortPreRoll(meta: unknown): ShortPreRoll | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const p = (meta as { global?: Record<string, unknown> }).global?.['quietband:pre_roll'] as { asked_s?: unknown; kept_s?: unknown; short?: unknown } | undefined;
  if (typeof p !== 'object' || p === null || p.short !== true || typeof p.asked_s !== 'number' || typeof p.kept_s !== 'number') return undefined;
  return { askedS: p.asked_s, keptS: p.kept_s };
}

/**
 * Tick positions for an axis from `lo` to `hi`: the 1-2-5 × 10^k step giving at most `maxTicks` ticks, and the ticks
 * (multiples of the step inside [lo, hi]) (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990).
 * @returns the step and the tick values
 */
export function niceTicks(lo: number, hi: number, maxTicks: number): { step: number; ticks: number[] } {
  const span = hi - lo;
  if (!(span > 0)) return { step: 1, ticks: [lo] };
  const raw = span / Math.max(1, maxTicks);
  const p = 10 ** Math.floor(Math.log10(raw));
  // a step equal to the span / maxTicks but for float noise counts (a 25 kHz band in MHz: 0.025000000000034 / 5)
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw * (1 - 1e-9))!;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) ticks.push(k * step + 0); // + 0 turns −0 into 0
  return { step, ticks };
}

/** Decimals needed to write multiples of `step` exactly (0.025 → 3). */
export function decimalsFor(step: number): number {
  let d = 0;
  while (d < 9 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-6) d++;
  return d;
}

/** One axis label: its text and its place along the axis as a fraction (0 = left / top edge of the picture). */
export interface AxisTick {
  text: string;
  frac: number;
}

/**
 * The ticks of a clip picture's axes: x in MHz (about 5), y in seconds from the clip's start (about 4), each written
 * with the decimals its step needs ("433.90", "0.2").
 */
export function clipAxisTicks(e: ClipExtent): { x: AxisTick[]; y: AxisTick[] } {
  const lo = e.lowHz / 1e6;
  const hi = e.highHz / 1e6;
  const xs = niceTicks(lo, hi, 5);
  const xd = decimalsFor(xs.step);
  const ys = niceTicks(0, e.durationS, 4);
  const yd = decimalsFor(ys.step);
  return {
    x: xs.ticks.map((v) => ({ text: v.toFixed(xd), frac: hi > lo ? (v - lo) / (hi - lo) : 0 })),
    y: ys.ticks.map((v) => ({ text: v.toFixed(yd), frac: e.durationS > 0 ? v / e.durationS : 0 })),
  };
}

/**
 * One axis's labels as HTML: `<span class="tick" data-frac="0.2500" style="left:25.00%">433.90</span>` … (`top:` for
 * the time axis). Tick texts are numbers: nothing to escape.
 */
export function axisTicksHtml(ticks: readonly AxisTick[], side: 'left' | 'top'): string {
  return ticks.map((k) => `<span class="tick" data-frac="${k.frac.toFixed(4)}" style="${side}:${(k.frac * 100).toFixed(2)}%">${k.text}</span>`).join('');
}

/** The axis titles of a clip figure in the page's language (web UI `axis.freq` / `axis.time`; the report's texts). */
export interface ClipAxisTitles {
  freq: string;
  time: string;
}

/**
 * The clip figure as HTML text (the session report): the same markup the web UI's ClipFigure builds — a
 * `<figure class="clip-figure">` with the time title and ticks on the left, the picture with the MHz ticks below it,
 * and the frequency title under them; `class="clip-figure no-axes"` and no ticks without an extent. `pictureHtml` (the
 * `<img>`) and `titles` are HTML, escaped by the caller.
 */
export function clipFigureHtml(pictureHtml: string, extent: ClipExtent | undefined, titles: ClipAxisTitles): string {
  const ticks = extent === undefined ? { x: [], y: [] } : clipAxisTicks(extent);
  return (
    `<figure class="clip-figure${extent === undefined ? ' no-axes' : ''}" data-testid="clip-figure">` +
    `<div class="axis-title y">${titles.time}</div>` +
    `<div class="axis y" data-testid="axis-y">${axisTicksHtml(ticks.y, 'top')}</div>` +
    `<div class="clip-plot">${pictureHtml}<div class="axis x" data-testid="axis-x">${axisTicksHtml(ticks.x, 'left')}</div></div>` +
    `<span></span><span></span><div class="axis-title x">${titles.freq}</div></figure>`
  );
}

/**
 * CSS of a clip figure (both pages): a grid of the time title, the time ticks and the plot, the frequency title below.
 * The y title reads bottom to top with every glyph turned: `sideways` also turns Chinese characters, which
 * `vertical-rl` alone sets upright (then upside down under the rotation); the padding keeps the glyphs off a scrolling
 * body's clipping edge. The time column ends where the picture does (its bottom margin is the plot's room for the MHz
 * ticks), so a tick at fraction f of the time axis is at f of the picture's height. Muted text uses the page's
 * `--muted` colour, #555 where the page has none.
 */
export const CLIP_FIGURE_CSS = `
.clip-figure { display: grid; grid-template-columns: auto auto 1fr; grid-template-rows: auto auto; gap: 0 4px; margin: 8px 0 0; max-width: 860px; }
.clip-figure .axis-title.y { writing-mode: vertical-rl; text-orientation: sideways; transform: rotate(180deg); text-align: center; font-size: 12px; line-height: 1.2; padding: 0 3px; margin-bottom: 18px; color: var(--muted, #555); white-space: nowrap; }
.clip-figure .axis-title.x { grid-column: 3; text-align: center; font-size: 12px; color: var(--muted, #555); margin-top: 2px; }
.clip-figure .axis.y { position: relative; width: 3.2em; margin-bottom: 18px; font-size: 11px; font-variant-numeric: tabular-nums; }
.clip-figure .axis.y .tick { position: absolute; right: 2px; transform: translateY(-50%); }
.clip-plot { position: relative; min-width: 0; padding-bottom: 18px; }
.clip-figure .axis.x { position: absolute; left: 0; right: 0; bottom: 0; height: 16px; font-size: 11px; font-variant-numeric: tabular-nums; }
.clip-figure .axis.x .tick { position: absolute; transform: translateX(-50%); white-space: nowrap; }
.clip-figure.no-axes .axis-title { visibility: hidden; }
`;
