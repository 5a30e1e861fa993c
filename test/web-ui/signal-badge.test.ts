// The signal class of a transmission in Chromium: a short badge in the alert list (none before the identification), the
// class, confidence, features and reason in the detail — in English (desktop) and zh-CN (phone width).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { codedReason } from '../../src/server/message-text.js';
import type { AlertSignal } from '../../src/server/protocol.js';
import { alertRow, openLivePage, useFakeSite } from './fake-site.js';

const OOK: AlertSignal = {
  class: 'ook', confidence: 0.93, final: false, bandwidthHz: 2204, snrDb: 16.5, dutyCycle: 0.48, bursts: 128, burstMedianMs: 1.75, periodMedianMs: 3.13,
  envelopeKurtosis: 0.91, modulationIndex: 0.93, symbolRateBd: 999, tones: 1, toneSpacingHz: 0,
  reason: 'on-off keyed: 128 pulses, duty 48 %, one frequency, carrier line 57 % of the power, shortest element 1.00 ms (999 Bd)',
  band: 'ISM 433 MHz', expected: ['ook', 'fsk', 'carrier'], unexpected: false,
};

const used = useFakeSite('qb-webui-signal-');
const raise = used.raise;

/** Opens the detail of `alertId` and returns its text once its signal row starts with `classStart` (the page rendered it). */
async function detailText(page: Page, alertId: string, classStart: string): Promise<string> {
  await (await alertRow(page, alertId)).click();
  const dialog = page.locator('[data-testid="alert-detail"]');
  await dialog.waitFor({ state: 'visible', timeout: 2000 });
  await page.waitForFunction((start) => document.querySelector('[data-testid="detail-signal"]')?.textContent?.startsWith(start) === true, classStart, { timeout: 3000 });
  return (await dialog.textContent()) ?? '';
}

function open(locale: string, viewport: { width: number; height: number }, isMobile: boolean): Promise<{ page: Page; close: () => Promise<void> }> {
  return openLivePage(used.site.url, { locale, viewport, isMobile });
}

describe('signal class in the web UI', () => {
  it('badge "OOK" with the class and confidence as its tooltip; none without identification; detail lists features and reason', async () => {
    const plain = await raise(433_700_000);
    const ook = await raise(433_920_000, OOK);
    const { page, close } = await open('en-US', { width: 1680, height: 1050 }, false);
    try {
      const badge = (await alertRow(page, ook)).locator('[data-testid="signal-badge"]');
      await badge.waitFor({ state: 'visible', timeout: 3000 });
      expect(await badge.textContent()).toBe('OOK');
      expect(await badge.getAttribute('data-class')).toBe('ook');
      expect(await badge.getAttribute('title')).toBe('on-off keyed data (OOK/ASK) · 93 %');
      expect(await (await alertRow(page, plain)).locator('[data-testid="signal-badge"]').isHidden()).toBe(true);
      await (await alertRow(page, ook)).click();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      expect(await dialog.locator('[data-testid="detail-signal"]').textContent()).toBe('on-off keyed data (OOK/ASK) · confidence 93 % (from its first 0.5 s; refined at its end)');
      const text = (await dialog.textContent()) ?? '';
      // the detector's extent and the signal's 99 % occupied bandwidth, each named for what it is
      const fields = await dialog.locator('dl dt, dl dd').allTextContents();
      expect(fields[fields.indexOf('Detected extent') + 1]).toMatch(/^\d+(\.\d+)? kHz$/);
      expect(fields).not.toContain('Bandwidth');
      expect(text).toContain('99 % occupied bandwidth 2.2 kHz · SNR 16.5 dB · duty 48 % · 128 bursts of 1.75 ms · period 3.13 ms · symbol rate 999 Bd · AM index 0.93');
      expect(text).toContain(OOK.reason);
      await page.locator('.detail-close').click();
      // a row of a group of rooms: the group's class, and this sensor's own reading in a row of its own
      const grouped = await raise(433_800_000, { ...OOK, class: 'nfm', confidence: 0.9, reason: 'as identified by hall-b: narrow FM', groupFrom: { sensor: 'hall-b', alertId: 'x-1', snrDb: 24.6 }, own: { class: 'fsk', confidence: 0.41, reason: 'fsk because' } });
      const groupedBadge = (await alertRow(page, grouped)).locator('[data-testid="signal-badge"]');
      await groupedBadge.waitFor({ state: 'visible', timeout: 3000 });
      expect(await groupedBadge.textContent()).toBe('NFM');
      const groupedText = await detailText(page, grouped, 'narrow FM');
      expect(groupedText).toContain('This sensor alone');
      expect(groupedText).toContain('frequency-shift keyed data (FSK)? · guess 41 %: confidence below 50 % (the group shows the identification of hall-b, which hears it strongest)');
      await page.locator('.detail-close').click();
      // a guess (confidence < 0.5): "?" after the label, dashed outline without fill, the tooltip says so
      const guess = await raise(433_600_000, { ...OOK, confidence: 0.41 });
      const guessBadge = (await alertRow(page, guess)).locator('[data-testid="signal-badge"]');
      await guessBadge.waitFor({ state: 'visible', timeout: 3000 });
      expect(await guessBadge.textContent()).toBe('OOK?');
      expect(await guessBadge.getAttribute('title')).toBe('on-off keyed data (OOK/ASK)? · guess 41 %: confidence below 50 %');
      const look = (sel: typeof badge) => sel.evaluate((el) => { const c = getComputedStyle(el); return { outline: c.outlineStyle, fill: c.backgroundColor }; });
      expect(await look(guessBadge)).toEqual({ outline: 'dashed', fill: 'rgba(0, 0, 0, 0)' });
      expect((await look(badge)).outline).toBe('none');
      // and says so in words beside the badge (a phone has no hover for the tooltip); a confident badge has none
      expect(await (await alertRow(page, guess)).locator('[data-testid="signal-guess"]').textContent()).toBe('guess 41 %');
      expect(await (await alertRow(page, ook)).locator('[data-testid="signal-guess"]').isHidden()).toBe(true);
      // the detail marks the guess as the badge does
      expect(await detailText(page, guess, 'on-off keyed')).toContain('on-off keyed data (OOK/ASK)? · guess 41 %: confidence below 50 % (from its first 0.5 s');
      await page.locator('.detail-close').click();
      // the band check names the expected classes with the badges' labels
      const wfm = await raise(433_500_000, { ...OOK, class: 'wfm', confidence: 0.8, unexpected: true });
      expect(await detailText(page, wfm, 'wide FM')).toContain('Not expected in ISM 433 MHz (expected: OOK, FSK, CW)');
      await page.locator('.detail-close').click();
      // a guess flagged unexpected raised nothing: the band check says why
      const nfmGuess = await raise(433_400_000, { ...OOK, class: 'nfm', confidence: 0.45, unexpected: true });
      expect(await detailText(page, nfmGuess, 'narrow FM')).toContain('Not expected in ISM 433 MHz (expected: OOK, FSK, CW); not ranked higher: confidence 45 % is below 50 %');
      await page.locator('.detail-close').click();
      // below the class floor: the unknown badge, drawn as a guess's, the closest class named beside it as a hint only
      const floored = await raise(433_300_000, { ...OOK, class: 'unknown', closestClass: 'nfm', confidence: 0.05 });
      const flooredRow = await alertRow(page, floored);
      const flooredBadge = flooredRow.locator('[data-testid="signal-badge"]');
      await flooredBadge.waitFor({ state: 'visible', timeout: 3000 });
      expect([await flooredBadge.textContent(), await flooredBadge.getAttribute('data-class'), await flooredRow.locator('[data-testid="signal-guess"]').textContent()]).toEqual(['?', 'unknown', 'closest: NFM, 5 %']);
      expect((await look(flooredBadge)).outline).toBe('dashed');
      expect(await detailText(page, floored, 'not identified')).toContain('not identified · closest: NFM, 5 %; no class is named below 20 % (from its first 0.5 s');
    } finally {
      await close();
    }
  });

  it('zh-CN on a phone (390 px): the badge is a short Chinese word that fits its row, the detail is labelled in Chinese', async () => {
    const ook = await raise(434_100_000, { ...OOK, final: true });
    const { page, close } = await open('zh-CN', { width: 390, height: 844 }, true);
    try {
      const row = await alertRow(page, ook);
      const badge = row.locator('[data-testid="signal-badge"]');
      await badge.waitFor({ state: 'visible', timeout: 3000 });
      expect(await badge.textContent()).toBe('键控');
      const [b, r] = [await badge.boundingBox(), await row.boundingBox()];
      expect(b!.width).toBeLessThan(60); // short: about 2 CJK characters
      expect(b!.x + b!.width).toBeLessThanOrEqual(r!.x + r!.width);
      // a guess: "?" and the words beside it, inside the phone card
      const guess = await raise(434_200_000, { ...OOK, confidence: 0.41, final: true });
      const guessRow = await alertRow(page, guess);
      const words = guessRow.locator('[data-testid="signal-guess"]');
      await words.waitFor({ state: 'visible', timeout: 3000 });
      expect([await guessRow.locator('[data-testid="signal-badge"]').textContent(), await words.textContent()]).toEqual(['键控？', '推测 41 %']);
      const [w, gr] = [await words.boundingBox(), await guessRow.boundingBox()];
      expect(w!.x + w!.width).toBeLessThanOrEqual(gr!.x + gr!.width);
      await row.click();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      expect(await dialog.locator('[data-testid="detail-signal"]').textContent()).toBe('通断键控数据（OOK/ASK） · 置信度 93 %');
      const text = (await dialog.textContent()) ?? '';
      expect(text).toContain('测量值');
      expect(text).toContain('符号率 999 波特');
      await page.locator('.detail-close').click();
      // speech heard live: among the features; the reason from its code, in Chinese
      const nfm = await raise(434_300_000, { class: 'nfm', confidence: 0.9, final: false, bandwidthHz: 11_000, speechPresent: true, ...codedReason('ident.nfm', { k: '0.02', limit: 0.55, bw: '11.0 kHz', dev: '3.0 kHz' }) });
      const nfmText = await detailText(page, nfm, '窄带');
      expect(nfmText).toContain('99 % 占用带宽 11.0 kHz · 检测到语音');
      expect(nfmText).toContain('窄带调频：包络恒定（峭度 0.02），99 % 带宽 11.0 kHz，频偏约 3.0 kHz');
      await page.locator('.detail-close').click();
      const wfm = await raise(434_500_000, { ...OOK, class: 'wfm', confidence: 0.8, unexpected: true, final: true });
      expect(await detailText(page, wfm, '宽带调频')).toContain('ISM 433 MHz 中不应出现（预期：键控、频移、载波）');
    } finally {
      await close();
    }
  });
});
