// SoapySource over the quietband-fake SoapySDR module (test/fake-soapy), loaded by the real SoapySDR 0.8 runtime from
// SOAPY_SDR_PLUGIN_PATH: exact bytes of a recording at 2.4 and 20 MS/s in CS16/CF32/CS8, the seeded synthetic signal's
// bursts where its schedule puts them, dropped blocks when the consumer stalls, SOAPY_SDR_OVERFLOW (counted as a
// dropped block) when the whole process stalls, and `quietband devices` listing the fake with its ranges.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SoapyBinding } from '../../native-bindings/soapy.js';
import { SoapySource, type SoapySourceOptions } from '../../src/source/soapy-source.js';
import { buildOnce, REPO } from '../daemon/helpers.js';
import { FAKE_SOAPY_DRIVER, soapyWithFake } from '../fake-soapy/build.js';
import { runStalledChild } from '../fake-soapy/stall-child.js';

const execFileAsync = promisify(execFile);
let binding: SoapyBinding;
let moduleDir = '';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-soapy-fake-'));
const sources: SoapySource[] = [];

beforeAll(async () => {
  ({ binding, moduleDir } = await soapyWithFake());
}, 120_000);

afterEach(async () => {
  for (const s of sources.splice(0)) await s.close().catch(() => undefined);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function open(args: string, extra: Partial<SoapySourceOptions> = {}): Promise<SoapySource> {
  const s = await SoapySource.open({ args: `driver=${FAKE_SOAPY_DRIVER},${args}`, centerHz: 2_440_000_000, rateSps: 2_400_000, gain: 20, binding, ...extra });
  sources.push(s);
  return s;
}

/** Seeded bytes (xorshift32), the same for every run. */
function seeded(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A recording of `samples` complex samples in `format` with seeded values (cf32: multiples of 2^-15, exact in float). */
function recording(format: 'cs8' | 'cs16' | 'cf32', samples: number, seed: number): { file: string; values: Float32Array } {
  const raw = seeded(4 * samples, seed);
  const values = new Float32Array(2 * samples);
  let bytes: Uint8Array;
  if (format === 'cs8') {
    const v = new Int8Array(raw.buffer, 0, 2 * samples);
    for (let i = 0; i < values.length; i++) values[i] = v[i]! / 128;
    bytes = new Uint8Array(raw.buffer, 0, 2 * samples);
  } else {
    const v = new Int16Array(raw.buffer, 0, 2 * samples);
    for (let i = 0; i < values.length; i++) values[i] = v[i]! / 32768;
    bytes = format === 'cs16' ? new Uint8Array(raw.buffer, 0, 4 * samples) : new Uint8Array(values.buffer);
  }
  const file = path.join(tmp, `rec-${seed}.${format}`);
  writeFileSync(file, bytes);
  return { file, values };
}

interface StreamCheck {
  samples: number;
  mismatches: number;
  firstMismatch: number;
  discontinuities: number;
  wallS: number;
}

/**
 * True when `n` floats of `a` from `aAt` and of `b` from `bAt` are the same bytes (memcmp): ≈ 20× less CPU than a
 * loop over the values, so the consumer of a 20 MS/s stream does not fall behind on a loaded machine because of the
 * check itself (the loop cost 0.36 s of CPU per 3 s of 20 MS/s). Equal bytes mean equal values (the recordings hold
 * no NaN); unequal bytes are compared value by value to count the mismatches.
 */
function sameBytes(a: Float32Array, aAt: number, b: Float32Array, bAt: number, n: number): boolean {
  return Buffer.from(a.buffer, a.byteOffset + 4 * aAt, 4 * n).equals(Buffer.from(b.buffer, b.byteOffset + 4 * bAt, 4 * n));
}

/**
 * Streams `seconds` of signal and compares every sample with the looped recording at the block's firstSample.
 * `wallS` runs from the start of the iteration (stream start) to the last block.
 */
async function streamAndCompare(src: SoapySource, values: Float32Array, seconds: number, onBlock?: (k: number) => void): Promise<StreamCheck> {
  const len = values.length;
  const want = seconds * src.info.rateSps;
  const r: StreamCheck = { samples: 0, mismatches: 0, firstMismatch: -1, discontinuities: 0, wallS: 0 };
  const t0 = performance.now();
  let k = 0;
  for await (const b of src.blocks()) {
    if (b.discontinuity && k > 0) r.discontinuities++;
    const start = (2 * b.firstSample) % len;
    const s = b.samples;
    // the block as two pieces (the recording loops; a block longer than the recording takes the value-by-value pass):
    // byte-equal pieces need no value-by-value pass
    const head = Math.min(2 * b.count, len - start);
    const tail = 2 * b.count - head;
    const same = tail <= len && sameBytes(s, 0, values, start, head) && (tail === 0 || sameBytes(s, head, values, 0, tail));
    let at = start;
    for (let i = 0; !same && i < 2 * b.count; i++) {
      if (s[i] !== values[at]) {
        if (r.firstMismatch < 0) r.firstMismatch = b.firstSample + (i >> 1);
        r.mismatches++;
      }
      if (++at === len) at = 0;
    }
    r.samples += b.count;
    onBlock?.(k++);
    if (r.samples >= want) break;
  }
  r.wallS = (performance.now() - t0) / 1000;
  return r;
}

function readStats(file: string): { samplesRead: number; samplesLost: number; overflows: number; rateSps: number } {
  return JSON.parse(readFileSync(file, 'utf8')) as { samplesRead: number; samplesLost: number; overflows: number; rateSps: number };
}

describe('SoapySource over the quietband-fake SoapySDR module', () => {
  it.each([
    ['CS16', 'cs16', 1.5],
    ['CF32', 'cf32', 1.0],
  ] as const)('native %s at 2.4 MS/s: every sample of the looped %s recording, 0 dropped blocks, 0 overflows', async (native, format, seconds) => {
    const { file, values } = recording(format, 1_200_000, 11); // 0.5 s: looped 2–3 times
    const stats = path.join(tmp, `stats-${native}.json`);
    // buffer_ms=1000: a 1 s device buffer, so that this shared machine's scheduling stalls do not overflow it
    const src = await open(`serial=QBFAKE01,native=${native},file=${file},stats=${stats},buffer_ms=1000`);
    expect(src.stream).toEqual({ soapyFormat: native, sampleFormat: format, native: true, offsetBinary: false });
    expect(src.info).toMatchObject({ rateSps: 2_400_000, centerHz: 2_440_000_000, format });
    // 20 dB overall, distributed by SoapySDR over the elements in list order: LNA min(20, 40) → its nearest 8 dB step 24,
    // nothing left for VGA and AMP
    expect(src.info.deviceId).toBe('QuietBandFake:QBFAKE01 gains LNA=24,VGA=0,AMP=0');
    const r = await streamAndCompare(src, values, seconds);
    const h = src.health();
    await src.close();
    expect(r).toMatchObject({ mismatches: 0, discontinuities: 0 });
    expect(r.samples).toBeGreaterThanOrEqual(seconds * 2_400_000);
    expect(h.droppedBlocks).toBe(0);
    expect(h.overflows).toBe(0);
    // paced in real time: never faster than the signal's duration, at most 1 s (the pool) later
    expect(r.wallS).toBeGreaterThan(r.samples / 2_400_000 - 0.02);
    expect(r.wallS).toBeLessThan(r.samples / 2_400_000 + 1.0);
    const st = readStats(stats);
    expect(st).toMatchObject({ overflows: 0, samplesLost: 0, rateSps: 2_400_000 });
    expect(st.samplesRead).toBeGreaterThanOrEqual(r.samples);
  }, 30_000);

  it('native CS8 (a HackRF-like device) at 20 MS/s for 3 s: every sample of a looped cs8 recording, 0 dropped blocks, 0 overflows', async () => {
    const { file, values } = recording('cs8', 5_000_000, 23); // 0.25 s at 20 MS/s, looped 12 times
    const stats = path.join(tmp, 'stats-20M.json');
    const src = await open(`serial=QBFAKE01,native=CS8,file=${file},stats=${stats},buffer_ms=1000`, { rateSps: 20_000_000 });
    expect(src.stream).toEqual({ soapyFormat: 'CS8', sampleFormat: 'cs8', native: true, offsetBinary: false });
    const r = await streamAndCompare(src, values, 3);
    const h = src.health();
    await src.close();
    console.log(`fake soapy 20 MS/s: ${r.samples} samples in ${r.wallS.toFixed(2)} s after the first block, ${h.producedBlocks} blocks, dropped ${h.droppedBlocks}, overflows ${h.overflows}`);
    expect(r).toMatchObject({ mismatches: 0, discontinuities: 0 });
    expect(r.samples).toBeGreaterThanOrEqual(60_000_000);
    expect(h.droppedBlocks).toBe(0);
    expect(h.overflows).toBe(0);
    expect(r.wallS).toBeGreaterThan(r.samples / 20_000_000 - 0.02);
    expect(r.wallS).toBeLessThan(r.samples / 20_000_000 + 1.0);
    expect(readStats(stats)).toMatchObject({ overflows: 0, samplesLost: 0, rateSps: 20_000_000 });
  }, 30_000);

  it('synthetic signal: same seed → same samples; the bursts lie where the schedule puts them, at their power and frequency', async () => {
    const rate = 2_400_000;
    const args = 'serial=QBFAKE01,native=CF32,seed=7,noise_dbfs=-40,burst_dbfs=-10,burst_ms=5,burst_first_ms=100,burst_period_ms=200';
    const take = async (a: string): Promise<Float32Array> => {
      const src = await open(a);
      const out = new Float32Array(2 * 600_000); // 0.25 s: bursts 0 (0.1 s) and 1 (0.3 s is beyond)
      let n = 0;
      for await (const b of src.blocks()) {
        const m = Math.min(b.count, out.length / 2 - n);
        out.set(b.samples.subarray(0, 2 * m), 2 * n);
        n += m;
        if (n * 2 >= out.length) break;
      }
      await src.close();
      return out;
    };
    const a = await take(args);
    const b = await take(args);
    const c = await take(args.replace('seed=7', 'seed=8'));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
    const powerDb = (x: Float32Array, from: number, to: number): number => {
      let s = 0;
      for (let i = from; i < to; i++) s += x[2 * i]! ** 2 + x[2 * i + 1]! ** 2;
      return 10 * Math.log10(s / (to - from));
    };
    const b0 = Math.round(0.1 * rate);
    const len = Math.round(0.005 * rate);
    expect(powerDb(a, 0, b0)).toBeCloseTo(-40, 0); // noise alone, ±0.5 dB
    // burst + noise: 10·log10(10^-1 + 10^-4) = −9.996 dBFS
    expect(powerDb(a, b0, b0 + len)).toBeCloseTo(-10, 0);
    expect(powerDb(a, b0 + len, 2 * b0)).toBeCloseTo(-40, 0);
    // frequency of burst 0 from the mean phase step: f_0 = rate·0.8·(frac(0.5 + 7·φ) − 0.5)
    let re = 0;
    let im = 0;
    for (let i = b0 + 1; i < b0 + len; i++) {
      const [x0, y0, x1, y1] = [a[2 * i - 2]!, a[2 * i - 1]!, a[2 * i]!, a[2 * i + 1]!];
      re += x1 * x0 + y1 * y0;
      im += y1 * x0 - x1 * y0;
    }
    const phi = 0.6180339887498949;
    const fr = (0.5 + 7 * phi) % 1;
    const expectedHz = rate * 0.8 * (fr - 0.5);
    expect(Math.abs((Math.atan2(im, re) / (2 * Math.PI)) * rate - expectedHz)).toBeLessThan(100);
  }, 30_000);

  it('a consumer that stalls 1 s loses whole blocks, counted as dropped; the samples after the gap are at their true position; no overflow', async () => {
    const { file, values } = recording('cs16', 1_200_000, 31);
    const stats = path.join(tmp, 'stats-stall.json');
    const src = await open(`serial=QBFAKE01,file=${file},stats=${stats},buffer_ms=2000`, { blockSamples: 32_768, poolSlots: 8 });
    const r = await streamAndCompare(src, values, 2.5, (k) => {
      if (k !== 20) return;
      const until = performance.now() + 1000;
      while (performance.now() < until) {
        // the JS thread is busy: the addon keeps reading, into its scratch block once the 8 slots are held
      }
    });
    const h = src.health();
    await src.close();
    // 1 s = 73.2 blocks of 32768 at 2.4 MS/s; 8 of them wait in the pool, the rest are dropped
    console.log(`fake soapy consumer stall 1 s: dropped ${h.droppedBlocks} blocks, overflows ${h.overflows}, discontinuities ${r.discontinuities}`);
    expect(h.overflows).toBe(0);
    expect(h.droppedBlocks).toBeGreaterThanOrEqual(55);
    expect(h.droppedBlocks).toBeLessThanOrEqual(80);
    // one gap, or two when the reader dropped again while the consumer caught up; every sample after them is in place
    expect(r.discontinuities).toBeGreaterThanOrEqual(1);
    expect(r.discontinuities).toBeLessThanOrEqual(3);
    expect(r.mismatches).toBe(0);
    expect(readStats(stats)).toMatchObject({ overflows: 0, samplesLost: 0 });
  }, 30_000);

  it('a consumer slower than the receiver (20 ms per 13.7 ms block, 2 slots) for 1.5 s: dozens of gaps, two warning lines (the first, the rest at close)', async () => {
    const lines: { msg: string; first?: boolean; gaps?: number; totalGaps?: number }[] = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as (typeof lines)[number]) });
    const { file, values } = recording('cs16', 240_000, 37);
    const src = await open(`serial=QBFAKE01,file=${file},buffer_ms=2000`, { blockSamples: 32_768, poolSlots: 2, logger });
    // 1.5 s: ≈ 70 gaps (140 in 3 s), dozens more than the 20 asked for
    const r = await streamAndCompare(src, values, 1.5, () => {
      const until = performance.now() + 20;
      while (performance.now() < until) {
        // slower than the 13.7 ms the block spans: the reader drops a block whenever both slots are held
      }
    });
    await src.close();
    const warned = lines.filter((l) => l.msg.startsWith('samples lost'));
    console.log(`slow consumer: ${r.discontinuities} gaps, ${warned.length} warning lines: ${JSON.stringify(warned.map((l) => l.gaps ?? 'first'))}`);
    expect(r.mismatches).toBe(0);
    expect(r.discontinuities).toBeGreaterThanOrEqual(20);
    // 1.5 s < the 10 s period: the first gap at once, the others counted in the summary written at close
    expect(warned).toHaveLength(2);
    expect(warned[0]!.first).toBe(true);
    expect(warned[1]!.totalGaps).toBe(r.discontinuities);
  }, 30_000);

  it('the whole process stopped for 1.5 s (SIGSTOP): the device reports SOAPY_SDR_OVERFLOW, counted as a dropped block', async () => {
    buildOnce();
    const stats = path.join(tmp, 'stats-sigstop.json');
    const script = path.join(tmp, 'stall-child.mjs');
    writeFileSync(
      script,
      `import { SoapySource } from ${JSON.stringify(path.join(REPO, 'dist/src/source/soapy-source.js'))};
const src = await SoapySource.open({ args: ${JSON.stringify(`driver=${FAKE_SOAPY_DRIVER},serial=QBFAKE01,buffer_ms=600,stats=${stats}`)}, centerHz: 2.44e9, rateSps: 2.4e6, gain: 20 });
let k = 0, gaps = 0, samples = 0, health;
for await (const b of src.blocks()) {
  if (k++ === 5) process.stdout.write('streaming\\n');
  if (b.discontinuity && k > 1) gaps++;
  samples += b.count;
  if (samples >= 2.4e6 * 3) { health = src.health(); break; }
}
process.stdout.write(JSON.stringify({ health, gaps }) + '\\n');
`,
    );
    const { out, err, code, stoppedS } = await runStalledChild(script, moduleDir, 1.5);
    expect(code, err).toBe(0);
    const res = JSON.parse(out.trim().split('\n').pop()!) as { health: { droppedBlocks: number; overflows: number }; gaps: number };
    const st = readStats(stats);
    console.log(`fake soapy SIGSTOP ${stoppedS.toFixed(2)} s: overflows ${res.health.overflows}, dropped blocks ${res.health.droppedBlocks}, device lost ${st.samplesLost} samples (${(st.samplesLost / 2.4e6).toFixed(2)} s)`);
    expect(res.health.overflows).toBe(1);
    expect(res.health.droppedBlocks).toBe(1);
    expect(res.gaps).toBe(1);
    expect(st.overflows).toBe(1);
    // the backlog but the newest transfer (27 ms) is lost: ≈ the stopped time plus however far the reader was behind
    // when stopped (< the 600 ms buffer, else it would have overflowed before)
    expect(st.samplesLost / 2.4e6).toBeGreaterThan(stoppedS - 0.1);
    expect(st.samplesLost / 2.4e6).toBeLessThan(stoppedS + 0.65);
  }, 30_000);

  it('`quietband devices` lists the fake with driver, serial, rate and frequency ranges and gain elements', async () => {
    buildOnce();
    const { stdout } = await execFileAsync(process.execPath, [path.join(REPO, 'bin', 'quietband.js'), 'devices'], {
      env: { ...process.env, SOAPY_SDR_PLUGIN_PATH: moduleDir, QUIETBAND_FAKE_SOAPY_SERIALS: 'ROOM7A,ROOM7B' },
      timeout: 25_000,
    });
    expect(stdout).toContain('  QuietBand fake SDR :: ROOM7A  driver quietband-fake  serial ROOM7A\n    --source soapy:driver=quietband-fake,serial=ROOM7A\n');
    expect(stdout).toContain('  QuietBand fake SDR :: ROOM7B  driver quietband-fake  serial ROOM7B\n');
    expect(stdout).toContain('    frequency 1–6000 MHz; rate 0.1–61.44 MS/s\n');
    expect(stdout).toContain('    gain elements: LNA 0–40 dB, VGA 0–62 dB, AMP 0–14 dB; antennas: RX, CAL\n');
    expect(stdout).toContain('    stream: native CS16 (full scale 32768), read as CS16; ppm correction\n');
  }, 30_000);
});
