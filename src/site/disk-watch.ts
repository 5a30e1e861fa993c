// Free space of the data dir's file system and how fast it goes: the "recording to disk" health line of an unattended site.
import { statfs } from 'node:fs/promises';

/** What {@link DiskWatch} reads from the file system (bytes). */
export interface DiskSpace {
  freeBytes: number;
  totalBytes: number;
}

/** The disk part of /healthz. */
export interface DiskHealth {
  freeBytes: number;
  totalBytes: number;
  /** Free space lost per day over the window (bytes/day); null while the window is shorter than `minSpanMs`. */
  bytesPerDay: number | null;
  /** freeBytes / bytesPerDay; null while measuring or when the free space is not shrinking. */
  daysLeft: number | null;
  /** Free space below the evidence floor: clips and pictures are shed (alerts are still stored). */
  belowFloor: boolean;
  /** `recording to disk: 14 GB free, ≈ 3.2 days at the current rate (4.4 GB/day)`. */
  line: string;
}

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

/** `≈ 3.2 days`, `≈ 20 h` (under 2 days), `≈ 40 min` (under 2 h). */
export function formatDuration(days: number): string {
  if (days >= 2) return `≈ ${days >= 10 ? Math.round(days) : +days.toFixed(1)} days`;
  const h = days * 24;
  if (h >= 2) return `≈ ${Math.round(h)} h`;
  return `≈ ${Math.max(1, Math.round(h * 60))} min`;
}

/** The health line of {@link DiskHealth} from its numbers. */
export function diskLine(h: Omit<DiskHealth, 'line'>, floorBytes: number): string {
  const free = `recording to disk: ${formatBytes(h.freeBytes)} free`;
  if (h.belowFloor) return `${free}, below the ${formatBytes(floorBytes)} evidence floor: clips and pictures are not written (alerts are)`;
  if (h.bytesPerDay === null) return `${free} (measuring the rate)`;
  if (h.daysLeft === null) return `${free}, not filling at the current rate`;
  return `${free}, ${formatDuration(h.daysLeft)} at the current rate (${formatBytes(h.bytesPerDay)}/day)`;
}

async function statfsSpace(dir: string): Promise<DiskSpace> {
  const s = await statfs(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/**
 * Samples the free space of the data dir's file system every `everyMs` and keeps the samples of the last `windowMs`.
 * Rate = (free at the oldest sample − free now) / their time apart, scaled to a day; it counts everything written to
 * that file system (alerts, clips, pictures, other programs, the journal), which is what decides when it is full.
 * A sample that cannot be read is skipped (logged by the caller through {@link health} staying as it was).
 */
export class DiskWatch {
  private readonly o: Required<Omit<DiskWatchOptions, 'read' | 'now'>> & Pick<DiskWatchOptions, 'read' | 'now'>;
  private readonly samples: { atMs: number; space: DiskSpace }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly read: (dir: string) => Promise<DiskSpace>;
  private readonly now: () => number;

  constructor(o: DiskWatchOptions) {
    this.o = { everyMs: 30_000, windowMs: 3_600_000, minSpanMs: 120_000, ...o };
    this.read = o.read ?? statfsSpace;
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
    const atMs = this.now();
    this.samples.push({ atMs, space });
    while (this.samples.length > 2 && atMs - this.samples[1]!.atMs >= this.o.windowMs) this.samples.shift();
  }

  /** The latest state; null before the first readable sample. */
  health(): DiskHealth | null {
    const last = this.samples.at(-1);
    if (last === undefined) return null;
    const first = this.samples[0]!;
    const spanMs = last.atMs - first.atMs;
    const bytesPerDay = spanMs >= this.o.minSpanMs ? ((first.space.freeBytes - last.space.freeBytes) / spanMs) * 86_400_000 : null;
    const h: Omit<DiskHealth, 'line'> = {
      freeBytes: last.space.freeBytes,
      totalBytes: last.space.totalBytes,
      bytesPerDay: bytesPerDay === null ? null : Math.round(bytesPerDay),
      daysLeft: bytesPerDay !== null && bytesPerDay > 0 ? last.space.freeBytes / bytesPerDay : null,
      belowFloor: last.space.freeBytes < this.o.floorBytes,
    };
    return { ...h, line: diskLine(h, this.o.floorBytes) };
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
