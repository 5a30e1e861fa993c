// The live daemon's main thread: alert store + bus + HTTP/WS server, one supervised worker per sensor, status fan-out, shutdown.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AlertBus } from '../alerts/alert-bus.js';
import { AlertStore, type StorageState } from '../alerts/alert-store.js';
import type { SiteSettings } from '../config/site-config.js';
import { checkListenable, startServer, type RunningServer, type ServerOptions } from '../server/server.js';
import { ListenHub } from '../server/listen.js';
import { CLIPS_DIR } from '../evidence/detection-evidence.js';
import { CLIP_PICTURES_DIR, missingPictureDrawer } from '../evidence/clip-picture-files.js';
import { PICTURE_FLOOR_FACTOR } from '../evidence/clip-recorder.js';
import { PictureRenderer } from '../evidence/picture-renderer.js';
import { giveBackHidden, giveBackOrphans, knownEmitterRoutes } from '../field/known-emitter-routes.js';
import { createSiteField, type SiteField } from './site-field.js';
import { SensorSupervisor } from './supervisor.js';
import { sensorWorkerUrl } from './worker-url.js';
import { createSiteExtras } from '../extras/site-extras.js';
import type { SensorLocation } from '../alerts/localisation.js';
import { reportRoutes } from '../report/report-routes.js';
import { alertsApiRoute } from '../server/alerts-api.js';
import { sendJson, type HttpRoute } from '../server/http-reply.js';
import { siteReportSource } from '../report/report-source.js';
import { DiskWatch } from './disk-watch.js';
import { notifyProblems } from '../notify/notifier.js';
import { DATA_DIR_MODE, lockDataDir, narrowDataDirMode, prepareDataDir } from './data-dir.js';
import { makeFolder } from '../make-folder.js';
import { RunLog, runSensorOf } from '../report/run-log.js';

/**
 * `GET /sites` of a site daemon: 200 `{"hub": false}`. The page asks every server for the hub's per-site list (a hub
 * answers with an array, src/hub/hub.ts); a site daemon answers that it is not one instead of a 404 the browser logs as
 * an error on every load.
 */
const notHubRoute: HttpRoute = (_req, res, url) => {
  if (url.pathname !== '/sites') return false;
  sendJson(res, 200, { hub: false });
  return true;
};

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
  /** Live listening (listens on now, audio frames sent). */
  listen: ListenHub;
  /** Base URL (e.g. http://127.0.0.1:8080/). */
  url: string;
  /** Alerts closed at start because the previous run ended while they were open. */
  recoveredAlerts: number;
  /** What `/healthz` reports as wrong now (storage failed, sensors offline); empty when all is well. */
  problems(): string[];
  /**
   * Stops every worker (sources closed, open tracks closed and stored), waits for every alert to be stored (fsync) and
   * sent, closes the server, the bus and the store. `reason` (the signal, default `stopped`) goes into the run log's
   * `stop` record (src/site/run-log.ts). Idempotent.
   */
  stop(reason?: string): Promise<void>;
}

/** The server options of a site's `http` settings beyond bind/port (only those configured: the server has the defaults). */
export function httpServerOptions(http: SiteSettings['http']): Pick<ServerOptions, 'tls' | 'requireAuth' | 'allowedOrigins' | 'allowedHosts' | 'trustedProxies'> {
  const out: Pick<ServerOptions, 'tls' | 'requireAuth' | 'allowedOrigins' | 'allowedHosts' | 'trustedProxies'> = {};
  if (http.tls !== undefined) out.tls = http.tls;
  if (http.requireAuth !== undefined) out.requireAuth = http.requireAuth;
  if (http.allowedOrigins !== undefined) out.allowedOrigins = http.allowedOrigins;
  if (http.allowedHosts !== undefined) out.allowedHosts = http.allowedHosts;
  if (http.trustedProxies !== undefined) out.trustedProxies = http.trustedProxies;
  return out;
}

/** Sensor name → location of the sensors that have one (site config `sensors[].location`): the alert bus groups their detections. */
export function sensorLocations(site: Pick<SiteSettings, 'sensors'>): Record<string, SensorLocation> {
  const out: Record<string, SensorLocation> = {};
  for (const s of site.sensors) if (s.location !== undefined) out[s.name] = { ...s.location };
  return out;
}

/**
 * Starts a site: opens the alert store in `site.dataDir` (seq continues from the file), closes alerts left open by a
 * previous run (bus.recoverOpenAlerts), starts the HTTP(S) + WebSocket server on `site.http` (token auth and HTTPS
 * off loopback, see docs/security.md), then one {@link SensorSupervisor} (worker thread) per sensor. Status of every sensor is broadcast every second and
 * on every change (coalesced).
 * Severity rule (ExamSchedule.severityFor): 'low' for transmissions flagged overload (possible intermodulation); with
 * exam sessions configured, 'high' for transmissions starting inside a session (alert.session = its name) and 'low'
 * outside; without sessions 'high'. Known emitters (config list, UI-marked ones in <dataDir>/known-emitters.json) are
 * stored as 'known'/'info'. Calibration windows before sessions re-record invalid baselines; evidence clips go to
 * <dataDir>/clips (served at /clips/, pictures at /clips/<name>.png). Sensors with a `location` are announced with it in
 * `hello`, and one transmission seen by several of them is grouped: ranked rooms and position on their alerts
 * (AlertBus `locations`, src/alerts/localisation.ts).
 * Data dir (src/site/data-dir.ts): before anything is written there, it is made a private folder (0700) and locked
 * (`quietband.lock` with this pid); a data dir another live daemon holds is refused, then a port in use (the lock
 * released: the data dir is left as it was). Storage faults
 * (docs/storage-faults.md): while the store cannot write, a `storage-failed` alert (sensor = site name) is open,
 * `/healthz` answers 503, and the UI shows a banner; it is closed once every held alert is stored. `/healthz` also
 * carries `disk` (src/site/disk-watch.ts: free space, its rate of loss, the days left, a one-line summary that says so
 * when free space is below `evidence.minFreeMiB` and clips and pictures are shed).
 * @throws QuietBandError('CONFIG') port in use / bad bind / data dir a file or held by another daemon (naming its pid);
 *   'IO' data dir or token not usable, worker not built.
 */
export async function startSite(site: SiteSettings, opts: StartSiteOptions): Promise<RunningSite> {
  const log = opts.log.child({ site: site.site });
  const workerUrl = sensorWorkerUrl();
  await prepareDataDir(site.dataDir);
  const lock = await lockDataDir(site.dataDir, log);
  let store: AlertStore;
  try {
    // a port in use is refused before the alert store and the clip folders are written (a data dir another daemon
    // holds is refused first, by the lock: that message names the daemon, whatever its port)
    await checkListenable(site.http.port, site.http.bind);
    await narrowDataDirMode(site.dataDir, log);
    store = await AlertStore.open({ dataDir: site.dataDir, site: site.site, logger: log });
  } catch (err) {
    await lock.release();
    throw err;
  }
  // when this run started, when each sensor's warm-up ended, and when it stopped (a crash dated by the last heartbeat):
  // the times nothing was monitored, in the session report
  const runLog = await RunLog.open({ dataDir: site.dataDir, sensors: site.sensors.map((s) => runSensorOf(site, s)), log });
  let field: SiteField;
  try {
    field = await createSiteField(site, { log, refreshCommand: opts.refreshCommand ?? 'quietband calibrate --config <site.json>' });
  } catch (err) {
    await store.close();
    await runLog.close('start failed');
    await lock.release();
    throw err;
  }
  // clip pictures drawn when first asked for (evidence.pictures 'on-view', or one shed while the disk was low): on a
  // thread of their own, started with the first one (PictureRenderer), so this loop never waits for a drawing
  const pictureRenderer = new PictureRenderer(false); // at the process's priority: someone is waiting for it
  const drawPicture = site.evidence.clips && site.evidence.pictures !== false
    ? (metaPath: string, pngPath: string) => pictureRenderer.render(metaPath, pngPath)
    : undefined;
  const pictureFloorBytes = PICTURE_FLOOR_FACTOR * site.evidence.minFreeMiB * 1024 * 1024;
  const clips = {
    dir: join(site.dataDir, CLIPS_DIR),
    picturesDir: join(site.dataDir, CLIP_PICTURES_DIR),
    ...(drawPicture !== undefined ? { draw: drawPicture, pictureFloorBytes } : {}),
  };
  // the session report draws missing pictures as the clips route does: past the same floor, one drawing per picture
  const reportDrawPicture = drawPicture === undefined ? undefined : missingPictureDrawer(drawPicture, pictureFloorBytes, log);
  if (site.evidence.clips) await Promise.all([makeFolder(clips.dir, DATA_DIR_MODE), makeFolder(clips.picturesDir, DATA_DIR_MODE)]);
  const bus = new AlertBus({
    store,
    logger: log,
    severityFor: (ctx) => field.severityFor(ctx),
    knownEmitterCheck: (ctx) => field.knownEmitterCheck(ctx),
    locations: sensorLocations(site),
  });
  const recoveredAlerts = await bus.recoverOpenAlerts();
  const storage = watchStorage(site.site, store, bus, log);
  const extras = createSiteExtras(site, { store, bus, log }); // /metrics, MQTT, notifications
  try {
    await extras.start();
  } catch (err) {
    storage.stop();
    await bus.close();
    await store.close();
    await runLog.close('start failed');
    await lock.release();
    throw err;
  }
  // alerts an older daemon left known after their mark went (docs/web-ui.md §Known emitters)
  await giveBackOrphans(bus, store, field.known).catch((err: unknown) => log.error({ err }, 'alerts left known by a removed mark not given back'));
  const supervisors: SensorSupervisor[] = [];
  // free space of the data dir and the days it lasts: /healthz `disk` and the page's disk line (below the evidence
  // floor alerts are still stored, so it is not a 503 problem: the line says that pictures, then clips, are shed)
  const disk = new DiskWatch({
    dir: site.dataDir,
    floorBytes: site.evidence.minFreeMiB * 1024 * 1024,
    // how full the evidence quota is and how far back its clips reach (the oldest go first)
    ...(site.evidence.clips ? { evidence: { dirs: [clips.dir, clips.picturesDir], quotaBytes: site.evidence.quotaMiB * 1024 * 1024 } } : {}),
  });
  await disk.start();
  const problems = (): string[] => {
    const out: string[] = [];
    if (extras.notifier !== null) out.push(...notifyProblems(extras.notifier.status(), Date.now()));
    const st = store.storageState();
    if (!st.ok) out.push(`storage failed: ${st.error ?? 'alerts cannot be written'}; ${st.heldRecords} alert record(s) held in memory`);
    for (const s of supervisors) {
      const h = s.health();
      // judged offline (after the start grace) or refused: a sensor still starting is not a problem yet
      if (h.state === 'offline' || h.state === 'error') out.push(`sensor ${h.sensor} ${h.state}${h.message !== undefined ? `: ${h.message}` : ''}`);
    }
    return out;
  };
  // live listening to open analog alerts (src/server/listen.ts), over the same socket and auth
  const listen = new ListenHub({
    site: site.site, sensors: site.sensors.map((s) => ({ name: s.name, hopping: s.scan !== undefined })), alerts: bus, log,
    onSpeech: (alertId, sensor) => {
      if (supervisors.find((s) => s.name === sensor)?.speechHeard(alertId) !== true) log.info({ alertId, sensor }, 'speech heard live on an alert no longer open: not recorded');
    },
  });
  let server: RunningServer;
  try {
    server = await startServer({
      bind: site.http.bind,
      port: site.http.port,
      ...httpServerOptions(site.http),
      site: site.site,
      sensors: site.sensors.map((s) => ({ name: s.name, centerHz: s.centerHz, rateSps: s.rateSps, fftSize: s.fftSize, ...(s.location !== undefined ? { location: s.location } : {}) })),
      store,
      bus,
      dataDir: site.dataDir,
      logger: log,
      ...(opts.webRoot !== undefined ? { webRoot: opts.webRoot } : {}),
      ...(site.timeZone !== undefined ? { timeZone: site.timeZone } : {}),
      clips,
      // /metrics; /sites (not a hub); /api/alerts; /sessions, /report; /known-emitters
      routes: [...extras.routes, notHubRoute, alertsApiRoute(store, site.site), ...reportRoutes(siteReportSource(site, reportDrawPicture), { dataDir: site.dataDir, logger: log }), ...knownEmitterRoutes(field.known, log, {
        onRemoved: giveBackHidden(bus, field.known),
        identity: (req) => `${server.authRequired ? 'token' : 'local'}@${req.socket.remoteAddress ?? '?'}`,
      })],
      healthProblems: problems,
      wsExtension: listen,
      healthFacts: () => {
        const d = disk.health();
        return { ...(d !== null ? { disk: d } : {}), ...(extras.notifier !== null ? { notify: extras.notifier.status() } : {}) };
      },
    });
  } catch (err) {
    listen.close();
    disk.stop();
    await extras.stop();
    storage.stop();
    await bus.close();
    await store.close();
    await runLog.close('start failed');
    await lock.release();
    throw err;
  }

  let statusQueued = false;
  const sendStatus = (): void => {
    statusQueued = false;
    const d = disk.health();
    for (const s of supervisors) if (s.state === 'armed') runLog.armed(s.name);
    server.broadcastStatus({ sensors: supervisors.map((s) => field.health(s.health(), s)), session: field.sessionStatus(), ...(d !== null ? { disk: d } : {}) });
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
  const stop = (reason = 'stopped'): Promise<void> => {
    stopping ??= (async () => {
      const runClosed = runLog.close(reason); // monitoring ends now, not when the last file is closed
      for (const t of startTimers) clearTimeout(t);
      clearInterval(statusTimer);
      field.stop();
      disk.stop();
      await Promise.all(supervisors.map((s) => s.stop()));
      sendStatus();
      await bus.flush(); // every close is stored and broadcast before the clients go
      listen.close();
      await extras.stop();
      await server.close();
      await pictureRenderer.close();
      storage.stop();
      await bus.close();
      await store.close();
      await runClosed;
      await lock.release();
      log.info({ lastSeq: store.lastSeq }, 'site stopped');
    })();
    return stopping;
  };
  log.info({ url: server.url, sensors: site.sensors.map((s) => `${s.name}=${s.sourceText}`), lastSeq: store.lastSeq, recoveredAlerts }, 'site running');
  return { site, server, store, bus, supervisors, listen, url: server.url, recoveredAlerts, problems, stop };
}

/**
 * Ties the store's storage state to a `storage-failed` alert of the site (sensor = site name): raised when writes
 * start failing (it is held and sent like every record then), closed when every held record is stored.
 */
function watchStorage(siteName: string, store: AlertStore, bus: AlertBus, log: Logger): { stop(): void } {
  let failed = false;
  const onStorage = (st: StorageState): void => {
    if (!st.ok && !failed) {
      failed = true;
      const msg = `STORAGE FAILED: alerts cannot be written to the data dir (${st.code ?? 'error'}: ${st.error ?? ''}). ` +
        'They are still sent and kept in memory, and are stored once the disk accepts writes again: free space or fix the data dir now.';
      bus.raiseSensorAlert(siteName, 'storage-failed', msg, { id: 'storage.failed', params: { code: st.code ?? 'error', error: st.error ?? '' } }).catch((err: unknown) => log.error({ err }, 'storage-failed alert not raised'));
    } else if (st.ok && failed) {
      failed = false;
      bus.clearSensorAlert(siteName, 'storage-failed', 'storage back: every held alert is stored', { id: 'storage.back' }).catch((err: unknown) => log.error({ err }, 'storage-failed alert not closed'));
    }
  };
  store.on('storage', onStorage);
  return {
    stop() {
      store.off('storage', onStorage);
    },
  };
}
