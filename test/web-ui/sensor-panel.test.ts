// The sensor cards in Chromium while a sensor starts: for 2–4 s after each start the daemon reports a sensor online in
// state 'starting' with rate 0 and no frame yet, and its card showed the green 在线 / ONLINE of a protected room.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUiBuilt, openLivePage, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

let site: FakeSite;
const td = tempDir('qb-webui-sensor-panel-');
beforeAll(async () => {
  ensureUiBuilt();
  site = await startFakeSite({
    dataDir: td.dir,
    spectrumHz: 0,
    // as the daemon reports a sensor in its first seconds: online already, no samples yet
    health: (s) => (s === 'north' ? { online: true, state: 'starting', achievedRateSps: 0, lastFrameAgeMs: null } : undefined),
  });
}, 60_000);
afterAll(async () => {
  await site?.close();
  td.cleanup();
});

/** Text, left border colour and pill background of a sensor's card, once its pill has a status. */
async function card(page: Page, sensor: string): Promise<{ pill: string; border: string; pillBg: string }> {
  const sel = `.sensor-card[data-sensor="${sensor}"] [data-testid="sensor-status"]`;
  await page.waitForFunction((q) => document.querySelector(q)?.getAttribute('data-online') !== 'unknown', sel, { timeout: 5000 });
  return page.locator(`.sensor-card[data-sensor="${sensor}"]`).evaluate((el) => {
    const pill = el.querySelector<HTMLElement>('[data-testid="sensor-status"]')!;
    return { pill: pill.textContent!, border: getComputedStyle(el).borderLeftColor, pillBg: getComputedStyle(pill).backgroundColor };
  });
}

describe('SensorPanel', () => {
  it('a starting sensor reported online is not green: its own words and colour, in both languages', async () => {
    const { page, close } = await openLivePage(site.url, { locale: 'zh-CN', viewport: { width: 1280, height: 800 } });
    try {
      const north = await card(page, 'north');
      const south = await card(page, 'south');
      expect(south.pill).toBe('在线');
      expect(south.border).toBe('rgb(55, 200, 113)'); // --green: detecting
      expect(north.pill).toBe('启动中');
      expect(north.border).toBe('rgb(255, 176, 32)'); // --amber, as a starting sensor not yet online
      expect(north.pillBg).toBe('rgb(90, 69, 16)'); // #5a4510, not the green pill's
      expect(north.pillBg).not.toBe(south.pillBg);
      await page.locator('[data-testid="lang-toggle"]').click();
      expect((await card(page, 'north')).pill).toBe('STARTING');
    } finally {
      await close();
    }
  }, 60_000);
});
