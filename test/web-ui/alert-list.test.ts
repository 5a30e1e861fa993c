// The alert list's clicks in Chromium on a phone (zh-CN, as the fresh-user trial used it): on a transmission group's
// row a tap on the ▲ mark opens the detail of the member whose raise it shows, as on an alert row; a tap elsewhere on
// the group row expands it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertSignal } from '../../src/server/protocol.js';
import type { ServerSensorInfo } from '../../src/server/server.js';
import { ensureUiBuilt, identify, openLivePage, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

const SENSORS: ServerSensorInfo[] = [
  { name: 'hall-a', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall A', xM: 2, yM: 2 } },
  { name: 'hall-c', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall C', xM: 6, yM: 9 } },
];

/** nfm in ISM 433 MHz: raised (`raise.unexpected`). */
const NFM: AlertSignal = { class: 'nfm', confidence: 0.93, final: false, bandwidthHz: 11_000, reason: 'narrow FM', band: 'ISM 433 MHz', expected: ['ook', 'fsk', 'carrier'], unexpected: true };

const td = tempDir('qb-webui-list-');
let site: FakeSite;
beforeAll(async () => {
  ensureUiBuilt();
  site = await startFakeSite({ dataDir: td.dir, sensors: SENSORS, spectrumHz: 0 });
}, 60_000);
afterAll(async () => {
  await site?.close();
  td.cleanup();
});

describe('alert list on a phone', () => {
  it('a tap on a group row\'s ▲ opens the raised member\'s detail (before: it only expanded the group); a tap beside it expands', async () => {
    // one transmission heard in two rooms, the stronger one identified as nfm (raised), the other not identified
    const a = await site.raise('hall-a', 433_950_000, { peakExcessDb: 31 });
    await site.raise('hall-c', 433_950_000, { peakExcessDb: 18 });
    await identify(site, a.tx, NFM);
    const { page, close } = await openLivePage(site.url, { locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      const group = page.locator('[data-testid="alert-group"]');
      await group.waitFor({ state: 'visible', timeout: 5000 });
      expect(await group.getAttribute('data-members')).toBe('2');
      const mark = group.locator('[data-testid="raise-mark"]');
      await mark.waitFor({ state: 'visible', timeout: 3000 });
      expect(await mark.textContent()).toBe('▲ 调制与频段不符');
      await mark.tap();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      expect(await dialog.locator('.detail-title').textContent()).toBe(`告警 ${a.alert.alertId} · hall-a`);
      const raised = dialog.locator('dt', { hasText: /^优先级提升$/ }).locator('xpath=following-sibling::dd[1]');
      expect(await raised.textContent()).toContain('ISM 433 MHz 不承载窄调频类信号');
      expect(await group.getAttribute('data-expanded')).toBe('false');
      // closed again, a tap on the row's sensor cell expands the group and opens nothing
      await dialog.locator('.detail-close').tap();
      await dialog.waitFor({ state: 'hidden', timeout: 2000 });
      await group.locator('.c-sensor').tap();
      await page.waitForSelector('[data-testid="alert-group"][data-expanded="true"]', { timeout: 2000 });
      expect(await dialog.isVisible()).toBe(false);
    } finally {
      await close();
    }
  }, 30_000);
});
