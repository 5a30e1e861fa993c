// Exam sessions of a site: which session is on at a time, calibration windows before them, and the alert severity rule.
import type { AlertSeverity } from '../alerts/alert.js';
import type { SeverityContext } from '../alerts/alert-bus.js';

/** One exam session, as configured (local times of the site) and converted (epoch ms). */
export interface ExamSession {
  name: string;
  /** As written in the config (local time of the site's zone, or ISO with an offset). */
  start: string;
  end: string;
  /** Epoch ms; `startMs < endMs`. */
  startMs: number;
  endMs: number;
}

/** Baseline calibration before sessions (site config `calibration`). */
export interface CalibrationSettings {
  /**
   * Minutes before each session start during which every sensor without a valid baseline records one (0 = never
   * automatically). Default 20: long enough for one recording, after the ≥ 10 min warm-up of docs/field-notes.md §6.
   */
  windowMin: number;
  /** Seconds of signal a calibration records (live `quietband calibrate` records 60 s by default). */
  seconds: number;
  /** A baseline older than this (hours) is stale: flagged in health, and re-recorded in the next calibration window. */
  maxAgeH: number;
}

/**
 * The site's sessions. With no session configured the site is always armed (every transmission 'high', the behaviour
 * of a site without a timetable). With sessions:
 * - a transmission whose start falls inside a session carries its name and is 'high';
 * - any other transmission is 'low' (still stored and shown);
 * - overload-flagged transmissions are 'low' (possible intermodulation), as before;
 * - sensor faults (offline, overload) are 'high' while a session is on, else 'low'.
 * Known emitters are 'info' (decided by the alert bus before this rule).
 */
export class ExamSchedule {
  readonly sessions: readonly ExamSession[];

  /** @param sessions in any order (kept sorted by start). */
  constructor(sessions: readonly ExamSession[], readonly calibration: CalibrationSettings) {
    this.sessions = [...sessions].sort((a, b) => a.startMs - b.startMs);
  }

  /** True when sessions are configured (severity follows them). */
  get enabled(): boolean {
    return this.sessions.length > 0;
  }

  /** The session on at epoch ms `ms` (start ≤ ms < end), the earliest-starting one if sessions overlap. */
  sessionAt(ms: number): ExamSession | undefined {
    for (const s of this.sessions) if (s.startMs <= ms && ms < s.endMs) return s;
    return undefined;
  }

  /**
   * The session whose calibration window contains `ms` (start − windowMin ≤ ms < start), or undefined (also when
   * windowMin is 0).
   */
  calibrationWindowAt(ms: number): ExamSession | undefined {
    const w = this.calibration.windowMin * 60_000;
    if (w <= 0) return undefined;
    for (const s of this.sessions) if (s.startMs - w <= ms && ms < s.startMs) return s;
    return undefined;
  }

  /** The next session starting after `ms`, or undefined. */
  nextSession(ms: number): ExamSession | undefined {
    return this.sessions.find((s) => s.startMs > ms);
  }

  /**
   * Severity of a new alert (the AlertBus `severityFor` hook): see the class comment. `nowMs` is used for sensor
   * faults; transmissions are judged by the session name the daemon attached (`context.session`, set from the
   * detection's start time).
   */
  severityFor(ctx: SeverityContext, nowMs: number): AlertSeverity {
    if (ctx.detection?.overload) return 'low';
    if (!this.enabled) return 'high';
    if (ctx.kind === 'transmission') return ctx.context?.session !== undefined ? 'high' : 'low';
    return this.sessionAt(nowMs) !== undefined ? 'high' : 'low';
  }
}
