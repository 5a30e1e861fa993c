// The known-emitter list on a phone (390 × 844, zh-CN) in Chromium: its six-column table was 524 px wide in a 348 px
// box, the 移除 (remove) button off-screen behind a sideways swipe.
import { describe, expect, it } from 'vitest';
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
      expect(await toast.textContent()).toBe('告警已恢复：已知标记“监考对讲机”已由 Test operator (local@127.0.0.1) 移除；被它隐藏的告警需要重新查看');
      expect(await hall.getAttribute('data-state')).toBe('new');
      expect(await hall.getAttribute('class')).toContain(' flash');
    } finally {
      await close();
    }
  }, 60_000);
});
