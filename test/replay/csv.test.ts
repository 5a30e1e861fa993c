// replay --csv writes rtl_power's CSV layout: date, time, Hz low, Hz high, Hz step, samples, one dB value per bin.
import { describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayFile } from '../../src/cli/replay.js';
import { writeSimCapture } from '../../src/source/sim.js';
import { silentLog } from '../helpers.js';
import { memoryLogger } from '../server/helpers.js';

describe('replay --csv', () => {
  it('one row per Welch average, 6 + fftSize columns, the steady carrier at its level', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-csv-'));
    try {
      const meta = (await writeSimCapture(join(dir, 'rec'), {
        rateSps: 250_000, centerHz: 433.92e6, durationS: 1.2, seed: 4, carriers: [{ offsetHz: 31_250, powerDbfs: -20 }], events: [],
      })).metaPath;
      // give the recording a start time, as a SigMF core:datetime
      const json = JSON.parse(await readFile(meta, 'utf8'));
      json.captures[0]['core:datetime'] = '2026-06-07T01:00:05Z';
      await writeFile(meta, JSON.stringify(json));
      const csv = join(dir, 'out.csv');
      await replayFile(meta, { csv, average: '49', progress: false }, () => {}, silentLog);
      const rows = (await readFile(csv, 'utf8')).trim().split('\n').map((l) => l.split(', '));
      // (1.2 s − 2048 settle samples) / (49 × 512 samples) → 11 full averages
      expect(rows.length).toBe(11);
      for (const r of rows) expect(r.length).toBe(6 + 1024);
      expect(rows[0][0]).toBe('2026-06-07');
      expect(rows[0][1]).toBe('01:00:05');
      expect(Number(rows[0][2])).toBe(433.92e6 - 125_000);
      expect(Number(rows[0][3])).toBe(433.92e6 + 125_000);
      expect(Number(rows[0][4])).toBeCloseTo(244.14, 2);
      expect(Number(rows[0][5])).toBe(49 * 512 + 512);
      // +31.25 kHz is exactly bin 512 + 128: a −20 dBFS tone on a bin centre reads −20 ± 0.3 dB
      for (const r of rows) expect(Math.abs(Number(r[6 + 640]) + 20)).toBeLessThan(0.3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a raw file without a recording time: rows dated from its modification time less its duration, with a warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-csv-'));
    try {
      const { dataPath } = await writeSimCapture(join(dir, 'rec'), {
        rateSps: 250_000, centerHz: 433.92e6, durationS: 1.2, seed: 4, carriers: [{ offsetHz: 31_250, powerDbfs: -20 }], events: [],
      });
      // the same samples as an rtl_433-named raw file, last written 2026-06-07T01:00:06.2Z: first sample 01:00:05.0
      const raw = join(dir, 'g001_433.92M_250k.cu8');
      await copyFile(dataPath, raw);
      await utimes(raw, new Date('2026-06-07T01:00:06.2Z'), new Date('2026-06-07T01:00:06.2Z'));
      const csv = join(dir, 'out.csv');
      const { logger, lines } = memoryLogger();
      await replayFile(raw, { csv, average: '49', progress: false }, () => {}, logger);
      const rows = (await readFile(csv, 'utf8')).trim().split('\n').map((l) => l.split(', '));
      expect(rows.length).toBe(11);
      expect(rows[0]!.slice(0, 2)).toEqual(['2026-06-07', '01:00:05']);
      // the 11th average starts 2048 + 10 × 49 × 512 samples in: 1.012 s → 01:00:06
      expect(rows[10]!.slice(0, 2)).toEqual(['2026-06-07', '01:00:06']);
      const warn = lines.find((l) => l.level === 40 && String(l.msg).includes('no recording time'))!;
      expect(warn).toMatchObject({ file: raw, mtime: '2026-06-07T01:00:06.200Z', origin: '2026-06-07T01:00:05.000Z' });
      expect(String(warn.msg)).toContain(`${raw}: no recording time (SigMF core:datetime); CSV rows are dated from the file's modification time`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
