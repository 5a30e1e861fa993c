// Exam-day features of a running site: session severity, known emitters, calibration windows, baseline health notes.
import type { Logger } from 'pino';
import type { AlertBus, DetectionContext, KnownEmitterContext, SeverityContext } from '../alerts/alert-bus.js';
import type { AlertStore } from '../alerts/alert-store.js';
import { defaultBaselinePath, type SiteSettings } from '../config/site-config.js';
import type { AlertSeverity, SensorHealth, SessionStatus } from '../server/protocol.js';
import type { DetectionEvent } from '../types.js';
import { CalibrationWindows, type CalibratedSensor } from '../field/calibration-windows.js';
import { ExamSchedule, type ExamSession } from '../field/exam-schedule.js';
import { KnownEmitters, MARKABLE_KINDS } from '../field/known-emitters.js';
import { formatSiteTime, machineTimeZone } from '../field/local-time.js';

/** Options of {@link createSiteField}. */
export interface SiteFieldOptions {
  log: Logger;
  /** The command that refreshes this site's baselines by hand (health notes), e.g. `quietband calibrate --config /srv/site.json`. */
  refreshCommand: string;
  /** Calibration window check period (ms). Default 1000. */
  tickMs?: number;
  /** Wall clock. Default Date.now. */
  now?: () => number;
}

/** The exam-day hooks of one site (see {@link createSiteField}). */
export interface SiteField {
  readonly schedule: ExamSchedule;
  readonly known: KnownEmitters;
  /** AlertBus `severityFor`: {@link ExamSchedule.severityFor}. */
  severityFor(ctx: SeverityContext): AlertSeverity;
  /**
   * AlertBus `knownEmitterCheck`: the detection's centre inside a known emitter of its sensor (not expired) →
   * `{ label }` of that emitter (carried as the alert's `knownLabel`), else false.
   */
  knownEmitterCheck(ctx: KnownEmitterContext): { label: string } | false;
  /** Supervisor `decorate`: the session on at the detection's start (originMs + startS; now when unknown). */
  decorate(ctx: DetectionContext, ev: DetectionEvent): void;
  /**
   * Starts listening to the bus (known emitters marked in the UI), the calibration windows, and the session starts:
   * when a session begins (checked every `tickMs`), open 'low' transmission alerts are raised to 'high' with its name
   * (AlertBus.armOpenAlerts).
   */
  start(bus: AlertBus, store: AlertStore, sensors: readonly CalibratedSensor[]): void;
  /** The timetable as the main page shows it: the session on now and the next one (status messages). */
  sessionStatus(): SessionStatus;
  /** A sensor's health with its baseline age and stale/refused note. */
  health(h: SensorHealth, sensor: CalibratedSensor): SensorHealth;
  /** Stops the timer. */
  stop(): void;
}

/**
 * Builds the exam-day hooks of a site from its settings: the session schedule (`sessions`, `calibration`), the known
 * emitters (config list + `<dataDir>/known-emitters.json`). `start()` then subscribes to the bus — a `known` record of a
 * transmission adds its band for its sensor (KnownEmitters.markFromAlert) — and checks the calibration windows every
 * `tickMs`.
 * @throws QuietBandError('CONFIG') for an invalid known-emitters file.
 */
export async function createSiteField(site: SiteSettings, o: SiteFieldOptions): Promise<SiteField> {
  const log = o.log.child({ component: 'exam-day' });
  const now = o.now ?? Date.now;
  const schedule = new ExamSchedule(site.sessions, site.calibration);
  const rbw = new Map(site.sensors.map((s) => [s.name, s.rateSps / s.fftSize]));
  const known = await KnownEmitters.open({
    dataDir: site.dataDir, configured: site.knownEmitters, rbwHzOf: (s) => rbw.get(s) ?? 0, log,
    markedTtlMs: site.knownEmitterMarks.ttlH * 3_600_000,
  });
  const timeZone = site.timeZone ?? machineTimeZone();
  let windows: CalibrationWindows | null = null;
  let timer: NodeJS.Timeout | null = null;
  if (schedule.enabled) {
    log.info({ sessions: schedule.sessions.map((s) => sessionSpan(s, timeZone)), timeZone, calibration: site.calibration }, 'exam sessions');
  }
  const outputFor = (name: string): string => site.sensors.find((s) => s.name === name)?.baselinePath ?? defaultBaselinePath(site, name);
  return {
    schedule,
    known,
    severityFor: (ctx) => schedule.severityFor(ctx, now()),
    knownEmitterCheck: (ctx) => {
      const e = known.match(ctx.sensor, ctx.detection.centerHz, now());
      if (e !== undefined) log.info({ sensor: ctx.sensor, centerHz: ctx.detection.centerHz, emitter: e.label }, 'detection inside a known emitter');
      return e !== undefined ? { label: e.label, id: known.idOf(e) } : false;
    },
    decorate: (ctx, ev) => {
      if (!schedule.enabled) return;
      const at = ctx.originMs !== undefined ? ctx.originMs + ev.startS * 1000 : now();
      const s = schedule.sessionAt(at);
      if (s !== undefined) ctx.session = s.name;
    },
    start(bus, store, sensors) {
      bus.on('alert', (a) => {
        known.observe(a);
        if (a.event === 'known' && MARKABLE_KINDS.has(a.kind)) {
          known.markFromAlert(a, store).catch((err: unknown) => log.error({ err, alertId: a.alertId }, 'known emitter not saved'));
        }
      });
      // scanning sensors take windows too: every hop records its baseline (<output>-<centerHz>.json, hop-runner.ts)
      windows = new CalibrationWindows({ schedule, sensors, outputFor, refreshCommand: o.refreshCommand, timeZone, log });
      if (schedule.enabled) {
        const w = windows;
        const calibrate = site.calibration.windowMin > 0;
        // the session on at the previous tick: a different one now = a session started
        let on: ExamSession | undefined = schedule.sessionAt(now());
        const tick = (): void => {
          const ms = now();
          const s = schedule.sessionAt(ms);
          if (s !== undefined && s !== on) {
            log.info({ session: s.name }, 'exam session started: raising open low alerts');
            bus.armOpenAlerts(s.name).then(
              (recs) => recs.length > 0 && log.info({ session: s.name, alerts: recs.map((r) => r.alertId) }, 'open alerts raised to high'),
              (err: unknown) => log.error({ err, session: s.name }, 'open alerts not raised at the session start'),
            );
          }
          on = s;
          if (calibrate) w.tick(ms);
        };
        timer = setInterval(tick, o.tickMs ?? 1000);
        timer.unref();
        if (calibrate) w.tick(now());
      }
    },
    sessionStatus() {
      const ms = now();
      const out: SessionStatus = { scheduled: schedule.enabled };
      const cur = schedule.sessionAt(ms);
      const next = schedule.nextSession(ms);
      if (cur !== undefined) out.current = { name: cur.name, startMs: cur.startMs, endMs: cur.endMs };
      if (next !== undefined) out.next = { name: next.name, startMs: next.startMs, endMs: next.endMs };
      return out;
    },
    health(h, sensor) {
      return windows === null ? h : windows.decorate(h, sensor.baseline, now());
    },
    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

/**
 * A session for the log, in the site's zone to the minute: "Maths 2026-12-08 09:00–11:30", the end's date too when it
 * falls on another day ("Night 2026-12-08 22:00–2026-12-09 06:00").
 */
export function sessionSpan(s: Pick<ExamSession, 'name' | 'startMs' | 'endMs'>, timeZone: string): string {
  const at = (ms: number): string => formatSiteTime(ms, timeZone).slice(0, 16).replace('T', ' ');
  const start = at(s.startMs);
  const end = at(s.endMs);
  return `${s.name} ${start}–${end.slice(0, 10) === start.slice(0, 10) ? end.slice(11) : end}`;
}
