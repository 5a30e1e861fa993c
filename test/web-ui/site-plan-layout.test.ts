// Site plan layout helpers (web-ui/src/site-plan.ts): labels never over-print, dots on one spot are spread apart.
import { describe, expect, it } from 'vitest';
import { labelWidthPx, placeEstimateLabel, placeLabels, spreadDots } from '../../web-ui/src/site-plan.js';

describe('placeLabels', () => {
  it('keeps free labels in place and moves colliding ones down one line (13 px) at a time, fixed boxes included', () => {
    const w = labelWidthPx('Room C1 30 dB');
    expect(w).toBeCloseTo(13 * 6.6, 10);
    const placed = placeLabels(
      [
        { x: 100, y: 50, w, h: 13 }, // first: stays
        { x: 100, y: 50, w, h: 13 }, // same spot: one line down
        { x: 110, y: 55, w, h: 13 }, // overlaps both: two lines down... then the fixed box below too
        { x: 300, y: 50, w: 40, h: 13 }, // elsewhere: stays
      ],
      [{ x: 100, y: 89, w: 50, h: 13 }],
    );
    expect(placed.map((b) => b.y)).toEqual([50, 63, 55 + 13 * 4, 50]);
    expect(placed.map((b) => b.x)).toEqual([100, 100, 110, 300]);
  });
});

describe('spreadDots', () => {
  it('spreads dots on one spot on a circle of radius minPx around it, leaves distant ones alone', () => {
    const out = spreadDots([[100, 100], [100, 100], [100.5, 100], [200, 100]], 9);
    expect(out[3]).toEqual([200, 100]);
    for (const p of out.slice(0, 3)) expect(Math.hypot(p[0] - 100, p[1] - 100)).toBeCloseTo(9, 10);
    // 3 on a circle of radius 9 → 120° apart: 9·√3 ≈ 15.6 px between neighbours
    expect(Math.hypot(out[0]![0] - out[1]![0], out[0]![1] - out[1]![1])).toBeCloseTo(9 * Math.sqrt(3), 10);
    expect(spreadDots([[0, 0], [20, 0]], 9)).toEqual([[0, 0], [20, 0]]);
  });
});

describe('labelWidthPx', () => {
  it('counts a CJK character as one em (11 px), others as 0.6 em', () => {
    expect(labelWidthPx('估计位置')).toBeCloseTo(44, 10);
    expect(labelWidthPx('教室 101')).toBeCloseTo(2 * 11 + 4 * 6.6, 10);
    expect(labelWidthPx('estimated position')).toBeCloseTo(18 * 6.6, 10);
  });
});

describe('placeEstimateLabel', () => {
  const w = 44;
  it('goes above the marker when that is free', () => {
    expect(placeEstimateLabel([180, 100], w, [], [], 360)).toEqual({ box: { x: 158, y: 73, w, h: 13 }, anchor: 'middle' });
  });
  it('goes below when a room label is above, right of the marker when a dot is below too, left when right is off the plan', () => {
    const roomAbove = { x: 150, y: 70, w: 60, h: 13 };
    expect(placeEstimateLabel([180, 100], w, [], [roomAbove], 360)).toEqual({ box: { x: 158, y: 117, w, h: 13 }, anchor: 'middle' });
    expect(placeEstimateLabel([180, 100], w, [[180, 125]], [roomAbove], 360)).toEqual({ box: { x: 197, y: 93.5, w, h: 13 }, anchor: 'start' });
    expect(placeEstimateLabel([330, 100], w, [[330, 125]], [{ ...roomAbove, x: 300 }], 360)).toEqual({ box: { x: 269, y: 93.5, w, h: 13 }, anchor: 'end' });
  });
  it('falls back to above when every side is taken', () => {
    const all = [{ x: 0, y: 0, w: 360, h: 200 }];
    expect(placeEstimateLabel([180, 100], w, [], all, 360).box.y).toBe(73);
  });
});
