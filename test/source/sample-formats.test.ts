// Converters from raw bytes to IqBlock floats: exact values for known bytes, clip fractions, format aliases.
import { describe, expect, it } from 'vitest';
import { QuietBandError } from '../../src/errors.js';
import {
  convertCf32,
  convertCs16,
  convertCs8,
  convertCu8,
  convertSamples,
  formatFromExtension,
  lookupFormat,
  parseFormat,
} from '../../src/source/sample-formats.js';

const f = Math.fround;

describe('convertCu8', () => {
  it('maps (x − 127.5) / 127.5 exactly and counts 0/255 as clipped', () => {
    const raw = Uint8Array.from([0, 255, 127, 128, 64, 191]);
    const out = new Float32Array(6);
    const clip = convertCu8(raw, out, 3);
    expect(Array.from(out)).toEqual([-1, 1, f(-0.5 / 127.5), f(0.5 / 127.5), f(-63.5 / 127.5), f(63.5 / 127.5)]);
    expect(clip).toBe(2 / 6);
  });
  it('reads from rawOffset and writes only 2·count floats', () => {
    const raw = Uint8Array.from([9, 9, 255, 0, 9]);
    const out = new Float32Array(4).fill(42);
    expect(convertCu8(raw, out, 1, 2)).toBe(1);
    expect(Array.from(out)).toEqual([1, -1, 42, 42]);
  });
  it('returns clip 0 for an empty block', () => {
    expect(convertCu8(new Uint8Array(0), new Float32Array(0), 0)).toBe(0);
  });
});

describe('convertCs8', () => {
  it('maps x / 128 with −128 and 127 at the rails', () => {
    const raw = new Uint8Array(Int8Array.from([-128, 127, 0, 1, -1, 64]).buffer);
    const out = new Float32Array(6);
    const clip = convertCs8(raw, out, 3);
    expect(Array.from(out)).toEqual([-1, f(127 / 128), 0, f(1 / 128), f(-1 / 128), 0.5]);
    expect(clip).toBe(2 / 6);
  });
  it('does not count −127 / 126 as clipped', () => {
    const raw = new Uint8Array(Int8Array.from([-127, 126]).buffer);
    expect(convertCs8(raw, new Float32Array(2), 1)).toBe(0);
  });
});

describe('convertCs16', () => {
  it('reads little-endian int16 as x / 32768, rails −32768 / 32767', () => {
    const values = [-32768, 32767, 0, 1, -1, 16384, -900, 901];
    const raw = Buffer.alloc(values.length * 2);
    values.forEach((v, i) => raw.writeInt16LE(v, 2 * i));
    const out = new Float32Array(values.length);
    const clip = convertCs16(raw, out, 4);
    expect(Array.from(out)).toEqual(values.map((v) => f(v / 32768)));
    expect(clip).toBe(2 / 8);
  });
});

describe('convertCf32', () => {
  it('passes little-endian float32 through unnormalised (GNU Radio captures are far above ±1)', () => {
    const values = [9862, -7936.25, 0.1, -3.5e4, 1e-7, 0];
    const raw = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => raw.writeFloatLE(v, 4 * i));
    const out = new Float32Array(values.length);
    expect(convertCf32(raw, out, 3)).toBe(0);
    expect(Array.from(out)).toEqual(values.map(f));
  });
  it('honours a Buffer with a non-zero byteOffset and rawOffset', () => {
    const big = Buffer.alloc(64);
    const sub = big.subarray(5, 5 + 24); // unaligned view
    sub.writeFloatLE(1.5, 8);
    sub.writeFloatLE(-2.25, 12);
    const out = new Float32Array(2);
    convertCf32(sub, out, 1, 8);
    expect(Array.from(out)).toEqual([1.5, -2.25]);
  });
});

describe('convertSamples', () => {
  it('dispatches on the format', () => {
    const out = new Float32Array(2);
    expect(convertSamples('cu8', Uint8Array.from([255, 0]), out, 1)).toBe(1);
    expect(Array.from(out)).toEqual([1, -1]);
    expect(convertSamples('cs8', new Uint8Array(Int8Array.from([64, -64]).buffer), out, 1)).toBe(0);
    expect(Array.from(out)).toEqual([0.5, -0.5]);
  });
});

describe('parseFormat / lookupFormat / formatFromExtension', () => {
  const aliases: [string, string][] = [
    ['.cu8', 'cu8'], ['.data', 'cu8'], ['.complex16u', 'cu8'], ['cu8', 'cu8'],
    ['.cs8', 'cs8'], ['.complex16s', 'cs8'], ['ci8', 'cs8'],
    ['.cs16', 'cs16'], ['.complex32s', 'cs16'], ['ci16_le', 'cs16'],
    ['.cf32', 'cf32'], ['.cfile', 'cf32'], ['.complex', 'cf32'], ['.raw', 'cf32'], ['CF32_LE', 'cf32'],
  ];
  it.each(aliases)('%s → %s', (name, format) => {
    expect(parseFormat(name)).toBe(format);
    expect(lookupFormat(name)).toBe(format);
  });
  it('refuses junk with CONFIG naming the flag and listing the formats', () => {
    let err: unknown;
    try {
      parseFormat('wav', '--format');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QuietBandError);
    expect((err as QuietBandError).code).toBe('CONFIG');
    expect((err as Error).message).toMatch(/^--format: "wav" is not a sample format; use one of cu8, cs8, cs16, cf32/);
    expect(lookupFormat('toString')).toBeUndefined();
  });
  it('reads formats from file names', () => {
    expect(formatFromExtension('/a/b/x_433.92M_250k.CU8')).toBe('cu8');
    expect(formatFromExtension('gqrx_20240101_120000_433920000_2000000_fc.raw')).toBe('cf32');
    expect(formatFromExtension('tests/gfile001.data')).toBe('cu8');
    expect(formatFromExtension('rec.sigmf-data')).toBeUndefined();
    expect(formatFromExtension('noextension')).toBeUndefined();
    expect(formatFromExtension('dir.cu8/file')).toBeUndefined();
  });
});
