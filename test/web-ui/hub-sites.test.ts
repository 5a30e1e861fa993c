// The page served by a hub (real mosquitto on loopback): per-site health cards, site column, the site filter keeps one site's rows.
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHub, type RunningHub } from '../../src/hub/hub.js';
import type { SensorHealth } from '../../src/server/protocol.js';
import { heartbeat, MOSQUITTO_MISSING, publishAlerts, siteAlert, startBroker, until } from '../hub/broker.js';
import { describeNeeding } from '../helpers.js';
import { ensureUiBuilt, launchBrowser, tempDir, WEB_DIST } from './fake-site.js';

const tmp = tempDir('qb-webui-hub-');
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(() => ensureUiBuilt());
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  tmp.cleanup();
});

const health = (site: string, sensors: string[]): string =>
  JSON.stringify({
    v: 1,
    site,
    time: new Date().toISOString(),
    sensors: sensors.map((s): SensorHealth => ({ sensor: s, online: true, state: 'armed', centerHz: 433_920_000, configuredRateSps: 1_024_000, achievedRateSps: 1_024_000, droppedBlocks: 0, clipFraction: 0, overload: false, lastFrameAgeMs: 100 })),
  });

/** data-site of every alert row in the table, in order. */
const rowSites = (page: Page): Promise<string[]> => page.locator('[data-testid="alert-row"]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.site!));

describeNeeding(MOSQUITTO_MISSING, 'web UI at a hub', () => {
  it('shows a card per site (online, heartbeat age, sensors; a silent site offline), a site column, and the filter keeps only the chosen site (counts)', async () => {
    const broker = await startBroker(tmp.dir);
    cleanups.push(broker.stop);
    const hub: RunningHub = await startHub({ mqttUrl: broker.url, topicPrefix: 'w', port: 0, dataDir: join(tmp.dir, 'hub'), webRoot: WEB_DIST, offlineAfterMs: 1500, checkEveryMs: 100, clientId: `webui-hub-${process.pid}`, timeZone: 'Asia/Shanghai' });
    cleanups.push(() => hub.close());
    await until(() => hub.connected, 5000, 'hub connected');
    await new Promise((r) => setTimeout(r, 200));
    const pub: MqttClient = await mqtt.connectAsync(broker.url, { clientId: `webui-pub-${process.pid}` });
    cleanups.push(() => pub.endAsync());
    // east and west keep beating (300 ms); south beats once and falls silent → site-offline after 1.5 s
    const beat = async (): Promise<void> => {
      await heartbeat(pub, 'w', 'hall-east', 300, [2, 2]);
      await heartbeat(pub, 'w', 'hall-west', 300, [0, 1]);
    };
    await beat();
    const timer = setInterval(() => void beat().catch(() => undefined), 300);
    cleanups.push(() => clearInterval(timer));
    await heartbeat(pub, 'w', 'hall-south', 300);
    await pub.publishAsync('w/hall-east/health', health('hall-east', ['room-1', 'room-2']), { qos: 1 });
    await pub.publishAsync('w/hall-west/health', health('hall-west', ['room-9']), { qos: 1 });
    await publishAlerts(pub, 'w', 'hall-east', [1, 2, 3].map((s) => siteAlert('hall-east', s)));
    await publishAlerts(pub, 'w', 'hall-west', [1, 2].map((s) => siteAlert('hall-west', s)));
    await until(() => hub.log.all().some((r) => r.site === 'hall-south' && r.kind === 'site-offline'), 5000, 'hall-south offline at the hub');

    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    const page = await browser.ctx.newPage();
    page.on('pageerror', (err) => {
      throw new Error(`page error: ${err.message}`);
    });
    await page.goto(hub.url);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    // per-site health
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="site-card"]').length === 3, undefined, { timeout: 5000 });
    expect(await page.locator('[data-testid="site-card"]').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.site))).toEqual(['hall-east', 'hall-south', 'hall-west']);
    const status = (site: string): Promise<string | null> => page.locator(`[data-testid="site-status"][data-site="${site}"]`).getAttribute('data-online');
    expect([await status('hall-east'), await status('hall-south'), await status('hall-west')]).toEqual(['true', 'false', 'true']);
    // set once a heartbeat was heard (absent while the card says "never", which Number() would read as 0 ms)
    const eastAge = await page.locator('[data-site="hall-east"] [data-testid="site-heartbeat"]').getAttribute('data-age-ms');
    expect(eastAge).toMatch(/^\d+$/);
    expect(Number(eastAge)).toBeLessThan(2500); // beats every 300 ms; polled every 2 s
    expect(await page.locator('[data-site="hall-east"] [data-testid="site-sensors"]').textContent()).toBe('2 / 2'); // from the heartbeat
    expect(await page.locator('[data-site="hall-west"] [data-testid="site-sensors"]').textContent()).toBe('0 / 1');
    expect(await page.locator('[data-testid="alarm-banner"]').textContent()).toContain('Site hall-south OFFLINE');

    // every site's alerts, with a visible site column: 3 east + 2 west + south's site-offline
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"]').length === 6, undefined, { timeout: 5000 });
    expect((await rowSites(page)).sort()).toEqual(['hall-east', 'hall-east', 'hall-east', 'hall-south', 'hall-west', 'hall-west']);
    await expect(page.locator('[data-testid="alert-row"] .c-site').first().isVisible()).resolves.toBe(true);
    const filter = page.locator('[data-testid="site-filter"]');
    expect(await filter.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['', 'hall-east', 'hall-south', 'hall-west']);

    // filter: only the chosen site's rows, and its sensors
    await filter.selectOption('hall-east');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"]').length === 3, undefined, { timeout: 2000 });
    expect(await rowSites(page)).toEqual(['hall-east', 'hall-east', 'hall-east']);
    expect(await page.locator('[data-testid="alert-row"]').evaluateAll((rs) => rs.map((r) => (r as HTMLElement).dataset.alertId))).toEqual(['hall-east-3', 'hall-east-2', 'hall-east-1']);
    expect(await page.locator('[data-testid="alert-count"]').textContent()).toBe('(3 / 6)');
    await page.waitForSelector('[data-testid="sensor-status"][data-sensor="hall-east/room-1"]', { timeout: 5000 });
    const visibleSensors = await page.locator('.sensor-card:not([hidden])').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.sensor).sort());
    expect(visibleSensors).toEqual(['hall-east/room-1', 'hall-east/room-2']);

    await filter.selectOption('hall-west');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"]').length === 2, undefined, { timeout: 2000 });
    expect(await rowSites(page)).toEqual(['hall-west', 'hall-west']);
    // a new east alert while west is chosen: counted, not shown
    await publishAlerts(pub, 'w', 'hall-east', [siteAlert('hall-east', 4)]);
    await page.waitForFunction(() => document.querySelector('[data-testid="alert-count"]')!.textContent === '(2 / 7)', undefined, { timeout: 3000 });
    expect(await page.locator('[data-testid="alert-row"]').count()).toBe(2);

    // a click on a site card filters by that site; "All sites" shows everything again
    await page.locator('[data-testid="site-card"][data-site="hall-east"]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"]').length === 4, undefined, { timeout: 2000 });
    expect(await filter.inputValue()).toBe('hall-east');
    expect(new Set(await rowSites(page))).toEqual(new Set(['hall-east']));
    await page.screenshot({ path: join(tmp.dir, '..', 'quietband-hub-sites.png') }); // for a human look (os.tmpdir())
    await filter.selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="alert-row"]').length === 7, undefined, { timeout: 2000 });
    expect(await page.evaluate(() => window.quietband!.stats().hub)).toBe(true);
    await page.close();
  }, 60_000);
});
