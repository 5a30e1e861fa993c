// TrackReport: a track's occupied band from the −20 dB points of its mean excess spectrum, and its events
// (docs/detector.md §4).
import { describe, expect, it } from 'vitest';
import { TrackReport } from '../../src/detector/events.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../../src/detector/options.js';
import { TrackTable } from '../../src/detector/track.js';
import { flatPath } from './flat-path.js';

// slow path 1024 bins, fast path 256 bins, at 1.024 MS/s around 100 MHz: slow RBW 1 kHz, fast RBW 4 kHz
const RATE = 1_024_000;
const CENTER = 100e6;
const GEOMETRY = { fftSize: 1024, fastFftSize: 256, rateSps: RATE, centerHz: CENTER };
const O = DEFAULT_DETECTOR_OPTIONS;

function setup() {
  const slow = flatPath(1024, RATE);
  const fast = flatPath(256, RATE, 4);
  const table = new TrackTable(2, 256, 1024, RATE);
  return { slow, fast, table, report: new TrackReport(fast, slow, GEOMETRY, O) };
}

/** Adds a mean excess (linear ratio over the level) to bins of a track's slow or fast sums, as `frames` hits would. */
function addExcess(acc: Float64Array, cnt: Float64Array, ratios: Record<number, number>, frames = 4): void {
  for (const [b, r] of Object.entries(ratios)) {
    acc[Number(b)] += r * frames;
    cnt[Number(b)] += frames;
  }
}

describe('TrackReport', () => {
  it(`measures the band out to the −${O.bandwidthDropDb} dB points around the peak, bridging gaps of gapBins`, () => {
    const { slow, table, report } = setup();
    const t = table.open(600, 620, 0, 0)!;
    // a 50 dB peak at 610; 20 dB under it is 30 dB (ratio 1000): 606..614 stand over it; 603 is reached across two
    // bins under it (gap 3), 598 is not, across four; 615 (under) ends the band
    addExcess(t.accSlow, t.cntSlow, { 598: 5000, 603: 1200, 604: 2, 605: 2, 606: 1100, 608: 1e4, 610: 1e5, 612: 1e4, 614: 1050, 615: 900 });
    report.measure(t, slow, t.accSlow, t.cntSlow);
    expect([report.lo, report.hi]).toEqual([603, 614]);
  });

  it('joins a second peak within 6 dB across a dip that stays over the open level (a 2-FSK link\'s tones), not a weaker neighbour nor one across the noise', () => {
    const { slow, table, report } = setup();
    // two tones of 50 and 47 dB at 610 and 650, the spectrum between them at 13 dB: over the open level, 17 dB under
    // the −20 dB floor and 37 bins wide, far more than the gap
    const tones = (second: number, between: number): Record<number, number> => {
      const shape = [0.02, 0.05, 0.1, 0.5, 1, 0.5, 0.1, 0.05, 0.02];
      const r: Record<number, number> = {};
      shape.forEach((k, i) => {
        r[606 + i] = k * 1e5;
        r[646 + i] = k * second;
      });
      for (let b = 615; b <= 645; b++) r[b] = between;
      return r;
    };
    const t = table.open(600, 660, 0, 0)!;
    addExcess(t.accSlow, t.cntSlow, tones(5e4, 20));
    report.measure(t, slow, t.accSlow, t.cntSlow);
    expect([report.lo, report.hi]).toEqual([606, 654]);
    // the second peak 10 dB under the first: a neighbour, not a tone (the band stops at the first peak's −20 dB point)
    const u = table.open(600, 660, 0, 0)!;
    addExcess(u.accSlow, u.cntSlow, tones(1e4, 20));
    report.measure(u, slow, u.accSlow, u.cntSlow);
    expect([report.lo, report.hi]).toEqual([606, 614]);
    table.release(u);
    // between them the spectrum falls back to the level (ratio 1): two signals, whatever their powers
    const v = table.open(600, 660, 0, 0)!;
    addExcess(v.accSlow, v.cntSlow, tones(5e4, 1));
    report.measure(v, slow, v.accSlow, v.cntSlow);
    expect([report.lo, report.hi]).toEqual([606, 614]);
    table.release(v);
    // back at the level only in the dip's first bins (inside the gap the −20 dB scan bridges), over the open level after
    const w = table.open(600, 660, 0, 0)!;
    addExcess(w.accSlow, w.cntSlow, { ...tones(5e4, 20), 615: 1, 616: 1 });
    report.measure(w, slow, w.accSlow, w.cntSlow);
    expect([report.lo, report.hi]).toEqual([606, 614]);
  });

  it('a weak peak stops at half its level in dB, and a track without excess yet is its extent', () => {
    const { slow, table, report } = setup();
    const t = table.open(600, 620, 0, 0)!;
    report.measure(t, slow, t.accSlow, t.cntSlow);
    expect([report.lo, report.hi]).toEqual([600, 620]);
    // a 10 dB peak: the floor is max(10 − 20, 10 / 2) = 5 dB (ratio 3.16)
    addExcess(t.accSlow, t.cntSlow, { 609: 3, 610: 10, 611: 3.2 });
    report.measure(t, slow, t.accSlow, t.cntSlow);
    expect([report.lo, report.hi]).toEqual([610, 611]);
  });

  it('builds events in Hz on the slow path once it has hits, with the excess-weighted centre', () => {
    const { table, report } = setup();
    const t = table.open(600, 620, 3, 0)!;
    addExcess(t.accSlow, t.cntSlow, { 609: 51, 610: 101, 611: 51 });
    t.slowHits = 2;
    t.slowStart = 102_400;
    t.slowEnd = 204_800;
    t.peakExcessDb = 20;
    t.packets = 1;
    const open = report.event('open', t, undefined);
    // bin b is at CENTER + (b − 512) kHz; the band [609, 611] widened by half a bin on each side
    expect(open.lowHz).toBeCloseTo(CENTER + 96_500, 3);
    expect(open.highHz).toBeCloseTo(CENTER + 99_500, 3);
    expect(open.bandwidthHz).toBeCloseTo(3000, 3);
    expect(open.centerHz).toBeCloseTo(CENTER + 98_000, 3);
    expect([open.kind, open.id, open.tuneId, open.paths, open.packets, open.endS]).toEqual(['open', 1, 3, ['slow'], 1, undefined]);
    expect(open.startS).toBeCloseTo(0.1, 12);
    const close = report.event('close', t, t.endSample());
    expect(close.endS).toBeCloseTo(0.2, 12);
  });

  it('a track only the fast path saw is measured on the fast path (4 kHz bins), and lists its paths', () => {
    const { table, report } = setup();
    const t = table.open(600, 603, 0, 0)!; // fine bins 600..603 = fast bin 150
    addExcess(t.accFast, t.cntFast, { 150: 100 });
    t.fastHits = 3;
    t.fastStart = 0;
    t.fastEnd = 1024;
    const ev = report.event('open', t, undefined);
    // fast bin 150 is at CENTER + (150 − 128) · 4 kHz, ± 2 kHz
    expect(ev.lowHz).toBeCloseTo(CENTER + 86_000, 3);
    expect(ev.highHz).toBeCloseTo(CENTER + 90_000, 3);
    expect(ev.paths).toEqual(['fast']);
    t.slowHits = 2;
    t.longHits = 2;
    addExcess(t.accSlow, t.cntSlow, { 601: 10 });
    expect(report.event('update', t, 2048).paths).toEqual(['fast', 'long']);
  });
});
