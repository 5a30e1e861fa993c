// Web UI (headless Chromium): the sensor cards' band labels stay inside their plots and apart; the alert detail's
// "spectrum at the alert's peak" keeps every text of its plot inside the card and apart: the band label inside the plot, beside its band; tick labels apart from each other and from the axis
// titles (MHz, dBFS), nothing cut at the canvas edges; the key of its three lines (power, baseline, threshold) above it;
// at 1400 × 900 and on a phone (390 × 844), in English and Chinese.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { shot, useControlRoom } from './control-room-site.js';

const room = useControlRoom();

/** Runs of consecutive indices (e.g. rows or columns that hold ink), as [first, last] pairs. */
function runs(flags: boolean[]): [number, number][] {
  const out: [number, number][] = [];
  flags.forEach((f, i) => {
    if (!f) return;
    const last = out[out.length - 1];
    if (last !== undefined && last[1] === i - 1) last[1] = i;
    else out.push([i, i]);
  });
  return out;
}

interface PlotInk {
  /** Canvas size and the plot area (canvas px). */
  width: number;
  height: number;
  plot: { left: number; top: number; width: number; height: number };
  /** Rows below the plot that hold ink (axis ticks, tick labels, the MHz title), counted from the plot's bottom edge. */
  belowRows: boolean[];
  /** Columns left of the plot that hold ink (title dBFS, tick labels, ticks), from the canvas' left edge. */
  leftCols: boolean[];
  /** Ink in the canvas' outermost column and row (right and bottom edges): a text cut by the edge. */
  rightEdgeInk: number;
  bottomEdgeInk: number;
  /** Band labels as drawn (CSS px from the canvas' top left corner; `centre`: their band's centre). */
  labels: { text: string; x: number; y: number; w: number; h: number; centre: number }[];
  /** CSS px per canvas px. */
  scale: number;
  /** Leftmost and rightmost column (CSS px) of opaque red ink in the first label's rows, band edges left out: the label as drawn. */
  labelInk: { left: number; right: number } | null;
}

/** Reads the detail plot's canvas: where ink is, around the plot area. */
async function plotInk(page: Page): Promise<PlotInk> {
  return page.$eval('[data-testid="detail-spectrum"]', (box) => {
    const el = box as HTMLElement;
    const canvas = el.querySelector('canvas')!;
    const ctx = canvas.getContext('2d')!;
    const { width, height } = canvas;
    const img = ctx.getImageData(0, 0, width, height).data;
    const ink = (x: number, y: number): boolean => img[4 * (y * width + x) + 3]! > 60;
    const scale = canvas.getBoundingClientRect().width / width;
    const left = Math.round(Number(el.dataset.plotLeft) / scale);
    const pw = Math.round(Number(el.dataset.plotWidth) / scale);
    const top = Math.round(Number(el.dataset.plotTop) / scale);
    const ph = Math.round(Number(el.dataset.plotHeight) / scale);
    const belowRows: boolean[] = [];
    for (let y = top + ph + 1; y < height; y++) {
      let any = false;
      for (let x = 0; x < width && !any; x++) any = ink(x, y);
      belowRows.push(any);
    }
    const leftCols: boolean[] = [];
    for (let x = 0; x < left - 1; x++) {
      let any = false;
      for (let y = 0; y < height && !any; y++) any = ink(x, y);
      leftCols.push(any);
    }
    let rightEdgeInk = 0;
    for (let y = 0; y < height; y++) if (ink(width - 1, y)) rightEdgeInk++;
    let bottomEdgeInk = 0;
    for (let x = 0; x < width; x++) if (ink(x, height - 1)) bottomEdgeInk++;
    const labels = JSON.parse(el.dataset.bandLabels ?? '[]') as PlotInk['labels'];
    const red = (x: number, y: number): boolean => {
      const i = 4 * (y * width + x);
      return img[i + 3]! > 200 && img[i]! > 200 && img[i + 1]! < 120;
    };
    let inkLeft = Infinity;
    let inkRight = -Infinity;
    if (labels.length > 0) {
      const y0 = Math.round(labels[0]!.y / scale);
      const y1 = Math.round((labels[0]!.y + labels[0]!.h) / scale);
      const edgeRow = top + ph - 5; // the band's edges run the plot's full height; text does not reach down there
      for (let x = left; x < left + pw; x++) {
        if (red(x, edgeRow)) continue;
        let any = false;
        for (let y = y0; y < y1 && !any; y++) any = red(x, y);
        if (!any) continue;
        inkLeft = Math.min(inkLeft, x * scale);
        inkRight = Math.max(inkRight, (x + 1) * scale);
      }
    }
    const labelInk: PlotInk['labelInk'] = inkLeft <= inkRight ? { left: inkLeft, right: inkRight } : null;
    return { width, height, plot: { left, top, width: pw, height: ph }, belowRows, leftCols, rightEdgeInk, bottomEdgeInk, labels, scale, labelInk };
  });
}

const CASES = [
  { name: 'desktop-en', locale: 'en-GB', viewport: { width: 1400, height: 900 }, isMobile: false },
  { name: 'desktop-zh', locale: 'zh-CN', viewport: { width: 1400, height: 900 }, isMobile: false },
  { name: 'phone-en', locale: 'en-GB', viewport: { width: 390, height: 844 }, isMobile: true },
  { name: 'phone-zh', locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true },
] as const;

describe('alert detail spectrum: labels inside the card and apart', () => {
  for (const c of CASES) {
    it(`${c.name}: band label inside the plot over its band; tick labels apart from the axis titles; nothing cut`, async () => {
      const { page, close } = await room.open({ locale: c.locale, viewport: c.viewport, isMobile: c.isMobile });
      try {
        // the sensor cards first: every band label drawn inside its plot area, none within 6 px of another in its row
        await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('[data-testid="spectrum-plot"]')].some((p) => (p.dataset.bandLabels ?? '[]') !== '[]'), undefined, { timeout: 5000 });
        const cards = await page.$$eval('[data-testid="spectrum-plot"]', (ps) => ps.map((p) => {
          const d = (p as HTMLElement).dataset;
          return { sensor: d.sensor, left: Number(d.plotLeft), width: Number(d.plotWidth), labels: JSON.parse(d.bandLabels ?? '[]') as { x: number; y: number; w: number }[] };
        }));
        expect(cards.reduce((n, c) => n + c.labels.length, 0)).toBeGreaterThanOrEqual(3); // the group's three sensors at least
        for (const c of cards) {
          for (const l of c.labels) expect({ sensor: c.sensor, inside: l.x >= c.left && l.x + l.w <= c.left + c.width }).toEqual({ sensor: c.sensor, inside: true });
          for (const a of c.labels) for (const b of c.labels) if (a !== b && a.y === b.y) expect(a.x + a.w + 5.9 <= b.x || b.x + b.w + 5.9 <= a.x).toBe(true);
        }
        const row = page.locator('[data-testid="alert-row"]', { has: page.locator('.c-sensor', { hasText: 'great-hall-b-stage' }) });
        await row.locator('.c-sensor').click();
        const plot = page.locator('[data-testid="detail-spectrum"]');
        await plot.waitFor({ state: 'visible' });
        await page.waitForFunction(() => (document.querySelector('[data-testid="detail-spectrum"]') as HTMLElement | null)?.dataset.bandLabels?.includes('868.3500') === true, undefined, { timeout: 5000 });
        await page.waitForTimeout(300); // the dialog's layout settles (resize observer → redraw)
        const ink = await plotInk(page);
        await shot(page, `spectrum-labels-${c.name}`);
        // the band label: inside the plot area, drawn where it was placed: centred on its band (868.3438–868.3563 MHz)
        expect(ink.labels.map((l) => l.text)).toEqual(['868.3500 MHz']);
        const l = ink.labels[0]!;
        const plotCss = { left: ink.plot.left * ink.scale, right: (ink.plot.left + ink.plot.width) * ink.scale, top: ink.plot.top * ink.scale };
        expect(l.x).toBeGreaterThanOrEqual(plotCss.left);
        expect(l.x + l.w).toBeLessThanOrEqual(plotCss.right);
        expect(l.y).toBeGreaterThanOrEqual(plotCss.top);
        expect(Math.abs(l.x + l.w / 2 - l.centre)).toBeLessThan(0.5);
        expect(ink.labelInk).not.toBeNull();
        expect(Math.abs(ink.labelInk!.left - l.x)).toBeLessThanOrEqual(2);
        expect(Math.abs(ink.labelInk!.right - (l.x + l.w))).toBeLessThanOrEqual(2);
        // below the plot: tick marks (first rows), tick labels, the MHz title: ≥ 3 px of air between labels and title
        const below = runs(ink.belowRows).filter(([a]) => a * ink.scale >= 5);
        expect(below.length).toBe(2);
        expect((below[1]![0] - below[0]![1] - 1) * ink.scale).toBeGreaterThanOrEqual(3);
        // left of the plot: the dBFS title, then the tick labels: ≥ 3 px of air between them
        const left = runs(ink.leftCols);
        expect(left.length).toBeGreaterThanOrEqual(2);
        expect((left[1]![0] - left[0]![1] - 1) * ink.scale).toBeGreaterThanOrEqual(3);
        // nothing cut by the canvas' right or bottom edge
        expect([ink.rightEdgeInk, ink.bottomEdgeInk]).toEqual([0, 0]);
        // the canvas inside the card (the dialog), no horizontal scroll
        const canvas = (await plot.locator('canvas').boundingBox())!;
        const dialog = (await page.locator('[data-testid="alert-detail"]').boundingBox())!;
        expect(canvas.x).toBeGreaterThanOrEqual(dialog.x);
        expect(canvas.x + canvas.width).toBeLessThanOrEqual(dialog.x + dialog.width);
        expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
        // the key of the three lines above the plot, in the page's language, each name after its line's colour, on
        // one line inside the card (390 px included)
        const key = page.locator('[data-testid="alert-detail"] [data-testid="spectrum-key"]');
        await key.waitFor({ state: 'visible' });
        const items = await key.locator('.spec-key-item').evaluateAll((els) => els.map((el) => ({ text: el.textContent, colour: getComputedStyle(el.querySelector('i')!).borderTopColor })));
        expect(items).toEqual(c.locale === 'zh-CN'
          ? [{ text: '功率', colour: 'rgb(111, 211, 255)' }, { text: '基线', colour: 'rgb(143, 224, 143)' }, { text: '门限', colour: 'rgb(232, 163, 58)' }]
          : [{ text: 'Power', colour: 'rgb(111, 211, 255)' }, { text: 'Baseline', colour: 'rgb(143, 224, 143)' }, { text: 'Threshold', colour: 'rgb(232, 163, 58)' }]);
        const keyBox = (await key.boundingBox())!;
        expect(keyBox.x).toBeGreaterThanOrEqual(dialog.x);
        expect(keyBox.x + keyBox.width).toBeLessThanOrEqual(dialog.x + dialog.width);
        expect(keyBox.height).toBeLessThan(20); // one line of 11 px text
        expect(keyBox.y + keyBox.height).toBeLessThanOrEqual(canvas.y);
      } finally {
        await close();
      }
    }, 30_000);
  }
});
