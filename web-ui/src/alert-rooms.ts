// The ranked rooms and estimated position of a grouped transmission as the alert detail shows them (alert-detail.ts):
// the well-formed part of records from other processes, and the freshest ranking any member of the group carries.
import type { AlertView } from './alert-model.js';

/** A ranked room as the detail shows it ({@link cleanRooms}). */
export type ShownRoom = { room: string; sensor: string; excessDb: number; xM?: number; yM?: number };

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The well-formed entries of an alert's `rooms` (room and sensor strings, finite excess in dB; x/y kept only when both
 * are finite numbers). Records come from other processes (a site of another version via the hub, a hand-edited
 * store): a malformed field is left out instead of breaking the dialog. Not an array → [].
 */
export function cleanRooms(rooms: unknown): ShownRoom[] {
  if (!Array.isArray(rooms)) return [];
  const out: ShownRoom[] = [];
  for (const r of rooms as unknown[]) {
    if (typeof r !== 'object' || r === null) continue;
    const o = r as Record<string, unknown>;
    if (typeof o.room !== 'string' || typeof o.sensor !== 'string' || !finite(o.excessDb)) continue;
    const x: ShownRoom = { room: o.room, sensor: o.sensor, excessDb: o.excessDb };
    if (finite(o.xM) && finite(o.yM)) {
      x.xM = o.xM;
      x.yM = o.yM;
    }
    out.push(x);
  }
  return out;
}

/** An alert's `positionM` when both coordinates are finite numbers (m), else undefined. */
export function cleanPosition(p: unknown): { xM: number; yM: number } | undefined {
  if (typeof p !== 'object' || p === null) return undefined;
  const o = p as Record<string, unknown>;
  return finite(o.xM) && finite(o.yM) ? { xM: o.xM, yM: o.yM } : undefined;
}

/**
 * Every sensor known to have seen one grouped transmission, with its excess (dB): the ranked rooms' sensors (the
 * strongest of each room), plus the sensors of the other alerts sharing `groupId` (same site) — a second, weaker
 * sensor in an already ranked room is not in `rooms` but did see it — and the shown alert's own sensor.
 * The largest excess per sensor wins.
 */
export function heardSensors(v: Pick<AlertView, 'site' | 'sensor' | 'groupId' | 'peakExcessDb'>, rooms: readonly ShownRoom[], others: Iterable<Pick<AlertView, 'site' | 'sensor' | 'groupId' | 'peakExcessDb'>>): Map<string, number> {
  const out = new Map<string, number>();
  const put = (sensor: string, db: unknown): void => {
    if (typeof sensor !== 'string' || !finite(db)) return;
    const had = out.get(sensor);
    if (had === undefined || db > had) out.set(sensor, db);
  };
  for (const r of rooms) put(r.sensor, r.excessDb);
  if (typeof v.groupId === 'string') for (const o of others) if (o.groupId === v.groupId && o.site === v.site) put(o.sensor, o.peakExcessDb);
  put(v.sensor, v.peakExcessDb);
  return out;
}

type GroupMember = Pick<AlertView, 'alertId' | 'site' | 'groupId' | 'rooms' | 'positionM'>;

/**
 * The freshest ranking of `v`'s transmission group: among `v` and the alerts sharing its `groupId` (same site), the
 * well-formed `rooms` listing the most rooms, then with the largest total excess — a sensor's peak excess only grows
 * during its track and groups only grow, so that is the newest ranking. An alert that closed first keeps, in its own
 * records, the other sensors' excesses as they were then (records are re-sent on a ranking change, not on every dB
 * change). `positionM` comes from the same alert. Ties keep `v`'s own.
 */
export function freshestRooms(v: GroupMember, others: Iterable<GroupMember>): { rooms: ShownRoom[]; position: { xM: number; yM: number } | undefined } {
  let rooms = cleanRooms(v.rooms);
  let best: GroupMember = v;
  const score = (r: readonly ShownRoom[]): number => r.reduce((s, x) => s + x.excessDb, 0);
  if (typeof v.groupId === 'string') {
    for (const o of others) {
      if (o === v || o.alertId === v.alertId || o.groupId !== v.groupId || o.site !== v.site) continue;
      const r = cleanRooms(o.rooms);
      if (r.length > rooms.length || (r.length === rooms.length && r.length > 0 && score(r) > score(rooms))) {
        rooms = r;
        best = o;
      }
    }
  }
  return { rooms, position: cleanPosition(best.positionM) };
}
