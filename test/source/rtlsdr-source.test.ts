// RtlSdrSource over the fake librtlsdr: Float32 conversion, sample clock, retune tuneId, drops → discontinuity (logged
// at most once per 10 s), unplug/stall → DISCONNECTED.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exactSampleRateSps, loadRtlSdr, type RtlSdrBinding } from '../../native-bindings/index.js';
import { QuietBandError } from '../../src/errors.js';
import { defaultBlockSamples, defaultPoolSlots, RtlSdrSource } from '../../src/source/rtlsdr-source.js';
import type { IqBlock } from '../../src/types.js';
import { buildAddonAgainstFake } from '../fake-librtlsdr/build.js';
import { busyWait, seededBytes, setFakeEnv } from '../fake-librtlsdr/fake-env.js';

let binding: RtlSdrBinding;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-rtlsdr-source-'));
const sources: RtlSdrSource[] = [];

beforeAll(async () => {
  binding = loadRtlSdr({ path: await buildAddonAgainstFake() });
});

afterEach(async () => {
  for (const s of sources.splice(0)) await s.close().catch(() => undefined);
  setFakeEnv();
});

async function openSource(extra: Partial<Parameters<typeof RtlSdrSource.open>[0]> = {}): Promise<RtlSdrSource> {
  const s = await RtlSdrSource.open({ serial: 'FAKE0001', centerHz: 100_000_000, rateSps: 1_024_000, gainDb: 30, binding, ...extra });
  sources.push(s);
  return s;
}

/** Copies of the fields of the next `n` blocks (blocks are reused by the source). */
async function take(it: AsyncIterator<IqBlock>, n: number): Promise<(Omit<IqBlock, 'samples'> & { samples: Float32Array })[]> {
  const out: (Omit<IqBlock, 'samples'> & { samples: Float32Array })[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) throw new Error(`stream ended after ${i} blocks`);
    out.push({ ...r.value, samples: r.value.samples.slice(0, 2 * r.value.count) });
  }
  return out;
}

describe('RtlSdrSource', () => {
  it('opens, configures and describes the stream (exact rate, snapped gain, serial)', async () => {
    setFakeEnv();
    const s = await openSource({ rateSps: 250_000, gainDb: 30, ppm: 3 });
    expect(s.info).toMatchObject({ label: 'rtlsdr:FAKE0001', format: 'cu8', centerHz: 100_000_000, centerKnown: true, ppm: 3, deviceId: 'FAKE0001' });
    expect(s.info.gainDb).toBeCloseTo(29.7, 10); // R820T steps 29.7 / 32.8 dB
    expect(s.info.rateSps).toBeCloseTo(250_000.000414, 6);
    expect(s.info.rateSps).toBe(exactSampleRateSps(250_000));
    expect(defaultBlockSamples(2_048_000)).toBe(65536);
    expect(defaultBlockSamples(250_000)).toBe(4096);
    expect(defaultPoolSlots(2_048_000, 65536)).toBe(32);
  });

  it('cu8 → Float32 exactly, with firstSample, clipFraction and tuneId; a retune starts a new tuneId', async () => {
    const bytes = seededBytes(4 * 8192 * 2, 5);
    const file = path.join(tmp, 'known.cu8');
    writeFileSync(file, bytes);
    setFakeEnv({ FAKE_RTLSDR_FILE: file, FAKE_RTLSDR_REALTIME: '1' });
    const s = await openSource({ blockSamples: 8192 });
    const it = s.blocks()[Symbol.asyncIterator]();
    const first = await take(it, 3);
    for (let b = 0; b < 3; b++) {
      const blk = first[b]!;
      expect(blk.count).toBe(8192);
      expect(blk.firstSample).toBe(b * 8192);
      expect(blk.tuneId).toBe(0);
      expect(blk.centerHz).toBe(100_000_000);
      expect(blk.discontinuity).toBe(false);
      let clipped = 0;
      for (let i = 0; i < 16384; i++) {
        const raw = bytes[(b * 16384 + i) % bytes.length]!;
        if (raw === 0 || raw === 255) clipped++;
        if (blk.samples[i] !== Math.fround((raw - 127.5) / 127.5)) throw new Error(`block ${b} value ${i}`);
      }
      expect(blk.clipFraction).toBeCloseTo(clipped / 16384, 12);
      expect(clipped).toBeGreaterThan(0); // random bytes hit 0 and 255 about 1/128 of the time
    }
    expect(await s.retune(101_000_000)).toBe(101_000_000);
    expect(s.info.centerHz).toBe(101_000_000);
    const [after] = await take(it, 1);
    expect(after!.tuneId).toBe(1);
    expect(after!.centerHz).toBe(101_000_000);
    expect(after!.discontinuity).toBe(true);
    expect(after!.firstSample).toBeGreaterThan(2 * 8192); // the block straddling the retune was discarded
    expect(s.health().samplesDiscarded).toBeGreaterThanOrEqual(8192);
    const [next] = await take(it, 1);
    expect(next).toMatchObject({ tuneId: 1, discontinuity: false, firstSample: after!.firstSample + 8192 });
    await s.close();
    await s.close();
  });

  it('a run of (0, 0) bytes (a transfer never written) is lost: the block starts after it, discontinuous; health counts it', async () => {
    const bytes = seededBytes(4 * 8192 * 2, 9);
    bytes.fill(0, 2 * 8192, 2 * (8192 + 3000)); // block 1's first 3000 samples
    const file = path.join(tmp, 'hole.cu8');
    writeFileSync(file, bytes);
    setFakeEnv({ FAKE_RTLSDR_FILE: file, FAKE_RTLSDR_REALTIME: '1' });
    const s = await openSource({ blockSamples: 8192 });
    const blocks = await take(s.blocks()[Symbol.asyncIterator](), 3);
    expect(blocks.map((b) => [b.firstSample, b.count, b.discontinuity])).toEqual([
      [0, 8192, false],
      [8192 + 3000, 8192 - 3000, true],
      [2 * 8192, 8192, false],
    ]);
    for (let i = 0; i < 2 * (8192 - 3000); i++) {
      if (blocks[1]!.samples[i] !== Math.fround((bytes[2 * (8192 + 3000) + i]! - 127.5) / 127.5)) throw new Error(`value ${i}`);
    }
    expect(s.health()).toMatchObject({ zeroRunBlocks: 1, zeroedSamples: 3000, droppedBlocks: 1, samplesDelivered: 8192 * 3 - 3000 });
  });

  it('a consumer that falls behind: drops are counted and the next block is marked discontinuous', async () => {
    setFakeEnv(); // generator as fast as possible
    const s = await openSource({ blockSamples: 4096, poolSlots: 4 });
    let sawGap = false;
    let expectedNext = 0;
    let n = 0;
    for await (const blk of s.blocks()) {
      if (n === 0) busyWait(200); // the pool fills while we stall; later blocks are dropped
      if (blk.firstSample !== expectedNext) {
        expect(blk.discontinuity).toBe(true);
        expect(blk.firstSample).toBeGreaterThan(expectedNext);
        expect((blk.firstSample - expectedNext) % 4096).toBe(0); // whole blocks are missing
        sawGap = true;
      } else {
        expect(blk.discontinuity).toBe(false);
      }
      expectedNext = blk.firstSample + blk.count;
      if (++n >= 12) break;
    }
    expect(sawGap).toBe(true);
    const h = s.health();
    expect(h.droppedBlocks).toBeGreaterThan(0);
    expect(h.state).toBe('closed'); // leaving the loop closes the source
  });

  it('a consumer that keeps falling behind: dozens of gaps, two warning lines (the first gap at once, the rest counted at close)', async () => {
    setFakeEnv(); // generator as fast as possible
    const lines: { msg: string; first?: boolean; gaps?: number; totalGaps?: number; lostBlocks: number }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
    const s = await openSource({ blockSamples: 4096, poolSlots: 2, logger });
    let gaps = 0;
    let n = 0;
    for await (const blk of s.blocks()) {
      if (blk.discontinuity && n > 0) gaps++;
      busyWait(2); // 4096 samples at 1.024 MS/s span 4 ms, but the fake delivers them as fast as it can
      if (++n >= 150) break;
    }
    await s.close();
    const warned = lines.filter((l) => l.msg.startsWith('blocks dropped'));
    console.log(`rtlsdr slow consumer: ${gaps} gaps, ${warned.length} warning lines`);
    expect(gaps).toBeGreaterThanOrEqual(20);
    expect(warned).toHaveLength(2);
    expect(warned[0]!.first).toBe(true);
    expect(warned[1]!.totalGaps).toBe(gaps);
  });

  it('unplug: buffered blocks (the last one partial), then DISCONNECTED; a new source on the same serial works', async () => {
    setFakeEnv({ FAKE_RTLSDR_UNPLUG_AFTER_BYTES: String(3 * 8192 + 2000) });
    const s = await openSource({ blockSamples: 4096 });
    const counts: number[] = [];
    let err: unknown = null;
    try {
      for await (const blk of s.blocks()) counts.push(blk.count);
    } catch (e) {
      err = e;
    }
    expect(counts).toEqual([4096, 4096, 4096, 1000]);
    expect(err).toBeInstanceOf(QuietBandError);
    expect((err as QuietBandError).code).toBe('DISCONNECTED');
    expect((err as QuietBandError).disconnected).toBe(true);
    expect(s.health().lastError).toMatch(/unplugged/);
    setFakeEnv();
    const again = await openSource({ blockSamples: 4096 });
    const blocks = await take(again.blocks()[Symbol.asyncIterator](), 2);
    expect(blocks.map((b) => b.firstSample)).toEqual([0, 4096]);
  });

  it('a dongle that stalls (no data, no error) is DISCONNECTED after stallTimeoutMs; close still works', async () => {
    setFakeEnv({ FAKE_RTLSDR_UNPLUG_AFTER_BYTES: String(2 * 8192), FAKE_RTLSDR_UNPLUG_MODE: 'stall' });
    const s = await openSource({ blockSamples: 4096, stallTimeoutMs: 300 });
    const t0 = Date.now();
    let n = 0;
    const err = await (async () => {
      try {
        for await (const _ of s.blocks()) n++;
      } catch (e) {
        return e as QuietBandError;
      }
      return null;
    })();
    expect(n).toBe(2);
    expect(err?.code).toBe('DISCONNECTED');
    expect(err?.message).toMatch(/no samples for 300 ms/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    await s.close();
    expect(s.device.state).toBe('closed');
  });

  it('rejects bad options as CONFIG naming the field, and a missing dongle as DEVICE_NOT_FOUND', async () => {
    setFakeEnv();
    await expect(openSource({ rateSps: 500_000 })).rejects.toThrow(/rtlsdr source option rateSps: must be an integer in 225001–300000 or 900001–3200000/);
    await expect(openSource({ blockSamples: 1000 })).rejects.toThrow(/option blockSamples: must be a multiple of 256/);
    await expect(openSource({ index: 0 })).rejects.toThrow(/option serial: give serial or index, not both/);
    await expect(openSource({ serial: 'GONE' })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    // a failed configuration closes the dongle again: it can be reopened
    setFakeEnv({ FAKE_RTLSDR_TUNERS: 'r828d' });
    await expect(openSource({ offsetTuning: true })).rejects.toMatchObject({ code: 'CONFIG' });
    const ok = await openSource();
    expect(ok.device.info.tunerName).toBe('R828D');
  });
});
