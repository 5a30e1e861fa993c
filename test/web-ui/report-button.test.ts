// The "Session report" button of the page served by `quietband run`: lists the configured sessions, opens the chosen one's report.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, CENTER_HZ, Client, killAll, RATE_SPS, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';
import { siteTimeIn, TZ } from '../field/field-helpers.js';
import { axisMissPx, ensureUiBuilt, launchBrowser } from './fake-site.js';

const tmp = tempDir('qb-webui-report-');
beforeAll(() => {
  buildOnce();
  ensureUiBuilt();
});
afterAll(() => {
  killAll();
  tmp.cleanup();
});

const H = 3_600_000;

describe('web UI: session report button', () => {
  it('lists the sessions (newest first, alert counts) and opens the report of the chosen one, with its alerts (ids, frequencies); PDF link prints', async () => {
    // a 0.4 s tone at +60 kHz every 3 s, inside session "physics-pm" (on now); "maths-am" ended an hour ago
    const config = writeConfig(tmp.dir, 'site.json', {
      site: 'hall-rep',
      timeZone: TZ,
      warmupS: 1.5,
      calibrationDir: join(tmp.dir, 'cal'),
      sessions: [
        { name: 'maths-am', start: siteTimeIn(-3 * H), end: siteTimeIn(-H) },
        { name: 'physics-pm', start: siteTimeIn(-60_000), end: siteTimeIn(H) },
      ],
      sensors: [simSensor('room-r', [{ offsetHz: 60_000, startS: 2, durationS: 0.4 }], 3)],
    });
    const [d, browser] = await Promise.all([startDaemon(['run', '--config', config, '--data-dir', join(tmp.dir, 'data'), '--http-port', '0']), launchBrowser({ timezoneId: TZ })]);
    try {
      const c = await Client.open(d.wsUrl);
      const opens = await c.waitFor(() => {
        const o = c.alerts().filter((x) => x.a.kind === 'transmission' && x.a.event === 'open').map((x) => x.a);
        return o.length >= 2 ? o : undefined;
      }, 25_000, 'two tone alerts');
      c.close();
      for (const a of opens) {
        expect(a.session).toBe('physics-pm');
        expect(Math.abs(a.centerHz! - (CENTER_HZ + 60_000))).toBeLessThan(3000);
      }
      const page = await browser.ctx.newPage();
      page.on('pageerror', (err) => {
        throw new Error(`page error: ${err.message}`);
      });
      await page.goto(d.url);
      await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
      await page.locator('[data-testid="report-button"]').click();
      const dialog = page.locator('[data-testid="report-dialog"]');
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      const select = dialog.locator('[data-testid="report-session"]');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="report-session"] option').length === 2, undefined, { timeout: 5000 });
      const options = await select.locator('option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).dataset.session, o.textContent]));
      expect(options.map((o) => o[0])).toEqual(['physics-pm', 'maths-am']); // newest first
      expect(options[1]![1]).toMatch(/ · 0 alerts$/);
      const n = Number(/ · (\d+) alerts?$/.exec(options[0]![1]!)![1]);
      expect(n).toBeGreaterThanOrEqual(opens.length);
      await page.screenshot({ path: join(tmp.dir, '..', 'quietband-report-dialog.png') }); // for a human look (os.tmpdir())
      // the site page shows no site column nor filter (one site)
      expect(await page.locator('#site-filter-label').isHidden()).toBe(true);
      expect(await page.locator('#sites-panel').isHidden()).toBe(true);

      const [report] = await Promise.all([browser.ctx.waitForEvent('page'), dialog.locator('[data-testid="report-open"]').click()]);
      await report.waitForLoadState('load');
      expect(report.url()).toBe(`${d.url}report?session=physics-pm&site=hall-rep&lang=en`);
      const html = await report.content();
      expect(html).toContain('<b id="site">hall-rep</b>');
      expect(html).toContain('<b id="session">physics-pm</b>');
      expect(html).toContain('(Asia/Shanghai; as configured)');
      const ids = await report.locator('section.alert').evaluateAll((ss) => ss.map((s) => (s as HTMLElement).dataset.alertId));
      for (const a of opens) {
        expect(ids).toContain(a.alertId);
        // the report folds open/update/close: its centre is the track's latest estimate, within 3 kHz of the open's
        const freq = (await report.locator(`section[data-alert-id="${a.alertId}"] tr:has(th:text-is("Frequency")) td`).first().textContent())!;
        const mhz = Number(/^(\d+\.\d{4}) MHz/.exec(freq)![1]);
        expect(Math.abs(mhz * 1e6 - a.centerHz!)).toBeLessThan(3000);
        expect(Math.abs(mhz * 1e6 - (CENTER_HZ + 60_000))).toBeLessThan(3000);
      }
      expect(ids.length).toBeGreaterThanOrEqual(opens.length);
      expect(await report.locator('#sensors td').first().textContent()).toBe('room-r');
      // the evidence pictures framed by the alert detail's axes (src/evidence/clip-axes.ts): MHz inside the sensor's band,
      // seconds from 0, each label where its fraction puts it; a clip is written ≈ 1 s after its tone, so reload until one is
      const framed = report.locator('figure.clip-figure:not(.no-axes)');
      for (let i = 0; i < 15 && (await framed.count()) === 0; i++) {
        await report.waitForTimeout(1000);
        await report.reload();
      }
      const fig = framed.first();
      const xs = (await fig.locator('[data-testid="axis-x"] .tick').allTextContents()).map(Number);
      expect(xs.length).toBeGreaterThanOrEqual(3);
      for (const x of xs) expect(Math.abs(x * 1e6 - CENTER_HZ)).toBeLessThanOrEqual(RATE_SPS / 2);
      expect((await fig.locator('[data-testid="axis-y"] .tick').allTextContents())[0]).toMatch(/^0(\.0+)?$/);
      expect([await fig.locator('.axis-title.x').textContent(), await fig.locator('.axis-title.y').textContent()]).toEqual(['Frequency (MHz)', 'Time (s)']);
      expect(await axisMissPx(fig)).toBeLessThan(1);
      await fig.screenshot({ path: join(tmp.dir, '..', 'quietband-report-clip-axes.png') }); // for a human look (os.tmpdir())
      // the Chinese report: the same figure, its titles in Chinese
      await report.goto(report.url().replace('lang=en', 'lang=zh-CN'));
      expect([await framed.first().locator('.axis-title.x').textContent(), await framed.first().locator('.axis-title.y').textContent()]).toEqual(['频率（MHz）', '时间（秒）']);
      await report.screenshot({ path: join(tmp.dir, '..', 'quietband-session-report.png'), fullPage: false });
      await report.close();

      // the PDF link: Chromium on the daemon's side prints it
      const pdfHref = (await dialog.locator('[data-testid="report-pdf"]').getAttribute('href'))!;
      expect(pdfHref).toBe(`${d.url}report?session=physics-pm&site=hall-rep&format=pdf&lang=en`);
      const pdf = await page.evaluate(async (href) => {
        const r = await fetch(href);
        const b = new Uint8Array(await r.arrayBuffer());
        return { status: r.status, type: r.headers.get('content-type'), magic: String.fromCharCode(...b.slice(0, 5)), bytes: b.length };
      }, pdfHref);
      console.log(`report PDF: ${pdf.bytes} bytes`);
      expect(pdf).toMatchObject({ status: 200, type: 'application/pdf', magic: '%PDF-' });
      expect(pdf.bytes).toBeGreaterThan(5000);
      await page.close();
    } finally {
      await browser.close();
      d.child.kill('SIGTERM');
      await d.exited;
    }
  }, 90_000);
});
