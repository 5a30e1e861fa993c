// `replay --threads 2` on every real capture in ../shared/captures (read in place): the single-thread run's output, byte
// for byte.
import { describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReplayFlags } from '../../src/cli/replay.js';
import { CAPTURES } from '../helpers.js';
import { sameBothWays } from './replay-threads-compare.js';

describe('replay --threads 2 against --threads 1 on the real captures', () => {
  it('every capture in ../shared/captures: identical lines and summary', async () => {
    const names = (await readdir(CAPTURES)).filter((n) => /\.(cu8|cs8|cs16|cf32)$/.test(n)).sort();
    expect(names.length).toBeGreaterThanOrEqual(19);
    let detections = 0;
    for (const name of names) {
      // the two URH files carry no rate: any rate replays them (the same one both ways)
      const flags: ReplayFlags = name.includes('rateUnknown') ? { rate: '1000000' } : {};
      const lines = await sameBothWays(join(CAPTURES, name), flags);
      detections += lines.filter((l) => l.startsWith('{"type":"detection"')).length;
    }
    // the comparison covers real detections with their identification, not empty outputs
    expect(detections).toBeGreaterThan(50);
  }, 120_000);

});
