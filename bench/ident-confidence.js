// `node bench/ident-confidence.js [sets] [seeds]`: how the identifier's confidence separates right from wrong classes,
// the measure the class floor (CLASS_FLOOR, src/text-template.ts; docs/identification.md §5a) is chosen from. Needs
// dist/ (npx tsc) and, for the real set, rtl_433. Sets (comma-separated, default all):
// - `real`: `quietband replay` of every recording in ../shared/captures and ../shared/captures-wide; a detection's truth
//   is the class rtl_433 -A names (OOK/FSK) for the packages it is the strongest detection over (as bench/ident-rtl433.js
//   pairs them); the other detections (neighbours, splatter, the receiver's own line) have no truth and are only counted;
// - `synthetic`: src/eval/ident-cases.ts, every class, seeds 1…N (default 20), in-band SNR 10, 3, 0 and −3 dB;
// - `narrow-noise`: band-limited noise 4–18 kHz wide at 250 kS/s (the demo's hall-b "noise burst" is one: 10 kHz), −3 to
//   20 dB, seeds 1–4. No class of the nine describes it (wideband-digital starts at 20 kHz): whatever class it is
//   given is wrong.
// The class judged is the rules' best class: `closestClass` when the floor showed it as unknown, else `class`.
// Prints, per set, right/wrong counts per confidence bin, the lowest right and the highest wrong confidences, and
// what the floor turns into unknown; the last line is the JSON of it all.
// @ts-check
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { replayFile } from '../dist/src/cli/replay.js';
import { CASE_CLASSES, makeCase } from '../dist/src/eval/ident-cases.js';
import { identify } from '../dist/src/ident/classify.js';
import { BandNoiseGenerator, hash32, NoiseGenerator, Prng } from '../dist/src/source/sim-generators.js';
import { CLASS_FLOOR, LOW_CONFIDENCE } from '../dist/src/text-template.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIRS = ['../../shared/captures', '../../shared/captures-wide'].map((d) => path.resolve(HERE, d));
const sets = (process.argv[2] ?? 'real,synthetic,narrow-noise').split(',');
const seeds = Number(process.argv[3] ?? 20);
const EDGES = [0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.01];

/** @typedef {{ set: string, truth: string | null, best: string, confidence: number, shownUnknown: boolean, label: string }} Row */
/** @type {Row[]} */
const rows = [];

/** One result: the rules' best class and its confidence (unknown by the rules themselves, e.g. nothing above the noise, is left out). */
function push(/** @type {string} */ set, /** @type {string | null} */ truth, /** @type {any} */ s, /** @type {string} */ label) {
  if (s === undefined) return;
  const best = s.closestClass ?? s.class;
  if (best === 'unknown') return;
  rows.push({ set, truth, best, confidence: s.confidence, shownUnknown: s.class === 'unknown', label });
}

/** rtl_433 -A packages of one file: start times (s) and modulation. @param {string} file */
async function rtl433(file) {
  const { stdout, stderr } = await promisify(execFile)('rtl_433', ['-A', '-r', file, '-F', 'null'], { maxBuffer: 64 << 20 }).catch((e) => e);
  return [...`${stdout ?? ''}\n${stderr ?? ''}`.matchAll(/Detected (OOK|FSK) package\s*@([0-9.]+)s/g)].map((m) => ({ t: Number(m[2]), mod: m[1].toLowerCase() }));
}

if (sets.includes('real')) {
  const log = pino({ level: 'silent' });
  const files = DIRS.flatMap((d) => readdirSync(d).filter((f) => /_\d+k\.(cu8|cs8|cs16|cf32)$/.test(f)).map((f) => path.join(d, f)));
  for (const file of files) {
    /** @type {any[]} */
    const dets = [];
    await replayFile(file, { progress: false }, (line) => {
      const d = JSON.parse(line);
      if (d.type === 'detection') dets.push(d);
    }, log);
    /** @type {Map<any, string[]>} */
    const truths = new Map();
    for (const p of await rtl433(file)) {
      const d = dets.filter((x) => x.startS - 0.02 <= p.t && p.t <= x.endS + 0.02).sort((x, y) => y.peakPowerDbfs - x.peakPowerDbfs)[0];
      if (d !== undefined) truths.set(d, [...(truths.get(d) ?? []), p.mod]);
    }
    for (const d of dets) {
      const mods = truths.get(d);
      // the modulation rtl_433 names most often among the packages this detection is the strongest over
      const truth = mods === undefined ? null : [...new Set(mods)].sort((a, b) => mods.filter((m) => m === b).length - mods.filter((m) => m === a).length)[0];
      push('real', truth, d.signal, `${path.basename(file)} #${d.id}`);
    }
  }
}

if (sets.includes('synthetic')) {
  for (const snr of [10, 3, 0, -3]) {
    for (const cls of CASE_CLASSES) {
      for (let seed = 1; seed <= seeds; seed++) push('synthetic', cls, identify(makeCase(cls, seed, snr).input), `${cls} ${snr} dB seed ${seed}`);
    }
  }
}

if (sets.includes('narrow-noise')) {
  const rate = 250_000;
  const noiseDbfs = -35;
  for (const bw of [4000, 7000, 10_000, 14_000, 18_000]) {
    for (const snr of [-3, 0, 3, 10, 20]) {
      for (let seed = 1; seed <= 4; seed++) {
        const rng = new Prng(hash32(seed, 99 + bw));
        const a = Math.round(0.02 * rate);
        const b = a + Math.round((0.1 + 0.4 * rng.uniform()) * rate);
        const count = a + b;
        const offsetHz = Math.round((rng.uniform() - 0.5) * 0.6 * rate);
        const gen = new BandNoiseGenerator(offsetHz, bw, noiseDbfs + 10 * Math.log10(bw / rate) + snr, rate, a, b, 0);
        gen.reset(hash32(seed, 7));
        const acc = new Float64Array(2 * count);
        gen.add(acc, 0, 0, count);
        new NoiseGenerator(noiseDbfs, hash32(seed, 11)).add(acc, 0, 0, count);
        const id = identify({ iq: Float32Array.from(acc), count, rateSps: rate, offsetHz, bandwidthHz: bw * (0.7 + 0.6 * rng.uniform()) });
        push('narrow-noise', 'none', id, `${bw / 1000} kHz ${snr} dB seed ${seed}`);
      }
    }
  }
}

const summary = {};
for (const set of sets) {
  const judged = rows.filter((r) => r.set === set && r.truth !== null);
  const right = judged.filter((r) => r.best === r.truth);
  const wrong = judged.filter((r) => r.best !== r.truth);
  const bins = EDGES.slice(1).map((hi, i) => {
    const lo = EDGES[i];
    const inBin = (/** @type {Row} */ r) => r.confidence >= lo && r.confidence < hi;
    return { lo, hi: Math.min(hi, 1), right: right.filter(inBin).length, wrong: wrong.filter(inBin).length };
  });
  const minRight = right.reduce((m, r) => Math.min(m, r.confidence), Infinity);
  const unjudged = rows.filter((r) => r.set === set && r.truth === null);
  const s = {
    judged: judged.length,
    right: right.length,
    wrong: wrong.length,
    bins,
    lowestRight: Number.isFinite(minRight) ? minRight : null,
    lowestRightAt: right.filter((r) => r.confidence === minRight).map((r) => r.label).slice(0, 3),
    highestWrongBelowGuess: wrong.filter((r) => r.confidence < LOW_CONFIDENCE).reduce((m, r) => Math.max(m, r.confidence), -Infinity),
    belowFloor: { right: right.filter((r) => r.confidence < CLASS_FLOOR).length, wrong: wrong.filter((r) => r.confidence < CLASS_FLOOR).length, shownUnknown: judged.filter((r) => r.shownUnknown).length },
    unjudged: unjudged.length,
    unjudgedBelowFloor: unjudged.filter((r) => r.confidence < CLASS_FLOOR).length,
    unjudgedLowest: unjudged.reduce((m, r) => Math.min(m, r.confidence), Infinity),
  };
  Object.assign(summary, { [set]: s });
  process.stdout.write(`${set}: ${judged.length} judged (${right.length} right, ${wrong.length} wrong), ${unjudged.length} without truth (lowest confidence ${s.unjudgedLowest})\n`);
  for (const b of bins) process.stdout.write(`  [${b.lo.toFixed(2)}, ${b.hi.toFixed(2)})  right ${String(b.right).padStart(4)}  wrong ${String(b.wrong).padStart(4)}\n`);
  process.stdout.write(`  lowest right ${s.lowestRight} (${s.lowestRightAt.join('; ')}); highest wrong below ${LOW_CONFIDENCE}: ${s.highestWrongBelowGuess}; below the floor ${CLASS_FLOOR}: ${s.belowFloor.right} right, ${s.belowFloor.wrong} wrong\n`);
}
process.stdout.write(JSON.stringify({ classFloor: CLASS_FLOOR, lowConfidence: LOW_CONFIDENCE, ...summary }) + '\n');
