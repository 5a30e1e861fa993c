// The evaluation's in-memory passes are the replay's: same detections as `quietband replay --baseline-seconds` on the
// same background written to a file; and the truth-box matching places boxes at the drifted frequency.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../src/cli/replay.js';
import { overlapsTruth, replayPasses, type ClosedDetection } from '../../src/eval/site-eval.js';
import { driftHzAt, siteBackgroundPreset, writeSiteCapture } from '../../src/source/site-background.js';
import { silentLog } from '../helpers.js';

describe('replayPasses', () => {
  it('gives the detections replay prints for the same background written as SigMF (start, end, edges, excess)', async () => {
    const site = siteBackgroundPreset(250_000, { durationS: 16, seed: 4 });
    site.targets.push({ kind: 'ook', offsetHz: 95_000, startS: 11, durationS: 0.1, snrDb: 12 });
    const mem = await replayPasses(site, 8);
    const dir = await mkdtemp(join(tmpdir(), 'quietband-site-eval-'));
    try {
      const files = await writeSiteCapture(`${dir}/`, site);
      const lines: string[] = [];
      await replayFile(files.metaPath, { baselineSeconds: '8', progress: false }, (l) => lines.push(l), silentLog);
      const fromFile = lines.map((l) => JSON.parse(l) as { type: string; startS: number; endS: number; lowHz: number; highHz: number; peakExcessDb: number })
        .filter((l) => l.type === 'detection');
      expect(mem.detections.length).toBeGreaterThan(0);
      expect(fromFile.length).toBe(mem.detections.length);
      fromFile.forEach((f, i) => {
        const m = mem.detections[i];
        expect(f.startS).toBeCloseTo(m.startS, 5);
        expect(f.endS).toBeCloseTo(m.endS, 5);
        expect(f.lowHz).toBe(Math.round(m.lowHz));
        expect(f.highHz).toBe(Math.round(m.highHz));
        expect(f.peakExcessDb).toBeCloseTo(m.peakExcessDb, 2);
      });
      // the inserted burst is among them, where it was put
      expect(mem.detections.some((d) => overlapsTruth(d, { startS: 11, endS: 11.1, offsetHz: 95_000, bandwidthHz: 10_000 }, site, 0.2, 500))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('overlapsTruth', () => {
  it('matches at the drifted frequency, not at the nominal one once the drift exceeds the tolerance', () => {
    const site = siteBackgroundPreset(250_000, { durationS: 3600, driftPpm: 10 });
    const t = 1200; // drift settled: 10 ppm of 433.92 MHz = 4339 Hz
    expect(driftHzAt(site, t)).toBeCloseTo(4339.2, 1);
    const f = site.centerHz + 100_000 + driftHzAt(site, t);
    const det = (lo: number, hi: number): ClosedDetection => ({ id: 1, startS: t, endS: t + 0.05, lowHz: lo, highHz: hi, centerHz: (lo + hi) / 2, peakExcessDb: 20, overload: false, paths: ['fast'] });
    const box = { startS: t, endS: t + 0.05, offsetHz: 100_000, bandwidthHz: 2_000 };
    expect(overlapsTruth(det(f - 500, f + 500), box, site, 0.2, 500)).toBe(true);
    const nominal = site.centerHz + 100_000;
    expect(overlapsTruth(det(nominal - 500, nominal + 500), box, site, 0.2, 500)).toBe(false);
    // time: 0.3 s after the end is outside a 0.2 s tolerance
    expect(overlapsTruth({ ...det(f - 500, f + 500), startS: t + 0.35, endS: t + 0.4 }, box, site, 0.2, 500)).toBe(false);
  });
});
