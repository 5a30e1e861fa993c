// The live daemon's main thread: alert store + bus + HTTP/WS server, one supervised worker per sensor, status fan-out, shutdown.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AlertBus } from '../alerts/alert-bus.js';
import { AlertStore } from '../alerts/alert-store.js';
import type { SiteSettings } from '../config/site-config.js';
import { startServer, type RunningServer } from '../server/server.js';
import { CLIPS_DIR } from '../evidence/detection-evidence.js';
import { CLIP_PICTURES_DIR } from '../evidence/clip-picture.js';
import { createSiteField, type SiteField } from '../field/site-field.js';
import { SensorSupervisor } from './supervisor.js';
import { sensorWorkerUrl } from './worker-url.js';
import { createSiteExtras } from '../extras/site-extras.js';
import type { SensorLocation } from './localisation.js';
import { reportRoutes } from '../report/report-routes.js';
import { siteReportSource } from '../report/report-source.js';

/** Delay between the starts of a site's sensors (ms). */
export const SENSOR_START_STAGGER_MS = 500;

/** Options of {@link startSite}. */
export interface StartSiteOptions {
  log: Logger;
  /** pino level of the workers' loggers. */
  logLevel: string;
  /** Static UI folder (default: the server's). */
  webRoot?: string;
  /** Status broadcast period (ms). Default 1000. */
  statusEveryMs?: number;
  /** Command that refreshes the site's baselines by hand, quoted in stale-baseline health notes. */
  refreshCommand?: string;
  /** `run --csv`: rtl_power CSV file per sensor name. */
  csvPaths?: Record<string, string>;
}

/** A running site. */
export interface RunningSite {
  site: SiteSettings;
  server: RunningServer;
  store: AlertStore;
  bus: AlertBus;
  supervisors: SensorSupervisor[];
  /** Base URL (e.g. http://127.0.0.1:8080/). */
  url: string;
  /** Alerts closed at start because the previous run ended while they were open. */
  recoveredAlerts: number;
  /**
   * Stops every worker (sources closed, open tracks closed and stored), waits for every alert to be stored (fsync) and
   * sent, closes the server, the bus and the store. Idempotent.
   */
  stop(): Promise<void>;
}

/** Sensor name → location of the sensors that have one (site config `sensors[].location`): the alert bus groups their detections. */
export function sensorLocations(site: Pick<SiteSettings, 'sensors'>): Record<string, SensorLocation> {
  const out: Record<string, SensorLocation> = {};
  for (const s of site.sensors) if (s.location !== undefined) out[s.name] = { ...s.location };
  return out;
}

/**
 * Starts a site: opens the alert store in `site.dataDir` (seq continues from the file), closes alerts left open by a
 * previous run (bus.recoverOpenAlerts), starts the HTTP + WebSocket server on `site.http` (token auth off loopback),
 * then one {@link SensorSupervisor} (worker thread) per sensor. Status of every sensor is broadcast every second and
 * on every change (coalesced).
 * Severity rule (ExamSchedule.severityFor): 'low' for transmissions flagged overload (possible intermodulation); with
 * exam sessions configured, 'high' for transmissions starting inside a session (alert.session = its name) and 'low'
 * outside; without sessions 'high'. Known emitters (config list, UI-marked ones in <dataDir>/known-emitters.json) are
 * stored as 'known'/'info'. Calibration windows before sessions re-record invalid baselines; evidence clips go to
 * <dataDir>/clips (served at /clips/, pictures at /clips/<name>.png). Sensors with a `location` are announced with it in
 * `hello`, and one transmission seen by several of them is grouped: ranked rooms and position on their alerts
 * (AlertBus `locations`, src/site/localisation.ts).
 * @throws QuietBandError('CONFIG') port in use / bad bind; 'IO' data dir or token not usable, worker not built.
 */
export async function startSite(site: SiteSettings, opts: StartSiteOptions): Promise<RunningSite> {
  const log = opts.log.child({ site: site.site });
  const workerUrl = sensorWorkerUrl();
  const store = await AlertStore.open({ dataDir: site.dataDir, site: site.site, logger: log });
  let field: SiteField;
  try {
    field = await createSiteField(site, { log, refreshCommand: opts.refreshCommand ?? 'quietband calibrate --config <site.json>' });
  } catch (err) {
    await store.close();
    throw err;
  }
  const clips = { dir: join(site.dataDir, CLIPS_DIR), picturesDir: join(site.dataDir, CLIP_PICTURES_DIR) };
  if (site.evidence.clips) await Promise.all([mkdir(clips.dir, { recursive: true }), mkdir(clips.picturesDir, { recursive: true })]);
  const bus = new AlertBus({
    store,
    logger: log,
    severityFor: (ctx) => field.severityFor(ctx),
    knownEmitterCheck: (ctx) => field.knownEmitterCheck(ctx),
    locations: sensorLocations(site),
  });
  const recoveredAlerts = await bus.recoverOpenAlerts();
  const extras = createSiteExtras(site, { store, bus, log }); // /metrics, MQTT
  let server: RunningServer;
  try {
    server = await startServer({
      bind: site.http.bind,
      port: site.http.port,
      site: site.site,
      sensors: site.sensors.map((s) => ({ name: s.name, centerHz: s.centerHz, rateSps: s.rateSps, fftSize: s.fftSize, ...(s.location !== undefined ? { location: s.location } : {}) })),
      store,
      bus,
      dataDir: site.dataDir,
      logger: log,
      ...(opts.webRoot !== undefined ? { webRoot: opts.webRoot } : {}),
      ...(site.timeZone !== undefined ? { timeZone: site.timeZone } : {}),
      clips,
      routes: [...extras.routes, ...reportRoutes(siteReportSource(site), { dataDir: site.dataDir, logger: log })], // /metrics; /sessions, /report
    });
  } catch (err) {
    await bus.close();
    await store.close();
    throw err;
  }

  let statusQueued = false;
  const supervisors: SensorSupervisor[] = [];
  const sendStatus = (): void => {
    statusQueued = false;
    server.broadcastStatus({ sensors: supervisors.map((s) => field.health(s.health(), s)) });
  };
  const onChange = (): void => {
    if (statusQueued) return;
    statusQueued = true;
    setImmediate(sendStatus);
  };
  for (const sensor of site.sensors) {
    supervisors.push(
      new SensorSupervisor({
        sensor,
        site,
        bus,
        log,
        logLevel: opts.logLevel,
        workerUrl,
        onSpectrum: (m) => server.broadcastSpectrum(m),
        onChange,
        decorate: (ctx, ev) => field.decorate(ctx, ev),
        evidence: site.evidence.clips,
        knownLabelAt: (centerHz) => field.known.match(sensor.name, centerHz, Date.now())?.label,
        ...(opts.csvPaths?.[sensor.name] !== undefined ? { csvPath: opts.csvPaths[sensor.name] } : {}),
      }),
    );
  }
  // sensors start STAGGER_MS apart: their warm-ups end (baseline statistics, detector set-up, first clips) at
  // different moments instead of all at once, which on a 2-core laptop with 8 sensors briefly put every worker behind
  // real time (bench/live-load.js)
  const startTimers = supervisors.map((s, i) => setTimeout(() => s.start(), i * SENSOR_START_STAGGER_MS));
  field.start(bus, store, supervisors);
  extras.attach({ sensors: () => supervisors.map((s) => field.health(s.health(), s)), wsClients: () => server.clientStats().length });
  const statusTimer = setInterval(sendStatus, opts.statusEveryMs ?? 1000);

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const t of startTimers) clearTimeout(t);
      clearInterval(statusTimer);
      field.stop();
      await Promise.all(supervisors.map((s) => s.stop()));
      sendStatus();
      await bus.flush(); // every close is stored and broadcast before the clients go
      await extras.stop();
      await server.close();
      await bus.close();
      await store.close();
      log.info({ lastSeq: store.lastSeq }, 'site stopped');
    })();
    return stopping;
  };
  log.info({ url: server.url, sensors: site.sensors.map((s) => `${s.name}=${s.sourceText}`), lastSeq: store.lastSeq, recoveredAlerts }, 'site running');
  return { site, server, store, bus, supervisors, url: server.url, recoveredAlerts, stop };
}
