// Scans in-process: the hopping sim (stale samples after a retune), the hop loop (settle, ghosts, a signal on a hop's centre, revisit), stitched spectra.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SITE_CONFIG } from '../../src/config/site-config.js';
import { HoppingSimSource } from '../../src/source/hopping-sim.js';
import { SimSource, type Scenario } from '../../src/source/sim.js';
import { ScanLoop } from '../../src/scan/scan-loop.js';
import { ScanSpectrum } from '../../src/scan/scan-spectrum.js';
import { planHops } from '../../src/scan/scan-plan.js';
import { scanSettleSamples } from '../../src/scan/scan-config.js';
import { sensorPipelineOptions } from '../../src/site/sensor-pipeline.js';
import type { DetectionEvent, IqBlock } from '../../src/types.js';
import type { CalibrationEmitter } from '../../src/baseline/emitters.js';

const RATE = 250_000;
const WORLD_HZ = 433_920_000;
/** Two hops: crop 0.25 → usable ±93.75 kHz, step 75 kHz around 433.92 MHz. */
const SEGMENT = { startHz: 433_900_000, stopHz: 433_940_000 };
const HOP_A = 433_882_500;
const HOP_B = 433_957_500;
const CARRIER_HZ = 433_910_000; // steady, −20 dBFS: seen by both hops
const GHOST_IN_B = HOP_B + (CARRIER_HZ - HOP_A); // 433.985 MHz: A's view of the carrier read as if tuned to B
const GHOST_IN_A = HOP_A + (CARRIER_HZ - HOP_B); // 433.835 MHz
const TONE_HZ = HOP_A; // exactly on hop A's centre (its DC guard): only hop B can report it
const STALE_S = 0.005;

function scenario(): Scenario {
  return {
    rateSps: RATE,
    centerHz: WORLD_HZ,
    durationS: 6,
    seed: 7,
    carriers: [{ offsetHz: CARRIER_HZ - WORLD_HZ, powerDbfs: -20 }],
    events: [{ kind: 'tone', offsetHz: TONE_HZ - WORLD_HZ, snrDb: 25, startS: 3, durationS: 2 }],
  };
}

/** |mean of x·e^{−j2π f n / rate}|² over samples [a, b) of a block (linear power of a tone at offset f). */
function tonePower(b: IqBlock, offsetHz: number, a: number, z: number): number {
  let re = 0;
  let im = 0;
  for (let n = a; n < z; n++) {
    const ph = (-2 * Math.PI * offsetHz * (b.firstSample + n)) / b.rateSps;
    const i = b.samples[2 * n]!;
    const q = b.samples[2 * n + 1]!;
    re += i * Math.cos(ph) - q * Math.sin(ph);
    im += i * Math.sin(ph) + q * Math.cos(ph);
  }
  const m = z - a;
  return (re * re + im * im) / (m * m);
}
const db = (p: number): number => 10 * Math.log10(p);

describe('HoppingSimSource', () => {
  it('never retuned, it yields the same samples as SimSource', async () => {
    const s = { ...scenario(), durationS: 0.2 };
    const a = new HoppingSimSource(s, { blockSamples: 4096 });
    const b = new SimSource(s, { blockSamples: 4096, datetime: a.info.datetime! });
    const ia = a.blocks()[Symbol.asyncIterator]();
    const ib = b.blocks()[Symbol.asyncIterator]();
    let blocks = 0;
    for (;;) {
      const [x, y] = await Promise.all([ia.next(), ib.next()]);
      expect(x.done).toBe(y.done);
      if (x.done || y.done) break;
      expect(x.value.count).toBe(y.value.count);
      expect(x.value.samples.subarray(0, 2 * x.value.count)).toEqual(y.value.samples.subarray(0, 2 * y.value.count));
      blocks++;
    }
    expect(blocks).toBe(Math.ceil((0.2 * RATE) / 4096));
  });

  it('after a retune: new centre, next tuneId, discontinuity, and the first staleSamples still show the previous tuning', async () => {
    const stale = Math.round(STALE_S * RATE); // 1250
    const src = new HoppingSimSource(scenario(), { blockSamples: 4096, staleSamples: stale, centerHz: HOP_A });
    const it = src.blocks()[Symbol.asyncIterator]();
    const first = (await it.next()).value as IqBlock;
    expect(first).toMatchObject({ centerHz: HOP_A, tuneId: 0, discontinuity: false, firstSample: 0 });
    // tuned to A: the carrier at +27.5 kHz, nothing at B's offset −47.5 kHz
    expect(db(tonePower(first, CARRIER_HZ - HOP_A, 0, 4096))).toBeGreaterThan(-21);
    expect(await src.retune(HOP_B)).toBe(HOP_B);
    const b = (await it.next()).value as IqBlock;
    expect(b).toMatchObject({ centerHz: HOP_B, tuneId: 1, discontinuity: true, firstSample: 4096 });
    // stale part: the carrier still at A's offset (−20 dBFS ± 1 dB), nothing at B's offset
    expect(Math.abs(db(tonePower(b, CARRIER_HZ - HOP_A, 0, stale)) + 20)).toBeLessThan(1);
    expect(db(tonePower(b, CARRIER_HZ - HOP_B, 0, stale))).toBeLessThan(-40);
    // after it: the carrier at B's offset, gone from A's
    expect(Math.abs(db(tonePower(b, CARRIER_HZ - HOP_B, stale, 4096)) + 20)).toBeLessThan(1);
    expect(db(tonePower(b, CARRIER_HZ - HOP_A, stale, 4096))).toBeLessThan(-40);
    const c = (await it.next()).value as IqBlock;
    expect(c).toMatchObject({ centerHz: HOP_B, tuneId: 1, discontinuity: false });
    await src.close();
  });
});

interface ScanRun {
  dets: DetectionEvent[];
  loop: ScanLoop;
  learnedAtS: number;
  /** Emitters every hop's warm-up heard. */
  heard: CalibrationEmitter[];
}

/** The two-hop scan of the world above through the loop, as fast as the sim renders (6 s of signal). */
async function scan(settleMs: number | null, staleS = STALE_S): Promise<ScanRun> {
  const src = new HoppingSimSource(scenario(), { blockSamples: 2048, staleSamples: Math.round(staleS * RATE) });
  const opts = sensorPipelineOptions({ fftSize: 1024, detector: {} }, { spectrum: DEFAULT_SITE_CONFIG.spectrum, bandPlan: 'CN' }, RATE);
  const dets: DetectionEvent[] = [];
  let learnedAtS = -1;
  let heard: CalibrationEmitter[] = [];
  const loop = new ScanLoop({
    source: src,
    scan: { segments: [SEGMENT], dwellMs: 200, settleMs, cropFraction: 0.25 },
    planRateSps: RATE,
    opts,
    startSettleSamples: 2048,
    mode: 'run',
    learnSamplesPerHop: Math.round(0.6 * RATE),
    hooks: {
      onDetection: (ev) => {
        if (ev.kind === 'close') dets.push(ev);
      },
      onLearned: (baselines) => {
        learnedAtS = loop.samples / RATE;
        heard = [...baselines.values()].flatMap((b) => b.emitters ?? []);
      },
    },
  });
  const r = await loop.run();
  expect(r.end).toBe('source-ended');
  return { dets, loop, learnedAtS, heard };
}

describe('ScanLoop (two-hop sim, 5 ms stale after each retune)', () => {
  it('plans the two hops around the segment', () => {
    expect(planHops({ segments: [SEGMENT], dwellMs: 200, settleMs: 10, cropFraction: 0.25 }, RATE).map((h) => h.centerHz)).toEqual([HOP_A, HOP_B]);
  });

  it('settle 10 ms: no ghost; the tone on hop A’s centre is reported once, through hop B; revisit = 2 × (dwell + settle) ± 10 %', async () => {
    const { dets, loop, learnedAtS } = await scan(10);
    console.log(`settle 10 ms: ${dets.length} detection(s): ${dets.map((d) => `${(d.centerHz / 1e6).toFixed(4)} MHz ${d.startS.toFixed(2)}–${d.endS?.toFixed(2)} s`).join(', ')}; learned at ${learnedAtS.toFixed(2)} s; revisit ${JSON.stringify(loop.revisit())}`);
    expect(loop.hops.map((h) => h.centerHz)).toEqual([HOP_A, HOP_B]);
    expect(loop.settleSamples).toBe(2500);
    // warm-up: every hop learned 0.6 s in dwells of 0.2 s → 3 visits each, ≈ 2 × 3 × 0.21 s + the start settle
    expect(learnedAtS).toBeGreaterThan(1.2);
    expect(learnedAtS).toBeLessThan(1.6);
    expect(dets.length, JSON.stringify(dets)).toBe(1);
    const d = dets[0]!;
    expect(Math.abs(d.centerHz - TONE_HZ)).toBeLessThanOrEqual(RATE / 1024); // ± 1 RBW
    expect(d.startS).toBeGreaterThanOrEqual(3);
    expect(d.startS).toBeLessThan(3 + 2 * 0.21 + 0.02); // seen at the first visit of hop B after it started
    expect(d.endS!).toBeGreaterThan(4.5);
    expect(d.endS!).toBeLessThan(5.5);
    const [seg] = loop.revisit();
    expect(seg!.hops).toBe(2);
    expect(seg!.plannedRevisitMs).toBeCloseTo(2 * (200 + 10), 6);
    expect(Math.abs(seg!.revisitMs! - 420) / 420).toBeLessThan(0.1);
    expect(loop.discardedSamples).toBeGreaterThan(0);
  });

  it('settle 0: the stale samples make a ghost of the carrier one hop-step away (the settle is what prevents it)', async () => {
    // the ghost comes back at every revisit, warm-up included: the warm-up hears it as an emitter (it is then in the
    // baseline's envelope, so it raises no detection), where with a settle it hears only the carrier
    const ghostIn = (hz: number) => Math.abs(hz - GHOST_IN_A) < 3000 || Math.abs(hz - GHOST_IN_B) < 3000;
    const bad = await scan(0);
    console.log(`settle 0: heard ${bad.heard.map((e) => `${(e.centerHz / 1e6).toFixed(4)} MHz`).join(', ')}`);
    expect(bad.heard.filter((e) => ghostIn(e.centerHz)).length).toBeGreaterThan(0);
    const good = await scan(10);
    expect(good.heard.filter((e) => ghostIn(e.centerHz))).toEqual([]);
  });

  it('default settle = 25 ms + one source block', async () => {
    expect(scanSettleSamples({ settleMs: null }, RATE, 2048)).toBe(6250 + 2048);
    expect(scanSettleSamples({ settleMs: 0 }, RATE, 2048)).toBe(0);
  });
});

describe('ScanSpectrum (stitched)', () => {
  it('covers both usable bands on one grid; the point on a hop’s centre comes from the other hop; a frame lands at its frequency', () => {
    const hops = planHops({ segments: [SEGMENT], dwellMs: 200, settleMs: 10, cropFraction: 0.25 }, RATE);
    const sp = new ScanSpectrum(hops, RATE, 1024, 1500);
    expect(sp.startHz - sp.stepHz / 2).toBeCloseTo(HOP_A - 93_750, 3);
    expect(sp.startHz + (sp.points - 0.5) * sp.stepHz).toBeCloseTo(HOP_B + 93_750, 3);
    expect(sp.points).toBe(1024);
    const pointAt = (hz: number): number => Math.round((hz - sp.startHz) / sp.stepHz);
    expect(Array.from(sp.pointsOf(1))).toContain(pointAt(HOP_A));
    expect(Array.from(sp.pointsOf(0))).toContain(pointAt(HOP_B));
    // a frame of hop B with one hot bin at 433.99 MHz (only B's usable band holds it)
    const hotHz = 433_990_000;
    const power = new Float32Array(1024).fill(1e-7);
    power[Math.round((hotHz - HOP_B) / (RATE / 1024)) + 512] = 1e-2;
    sp.update(1, power, 1);
    const db = sp.snapshotDb();
    let peak = -1;
    for (let k = 0; k < db.length; k++) if (!Number.isNaN(db[k]!) && (peak < 0 || db[k]! > db[peak]!)) peak = k;
    expect(db[peak]).toBeCloseTo(-20, 3);
    expect(Math.abs(sp.startHz + peak * sp.stepHz - hotHz)).toBeLessThan(sp.stepHz + RATE / 1024);
    expect(db[pointAt(HOP_B + 50_000)]).toBeCloseTo(-70, 3);
    expect(sp.timeS).toBe(1);
    // hop A not seen yet: its own points are NaN
    expect(Number.isNaN(db[pointAt(HOP_A - 80_000)]!)).toBe(true);
  });
});
