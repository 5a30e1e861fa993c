// Contract suite every IqSource must pass (STYLE habit 3): call describeSource(name, factory) for each implementation.
import { describe, expect, it } from 'vitest';
import type { IqBlock, IqSource, IqSourceHealth } from '../../src/types.js';

/** Options of {@link describeSource}. */
export interface SourceContractOptions {
  /** Blocks to read before stopping (live sources are endless); default 4. */
  blocks?: number;
  /** True when the source ends by itself (files, non-looping sim): the suite then checks totalSamples. */
  finite?: boolean;
  /**
   * The cu8 bytes the source (or the peer it reads) serves, sample 0 of the stream at byte 0, looping: every block
   * read must convert back to exactly these bytes at `2·firstSample` (cu8 → float is (u − 127.5) / 127.5).
   */
  knownCu8?: () => Uint8Array;
  /**
   * With `knownCu8`: the stream may start anywhere in the bytes (a peer that has been serving since before this
   * connection); the first block is located in them (its first 512 bytes), and every later block must follow exactly.
   */
  knownCu8AnyStart?: boolean;
  /** A source that fails (missing file, a peer that is not rtl_tcp, an unknown serial) and what its error must name. */
  failing?: { open: () => Promise<IqSource>; names: RegExp };
  /**
   * Opens a fresh source on the same receiver or peer as the last `factory` call (to check that close() released it);
   * default `factory`. For a suite whose factory spreads sources over several peers.
   */
  reopen?: () => Promise<IqSource>;
  /** Longest wait (ms) for close() to end a pending iteration; default 1000. */
  closeWithinMs?: number;
  /** Per-test timeout (ms) for sources that take time to start (a peer's settle window); default vitest's. */
  timeoutMs?: number;
}

/** The fields of {@link IqSourceHealth}, checked by name so that a source cannot leave one out. */
const HEALTH_FIELDS: readonly (keyof IqSourceHealth)[] = ['label', 'online', 'samplesDelivered', 'droppedBlocks', 'nonFiniteSamples', 'lastDataAgeMs', 'lastError', 'tunerName'];

/** Asserts that `h` has every common health field with a value of the documented type. */
function expectHealthShape(h: IqSourceHealth): void {
  for (const f of HEALTH_FIELDS) expect(Object.keys(h), `health().${f}`).toContain(f);
  expect(typeof h.online).toBe('boolean');
  expect(Number.isInteger(h.samplesDelivered) && h.samplesDelivered >= 0).toBe(true);
  if (h.droppedBlocks !== null) expect(Number.isInteger(h.droppedBlocks) && h.droppedBlocks >= 0).toBe(true);
  expect(Number.isInteger(h.nonFiniteSamples) && h.nonFiniteSamples >= 0).toBe(true);
  if (h.tunerName !== null) expect(h.tunerName.length).toBeGreaterThan(0);
}

/** cu8 byte `i` of a block (the source maps u → (u − 127.5) / 127.5). */
const cu8At = (b: IqBlock, i: number): number => Math.round(b.samples[i]! * 127.5 + 127.5);

/**
 * Compares a block with the known bytes (looping), its sample n at byte `2n + shift`; returns the index of the first
 * differing value, or -1.
 */
function firstMismatch(b: IqBlock, known: Uint8Array, shift: number): number {
  const n = known.length;
  const base = (((2 * b.firstSample + shift) % n) + n) % n;
  for (let i = 0; i < 2 * b.count; i++) if (cu8At(b, i) !== known[(base + i) % n]) return i;
  return -1;
}

/** The shift that puts block `b` where its first bytes occur in the (looping) known bytes; throws when they do not. */
function locate(b: IqBlock, known: Uint8Array): number {
  const probe = Buffer.alloc(Math.min(512, 2 * b.count));
  for (let i = 0; i < probe.length; i++) probe[i] = cu8At(b, i);
  const hay = Buffer.concat([known, known.subarray(0, probe.length)]);
  const off = hay.indexOf(probe);
  if (off < 0) throw new Error(`block at sample ${b.firstSample}: its first ${probe.length} bytes are not in the bytes served`);
  return off - 2 * b.firstSample;
}

/**
 * Registers the IqSource contract tests: info is complete; blocks are well-formed, in order and contiguous
 * (firstSample advances by count unless `discontinuity`) at the stated sample rate, exact where the bytes served are
 * known; health() has the common shape and counts what was delivered; blocks() cannot be iterated twice; close() is
 * idempotent, ends an iteration (also one waiting for its next block) promptly and releases the device (a second
 * source opens and streams); errors name the source. `factory` must return a fresh, unopened source each call.
 */
export function describeSource(name: string, factory: () => Promise<IqSource>, opts: SourceContractOptions = {}): void {
  const want = opts.blocks ?? 4;
  const timeout = opts.timeoutMs;
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
    }, timeout);

    it('yields well-formed, contiguous blocks', async () => {
      const src = await factory();
      const known = opts.knownCu8?.();
      let shift: number | undefined;
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
        if (known !== undefined) {
          shift ??= opts.knownCu8AnyStart ? locate(b, known) : 0;
          expect(firstMismatch(b, known, shift), `block at sample ${b.firstSample}: first value that differs from the bytes served`).toBe(-1);
        }
        next = b.firstSample + b.count;
        samples += b.count;
        if (++seen >= want && !opts.finite) break;
      }
      expect(seen).toBeGreaterThanOrEqual(opts.finite ? 1 : want);
      if (opts.finite) expect(samples).toBe(src.info.totalSamples);
      await src.close();
    }, timeout);

    it('reports the common health: offline before and after, online while streaming, samples counted', async () => {
      const src = await factory();
      const before = src.health();
      expectHealthShape(before);
      expect(before.label).toBe(src.info.label);
      expect(before.online).toBe(false);
      expect(before.samplesDelivered).toBe(0);
      let samples = 0;
      let seen = 0;
      let during: IqSourceHealth | null = null;
      for await (const b of src.blocks()) {
        samples += b.count;
        if (++seen < Math.min(want, 3)) continue;
        during = src.health();
        break;
      }
      expect(during).not.toBeNull();
      expectHealthShape(during!);
      expect(during!.online).toBe(true);
      expect(during!.samplesDelivered).toBe(samples);
      expect(during!.nonFiniteSamples).toBe(0);
      if (during!.lastError !== null) expect(during!.lastError.length).toBeGreaterThan(0); // a problem recovered from may stay
      expect(during!.lastDataAgeMs).toBeGreaterThanOrEqual(0);
      expect(during!.lastDataAgeMs).toBeLessThan(5000);
      await src.close();
      const after = src.health();
      expectHealthShape(after);
      expect(after.online).toBe(false);
      expect(after.samplesDelivered).toBeGreaterThanOrEqual(samples);
    }, timeout);

    it('refuses a second blocks() and closes idempotently', async () => {
      const src = await factory();
      for await (const _ of src.blocks()) break;
      await expect(async () => {
        for await (const _ of src.blocks()) void _;
      }).rejects.toThrow();
      await src.close();
      await src.close();
    }, timeout);

    it('close() during iteration ends it', async () => {
      const src = await factory();
      let seen = 0;
      for await (const _ of src.blocks()) {
        seen++;
        if (seen === 1) await src.close();
        if (seen > 2) break;
      }
      expect(seen).toBe(1);
    }, timeout);

    it('close() ends a pending wait promptly and releases the device: a second source streams', async () => {
      const src = await factory();
      const it = src.blocks()[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
      const pending = it.next(); // waiting for (or already holding) the next block
      const t0 = performance.now();
      await src.close();
      let extra = 0;
      let r = await pending;
      while (!r.done && extra < 8) {
        extra++;
        r = await it.next();
      }
      const ms = performance.now() - t0;
      expect(r.done).toBe(true);
      expect(ms).toBeLessThan(opts.closeWithinMs ?? 1000);
      const again = await (opts.reopen ?? factory)();
      try {
        const r2 = await again.blocks()[Symbol.asyncIterator]().next();
        expect(r2.done).toBe(false);
        expect(r2.value!.count).toBeGreaterThan(0);
      } finally {
        await again.close();
      }
    }, timeout);

    if (opts.failing !== undefined) {
      const failing = opts.failing;
      it(`errors name the source (${failing.names.source})`, async () => {
        let err: unknown = null;
        try {
          const src = await failing.open();
          try {
            for await (const _ of src.blocks()) void _;
          } finally {
            await src.close();
          }
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(failing.names);
      }, timeout);
    }
  });
}
