// Grouping on alerts: one transmission heard by several located sensors (rooms). Each sensor keeps its own alert; their
// records carry the shared groupId, the ranked rooms and the position (the geometry is in ./localisation.ts).
import { signalReason } from '../ident/reasons.js';
import { LOW_CONFIDENCE } from '../text-template.js';
import type { DetectionEvent } from '../types.js';
import type { AlertSignal } from './alert.js';
import type { AlertDraft } from './alert-store.js';
import { TransmissionGrouper, type GroupingOptions, type RoomRank, type SensorLocation, type TransmissionGroup } from './localisation.js';

/** What grouping reads and writes on one transmission alert of the bus (a track of alert-lifecycle.ts). */
export interface GroupedAlert {
  sensor: string;
  /** The alert's id ('' until its first record is queued). */
  alertId: string;
  /** Wall-clock time (ms since epoch) of the stream's sample 0, when the daemon gave it. */
  originMs: number | undefined;
  /** ISO start of the transmission. */
  startTime: string;
  /** Key in the grouper (null when the sensor has no location or grouping is off). */
  memberKey: string | null;
  /** Signature of the group written in this alert's latest record ('' = none). */
  sentSig: string;
  /** True once the alert's close is stored. */
  closed: boolean;
}

/** What {@link AlertGrouping} asks of the alert lifecycle. */
export interface GroupingHooks<T> {
  /** Store an `update` of `t` with its latest values (its group changed), under the update throttle. */
  requestUpdate(t: T, nowMs: number): void;
  /** `t` left the grouper's memory (a closed one ended more than `retainMs` ago): drop what waits for it. */
  forgotten(t: T): void;
  /**
   * The sensor's own latest identification of `t` and the dB it is ranked by: the identification's in-band SNR
   * (`signal.snrDb`), or the detection's peak excess over the baseline when the identification has none. Undefined
   * before the sensor identified it.
   */
  identificationOf(t: T): { signal: AlertSignal; rankDb: number } | undefined;
}

/**
 * Groups the transmission alerts of located sensors ({@link TransmissionGrouper}) and puts the group on their records:
 * when a record of one alert of a group is written, {@link attach} sets its `groupId`, `rooms` and `positionM`, and
 * {@link propagate} asks for an update of every other alert of the group whose latest record shows another grouping
 * (also after its close, while the group is remembered). Without any located sensor it does nothing.
 */
export class AlertGrouping<T extends GroupedAlert> {
  /** Null when no sensor has a location (grouping off). */
  private readonly grouper: TransmissionGrouper | null;
  /** Alerts (open, and closed ones the grouper still remembers) by grouper key. */
  private readonly members = new Map<string, T>();
  private nextMember = 1;

  /**
   * @param locations sensor name → location (site config `sensors[].location`); none = grouping off.
   * @param grouping tolerances over DEFAULT_GROUPING (./localisation.ts).
   * @throws RangeError for a negative or non-finite tolerance.
   */
  constructor(
    locations: Readonly<Record<string, SensorLocation>>,
    grouping: Partial<GroupingOptions> | undefined,
    private readonly hooks: GroupingHooks<T>,
  ) {
    this.grouper = Object.keys(locations).length > 0 ? new TransmissionGrouper(locations, grouping) : null;
  }

  /** A new grouper key for an alert of `sensor`; null when that sensor has no location (or grouping is off). */
  memberKeyFor(sensor: string): string | null {
    return this.grouper?.locates(sensor) === true ? `m${this.nextMember++}` : null;
  }

  /** Tells the grouper the alert's latest band, excess and times (wall clock from the stream origin). */
  observe(track: T, ev: DetectionEvent, nowMs: number, closed: boolean): void {
    if (this.grouper === null || track.memberKey === null) return;
    let endMs: number | null = null;
    if (closed) endMs = ev.endS !== undefined && track.originMs !== undefined ? track.originMs + ev.endS * 1000 : nowMs;
    const startMs = Date.parse(track.startTime);
    // while open: as far as its sensor has heard it (its last hit on the sensor's sample clock), not the wall clock's
    // now: a sensor that falls behind would otherwise stretch it over later transmissions of other rooms
    const heardS = ev.endS ?? ev.startS;
    const heardUntilMs = endMs === null && track.originMs !== undefined ? Math.max(startMs, track.originMs + heardS * 1000) : undefined;
    this.grouper.observe({
      key: track.memberKey,
      sensor: track.sensor,
      centerHz: ev.centerHz,
      lowHz: ev.lowHz,
      highHz: ev.highHz,
      startMs,
      endMs: endMs === null ? null : Math.max(endMs, startMs),
      ...(heardUntilMs === undefined ? {} : { heardUntilMs }),
      excessDb: ev.peakExcessDb,
    });
  }

  /** The alert's first record was queued as `alertId`: it joins the members (groupId candidate). */
  join(track: T, alertId: string): void {
    if (this.grouper === null || track.memberKey === null) return;
    this.members.set(track.memberKey, track);
    this.grouper.setAlertId(track.memberKey, alertId);
  }

  /** Forgets a key observed for an alert whose first record could not be queued. */
  forget(memberKey: string | null): void {
    if (memberKey !== null) this.grouper?.forget(memberKey);
  }

  /** True while `track` is a member (a closed one: while the grouper remembers it). */
  remembers(track: T): boolean {
    return track.memberKey !== null && this.members.get(track.memberKey) === track;
  }

  /** Every member (open and closed). */
  allMembers(): IterableIterator<T> {
    return this.members.values();
  }

  /**
   * Sets groupId/rooms/positionM on a draft when the alert belongs to a transmission of ≥ 2 sensors, and the group's
   * identification ({@link groupSignal}) as its `signal`.
   */
  attach(draft: AlertDraft, track: T, nowMs: number): TransmissionGroup | undefined {
    if (this.grouper === null || track.memberKey === null) return undefined;
    const g = this.grouper.groupOf(track.memberKey, nowMs);
    if (g === undefined) return undefined;
    if (g.groupId !== undefined) draft.groupId = g.groupId;
    draft.rooms = g.rooms.map((r) => ({ ...r }));
    if (g.positionM !== undefined) draft.positionM = { ...g.positionM };
    const decider = this.decider(g);
    const signal = groupSignal(draft.signal, track, decider, g.rooms);
    if (signal !== undefined) draft.signal = signal;
    track.sentSig = this.signatureOf(g, decider);
    return g;
  }

  /** Asks for an update of every other alert of the group whose latest record shows another grouping or identification. */
  propagate(g: TransmissionGroup, self: T, nowMs: number): void {
    const sig = this.signatureOf(g, this.decider(g));
    for (const k of g.keys) {
      if (k === self.memberKey) continue;
      const t = this.members.get(k);
      if (t === undefined || t.sentSig === sig) continue;
      this.hooks.requestUpdate(t, nowMs);
    }
  }

  /**
   * The member whose identification the group shows: the member with the highest rank dB
   * ({@link GroupingHooks.identificationOf}) among those whose class is not `unknown` and whose confidence is at least
   * {@link LOW_CONFIDENCE} (a class below it is a guess: its badge shows "?"); when no member has such a class, the
   * member with the highest rank dB, whatever it reads. Ties go to the earliest member. `strongest` is the identified
   * member with the highest rank dB (the decider itself, or a stronger one without a confident class).
   */
  private decider(g: TransmissionGroup): Decider<T> | undefined {
    let best: Decider<T> | undefined;
    let bestConfident = false;
    let strongest: Decider<T>['strongest'] | undefined;
    for (const k of g.keys) {
      const t = this.members.get(k);
      if (t === undefined) continue;
      const id = this.hooks.identificationOf(t);
      if (id === undefined) continue;
      const confident = id.signal.class !== 'unknown' && id.signal.confidence >= LOW_CONFIDENCE;
      if (best === undefined || (confident && !bestConfident) || (confident === bestConfident && id.rankDb > best.rankDb)) {
        best = { track: t, signal: id.signal, rankDb: id.rankDb, strongest: undefined };
        bestConfident = confident;
      }
      if (strongest === undefined || id.rankDb > strongest.rankDb) strongest = { track: t, signal: id.signal, rankDb: id.rankDb };
    }
    if (best !== undefined && strongest !== undefined && strongest.track !== best.track && strongest.rankDb > best.rankDb) best.strongest = strongest;
    return best;
  }

  /**
   * What a member's latest record must match: the grouping, the decider's identity, class and confidence, and those of a
   * stronger member without a confident class (the reason names it).
   */
  private signatureOf(g: TransmissionGroup, d: Decider<T> | undefined): string {
    if (d === undefined) return g.signature;
    const s = d.strongest;
    const stronger = s === undefined ? '' : `|${s.track.alertId}:${s.signal.class}:${s.signal.confidence}:${s.rankDb.toFixed(1)}`;
    return `${g.signature}|${d.track.alertId}:${d.signal.class}:${d.signal.confidence}${stronger}`;
  }

  /** Forgets closed alerts the grouper no longer remembers (ended more than `retainMs` ago). */
  prune(nowMs: number): void {
    if (this.grouper === null) return;
    this.grouper.prune(nowMs);
    for (const [k, t] of this.members) {
      if (this.grouper.has(k)) continue;
      this.members.delete(k);
      this.hooks.forgotten(t);
    }
  }
}

/**
 * The member of a group whose identification the group shows, and the dB it is ranked by; `strongest` the member heard
 * stronger (higher rank dB) whose class is `unknown` or below {@link LOW_CONFIDENCE}, when there is one (undefined when
 * the decider is the group's strongest identified member).
 */
export interface Decider<T> {
  track: T;
  signal: AlertSignal;
  rankDb: number;
  strongest?: { track: T; signal: AlertSignal; rankDb: number };
}

/**
 * The `signal` of a grouped alert's record (docs/identification.md §11): its own when it is the decider (or nobody is
 * identified); otherwise its own features with the decider's class, confidence and reason, `groupFrom` naming the
 * decider and `own` keeping this sensor's own reading. Undefined when the record keeps `own` as it is. The reason names
 * each member by its room (site config `sensors[].location.room`, from the group's `rooms`) with the sensor in brackets,
 * "Hall A (sens-a)"; a sensor missing from `rooms` by its name alone.
 */
export function groupSignal(own: AlertSignal | undefined, self: GroupedAlert, decider: Decider<GroupedAlert> | undefined, rooms: readonly RoomRank[] = []): AlertSignal | undefined {
  if (decider === undefined || decider.track === self) return undefined;
  const d = decider.signal;
  const out: AlertSignal = own !== undefined ? { ...own } : { class: d.class, confidence: d.confidence, reason: d.reason };
  if (own === undefined && d.final !== undefined) out.final = d.final;
  out.class = d.class;
  out.confidence = d.confidence;
  // the decider's hint goes with its class (unknown below the class floor), never this sensor's own
  if (d.closestClass !== undefined) out.closestClass = d.closestClass;
  else delete out.closestClass;
  // this sensor's band judges the group's class (its own reading's verdict would contradict the class shown)
  if (Array.isArray(out.expected)) out.unexpected = out.class !== 'unknown' && !out.expected.includes(out.class);
  // the wording says which rule chose the decider: the group's strongest, or the strongest with a confident class
  // (naming the stronger member and what it reads)
  const s = decider.strongest;
  // a supervisor knows rooms, an engineer sensors: the room first, the sensor after it
  const roomOf = (sensor: string): string | undefined => rooms.find((r) => r.sensor === sensor)?.room;
  const named = (sensor: string): string => {
    const room = roomOf(sensor);
    return room === undefined ? sensor : `${room} (${sensor})`;
  };
  const by: Record<string, string> = { groupSensor: named(decider.track.sensor), groupSnr: decider.rankDb.toFixed(1) };
  if (s !== undefined) {
    Object.assign(by, {
      minConfidence: `${Math.round(100 * LOW_CONFIDENCE)} %`,
      strongSensor: named(s.track.sensor),
      strongSnr: s.rankDb.toFixed(1),
      // a stronger member below the class floor reads unknown; its closest class said with it, as a hint
      strongClass: s.signal.closestClass !== undefined ? `${s.signal.class}, closest ${s.signal.closestClass}` : s.signal.class,
      strongConfidence: `${Math.round(100 * s.signal.confidence)} %`,
    });
  }
  const id = s === undefined ? 'ident.group' : 'ident.groupConfident';
  if (d.reasonCode !== undefined) {
    // the group's reason nests the decider's code as {=inner}, one level deep: a decider's code that nests one itself
    // (ident.firstStands: its first identification stood) is given by the code it nests
    const params = d.reasonCode.params ?? {};
    const inner = typeof params.inner === 'string' && params.inner.startsWith('ident.') ? params.inner : d.reasonCode.id;
    Object.assign(out, signalReason(id, { ...params, ...by, inner }));
  }
  else {
    out.reason = signalReason(id, { ...by, inner: d.reason }).reason.replace('{=inner}', () => d.reason);
    delete out.reasonCode;
  }
  const deciderRoom = roomOf(decider.track.sensor);
  out.groupFrom = { sensor: decider.track.sensor, ...(deciderRoom === undefined ? {} : { room: deciderRoom }), alertId: decider.track.alertId, snrDb: Math.round(decider.rankDb * 10) / 10, strongest: s === undefined };
  if (own !== undefined) out.own = { class: own.class, ...(own.closestClass !== undefined ? { closestClass: own.closestClass } : {}), confidence: own.confidence, reason: own.reason };
  return out;
}
