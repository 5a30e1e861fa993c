// Web UI (headless Chromium): a present-during-calibration alert is labelled in zh-CN with the emitter's duty and period, and escalates from its detail.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { CalibrationAlertInfo } from '../../src/server/protocol.js';
import type { ServerSensorInfo } from '../../src/server/server.js';
import { useLocatedSite } from './fake-site.js';

const SENSORS: ServerSensorInfo[] = [{ name: 'hall-a', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall A' } }];
const site = useLocatedSite(SENSORS, 'qb-webui-heard-');

const heard: CalibrationAlertInfo = {
  emitter: {
    centerHz: 433_980_100, lowHz: 433_979_500, highHz: 433_980_700, bandwidthHz: 1200, peakPowerDbfs: -37, peakExcessDb: 26.2,
    dutyCycle: 0.2, bursts: 6, periodS: 1, maxBurstS: 0.31, continuous: false,
  },
  baselineCreatedAt: '2026-05-14T00:30:00.000Z',
  baselineMethod: 'calibrate',
  baselineDurationS: 60,
};

describe('present during calibration in the web UI', () => {
  it('zh-CN: the row and the detail say 校准期间已存在 with duty and period; escalate makes it high', async () => {
    const rec = (await site.bus.raiseCalibrationEmitter('hall-a', heard))!;
    await site.bus.flush();
    const page: Page = await site.browser.ctx.newPage();
    page.on('pageerror', (err) => {
      throw new Error(`page error: ${err.message}`);
    });
    await page.goto(site.server.url);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    await page.click('[data-testid="lang-toggle"]');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    const row = page.locator(`[data-testid="alert-row"][data-alert-id="${rec.alertId}"]`);
    await row.waitFor({ state: 'visible', timeout: 3000 });
    expect(await row.getAttribute('data-kind')).toBe('present-during-calibration');
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain('校准期间已存在 · 占空比 20.0% · 每 1.00 秒一次 · 出现 6 次');
    expect(rowText).toContain('433.9801 MHz');
    expect(rowText).toContain('1.2 kHz');
    expect(rowText).not.toMatch(/Present during calibration|duty|every|appearance/);
    await row.click();
    const dialog = page.locator('[data-testid="alert-detail"]');
    await dialog.waitFor({ state: 'visible', timeout: 2000 });
    const fields = await dialog.locator('dl dt, dl dd').allTextContents();
    const pairs = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) pairs.set(fields[i]!, fields[i + 1]!);
    expect(pairs.get('类型')).toBe('校准期间已存在');
    expect(pairs.get('校准期间听到的情况')).toBe('占空比 20.0% · 每 1.00 秒一次 · 出现 6 次');
    expect(pairs.get('最长一次')).toBe('0.31 秒');
    expect(pairs.get('基线')).toMatch(/^校准 · /);
    // the detector's extent, labelled apart from a signal's 99 % occupied bandwidth (占用带宽)
    expect(pairs.get('检测到的频宽')).toBe('1.2 kHz');
    expect(pairs.get('检测到的频段')).toBe('433.9795 MHz – 433.9807 MHz');
    for (const label of pairs.keys()) expect(label).not.toMatch(/[A-Za-z]{3,}/); // every label translated
    const esc = dialog.locator('[data-testid="detail-escalate-button"]');
    expect(await esc.isVisible()).toBe(true);
    expect(await esc.textContent()).toBe('升级处理');
    expect(await dialog.locator('[data-testid="detail-known-button"]').textContent()).toBe('标记为已知');
    await esc.click();
    await page.waitForSelector(`[data-testid="alert-row"][data-alert-id="${rec.alertId}"].sev-high`, { timeout: 3000 });
    expect(site.store.stateOf(rec.alertId)).toMatchObject({ severity: 'high', state: 'new', lastEvent: 'escalate' });
    await esc.waitFor({ state: 'hidden', timeout: 2000 }); // already high: no second escalation
    await page.close();
  }, 30_000);
});
