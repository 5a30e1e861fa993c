// Site plan of the alert detail: the sensors as points labelled with their rooms, and the transmission's estimated position as a marker (SVG).

/** A sensor on the plan (m); `rank` 0 = nearest (strongest), absent = did not see the transmission. */
export interface PlanPoint {
  sensor: string;
  room: string;
  xM: number;
  yM: number;
  rank?: number;
  excessDb?: number;
  /** A weaker sensor of a ranked room (not the one the room is ranked by): drawn as "heard", never as the nearest. */
  secondary?: boolean;
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

/** A label's box on the plan (px): left/top corner, width, height. */
export interface LabelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Line height (px) of the plan's 11 px labels, and the width (px) assumed per narrow character where there are no text metrics. */
const LINE_PX = 13;
const CHAR_PX = 6.6;

/** Font size (px) of the plan's labels: a wide (CJK) character takes about one em. */
const FONT_PX = 11;

/** True for a character drawn about one em wide: CJK ideographs, kana, Hangul, fullwidth forms and CJK punctuation. */
function isWide(code: number): boolean {
  return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) || (code >= 0xffe0 && code <= 0xffe6) || code >= 0x20000;
}

/**
 * Width (px) of a label of `text` at the plan's font size, an upper estimate without text metrics: ~0.6 em per
 * character, one em per wide (CJK) character ("估计位置" is 44 px, not 4 × 6.6).
 */
export function labelWidthPx(text: string): number {
  let w = 0;
  for (const ch of text) w += isWide(ch.codePointAt(0)!) ? FONT_PX : CHAR_PX;
  return w;
}

let measureCtx: CanvasRenderingContext2D | null | undefined;

/**
 * Width (px) of `text` as the page draws the plan's labels: measured on a canvas in the body's font at the plan's size
 * ({@link labelWidthPx} outside a browser, or when the canvas is not available), plus 2 px so neighbours keep a gap.
 */
function measuredWidthPx(text: string, bold = false): number {
  if (measureCtx === undefined) {
    measureCtx = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
  }
  if (measureCtx === null) return labelWidthPx(text);
  measureCtx.font = `${bold ? '700 ' : ''}${FONT_PX}px ${getComputedStyle(document.body).fontFamily}`;
  return measureCtx.measureText(text).width + 2;
}

/** Boxes overlap (touching edges do not). */
function overlaps(a: LabelBox, b: LabelBox): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Half the size (px) of the estimate's marker: cross-hair arms of 14 px and their 2 px stroke. */
const MARKER_HALF_PX = 15;

/** The box the estimate's marker (centre `est`) covers on the plan. */
function markerBox(est: readonly [number, number]): LabelBox {
  return { x: est[0] - MARKER_HALF_PX, y: est[1] - MARKER_HALF_PX, w: 2 * MARKER_HALF_PX, h: 2 * MARKER_HALF_PX };
}

/**
 * Where the estimate's label goes: the first of above, below, right and left of the marker (centre `est`, cross-hair
 * ±14 px) whose box overlaps neither a dot (`dots`, radius ≤ 7 px) nor a room label where it wants to be (`rooms`) and
 * stays inside the plan's width; above when none is free (the room labels then move down out of its way).
 * @returns the box and its text anchor ('middle' above/below, 'start' right, 'end' left).
 */
export function placeEstimateLabel(est: readonly [number, number], w: number, dots: readonly (readonly [number, number])[], rooms: readonly LabelBox[], widthPx: number): { box: LabelBox; anchor: 'middle' | 'start' | 'end' } {
  const [x, y] = est;
  const candidates: { box: LabelBox; anchor: 'middle' | 'start' | 'end' }[] = [
    { box: { x: x - w / 2, y: y - 17 - 10, w, h: LINE_PX }, anchor: 'middle' },
    { box: { x: x - w / 2, y: y + 17, w, h: LINE_PX }, anchor: 'middle' },
    { box: { x: x + 17, y: y - LINE_PX / 2, w, h: LINE_PX }, anchor: 'start' },
    { box: { x: x - 17 - w, y: y - LINE_PX / 2, w, h: LINE_PX }, anchor: 'end' },
  ];
  const dotBoxes = dots.map(([dx, dy]): LabelBox => ({ x: dx - 8, y: dy - 8, w: 16, h: 16 }));
  const free = candidates.find((c) => c.box.x >= 2 && c.box.x + c.box.w <= widthPx - 2 && c.box.y >= 2 && ![...dotBoxes, ...rooms].some((b) => overlaps(c.box, b)));
  return free ?? candidates[0]!;
}

/**
 * Places labels top-down without overlap: each wanted box (in order: the first keeps its place) is moved down one line
 * (`lineHeightPx`) at a time while it overlaps a box already placed (`fixed` ones too, e.g. the estimate's label).
 * Sensors on one spot, or closer than a label's size, so get stacked labels instead of over-printed ones.
 * @returns the boxes placed, input order.
 */
export function placeLabels(wanted: readonly LabelBox[], fixed: readonly LabelBox[] = [], lineHeightPx = LINE_PX): LabelBox[] {
  const placed: LabelBox[] = [...fixed];
  const out: LabelBox[] = [];
  for (const w of wanted) {
    const b = { ...w };
    for (let guard = 0; guard < 200 && placed.some((p) => overlaps(b, p)); guard++) b.y += lineHeightPx;
    placed.push(b);
    out.push(b);
  }
  return out;
}

/**
 * Pixel centres of the dots: points closer than `minPx` to an earlier one (same x/y, or nearly) are spread on a small
 * circle of radius `minPx` around their common centre, so every sensor stays visible and clickable.
 */
export function spreadDots(px: readonly [number, number][], minPx = 9): [number, number][] {
  const out = px.map((p): [number, number] => [p[0], p[1]]);
  const done = new Set<number>();
  for (let i = 0; i < px.length; i++) {
    if (done.has(i)) continue;
    const cluster = [i];
    for (let j = i + 1; j < px.length; j++) if (!done.has(j) && Math.hypot(px[j]![0] - px[i]![0], px[j]![1] - px[i]![1]) < minPx) cluster.push(j);
    if (cluster.length < 2) continue;
    const [cx, cy] = px[i]!;
    cluster.forEach((k, n) => {
      done.add(k);
      const a = -Math.PI / 2 + (2 * Math.PI * n) / cluster.length;
      out[k] = [cx + minPx * Math.cos(a), cy + minPx * Math.sin(a)];
    });
  }
  return out;
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
 * the rest grey), its room name beside it, a 1-2-5 scale bar, and the estimate as a cross-hair. Sensors on one spot are
 * spread on a small circle ({@link spreadDots}) and labels never over-print each other or the estimate's marker
 * ({@link placeLabels}: moved down a line; the plan grows to hold them). Test hooks: `data-testid="site-plan"` on the `<svg>`, `plan-sensor` (with `data-sensor`,
 * `data-rank`) on each dot, `plan-label` (with `data-sensor`) on each label, `plan-estimate` on the marker, `plan-estimate-label` on its label.
 */
export function renderSitePlan(points: readonly PlanPoint[], estimate: { xM: number; yM: number } | undefined, labels: PlanLabels, widthPx = 360): SVGSVGElement {
  const all: { xM: number; yM: number }[] = [...points];
  if (estimate !== undefined) all.push(estimate);
  const tr = planTransform(all, widthPx);
  // heard ones last, so they are drawn on top; labels are placed nearest first, so the nearest keeps its place
  const order = [...points].sort((a, b) => (b.rank ?? Infinity) - (a.rank ?? Infinity));
  const dots = spreadDots(order.map((p) => tr.toPx(p.xM, p.yM)));
  const texts = order.map((p) => (p.excessDb !== undefined ? `${p.room} ${p.excessDb.toFixed(0)} dB` : p.room));
  // label under the dot; near an edge it is anchored to stay inside
  const anchors = dots.map(([x]) => (x < 50 ? 'start' : x > tr.widthPx - 50 ? 'end' : 'middle'));
  const wanted = dots.map(([x, y], i): LabelBox => {
    const w = measuredWidthPx(texts[i]!, order[i]!.rank === 0 && order[i]!.secondary !== true);
    const left = anchors[i] === 'start' ? x - 8 : anchors[i] === 'end' ? x + 8 - w : x - w / 2;
    return { x: left, y: y + 26 - 10, w, h: LINE_PX };
  });
  // the estimate's label: beside its marker where no dot or room label is, placed first; the room labels avoid it and
  // the marker itself (a cross-hair drawn over a room's label made the name unreadable)
  const fixed: LabelBox[] = [];
  let est: [number, number] | undefined;
  let estLabel: ReturnType<typeof placeEstimateLabel> | undefined;
  if (estimate !== undefined) {
    est = tr.toPx(estimate.xM, estimate.yM);
    estLabel = placeEstimateLabel(est, measuredWidthPx(labels.estimate), dots, wanted, tr.widthPx);
    fixed.push(estLabel.box, markerBox(est));
  }
  const byNearest = order.map((_, i) => i).reverse();
  const placedNearestFirst = placeLabels(byNearest.map((i) => wanted[i]!), fixed);
  const boxes: LabelBox[] = new Array<LabelBox>(order.length);
  byNearest.forEach((i, k) => (boxes[i] = placedNearestFirst[k]!));
  let bottom = 0;
  for (const b of [...boxes, ...fixed]) bottom = Math.max(bottom, b.y + b.h);
  const heightPx = Math.max(tr.heightPx, Math.ceil(bottom + 24));
  const svg = el('svg', { width: tr.widthPx, height: heightPx, viewBox: `0 0 ${tr.widthPx} ${heightPx}`, role: 'img', 'data-testid': 'site-plan', 'font-size': 11, 'font-family': 'inherit' });
  svg.append(el('title', {}, labels.title));
  svg.append(el('rect', { x: 0.5, y: 0.5, width: tr.widthPx - 1, height: heightPx - 1, rx: 6, fill: 'none', stroke: COLOURS.grid }));
  order.forEach((p, i) => {
    const [x, y] = dots[i]!;
    const nearest = p.rank === 0 && p.secondary !== true;
    const colour = p.rank === undefined ? COLOURS.notHeard : nearest ? COLOURS.nearest : COLOURS.heard;
    const dot = el('circle', { cx: x, cy: y, r: nearest ? 7 : 5, fill: p.rank === undefined ? 'none' : colour, stroke: colour, 'stroke-width': 2, 'data-testid': 'plan-sensor', 'data-sensor': p.sensor });
    if (p.rank !== undefined) dot.setAttribute('data-rank', String(p.rank + 1));
    dot.append(el('title', {}, `${p.room} · ${p.sensor}${p.excessDb !== undefined ? ` · ${p.excessDb.toFixed(1)} dB` : ` · ${labels.notHeard}`}`));
    svg.append(dot);
    const b = boxes[i]!;
    const tx = anchors[i] === 'start' ? b.x : anchors[i] === 'end' ? b.x + b.w : b.x + b.w / 2;
    const text = el('text', { x: tx, y: b.y + 10, fill: p.rank === undefined ? COLOURS.notHeard : COLOURS.text, 'text-anchor': anchors[i]!, 'font-weight': nearest ? 700 : 400, 'data-testid': 'plan-label', 'data-sensor': p.sensor });
    text.textContent = texts[i]!;
    svg.append(text);
  });
  if (estimate !== undefined && est !== undefined) {
    const [x, y] = est;
    const g = el('g', { 'data-testid': 'plan-estimate', stroke: COLOURS.estimate, 'stroke-width': 2, fill: 'none' });
    g.append(el('title', {}, `${labels.estimate}: x ${estimate.xM.toFixed(1)} m, y ${estimate.yM.toFixed(1)} m`));
    const arm = MARKER_HALF_PX - 1;
    g.append(el('circle', { cx: x, cy: y, r: 9 }), el('line', { x1: x - arm, y1: y, x2: x + arm, y2: y }), el('line', { x1: x, y1: y - arm, x2: x, y2: y + arm }));
    svg.append(g);
    const b = estLabel!.box;
    const tx = estLabel!.anchor === 'start' ? b.x : estLabel!.anchor === 'end' ? b.x + b.w : b.x + b.w / 2;
    svg.append(el('text', { x: tx, y: b.y + 10, fill: COLOURS.estimate, 'text-anchor': estLabel!.anchor, 'data-testid': 'plan-estimate-label' }, labels.estimate));
  }
  const barM = scaleBarM(tr.pxPerM, tr.widthPx / 4);
  const barPx = barM * tr.pxPerM;
  const by = heightPx - 12;
  svg.append(
    el('line', { x1: 12, y1: by, x2: 12 + barPx, y2: by, stroke: COLOURS.text, 'stroke-width': 2 }),
    el('text', { x: 12 + barPx + 6, y: by + 4, fill: COLOURS.text }, `${barM} m`),
  );
  return svg;
}
