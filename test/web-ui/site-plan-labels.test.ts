// Site plan labels in headless Chromium: the estimate's label and its marker (the cross-hair) never cover a room's
// label, and room labels never cover each other, with the page's own fonts (en "estimate", zh-CN "估计位置"; Latin and Chinese room names). Label boxes come
// from the browser's layout (getBBox), over a 0.1 m × 0.2 m sweep of estimated positions, and in the alert detail.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { transformWithOxc } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../src/alerts/alert-store.js';
import type { ServerSensorInfo } from '../../src/server/server.js';
import { DICTS } from '../../web-ui/src/i18n.js';
import { alertRow, CHROMIUM_ARGS, ensureUiBuilt, REPO_ROOT, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

/** Four rooms at the corners of a 6 m × 5 m floor. */
const SENSORS: ServerSensorInfo[] = ['Room 101', 'Room 102', 'Room 103', 'Room 104'].map((room, i) => ({
  name: `room-${101 + i}`, centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room, xM: (i % 2) * 6, yM: Math.floor(i / 2) * 5 },
}));

const td = tempDir('qb-webui-plan-labels-');
let site: FakeSite;
let browser: Browser;
/** web-ui/src/site-plan.ts as browser JavaScript (types stripped; the module has no imports). */
let planJs = '';

beforeAll(async () => {
  ensureUiBuilt();
  const file = path.join(REPO_ROOT, 'web-ui', 'src', 'site-plan.ts');
  planJs = (await transformWithOxc(readFileSync(file, 'utf8'), file)).code;
  site = await startFakeSite({ dataDir: td.dir, sensors: SENSORS, spectrumHz: 0, timeZone: 'UTC' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  td.cleanup();
});

/** The monitoring page in `locale`; with `plan`, the site-plan module is loaded into it as `window.__plan` (CSP bypassed for that). */
async function open(locale: string, plan: boolean): Promise<{ page: Page; close: () => Promise<void> }> {
  const ctx = await browser.newContext({ locale, bypassCSP: plan, viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.on('pageerror', (err) => {
    throw new Error(`page error: ${err.message}`);
  });
  await page.goto(site.url);
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 10_000 });
  if (plan) {
    await page.addScriptTag({ type: 'module', content: `${planJs}\nwindow.__plan = { renderSitePlan };` });
    await page.waitForFunction(() => window.__plan !== undefined);
  }
  return { page, close: () => ctx.close() };
}

describe('estimate and room labels never overlap', () => {
  it.each([['en-US', 'en'], ['zh-CN', 'zh-CN']] as const)('%s: every estimated position of a 0.1 m × 0.2 m sweep, Latin and Chinese room names', async (locale, lang) => {
    const label = DICTS[lang]['plan.estimate'];
    const { page, close } = await open(locale, true);
    try {
      const res = await page.evaluate((label) => {
        const plan = window.__plan!;
        const host = document.createElement('div');
        document.body.append(host);
        const hits: string[] = [];
        let plans = 0;
        for (const names of [['Room 101', 'Room 102', 'Room 103', 'Room 104'], ['第一考场', '第二考场', '第三考场', '第四考场']]) {
          // the two top rooms heard (the first nearest, bold), the bottom two not
          const points = names.map((room, i) => ({ sensor: `s${i}`, room, xM: (i % 2) * 6, yM: Math.floor(i / 2) * 5, ...(i < 2 ? { rank: i, excessDb: 25 - 4 * i } : {}) }));
          for (let xd = 0; xd <= 60; xd++) {
            for (let yd = -5; yd <= 25; yd++) {
              const at = { xM: xd / 10, yM: yd / 5 };
              const svg = plan.renderSitePlan(points, at, { title: 'plan', estimate: label, notHeard: 'not heard' });
              host.replaceChildren(svg);
              plans++;
              const box = (t: Element): { x: number; y: number; w: number; h: number } => {
                const b = (t as SVGTextElement).getBBox();
                return { x: b.x, y: b.y, w: b.width, h: b.height };
              };
              const est = box(svg.querySelector('[data-testid="plan-estimate-label"]')!);
              const rooms = [...svg.querySelectorAll('[data-testid="plan-label"]')].map((t) => ({ name: t.textContent!, ...box(t) }));
              const ov = (a: typeof est, b: typeof est): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
              const width = Number(svg.getAttribute('width'));
              if (est.x < 0 || est.x + est.w > width || est.y < 0) hits.push(`(${at.xM}, ${at.yM}): estimate label outside the plan`);
              for (const r of rooms) if (ov(est, r)) hits.push(`(${at.xM}, ${at.yM}): estimate × ${r.name}`);
              // the marker (cross-hair ±14 px, its circle) never covers a room label
              const mark = box(svg.querySelector('[data-testid="plan-estimate"]')!);
              for (const r of rooms) if (ov(mark, r)) hits.push(`(${at.xM}, ${at.yM}): marker × ${r.name}`);
              for (let a = 0; a < rooms.length; a++) for (let b = a + 1; b < rooms.length; b++) if (ov(rooms[a]!, rooms[b]!)) hits.push(`(${at.xM}, ${at.yM}): ${rooms[a]!.name} × ${rooms[b]!.name}`);
            }
          }
        }
        return { plans, hits };
      }, label);
      expect(res.plans).toBe(2 * 61 * 31);
      // before: zh-CN "估计位置" (44 px wide, estimated 26 px) covered "Room 101 25 dB" by 3.6 px around x = 1.6 m, y = 0.8…1.4 m;
      // the cross-hair covered a room label at 295 of the 3782 positions (drawn over the label, which stayed put)
      expect(res.hits).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);

  it('zh-CN alert detail: the estimate label of a transmission at (1.6 m, 1.0 m) and (1.6 m, 1.2 m) is clear of every room label', async () => {
    const t = new Date().toISOString();
    const rooms = [{ room: 'Room 101', sensor: 'room-101', excessDb: 25.3 }, { room: 'Room 102', sensor: 'room-102', excessDb: 21.1 }];
    const ids: string[] = [];
    for (const yM of [1.0, 1.2]) {
      const draft: AlertDraft = { sensor: 'room-101', kind: 'transmission', event: 'close', state: 'new', severity: 'high', time: t, startTime: t, centerHz: 433_950_000 + yM * 1e5, bandwidthHz: 12_500, peakExcessDb: 25.3, rooms, positionM: { xM: 1.6, yM } };
      ids.push((await site.store.enqueue(draft).done).alertId);
    }
    const { page, close } = await open('zh-CN', false);
    try {
      const dialog = page.locator('[data-testid="alert-detail"]');
      for (const id of ids) {
        await (await alertRow(page, id)).locator('.c-sensor').click();
        await dialog.locator('[data-testid="plan-estimate-label"]').waitFor({ state: 'visible', timeout: 3000 });
        const boxes = await dialog.locator('[data-testid="plan-label"], [data-testid="plan-estimate-label"]').evaluateAll((ts) =>
          ts.map((e) => {
            const b = (e as SVGTextElement).getBBox();
            return { s: e.getAttribute('data-sensor') ?? e.textContent!, x: b.x, y: b.y, w: b.width, h: b.height };
          }),
        );
        expect(boxes.map((b) => b.s).sort()).toEqual(['room-101', 'room-102', 'room-103', 'room-104', '估计位置']);
        const est = boxes.find((b) => b.s === '估计位置')!;
        const covered = boxes.filter((b) => b !== est && est.x < b.x + b.w && b.x < est.x + est.w && est.y < b.y + b.h && b.y < est.y + est.h).map((b) => b.s);
        expect({ id, covered }).toEqual({ id, covered: [] });
        await dialog.locator('.detail-close').click();
      }
    } finally {
      await close();
    }
  }, 30_000);
});
