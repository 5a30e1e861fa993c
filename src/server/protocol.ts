// WebSocket protocol v1 message shapes (server ⇄ browser). Every message carries `v: 1` and `type`.
import type { DetectionEvent } from '../types.js';

export const PROTOCOL_VERSION = 1 as const;

/** Alert lifecycle state as supervisors see it. */
export type AlertState = 'new' | 'acknowledged' | 'known';
/** Severity: `high` while an exam session is armed, `low` outside sessions, `info` for known emitters. */
export type AlertSeverity = 'high' | 'low' | 'info';
/**
 * What raised the alert: a detected transmission, a sensor that stopped delivering / overloaded, a site gone quiet (hub),
 * the site's data dir refusing alert records (`storage-failed`: alerts are sent and held in memory until stored), or an
 * emitter that was on while a baseline was learned (`present-during-calibration`: it is inside that baseline's envelope
 * from then on, so a technician confirms it as known or escalates it; docs/detector.md §6).
 */
export type AlertKind = 'transmission' | 'sensor-offline' | 'overload' | 'site-offline' | 'storage-failed' | 'present-during-calibration';

/**
 * One alert record. Every state change (open, update, close, ack, known) is a new record with a new `seq`
 * (monotonic per site, never reused, survives restarts); `alertId` ties the records of one alert together.
 */
export interface Alert {
  seq: number;
  alertId: string;
  site: string;
  sensor: string;
  kind: AlertKind;
  /** What changed with this record. */
  event: 'open' | 'update' | 'close' | 'ack' | 'known' | 'escalate';
  state: AlertState;
  severity: AlertSeverity;
  /** Wall-clock time of this record (ISO 8601 UTC). */
  time: string;
  /** Detection fields (transmission alerts): Hz, dB, dBFS; start/end as ISO times. */
  centerHz?: number;
  bandwidthHz?: number;
  peakExcessDb?: number;
  peakPowerDbfs?: number;
  startTime?: string;
  endTime?: string;
  bandLabel?: string;
  session?: string;
  /**
   * Known-emitter alerts (state 'known' from the open): label of the emitter the detection matched (site config
   * `knownEmitters[].label`, or the label of one marked known from the UI). Absent otherwise.
   */
  knownLabel?: string;
  message?: string;
  /**
   * What `message` says, as a code the UI renders in its own language ({@link AlertMessageCode}); `message` stays the
   * English text for logs, the store and older pages. Absent: only `message` (shown as written).
   */
  messageCode?: AlertMessageCode;
  ackBy?: string;
  /** Path of the evidence clip (SigMF) relative to the data dir, when written. */
  clip?: string;
  /** The detector event that produced it (transmissions). */
  detection?: DetectionEvent;
  /**
   * Transmissions seen by several located sensors (src/site/localisation.ts): every sensor keeps its own alert, and
   * the alerts of one transmission share `groupId` (the alertId of the group's first alert) and carry the same ranked
   * rooms (strongest excess over the sensor's own baseline first = nearest) and, when ≥ 2 of the sensors have x/y, the
   * weighted-centroid position (m on the site plan). Absent for a transmission only one located sensor saw; a record
   * without them leaves the previous values in force. Updated (an `update` record, also after `close`) when another
   * sensor joins or the ranking changes.
   */
  groupId?: string;
  rooms?: AlertRoom[];
  positionM?: { xM: number; yM: number };
  /** `present-during-calibration` alerts: what the baseline heard (its open record; later records leave it in force). */
  calibration?: CalibrationAlertInfo;
  /**
   * Transmissions: what the emission is (docs/identification.md), as `quietband replay` prints it. Absent until the
   * sensor identified it (an `update` ≈ 1 s after the open); then every later record carries the latest one (`final` from
   * the transmission's end, on the close).
   */
  signal?: AlertSignal;
}

/**
 * Identification of a transmission (src/ident/, docs/identification.md §4–5): the class, a 0..1 confidence, the rule that
 * decided, and the features a supervisor reads (Hz, ms, dB, ratios 0..1; absent for `unknown`). `final`: false for the
 * first identification (from the transmission's first 0.5 s), true for the one from its end.
 */
export interface AlertSignal {
  class: 'carrier' | 'am' | 'nfm' | 'wfm' | 'ook' | 'fsk' | 'tdma-burst' | 'wideband-digital' | 'pulsed-wideband' | 'unknown';
  confidence: number;
  reason: string;
  final?: boolean;
  bandwidthHz?: number;
  deviationHz?: number;
  snrDb?: number;
  dutyCycle?: number;
  bursts?: number;
  burstMedianMs?: number;
  periodMedianMs?: number;
  envelopeKurtosis?: number;
  modulationIndex?: number;
  carrierFraction?: number;
  tones?: number;
  toneSpacingHz?: number;
  symbolRateBd?: number;
  centerDriftHz?: number;
  gapSnrDb?: number;
  /** Band of the expected-class table holding the centre, its classes, and whether this class is not among them. */
  band?: string;
  expected?: string[];
  unexpected?: boolean;
  /** Analog classes: voice activity, and why. */
  speechPresent?: boolean;
  voice?: string;
}

/**
 * A server-produced text (an alert's note, a sensor's health note) as a code plus its values, so the page can show it
 * in the reader's language (texts: src/server/message-text.ts):
 * - `offline.source` {sensor, source, reason}: the source stopped (reason: the source's own words, shown as written);
 * - `offline.silentWorker` {sensor, source, ms}: the sensor worker has not reported for `ms` ms;
 * - `offline.noDataAfterOpen` {sensor, source, ms}: nothing `ms` ms after opening the source;
 * - `offline.noData` {sensor, source, ms}: no data for `ms` ms;
 * - `online.again` {}: the sensor delivers data again (closes a sensor-offline alert);
 * - `overload.on` {pct, ms}: `pct` % of samples at the ADC rails for over `ms` ms;
 * - `overload.off` {}: clipping stopped;
 * - `storage.failed` {code, error}: alert records cannot be written to the data dir;
 * - `storage.back` {}: every held record is stored;
 * - `restart.closed` {}: closed at daemon start (the previous run ended while it was open);
 * - `worker.exited` {code, ms}: the sensor worker exited and restarts in `ms` ms (sensor health);
 * - `site.stopped` {s}, `site.silent` {s}, `site.silentSinceStart` {s}: a hub's site-offline alert (last heartbeat
 *   `s` seconds ago; the site said it was stopping / nothing since the hub started); `site.back` {}: heartbeats again;
 * - `baseline.refused` {path, field, stored, live}, `baseline.stale` {name, ageH, limitH}, `baseline.staleUnknown`
 *   {name, limitH}: the baseline in use is not fit for a session (sensor health), followed by one of
 *   `baseline.advice` {command}, `baseline.adviceWindow` {command, session, from}, `baseline.adviceWindowNow`
 *   {command, session}: how to refresh it;
 * - `offline.sourceError` {sensor, source, cause, detail, ms}: the source failed with a known error; `cause` is one of
 *   the `source.*` ids below, whose text fills the `{=cause}` placeholder;
 * - `source.notFound`, `source.busy`, `source.permission`, `source.disconnected`, `source.usb`, `source.notRtlTcp`,
 *   `source.io` {detail, ms}: the source failed (DEVICE_NOT_FOUND, DEVICE_BUSY, PERMISSION, DISCONNECTED, USB_TRANSFER,
 *   NOT_RTL_TCP, any other) and is reopened in `ms` ms; `source.ended` {ms}: it ended by itself (sensor health; detail:
 *   the English reason, with its advice);
 * - `sensor.config`, `sensor.badInput`, `sensor.baselineMismatch`, `sensor.nativeUnavailable` {detail}: the sensor
 *   stopped for good on that error (not restarted);
 * - `sensor.calibrating`, `sensor.calibratingHops` {seconds, reason}: a calibration window records a baseline (of
 *   every hop) (reason: English, not in Chinese);
 * - `hearing.deaf` {mhz, periodS, silentS} (one per silent emitter), then `hearing.advice` {}: a periodic calibration
 *   emitter is no longer heard (src/field/baseline-health.ts judgeHearing);
 * - `disk.*` {free, n, perDay, floor, pictureFloor} (sizes as text, `14 GB`): the "recording to disk" line of
 *   {@link DiskStatus} (src/site/disk-watch.ts).
 */
export interface AlertMessageCode {
  id:
    | 'offline.source' | 'offline.silentWorker' | 'offline.noDataAfterOpen' | 'offline.noData' | 'online.again' | 'overload.on' | 'overload.off'
    | 'storage.failed' | 'storage.back' | 'restart.closed' | 'worker.exited' | 'site.stopped' | 'site.silent' | 'site.silentSinceStart' | 'site.back'
    | 'baseline.refused' | 'baseline.stale' | 'baseline.staleUnknown' | 'baseline.advice' | 'baseline.adviceWindow' | 'baseline.adviceWindowNow'
    | 'offline.sourceError' | 'source.notFound' | 'source.busy' | 'source.permission' | 'source.disconnected' | 'source.usb' | 'source.notRtlTcp'
    | 'source.io' | 'source.ended' | 'sensor.config' | 'sensor.badInput' | 'sensor.baselineMismatch' | 'sensor.nativeUnavailable'
    | 'sensor.calibrating' | 'sensor.calibratingHops' | 'hearing.deaf' | 'hearing.advice'
    | 'disk.measuring' | 'disk.notFilling' | 'disk.days' | 'disk.hours' | 'disk.minutes' | 'disk.picturesShed' | 'disk.belowFloor';
  params?: Record<string, string | number>;
}

/**
 * An emitter a baseline heard, as sent to the browser: the wire form of CalibrationEmitter (src/baseline/emitters.ts,
 * which the daemon assigns to it; declared here so the web UI's type check does not reach into Node code).
 */
export interface HeardEmitter {
  /** Occupancy-weighted centre, occupied band edges and their difference (Hz). */
  centerHz: number;
  lowHz: number;
  highHz: number;
  bandwidthHz: number;
  /** Highest Welch-average bin power (dBFS) and highest excess over the frame's noise floor (dB). */
  peakPowerDbfs: number;
  peakExcessDb: number;
  /** Fraction of the learned Welch averages in which its busiest bin was occupied (0..1). */
  dutyCycle: number;
  /** Separate appearances; mean time between them (s, null below 3 appearances); longest appearance (s). */
  bursts: number;
  periodS: number | null;
  maxBurstS: number;
  /** On for at least 95 % of the learning. */
  continuous: boolean;
}

/**
 * The emitter of a `present-during-calibration` alert ({@link Alert.calibration}) and the baseline that heard it. The
 * alert's `centerHz`, `bandwidthHz`, `peakPowerDbfs`, `peakExcessDb` repeat the emitter's; `startTime`/`endTime` span the
 * baseline's learning (its `createdAt` minus its duration, and `createdAt`).
 */
export interface CalibrationAlertInfo {
  emitter: HeardEmitter;
  /** The baseline's `createdAt` (ISO) and `method` ('calibrate' | 'warmup'). */
  baselineCreatedAt: string;
  baselineMethod: string;
  /** Seconds of signal the baseline learned from. */
  baselineDurationS: number;
  /** Hopping sensors: the centre (Hz) of the hop whose baseline heard it. */
  hopCenterHz?: number;
}

/** One ranked room of a grouped transmission ({@link Alert.rooms}): its strongest sensor, that sensor's excess (dB) and x/y (m) when configured. */
export interface AlertRoom {
  room: string;
  sensor: string;
  excessDb: number;
  xM?: number;
  yM?: number;
}

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
  droppedBlocks: number;
  /**
   * Samples with a non-finite I or Q (NaN/±Inf, cf32 recordings) dropped, with the frames that would have held them,
   * since the sensor started; absent when none.
   */
  nonFiniteSamples?: number;
  clipFraction: number;
  overload: boolean;
  /** Age of the last processed frame (ms); null before the first one. */
  lastFrameAgeMs: number | null;
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
  /** Free space lost per day (bytes/day), null while measuring; freeBytes / bytesPerDay, null when not filling. */
  bytesPerDay: number | null;
  daysLeft: number | null;
  floorBytes: number;
  pictureFloorBytes: number;
  picturesShed: boolean;
  belowFloor: boolean;
  /** Something to act on: pictures or clips shed, or less than a day left at the current rate. */
  low: boolean;
  /** `recording to disk: 14 GB free, ≈ 3.2 days at the current rate (4.4 GB/day)`, and as a code (`disk.*`). */
  line: string;
  lineCode: AlertMessageCode;
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
 * analog alert, a hopping sensor, or the sensor's listen limit reached).
 */
export interface ListenStateMessage { v: 1; type: 'listen-state'; alertId: string; state: 'started' | 'stopped' | 'refused'; listenId?: number; rateSps?: number; reason?: string }

/**
 * Binary audio frame of a live listen (all little-endian): byte 0 kind (1 = audio), byte 1 flags (bit 0: speech judged,
 * bit 1: speech present, from the voice-activity test over the last 2 s of audio), bytes 2–3 header length (24),
 * 4–7 listenId (u32), 8–11 frame sequence from 0 (u32), 12–15 sample rate (S/s, u32), 16–23 wall time of the first
 * sample (ms since the Unix epoch, f64, from the sensor's sample clock), then the samples (i16, full scale 32767).
 */
export const LISTEN_FRAME = Object.freeze({ kindAudio: 1, headerBytes: 24, flagSpeechJudged: 1, flagSpeechPresent: 2, rateSps: 16000, samplesPerFrame: 1600 });
