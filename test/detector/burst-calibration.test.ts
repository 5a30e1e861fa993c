// The burst path against a calibration (docs/detector.md §12): what it would have opened on during the calibration is
// kept in the baseline (and its file), its spread never falls under the noise's own, a DMR-like link stays one
// detection, and a strong device's spurs are no new transmissions.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBaseline, saveBaseline } from '../../src/baseline/baseline.js';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { openFileSource } from '../../src/source/file-source.js';
import { siteBackgroundPreset, SiteBackgroundSource, type SiteBackground } from '../../src/source/site-background.js';
import type { DetectionEvent, IqSource } from '../../src/types.js';
import { capture } from '../helpers.js';
import { renderedOnce } from './site-once.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-burst-cal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The burst path's measured settings (`--burst-scales-ms 0.5,20`). */
const BURST = { burstScalesMs: '0.5,20' };
/** Without the burst path (it is on by default, at 20 ms). */
const NO_BURST = { burstScalesMs: 'off' };

/** Closed detections of `make()`'s stream after a baseline learnt on its first `calibS` s (0: the whole stream). */
async function run(make: () => Promise<IqSource> | IqSource, rateSps: number, calibS: number, burst: boolean) {
  const opts = pipelineOptions(burst ? BURST : NO_BURST, rateSps);
  const { baseline } = await learnBaseline(await make(), opts, 'auto', calibS > 0 ? { maxSamples: Math.round(calibS * rateSps) } : {});
  const dets: DetectionEvent[] = [];
  await detect(await make(), baseline, opts, (ev) => {
    if (ev.kind === 'close' && (ev.endS ?? ev.startS) > calibS) dets.push(ev);
  });
  return { baseline, dets };
}

describe('burst path after a calibration', () => {
  it('--burst-scales-ms: "0.5,20" and "0.5/20" give [0.0005, 0.02] s, "off" and "" none; a bad time is refused naming the flag', () => {
    expect(pipelineOptions({ burstScalesMs: '0.5,20' }, 250_000).detector.burstScalesS).toEqual([0.0005, 0.02]);
    expect(pipelineOptions({ burstScalesMs: '0.5/20' }, 250_000).detector.burstScalesS).toEqual([0.0005, 0.02]);
    expect(pipelineOptions({ burstScalesMs: 'off' }, 250_000).detector.burstScalesS).toEqual([]);
    expect(pipelineOptions({ burstScalesMs: '' }, 250_000).detector.burstScalesS).toEqual([]);
    expect(pipelineOptions({}, 250_000).detector.burstScalesS).toBeUndefined();
    expect(() => pipelineOptions({ burstScalesMs: '0.5,abc' }, 250_000)).toThrow(/--burst-scales-ms: "abc" in "0.5,abc" is not a time in ms above 0 and up to 1000; give a list such as 0.5,20, or off alone/);
    expect(() => pipelineOptions({ burstScalesMs: '2000' }, 250_000)).toThrow(/--burst-scales-ms: "2000"/);
    expect(() => pipelineOptions({ burstScalesMs: '0.5,,20' }, 250_000)).toThrow(/--burst-scales-ms: "" in "0.5,,20"/);
    expect(() => pipelineOptions({ burstScalesMs: 'off,20' }, 250_000)).toThrow(/--burst-scales-ms: "off" in "off,20"/);
  });

  it('site background at 250 kS/s (wideband FM carrier, drift, clicks): the calibration records where it would have opened, the file keeps it, and 40 s after a 60 s calibration raise nothing', async () => {
    const site = siteBackgroundPreset(250_000, { durationS: 100, seed: 1 });
    const { baseline, dets } = await run(renderedOnce(site), site.rateSps, 60, true);
    const heard = baseline.burstHeard!;
    expect(heard.length).toBe(256);
    const marked = heard.reduce((a, b) => a + b, 0);
    // the FM carrier (≈ 106 kHz of the 250 kHz) and the intermittent emitters' bins, not the whole band
    expect(marked).toBeGreaterThan(20);
    expect(marked).toBeLessThan(200);
    // with the spread measured on the band's few noise bins alone (21 here) the path opened ≈ 975 times an hour on
    // the FM carrier's skirts (bench/detector-eval.mjs, 20 min): ≈ 11 in these 40 s
    expect(dets.map((d) => `${d.startS.toFixed(3)} s ${((d.centerHz - site.centerHz) / 1e3).toFixed(1)} kHz`)).toEqual([]);
    const file = path.join(tmp, 'site.baseline.json');
    await saveBaseline(file, baseline);
    const back = await loadBaseline(file);
    expect(Buffer.from(back.burstHeard!).equals(Buffer.from(heard))).toBe(true);
  }, 120_000);

  it('a baseline file whose burstHeardRuns is malformed is refused, naming the field and the bins expected', async () => {
    const site = siteBackgroundPreset(250_000, { durationS: 3, seed: 2 });
    const { baseline } = await run(() => new SiteBackgroundSource(site), site.rateSps, 2, true);
    const file = path.join(tmp, 'bad.baseline.json');
    await saveBaseline(file, { ...baseline, burstHeard: new Uint8Array(256).fill(1, 10, 20) });
    expect((await loadBaseline(file)).burstHeard!.reduce((a, b) => a + b, 0)).toBe(10);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...json, burstHeardRuns: [[10, 300]] }));
    await expect(loadBaseline(file)).rejects.toThrow(/burstHeardRuns: expected \[first, last\] pairs of bin indices in 0\.\.255/);
  }, 60_000);

  it('a DMR-like link (30 ms on, 30 ms off, 1.2 s) at −3 dB on white noise: one detection from its first slot with the burst path; 0.2 s late without', async () => {
    // NFM pieces of 30 ms every 60 ms, 12.5 kHz, −3 dB in-band SNR: a single 1 ms frame needs ≈ +8 dB; the burst path's
    // hits hold their track one window (20 ms) longer, so the 30 ms gaps do not split it
    const site: SiteBackground = {
      ...siteBackgroundPreset(250_000, { durationS: 8, seed: 4, driftPpm: 0, creepDb: 0 }),
      carriers: [], wfm: [], nfmUsers: [], knownEmitters: [], tdma: [], clicks: null,
      targets: Array.from({ length: 20 }, (_, i) => ({ kind: 'nfm' as const, offsetHz: 40_000, startS: 5 + 0.06 * i, durationS: 0.03, snrDb: -3 })),
    };
    const stream = renderedOnce(site);
    const on = (await run(stream, site.rateSps, 4, true)).dets;
    expect(on.length).toBe(1);
    expect(Math.abs(on[0]!.centerHz - (site.centerHz + 40_000))).toBeLessThan(5_000);
    // from the first slot (5.0 s) to the last (6.17 s)
    expect(on[0]!.startS).toBeGreaterThan(4.99);
    expect(on[0]!.startS).toBeLessThan(5.02);
    expect(on[0]!.endS!).toBeGreaterThan(6.1);
    // the slow path's averages continue a track at their release level (4 dB under the open level): they carry the
    // end up to ≈ 0.5 s past the last slot
    expect(on[0]!.endS!).toBeLessThan(6.8);
    const off = (await run(stream, site.rateSps, 4, false)).dets;
    // without it the slow path's 100 ms averages find the link, a few slots late (measured: 5.23 s)
    expect(off.length).toBe(1);
    expect(off[0]!.startS).toBeGreaterThan(5.1);
  }, 60_000);

  // Each device keys spurs or sidebands with its carrier (11–32 dB under it, 34–94 kHz away), which the burst path's
  // 20 ms means show and single frames did not: without the companion rule these recordings gave 2, 4 and 3 detections
  for (const [name, count] of [['generic_remote_SC2260_arm_433.92M_250k.cu8', 1], ['x10_HR12A_B1on_310M_250k.cu8', 1], ['upm_WT450_gfile001_433.92M_250k.cu8', 2]] as const) {
    it(`${name}: as many detections with the burst path (${count}) as without`, async () => {
      const file = capture(name);
      const on = (await run(() => openFileSource(file), 250_000, 0, true)).dets;
      const off = (await run(() => openFileSource(file), 250_000, 0, false)).dets;
      expect(off.length).toBe(count);
      expect(on.map((d) => Math.round(d.centerHz / 1e3))).toEqual(off.map((d) => Math.round(d.centerHz / 1e3)));
    }, 60_000);
  }
});
