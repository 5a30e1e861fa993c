// Which room: groups the detections of one transmission seen by several sensors, ranks their rooms by excess over each sensor's own baseline, and gives a weighted-centroid position.

/** Where a sensor is (site config `sensors[].location`): its room, optionally its x/y (m) on the site plan. */
export interface SensorLocation {
  room: string;
  xM?: number;
  yM?: number;
}

/** A point on the site plan (m). */
export interface PositionM {
  xM: number;
  yM: number;
}

/**
 * One sensor's detection (a track, i.e. one alert) as the localiser sees it. Times are wall clock (ms since the Unix
 * epoch): the daemon maps the detector's `startS`/`endS` with the stream's origin, so sensors started at different
 * moments compare correctly.
 */
export interface LocatedDetection {
  /** Unique per track/alert (the bus uses one key per alert). */
  key: string;
  sensor: string;
  location: SensorLocation;
  /** Centre and occupied band (Hz, absolute). */
  centerHz: number;
  lowHz: number;
  highHz: number;
  /** Start (ms since epoch) and end (ms since epoch; null while the track is open, i.e. still on air). */
  startMs: number;
  endMs: number | null;
  /**
   * While open: the latest time (ms since epoch, from the sensor's sample clock) its sensor has heard it, i.e. its last
   * hit. A sensor that falls behind real time has heard only that far, so an open detection spans until then (plus
   * the slack), not until the wall clock's now. Absent: until now.
   */
  heardUntilMs?: number;
  /** Largest excess over this sensor's own baseline (dB): DetectionEvent.peakExcessDb. */
  excessDb: number;
}

/** One ranked room: the strongest sensor of that room and its excess (dB); x/y when the sensor has them. */
export interface RoomRank {
  room: string;
  sensor: string;
  excessDb: number;
  xM?: number;
  yM?: number;
}

/**
 * Result of {@link localise}: rooms strongest (nearest) first, and the weighted centroid when sensors at ≥ 2 distinct
 * x/y positions saw the transmission (sensors that share one spot give no position: their centroid is that spot
 * whatever the levels).
 */
export interface Localisation {
  rooms: RoomRank[];
  positionM?: PositionM;
}

/** Tolerances of {@link sameTransmission} and the grouper's memory. */
export interface GroupingOptions {
  /**
   * Two detections are on the same frequency when their occupied bands [lowHz, highHz] overlap, or when their centres
   * are within this (Hz): covers narrow bands measured slightly apart (tuner ppm, bin quantisation). Default 10 kHz.
   */
  centerToleranceHz: number;
  /**
   * Slack (ms) added on both sides of each detection's time span before testing overlap: covers the different
   * latencies of the sensors' streams (USB buffering, worker start skew of sim sensors). Default 500 ms.
   */
  timeSlackMs: number;
  /** A closed detection is remembered this long (ms) after its end, so a late report of another sensor still joins it. Default 30 s. */
  retainMs: number;
  /** Most detections remembered; beyond it the oldest closed ones are forgotten first. Default 2000. */
  maxDetections: number;
  /**
   * Exponent γ of the centroid weights w = (10^(excessDb/10))^γ. Default 1: linear received power (the brief's
   * choice). Under log-distance path loss P ∝ d^−n, γ = 1/n gives Blumenthal et al.'s w = 1/d (degree g = 1).
   */
  weightExponent: number;
}

/** Defaults of {@link GroupingOptions}. */
export const DEFAULT_GROUPING: Readonly<GroupingOptions> = Object.freeze({
  centerToleranceHz: 10_000,
  timeSlackMs: 500,
  retainMs: 30_000,
  maxDetections: 2000,
  weightExponent: 1,
});

/**
 * True when two detections are one transmission: (frequency) their bands overlap or their centres are within
 * `centerToleranceHz`, and (time) their spans widened by `timeSlackMs` on each side overlap; an open detection
 * (`endMs` null) spans until the last time its sensor heard it (`heardUntilMs`), or until `nowMs` without one.
 */
export function sameTransmission(
  a: Pick<LocatedDetection, 'centerHz' | 'lowHz' | 'highHz' | 'startMs' | 'endMs' | 'heardUntilMs'>,
  b: Pick<LocatedDetection, 'centerHz' | 'lowHz' | 'highHz' | 'startMs' | 'endMs' | 'heardUntilMs'>,
  nowMs: number,
  opts: Pick<GroupingOptions, 'centerToleranceHz' | 'timeSlackMs'> = DEFAULT_GROUPING,
): boolean {
  const bandsOverlap = a.lowHz <= b.highHz && b.lowHz <= a.highHz;
  if (!bandsOverlap && Math.abs(a.centerHz - b.centerHz) > opts.centerToleranceHz) return false;
  const aEnd = a.endMs ?? Math.max(a.heardUntilMs ?? nowMs, a.startMs);
  const bEnd = b.endMs ?? Math.max(b.heardUntilMs ?? nowMs, b.startMs);
  const s = opts.timeSlackMs;
  return a.startMs - s <= bEnd + s && b.startMs - s <= aEnd + s;
}

/** Per sensor, the strongest of its detections (a sensor may report one transmission as several tracks). */
function strongestPerSensor<T extends Pick<LocatedDetection, 'sensor' | 'excessDb'>>(members: readonly T[]): T[] {
  const best = new Map<string, T>();
  for (const m of members) {
    const b = best.get(m.sensor);
    if (b === undefined || m.excessDb > b.excessDb) best.set(m.sensor, m);
  }
  return [...best.values()];
}

/**
 * Ranks rooms by received power relative to each sensor's own baseline: per sensor its largest excess (dB), sorted
 * descending (ties by sensor name), and each room listed once, with its strongest sensor (the nearest, under a
 * monotonic path loss). Sensors' baselines absorb their own noise figure and gain, so excesses compare sensors with
 * different front ends; equal transmit power is implied (one transmission).
 * @returns rooms strongest first; x/y copied from the sensor's location when both are given.
 */
export function rankRooms(members: readonly Pick<LocatedDetection, 'sensor' | 'location' | 'excessDb'>[]): RoomRank[] {
  const per = strongestPerSensor(members).sort((a, b) => b.excessDb - a.excessDb || (a.sensor < b.sensor ? -1 : a.sensor > b.sensor ? 1 : 0));
  const out: RoomRank[] = [];
  const seen = new Set<string>();
  for (const m of per) {
    if (seen.has(m.location.room)) continue;
    seen.add(m.location.room);
    const r: RoomRank = { room: m.location.room, sensor: m.sensor, excessDb: m.excessDb };
    if (m.location.xM !== undefined && m.location.yM !== undefined) {
      r.xM = m.location.xM;
      r.yM = m.location.yM;
    }
    out.push(r);
  }
  return out;
}

/**
 * Weighted centroid localisation: P = Σ wᵢ·Bᵢ / Σ wᵢ over the sensors' positions Bᵢ, with wᵢ = (10^(excessᵢ/10))^γ,
 * i.e. linear received power over the sensor's baseline for γ = 1. Formula: J. Blumenthal, R. Grossmann,
 * F. Golatowski, D. Timmermann, "Weighted Centroid Localization in Zigbee-based Sensor Networks", IEEE WISP 2007
 * (there wᵢ = 1/dᵢ^g; received power stands in for the unknown distance). The estimate always lies inside the convex
 * hull of the sensors, pulled towards the strongest. Weights are computed relative to the strongest point (no overflow).
 * @param points sensors with x/y (m) and excess (dB).
 * @returns undefined with fewer than 2 points.
 */
export function weightedCentroid(points: readonly { xM: number; yM: number; excessDb: number }[], weightExponent = 1): PositionM | undefined {
  if (points.length < 2) return undefined;
  let maxDb = -Infinity;
  for (const p of points) if (p.excessDb > maxDb) maxDb = p.excessDb;
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    const w = Math.pow(10, (weightExponent * (p.excessDb - maxDb)) / 10);
    sw += w;
    sx += w * p.xM;
    sy += w * p.yM;
  }
  return { xM: sx / sw, yM: sy / sw };
}

/**
 * Localises one group of detections (one transmission): {@link rankRooms}, and {@link weightedCentroid} over the
 * strongest detection of every sensor that has x/y, when those sensors stand at ≥ 2 distinct positions (sensors
 * configured at one spot, e.g. copied coordinates, would otherwise yield that spot as a confident-looking estimate).
 */
export function localise(
  members: readonly Pick<LocatedDetection, 'sensor' | 'location' | 'excessDb'>[],
  opts: Pick<GroupingOptions, 'weightExponent'> = DEFAULT_GROUPING,
): Localisation {
  const rooms = rankRooms(members);
  const pts: { xM: number; yM: number; excessDb: number }[] = [];
  for (const m of strongestPerSensor(members)) {
    if (m.location.xM !== undefined && m.location.yM !== undefined) pts.push({ xM: m.location.xM, yM: m.location.yM, excessDb: m.excessDb });
  }
  const out: Localisation = { rooms };
  const distinct = pts.some((q) => q.xM !== pts[0]!.xM || q.yM !== pts[0]!.yM);
  const p = distinct ? weightedCentroid(pts, opts.weightExponent) : undefined;
  if (p !== undefined) out.positionM = p;
  return out;
}

/**
 * Splits detections into transmissions: the connected components of {@link sameTransmission} (single linkage: a
 * detection joins a group when it matches any member). Components keep input order, and so does each member list.
 */
export function groupDetections<T extends LocatedDetection>(dets: readonly T[], nowMs: number, opts: Pick<GroupingOptions, 'centerToleranceHz' | 'timeSlackMs'> = DEFAULT_GROUPING): T[][] {
  const n = dets.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (find(i) === find(j)) continue;
      if (sameTransmission(dets[i]!, dets[j]!, nowMs, opts)) {
        const ri = find(i);
        const rj = find(j);
        if (ri < rj) parent[rj] = ri;
        else parent[ri] = rj;
      }
    }
  }
  const byRoot = new Map<number, T[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let g = byRoot.get(r);
    if (g === undefined) byRoot.set(r, (g = []));
    g.push(dets[i]!);
  }
  return [...byRoot.values()];
}

/** A transmission seen by at least two sensors, as {@link TransmissionGrouper.groupOf} reports it. */
export interface TransmissionGroup extends Localisation {
  /** The alertId of the earliest-observed member that has one (stable while the group grows; may change when two groups merge). */
  groupId: string | undefined;
  /** Keys of every member, observation order. */
  keys: string[];
  /** Changes when the membership of sensors, their ranking or the groupId changes (not on dB changes alone). */
  signature: string;
}

interface Member extends LocatedDetection {
  order: number;
  alertId?: string;
}

/**
 * The stateful side of localisation (no timers, no I/O: the caller passes the clock). Remembers the detections of
 * located sensors — open ones until they close, closed ones for `retainMs` — and answers, for one detection, the
 * transmission it belongs to when at least two different sensors saw it. Cost per query: O(n²) over the detections
 * remembered (tens on a site).
 */
export class TransmissionGrouper {
  readonly options: GroupingOptions;
  private readonly locations: ReadonlyMap<string, SensorLocation>;
  private readonly members = new Map<string, Member>();
  private nextOrder = 0;

  /**
   * @param locations sensor name → location; detections of sensors not listed are ignored.
   * @throws RangeError for a negative or non-finite tolerance.
   */
  constructor(locations: Readonly<Record<string, SensorLocation>>, opts: Partial<GroupingOptions> = {}) {
    this.options = { ...DEFAULT_GROUPING, ...opts };
    for (const k of ['centerToleranceHz', 'timeSlackMs', 'retainMs', 'maxDetections', 'weightExponent'] as const) {
      const v = this.options[k];
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`grouping.${k}: expected a finite number ≥ 0, got ${v}`);
    }
    this.locations = new Map(Object.entries(locations));
  }

  /** True when the sensor has a location (its detections take part). */
  locates(sensor: string): boolean {
    return this.locations.has(sensor);
  }

  /** Number of detections remembered. */
  get size(): number {
    return this.members.size;
  }

  /**
   * Adds or updates the detection `d.key` (a sensor without a location is ignored). Band, excess and end are
   * replaced by the latest values; the observation order stays that of the first call.
   */
  observe(d: Omit<LocatedDetection, 'location'>): void {
    const location = this.locations.get(d.sensor);
    if (location === undefined) return;
    const m = this.members.get(d.key);
    if (m === undefined) {
      this.members.set(d.key, { ...d, location, order: this.nextOrder++ });
      if (this.members.size > this.options.maxDetections) this.evictOldest();
      return;
    }
    m.centerHz = d.centerHz;
    m.lowHz = d.lowHz;
    m.highHz = d.highHz;
    m.startMs = d.startMs;
    m.endMs = d.endMs;
    if (d.heardUntilMs === undefined) delete m.heardUntilMs;
    else m.heardUntilMs = d.heardUntilMs;
    m.excessDb = d.excessDb;
  }

  /** True while the detection `key` is remembered. */
  has(key: string): boolean {
    return this.members.has(key);
  }

  /** Records the alertId of a detection (groupId candidates). */
  setAlertId(key: string, alertId: string): void {
    const m = this.members.get(key);
    if (m !== undefined) m.alertId = alertId;
  }

  /** The alertId recorded for a key. */
  alertIdOf(key: string): string | undefined {
    return this.members.get(key)?.alertId;
  }

  /**
   * The transmission `key` belongs to, when at least two different sensors saw it; undefined otherwise (or for an
   * unknown key).
   */
  groupOf(key: string, nowMs: number): TransmissionGroup | undefined {
    const self = this.members.get(key);
    if (self === undefined) return undefined;
    const all = [...this.members.values()];
    const comps = groupDetections(all, nowMs, this.options);
    const comp = comps.find((c) => c.includes(self))!;
    const sensors = new Set(comp.map((m) => m.sensor));
    if (sensors.size < 2) return undefined;
    comp.sort((a, b) => a.order - b.order);
    const loc = localise(comp, this.options);
    const groupId = comp.find((m) => m.alertId !== undefined)?.alertId;
    return {
      ...loc,
      groupId,
      keys: comp.map((m) => m.key),
      signature: `${groupId ?? ''}|${loc.rooms.map((r) => r.sensor).join('>')}|${[...sensors].sort().join(',')}`,
    };
  }

  /** Forgets closed detections that ended more than `retainMs` ago; returns their keys. */
  prune(nowMs: number): string[] {
    const out: string[] = [];
    for (const [k, m] of this.members) {
      if (m.endMs !== null && nowMs - m.endMs > this.options.retainMs) {
        this.members.delete(k);
        out.push(k);
      }
    }
    return out;
  }

  /** Forgets one detection (e.g. its alert could not be stored). */
  forget(key: string): void {
    this.members.delete(key);
  }

  private evictOldest(): void {
    let oldest: Member | undefined;
    for (const m of this.members.values()) if (m.endMs !== null && (oldest === undefined || m.order < oldest.order)) oldest = m;
    if (oldest === undefined) for (const m of this.members.values()) if (oldest === undefined || m.order < oldest.order) oldest = m;
    if (oldest !== undefined) this.members.delete(oldest.key);
  }
}
