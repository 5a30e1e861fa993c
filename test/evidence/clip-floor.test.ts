// Evidence free-space floor: a clip whose write would leave less than minFreeBytes free on a real 1 MiB tmpfs is shed
// (nothing written, its close posted at once, not after the hold time); above the floor it is written, mode 0600.
// Pictures go first: below twice the floor the clip is written and its picture is not.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DetectionEvidence } from '../../src/evidence/detection-evidence.js';
import { freeSpaceShortfall } from '../../src/evidence/clip-recorder.js';
import type { DetectionEvent, IqBlock } from '../../src/types.js';
import { mountTmpfs } from '../fault-fs.js';
import { memoryLogger } from '../server/helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const RATE = 100_000;
const info = { label: 'sim', format: 'cu8' as const, rateSps: RATE, centerHz: 433_920_000, centerKnown: true };

function block(first: number, count: number): IqBlock {
  return { samples: new Float32Array(2 * count), count, centerHz: info.centerHz, rateSps: RATE, firstSample: first, tuneId: 0, clipFraction: 0, discontinuity: false };
}

function ev(kind: DetectionEvent['kind'], id: number, startS: number, endS?: number): DetectionEvent {
  return { kind, id, centerHz: 433_930_000, bandwidthHz: 10_000, lowHz: 433_925_000, highHz: 433_935_000, peakExcessDb: 20, peakPowerDbfs: -30, startS, ...(endS !== undefined ? { endS } : {}), paths: ['fast'], overload: false, tuneId: 0, packets: 1 };
}

/** Feeds 4 s of IQ with one 0.2 s detection at 1 s; returns the posted events with their arrival times and the clip. */
async function run(dataDir: string, minFreeBytes: number, pictures = false): Promise<{ posted: { ev: DetectionEvent; clip?: string; noClip?: string; atMs: number }[]; lines: Record<string, unknown>[] }> {
  const { logger, lines } = memoryLogger();
  const posted: { ev: DetectionEvent; clip?: string; noClip?: string; atMs: number }[] = [];
  const e = new DetectionEvidence(info, 0, {
    dataDir, sensor: 's1', preS: 1, postS: 1, maxS: 5, quotaBytes: 1 << 30, minFreeBytes, pictures, log: logger, band: false,
    post: (x, clip, noClip) => posted.push({ ev: x, ...(clip !== undefined ? { clip } : {}), ...(noClip !== undefined ? { noClip } : {}), atMs: Date.now() }),
  });
  const per = RATE / 10;
  for (let k = 0; k < 40; k++) {
    e.push(block(k * per, per));
    if (k === 10) e.onEvent(ev('open', 1, 1.0));
    if (k === 12) e.onEvent(ev('close', 1, 1.0, 1.2));
    await new Promise((r) => setTimeout(r, 5));
  }
  const closedAt = Date.now();
  await new Promise((r) => setTimeout(r, 300));
  await e.close();
  expect(posted.find((p) => p.ev.kind === 'close')!.atMs - closedAt).toBeLessThan(300); // not held for holdMs (16 s)
  return { posted, lines };
}

describe('evidence free-space floor', () => {
  it('sheds the clip below the floor (logged, nothing written, close posted at once) and writes it above (0600)', async () => {
    const m = mountTmpfs(1 << 20);
    cleanups.push(m.cleanup);
    const free = (await freeSpaceShortfall(m.dir, 0, Number.MAX_SAFE_INTEGER))!.freeBytes;
    expect(free).toBe(1 << 20);
    // a 2.2 s cu8 clip at 100 kS/s is 440 kB: with a 700 kB floor it would leave 1 MiB − 440 kB < 700 kB
    const shed = await run(m.dir, 700_000);
    const close = shed.posted.find((p) => p.ev.kind === 'close')!;
    expect(close.clip).toBeUndefined();
    // the close says why it has no clip, and the log line too
    expect(close.noClip).toBe('disk-floor');
    expect(shed.lines.find((l) => l.clipNotKept === 'disk-floor')?.msg).toBe('clip not kept: free disk space below the evidence floor (alerts come first)');
    const line = shed.lines.find((l) => l.msg === 'evidence clip shed: free disk space below the evidence floor (alerts come first)')!;
    expect(line).toMatchObject({ clipBytes: 440_000, freeBytes: 1 << 20, minFreeBytes: 700_000 });
    expect(readdirSync(m.dir)).toEqual([]); // not even the clips folder
    // with a 500 kB floor it fits: written, 0600
    const kept = await run(m.dir, 500_000);
    const clip = kept.posted.find((p) => p.ev.kind === 'close')!.clip!;
    expect(clip).toMatch(/^clips\/s1_.*\.sigmf-meta$/);
    expect(statSync(join(m.dir, clip)).mode & 0o777).toBe(0o600);
    expect(statSync(join(m.dir, clip.replace(/meta$/, 'data'))).size).toBe(440_000);
  });

  it('sheds the picture before the clip: below twice the floor the clip is written and its picture is not', async () => {
    // 4 MiB tmpfs, a 440 kB clip: 3.75 MB free after it; a picture is checked with 512 KiB of headroom
    const tight = mountTmpfs(4 << 20);
    cleanups.push(tight.cleanup);
    const shed = await run(tight.dir, 1_700_000, true); // picture floor 3.4 MB > 3.75 MB − 512 KiB
    const clip = shed.posted.find((p) => p.ev.kind === 'close')!.clip!;
    expect(statSync(join(tight.dir, clip.replace(/meta$/, 'data'))).size).toBe(440_000);
    const line = shed.lines.find((l) => l.msg === 'clip picture shed: free disk space below twice the evidence floor (the clip is kept; alerts come first)')!;
    expect(line).toMatchObject({ clip: join(tight.dir, clip), pictureFloorBytes: 3_400_000 });
    const pics = join(tight.dir, 'clip-pictures');
    expect(existsSync(pics) ? readdirSync(pics).filter((f) => f.endsWith('.png')) : []).toEqual([]);
    // with a 1.2 MB floor (pictures from 2.4 MB) both are written
    const roomy = mountTmpfs(4 << 20);
    cleanups.push(roomy.cleanup);
    const kept = await run(roomy.dir, 1_200_000, true);
    const keptClip = kept.posted.find((p) => p.ev.kind === 'close')!.clip!;
    expect(readdirSync(join(roomy.dir, 'clip-pictures'))).toEqual([keptClip.replace(/^clips\//, '').replace(/\.sigmf-meta$/, '.png')]);
    expect(kept.lines.some((l) => String(l.msg).startsWith('clip picture shed'))).toBe(false);
  }, 30_000);
});
