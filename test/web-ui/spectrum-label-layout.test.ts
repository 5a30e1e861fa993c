// Band labels of a spectrum plot (web-ui/src/spectrum-view.ts placeLabels): inside the plot, centred on their band,
// neighbours that would touch go to the next row, and what fits in no row is left out rather than drawn over another.
import { describe, expect, it } from 'vitest';
import { placeLabels, type LabelBox } from '../../web-ui/src/spectrum-view.js';

const label = (text: string, centre: number, w = 80): LabelBox => ({ text, tone: 'alert', w, centre, x: 0, y: 0 });

describe('band label layout', () => {
  it('centres a label on its band and keeps it inside the plot at both edges', () => {
    const ls = [label('mid', 300), label('left', 10), label('right', 595)];
    placeLabels(ls, 50, 550, 20, 11); // plot 50..600 px
    expect(ls.map((l) => [l.x, l.y])).toEqual([[260, 22], [52, 22], [518, 22]]);
  });

  it('puts touching neighbours in the next rows (14.3 px apart), and leaves out a fourth that fits in none of the 3 rows', () => {
    const ls = [label('a', 300), label('b', 340), label('c', 380), label('d', 320), label('e', 500)];
    placeLabels(ls, 0, 800, 0, 11);
    const at = Object.fromEntries(ls.map((l) => [l.text, Math.round(l.y * 10) / 10]));
    expect(at).toEqual({ a: 2, d: 16.3, b: 30.6, c: -1, e: 2 }); // by centre: a 300, d 320, b 340, c 380
    // drawn labels of one row never come within 6 px of each other
    const drawn = ls.filter((l) => l.y >= 0);
    for (const p of drawn) for (const q of drawn) if (p !== q && p.y === q.y) expect(p.x + p.w + 6 <= q.x || q.x + q.w + 6 <= p.x).toBe(true);
  });

  it('scales its gap with the canvas pixel ratio and leaves out a label wider than the plot', () => {
    const two = [label('a', 300, 160), label('b', 470, 160)]; // 2× canvas: 160 px wide labels, 170 px apart
    placeLabels(two, 0, 1000, 0, 22);
    expect(two.map((l) => l.y)).toEqual([4, 32.6]); // 170 − 160 = 10 px < the 12 px gap at 2×
    const wide = [label('wide', 100, 300)];
    placeLabels(wide, 0, 200, 0, 11);
    expect(wide[0]!.y).toBe(-1);
  });
});
