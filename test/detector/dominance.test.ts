// The dominance rule (docs/detector.md §5): a new group 15 dB under a stronger signal is its splatter only when the
// stronger one is a transient, near full scale, or the weaker one lies inside its skirt or a calibration emitter's that
// is on in the frame (with a twin across the emitter's carrier); 25 dB under a signal at its mirror frequency, it is that
// signal's IQ image.
import { describe, expect, it } from 'vitest';
import { Dominance, skirtBins } from '../../src/detector/dominance.js';
import { TrackReport } from '../../src/detector/events.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../../src/detector/options.js';
import { TrackTable } from '../../src/detector/track.js';
import { flatPath } from './flat-path.js';

// 1024 bins at 1.024 MS/s: RBW 1 kHz, gap 3 bins, smallest open threshold 12 dB
const N = 1024;
const RATE = 1_024_000;
const O = DEFAULT_DETECTOR_OPTIONS;
const DOM_RATIO = 10 ** (O.dominanceDb / 10);

describe('skirtBins', () => {
  it('is one occupied width plus the reciprocal-mixing offset f = 1 kHz · 10^((E + PN + 10 log RBW − T)/20) plus the gap', () => {
    const p = flatPath(N, RATE);
    expect([p.rbwHz, p.gapBins, p.minOpenDb]).toEqual([1000, 3, 12]);
    // E = 40 dB: 40 − 70 + 30 − 12 = −12 dB → 251 Hz → 1 bin
    expect(skirtBins(p, 40, 5, -70)).toBe(5 + 1 + 3);
    // E = 80 dB: +28 dB → 25.1 kHz → 26 bins
    expect(skirtBins(p, 80, 5, -70)).toBe(5 + 26 + 3);
    // a receiver 10 dB noisier: +38 dB → 79.4 kHz → 80 bins
    expect(skirtBins(p, 80, 5, -60)).toBe(5 + 80 + 3);
  });
});

/** A path with two groups: a strong one over [lo, hi] at `strongDb`, and a weak one at bin `weakBin` at 10 dB. */
function twoGroups(strongDb: number, lo: number, hi: number, weakBin: number, strongTransient: boolean) {
  const p = flatPath(N, RATE);
  const table = new TrackTable(4, N, N, RATE);
  const dominance = new Dominance(p, p, table, new TrackReport(p, p, { fftSize: N, fastFftSize: N, rateSps: RATE, centerHz: 0 }, O), O);
  p.gLo[0] = lo;
  p.gHi[0] = hi;
  p.gPeakRatio[0] = 10 ** (strongDb / 10);
  p.gTransient[0] = strongTransient ? 1 : 0;
  p.gLo[1] = weakBin;
  p.gHi[1] = weakBin;
  p.gPeakRatio[1] = 10;
  p.gTransient[1] = 1;
  return { p, table, dominance };
}

/**
 * A path (1 kHz bins, centre 0 Hz: bin = kHz + 512) with a Dominance that knows one intermittent calibration emitter
 * over [lowHz, highHz], and `frame` to fill its narrow statistic: the background at −60 dBFS, the emitter's bins
 * `emitterDb` over it (its middle bin, the carrier, a little more), a weak group 10 dB up at `weakBin`, and that group's
 * twin across the carrier `twinDb` over the background (null: no twin, as beside a link keyed with the emitter).
 */
function emitterScene(lowHz: number, highHz: number) {
  const p = flatPath(N, RATE);
  const table = new TrackTable(4, N, N, RATE);
  const report = new TrackReport(p, p, { fftSize: N, fastFftSize: N, rateSps: RATE, centerHz: 0 }, O);
  const dominance = new Dominance(p, p, table, report, O, [{ lowHz, highHz }], 0);
  const level = 1e-6;
  const lo = lowHz / 1000 + N / 2;
  const hi = highHz / 1000 + N / 2;
  const carrier = (lo + hi) / 2;
  const frame = (emitterDb: number, weakBin: number, twinDb: number | null = 10) => {
    p.stat.fill(level);
    for (let b = lo; b <= hi; b++) p.stat[b] = level * 10 ** (emitterDb / 10);
    p.stat[carrier] *= 1.01;
    p.stat[weakBin] = level * 10;
    if (twinDb !== null) p.stat[2 * carrier - weakBin] = level * 10 ** (twinDb / 10);
    p.gLo[0] = p.gHi[0] = weakBin;
    p.gPeakRatio[0] = 10;
    p.gTransient[0] = 1;
  };
  return { p, table, report, dominance, level, frame };
}

describe('Dominance.dominated', () => {
  it('a steady strong group dominates a weak one inside its skirt only', () => {
    // 40 dB over [100, 102]: skirt 3 + 1 + 3 = 7 bins; the weak group is 30 dB under it
    const inside = twoGroups(40, 100, 102, 109, false);
    expect(inside.dominance.dominated(inside.p, 1, 2, DOM_RATIO)).toBe(true);
    const outside = twoGroups(40, 100, 102, 110, false);
    expect(outside.dominance.dominated(outside.p, 1, 2, DOM_RATIO)).toBe(false);
    // the weak group never dominates the strong one
    expect(inside.dominance.dominated(inside.p, 0, 2, DOM_RATIO)).toBe(false);
  });

  it('a transient strong group dominates anywhere in the band (keying splatter)', () => {
    const far = twoGroups(40, 100, 102, 900, true);
    expect(far.dominance.dominated(far.p, 1, 2, DOM_RATIO)).toBe(true);
  });

  it(`a signal less than dominanceDb (${O.dominanceDb} dB) stronger dominates nothing`, () => {
    // 24 dB against 10 dB: 14 dB apart, transient and adjacent
    const close = twoGroups(24, 100, 102, 104, true);
    expect(close.dominance.dominated(close.p, 1, 2, DOM_RATIO)).toBe(false);
    const enough = twoGroups(26, 100, 102, 104, true);
    expect(enough.dominance.dominated(enough.p, 1, 2, DOM_RATIO)).toBe(true);
  });

  it('an open track dominates within its skirt, and anywhere once it reaches full scale', () => {
    const { p, table, dominance } = twoGroups(0, 0, 0, 300, false);
    p.gPeakRatio[0] = 0; // no strong group in this frame: only the track
    const t = table.open(200, 204, 0, 0)!;
    t.peakFastDb = 40;
    t.peakPowerDbfs = -30;
    // no excess spectrum yet: the track's extent [200, 204] is its band; skirt 5 + 1 + 3 = 9 bins
    p.gLo[1] = p.gHi[1] = 213;
    expect(dominance.dominated(p, 1, 2, DOM_RATIO)).toBe(true);
    p.gLo[1] = p.gHi[1] = 214;
    expect(dominance.dominated(p, 1, 2, DOM_RATIO)).toBe(false);
    t.peakPowerDbfs = O.fullScaleDbfs;
    expect(dominance.dominated(p, 1, 2, DOM_RATIO)).toBe(true);
  });

  it(`a group ${O.imageRejectionDb} dB or more under a group or track at its mirror frequency is its IQ image`, () => {
    // 40 dB over [100, 102] (offsets −412..−410 kHz); its mirror is [922, 924]; the weak group is 30 dB under it
    const image = twoGroups(40, 100, 102, 923, false);
    expect(image.dominance.dominated(image.p, 1, 2, DOM_RATIO)).toBe(true);
    // within the gap bridge (3 bins) of the mirror, not beyond
    const edge = twoGroups(40, 100, 102, 927, false);
    expect(edge.dominance.dominated(edge.p, 1, 2, DOM_RATIO)).toBe(true);
    const beside = twoGroups(40, 100, 102, 928, false);
    expect(beside.dominance.dominated(beside.p, 1, 2, DOM_RATIO)).toBe(false);
    // only 20 dB under it: a signal of its own
    const weakStrong = twoGroups(30, 100, 102, 923, false);
    expect(weakStrong.dominance.dominated(weakStrong.p, 1, 2, DOM_RATIO)).toBe(false);
    // an open track's image too, while the track is on
    const { p, table, dominance } = twoGroups(0, 0, 0, 823, false);
    p.gPeakRatio[0] = 0;
    const t = table.open(200, 204, 0, 0)!;
    t.peakFastDb = 40;
    t.peakPowerDbfs = -30;
    expect(dominance.dominated(p, 1, 2, DOM_RATIO)).toBe(true);
    // turned off
    const off = new Dominance(p, p, table, new TrackReport(p, p, { fftSize: N, fastFftSize: N, rateSps: RATE, centerHz: 0 }, O),
      { ...O, imageRejectionDb: 0 });
    expect(off.dominated(p, 1, 2, DOM_RATIO)).toBe(false);
  });

  it('an intermittent calibration emitter on in this frame dominates a weak group inside its skirt; off, it dominates nothing', () => {
    // an emitter over −412..−410 kHz: bins 100..102, widened by the drift tolerance (1 bin) to 99..103
    const { p, table, report, dominance, level, frame } = emitterScene(-412_000, -410_000);
    // 40 dB: skirt = its width (5 bins) + reciprocal mixing (1) + the gap (3) = 9 bins past bin 103
    frame(40, 112);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(true);
    frame(40, 113);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(false);
    // the emitter off (between its packets): the same group is a signal
    frame(0, 112);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(false);
    // on, but less than dominanceDb over the group
    frame(24, 112);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(false);
    // no twin across the carrier, or one more than SPLATTER_MIRROR_DB (6 dB) under the group: a signal of its own
    frame(40, 112, null);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(false);
    frame(40, 112, 3.5);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(false);
    frame(40, 112, 4.5);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(true);
    // no twin, but the group is the IQ image (bin N − 112 = 912) of a bin 25 dB (imageRejectionDb) stronger than it
    frame(40, 112, null);
    p.stat[N - 112] = level * 10 ** (36 / 10);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(true);
    p.stat[N - 112] = level * 10 ** (34 / 10);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(false);
    // a continuous emitter (it does not key) dominates nothing beyond its envelope
    const steady = new Dominance(p, p, table, report, O, [{ lowHz: -412_000, highHz: -410_000, continuous: true }], 0);
    frame(40, 112, 4.5);
    expect(steady.dominated(p, 0, 1, DOM_RATIO)).toBe(false);
  });

  it('an emitter at one edge of the band dominates its splatter folded in at the other edge (the skirt wraps round)', () => {
    // an emitter over bins 4..6 (−508..−506 kHz), 40 dB: its skirt reaches 9 bins past its band (widened to 3..7)
    const { p, dominance, frame } = emitterScene(-508_000, -506_000);
    const at = (weakBin: number) => frame(40, weakBin, null);
    // bin 1020 lies 7 bins below bin 3 across the band's edge: inside the skirt (its twin across the carrier would lie
    // past the edge, nothing to compare)
    at(1020);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(true);
    // bin 1010 lies 17 bins away: outside
    at(1010);
    expect(dominance.dominated(p, 0, 1, DOM_RATIO)).toBe(false);
  });
});
