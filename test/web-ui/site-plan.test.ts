// Site plan geometry (web-ui/src/site-plan.ts): metres → pixels at one scale, content-sized height, 1-2-5 scale bar.
import { describe, expect, it } from 'vitest';
import { planTransform, scaleBarM } from '../../web-ui/src/site-plan.js';

describe('planTransform', () => {
  it('fits the points at one scale for x and y, centred, with the margin', () => {
    // 20 m × 10 m into 360 px wide (margin 36): x limits the scale: (360 − 72) / 20 = 14.4 px/m; height 10·14.4 + 72
    const tr = planTransform([{ xM: 0, yM: 0 }, { xM: 20, yM: 10 }], 360, 260, 36);
    expect(tr.pxPerM).toBeCloseTo(14.4, 10);
    expect(tr.heightPx).toBe(216);
    expect(tr.toPx(0, 0)).toEqual([36, 36]);
    expect(tr.toPx(20, 10)).toEqual([324, 180]);
    // tall plan: the height limits the scale and the content is centred horizontally
    const tall = planTransform([{ xM: 5, yM: 0 }, { xM: 7, yM: 47 }], 360, 260, 36);
    expect(tall.pxPerM).toBeCloseTo((260 - 72) / 47, 10);
    const [x0] = tall.toPx(5, 0);
    const [x1] = tall.toPx(7, 0);
    expect((x0 + x1) / 2).toBeCloseTo(180, 10);
    // one point: the 4 m minimum span keeps a sensible scale, the point in the middle
    const one = planTransform([{ xM: 3, yM: 3 }], 360, 260, 36);
    expect(one.pxPerM).toBeCloseTo((260 - 72) / 4, 10);
    expect(one.toPx(3, 3)).toEqual([180, 36 + 2 * one.pxPerM]);
  });

  it('scale bar: the largest 1-2-5 length that fits', () => {
    expect(scaleBarM(14.4, 90)).toBe(5); // 6.25 m fit
    expect(scaleBarM(47, 90)).toBe(1); // 1.9 m
    expect(scaleBarM(2, 90)).toBe(20); // 45 m
    expect(scaleBarM(200, 90)).toBe(0.2); // 0.45 m
  });
});
