// What the daemon tells the alert bus about a detection, and the inputs of the bus's two policy hooks (severity, known emitters).
import type { AlertKind, AlertSignal } from './alert.js';
import type { ClipLoss, DetectionEvent } from '../types.js';

/** Extra facts the daemon attaches to a detection (all optional). */
export interface DetectionContext {
  /** Wall-clock time (ms since the Unix epoch) of the source's sample 0: maps `startS`/`endS` to ISO times. */
  originMs?: number;
  /** Band plan label for the alert (e.g. "ISM 433"). */ bandLabel?: string;
  /** Exam session name when armed. */ session?: string;
  /** Evidence clip path (SigMF) relative to the data dir. */ clip?: string;
  /** Clips on, but this close comes without one: why. */ clipNotKept?: ClipLoss;
  /** The sensor's identification of the transmission (the record's `signal`). */ signal?: AlertSignal;
  /** Opens only: how far (ms) the sensor's pipeline trailed real time (≥ LATE_ALERT_MS; the record's `lateMs`). */ lateMs?: number;
  /** Opens only, with `lateMs`: the part of it the samples waited on the receiver's link (the record's `lateLinkMs`). */ lateLinkMs?: number;
}

/** Input of the `severityFor` hook of AlertBusOptions (src/alerts/alert-bus.ts). */
export interface SeverityContext {
  sensor: string;
  kind: AlertKind;
  /** Present for transmissions. */
  detection?: DetectionEvent;
  context?: DetectionContext;
}

/** Input of the `knownEmitterCheck` hook of AlertBusOptions (src/alerts/alert-bus.ts). */
export interface KnownEmitterContext {
  sensor: string;
  detection: DetectionEvent;
  context?: DetectionContext;
}

/**
 * Answer of the `knownEmitterCheck` hook: false/undefined = not known; true = known (no label); `{ label }` = known,
 * and every record of the alert carries `knownLabel: label` (which emitter it matched); `id`: that emitter's id, kept
 * on the open record (`knownEmitterId`) so that removing the emitter finds the alerts it hid.
 */
export type KnownEmitterVerdict = boolean | { label: string; id?: string } | undefined;
