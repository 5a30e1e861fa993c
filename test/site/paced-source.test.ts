// PacedSource (a `file:` sensor's recording replayed at its sample rate) keeps the IqSource contract: the file's exact
// bytes, its health passed through, close() ending a pending wait at once.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { PacedSource } from '../../src/site/paced-source.js';
import { openFileSource } from '../../src/source/file-source.js';
import { capture } from '../helpers.js';
import { describeSource } from '../source/describe-source.js';

const FILE = 'upm_WT450_gfile001_433.92M_250k.cu8';
const open = async () => new PacedSource(await openFileSource(capture(FILE), { blockSamples: 4096 }));

// 4096 samples at 250 kS/s: one block every 16.4 ms
describeSource('paced file', open, { blocks: 6, knownCu8: () => readFileSync(capture(FILE)) });

it('paces at the sample rate: 12 blocks of 4096 samples take 12 × 16.4 ms (±40 ms; the first is due one block after the start)', async () => {
  const src = await open();
  const t0 = performance.now();
  let n = 0;
  for await (const _ of src.blocks()) if (++n === 12) break;
  const ms = performance.now() - t0;
  await src.close();
  expect(ms).toBeGreaterThan(12 * 16.384 - 40);
  expect(ms).toBeLessThan(12 * 16.384 + 40);
  expect(src.health().samplesDelivered).toBe(12 * 4096);
});
