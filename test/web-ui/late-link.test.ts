// Alerts late because their samples waited on the receiver's network link (rtl_tcp over a slow link), in Chromium
// (en and zh-CN): the banner names the link, not this computer; the row's late tag and the detail say how long the
// samples waited.
import type { SensorHealth } from '../../src/server/protocol.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { det } from '../server/helpers.js';
import { alertRow, ensureUiBuilt, openLivePage, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

/**
 * east: an rtl_tcp receiver at 1.024 MS/s whose link holds 2 184 256 samples (2.13 s, as run-rtl-tcp-slow-link.test.ts
 * measured); its pipeline keeps up (40 ms behind).
 */
const HEALTH: Record<string, Partial<SensorHealth>> = {
  east: { configuredRateSps: 1_024_000, achievedRateSps: 1_024_000, behindMs: 40, samplesBehindOrLost: 2_184_256 },
};

let site: FakeSite;
const td = tempDir('qb-webui-late-link-');
let lateId = '';
beforeAll(async () => {
  ensureUiBuilt();
  site = await startFakeSite({ dataDir: td.dir, spectrumHz: 0, health: (s) => HEALTH[s] });
  // as the daemon's relay raises it: 40 ms of its own + 2133 ms on the link
  lateId = (await site.bus.handleDetection('east', det(1, 'open', { centerHz: 433_920_000 }), { originMs: Date.now() - 10_000, lateMs: 2173, lateLinkMs: 2133 }))!.alertId;
}, 60_000);
afterAll(async () => {
  await site?.close();
  td.cleanup();
});

describe('alerts late on the receiver\'s link', () => {
  it('the banner, the row and the detail blame the link, with how long the samples waited (en, zh-CN)', async () => {
    const { page, close } = await openLivePage(site.url, { locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      const banner = page.locator('#banner');
      await expect.poll(() => banner.textContent(), { timeout: 5000 }).toContain("ALERTS ARE UP TO 2.2 s LATE (east): samples wait on the receiver's network link — check its cable or network, or lower the sample rate");
      expect(await banner.textContent()).not.toContain('this computer cannot keep up');
      const row = await alertRow(page, lateId);
      const tag = row.locator('[data-testid="late-tag"]');
      expect(await tag.textContent()).toBe('2.2 s late');
      expect(await tag.getAttribute('title')).toBe("Raised this long after the transmission: its samples waited 2.1 s on the receiver's network link before they arrived");
      await row.locator('.c-sensor').click();
      const detail = page.locator('[data-testid="alert-detail"]');
      await detail.waitFor({ state: 'visible' });
      const late = detail.locator('dt', { hasText: /^Raised late$/ }).locator('xpath=following-sibling::dd[1]');
      expect(await late.textContent()).toBe("2.2 s after the transmission: its samples waited 2.1 s on the receiver's network link before they arrived — check the receiver's cable or network, or lower the sample rate");
      await detail.locator('.detail-close').click();

      await page.locator('[data-testid="lang-toggle"]').click();
      expect(await banner.textContent()).toContain('告警延迟最多 2.2 秒（east）：采样在接收机的网络链路上排队——请检查其线缆或网络，或降低采样率');
      expect(await tag.getAttribute('title')).toBe('发射之后这么久才发出告警：采样在接收机的网络链路上等待了 2.1 秒 才到达');
      await row.locator('.c-sensor').click();
      await detail.waitFor({ state: 'visible' });
      expect(await detail.locator('dt', { hasText: /^告警延迟$/ }).locator('xpath=following-sibling::dd[1]').textContent())
        .toBe('发射之后 2.2 秒 才发出告警：采样在接收机的网络链路上等待了 2.1 秒 才到达——请检查接收机的线缆或网络，或降低采样率');
    } finally {
      await close();
    }
  }, 60_000);
});
