// Scans: a two-hop recording with stale samples after each retune, replayed hop by hop.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateScenario, type Scenario } from '../../src/source/sim.js';
import { writeSigmfMeta } from '../../src/source/sigmf.js';
import { replayFile } from '../../src/cli/replay.js';
import { planHops, revisitTimeMs } from '../../src/scan/scan-plan.js';
import { silentLog } from '../helpers.js';

const RATE = 1_000_000;
const CENTER_A = 433.77e6;
const CENTER_B = 434.07e6; // 300 kHz above A: A's centre is 75 kHz inside B's usable band (crop 0.25 → ±375 kHz)
const CARRIER_HZ = CENTER_A + 100_000; // steady, strong: in the baseline of both hops
const FM_HZ = CENTER_A; // sits on hop A's DC: only hop B can report it
const FM_START_S = 1.0;
const DWELL_S = 0.1;
const STALE_S = 0.003; // the first 3 ms after each retune still hold the previous hop's samples
const CYCLES = 15;

/** cu8 bytes of `durationS` seen through a dongle tuned to `centerHz` at time `t0` (seeded per segment). */
async function render(centerHz: number, t0: number, durationS: number, seed: number): Promise<Buffer> {
  const s: Scenario = {
    rateSps: RATE, centerHz, durationS, seed,
    carriers: [{ offsetHz: CARRIER_HZ - centerHz, powerDbfs: -15 }],
    events: t0 + 1e-9 >= FM_START_S ? [{ kind: 'fm', offsetHz: FM_HZ - centerHz, snrDb: 20, startS: 0, durationS }] : [],
  };
  const parts: Buffer[] = [];
  await generateScenario(s, (c) => {
    parts.push(Buffer.from(c));
  });
  return Buffer.concat(parts);
}

let dir: string;
let meta: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-scan-'));
  const data: Buffer[] = [];
  const captures: { sampleStart: number; centerHz: number }[] = [];
  let sample = 0;
  let stale: Buffer = Buffer.alloc(0);
  for (let k = 0; k < 2 * CYCLES; k++) {
    const centerHz = k % 2 === 0 ? CENTER_A : CENTER_B;
    const t0 = k * DWELL_S;
    // this hop's own samples, STALE_S longer: the tail becomes the stale head of the next hop's capture
    const own = await render(centerHz, t0, DWELL_S + STALE_S, 100 + k);
    const body = Buffer.concat([stale, own.subarray(0, 2 * Math.round((DWELL_S - (stale.length ? STALE_S : 0)) * RATE))]);
    stale = own.subarray(own.length - 2 * Math.round(STALE_S * RATE));
    captures.push({ sampleStart: sample, centerHz });
    data.push(body);
    sample += body.length / 2;
  }
  const base = join(dir, 'scan');
  await writeFile(base + '.sigmf-data', Buffer.concat(data));
  meta = await writeSigmfMeta(base, { format: 'cu8', rateSps: RATE, captures, description: 'two-hop scan with stale samples after each retune' });
});
afterAll(async () => {
  if (process.env.QB_KEEP) console.log('kept', dir);
  else await rm(dir, { recursive: true, force: true });
});

interface Det { centerHz: number; startS: number; endS: number; bandwidthHz: number }
async function replay(flags: Record<string, string> = {}): Promise<Det[]> {
  const out: Det[] = [];
  await replayFile(meta, { progress: false, ...flags }, (l) => out.push(JSON.parse(l)), silentLog);
  return out;
}

describe('scan replay (SigMF captures at two centres)', () => {
  it('no ghost of the previous hop, and the signal on hop A’s centre is detected through hop B', async () => {
    const dets = await replay();
    expect(dets.length, JSON.stringify(dets)).toBe(1);
    expect(Math.abs(dets[0].centerHz - FM_HZ)).toBeLessThanOrEqual(RATE / 1024);
    // first seen in hop B's first dwell after the FM starts (B dwells 1.1–1.2 s), minus its 25 ms settle
    expect(dets[0].startS).toBeGreaterThanOrEqual(FM_START_S);
    expect(dets[0].startS).toBeLessThan(FM_START_S + 2 * DWELL_S + 0.03);
    expect(dets[0].endS).toBeGreaterThan(2 * CYCLES * DWELL_S - 2 * DWELL_S);
  });

  it('without the settle, the stale samples make a ghost of the carrier at the new hop (the test can fail)', async () => {
    const dets = await replay({ hopSettleMs: '0' });
    const ghostA = CENTER_A + (CARRIER_HZ - CENTER_B); // B's carrier offset read as if tuned to A
    const ghostB = CENTER_B + (CARRIER_HZ - CENTER_A); // A's carrier offset read as if tuned to B
    const ghosts = dets.filter((d) => Math.abs(d.centerHz - ghostA) < 5000 || Math.abs(d.centerHz - ghostB) < 5000);
    expect(ghosts.length).toBeGreaterThan(0);
  });
});

describe('scan plan', () => {
  it('overlapping hops: every hop centre lies in a neighbour’s usable band; revisit = hops × (dwell + settle)', () => {
    const plan = { segments: [{ startHz: 430e6, stopHz: 440e6 }], dwellMs: 200, settleMs: 25, cropFraction: 0.25 };
    const hops = planHops(plan, 2.4e6);
    expect(hops[0].usableLowHz).toBeLessThanOrEqual(430e6);
    expect(hops[hops.length - 1].usableHighHz).toBeGreaterThanOrEqual(440e6);
    for (const h of hops) {
      const covered = hops.some((o) => o !== h && o.usableLowHz < h.centerHz - 5000 && h.centerHz + 5000 < o.usableHighHz);
      expect(covered, `hop ${h.centerHz}`).toBe(true);
    }
    // usable 1.8 MHz, step 0.72 MHz: 10 MHz needs ⌈10/0.72⌉ + 1 = 15 hops
    expect(hops.length).toBe(15);
    expect(revisitTimeMs(plan, hops)).toBe(15 * 225);
  });
});
