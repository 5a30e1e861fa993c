// Runs the IqSource contract suite against the file source (raw, SigMF) and the simulator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { openFileSource } from '../../src/source/file-source.js';
import { SimSource, writeSimCapture, type Scenario } from '../../src/source/sim.js';
import { describeSource } from './describe-source.js';

const capturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/captures');
const dir = mkdtempSync(join(tmpdir(), 'qb-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario: Scenario = {
  rateSps: 250_000,
  centerHz: 433.92e6,
  durationS: 0.5,
  seed: 4,
  carriers: [{ offsetHz: 20_000, powerDbfs: -20 }],
  events: [{ kind: 'ook', offsetHz: -30_000, snrDb: 20, startS: 0.1, durationS: 0.05 }],
};
let simMeta = '';
beforeAll(async () => {
  simMeta = (await writeSimCapture(join(dir, 'contract'), scenario)).metaPath;
});

describeSource('file (raw cu8)', () => openFileSource(join(capturesDir, 'upm_WT450_gfile001_433.92M_250k.cu8'), { blockSamples: 16384 }), { finite: true });
describeSource('file (raw cf32)', () => openFileSource(join(capturesDir, 'gsm_GSMSP_robert_953.6M_1000k.cf32'), { blockSamples: 16384 }), { finite: true });
describeSource('file (SigMF)', () => openFileSource(simMeta, { blockSamples: 16384 }), { finite: true });
describeSource('sim', async () => new SimSource(scenario, { blockSamples: 16384 }), { finite: true });
describeSource('sim (loop, drops)', async () => new SimSource(scenario, { blockSamples: 16384, loop: true, dropBlockProbability: 0.2 }), { blocks: 40 });
describeSource('sim (realtime)', async () => new SimSource(scenario, { blockSamples: 2500, realtime: true }), { blocks: 3 });
