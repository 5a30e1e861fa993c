// The "not sent" toast over modal dialogs, in Chromium: an action submitted from the name dialog over the alert detail
// after the daemon connection dropped showed its toast dimmed under the backdrop (1280 × 800) or covered by the
// full-screen detail (390 × 844), so the supervisor never saw it.
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { det } from '../server/helpers.js';
import { alertRow, ensureUiBuilt, openLivePage, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

let site: FakeSite;
let td: ReturnType<typeof tempDir>;
let alertId = '';
beforeEach(async () => {
  ensureUiBuilt();
  td = tempDir('qb-webui-dom-');
  site = await startFakeSite({ dataDir: td.dir, spectrumHz: 0 });
  alertId = (await site.bus.handleDetection('south', det(1, 'open', { centerHz: 462_612_500 }), { originMs: Date.now() - 5000 }))!.alertId;
}, 60_000);
afterEach(async () => {
  await site?.close().catch(() => undefined);
  td.cleanup();
});

/**
 * The colour the screen shows (rgb 0–255) 4 px inside the first toast's top-left corner, within its padding: the toast's
 * own background (#402020) when nothing covers it. (elementFromPoint cannot tell: the page outside an open modal dialog
 * is inert, which hit-testing skips, though it is drawn.)
 */
async function toastPixel(page: Page): Promise<[number, number, number]> {
  const box = (await page.locator('.toast').first().boundingBox())!;
  const png = PNG.sync.read(await page.screenshot({ clip: { x: Math.round(box.x) + 4, y: Math.round(box.y) + 4, width: 1, height: 1 }, scale: 'css' }));
  return [png.data[0]!, png.data[1]!, png.data[2]!];
}

describe('toast', () => {
  for (const vp of [{ width: 1280, height: 800, isMobile: false }, { width: 390, height: 844, isMobile: true }]) {
    it(`"not sent" after marking known from the alert detail is above the dialog (${vp.width} × ${vp.height})`, async () => {
      const { page, close } = await openLivePage(site.url, { locale: 'zh-CN', viewport: { width: vp.width, height: vp.height }, isMobile: vp.isMobile });
      try {
        await (await alertRow(page, alertId)).locator('.c-sensor').click();
        const detail = page.locator('[data-testid="alert-detail"]');
        await detail.waitFor({ state: 'visible' });
        await detail.locator('[data-testid="detail-known-button"]').click();
        const who = page.locator('[data-testid="who-dialog"]');
        await who.waitFor({ state: 'visible' });
        await site.server.close();
        await page.waitForSelector('[data-testid="connection-state"][data-state="reconnecting"]', { timeout: 5000 });
        await who.locator('[data-testid="who-name"]').fill('王老师');
        await who.locator('[data-testid="who-label"]').fill('对讲机');
        await who.locator('[data-testid="who-ok"]').click();
        const t = page.locator('.toast').first();
        await t.waitFor({ state: 'visible', timeout: 3000 });
        expect(await t.textContent()).toMatch(/^未发送：与守护进程的连接已中断（\d+ 秒后重连）——连接恢复后请重新确认$/);
        expect(await detail.isVisible()).toBe(true);
        // was rgb(26, 13, 13) under the backdrop at 1280 × 800 and the detail's own background at 390 × 844
        expect(await toastPixel(page)).toEqual([64, 32, 32]);
        const box = (await t.boundingBox())!;
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(vp.width);
        expect(box.y + box.height).toBeLessThanOrEqual(vp.height);
      } finally {
        await close();
      }
    }, 60_000);
  }
});
