// Test harness for the web UI: the real AlertStore + AlertBus + server with a fake site of sensors feeding spectra/status.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import type { Alert, AlertSignal, DiskStatus, SensorHealth, SessionStatus } from '../../src/server/protocol.js';
import { startServer, type RunningServer, type ServerOptions, type ServerSensorInfo } from '../../src/server/server.js';
import type { DetectionEvent } from '../../src/types.js';
import { newestMtimeMs } from '../helpers.js';

/** Repository root (this file is test/web-ui/fake-site.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Built UI served by the harness. */
export const WEB_DIST = path.join(REPO_ROOT, 'web-ui', 'dist');

/** Builds web-ui/dist with Vite when it is missing or older than a source file (`npm test` builds it first anyway). */
export function ensureUiBuilt(): void {
  const index = path.join(WEB_DIST, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtimeMs([path.join(REPO_ROOT, 'web-ui')])) return;
  execFileSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'vite'), ['build', '--config', 'web-ui/vite.config.ts'], { cwd: REPO_ROOT, stdio: 'pipe' });
}

/** Creates a fresh temp dir under os.tmpdir(). */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Chromium flags for headless tests (Debian's chromium; playwright adds --headless and --user-data-dir itself). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

/** Launches Debian's chromium (never a downloaded browser) with a fresh user data dir in a temp folder. */
export async function launchBrowser(
  opts: { locale?: string; timezoneId?: string; viewport?: { width: number; height: number }; operator?: string | null; args?: string[]; isMobile?: boolean } = {},
): Promise<{ ctx: BrowserContext; close: () => Promise<void> }> {
  const td = tempDir('qb-chromium-');
  const ctx = await chromium.launchPersistentContext(td.dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
    viewport: opts.viewport ?? { width: 1680, height: 1050 },
    ...(opts.isMobile === true ? { isMobile: true, hasTouch: true, deviceScaleFactor: 3 } : {}),
    locale: opts.locale ?? 'en-US',
    timezoneId: opts.timezoneId ?? 'UTC',
  });
  // Acknowledging asks who acts once per browser; the operator's name is remembered (null: not set, the page asks)
  const operator = opts.operator === undefined ? 'Test operator' : opts.operator;
  if (operator !== null) {
    await ctx.addInitScript((name) => {
      try {
        if (localStorage.getItem('quietband.operator') === null) localStorage.setItem('quietband.operator', name);
      } catch {
        // a page without storage (about:blank)
      }
    }, operator);
  }
  return {
    ctx,
    close: async () => {
      await ctx.close();
      td.cleanup();
    },
  };
}

/** The four sensors of the fake site: name, tuning centre (Hz), rate (S/s), FFT size. */
export const FAKE_SENSORS: ServerSensorInfo[] = [
  { name: 'north', centerHz: 433_920_000, rateSps: 2_048_000, fftSize: 4096 },
  { name: 'south', centerHz: 868_300_000, rateSps: 2_048_000, fftSize: 4096 },
  { name: 'east', centerHz: 462_600_000, rateSps: 2_048_000, fftSize: 4096 },
  { name: 'west', centerHz: 145_500_000, rateSps: 2_048_000, fftSize: 4096 },
];

/** Options of {@link startFakeSite}. */
export interface FakeSiteOptions {
  /** Data dir (alerts.jsonl, token); reuse it to simulate a daemon restart. */
  dataDir: string;
  /** 0 = pick a free port. */
  port?: number;
  site?: string;
  /** Spectrum frames per second per sensor (0 = none). Default 10. */
  spectrumHz?: number;
  /** Status period (ms). Default 500. */
  statusMs?: number;
  /** IANA zone announced in hello. Default 'Asia/Shanghai'. */
  timeZone?: string;
  /** Auth on with this token (served on loopback, forced with requireAuth). */
  token?: string;
  /** Server spectrum rate limit per sensor per client (ms). Default 50, so 10 frames/s pass unthinned. */
  spectrumMinIntervalMs?: number;
  /** Sensors instead of {@link FAKE_SENSORS}; those with a location make the bus group transmissions by location. */
  sensors?: ServerSensorInfo[];
  /** The `session` of every status message (the exam timetable line); absent: none sent. */
  session?: () => SessionStatus | undefined;
  /** The disk line of every status (site daemons send one); absent: none sent. */
  disk?: () => DiskStatus | undefined;
  /** Fields that replace the generated health of a sensor in every status (a note, its codes, a state); undefined: none. */
  health?: (sensor: string) => Partial<SensorHealth> | undefined;
  /** Extra HTTP routes (ServerOptions.routes). */
  routes?: ServerOptions['routes'];
  /** Evidence clips served at /clips/ (ServerOptions.clips). */
  clips?: ServerOptions['clips'];
  /** More client message types (ServerOptions.wsExtension, e.g. live listening). */
  wsExtension?: ServerOptions['wsExtension'];
}

/** A transmission raised with {@link FakeSite.raise}. */
export interface FakeTransmission {
  sensor: string;
  trackId: number;
  centerHz: number;
  bandwidthHz: number;
  peakExcessDb: number;
  startS: number;
}

/** Running fake site; see {@link startFakeSite}. */
export interface FakeSite {
  url: string;
  port: number;
  store: AlertStore;
  bus: AlertBus;
  server: RunningServer;
  /** Opens a transmission track on `sensor` (the signal also appears in its spectra); resolves with the open record once stored and sent. */
  raise(sensor: string, centerHz: number, opts?: { bandwidthHz?: number; peakExcessDb?: number }): Promise<{ alert: Alert; tx: FakeTransmission }>;
  /** Ends a transmission (close record); its signal leaves the spectra. */
  end(tx: FakeTransmission): Promise<Alert>;
  /** Marks a sensor offline/online; the next status (sent at once) says so. */
  setOnline(sensor: string, online: boolean): void;
  /** Spectrum frames broadcast so far (all sensors). */
  framesBroadcast(): number;
  /** Stops timers, server, bus and store (the data dir stays). */
  close(): Promise<void>;
}

/** Deterministic PRNG (mulberry32) for the fake noise. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Band label of the fake band plan. */
function bandLabelFor(hz: number): string | undefined {
  if (hz >= 433_050_000 && hz <= 434_790_000) return 'ISM 433';
  if (hz >= 863_000_000 && hz <= 870_000_000) return 'SRD 868';
  if (hz >= 462_550_000 && hz <= 462_725_000) return 'GMRS / FRS';
  if (hz >= 144_000_000 && hz <= 146_000_000) return 'Amateur 2 m';
  return undefined;
}

/**
 * Starts the real store + bus + server (loopback, port `port`) serving web-ui/dist, with a fake site of
 * {@link FAKE_SENSORS}: each sensor broadcasts a 4096-bin spectrum (noise floor about −95 dBFS with an edge roll-off,
 * baseline, threshold = baseline + 10 dB, plus a bump per active transmission) `spectrumHz` times a second, and a
 * status every `statusMs`. Open alerts left by a previous run on the same data dir are closed at start, as the daemon does.
 */
export async function startFakeSite(o: FakeSiteOptions): Promise<FakeSite> {
  const site = o.site ?? 'exam-hall-a';
  const store = await AlertStore.open({ dataDir: o.dataDir, site });
  const fakeSensors = o.sensors ?? FAKE_SENSORS;
  const locations = Object.fromEntries(fakeSensors.flatMap((x) => (x.location !== undefined ? [[x.name, x.location]] : [])));
  const bus = new AlertBus({ store, updateIntervalMs: 1000, ...(Object.keys(locations).length > 0 ? { locations } : {}) });
  await bus.recoverOpenAlerts();
  let server: RunningServer;
  try {
    server = await startServer({
      port: o.port ?? 0,
      site,
      sensors: fakeSensors,
      ...(o.routes !== undefined ? { routes: o.routes } : {}),
      ...(o.clips !== undefined ? { clips: o.clips } : {}),
      ...(o.wsExtension !== undefined ? { wsExtension: o.wsExtension } : {}),
      store,
      bus,
      dataDir: o.dataDir,
      webRoot: WEB_DIST,
      timeZone: o.timeZone ?? 'Asia/Shanghai',
      spectrumMinIntervalMs: o.spectrumMinIntervalMs ?? 50,
      ...(o.token !== undefined ? { requireAuth: true, token: o.token } : {}),
    });
  } catch (err) {
    await bus.close();
    await store.close();
    throw err;
  }
  const originMs = Date.now();
  const rand = prng(1234);
  const n = 4096;
  const online = new Map(fakeSensors.map((s) => [s.name, true]));
  const lastFrameAt = new Map<string, number>();
  const active = new Map<string, Map<number, FakeTransmission>>(fakeSensors.map((s) => [s.name, new Map()]));
  const nextTrack = new Map(fakeSensors.map((s) => [s.name, 1]));
  const power = new Float32Array(n);
  const baseline = new Float32Array(n);
  const threshold = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = (i - n / 2) / (n / 2);
    baseline[i] = -95 - 10 * x ** 8 + 1.5 * Math.cos(i / 97);
    threshold[i] = baseline[i]! + 10;
  }
  let frames = 0;

  const broadcastSpectra = (): void => {
    const timeS = (Date.now() - originMs) / 1000;
    for (const s of fakeSensors) {
      if (online.get(s.name) !== true) continue;
      const stepHz = s.rateSps / n;
      const startHz = s.centerHz - s.rateSps / 2;
      for (let i = 0; i < n; i++) power[i] = baseline[i]! + (rand() + rand() + rand() - 1.5) * 2.2;
      for (const tx of active.get(s.name)!.values()) {
        const half = tx.bandwidthHz / 2;
        const i0 = Math.max(0, Math.floor((tx.centerHz - half - startHz) / stepHz));
        const i1 = Math.min(n - 1, Math.ceil((tx.centerHz + half - startHz) / stepHz));
        for (let i = i0; i <= i1; i++) {
          const off = (startHz + i * stepHz - tx.centerHz) / half;
          const level = baseline[i]! + tx.peakExcessDb - 6 * off * off + (rand() - 0.5);
          if (level > power[i]!) power[i] = level;
        }
      }
      server.broadcastSpectrum({ sensor: s.name, centerHz: s.centerHz, rateSps: s.rateSps, startHz, stepHz, powerDbfs: power, baselineDbfs: baseline, thresholdDbfs: threshold, timeS });
      lastFrameAt.set(s.name, Date.now());
      frames++;
    }
  };

  const broadcastStatus = (): void => {
    const now = Date.now();
    const sensors: SensorHealth[] = fakeSensors.map((s) => {
      const on = online.get(s.name) === true;
      const last = lastFrameAt.get(s.name);
      return {
        sensor: s.name,
        online: on,
        state: on ? 'armed' : 'offline',
        centerHz: s.centerHz,
        configuredRateSps: s.rateSps,
        achievedRateSps: on ? s.rateSps * 0.9995 : 0,
        droppedBlocks: s.name === 'south' ? 3 : 0,
        clipFraction: s.name === 'west' ? 0.0004 : 0,
        overload: false,
        lastFrameAgeMs: last === undefined ? null : now - last,
        ...(on ? {} : { message: 'no IQ data for 2 s' }),
        ...o.health?.(s.name),
      };
    });
    const session = o.session?.();
    const disk = o.disk?.();
    server.broadcastStatus({ sensors, ...(session !== undefined ? { session } : {}), ...(disk !== undefined ? { disk } : {}) });
  };

  const spectrumTimer = (o.spectrumHz ?? 10) > 0 ? setInterval(broadcastSpectra, 1000 / (o.spectrumHz ?? 10)) : null;
  const statusTimer = setInterval(broadcastStatus, o.statusMs ?? 500);
  broadcastStatus();

  const raise: FakeSite['raise'] = async (sensor, centerHz, opts = {}) => {
    const trackId = nextTrack.get(sensor)!;
    nextTrack.set(sensor, trackId + 1);
    const tx: FakeTransmission = {
      sensor,
      trackId,
      centerHz,
      bandwidthHz: opts.bandwidthHz ?? 12_500,
      peakExcessDb: opts.peakExcessDb ?? 25,
      startS: (Date.now() - originMs) / 1000,
    };
    active.get(sensor)!.set(trackId, tx);
    const label = bandLabelFor(centerHz);
    const alert = await bus.handleDetection(sensor, detection(tx, 'open'), { originMs, ...(label !== undefined ? { bandLabel: label } : {}) })!;
    return { alert, tx };
  };

  const end: FakeSite['end'] = async (tx) => {
    active.get(tx.sensor)!.delete(tx.trackId);
    return bus.handleDetection(tx.sensor, { ...detection(tx, 'close'), endS: (Date.now() - originMs) / 1000 }, { originMs })!;
  };

  return {
    url: server.url,
    port: server.port,
    store,
    bus,
    server,
    raise,
    end,
    setOnline: (sensor, on) => {
      online.set(sensor, on);
      if (!on) lastFrameAt.set(sensor, Date.now() - 2000);
      broadcastStatus();
    },
    framesBroadcast: () => frames,
    close: async () => {
      if (spectrumTimer !== null) clearInterval(spectrumTimer);
      clearInterval(statusTimer);
      await server.close();
      await bus.close();
      await store.close();
    },
  };
}

/**
 * Sends the `update` of a raised transmission that carries its identification `signal`, as the daemon's supervisor does,
 * and resolves with the stored record. The bus writes an update that brings a new `signal` at once, inside its
 * one-update-a-second throttle (src/alerts/alert-lifecycle.ts), so no wait is needed after the open; throws when the
 * record was not written at once or lacks the signal.
 */
export async function identify(site: FakeSite, tx: FakeTransmission, signal: AlertSignal): Promise<Alert> {
  const { centerHz } = tx;
  const ev: DetectionEvent = { kind: 'update', id: tx.trackId, centerHz, bandwidthHz: tx.bandwidthHz, lowHz: centerHz - 1000, highHz: centerHz + 1000, peakExcessDb: tx.peakExcessDb, peakPowerDbfs: -80, startS: tx.startS, endS: tx.startS + 1, paths: ['fast'], overload: false, tuneId: 0, packets: 3 };
  const stored = await site.bus.handleDetection(tx.sensor, ev, { signal });
  if (stored?.signal === undefined) throw new Error(`the update of track ${tx.sensor}/${tx.trackId} carrying its signal was not stored at once`);
  return stored;
}

function detection(tx: FakeTransmission, kind: DetectionEvent['kind']): DetectionEvent {
  return {
    kind,
    id: tx.trackId,
    centerHz: tx.centerHz,
    bandwidthHz: tx.bandwidthHz,
    lowHz: tx.centerHz - tx.bandwidthHz / 2,
    highHz: tx.centerHz + tx.bandwidthHz / 2,
    peakExcessDb: tx.peakExcessDb,
    peakPowerDbfs: -95 + tx.peakExcessDb,
    startS: tx.startS,
    paths: ['fast', 'slow'],
    overload: false,
    tuneId: 1,
    packets: 1,
  };
}

/** A located site for the "which room" UI tests: store, alert bus grouping by the sensors' locations, server, browser. */
export interface LocatedSite {
  browser: { ctx: BrowserContext; close: () => Promise<void> };
  server: RunningServer;
  bus: AlertBus;
  store: AlertStore;
}

/** A fake site started by {@link useFakeSite}, and how its tests raise alerts on it. */
export interface UsedFakeSite {
  /** The running site (set in beforeAll). */
  readonly site: FakeSite;
  /** Raises a transmission on the first fake sensor and, when given, its identification `signal`; resolves with its alertId. */
  raise(centerHz: number, signal?: AlertSignal): Promise<string>;
}

/** Registers beforeAll/afterAll hooks that start a fake site (FAKE_SENSORS) on a temp data dir named by `tempPrefix`. */
export function useFakeSite(tempPrefix: string): UsedFakeSite {
  let site: FakeSite | undefined;
  const td = tempDir(tempPrefix);
  beforeAll(async () => {
    ensureUiBuilt();
    site = await startFakeSite({ dataDir: td.dir });
  }, 60_000);
  afterAll(async () => {
    await site?.close();
    td.cleanup();
  });
  const running = (): FakeSite => {
    if (site === undefined) throw new Error('useFakeSite: the site starts in beforeAll');
    return site;
  };
  return {
    get site(): FakeSite {
      return running();
    },
    // a plain function (no `this`): tests pass it around on its own
    raise: async (centerHz: number, signal?: AlertSignal): Promise<string> => {
      const { alert, tx } = await running().raise(FAKE_SENSORS[0]!.name, centerHz);
      if (signal !== undefined) await identify(running(), tx, signal);
      return alert.alertId;
    },
  };
}

/**
 * Registers beforeAll/afterAll hooks that start a server for `sensors` (every one with a location) on a fresh store
 * with an AlertBus grouping by location (updates unthrottled), and a browser; the returned object is filled in
 * beforeAll and torn down in afterAll.
 */
export function useLocatedSite(sensors: ServerSensorInfo[], tempPrefix: string): LocatedSite {
  const site = {} as LocatedSite;
  const td = tempDir(tempPrefix);
  beforeAll(async () => {
    ensureUiBuilt();
    site.store = await AlertStore.open({ dataDir: td.dir, site: 'exam-rooms' });
    const locations = Object.fromEntries(sensors.map((x) => [x.name, x.location!]));
    site.bus = new AlertBus({ store: site.store, locations, updateIntervalMs: 0 });
    site.server = await startServer({ port: 0, site: 'exam-rooms', sensors, store: site.store, bus: site.bus, dataDir: td.dir, webRoot: WEB_DIST, timeZone: 'UTC' });
    site.browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await site.browser?.close();
    await site.server?.close();
    await site.bus?.close();
    await site.store?.close();
    td.cleanup();
  });
  return site;
}

/**
 * Opens the monitoring page at `url` in a new Chromium (see {@link launchBrowser} for `opts`), failing the test on any
 * page error, and waits (5 s) for the connection to be live.
 */
export async function openLivePage(url: string, opts: Parameters<typeof launchBrowser>[0] = {}): Promise<{ page: Page; close: () => Promise<void> }> {
  const b = await launchBrowser(opts);
  const page = await b.ctx.newPage();
  page.on('pageerror', (err) => {
    throw new Error(`page error: ${err.message}`);
  });
  await page.goto(url);
  await page.waitForSelector('[data-testid="connection-state"][data-state="live"]', { timeout: 5000 });
  return { page, close: b.close };
}

/**
 * The row of an alert in the table, expanding the transmission groups when it is a member of a collapsed one (the
 * table shows one row per group until it is expanded). Waits up to 5 s for the row or a group to appear.
 */
export async function alertRow(page: Page, alertId: string): Promise<Locator> {
  const row = page.locator(`[data-testid="alert-row"][data-alert-id="${alertId}"]`);
  const group = page.locator(`[data-testid="alert-group"][data-member-ids~="${alertId}"]`);
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="alert-row"][data-alert-id="${id}"]`) !== null || document.querySelector(`[data-testid="alert-group"][data-member-ids~="${id}"]`) !== null,
    alertId,
    { timeout: 5000 },
  );
  if ((await row.count()) === 0 && (await group.getAttribute('data-expanded')) === 'false') await group.click();
  return row;
}

/**
 * How far (px) a clip figure's axis labels stand from where their fractions put them (src/evidence/clip-axes.ts): the
 * largest distance of a label's middle from the picture's edge + fraction × its width (MHz) or height (s).
 */
export function axisMissPx(fig: Locator): Promise<number> {
  return fig.evaluate((f) => {
    const img = f.querySelector('img')!.getBoundingClientRect();
    const off = (sel: string, along: 'x' | 'y'): number[] =>
      [...f.querySelectorAll<HTMLElement>(sel)].map((t) => {
        const r = t.getBoundingClientRect();
        return along === 'x' ? r.x + r.width / 2 - img.x - Number(t.dataset.frac) * img.width : r.y + r.height / 2 - img.y - Number(t.dataset.frac) * img.height;
      });
    return Math.max(...[...off('[data-testid="axis-x"] .tick', 'x'), ...off('[data-testid="axis-y"] .tick', 'y')].map(Math.abs));
  });
}
