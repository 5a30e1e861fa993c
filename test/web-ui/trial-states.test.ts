// What a fresh user misread in the control room, in Chromium (en and zh-CN): a learning sensor looked protected (green
// "online"), late alerts were flagged only on the sensor card below the list, and acknowledging while disconnected
// stayed clickable and told the supervisor "reconnecting in … s" without saying the acknowledgement was not sent.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SensorHealth } from '../../src/server/protocol.js';
import { notSentText } from '../../web-ui/src/conn-indicator.js';
import { setLang } from '../../web-ui/src/i18n.js';
import { det } from '../server/helpers.js';
import { alertRow, ensureUiBuilt, openLivePage, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

const SHOTS = '/tmp/wt-trb-shots';

/** north still learns its baseline (online, not detecting); east trails real time by 31.6 s; the others keep up. */
const HEALTH: Record<string, Partial<SensorHealth>> = {
  north: { state: 'learning' },
  east: { behindMs: 31_640 },
  south: { behindMs: 40 },
};

let site: FakeSite;
const td = tempDir('qb-webui-trial-states-');
let lateId = '';
let onTimeId = '';
beforeAll(async () => {
  ensureUiBuilt();
  mkdirSync(SHOTS, { recursive: true });
  site = await startFakeSite({ dataDir: td.dir, spectrumHz: 0, health: (s) => HEALTH[s] });
  // as the daemon's relay raises them: east's open carries how late it was, south's is on time
  lateId = (await site.bus.handleDetection('east', det(1, 'open', { centerHz: 462_612_500 }), { originMs: Date.now() - 40_000, lateMs: 31_640 }))!.alertId;
  onTimeId = (await site.bus.handleDetection('south', det(2, 'open', { centerHz: 868_300_000 }), { originMs: Date.now() - 5000 }))!.alertId;
}, 60_000);
afterAll(async () => {
  await site?.close();
  td.cleanup();
});

/** Text, left border colour and pill background of a sensor's card. */
function card(page: Page, sensor: string): Promise<{ pill: string; border: string; pillBg: string }> {
  return page.locator(`.sensor-card[data-sensor="${sensor}"]`).evaluate((el) => {
    const pill = el.querySelector<HTMLElement>('[data-testid="sensor-status"]')!;
    return { pill: pill.textContent!, border: getComputedStyle(el).borderLeftColor, pillBg: getComputedStyle(pill).backgroundColor };
  });
}

describe('control room states a fresh user misread', () => {
  it('on a phone (390 × 844) the late banner is in the first screen, the row card shows how late, the learning pill fits its card', async () => {
    const { page, close } = await openLivePage(site.url, { locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      const banner = page.locator('#banner');
      await expect.poll(() => banner.textContent(), { timeout: 5000 }).toContain('告警延迟最多 31.6 秒（east）');
      const box = (await banner.boundingBox())!;
      expect(box.y + box.height).toBeLessThan(844);
      const late = (await alertRow(page, lateId)).locator('[data-testid="late-tag"]');
      expect(await late.isVisible()).toBe(true);
      expect(await late.textContent()).toBe('延迟 31.6 秒');
      const fits = await page.locator('.sensor-card[data-sensor="north"]').evaluate((c) => {
        const pill = c.querySelector<HTMLElement>('[data-testid="sensor-status"]')!.getBoundingClientRect();
        const card = c.getBoundingClientRect();
        return pill.left >= card.left && pill.right <= card.right && document.documentElement.scrollWidth <= 390;
      });
      expect(fits).toBe(true);
      await page.screenshot({ path: `${SHOTS}/phone-late-zh.png`, fullPage: true });
    } finally {
      await close();
    }
  }, 60_000);

  it('learning has its own colour and words; late alerts are flagged on the row, the detail and a banner; acknowledging is disabled while disconnected', async () => {
    const { page, close } = await openLivePage(site.url, { locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      await page.waitForFunction(() => (document.querySelector('.sensor-card[data-sensor="north"] [data-testid="sensor-status"]')?.textContent ?? '…') !== '…', undefined, { timeout: 5000 });
      const north = await card(page, 'north');
      const south = await card(page, 'south');
      expect(south.pill).toBe('ONLINE');
      expect(south.border).toBe('rgb(55, 200, 113)'); // --green: detecting
      expect(north.pill).toBe('LEARNING — not detecting yet');
      expect(north.border).toBe('rgb(77, 141, 255)'); // --blue: neither the green of a protected room nor the amber of a fault
      expect(north.pillBg).not.toBe(south.pillBg);

      // late: the banner (the top of the page, also on a phone), the row and the detail
      const banner = page.locator('#banner');
      await expect.poll(() => banner.textContent(), { timeout: 5000 }).toContain('ALERTS ARE UP TO 31.6 s LATE (east): this computer cannot keep up');
      const late = await alertRow(page, lateId);
      const onTime = await alertRow(page, onTimeId);
      expect(await late.locator('[data-testid="late-tag"]').textContent()).toBe('31.6 s late');
      expect(await late.locator('[data-testid="late-tag"]').isVisible()).toBe(true);
      expect(await onTime.locator('[data-testid="late-tag"]').isVisible()).toBe(false);
      await late.locator('.c-sensor').click();
      const detail = page.locator('[data-testid="alert-detail"]');
      await detail.waitFor({ state: 'visible' });
      expect(await detail.locator('dt', { hasText: /^Raised late$/ }).locator('xpath=following-sibling::dd[1]').textContent())
        .toBe("31.6 s after the transmission: the sensor's processing was behind real time (this computer is overloaded)");
      await page.screenshot({ path: `${SHOTS}/late-detail-en.png` });
      await detail.locator('.detail-close').click();

      await page.locator('[data-testid="lang-toggle"]').click();
      expect((await card(page, 'north')).pill).toBe('学习基线 · 尚未检测');
      expect(await banner.textContent()).toContain('告警延迟最多 31.6 秒（east）：本机处理跟不上');
      expect(await late.locator('[data-testid="late-tag"]').textContent()).toBe('延迟 31.6 秒');
      await page.screenshot({ path: `${SHOTS}/late-learning-zh.png`, fullPage: true });

      // the daemon goes away: nothing that would send an acknowledgement stays clickable, and the page says why
      const ack = late.locator('[data-testid="ack-button"]');
      expect(await ack.isDisabled()).toBe(false);
      await site.server.close();
      await page.waitForSelector('[data-testid="connection-state"][data-state="reconnecting"]', { timeout: 5000 });
      await page.waitForFunction(() => document.querySelector<HTMLButtonElement>('[data-testid="ack-button"]')!.disabled, undefined, { timeout: 3000 });
      const why = '与守护进程的连接已中断：确认无法发送，连接恢复后才能操作';
      for (const b of [ack, onTime.locator('[data-testid="ack-button"]'), page.locator('[data-testid="ack-all-button"]')]) {
        expect(await b.isDisabled()).toBe(true);
        expect(await b.getAttribute('title')).toBe(why);
      }
      expect(await banner.textContent()).toContain('与守护进程的连接已中断：告警无法送达，确认也无法发送');
      await late.locator('.c-sensor').click();
      await detail.waitFor({ state: 'visible' });
      const detailAck = detail.locator('[data-testid="detail-ack-button"]');
      await expect.poll(() => detailAck.isDisabled(), { timeout: 3000 }).toBe(true);
      expect(await detailAck.getAttribute('title')).toBe(why);
      expect(await page.textContent('#conn-text')).toMatch(/^连接中断 — \d+ 秒后重连$/);
      await page.screenshot({ path: `${SHOTS}/disconnected-zh.png` });
    } finally {
      await close();
    }
  }, 60_000);
});

describe('notSentText', () => {
  it('says the action was not sent and when the page reconnects, in whole seconds (was a literal "…")', () => {
    try {
      setLang('zh-CN', false);
      expect(notSentText(10_000, 5_800)).toBe('未发送：与守护进程的连接已中断（5 秒后重连）——连接恢复后请重新确认');
      setLang('en', false);
      expect(notSentText(10_000, 5_800)).toBe('Not sent: disconnected from the daemon (reconnecting in 5 s) — acknowledge again once it is back');
      expect(notSentText(10_000, 12_000)).toBe('Not sent: disconnected from the daemon (reconnecting in 0 s) — acknowledge again once it is back');
    } finally {
      setLang('en', false);
    }
  });
});
