// TrackTable: slots, ids, which open track a group continues, and the footprints of closed tracks
// (docs/detector.md §4).
import { describe, expect, it } from 'vitest';
import { RECENT_TRACKS, STEADY_SETTLE_S, TrackTable } from '../../src/detector/track.js';

const RATE = 250_000;

describe('TrackTable', () => {
  it('opens tracks on free slots with ids from 1, and refuses a group when every slot is busy', () => {
    const table = new TrackTable(2, 256, 1024, RATE);
    const a = table.open(100, 110, 7, 25_000);
    const b = table.open(200, 210, 7, 50_000);
    expect([a?.id, b?.id, a?.slot, b?.slot]).toEqual([1, 2, 0, 1]);
    expect(a?.lastUpdateS).toBeCloseTo(0.1, 12);
    expect(a?.tuneId).toBe(7);
    expect(table.active).toBe(2);
    expect(table.open(300, 310, 7, 60_000)).toBeNull();
    table.release(a!);
    expect(table.active).toBe(1);
    // the freed slot is reused, with a new id and a clean track
    const c = table.open(300, 310, 7, 60_000);
    expect([c?.slot, c?.id, c?.fastHits, c?.peakExcessDb]).toEqual([0, 3, 0, -Infinity]);
  });

  it('a group continues the nearest open track within the gap, the oldest of equally near ones', () => {
    const table = new TrackTable(4, 256, 1024, RATE);
    const low = table.open(100, 110, 0, 0)!;
    const high = table.open(130, 140, 0, 0)!;
    // 115..125: 5 bins from low, 5 from high: the older one
    expect(table.find(115, 125, 8)).toBe(low);
    // 122..125: 12 bins from low, 5 from high
    expect(table.find(122, 125, 8)).toBe(high);
    // beyond the gap of both
    expect(table.find(160, 170, 8)).toBeNull();
    expect(table.find(148, 150, 8)).toBe(high);
  });

  it('once a track has steady hits, only they locate it (its onset splatter does not capture neighbours)', () => {
    const table = new TrackTable(2, 256, 1024, RATE);
    const t = table.open(50, 150, 0, 0)!; // extent holds the key-on splatter
    t.steadyLo = 95;
    t.steadyHi = 105;
    expect(table.find(60, 62, 8)).toBeNull();
    expect(table.find(110, 112, 8)).toBe(t);
  });

  it(`the steady extent is taken again ${STEADY_SETTLE_S} s after the first steady hit, from the second half of that second`, () => {
    const table = new TrackTable(2, 256, 1024, RATE);
    const t = table.open(90, 110, 0, 0)!;
    const settle = STEADY_SETTLE_S * RATE;
    // the frame after the key-on: steady by the tracker's rule, but it still holds the splatter
    t.addSteady(40, 160, 0.004 * RATE, settle);
    // an FSK link's two tones, each in its own group, in the first and the second half of the settle time
    t.addSteady(95, 99, 0.3 * RATE, settle);
    t.addSteady(101, 105, 0.6 * RATE, settle);
    t.addSteady(95, 99, 0.9 * RATE, settle);
    expect([t.locateLo(), t.locateHi()]).toEqual([40, 160]);
    // the first steady hit past the settle time: the second half's tones and its own, without the splatter
    t.addSteady(97, 98, 1.1 * RATE, settle);
    expect([t.locateLo(), t.locateHi()]).toEqual([95, 105]);
    expect(table.find(60, 62, 8)).toBeNull();
    // from then on every steady group widens it
    t.addSteady(101, 108, 5 * RATE, settle);
    expect([t.locateLo(), t.locateHi()]).toEqual([95, 108]);
  });

  it('remembers closed tracks: a fast hit inside a window explains a group there, on any path with anyPath', () => {
    const table = new TrackTable(2, 256, 1024, RATE);
    const fast = table.open(100, 110, 0, 0)!;
    fast.fastHits = 3;
    fast.fastStart = 1000;
    fast.fastEnd = 5000;
    table.release(fast);
    const slow = table.open(300, 310, 0, 0)!;
    slow.slowHits = 2;
    slow.slowStart = 1000;
    slow.slowEnd = 9000;
    table.release(slow);
    expect(table.active).toBe(0);
    expect(table.explainedByRecent(112, 115, 4000, 3)).toBe(true); // 2 bins beyond, fast end 5000 ≥ 4000
    expect(table.explainedByRecent(112, 115, 6000, 3)).toBe(false); // its last fast hit before the window
    expect(table.explainedByRecent(120, 125, 4000, 3)).toBe(false); // beyond the gap
    // a track without fast hits explains nothing to the short paths, but does to the long path's window
    expect(table.explainedByRecent(300, 305, 2000, 3)).toBe(false);
    expect(table.explainedByRecent(300, 305, 8000, 3, true)).toBe(true);
    expect(table.explainedByRecent(300, 305, 9500, 3, true)).toBe(false);
  });

  it(`keeps the last ${RECENT_TRACKS} footprints only`, () => {
    const table = new TrackTable(1, 256, 1024, RATE);
    for (let i = 0; i <= RECENT_TRACKS; i++) {
      const t = table.open(10 * i, 10 * i + 2, 0, 0)!;
      t.fastHits = 1;
      t.fastEnd = 100;
      table.release(t);
    }
    expect(table.explainedByRecent(0, 2, 0, 0)).toBe(false); // the first, overwritten
    expect(table.explainedByRecent(10, 12, 0, 0)).toBe(true);
    expect(table.explainedByRecent(10 * RECENT_TRACKS, 10 * RECENT_TRACKS + 2, 0, 0)).toBe(true);
  });
  it('intermodOf: a group on 2f_A − f_B or 2f_B − f_A of a strong new track and a calibration emitter, both 25 dB over it', () => {
    const table = new TrackTable(4, 256, 1024, RATE);
    const a = table.open(700, 760, 0, 0)!; // centre 730, 61 bins
    a.peakExcessDb = 40;
    const band = Int32Array.from([600, 605]); // centre 602.5, 6 bins
    const strong = Float64Array.from([35]);
    // 2f_A − f_B = 857.5 ± (2·61 + 6)/2 + 2; 2f_B − f_A = 475 ± (2·6 + 61)/2 + 2
    expect(table.intermodOf(850, 860, 0, 2, -8, 25, band, strong)).toBe(true);
    expect(table.intermodOf(921, 925, 0, 2, -8, 25, band, strong)).toBe(true); // 857.5 + 66 = 923.5: its edge
    expect(table.intermodOf(926, 930, 0, 2, -8, 25, band, strong)).toBe(false);
    expect(table.intermodOf(470, 480, 0, 2, -8, 25, band, strong)).toBe(true);
    expect(table.intermodOf(300, 310, 0, 2, -8, 25, band, strong)).toBe(false);
    // the group 25 dB under the weaker of the two, not more: an emitter of 15 dB does not explain a group at −8 dB
    expect(table.intermodOf(850, 860, 0, 2, -8, 25, band, Float64Array.from([15]))).toBe(false);
    // tones too weak for a receiver to show their product: 2·30 + 30 = 90 < IM3_VISIBLE_SUM_DB (100)
    a.peakExcessDb = 30;
    expect(table.intermodOf(850, 860, 0, 2, -20, 25, band, Float64Array.from([30]))).toBe(false);
    // two calibration emitters' products were in the calibration: no track, no product
    table.release(a);
    expect(table.intermodOf(850, 860, 0, 2, -8, 25, Int32Array.from([700, 760, 600, 605]), Float64Array.from([40, 35]))).toBe(false);
    // a track closed inside the window (end ≥ since) still counts, one closed before it does not
    const b = table.open(700, 760, 0, 0)!;
    b.peakExcessDb = 40;
    b.fastEnd = 5_000;
    table.release(b);
    expect(table.intermodOf(850, 860, 4_000, 2, -8, 25, band, strong)).toBe(true);
    expect(table.intermodOf(850, 860, 6_000, 2, -8, 25, band, strong)).toBe(false);
  });
});
