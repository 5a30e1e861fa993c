// The long path beside a tracked signal (src/detector/beside-track.ts): a skirt that falls away from its signal never
// stands apart; a link on it does, by the kernel's open level over the lowest point between.
import { describe, expect, it } from 'vitest';
import { clearsMirror, mirrorHoldsImage, splitBesideBand, standsApartFromSkirt, type PathSpectrum } from '../../src/detector/beside-track.js';
import type { GroupedPath } from '../../src/detector/groups.js';
import { MAX_GROUPS } from '../../src/detector/path-state.js';

const N = 1024;
const HALF = 6;
const OPEN = 1.15;
/**
 * A band [centre − 15, centre + 15] 40 dB over the noise (level 2) whose skirt falls as 1/f² (0.3 over the noise 64 bins
 * from its centre).
 */
function skirt(centre = 515): { p: PathSpectrum; level: Float32Array } {
  const stat = new Float32Array(N);
  const level = new Float32Array(N).fill(2);
  for (let b = 0; b < N; b++) {
    const d = Math.abs(b - centre);
    stat[b] = 2 * (1 + (d <= 15 ? 1e4 : 0.3 * (64 / d) ** 2));
  }
  return { p: { stat, n: N, gapBins: 10 }, level };
}

/** A continuous NRZ OOK link: excess 40·sinc²(d/40) over the noise (level 2) round bin 515, a 40-bin baud. */
function keying(): { p: PathSpectrum; level: Float32Array } {
  const stat = new Float32Array(N);
  for (let b = 0; b < N; b++) {
    const x = (Math.PI * (b - 515)) / 40;
    stat[b] = 2 * (1 + 40 * (x === 0 ? 1 : (Math.sin(x) / x) ** 2));
  }
  return { p: { stat, n: N, gapBins: 10 }, level: new Float32Array(N).fill(2) };
}

describe('beside-track', () => {
  it('the skirt alone: no group past the band stands apart, however far', () => {
    const { p, level } = skirt();
    for (const at of [600, 650, 700, 800]) expect(standsApartFromSkirt(p, level, HALF, at, at + 4, 500, 530, OPEN)).toBe(false);
    // a kernel never tested in full has no open level (0): nothing stands apart, not even a link
    for (let b = 690; b <= 710; b++) p.stat[b] += 2;
    expect(standsApartFromSkirt(p, level, HALF, 695, 705, 500, 530, OPEN)).toBe(true);
    expect(standsApartFromSkirt(p, level, HALF, 695, 705, 500, 530, 0)).toBe(false);
  });

  it('a link 0.2 over the noise 170 bins above the band stands apart; 0.1 does not; inside one bandwidth nothing does', () => {
    for (const [excess, apart] of [[0.2, true], [0.1, false]] as const) {
      const { p, level } = skirt();
      for (let b = 690; b <= 710; b++) p.stat[b] += 2 * excess;
      expect(standsApartFromSkirt(p, level, HALF, 695, 705, 500, 530, OPEN)).toBe(apart);
    }
    const { p, level } = skirt();
    for (let b = 550; b <= 570; b++) p.stat[b] += 2;
    expect(standsApartFromSkirt(p, level, HALF, 555, 565, 500, 530, OPEN)).toBe(false);
  });

  it('rectangular keying (sin²x/x², a null every baud): its 2nd and 3rd lobes never stand apart; a link 0.3 over the noise past them does', () => {
    // a continuous NRZ OOK link: excess 40·sinc²(d/40) round bin 515 (a 40-bin baud), reported band only its carrier
    // (±8 bins, 20 dB down from its peak bin); its lobes peak near 40·(k + ½) bins out, falling as 1/f²
    const { p, level } = keying();
    const stat = p.stat;
    // the 3rd lobe (0.33 over the noise at 140 bins) clears the null before it (≈ 0) by far, but not the 2nd lobe's
    // 1/f² envelope (0.65 at 100 bins → 0.33 at 140)
    expect(standsApartFromSkirt(p, level, HALF, 650, 660, 507, 523, OPEN)).toBe(false);
    expect(standsApartFromSkirt(p, level, HALF, 530 + 95, 530 + 105, 507, 523, OPEN)).toBe(false);
    for (let b = 805; b <= 825; b++) stat[b] += 2 * 0.3;
    expect(standsApartFromSkirt(p, level, HALF, 810, 820, 507, 523, OPEN)).toBe(true);
  });

  it('an image: the mirror must stand imageRejectionDb over the group (excess over the noise)', () => {
    // the band at 700–730 mirrors to 294–324 (bin n − b)
    const image = skirt(715);
    for (let b = 305; b <= 313; b++) image.p.stat[b] = 2 * (1 + 5);
    expect(mirrorHoldsImage(image.p, image.level, HALF, 305, 313, 30)).toBe(true);
    expect(mirrorHoldsImage(image.p, image.level, HALF, 305, 313, 40)).toBe(false);
    // its skirt 125 bins up (840, 0.08 over the noise) mirrors to 184: a link 0.3 over the noise there is no image
    const link = skirt(715);
    for (let b = 180; b <= 188; b++) link.p.stat[b] += 2 * 0.3;
    expect(mirrorHoldsImage(link.p, link.level, HALF, 180, 188, 25)).toBe(false);
  });

  it('a group that joins a link to the skirt splits where the kernel means climb again: the link is a group of its own; a skirt alone stays whole', () => {
    /** The skirt (band 500–530) as one long-path group over bins [lo, hi] (all hot at the open level, narrow kernel). */
    const joined = (lo: number, hi: number, link: [number, number] | null) => {
      const { p: spectrum, level } = skirt();
      if (link !== null) for (let b = link[0]; b <= link[1]; b++) spectrum.stat[b] += 2 * 0.2;
      const hot = new Uint8Array(N);
      hot.fill(6, lo, hi + 1);
      const groups = { gLo: new Int32Array(MAX_GROUPS), gHi: new Int32Array(MAX_GROUPS), gMatchLo: new Int32Array(MAX_GROUPS), gMatchHi: new Int32Array(MAX_GROUPS), gNarrow: new Uint8Array(MAX_GROUPS), gOpen: new Uint8Array(MAX_GROUPS), gPeakRatio: new Float64Array(MAX_GROUPS), gPeakPower: new Float64Array(MAX_GROUPS) };
      const p: PathSpectrum & GroupedPath = { ...spectrum, hot, th: { levelLin: level }, wide: { half: 2 }, ...groups };
      p.gMatchLo[0] = lo;
      p.gMatchHi[0] = hi;
      return { p, level, power: new Float32Array(N) };
    };
    // above the band: a link 0.2 over the noise at 690–710, 175 bins out, joined by the skirt from the band's edge
    const above = joined(531, 720, [690, 710]);
    expect(splitBesideBand(above.p, above.power, above.level, HALF, OPEN, 0, 1, 500, 530)).toBe(2);
    expect(above.p.gMatchLo[1]).toBeGreaterThanOrEqual(687);
    expect(above.p.gMatchLo[1]).toBeLessThanOrEqual(693);
    expect(above.p.gMatchHi[1]).toBe(720);
    expect(above.p.gMatchLo[0]).toBe(531);
    expect(above.p.gMatchHi[0]).toBe(above.p.gMatchLo[1] - 1);
    // its peak is the link's (1.2 + the skirt's 0.04 there), not the skirt's next to the band (1.3 + 0.3·(64/16)² ≈ 5.8)
    expect(above.p.gPeakRatio[1]).toBeCloseTo(1.24, 1);
    // below it, the mirror case
    const below = joined(300, 499, [320, 340]);
    expect(splitBesideBand(below.p, below.power, below.level, HALF, OPEN, 0, 1, 500, 530)).toBe(2);
    expect(below.p.gMatchLo[1]).toBe(300);
    expect(below.p.gMatchHi[1]).toBeGreaterThanOrEqual(337);
    expect(below.p.gMatchHi[1]).toBeLessThanOrEqual(343);
    expect(below.p.gMatchLo[0]).toBe(below.p.gMatchHi[1] + 1);
    // the skirt alone falls all the way out: nothing to split, and the group is untouched
    const alone = joined(531, 720, null);
    expect(splitBesideBand(alone.p, alone.power, alone.level, HALF, OPEN, 0, 1, 500, 530)).toBe(1);
    expect([alone.p.gMatchLo[0], alone.p.gMatchHi[0]]).toEqual([531, 720]);
  });

  it('a link clears its mirror about the band; a keying lobe, even about the carrier, does not, also with the centre 4 bins off', () => {
    // sin²x/x² round bin 515 (a 40-bin baud): the 2nd lobe 60–80 bins out on both sides, ≈ 0.25 over the noise
    const { p, level } = keying();
    expect(clearsMirror(p, level, HALF, 580, 590, 507, 523, OPEN)).toBe(false);
    expect(clearsMirror(p, level, HALF, 580, 590, 503, 519, OPEN)).toBe(false);
    // a link 0.3 over the noise on the 1/f² skirt (0.3 at 64 bins), 100 bins above, with nothing at its mirror
    const { p: q, level: ql } = skirt();
    for (let b = 610; b <= 620; b++) q.stat[b] += 2 * 0.3;
    expect(clearsMirror(q, ql, HALF, 610, 620, 500, 530, OPEN)).toBe(true);
    // the same excess at its mirror too (two links, or a skirt's pair of spurs): not clear
    for (let b = 410; b <= 420; b++) q.stat[b] += 2 * 0.3;
    expect(clearsMirror(q, ql, HALF, 610, 620, 500, 530, OPEN)).toBe(false);
  });
});
