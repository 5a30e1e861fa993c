// BoundedMap / BoundedSet (src/bounded.ts): at most maxSize entries, the oldest forgotten first; setNewest refreshes.
import { describe, expect, it } from 'vitest';
import { BoundedMap, BoundedSet } from '../src/bounded.js';

describe('BoundedMap', () => {
  it('keeps the newest maxSize keys in insertion order; the oldest goes first', () => {
    const m = new BoundedMap<string, number>(3);
    for (const [i, k] of ['a', 'b', 'c', 'd', 'e'].entries()) m.set(k, i);
    expect([...m.entries()]).toEqual([['c', 2], ['d', 3], ['e', 4]]);
    expect(m.size).toBe(3);
    expect(m.has('a')).toBe(false);
  });

  it('set of a present key replaces the value in place: it is still the oldest and goes next', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).set('a', 10);
    expect([...m.entries()]).toEqual([['a', 10], ['b', 2]]);
    m.set('c', 3);
    expect([...m.entries()]).toEqual([['b', 2], ['c', 3]]);
  });

  it('setNewest moves a present key to the newest end, so the key set least recently goes', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1).set('b', 2).setNewest('a', 10);
    expect([...m.keys()]).toEqual(['b', 'a']);
    m.setNewest('c', 3);
    expect([...m.entries()]).toEqual([['a', 10], ['c', 3]]);
  });

  it('deleting makes room: no eviction until the map is over maxSize again', () => {
    const m = new BoundedMap<number, string>(2);
    m.set(1, 'x').set(2, 'y');
    m.delete(1);
    m.set(3, 'z');
    expect([...m.keys()]).toEqual([2, 3]);
  });

  it('refuses a bound that is not a whole number ≥ 1, naming maxSize', () => {
    expect(() => new BoundedMap(0)).toThrow(/^maxSize: expected a whole number ≥ 1, got 0$/);
    expect(() => new BoundedMap(2.5)).toThrow(RangeError);
    expect(() => new BoundedMap(Number.NaN)).toThrow(/got NaN/);
  });
});

describe('BoundedSet', () => {
  it('keeps the newest maxSize values; adding a present value changes nothing', () => {
    const s = new BoundedSet<number>(3);
    for (const v of [1, 2, 3, 1, 4]) s.add(v);
    expect([...s]).toEqual([2, 3, 4]);
    expect(s.has(1)).toBe(false);
  });

  it('a bound of 1 holds the last value added', () => {
    const s = new BoundedSet<string>(1);
    s.add('a').add('b');
    expect([...s]).toEqual(['b']);
  });

  it('refuses a bound that is not a whole number ≥ 1', () => {
    expect(() => new BoundedSet(-1)).toThrow(/^maxSize: expected a whole number ≥ 1, got -1$/);
  });
});
