// The page's top banner while sensors warm up, on a phone (390 × 844) in Chromium: it only counted unacknowledged
// alerts, so a supervisor at the top of the page was not told that some rooms are not watched yet.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SensorHealth } from '../../src/server/protocol.js';
import { det } from '../server/helpers.js';
import { ensureUiBuilt, openLivePage, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

/** north learns its baseline, east is starting (online already, no samples), south and west detect. */
const HEALTH: Record<string, Partial<SensorHealth>> = {
  north: { state: 'learning' },
  east: { state: 'starting', achievedRateSps: 0, lastFrameAgeMs: null },
};

let site: FakeSite;
const td = tempDir('qb-webui-page-render-');
beforeAll(async () => {
  ensureUiBuilt();
  site = await startFakeSite({ dataDir: td.dir, spectrumHz: 0, health: (s) => HEALTH[s] });
}, 60_000);
afterAll(async () => {
  await site?.close();
  td.cleanup();
});

/** The banner's text, its bottom edge (px from the top of the page) and whether it is the calm notice. */
async function banner(page: Page): Promise<{ text: string; bottom: number; info: boolean }> {
  return page.locator('#banner').evaluate((b) => ({ text: b.textContent!, bottom: b.getBoundingClientRect().bottom, info: b.classList.contains('info') }));
}

describe('PageRender banner', () => {
  it('says at the top of a phone screen how many sensors are not detecting yet, in both languages', async () => {
    const { page, close } = await openLivePage(site.url, { locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      // warm-up alone: a calm notice (no alarm), in the first screen
      await expect.poll(async () => (await banner(page)).text, { timeout: 5000 }).toBe('2 个传感器尚未开始检测（启动中或学习基线）');
      const b = await banner(page);
      expect(b.info).toBe(true);
      expect(b.bottom).toBeLessThan(844);
      expect(await page.title()).not.toMatch(/^\(!\)/);
      // with an alert: both, and the banner is the alarm again
      await site.bus.handleDetection('south', det(1, 'open', { centerHz: 868_300_000 }), { originMs: Date.now() - 2000 });
      await expect.poll(async () => (await banner(page)).text, { timeout: 5000 }).toBe('1 条告警未确认 · 2 个传感器尚未开始检测（启动中或学习基线）');
      expect((await banner(page)).info).toBe(false);
      await page.locator('[data-testid="lang-toggle"]').click();
      await expect.poll(async () => (await banner(page)).text, { timeout: 3000 }).toBe('1 alert not acknowledged · 2 sensors not detecting yet (starting or learning the baseline)');
    } finally {
      await close();
    }
  }, 60_000);
});
