// Evidence clips: the ring keeps the right samples; a clip around a detection replays to the same detection.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IqRing, encodeSamples } from '../../src/evidence/iq-ring.js';
import { ClipRecorder } from '../../src/evidence/clip-recorder.js';
import { replayFile } from '../../src/cli/replay.js';
import type { DetectionEvent, IqBlock } from '../../src/types.js';
import { memoryLogger } from '../server/helpers.js';
import { recordClips } from './clip-helpers.js';
import { silentLog } from '../helpers.js';

function block(first: number, count: number, discontinuity = false): IqBlock {
  const samples = new Float32Array(2 * count);
  for (let i = 0; i < count; i++) {
    samples[2 * i] = ((first + i) % 1000) / 1000;
    samples[2 * i + 1] = -((first + i) % 1000) / 1000;
  }
  return { samples, count, centerHz: 0, rateSps: 1000, firstSample: first, tuneId: 0, clipFraction: 0, discontinuity };
}

describe('IqRing', () => {
  it('keeps the last `capacity` samples by absolute index; a gap resets it', () => {
    const ring = new IqRing(250);
    ring.push(block(0, 100));
    ring.push(block(100, 100));
    ring.push(block(200, 100));
    expect(ring.range).toEqual([50, 300]);
    const out = new Float32Array(2 * 20);
    expect(ring.readInto(40, 60, out)).toEqual([50, 10]);
    expect(out[0]).toBeCloseTo(0.05, 6);
    expect(out[1]).toBeCloseTo(-0.05, 6);
    ring.push(block(400, 10)); // 100 samples lost
    expect(ring.range).toEqual([400, 410]);
  });
  it('cu8 round-trips exactly through encodeSamples', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const f = Float32Array.from(bytes, (b) => (b - 127.5) / 127.5);
    expect([...encodeSamples('cu8', f, 128)]).toEqual([...bytes]);
  });
});

describe('ClipRecorder', () => {
  /** The 6 s OOK scenario through detect with a ClipRecorder tapped in (1 s before, 1 s after). */
  const recordClip = (dir: string, band: false | object): ReturnType<typeof recordClips> => recordClips(
    { rateSps: 250_000, centerHz: 433.92e6, durationS: 6, seed: 9, carriers: [{ offsetHz: -50_000, powerDbfs: -25 }], events: [{ kind: 'ook', offsetHz: 35_000, snrDb: 20, startS: 3.0, durationS: 0.2 }] },
    2, { dir: join(dir, 'clips'), preS: 1, postS: 1, maxS: 5, band });

  it('band false: writes a full-band SigMF clip around a detection; replaying the clip finds the same signal (centre ± 1 RBW)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-clip-'));
    try {
      const { events, written } = await recordClip(dir, false);
      expect(events.length).toBe(1);
      expect(written.length).toBe(1);
      expect(written[0]).toMatch(/room-101_2026-06-07T01-00-02-\d{3}Z_1_433\.92M_250k\.sigmf-meta$/);
      const meta = JSON.parse(await readFile(written[0], 'utf8'));
      expect(meta.global['core:datatype']).toBe('cu8');
      expect(meta.global['core:sample_rate']).toBe(250_000);
      expect(meta.captures[0]['core:frequency']).toBe(433.92e6);
      // clip starts 1 s before the detection: 2026-06-07T01:00:02.0 (± one fast frame of the detected start)
      expect(Math.abs(Date.parse(meta.captures[0]['core:datetime']) - Date.parse('2026-06-07T01:00:02Z'))).toBeLessThan(10);
      const ann = meta.annotations[0];
      expect(ann['core:label']).toBe('detection');
      expect(Math.abs(ann['core:sample_start'] - 250_000)).toBeLessThan(2500);
      expect(Math.abs(ann['core:sample_count'] - 0.2 * 250_000)).toBeLessThan(2500);
      expect(ann['core:freq_lower_edge']).toBeLessThan(433.92e6 + 35_000);
      expect(ann['core:freq_upper_edge']).toBeGreaterThan(433.92e6 + 35_000);
      expect(meta.global['quietband:dc_free']).toBeUndefined();
      // detection 0.2 s + 1 s before + 1 s after
      const dataBytes = (await readFile(written[0].replace('.sigmf-meta', '.sigmf-data'))).length;
      expect(Math.abs(dataBytes / 2 / 250_000 - 2.2)).toBeLessThan(0.01);
      const dets: { centerHz: number; startS: number }[] = [];
      await replayFile(written[0], { progress: false }, (l) => dets.push(JSON.parse(l)), silentLog);
      expect(dets.length).toBe(1);
      expect(Math.abs(dets[0].centerHz - events[0].centerHz)).toBeLessThanOrEqual(250_000 / 1024);
      expect(Math.abs(dets[0].startS - 1.0)).toBeLessThan(0.01);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('default band: the clip holds the detection band at a standard rate, centred on it; replayed it gives the same detection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-clip-'));
    try {
      const { events, written } = await recordClip(dir, {});
      expect(events.length).toBe(1);
      expect(written.length).toBe(1);
      const ev = events[0]!;
      const meta = JSON.parse(await readFile(written[0], 'utf8'));
      const rate = meta.global['core:sample_rate'];
      // the OOK's occupied band × 1.2 rounded up to the ladder, well below the source's 250 kS/s
      expect(rate).toBeGreaterThanOrEqual(1.2 * (ev.highHz - ev.lowHz));
      expect(rate).toBeLessThanOrEqual(100_000);
      expect(meta.global['core:datatype']).toBe('cu8');
      const centre = meta.captures[0]['core:frequency'];
      expect(centre).toBe(Math.round((ev.lowHz + ev.highHz) / 2));
      expect(written[0].endsWith(`_1_${Number((centre / 1e6).toPrecision(6))}M_${rate / 1000}k.sigmf-meta`)).toBe(true);
      expect(meta.global['core:extensions']).toEqual([{ name: 'quietband', version: '1.0.0', optional: true }]);
      expect(meta.global['quietband:sensor']).toBe('room-101');
      expect(meta.global['quietband:source_frequency']).toBe(433.92e6);
      expect(meta.global['quietband:source_sample_rate']).toBe(250_000);
      expect(meta.global['quietband:dc_free']).toBe(true);
      expect(meta.global['quietband:filter'].attenuation_db).toBe(60);
      // the annotation in the clip's frame: inside its band, times at its rate (1 s of pre-trigger, 0.2 s long)
      const ann = meta.annotations[0];
      expect(ann['core:freq_lower_edge']).toBeGreaterThanOrEqual(centre - 0.42 * rate);
      expect(ann['core:freq_upper_edge']).toBeLessThanOrEqual(centre + 0.42 * rate);
      expect(Math.abs(ann['core:sample_start'] - rate)).toBeLessThan(0.01 * rate);
      expect(Math.abs(ann['core:sample_count'] - 0.2 * rate)).toBeLessThan(0.01 * rate);
      expect(Math.abs(Date.parse(meta.captures[0]['core:datetime']) - Date.parse('2026-06-07T01:00:02Z'))).toBeLessThan(10);
      // 2.2 s at the clip rate, 2 bytes per sample (cu8): ≥ 2.5× smaller than the 1.1 MB full-band clip
      const dataBytes = (await readFile(written[0].replace('.sigmf-meta', '.sigmf-data'))).length;
      expect(Math.abs(dataBytes / 2 / rate - 2.2)).toBeLessThan(0.01);
      expect(dataBytes).toBeLessThan(1_100_000 / 2.5);
      const dets: { centerHz: number; startS: number; durationMs: number }[] = [];
      await replayFile(written[0], { progress: false }, (l) => dets.push(JSON.parse(l)), silentLog);
      expect(dets.length).toBe(1);
      // centre within one source RBW (250 kS/s / 1024 = 244 Hz); start 1 s into the clip ± 10 ms; 200 ms ± 20 ms long
      expect(Math.abs(dets[0].centerHz - ev.centerHz)).toBeLessThanOrEqual(250_000 / 1024);
      expect(Math.abs(dets[0].startS - 1.0)).toBeLessThan(0.01);
      expect(Math.abs(dets[0].durationMs - 200)).toBeLessThan(20);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('deletes the oldest clips beyond the quota', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-quota-'));
    try {
      const info = { label: 'sim', format: 'cu8' as const, rateSps: 1000, centerHz: 1e6, centerKnown: true };
      const clips = new ClipRecorder(info, 0, { dir, sensor: 's', preS: 0, postS: 0, maxS: 1, quotaBytes: 5000, band: false });
      for (let k = 0; k < 5; k++) {
        clips.push(block(k * 1000, 1000));
        clips.onDetection({ kind: 'close', id: k + 1, centerHz: 1e6, bandwidthHz: 10, lowHz: 1e6 - 5, highHz: 1e6 + 5, peakExcessDb: 10, peakPowerDbfs: -10, startS: k, endS: k + 1, paths: ['fast'], overload: false, tuneId: 0, packets: 1 });
        await clips.close();
        await new Promise((r) => setTimeout(r, 20));
      }
      const names = (await readdir(dir)).filter((n) => n.endsWith('.sigmf-data')).sort();
      // each clip = 2000 bytes of data + a ~1 KB meta: at most 2 fit in 5000 bytes; the newest survive
      expect(names.length).toBeLessThanOrEqual(2);
      expect(names.some((n) => n.endsWith('_5_1M_1k.sigmf-data'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a clip short of its pre-roll', () => {
  it('records in its meta how much pre-roll it holds when the ring had overwritten the start (and warns); a full one says so too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-preroll-'));
    try {
      const info = { label: 'sim', format: 'cu8' as const, rateSps: 1000, centerHz: 1e6, centerKnown: true };
      const { logger, lines } = memoryLogger();
      // ring: preS + maxS + postS = 4 s (4001 samples)
      const clips = new ClipRecorder(info, 0, { dir, sensor: 's', preS: 1, postS: 1, maxS: 2, band: false, logger });
      const det = (id: number, startS: number, endS: number): DetectionEvent => ({ kind: 'close', id, centerHz: 1e6, bandwidthHz: 10, lowHz: 1e6 - 5, highHz: 1e6 + 5, peakExcessDb: 10, peakPowerDbfs: -10, startS, endS, paths: ['fast'], overload: false, tuneId: 0, packets: 1 });
      const metas: string[] = [];
      for (let k = 0; k < 6; k++) clips.push(block(k * 1000, 1000));
      // reported late (a pipeline behind): the ring holds [1.999, 6) s; the clip asks for 1.5 … 4.5 s
      clips.onDetection(det(1, 2.5, 3.5), (m) => metas.push(m));
      // in time: 3.5 … 5.5 s, all held
      clips.onDetection(det(2, 4.5, 4.5), (m) => metas.push(m));
      await clips.close();
      const pre = async (id: number): Promise<unknown> => JSON.parse(await readFile(metas.find((m) => m.includes(`_${id}_`))!, 'utf8')).global['quietband:pre_roll'];
      expect(await pre(1)).toEqual({ asked_s: 1, kept_s: 0.501, short: true });
      expect(await pre(2)).toEqual({ asked_s: 1, kept_s: 1, short: false });
      expect(lines.filter((l) => l.msg === 'evidence clip short of its pre-roll: its first I/Q had already left the ring (the pipeline was behind)')).toMatchObject([{ id: 1, preRollAskedS: 1, preRollKeptS: 0.501 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('IqRing in the source encoding', () => {
  it('a cu8 ring holds bytes and gives back exactly the source bytes (raw) and floats (read)', () => {
    const ring = new IqRing(300, 'cu8');
    const bytes = Uint8Array.from({ length: 2 * 400 }, (_, i) => (i * 37) % 256);
    const f = Float32Array.from(bytes, (b) => (b - 127.5) / 127.5);
    ring.push({ samples: f, count: 400, centerHz: 0, rateSps: 1000, firstSample: 0, tuneId: 0, clipFraction: 0, discontinuity: false });
    const raw = ring.readRaw(0, 400);
    expect(raw.first).toBe(100);
    expect(raw.count).toBe(300);
    expect([...raw.data]).toEqual([...bytes.subarray(200)]);
    const out = new Float32Array(2 * 10);
    ring.readInto(150, 160, out);
    expect([...out]).toEqual([...f.subarray(300, 320)]);
  });
});
