// Replay's identification ring (src/ident/detection-ident.ts) at a low rate: a file block is longer than a 1 s ring; the
// noise reference a band-cut clip's identification reads from its pre-roll; the WAV of a detection whose closest class is
// analog.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayFile } from '../../src/cli/replay.js';
import { CLIP_PRE_ROLL_NOISE_S, DetectionIdentifier, isIdentJob, NOISE_GUARD_S, type IdentJob } from '../../src/ident/detection-ident.js';
import type { DetectionEvent, IqBlock, IqSource, IqSourceInfo } from '../../src/types.js';
import { writeSimCapture } from '../../src/source/sim.js';
import { DeliveryCounter } from '../../src/source/delivery-counter.js';
import { silentLog } from '../helpers.js';
import { BandNoiseGenerator, NoiseGenerator } from '../../src/source/sim-generators.js';
import wavefile from 'wavefile';
import type { DetectionLine } from '../../src/cli/replay-line.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-detection-ident-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DetectionIdentifier ring', () => {
  it('a 25 kS/s recording (a band-cut clip\'s rate: one 65 536-sample block = 2.6 s): the OOK burst at 1.0 s is identified, not "no longer held"', async () => {
    const rate = 25_000;
    const rec = await writeSimCapture(join(dir, 'low'), {
      rateSps: rate, centerHz: 433.92e6, durationS: 3.2, seed: 4, carriers: [],
      events: [{ kind: 'ook', offsetHz: 2_000, snrDb: 20, startS: 1.0, durationS: 0.06 }],
    });
    const rows: DetectionLine[] = [];
    await replayFile(rec.metaPath, { progress: false, threads: '1' }, (l) => rows.push(JSON.parse(l)), silentLog);
    const burst = rows.filter((r) => r.type === 'detection');
    expect(burst).toHaveLength(1);
    expect(burst[0]!.signal?.reason).not.toMatch(/no longer held/);
    expect(burst[0]!.signal?.class).toBe('ook');
  });

  it('with noiseS, a job carries the stretch before the detection as its noise reference: noiseS long, ending the guard before the margin', async () => {
    const rate = 25_000;
    const info: IqSourceInfo = { label: 'clip', format: 'cu8', rateSps: rate, centerHz: 433.86e6, centerKnown: true };
    // 4 s in blocks of 10 000 samples, I = the sample's index (so the reference's samples name themselves)
    const blocks: IqBlock[] = [];
    for (let first = 0; first < 4 * rate; first += 10_000) {
      const samples = new Float32Array(20_000);
      for (let i = 0; i < 10_000; i++) samples[2 * i] = first + i;
      blocks.push({ samples, count: 10_000, centerHz: info.centerHz, rateSps: rate, firstSample: first, tuneId: 0, clipFraction: 0, discontinuity: false });
    }
    const delivered = new DeliveryCounter();
    const source: IqSource = { info, close: async () => {}, health: () => delivered.health(info.label, false), async *blocks() { yield* blocks; } };
    const ev: DetectionEvent = { kind: 'close', id: 1, centerHz: 433.86e6, bandwidthHz: 13_000, lowHz: 433.8535e6, highHz: 433.8665e6, startS: 1.5, endS: 3.5, peakExcessDb: 20, peakPowerDbfs: -30, paths: ['slow'], overload: false, tuneId: 0, packets: 1 };
    const jobs: IdentJob[] = [];
    for (const noiseS of [CLIP_PRE_ROLL_NOISE_S, 0]) {
      const ident = new DetectionIdentifier(info, { noiseS });
      for await (const _ of ident.tap(source).blocks()); // fills the ring (2 blocks of a file source at least: 5.2 s here)
      const job = ident.prepare(ev);
      expect(isIdentJob(job)).toBe(true);
      jobs.push(job as IdentJob);
    }
    const [withNoise, without] = jobs as [IdentJob, IdentJob];
    // detection at 1.5 s = sample 37 500, margin 10 ms = 250 samples, guard 50 ms = 1 250: the reference is samples
    // 23 500 … 35 999 (0.5 s)
    const end = 37_500 - 250 - NOISE_GUARD_S * rate;
    expect(withNoise.noiseCount).toBe(CLIP_PRE_ROLL_NOISE_S * rate);
    expect(withNoise.noiseIq![0]).toBe(end - CLIP_PRE_ROLL_NOISE_S * rate);
    expect(withNoise.noiseIq![2 * (withNoise.noiseCount! - 1)]).toBe(end - 1);
    expect(withNoise.iq[0]).toBe(37_500 - 250); // the part analysed starts at the margin, as without a reference
    expect(without.noiseIq).toBeUndefined();
    expect(without.iq[0]).toBe(withNoise.iq[0]);
  });
});

describe('DetectionIdentifier audio below the class floor (docs/identification.md §5a)', () => {
  it("writes the WAV of an unknown whose closest class is nfm, demodulated as nfm and named det-<id>-closest-nfm.wav", async () => {
    // the demo's hall-b noise burst (src/site/demo-site.ts): 10 kHz of noise, 20 dB, 0.5 s at 250 kS/s, 40 kHz below
    // the centre: NFM at 5 %, below the floor (test/ident/classify.test.ts)
    const rate = 250_000;
    const count = Math.round(0.6 * rate);
    const burst = new BandNoiseGenerator(-40_000, 10_000, -35 + 10 * Math.log10(10_000 / rate) + 20, rate, Math.round(0.02 * rate), Math.round(0.52 * rate), 0);
    burst.reset(7);
    const acc = new Float64Array(2 * count);
    burst.add(acc, 0, 0, count);
    new NoiseGenerator(-35, 11).add(acc, 0, 0, count);
    const iq = Float32Array.from(acc);
    const info: IqSourceInfo = { label: 'burst', format: 'cf32', rateSps: rate, centerHz: 868.3e6, centerKnown: true };
    const blocks: IqBlock[] = [];
    for (let first = 0; first < count; first += 10_000) {
      blocks.push({ samples: iq.slice(2 * first, 2 * (first + 10_000)), count: 10_000, centerHz: info.centerHz, rateSps: rate, firstSample: first, tuneId: 0, clipFraction: 0, discontinuity: false });
    }
    const source: IqSource = { info, close: async () => {}, health: () => ({}) as ReturnType<IqSource['health']>, async *blocks() { yield* blocks; } };
    const audioDir = await mkdtemp(join(tmpdir(), 'qb-closest-audio-'));
    try {
      const ident = new DetectionIdentifier(info, { audioDir });
      for await (const _ of ident.tap(source).blocks());
      const ev = { kind: 'close', id: 4, centerHz: 868.26e6, bandwidthHz: 10_000, lowHz: 868.255e6, highHz: 868.265e6, startS: 0.02, endS: 0.52, peakExcessDb: 20, peakPowerDbfs: -40, paths: ['slow'] } as DetectionEvent;
      const s = ident.identify(ev);
      await ident.flush();
      expect([s.class, s.closestClass, s.confidence]).toEqual(['unknown', 'nfm', 0.05]);
      expect(s.audioFile).toBe(join(audioDir, 'det-4-closest-nfm.wav'));
      expect(s.speechPresent).toBe(false);
      const w = new wavefile.WaveFile(await readFile(s.audioFile as string));
      expect((w.fmt as { sampleRate: number }).sampleRate).toBe(16000);
      // the whole 0.5 s burst and its margins, as a named class's WAV: ≥ 0.5 s of 16 kHz audio
      expect(w.getSamples(false, Int16Array).length).toBeGreaterThanOrEqual(8000);
    } finally {
      await rm(audioDir, { recursive: true, force: true });
    }
  });
});
