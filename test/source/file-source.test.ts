// File source: real captures end to end, odd sizes, overrides, block splitting, lifecycle, flag parsing, constant memory.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { QuietBandError } from '../../src/errors.js';
import { openFileSource, parseFrequency, parseRate } from '../../src/source/file-source.js';
import { BYTES_PER_COMPLEX, type SampleFormat } from '../../src/types.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const capturesDir = resolve(repoRoot, '../shared/captures');
const truth = JSON.parse(readFileSync(resolve(capturesDir, 'truth.json'), 'utf8')) as {
  captures: Record<string, { format: SampleFormat; rateSps: number; centerHz: number | null; durationS: number }>;
};
const dir = mkdtempSync(join(tmpdir(), 'qb-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

/** Reads a whole source; returns sample count, block count and the overall clip fraction (weighted by samples). */
async function drain(path: string, opts = {}): Promise<{ samples: number; blocks: number; clip: number; maxAbs: number; powerSum: number }> {
  const src = await openFileSource(path, opts);
  let samples = 0;
  let blocks = 0;
  let clip = 0;
  let maxAbs = 0;
  let powerSum = 0;
  for await (const b of src.blocks()) {
    expect(b.firstSample).toBe(samples);
    samples += b.count;
    blocks++;
    clip += b.clipFraction * b.count;
    for (let i = 0; i < 2 * b.count; i++) {
      const v = b.samples[i];
      if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
      powerSum += v * v;
    }
  }
  return { samples, blocks, clip: samples > 0 ? clip / samples : 0, maxAbs, powerSum };
}

describe('real captures (../shared/captures)', () => {
  const named = Object.keys(truth.captures);
  it.each(named)('%s: info and sample count from the name', async (name) => {
    const t = truth.captures[name];
    const path = join(capturesDir, name);
    const src = await openFileSource(path);
    expect(src.info.format).toBe(t.format);
    expect(src.info.rateSps).toBe(t.rateSps);
    expect(src.info.centerKnown).toBe(t.centerHz !== null);
    expect(src.info.centerHz).toBe(t.centerHz ?? 0);
    expect(src.info.label).toBe(name);
    const bytes = statSync(path).size;
    expect(src.info.totalSamples).toBe(bytes / BYTES_PER_COMPLEX[t.format]);
    expect((src.info.totalSamples as number) / t.rateSps).toBeCloseTo(t.durationS, 5);
    await src.close();
  });

  // Clip fractions from MANIFEST.md ("clipped samples" = share of bytes at 0/255).
  const clips: [string, number][] = [
    ['ambient_weather_F007TH_433.92M_250k.cu8', 0.065],
    ['pt2262_PIR_gfile001_433.92M_250k.cu8', 0.2549],
    ['dump1090_modes1_1090M_2000k.cu8', 0.0008],
    ['danfoss_CFR_FSK_dfile001_250k.cu8', 0.0399],
    ['cardin_S466-TX2_27.195M_250k.cu8', 0.1476],
  ];
  it.each(clips)('%s: clip fraction %f as MANIFEST', async (name, expected) => {
    const r = await drain(join(capturesDir, name));
    expect(r.clip).toBeCloseTo(expected, 4);
  });

  it('GSM cf32 is read unnormalised: |max| 9862, rms 5180.5 (MANIFEST)', async () => {
    const r = await drain(join(capturesDir, 'gsm_GSMSP_robert_941M_4000k.cf32'));
    expect(r.samples).toBe(80000);
    expect(r.maxAbs).toBe(9862);
    expect(Math.sqrt(r.powerSum / r.samples)).toBeCloseTo(5180.47, 1);
    expect(r.clip).toBe(0);
  });

  it('URH files need --rate; with it, cs8 and cs16 stream whole', async () => {
    const cs8 = join(capturesDir, 'urh_two_participants_rateUnknown.cs8');
    const err = await caught(openFileSource(cs8));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe(`${cs8}: sample rate: unknown; pass --rate (e.g. --rate 250k)`);
    const r8 = await drain(cs8, { rateSps: 1e6 });
    expect(r8.samples).toBe(1_096_900);
    expect(r8.clip).toBe(0); // raw range −127..126 (MANIFEST): nothing at the −128/127 rails
    expect(r8.maxAbs).toBe(127 / 128);
    const r16 = await drain(join(capturesDir, 'urh_homematic_rateUnknown.cs16'), { rateSps: 1e6, blockSamples: 10000 });
    expect(r16.samples).toBe(117_396);
    expect(r16.blocks).toBe(12);
    expect(r16.maxAbs).toBe(901 / 32768); // raw range −899..901 (MANIFEST)
  });

  it('every capture in the folder opens (with --rate for the unnamed ones)', async () => {
    const files = readdirSync(capturesDir).filter((n) => !/\.(md|json)$/.test(n));
    let total = 0;
    for (const n of files) {
      const src = await openFileSource(join(capturesDir, n), { rateSps: 1e6 });
      total += statSync(join(capturesDir, n)).size / BYTES_PER_COMPLEX[src.info.format];
      expect(src.info.totalSamples).toBe(statSync(join(capturesDir, n)).size / BYTES_PER_COMPLEX[src.info.format]);
      await src.close();
    }
    expect(files.length).toBe(19);
    expect(total).toBeGreaterThan(0);
  });
});

describe('odd and partial sizes (docs/field-notes.md §18)', () => {
  it('a cu8 with an odd byte count gives the whole pairs and exactly one warning', async () => {
    const path = join(dir, 'odd_433.92M_250k.cu8');
    const bytes = new Uint8Array(2 * 1000 + 1);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) % 256;
    writeFileSync(path, bytes);
    const warnings: string[] = [];
    const codes: unknown[] = [];
    const src = await openFileSource(path, { blockSamples: 256, onWarning: (m, code) => (warnings.push(m), codes.push(code)) });
    expect(src.info.totalSamples).toBe(1000);
    // coded, so the Chinese terminal words it (it printed this English under LANG=zh_CN.UTF-8)
    expect(codes).toEqual([{ id: 'file.dangling', params: { path, bytes: 2001, format: 'cu8', bps: 2, samples: 1000, dangling: 1 } }]);
    let n = 0;
    let last = 0;
    for await (const b of src.blocks()) {
      n += b.count;
      last = b.samples[2 * b.count - 1];
    }
    expect(n).toBe(1000);
    expect(last).toBe(Math.fround((((1999 * 7) % 256) - 127.5) / 127.5)); // real data, never zero-filled
    expect(warnings).toEqual([
      `${path}: 2001 bytes is not a whole number of cu8 samples (2 bytes each); reading 1000 samples and ignoring 1 dangling byte at the end`,
    ]);
  });

  it('a WAV file is refused in words, also renamed and with --format: its header and sound are not I/Q', async () => {
    // a 16-bit mono WAV: RIFF header, then PCM (the trial's carkey.wav got "pass --format (cu8, …)", which reads it as I/Q)
    const wav = Buffer.alloc(44 + 1600);
    wav.write('RIFF', 0, 'latin1');
    wav.writeUInt32LE(wav.length - 8, 4);
    wav.write('WAVEfmt ', 8, 'latin1');
    const why = (p: string): string => `${p}: a WAV file (sound, or the 2-channel I/Q WAV of SDR# or HDSDR), which QuietBand does not read: it reads raw I/Q (cu8, cs8, cs16, cf32) or SigMF; record one with quietband record or rtl_sdr`;
    const named = join(dir, 'carkey.wav');
    const renamed = join(dir, 'carkey_433.92M_250k.cu8');
    writeFileSync(named, wav);
    writeFileSync(renamed, wav);
    await expect(openFileSource(named, { rateSps: 250_000 })).rejects.toThrow(why(named));
    await expect(openFileSource(named, { format: 'cu8', rateSps: 250_000 })).rejects.toThrow(why(named));
    await expect(openFileSource(renamed)).rejects.toThrow(why(renamed));
    // RIFF without WAVE (another RIFF kind) and bytes that only begin alike are samples like any others
    wav.write('AVI ', 8, 'latin1');
    writeFileSync(renamed, wav);
    expect((await openFileSource(renamed)).info.totalSamples).toBe(wav.length / 2);
  });

  it('a cf32 whose size is not a multiple of 8: whole samples, one warning naming 5 dangling bytes', async () => {
    const path = join(dir, 'partial_100M_1M.cfile');
    const buf = Buffer.alloc(8 * 3 + 5);
    [12345.5, -9862, 0.125, -1e-3, 3e4, -7].forEach((v, i) => buf.writeFloatLE(v, 4 * i));
    writeFileSync(path, buf);
    const warnings: string[] = [];
    const src = await openFileSource(path, { onWarning: (m) => warnings.push(m) });
    const vals: number[] = [];
    for await (const b of src.blocks()) for (let i = 0; i < 2 * b.count; i++) vals.push(b.samples[i]);
    expect(vals).toEqual([12345.5, -9862, 0.125, Math.fround(-1e-3), 3e4, -7]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${path}: 29 bytes`);
    expect(warnings[0]).toContain('ignoring 5 dangling bytes at the end');
  });

  it('a --rate or --center that disagrees with the file name warns (the option wins); one that agrees, or a file that says nothing, does not', async () => {
    const path = join(dir, 'named_868.3M_250k.cu8');
    writeFileSync(path, new Uint8Array(64).fill(128));
    const warned = async (o: { rateSps?: number; centerHz?: number }) => {
      const warnings: string[] = [];
      const src = await openFileSource(path, { ...o, onWarning: (m) => warnings.push(m) });
      expect([src.info.rateSps, src.info.centerHz]).toEqual([o.rateSps ?? 250_000, o.centerHz ?? 868_300_000]);
      await src.close();
      return warnings;
    };
    expect(await warned({ rateSps: 1_000_000 })).toEqual([`${path}: read at 1000000 S/s (--rate), but its file name says 250000 S/s; times and bandwidths follow --rate`]);
    expect(await warned({ centerHz: 868.3 })).toEqual([`${path}: centre 868.3 Hz (--center), but its file name says 868300000 Hz; frequencies follow --center (write e.g. 868.3M for MHz)`]);
    expect(await warned({ rateSps: 250_000, centerHz: 868_300_000 })).toEqual([]);
    expect(await warned({ rateSps: 251_000 })).toEqual([]); // within 1 %
    const bare = join(dir, 'bare.cu8');
    writeFileSync(bare, new Uint8Array(64).fill(128));
    const warnings: string[] = [];
    const src = await openFileSource(bare, { rateSps: 250_000, centerHz: 868.3, onWarning: (m) => warnings.push(m) });
    await src.close();
    expect(warnings).toEqual([`${bare}: centre 868.3 Hz (--center) is under 1 kHz; write e.g. 868.3M for MHz`]);
  });

  it('a file shorter than one sample yields no blocks', async () => {
    const path = join(dir, 'tiny_1M.cs16');
    writeFileSync(path, Uint8Array.from([1, 2, 3]));
    const warnings: string[] = [];
    const r = await drain(path, { onWarning: (m: string) => warnings.push(m) });
    expect(r.samples).toBe(0);
    expect(warnings).toHaveLength(1);
  });
});

describe('options and lifecycle', () => {
  const path = join(dir, 'seq_433.92M_250k.cu8');
  const bytes = new Uint8Array(2000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
  writeFileSync(path, bytes);

  it('splits into blockSamples blocks with running firstSample', async () => {
    const src = await openFileSource(path, { blockSamples: 300 });
    const got: [number, number][] = [];
    for await (const b of src.blocks()) got.push([b.firstSample, b.count]);
    expect(got).toEqual([[0, 300], [300, 300], [600, 300], [900, 100]]);
  });

  it('reuses one block object and one sample buffer (valid until the next block)', async () => {
    const src = await openFileSource(path, { blockSamples: 500 });
    const blocks = new Set<unknown>();
    const arrays = new Set<unknown>();
    for await (const b of src.blocks()) {
      blocks.add(b);
      arrays.add(b.samples);
    }
    expect(blocks.size).toBe(1);
    expect(arrays.size).toBe(1);
  });

  it('flags beat the file name: rate, centre, format', async () => {
    const src = await openFileSource(path, { rateSps: 2_400_000, centerHz: 100e6, format: 'cs8' });
    expect(src.info).toMatchObject({ rateSps: 2_400_000, centerHz: 100e6, centerKnown: true, format: 'cs8', totalSamples: 1000 });
    for await (const b of src.blocks()) {
      expect(b.centerHz).toBe(100e6);
      expect(b.rateSps).toBe(2_400_000);
      expect(b.samples[255]).toBe(-1 / 128); // byte 255 read as int8 −1
    }
  });

  it('unknown extension without --format is BAD_INPUT', async () => {
    const p = join(dir, 'capture_1M.bin');
    writeFileSync(p, new Uint8Array(4));
    const err = await caught(openFileSource(p));
    expect(err.message).toBe(`${p}: format: unknown extension; pass --format (cu8, cs8, cs16, cf32)`);
    const src = await openFileSource(p, { format: 'cu8' });
    expect(src.info.totalSamples).toBe(2);
    await src.close();
  });

  it('missing file is BAD_INPUT naming it', async () => {
    const p = join(dir, 'nope_1M.cu8');
    const err = await caught(openFileSource(p));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the capture`));
  });

  it('bad blockSamples is CONFIG', async () => {
    const err = await caught(openFileSource(path, { blockSamples: 0 }));
    expect(err.code).toBe('CONFIG');
  });

  it('blocks() twice throws; close() is idempotent and stops an iteration', async () => {
    const src = await openFileSource(path, { blockSamples: 100 });
    let n = 0;
    for await (const b of src.blocks()) {
      n += b.count;
      if (n === 200) await src.close();
    }
    expect(n).toBe(200);
    await src.close();
    await expect(async () => {
      for await (const _ of src.blocks()) void _;
    }).rejects.toThrow(/already called/);
  });

  it('reads one block ahead: each block holds its own bytes while the next is read, and a break closes the file', async () => {
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    const src = await openFileSource(path, { blockSamples: 300 });
    const firsts: number[] = [];
    for await (const b of src.blocks()) {
      // the next read is in flight now (into the other buffer): this block's samples are still bytes 2·first…
      await new Promise((r) => setTimeout(r, 5));
      expect(b.samples[0]).toBe(Math.fround(((2 * b.firstSample) % 256 - 127.5) / 127.5));
      expect(b.samples[2 * b.count - 1]).toBe(Math.fround(((2 * (b.firstSample + b.count) - 1) % 256 - 127.5) / 127.5));
      firsts.push(b.firstSample);
      if (firsts.length === 2) break; // with the third block's read in flight
    }
    expect(firsts).toEqual([0, 300]);
    expect(fds()).toBe(before); // the handle is closed once the in-flight read settled
  });
});

describe('parseRate / parseFrequency', () => {
  it('parses SI suffixes and plain numbers', () => {
    expect(parseRate('250k')).toBe(250_000);
    expect(parseRate('2.4M')).toBe(2_400_000);
    expect(parseRate('2400000')).toBe(2_400_000);
    expect(parseRate('2.048e6')).toBe(2_048_000);
    expect(parseRate('1024000 sps')).toBe(1_024_000);
    expect(parseFrequency('433.92M')).toBe(433_920_000);
    expect(parseFrequency('868300000')).toBe(868_300_000);
    expect(parseFrequency('1.09G')).toBe(1_090_000_000);
    expect(parseFrequency('27.195M')).toBe(27_195_000);
    expect(parseFrequency('5000000000')).toBe(5e9); // past 2^32 stays exact
  });
  it.each(['', 'abc', '-250k', '0', '250m', '1e', '2.4MHz!', 'NaN'])('rejects %j naming the flag', async (junk) => {
    const e1 = await caught(() => parseRate(junk));
    expect(e1.code).toBe('CONFIG');
    expect(e1.message.startsWith(`--rate: "${junk}" is not a sample rate`)).toBe(true);
    const e2 = await caught(() => parseFrequency(junk, '--freq'));
    expect(e2.message.startsWith(`--freq: "${junk}" is not a frequency`)).toBe(true);
  });
});

describe('constant memory on a large file', () => {
  it('streams 200 MB of cu8 with RSS growth < 50 MB', async () => {
    const path = join(dir, 'big_433.92M_2400k.cu8');
    const size = 200 * 1024 * 1024;
    const fh = await fsp.open(path, 'w');
    await fh.truncate(size); // sparse: all zeros, so every value sits on the 0 rail
    await fh.write(Uint8Array.from([128, 127]), 0, 2, size - 2);
    await fh.close();
    globalThis.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const src = await openFileSource(path);
    let n = 0;
    let blocks = 0;
    let clipSum = 0;
    let lastI = 0;
    for await (const b of src.blocks()) {
      n += b.count;
      blocks++;
      clipSum += b.clipFraction * b.count;
      lastI = b.samples[2 * b.count - 2];
      if ((blocks & 63) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(n).toBe(size / 2);
    expect(blocks).toBe(Math.ceil(size / 2 / 65536));
    expect(clipSum / n).toBeCloseTo(1 - 1 / n, 9);
    expect(lastI).toBe(Math.fround(0.5 / 127.5));
    const growthMb = (peak - rss0) / 1e6;
    console.log(`200 MB cu8: RSS growth ${growthMb.toFixed(1)} MB`);
    expect(growthMb).toBeLessThan(50);
  });
});
