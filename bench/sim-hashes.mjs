#!/usr/bin/env node
// SHA-256 of the simulator's sample streams, to show a restructuring of src/source/sim*.ts and site-background.ts
// changes no sample: run before and after (on dist/, so `npm run build` first) and compare the lines.
//
//   node bench/sim-hashes.mjs [seconds]      default 5 s of each stream
//
// Streams: a scenario with every event kind (tone, ook, fm, gsm, noise-burst; fading and path gain on) rendered by
// ScenarioRenderer, looping past its end; the site-background presets with targets of every kind (ook, nfm, tdma),
// from 0 s and from a late start; the hopping simulator across retunes; the identification test cases (every signal
// class, which covers the AM/FSK/impulse generators of sim-modulated.ts). Each at 250 kS/s and 2.4 MS/s where the
// generator takes a rate, in odd-sized chunks so chunk edges fall everywhere.
import { createHash } from 'node:crypto';
import { ScenarioRenderer } from '../dist/src/source/sim.js';
import { siteBackgroundPreset, SiteBackgroundRenderer } from '../dist/src/source/site-background.js';
import { HoppingSimSource } from '../dist/src/source/hopping-sim.js';
import { CASE_CLASSES, makeCase } from '../dist/src/eval/ident-cases.js';

const seconds = Number(process.argv[2] ?? 5);
const RATES = [250_000, 2_400_000];
const CHUNK = 10_007;

/** Hex SHA-256 of a renderer's bytes over `samples` samples. */
function renderHash(r, samples) {
  const h = createHash('sha256');
  let done = 0;
  while (done < samples) {
    const n = r.render(Math.min(CHUNK, samples - done));
    if (n === 0) break;
    h.update(r.bytes.subarray(0, 2 * n));
    done += n;
  }
  return `${h.digest('hex')} (${done} samples)`;
}

function scenario(rateSps) {
  const k = rateSps / 250_000;
  return {
    rateSps, centerHz: 433_920_000, durationS: seconds / 2, seed: 7, noiseDbfs: -35, eventGainDb: -3, fadingDb: 4, fadingSeed: 11,
    carriers: [{ offsetHz: 30_000 * k, powerDbfs: -40 }, { offsetHz: -55_000 * k, powerDbfs: -30 }],
    events: [
      { kind: 'tone', offsetHz: 10_000 * k, snrDb: 20, startS: 0.1, durationS: 0.8 },
      { kind: 'ook', offsetHz: -20_000 * k, snrDb: 15, startS: 0.3, durationS: 1.2 },
      { kind: 'fm', offsetHz: 45_000 * k, snrDb: 12, startS: 0.5, durationS: 1.5 },
      { kind: 'gsm', offsetHz: k > 1 ? -400_000 : 20_000, snrDb: 10, startS: 0.2, durationS: 2, bandwidthHz: 200_000 },
      { kind: 'noise-burst', offsetHz: 70_000 * k, snrDb: 8, startS: 1, durationS: 0.7, bandwidthHz: 20_000 },
    ],
  };
}

function site(rateSps) {
  const s = siteBackgroundPreset(rateSps, { durationS: 600, seed: 3 });
  const k = rateSps / 250_000;
  s.targets = [
    { kind: 'ook', offsetHz: -100_000 * k, startS: 0.5, durationS: 2, snrDb: 15 },
    { kind: 'nfm', offsetHz: 100_000 * (k > 1 ? 5 : 1), startS: 1, durationS: 3, snrDb: 12 },
    { kind: 'tdma', offsetHz: k > 1 ? -360_000 : -90_000, startS: 0.2, durationS: 4, snrDb: 10, bandwidthHz: k > 1 ? 200_000 : 50_000 },
    { kind: 'ook', offsetHz: -100_000 * k, startS: 301, durationS: 2, snrDb: 15 },
  ];
  return s;
}

async function hoppingHash(rateSps) {
  const sc = { ...scenario(rateSps), durationS: seconds };
  const src = new HoppingSimSource(sc, { staleSamples: 3000, blockSamples: 8192, loop: true });
  const h = createHash('sha256');
  const total = Math.round(seconds * rateSps);
  let n = 0;
  let blocks = 0;
  for await (const b of src.blocks()) {
    h.update(Buffer.from(b.samples.buffer, b.samples.byteOffset, 2 * b.count * 4));
    n += b.count;
    if (++blocks % 40 === 0) await src.retune(sc.centerHz + ((blocks / 40) % 3 - 1) * rateSps * 0.3);
    if (n >= total) break;
  }
  await src.close();
  return `${h.digest('hex')} (${n} samples)`;
}

const lines = [];
for (const rate of RATES) {
  const tag = `${rate / 1e3}k`;
  lines.push(`scenario ${tag} loop: ${renderHash(new ScenarioRenderer(scenario(rate), CHUNK, true), seconds * rate)}`);
  lines.push(`site ${tag} from 0 s: ${renderHash(new SiteBackgroundRenderer(site(rate), CHUNK), seconds * rate)}`);
  lines.push(`site ${tag} from 300 s: ${renderHash(new SiteBackgroundRenderer(site(rate), CHUNK, 300), seconds * rate)}`);
  lines.push(`hopping ${tag}: ${await hoppingHash(rate)}`);
}
const ident = createHash('sha256');
for (const cls of CASE_CLASSES) for (const seed of [1, 2, 3]) {
  const c = makeCase(cls, seed, 15);
  ident.update(Buffer.from(c.input.iq.buffer, c.input.iq.byteOffset, 2 * c.input.count * 4));
  ident.update(JSON.stringify(c.params));
}
lines.push(`ident cases (${CASE_CLASSES.length} classes × 3 seeds): ${ident.digest('hex')}`);
process.stdout.write(`${lines.join('\n')}\n`);
