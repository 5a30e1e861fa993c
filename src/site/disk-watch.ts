// Free space of the data dir's file system and how fast it goes: the "recording to disk" health line of an unattended site.
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { PICTURE_FLOOR_FACTOR } from '../evidence/clip-recorder.js';
import { codesText } from '../server/message-text.js';
import type { AlertMessageCode, DiskStatus } from '../server/protocol.js';

/** What {@link DiskWatch} reads from the file system (bytes). */
export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

/** The disk part of /healthz and of the page's status (the wire form is DiskStatus in src/server/protocol.ts). */
export type DiskHealth = DiskStatus;

/** Options of {@link DiskWatch}. */
export interface DiskWatchOptions {
  /** Folder whose file system is watched (the data dir). */
  dir: string;
  /** Evidence free-space floor (bytes, site config evidence.minFreeMiB): below it clips and pictures are shed. */
  floorBytes: number;
  /** Sampling period (ms). Default 30 000. */
  everyMs?: number;
  /** The rate is measured over the samples of the last `windowMs` (ms). Default 1 h. */
  windowMs?: number;
  /** Shortest span (ms) over which a rate is given. Default 2 min. */
  minSpanMs?: number;
  /** Reads the file system. Default: fs.statfs (blocks available to unprivileged users × block size). */
  read?: (dir: string) => Promise<DiskSpace>;
  /** Bytes held by the data dir (what QuietBand itself keeps). Default: {@link dirBytes}. */
  measureDir?: (dir: string) => Promise<number>;
  /** The data dir is walked at most this often (ms; a walk stats every file: ≈ 0.2 s for 5000 files). Default 2 min. */
  dirEveryMs?: number;
  now?: () => number;
}

/** `14 GB`, `4.7 GB`, `830 MB`, `12 kB` (SI units, as disks are sold and `df -H` prints). */
export function formatBytes(n: number): string {
  const units: [number, string][] = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 10 ? Math.round(v) : +v.toFixed(1)} ${unit}`;
    }
  }
  return `${Math.max(0, Math.round(n))} B`;
}

/** How long `days` reads: `['days', '3.2']`, `['hours', '20']` (under 2 days), `['minutes', '40']` (under 2 h). */
function durationParts(days: number): ['days' | 'hours' | 'minutes', string] {
  if (days >= 2) return ['days', String(days >= 10 ? Math.round(days) : +days.toFixed(1))];
  const h = days * 24;
  if (h >= 2) return ['hours', String(Math.round(h))];
  return ['minutes', String(Math.max(1, Math.round(h * 60)))];
}

/** `≈ 3.2 days`, `≈ 20 h` (under 2 days), `≈ 40 min` (under 2 h). */
export function formatDuration(days: number): string {
  const [unit, n] = durationParts(days);
  return `≈ ${n} ${unit === 'days' ? 'days' : unit === 'hours' ? 'h' : 'min'}`;
}

/** The numbers of a {@link DiskHealth}, without the line. */
type DiskNumbers = Omit<DiskHealth, 'line' | 'lineCode'>;

/**
 * Bytes of the regular files under `dir` (recursively; symbolic links not followed, files that vanish while it walks
 * are skipped): what QuietBand keeps in its data dir (alerts, clips, pictures, baselines).
 * @throws the error of reading `dir` itself (missing, no permission).
 */
export async function dirBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true });
  // one folder's entries at once (libuv's thread pool runs the lstat calls side by side)
  const sizes = await Promise.all(entries.map(async (e) => {
    const p = join(dir, e.name);
    try {
      if (e.isDirectory()) return await dirBytes(p);
      return e.isFile() ? (await lstat(p)).size : 0;
    } catch {
      return 0; // removed meanwhile (a clip shed by the quota): not held any more
    }
  }));
  return sizes.reduce((a, b) => a + b, 0);
}

/** The health line of {@link DiskHealth} as a code (`disk.*`, texts in src/server/message-text.ts) from its numbers. */
export function diskLineCode(h: DiskNumbers): AlertMessageCode {
  const free = formatBytes(h.freeBytes);
  if (h.belowFloor) return { id: 'disk.belowFloor', params: { free, floor: formatBytes(h.floorBytes) } };
  if (h.picturesShed) return { id: 'disk.picturesShed', params: { free, pictureFloor: formatBytes(h.pictureFloorBytes) } };
  if (h.bytesPerDay === null) return { id: 'disk.measuring', params: { free } };
  if (h.daysLeft === null) return { id: 'disk.notFilling', params: { free } };
  const [unit, n] = durationParts(h.daysLeft);
  const ownPerDay = h.dataDirBytesPerDay === null ? '?' : formatBytes(Math.max(0, h.dataDirBytesPerDay));
  return { id: `disk.${unit}`, params: { free, n, perDay: formatBytes(h.bytesPerDay), ownPerDay } };
}

/**
 * The health line in English, e.g. `recording to disk: 14 GB free, ≈ 3.2 days at the current rate (whole disk 4.4 GB/day,
 * of it QuietBand's data dir 1.2 GB/day)`.
 */
export function diskLine(h: DiskNumbers): string {
  return codesText([diskLineCode(h)]);
}

async function statfsSpace(dir: string): Promise<DiskSpace> {
  const s = await statfs(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/**
 * Samples the free space of the data dir's file system every `everyMs` and keeps the samples of the last `windowMs`.
 * Rate = (free at the oldest sample − free now) / their time apart, scaled to a day; it counts everything written to
 * that file system (alerts, clips, pictures, other programs, the journal), which is what decides when it is full, and
 * the line says so ("whole disk"). Beside it, the net growth of the data dir itself over the same samples (its files'
 * bytes, {@link dirBytes}): what QuietBand adds (clips shed by the evidence quota count as removed).
 * A sample that cannot be read is skipped (logged by the caller through {@link health} staying as it was).
 */
export class DiskWatch {
  private readonly o: Required<Omit<DiskWatchOptions, 'read' | 'now' | 'measureDir'>> & Pick<DiskWatchOptions, 'read' | 'now' | 'measureDir'>;
  /** Samples of the window; `dirBytes` only on those that walked the data dir (`walked`; null: the walk failed). */
  private readonly samples: { atMs: number; space: DiskSpace; dirBytes: number | null; walked: boolean }[] = [];
  private lastWalkAtMs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly read: (dir: string) => Promise<DiskSpace>;
  private readonly measureDir: (dir: string) => Promise<number>;
  private readonly now: () => number;

  constructor(o: DiskWatchOptions) {
    this.o = { everyMs: 30_000, windowMs: 3_600_000, minSpanMs: 120_000, dirEveryMs: 120_000, ...o };
    this.read = o.read ?? statfsSpace;
    this.measureDir = o.measureDir ?? dirBytes;
    this.now = o.now ?? Date.now;
  }

  /** Takes a first sample now, then one every `everyMs`. */
  async start(): Promise<void> {
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.o.everyMs);
    this.timer.unref();
  }

  /** Reads the file system once and drops samples older than the window (the newest old one is kept as the anchor). */
  async sample(): Promise<void> {
    let space: DiskSpace;
    try {
      space = await this.read(this.o.dir);
    } catch {
      return;
    }
    const walk = this.lastWalkAtMs === null || this.now() - this.lastWalkAtMs >= this.o.dirEveryMs;
    const held = walk ? await this.measureDir(this.o.dir).catch(() => null) : null;
    const atMs = this.now();
    if (walk) this.lastWalkAtMs = atMs;
    this.samples.push({ atMs, space, dirBytes: held, walked: walk });
    while (this.samples.length > 2 && atMs - this.samples[1]!.atMs >= this.o.windowMs) this.samples.shift();
  }

  /** The latest state; null before the first readable sample. */
  health(): DiskHealth | null {
    const last = this.samples.at(-1);
    if (last === undefined) return null;
    const first = this.samples[0]!;
    const spanMs = last.atMs - first.atMs;
    const freeRate = spanMs >= this.o.minSpanMs ? ((first.space.freeBytes - last.space.freeBytes) / spanMs) * 86_400_000 : null;
    const free = last.space.freeBytes;
    // the data dir's growth between its first and latest walk in the window (walks are rarer than samples)
    const walks = this.samples.filter((x) => x.walked);
    const w0 = walks[0];
    const w1 = walks.at(-1);
    const walkSpanMs = w0 !== undefined && w1 !== undefined ? w1.atMs - w0.atMs : 0;
    const ownPerDay = freeRate !== null && walkSpanMs >= this.o.minSpanMs && w0!.dirBytes !== null && w1!.dirBytes !== null
      ? ((w1!.dirBytes - w0!.dirBytes) / walkSpanMs) * 86_400_000
      : null;
    // the disk fills at least as fast as QuietBand's own folder grows: free space lags what was written (delayed
    // allocation) and moves with other programs freeing space, so the whole disk's rate never reads under our own
    const bytesPerDay = freeRate !== null && ownPerDay !== null ? Math.max(freeRate, ownPerDay) : freeRate;
    const daysLeft = bytesPerDay !== null && bytesPerDay > 0 ? free / bytesPerDay : null;
    const pictureFloorBytes = PICTURE_FLOOR_FACTOR * this.o.floorBytes;
    const h: DiskNumbers = {
      freeBytes: free,
      totalBytes: last.space.totalBytes,
      bytesPerDay: bytesPerDay === null ? null : Math.round(bytesPerDay),
      daysLeft,
      dataDirBytes: w1?.dirBytes ?? null,
      dataDirBytesPerDay: ownPerDay === null ? null : Math.round(ownPerDay),
      floorBytes: this.o.floorBytes,
      pictureFloorBytes,
      picturesShed: free < pictureFloorBytes,
      belowFloor: free < this.o.floorBytes,
      low: free < pictureFloorBytes || (daysLeft !== null && daysLeft < 1),
    };
    const lineCode = diskLineCode(h);
    return { ...h, line: codesText([lineCode]), lineCode };
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
