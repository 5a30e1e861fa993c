// The clip byte budget (src/evidence/clip-recorder.ts: maxBytes, fitClipSpan): the demo's GSM-like burst train, whose
// 200 kS/s clip took 1.6 MB with the demo's 1.5 s pre-roll and 1 s post-roll, fits ≤ 1 MB and still replays to its
// detection and identification.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../../src/source/sim.js';
import { replayFile } from '../../src/cli/replay.js';
import { CLIP_BUDGET_LAST_PRE_S, ClipRecorder, fitClipSpan } from '../../src/evidence/clip-recorder.js';
import { silentLog } from '../helpers.js';
import { recordClips } from './clip-helpers.js';
import type { DetectionLine } from '../../src/cli/replay-line.js';

describe('fitClipSpan', () => {
  it('takes the post-roll first (down to its floor), then the pre-roll, then the transmission tail', () => {
    // detection [1500, 3500), pre 1500, post 1000: span [0, 4500) = 4500 samples
    expect(fitClipSpan(1500, 3500, 0, 4500, 5000, 1000, 250)).toEqual({ from: 0, until: 4500, cutPost: 0, cutPre: 0, cutBody: 0 });
    expect(fitClipSpan(1500, 3500, 0, 4500, 4000, 1000, 250)).toEqual({ from: 0, until: 4000, cutPost: 500, cutPre: 0, cutBody: 0 });
    // post down to 250 (750 off), then 250 off the pre-roll (1500 → 1250)
    expect(fitClipSpan(1500, 3500, 0, 4500, 3500, 1000, 250)).toEqual({ from: 250, until: 3750, cutPost: 750, cutPre: 250, cutBody: 0 });
    // both floors reached (3250 = 1000 + 2000 + 250): the post-roll's floor goes, then the last 200 samples of the transmission
    expect(fitClipSpan(1500, 3500, 0, 4500, 3000, 1000, 250)).toEqual({ from: 500, until: 3500, cutPost: 1000, cutPre: 500, cutBody: 0 });
    expect(fitClipSpan(1500, 3500, 0, 4500, 2800, 1000, 250)).toEqual({ from: 500, until: 3300, cutPost: 1000, cutPre: 500, cutBody: 200 });
    // with a last floor of 750 before the transmission: the pre-roll gives 200 more instead
    expect(fitClipSpan(1500, 3500, 0, 4500, 2800, 1000, 250, 750)).toEqual({ from: 700, until: 3500, cutPost: 1000, cutPre: 700, cutBody: 0 });
    expect(fitClipSpan(1500, 3500, 0, 4500, 2500, 1000, 250, 750)).toEqual({ from: 750, until: 3250, cutPost: 1000, cutPre: 750, cutBody: 250 });
    // a span capped by maxS (until before end + post) has no post-roll to give
    expect(fitClipSpan(1500, 9000, 0, 6500, 6000, 1000, 250)).toEqual({ from: 500, until: 6500, cutPost: 0, cutPre: 500, cutBody: 0 });
    expect(() => fitClipSpan(0, 1, 0, 2, 0, 0, 0)).toThrow(/maxSamples/);
  });

  it('a budget that leaves no room beside the meta is refused, naming maxBytes', () => {
    const info = { rateSps: 1e6, centerHz: 433.92e6, centerKnown: true, format: 'cu8' } as ConstructorParameters<typeof ClipRecorder>[0];
    expect(() => new ClipRecorder(info, 0, { dir: '/nonexistent', sensor: 's', maxBytes: 4096 })).toThrow(/maxBytes: expected more than the meta's 4096 B, got 4096/);
  });
});

// hall-a-433 of the demo (src/site/demo-site.ts): 1 MS/s, noise −35 dBFS, carriers −180 kHz / +420 kHz, the GSM-like
// train at +250 kHz for 1.5 s (15 dB); here from 3 s, after a 2 s baseline
const HALL_A: Scenario = {
  rateSps: 1e6, centerHz: 433.92e6, durationS: 7.5, seed: 1, noiseDbfs: -35,
  carriers: [{ offsetHz: -180_000, powerDbfs: -20 }, { offsetHz: 420_000, powerDbfs: -25 }],
  events: [{ kind: 'gsm', offsetHz: 250_000, snrDb: 15, startS: 3, durationS: 1.5 }],
};

describe('the demo GSM-like train under the clip byte budget', () => {
  it('its clip takes ≤ 1 MB (1.6 MB without the budget), keeps ≥ 0.75 s of pre-roll and the whole train, and replays to its detection (tdma-burst)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-clipbudget-'));
    try {
      const clipOf = async (sub: string, maxBytes: number) => {
        // the demo's evidence settings (field defaults: preS 1.5, postS 1, maxS 5)
        const { events, written } = await recordClips(HALL_A, 2, { dir: join(dir, sub), preS: 1.5, postS: 1, maxS: 5, maxBytes, band: {} });
        const ev = events.find((e) => Math.abs(e.centerHz - (HALL_A.centerHz + 250_000)) < 20_000)!;
        expect(ev).toBeDefined();
        const meta = written.find((w) => w.includes(`_${ev.id}_`))!;
        const m = JSON.parse(await readFile(meta, 'utf8'));
        const bytes = (await stat(meta)).size + (await stat(meta.replace('.sigmf-meta', '.sigmf-data'))).size;
        return { ev, meta, m, bytes };
      };
      const before = await clipOf('unbounded', Infinity);
      const after = await clipOf('budget', 1_000_000);
      const rate = after.m.global['core:sample_rate'];
      expect(before.m.global['core:sample_rate']).toBe(200_000);
      expect(rate).toBe(200_000);
      const trainS = after.ev.endS! - after.ev.startS;
      expect(trainS).toBeGreaterThan(1.45);
      // before: 1.5 s + the train + 1 s at 200 kS/s cu8 (2 B a sample)
      expect(before.bytes).toBeGreaterThan(2 * 200_000 * (2.5 + trainS));
      expect(after.bytes).toBeLessThanOrEqual(1_000_000);
      expect(before.m.global['quietband:byte_budget']).toBeUndefined();
      // the whole post-roll (1 s) and ≈ 0.5 s of the pre-roll went, nothing of the train
      const cut = after.m.global['quietband:byte_budget'];
      expect(cut.max_bytes).toBe(1_000_000);
      expect(cut.cut_post_s).toBe(1);
      expect(cut.cut_transmission_s).toBe(0);
      expect(Math.abs(1.5 - cut.cut_pre_s - after.m.annotations[0]['core:sample_start'] / rate)).toBeLessThan(1e-4);
      const ann = after.m.annotations[0];
      // the pre-roll kept is the floor (1 s) or more; the annotation (the detection) is in the clip's frame
      const preS = ann['core:sample_start'] / rate;
      expect(preS).toBeGreaterThanOrEqual(CLIP_BUDGET_LAST_PRE_S);
      // the whole detection: its annotation is not cut
      expect(Math.abs(ann['core:sample_count'] / rate - trainS)).toBeLessThan(0.001);
      expect(Math.abs(ann['core:freq_lower_edge'] - after.ev.lowHz)).toBeLessThan(1);
      const dets: DetectionLine[] = [];
      await replayFile(after.meta, { progress: false }, (l) => dets.push(JSON.parse(l)), silentLog);
      const det = dets.find((d) => Math.abs(d.centerHz - after.ev.centerHz) < 10_000)!;
      expect(det).toBeDefined();
      expect(Math.abs(det.startS - preS)).toBeLessThan(0.03);
      // the whole train (1.5 s) is in the clip
      expect(det.durationMs).toBeGreaterThan(1400);
      expect(det.signal?.class).toBe('tdma-burst');
      // a tighter budget (800 kB: 1.99 s at 200 kS/s) takes the pre-roll to its last floor (0.75 s), then the train's tail
      const tight = await clipOf('tight', 800_000);
      const tightAnn = tight.m.annotations[0];
      expect(tight.bytes).toBeLessThanOrEqual(800_000);
      expect(Math.abs(tightAnn['core:sample_start'] / rate - CLIP_BUDGET_LAST_PRE_S)).toBeLessThan(0.001);
      const keptS = tightAnn['core:sample_count'] / rate;
      const tightCut = tight.m.global['quietband:byte_budget'];
      expect(tightCut.cut_pre_s).toBeCloseTo(0.75, 4);
      expect(Math.abs(tightCut.cut_transmission_s - (trainS - keptS))).toBeLessThan(1e-4);
      expect(Math.abs(keptS - (795_904 / 2 / rate - CLIP_BUDGET_LAST_PRE_S))).toBeLessThan(0.002);
      const tightDets: { centerHz: number; startS: number; durationMs: number }[] = [];
      await replayFile(tight.meta, { progress: false }, (l) => tightDets.push(JSON.parse(l)), silentLog);
      const tightDet = tightDets.find((d) => Math.abs(d.centerHz - tight.ev.centerHz) < 10_000)!;
      expect(Math.abs(tightDet.startS - CLIP_BUDGET_LAST_PRE_S)).toBeLessThan(0.03);
      expect(Math.abs(tightDet.durationMs - keptS * 1000)).toBeLessThan(60);
      console.log(`demo GSM-like train clip: ${before.bytes} B without the budget, ${after.bytes} B with it (pre-roll ${preS.toFixed(3)} s, detection ${trainS.toFixed(3)} s, replayed ${det.durationMs} ms ${det.signal?.class}); at 800 kB ${tight.bytes} B, ${keptS.toFixed(3)} s of the train kept, replayed ${tightDet.durationMs} ms`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
