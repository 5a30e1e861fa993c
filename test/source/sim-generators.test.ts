// The simulator's u8 quantiser (src/source/sim-generators.ts): the same codes and clip count as rounding with
// Math.round, at the halves, next to them, at the rails and on random values.
import { describe, expect, it } from 'vitest';
import { Prng, quantizeCu8 } from '../../src/source/sim-generators.js';

/** The quantiser as written before with Math.round: the bytes it stores for `values` and how many sit at a rail. */
function reference(values: ArrayLike<number>): { codes: number[]; clipped: number } {
  let clipped = 0;
  const codes = new Uint8Array(values.length); // as stored: NaN (never clipped) is 0
  for (let i = 0; i < values.length; i++) {
    let c = Math.round(values[i]!);
    if (c <= 0) c = 0;
    else if (c >= 255) c = 255;
    if (c === 0 || c === 255) clipped++;
    codes[i] = c;
  }
  return { codes: Array.from(codes), clipped };
}

/** quantizeCu8 of `values`, each as the I centre (dcI) over a zero accumulator, Q at the default centre. */
function quantized(values: readonly number[]): { codes: number[]; clipped: number } {
  const acc = new Float64Array(2);
  const bytes = new Uint8Array(2);
  let clipped = 0;
  const codes = values.map((v) => {
    clipped += quantizeCu8(acc, 0, bytes, 0, 1, v); // Q at 127.4: code 127, never clipped
    return bytes[0]!;
  });
  return { codes, clipped };
}

/** The next double above (`dir` 1) or below (−1) `x` (x finite). */
function nextDouble(x: number, dir: 1 | -1): number {
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  if (x === 0) return dir * Number.MIN_VALUE;
  b[0] = b[0]! + BigInt((x > 0 ? 1 : -1) * dir);
  return f[0]!;
}

describe('quantizeCu8', () => {
  it('the codes and clip count of Math.round at every half from −2.5 to 257.5, the doubles either side, the rails and non-finite values', () => {
    const values: number[] = [0.49999999999999994, -0, Number.NaN, Infinity, -Infinity, 1e300, -1e300];
    for (let k = -3; k <= 258; k++) for (const x of [k, k + 0.5]) values.push(x, nextDouble(x, 1), nextDouble(x, -1));
    const got = quantized(values);
    const want = reference(values);
    expect(got.codes).toEqual(want.codes);
    expect(got.clipped).toBe(want.clipped);
    expect(quantized([0.49999999999999994, 0.5, 127.5, 254.49999999999997, 254.5]).codes).toEqual([0, 1, 128, 254, 255]);
  });

  it('the same bytes and clip count as Math.round on 200 000 random complex samples over and past full scale', () => {
    const rng = new Prng(5);
    const n = 200_000;
    const acc = new Float64Array(2 * n);
    for (let i = 0; i < 2 * n; i++) acc[i] = 1.2 * rng.normal() * (i % 7 === 0 ? 1 : 0.3);
    const bytes = new Uint8Array(2 * n);
    const clipped = quantizeCu8(acc, 0, bytes, 0, n);
    const want = reference(acc.map((a) => 127.4 + 127.5 * a));
    expect(Array.from(bytes)).toEqual(want.codes);
    expect(clipped).toBe(want.clipped);
    expect(clipped).toBeGreaterThan(1000); // the rails are exercised, not only the middle
  });
});
