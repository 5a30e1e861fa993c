// Runs the IqSource contract suite against the sources without hardware: the file source (raw, SigMF), the simulator,
// the hopping simulator and the site-background simulator. Receivers: source-contract-devices.test.ts and
// test/source/rtl-tcp-contract.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { openFileSource } from '../../src/source/file-source.js';
import { HoppingSimSource } from '../../src/source/hopping-sim.js';
import { SimSource, writeSimCapture, type Scenario } from '../../src/source/sim.js';
import { SiteBackgroundSource, siteBackgroundPreset } from '../../src/source/site-background.js';
import { describeSource } from './describe-source.js';

const capturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/captures');
const cu8Capture = join(capturesDir, 'upm_WT450_gfile001_433.92M_250k.cu8');
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
let simData = '';
beforeAll(async () => {
  ({ metaPath: simMeta, dataPath: simData } = await writeSimCapture(join(dir, 'contract'), scenario));
});

const missingFile = join(dir, 'missing_433.92M_250k.cu8');
const badScenario = { ...scenario, rateSps: -1 };

describeSource('file (raw cu8)', () => openFileSource(cu8Capture, { blockSamples: 16384 }), {
  finite: true,
  knownCu8: () => readFileSync(cu8Capture),
  failing: { open: () => openFileSource(missingFile), names: /missing_433\.92M_250k\.cu8/ },
});
describeSource('file (raw cf32)', () => openFileSource(join(capturesDir, 'gsm_GSMSP_robert_953.6M_1000k.cf32'), { blockSamples: 16384 }), { finite: true });
describeSource('file (SigMF)', () => openFileSource(simMeta, { blockSamples: 16384 }), { finite: true, knownCu8: () => readFileSync(simData) });
// cycle 0 of a SimSource is the file writeSimCapture wrote, sample for sample
describeSource('sim', async () => new SimSource(scenario, { blockSamples: 16384 }), {
  finite: true,
  knownCu8: () => readFileSync(simData),
  failing: { open: async () => new SimSource(badScenario), names: /scenario\.rateSps/ },
});
describeSource('sim (loop, drops)', async () => new SimSource(scenario, { blockSamples: 16384, loop: true, dropBlockProbability: 0.2 }), { blocks: 40 });
describeSource('sim (realtime)', async () => new SimSource(scenario, { blockSamples: 2500, realtime: true }), { blocks: 3 });
// never retuned, the hopping sim yields the SimSource's samples
describeSource('hopping sim', async () => new HoppingSimSource(scenario, { blockSamples: 16384 }), {
  finite: true,
  knownCu8: () => readFileSync(simData),
  failing: { open: async () => new HoppingSimSource(badScenario), names: /scenario\.rateSps/ },
});
describeSource('hopping sim (realtime, loop)', async () => new HoppingSimSource(scenario, { blockSamples: 2500, realtime: true, loop: true }), { blocks: 3 });
describeSource('site-background sim', async () => new SiteBackgroundSource(siteBackgroundPreset(250_000, { durationS: 0.5 }), { blockSamples: 16384 }), {
  finite: true,
  failing: { open: async () => new SiteBackgroundSource(siteBackgroundPreset(250_000, { durationS: -1 })), names: /durationS/ },
});
