// A continuous calibration emitter's envelope follows its level (docs/detector.md §6 "Level"): a fading carrier whose
// peaks go past anything the calibration saw raises nothing, a signal inside its band is still found, and an emitter
// far louder than the calibration's range still alerts. Shown on the site simulator's broadcast FM carrier and on a
// real GSM C0 carrier (a real recording, faded and buried in fresh noise).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import type { Baseline } from '../../src/baseline/baseline.js';
import type { EmitterHeard } from '../../src/detector/emitter-watch.js';
import { PolyphaseResampler } from '../../src/dsp/resampler.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { openFileSource } from '../../src/source/file-source.js';
import { FadingEnvelope, Prng } from '../../src/source/sim-generators.js';
import { siteBackgroundPreset, SiteBackgroundSource, type SiteBackground } from '../../src/source/site-background.js';
import type { DetectionEvent, IqSource } from '../../src/types.js';
import { capture } from '../helpers.js';
import { renderedOnce } from './site-once.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-level-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Baselines learnt so far, by calibration stream. */
const learned = new Map<string, Baseline>();

interface Run {
  dets: DetectionEvent[];
  heard: EmitterHeard[];
}

/**
 * Baseline learnt on `calib()`'s first `calibS` seconds (a calibration: its emitters are background), then closed
 * detections of `live()` that start from `fromS` on, with level following at `followDb` (0: off).
 */
async function run(calib: () => IqSource | Promise<IqSource>, live: () => IqSource | Promise<IqSource>, rateSps: number, calibS: number, followDb: number, fromS: number): Promise<Run> {
  const opts = pipelineOptions({}, rateSps);
  opts.detector = { ...opts.detector, emitterLevelFollowDb: followDb };
  // following is a detector setting: one calibration serves every run of the same stream
  const key = `${calibS}:${rateSps}:${calib.toString()}`;
  let baseline = learned.get(key);
  if (baseline === undefined) {
    baseline = (await learnBaseline(await calib(), opts, 'auto', { maxSamples: Math.round(calibS * rateSps) })).baseline;
    learned.set(key, baseline);
  }
  const dets: DetectionEvent[] = [];
  const { detector } = await detect(await live(), baseline, opts, (ev) => {
    if (ev.kind === 'close' && ev.startS >= fromS) dets.push(ev);
  });
  return { dets, heard: detector.emittersHeard() };
}

describe('level following of a fading broadcast FM carrier (site simulator, 250 kS/s)', () => {
  // one wideband FM carrier (±50 kHz, −25 dBFS, log-normal fading σ 5 dB over ≈ 3 s) over noise; the live stream is the
  // same carrier with the same fades some dB louder, so its peaks stand that much over the highest the calibration saw
  const base = siteBackgroundPreset(250_000, { durationS: 40, seed: 7, driftPpm: 0, creepDb: 0 });
  const site = (louderDb: number, targets: SiteBackground['targets'] = []): SiteBackground => ({
    ...base, carriers: [], nfmUsers: [], tdma: [], knownEmitters: [], clicks: null, targets,
    wfm: base.wfm.map((w) => ({ ...w, powerDbfs: w.powerDbfs + louderDb })),
  });
  const wfmHz = base.centerHz + base.wfm[0]!.offsetHz;
  const inBand = (d: DetectionEvent) => Math.abs(d.centerHz - wfmHz) < 75_000;
  /** `live`: the live stream's sources (default: the site `louderDb` louder with `targets`, rendered on every read). */
  const go = (louderDb: number, followDb: number, targets: SiteBackground['targets'] = [], live: () => IqSource = () => new SiteBackgroundSource(site(louderDb, targets))) =>
    // the first second is left out: there the first Welch average has not measured the band yet
    run(() => new SiteBackgroundSource(site(0)), live, base.rateSps, 30, followDb, 1);

  it('6 dB louder than in calibration: alerts without following, none with it; the band measured 5.6 dB over the calibration range', async () => {
    // both runs read one rendering of the live stream (the same samples as rendering it for each)
    const live = renderedOnce(site(6));
    const off = await go(6, 0, [], live);
    expect(off.dets.filter(inBand).length).toBeGreaterThanOrEqual(1);
    const on = await go(6, 10, [], live);
    expect(on.dets).toEqual([]);
    expect(on.heard.length).toBe(1);
    // the band gain over its ceiling (median over the band of envelope/level), ±0.5 dB: its fades are 6 dB up, and
    // the ceiling bounds the calibration's largest band gain from above
    expect(Math.abs(on.heard[0]!.levelOverCalibrationDb! - 5.6)).toBeLessThan(0.5);
  }, 120_000);

  it('a 3 s NFM link inside the followed band, 30 dB over the noise (≈ 12 dB over the FM there): one detection at its centre, the band gain unmoved', async () => {
    const linkHz = -60_000;
    const on = await go(4, 10, [{ kind: 'nfm', offsetHz: linkHz, snrDb: 30, startS: 25, durationS: 3 }]);
    expect(on.dets.length).toBe(1);
    expect(Math.abs(on.dets[0]!.centerHz - (base.centerHz + linkHz))).toBeLessThan(3_000);
    expect(on.dets[0]!.startS).toBeGreaterThan(24.9);
    expect(on.dets[0]!.endS).toBeLessThan(28.7);
    // the median over the ≈ 430 bins of the band ignores the link's ≈ 50
    expect(Math.abs(on.heard[0]!.levelOverCalibrationDb! - 3.6)).toBeLessThan(0.5);
  }, 120_000);

  it('16 dB louder: beyond the 10 dB the envelope may follow, an alert in the carrier\'s band', async () => {
    const on = await go(16, 10);
    expect(on.dets.filter(inBand).length).toBeGreaterThanOrEqual(1);
    expect(on.heard[0]!.levelOverCalibrationDb).toBeCloseTo(10, 5);
  }, 120_000);
});

describe('level following on a real GSM C0 carrier', () => {
  // gsm_GSMSP_robert_953.6M_1000k.cf32: a base station's always-on C0 carrier (80 ms, 1 MS/s, GMSK), DC removed,
  // resampled to 500 kS/s, looped with a 2 ms cross-fade, normalised to rms 1, then faded (log-normal, σ 4 dB,
  // coherence 0.5 s) at amplitude 12 LSB over fresh white noise of 4 LSB rms per component, written as cu8: 8 s of
  // calibration, then 8 s with the same fades 4 dB louder.
  const rate = 500_000;
  const calibS = 8;
  const file = path.join(tmp, 'gsm-faded_953.6M_500k.cu8');
  const make = () => {
    const raw = new Float32Array(readFileSync(capture('gsm_GSMSP_robert_953.6M_1000k.cf32')).buffer.slice(0));
    const n = raw.length / 2;
    let mi = 0;
    let mq = 0;
    for (let i = 0; i < n; i++) { mi += raw[2 * i]!; mq += raw[2 * i + 1]!; }
    for (let i = 0; i < n; i++) { raw[2 * i]! -= mi / n; raw[2 * i + 1]! -= mq / n; }
    const rs = new PolyphaseResampler({ inRateSps: 1_000_000, up: 1, down: 2, passbandHz: 200_000, stopbandHz: 250_000, attenuationDb: 60 });
    const loop = new Float32Array(2 * rs.maxOutput(n));
    const m = rs.process(raw, n, loop);
    // drop the filter's start-up and the recording's own start transient (5× the rms at 0.2 ms)
    const skip = 1000;
    const len = m - skip;
    let pw = 0;
    for (let i = skip; i < m; i++) pw += loop[2 * i]! ** 2 + loop[2 * i + 1]! ** 2;
    const norm = 1 / Math.sqrt(pw / len);
    const fade = 1000; // 2 ms cross-fade between the loop's end and its start
    const period = len - fade;
    const at = (k: number, c: number) => loop[2 * (skip + k) + c]! * norm;
    const env = new FadingEnvelope(4, 0.5, rate, 11);
    const rng = new Prng(3);
    const total = 2 * calibS * rate;
    const out = Buffer.alloc(2 * total);
    let a = 0;
    for (let t = 0; t < total; t++) {
      const k = t % period;
      const w = k < fade && t >= period ? k / fade : 1;
      // the fade evaluated every 256 samples (0.5 ms, against its 0.5 s coherence)
      if ((t & 255) === 0) a = 12 * 10 ** ((env.fadeDbAt(t % (calibS * rate)) + (t >= calibS * rate ? 4 : 0)) / 20);
      for (let c = 0; c < 2; c++) {
        const s = w < 1 ? w * at(k, c) + (1 - w) * at(k + period, c) : at(k, c);
        out[2 * t + c] = Math.max(0, Math.min(255, Math.round(127.5 + a * s + 4 * rng.normal())));
      }
    }
    writeFileSync(file, out);
  };

  it('its fades 4 dB past the calibration\'s: alerts inside its band without following, none with it', async () => {
    make();
    const off = await run(() => openFileSource(file), () => openFileSource(file), rate, calibS, 0, calibS + 1);
    const on = await run(() => openFileSource(file), () => openFileSource(file), rate, calibS, 10, calibS + 1);
    // the calibration splits the carrier into two continuous emitters (its spectrum has a notch near 953.568 MHz) and
    // hears a few intermittent spectral lines beside it
    const bands = on.heard.filter((h) => h.continuous).map((h) => [h.centerHz - h.bandwidthHz / 2, h.centerHz + h.bandwidthHz / 2] as const);
    expect(bands.length).toBe(2);
    const inside = (d: DetectionEvent) => bands.some(([lo, hi]) => d.centerHz >= lo && d.centerHz <= hi);
    expect(off.dets.filter(inside).length).toBeGreaterThanOrEqual(10);
    expect(on.dets.filter(inside)).toEqual([]);
    // both followed by 6.5 dB ± 1 (the fades are 4 dB up; the ceiling bounds the calibration's band gain from above)
    for (const h of on.heard.filter((x) => x.continuous)) expect(Math.abs(h.levelOverCalibrationDb! - 6.5)).toBeLessThan(1);
    // what remains lies outside those bands: an intermittent spectral line whose appearances now outlast the
    // calibration's (its envelope is lifted, §6 "Shape") and the carrier's louder skirts at the band edges (long path)
    expect(on.dets.length).toBeLessThanOrEqual(4);
  }, 120_000);
});
