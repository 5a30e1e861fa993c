// Room localisation (src/alerts/localisation.ts): same-transmission rule, room ranking, weighted centroid, grouper memory.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GROUPING,
  groupDetections,
  localise,
  rankRooms,
  sameTransmission,
  TransmissionGrouper,
  weightedCentroid,
  type LocatedDetection,
} from '../../src/alerts/localisation.js';

const F = 433_920_000;
const T0 = 1_700_000_000_000;

function det(key: string, sensor: string, room: string, excessDb: number, o: Partial<LocatedDetection> = {}): LocatedDetection {
  return { key, sensor, location: { room }, centerHz: F, lowHz: F - 1000, highHz: F + 1000, startMs: T0, endMs: T0 + 500, excessDb, ...o };
}

describe('sameTransmission', () => {
  it('needs overlapping bands or centres within the tolerance, and overlapping times within the slack', () => {
    const a = det('a', 's1', 'A', 20);
    // overlapping bands
    expect(sameTransmission(a, det('b', 's2', 'B', 10, { centerHz: F + 1500, lowHz: F + 900, highHz: F + 2100 }), T0)).toBe(true);
    // disjoint bands, centres 9 kHz apart (≤ 10 kHz default) → same; 11 kHz → not
    expect(sameTransmission(a, det('b', 's2', 'B', 10, { centerHz: F + 9000, lowHz: F + 8500, highHz: F + 9500 }), T0)).toBe(true);
    expect(sameTransmission(a, det('b', 's2', 'B', 10, { centerHz: F + 11_000, lowHz: F + 10_500, highHz: F + 11_500 }), T0)).toBe(false);
    // time: b starts 900 ms after a ended: gap 900 ≤ 2 × 500 ms slack → same; 1100 ms → not
    expect(sameTransmission(a, det('b', 's2', 'B', 10, { startMs: T0 + 1400, endMs: T0 + 2000 }), T0)).toBe(true);
    expect(sameTransmission(a, det('b', 's2', 'B', 10, { startMs: T0 + 1600, endMs: T0 + 2000 }), T0)).toBe(false);
    // an open detection lasts until now
    const open = det('c', 's3', 'C', 10, { endMs: null });
    expect(sameTransmission(open, det('d', 's2', 'B', 10, { startMs: T0 + 5000, endMs: T0 + 6000 }), T0 + 5000)).toBe(true);
    expect(sameTransmission(open, det('d', 's2', 'B', 10, { startMs: T0 + 5000, endMs: T0 + 6000 }), T0 + 3000)).toBe(false);
    // tolerances are options
    expect(sameTransmission(a, det('b', 's2', 'B', 10, { startMs: T0 + 1600, endMs: T0 + 2000 }), T0, { ...DEFAULT_GROUPING, timeSlackMs: 600 })).toBe(true);
  });

  it('an open detection whose sensor has heard it until T0 + 6 s spans until then, not until the wall clock of a lagging sensor', () => {
    // sensor s1 is 34 s behind real time: now is T0 + 40 s, its open detection was last heard at T0 + 6 s
    const lagging = det('a', 's1', 'A', 20, { endMs: null, heardUntilMs: T0 + 6000 });
    // another room's transmission at T0 + 40 s is another transmission
    expect(sameTransmission(lagging, det('b', 's2', 'B', 15, { startMs: T0 + 40_000, endMs: T0 + 46_000 }), T0 + 40_000)).toBe(false);
    // one within the slack of what s1 has heard is the same one
    expect(sameTransmission(lagging, det('b', 's2', 'B', 15, { startMs: T0 + 6800, endMs: T0 + 9000 }), T0 + 40_000)).toBe(true);
    // without heardUntilMs, until now (as before)
    expect(sameTransmission(det('a', 's1', 'A', 20, { endMs: null }), det('b', 's2', 'B', 15, { startMs: T0 + 40_000, endMs: T0 + 46_000 }), T0 + 40_000)).toBe(true);
  });
});

describe('rankRooms / weightedCentroid / localise', () => {
  it('ranks rooms by excess (dB, descending), one entry per room with its strongest sensor', () => {
    const rooms = rankRooms([
      { sensor: 'b1', location: { room: 'Hall B', xM: 10, yM: 0 }, excessDb: 12 },
      { sensor: 'a1', location: { room: 'Hall A', xM: 0, yM: 0 }, excessDb: 25 },
      { sensor: 'a1', location: { room: 'Hall A', xM: 0, yM: 0 }, excessDb: 18 }, // a second track of a1: the max counts
      { sensor: 'c1', location: { room: 'Hall C' }, excessDb: 14 },
      { sensor: 'b2', location: { room: 'Hall B' }, excessDb: 13 }, // Hall B's strongest sensor is b2
    ]);
    expect(rooms).toEqual([
      { room: 'Hall A', sensor: 'a1', excessDb: 25, xM: 0, yM: 0 },
      { room: 'Hall C', sensor: 'c1', excessDb: 14 },
      { room: 'Hall B', sensor: 'b2', excessDb: 13 },
    ]);
    // ties: by sensor name
    expect(rankRooms([
      { sensor: 'z', location: { room: 'Z' }, excessDb: 10 },
      { sensor: 'y', location: { room: 'Y' }, excessDb: 10 },
    ]).map((r) => r.room)).toEqual(['Y', 'Z']);
  });

  it('weighted centroid: weights = linear power of the excess (Blumenthal et al. 2007), exact values', () => {
    // 20 dB and 10 dB: weights 100 : 10 = 1 : 0.1 → x = 10 · 0.1 / 1.1
    const p = weightedCentroid([
      { xM: 0, yM: 0, excessDb: 20 },
      { xM: 10, yM: 0, excessDb: 10 },
    ])!;
    expect(p.xM).toBeCloseTo(10 / 11, 10);
    expect(p.yM).toBe(0);
    // three sensors at equal excess → the plain centroid
    const q = weightedCentroid([
      { xM: 0, yM: 0, excessDb: 15 },
      { xM: 6, yM: 0, excessDb: 15 },
      { xM: 0, yM: 9, excessDb: 15 },
    ])!;
    expect(q.xM).toBeCloseTo(2, 10);
    expect(q.yM).toBeCloseTo(3, 10);
    // γ = 0.5: weights 1 : 10^(−0.5) → x = 10 · 0.31623 / 1.31623 = 2.4025
    expect(weightedCentroid([{ xM: 0, yM: 0, excessDb: 20 }, { xM: 10, yM: 0, excessDb: 10 }], 0.5)!.xM).toBeCloseTo(2.4025, 3);
    // huge excesses do not overflow (weights are relative to the strongest)
    expect(weightedCentroid([{ xM: 0, yM: 0, excessDb: 4000 }, { xM: 10, yM: 0, excessDb: 3990 }])!.xM).toBeCloseTo(10 / 11, 10);
    expect(weightedCentroid([{ xM: 1, yM: 2, excessDb: 20 }])).toBeUndefined();
  });

  it('localise gives a position only when at least two sensors have x/y', () => {
    const two = localise([
      { sensor: 'a', location: { room: 'A', xM: 0, yM: 0 }, excessDb: 20 },
      { sensor: 'b', location: { room: 'B', xM: 10, yM: 0 }, excessDb: 10 },
      { sensor: 'c', location: { room: 'C' }, excessDb: 30 }, // no x/y: ranked, not in the centroid
    ]);
    expect(two.rooms.map((r) => r.room)).toEqual(['C', 'A', 'B']);
    expect(two.positionM!.xM).toBeCloseTo(10 / 11, 10);
    const one = localise([
      { sensor: 'a', location: { room: 'A', xM: 0, yM: 0 }, excessDb: 20 },
      { sensor: 'c', location: { room: 'C' }, excessDb: 30 },
    ]);
    expect(one.positionM).toBeUndefined();
    expect(one.rooms).toHaveLength(2);
  });
});

describe('groupDetections', () => {
  it('splits by frequency and time, chains through common members', () => {
    const dets = [
      det('a1', 'A', 'A', 20),
      det('b1', 'B', 'B', 12),
      det('c1', 'C', 'C', 9, { centerHz: F + 200_000, lowHz: F + 199_000, highHz: F + 201_000 }), // another frequency
      det('a2', 'A', 'A', 20, { startMs: T0 + 10_000, endMs: T0 + 10_500 }), // later
      det('b2', 'B', 'B', 15, { startMs: T0 + 800, endMs: T0 + 1200 }), // overlaps b1? no; overlaps a1 within slack
    ];
    const g = groupDetections(dets, T0 + 20_000).map((c) => c.map((d) => d.key));
    expect(g).toEqual([['a1', 'b1', 'b2'], ['c1'], ['a2']]);
  });
});

describe('TransmissionGrouper', () => {
  const locations = { 'sens-a': { room: 'Hall A', xM: 0, yM: 0 }, 'sens-b': { room: 'Hall B', xM: 20, yM: 0 }, 'sens-c': { room: 'Hall C', xM: 10, yM: 15 } };
  const base = { centerHz: F, lowHz: F - 1000, highHz: F + 1000, startMs: T0, endMs: null as number | null };

  it('groups only with ≥ 2 sensors, keeps the first alert as groupId, re-ranks as excesses change, ignores unlocated sensors', () => {
    const g = new TransmissionGrouper(locations);
    g.observe({ key: 'k1', sensor: 'sens-b', ...base, excessDb: 14 });
    g.setAlertId('k1', 'site-1');
    expect(g.groupOf('k1', T0 + 100)).toBeUndefined(); // one sensor: no group
    g.observe({ key: 'k0', sensor: 'unlocated', ...base, excessDb: 40 });
    expect(g.has('k0')).toBe(false);
    g.observe({ key: 'k2', sensor: 'sens-a', ...base, startMs: T0 + 120, excessDb: 24 });
    const two = g.groupOf('k2', T0 + 200)!;
    expect(two.groupId).toBe('site-1');
    expect(two.keys).toEqual(['k1', 'k2']);
    expect(two.rooms).toEqual([
      { room: 'Hall A', sensor: 'sens-a', excessDb: 24, xM: 0, yM: 0 },
      { room: 'Hall B', sensor: 'sens-b', excessDb: 14, xM: 20, yM: 0 },
    ]);
    expect(two.positionM!.xM).toBeCloseTo((20 * 0.1) / 1.1, 10);
    g.setAlertId('k2', 'site-2');
    // a third sensor joins: same groupId, new signature
    g.observe({ key: 'k3', sensor: 'sens-c', ...base, excessDb: 18 });
    const three = g.groupOf('k1', T0 + 300)!;
    expect(three.groupId).toBe('site-1');
    expect(three.rooms.map((r) => r.room)).toEqual(['Hall A', 'Hall C', 'Hall B']);
    expect(three.signature).not.toBe(two.signature);
    // the same ranking with other dB values keeps the signature; a new order changes it
    g.observe({ key: 'k3', sensor: 'sens-c', ...base, excessDb: 19 });
    expect(g.groupOf('k1', T0 + 300)!.signature).toBe(three.signature);
    g.observe({ key: 'k1', sensor: 'sens-b', ...base, excessDb: 30 });
    expect(g.groupOf('k1', T0 + 300)!.rooms[0]!.room).toBe('Hall B');
  });

  it('remembers closed detections for retainMs, so a late sensor still joins, then forgets them', () => {
    const g = new TransmissionGrouper(locations, { retainMs: 5000 });
    g.observe({ key: 'k1', sensor: 'sens-a', ...base, endMs: T0 + 60, excessDb: 20 });
    g.setAlertId('k1', 'site-1');
    expect(g.prune(T0 + 3000)).toEqual([]);
    g.observe({ key: 'k2', sensor: 'sens-b', ...base, startMs: T0 + 150, endMs: T0 + 210, excessDb: 11 }); // reported late
    expect(g.groupOf('k2', T0 + 3000)!.rooms.map((r) => r.sensor)).toEqual(['sens-a', 'sens-b']);
    expect(g.prune(T0 + 5100)).toEqual(['k1']);
    expect(g.groupOf('k2', T0 + 5100)).toBeUndefined();
    expect(g.prune(T0 + 6000)).toEqual(['k2']);
    expect(g.size).toBe(0);
  });

  it('caps its memory at maxDetections, forgetting the oldest closed one first', () => {
    const g = new TransmissionGrouper(locations, { maxDetections: 3 });
    g.observe({ key: 'open', sensor: 'sens-a', ...base, excessDb: 20 });
    for (let i = 0; i < 5; i++) g.observe({ key: `c${i}`, sensor: 'sens-b', ...base, endMs: T0 + 10, excessDb: 10 });
    expect(g.size).toBe(3);
    expect(g.has('open')).toBe(true);
    expect(g.has('c3') && g.has('c4')).toBe(true);
    expect(() => new TransmissionGrouper(locations, { timeSlackMs: -1 })).toThrow(/timeSlackMs/);
  });
});
