// SigMF meta reading/writing: bug-report metas (no sample_rate, empty captures), datatypes, header_bytes layout, captures.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QuietBandError } from '../../src/errors.js';
import { openFileSource } from '../../src/source/file-source.js';
import {
  buildSigmfMeta,
  datatypeToFormat,
  parseSigmfMeta,
  readSigmfMeta,
  sigmfPaths,
  sigmfSegments,
  writeSigmfMeta,
} from '../../src/source/sigmf.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-sigmf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writePair(name: string, meta: unknown, data: Uint8Array): string {
  const base = join(dir, name);
  writeFileSync(`${base}.sigmf-meta`, typeof meta === 'string' ? meta : JSON.stringify(meta));
  writeFileSync(`${base}.sigmf-data`, data);
  return base;
}

async function caught(p: Promise<unknown> | (() => unknown)): Promise<QuietBandError> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    expect(e).toBeInstanceOf(QuietBandError);
    return e as QuietBandError;
  }
  throw new Error('expected a QuietBandError');
}

describe('metas from public bug reports (docs/field-notes.md §19, §20)', () => {
  // SigMF#339 (sample_rate optional) + SigMF#291 (captures may be empty, frequency not implied 0).
  const meta = { global: { 'core:datatype': 'ci16_le', 'core:version': '1.0.0' }, captures: [], annotations: [] };
  const data = Buffer.alloc(4 * 10);
  for (let i = 0; i < 20; i++) data.writeInt16LE(i * 100 - 1000, 2 * i);
  const base = writePair('no-rate', meta, data);

  it('no core:sample_rate and "captures": [] → BAD_INPUT naming the file and the field', async () => {
    const err = await caught(openFileSource(`${base}.sigmf-meta`));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(`${base}.sigmf-meta: global.core:sample_rate: missing; pass --rate (e.g. --rate 250k)`);
  });
  it('works with a rate override: whole file from sample 0, centre unknown', async () => {
    const src = await openFileSource(`${base}.sigmf-data`, { rateSps: 1_000_000 });
    expect(src.info).toMatchObject({ format: 'cs16', rateSps: 1_000_000, centerHz: 0, centerKnown: false, totalSamples: 10 });
    const counts: number[] = [];
    for await (const b of src.blocks()) {
      counts.push(b.count);
      expect(b.samples[0]).toBe(-1000 / 32768);
      expect(b.samples[19]).toBe(900 / 32768);
      expect(b.tuneId).toBe(0);
      expect(b.discontinuity).toBe(false);
    }
    expect(counts).toEqual([10]);
  });
  it('the "dtype" key mistake of SigMF#114 gets a hint', () => {
    return caught(() => parseSigmfMeta({ global: { dtype: 'cf32_le' } }, 'x.sigmf-meta')).then((err) => {
      expect(err.message).toMatch(/^x\.sigmf-meta: global\.core:datatype: missing \(the key is "core:datatype", not "dtype"; SigMF#114\)/);
    });
  });
});

describe('datatypes', () => {
  it('maps the four supported types', () => {
    expect(datatypeToFormat('cu8', 'f')).toBe('cu8');
    expect(datatypeToFormat('ci8', 'f')).toBe('cs8');
    expect(datatypeToFormat('ci16_le', 'f')).toBe('cs16');
    expect(datatypeToFormat('cf32_le', 'f')).toBe('cf32');
  });
  const cases: [string, RegExp][] = [
    ['i16_le', /needs a leading r \(real\) or c \(complex\), e\.g\. "ri16_le" or "ci16_le"/],
    ['ri16_le', /real-valued samples cannot be read: QuietBand needs complex I\/Q \("ci16_le"\)/],
    ['ci16', /endianness suffix is mandatory for multi-byte types: "ci16_le"/],
    ['cf32_be', /big-endian data is not read: convert it to "cf32_le"/],
    ['cf64_le', /SigMF#226/],
    ['cs16', /the SigMF spelling is "ci16_le"/],
    ['ci32_le', /supported: cu8, ci8, ci16_le, cf32_le$/],
  ];
  it.each(cases)('%s is refused with advice', async (dt, advice) => {
    const err = await caught(() => parseSigmfMeta({ global: { 'core:datatype': dt, 'core:sample_rate': 1e6 } }, 'rec.sigmf-meta'));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toContain(`rec.sigmf-meta: global.core:datatype: "${dt}" is not supported; supported: cu8, ci8, ci16_le, cf32_le`);
    expect(err.message).toMatch(advice);
  });
  it('a numeric core:datatype names the file and field and lists the supported types (no raw schema message)', async () => {
    const base = writePair('numeric-datatype', { global: { 'core:datatype': 5, 'core:sample_rate': 1e6 } }, Buffer.alloc(16));
    const err = await caught(openFileSource(`${base}.sigmf-meta`));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(
      `${base}.sigmf-meta: global.core:datatype: 5 (a number) is not a datatype; it must be a string, one of: cu8, ci8, ci16_le, cf32_le (SigMF "Dataset Format", e.g. "cu8" for RTL-SDR bytes)`,
    );
    const nul = await caught(() => parseSigmfMeta({ global: { 'core:datatype': null } }, 'n.sigmf-meta'));
    expect(nul.message).toMatch(/^n\.sigmf-meta: global\.core:datatype: null \(a null\) is not a datatype; .*one of: cu8, ci8, ci16_le, cf32_le/);
  });
  it('cu8 bytes labelled cf32_le: refused at open, naming the meta, the datatype and the data file, before any block is read', async () => {
    // 0.1 s of RTL-SDR-like cu8 noise (bytes around 127.5, σ ≈ 10 LSB) with a tone, as a cu8 recorder writes it
    const n = 100_000;
    const bytes = Buffer.alloc(2 * n);
    let seed = 7;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // LCG (glibc constants)
      return seed / 2 ** 32;
    };
    for (let i = 0; i < n; i++) {
      const ph = (2 * Math.PI * 25_000 * i) / 1e6;
      bytes[2 * i] = Math.round(127.5 + 30 * Math.cos(ph) + 20 * (rnd() - 0.5));
      bytes[2 * i + 1] = Math.round(127.5 + 30 * Math.sin(ph) + 20 * (rnd() - 0.5));
    }
    const base = writePair('cu8-as-cf32', { global: { 'core:datatype': 'cf32_le', 'core:sample_rate': 1e6 }, captures: [{ 'core:sample_start': 0, 'core:frequency': 433.92e6 }] }, bytes);
    const err = await caught(openFileSource(`${base}.sigmf-meta`));
    expect(err.code).toBe('BAD_INPUT');
    // 200 000 bytes = 25 000 cf32 samples; 66 % of their float values are NaN/Inf/1e38/1e-38 (over the 50 % limit, and
    // over 10 % NaN/Inf/huge)
    const m = /^(.+): global\.core:datatype: "cf32_le", but (\d+) % of 25000 samples of (.+) \(its first that are not zero\) are not finite or absurd as float32 .*is global\.core:datatype right\?.*RTL-SDR bytes are cu8/.exec(err.message);
    expect(m, err.message).not.toBeNull();
    expect(m![1]).toBe(`${base}.sigmf-meta`);
    expect(m![3]).toBe(`${base}.sigmf-data`);
    expect(Number(m![2])).toBe(66);
    // read as what it is, the same file opens and yields its samples
    const src = await openFileSource(`${base}.sigmf-meta`, { format: 'cu8' });
    let total = 0;
    for await (const b of src.blocks()) total += b.count;
    expect(total).toBe(n);
  });
  it('a real cf32 file with a few NaN samples at its start still opens (the block reader drops them)', async () => {
    const iq = new Float32Array(2 * 4096);
    for (let i = 0; i < 4096; i++) iq[2 * i] = Math.cos(i / 10) * 0.1;
    for (let i = 0; i < 40; i++) iq[i] = Number.NaN; // 20 samples, 0.5 %
    const base = writePair('cf32-nan-start', { global: { 'core:datatype': 'cf32_le', 'core:sample_rate': 1e6 } }, Buffer.from(iq.buffer));
    const src = await openFileSource(`${base}.sigmf-meta`);
    let total = 0;
    for await (const b of src.blocks()) total += b.count;
    expect(total).toBe(4096 - 20);
  });
  it('a receiver settling (11 % NaN at the start) or a filter tail in subnormals (all ≈ 1e-36) still opens as cf32', async () => {
    const n = 65_536;
    const settling = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) settling[2 * i] = Math.cos(i / 10) * 0.1;
    settling.fill(Number.NaN, 0, 2 * 7_000);
    const tail = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) tail[2 * i] = (i < 50_000 ? 1e-36 : 0.1) * Math.cos(i / 10);
    for (const [name, iq] of [['cf32-settling', settling], ['cf32-subnormal-tail', tail]] as const) {
      const base = writePair(name, { global: { 'core:datatype': 'cf32_le', 'core:sample_rate': 1e6 } }, Buffer.from(iq.buffer));
      const src = await openFileSource(`${base}.sigmf-meta`);
      let total = 0;
      for await (const b of src.blocks()) total += b.count;
      expect(total).toBe(name === 'cf32-settling' ? n - 7_000 : n);
    }
  });
  it('cs16 labelled cf32_le is refused even when it starts with 0.2 s of zeros (the check skips blocks of zeros)', async () => {
    const n = 400_000;
    const iq = new Int16Array(2 * n);
    for (let i = 200_000; i < n; i++) {
      iq[2 * i] = Math.round(300 * Math.cos(i / 7) + 40 * Math.sin(i * 1.3));
      iq[2 * i + 1] = Math.round(300 * Math.sin(i / 7) + 40 * Math.cos(i * 0.7));
    }
    const base = writePair('cs16-zero-start', { global: { 'core:datatype': 'cf32_le', 'core:sample_rate': 1e6 } }, Buffer.from(iq.buffer));
    const err = await caught(openFileSource(`${base}.sigmf-meta`));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(/global\.core:datatype: "cf32_le", but \d+ % of \d+ samples of .*\(its first that are not zero\) are not finite/);
  });
  it('a --format override reads a mislabelled file anyway and warns', async () => {
    const data = Buffer.alloc(16);
    data.writeFloatLE(3.5, 0);
    const base = writePair('mislabelled', { global: { 'core:datatype': 'cf64_le', 'core:sample_rate': 48000 } }, data);
    const warnings: string[] = [];
    const src = await openFileSource(`${base}.sigmf-meta`, { format: 'cf32', onWarning: (m) => warnings.push(m) });
    expect(src.info.totalSamples).toBe(2);
    expect(warnings).toEqual([`${base}.sigmf-meta: global.core:datatype is "cf64_le" but the samples are read as cf32 (--format)`]);
    for await (const b of src.blocks()) expect(b.samples[0]).toBe(3.5);
  });
});

describe('structure errors name the field', () => {
  it('captures[1].core:frequency of the wrong type', async () => {
    const err = await caught(() =>
      parseSigmfMeta(
        { global: { 'core:datatype': 'cu8' }, captures: [{ 'core:sample_start': 0 }, { 'core:sample_start': 5, 'core:frequency': '433.92M' }] },
        'm.sigmf-meta',
      ),
    );
    expect(err.message).toMatch(/^m\.sigmf-meta: captures\[1\]\.core:frequency: /);
  });
  it('captures out of order', async () => {
    const err = await caught(() =>
      parseSigmfMeta({ global: { 'core:datatype': 'cu8' }, captures: [{ 'core:sample_start': 10 }, { 'core:sample_start': 5 }] }, 'm.sigmf-meta'),
    );
    expect(err.message).toBe('m.sigmf-meta: captures[1].core:sample_start: 5 is before captures[0] (10); captures must be in sample order');
  });
  it('not JSON', async () => {
    const base = writePair('notjson', '{"global": ', new Uint8Array(2));
    const err = await caught(readSigmfMeta(`${base}.sigmf-data`));
    expect(err.message).toMatch(/notjson\.sigmf-meta: not valid JSON/);
  });
  it('headers larger than the file', () => {
    const meta = parseSigmfMeta({ global: { 'core:datatype': 'cu8' }, captures: [{ 'core:sample_start': 0, 'core:header_bytes': 100 }] }, 'h.sigmf-meta');
    expect(() => sigmfSegments(meta, 50, 2)).toThrow(/h\.sigmf-data: core:header_bytes: headers \(100 bytes\) and trailing bytes \(0\) exceed the data file \(50 bytes\)/);
  });
});

describe('header_bytes, trailing_bytes and several captures (docs/field-notes.md §20)', () => {
  // capture 0: 16 header bytes then samples 0..99 at 433.92 MHz; capture 1: 7 header bytes then samples 100..149 at
  // 868.3 MHz; 5 trailing bytes. Sample n has I = n % 251, Q = 255 − (n % 251).
  const bytes: number[] = [];
  const pushSamples = (a: number, b: number): void => {
    for (let n = a; n < b; n++) bytes.push(n % 251, 255 - (n % 251));
  };
  for (let i = 0; i < 16; i++) bytes.push(0xaa);
  pushSamples(0, 100);
  for (let i = 0; i < 7; i++) bytes.push(0xbb);
  pushSamples(100, 150);
  for (let i = 0; i < 5; i++) bytes.push(0xcc);
  const meta = {
    global: { 'core:datatype': 'cu8', 'core:sample_rate': 250000, 'core:trailing_bytes': 5 },
    captures: [
      { 'core:sample_start': 0, 'core:frequency': 433.92e6, 'core:header_bytes': 16, 'core:datetime': '2024-05-01T10:00:00Z' },
      { 'core:sample_start': 100, 'core:frequency': 868.3e6, 'core:header_bytes': 7, 'core:datetime': '2024-05-01T10:00:01Z' },
    ],
  };
  const base = writePair('headers', meta, Uint8Array.from(bytes));

  it('lays out byte offsets as Σ header_bytes + n × sample size', () => {
    const m = parseSigmfMeta(meta, `${base}.sigmf-meta`);
    const layout = sigmfSegments(m, bytes.length, 2);
    expect(layout.danglingBytes).toBe(0);
    expect(layout.totalSamples).toBe(150);
    expect(layout.segments.map((s) => [s.sampleStart, s.sampleCount, s.byteOffset, s.centerHz])).toEqual([
      [0, 100, 16, 433.92e6],
      [100, 50, 16 + 7 + 200, 868.3e6],
    ]);
  });

  it('streams the samples, new tuneId, centre and discontinuity at the capture boundary', async () => {
    const src = await openFileSource(`${base}.sigmf-meta`, { blockSamples: 64 });
    expect(src.info).toMatchObject({ rateSps: 250000, centerHz: 433.92e6, centerKnown: true, totalSamples: 150, datetime: '2024-05-01T10:00:00Z' });
    const seen: [number, number, number, number, boolean][] = [];
    let expectedN = 0;
    for await (const b of src.blocks()) {
      seen.push([b.firstSample, b.count, b.centerHz, b.tuneId, b.discontinuity]);
      for (let j = 0; j < b.count; j++, expectedN++) {
        expect(b.samples[2 * j]).toBe(Math.fround(((expectedN % 251) - 127.5) / 127.5));
        expect(b.samples[2 * j + 1]).toBe(Math.fround((255 - (expectedN % 251) - 127.5) / 127.5));
      }
    }
    expect(expectedN).toBe(150);
    expect(seen).toEqual([
      [0, 64, 433.92e6, 0, false],
      [64, 36, 433.92e6, 0, false],
      [100, 50, 868.3e6, 1, true],
    ]);
  });

  it('a capture starting after sample 0 skips the samples before it (SigMF#93); same frequency keeps the tuneId', async () => {
    const data = new Uint8Array(20);
    for (let i = 0; i < 20; i++) data[i] = i * 10;
    const b2 = writePair('late-start', {
      global: { 'core:datatype': 'cu8', 'core:sample_rate': 1000 },
      captures: [{ 'core:sample_start': 3, 'core:frequency': 1e8 }, { 'core:sample_start': 6 }],
    }, data);
    const src = await openFileSource(`${b2}.sigmf-meta`);
    expect(src.info.totalSamples).toBe(7);
    const got: [number, number, number, boolean, number][] = [];
    for await (const b of src.blocks()) got.push([b.firstSample, b.count, b.tuneId, b.discontinuity, b.centerHz]);
    expect(got).toEqual([
      [3, 3, 0, false, 1e8],
      [6, 4, 0, true, 1e8], // no core:frequency: keeps the previous capture's; still a new segment
    ]);
  });

  it('a --center override applies to every capture', async () => {
    const src = await openFileSource(`${base}.sigmf-meta`, { centerHz: 100e6 });
    const centres: number[] = [];
    const tunes: number[] = [];
    for await (const b of src.blocks()) {
      centres.push(b.centerHz);
      tunes.push(b.tuneId);
    }
    expect(centres).toEqual([100e6, 100e6]);
    expect(tunes).toEqual([0, 0]);
  });
});

describe('offsets past 2^31 and 2^32 bytes (docs/field-notes.md §15)', () => {
  it('reads samples placed after 2 GiB and 4 GiB of header bytes (sparse file)', async () => {
    const { promises: fsp } = await import('node:fs');
    const base = join(dir, 'huge');
    const h0 = 2 ** 31 - 1; // capture 0 starts 1 byte before 2^31
    const h1 = 2 ** 32; // capture 1 starts past 2^32 + 2^31
    const off0 = h0;
    const off1 = h0 + 2 * 2 + h1;
    const fh = await fsp.open(`${base}.sigmf-data`, 'w');
    await fh.write(Uint8Array.from([255, 0, 10, 20]), 0, 4, off0);
    await fh.write(Uint8Array.from([30, 40, 50, 60]), 0, 4, off1);
    await fh.close();
    writeFileSync(`${base}.sigmf-meta`, JSON.stringify({
      global: { 'core:datatype': 'cu8', 'core:sample_rate': 1e6 },
      captures: [
        { 'core:sample_start': 0, 'core:header_bytes': h0, 'core:frequency': 1e8 },
        { 'core:sample_start': 2, 'core:header_bytes': h1, 'core:frequency': 2e8 },
      ],
    }));
    const src = await openFileSource(`${base}.sigmf-meta`);
    expect(src.info.totalSamples).toBe(4);
    const vals: number[] = [];
    const clips: number[] = [];
    for await (const b of src.blocks()) {
      for (let i = 0; i < 2 * b.count; i++) vals.push(Math.round(b.samples[i] * 127.5 + 127.5));
      clips.push(b.clipFraction);
    }
    expect(vals).toEqual([255, 0, 10, 20, 30, 40, 50, 60]);
    expect(clips).toEqual([0.5, 0]);
  });
});

describe('writeSigmfMeta', () => {
  it('writes a meta that reads back with every field', async () => {
    const base = join(dir, 'written');
    const metaPath = await writeSigmfMeta(`${base}.sigmf-data`, {
      format: 'cs16',
      rateSps: 2_048_000,
      centerHz: 433_920_000,
      datetime: '2024-06-01T08:00:00.000Z',
      description: 'exam hall A',
      annotations: [
        { sampleStart: 5000, sampleCount: 100, freqLowerHz: 433.9e6, freqUpperHz: 433.95e6, label: 'ook', comment: 'second' },
        { sampleStart: 10, sampleCount: 20, freqLowerHz: 434e6, freqUpperHz: 434.1e6, label: 'fm', comment: 'first' },
      ],
    });
    expect(metaPath).toBe(`${base}.sigmf-meta`);
    const json = JSON.parse(readFileSync(metaPath, 'utf8'));
    expect(json.global).toEqual({
      'core:datatype': 'ci16_le',
      'core:sample_rate': 2_048_000,
      'core:version': '1.0.0',
      'core:recorder': 'quietband',
      'core:description': 'exam hall A',
    });
    expect(json.captures).toEqual([{ 'core:sample_start': 0, 'core:frequency': 433_920_000, 'core:datetime': '2024-06-01T08:00:00.000Z' }]);
    expect(json.annotations.map((a: Record<string, unknown>) => a['core:sample_start'])).toEqual([10, 5000]);
    expect(json.annotations[1]).toEqual({
      'core:sample_start': 5000,
      'core:sample_count': 100,
      'core:freq_lower_edge': 433.9e6,
      'core:freq_upper_edge': 433.95e6,
      'core:label': 'ook',
      'core:comment': 'second',
    });
    const back = await readSigmfMeta(metaPath);
    expect(back).toMatchObject({ format: 'cs16', rateSps: 2_048_000, datatype: 'ci16_le', dataPath: `${base}.sigmf-data` });
    expect(back.captures).toEqual([{ sampleStart: 0, centerHz: 433_920_000, datetime: '2024-06-01T08:00:00.000Z', headerBytes: 0 }]);
    expect(back.annotations[0]).toEqual({ sampleStart: 10, sampleCount: 20, freqLowerHz: 434e6, freqUpperHz: 434.1e6, label: 'fm', comment: 'first' });
  });
  it('omits absent optionals and writes several captures', () => {
    const m = buildSigmfMeta({ format: 'cu8', rateSps: 250000, captures: [{ sampleStart: 0, centerHz: 1e8 }, { sampleStart: 100 }] });
    expect(m.captures).toEqual([{ 'core:sample_start': 0, 'core:frequency': 1e8 }, { 'core:sample_start': 100 }]);
    expect(m.annotations).toEqual([]);
    expect(JSON.stringify(m)).not.toContain('null');
  });
  it('sigmfPaths pairs the halves', () => {
    expect(sigmfPaths('/a/b.sigmf-data')).toEqual({ metaPath: '/a/b.sigmf-meta', dataPath: '/a/b.sigmf-data' });
    expect(sigmfPaths('/a/b')).toEqual({ metaPath: '/a/b.sigmf-meta', dataPath: '/a/b.sigmf-data' });
  });
  it('refuses an unwritable folder with IO', async () => {
    const err = await caught(writeSigmfMeta('/proc/nope/x', { format: 'cu8', rateSps: 1 }));
    expect(err.code).toBe('IO');
    expect(err.message).toMatch(/^\/proc\/nope\/x\.sigmf-meta: cannot write the SigMF meta/);
  });
});
