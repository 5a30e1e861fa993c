// End to end: `quietband run` with a sim sensor serves the built page; a simulated tone becomes an alert row; ack persists.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import { describeNeeding } from '../helpers.js';
import { ensureUiBuilt, launchBrowser, REPO_ROOT, tempDir } from './fake-site.js';

const RUN_COMPILED = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'run.js');
const DAEMON_MISSING = existsSync(RUN_COMPILED) ? null : `${RUN_COMPILED} missing: npm run build`;

/** Tone of the sim scenario: centre + 300 kHz, 25 dB over the noise, from 2 s (after a 1 s warm-up) for 30 s. */
const CENTER_HZ = 433_920_000;
const TONE_OFFSET_HZ = 300_000;

describeNeeding(DAEMON_MISSING, 'web UI against `quietband run` with a sim sensor', () => {
  let browser: { ctx: BrowserContext; close: () => Promise<void> };
  let daemon: ChildProcess;
  let url = '';
  let dataDir = '';
  const stderrLines: string[] = [];
  const td = tempDir('qb-webui-e2e-');

  beforeAll(async () => {
    ensureUiBuilt();
    dataDir = path.join(td.dir, 'data');
    const config = {
      site: 'e2e-hall',
      timeZone: 'Asia/Shanghai',
      http: { port: 0 },
      dataDir,
      calibrationDir: path.join(td.dir, 'calibration'),
      warmupS: 1,
      sensors: [
        {
          name: 'hall-a',
          source: 'sim',
          centerHz: CENTER_HZ,
          rateSps: 1_000_000,
          fftSize: 1024,
          scenario: { durationS: 60, seed: 3, noiseDbfs: -35, events: [{ kind: 'tone', offsetHz: TONE_OFFSET_HZ, snrDb: 25, startS: 2, durationS: 30 }] },
        },
      ],
    };
    const cfgPath = path.join(td.dir, 'site.json');
    writeFileSync(cfgPath, JSON.stringify(config));
    const browserReady = launchBrowser(); // starts while the daemon starts
    daemon = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'quietband.js'), 'run', '--config', cfgPath, '--log-level', 'info'], { cwd: td.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let errBuf = '';
    daemon.stderr!.on('data', (d: Buffer) => {
      errBuf += d.toString();
      const lines = errBuf.split('\n');
      errBuf = lines.pop()!;
      stderrLines.push(...lines);
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`quietband run printed no URL in 15 s; stderr: ${stderrLines.slice(-5).join('\n')}`)), 15_000);
      daemon.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /running at (http:\/\/\S+\/)/.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      daemon.once('exit', (code) => reject(new Error(`quietband run exited with ${code}: ${stderrLines.slice(-5).join('\n')}`)));
    });
    browser = await browserReady;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (daemon !== undefined && daemon.exitCode === null) {
      const exited = new Promise((r) => daemon.once('exit', r));
      daemon.kill('SIGTERM');
      await exited;
    }
    td.cleanup();
  });

  it('shows the sim tone as an alert row (right frequency, within 1 s of the daemon storing it), live spectra and sensor health; ack is stored', async () => {
    const page = await browser.ctx.newPage();
    page.on('pageerror', (err) => {
      throw new Error(`page error: ${err.message}`);
    });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} ${m.location().url}`);
    });
    const rowSel = '[data-testid="alert-row"][data-kind="transmission"]';
    // From the document's start the page notes the wall time at which it first went live and at which the first
    // transmission row entered the DOM. Under load the tone (2 s after the warm-up) can open before the page is live;
    // its row then comes with the page's first alert list, so the clock starts at the later of the two.
    await page.addInitScript((sel) => {
      const w = window;
      const note = (): void => {
        if (w.liveAtMs === undefined && document.querySelector('[data-testid="connection-state"][data-state="live"]') !== null) w.liveAtMs = Date.now();
        if (w.rowAtMs === undefined && document.querySelector(sel) !== null) w.rowAtMs = Date.now();
      };
      new MutationObserver(note).observe(document, { childList: true, subtree: true, attributes: true });
    }, rowSel);
    const sitesAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/sites', { timeout: 5000 });
    await page.goto(url);
    await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
    // a site daemon is no hub: it says so (200) rather than a 404 the console logs as an error on every load
    const sites = await sitesAnswer;
    expect([sites.status(), await sites.json()]).toEqual([200, { hub: false }]);
    expect(await page.locator('#sites-panel').isHidden()).toBe(true);
    await page.waitForSelector('[data-testid="sensor-status"][data-sensor="hall-a"][data-online="true"]', { timeout: 10_000 });
    await page.waitForSelector(rowSel, { timeout: 20_000 });
    const { rowAtMs, liveAtMs } = await page.evaluate(() => {
      const w = window;
      return { rowAtMs: w.rowAtMs, liveAtMs: w.liveAtMs };
    });
    expect([typeof rowAtMs, typeof liveAtMs]).toEqual(['number', 'number']);
    const r = page.locator(rowSel).first();
    const alertId = (await r.getAttribute('data-alert-id'))!;
    // the daemon logs each alert record (pino, epoch ms) right after storing it, just before the server sends it
    const openLine = stderrLines.map((l) => JSON.parse(l) as { msg?: string; alertId?: string; event?: string; time: number }).find((j) => j.msg === 'alert' && j.alertId === alertId && j.event === 'open');
    expect(openLine).toBeDefined();
    const latencyMs = rowAtMs! - Math.max(openLine!.time, liveAtMs!);
    console.log(`quietband run: open record stored and logged → row in the DOM ${latencyMs} ms (${openLine!.time >= liveAtMs! ? 'pushed to a live page' : `stored ${liveAtMs! - openLine!.time} ms before the page was live`})`);
    expect(latencyMs).toBeLessThan(1000);
    const mhz = Number((await r.locator('.c-freq').textContent())!.replace(' MHz', ''));
    expect(Math.abs(mhz * 1e6 - (CENTER_HZ + TONE_OFFSET_HZ))).toBeLessThan(5000);
    expect(await r.getAttribute('data-state')).toBe('new');
    expect(consoleErrors).toEqual([]);
    // spectra keep arriving: wait (loaded machines) until the page has drawn more than 5 frames
    await page.waitForFunction(() => window.quietband!.stats().framesDrawn > 5, undefined, { timeout: 10_000 });
    const st = await page.evaluate(() => window.quietband!.stats());
    expect(st.framesDrawn).toBeGreaterThan(5);
    expect(st.rowsDrawn).toBeGreaterThan(5);

    await r.locator('[data-testid="ack-button"]').click();
    await page.waitForSelector(`[data-testid="alert-row"][data-alert-id="${alertId}"][data-state="acknowledged"]`, { timeout: 2000 });
    const stored = readFileSync(path.join(dataDir, 'alerts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Alert);
    const ack = stored.find((a) => a.alertId === alertId && a.event === 'ack');
    expect(ack?.state).toBe('acknowledged');
    expect(Number(await page.getAttribute(`[data-testid="alert-row"][data-alert-id="${alertId}"]`, 'data-seq'))).toBeGreaterThanOrEqual(ack!.seq);
    await page.close();
  });
});
