// The alert detail of the web UI shows the evidence clip's spectrogram (served by the daemon) and links the SigMF pair.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, Client, killAll, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';
import { ensureUiBuilt, launchBrowser } from '../web-ui/fake-site.js';

const tmp = tempDir('qb-field-ui-');
beforeAll(() => {
  buildOnce();
  ensureUiBuilt();
});
afterAll(() => {
  killAll();
  tmp.cleanup();
});

describe('alert detail: evidence picture', () => {
  it('opens a closed alert and shows its 512 × 256 clip picture and the .sigmf-meta/.sigmf-data links', async () => {
    const config = writeConfig(tmp.dir, 'ui.json', { site: 'hall-u', warmupS: 1.5, calibrationDir: join(tmp.dir, 'cal'), sensors: [simSensor('room-u', [{ offsetHz: 60_000, startS: 2.0, durationS: 0.4 }], 4)] });
    const [d, browser] = await Promise.all([startDaemon(['run', '--config', config, '--data-dir', join(tmp.dir, 'data'), '--http-port', '0']), launchBrowser()]);
    try {
      const c = await Client.open(d.wsUrl);
      const closed = await c.waitFor(() => c.alerts().find((x) => x.a.event === 'close' && x.a.clip !== undefined)?.a, 20_000, 'a closed alert with a clip');
      c.close();
      const page = await browser.ctx.newPage();
      page.on('pageerror', (err) => {
        throw new Error(`page error: ${err.message}`);
      });
      await page.goto(d.url);
      const row = page.locator(`[data-testid="alert-row"][data-alert-id="${closed.alertId}"]`);
      await row.waitFor({ timeout: 10_000 });
      await row.locator('.c-freq').click();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible', timeout: 2000 });
      const img = dialog.locator('[data-testid="detail-clip-picture"]');
      await img.waitFor({ state: 'visible', timeout: 5000 });
      const size = await img.evaluate((el: HTMLImageElement) => ({ w: el.naturalWidth, h: el.naturalHeight, src: el.getAttribute('src')!.replace(/\?try=\d+$/, '') }));
      const name = closed.clip!.slice('clips/'.length, -'.sigmf-meta'.length);
      expect(size).toEqual({ w: 512, h: 256, src: `clips/${encodeURIComponent(name)}.png` });
      const links = await dialog.locator('dd a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
      expect(links).toEqual([[`clips/${encodeURIComponent(name)}.sigmf-meta`, '.sigmf-meta'], [`clips/${encodeURIComponent(name)}.sigmf-data`, '.sigmf-data']]);
      const meta = await page.evaluate(async (href) => (await fetch(href)).json() as Promise<{ global: Record<string, unknown> }>, links[0]![0]!);
      expect(meta.global['core:datatype']).toBe('cu8');
      await page.screenshot({ path: join(tmpdir(), 'quietband-field-alert-detail.png') }); // for a human look
      await page.close();
    } finally {
      await browser.close();
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });
});
