// The known-emitter list on a phone (390 × 844, zh-CN) in Chromium: its six-column table was 524 px wide in a 348 px
// box, the 移除 (remove) button off-screen behind a sideways swipe.
import { describe, expect, it } from 'vitest';
import type { DetectionEvent } from '../../src/types.js';
import { pageOverflowPx, useControlRoom } from './control-room-site.js';

const room = useControlRoom();

describe('KnownDialog on a phone', () => {
  it('stacks each emitter so 移除 is on the screen and removes the mark', async () => {
    const { page, close } = await room.open({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      const hall = page.locator('[data-testid="alert-row"]', { has: page.locator('.c-sensor', { hasText: 'great-hall-b-stage' }) });
      const hallId = (await hall.getAttribute('data-alert-id'))!;
      await room.site.bus.known(hallId, '王老师', '监考对讲机');
      await expect.poll(() => room.known.list().filter((e) => e.origin === 'marked').length, { timeout: 3000 }).toBe(1);
      await page.locator('[data-testid="known-list-button"]').click();
      const list = page.locator('[data-testid="known-dialog"]');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="known-row"]').length === 2, undefined, { timeout: 3000 });
      const remove = list.locator('[data-testid="known-remove"]');
      expect(await remove.textContent()).toBe('移除');
      await remove.scrollIntoViewIfNeeded();
      const b = (await remove.boundingBox())!;
      const dialog = (await list.boundingBox())!;
      expect(b.x).toBeGreaterThanOrEqual(dialog.x);
      expect(b.x + b.width).toBeLessThanOrEqual(Math.min(390, dialog.x + dialog.width));
      // nothing to swipe sideways: not the table's box, not the page
      expect(await list.locator('.known-scroll').evaluate((s) => s.scrollWidth - s.clientWidth)).toBeLessThanOrEqual(0);
      expect(await pageOverflowPx(page)).toBeLessThanOrEqual(0);
      // each value after its heading, in the page's language
      expect(await list.locator('[data-testid="known-row"]').last().locator('td').nth(1).getAttribute('data-head')).toBe('频段');
      page.once('dialog', (d) => void d.accept());
      await remove.click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="known-row"]').length === 1, undefined, { timeout: 3000 });
      expect(room.known.list().filter((e) => e.origin === 'marked')).toEqual([]);
      // the alert it hid is back (new, high): the page says so as for a new alert, who removed the mark included
      const toast = page.locator('.toast', { hasText: '告警已恢复' });
      await toast.waitFor({ timeout: 3000 });
      // the person as the history line shows it, how many came back, and a button that lists them all (a phone shows 10)
      expect(await toast.locator('span').textContent()).toBe('告警已恢复 1 条：已知标记“监考对讲机”已由 Test operator · 本机@127.0.0.1 移除；被它隐藏的告警需要重新查看');
      expect(await toast.locator('[data-testid="toast-action"]').textContent()).toBe('显示这些告警');
      expect(await hall.getAttribute('data-state')).toBe('new');
      expect(await hall.getAttribute('class')).toContain(' flash');
    } finally {
      await close();
    }
  }, 60_000);

  it('two marks of one emitter, no operator name: the first removal says which mark still covers its alert; the second brings both back, says how many, by 未署名, and shows them', async () => {
    const { page, close } = await room.open({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, operator: null });
    page.on('dialog', (d) => void d.accept());
    try {
      const sensor = 'room-101-window-north';
      const firstId = [...room.site.store.allStates()].find((e) => e.sensor === sensor && e.facts?.centerHz === 433_950_000)!.alertId;
      // the same radio heard again (433.950 MHz) before anyone marked it, then marked from each alert under another name
      const again: DetectionEvent = { kind: 'open', id: 900, centerHz: 433_950_000, bandwidthHz: 12_500, lowHz: 433_943_750, highHz: 433_956_250, peakExcessDb: 25, peakPowerDbfs: -70, startS: 9, paths: ['fast', 'slow'], overload: false, tuneId: 0 } as DetectionEvent;
      const second = (await room.site.bus.handleDetection(sensor, again))!;
      await room.site.bus.known(firstId, '王老师 (local@127.0.0.1)', '门卫对讲机');
      await room.site.bus.known(second.alertId, '李主任 (local@127.0.0.1)', '考务对讲');
      await expect.poll(() => room.known.list().filter((e) => e.origin === 'marked').length, { timeout: 3000 }).toBe(2);
      await page.locator('[data-testid="known-list-button"]').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="known-remove"]').length === 2, undefined, { timeout: 3000 });
      const list = page.locator('[data-testid="known-dialog"]');
      await list.locator('[data-testid="known-remove"][data-label="门卫对讲机"]').click();
      const still = page.locator('.toast', { hasText: '仍为已知' });
      await still.waitFor({ timeout: 3000 });
      expect(await still.textContent()).toBe('仍为已知：被它隐藏的告警中有 1 条也在“考务对讲”的范围内（移除该标记后才会恢复）');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="known-remove"]').length === 1, undefined, { timeout: 3000 });
      await list.locator('[data-testid="known-remove"]').click();
      const back = page.locator('.toast', { hasText: '告警已恢复' });
      await back.waitFor({ timeout: 3000 });
      await page.waitForFunction(() => (document.querySelector('.toast span')?.textContent ?? '').includes('2 条'), undefined, { timeout: 3000 });
      expect(await back.locator('span').textContent()).toBe('告警已恢复 2 条：已知标记“考务对讲”已由 未署名 · 本机@127.0.0.1 移除；被它隐藏的告警需要重新查看');
      await page.keyboard.press('Escape');
      await back.locator('[data-testid="toast-action"]').click();
      // every alert listed, the first one back on the screen
      const row = page.locator(`tr[data-alert-id="${firstId}"]`);
      await row.waitFor({ timeout: 3000 });
      expect(await row.getAttribute('data-state')).toBe('new');
      const box = (await row.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(844);
    } finally {
      await close();
    }
  }, 60_000);
});
