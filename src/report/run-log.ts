// The daemon's run log: when it started and stopped, when each sensor's warm-up ended, and a heartbeat a restart reads
// to date a crash or power cut. The daemon writes it (src/site/site-daemon.ts); the session report turns it into the
// times nothing was monitored (monitoring-gaps.ts).
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ALERTS_FILE } from '../alerts/alert-store.js';
import { writeFileAtomic } from '../atomic-write.js';
import { defaultBaselinePath, type SiteSettings } from '../config/site-config.js';
import { DATA_FILE_MODE } from '../file-modes.js';

/** Append-only JSONL file (in the data dir) of {@link RunRecord}s. */
export const RUNS_FILE = 'runs.jsonl';

/** File (in the data dir) the running daemon rewrites every {@link HEARTBEAT_EVERY_MS}: `{ pid, startedAt, aliveAt }`. */
export const HEARTBEAT_FILE = 'heartbeat.json';

/**
 * Heartbeat period (ms): the resolution of the end of a run that ended without a stop record (crash, kill -9, power
 * cut): it ended between its last heartbeat and at most this much later. 10 s: one small fsynced rewrite per 10 s.
 */
export const HEARTBEAT_EVERY_MS = 10_000;

/** A sensor as a run started it: what the session report's sensor table shows without a site config. */
export interface RunSensor {
  name: string;
  centerHz: number;
  rateSps: number;
  /** The source as the config wrote it (`sim`, `rtlsdr:0`, `rtl_tcp:host:port`, a file). */
  source: string;
  room?: string;
  /** Absolute path of the stored baseline file it would use (config `baseline`, else the calibration dir's default). */
  baselinePath: string;
}

/** A sensor of the site as the run log's `start` record keeps it (the session report's sensor table, with or without the config). */
export function runSensorOf(site: SiteSettings, s: SiteSettings['sensors'][number]): RunSensor {
  const r: RunSensor = { name: s.name, centerHz: s.centerHz, rateSps: s.rateSps, source: s.sourceText, baselinePath: s.baselinePath ?? defaultBaselinePath(site, s.name) };
  if (s.location !== undefined) r.room = s.location.room;
  return r;
}

/**
 * One line of {@link RUNS_FILE}; `time` is ISO 8601 UTC.
 * - `start`: the daemon started (store open, before any sensor); its sensors and the heartbeat period in force.
 * - `armed`: a sensor finished its warm-up (state `armed` for the first time in this run, seen within ≈ 1 s).
 * - `stop`, `reason` the signal (`SIGINT`, `SIGTERM`) or `stopped`: a clean stop began; nothing is detected after it.
 * - `stop`, `reason` `unclean`: written by the next start for a run with no stop record; `time` is the last sign of
 *   life (`lastSign`: its heartbeat, else the alert store's last write, else its start), so the run ended in
 *   [time, time + resolutionMs] (resolutionMs absent: no bound known); `recordedAt` when the restart wrote it.
 */
export type RunRecord =
  | { event: 'start'; time: string; pid: number; heartbeatMs: number; sensors: RunSensor[] }
  | { event: 'armed'; time: string; sensor: string }
  | { event: 'stop'; time: string; reason: string; lastSign?: 'heartbeat' | 'alert-store' | 'start'; resolutionMs?: number; recordedAt?: string };

/**
 * The records of `<dataDir>/runs.jsonl` in file order; [] when there is none (a data dir of a daemon older than the run
 * log). Unreadable lines (a torn last line) are skipped.
 * @throws the file system's error for anything but a missing file.
 */
export async function readRunRecords(dataDir: string): Promise<RunRecord[]> {
  let text: string;
  try {
    text = await readFile(join(dataDir, RUNS_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: RunRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    try {
      const r = JSON.parse(line) as RunRecord;
      if (typeof r === 'object' && r !== null && typeof r.time === 'string' && (r.event === 'start' || r.event === 'armed' || r.event === 'stop')) out.push(r);
    } catch {
      // torn last line of a crash
    }
  }
  return out;
}

/** Options of {@link RunLog.open}. */
export interface RunLogOptions {
  dataDir: string;
  sensors: RunSensor[];
  log: Logger;
  /** Default {@link HEARTBEAT_EVERY_MS}. */
  heartbeatMs?: number;
  /** Wall clock (epoch ms). Default Date.now. */
  now?: () => number;
}

/**
 * The run log of one daemon run (see {@link RunRecord}). {@link open} closes the previous run when it has no stop
 * record (dated by its last heartbeat), appends `start` and starts the heartbeat; {@link armed} and {@link close}
 * append theirs. Every append is fsynced; a failed write is logged, never thrown (the run log must not stop a daemon).
 */
export class RunLog {
  private readonly armedSensors = new Set<string>();
  private writes: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly now: () => number;
  private readonly startedAt: string;

  private constructor(private readonly o: RunLogOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = new Date(this.now()).toISOString();
  }

  /** Opens the run log of `o.dataDir` for a new run (see the class comment). Never throws: failures are logged. */
  static async open(o: RunLogOptions): Promise<RunLog> {
    const r = new RunLog(o);
    const heartbeatMs = o.heartbeatMs ?? HEARTBEAT_EVERY_MS;
    try {
      const unclean = await uncleanStop(o.dataDir, await readRunRecords(o.dataDir), r.startedAt);
      if (unclean !== undefined) {
        o.log.warn({ lastSign: unclean.lastSign, at: unclean.time }, 'the previous run ended without stopping (crash or power cut): recorded in the run log');
        r.append(unclean);
      }
    } catch (err) {
      o.log.warn({ err }, 'run log: the previous run could not be read');
    }
    r.append({ event: 'start', time: r.startedAt, pid: process.pid, heartbeatMs, sensors: o.sensors });
    await r.writes;
    await r.beat();
    r.timer = setInterval(() => void r.beat(), heartbeatMs);
    r.timer.unref();
    return r;
  }

  /** Records that `sensor` is armed (its warm-up ended); only its first call per run appends. */
  armed(sensor: string): void {
    if (this.closed || this.armedSensors.has(sensor)) return;
    this.armedSensors.add(sensor);
    this.append({ event: 'armed', time: new Date(this.now()).toISOString(), sensor });
  }

  /** Appends `stop` (`reason`: the signal, or `stopped`), stops the heartbeat and waits for every write. Idempotent. */
  async close(reason: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.append({ event: 'stop', time: new Date(this.now()).toISOString(), reason });
    await this.writes;
  }

  /** Rewrites the heartbeat file (fsynced: a power cut leaves the last complete one). */
  private async beat(): Promise<void> {
    const body = JSON.stringify({ pid: process.pid, startedAt: this.startedAt, aliveAt: new Date(this.now()).toISOString() });
    try {
      await writeFileAtomic(join(this.o.dataDir, HEARTBEAT_FILE), `${body}\n`, { sync: true });
    } catch (err) {
      this.o.log.warn({ err }, 'run log: heartbeat not written');
    }
  }

  private append(rec: RunRecord): void {
    const line = `${JSON.stringify(rec)}\n`;
    this.writes = this.writes.then(async () => {
      try {
        const h = await open(join(this.o.dataDir, RUNS_FILE), 'a+', DATA_FILE_MODE);
        try {
          // a torn last line (a crash mid-write) is ended first, so this record starts a line of its own
          const { size } = await h.stat();
          const last = size > 0 ? (await h.read(Buffer.alloc(1), 0, 1, size - 1)).buffer[0] : 0x0a;
          await h.write(last === 0x0a ? line : `\n${line}`);
          await h.datasync();
        } finally {
          await h.close();
        }
      } catch (err) {
        this.o.log.warn({ err, record: rec }, 'run log: record not written');
      }
    });
  }
}

/**
 * The `stop` record of the last run of `records` when it has none (it ended by a crash, kill or power cut), dated by
 * its last sign of life: the heartbeat file when written by that run, else the alert store's last write (mtime of
 * alerts.jsonl) when after its start, else its start. Undefined when the last run stopped cleanly (or there is none).
 */
async function uncleanStop(dataDir: string, records: readonly RunRecord[], nowIso: string): Promise<Extract<RunRecord, { event: 'stop' }> | undefined> {
  const last = records[records.length - 1];
  if (last === undefined || last.event === 'stop') return undefined;
  let start: Extract<RunRecord, { event: 'start' }> | undefined;
  for (let i = records.length - 1; i >= 0 && start === undefined; i--) {
    const r = records[i]!;
    if (r.event === 'start') start = r;
  }
  if (start === undefined) return undefined;
  const startMs = Date.parse(start.time);
  const base = { event: 'stop' as const, reason: 'unclean', recordedAt: nowIso };
  try {
    const hb = JSON.parse(await readFile(join(dataDir, HEARTBEAT_FILE), 'utf8')) as { startedAt?: unknown; aliveAt?: unknown };
    if (hb.startedAt === start.time && typeof hb.aliveAt === 'string' && Date.parse(hb.aliveAt) >= startMs) {
      return { ...base, time: hb.aliveAt, lastSign: 'heartbeat', resolutionMs: start.heartbeatMs };
    }
  } catch {
    // no heartbeat of that run: the alert store's last write
  }
  try {
    const mtimeMs = (await stat(join(dataDir, ALERTS_FILE))).mtimeMs;
    if (mtimeMs >= startMs) return { ...base, time: new Date(mtimeMs).toISOString(), lastSign: 'alert-store' };
  } catch {
    // no store either
  }
  return { ...base, time: start.time, lastSign: 'start' };
}
