// Web UI (headless Chromium): the alert detail of a transmission three located sensors saw lists the rooms nearest first and draws the site plan with the estimate.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import type { ServerSensorInfo } from '../../src/server/server.js';
import type { DetectionEvent } from '../../src/types.js';
import { alertRow, REPO_ROOT, useLocatedSite } from './fake-site.js';

const SENSORS: ServerSensorInfo[] = [
  { name: 'hall-a', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall A', xM: 2, yM: 2 } },
  { name: 'hall-b', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall B', xM: 10, yM: 2 } },
  { name: 'hall-c', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall C', xM: 6, yM: 9 } },
  { name: 'office', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Office', xM: 14, yM: 9 } },
];

const site = useLocatedSite(SENSORS, 'qb-webui-rooms-');

const tone = (excessDb: number): DetectionEvent => ({
  kind: 'open', id: 1, centerHz: 433_980_000, bandwidthHz: 1000, lowHz: 433_979_500, highHz: 433_980_500, peakExcessDb: excessDb,
  peakPowerDbfs: -40, startS: 2.5, paths: ['fast', 'slow'], overload: false, tuneId: 0, packets: 1,
});

describe('alert detail: which room', () => {
  it('shows the ranked rooms (nearest first, dB) and a site plan with every located sensor and the estimate', async () => {
    const originMs = Date.now() - 3000;
    const opened: Alert[] = [];
    for (const [s, db] of [['hall-b', 16.2], ['hall-a', 33.7], ['hall-c', 17.9]] as const) opened.push((await site.bus.handleDetection(s, tone(db), { originMs }))!);
    await site.bus.flush();
    const page: Page = await site.browser.ctx.newPage();
    page.on('pageerror', (err) => {
      throw new Error(`page error: ${err.message}`);
    });
    await page.goto(site.server.url);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    const b = opened[0]!; // hall-b's alert (the first one): its detail shows the whole group
    await (await alertRow(page, b.alertId)).click();
    const dialog = page.locator('[data-testid="alert-detail"]');
    await dialog.waitFor({ state: 'visible', timeout: 2000 });
    const rooms = dialog.locator('[data-testid="detail-rooms"]');
    await rooms.waitFor({ state: 'visible', timeout: 2000 });
    const items = await rooms.locator('[data-testid="detail-room"]').evaluateAll((lis) => lis.map((li) => ({ room: (li as HTMLElement).dataset.room, text: li.textContent })));
    expect(items.map((i) => i.room)).toEqual(['Hall A', 'Hall C', 'Hall B']);
    expect(items[0]!.text).toContain('33.7 dB');
    expect(items[2]!.text).toContain('(-17.5 dB)');
    // the plan: 4 located sensors (office did not see it: no rank), ranks 1..3, and the estimate marker
    const dots = await dialog.locator('[data-testid="plan-sensor"]').evaluateAll((cs) => cs.map((c) => ({ s: c.getAttribute('data-sensor'), rank: c.getAttribute('data-rank'), cx: Number(c.getAttribute('cx')), cy: Number(c.getAttribute('cy')) })));
    expect(dots.map((d) => `${d.s}:${d.rank ?? '-'}`).sort()).toEqual(['hall-a:1', 'hall-b:3', 'hall-c:2', 'office:-']);
    const est = dialog.locator('[data-testid="plan-estimate"] circle');
    expect(await est.count()).toBe(1);
    const ex = Number(await est.getAttribute('cx'));
    const ey = Number(await est.getAttribute('cy'));
    // the estimate (≈ 2.2, 2.2 m) is drawn next to Hall A's dot (2, 2 m), far from the office (14, 9 m)
    const a = dots.find((d) => d.s === 'hall-a')!;
    const o = dots.find((d) => d.s === 'office')!;
    expect(Math.hypot(ex - a.cx, ey - a.cy)).toBeLessThan(0.1 * Math.hypot(o.cx - a.cx, o.cy - a.cy));
    expect(await dialog.locator('dd', { hasText: 'x 2.2 m, y 2.2 m' }).count()).toBe(1);
    mkdirSync(path.join(REPO_ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(REPO_ROOT, 'test-artifacts', 'web-ui-rooms-detail.png') });
    await page.close();
  }, 30_000);
});
