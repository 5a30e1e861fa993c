// Web UI (headless Chromium): alert detail edge cases of "which room" — sensors on one spot, two sensors in one room, malformed rooms/positionM records.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../src/alerts/alert-store.js';
import type { Alert } from '../../src/server/protocol.js';
import type { ServerSensorInfo } from '../../src/server/server.js';
import type { DetectionEvent } from '../../src/types.js';
import { alertRow, useLocatedSite } from './fake-site.js';

/** hall-a and hall-b share Hall A (different spots); c1, c2 and c3 stand on one spot in Room C. */
const SENSORS: ServerSensorInfo[] = [
  { name: 'hall-a', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall A', xM: 2, yM: 2 } },
  { name: 'hall-b', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall A', xM: 10, yM: 2 } },
  { name: 'hall-c', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall C', xM: 6, yM: 9 } },
  { name: 'c1', centerHz: 868_300_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Room C1', xM: 5, yM: 5 } },
  { name: 'c2', centerHz: 868_300_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Room C2', xM: 5, yM: 5 } },
  { name: 'c3', centerHz: 868_300_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Room C3', xM: 5, yM: 5 } },
];

const site = useLocatedSite(SENSORS, 'qb-webui-plan-edge-');

const tone = (centerHz: number, excessDb: number): DetectionEvent => ({
  kind: 'open', id: 1, centerHz, bandwidthHz: 1000, lowHz: centerHz - 500, highHz: centerHz + 500, peakExcessDb: excessDb,
  peakPowerDbfs: -40, startS: 2.5, paths: ['fast', 'slow'], overload: false, tuneId: 0, packets: 1,
});

async function openDetail(page: Page, alertId: string): Promise<ReturnType<Page['locator']>> {
  await (await alertRow(page, alertId)).click();
  const dialog = page.locator('[data-testid="alert-detail"]');
  await dialog.waitFor({ state: 'visible', timeout: 2000 });
  return dialog;
}

/** Bounding boxes of the plan's labels (px, from the browser's layout). */
async function labelBoxes(dialog: ReturnType<Page['locator']>): Promise<{ s: string; x: number; y: number; w: number; h: number }[]> {
  return dialog.locator('[data-testid="plan-label"]').evaluateAll((ts) =>
    ts.map((t) => {
      const b = (t as SVGTextElement).getBBox();
      return { s: t.getAttribute('data-sensor')!, x: b.x, y: b.y, w: b.width, h: b.height };
    }),
  );
}

const overlap = (a: { x: number; y: number; w: number; h: number }, b: typeof a): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('alert detail: which room, edge cases', () => {
  it('two sensors in one room: the weaker one is marked heard (with its dB) on the plan, not "not heard"', async () => {
    const originMs = Date.now() - 3000;
    const opened: Alert[] = [];
    for (const [s, db] of [['hall-b', 16.2], ['hall-a', 33.7], ['hall-c', 17.9]] as const) opened.push((await site.bus.handleDetection(s, tone(433_980_000, db), { originMs }))!);
    await site.bus.flush();
    const page = await site.browser.ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.server.url);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    const dialog = await openDetail(page, opened[0]!.alertId); // hall-b's own alert
    await dialog.locator('[data-testid="detail-rooms"]').waitFor({ state: 'visible', timeout: 2000 });
    // rooms: one entry per room (Hall A through its strongest sensor hall-a)
    const rooms = await dialog.locator('[data-testid="detail-room"]').evaluateAll((lis) => lis.map((li) => `${(li as HTMLElement).dataset.room}/${(li as HTMLElement).dataset.sensor}`));
    expect(rooms).toEqual(['Hall A/hall-a', 'Hall C/hall-c']);
    const dots = await dialog.locator('[data-testid="plan-sensor"]').evaluateAll((cs) => cs.map((c) => `${c.getAttribute('data-sensor')}:${c.getAttribute('data-rank') ?? '-'}:${c.querySelector('title')?.textContent ?? ''}`));
    const bySensor = new Map(dots.map((d) => [d.split(':')[0]!, d]));
    expect(bySensor.get('hall-a')).toMatch(/^hall-a:1:.*33\.7 dB$/);
    expect(bySensor.get('hall-b')).toMatch(/^hall-b:1:.*16\.2 dB$/); // Hall A's rank, its own excess — before: "not heard"
    expect(bySensor.get('hall-c')).toMatch(/^hall-c:2:.*17\.9 dB$/);
    // drawn as "heard" (orange, small), not as the nearest (red, large): that is hall-a
    const fill = await dialog.locator('[data-testid="plan-sensor"]').evaluateAll((cs) => Object.fromEntries(cs.map((c) => [c.getAttribute('data-sensor'), `${c.getAttribute('fill')}/${c.getAttribute('r')}`])));
    expect(fill).toEqual({ 'hall-a': '#ff5c5c/7', 'hall-b': '#f2a93b/5', 'hall-c': '#f2a93b/5', c1: 'none/5', c2: 'none/5', c3: 'none/5' });
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('the alert that closed first shows every sensor\'s final excess (the group\'s freshest ranking), not the values at its close', async () => {
    const originMs = Date.now() - 3000;
    const f = 434_200_000; // far from the other tests' tones (they stay open)
    const first: Alert[] = [];
    for (const [s, db] of [['hall-b', 12.0], ['hall-a', 26.2], ['hall-c', 14.7]] as const) first.push((await site.bus.handleDetection(s, tone(f, db), { originMs }))!);
    const close = (db: number): DetectionEvent => ({ ...tone(f, db), kind: 'close', endS: 3.7 });
    const aClose = (await site.bus.handleDetection('hall-a', close(33.7), { originMs }))!; // closes first: hall-c at 14.7 dB then
    await site.bus.handleDetection('hall-c', close(17.9), { originMs });
    await site.bus.handleDetection('hall-b', close(16.2), { originMs });
    await site.bus.flush();
    // the stored record of hall-a's alert indeed has the early values (same ranking: no group update was due)
    expect(aClose.rooms!.map((r) => [r.sensor, r.excessDb])).toEqual([['hall-a', 33.7], ['hall-c', 14.7]]); // hall-b: Hall A too
    const page = await site.browser.ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.server.url);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    const dialog = await openDetail(page, first[1]!.alertId); // hall-a's
    await dialog.locator('[data-testid="detail-rooms"]').waitFor({ state: 'visible', timeout: 2000 });
    const items = await dialog.locator('[data-testid="detail-room"]').evaluateAll((lis) => lis.map((li) => li.textContent));
    expect(items).toEqual(['Hall A · hall-a · 33.7 dB — nearest', 'Hall C · hall-c · 17.9 dB (-15.8 dB)']);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('sensors on one spot: every dot visible (spread), labels do not over-print, no estimated position claimed', async () => {
    const originMs = Date.now() - 3000;
    const opened: Alert[] = [];
    for (const [s, db] of [['c1', 30.4], ['c2', 18.1], ['c3', 12.6]] as const) opened.push((await site.bus.handleDetection(s, tone(868_350_000, db), { originMs }))!);
    await site.bus.flush();
    const page = await site.browser.ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.server.url);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    const dialog = await openDetail(page, opened[2]!.alertId);
    await dialog.locator('[data-testid="detail-rooms"]').waitFor({ state: 'visible', timeout: 2000 });
    expect(await dialog.locator('[data-testid="detail-room"]').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.room))).toEqual(['Room C1', 'Room C2', 'Room C3']);
    expect(await dialog.locator('[data-testid="plan-estimate"]').count()).toBe(0);
    expect(await dialog.locator('dd', { hasText: /x \d+\.\d m, y/ }).count()).toBe(0);
    const dots = await dialog.locator('[data-testid="plan-sensor"][data-sensor^="c"]').evaluateAll((cs) => cs.map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))] as const));
    expect(dots).toHaveLength(3);
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(Math.hypot(dots[i]![0] - dots[j]![0], dots[i]![1] - dots[j]![1])).toBeGreaterThan(8);
    const boxes = (await labelBoxes(dialog)).filter((b) => b.s.startsWith('c'));
    expect(boxes.map((b) => b.s).sort()).toEqual(['c1', 'c2', 'c3']);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i]!, boxes[j]!), `${boxes[i]!.s} vs ${boxes[j]!.s}`).toBe(false);
    // every label inside the drawing
    const svgH = Number(await dialog.locator('[data-testid="site-plan"]').getAttribute('height'));
    for (const b of boxes) expect(b.y + b.h).toBeLessThanOrEqual(svgH);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('malformed rooms / positionM in stored records: the dialog shows what is well-formed and the page does not throw', async () => {
    const t = new Date().toISOString();
    const base = { sensor: 'hall-a', kind: 'transmission', event: 'close', state: 'new', severity: 'high', time: t, startTime: t, centerHz: 433_950_000, bandwidthHz: 1000, peakExcessDb: 20 } as const;
    const odd: Record<string, unknown>[] = [
      { rooms: 'bogus' },
      { rooms: [null, 5, { room: 7 }, { room: 'Hall C', sensor: 'hall-c', excessDb: 14.5 }] },
      { rooms: [{ room: 'Hall A', sensor: 'hall-a', excessDb: 'loud' }] },
      { positionM: 'here', rooms: [{ room: 'Hall A', sensor: 'hall-a', excessDb: 25, xM: 'two', yM: 2 }] },
      { positionM: { xM: 'a' } },
    ];
    const ids: string[] = [];
    // deliberately malformed fields (as a hand-edited or foreign alerts.jsonl holds them): no AlertDraft can carry them
    for (const o of odd) ids.push((await site.store.enqueue({ ...base, ...o } as unknown as AlertDraft).done).alertId);
    const page = await site.browser.ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.server.url);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    const shown: string[][] = [];
    for (const id of ids) {
      const dialog = await openDetail(page, id);
      await page.waitForTimeout(100);
      expect(await dialog.locator('.detail-title').textContent()).toContain(id);
      const visible = await dialog.locator('[data-testid="detail-rooms"]').isVisible();
      shown.push(visible ? await dialog.locator('[data-testid="detail-room"]').evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.room!)) : []);
      expect(await dialog.locator('dd', { hasText: /NaN|undefined/ }).count()).toBe(0);
      await page.locator('[data-testid="alert-detail"] .detail-close').click();
    }
    expect(shown).toEqual([[], ['Hall C'], [], ['Hall A'], []]);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
