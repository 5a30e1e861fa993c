// Site plan of the alert detail: the sensors as points labelled with their rooms, and the transmission's estimated position as a marker (SVG).

/** A sensor on the plan (m); `rank` 0 = nearest (strongest), absent = did not see the transmission. */
export interface PlanPoint {
  sensor: string;
  room: string;
  xM: number;
  yM: number;
  rank?: number;
  excessDb?: number;
}

/** Texts drawn on the plan (already translated). */
export interface PlanLabels {
  title: string;
  estimate: string;
  notHeard: string;
}

/** Plan metres → SVG pixels. */
export interface PlanTransform {
  /** Uniform scale (px per m). */
  pxPerM: number;
  widthPx: number;
  heightPx: number;
  /** x to the right, y downwards (as on a drawing whose origin is its top-left corner). */
  toPx(xM: number, yM: number): [number, number];
}

/**
 * Fits every point into `widthPx` × (≤ `maxHeightPx`) with `marginPx` around, at one scale for x and y (the plan is not
 * distorted); the height shrinks to the content. A span under `minSpanM` (a single point, or points on a line) is
 * widened to it so the scale stays sensible.
 */
export function planTransform(points: readonly { xM: number; yM: number }[], widthPx = 360, maxHeightPx = 260, marginPx = 36, minSpanM = 4): PlanTransform {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.xM);
    x1 = Math.max(x1, p.xM);
    y0 = Math.min(y0, p.yM);
    y1 = Math.max(y1, p.yM);
  }
  if (points.length === 0) {
    x0 = y0 = 0;
    x1 = y1 = minSpanM;
  }
  const widen = (lo: number, hi: number): [number, number] => {
    const span = hi - lo;
    if (span >= minSpanM) return [lo, hi];
    const mid = (lo + hi) / 2;
    return [mid - minSpanM / 2, mid + minSpanM / 2];
  };
  [x0, x1] = widen(x0, x1);
  [y0, y1] = widen(y0, y1);
  const pxPerM = Math.min((widthPx - 2 * marginPx) / (x1 - x0), (maxHeightPx - 2 * marginPx) / (y1 - y0));
  const heightPx = Math.round((y1 - y0) * pxPerM + 2 * marginPx);
  const xOff = (widthPx - (x1 - x0) * pxPerM) / 2;
  return { pxPerM, widthPx, heightPx, toPx: (xM, yM) => [xOff + (xM - x0) * pxPerM, marginPx + (yM - y0) * pxPerM] };
}

/** Largest of 1, 2, 5 × 10^k metres not longer than `maxPx` at `pxPerM`. */
export function scaleBarM(pxPerM: number, maxPx: number): number {
  const maxM = maxPx / pxPerM;
  let best = 0.1;
  for (let k = -1; k <= 4; k++) for (const m of [1, 2, 5]) if (m * 10 ** k <= maxM) best = m * 10 ** k;
  return best;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const COLOURS = { nearest: '#ff5c5c', heard: '#f2a93b', notHeard: '#7d8590', estimate: '#4cc3ff', text: '#d6dde6', grid: '#2b3440' };

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Draws the plan: every sensor with x/y as a dot (nearest red, other sensors that saw it orange with their excess,
 * the rest grey), its room name beside it, a 1-2-5 scale bar, and the estimate as a cross-hair. Test hooks:
 * `data-testid="site-plan"` on the `<svg>`, `plan-sensor` (with `data-sensor`, `data-rank`) on each dot,
 * `plan-estimate` on the marker.
 */
export function renderSitePlan(points: readonly PlanPoint[], estimate: { xM: number; yM: number } | undefined, labels: PlanLabels, widthPx = 360): SVGSVGElement {
  const all: { xM: number; yM: number }[] = [...points];
  if (estimate !== undefined) all.push(estimate);
  const tr = planTransform(all, widthPx);
  const svg = el('svg', { width: tr.widthPx, height: tr.heightPx, viewBox: `0 0 ${tr.widthPx} ${tr.heightPx}`, role: 'img', 'data-testid': 'site-plan', 'font-size': 11, 'font-family': 'inherit' });
  svg.append(el('title', {}, labels.title));
  svg.append(el('rect', { x: 0.5, y: 0.5, width: tr.widthPx - 1, height: tr.heightPx - 1, rx: 6, fill: 'none', stroke: COLOURS.grid }));
  // heard ones last, so they are drawn on top
  const order = [...points].sort((a, b) => (b.rank ?? Infinity) - (a.rank ?? Infinity));
  for (const p of order) {
    const [x, y] = tr.toPx(p.xM, p.yM);
    const colour = p.rank === undefined ? COLOURS.notHeard : p.rank === 0 ? COLOURS.nearest : COLOURS.heard;
    const dot = el('circle', { cx: x, cy: y, r: p.rank === 0 ? 7 : 5, fill: p.rank === undefined ? 'none' : colour, stroke: colour, 'stroke-width': 2, 'data-testid': 'plan-sensor', 'data-sensor': p.sensor });
    if (p.rank !== undefined) dot.setAttribute('data-rank', String(p.rank + 1));
    dot.append(el('title', {}, `${p.room} · ${p.sensor}${p.excessDb !== undefined ? ` · ${p.excessDb.toFixed(1)} dB` : ` · ${labels.notHeard}`}`));
    svg.append(dot);
    // label under the dot (the estimate's label goes above its marker, so the two never collide)
    const anchor = x < 50 ? 'start' : x > tr.widthPx - 50 ? 'end' : 'middle';
    const tx = anchor === 'start' ? x - 8 : anchor === 'end' ? x + 8 : x;
    const text = el('text', { x: tx, y: y + 26, fill: p.rank === undefined ? COLOURS.notHeard : COLOURS.text, 'text-anchor': anchor, 'font-weight': p.rank === 0 ? 700 : 400 });
    text.textContent = p.excessDb !== undefined ? `${p.room} ${p.excessDb.toFixed(0)} dB` : p.room;
    svg.append(text);
  }
  if (estimate !== undefined) {
    const [x, y] = tr.toPx(estimate.xM, estimate.yM);
    const g = el('g', { 'data-testid': 'plan-estimate', stroke: COLOURS.estimate, 'stroke-width': 2, fill: 'none' });
    g.append(el('title', {}, `${labels.estimate}: x ${estimate.xM.toFixed(1)} m, y ${estimate.yM.toFixed(1)} m`));
    g.append(el('circle', { cx: x, cy: y, r: 9 }), el('line', { x1: x - 14, y1: y, x2: x + 14, y2: y }), el('line', { x1: x, y1: y - 14, x2: x, y2: y + 14 }));
    svg.append(g);
    svg.append(el('text', { x, y: y - 17, fill: COLOURS.estimate, 'text-anchor': 'middle' }, labels.estimate));
  }
  const barM = scaleBarM(tr.pxPerM, tr.widthPx / 4);
  const barPx = barM * tr.pxPerM;
  const by = tr.heightPx - 12;
  svg.append(
    el('line', { x1: 12, y1: by, x2: 12 + barPx, y2: by, stroke: COLOURS.text, 'stroke-width': 2 }),
    el('text', { x: 12 + barPx + 6, y: by + 4, fill: COLOURS.text }, `${barM} m`),
  );
  return svg;
}
