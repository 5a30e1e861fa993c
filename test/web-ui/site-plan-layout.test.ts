// Site plan layout helpers (web-ui/src/site-plan.ts): labels never over-print, dots on one spot are spread apart.
import { describe, expect, it } from 'vitest';
import { labelWidthPx, placeLabels, spreadDots } from '../../web-ui/src/site-plan.js';

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
