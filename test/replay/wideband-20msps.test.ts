// A wideband receiver's rate (HackRF, LimeSDR: 20 MS/s): GSM-like 577 µs bursts across 20 MHz are each found once, with
// their time, length, centre and width, by the same replay pipeline (FFT 4096: 4.9 kHz RBW, 1024-point short frames of
// 51 µs).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayFile } from '../../src/cli/replay.js';
import { writeSimCapture, type Scenario } from '../../src/source/sim.js';
import { silentLog } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'qb-20msps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  type: string;
  centerHz: number;
  bandwidthHz: number;
  startS: number;
  durationMs: number;
  packets: number;
}

describe('replay at 20 MS/s', () => {
  it('four 577 µs × 200 kHz bursts at 10 dB over 20 MHz beside a −30 dBFS carrier: four detections, each on its burst', async () => {
    const bursts = [
      { offsetHz: 2_000_000, startS: 0.6 },
      { offsetHz: -5_000_000, startS: 1.0 },
      { offsetHz: 7_000_000, startS: 1.4 },
      { offsetHz: 500_000, startS: 1.8 },
    ];
    const sc: Scenario = {
      rateSps: 20_000_000, centerHz: 2_440_000_000, durationS: 2, seed: 5,
      carriers: [{ offsetHz: -3_000_000, powerDbfs: -30 }],
      events: bursts.map((b) => ({ kind: 'noise-burst' as const, offsetHz: b.offsetHz, snrDb: 10, startS: b.startS, durationS: 0.000577, bandwidthHz: 200_000 })),
    };
    const meta = (await writeSimCapture(path.join(dir, 'wide') + '/', sc)).metaPath;
    const lines: Line[] = [];
    await replayFile(meta, { progress: false, identify: false, fftSize: '4096' }, (l) => lines.push(JSON.parse(l) as Line), silentLog);
    const dets = lines.filter((l) => l.type === 'detection');
    expect(dets.length).toBe(4);
    for (const b of bursts) {
      const d = dets.find((x) => Math.abs(x.centerHz - (sc.centerHz + b.offsetHz)) < 20_000);
      expect(d, `burst at ${b.offsetHz} Hz`).toBeDefined();
      // times to one short frame's hop (25.6 µs), the length to two; the width to ± 50 kHz (window skirts, 4.9 kHz bins)
      expect(Math.abs(d!.startS - b.startS)).toBeLessThan(0.0001);
      expect(Math.abs(d!.durationMs - 0.577)).toBeLessThan(0.1);
      expect(Math.abs(d!.bandwidthHz - 200_000)).toBeLessThan(50_000);
      expect(d!.packets).toBe(1);
    }
  }, 60_000);
});
