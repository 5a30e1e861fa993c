// "Did you mean" for an unknown config field: the edit distance and the closest names, by commander's rule for flags.
import { describe, expect, it } from 'vitest';
import { closestNames, editDistance } from '../../src/config/field-suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and a swap of neighbours as 1 each', () => {
    expect(editDistance('gain', 'gainDb')).toBe(2);
    expect(editDistance('tresholdDb', 'thresholdDb')).toBe(1);
    expect(editDistance('rateSsp', 'rateSps')).toBe(1); // a swap
    expect(editDistance('centreHz', 'centerHz')).toBe(1); // British spelling: "re" for "er", one swap
    expect(editDistance('a', 'abcdefgh')).toBe(8); // more than 3 apart in length: the longer length
  });
});

describe('closestNames', () => {
  it('offers the nearest names within 3 edits and 40 % alike, every one at that distance; none for a name far from all', () => {
    const sensor = ['name', 'source', 'centerHz', 'rateSps', 'gainDb', 'ppm', 'fftSize', 'detector'];
    expect(closestNames('gain', sensor)).toEqual(['gainDb']);
    expect(closestNames('centreHz', sensor)).toEqual(['centerHz']);
    expect(closestNames('GAINDB', sensor)).toEqual(['gainDb']);
    expect(closestNames('color', sensor)).toEqual([]);
    expect(closestNames('pm', ['ppm', 'pmm', 'site'])).toEqual(['ppm', 'pmm']);
    expect(closestNames('ab', ['xy'])).toEqual([]); // 2 edits of 2 letters: nothing alike
  });
});
