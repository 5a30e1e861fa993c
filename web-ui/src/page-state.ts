// The monitoring page's state shared by its modules (connection, replay, sites, alarm timing, counters), and the
// counters it exposes on `window.quietband` for diagnostics and the browser tests.
import type { ConnState } from './connection.js';
import type { DiskStatus, SpectrumMessage } from './protocol-types.js';

/** Counters exposed on `window.quietband` for diagnostics and the browser tests. */
export interface PageStats {
  alertRecords: number;
  duplicates: number;
  spectraReceived: number;
  statusReceived: number;
  framesDrawn: number;
  rowsDrawn: number;
  alarms: number;
  renders: number;
  connects: number;
  lastSeq: number;
  alerts: number;
  connState: ConnState;
  /** Time (ms) from the latest hello until the replay reached hello.lastSeq; null while replaying. */
  replayMs: number | null;
  /** True when the server answered `GET sites` (a hub); the site filter, column and per-site panel are then shown. */
  hub: boolean;
  /** Site the alert table and sensor panel are filtered to; null = all. */
  siteFilter: string | null;
  /** Rows the alert table holds now (after the site filter). */
  rowsShown: number;
  /** Alarm: the sound is wanted (remembered) and running now. */
  soundWanted: boolean;
  soundRunning: boolean;
  /** Time (ms) between repeats of the alarm in effect (ALARM_REPEAT_MS unless a test set `quietbandTest`). */
  alarmRepeatMs: number;
  /** performance.now() (ms) of the latest alarm that sounded (0: none yet, or the repeat has nothing to ring for). */
  lastAlarmAtMs: number;
}

declare global {
  interface Window {
    /** Debug hook: page counters and state. */
    quietband?: { stats: () => PageStats; lang: () => string };
    /**
     * Test-only overrides, set by the browser tests (before the page's scripts, or later); the product never sets
     * them. `alarmRepeatMs`: the alarm's repeat period (ms) instead of ALARM_REPEAT_MS.
     */
    quietbandTest?: { alarmRepeatMs?: number };
  }
}

/** The page's own counters (the rest of {@link PageStats} comes from the model, the alarm and the spectrum cards). */
export interface PageCounters {
  alertRecords: number;
  duplicates: number;
  spectraReceived: number;
  statusReceived: number;
  renders: number;
  connects: number;
}

/**
 * What the page knows beyond its panels: the site it is connected to, where the replay stands, the connection and
 * alarm state, the sites seen and the site filter. One instance per page; the page's modules read and write it.
 */
export class PageState {
  readonly counters: PageCounters = { alertRecords: 0, duplicates: 0, spectraReceived: 0, statusReceived: 0, renders: 0, connects: 0 };
  /** The latest spectrum of each sensor (the stand-in "spectrum at peak" of a live alert). */
  readonly latestSpectrum = new Map<string, SpectrumMessage>();
  /** IANA time zone the page shows times in: the browser's until the site's hello. */
  timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  /** Site name of the latest hello ('' before the first). */
  site = '';
  /** Records with seq above this arrived after the page first connected: they ring. null before the first hello. */
  liveFromSeq: number | null = null;
  /** The connection's state (indicator, lost-connection alarm, hub polling). */
  connState: ConnState = 'connecting';
  /** performance.now() (ms) of the latest hello. */
  helloAt = 0;
  /** hello.lastSeq of the latest hello: the replay is complete when a record with this seq arrives. */
  helloSeq = 0;
  /** How long (ms) after the latest hello the record with hello.lastSeq arrived (replay time); null while replaying. */
  replayMs: number | null = null;
  /** performance.now() (ms) of the next reconnection attempt (0: none planned). */
  retryAt = 0;
  /** Connection to the daemon lost after it was live (banner and alarm until it is back). */
  connLost = false;
  /** performance.now() (ms) of the latest alarm sounded, by a new alert or by the repeat (0: none yet). */
  lastAlarmAt = 0;
  /** A hub (answers `GET sites`): many sites in one page. */
  isHub = false;
  /** Sites seen on alerts (a site's own page has one). */
  readonly alertSites = new Set<string>();
  /** Site the alert table and sensor panel are filtered to; null = all. */
  siteFilter: string | null = null;
  /** The open alert detail needs a refresh at the next render. */
  detailDirty = false;
  /** The latest disk status of the site (null: none sent, e.g. at a hub). */
  diskStatus: DiskStatus | null = null;

  /** Many sites in one page: a hub, or alerts of several sites (site column, filter, per-site health). */
  multiSite(): boolean {
    return this.isHub || this.alertSites.size > 1;
  }
}
