// The evidence quota covers clip pictures: PNGs in clip-pictures/ are counted and deleted with their clip.
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipRecorder } from '../../src/evidence/clip-recorder.js';
import type { DetectionEvent, IqBlock } from '../../src/types.js';

function block(first: number, count: number): IqBlock {
  const samples = new Float32Array(2 * count);
  for (let i = 0; i < count; i++) samples[2 * i] = ((first + i) % 1000) / 1000;
  return { samples, count, centerHz: 0, rateSps: 1000, firstSample: first, tuneId: 0, clipFraction: 0, discontinuity: false };
}
const det = (k: number): DetectionEvent => ({ kind: 'close', id: k + 1, centerHz: 1e6, bandwidthHz: 10, lowHz: 1e6 - 5, highHz: 1e6 + 5, peakExcessDb: 10, peakPowerDbfs: -10, startS: k, endS: k + 1, paths: ['fast'], overload: false, tuneId: 0, packets: 1 });
const info = { label: 'sim', format: 'cu8' as const, rateSps: 1000, centerHz: 1e6, centerKnown: true };

/** Runs `body` with a temp `clips/` and `clip-pictures/` folder (removed after). */
async function inClipDirs(body: (dir: string, pics: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'qb-quota-'));
  const pics = join(root, 'clip-pictures');
  await mkdir(pics, { recursive: true });
  try {
    await body(join(root, 'clips'), pics);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

describe('evidence quota with pictures', () => {
  it('clips + their 3000-byte PNGs under 12 500 bytes: the oldest clips go with their pictures; the total stays within the quota', async () => {
    await inClipDirs(async (dir, pics) => {
      const quotaBytes = 12_500;
      const clips = new ClipRecorder(info, 0, { dir, sensor: 's', preS: 0, postS: 0, maxS: 1, quotaBytes, picturesDir: pics, band: false });
      let clipBytes = 0;
      for (let k = 0; k < 5; k++) {
        let meta = '';
        clips.push(block(k * 1000, 1000));
        clips.onDetection(det(k), (m) => (meta = m));
        await clips.close();
        // the picture of this clip, as DetectionEvidence renders it after the clip: then a quota pass
        const base = meta.slice(dir.length + 1, -'.sigmf-meta'.length);
        await writeFile(join(pics, `${base}.png`), Buffer.alloc(3000, 1));
        await writeFile(join(pics, `${base}.png.123.tmp`), Buffer.alloc(50_000, 1)); // being rendered: not counted
        await clips.enforceQuota();
        await rm(join(pics, `${base}.png.123.tmp`));
        if (k === 0) clipBytes = (await stat(meta)).size + 2000;
        await new Promise((r) => setTimeout(r, 20));
      }
      const data = (await readdir(dir)).filter((n) => n.endsWith('.sigmf-data')).sort();
      const png = (await readdir(pics)).sort();
      // one clip = 2000 B data + meta (~1 KB) + 3000 B picture ≈ 6 KB: 2 fit under 12 500 B (3 would without pictures)
      expect(3 * clipBytes).toBeLessThanOrEqual(quotaBytes); // without the pictures a third clip would have been kept
      expect(data.map((n) => n.replace(/^.*_(\d+)_[\d.]+M_[\d.]+k\.sigmf-data$/, '$1'))).toEqual(['4', '5']);
      expect(png.map((n) => n.replace(/^.*_(\d+)_[\d.]+M_[\d.]+k\.png$/, '$1'))).toEqual(['4', '5']); // pictures deleted with their clips
      let total = 0;
      for (const n of await readdir(dir)) total += (await stat(join(dir, n))).size;
      for (const n of png) total += (await stat(join(pics, n))).size;
      expect(total).toBeLessThanOrEqual(quotaBytes);
      // an orphan picture (its clip gone) is counted and deleted first when over quota
      await writeFile(join(pics, 'old_orphan.png'), Buffer.alloc(9000, 1));
      const { utimes } = await import('node:fs/promises');
      await utimes(join(pics, 'old_orphan.png'), new Date(1000), new Date(1000));
      expect(await clips.enforceQuota()).toEqual(['old_orphan']);
      expect((await readdir(dir)).filter((n) => n.endsWith('.sigmf-data'))).toHaveLength(2);
      // the audio the web page had made of the older clip (kept beside it, src/server/clips-route.ts) goes with it
      const older = data[0]!.slice(0, -'.sigmf-data'.length);
      await writeFile(join(dir, `${older}.nfm.wav`), Buffer.alloc(2000, 1));
      await utimes(join(dir, `${older}.nfm.wav`), new Date(2000), new Date(2000));
      expect(await clips.enforceQuota()).toEqual([older]);
      expect((await readdir(dir)).filter((n) => n.startsWith(older))).toEqual([]);
    });
  });

  it('a picture drawn after a newer clip was written does not make its clip younger: the older clip still goes first', async () => {
    await inClipDirs(async (dir, pics) => {
      const clips = new ClipRecorder(info, 0, { dir, sensor: 's', preS: 0, postS: 0, maxS: 1, quotaBytes: 1e9, picturesDir: pics, band: false });
      const bases: string[] = [];
      for (let k = 0; k < 2; k++) {
        let meta = '';
        clips.push(block(k * 1000, 1000));
        clips.onDetection(det(k), (m) => (meta = m));
        await clips.close();
        bases.push(meta.slice(dir.length + 1, -'.sigmf-meta'.length));
      }
      const { utimes } = await import('node:fs/promises');
      for (const n of await readdir(dir)) await utimes(join(dir, n), new Date(n.startsWith(bases[0]!) ? 10_000 : 20_000), new Date(n.startsWith(bases[0]!) ? 10_000 : 20_000));
      // the first clip's picture, drawn late (a loaded evidence thread) after the second clip was written
      await writeFile(join(pics, `${bases[0]}.png`), Buffer.alloc(100, 1));
      await utimes(join(pics, `${bases[0]}.png`), new Date(30_000), new Date(30_000));
      let total = 0;
      for (const n of await readdir(dir)) total += (await stat(join(dir, n))).size;
      // a quota pass with room for one clip (the two clips' files are the same size): the first (older) one goes, with
      // its picture
      const pass = new ClipRecorder(info, 0, { dir, sensor: 's', quotaBytes: total / 2 + 200, picturesDir: pics, band: false });
      expect(await pass.enforceQuota()).toEqual([bases[0]]);
      expect(await readdir(pics)).toEqual([]);
    });
  });
});
