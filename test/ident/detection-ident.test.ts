// Replay's identification ring (src/ident/detection-ident.ts) at a low rate: a file block is longer than a 1 s ring.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayFile } from '../../src/cli/replay.js';
import { writeSimCapture } from '../../src/source/sim.js';
import { silentLog } from '../helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-detection-ident-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DetectionIdentifier ring', () => {
  it('a 25 kS/s recording (a band-cut clip\'s rate: one 65 536-sample block = 2.6 s): the OOK burst at 1.0 s is identified, not "no longer held"', async () => {
    const rate = 25_000;
    const rec = await writeSimCapture(join(dir, 'low'), {
      rateSps: rate, centerHz: 433.92e6, durationS: 3.2, seed: 4, carriers: [],
      events: [{ kind: 'ook', offsetHz: 2_000, snrDb: 20, startS: 1.0, durationS: 0.06 }],
    });
    const rows: { type: string; signal?: { class: string; reason?: string } }[] = [];
    await replayFile(rec.metaPath, { progress: false, threads: 1 }, (l) => rows.push(JSON.parse(l)), silentLog);
    const burst = rows.filter((r) => r.type === 'detection');
    expect(burst).toHaveLength(1);
    expect(burst[0]!.signal?.reason).not.toMatch(/no longer held/);
    expect(burst[0]!.signal?.class).toBe('ook');
  });
});
