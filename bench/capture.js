// Bench input: a seeded 2.4 MS/s cu8 SigMF capture from the simulator, generated once and cached in the temp dir.
// @ts-check
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultScenario, writeSimCapture, simBaseName } from '../dist/src/source/sim.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Sample rate of the bench capture (S/s): the RTL-SDR rate QuietBand's sensors run at. */
export const BENCH_RATE_SPS = 2_400_000;

/**
 * The bench scenario: the README demo scenario (433.92 MHz, noise −35 dBFS, carriers at −180 kHz / +420 kHz) at
 * 2.4 MS/s, `seconds` long, with events spread over the capture: OOK bursts, an FM carrier and GSM-like bursts.
 * @param {number} seconds capture length (s)
 * @returns {import('../src/source/sim.js').Scenario}
 */
export function benchScenario(seconds) {
  const s = defaultScenario();
  s.rateSps = BENCH_RATE_SPS;
  s.durationS = seconds;
  s.seed = 20240601;
  s.events = [];
  for (let t = 1; t + 0.1 < seconds; t += 2) s.events.push({ kind: 'ook', offsetHz: 120_000, snrDb: 20, startS: t, durationS: 0.06 });
  s.events.push({ kind: 'fm', offsetHz: -60_000, snrDb: 15, startS: seconds / 2, durationS: seconds / 2 });
  s.events.push({ kind: 'gsm', offsetHz: 250_000, snrDb: 15, startS: seconds * 0.7, durationS: Math.min(1.5, seconds * 0.15) });
  return s;
}

/**
 * @typedef {object} BenchCapture
 * @property {string} dataPath raw cu8 bytes (`.sigmf-data`), readable by rtl_power's fake and the FFTW reference
 * @property {string} metaPath SigMF meta (rate, centre) for openFileSource
 * @property {number} samples complex samples in the file
 * @property {number} rateSps
 * @property {number} centerHz
 * @property {number} seconds
 * @property {boolean} cached true when an earlier run's file was reused
 * @property {number} generateMs time spent generating (0 when cached)
 */

/**
 * Returns the bench capture, generating it (≈ 1.3 s per second of capture on this machine) only when no cached copy
 * exists. The cache folder is `<tmpdir>/quietband-bench-<hash>`, hashed over the scenario and the compiled
 * simulator, so a change to either regenerates it. Generation is outside every timed section.
 * @param {number} seconds capture length (s)
 * @returns {Promise<BenchCapture>}
 */
export async function ensureCapture(seconds) {
  const scenario = benchScenario(seconds);
  const h = createHash('sha256').update(JSON.stringify(scenario));
  for (const f of ['sim.js', 'sim-generators.js', 'sample-formats.js']) h.update(readFileSync(path.join(HERE, '../dist/src/source', f)));
  const dir = path.join(os.tmpdir(), `quietband-bench-${h.digest('hex').slice(0, 16)}`);
  const base = simBaseName(scenario);
  const dataPath = path.join(dir, `${base}.sigmf-data`);
  const metaPath = path.join(dir, `${base}.sigmf-meta`);
  const samples = Math.round(scenario.rateSps * scenario.durationS);
  const info = { dataPath, metaPath, samples, rateSps: scenario.rateSps, centerHz: scenario.centerHz, seconds };
  if (existsSync(metaPath) && existsSync(dataPath) && statSync(dataPath).size === 2 * samples) {
    return { ...info, cached: true, generateMs: 0 };
  }
  const t0 = performance.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const r = await writeSimCapture(tmp + path.sep, scenario);
  if (r.samples !== samples) throw new Error(`bench capture: expected ${samples} samples, the simulator wrote ${r.samples}`);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { ...info, cached: false, generateMs: performance.now() - t0 };
}
