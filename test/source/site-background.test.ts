// Site-background simulator: each phenomenon is present with the stated size (drift, creep, clicks, packets), the
// stream is seeded, and memory does not grow with its length.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import FFT from 'fft.js';
import { describe, expect, it } from 'vitest';
import {
  freeWindows,
  SiteBackgroundRenderer,
  SiteBackgroundSource,
  siteBackgroundPreset,
  siteIntervals,
  type SiteBackground,
} from '../../src/source/site-background.js';
import { Prng } from '../../src/source/sim-generators.js';
import { REPO_ROOT } from '../helpers.js';

const RATE = 250_000;

/** cu8 samples [startS, startS + durationS) of a site as complex floats ((x − 127.5)/127.5, as the file source). */
function renderWindow(site: SiteBackground, startS: number, durationS: number): Float64Array {
  const r = new SiteBackgroundRenderer(site, 65536, startS);
  const total = Math.round(durationS * site.rateSps);
  const out = new Float64Array(2 * total);
  let done = 0;
  while (done < total) {
    const n = r.render(Math.min(65536, total - done));
    if (n === 0) break;
    for (let i = 0; i < 2 * n; i++) out[2 * done + i] = (r.bytes[i] - 127.5) / 127.5;
    done += n;
  }
  return out.subarray(0, 2 * done);
}

/** Power spectrum (|X|², unnormalised, fftshifted: bin 0 = −rate/2) of one N-sample Hann-windowed frame at `from`. */
function frameSpectrum(x: Float64Array, from: number, fft: FFT, n: number): Float64Array {
  const inp = fft.createComplexArray() as number[];
  const out = fft.createComplexArray() as number[];
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    inp[2 * i] = x[2 * (from + i)] * w;
    inp[2 * i + 1] = x[2 * (from + i) + 1] * w;
  }
  fft.transform(out, inp);
  const p = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const src = (k + n / 2) % n;
    p[k] = out[2 * src] ** 2 + out[2 * src + 1] ** 2;
  }
  return p;
}

/** Frequency offset (Hz) of the strongest line within ±searchHz of `nearHz`: 2^16-point periodogram + parabolic peak. */
function lineHz(x: Float64Array, rate: number, nearHz: number, searchHz: number): number {
  const n = 65536;
  const p = frameSpectrum(x, 0, new FFT(n), n);
  const binHz = rate / n;
  const k0 = Math.round((nearHz - searchHz) / binHz + n / 2);
  const k1 = Math.round((nearHz + searchHz) / binHz + n / 2);
  let best = k0;
  for (let k = k0; k <= k1; k++) if (p[k] > p[best]) best = k;
  const [a, b, c] = [Math.log(p[best - 1]), Math.log(p[best]), Math.log(p[best + 1])];
  const delta = (0.5 * (a - c)) / (a - 2 * b + c);
  return (best + delta - n / 2) * binHz;
}

/** Median over N-sample frames of the power in [loHz, hiHz] (clicks and packets do not move a median). */
function medianBandPower(x: Float64Array, rate: number, loHz: number, hiHz: number): number {
  const n = 1024;
  const fft = new FFT(n);
  const frames = Math.floor(x.length / 2 / n);
  const k0 = Math.ceil(loHz / (rate / n) + n / 2);
  const k1 = Math.floor(hiHz / (rate / n) + n / 2);
  const v: number[] = [];
  for (let f = 0; f < frames; f++) {
    const p = frameSpectrum(x, f * n, fft, n);
    let s = 0;
    for (let k = k0; k <= k1; k++) s += p[k];
    v.push(s);
  }
  v.sort((a, b) => a - b);
  return v[v.length >> 1];
}

describe('site background: drift and creep', () => {
  it('every carrier moves by 2 ppm × its RF frequency over 15 min (±5 %), in proportion to the centre frequency', () => {
    for (const centerHz of [433_920_000, 868_300_000]) {
      const site = siteBackgroundPreset(RATE, { durationS: 1000, centerHz });
      const nominal = 60_000; // the strong carrier (−30 dBFS)
      const f0 = lineHz(renderWindow(site, 0, 0.3), RATE, nominal, 3000);
      const f1 = lineHz(renderWindow(site, 900, 0.3), RATE, nominal, 3000);
      const expected = 2e-6 * (centerHz + nominal);
      expect(Math.abs(f0 - nominal)).toBeLessThan(10);
      expect(f1 - f0).toBeGreaterThan(0.95 * expected);
      expect(f1 - f0).toBeLessThan(1.05 * expected);
      // all carriers together: the weak one at +9 kHz moved by the same amount (within 10 Hz)
      const g0 = lineHz(renderWindow(site, 0, 0.3), RATE, 9000, 3000);
      const g1 = lineHz(renderWindow(site, 900, 0.3), RATE, 9000, 3000);
      expect(Math.abs(g1 - g0 - (f1 - f0))).toBeLessThan(10);
    }
  });

  it('the noise floor rises by 1.5 dB (±0.2) over 30 min in an empty part of the band', () => {
    const site = siteBackgroundPreset(RATE, { durationS: 2000 });
    const [lo, hi] = freeWindows(site, 3000).reduce((a, b) => (b[1] - b[0] > a[1] - a[0] ? b : a));
    expect(hi - lo).toBeGreaterThan(20_000);
    const p0 = medianBandPower(renderWindow(site, 0, 1), RATE, lo, hi);
    const p1 = medianBandPower(renderWindow(site, 1900, 1), RATE, lo, hi);
    const riseDb = 10 * Math.log10(p1 / p0);
    expect(riseDb).toBeGreaterThan(1.3);
    expect(riseDb).toBeLessThan(1.7);
  });
});

describe('site background: intermittent components', () => {
  it('clicks: ≈ 200 µs whole-band impulses, as many in the samples as the schedule says; ≈ 180 per hour', () => {
    const site = siteBackgroundPreset(RATE, { durationS: 3600, seed: 3 });
    const r = new SiteBackgroundRenderer(site, 16);
    const hour = [...siteIntervals(r.components, RATE, 3600, ['clicks'])];
    expect(hour.length).toBeGreaterThan(180 - 45); // Poisson(180): ±3.4σ
    expect(hour.length).toBeLessThan(180 + 45);
    const windowS = 30;
    const truth = hour.filter((c) => c.endS <= windowS);
    expect(truth.length).toBeGreaterThan(0);
    const x = renderWindow(site, 0, windowS);
    // |x|² above −6 dBFS: clicks are −5 dBFS on average; noise (−35 dBFS) and the sum of all other signals (broadcast FM
    // faded up by 3σ = 15 dB included) stay below −10 dBFS
    const found: { start: number; end: number }[] = [];
    for (let i = 0; i < x.length / 2; i++) {
      if (x[2 * i] ** 2 + x[2 * i + 1] ** 2 < 0.25) continue;
      const last = found[found.length - 1];
      if (last !== undefined && i - last.end < 0.001 * RATE) last.end = i;
      else found.push({ start: i, end: i });
    }
    expect(found.length).toBe(truth.length);
    for (let k = 0; k < found.length; k++) {
      expect(Math.abs(found[k].start / RATE - truth[k].startS)).toBeLessThan(50e-6);
      const us = ((found[k].end - found[k].start + 1) / RATE) * 1e6;
      expect(us).toBeGreaterThan(110); // 150–250 µs, less the first and last samples that stay under the threshold
      expect(us).toBeLessThan(260);
    }
    // whole band: a click raises the power at both band edges, far from any emitter
    const c = found[0];
    const n = 64;
    const fft = new FFT(n);
    const pClick = frameSpectrum(x, c.start, fft, n);
    const pQuiet = frameSpectrum(x, c.start + 0.05 * RATE, fft, n);
    for (const k of [4, 30, 60]) expect(10 * Math.log10(pClick[k] / pQuiet[k])).toBeGreaterThan(15);
  });

  it('the known emitter sends a packet every 47 s (±1 s), heard at its frequency', () => {
    const site = siteBackgroundPreset(RATE, { durationS: 200 });
    const em = site.knownEmitters[0];
    const n = 256; // 1 ms frames
    // packet starts found in three 6 s windows from the power of one DFT bin at the emitter's offset against its median
    const starts: number[] = [];
    for (const from of [4, 51, 98]) {
      const x = renderWindow(site, from, 6);
      const frames = Math.floor(x.length / 2 / n);
      const band: number[] = [];
      const w = (2 * Math.PI * em.offsetHz) / RATE;
      for (let f = 0; f < frames; f++) {
        let re = 0;
        let im = 0;
        for (let i = f * n; i < (f + 1) * n; i++) {
          const c = Math.cos(w * i);
          const s = Math.sin(w * i);
          re += x[2 * i] * c + x[2 * i + 1] * s;
          im += x[2 * i + 1] * c - x[2 * i] * s;
        }
        band.push(re * re + im * im);
      }
      const med = [...band].sort((a, b) => a - b)[band.length >> 1];
      // a packet (80 ms) keeps the bin hot for most of 20 frames; a click (0.2 ms, whole band) for one
      const isHot = band.map((v) => v > 10 * med);
      const hot = isHot.findIndex((_, f) => isHot.slice(f, f + 20).filter(Boolean).length >= 10);
      expect(hot).toBeGreaterThanOrEqual(0);
      starts.push(from + (hot * n) / RATE);
    }
    expect(starts[1] - starts[0]).toBeGreaterThan(46);
    expect(starts[1] - starts[0]).toBeLessThan(48);
    expect(starts[2] - starts[1]).toBeGreaterThan(46);
    expect(starts[2] - starts[1]).toBeLessThan(48);
    expect(starts[0]).toBeGreaterThan(em.firstS - 0.5); // inside any calibration of ≥ 1 min
    expect(starts[0]).toBeLessThan(em.firstS + 0.5);
  });
});

describe('site background: stream', () => {
  const sha = (site: SiteBackground) => createHash('sha256').update(new Uint8Array(new Float64Array(renderWindow(site, 0, 1).map((v) => Math.round(v * 127.5))).buffer)).digest('hex');

  it('same seed → identical bytes; another seed → different bytes', () => {
    const a = sha(siteBackgroundPreset(RATE, { durationS: 10, seed: 5 }));
    expect(sha(siteBackgroundPreset(RATE, { durationS: 10, seed: 5 }))).toBe(a);
    expect(sha(siteBackgroundPreset(RATE, { durationS: 10, seed: 6 }))).not.toBe(a);
  });

  it('SiteBackgroundSource streams the whole length in blocks, with sample counts and clip fraction', async () => {
    const site = siteBackgroundPreset(2_400_000, { durationS: 0.5 });
    const src = new SiteBackgroundSource(site, { blockSamples: 100_000 });
    expect(src.info.totalSamples).toBe(1_200_000);
    expect(src.info.label).toBe('sim:site');
    let next = 0;
    let power = 0;
    for await (const b of src.blocks()) {
      expect(b.firstSample).toBe(next);
      next += b.count;
      for (let i = 0; i < 2 * b.count; i++) power += b.samples[i] ** 2;
      expect(b.clipFraction).toBeLessThan(0.001);
    }
    expect(next).toBe(1_200_000);
    // total power ≈ noise −35 dBFS + carriers, broadcast FM, users: between −28 and −18 dBFS
    const db = 10 * Math.log10(power / next);
    expect(db).toBeGreaterThan(-28);
    expect(db).toBeLessThan(-18);
  });

  it('memory stays constant: heap after 25 s of stream within 1 MiB of the heap after 5 s', () => {
    const script = `
      import { SiteBackgroundRenderer, siteBackgroundPreset } from ${JSON.stringify(join(REPO_ROOT, 'dist/src/source/site-background.js'))};
      const r = new SiteBackgroundRenderer(siteBackgroundPreset(250000, { durationS: 3600 }), 65536);
      const heap = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().heapUsed; };
      let n = 0;
      const until = (s) => { while (n < s * 250000) n += r.render(65536); };
      until(5); const h10 = heap(); until(25); const h60 = heap();
      console.log(JSON.stringify({ h10, h60 }));`;
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const { h10, h60 } = JSON.parse(out) as { h10: number; h60: number };
    expect(Math.abs(h60 - h10)).toBeLessThan(1024 * 1024);
  });

  it('rejects an impossible site with CONFIG naming the field', () => {
    const site = siteBackgroundPreset(RATE);
    site.drift.ppm = 25;
    expect(() => new SiteBackgroundRenderer(site, 16)).toThrow(/site\.drift\.ppm: 25 is outside ±10 ppm/);
    const s2 = siteBackgroundPreset(RATE);
    s2.targets.push({ kind: 'nfm', offsetHz: 120_000, startS: 1, durationS: 1, snrDb: 0 });
    expect(() => new SiteBackgroundRenderer(s2, 16)).toThrow(/site\.targets\[0\]\.offsetHz/);
    expect(() => siteBackgroundPreset(1_000_000)).toThrow(/250000 or 2400000/);
  });
});

describe('ziggurat normals', () => {
  it('mean 0, variance 1, tails P(|x| > 2) = 0.0455 and P(|x| > 3.5) = 4.65e-4 (1e6 draws, ±4σ)', () => {
    const p = new Prng(42);
    const n = 1_000_000;
    let s = 0;
    let s2 = 0;
    let t2 = 0;
    let t35 = 0;
    for (let i = 0; i < n; i++) {
      const x = p.normalZiggurat();
      s += x;
      s2 += x * x;
      if (Math.abs(x) > 2) t2++;
      if (Math.abs(x) > 3.5) t35++;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.004);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.006);
    const within = (count: number, prob: number) => Math.abs(count - n * prob) < 4 * Math.sqrt(n * prob);
    expect(within(t2, 0.0455003)).toBe(true);
    expect(within(t35, 4.6525e-4)).toBe(true);
  });
});
