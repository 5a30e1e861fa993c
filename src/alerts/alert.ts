// Alert records: the types every part of QuietBand shares for one alert (raised and stored in src/alerts/, sent to the
// browser inside protocol v1 `alert` messages of src/server/protocol.ts, published by mqtt/, notify/, the hub).
import type { SignalReasonId } from '../ident/reasons.js';
import type { SeverityRaise, SeverityRaiseId } from './severity-rank.js';
import type { ClipLoss, DetectionEvent } from '../types.js';
import type { HeardEmitter } from '../baseline/heard-emitter.js';

export type { SignalReasonId } from '../ident/reasons.js';
export type { SeverityRaise, SeverityRaiseId } from './severity-rank.js';
export type { HeardEmitter } from '../baseline/heard-emitter.js';

/** Alert lifecycle state as supervisors see it. */
export type AlertState = 'new' | 'acknowledged' | 'known';
/**
 * Severity: `high` while an exam session is armed, `low` outside sessions, `info` for known emitters. Within a severity an
 * alert can be raised ({@link Alert.severityRaise}): it ranks above the others of its severity, never above a higher one.
 */
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
  event: 'open' | 'update' | 'close' | 'ack' | 'known' | 'escalate' | 'unmark';
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
  /**
   * Alerts known from the open: the id of the known emitter that matched (KnownEmitters.idOf, e.g. `marked:demo-12`),
   * and the severity the alert would have had without it; removing that emitter gives the alert this severity back
   * (an `unmark` record, AlertBus.unmarkKnown). On the open record only.
   */
  knownEmitterId?: string;
  severityUnlessKnown?: AlertSeverity;
  message?: string;
  /**
   * What `message` says, as a code the UI renders in its own language ({@link AlertMessageCode}); `message` stays the
   * English text for logs, the store and older pages. Absent: only `message` (shown as written).
   */
  messageCode?: AlertMessageCode;
  ackBy?: string;
  /** Path of the evidence clip (SigMF) relative to the data dir, when written. */
  clip?: string;
  /** Transmissions with evidence clips on: why the alert closed without one (on its close record). Absent otherwise. */
  clipNotKept?: ClipLoss;
  /** The detector event that produced it (transmissions). */
  detection?: DetectionEvent;
  /**
   * Transmissions seen by several located sensors (src/alerts/localisation.ts): every sensor keeps its own alert, and
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
  /**
   * Transmissions: why the alert ranks above the others of its severity (src/alerts/severity-raise.ts, the band rule of
   * docs/identification.md §13: a class its band does not expect, an nfm voice link in a land-mobile band, a phone's
   * uplink). Decided from `signal`: every record carrying a `signal` carries the raise that follows from it, and one
   * carrying a `signal` without it means "not raised" (a later identification can lift or drop it); records without a
   * `signal` leave it in force. Severity itself (what notify channels and MQTT consumers route on) is unchanged.
   */
  severityRaise?: SeverityRaise;
  /**
   * Transmissions, on the open record: how far (ms) the sensor's pipeline trailed real time when it raised this alert
   * (its latest health report's `behindMs`), so the alert reached people this much after the transmission; present only
   * from {@link LATE_ALERT_MS}. Later records leave it in force.
   */
  lateMs?: number;
}

/**
 * Lateness (ms) from which an alert counts as late (`Alert.lateMs`; the page flags it and its sensor card says the
 * sensor is falling behind): 1 s, five times the p95 alert latency bench/latency.js measures on a loaded 2-core
 * laptop (82–195 ms: arrival − burst start − minDurationMs), so a normal alert never reaches it.
 */
export const LATE_ALERT_MS = 1000;

/**
 * Identification of a transmission (src/ident/, docs/identification.md §4–5): the class, a 0..1 confidence, the rule that
 * decided, and the features a supervisor reads (Hz, ms, dB, ratios 0..1; absent for `unknown`). `final`: false for the
 * first identification (from the transmission's first 0.5 s), true for the one from its end.
 */
export interface AlertSignal {
  /**
   * The class QuietBand names: one of the nine when the rules' best class scored at least CLASS_FLOOR
   * (src/text-template.ts, 0.2), else `unknown` (docs/identification.md §5a). What it means has not changed: a consumer
   * that counts or routes on it never sees a class that low; the best class below the floor is `closestClass`.
   */
  class: 'carrier' | 'am' | 'nfm' | 'wfm' | 'ook' | 'fsk' | 'tdma-burst' | 'wideband-digital' | 'pulsed-wideband' | 'unknown';
  /**
   * With `class` `unknown` only: the rules' best class, below CLASS_FLOOR, a hint ("unknown (closest: NFM, 5 %)"); its
   * rule is `reason`. Absent when a class is named, or when nothing could be classified (too short, nothing above the
   * noise). Records written before it existed carry such a class as `class` itself.
   */
  closestClass?: Exclude<AlertSignal['class'], 'unknown'>;
  /** 0..1: the confidence of `class`, or of `closestClass` when one is given; 0 for an `unknown` without one. */
  confidence: number;
  reason: string;
  final?: boolean;
  bandwidthHz?: number;
  /** Edges of the identified 99 % band (Hz, absolute when the sensor's centre is known, as the alert's own). */
  lowHz?: number;
  highHz?: number;
  /** True when the emission was analysed as the whole band (wide, or a slice of a band-wide emission). */
  wholeBand?: boolean;
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
  /**
   * The complementary tone's frequency minus the keyed emission's (Hz, signed), when one was found (a 2-FSK whose other
   * tone the detection does not hold: docs/identification.md §4b); the evidence clip is cut to hold both
   * (docs/clip-decimation.md). Absent otherwise.
   */
  complementSpacingHz?: number;
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
  /**
   * Grouped transmissions (several sensors hear one emission): `class`, `confidence` and `reason` are the group's, from
   * its member with the highest in-band SNR among those with a class of at least LOW_CONFIDENCE (src/text-template.ts),
   * else from its member with the highest in-band SNR (docs/identification.md §11), while the features above stay this
   * sensor's own. Set on the rows of the other members: `groupFrom` names the member that decided (its sensor, and its
   * room when the site config gives one; `strongest` false
   * when a stronger member reads no confident class; absent in records written before it existed), `own` holds this
   * sensor's own reading (absent when it has none yet).
   */
  groupFrom?: { sensor: string; room?: string; alertId: string; snrDb: number; strongest?: boolean };
  /** `reason` as a code and its values, so a page words it in its reader's language (`reason` stays the English text). */
  reasonCode?: AlertMessageCode;
  own?: { class: AlertSignal['class']; closestClass?: AlertSignal['closestClass']; confidence: number; reason: string };
}

/**
 * A server-produced text (an alert's note, a sensor's health note) as a code plus its values, so the page can show it
 * in the reader's language (texts: src/server/message-text.ts, the `ident.*` ones from src/ident/reasons.ts):
 * - `offline.source` {sensor, source, reason}: the source stopped, with its reason in English words (records of older
 *   versions; the daemon now writes `offline.sourceError`);
 * - `offline.silentWorker` {sensor, source, ms}: the sensor worker has not reported for `ms` ms;
 * - `offline.noDataAfterOpen` {sensor, source, ms, detail?}: nothing `ms` ms after opening the source (`detail`: the
 *   source's last problem in its own words, e.g. a refused connection, shown as the detail line);
 * - `offline.noData` {sensor, source, ms, detail?}: no data for `ms` ms;
 * - `online.again` {}: the sensor delivers data again (closes a sensor-offline alert);
 * - `overload.on` {pct, ms}: `pct` % of samples at the ADC rails for over `ms` ms;
 * - `overload.off` {}: clipping stopped;
 * - `storage.failed` {code, error}: alert records cannot be written to the data dir;
 * - `storage.back` {}: every held record is stored;
 * - `restart.closed` {}: closed at daemon start (the previous run ended while it was open);
 * - `known.removed` {label}: the known emitter `label` that hid the alert was removed (an `unmark` record);
 * - `worker.exited` {code, ms}: the sensor worker exited and restarts in `ms` ms (sensor health);
 * - `site.stopped` {s}, `site.silent` {s}, `site.silentSinceStart` {s}: a hub's site-offline alert (last heartbeat
 *   `s` seconds ago; the site said it was stopping / nothing since the hub started); `site.back` {}: heartbeats again;
 * - `baseline.refused` {path, field, stored, live}, `baseline.stale` {name, ageH, limitH}, `baseline.staleUnknown`
 *   {name, limitH}: the baseline in use is not fit for a session (sensor health), followed by one of
 *   `baseline.advice` {command}, `baseline.adviceWindow` {command, session, from}, `baseline.adviceWindowNow`
 *   {command, session}: how to refresh it;
 * - `offline.sourceError` {sensor, source, cause, …the cause's params}: the sensor stopped delivering; `cause` is the
 *   id of its note (one of the `source.*` ids below, `worker.exited`, `sensor.*`), whose text fills the `{=cause}`
 *   placeholder;
 * - `source.notFound`, `source.busy`, `source.permission`, `source.disconnected`, `source.usb`, `source.notRtlTcp`,
 *   `source.io` {detail, ms}: the source failed (DEVICE_NOT_FOUND, DEVICE_BUSY, PERMISSION, DISCONNECTED, USB_TRANSFER,
 *   NOT_RTL_TCP, any other) and is reopened in `ms` ms; `source.ended` {ms}: it ended by itself (sensor health; detail:
 *   the English reason, with its advice); `source.stopped` {}: the source stopped with no reason given;
 * - `sensor.config`, `sensor.badInput`, `sensor.baselineMismatch`, `sensor.nativeUnavailable` {detail}: the sensor
 *   stopped for good on that error (not restarted); `sensor.failed` {detail}: it stopped on an error of another code
 *   (detail: the error's English words);
 * - `sensor.calibrating`, `sensor.calibratingHops` {seconds, reason}: a calibration window records a baseline (of
 *   every hop) (reason: English, not in Chinese);
 * - `hearing.deaf` {mhz, periodS, silentS} (one per silent emitter), then `hearing.advice` {}: a periodic calibration
 *   emitter is no longer heard (src/field/baseline-health.ts judgeHearing);
 * - `disk.*` {free, n, perDay, ownPerDay, floor, pictureFloor} (sizes as text, `14 GB`): the "recording to disk" line of
 *   {@link DiskStatus} (src/site/disk-watch.ts);
 * - `ident.*` ({@link SignalReasonId}, texts in src/ident/reasons.ts): the rule that decided a transmission's class
 *   (`AlertSignal.reasonCode`, values preformatted with their units: `12.5 kHz`, `17 %`, `1.00 ms`);
 * - `raise.*` ({@link SeverityRaiseId}, texts in src/alerts/severity-rank.ts): why an alert ranks above the others of
 *   its severity (`Alert.severityRaise.reasonCode`);
 * - `listen.*` ({@link ListenReasonId}): why a live listen was refused or stopped (`ListenStateMessage.reasonCode`).
 */
export interface AlertMessageCode {
  id:
    | 'offline.source' | 'offline.silentWorker' | 'offline.noDataAfterOpen' | 'offline.noData' | 'online.again' | 'overload.on' | 'overload.off'
    | 'storage.failed' | 'storage.back' | 'restart.closed' | 'known.removed' | 'worker.exited' | 'site.stopped' | 'site.silent' | 'site.silentSinceStart' | 'site.back'
    | 'baseline.refused' | 'baseline.stale' | 'baseline.staleUnknown' | 'baseline.advice' | 'baseline.adviceWindow' | 'baseline.adviceWindowNow'
    | 'offline.sourceError' | 'source.notFound' | 'source.busy' | 'source.permission' | 'source.disconnected' | 'source.usb' | 'source.notRtlTcp'
    | 'source.io' | 'source.ended' | 'source.stopped' | 'sensor.config' | 'sensor.badInput' | 'sensor.baselineMismatch' | 'sensor.nativeUnavailable' | 'sensor.failed'
    | 'sensor.calibrating' | 'sensor.calibratingHops' | 'hearing.deaf' | 'hearing.advice'
    | 'disk.measuring' | 'disk.notFilling' | 'disk.days' | 'disk.hours' | 'disk.minutes' | 'disk.picturesShed' | 'disk.belowFloor'
    | 'evidence.used' | 'evidence.fullInDays' | 'evidence.fullInHours' | 'evidence.fullInMinutes'
    | 'evidence.keptDays' | 'evidence.keptHours' | 'evidence.keptMinutes'
    | SignalReasonId | SeverityRaiseId | ListenReasonId;
  params?: Record<string, string | number>;
}

/** Codes of live-listen refusals and stops (src/server/listen.ts, src/site/listen-tap.ts; docs/listening.md §1). */
export type ListenReasonId =
  | 'listen.byListener' | 'listen.disconnected' | 'listen.daemonStopping' | 'listen.alertClosed' | 'listen.notListening'
  | 'listen.noOpenAlert' | 'listen.notIdentified' | 'listen.digital' | 'listen.hopping' | 'listen.limit'
  | 'listen.workerStopped' | 'listen.sensorLimit' | 'listen.outsideStream' | 'listen.threadMissing' | 'listen.threadFailed';


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
