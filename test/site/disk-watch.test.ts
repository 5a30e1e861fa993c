// The "recording to disk" health line: free space, the rate it shrinks at, the days left; pictures shed below twice
// the evidence floor, clips below it; in English and Chinese.
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codesText } from '../../src/server/message-text.js';
import { dirBytes, DiskWatch, evidenceHeld, formatBytes, formatDuration, type DiskSpace, type EvidenceHeld } from '../../src/site/disk-watch.js';
import type { DiskStatus, StatusMessage } from '../../src/server/protocol.js';
import { buildOnce, Client, killAll, startDaemon, tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-disk-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

const GB = 1e9;
const MIN = 60_000;

/** A watch over a scripted file system, data dir and clock; `set` takes free bytes, minutes and the data dir's bytes. */
function scripted(floorBytes = 100 * 1024 * 1024): { w: DiskWatch; set: (freeBytes: number, atMin: number, heldBytes?: number) => Promise<void> } {
  let now = 0;
  let free = 0;
  let held = 0;
  const w = new DiskWatch({ dir: '/data', floorBytes, now: () => now, read: async (): Promise<DiskSpace> => ({ freeBytes: free, totalBytes: 256 * GB }), measureDir: async () => held });
  return {
    w,
    set: async (f, atMin, heldBytes = held) => {
      free = f;
      now = atMin * MIN;
      held = heldBytes;
      await w.sample();
    },
  };
}

describe('DiskWatch', () => {
  it('measures the rate over the window and says how many days the free space lasts', async () => {
    const { w, set } = scripted();
    await set(14 * GB, 0, 2 * GB);
    expect(w.health()!.line).toBe('recording to disk: 14 GB free (measuring the rate)');
    expect(w.health()!.dataDirBytes).toBe(2 * GB);
    // 0.5 GB a day leaves the disk; QuietBand's data dir grew by a fifth of it (the rest: other programs)
    await set(14 * GB - 0.5e9 / 24, 60, 2 * GB + 0.1e9 / 24);
    const h = w.health()!;
    expect(h.bytesPerDay).toBe(500_000_000);
    expect(h.dataDirBytesPerDay).toBe(100_000_000);
    expect(h.daysLeft).toBeCloseTo(27.96, 2);
    expect(h.line).toBe("recording to disk: 14 GB free, ≈ 28 days at the current rate (whole disk 500 MB/day, of it QuietBand's data dir 100 MB/day)");
    // a busy demo: 4.6 GB in the last hour, all of it clips; the window (1 h) forgets the quiet hour before
    await set(14 * GB - 0.5e9 / 24 - 4.6 * GB, 120, 2 * GB + 0.1e9 / 24 + 4.6 * GB);
    expect(w.health()!.line).toBe("recording to disk: 9.4 GB free, ≈ 2 h at the current rate (whole disk 110 GB/day, of it QuietBand's data dir 110 GB/day)");
    expect(w.health()!.bytesPerDay).toBe(Math.round(4.6 * GB * 24));
  });

  it('says when the disk is not filling and when it is below the evidence floor', async () => {
    const { w, set } = scripted();
    await set(20 * GB, 0);
    await set(21 * GB, 10); // something was deleted
    expect(w.health()!.line).toBe('recording to disk: 21 GB free, not filling at the current rate');
    await set(80e6, 20);
    expect(w.health()!.belowFloor).toBe(true);
    expect(w.health()!.line).toBe('recording to disk: 80 MB free, below the 105 MB evidence floor: clips and pictures are not written (alerts are)');
  });

  it('sheds pictures first: between the floor and twice it only pictures go; low when shedding or under a day is left', async () => {
    const { w, set } = scripted(100e6);
    await set(150e6, 0);
    const h = w.health()!;
    expect([h.floorBytes, h.pictureFloorBytes, h.picturesShed, h.belowFloor, h.low]).toEqual([100e6, 200e6, true, false, true]);
    expect(h.line).toBe('recording to disk: 150 MB free, below 200 MB (twice the evidence floor): clip pictures are not drawn (clips and alerts are written)');
    expect(codesText([h.lineCode], 'zh-CN')).toBe('磁盘记录：剩余 150 MB，低于 200 MB（证据存储下限的两倍）：不再绘制片段图片（证据片段和告警照常写入）');
    await set(99e6, 1);
    expect(codesText([w.health()!.lineCode], 'zh-CN')).toBe('磁盘记录：剩余 99 MB，低于证据存储下限 100 MB：不再写入证据片段和图片（告警照常保存）');
    // plenty free but filling fast: 19 h left is low; 28 days is not
    const fast = scripted(100e6);
    await fast.set(9.4 * GB, 0);
    await fast.set(9.4 * GB - 1.2 * GB, 180, 0.6 * GB);
    expect(fast.w.health()!.picturesShed).toBe(false);
    expect(fast.w.health()!.low).toBe(true);
    expect(codesText([fast.w.health()!.lineCode], 'zh-CN')).toBe('磁盘记录：剩余 8.2 GB，按当前速度约可用 21 小时（整个磁盘每天写入 9.6 GB，其中 QuietBand 数据目录 4.8 GB）');
    const slow = scripted(100e6);
    await slow.set(14 * GB, 0);
    await slow.set(14 * GB - 0.5e9 / 24, 60);
    expect(slow.w.health()!.low).toBe(false);
    expect(codesText([slow.w.health()!.lineCode], 'zh-CN')).toBe('磁盘记录：剩余 14 GB，按当前速度约可用 28 天（整个磁盘每天写入 500 MB，其中 QuietBand 数据目录 0 B）');
  });

  it('counts the bytes of the data dir\'s files (sub-folders too, links not followed); unreadable: "?" in the line', async () => {
    const dir = join(tmp.dir, 'held');
    mkdirSync(join(dir, 'clips'), { recursive: true });
    writeFileSync(join(dir, 'alerts.jsonl'), Buffer.alloc(1234));
    writeFileSync(join(dir, 'clips', 'a.sigmf-data'), Buffer.alloc(100_000));
    symlinkSync(join(dir, 'clips', 'a.sigmf-data'), join(dir, 'link'));
    expect(await dirBytes(dir)).toBe(101_234);
    let now = 0;
    const w = new DiskWatch({ dir: join(tmp.dir, 'no-such-dir'), floorBytes: 1e6, now: () => now, read: async () => ({ freeBytes: 10 * GB - now * 10, totalBytes: 64 * GB }) });
    await w.sample();
    now = 10 * MIN;
    await w.sample();
    expect([w.health()!.dataDirBytes, w.health()!.dataDirBytesPerDay]).toEqual([null, null]);
    expect(w.health()!.line).toMatch(/\(whole disk 864 MB\/day, of it QuietBand's data dir \?\/day\)$/);
  });

  it('says how full the evidence quota is, when it fills at the current rate and, once full, how far back its clips reach', async () => {
    const GiB = 1024 ** 3;
    let now = 0;
    let held: EvidenceHeld = { bytes: 0, oldestClipMs: null };
    const dirs: string[][] = [];
    const w = new DiskWatch({
      dir: '/data', floorBytes: 100 * 1024 * 1024, now: () => now, read: async () => ({ freeBytes: 50 * GB, totalBytes: 256 * GB }), measureDir: async () => 0,
      evidence: { dirs: ['/data/clips', '/data/clip-pictures'], quotaBytes: GiB },
      measureEvidence: async (d) => (dirs.push(d), held),
    });
    held = { bytes: 200e6, oldestClipMs: 0 };
    await w.sample();
    expect(dirs).toEqual([['/data/clips', '/data/clip-pictures']]);
    expect(w.health()!.evidenceLine).toBe('evidence: 200 MB of the 1.1 GB quota');
    // the demo's 4.7 MB/min of clips for an hour: (1.074 GB − 0.482 GB) / 0.282 GB/h = 2.1 h
    now = 60 * MIN;
    held = { bytes: 200e6 + 282e6, oldestClipMs: 0 };
    await w.sample();
    const h = w.health()!;
    expect(h.evidence!.fullInDays! * 24).toBeCloseTo((GiB - 482e6) / 282e6, 6);
    expect(h.evidenceLine).toBe('evidence: 482 MB of the 1.1 GB quota, full in ≈ 2 h at the current rate (then the oldest clips are deleted)');
    expect(codesText([h.evidenceLineCode!], 'zh-CN')).toBe('证据：已用 482 MB，配额 1.1 GB，按当前速度约 2 小时后用满（之后删除最早的片段）');
    // full: the quota pass deletes the oldest clips; the oldest kept was written 3.7 h ago
    now = 300 * MIN;
    held = { bytes: 1.07e9, oldestClipMs: (300 - 222) * MIN };
    await w.sample();
    expect(w.health()!.evidence).toEqual({ usedBytes: 1.07e9, quotaBytes: GiB, keptS: 222 * 60, fullInDays: null });
    expect(w.health()!.evidenceLine).toBe('evidence: the 1.1 GB quota is full and holds the clips of the last ≈ 4 h (the oldest are deleted first)');
    expect(codesText([w.health()!.evidenceLineCode!], 'zh-CN')).toBe('证据：配额 1.1 GB 已满，保存最近约 4 小时的片段（最早的先删除）');
    expect(w.health()!.low).toBe(false); // a full quota is the normal state of a long day, not something to act on
  });

  it('evidenceHeld: the bytes of the evidence folders\' files and the oldest clip\'s time; a missing folder holds nothing', async () => {
    const dir = join(tmp.dir, 'ev');
    mkdirSync(join(dir, 'clips'), { recursive: true });
    mkdirSync(join(dir, 'clip-pictures'), { recursive: true });
    writeFileSync(join(dir, 'clips', 'a.sigmf-data'), Buffer.alloc(5000));
    writeFileSync(join(dir, 'clips', 'a.sigmf-meta'), Buffer.alloc(700));
    writeFileSync(join(dir, 'clips', 'b.sigmf-meta'), Buffer.alloc(300));
    writeFileSync(join(dir, 'clip-pictures', 'a.png'), Buffer.alloc(2000));
    utimesSync(join(dir, 'clips', 'a.sigmf-meta'), new Date(1_000_000), new Date(1_000_000));
    utimesSync(join(dir, 'clips', 'a.sigmf-data'), new Date(500_000), new Date(500_000)); // only metas date a clip
    expect(await evidenceHeld([join(dir, 'clips'), join(dir, 'clip-pictures'), join(dir, 'missing')])).toEqual({ bytes: 8000, oldestClipMs: 1_000_000 });
    expect(await evidenceHeld([join(dir, 'missing')])).toEqual({ bytes: 0, oldestClipMs: null });
  });

  it('walks the data dir at most every 2 min (samples every 30 s): the growth between its walks', async () => {
    let now = 0;
    let walks = 0;
    const w = new DiskWatch({ dir: '/data', floorBytes: 1e6, now: () => now, read: async () => ({ freeBytes: 10 * GB - now * 100, totalBytes: 64 * GB }), measureDir: async () => {
      walks++;
      return 1e9 + now * 10; // 10 B/ms: 864 MB/day
    } });
    for (let s = 0; s <= 300; s += 30) {
      now = s * 1000;
      await w.sample();
    }
    expect(walks).toBe(3); // at 0, 120 and 240 s
    const h = w.health()!;
    expect([h.dataDirBytes, h.dataDirBytesPerDay, h.bytesPerDay]).toEqual([1e9 + 240_000 * 10, 864_000_000, 8_640_000_000]);
  });

  it('the whole disk never reads as filling slower than the data dir grows (free space lags writes): days left follow the faster', async () => {
    let now = 0;
    // free space drops by 1 B/ms (86 MB/day) while the data dir grows by 10 B/ms (864 MB/day)
    const w = new DiskWatch({ dir: '/data', floorBytes: 1e6, now: () => now, read: async () => ({ freeBytes: 10 * GB - now, totalBytes: 64 * GB }), measureDir: async () => 1e9 + now * 10 });
    for (let s = 0; s <= 300; s += 30) {
      now = s * 1000;
      await w.sample();
    }
    const h = w.health()!;
    expect([h.dataDirBytesPerDay, h.bytesPerDay]).toEqual([864_000_000, 864_000_000]);
    expect(h.daysLeft).toBeCloseTo((10 * GB - 300_000) / 864_000_000, 6);
  });

  it('formats sizes and durations as a technician reads them', () => {
    expect([formatBytes(14.2e9), formatBytes(4.66e9), formatBytes(830e6), formatBytes(999)]).toEqual(['14 GB', '4.7 GB', '830 MB', '999 B']);
    expect([formatDuration(3.17), formatDuration(12.4), formatDuration(0.8), formatDuration(0.03)]).toEqual(['≈ 3.2 days', '≈ 12 days', '≈ 19 h', '≈ 43 min']);
  });

  it('the daemon reports it in /healthz and in the status messages of the page', async () => {
    const d = await startDaemon(['run', '--demo', '--data-dir', `${tmp.dir}/data`, '--http-port', '0', '--warmup', '1']);
    const h = (await (await fetch(`${d.url}healthz`)).json()) as { disk: { freeBytes: number; totalBytes: number; line: string; belowFloor: boolean } };
    const c = await Client.open(d.wsUrl);
    const statusDisk = (): DiskStatus | undefined => c.messages.map((x) => x.m).filter((m): m is StatusMessage => m.type === 'status').at(-1)?.disk;
    await c.waitFor(() => statusDisk() !== undefined, 5000, 'a status with the disk');
    const sd = statusDisk()!;
    expect(sd.line).toMatch(/^recording to disk: [\d.]+ [kMGT]?B free/);
    expect(sd.lineCode.id).toMatch(/^disk\./);
    expect(codesText([sd.lineCode])).toBe(sd.line);
    expect(sd.floorBytes).toBe(100 * 1024 * 1024); // evidence.minFreeMiB default
    expect(sd.dataDirBytes).toBeGreaterThan(0); // the demo's data dir holds at least its lock and alerts
    // the evidence quota (1 GiB by default) beside it
    expect(sd.evidence!.quotaBytes).toBe(1024 ** 3);
    expect(sd.evidenceLine).toMatch(/^evidence: [\d.]+ [kMGT]?B of the 1\.1 GB quota/);
    expect(codesText([sd.evidenceLineCode!])).toBe(sd.evidenceLine);
    c.close();
    d.child.kill('SIGTERM');
    await d.exited;
    expect(h.disk.freeBytes).toBeGreaterThan(0);
    expect(h.disk.totalBytes).toBeGreaterThanOrEqual(h.disk.freeBytes);
    expect(h.disk.line).toMatch(/^recording to disk: [\d.]+ [kMGT]?B free/);
  });
});
