// Expected classes per allocation: voice in a data-only band and bursts off the uplinks are flagged.
import { describe, expect, it } from 'vitest';
import { bandExpectationAt, expectation } from '../../src/ident/band-expectation.js';

describe('band expectations', () => {
  it('nfm at 433.92 MHz (ISM data) and at 230 MHz (data only) is unexpected; ook there is expected', () => {
    expect(expectation(433.92e6, 'nfm')).toMatchObject({ band: 'ISM 433 MHz', unexpected: true });
    expect(expectation(433.92e6, 'ook')?.unexpected).toBe(false);
    expect(expectation(230e6, 'nfm')).toMatchObject({ band: '223–235 MHz data transmission', unexpected: true });
  });
  it('the narrowest range wins: 409.8 MHz is PMR 409 inside UHF land mobile; tdma-burst is unexpected there', () => {
    expect(bandExpectationAt(409.8e6)?.label).toBe('PMR 409 MHz');
    expect(expectation(409.8e6, 'tdma-burst')?.unexpected).toBe(true);
    expect(expectation(165e6, 'nfm')?.unexpected).toBe(false);
  });
  it('SRD 863–870 MHz carries data: nfm at 868.3 MHz is unexpected (the band plan labels it), fsk and ook are not', () => {
    expect(expectation(868.3e6, 'nfm')).toMatchObject({ band: 'SRD 868 MHz', expected: ['fsk', 'ook', 'wideband-digital', 'carrier'], unexpected: true });
    expect(expectation(868.3e6, 'fsk')?.unexpected).toBe(false);
    expect(expectation(863.0e6, 'ook')?.unexpected).toBe(false);
    expect(expectation(870.1e6, 'nfm')).toBeUndefined();
  });
  it('a narrow FM link in the broadcast band is unexpected; unknown never is; no range → undefined', () => {
    expect(expectation(98.1e6, 'nfm')?.unexpected).toBe(true);
    expect(expectation(98.1e6, 'unknown')?.unexpected).toBe(false);
    expect(expectation(300e6, 'nfm')).toBeUndefined();
  });
});
