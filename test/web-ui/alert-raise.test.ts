// Severity raise in Chromium: an alert identified as a class its band does not carry (nfm in ISM 433) or as a voice
// link moves to the top of the list while unacknowledged, with a mark naming why (en; zh-CN on a phone), and drops back
// to its place once acknowledged, keeping the mark. What is on air leads ended raised alerts (docs/web-ui.md).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AlertSignal } from '../../src/server/protocol.js';
import { alertRow, FAKE_SENSORS, identify, openLivePage, useFakeSite } from './fake-site.js';

/** nfm at 93 % as the sensor reports it in ISM 433 MHz (the band rule reads the class, confidence and band). */
const NFM: AlertSignal = { class: 'nfm', confidence: 0.93, final: false, bandwidthHz: 11_000, reason: 'narrow FM', band: 'ISM 433 MHz', expected: ['ook', 'fsk', 'carrier'], unexpected: true };
const OOK: AlertSignal = { class: 'ook', confidence: 0.9, final: false, bandwidthHz: 2200, reason: 'on-off keyed', band: 'ISM 433 MHz', expected: ['ook', 'fsk', 'carrier'], unexpected: false };

const used = useFakeSite('qb-webui-raise-');
const raise = used.raise;

/** The alert ids of the table's rows, top to bottom. */
const order = (page: Page): Promise<string[]> =>
  page.$$eval('[data-testid="alert-row"]', (rows) => rows.map((r) => (r as HTMLElement).dataset.alertId!));

/** Waits until the table's rows start with `ids`, then returns the whole order. */
async function orderStartingWith(page: Page, ids: string[]): Promise<string[]> {
  await page.waitForFunction((want) => {
    const got = [...document.querySelectorAll<HTMLElement>('[data-testid="alert-row"]')].map((r) => r.dataset.alertId);
    return want.every((id, i) => got[i] === id);
  }, ids, { timeout: 3000 }).catch(() => undefined);
  return order(page);
}

describe('raised alerts in the web UI', () => {
  it('on a phone, what is on air leads ended raised alerts: a live unidentified alert above them, a live raised one above it', async () => {
    const sensor = FAKE_SENSORS[0]!.name;
    // the demo's raised link heard five times, each ended (none acknowledged)
    const ended: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { alert, tx } = await used.site.raise(sensor, 433_860_000 + i * 100);
      await identify(used.site, tx, NFM);
      await used.site.end(tx);
      ended.unshift(alert.alertId); // newest first
    }
    const live = await used.site.raise(sensor, 433_500_000); // on air, not identified yet
    const p = live.alert.alertId;
    const { page, close } = await openLivePage(used.site.url, { locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      const mine = (ids: string[]) => ids.filter((id) => id === p || id === r || ended.includes(id));
      let r = '';
      expect(mine(await orderStartingWith(page, [p]))).toEqual([p, ...ended]);
      // the live row is on screen without scrolling (the table's first row), the ended ones keep their mark
      const box = await (await alertRow(page, p)).boundingBox();
      expect(box!.y + box!.height).toBeLessThanOrEqual(844);
      const endedRow = await alertRow(page, ended[0]!);
      const endedMark = endedRow.locator('[data-testid="raise-mark"]');
      expect(await endedMark.textContent()).toBe('▲ unusual for this band');
      // the longer English words still fit in the phone's row
      const [m, row] = [await endedMark.boundingBox(), await endedRow.boundingBox()];
      expect(m!.x + m!.width).toBeLessThanOrEqual(row!.x + row!.width);
      // a second live alert identified as a voice link in ISM 433: raised, it leads the unraised live one
      const raised = await used.site.raise(sensor, 434_000_000);
      r = raised.alert.alertId;
      await identify(used.site, raised.tx, NFM);
      expect(mine(await orderStartingWith(page, [r, p]))).toEqual([r, p, ...ended]);
      // both end: the raised one joins the ended raised ones (newest first), the unraised one drops below them
      await used.site.end(raised.tx);
      await used.site.end(live.tx);
      expect(mine(await orderStartingWith(page, [r, ...ended]))).toEqual([r, ...ended, p]);
    } finally {
      await close();
    }
  });

  it('a raised unacknowledged alert leads the list with its mark; a live identification raises another; acknowledged, it drops back', async () => {
    const a = await raise(433_700_000, OOK); // oldest: ook, the band's own traffic
    const b = await raise(433_920_000, NFM); // raised: nfm in ISM 433
    const c = await raise(434_100_000); // newest, not identified yet
    const { page, close } = await openLivePage(used.site.url, { locale: 'en-US', viewport: { width: 1680, height: 1050 } });
    try {
      const mine = (ids: string[]) => ids.filter((id) => [a, b, c].includes(id) || id === d);
      let d = '';
      expect(mine(await orderStartingWith(page, [b]))).toEqual([b, c, a]);
      const mark = (await alertRow(page, b)).locator('[data-testid="raise-mark"]');
      expect(await mark.textContent()).toBe('▲ unusual for this band');
      expect(await mark.getAttribute('title')).toBe('NFM is not a class ISM 433 MHz carries (its users send OOK, FSK, CW): a device that does not belong in this band');
      expect(await (await alertRow(page, b)).getAttribute('class')).toContain('raised');
      expect(await (await alertRow(page, a)).locator('[data-testid="raise-mark"]').isHidden()).toBe(true);
      // a live alert: newest first below the raised one until its identification raises it too (newest raised first)
      const { alert, tx } = await used.site.raise(FAKE_SENSORS[0]!.name, 434_300_000);
      d = alert.alertId;
      expect(mine(await orderStartingWith(page, [b, d]))).toEqual([b, d, c, a]);
      await identify(used.site, tx, NFM);
      expect(mine(await orderStartingWith(page, [d, b]))).toEqual([d, b, c, a]);
      // acknowledged: b drops below the unacknowledged live alerts to its place by start time, and keeps its mark
      await (await alertRow(page, b)).locator('[data-testid="ack-button"]').click();
      await page.waitForSelector(`[data-testid="alert-row"][data-alert-id="${b}"][data-state="acknowledged"]`, { timeout: 3000 });
      expect(mine(await orderStartingWith(page, [d, c, a]))).toEqual([d, c, a, b]);
      expect(await (await alertRow(page, b)).locator('[data-testid="raise-mark"]').isVisible()).toBe(true);
      // the detail says why, under the severity
      await (await alertRow(page, d)).click();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      expect(await dialog.textContent()).toContain('Ranked higher');
    } finally {
      await close();
    }
  });

  it('zh-CN on a phone: the mark and the reason in Chinese (classes in the page\'s words), the mark inside its row, a tap on it opens the detail with the reason', async () => {
    const v = await raise(434_600_000, NFM);
    const reason = 'ISM 433 MHz 不承载窄调频类信号（该频段的用户发射键控、频移、载波）：不属于该频段的设备';
    const { page, close } = await openLivePage(used.site.url, { locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      const row = await alertRow(page, v);
      const mark = row.locator('[data-testid="raise-mark"]');
      await mark.waitFor({ state: 'visible', timeout: 3000 });
      expect(await mark.textContent()).toBe('▲ 调制与频段不符');
      expect(await mark.getAttribute('title')).toBe(reason);
      const [m, r] = [await mark.boundingBox(), await row.boundingBox()];
      expect(m!.x + m!.width).toBeLessThanOrEqual(r!.x + r!.width);
      // a finger on the mark opens the alert like one anywhere on the row (before: it unfolded the reason in the row
      // and opened nothing, so a tap on the card's first line seemed to do nothing)
      await mark.tap();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      expect(await row.locator('[data-testid="raise-reason"]').count()).toBe(0);
      // the detail gives the reason, its classes worded as the band check does
      const raised = dialog.locator('dt', { hasText: /^优先级提升$/ }).locator('xpath=following-sibling::dd[1]');
      expect(await raised.textContent()).toContain(reason);
    } finally {
      await close();
    }
  });
});
