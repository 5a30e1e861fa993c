// The session-report dialog (web-ui/src/report-dialog.ts) with no session to report: its two buttons are disabled and
// say why, beside them and as their tooltip, in English and in Chinese; with a session they link its report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { sendJson } from '../../src/server/http-reply.js';
import { ensureUiBuilt, openLivePage, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

const tmp = tempDir('qb-webui-report-dialog-');
/** What `GET /sessions` answers (the test sets it before opening the dialog). */
let sessions: unknown[] = [];
let site: FakeSite;
beforeAll(async () => {
  ensureUiBuilt();
  site = await startFakeSite({
    dataDir: tmp.dir,
    spectrumHz: 0,
    routes: [(_req, res, url) => {
      if (url.pathname !== '/sessions') return false;
      sendJson(res, 200, { sessions });
      return true;
    }],
  });
});
afterAll(async () => {
  await site?.close();
  tmp.cleanup();
});

/** A link's disabled state as a user meets it: aria-disabled, href, tooltip, cursor, greyed. */
const state = (a: Locator) => a.evaluate((e) => ({
  ariaDisabled: e.getAttribute('aria-disabled'), href: e.getAttribute('href'), title: e.getAttribute('title'),
  cursor: getComputedStyle(e).cursor, grey: getComputedStyle(e).filter,
}));

describe('web UI: session report dialog', () => {
  it('no session: both buttons disabled with the reason beside them and as tooltip (en, then zh-CN); a session enables them', async () => {
    sessions = [];
    const { page, close } = await openLivePage(site.url, { locale: 'en-US' });
    try {
      await page.locator('[data-testid="report-button"]').click();
      const dialog = page.locator('[data-testid="report-dialog"]');
      await page.waitForFunction(() => (document.querySelector('[data-testid="report-why"]')?.textContent ?? '').startsWith('Unavailable'), undefined, { timeout: 5000 });
      const why = dialog.locator('[data-testid="report-why"]');
      expect(await why.isVisible()).toBe(true);
      expect(await why.textContent()).toBe('Unavailable: no exam session to report');
      for (const id of ['report-open', 'report-pdf']) {
        expect(await state(dialog.locator(`[data-testid="${id}"]`))).toEqual({
          ariaDisabled: 'true', href: null, title: 'Unavailable: no exam session to report', cursor: 'not-allowed', grey: 'grayscale(1)',
        });
      }
      // in Chinese (the modal dialog covers the language button: closed, switched, opened again)
      await dialog.locator('.report-close').click();
      await page.locator('[data-testid="lang-toggle"]').click();
      await page.locator('[data-testid="report-button"]').click();
      await page.waitForFunction(() => (document.querySelector('[data-testid="report-why"]')?.textContent ?? '').startsWith('不可用'), undefined, { timeout: 5000 });
      expect(await why.textContent()).toBe('不可用：没有可生成报告的考试场次');
      expect(await dialog.locator('[data-testid="report-pdf"]').getAttribute('title')).toBe('不可用：没有可生成报告的考试场次');
      await dialog.locator('.report-close').click();
      // a session: the links work, the reason is gone
      sessions = [{ name: '数学 Maths', site: 'exam-hall-a', startTime: '2026-12-07T00:30:00Z', endTime: '2026-12-07T02:30:00Z', configured: true, alerts: 2 }];
      await page.locator('[data-testid="report-button"]').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="report-session"] option').length === 1, undefined, { timeout: 5000 });
      expect(await why.isVisible()).toBe(false);
      const open = await state(dialog.locator('[data-testid="report-open"]'));
      expect(open).toMatchObject({ ariaDisabled: null, title: null, grey: 'none' });
      expect(open.href).toMatch(/\/report\?session=%E6%95%B0%E5%AD%A6\+Maths&site=exam-hall-a&lang=zh-CN$/);
    } finally {
      await close();
    }
  });
});
