// Replay on synthetic captures: inputs from public bug reports and seeded sim scenarios with known truth.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { replayFile, type ReplayFlags } from '../../src/cli/replay.js';
import type { DetectionLine } from '../../src/cli/replay-line.js';
import { writeSimCapture, defaultScenario, generateScenario, type Scenario } from '../../src/source/sim.js';
import { QuietBandError } from '../../src/errors.js';
import { silentLog } from '../helpers.js';

type Det = DetectionLine;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-synth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function replay(file: string, flags: ReplayFlags = {}, log = silentLog): Promise<{ dets: Det[]; samples: number }> {
  const dets: Det[] = [];
  const s = await replayFile(file, { progress: false, ...flags }, (line) => dets.push(JSON.parse(line)), log);
  return { dets, samples: s.samples };
}

async function sim(name: string, scenario: Scenario): Promise<string> {
  const out = await writeSimCapture(join(dir, name) + '/', scenario);
  return out.metaPath;
}

/** A pino logger that records warnings. */
function recordingLog(): { log: typeof silentLog; warnings: string[] } {
  const warnings: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      const rec = JSON.parse(String(chunk));
      if (rec.level === 40) warnings.push(rec.msg);
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), warnings };
}

describe('inputs from public bug reports', () => {
  it('SigMF meta without core:sample_rate and with "captures": [] → error naming the field; works with --rate', async () => {
    const scenario: Scenario = { rateSps: 250000, centerHz: 433.92e6, durationS: 1, seed: 11, carriers: [], events: [{ kind: 'ook', offsetHz: 50000, snrDb: 20, startS: 0.4, durationS: 0.1 }] };
    // a name without rate/centre tokens, so nothing can be taken from the file name
    const meta = (await writeSimCapture(join(dir, 'recording'), scenario)).metaPath;
    // rewrite the meta as in sigmf/SigMF#339 and #291: no sample rate, empty captures
    const json = JSON.parse(await readFile(meta, 'utf8'));
    delete json.global['core:sample_rate'];
    json.captures = [];
    await writeFile(meta, JSON.stringify(json));
    const err = await replay(meta).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuietBandError);
    expect((err as QuietBandError).code).toBe('BAD_INPUT');
    expect((err as Error).message).toContain('core:sample_rate');
    expect((err as Error).message).toContain('--rate');
    const { dets } = await replay(meta, { rate: '250k' });
    expect(dets.length).toBe(1);
    // no core:frequency either: frequencies are offsets from the tuning centre
    expect(Math.abs(dets[0].centerHz - 50000)).toBeLessThan(250000 / 1024);
    expect(Math.abs(dets[0].startS - 0.4)).toBeLessThan(0.01);
  });

  it('odd-length cu8 → all whole I/Q pairs processed, exactly one warning', async () => {
    const bytes: Uint8Array[] = [];
    const scenario: Scenario = { rateSps: 250000, centerHz: 433.92e6, durationS: 0.5, seed: 2, carriers: [], events: [] };
    await generateScenario(scenario, (c) => {
      bytes.push(Uint8Array.from(c));
    });
    const all = Buffer.concat([...bytes, Buffer.from([127])]); // one dangling byte
    const file = join(dir, 'odd_433.92M_250k.cu8');
    await writeFile(file, all);
    const { log, warnings } = recordingLog();
    const { dets, samples } = await replay(file, {}, log);
    expect(samples).toBe((all.length - 1) / 2);
    expect(warnings.filter((w) => /dangling|odd|byte/i.test(w)).length).toBe(1);
    expect(dets).toEqual([]);
  });

  it('noise on an I/Q centre of 127.4 (constant DC vector) → 0 detections', async () => {
    const meta = await sim('dc', { rateSps: 250000, centerHz: 433.92e6, durationS: 2, seed: 5, carriers: [], events: [], dcI: 127.4, dcQ: 127.4 });
    const { dets } = await replay(meta);
    expect(dets).toEqual([]);
  });

  it('strong steady carrier in the baseline + weak 25 kHz burst 200 kHz away → exactly one detection, centre ± 1 RBW, width ± 25 %', async () => {
    const meta = await sim('carrier', {
      rateSps: 1_000_000, centerHz: 433.92e6, durationS: 2, seed: 7,
      carriers: [{ offsetHz: -100_000, powerDbfs: -15 }],
      events: [{ kind: 'noise-burst', offsetHz: 100_000, snrDb: 10, startS: 1.0, durationS: 0.3, bandwidthHz: 25_000 }],
    });
    const { dets } = await replay(meta);
    expect(dets.length).toBe(1);
    const rbw = 1_000_000 / 1024;
    expect(Math.abs(dets[0].centerHz - (433.92e6 + 100_000))).toBeLessThanOrEqual(rbw);
    expect(dets[0].bandwidthHz).toBeGreaterThanOrEqual(25_000 * 0.75);
    expect(dets[0].bandwidthHz).toBeLessThanOrEqual(25_000 * 1.25);
    expect(Math.abs(dets[0].startS - 1.0)).toBeLessThan(0.01);
    expect(Math.abs(dets[0].endS - 1.3)).toBeLessThan(0.01);
  });

  it('8 ms burst at +10 dB in-burst SNR in 1 s of noise, --average spanning 100 ms → one detection of 8 ms ± one FFT frame', async () => {
    const meta = await sim('burst8ms', {
      rateSps: 250_000, centerHz: 433.92e6, durationS: 1, seed: 3, carriers: [],
      events: [{ kind: 'noise-burst', offsetHz: 40_000, snrDb: 10, startS: 0.5, durationS: 0.008, bandwidthHz: 10_000 }],
    });
    const average = '49'; // 49 frames × 512-sample hop = 100.4 ms at 250 kS/s
    const { dets } = await replay(meta, { average });
    expect(dets.length).toBe(1);
    const frameMs = (1024 / 250_000) * 1000; // one FFT frame: 4.1 ms
    expect(Math.abs(dets[0].durationMs - 8)).toBeLessThanOrEqual(frameMs);
    expect(Math.abs(dets[0].startS - 0.5)).toBeLessThanOrEqual(frameMs / 1000);
  });
});

/** 250 kS/s at 433.92 MHz: two OOK bursts, a tone and a narrow FM link over a steady carrier. */
const ISM_MIX: Scenario = {
  rateSps: 250_000, centerHz: 433.92e6, durationS: 4, seed: 21,
  carriers: [{ offsetHz: 70_000, powerDbfs: -25 }],
  events: [
    { kind: 'ook', offsetHz: -40_000, snrDb: 20, startS: 0.6, durationS: 0.05 },
    { kind: 'ook', offsetHz: -40_000, snrDb: 20, startS: 1.6, durationS: 0.05 },
    { kind: 'tone', offsetHz: 25_000, snrDb: 25, startS: 2.2, durationS: 0.3 },
    { kind: 'fm', offsetHz: -90_000, snrDb: 15, startS: 2.8, durationS: 1.0 },
  ],
};

describe('replay lines carry the severity raise', () => {
  it('in ISM 433 the narrow FM link is raised (a class the band does not carry), the OOK bursts and the tone are not', async () => {
    const meta = await sim('raise', { ...ISM_MIX, seed: 22 });
    const { dets } = await replay(meta);
    const rows = dets.map((d) => [Math.round(d.startS * 10) / 10, d.signal?.class, d.severityRaise?.reasonCode.id]);
    expect(rows).toEqual([[0.6, 'ook', undefined], [1.6, 'ook', undefined], [2.2, 'carrier', undefined], [2.8, 'nfm', 'raise.unexpected']]);
  });
});

describe('sim scenarios: every injected event detected (start ± 10 ms, centre ± 1 RBW), nothing else', () => {
  const scenarios: [string, Scenario][] = [
    ['default demo (1 MS/s: OOK, FM, GSM-like train over two steady carriers)', defaultScenario()],
    ['250 kS/s ISM mix (OOK bursts, a tone, a narrow FM link)', ISM_MIX],
  ];
  for (const [label, scenario] of scenarios) {
    it(label, async () => {
      const meta = await sim(`s${scenario.seed}`, scenario);
      const { dets } = await replay(meta);
      const rbw = scenario.rateSps / 1024;
      const unmatched = [...dets];
      for (const ev of scenario.events) {
        const hz = scenario.centerHz + ev.offsetHz;
        const i = unmatched.findIndex((d) => Math.abs(d.centerHz - hz) <= rbw && Math.abs(d.startS - ev.startS) <= 0.01);
        expect(i, `${ev.kind} at ${ev.offsetHz} Hz, ${ev.startS} s not found in ${JSON.stringify(dets)}`).toBeGreaterThanOrEqual(0);
        unmatched.splice(i, 1);
      }
      expect(unmatched, 'detections that match no injected event').toEqual([]);
    });
  }
});
