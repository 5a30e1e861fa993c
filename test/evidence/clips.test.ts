// Evidence clips: the ring keeps the right samples; a clip around a detection replays to the same detection.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IqRing, encodeSamples } from '../../src/evidence/iq-ring.js';
import { ClipRecorder } from '../../src/evidence/clip-recorder.js';
import { SimSource, type Scenario } from '../../src/source/sim.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { replayFile } from '../../src/cli/replay.js';
import type { DetectionEvent, IqBlock, IqSource } from '../../src/types.js';
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
    expect(ring.read(40, 60, out)).toEqual([50, 10]);
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

/** A finite source over a SimSource (first `samples` samples). */
function take(src: SimSource, samples: number): IqSource {
  return {
    info: src.info,
    async *blocks() {
      for await (const b of src.blocks()) {
        if (b.firstSample >= samples) break;
        yield b;
      }
    },
    close: () => src.close(),
  };
}

describe('ClipRecorder', () => {
  it('writes a SigMF clip around a detection; replaying the clip finds the same signal (centre ± 1 RBW)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-clip-'));
    try {
      const scenario: Scenario = { rateSps: 250_000, centerHz: 433.92e6, durationS: 6, seed: 9, carriers: [{ offsetHz: -50_000, powerDbfs: -25 }], events: [{ kind: 'ook', offsetHz: 35_000, snrDb: 20, startS: 3.0, durationS: 0.2 }] };
      const opts = pipelineOptions({}, scenario.rateSps);
      const { baseline } = await learnBaseline(take(new SimSource(scenario), 2 * 250_000), opts, 'auto');
      const src = new SimSource(scenario);
      const clips = new ClipRecorder(src.info, Date.parse('2026-06-07T01:00:00Z'), { dir: join(dir, 'clips'), sensor: 'room-101', preS: 1, postS: 1, maxS: 5 });
      const events: DetectionEvent[] = [];
      const written: string[] = [];
      const tap: IqSource = {
        info: src.info,
        async *blocks() {
          for await (const b of take(src, 6 * 250_000).blocks()) {
            clips.push(b);
            yield b;
          }
        },
        close: () => src.close(),
      };
      await detect(tap, baseline, opts, (ev) => {
        if (ev.kind !== 'close') return;
        events.push(ev);
        clips.onDetection(ev, (p) => written.push(p));
      });
      await clips.close();
      expect(events.length).toBe(1);
      expect(written.length).toBe(1);
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

  it('deletes the oldest clips beyond the quota', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-quota-'));
    try {
      const info = { label: 'sim', format: 'cu8' as const, rateSps: 1000, centerHz: 1e6, centerKnown: true };
      const clips = new ClipRecorder(info, 0, { dir, sensor: 's', preS: 0, postS: 0, maxS: 1, quotaBytes: 5000 });
      for (let k = 0; k < 5; k++) {
        clips.push(block(k * 1000, 1000));
        clips.onDetection({ kind: 'close', id: k + 1, centerHz: 1e6, bandwidthHz: 10, lowHz: 1e6 - 5, highHz: 1e6 + 5, peakExcessDb: 10, peakPowerDbfs: -10, startS: k, endS: k + 1, paths: ['fast'], overload: false, tuneId: 0 });
        await clips.close();
        await new Promise((r) => setTimeout(r, 20));
      }
      const names = (await readdir(dir)).filter((n) => n.endsWith('.sigmf-data')).sort();
      // each clip = 2000 bytes of data + a ~1 KB meta: at most 2 fit in 5000 bytes; the newest survive
      expect(names.length).toBeLessThanOrEqual(2);
      expect(names.some((n) => n.endsWith('_5.sigmf-data'))).toBe(true);
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
    ring.read(150, 160, out);
    expect([...out]).toEqual([...f.subarray(300, 320)]);
  });
});
