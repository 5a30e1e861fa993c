// One replay row per transmission (src/ident/joined-rows.ts, docs/identification.md §12): slices of one band-wide
// emission are joined; rows whose identification agrees with the detector's band are written as they close.
import { describe, expect, it } from 'vitest';
import { isSlice, joinRows, RowJoiner, sameEmission, type IdentifiedRow, type JoinedRow } from '../../src/ident/joined-rows.js';
import type { DetectionEvent } from '../../src/types.js';
import type { SignalClass } from '../../src/ident/classify.js';

const HOLD_S = 0.025;

/**
 * A closed detection [lowHz, highHz] over [startS, endS] whose identification read `cls` over [idLow, idHigh], analysed
 * as the whole band when `wholeBand`.
 */
function row(id: number, lowHz: number, highHz: number, startS: number, endS: number, idLow: number, idHigh: number, cls: SignalClass = 'ook', excessDb = 20, packets = 3, wholeBand = false): IdentifiedRow {
  const ev: DetectionEvent = {
    kind: 'close', id, centerHz: (lowHz + highHz) / 2, bandwidthHz: highHz - lowHz, lowHz, highHz, peakExcessDb: excessDb,
    peakPowerDbfs: excessDb - 45, startS, endS, paths: ['fast'], overload: false, tuneId: 0, packets,
  };
  return { ev, signal: { class: cls, confidence: 0.99, reason: `${cls} (test)`, lowHz: idLow, highHz: idHigh, ...(wholeBand ? { wholeBand } : {}) } };
}

// Mode S at 2 MS/s round 1090 MHz: the detector's slices of 47–406 kHz, each analysed as the whole 2 MHz band
const BAND: [number, number] = [1089e6, 1091e6];
/** A slice of the Mode S replies: analysed as the whole band, ook. */
const slice = (id: number, lowHz: number, highHz: number, startS: number, endS: number, excessDb: number, packets: number): IdentifiedRow =>
  row(id, lowHz, highHz, startS, endS, ...BAND, 'ook', excessDb, packets, true);

const slices = (): IdentifiedRow[] => [
  slice(10, 1090.543e6, 1090.645e6, 0.028448, 0.031776, 16.75, 2),
  slice(6, 1089.551e6, 1089.699e6, 0.021792, 0.032096, 19.7, 8),
  slice(1, 1090.890e6, 1090.968e6, 0.005728, 0.17776, 33.11, 123),
  slice(5, 1090.218e6, 1090.624e6, 0.021728, 0.17776, 20.63, 81),
  // at the band's lower edge: its detector band reaches 3.9 kHz under the 2 MHz analysed (half a bin)
  slice(2, 1088.996094e6, 1089.222656e6, 0.019488, 0.17776, 22.44, 91),
];

describe('slices of one band-wide emission', () => {
  it('a row is a slice when its identification analysed the whole band and that band holds its detector centre', () => {
    expect(isSlice(slices()[0])).toBe(true);
    // the Cardin remote: identified 18.7 kHz wide (keying sidebands) round a 7.8 kHz detector band, its own band: no slice
    expect(isSlice(row(7, 27_185_193, 27_193_006, 0.36992, 0.404736, 27_185_376, 27_204_098))).toBe(false);
    // analysed whole but off to one side (not holding the detector centre, 5 kHz): no slice
    expect(isSlice(row(8, 0, 10_000, 0, 0.1, 5_001, 30_001, 'ook', 20, 3, true))).toBe(false);
    // the Mode S slice at the band's lower edge: its detector band reaches 3.9 kHz under the 2 MHz analysed
    expect(isSlice(slice(2, 1088.996094e6, 1089.222656e6, 0.019488, 0.17776, 22.44, 91))).toBe(true);
    // no identified band (--no-identify, or unknown): no slice
    expect(isSlice({ ev: slices()[0].ev })).toBe(false);
  });

  it('two slices are one emission only with the same class, each inside the other\'s band, within the hold', () => {
    const [a, b] = slices();
    expect(sameEmission(a, b, HOLD_S)).toBe(true);
    expect(sameEmission(a, { ...b, signal: { ...b.signal!, class: 'pulsed-wideband' } }, HOLD_S)).toBe(false);
    // 30 ms after the first ends: past the 25 ms hold
    const later = slice(11, 1089.551e6, 1089.699e6, 0.031776 + 0.030, 0.07, 20, 3);
    expect(sameEmission(a, later, HOLD_S)).toBe(false);
    expect(sameEmission(a, later, 0.031)).toBe(true);
    // a slice whose own identification is narrower does not hold the other's detector band
    expect(sameEmission(a, { ...b, signal: { ...b.signal!, lowHz: 1089.5e6, highHz: 1089.8e6 } }, HOLD_S)).toBe(false);
  });

  it('joins them into the strongest slice\'s row with their union of band, time and paths, and the most packets', () => {
    const j = joinRows(slices());
    expect(j.ev.id).toBe(1);
    expect(j.joinedIds).toEqual([2, 5, 6, 10]);
    expect(j.ev.lowHz).toBe(1088.996094e6);
    expect(j.ev.highHz).toBe(1090.968e6);
    expect(j.ev.bandwidthHz).toBeCloseTo(1.971906e6, 0);
    expect(j.ev.startS).toBe(0.005728);
    expect(j.ev.endS).toBe(0.17776);
    expect(j.ev.peakExcessDb).toBe(33.11);
    expect(j.ev.packets).toBe(123);
    expect(j.signal?.class).toBe('ook');
    expect(() => joinRows([])).toThrow(/no rows/);
  });
});

describe('RowJoiner', () => {
  it('writes rows that are no slices at once, and the slices as one row at the end', () => {
    const out: JoinedRow[] = [];
    const j = new RowJoiner(HOLD_S, (r) => out.push(r));
    const narrow = row(20, 433.90e6, 433.92e6, 0.1, 0.2, 433.905e6, 433.915e6);
    for (const s of slices()) j.add(s);
    j.add(narrow);
    expect(out.map((r) => r.ev.id)).toEqual([20]);
    expect(j.rows).toBe(1);
    j.flush();
    expect(out.map((r) => [r.ev.id, r.joinedIds])).toEqual([[20, []], [1, [2, 5, 6, 10]]]);
    expect(j.rows).toBe(2);
    // two emissions of slices, 0.5 s apart: two rows, in the order of their ends
    const k: JoinedRow[] = [];
    const j2 = new RowJoiner(HOLD_S, (r) => k.push(r));
    for (const s of slices()) j2.add({ ...s, ev: { ...s.ev, id: s.ev.id + 100, startS: s.ev.startS + 0.5, endS: (s.ev.endS ?? 0) + 0.5 } });
    for (const s of slices()) j2.add(s);
    j2.flush();
    expect(k.map((r) => [r.ev.id, r.joinedIds.length])).toEqual([[1, 4], [101, 4]]);
    expect(() => new RowJoiner(Number.NaN, () => undefined)).toThrow(/holdS/);
  });
});
