// The axes of a clip's picture shared by the web UI's alert detail and the session report: extent, ticks, markup.
import { describe, expect, it } from 'vitest';
import { axisTicksHtml, clipAxisTicks, clipExtent, clipFigureHtml, complexSampleBytes, decimalsFor, niceTicks } from '../../src/evidence/clip-axes.js';

// a clip as the recorder writes it: ci16_le at 250 kS/s around 433.92 MHz; 0.5 s = 125 000 samples × 4 bytes
const META = { global: { 'core:datatype': 'ci16_le', 'core:sample_rate': 250_000 }, captures: [{ 'core:sample_start': 0, 'core:frequency': 433_920_000 }] };

describe('clip axes', () => {
  it('niceTicks: 1-2-5 steps, at most the asked number of ticks', () => {
    const t = niceTicks(433.795, 434.045, 8);
    expect(t.step).toBe(0.05);
    expect(t.ticks.map((v) => v.toFixed(2))).toEqual(['433.80', '433.85', '433.90', '433.95', '434.00']);
    expect(niceTicks(0, 6, 8)).toEqual({ step: 1, ticks: [0, 1, 2, 3, 4, 5, 6] });
    expect(niceTicks(2, 2, 5)).toEqual({ step: 1, ticks: [2] });
    // a 25 kS/s band clip: 0.025 MHz in 5 ticks of 0.005 (float noise in the span made it 0.01: 3 ticks)
    const band = niceTicks((433_980_000 - 12_500) / 1e6, (433_980_000 + 12_500) / 1e6, 5);
    expect([band.step, band.ticks.map((v) => v.toFixed(3))]).toEqual([0.005, ['433.970', '433.975', '433.980', '433.985', '433.990']]);
    expect([decimalsFor(0.05), decimalsFor(0.2), decimalsFor(5), decimalsFor(0.025)]).toEqual([2, 1, 0, 3]);
  });

  it('the extent from a SigMF meta and the data size; undefined for a missing or bad field', () => {
    expect([complexSampleBytes('cf32_le'), complexSampleBytes('ci16_le'), complexSampleBytes('cu8'), complexSampleBytes('rf32_le')]).toEqual([8, 4, 2, undefined]);
    expect(clipExtent(META, 500_000)).toEqual({ lowHz: 433_795_000, highHz: 434_045_000, durationS: 0.5 });
    expect(clipExtent(META, 0)).toBeUndefined();
    expect(clipExtent({ ...META, global: { ...META.global, 'core:sample_rate': 0 } }, 500_000)).toBeUndefined();
    expect(clipExtent({ global: META.global }, 500_000)).toBeUndefined();
    expect(clipExtent('{}', 500_000)).toBeUndefined();
  });

  it('ticks: MHz across at the band\'s fractions, seconds down from the clip\'s start', () => {
    const t = clipAxisTicks({ lowHz: 433_795_000, highHz: 434_045_000, durationS: 0.5 });
    // 0.25 MHz over ≤ 5 ticks: 0.05 MHz steps, the first 5 kHz (0.02 of the band) right of the left edge
    expect(t.x.map((k) => k.text)).toEqual(['433.80', '433.85', '433.90', '433.95', '434.00']);
    expect(t.x.map((k) => Number(k.frac.toFixed(4)))).toEqual([0.02, 0.22, 0.42, 0.62, 0.82]);
    // 0.5 s over ≤ 4 ticks: 0.2 s steps
    expect(t.y).toEqual([{ text: '0.0', frac: 0 }, { text: '0.2', frac: 0.4 }, { text: '0.4', frac: 0.8 }]);
    expect(axisTicksHtml(t.y.slice(1, 2), 'top')).toBe('<span class="tick" data-frac="0.4000" style="top:40.00%">0.2</span>');
  });

  it('the figure\'s HTML: the titles, the picture and both axes; without an extent no ticks and the titles hidden', () => {
    const html = clipFigureHtml('<img alt="x">', { lowHz: 433_795_000, highHz: 434_045_000, durationS: 0.5 }, { freq: '频率（MHz）', time: '时间（秒）' });
    expect(html).toContain('<figure class="clip-figure" data-testid="clip-figure"><div class="axis-title y">时间（秒）</div><div class="axis y" data-testid="axis-y"><span class="tick" data-frac="0.0000" style="top:0.00%">0.0</span>');
    expect(html).toContain('<div class="clip-plot"><img alt="x"><div class="axis x" data-testid="axis-x"><span class="tick" data-frac="0.0200" style="left:2.00%">433.80</span>');
    expect(html).toMatch(/<div class="axis-title x">频率（MHz）<\/div><\/figure>$/);
    expect(html.match(/class="tick"/g)?.length).toBe(8);
    const bare = clipFigureHtml('<img alt="x">', undefined, { freq: 'Frequency (MHz)', time: 'Time (s)' });
    expect(bare).toContain('<figure class="clip-figure no-axes"');
    expect(bare).not.toContain('class="tick"');
  });
});
