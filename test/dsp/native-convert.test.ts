// cu8 → float conversion: the quietband_dsp addon's one-pass loop equals the JS table loop, values and clip fraction.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nativeConvertCu8 } from '../../src/dsp/native-frame.js';
import { convertCu8, convertCu8Js } from '../../src/source/sample-formats.js';
import { capture } from '../helpers.js';

describe('native cu8 conversion', () => {
  it('gives the JS values bit for bit and the same clip fraction on a clipped real capture (cardin, 6.5 % at the rails)', () => {
    expect(nativeConvertCu8).not.toBeNull();
    const bytes = new Uint8Array(readFileSync(capture('cardin_S466-TX2_27.195M_250k.cu8')));
    const count = 65536;
    const a = new Float32Array(2 * count);
    const b = new Float32Array(2 * count);
    let clipSeen = 0;
    for (let off = 0; off + 2 * count <= bytes.length; off += 2 * count) {
      const cj = convertCu8Js(bytes, a, count, off);
      const cn = (nativeConvertCu8 as NonNullable<typeof nativeConvertCu8>)(bytes, b, count, off);
      expect(cn).toBe(cj);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      clipSeen = Math.max(clipSeen, cj);
    }
    expect(clipSeen).toBeGreaterThan(0.01);
    // the public entry point picks the addon for big blocks and JS for small ones: both agree
    expect(convertCu8(bytes, b, 100, 6)).toBe(convertCu8Js(bytes, a, 100, 6));
    expect(Array.from(b.subarray(0, 200))).toEqual(Array.from(a.subarray(0, 200)));
    expect(a[0]).toBe(Math.fround((bytes[6] - 127.5) / 127.5));
  });

  it('refuses buffers too short for the count, naming what it expected', () => {
    const f = nativeConvertCu8 as NonNullable<typeof nativeConvertCu8>;
    expect(() => f(new Uint8Array(100), new Float32Array(100), 60, 0)).toThrow(/rawOffset \+ 2·count bytes/);
    expect(() => f(new Uint8Array(1000), new Float32Array(10), 60, 0)).toThrow(RangeError);
  });
});
