// What a new user misread in the demo, in Chromium: a sensor card says why its rate is amber (falling behind, dropping,
// slow source; en and zh-CN), an open transmission's duration is the on-air time heard so far ("≥ …", never more than
// the value it closes with), a sensor-offline alert's detail has no empty spectrum section, and a transmission closed
// without its evidence clip says why, and gains the clip when it is written late.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SensorHealth } from '../../src/server/protocol.js';
import type { DetectionEvent } from '../../src/types.js';
import { alertRow, ensureUiBuilt, openLivePage, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

const RATE = 2_048_000; // every fake sensor's configured rate

/** north: 60 % of its rate and 12.4 s behind; east: 50 %, blocks dropped, 0.3 s behind; west: 90 %, nothing dropped or late; south keeps up. */
const HEALTH: Record<string, Partial<SensorHealth>> = {
  north: { achievedRateSps: 0.6 * RATE, rateShortfall: true, behindMs: 12_400, droppedBlocks: 0 },
  east: { achievedRateSps: 0.5 * RATE, rateShortfall: true, behindMs: 300, droppedBlocks: 4 },
  west: { achievedRateSps: 0.9 * RATE, rateShortfall: true, behindMs: 0, droppedBlocks: 0 },
  south: { behindMs: 40 },
};

let site: FakeSite;
const td = tempDir('qb-webui-field-ready-');
beforeAll(async () => {
  ensureUiBuilt();
  site = await startFakeSite({ dataDir: td.dir, spectrumHz: 2, health: (s) => HEALTH[s] });
}, 60_000);
afterAll(async () => {
  await site?.close();
  td.cleanup();
});

/** The "why amber" line of each sensor card (null when hidden), once north's is shown. */
async function behindLines(page: Page): Promise<Record<string, string | null>> {
  await page.locator('.sensor-card[data-sensor="north"] [data-testid="sensor-behind"]').waitFor({ state: 'visible', timeout: 5000 });
  return page.evaluate(() => {
    const out: Record<string, string | null> = {};
    for (const card of document.querySelectorAll<HTMLElement>('.sensor-card')) {
      const el = card.querySelector<HTMLElement>('[data-testid="sensor-behind"]')!;
      out[card.dataset.sensor!] = el.hidden ? null : el.textContent;
    }
    return out;
  });
}

describe('sensor cards say why they are amber', () => {
  it('en: falling behind with the delay of its alerts, dropping, or a slow source; nothing for a sensor that keeps up', async () => {
    const { page, close } = await openLivePage(site.url, { locale: 'en-US' });
    try {
      expect(await behindLines(page)).toEqual({
        north: 'Falling behind: processing at 60 % of real time (1.23 of 2.05 MS/s), alerts up to 12.4 s late — this computer is overloaded; close other programs or lower the sample rate',
        east: 'Falling behind: processing at 50 % of real time (1.02 of 2.05 MS/s), samples dropped — this computer is overloaded; close other programs or lower the sample rate',
        west: "Receiving 90 % of the configured rate (1.84 of 2.05 MS/s): the receiver or its network link delivers fewer samples than configured (this computer keeps up) — check the receiver's cable or network, or lower the sample rate",
        south: null,
      });
      const colour = await page.locator('.sensor-card[data-sensor="north"] [data-testid="sensor-behind"]').evaluate((el) => getComputedStyle(el).color);
      const amber = await page.locator('.sensor-card[data-sensor="north"] .sensor-metrics dd.warn').first().evaluate((el) => getComputedStyle(el).color);
      expect(colour).toBe(amber); // the explanation has the amber of the rate it explains
    } finally {
      await close();
    }
  });

  it('zh-CN: the same explanations in Chinese', async () => {
    const { page, close } = await openLivePage(site.url, { locale: 'zh-CN' });
    try {
      const lines = await behindLines(page);
      expect(lines.north).toBe('处理跟不上：处理速度为实时的 60 %（1.23 / 2.05 MS/s），告警最多延迟 12.4 秒——本机负载过高，请关闭其他程序或降低采样率');
      expect(lines.east).toBe('处理跟不上：处理速度为实时的 50 %（1.02 / 2.05 MS/s），已丢弃采样——本机负载过高，请关闭其他程序或降低采样率');
      expect(lines.west).toBe('只收到设定采样率的 90 %（1.84 / 2.05 MS/s）：接收机或其网络链路送出的采样少于设定值（本机处理跟得上）——请检查接收机的线缆或网络，或降低采样率');
      expect(lines.south).toBeNull();
    } finally {
      await close();
    }
  });
});

describe('alert durations and the detail of a sensor-offline alert', () => {
  it('an open transmission shows the on-air time heard so far, which its close does not contradict', async () => {
    const { page, close } = await openLivePage(site.url, { locale: 'en-US' });
    try {
      const { alert, tx } = await site.raise('south', 868_300_000);
      const ev = (kind: 'update' | 'close', endS: number): DetectionEvent => ({ kind, id: tx.trackId, centerHz: tx.centerHz, bandwidthHz: tx.bandwidthHz, lowHz: tx.centerHz - 6000, highHz: tx.centerHz + 6000, peakExcessDb: 25, peakPowerDbfs: -40, startS: tx.startS, endS, paths: ['fast'], overload: false, tuneId: 0, packets: 1 });
      const duration = (await alertRow(page, alert.alertId)).locator('.c-duration');
      await expect.poll(() => duration.textContent(), { timeout: 3000 }).toBe('just started'); // not "≥ 0.0 s"
      await new Promise((r) => setTimeout(r, 1100)); // past the bus's one-update-a-second throttle
      await site.bus.handleDetection('south', ev('update', tx.startS + 0.4), {});
      await expect.poll(() => duration.textContent(), { timeout: 3000 }).toBe('≥ 0.4 s');
      // two more seconds pass on the wall clock (the detector's hold, a late pipeline): the shown value does not grow
      await new Promise((r) => setTimeout(r, 2000));
      expect(await duration.textContent()).toBe('≥ 0.4 s');
      await site.bus.handleDetection('south', ev('close', tx.startS + 0.5), {});
      await expect.poll(() => duration.textContent(), { timeout: 3000 }).toBe('0.5 s');
    } finally {
      await close();
    }
  });

  it('a sensor-offline alert counts up to now; its detail has no spectrum heading, a transmission keeps it', async () => {
    const { page, close } = await openLivePage(site.url, { locale: 'en-US' });
    try {
      const off = await site.bus.raiseSensorAlert('west', 'sensor-offline', 'sensor west (sim) stopped delivering: no data for 1.1 s', { id: 'offline.noData', params: { sensor: 'west', source: 'sim', ms: 1100 } });
      const row = await alertRow(page, off!.alertId);
      // the outage lasts as long as the alert is open: its duration ticks with the clock (each second)
      await expect.poll(async () => Number.parseFloat((await row.locator('.c-duration').textContent())!), { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      await row.click();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      const heading = dialog.locator('[data-testid="detail-spectrum-heading"]');
      expect(await heading.isHidden()).toBe(true);
      expect(await dialog.locator('.detail-no-spectrum').isHidden()).toBe(true);
      await dialog.locator('.detail-close').click();
      const { alert } = await site.raise('north', 433_920_000);
      await (await alertRow(page, alert.alertId)).click();
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      await expect.poll(() => heading.isVisible(), { timeout: 3000 }).toBe(true);
      expect(await heading.textContent()).toBe('Spectrum at the alert’s peak');
    } finally {
      await close();
    }
  });

  it('a transmission closed without its evidence clip says why in its detail (en and zh-CN)', async () => {
    const { alert, tx } = await site.raise('east', 433_950_000);
    const ev: DetectionEvent = { kind: 'close', id: tx.trackId, centerHz: tx.centerHz, bandwidthHz: tx.bandwidthHz, lowHz: tx.centerHz - 6000, highHz: tx.centerHz + 6000, peakExcessDb: 25, peakPowerDbfs: -40, startS: tx.startS, endS: tx.startS + 0.3, paths: ['fast'], overload: false, tuneId: 0, packets: 1 };
    await site.bus.handleDetection('east', ev, { clipNotKept: 'writer-behind' });
    /** The text beside the "Evidence clip" label of the alert's detail, in the page's language. */
    const clipNote = async (locale: string, label: string): Promise<string | null> => {
      const { page, close } = await openLivePage(site.url, { locale });
      try {
        await (await alertRow(page, alert.alertId)).click();
        const dialog = page.locator('[data-testid="alert-detail"]');
        await dialog.waitFor({ state: 'visible', timeout: 2000 });
        return await dialog.evaluate((d, l) => [...d.querySelectorAll('dt')].find((x) => x.textContent === l)?.nextElementSibling?.textContent ?? null, label);
      } finally {
        await close();
      }
    };
    expect(await clipNote('en-US', 'Evidence clip (IQ)')).toBe("not kept: the clip writer could not keep up with this computer's load (alerts come first)");
    expect(await clipNote('zh-CN', '证据片段（IQ）')).toBe('未保存：本机负载过高，片段写入跟不上（告警优先）');
  });
  it('a clip written after its alert closed without it (late) appears in the open detail: an update over the WebSocket', async () => {
    const { alert, tx } = await site.raise('south', 433_970_000);
    const ev: DetectionEvent = { kind: 'close', id: tx.trackId, centerHz: tx.centerHz, bandwidthHz: tx.bandwidthHz, lowHz: tx.centerHz - 6000, highHz: tx.centerHz + 6000, peakExcessDb: 25, peakPowerDbfs: -40, startS: tx.startS, endS: tx.startS + 0.2, paths: ['fast'], overload: false, tuneId: 0, packets: 1 };
    await site.bus.handleDetection('south', ev, { clipNotKept: 'late' });
    const { page, close } = await openLivePage(site.url, { locale: 'en-US' });
    try {
      await (await alertRow(page, alert.alertId)).click();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      const clipRow = (): Promise<string | null> => dialog.evaluate((d) => [...d.querySelectorAll('dt')].find((x) => x.textContent === 'Evidence clip (IQ)')?.nextElementSibling?.textContent ?? null);
      expect(await clipRow()).toBe('not kept in time: the clip was still being written when the alert closed (it is added here once written)');
      const stored = await site.bus.attachClip(alert.alertId, 'clips/south_late.sigmf-meta');
      expect(stored).toMatchObject({ alertId: alert.alertId, event: 'update', clip: 'clips/south_late.sigmf-meta' });
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="alert-detail"] dt')].some((x) => x.textContent === 'Evidence clip (IQ)' && x.nextElementSibling?.textContent?.includes('.sigmf-data')), undefined, { timeout: 3000 });
      expect(await clipRow()).toBe('Download: .sigmf-meta .sigmf-data ');
      const hrefs = await dialog.evaluate((d) => [...d.querySelectorAll('dd a[download]')].map((a) => a.getAttribute('href')));
      expect(hrefs).toEqual(['clips/south_late.sigmf-meta', 'clips/south_late.sigmf-data']);
    } finally {
      await close();
    }
  });
});
