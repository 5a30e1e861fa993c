// Web UI in headless Chromium against the real server + alert store/bus with a fake 4-sensor site (test/web-ui/fake-site.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import type { PageStats } from '../../web-ui/src/page-state.js';
import { ensureUiBuilt, launchBrowser, REPO_ROOT, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');

let browser: { ctx: BrowserContext; close: () => Promise<void> };
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  ensureUiBuilt();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

async function site(opts: Partial<Parameters<typeof startFakeSite>[0]> & { dataDir?: string } = {}): Promise<{ s: FakeSite; dir: string }> {
  let dir = opts.dataDir;
  if (dir === undefined) {
    const td = tempDir('qb-webui-');
    cleanups.push(td.cleanup);
    dir = td.dir;
  }
  const s = await startFakeSite({ ...opts, dataDir: dir });
  return { s, dir };
}

async function openPage(url: string): Promise<Page> {
  const page = await browser.ctx.newPage();
  page.on('pageerror', (err) => {
    throw new Error(`page error: ${err.message}`);
  });
  cleanups.push(() => page.close());
  await page.goto(url);
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
  return page;
}

/** The page's debug counters (window.quietband.stats()). */
function stats(page: Page): Promise<PageStats> {
  return page.evaluate(() => window.quietband!.stats());
}

function row(page: Page, alertId: string) {
  return page.locator(`[data-testid="alert-row"][data-alert-id="${alertId}"]`);
}

/** alertId and data-seq of every alert row, in page order. */
function rowsOf(page: Page): Promise<{ id: string; seq: number; state: string }[]> {
  return page.$$eval('[data-testid="alert-row"]', (trs) =>
    trs.map((tr) => ({ id: (tr as HTMLElement).dataset.alertId!, seq: Number((tr as HTMLElement).dataset.seq), state: (tr as HTMLElement).dataset.state! })),
  );
}

/** Resolves with the next alert the bus emits (= the server sends it) and the wall time of that moment. */
function nextEmitted(s: FakeSite): Promise<{ alert: Alert; atMs: number }> {
  return new Promise((resolve) => s.bus.once('alert', (alert) => resolve({ alert, atMs: Date.now() })));
}

describe('web UI (headless chromium, fake 4-sensor site)', () => {
  it('shows an injected event as an alert-row within 1 s, with the right frequency, state and site-time start', async () => {
    const { s } = await site();
    cleanups.push(() => s.close());
    const page = await openPage(s.url);
    // the page notes the wall time at which the first alert row enters the DOM
    await page.evaluate(() => {
      const w = window;
      new MutationObserver((_m, obs) => {
        if (document.querySelector('[data-testid="alert-row"]') !== null) {
          w.rowAtMs = Date.now();
          obs.disconnect();
        }
      }).observe(document.getElementById('alert-rows')!, { childList: true });
    });
    const emitted = nextEmitted(s);
    await s.raise('north', 433_925_000, { bandwidthHz: 12_500, peakExcessDb: 24.6 });
    const { alert, atMs } = await emitted;
    await row(page, alert.alertId).waitFor({ timeout: 1000 });
    const seenMs = Date.now() - atMs;
    const inPageMs = (await page.evaluate(() => window.rowAtMs!)) - atMs;
    console.log(`alert-row latency: server emit → row in the DOM ${inPageMs} ms (→ seen by the test ${seenMs} ms)`);
    expect(inPageMs).toBeLessThan(1000);
    expect(seenMs).toBeLessThan(1000);
    const r = row(page, alert.alertId);
    expect(await r.getAttribute('data-state')).toBe('new');
    expect(Number(await r.getAttribute('data-seq'))).toBe(alert.seq);
    expect((await r.locator('.c-freq').textContent())!.trim()).toBe('433.9250 MHz');
    expect((await r.locator('.c-bw').textContent())!.trim()).toBe('12.5 kHz');
    expect((await r.locator('.c-excess').textContent())!.trim()).toBe('24.6 dB');
    expect((await r.locator('.c-band').textContent())!.trim()).toBe('ISM 433');
    expect((await r.locator('.c-sensor').textContent())!.trim()).toBe('north');
    // start time in the site's zone (hello.timeZone = Asia/Shanghai) while the browser runs in UTC
    const want = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(alert.startTime!));
    expect((await r.locator('.c-start').textContent())!.trim()).toBe(want);
    // the new alert flashes and the banner counts it
    expect(await r.getAttribute('class')).toMatch(/\bflash\b/);
    await expect.poll(() => page.locator('[data-testid="alarm-banner"]').textContent()).toMatch(/1 alert not acknowledged/);
    // an open transmission's duration is the on-air time heard so far (nothing past its start yet), not the clock's
    await new Promise((res) => setTimeout(res, 1500));
    expect((await r.locator('.c-duration').textContent())!.trim()).toBe('just started');
  });

  it('acknowledges over WebSocket: every open page updates, and the state survives a reload and a server restart', async () => {
    const { s, dir } = await site();
    let cur = s;
    cleanups.push(() => cur.close());
    const a = await openPage(s.url);
    const b = await openPage(s.url);
    const { alert } = await s.raise('south', 868_350_000, { bandwidthHz: 25_000 });
    // what this test checks is the acknowledgement's path; how fast a row appears has its own test (daemon-e2e), and
    // two pages rendering on a loaded 2-core CI machine took over 1 s once
    await row(a, alert.alertId).waitFor({ timeout: 3000 });
    await row(b, alert.alertId).waitFor({ timeout: 3000 });
    await row(a, alert.alertId).locator('[data-testid="ack-button"]').click();
    await a.waitForSelector(`[data-testid="alert-row"][data-alert-id="${alert.alertId}"][data-state="acknowledged"]`, { timeout: 2000 });
    await b.waitForSelector(`[data-testid="alert-row"][data-alert-id="${alert.alertId}"][data-state="acknowledged"]`, { timeout: 2000 });
    expect(s.store.stateOf(alert.alertId)?.state).toBe('acknowledged');
    expect(await row(a, alert.alertId).locator('[data-testid="ack-button"]').isHidden()).toBe(true);
    expect(await row(a, alert.alertId).getAttribute('class')).not.toMatch(/\bflash\b/);

    const port = s.port;
    await s.close();
    await a.waitForSelector('[data-testid="connection-state"][data-state="reconnecting"]', { timeout: 3000 });
    cur = await startFakeSite({ dataDir: dir, port });
    await a.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 10_000 });
    await a.waitForSelector(`[data-testid="alert-row"][data-alert-id="${alert.alertId}"][data-state="acknowledged"]`, { timeout: 2000 });
    // a reload rebuilds the list from the restarted daemon's store alone
    await a.reload();
    await a.waitForSelector('[data-testid="connection-state"][data-state="live"]');
    await a.waitForSelector(`[data-testid="alert-row"][data-alert-id="${alert.alertId}"][data-state="acknowledged"]`, { timeout: 2000 });
    // the restart closed the alert that was open when the daemon stopped; the row shows it ended
    await a.waitForSelector(`[data-testid="alert-row"][data-alert-id="${alert.alertId}"][data-closed="true"]`, { timeout: 2000 });
    expect((await rowsOf(a)).length).toBe(1);
  });

  it('reconnects after the daemon restarts and shows every alert exactly once (missed ones replayed)', async () => {
    const { s, dir } = await site();
    let cur = s;
    cleanups.push(() => cur.close());
    const page = await openPage(s.url);
    const before = [await s.raise('north', 433_500_000), await s.raise('east', 462_612_500)];
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="alert-row"]').length === n, 2, { timeout: 2000 });
    const connects0 = Number((await stats(page)).connects);
    const port = s.port;
    await s.close();
    await page.waitForSelector('[data-testid="connection-state"][data-state="reconnecting"]', { timeout: 3000 });
    await page.waitForTimeout(600); // a failed attempt or two: the next one waits ≥ 0.8 s
    cur = await startFakeSite({ dataDir: dir, port });
    // raised at once after the restart: the page is still waiting out its backoff, so these come by resume/replay
    const missed = [await cur.raise('south', 868_100_000), await cur.raise('west', 145_525_000)];
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 10_000 });
    const live = [await cur.raise('north', 434_100_000)];
    const all = [...before, ...missed, ...live];
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="alert-row"]').length >= n, all.length, { timeout: 3000 });
    await page.waitForTimeout(300);
    const rows = await rowsOf(page);
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(all.map((x) => x.alert.alertId).sort());
    expect(new Set(rows.map((r) => r.seq)).size).toBe(rows.length);
    // newest first
    expect(rows[0]!.id).toBe(live[0]!.alert.alertId);
    // every row shows its alert's latest record: the two open before the restart were closed at restart
    for (const r of rows) expect(r.seq).toBe(cur.store.stateOf(r.id)!.lastSeq);
    const st = await stats(page);
    expect(Number(st.connects)).toBe(connects0 + 1);
    expect(st.lastSeq).toBe(cur.store.lastSeq);
    console.log(`reconnect: ${rows.length} rows for ${all.length} alerts, ${st.alertRecords} records received, ${st.duplicates} duplicates dropped`);
  });

  it('shows an offline sensor as offline within 3 s (and loudly: banner + card)', async () => {
    const { s } = await site();
    cleanups.push(() => s.close());
    const page = await openPage(s.url);
    await page.waitForSelector('[data-testid="sensor-status"][data-sensor="east"][data-online="true"]', { timeout: 3000 });
    const t0 = Date.now();
    s.setOnline('east', false);
    await page.waitForSelector('[data-testid="sensor-status"][data-sensor="east"][data-online="false"]', { timeout: 3000 });
    console.log(`sensor offline shown after ${Date.now() - t0} ms`);
    expect(Date.now() - t0).toBeLessThan(3000);
    for (const other of ['north', 'south', 'west']) {
      expect(await page.getAttribute(`[data-testid="sensor-status"][data-sensor="${other}"]`, 'data-online')).toBe('true');
    }
    // the banner follows in the page's next render pass (the card's status is set as the message arrives)
    await page.waitForFunction(() => document.querySelector('[data-testid="alarm-banner"]')?.textContent?.includes('Sensor east OFFLINE') === true, undefined, { timeout: Math.max(100, 3000 - (Date.now() - t0)) });
    console.log(`banner shows it after ${Date.now() - t0} ms`);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await page.textContent('[data-testid="alarm-banner"]')).toContain('Sensor east OFFLINE');
    expect(await page.isVisible('.spec-card[data-sensor="east"] .offline-overlay')).toBe(true);
    s.setOnline('east', true);
    await page.waitForSelector('[data-testid="sensor-status"][data-sensor="east"][data-online="true"]', { timeout: 3000 });
  });

  it('shows STORAGE FAILED for the site while its storage-failed alert is open, in both languages, and drops it on close', async () => {
    const { s } = await site({ site: 'hall-b' });
    cleanups.push(() => s.close());
    const page = await openPage(s.url);
    const banner = page.locator('[data-testid="alarm-banner"]');
    expect(await banner.isVisible()).toBe(false);
    await s.bus.raiseSensorAlert('hall-b', 'storage-failed', 'STORAGE FAILED: alerts cannot be written to the data dir (ENOSPC: …)');
    await expect.poll(() => banner.textContent(), { timeout: 2000 }).toMatch(/^STORAGE FAILED at hall-b: alerts are not being saved to disk/);
    expect(await banner.isVisible()).toBe(true);
    await page.click('[data-testid="lang-toggle"]');
    await expect.poll(() => banner.textContent(), { timeout: 2000 }).toMatch(/^hall-b 存储故障：告警无法写入磁盘/);
    await page.click('[data-testid="lang-toggle"]');
    // the banner stays while storage has failed, whatever the alert's state; it goes when the alert closes
    await s.bus.clearSensorAlert('hall-b', 'storage-failed', 'storage back: every held alert is stored');
    await expect.poll(() => banner.textContent(), { timeout: 2000 }).not.toMatch(/STORAGE FAILED/);
  });

  it('switches between English and Simplified Chinese, remembers the choice, and defaults from the browser', async () => {
    const { s } = await site();
    cleanups.push(() => s.close());
    const page = await openPage(s.url);
    const { alert } = await s.raise('north', 433_925_000);
    await row(page, alert.alertId).waitFor({ timeout: 1000 });
    expect(await page.textContent('[data-i18n="alerts.title"]')).toBe('Alerts');
    expect(await page.evaluate(() => window.quietband!.lang())).toBe('en');
    await page.click('[data-testid="lang-toggle"]');
    expect(await page.textContent('[data-i18n="alerts.title"]')).toBe('告警');
    expect(await row(page, alert.alertId).locator('.state-pill').textContent()).toBe('未确认');
    expect(await row(page, alert.alertId).locator('[data-testid="ack-button"]').textContent()).toBe('确认');
    expect(await page.textContent('#conn-text')).toBe('已连接');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.reload();
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]');
    expect(await page.textContent('[data-i18n="alerts.title"]')).toBe('告警');
    await page.click('[data-testid="lang-toggle"]');
    expect(await page.textContent('[data-i18n="alerts.title"]')).toBe('Alerts');
    // a zh browser with nothing saved (fresh origin: another port) starts in Chinese
    const { s: s2 } = await site();
    cleanups.push(() => s2.close());
    const zh = await browser.ctx.newPage();
    cleanups.push(() => zh.close());
    await zh.addInitScript(() => Object.defineProperty(navigator, 'languages', { get: () => ['zh-CN', 'zh'] }));
    await zh.goto(s2.url);
    await zh.waitForSelector('[data-testid="connection-state"][data-state="live"]');
    expect(await zh.textContent('[data-i18n="alerts.title"]')).toBe('告警');
  });

  it('sounds the alarm once per new live alert after the supervisor enabled sound (not for history)', async () => {
    const { s } = await site();
    cleanups.push(() => s.close());
    const old = await s.raise('west', 145_510_000);
    const page = await openPage(s.url);
    await row(page, old.alert.alertId).waitFor({ timeout: 1000 });
    expect((await stats(page)).alarms).toBe(0); // history does not ring
    const { alert: a1 } = await s.raise('north', 433_930_000);
    await row(page, a1.alertId).waitFor({ timeout: 1000 });
    expect((await stats(page)).alarms).toBe(0); // sound not enabled yet (browsers need a click first)
    await page.click('[data-testid="sound-toggle"]');
    await expect.poll(() => page.textContent('[data-testid="sound-toggle"]')).toBe('Alarm sound on');
    await page.waitForTimeout(700); // the confirmation beep ends
    const { alert: a2 } = await s.raise('south', 868_400_000);
    await row(page, a2.alertId).waitFor({ timeout: 1000 });
    await expect.poll(async () => (await stats(page)).alarms).toBe(1);
    await s.bus.ack(a2.alertId, 'inv'); // a state change of that alert does not ring again
    await page.waitForSelector(`[data-testid="alert-row"][data-alert-id="${a2.alertId}"][data-state="acknowledged"]`);
    expect((await stats(page)).alarms).toBe(1);
  });

  it('asks for the token when the daemon refuses it, and signs in with the right one', async () => {
    const td = tempDir('qb-webui-auth-');
    cleanups.push(td.cleanup);
    let cur = await startFakeSite({ dataDir: td.dir, token: 'first-token-0123456789' });
    cleanups.push(() => cur.close());
    const page = await browser.ctx.newPage();
    cleanups.push(() => page.close());
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    const requests: { method: string; url: string }[] = [];
    page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
    expect((await page.goto(cur.url))!.status()).toBe(401); // without a token the daemon answers 401 with its sign-in page
    await page.fill('input[name="token"]', 'first-token-0123456789');
    await Promise.all([page.waitForURL(cur.url), page.click('button[type="submit"]')]);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    const login = requests.find((r) => r.url.endsWith('/login'));
    expect(login?.method).toBe('POST'); // the token went in the body
    expect(requests.filter((r) => r.url.includes('token'))).toEqual([]); // and into no URL
    expect(cspViolations).toEqual([]); // the built page's inline module runs under the CSP (hash-source)
    await page.reload(); // the page signed in: the cookie carries on
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    // the daemon restarts with another token: the page asks for it
    const port = cur.port;
    await cur.close();
    cur = await startFakeSite({ dataDir: td.dir, port, token: 'second-token-9876543210' });
    await page.waitForSelector('[data-testid="connection-state"][data-state="auth"]', { timeout: 10_000 });
    await page.locator('[data-testid="login"]').waitFor({ state: 'visible' });
    await page.fill('[data-testid="login-token"]', 'wrong');
    await page.click('[data-testid="login-submit"]');
    await page.locator('#login-error').waitFor({ state: 'visible', timeout: 2000 });
    await page.fill('[data-testid="login-token"]', 'second-token-9876543210');
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    expect(await page.locator('[data-testid="login"]').isHidden()).toBe(true);
    const { alert } = await cur.raise('east', 462_650_000);
    await row(page, alert.alertId).waitFor({ timeout: 1000 });
  });

  it('renders an open alert (row, band mark, detail with spectrum at peak) — screenshots saved as artefacts', async () => {
    const { s } = await site();
    cleanups.push(() => s.close());
    const page = await openPage(s.url);
    const old = await s.raise('west', 145_487_500, { bandwidthHz: 16_000, peakExcessDb: 19 });
    await s.end(old.tx);
    await s.bus.ack(old.alert.alertId, 'invigilator-2');
    const known = await s.raise('south', 868_000_000, { bandwidthHz: 150_000, peakExcessDb: 15 });
    await s.bus.known(known.alert.alertId, 'invigilator-2');
    const { alert } = await s.raise('north', 434_012_500, { bandwidthHz: 25_000, peakExcessDb: 31 });
    s.setOnline('east', false);
    await row(page, alert.alertId).waitFor({ timeout: 1000 });
    // some waterfall history: more than 20 spectra plotted and 20 waterfall rows (≈ 0.6 s at the fake site's rate; a
    // fixed 1.5 s wait was longer than needed and, on a loaded machine, no guarantee)
    await page.waitForFunction(() => {
      const x = window.quietband!.stats();
      return x.framesDrawn > 20 && x.rowsDrawn > 20;
    }, undefined, { timeout: 5000 });
    const st = await stats(page);
    expect(Number(st.framesDrawn)).toBeGreaterThan(20);
    expect(Number(st.rowsDrawn)).toBeGreaterThan(20);
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-open-alert.png') });
    writeFileSync('/tmp/quietband-ui.png', shot);
    expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(shot.readUInt32BE(16)).toBe(1680); // IHDR width

    // the live spectrum of 'north' marks the open alert's band: red-tinted columns centred on 434.0125 MHz
    const plot = page.locator('[data-testid="spectrum-plot"][data-sensor="north"]');
    const mark = await bandColumns(page, '[data-testid="spectrum-plot"][data-sensor="north"] canvas');
    expect(mark.columns).toBeGreaterThan(0);
    const f = await plot.evaluate((el) => ({ left: Number(el.dataset.plotLeft), width: Number(el.dataset.plotWidth) }));
    const wantFrac = (434_012_500 - (433_920_000 - 1_024_000)) / 2_048_000;
    expect(Math.abs((mark.centre - f.left) / f.width - wantFrac)).toBeLessThan(0.01);

    // detail: spectrum at the alert's peak with the band marked
    await row(page, alert.alertId).locator('.c-freq').click();
    const dialog = page.locator('[data-testid="alert-detail"]');
    await dialog.waitFor({ state: 'visible', timeout: 1000 });
    expect(await dialog.locator('dd.big').textContent()).toBe('434.0125 MHz');
    await page.waitForTimeout(200);
    const dmark = await bandColumns(page, '[data-testid="detail-spectrum"] canvas');
    expect(dmark.columns).toBeGreaterThan(0);
    const df = await page.locator('[data-testid="detail-spectrum"]').evaluate((el) => ({ left: Number(el.dataset.plotLeft), width: Number(el.dataset.plotWidth) }));
    expect(Math.abs((dmark.centre - df.left) / df.width - wantFrac)).toBeLessThan(0.01);
    await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-alert-detail.png') });
    await dialog.locator('[data-testid="detail-ack-button"]').click();
    await page.waitForSelector(`[data-testid="alert-row"][data-alert-id="${alert.alertId}"][data-state="acknowledged"]`, { timeout: 2000 });
    await dialog.locator('.detail-close').click();
    // "mark as known" (offered once acknowledged) → stored by the daemon, row state 'known', band mark grey
    await row(page, alert.alertId).locator('[data-testid="known-button"]').click();
    await page.locator('[data-testid="who-label"]').fill('Invigilator radio'); // asks a label (the name is remembered)
    await page.locator('[data-testid="who-ok"]').click();
    await page.waitForSelector(`[data-testid="alert-row"][data-alert-id="${alert.alertId}"][data-state="known"]`, { timeout: 2000 });
    expect(s.store.stateOf(alert.alertId)?.state).toBe('known');
    expect((await lastRecord(s, alert.alertId)).knownLabel).toBe('Invigilator radio');
    await page.waitForTimeout(200);
    expect((await bandColumns(page, '[data-testid="spectrum-plot"][data-sensor="north"] canvas')).columns).toBe(0);
    expect(readFileSync(path.join(ARTIFACTS, 'web-ui-alert-detail.png')).length).toBeGreaterThan(10_000);
  });

  it('keeps up: 4 sensors × 10 spectrum frames/s, ≥ 30 animation frames/s over 5 s', async () => {
    const { s } = await site({ spectrumHz: 10 });
    cleanups.push(() => s.close());
    const page = await openPage(s.url);
    await s.raise('north', 433_920_000);
    await page.waitForTimeout(1000);
    const f0 = s.framesBroadcast();
    const st0 = await stats(page);
    const rafCount = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let n = 0;
          const t0 = performance.now();
          const step = (): void => {
            n++;
            if (performance.now() - t0 < 5000) requestAnimationFrame(step);
            else resolve(n);
          };
          requestAnimationFrame(step);
        }),
    );
    // the server's count read before the page's, as at the start (f0, then st0): read after it, the frames broadcast
    // during the stats round trip (long on a loaded machine) counted as sent and not as received or drawn, which
    // raised the bounds of the page's rates (a run at load 7 failed with a page rate of 36.2/s)
    const f1 = s.framesBroadcast();
    const st1 = await stats(page);
    const sent = (f1 - f0) / 5;
    const drawn = (Number(st1.framesDrawn) - Number(st0.framesDrawn)) / 5;
    const rows = (Number(st1.rowsDrawn) - Number(st0.rowsDrawn)) / 5;
    const received = (Number(st1.spectraReceived) - Number(st0.spectraReceived)) / 5;
    console.log(`render rate: ${(rafCount / 5).toFixed(1)} animation frames/s; spectra broadcast ${sent.toFixed(1)}/s, received ${received.toFixed(1)}/s, plotted ${drawn.toFixed(1)}/s, waterfall rows ${rows.toFixed(1)}/s`);
    expect(rafCount / 5).toBeGreaterThanOrEqual(30);
    expect(sent).toBeGreaterThanOrEqual(36);
    expect(received).toBeGreaterThanOrEqual(0.9 * sent);
    expect(rows).toBeGreaterThanOrEqual(0.9 * sent);
    expect(drawn).toBeGreaterThanOrEqual(0.75 * sent); // a frame superseded before its animation frame is not drawn
  });
});

/** The latest stored record of an alert. */
async function lastRecord(s: FakeSite, alertId: string): Promise<Alert> {
  let last: Alert | undefined;
  for await (const a of s.store.readSince(0)) if (a.alertId === alertId) last = a;
  return last!;
}

/** Columns of a uPlot canvas (CSS px from its left) whose upper plot area is red-tinted (an alert band mark): count and centre. */
async function bandColumns(page: Page, canvasSel: string): Promise<{ columns: number; centre: number }> {
  return page.$eval(canvasSel, (c) => {
    const canvas = c as HTMLCanvasElement;
    const ctx = canvas.getContext('2d')!;
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    const y = Math.round(canvas.height * 0.3);
    const img = ctx.getImageData(0, y, canvas.width, 1).data;
    let n = 0;
    let sum = 0;
    for (let x = 0; x < canvas.width; x++) {
      const r = img[4 * x]!;
      const g = img[4 * x + 1]!;
      const b = img[4 * x + 2]!;
      const a = img[4 * x + 3]!;
      if (a > 20 && r > g + 40 && r > b + 40) {
        n++;
        sum += x;
      }
    }
    return { columns: n, centre: n > 0 ? sum / n / ratio : NaN };
  });
}

