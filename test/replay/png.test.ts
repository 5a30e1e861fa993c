// replay --png: a spectrogram of the recording with MHz and seconds axes, each detection boxed in red.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { replayFile } from '../../src/cli/replay.js';
import { writeSimCapture } from '../../src/source/sim.js';
import { OUTLINE_RGB } from '../../src/evidence/clip-picture.js';
import { renderRecordingPicture, RECORDING_PICTURE_PLOT } from '../../src/evidence/recording-picture.js';
import { silentLog } from '../helpers.js';

describe('replay --png', () => {
  it('draws the spectrogram with axes and the detections boxed where they are', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-png-'));
    try {
      // 250 kS/s at 433.92 MHz, 6 s: a tone burst +60 kHz at 3.0-3.5 s
      const { metaPath } = await writeSimCapture(join(dir, 'rec'), {
        rateSps: 250_000, centerHz: 433.92e6, durationS: 6, seed: 5, carriers: [], events: [{ kind: 'tone', offsetHz: 60_000, snrDb: 30, startS: 3.0, durationS: 0.5 }],
      });
      const png = join(dir, 'rec.png');
      const dets: { lowHz: number; highHz: number; startS: number; endS: number }[] = [];
      await replayFile(metaPath, { progress: false, png }, (l) => dets.push(JSON.parse(l)), silentLog);
      expect(dets.length).toBe(1);
      const img = PNG.sync.read(await readFile(png));
      // plot 1024 × 512 plus margins 72 + 16, 12 + 44
      expect([img.width, img.height]).toEqual([1112, 568]);
      const red = (x: number, y: number): boolean => [0, 1, 2].every((i) => img.data[4 * (y * img.width + x) + i] === OUTLINE_RGB[i]);
      // the box: x around 433.98 MHz = 72 + (60 kHz / 250 kHz + 0.5) × 1024 = 829.8, y around 3.25 s = 12 + 3.25 / 6 × 512 = 289
      const row = [...Array(img.width).keys()].filter((x) => red(x, 289));
      expect(row.length).toBeGreaterThanOrEqual(4);
      expect(Math.abs((row[0]! + row.at(-1)!) / 2 - 829.8)).toBeLessThan(2);
      const col = [...Array(img.height).keys()].filter((y) => red(row[0]!, y));
      expect(Math.abs(col[0]! - (12 + (3.0 / 6) * 512))).toBeLessThan(5);
      expect(Math.abs(col.at(-1)! - (12 + (3.5 / 6) * 512))).toBeLessThan(5);
      // the axes as drawn (same picture, drawn again with its figures returned)
      const info = await renderRecordingPicture(metaPath, join(dir, 'again.png'), dets);
      expect(info.plot).toEqual({ x0: 72, y0: 12, x1: 72 + RECORDING_PICTURE_PLOT.widthPx, y1: 12 + RECORDING_PICTURE_PLOT.heightPx });
      expect(info.freqTicks.map((t) => t.label)).toEqual(['433.80', '433.85', '433.90', '433.95', '434.00']);
      expect(info.freqTicks[2]!.x).toBe(Math.round(72 + ((433.9e6 - 433.795e6) / 250e3) * 1024));
      expect(info.timeTicks.map((t) => t.label)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
      expect(info.timeTicks[3]!.y).toBe(12 + 256);
      // tick labels are drawn: light pixels under the 433.90 tick
      const light = (x: number, y: number): boolean => img.data[4 * (y * img.width + x)]! > 200 && img.data[4 * (y * img.width + x) + 1]! > 200;
      const x = info.freqTicks[2]!.x;
      let ink = 0;
      for (let y = 12 + 512 + 9; y < 12 + 512 + 9 + 14; y++) for (let dx = -30; dx <= 30; dx++) if (light(x + dx, y)) ink++;
      expect(ink).toBeGreaterThan(40);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
