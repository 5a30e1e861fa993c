// `node bench/ident-rtl433.js`: our class and symbol rate against rtl_433 -A on the real recordings in
// ../shared/captures and ../shared/captures-wide. For every package rtl_433 reports ("Detected OOK|FSK package @t"),
// the strongest detection of `quietband replay` covering t (±20 ms) must say the same class (ook / fsk), and our symbol rate must
// be within 10 % of 1 / (rtl_433's shortest pulse-timing cluster, counted ≥ 3 times). Needs dist/ (npx tsc) and rtl_433.
// Prints one line per package, then the agreement figures as the last line (JSON), also without the Mode S recording
// (rtl_433 drops pulses shorter than 10 samples as spurious, 5 µs at 2 MS/s, so its timings there are not the 0.5 µs
// Mode S chips), and the symbol-rate checks per capture set and per class (`rateBy`: [within 10 %, checked]).
// @ts-check
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { replayFile } from '../dist/src/cli/replay.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIRS = ['../../shared/captures', '../../shared/captures-wide'].map((d) => path.resolve(HERE, d));
const run = promisify(execFile);
const log = pino({ level: 'silent' });

/** rtl_433 -A packages of one file: [{ t, mod, shortestUs }]. @param {string} file */
async function rtl433(file) {
  const { stdout, stderr } = await run('rtl_433', ['-A', '-r', file, '-F', 'null'], { maxBuffer: 64 << 20 }).catch((e) => e);
  const text = `${stdout ?? ''}\n${stderr ?? ''}`;
  /** @type {{ t: number, mod: string, shortestUs: number }[]} */
  const out = [];
  const parts = text.split(/Detected (OOK|FSK) package\s*@([0-9.]+)s/);
  for (let i = 1; i + 2 < parts.length + 1; i += 3) {
    const mod = parts[i].toLowerCase();
    const t = Number(parts[i + 1]);
    const body = parts[i + 2] ?? '';
    const timing = body.split('Pulse timing distribution:')[1]?.split(/Level estimates|Frequency offsets/)[0] ?? '';
    let shortest = Infinity;
    for (const m of timing.matchAll(/count:\s*(\d+),\s*width:\s*(\d+) us/g)) if (Number(m[1]) >= 3) shortest = Math.min(shortest, Number(m[2]));
    out.push({ t, mod, shortestUs: shortest });
  }
  return out;
}

const files = DIRS.flatMap((d) => readdirSync(d).filter((f) => /_\d+k\.(cu8|cs8|cs16|cf32)$/.test(f)).map((f) => path.join(d, f)));
/** Mode S (1090 MHz PPM at 2 MS/s: one sample per pulse) is reported apart: its envelope cannot be told from impulses. */
const MODE_S = /dump1090/;
let modeSCovered = 0;
let modeSAgree = 0;
let packages = 0;
let covered = 0;
let agree = 0;
let rateChecked = 0;
let rateWithin = 0;
let modeSRateChecked = 0;
let modeSRateWithin = 0;
/** Symbol-rate checks per capture set and per class: [within 10 %, checked]. @type {Record<string, [number, number]>} */
const rateBy = {};
/** @type {Record<string, number>} */
const confusion = {};
for (const file of files) {
  const pk = await rtl433(file);
  if (pk.length === 0) continue;
  /** @type {any[]} */
  const dets = [];
  try {
    await replayFile(file, { progress: false }, (line) => {
      const d = JSON.parse(line);
      if (d.type === 'detection') dets.push(d);
    }, log);
  } catch (e) {
    process.stdout.write(`${path.basename(file)}: replay failed: ${/** @type {Error} */ (e).message}\n`);
    continue;
  }
  for (const p of pk) {
    packages++;
    // the strongest detection covering the package's time (rtl_433 demodulates the strongest emission in its band)
    const d = dets.filter((x) => x.startS - 0.02 <= p.t && p.t <= x.endS + 0.02).sort((x, y) => y.peakPowerDbfs - x.peakPowerDbfs)[0];
    if (!d) {
      process.stdout.write(`${path.basename(file)} @${p.t}s ${p.mod}: no detection covers it\n`);
      continue;
    }
    covered++;
    const cls = d.signal?.class ?? 'none';
    if (MODE_S.test(file)) {
      modeSCovered++;
      if (cls === p.mod) modeSAgree++;
    }
    confusion[`${p.mod}→${cls}`] = (confusion[`${p.mod}→${cls}`] ?? 0) + 1;
    if (cls === p.mod) agree++;
    let rateNote = '';
    if (Number.isFinite(p.shortestUs) && cls === p.mod) {
      rateChecked++;
      const ours = d.signal.symbolRateBd > 0 ? 1e6 / d.signal.symbolRateBd : NaN;
      const err = Math.abs(ours - p.shortestUs) / p.shortestUs;
      const within = err <= 0.1 ? 1 : 0;
      rateWithin += within;
      if (MODE_S.test(file)) {
        modeSRateChecked++;
        modeSRateWithin += within;
      }
      for (const k of [path.basename(path.dirname(file)), p.mod]) {
        const c = (rateBy[k] ??= [0, 0]);
        c[0] += within;
        c[1]++;
      }
      rateNote = ` element ${ours.toFixed(0)} µs vs rtl_433 ${p.shortestUs} µs (${(100 * err).toFixed(1)} %)`;
    }
    process.stdout.write(`${path.basename(file)} @${p.t}s rtl_433 ${p.mod} → ${cls} ${d.signal?.confidence ?? ''}${rateNote}\n`);
  }
}
process.stdout.write(JSON.stringify({ files: files.length, packages, covered, agree, agreement: covered ? +(agree / covered).toFixed(3) : null, agreementWithoutModeS: +((agree - modeSAgree) / Math.max(1, covered - modeSCovered)).toFixed(3), modeSCovered, modeSAgree, rateChecked, rateWithin10pct: rateWithin, rateAgreement: rateChecked ? +(rateWithin / rateChecked).toFixed(3) : null, rateAgreementWithoutModeS: +((rateWithin - modeSRateWithin) / Math.max(1, rateChecked - modeSRateChecked)).toFixed(3), modeSRateChecked, modeSRateWithin, rateBy, confusion }) + '\n');
