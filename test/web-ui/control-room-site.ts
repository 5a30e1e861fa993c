// Shared set-up of the control-room browser tests: a located fake site with long sensor names, a grouped transmission,
// an offline sensor (message code), a 0.1 s burst with an evidence clip, an exam session, and the known-emitter routes;
// in the sensor panel a dongle not found (room-103), a sensor deaf to its calibration emitter (room-102), a scan (great hall).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { renderClipPicture } from '../../src/evidence/clip-picture.js';
import { judgeHearing } from '../../src/field/baseline-health.js';
import { giveBackHidden, knownEmitterRoutes } from '../../src/field/known-emitter-routes.js';
import { sourceRetryCode } from '../../src/server/message-text.js';
import { DiskWatch } from '../../src/site/disk-watch.js';
import type { SensorHealth } from '../../src/server/protocol.js';
import { KnownEmitters, MARKABLE_KINDS } from '../../src/field/known-emitters.js';
import type { ServerSensorInfo } from '../../src/server/server.js';
import { writeSigmfMeta } from '../../src/source/sigmf.js';
import type { DetectionEvent } from '../../src/types.js';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, ensureUiBuilt, REPO_ROOT, startFakeSite, tempDir, type FakeSite } from './fake-site.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
export { ARTIFACTS };
export const MHZ = 1e6;

/** Long sensor names that differ only at the end, and rooms with spaces: the table must show them whole. */
export const SENSORS: ServerSensorInfo[] = [
  { name: 'room-101-window-north', centerHz: 433.92 * MHZ, rateSps: 250_000, fftSize: 1024, location: { room: 'Room 101 (north wing)', xM: 2, yM: 2 } },
  { name: 'room-102-window-north', centerHz: 433.92 * MHZ, rateSps: 250_000, fftSize: 1024, location: { room: 'Room 102 (north wing)', xM: 10, yM: 2 } },
  { name: 'room-103-door-east', centerHz: 433.92 * MHZ, rateSps: 250_000, fftSize: 1024, location: { room: 'Room 103', xM: 6, yM: 9 } },
  { name: 'great-hall-b-stage', centerHz: 868.3 * MHZ, rateSps: 250_000, fftSize: 1024, location: { room: 'Great Hall B', xM: 30, yM: 9 } },
];
export const SESSION = '数学 Maths';

/** The English reason of the dongle room-103 cannot open (as the daemon words it). */
export const NOT_FOUND_REASON = 'cannot open rtl=0: RTL-SDR index 0 not found; attached: none; check that the dongle is plugged in (lsusb should list 0bda:2838 or 0bda:2832)';
const DEAF = judgeHearing([{ centerHz: 433_990_400, periodS: 47, continuous: false, silentS: 200 }])!;

/**
 * Sensor-panel health of the site: room-103's dongle is not found (retrying), room-102 no longer hears its weather
 * station, great-hall-b-stage scans three hops.
 */
export function sensorNotes(sensor: string): Partial<SensorHealth> | undefined {
  if (sensor === 'room-103-door-east') {
    return { online: false, state: 'offline', message: `${NOT_FOUND_REASON}; reopening in 3.2 s`, messageCodes: [sourceRetryCode('DEVICE_NOT_FOUND', NOT_FOUND_REASON, 3200)] };
  }
  if (sensor === 'room-102-window-north') return DEAF;
  if (sensor === 'great-hall-b-stage') {
    return { scan: { hops: 3, hopCenterHz: 868.6e6, dwellMs: 100, settleMs: 25, segments: [{ startHz: 867.9e6, stopHz: 868.9e6, hops: 3, plannedRevisitMs: 1375, revisitMs: 1381.4 }] } };
  }
  return undefined;
}

/** The running site of one test file (filled in beforeAll by {@link useControlRoom}). */
export interface ControlRoom {
  site: FakeSite;
  known: KnownEmitters;
  /** Session end (epoch ms): 1 h 00 min 30 s after the site started. */
  sessionEndMs: number;
  /** Opens a page on the site in a fresh browser context (see {@link openControlRoom}). */
  open: (opts: OpenOptions) => Promise<{ page: Page; close: () => Promise<void> }>;
}

/** Browser options of {@link ControlRoom.open}. */
export interface OpenOptions {
  locale: string;
  viewport: { width: number; height: number };
  isMobile?: boolean;
  /** Operator name remembered by the page (localStorage); null: none, the page asks. Default 'Test operator'. */
  operator?: string | null;
  /** Runs in the page before its scripts (e.g. to set localStorage). */
  init?: () => void;
}

let nextId = 100;

/**
 * Registers beforeAll/afterAll hooks starting the control-room site (alerts raised, flushed) and stopping it. With
 * `sensorNotes`, the sensor panel shows {@link sensorNotes} (room-103 offline: the page's banner is up) and the disk line
 * says 150 MB are free, below twice the 100 MB evidence floor (pictures shed).
 */
export function useControlRoom(o: { browserArgs?: string[]; sensorNotes?: boolean } = {}): ControlRoom {
  const room = {} as ControlRoom;
  const td = tempDir('qb-control-room-');
  let site: FakeSite;
  let known: KnownEmitters;
  let sessionEndMs = 0;
  let originMs = 0;
  let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...(o.browserArgs ?? [])] });
  ensureUiBuilt();
  const log = pino({ level: 'silent' });
  known = await KnownEmitters.open({ dataDir: td.dir, configured: [{ lowHz: 868.0 * MHZ, highHz: 868.1 * MHZ, label: 'Fire alarm link' }], rbwHzOf: () => 244, log });
  const clipsDir = path.join(td.dir, 'clips');
  const picturesDir = path.join(td.dir, 'clip-pictures');
  mkdirSync(clipsDir, { recursive: true });
  mkdirSync(picturesDir, { recursive: true });
  await writeClip(clipsDir, picturesDir);
  // a disk between the evidence floor (100 MB) and twice it: pictures are shed, clips and alerts still written
  // (the evidence quota beside it: the one clip and its picture of a 1 GiB quota)
  const watch = new DiskWatch({ dir: td.dir, floorBytes: 100e6, read: async () => ({ freeBytes: 150e6, totalBytes: 64e9 }), evidence: { dirs: [clipsDir, picturesDir], quotaBytes: 1024 ** 3 } });
  await watch.sample();
  const disk = watch.health();
  sessionEndMs = Date.now() + 3_630_000;
  site = await startFakeSite({
    dataDir: td.dir,
    sensors: SENSORS,
    spectrumHz: 2,
    timeZone: 'Asia/Shanghai',
    session: () => ({ scheduled: true, current: { name: SESSION, startMs: sessionEndMs - 7_200_000, endMs: sessionEndMs } }),
    // a removed mark gives back the alerts it hid, as the site daemon wires it (src/site/site-daemon.ts)
    routes: knownEmitterRoutes(known, log, {
      onRemoved: (e, id, by) => giveBackHidden(site.bus, known)(e, id, by),
      identity: (req) => `local@${req.socket.remoteAddress ?? '?'}`,
    }),
    clips: { dir: clipsDir, picturesDir },
    ...(o.sensorNotes === true ? { health: sensorNotes, disk: () => disk ?? undefined } : {}),
  });
  site.bus.on('alert', (a) => {
    known.observe(a);
    if (a.event === 'known' && MARKABLE_KINDS.has(a.kind)) void known.markFromAlert(a, site.store);
  });
  originMs = Date.now() - 5000;
  // one transmission heard in three rooms (a group), one single, an offline sensor, a 0.1 s burst
  for (const [s, db] of [['room-102-window-north', 14.2], ['room-101-window-north', 31.5], ['room-103-door-east', 18.9]] as const) await site.bus.handleDetection(s, tx(433.95, db, 2), { originMs, session: SESSION });
  await site.bus.handleDetection('great-hall-b-stage', tx(868.35, 22, 3), { originMs, session: SESSION, bandLabel: 'SRD 868' });
  await site.bus.raiseSensorAlert('room-103-door-east', 'sensor-offline', 'sensor room-103-door-east (rtl=0) stopped delivering: no data for 2.1 s', {
    id: 'offline.noData',
    params: { sensor: 'room-103-door-east', source: 'rtl=0', ms: 2100 },
  });
  const burst = tx(433.53, 20, 4);
  await site.bus.handleDetection('room-101-window-north', burst, { originMs, session: SESSION, clip: 'clips/burst.sigmf-meta' });
  await site.bus.handleDetection('room-101-window-north', { ...burst, kind: 'close', endS: burst.startS + 0.1 }, { originMs });
  await site.bus.flush();
  Object.assign(room, { site, known, sessionEndMs, open: (x: OpenOptions) => openControlRoom(browser, site, x) });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  td.cleanup();
});
  return room;
}

/** A detection (open) at `mhz` with `excessDb`, starting `startS` after originMs. */
function tx(mhz: number, excessDb: number, startS: number): DetectionEvent {
  const centerHz = mhz * MHZ;
  return { kind: 'open', id: nextId++, centerHz, bandwidthHz: 12_500, lowHz: centerHz - 6250, highHz: centerHz + 6250, peakExcessDb: excessDb, peakPowerDbfs: -95 + excessDb, startS, paths: ['fast', 'slow'], overload: false, tuneId: 0, packets: 1 };
}

/**
 * A 0.5 s cf32 clip at 433.5 MHz, 250 kS/s with a tone at +30 kHz (the burst's 433.53 MHz), short of its pre-roll (0.2 of
 * 1.5 s), and its picture (the daemon's renderer).
 */
async function writeClip(clipsDir: string, picturesDir: string): Promise<void> {
  const rate = 250_000;
  const n = rate / 2;
  const iq = new Float32Array(2 * n);
  let seed = 12345;
  const noise = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // LCG (glibc constants)
    return (seed / 2 ** 32 - 0.5) * 0.02;
  };
  for (let i = 0; i < n; i++) {
    const ph = (2 * Math.PI * 30_000 * i) / rate;
    iq[2 * i] = 0.3 * Math.cos(ph) + noise();
    iq[2 * i + 1] = 0.3 * Math.sin(ph) + noise();
  }
  writeFileSync(path.join(clipsDir, 'burst.sigmf-data'), Buffer.from(iq.buffer));
  const meta = await writeSigmfMeta(path.join(clipsDir, 'burst.sigmf-data'), {
    format: 'cf32', rateSps: rate, centerHz: 433.5 * MHZ, datetime: new Date().toISOString(),
    annotations: [{ sampleStart: 0, sampleCount: n, freqLowerHz: 433.5 * MHZ + 24_000, freqUpperHz: 433.5 * MHZ + 36_000 }],
    // written by a sensor that was behind: its ring had overwritten most of the 1.5 s before the burst
    extraGlobal: { 'quietband:pre_roll': { asked_s: 1.5, kept_s: 0.2, short: true } },
  });
  await renderClipPicture(meta, path.join(picturesDir, 'burst.png'));
}

/** Opens the site in a fresh context of `browser`; resolves once live with ≥ 4 rows and the session line. */
export async function openControlRoom(browser: Browser, site: FakeSite, opts: OpenOptions): Promise<{ page: Page; close: () => Promise<void> }> {
  const ctx = await browser.newContext({
    viewport: opts.viewport, locale: opts.locale, timezoneId: 'Asia/Shanghai',
    ...(opts.isMobile === true ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  const operator = opts.operator === undefined ? 'Test operator' : opts.operator;
  if (operator !== null) {
    await ctx.addInitScript((name) => {
      try {
        if (localStorage.getItem('quietband.operator') === null) localStorage.setItem('quietband.operator', name);
      } catch {
        // about:blank has no storage
      }
    }, operator);
  }
  if (opts.init !== undefined) await ctx.addInitScript(opts.init);
  const page = await ctx.newPage();
  page.on('pageerror', (err) => {
    throw new Error(`page error: ${err.message}`);
  });
  await page.goto(site.url);
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 10_000 });
  await page.waitForFunction(() => document.querySelectorAll('#alert-rows tr').length >= 4, undefined, { timeout: 5000 });
  await page.waitForSelector('[data-testid="session-bar"]:not([hidden])', { timeout: 5000 });
  return { page, close: () => ctx.close() };
}

/** Horizontal overflow of the document (px; 0 = no horizontal scroll). */
export function pageOverflowPx(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Cells of the alert table whose content is cut (scrollWidth > clientWidth), as "class: text". */
export function cutCells(page: Page): Promise<string[]> {
  return page.$$eval('#alert-rows td, .alert-table th', (cells) =>
    cells.filter((c) => (c as HTMLElement).offsetParent !== null && c.scrollWidth > c.clientWidth + 1).map((c) => `${c.className}: ${c.textContent}`),
  );
}

/**
 * Visible texts (≥ 4 characters) laid out with fewer than 3 characters per line — the "one character per line"
 * wrapping of a too-narrow column — as "text (lines)".
 */
export function squashedTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      const el = n.parentElement;
      if (text.length < 4 || el === null || el.offsetParent === null) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1 && text.length / tops.size < 3) out.push(`${text} (${tops.size} lines)`);
    }
    return out;
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `control-room-${name}.png`), fullPage: false });
}

