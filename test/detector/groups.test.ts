// formGroups: hot bins → groups, with gap bridging, occupied extents and peaks (docs/detector.md §4).
import { describe, expect, it } from 'vitest';
import { formGroups } from '../../src/detector/groups.js';
import { flatPath } from './flat-path.js';

// 64 bins at 64 kS/s: RBW 1 kHz, so gapHz 2.5 kHz bridges 3 bins; the DC guard (1.5 kHz) covers bins 30..34
const N = 64;
const RATE = 64_000;
const LEVEL = 1e-6; // −60 dBFS, the flat path's level

/** Hot codes: narrow kernel over its open / release level, wide kernel alone over its open level. */
const NARROW_OPEN = 2 | 4;
const NARROW_RELEASE = 1 | 4;
const WIDE_OPEN = 2;

describe('formGroups', () => {
  it('bridges gaps of up to gapBins cold bins, and measures a group from its narrow-kernel bins', () => {
    const p = flatPath(N, RATE);
    expect(p.gapBins).toBe(3);
    expect(p.wide.half).toBe(4);
    const power = new Float32Array(N);
    p.hot.fill(0);
    // bins 5..7 open, 11 release (3 cold bins between: one group); 20 release alone (8 cold bins: a second group)
    for (const b of [5, 6, 7]) p.hot[b] = NARROW_OPEN;
    p.hot[11] = NARROW_RELEASE;
    p.hot[20] = NARROW_RELEASE;
    p.stat.fill(LEVEL);
    p.stat[6] = 100 * LEVEL; // +20 dB
    p.stat[20] = 3 * LEVEL;
    power[7] = 0.01;
    const groups = formGroups(p, power);
    expect(groups).toBe(2);
    expect([p.gLo[0], p.gHi[0], p.gMatchLo[0], p.gMatchHi[0], p.gOpen[0], p.gNarrow[0]]).toEqual([5, 11, 5, 11, 1, 1]);
    expect(p.gPeakRatio[0]).toBeCloseTo(100, 4);
    expect(p.gPeakPower[0]).toBeCloseTo(0.01, 8);
    expect([p.gLo[1], p.gHi[1], p.gOpen[1]]).toEqual([20, 20, 0]);
    expect(p.gPeakRatio[1]).toBeCloseTo(3, 4);
  });

  it('a fourth cold bin splits the group; guard bins do not count as gap', () => {
    const p = flatPath(N, RATE);
    const power = new Float32Array(N);
    p.hot.fill(0);
    p.stat.fill(LEVEL);
    p.hot[5] = NARROW_OPEN;
    p.hot[10] = NARROW_OPEN; // 4 cold bins after 5
    // 28 and 36 lie 7 bins apart, but 5 of the bins between are the DC guard (30..34): 2 cold bins
    expect([...p.guard.subarray(29, 36)]).toEqual([0, 1, 1, 1, 1, 1, 0]);
    p.hot[28] = NARROW_OPEN;
    p.hot[36] = NARROW_OPEN;
    expect(formGroups(p, power)).toBe(3);
    expect([p.gLo[0], p.gHi[0], p.gLo[1], p.gHi[1], p.gLo[2], p.gHi[2]]).toEqual([5, 5, 10, 10, 28, 36]);
  });

  it('shrinks a wide-kernel-only group by the kernel half width (its smear), to its middle when narrower', () => {
    const p = flatPath(N, RATE);
    const power = new Float32Array(N);
    p.hot.fill(0);
    p.stat.fill(LEVEL);
    for (let b = 40; b <= 52; b++) p.hot[b] = WIDE_OPEN; // 13 bins: the smear of a 5-bin signal by a 9-bin kernel
    for (let b = 5; b <= 9; b++) p.hot[b] = WIDE_OPEN; // 5 bins: narrower than the kernel
    expect(formGroups(p, power)).toBe(2);
    expect([p.gLo[0], p.gHi[0], p.gMatchLo[0], p.gMatchHi[0], p.gNarrow[0]]).toEqual([7, 7, 5, 9, 0]);
    expect([p.gLo[1], p.gHi[1], p.gMatchLo[1], p.gMatchHi[1], p.gNarrow[1], p.gOpen[1]]).toEqual([44, 48, 40, 52, 0, 1]);
  });

  it('finds no group in a cold frame', () => {
    const p = flatPath(N, RATE);
    p.hot.fill(0);
    expect(formGroups(p, new Float32Array(N))).toBe(0);
  });
});
