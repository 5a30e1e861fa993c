// The province hub: subscribes to many sites over MQTT, de-duplicates their alerts by seq, watches heartbeats, serves the web UI.
import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino, type Logger } from 'pino';
import { MQTT_DEFAULTS } from '../mqtt/mqtt-config.js';
import type { MqttHealth, MqttHeartbeat } from '../mqtt/mqtt-publisher.js';
import { redact } from '../mqtt/mqtt-publisher.js';
import { codesText } from '../server/message-text.js';
import type { Alert, AlertMessageCode } from '../alerts/alert.js';
import type { SensorHealth } from '../server/protocol.js';
import { checkListenable, startServer, type RunningServer } from '../server/server.js';
import { reportRoutes } from '../report/report-routes.js';
import { HubLog, type HubAlert } from './hub-log.js';
import { lockDataDir, narrowDataDirMode, prepareDataDir, type DataDirLock } from '../site/data-dir.js';
import { hubMetrics } from './hub-metrics.js';
import { hubReportSource } from './hub-report.js';
import { BoundedMap } from '../bounded.js';
import { parseSiteAlert, type AlertRefusal } from './site-alert-schema.js';

/** Options of {@link startHub}. */
export interface HubOptions {
  /** Broker URL (credentials may be in it). */
  mqttUrl: string;
  /** Extra mqtt.js options (TLS files, username/password). */
  mqttOptions?: IClientOptions;
  /** Topic prefix the sites publish under. Default 'quietband'. */
  topicPrefix?: string;
  /** Persistent-session client id (the broker queues QoS 1 messages while the hub is away). Default `quietband-hub-<hostname>`. */
  clientId?: string;
  /** HTTP/WS listen address and port (0 = free port). Defaults '127.0.0.1', 8090. */
  bind?: string;
  port?: number;
  /**
   * Holds the alert history (`hub-alerts.jsonl`: kept across restarts, see {@link HubLog}), the access token when bound
   * off loopback, and copies of the session reports served (`reports/`).
   */
  dataDir: string;
  /** Keep the alert history in `dataDir` (default true); false = in memory only. */
  persist?: boolean;
  /** fdatasync each history write (default true; tests of throughput only turn it off). */
  fsync?: boolean;
  /** IANA zone announced to browsers and used in session reports (default: this machine's). */
  timeZone?: string;
  /** Chromium binary for PDF reports. Default 'chromium'. */
  chromium?: string;
  /** A site whose last heartbeat is older than this is offline (ms). Default: 3 × the site's announced heartbeatMs. */
  offlineAfterMs?: number;
  /** Heartbeat-age check period (ms). Default 500. */
  checkEveryMs?: number;
  /** Broker reconnect period (ms). Default 2000. */
  reconnectMs?: number;
  /** A site's refused alert payloads are logged at most once per this period (ms). Default {@link REFUSAL_LOG_EVERY_MS}. */
  refusalLogEveryMs?: number;
  webRoot?: string;
  logger?: Logger;
}

/** What the hub knows of one site (`GET /sites`). */
export interface HubSiteState {
  site: string;
  /** Highest site seq received (0 before the first alert). */
  lastSiteSeq: number;
  alertsReceived: number;
  /** Alert messages dropped because their seq was already received (broker redelivery, publisher resend). */
  duplicates: number;
  /** Seqs missing between two received alerts (lost messages, e.g. a broker restarted without persistence); rebuilt from the history on a hub restart. */
  gapSeqs: number;
  /**
   * Times the site's alert store restarted its numbering (its data dir replaced or wiped: seqs start again at 1). Seen
   * when a heartbeat's `lastSeq` is below the highest seq received; the records of the new numbering are kept (see
   * {@link startHub}).
   */
  storeResets: number;
  /**
   * Alert payloads refused by the schema (src/hub/site-alert-schema.ts: not JSON, too large, a field of the wrong type
   * or size); nothing of them is stored. The log names one's field at most once per {@link HubOptions.refusalLogEveryMs}.
   */
  refusedPayloads: number;
  /** Heartbeat: wall time the hub received the last one (ms, null before — also after a hub restart, until the next), its age (ms) and content. */
  lastHeartbeatAtMs: number | null;
  heartbeatAgeMs: number | null;
  heartbeat: MqttHeartbeat | null;
  offline: boolean;
  sensors: SensorHealth[];
}

/** A running hub. */
export interface RunningHub {
  url: string;
  server: RunningServer;
  log: HubLog;
  /** Per-site state, sorted by site name. */
  sites(): HubSiteState[];
  /** True while connected to the broker. */
  readonly connected: boolean;
  close(): Promise<void>;
}

interface SiteEntry extends Omit<HubSiteState, 'heartbeatAgeMs'> {
  /** When the last health message arrived (ms): its frame ages are aged by the time since. */
  healthAtMs: number;
  /** A site known from the history of a previous run is watched from the hub's (re)start: offline when silent that long. */
  watchFromMs: number | null;
  offlineAlertId: string | null;
  offlineCount: number;
  /** Fingerprint (event, time, sensor, kind) of every record received in the current numbering, by site seq. */
  fingerprints: Map<number, string>;
  /**
   * Records dropped as duplicates (seq not above the highest) that are not the record stored under that seq: held
   * (at most {@link MAX_SUSPECTS}, by seq) until a heartbeat shows whether the site's store restarted its numbering.
   */
  suspects: BoundedMap<number, Alert>;
  /** When the last refused payload was logged (ms; 0 never) and how many were refused since without a line. */
  refusalLoggedAtMs: number;
  refusalsUnlogged: number;
}

/** A site's refused alert payloads are logged at most once per this period (ms): a flood cannot fill the disk. */
export const REFUSAL_LOG_EVERY_MS = 60_000;

/** Most suspect records held per site (a restarted store sends at most its backlog before the next heartbeat). */
const MAX_SUSPECTS = 10_000;

/** What identifies one stored record of a site beyond its seq: a re-sent or re-delivered record is the same bytes. */
function fingerprint(a: Pick<Alert, 'event' | 'time' | 'sensor' | 'kind'>): string {
  return JSON.stringify([a.event, a.time, a.sensor, a.kind]);
}

const HUB_NAME = 'hub';

/**
 * Starts the hub: an MQTT client (clean: false, QoS 1 subscriptions to `<prefix>/+/alert|health|heartbeat`, so the
 * broker keeps messages for it while it is away if the broker persists sessions) and the site server's HTTP + WS
 * protocol v1 over a {@link HubLog} kept in `<dataDir>/hub-alerts.jsonl`. Each site alert is added once: a message
 * whose seq is not above the site's highest received seq is a duplicate and dropped; a jump counts the missing seqs as
 * `gapSeqs` (logged). History survives restarts: on start the per-site highest seq, counts and open site-offline
 * alerts are rebuilt from the file, so the broker's redelivery (or a site's resend) after a restart is dropped as
 * duplicates; the PUBACK of every message is sent only once what it added is stored (a hub killed mid-write gets it
 * again). Sites known from the history are watched from the start: silent for `offlineAfterMs` → site-offline.
 * Alerts keep their `site` and `alertId` (`<site>-<seq>` by default, so unique across sites); `seq` is the hub's
 * and `siteSeq` the site's. A site whose store restarts its numbering (data dir replaced or wiped) would otherwise be
 * dropped as duplicates until its seqs pass the old highest: a duplicate seq carrying another record (event, time,
 * sensor, kind) is held as a suspect, and a heartbeat whose `lastSeq` is below the highest seq received confirms the
 * restart — the suspects are stored and the site's new records follow, with `siteEpoch` and alertIds suffixed `~N`
 * ({@link HubSiteState.storeResets}).
 * Sensors appear in `status` as `<site>/<sensor>` (with `site` set) and the heartbeat age in `message`.
 * Acks and "known" marks made at the hub are hub-side records (ackBy, time; stored in the history); they are not sent
 * to the sites.
 * A site whose heartbeat is older than `offlineAfterMs` gets a `site-offline` alert (hub-side, severity high, sensor
 * ''), closed when its heartbeats return; not while the hub itself has lost the broker (ages restart on reconnect).
 * `GET /sites` (same auth) → {@link HubSiteState}[]; `GET /metrics` → {@link hubMetrics}; `GET /sessions`,
 * `GET /report?session=&site=` → {@link reportRoutes} over {@link hubReportSource}.
 * @throws QuietBandError('CONFIG') port in use / bad options (from the server) / data dir a file or held by another hub
 *   (naming its pid); 'IO' history file not usable.
 */
export async function startHub(o: HubOptions): Promise<RunningHub> {
  const log = (o.logger ?? pino({ level: 'silent' })).child({ component: 'hub' });
  const prefix = o.topicPrefix ?? MQTT_DEFAULTS.topicPrefix;
  // one hub per data dir, as one daemon per site data dir (src/site/data-dir.ts): locked before anything is written
  let lock: DataDirLock | null = null;
  if (o.persist !== false) {
    await prepareDataDir(o.dataDir);
    lock = await lockDataDir(o.dataDir, log);
    await narrowDataDirMode(o.dataDir, log);
  }
  const bind = o.bind ?? '127.0.0.1';
  const port = o.port ?? 8090;
  let hubLog: HubLog;
  try {
    await checkListenable(port, bind); // a port in use refused before the history file is written
    hubLog = await HubLog.open({ ...(o.persist !== false ? { dataDir: o.dataDir } : {}), fsync: o.fsync ?? true, logger: log });
  } catch (err) {
    await lock?.release();
    throw err;
  }
  const sites = new Map<string, SiteEntry>();

  const siteState = (e: SiteEntry, nowMs: number): HubSiteState => {
    const { offlineAlertId: _a, offlineCount: _c, healthAtMs: _h, watchFromMs: _w, fingerprints: _f, suspects: _s, refusalLoggedAtMs: _l, refusalsUnlogged: _u, ...rest } = e;
    void _l;
    void _u;
    void _a;
    void _c;
    void _h;
    void _w;
    void _f;
    void _s;
    return { ...rest, heartbeatAgeMs: e.lastHeartbeatAtMs === null ? null : nowMs - e.lastHeartbeatAtMs };
  };
  const sitesRoute = (_req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (url.pathname !== '/sites') return false;
    const now = Date.now();
    const body = JSON.stringify([...sites.values()].sort((a, b) => a.site.localeCompare(b.site)).map((e) => siteState(e, now)));
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(body);
    return true;
  };

  const entry = (site: string): SiteEntry => {
    let e = sites.get(site);
    if (e === undefined) {
      e = { site, lastSiteSeq: 0, alertsReceived: 0, duplicates: 0, gapSeqs: 0, storeResets: 0, refusedPayloads: 0, refusalLoggedAtMs: 0, refusalsUnlogged: 0, lastHeartbeatAtMs: null, heartbeat: null, offline: false, sensors: [], healthAtMs: 0, watchFromMs: null, offlineAlertId: null, offlineCount: 0, fingerprints: new Map(), suspects: new BoundedMap(MAX_SUSPECTS) };
      sites.set(site, e);
      log.info({ site }, 'new site');
    }
    return e;
  };

  // --- what the history of the previous runs says about each site ---
  const startMs = Date.now();
  const offlineIds = new Map<string, Set<string>>();
  for (const r of hubLog.all()) {
    const e = entry(r.site);
    e.watchFromMs = startMs;
    if (r.siteSeq !== undefined) {
      // same bookkeeping as live (onAlert): numbering epochs, gaps, fingerprints
      const epoch = typeof r.siteEpoch === 'number' ? r.siteEpoch : 0;
      if (epoch > e.storeResets) {
        e.storeResets = epoch;
        e.lastSiteSeq = 0;
        e.fingerprints.clear();
      }
      e.alertsReceived++;
      if (e.lastSiteSeq > 0 && r.siteSeq > e.lastSiteSeq + 1) e.gapSeqs += r.siteSeq - e.lastSiteSeq - 1;
      if (r.siteSeq > e.lastSiteSeq) e.lastSiteSeq = r.siteSeq;
      e.fingerprints.set(r.siteSeq, fingerprint(r));
    } else if (r.kind === 'site-offline') {
      let ids = offlineIds.get(r.site);
      if (ids === undefined) offlineIds.set(r.site, (ids = new Set()));
      ids.add(r.alertId);
      if (r.event === 'open') {
        e.offline = true;
        e.offlineAlertId = r.alertId;
      } else if (r.event === 'close' && e.offlineAlertId === r.alertId) {
        e.offline = false;
        e.offlineAlertId = null;
      }
    }
  }
  for (const [site, ids] of offlineIds) entry(site).offlineCount = ids.size;
  if (hubLog.size > 0) log.info({ records: hubLog.size, sites: [...sites.values()].map((e) => `${e.site}@${e.lastSiteSeq}${e.offline ? ' (offline)' : ''}`) }, 'hub history restored');

  let server: RunningServer;
  try {
    server = await startServer({
      bind,
      port,
      site: HUB_NAME,
      sensors: [],
      store: hubLog,
      bus: hubLog,
      dataDir: o.dataDir,
      logger: log,
      routes: [sitesRoute, (req, res, url) => metrics.route(req, res, url), ...reportRoutes(hubReportSource(hubLog, o.timeZone), { dataDir: o.dataDir, logger: log, ...(o.chromium !== undefined ? { chromium: o.chromium } : {}) })],
      ...(o.webRoot !== undefined ? { webRoot: o.webRoot } : {}),
      ...(o.timeZone !== undefined ? { timeZone: o.timeZone } : {}),
    });
  } catch (err) {
    await hubLog.close();
    await lock?.release();
    throw err;
  }

  const broadcastStatus = (): void => {
    const now = Date.now();
    const out: SensorHealth[] = [];
    for (const e of [...sites.values()].sort((a, b) => a.site.localeCompare(b.site))) {
      const age = e.lastHeartbeatAtMs === null ? null : now - e.lastHeartbeatAtMs;
      const note = age === null ? 'no heartbeat yet' : `heartbeat ${(age / 1000).toFixed(1)} s ago`;
      for (const s of e.sensors) {
        const h: SensorHealth = { ...s, sensor: `${e.site}/${s.sensor}`, site: e.site, message: s.message !== undefined ? `${s.message}; ${note}` : note };
        if (typeof s.lastFrameAgeMs === 'number') h.lastFrameAgeMs = s.lastFrameAgeMs + (now - e.healthAtMs);
        if (e.offline) {
          h.online = false;
          h.state = 'offline';
        }
        out.push(h);
      }
    }
    server.broadcastStatus({ sensors: out });
  };

  const offlineAfter = (e: SiteEntry): number => {
    const hbMs = e.heartbeat?.heartbeatMs;
    return o.offlineAfterMs ?? 3 * (typeof hbMs === 'number' && Number.isFinite(hbMs) && hbMs > 0 ? hbMs : MQTT_DEFAULTS.heartbeatMs);
  };

  const onAlert = (site: string, a: Alert): void => {
    const e = entry(site); // `a` passed siteAlertSchema: seq an integer ≥ 1
    if (a.seq <= e.lastSiteSeq) {
      e.duplicates++;
      // not the record stored under this seq (or none stored): maybe the first records of a restarted store
      if (e.fingerprints.get(a.seq) !== fingerprint(a)) {
        e.suspects.setNewest(a.seq, a);
      }
      return;
    }
    accept(e, site, a);
  };

  /** Stores a site record above the site's highest seq: gap count, fingerprint, numbering epoch suffix. */
  const accept = (e: SiteEntry, site: string, a: Alert): void => {
    if (e.lastSiteSeq > 0 && a.seq > e.lastSiteSeq + 1) {
      e.gapSeqs += a.seq - e.lastSiteSeq - 1;
      log.warn({ site, from: e.lastSiteSeq + 1, to: a.seq - 1 }, 'alert seq gap');
    }
    e.lastSiteSeq = a.seq;
    e.alertsReceived++;
    e.fingerprints.set(a.seq, fingerprint(a));
    const rec: Omit<HubAlert, 'seq'> & { seq?: number } = { ...a, site, siteSeq: a.seq };
    if (e.storeResets > 0) {
      rec.siteEpoch = e.storeResets;
      rec.alertId = `${a.alertId}~${e.storeResets}`;
      if (typeof a.groupId === 'string') rec.groupId = `${a.groupId}~${e.storeResets}`;
    }
    hubLog.add(rec);
  };

  /**
   * A heartbeat whose `lastSeq` (the site's highest stored seq, ≥ 1) is below the highest seq received means the site's
   * store restarted its numbering (a heartbeat is published after every record it counts, on one ordered connection):
   * a new epoch starts at the hub, and the suspects (records of the new numbering dropped as duplicates before this
   * heartbeat) up to `lastSeq` are stored, in seq order.
   */
  const checkStoreReset = (e: SiteEntry, site: string, hb: MqttHeartbeat): void => {
    const l = (hb as { lastSeq?: unknown }).lastSeq;
    if (typeof l !== 'number' || !Number.isInteger(l) || l < 1 || l >= e.lastSiteSeq) return;
    e.storeResets++;
    log.warn({ site, highestSeqReceived: e.lastSiteSeq, siteLastSeq: l, storeResets: e.storeResets }, `site alert store restarted its numbering (data dir replaced or wiped?): its alerts are kept as a new series, alertIds suffixed ~${e.storeResets} at the hub`);
    const replay = [...e.suspects.values()].filter((s) => s.seq <= l).sort((x, y) => x.seq - y.seq);
    e.suspects.clear();
    e.fingerprints.clear();
    e.lastSiteSeq = 0;
    for (const s of replay) {
      e.duplicates--;
      accept(e, site, s);
    }
  };

  /** Counts a refused alert payload of `site`; logs it (with the refusals not logged since) once per `refusalLogEveryMs`. */
  const onRefused = (site: string, topic: string, r: AlertRefusal): void => {
    const e = entry(site);
    e.refusedPayloads++;
    const now = Date.now();
    if (e.refusalLoggedAtMs !== 0 && now - e.refusalLoggedAtMs < (o.refusalLogEveryMs ?? REFUSAL_LOG_EVERY_MS)) {
      e.refusalsUnlogged++;
      return;
    }
    log.warn({ site, topic, field: r.path, expected: r.expected, refusedSinceLastLine: e.refusalsUnlogged, refusedTotal: e.refusedPayloads }, 'alert payload refused: nothing of it stored');
    e.refusalLoggedAtMs = now;
    e.refusalsUnlogged = 0;
  };

  const onHeartbeat = (site: string, hb: MqttHeartbeat): void => {
    const e = entry(site);
    e.lastHeartbeatAtMs = Date.now();
    e.heartbeat = hb;
    checkStoreReset(e, site, hb);
    if (e.offline) {
      e.offline = false;
      if (e.offlineAlertId !== null) {
        const code: AlertMessageCode = { id: 'site.back' };
        hubLog.add({ alertId: e.offlineAlertId, site, sensor: '', kind: 'site-offline', event: 'close', state: 'new', severity: 'high', time: new Date().toISOString(), message: codesText([code]), messageCode: code });
        e.offlineAlertId = null;
      }
      log.info({ site }, 'site back online');
    }
  };

  const check = (): void => {
    const now = Date.now();
    // without the broker the hub cannot tell a dead site from its own outage: no site-offline then (see 'connect')
    if (!client.connected) {
      broadcastStatus();
      return;
    }
    for (const e of sites.values()) {
      const heardAtMs = e.lastHeartbeatAtMs ?? e.watchFromMs;
      if (e.offline || heardAtMs === null) continue;
      const age = now - heardAtMs;
      if (age > offlineAfter(e)) {
        e.offline = true;
        e.offlineCount++;
        e.offlineAlertId = `${HUB_NAME}-site-offline-${e.site}-${e.offlineCount}-${now}`;
        const s = (age / 1000).toFixed(1);
        const code: AlertMessageCode = { id: e.heartbeat?.stopping ? 'site.stopped' : e.lastHeartbeatAtMs === null ? 'site.silentSinceStart' : 'site.silent', params: { s } };
        hubLog.add({ alertId: e.offlineAlertId, site: e.site, sensor: '', kind: 'site-offline', event: 'open', state: 'new', severity: 'high', time: new Date(now).toISOString(), message: codesText([code]), messageCode: code });
        log.warn({ site: e.site, ageMs: age }, 'site offline');
      }
    }
    broadcastStatus();
  };

  const client: MqttClient = mqtt.connect(o.mqttUrl, {
    clientId: o.clientId ?? `quietband-hub-${hostname()}`,
    clean: false,
    resubscribe: false,
    reconnectPeriod: o.reconnectMs ?? MQTT_DEFAULTS.reconnectMs,
    connectTimeout: MQTT_DEFAULTS.connectTimeoutMs,
    ...o.mqttOptions,
  });
  // PUBACK (QoS 1) only once the records this message added are stored: a hub killed before gets it redelivered
  client.handleMessage = (_packet, done) => {
    hubLog.drain().then(
      () => done(),
      (err: unknown) => done(err as Error),
    );
  };
  const timer = setInterval(check, o.checkEveryMs ?? 500);
  const metrics = hubMetrics({
    sites: () => [...sites.values()].sort((a, b) => a.site.localeCompare(b.site)).map((e) => siteState(e, Date.now())),
    wsClients: () => server.clientStats().length,
    brokerConnected: () => client.connected,
  });
  const topics = ['alert', 'health', 'heartbeat'].map((k) => `${prefix}/+/${k}`);
  client.on('connect', (ack) => {
    log.info({ url: redact(o.mqttUrl), sessionPresent: ack.sessionPresent }, 'hub connected to the broker');
    // heartbeat ages restart now: a full offlineAfterMs for every site to be heard again after the hub's own outage
    const now = Date.now();
    for (const e of sites.values()) {
      if (!e.offline && e.lastHeartbeatAtMs !== null) e.lastHeartbeatAtMs = Math.max(e.lastHeartbeatAtMs, now);
      if (e.watchFromMs !== null) e.watchFromMs = Math.max(e.watchFromMs, now);
    }
    // every connect (a broker restarted without persistence forgot the session); subscribing again is harmless
    client.subscribeAsync(topics, { qos: 1 }).catch((err: unknown) => log.error({ err: (err as Error).message }, 'subscribe failed'));
  });
  client.on('offline', () => log.warn('broker unreachable'));
  client.on('error', (err) => log.warn({ err: err.message }, 'MQTT error'));
  const topicRe = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)/(alert|health|heartbeat)$`);
  // a malformed message of one site (another version, a test tool) is logged and skipped: it must not stop the hub
  client.on('message', (topic, payload) => {
    try {
      onMessage(topic, payload);
    } catch (err) {
      log.error({ err, topic }, 'message could not be handled; skipped');
    }
  });
  const onMessage = (topic: string, payload: Buffer): void => {
    const m = topicRe.exec(topic);
    if (m === null) return;
    const site = m[1]!;
    if (m[2] === 'alert') {
      const r = parseSiteAlert(payload);
      if ('refused' in r) onRefused(site, topic, r.refused);
      else onAlert(site, r.alert);
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(payload.toString('utf8'));
    } catch {
      log.warn({ topic }, 'payload is not JSON');
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    if (m[2] === 'heartbeat') onHeartbeat(site, msg as MqttHeartbeat);
    else {
      const h = msg as MqttHealth;
      if (Array.isArray(h.sensors)) {
        const e = entry(site);
        // only entries that are sensor objects (a null or a number here once stopped the hub in its status broadcast)
        e.sensors = (h.sensors as unknown[]).filter((x): x is SensorHealth => typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as SensorHealth).sensor === 'string');
        e.healthAtMs = Date.now();
      }
    }
  };

  let closing: Promise<void> | null = null;
  return {
    url: server.url,
    server,
    log: hubLog,
    sites: () => [...sites.values()].sort((a, b) => a.site.localeCompare(b.site)).map((e) => siteState(e, Date.now())),
    get connected() {
      return client.connected;
    },
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        await client.endAsync(!client.connected).catch(() => undefined);
        await server.close();
        await hubLog.close();
        await lock?.release();
      })();
      return closing;
    },
  };
}

export type { HubAlert };
