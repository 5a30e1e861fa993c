// SharedBlockStream: consecutive views over one live stream lose and repeat no sample; the paced file source keeps the sample clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SharedBlockStream } from '../../src/site/block-stream.js';
import { PacedSource } from '../../src/site/paced-source.js';
import { SimSource, writeSimCapture, type Scenario } from '../../src/source/sim.js';
import { openFileSource } from '../../src/source/file-source.js';
import type { IqSource } from '../../src/types.js';

const scenario: Scenario = { rateSps: 250_000, centerHz: 433_920_000, durationS: 1, seed: 4, carriers: [{ offsetHz: 20_000, powerDbfs: -20 }], events: [] };
const dir = mkdtempSync(join(tmpdir(), 'qb-block-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every sample of a pass: [firstSample of each block], and the samples concatenated. */
async function drain(src: IqSource): Promise<{ starts: number[]; samples: number[] }> {
  const starts: number[] = [];
  const samples: number[] = [];
  for await (const b of src.blocks()) {
    starts.push(b.firstSample);
    for (let i = 0; i < 2 * b.count; i++) samples.push(b.samples[i]!);
  }
  return { starts, samples };
}

describe('SharedBlockStream', () => {
  it('splits one stream into views that together equal a single pass, cutting the block that crosses the limit', async () => {
    const whole = await drain(new SimSource(scenario, { blockSamples: 10_000 }));
    expect(whole.samples.length).toBe(2 * 250_000);
    let seen = 0;
    const shared = new SharedBlockStream(new SimSource(scenario, { blockSamples: 10_000 }), (b) => (seen += b.count));
    const a = await drain(shared.view(33_333));
    const b = await drain(shared.view(100_000));
    const c = await drain(shared.view());
    expect(a.samples.length).toBe(2 * 33_333);
    expect(b.starts[0]).toBe(33_333); // the tail of the cut block comes first, with its own firstSample
    expect(b.samples.length).toBe(2 * 100_000);
    expect(c.starts[0]).toBe(133_333);
    expect([...a.samples, ...b.samples, ...c.samples]).toEqual(whole.samples);
    expect(seen).toBe(250_000); // onBlock saw every source block once
    expect(shared.ended).toBe(true);
    await shared.close();
  });

  it('closing the source ends the current view; views are one-pass and sequential', async () => {
    const shared = new SharedBlockStream(new SimSource({ ...scenario, durationS: 60 }, { blockSamples: 10_000, loop: true }));
    const v = shared.view();
    let n = 0;
    for await (const blk of v.blocks()) {
      n += blk.count;
      if (n >= 50_000) void shared.close();
    }
    expect(n).toBeGreaterThanOrEqual(50_000);
    expect(n).toBeLessThan(80_000);
    expect(() => v.blocks()).toThrow(/only once/);
  });
});

describe('PacedSource', () => {
  it('delivers a recording at its sample rate, blocks unchanged', async () => {
    const files = await writeSimCapture(join(dir, 'paced'), { ...scenario, durationS: 0.6 });
    const src = new PacedSource(await openFileSource(files.metaPath, { blockSamples: 25_000 }));
    const t0 = performance.now();
    const arrivals: number[] = [];
    const starts: number[] = [];
    for await (const b of src.blocks()) {
      arrivals.push(performance.now() - t0);
      starts.push(b.firstSample);
    }
    expect(starts).toEqual(Array.from({ length: 6 }, (_, i) => i * 25_000));
    // block k (100 ms each) is due (k + 1) · 100 ms after the start; timers may be late, never early
    arrivals.forEach((ms, k) => expect(ms).toBeGreaterThanOrEqual((k + 1) * 100 - 2));
    expect(arrivals[5]!).toBeLessThan(1000);
    await src.close();
  });
});
