// Contract suite every IqSource must pass (STYLE habit 3): call describeSource(name, factory) for each implementation.
import { describe, expect, it } from 'vitest';
import type { IqSource } from '../../src/types.js';

/** Options of {@link describeSource}. */
export interface SourceContractOptions {
  /** Blocks to read before stopping (live sources are endless); default 4. */
  blocks?: number;
  /** True when the source ends by itself (files, non-looping sim): the suite then checks totalSamples. */
  finite?: boolean;
}

/**
 * Registers the IqSource contract tests: info is complete, blocks are well-formed and contiguous (firstSample
 * advances by count unless `discontinuity`), clipFraction in [0, 1], blocks() cannot be iterated twice, close() is
 * idempotent and ends an iteration. `factory` must return a fresh, unopened source each call.
 */
export function describeSource(name: string, factory: () => Promise<IqSource>, opts: SourceContractOptions = {}): void {
  const want = opts.blocks ?? 4;
  describe(`IqSource contract: ${name}`, () => {
    it('has complete info', async () => {
      const src = await factory();
      const info = src.info;
      expect(info.label.length).toBeGreaterThan(0);
      expect(['cu8', 'cs8', 'cs16', 'cf32']).toContain(info.format);
      expect(info.rateSps).toBeGreaterThan(0);
      expect(Number.isFinite(info.centerHz)).toBe(true);
      if (!info.centerKnown) expect(info.centerHz).toBe(0);
      if (opts.finite) expect(info.totalSamples).toBeGreaterThan(0);
      await src.close();
    });

    it('yields well-formed, contiguous blocks', async () => {
      const src = await factory();
      let next = -1;
      let seen = 0;
      let samples = 0;
      for await (const b of src.blocks()) {
        expect(b.count).toBeGreaterThan(0);
        expect(b.samples.length).toBeGreaterThanOrEqual(2 * b.count);
        expect(b.rateSps).toBe(src.info.rateSps);
        expect(b.clipFraction).toBeGreaterThanOrEqual(0);
        expect(b.clipFraction).toBeLessThanOrEqual(1);
        if (b.tuneId === 0) expect(b.centerHz).toBe(src.info.centerHz);
        if (next >= 0 && !b.discontinuity) expect(b.firstSample).toBe(next);
        if (next >= 0 && b.discontinuity) expect(b.firstSample).toBeGreaterThanOrEqual(next);
        let bad = 0;
        for (let i = 0; i < 2 * b.count; i++) if (!Number.isFinite(b.samples[i])) bad++;
        expect(bad).toBe(0);
        next = b.firstSample + b.count;
        samples += b.count;
        if (++seen >= want && !opts.finite) break;
      }
      expect(seen).toBeGreaterThanOrEqual(opts.finite ? 1 : want);
      if (opts.finite) expect(samples).toBe(src.info.totalSamples);
      await src.close();
    });

    it('refuses a second blocks() and closes idempotently', async () => {
      const src = await factory();
      for await (const _ of src.blocks()) break;
      await expect(async () => {
        for await (const _ of src.blocks()) void _;
      }).rejects.toThrow();
      await src.close();
      await src.close();
    });

    it('close() during iteration ends it', async () => {
      const src = await factory();
      let seen = 0;
      for await (const _ of src.blocks()) {
        seen++;
        if (seen === 1) await src.close();
        if (seen > 2) break;
      }
      expect(seen).toBe(1);
    });
  });
}
