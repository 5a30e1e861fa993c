// What the hub accepts as a site's alert record (`<prefix>/<site>/alert`): a zod schema of src/alerts/alert.ts `Alert`
// with bounded strings and arrays and finite numbers, checked against the type at compile time (docs/hub.md §1).
import { z } from 'zod';
import type { Alert, AlertKind, AlertSeverity, AlertState, AlertSignal } from '../alerts/alert.js';
import type { SignalClass } from '../ident/signal-summary.js';

/** Most bytes of one alert payload the hub parses (a record with a full `signal` and 16 rooms is ≈ 4 KB). */
export const MAX_ALERT_PAYLOAD_BYTES = 64 * 1024;

/** Identifiers (site, sensor, alertId, ids of codes): 1–200 characters, no control characters, no `<>"'&`. */
const id = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f<>"'&]*$/, 'an identifier without control characters or <>"\'&');
/** Free text (messages, reasons, labels, session names): at most 2000 characters, no control characters but tab/newline. */
const text = z.string().max(2000).regex(/^[^\u0000-\u0008\u000b-\u001f\u007f]*$/, 'text without control characters');
/** ISO 8601 time as the sites write it (`Date.toISOString()`), at most 40 characters. */
const isoTime = z.string().max(40).refine((s) => /^\d{4}-\d\d-\d\dT/.test(s) && Number.isFinite(Date.parse(s)), 'an ISO 8601 time');
/** A message/reason code id (`offline.noData`, `ident.narrowFm`): dotted words, at most 64 characters. */
const codeId = z.string().max(64).regex(/^[a-zA-Z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)+$/, 'a dotted code id');
/** Values of a code: at most 32, each a finite number or text. */
const codeParams = z.record(z.string().max(64), z.union([text, z.number()], { error: 'text or a finite number' })).refine((p) => Object.keys(p).length <= 32, 'at most 32 params');

const signalClass = z.enum(['carrier', 'am', 'nfm', 'wfm', 'ook', 'fsk', 'tdma-burst', 'wideband-digital', 'pulsed-wideband', 'unknown']);
const severity = z.enum(['high', 'low', 'info']);

/** `SignalSummary` fields (src/ident/signal-summary.ts); numbers finite (zod 4 `z.number()` refuses ±Infinity and NaN). */
const signalSummaryShape = {
  class: signalClass,
  closestClass: signalClass.exclude(['unknown']).optional(),
  confidence: z.number().min(0).max(1),
  reason: text,
  reasonCode: z.object({ id: codeId, params: codeParams.optional() }).optional(),
  bandwidthHz: z.number().optional(),
  lowHz: z.number().optional(),
  highHz: z.number().optional(),
  wholeBand: z.boolean().optional(),
  deviationHz: z.number().optional(),
  snrDb: z.number().optional(),
  dutyCycle: z.number().optional(),
  bursts: z.number().optional(),
  burstMedianMs: z.number().optional(),
  periodMedianMs: z.number().optional(),
  envelopeKurtosis: z.number().optional(),
  modulationIndex: z.number().optional(),
  carrierFraction: z.number().optional(),
  tones: z.number().optional(),
  toneSpacingHz: z.number().optional(),
  complementSpacingHz: z.number().optional(),
  symbolRateBd: z.number().optional(),
  centerDriftHz: z.number().optional(),
  gapSnrDb: z.number().optional(),
  band: text.max(200).optional(),
  expected: z.array(signalClass).max(16).optional(),
  unexpected: z.boolean().optional(),
  speechPresent: z.boolean().optional(),
  voice: text.optional(),
};

const signalSchema = z.object({
  ...signalSummaryShape,
  final: z.boolean().optional(),
  groupFrom: z.object({ sensor: id, room: text.max(200).optional(), alertId: id, snrDb: z.number(), strongest: z.boolean().optional() }).optional(),
  own: z.object({ class: signalSummaryShape.class, closestClass: signalSummaryShape.closestClass, confidence: signalSummaryShape.confidence, reason: text }).optional(),
});

const detectionSchema = z.object({
  kind: z.enum(['open', 'update', 'close']),
  id: z.number(),
  centerHz: z.number(),
  bandwidthHz: z.number(),
  lowHz: z.number(),
  highHz: z.number(),
  peakExcessDb: z.number(),
  peakPowerDbfs: z.number(),
  startS: z.number(),
  endS: z.number().optional(),
  paths: z.array(z.enum(['fast', 'slow', 'long'])).max(3),
  overload: z.boolean(),
  tuneId: z.number(),
  packets: z.number(),
});

const calibrationSchema = z.object({
  emitter: z.object({
    centerHz: z.number(), lowHz: z.number(), highHz: z.number(), bandwidthHz: z.number(), peakPowerDbfs: z.number(), peakExcessDb: z.number(),
    dutyCycle: z.number(), bursts: z.number(), periodS: z.number().nullable(), maxBurstS: z.number(), meanBurstS: z.number().optional(),
    continuous: z.boolean(),
  }),
  baselineCreatedAt: isoTime,
  baselineMethod: text.max(40),
  baselineDurationS: z.number(),
  hopCenterHz: z.number().optional(),
});

/**
 * A site's alert record as the hub accepts it: every field of `Alert` with its type; strings bounded (identifiers 200,
 * text 2000 characters), arrays bounded (`rooms` 64, `signal.expected` 16), numbers finite; code ids (`messageCode.id`,
 * `signal.reasonCode.id`, `severityRaise.reasonCode.id`) checked as dotted words rather than against the current list,
 * so records of older and newer sites pass. Unknown fields (at any depth) are dropped, not refused: a newer site's extra
 * field must not cost its alerts, and nothing the hub does not know reaches its store or the browsers.
 */
export const siteAlertSchema = z.object({
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  alertId: id,
  site: id,
  sensor: z.string().max(200).regex(/^[^\u0000-\u001f\u007f<>"'&]*$/, 'a sensor name without control characters or <>"\'&'),
  kind: z.enum(['transmission', 'sensor-offline', 'overload', 'site-offline', 'storage-failed', 'present-during-calibration']),
  event: z.enum(['open', 'update', 'close', 'ack', 'known', 'escalate', 'unmark']),
  state: z.enum(['new', 'acknowledged', 'known']),
  severity,
  time: isoTime,
  centerHz: z.number().optional(),
  bandwidthHz: z.number().optional(),
  peakExcessDb: z.number().optional(),
  peakPowerDbfs: z.number().optional(),
  startTime: isoTime.optional(),
  endTime: isoTime.optional(),
  bandLabel: text.max(200).optional(),
  session: text.max(200).optional(),
  knownLabel: text.max(200).optional(),
  knownEmitterId: id.optional(),
  severityUnlessKnown: severity.optional(),
  message: text.optional(),
  messageCode: z.object({ id: codeId, params: codeParams.optional() }).optional(),
  ackBy: text.max(200).optional(),
  clip: text.max(500).optional(),
  clipNotKept: z.enum(['late', 'writer-behind', 'disk-floor', 'iq-gone', 'write-error', 'stream-end']).optional(),
  detection: detectionSchema.optional(),
  groupId: id.optional(),
  rooms: z.array(z.object({ room: text.max(200), sensor: id, excessDb: z.number(), xM: z.number().optional(), yM: z.number().optional() })).max(64).optional(),
  positionM: z.object({ xM: z.number(), yM: z.number() }).optional(),
  calibration: calibrationSchema.optional(),
  signal: signalSchema.optional(),
  severityRaise: z.object({ reason: text, reasonCode: z.object({ id: codeId, params: z.record(z.string().max(64), text).refine((p) => Object.keys(p).length <= 32, 'at most 32 params') }) }).optional(),
  lateMs: z.number().optional(),
  lateLinkMs: z.number().optional(),
});

// --- one source of truth: the schema and src/alerts/alert.ts must name the same fields and the same enum values ---
type Parsed = z.output<typeof siteAlertSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Keys of `T` that may be absent. */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
/** Same field names, and the same ones optional. */
type SameFields<A, B> = Same<keyof A, keyof B> extends true ? Same<OptionalKeys<A>, OptionalKeys<B>> : false;
type P<K extends keyof Parsed> = NonNullable<Parsed[K]>;
type A<K extends keyof Alert> = NonNullable<Alert[K]>;
/**
 * Compile-time check (each entry must be `true`): a field added to (or removed from) `Alert`, `AlertSignal` or the
 * objects inside them without the same change here, or an enum value added to one side only, fails `tsc`.
 */
const SCHEMA_MATCHES_TYPES: [
  SameFields<Alert, Parsed>,
  SameFields<AlertSignal, P<'signal'>>,
  SameFields<A<'signal'>['groupFrom'] & object, P<'signal'>['groupFrom'] & object>,
  SameFields<A<'signal'>['own'] & object, P<'signal'>['own'] & object>,
  SameFields<A<'signal'>['reasonCode'] & object, P<'signal'>['reasonCode'] & object>,
  SameFields<A<'detection'>, P<'detection'>>,
  SameFields<A<'calibration'>, P<'calibration'>>,
  SameFields<A<'calibration'>['emitter'], P<'calibration'>['emitter']>,
  SameFields<A<'rooms'>[number], P<'rooms'>[number]>,
  SameFields<A<'positionM'>, P<'positionM'>>,
  SameFields<A<'messageCode'>, P<'messageCode'>>,
  SameFields<A<'severityRaise'>, P<'severityRaise'>>,
  Same<AlertKind, Parsed['kind']>,
  Same<Alert['event'], Parsed['event']>,
  Same<AlertState, Parsed['state']>,
  Same<AlertSeverity, Parsed['severity']>,
  Same<SignalClass, P<'signal'>['class']>,
  Same<A<'clipNotKept'>, P<'clipNotKept'>>,
  Same<A<'detection'>['paths'][number], P<'detection'>['paths'][number]>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
void SCHEMA_MATCHES_TYPES;

/** A refused payload: the field path (`signal.confidence`, `rooms.0.room`, `(payload)` for the whole) and what was expected. */
export interface AlertRefusal {
  path: string;
  expected: string;
}

/**
 * Checks one alert payload (the MQTT message's bytes) of a site. Returns the record (unknown fields dropped; the
 * id-typed code fields are the site's words and pass as the `Alert` type's ids) or why it was refused (the first issue).
 */
export function parseSiteAlert(payload: Buffer): { alert: Alert } | { refused: AlertRefusal } {
  if (payload.length > MAX_ALERT_PAYLOAD_BYTES) return { refused: { path: '(payload)', expected: `at most ${MAX_ALERT_PAYLOAD_BYTES} bytes (got ${payload.length})` } };
  let msg: unknown;
  try {
    msg = JSON.parse(payload.toString('utf8'));
  } catch {
    return { refused: { path: '(payload)', expected: 'JSON' } };
  }
  const r = siteAlertSchema.safeParse(msg);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    return { refused: { path: issue.path.length > 0 ? issue.path.join('.') : '(payload)', expected: issue.message } };
  }
  // code ids are checked as dotted words (not the current id list) so older/newer sites' codes pass
  return { alert: r.data as Alert };
}
