// `node bench/ident-cpu.js [runs] [case …]`: CPU of one live identification (`identify()`, docs/identification.md §10) of the
// demo's hall-a transmissions (src/site/demo-site.ts, 1 MS/s): a 0.52 s part (0.5 s + 10 ms margins) of the FM link,
// the GSM-like train and the tone, and the OOK burst (60 ms + margins), with the detector's centre and band as hints.
// Prints per case the median and range of the process CPU per call over `runs` (default 7) calls, and a digest of
// the identification (class, confidence and every feature, JSON): the digest must not change when the code is made
// faster. Needs dist/ (npx tsc -p .). Profile with `node --cpu-prof bench/ident-cpu.js`.
// @ts-check
import { createHash } from 'node:crypto';
import { identify } from '../dist/src/ident/classify.js';
import { demoSiteConfig } from '../dist/src/site/demo-site.js';
import { SimSource } from '../dist/src/source/sim.js';

const runs = Number(process.argv[2] ?? 7);
const only = process.argv.slice(3); // case names (ook, fm, gsm, tone); none = all
const hallA = demoSiteConfig(Date.parse('2026-06-07T01:00:00Z')).sensors[0];
const rate = hallA.rateSps;
const scenario = { ...hallA.scenario, rateSps: rate, centerHz: hallA.centerHz };
/** name, part start (s), samples, centre offset (Hz), detector band (Hz) */
const CASES = /** @type {const} */ ([
  ['ook', 12 - 0.01, 0.08, 120_000, 3_906],
  ['fm', 16 - 0.01, 0.52, -60_000, 13_672],
  ['gsm', 25 - 0.01, 0.52, 250_000, 149_414],
  ['tone', 32 - 0.01, 0.52, 300_000, 3_906],
]);

// the scenario's IQ from 11.9 s to 32.6 s (one pass of the simulator), as Float32 I/Q
const fromS = 11.9;
const toS = 32.6;
const iq = new Float32Array(2 * Math.round((toS - fromS) * rate));
const src = new SimSource(scenario);
for await (const b of src.blocks()) {
  const a = Math.max(b.firstSample, Math.round(fromS * rate));
  const z = Math.min(b.firstSample + b.count, Math.round(toS * rate));
  if (z > a) iq.set(b.samples.subarray(2 * (a - b.firstSample), 2 * (z - b.firstSample)), 2 * (a - Math.round(fromS * rate)));
  if (b.firstSample + b.count >= toS * rate) break;
}
await src.close();

const out = {};
for (const [name, startS, lengthS, offsetHz, bandwidthHz] of CASES.filter((c) => only.length === 0 || only.includes(c[0]))) {
  const first = Math.round((startS - fromS) * rate);
  const count = Math.round(lengthS * rate);
  const input = { iq: iq.subarray(2 * first, 2 * (first + count)), count, rateSps: rate, offsetHz, bandwidthHz };
  const cpu = [];
  let id;
  for (let r = 0; r < runs; r++) {
    const t = process.cpuUsage();
    id = identify(input);
    const u = process.cpuUsage(t);
    cpu.push((u.user + u.system) / 1000);
  }
  cpu.sort((a, b) => a - b);
  const digest = createHash('sha256').update(JSON.stringify(id)).digest('hex').slice(0, 16);
  out[name] = { class: id?.class, confidence: id?.confidence, cpuMsMedian: Math.round(cpu[cpu.length >> 1]), cpuMsMin: Math.round(cpu[0]), cpuMsMax: Math.round(cpu[cpu.length - 1]), digest };
  console.log(`${name.padEnd(5)} ${id?.class} ${id?.confidence}  CPU ${out[name].cpuMsMedian} ms (${out[name].cpuMsMin}–${out[name].cpuMsMax})  digest ${digest}`);
}
console.log(JSON.stringify(out));
