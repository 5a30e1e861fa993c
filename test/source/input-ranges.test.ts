// Physical and RTL-SDR ranges of rates and centres (input-ranges.ts), and where they refuse real inputs.
import { describe, expect, it } from 'vitest';
import { centerProblem, rateProblem, rtlRateProblem, rtlRateWarning, tunerCenterProblem } from '../../src/source/input-ranges.js';

describe('rateProblem / centerProblem (any input)', () => {
  it('accepts 1 kS/s–100 MS/s and 0 Hz–3 THz, refuses the rest naming the value', () => {
    for (const ok of [1000, 250_000, 2_400_000, 20e6, 100e6]) expect(rateProblem(ok)).toBeNull();
    expect(rateProblem(1)).toContain('1 S/s is below 1000 S/s');
    expect(rateProblem(1e12)).toContain('1000000000000 S/s is above 100 MS/s');
    expect(rateProblem(Number.NaN)).toContain('not a positive sample rate');
    expect(rateProblem(-250_000)).toContain('not a positive sample rate');
    for (const ok of [0, 27.195e6, 433.92e6, 1575.42e6, 24e9]) expect(centerProblem(ok)).toBeNull();
    expect(centerProblem(-433e6)).toContain('-433000000 Hz is negative');
    expect(centerProblem(1e20)).toContain('above 3 THz');
    expect(centerProblem(Infinity)).toContain('not a frequency');
  });
});

describe('RTL-SDR rate and tuner ranges', () => {
  it('rates: 225001–300000 and 900001–3200000 S/s; above 2.4 MS/s accepted with a warning', () => {
    for (const ok of [225_001, 250_000, 300_000, 900_001, 1_024_000, 2_400_000, 2_900_000, 3_200_000]) expect(rtlRateProblem(ok)).toBeNull();
    for (const bad of [225_000, 300_001, 500_000, 900_000, 3_200_001, 2_400_000.5]) expect(rtlRateProblem(bad)).toContain('225001–300000 or 900001–3200000');
    expect(rtlRateWarning(2_400_000)).toBeNull();
    expect(rtlRateWarning(2_900_000)).toContain('2900000 S/s is above 2.4 MS/s');
  });

  it('centres by tuner type (osmocom table): R820T 24–1766 MHz, E4000 with its 1100–1250 MHz gap, FC0012/FC0013/FC2580', () => {
    expect(tunerCenterProblem(433.92e6, 'R820T')).toBeNull();
    expect(tunerCenterProblem(1766e6, 'R828D')).toBeNull();
    expect(tunerCenterProblem(10e6, 'R820T')).toBe('10 MHz is out of range: the R820T tuner tunes 24–1766 MHz');
    expect(tunerCenterProblem(2.4e9, 'R820T')).toBe('2400 MHz is out of range: the R820T tuner tunes 24–1766 MHz');
    expect(tunerCenterProblem(2.0e9, 'E4000')).toBeNull();
    expect(tunerCenterProblem(1.2e9, 'E4000')).toBe('1200 MHz is out of range: the E4000 tuner tunes 52–1100 MHz and 1250–2200 MHz');
    expect(tunerCenterProblem(1.0e9, 'FC0012')).toContain('the FC0012 tuner tunes 22–948.6 MHz');
    expect(tunerCenterProblem(1.0e9, 'FC0013')).toBeNull();
    expect(tunerCenterProblem(350e6, 'FC2580')).toContain('146–308 MHz and 438–924 MHz');
    expect(tunerCenterProblem(10e6, 'unknown')).toBeNull(); // librtlsdr could not tell: not checked
    // before the dongle answers: what any tuner reaches
    expect(tunerCenterProblem(2.0e9)).toBeNull();
    expect(tunerCenterProblem(10e6)).toContain('RTL-SDR tuners reach 22–2200 MHz at most');
    expect(tunerCenterProblem(2.4e9)).toContain('RTL-SDR tuners reach 22–2200 MHz at most');
  });
});
