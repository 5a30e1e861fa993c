// WebSocket protocol v1 message shapes (server ⇄ browser). Every message carries `v: 1` and `type`. The alert record an
// `alert` message carries is owned by src/alerts/alert.ts and re-exported here, so the web UI reads one wire contract.
import type { Alert, AlertMessageCode } from '../alerts/alert.js';

export type { Alert, AlertKind, AlertMessageCode, AlertRoom, AlertSeverity, AlertSignal, AlertState, CalibrationAlertInfo, HeardEmitter, SeverityRaise } from '../alerts/alert.js';
export type { ClipLoss } from '../types.js';

export { LATE_ALERT_MS } from '../alerts/alert.js';

export const PROTOCOL_VERSION = 1 as const;

/** Where a sensor is (site config `sensors[].location`), as announced in `hello`. */
export interface SensorLocationInfo {
  room: string;
  xM?: number;
  yM?: number;
}

/** Per-sensor health as shown in the UI's sensor panel. */
export interface SensorHealth {
  sensor: string;
  online: boolean;
  /** 'starting' | 'learning' (baseline warm-up) | 'armed' | 'offline' | 'overload' */
  state: string;
  centerHz: number;
  configuredRateSps: number;
  achievedRateSps: number;
  /**
   * True while the rate is judged short: readings under 95 % of the configured rate for 5 s, until they are back at
   * 98 % for 5 s (RateShortfallJudge; a single reading moves with the CPU's load). Absent: not short.
   */
  rateShortfall?: boolean;
  droppedBlocks: number;
  /**
   * Samples with a non-finite I or Q (NaN/±Inf, cf32 recordings) dropped, with the frames that would have held them,
   * since the sensor started; absent when none.
   */
  nonFiniteSamples?: number;
  /**
   * Samples the source handed over as runs of never-written zeros (SoapyRemote over UDP), counted as lost, since the
   * current source stream started; absent when none.
   */
  zeroedSamples?: number;
  /**
   * Samples the receiver or its link lost and the source could count (Soapy driver overflows, transfers an rtl_tcp
   * server freed, found from bytes against the clock), since the current source was created; absent when none.
   */
  samplesLost?: number;
  /**
   * Samples the receiver produced that have not arrived, waiting upstream or lost and not yet counted (rtl_tcp: told
   * apart when the link catches up or passes its backlog bound); null = unknown yet (a stream's first 2 s); absent
   * when the source does not track it.
   */
  samplesBehindOrLost?: number | null;
  clipFraction: number;
  overload: boolean;
  /** Age of the last processed frame (ms); null before the first one. */
  lastFrameAgeMs: number | null;
  /**
   * How far (ms) this sensor's pipeline trailed real time at most over about the last 30 s: its detections and alerts
   * came this much late (a worker that cannot keep up with its sample rate on a loaded computer). Absent for scanning
   * sensors and before the first report.
   */
  behindMs?: number;
  /**
   * True while the pipeline keeps up with its source: its worker's event loop idled (waited for the source's next
   * block) ≥ 10 % of the last few seconds (smoothed worker reports). A short rate or sample gaps are then the receiver's or its link's, not this
   * computer's. Absent before the first report.
   */
  sourceBound?: boolean;
  message?: string;
  /**
   * `message` as codes (rendered one after the other, space-separated, in the page's language); present only when
   * every part of `message` has one (a source's own error text has none: the page then shows `message`).
   */
  messageCodes?: AlertMessageCode[];
  /** Age (s) of the baseline in use; absent before the sensor has one. Stale ones are also named in `message`. */
  baselineAgeS?: number;
  /** Hopping sensors only: the scan plan and how long each segment goes unwatched. */
  scan?: ScanHealth;
  /**
   * The emitters the baseline in use heard during calibration, and how long each has gone unheard since (s): a sensor
   * that stops hearing a periodic known emitter may be deaf (antenna, gain), not quiet. Absent when the baseline lists none.
   */
  calibrationEmitters?: CalibrationEmitterHeard[];
  /** At a hub: the site the sensor belongs to (`sensor` is then `<site>/<name>`). Absent at a site. */
  site?: string;
}

/** Scan state of a hopping sensor (SensorHealth.scan). */
export interface ScanHealth {
  /** Hops in the plan, and the centre (Hz) of the one being visited. */
  hops: number;
  hopCenterHz: number;
  /** Dwell per visit and settle after each retune (ms). */
  dwellMs: number;
  settleMs: number;
  /**
   * Per segment: planned revisit = hops × (dwell + settle) (ms), and the measured one: the longest interval between two
   * visits of any of its hops (ms, sample clock; null before every hop was visited twice). A burst shorter than
   * revisit − dwell can go unseen.
   */
  segments: { startHz: number; stopHz: number; hops: number; plannedRevisitMs: number; revisitMs: number | null }[];
}

/** One calibration emitter in {@link SensorHealth.calibrationEmitters}. */
export interface CalibrationEmitterHeard {
  centerHz: number;
  /** The calibration's mean time between its appearances (s), null when it appeared fewer than 3 times. */
  periodS: number | null;
  continuous: boolean;
  /** Appearances heard since the sensor armed with this baseline. */
  appearances: number;
  /** Seconds since it was last heard (since arming when not yet heard). */
  silentS: number;
}

export interface HelloMessage { v: 1; type: 'hello'; site: string; sensors: { name: string; centerHz: number; rateSps: number; fftSize: number; location?: SensorLocationInfo }[]; lastSeq: number; timeZone: string; authRequired: boolean }
/**
 * The exam timetable as the main page shows it (status messages of a site daemon): `scheduled` false = no sessions
 * configured (every alert is 'high'); else the session on now (`current`, epoch ms bounds) and the next one.
 */
export interface SessionStatus {
  scheduled: boolean;
  current?: { name: string; startMs: number; endMs: number };
  next?: { name: string; startMs: number; endMs: number };
}
/** Sensor health every second; `session` from a site daemon (absent at a hub or in tests that do not send it). */
/**
 * Free space of the data dir's file system and how long it lasts (src/site/disk-watch.ts), as `/healthz` and the page
 * show it. Below `pictureFloorBytes` (2 × the evidence floor) clip pictures are not drawn; below `floorBytes` neither
 * clips nor pictures are written; alerts are always stored.
 */
export interface DiskStatus {
  freeBytes: number;
  totalBytes: number;
  /**
   * Free space lost per day (bytes/day) by the whole file system (QuietBand and everything else writing to it), null
   * while measuring; freeBytes / bytesPerDay, null when not filling.
   */
  bytesPerDay: number | null;
  daysLeft: number | null;
  /** Bytes of the files in the data dir (null: could not be read), and its net growth per day over the same samples (null while measuring). */
  dataDirBytes: number | null;
  dataDirBytesPerDay: number | null;
  floorBytes: number;
  pictureFloorBytes: number;
  picturesShed: boolean;
  belowFloor: boolean;
  /** Something to act on: pictures or clips shed, or less than a day left at the current rate. */
  low: boolean;
  /** `recording to disk: 14 GB free, ≈ 3.2 days at the current rate (whole disk 4.4 GB/day, of it QuietBand's data dir 1.2 GB/day)`, and as a code (`disk.*`). */
  line: string;
  lineCode: AlertMessageCode;
  /**
   * The evidence quota (site daemons with clips on): bytes of clips and pictures, the quota, how long ago the oldest clip
   * kept was written (s), and when the quota fills at the current rate (days; null: measuring, not growing, or full).
   */
  evidence?: { usedBytes: number; quotaBytes: number; keptS: number | null; fullInDays: number | null };
  /** `evidence: 320 MB of the 1.1 GB quota, full in ≈ 3 h at the current rate (…)`, and as a code (`evidence.*`). */
  evidenceLine?: string;
  evidenceLineCode?: AlertMessageCode;
}

/** Sensor health, the exam session line (site daemons with a timetable) and the disk line (site daemons). */
export interface StatusMessage { v: 1; type: 'status'; sensors: SensorHealth[]; session?: SessionStatus; disk?: DiskStatus }
/** Latest spectrum of one sensor, decimated to ≤ 1024 points (max over merged bins). */
export interface SpectrumMessage { v: 1; type: 'spectrum'; sensor: string; centerHz: number; rateSps: number; startHz: number; stepHz: number; powerDbfs: number[]; baselineDbfs: number[]; thresholdDbfs: number[]; timeS: number }
export interface AlertMessage { v: 1; type: 'alert'; alert: Alert }
export interface ErrorMessage { v: 1; type: 'error'; message: string }
export type ServerMessage = HelloMessage | StatusMessage | SpectrumMessage | AlertMessage | ErrorMessage | ListenStateMessage;

export interface ResumeMessage { v: 1; type: 'resume'; sinceSeq: number }
export interface AckMessage { v: 1; type: 'ack'; alertId: string; by?: string }
/** Marks an alert known; `label` names the emitter (kept with the known-emitter entry and shown on later alerts). */
export interface KnownMessage { v: 1; type: 'known'; alertId: string; by?: string; label?: string }
/** Raises a low-severity alert to 'high' and back to state 'new' (used for `present-during-calibration`). */
export interface EscalateMessage { v: 1; type: 'escalate'; alertId: string; by?: string }
export type ClientMessage = ResumeMessage | AckMessage | KnownMessage | EscalateMessage | ListenMessage | ListenStopMessage;

/**
 * Live listening (docs/listening.md). The browser asks to hear an open analog alert (signal class nfm, wfm or am):
 * `{v:1, type:'listen', alertId}`, and ends it with `{v:1, type:'listen-stop', alertId}` (closing the socket ends it too).
 * The server answers with {@link ListenStateMessage}s and, while it streams, binary WebSocket frames of
 * {@link LISTEN_FRAME}: a 24-byte little-endian header, then mono 16-bit signed PCM at `rateSps`.
 */
export interface ListenMessage { v: 1; type: 'listen'; alertId: string }
export interface ListenStopMessage { v: 1; type: 'listen-stop'; alertId: string }
/**
 * A listen's state: `started` (frames with this `listenId` follow, at `rateSps`), `stopped` (no more frames: asked for,
 * the transmission's alert closed, or the sensor's stream ended; `reason` says which) or `refused` (`reason`: not an open
 * analog alert, a hopping sensor, or the sensor's listen limit reached). `reasonCode`: `reason` as a `listen.*` code
 * (src/server/message-text.ts) for the page to word in its reader's language; `reason` stays the English text.
 */
export interface ListenStateMessage { v: 1; type: 'listen-state'; alertId: string; state: 'started' | 'stopped' | 'refused'; listenId?: number; rateSps?: number; reason?: string; reasonCode?: AlertMessageCode }

/** One reportable session, as the HTTP route `GET /sessions` lists it (src/report/report-source.ts; the page's report dialog). */
export interface SessionListEntry {
  name: string;
  site: string;
  /** Window (ISO), the report's (src/report/session-window.ts sessionWindow): the configured one, else the span of the records carrying the name. */
  startTime: string;
  endTime: string;
  /** True when the site config defines it (its window is used unless the session's alerts began outside it). */
  configured: boolean;
  /** Distinct alerts the session's report lists (its alerts and outages: those carrying the name, and the others in its window). */
  alerts: number;
}

/**
 * One entry of the HTTP route `GET /known-emitters` (src/field/known-emitter-routes.ts; frequencies in Hz, times ISO
 * 8601 / epoch ms), as the page's known list reads it.
 */
export interface KnownEmitterEntry {
  id: string;
  label: string;
  lowHz: number;
  highHz: number;
  sensor?: string;
  origin: 'config' | 'marked';
  addedAt?: string;
  /** Who marked it: the record's `ackBy`, "<name> (<identity>)" (src/server/client-hub.ts). */
  addedBy?: string;
  alertId?: string;
  /** Epoch ms from which it no longer matches (own expiry or the marked lifetime); absent = never. */
  expiresMs?: number;
  /** True when it no longer matches now. */
  expired: boolean;
  /** Only marked emitters can be removed from the UI. */
  removable: boolean;
}

/**
 * Binary audio frame of a live listen (all little-endian): byte 0 kind (1 = audio), byte 1 flags (bit 0: speech judged,
 * bit 1: speech present, from the voice-activity test over the last 2 s of audio), bytes 2–3 header length (24),
 * 4–7 listenId (u32), 8–11 frame sequence from 0 (u32), 12–15 sample rate (S/s, u32), 16–23 wall time of the first
 * sample (ms since the Unix epoch, f64, from the sensor's sample clock), then the samples (i16, full scale 32767).
 */
export const LISTEN_FRAME = Object.freeze({ kindAudio: 1, headerBytes: 24, flagSpeechJudged: 1, flagSpeechPresent: 2, rateSps: 16000, samplesPerFrame: 1600 });
