// Free space of the data dir's file system and how fast it goes: the "recording to disk" health line of an unattended site.
import { lstat, readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { PICTURE_FLOOR_FACTOR } from '../evidence/clip-recorder.js';
import { codesText } from '../server/message-text.js';
import type { AlertMessageCode, DiskStatus } from '../server/protocol.js';
import { formatBytes } from '../log-values.js';

export { formatBytes } from '../log-values.js';

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
  /**
   * The evidence quota (site config evidence.quotaMiB) and its folders (clips, clip pictures), measured at each walk:
   * the status then says how full the quota is and how far back its clips reach. Absent: no evidence line.
   */
  evidence?: { dirs: string[]; quotaBytes: number };
  /** Measures the evidence folders. Default: {@link evidenceHeld}. */
  measureEvidence?: (dirs: string[]) => Promise<EvidenceHeld>;
  now?: () => number;
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

/** What the evidence folders hold: bytes of their files, and the modification time (ms) of the oldest clip (null: none). */
export interface EvidenceHeld {
  bytes: number;
  oldestClipMs: number | null;
}

/**
 * Bytes of the files directly in `dirs` (clips, clip pictures; a missing folder holds nothing) and the oldest
 * `.sigmf-meta`'s modification time: the clip the quota deletes next. Files that vanish while it looks are skipped.
 */
export async function evidenceHeld(dirs: string[]): Promise<EvidenceHeld> {
  let bytes = 0;
  let oldestClipMs: number | null = null;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    const stats = await Promise.all(names.map((n) => lstat(join(dir, n)).then((st) => ({ n, st }), () => null)));
    for (const x of stats) {
      if (x === null || !x.st.isFile()) continue;
      bytes += x.st.size;
      if (x.n.endsWith('.sigmf-meta') && (oldestClipMs === null || x.st.mtimeMs < oldestClipMs)) oldestClipMs = x.st.mtimeMs;
    }
  }
  return { bytes, oldestClipMs };
}

/** The quota counts as full from this fraction on (the quota pass deletes the oldest clips just past it). */
export const EVIDENCE_FULL_FRACTION = 0.9;

/**
 * The evidence line as a code (`evidence.*`): the quota full and how far back its clips reach; else how much is used
 * and, when it grows, when it fills at the current rate.
 */
export function evidenceLineCode(e: NonNullable<DiskHealth['evidence']>): AlertMessageCode {
  const used = formatBytes(e.usedBytes);
  const quota = formatBytes(e.quotaBytes);
  const cap = (u: string): string => u[0]!.toUpperCase() + u.slice(1);
  if (e.usedBytes >= EVIDENCE_FULL_FRACTION * e.quotaBytes && e.keptS !== null) {
    const [unit, n] = durationParts(e.keptS / 86_400);
    return { id: `evidence.kept${cap(unit)}` as AlertMessageCode['id'], params: { quota, n } };
  }
  if (e.fullInDays !== null) {
    const [unit, n] = durationParts(e.fullInDays);
    return { id: `evidence.fullIn${cap(unit)}` as AlertMessageCode['id'], params: { used, quota, n } };
  }
  return { id: 'evidence.used', params: { used, quota } };
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
  private readonly o: Required<Omit<DiskWatchOptions, 'read' | 'now' | 'measureDir' | 'evidence' | 'measureEvidence'>> & Pick<DiskWatchOptions, 'read' | 'now' | 'measureDir' | 'evidence' | 'measureEvidence'>;
  /** Samples of the window; `dirBytes` only on those that walked the data dir (`walked`; null: the walk failed). */
  private readonly samples: { atMs: number; space: DiskSpace; dirBytes: number | null; walked: boolean; evidence: EvidenceHeld | null }[] = [];
  private lastWalkAtMs: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly read: (dir: string) => Promise<DiskSpace>;
  private readonly measureDir: (dir: string) => Promise<number>;
  private readonly measureEvidence: (dirs: string[]) => Promise<EvidenceHeld>;
  private readonly now: () => number;

  constructor(o: DiskWatchOptions) {
    this.o = { everyMs: 30_000, windowMs: 3_600_000, minSpanMs: 120_000, dirEveryMs: 120_000, ...o };
    this.read = o.read ?? statfsSpace;
    this.measureDir = o.measureDir ?? dirBytes;
    this.measureEvidence = o.measureEvidence ?? evidenceHeld;
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
    const ev = this.o.evidence;
    const evidence = walk && ev !== undefined ? await this.measureEvidence(ev.dirs).catch(() => null) : null;
    const atMs = this.now();
    if (walk) this.lastWalkAtMs = atMs;
    this.samples.push({ atMs, space, dirBytes: held, walked: walk, evidence });
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
    const evidence = this.evidenceNumbers(w0, w1, walkSpanMs);
    if (evidence === undefined) return { ...h, line: codesText([lineCode]), lineCode };
    const evidenceCode = evidenceLineCode(evidence);
    return { ...h, line: codesText([lineCode]), lineCode, evidence, evidenceLine: codesText([evidenceCode]), evidenceLineCode: evidenceCode };
  }

  /**
   * The quota's state at the latest walk: used bytes, how long ago its oldest clip was written, and — while it is not
   * full — when it fills at the growth between the window's first and latest walk (null: measuring or not growing).
   */
  private evidenceNumbers(w0: (typeof this.samples)[number] | undefined, w1: (typeof this.samples)[number] | undefined, walkSpanMs: number): DiskHealth['evidence'] {
    const quotaBytes = this.o.evidence?.quotaBytes;
    const e1 = w1?.evidence;
    if (quotaBytes === undefined || e1 === null || e1 === undefined) return undefined;
    const e0 = w0?.evidence;
    const growthPerDay = walkSpanMs >= this.o.minSpanMs && e0 !== null && e0 !== undefined ? ((e1.bytes - e0.bytes) / walkSpanMs) * 86_400_000 : null;
    const full = e1.bytes >= EVIDENCE_FULL_FRACTION * quotaBytes;
    return {
      usedBytes: e1.bytes,
      quotaBytes,
      keptS: e1.oldestClipMs === null ? null : Math.max(0, (w1!.atMs - e1.oldestClipMs) / 1000),
      fullInDays: !full && growthPerDay !== null && growthPerDay > 0 ? (quotaBytes - e1.bytes) / growthPerDay : null,
    };
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
