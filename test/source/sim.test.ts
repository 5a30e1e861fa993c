// Simulator: determinism, RTL defects (DC 127.4, noise level, clipping), injected power per the SNR definition, waveforms, SimSource.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QuietBandError } from '../../src/errors.js';
import { openFileSource } from '../../src/source/file-source.js';
import { convertCu8 } from '../../src/source/sample-formats.js';
import {
  DEFAULT_SCENARIO,
  defaultScenario,
  eventPowerDbfs,
  GSM_BURST_S,
  GSM_FRAME_S,
  generateScenario,
  parseScenario,
  Prng,
  scenarioAnnotations,
  SimSource,
  simBaseName,
  writeSimCapture,
  type Scenario,
} from '../../src/source/sim.js';
import { bandPower, cu8ToComplex, db, meanPower, tonePower, welchPsd } from './measure.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function render(s: Scenario, chunkSamples?: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await generateScenario(s, (c) => void parts.push(c.slice()), { chunkSamples });
  return Buffer.concat(parts);
}
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const RATE = 250_000;
/** 2 s at 250 kS/s, noise −35 dBFS; three events between 0.5 and 1.5 s, quiet before and after. */
const measured: Scenario = {
  rateSps: RATE,
  centerHz: 433_920_000,
  durationS: 2,
  seed: 42,
  noiseDbfs: -35,
  carriers: [],
  events: [
    { kind: 'tone', offsetHz: 40_000, snrDb: 10, startS: 0.5, durationS: 1 },
    { kind: 'noise-burst', offsetHz: -50_000, snrDb: 10, startS: 0.5, durationS: 1, bandwidthHz: 20_000 },
    { kind: 'fm', offsetHz: 90_000, snrDb: 10, startS: 0.5, durationS: 1 },
  ],
};

describe('determinism', () => {
  it('same seed → identical bytes (sha256); another seed → different bytes; chunking does not matter', async () => {
    const s: Scenario = { ...defaultScenario(), durationS: 0.3, rateSps: 1e6 };
    s.events = [
      { kind: 'gsm', offsetHz: 200_000, snrDb: 15, startS: 0.05, durationS: 0.1 },
      { kind: 'ook', offsetHz: 100_000, snrDb: 20, startS: 0.1, durationS: 0.05 },
      { kind: 'noise-burst', offsetHz: -100_000, snrDb: 5, startS: 0.2, durationS: 0.05, bandwidthHz: 30_000 },
    ];
    const a = await writeSimCapture(join(dir, 'a'), s);
    const b = await writeSimCapture(join(dir, 'b.sigmf-data'), s);
    const hA = sha(readFileSync(a.dataPath));
    expect(sha(readFileSync(b.dataPath))).toBe(hA);
    expect(readFileSync(a.dataPath).length).toBe(600_000);
    expect(sha(await render(s, 777))).toBe(hA);
    expect(sha(await render({ ...s, seed: 2 }))).not.toBe(hA);
  });

  it('Prng is seeded: uniform mean 0.5, normal variance 1 (100k draws)', () => {
    const p = new Prng(7);
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < 100_000; i++) {
      su += p.uniform();
      const g = p.normal();
      sn += g;
      sn2 += g * g;
    }
    expect(su / 1e5).toBeCloseTo(0.5, 2);
    expect(sn / 1e5).toBeCloseTo(0, 1);
    expect(sn2 / 1e5).toBeGreaterThan(0.98);
    expect(sn2 / 1e5).toBeLessThan(1.02);
    const q = new Prng(7);
    expect(q.uniform()).toBe(new Prng(7).uniform());
  });
});

describe('RTL defects and levels', () => {
  let bytes: Uint8Array;
  let x: Float64Array;
  beforeAll(async () => {
    bytes = await render(measured);
    x = cu8ToComplex(bytes);
  });

  it('DC: mean of cu8 noise is 127.4 on I and Q (±0.05)', () => {
    let si = 0;
    let sq = 0;
    const n = Math.round(0.45 * RATE);
    for (let k = 0; k < n; k++) {
      si += bytes[2 * k];
      sq += bytes[2 * k + 1];
    }
    expect(Math.abs(si / n - 127.4)).toBeLessThan(0.05);
    expect(Math.abs(sq / n - 127.4)).toBeLessThan(0.05);
  });

  it('noise power is noiseDbfs (−35 dBFS ± 0.3 dB, u8 quantisation included)', () => {
    const p = db(meanPower(x, 0, Math.round(0.45 * RATE)));
    expect(Math.abs(p - -35)).toBeLessThan(0.3);
  });

  const quietPsd = (): Float64Array => welchPsd(x, 0, Math.round(0.45 * RATE), 1024);
  const eventPsd = (): Float64Array => welchPsd(x, Math.round(0.55 * RATE), Math.round(1.45 * RATE), 1024);

  it('tone: measured SNR in 1 kHz within ±1 dB of 10 dB', () => {
    const pTone = tonePower(x, Math.round(0.55 * RATE), Math.round(1.45 * RATE), 40_000, RATE);
    const pNoise = meanPower(x, 0, Math.round(0.45 * RATE));
    const snr = db(pTone / ((pNoise * 1000) / RATE));
    console.log(`tone SNR measured ${snr.toFixed(2)} dB (requested 10)`);
    expect(Math.abs(snr - 10)).toBeLessThan(1);
    expect(Math.abs(db(pTone) - eventPowerDbfs(measured, measured.events[0]))).toBeLessThan(0.5);
  });

  it('noise-burst: measured in-band (20 kHz) SNR within ±1 dB of 10 dB, and little power outside the band', () => {
    const q = quietPsd();
    const e = eventPsd();
    const nIn = bandPower(q, RATE, -60_000, -40_000);
    const sIn = bandPower(e, RATE, -60_000, -40_000) - nIn;
    const snr = db(sIn / nIn);
    console.log(`noise-burst in-band SNR measured ${snr.toFixed(2)} dB (requested 10)`);
    expect(Math.abs(snr - 10)).toBeLessThan(1);
    const sNear = bandPower(e, RATE, -75_000, -25_000) - bandPower(q, RATE, -75_000, -25_000);
    expect(sIn / sNear).toBeGreaterThan(0.9);
  });

  it('fm: measured in-band (Carson 12 kHz) SNR within ±1 dB of 10 dB', () => {
    const q = quietPsd();
    const e = eventPsd();
    const nIn = bandPower(q, RATE, 84_000, 96_000);
    const sIn = bandPower(e, RATE, 84_000, 96_000) - nIn;
    const snr = db(sIn / nIn);
    console.log(`fm in-band SNR measured ${snr.toFixed(2)} dB (requested 10)`);
    expect(Math.abs(snr - 10)).toBeLessThan(1);
  });

  it('nothing before the events: the quiet part has no excess at the event frequencies', () => {
    const q = quietPsd();
    const late = welchPsd(x, Math.round(1.55 * RATE), Math.round(2 * RATE), 1024);
    const ratio = bandPower(late, RATE, 30_000, 100_000) / bandPower(q, RATE, 30_000, 100_000);
    expect(Math.abs(db(ratio))).toBeLessThan(0.3);
  });

  it('clipping: a +2 dBFS tone hits the 0/255 rails; the default scenario does not', async () => {
    const hot: Scenario = { rateSps: RATE, centerHz: 1e8, durationS: 0.05, seed: 1, carriers: [{ offsetHz: 10_000, powerDbfs: 2 }], events: [] };
    const r = await generateScenario(hot, () => undefined);
    expect(r.clipFraction).toBeGreaterThan(0.2);
    const calm = await generateScenario({ ...defaultScenario(), durationS: 0.2 }, () => undefined);
    expect(calm.clipFraction).toBe(0);
    expect(calm.samples).toBe(200_000);
  });
});

describe('waveforms', () => {
  it('gsm: 577 µs bursts every 4.615 ms at the requested power, mostly inside 200 kHz', async () => {
    const rate = 1e6;
    const s: Scenario = { rateSps: rate, centerHz: 9e8, durationS: 0.25, seed: 3, carriers: [], events: [{ kind: 'gsm', offsetHz: 200_000, snrDb: 15, startS: 0.05, durationS: 0.15 }] };
    const x = cu8ToComplex(await render(s));
    const pn = meanPower(x, 0, 45_000);
    // 10 µs envelope from sample 50 000 (event start).
    const blk = 10;
    const on: number[] = [];
    let onPower = 0;
    let onCount = 0;
    const nBlk = Math.floor(150_000 / blk);
    for (let b = 0; b < nBlk; b++) {
      let p = 0;
      for (let k = 50_000 + b * blk; k < 50_000 + (b + 1) * blk; k++) p += x[2 * k] ** 2 + x[2 * k + 1] ** 2;
      p /= blk;
      const tIn = ((b * blk) / rate) % GSM_FRAME_S;
      const inside = tIn > 20e-6 && tIn < GSM_BURST_S - 20e-6;
      const outside = tIn > GSM_BURST_S + 20e-6 && tIn < GSM_FRAME_S - 20e-6;
      if (inside) {
        onPower += p;
        onCount++;
      }
      if (outside) expect(p).toBeLessThan(pn * 3); // silent between bursts
      if (p > pn * 3) on.push(b);
    }
    const duty = on.length / nBlk;
    expect(duty).toBeGreaterThan(0.115);
    expect(duty).toBeLessThan(0.135);
    const pOn = db(onPower / onCount - pn);
    expect(Math.abs(pOn - eventPowerDbfs(s, s.events[0]))).toBeLessThan(0.5);
    // Spectrum during bursts: collect burst-only samples and check where the power is.
    const psdOn = welchPsd(x, 50_000, 200_000, 512);
    const psdQ = welchPsd(x, 0, 45_000, 512);
    const exc = (lo: number, hi: number): number => bandPower(psdOn, rate, lo, hi) - bandPower(psdQ, rate, lo, hi);
    const total = exc(-500_000, 500_000);
    expect(exc(100_000, 300_000) / total).toBeGreaterThan(0.85);
    expect(exc(50_000, 350_000) / total).toBeGreaterThan(0.97);
  });

  it('ook: 1 ms symbols, each either key-down at the requested power or off', async () => {
    const s: Scenario = { rateSps: RATE, centerHz: 433.92e6, durationS: 0.2, seed: 9, carriers: [], events: [{ kind: 'ook', offsetHz: 30_000, snrDb: 30, startS: 0.05, durationS: 0.06 }] };
    const x = cu8ToComplex(await render(s));
    const pOnExpected = db(10 ** (eventPowerDbfs(s, s.events[0]) / 10));
    const states: number[] = [];
    for (let k = 0; k < 60; k++) {
      const a = 12_500 + k * 250;
      const p = db(tonePower(x, a, a + 250, 30_000, RATE));
      if (Math.abs(p - pOnExpected) < 1) states.push(1);
      else if (p < pOnExpected - 15) states.push(0);
      else states.push(-1); // neither: a keying edge inside the symbol
    }
    expect(states).not.toContain(-1);
    expect(states[0]).toBe(1);
    const ones = states.filter((v) => v === 1).length;
    expect(ones).toBeGreaterThan(15);
    expect(ones).toBeLessThan(45);
    // Before and after the burst: nothing at the carrier.
    expect(db(tonePower(x, 0, 12_000, 30_000, RATE))).toBeLessThan(pOnExpected - 15);
    expect(db(tonePower(x, 27_500, 50_000, 30_000, RATE))).toBeLessThan(pOnExpected - 15);
  });
});

describe('scenarios and files', () => {
  it('DEFAULT_SCENARIO: 433.92 MHz, 1 MS/s, 10 s, two carriers, OOK + FM + GSM truth', () => {
    expect(DEFAULT_SCENARIO).toMatchObject({ rateSps: 1e6, centerHz: 433.92e6, durationS: 10 });
    expect(DEFAULT_SCENARIO.carriers).toHaveLength(2);
    expect(Object.isFrozen(DEFAULT_SCENARIO.events)).toBe(true);
    const ann = scenarioAnnotations(DEFAULT_SCENARIO);
    expect(ann.map((a) => [a.label, a.sampleStart, a.sampleCount, a.freqLowerHz, a.freqUpperHz])).toEqual([
      ['ook', 2_000_000, 60_000, 434_039_000, 434_041_000],
      ['fm', 5_000_000, 5_000_000, 433_854_000, 433_866_000],
      ['gsm', 7_000_000, 1_500_000, 434_070_000, 434_270_000],
    ]);
    expect(ann[0].comment).toBe('snr 20 dB in 2000 Hz; power -42.0 dBFS');
    const copy = defaultScenario();
    copy.events.push({ kind: 'tone', offsetHz: 0, snrDb: 0, startS: 0, durationS: 1 });
    expect(DEFAULT_SCENARIO.events).toHaveLength(3);
  });

  it('writeSimCapture into a folder: rtl_433-style name, SigMF meta with truth, readable by the file source', async () => {
    const s: Scenario = { ...defaultScenario(), durationS: 3, rateSps: 250_000, events: [{ kind: 'ook', offsetHz: 50_000, snrDb: 20, startS: 2.5, durationS: 1 }], carriers: [] };
    const r = await writeSimCapture(dir, s);
    expect(r.dataPath).toBe(join(dir, `${simBaseName(s)}.sigmf-data`));
    expect(simBaseName(s)).toBe('quietband-sim_433.92M_250k_seed1');
    expect(r.samples).toBe(750_000);
    const meta = JSON.parse(readFileSync(r.metaPath, 'utf8'));
    expect(meta.global['core:datatype']).toBe('cu8');
    expect(meta.global['core:sample_rate']).toBe(250_000);
    expect(meta.captures).toEqual([{ 'core:sample_start': 0, 'core:frequency': 433_920_000 }]);
    // The event is clipped at the end of the capture: 2.5 s → 3 s.
    expect(meta.annotations).toEqual([
      {
        'core:sample_start': 625_000,
        'core:sample_count': 125_000,
        'core:freq_lower_edge': 433_969_000,
        'core:freq_upper_edge': 433_971_000,
        'core:label': 'ook',
        'core:comment': 'snr 20 dB in 2000 Hz; power -36.0 dBFS',
      },
    ]);
    const src = await openFileSource(r.metaPath);
    expect(src.info).toMatchObject({ format: 'cu8', rateSps: 250_000, centerHz: 433_920_000, centerKnown: true, totalSamples: 750_000 });
    await src.close();
  });

  it('parseScenario fills defaults and names bad fields', async () => {
    const s = parseScenario({ rateSps: 250000, centerHz: 1e8, durationS: 1 });
    expect(s).toMatchObject({ seed: 1, noiseDbfs: -35, carriers: [], events: [] });
    const bad = { rateSps: 250000, centerHz: 1e8, durationS: 1, events: [{ kind: 'gsm', offsetHz: 50_000, snrDb: 10, startS: 0, durationS: 1 }] };
    expect(() => parseScenario(bad)).toThrow('scenario.events[0].offsetHz: 50000 Hz ± 100000 Hz (half the gsm bandwidth) does not fit inside ±125000 Hz');
    try {
      parseScenario({ rateSps: 'fast', centerHz: 1, durationS: 1 }, 'demo.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QuietBandError);
      expect((e as QuietBandError).code).toBe('BAD_INPUT');
      expect((e as Error).message).toMatch(/^demo\.json: rateSps: /);
    }
    expect(() => parseScenario({ rateSps: 1e6, centerHz: 1, durationS: 1, events: [{ kind: 'wifi', offsetHz: 0, snrDb: 1, startS: 0, durationS: 1 }] })).toThrow(/^scenario\.events\[0\]\.kind: /);
  });
});

describe('SimSource', () => {
  const small: Scenario = {
    rateSps: RATE,
    centerHz: 868.3e6,
    durationS: 0.1,
    seed: 11,
    carriers: [{ offsetHz: -70_000, powerDbfs: -20 }],
    events: [{ kind: 'tone', offsetHz: 60_000, snrDb: 30, startS: 0.02, durationS: 0.03 }],
  };

  it('cycle 0 equals the written file sample for sample', async () => {
    const bytes = await render(small);
    const expected = new Float32Array(bytes.length);
    convertCu8(bytes, expected, bytes.length / 2);
    const src = new SimSource(small, { blockSamples: 4096 });
    expect(src.info).toMatchObject({ label: 'sim', format: 'cu8', rateSps: RATE, centerHz: 868.3e6, centerKnown: true, totalSamples: 25_000 });
    let n = 0;
    let mismatches = 0;
    for await (const b of src.blocks()) {
      expect(b.firstSample).toBe(n);
      expect(b.discontinuity).toBe(false);
      for (let i = 0; i < 2 * b.count; i++) if (b.samples[i] !== expected[2 * n + i]) mismatches++;
      n += b.count;
    }
    expect(n).toBe(25_000);
    expect(mismatches).toBe(0);
  });

  it('loop: endless, new randomness per cycle, the event recurs every cycle', async () => {
    const src = new SimSource(small, { blockSamples: 5000, loop: true });
    expect(src.info.totalSamples).toBeUndefined();
    const all = new Float64Array(2 * 80_000);
    let n = 0;
    for await (const b of src.blocks()) {
      expect(b.firstSample).toBe(n);
      for (let i = 0; i < 2 * b.count; i++) all[2 * n + i] = b.samples[i];
      n += b.count;
      if (n >= 80_000) break;
    }
    await src.close();
    const per = 25_000;
    const pEvent = db(10 ** (eventPowerDbfs(small, small.events[0]) / 10));
    for (let c = 0; c < 3; c++) {
      const on = db(tonePower(all, c * per + 5_500, c * per + 12_000, 60_000, RATE));
      const off = db(tonePower(all, c * per + 13_000, c * per + 25_000, 60_000, RATE));
      expect(Math.abs(on - pEvent)).toBeLessThan(0.5);
      expect(off).toBeLessThan(pEvent - 20);
    }
    let same = 0;
    for (let i = 0; i < 2 * per; i++) if (all[i] === all[2 * per + i]) same++;
    expect(same / (2 * per)).toBeLessThan(0.5); // cycle 1 noise differs from cycle 0
  });

  it('realtime paces blocks at the sample rate', async () => {
    const src = new SimSource(small, { blockSamples: 6250, realtime: true }); // 25 ms blocks
    const t0 = performance.now();
    let blocks = 0;
    for await (const _ of src.blocks()) blocks++;
    const ms = performance.now() - t0;
    expect(blocks).toBe(4);
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(400);
  });

  it('close() ends a realtime wait promptly; close twice is fine', async () => {
    const src = new SimSource({ ...small, durationS: 5 }, { blockSamples: 250_000, realtime: true }); // 1 s blocks
    const t0 = performance.now();
    setTimeout(() => void src.close(), 50);
    let blocks = 0;
    for await (const _ of src.blocks()) blocks++;
    expect(blocks).toBe(0);
    expect(performance.now() - t0).toBeLessThan(500);
    await src.close();
  });

  it('dropped blocks leave a gap in firstSample and set discontinuity on the next block only', async () => {
    const src = new SimSource({ ...small, durationS: 0.4 }, { blockSamples: 1000, dropBlockProbability: 0.3 });
    let expectNext = 0;
    let delivered = 0;
    let gaps = 0;
    for await (const b of src.blocks()) {
      const gap = b.firstSample !== expectNext;
      expect(b.discontinuity).toBe(gap);
      if (gap) gaps++;
      expectNext = b.firstSample + b.count;
      delivered++;
    }
    expect(delivered).toBeLessThan(100);
    expect(delivered).toBeGreaterThan(40);
    expect(gaps).toBeGreaterThan(5);
  });

  it('rejects bad options with CONFIG', () => {
    expect(() => new SimSource(small, { dropBlockProbability: 1 })).toThrow(/dropBlockProbability/);
    expect(() => new SimSource(small, { blockSamples: 0 })).toThrow(/blockSamples/);
  });
});
