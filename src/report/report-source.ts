// Where a session report's data come from: a site's config + alert store, or any record list (the hub's); session lists.
import { readFile } from 'node:fs/promises';
import { limitDrawings, REPORT_MAX_DRAWINGS } from '../evidence/clip-picture-files.js';
import type { SiteSettings } from '../config/site-config.js';
import { readRunRecords, runSensorOf, type RunRecord, type RunSensor } from './run-log.js';
import { cliError } from '../error-text.js';
import { sessionNamesText } from './alert-records.js';
import type { Alert } from '../alerts/alert.js';
import type { SessionListEntry } from '../server/protocol.js';
import { readAlertRecords, type ReportSensor, type SessionReportInput } from './session-report.js';
import { sessionAlertRecords, sessionWindow } from './session-window.js';

/** One reportable session, as `GET /sessions` lists it (declared with the wire shapes in src/server/protocol.ts). */
export type { SessionListEntry } from '../server/protocol.js';

/** What the report routes need from a daemon (site or hub); see {@link siteReportSource} and the hub's. */
export interface ReportSource {
  /** Reportable sessions, newest start first. */
  sessions(): Promise<SessionListEntry[]>;
  /**
   * The report input of one session (`site` picks one site's records where the source holds several).
   * @throws QuietBandError('BAD_INPUT') unknown session/site (a site's unknown session coded `report.noSession`, see
   * src/error-text.ts); 'IO' unreadable store.
   */
  input(session: string, site: string | undefined): Promise<SessionReportInput>;
}

/**
 * Sessions found in `records` (their `session` field) and configured at `configured.site`, per site and name, each with
 * the window and the alert count its report has ({@link sessionWindow}, {@link sessionAlertRecords} over that site's
 * records: the same rule as `GET /report` and the CLI). Records whose session is not a non-empty string, or whose
 * times do not parse, name no session (a malformed record cannot make the list fail); a configured session is listed
 * even without alerts.
 * @returns entries sorted by start, newest first (ties by site then name).
 */
export function sessionsOf(records: readonly Alert[], configured: { site: string; sessions: readonly { name: string; startMs: number; endMs: number }[] } | null = null): SessionListEntry[] {
  const bySite = new Map<string, { records: Alert[]; names: Set<string> }>();
  const siteOf = (site: string): { records: Alert[]; names: Set<string> } => {
    let s = bySite.get(site);
    if (s === undefined) bySite.set(site, (s = { records: [], names: new Set() }));
    return s;
  };
  if (configured !== null) for (const c of configured.sessions) siteOf(configured.site).names.add(c.name);
  for (const r of records) {
    // malformed records (another version's, hand-edited) must not break the list
    if (typeof r.site !== 'string') continue;
    const s = siteOf(r.site);
    s.records.push(r);
    if (typeof r.session === 'string' && r.session.length > 0) s.names.add(r.session);
  }
  const out: (SessionListEntry & { startMs: number })[] = [];
  for (const [site, s] of bySite) {
    for (const name of s.names) {
      const conf = configured !== null && configured.site === site ? configured.sessions.find((c) => c.name === name) : undefined;
      const w = sessionWindow(s.records, name, conf);
      if (w === undefined) continue; // only records with unreadable times name it
      const alerts = sessionAlertRecords(s.records, name, w).size;
      out.push({ name, site, startTime: new Date(w.startMs).toISOString(), endTime: new Date(w.endMs).toISOString(), configured: conf !== undefined, alerts, startMs: w.startMs });
    }
  }
  return out
    .sort((a, b) => b.startMs - a.startMs || a.site.localeCompare(b.site) || a.name.localeCompare(b.name))
    .map(({ startMs: _startMs, ...e }) => e);
}

/**
 * The report input of `session` at a configured site: site name, time zone, sensors (room, source, baseline creation
 * time read from the stored baseline file and its age at the session start, h), the configured window when the config
 * defines the session, and every record of `<site.dataDir>/alerts.jsonl`.
 * @throws QuietBandError('IO') when the store cannot be read.
 */
export async function siteReportInput(site: SiteSettings, session: string): Promise<SessionReportInput> {
  const input: SessionReportInput = { session, site: site.site, records: await readAlertRecords(site.dataDir), dataDir: site.dataDir };
  if (site.timeZone !== undefined) input.timeZone = site.timeZone;
  const s = site.sessions.find((x) => x.name === session);
  if (s !== undefined) input.window = { startMs: s.startMs, endMs: s.endMs };
  input.runs = await readRunRecords(site.dataDir);
  // the baselines' age at the start of the window the report shows (the configured one may describe another run)
  const startMs = sessionWindow(input.records, session, input.window)?.startMs ?? Date.now();
  input.sensors = await reportSensors(site.sensors.map((x) => runSensorOf(site, x)), startMs);
  return input;
}

/**
 * The report's sensor table from the sensors as a site config or a run log's `start` record gives them (one source for
 * the web report and the CLI's, with or without `--config`): name, room, source, centre, rate, and the creation time
 * of the stored baseline file (`baselinePath`) with its age (h) at `startMs` (epoch ms); no such file: "none stored".
 */
export async function reportSensors(sensors: readonly RunSensor[], startMs: number): Promise<ReportSensor[]> {
  return Promise.all(
    sensors.map(async (x): Promise<ReportSensor> => {
      const r: ReportSensor = { name: x.name, centerHz: x.centerHz, rateSps: x.rateSps, source: x.source, baselineChecked: true };
      if (x.room !== undefined) r.room = x.room;
      try {
        const b = JSON.parse(await readFile(x.baselinePath, 'utf8')) as { createdAt?: unknown };
        if (typeof b.createdAt === 'string' && !Number.isNaN(Date.parse(b.createdAt))) {
          r.baselineCreatedAt = b.createdAt;
          r.baselineAgeH = (startMs - Date.parse(b.createdAt)) / 3_600_000;
        }
      } catch {
        // no stored baseline (warm-up sensor)
      }
      return r;
    }),
  );
}

/**
 * The sensors of the runs (a run log's `start` records, src/site/run-log.ts) that started at or before `endMs`, the
 * latest start's entry of each name, in the order they were first listed: what the daemon ran with in the session
 * (a data dir read without its site config). [] when no run started by then.
 */
export function runSensors(runs: readonly RunRecord[], endMs: number): RunSensor[] {
  const byName = new Map<string, RunSensor>();
  for (const r of runs) {
    if (r.event !== 'start' || !(Date.parse(r.time) <= endMs) || !Array.isArray(r.sensors)) continue;
    for (const x of r.sensors) if (typeof x?.name === 'string' && typeof x.baselinePath === 'string') byName.set(x.name, x);
  }
  return [...byName.values()];
}

/**
 * {@link ReportSource} of a running site: its configured sessions and those named by its stored alerts. `drawPicture`
 * (the daemon's picture thread) draws the pictures of the report's clips that were not drawn yet (evidence.pictures
 * 'on-view').
 */
export function siteReportSource(site: SiteSettings, drawPicture?: SessionReportInput['drawPicture']): ReportSource {
  return {
    async sessions() {
      return sessionsOf(await readAlertRecords(site.dataDir), { site: site.site, sessions: site.sessions });
    },
    async input(session, siteName) {
      if (siteName !== undefined && siteName !== site.site) throw cliError('report.otherSite', { site: site.site, asked: siteName }, 'BAD_INPUT');
      const input = await siteReportInput(site, session);
      if (drawPicture !== undefined) input.drawPicture = limitDrawings(drawPicture, REPORT_MAX_DRAWINGS);
      // coded, so the route words it in the request's language; without buildSessionReport's CLI hint "(pass --config)":
      // the daemon has its config
      if (input.window === undefined && !input.records.some((r) => r.session === session)) {
        throw cliError('report.noSession', { session, known: sessionNamesText(input.records), hint: 'none' }, 'BAD_INPUT');
      }
      return input;
    },
  };
}
