// The clip writer's backlog is bounded: while band cuts lag (a 20 MS/s sensor with a detection every second), raw
// copies waiting for the writer stay under two rings' worth; the clips beyond are not written, counted and logged,
// and each still gets its close (onShed).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cutBand, type BandCutInput, type BandCutResult } from '../../src/evidence/clip-band.js';
import { ClipRecorder } from '../../src/evidence/clip-recorder.js';
import type { DetectionEvent, IqBlock } from '../../src/types.js';
import { memoryLogger } from '../server/helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-backlog-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const RATE = 100_000;
const info = { label: 'sim', format: 'cu8' as const, rateSps: RATE, centerHz: 433_920_000, centerKnown: true };

function block(first: number, count: number): IqBlock {
  return { samples: new Float32Array(2 * count), count, centerHz: info.centerHz, rateSps: RATE, firstSample: first, tuneId: 0, clipFraction: 0, discontinuity: false };
}

function closed(id: number, startS: number, endS: number): DetectionEvent {
  return { kind: 'close', id, centerHz: 433_930_000, bandwidthHz: 10_000, lowHz: 433_925_000, highHz: 433_935_000, peakExcessDb: 20, peakPowerDbfs: -30, startS, endS, paths: ['fast'], overload: false, tuneId: 0, packets: 1 };
}

describe('clip writer backlog', () => {
  it('12 detections 0.5 s apart while the band cutter is held: 5 raw copies wait (1.1 MB of 1.2 MB), 7 clips are not written, each logged and closed; the 5 are written once it resumes', async () => {
    const { logger, lines } = memoryLogger();
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const cutter = { cut: async (input: BandCutInput): Promise<BandCutResult> => { await held; return cutBand(input); } };
    // ring (0.5 + 2 + 0.5) s × 100 kS/s × 2 bytes = 600 kB, so the backlog may hold 1.2 MB; one clip is 1.1 s = 220 kB
    const rec = new ClipRecorder(info, 0, { dir: tmp, sensor: 's1', preS: 0.5, postS: 0.5, maxS: 2, quotaBytes: 1 << 30, minFreeBytes: 0, cutter, logger });
    expect(rec.maxBacklogBytes).toBe(1_200_004);
    const written: string[] = [];
    let shed = 0;
    const per = RATE / 10;
    for (let k = 0; k < 80; k++) {
      rec.push(block(k * per, per));
      // a 0.1 s detection closes every 0.5 s from 1 s on (12 of them)
      if (k >= 11 && k <= 66 && (k - 11) % 5 === 0) {
        const t = (k - 1) / 10;
        rec.onDetection(closed(k, t, t + 0.1), (meta) => written.push(meta), () => shed++);
      }
    }
    // the first copy went straight to the (held) writer; four more fit under the bound, the other seven do not
    expect(rec.behind).toBe(7);
    expect(shed).toBe(7);
    expect(lines.filter((l) => l.msg === 'evidence clip not written: the clip writer is behind (alerts come first)').length).toBe(7);
    release();
    await rec.close();
    expect(written.length).toBe(5);
    expect(readdirSync(tmp).filter((n) => n.endsWith('.sigmf-data')).length).toBe(5);
  });
});
