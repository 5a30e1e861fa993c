// The daemon's data dir: a private folder (0700, files 0600) held by one daemon at a time through a pid lock file.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { QuietBandError } from '../errors.js';
import { cliError } from '../error-text.js';
import { DATA_DIR_MODE, DATA_FILE_MODE } from '../file-modes.js';
import { makeFolder } from '../make-folder.js';

// The modes are defined in src/file-modes.ts, below every folder that writes into the data dir; offered here as well.
export { DATA_DIR_MODE, DATA_FILE_MODE };
/** Name of the lock file inside the data dir. */
export const LOCK_FILE = 'quietband.lock';

/** Contents of the lock file (one JSON line). */
export interface LockHolder {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/<pid>/stat field 22); null where /proc is missing. */
  startTicks: string | null;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
}

/** A held data-dir lock. */
export interface DataDirLock {
  /** Absolute path of the lock file. */
  path: string;
  /** Removes the lock file when it is still this process's. Idempotent. */
  release(): Promise<void>;
}

/** Start time of process `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat, proc(5)); null when unreadable. */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22 = index 19 after field 2
  } catch {
    return null;
  }
}

/**
 * True when the lock's holder still runs: `process.kill(pid, 0)` succeeds (or fails with EPERM: it exists, owned by
 * someone else) and, where /proc tells, the process with that pid started when the holder did (a pid reused by an
 * unrelated process after a crash does not hold the lock).
 */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true; // a data dir on a shared mount, held from another machine: never stolen
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (h.startTicks === null) return true;
  const now = processStartTicks(h.pid);
  return now === null || now === h.startTicks;
}

/**
 * Makes sure `dataDir` is a folder before anything is written in it: creates it (mode 0700) when missing; an existing
 * one is left as it is (see {@link narrowDataDirMode}, once the lock is held).
 * @throws QuietBandError('CONFIG') when the path (or a parent) is a file, or the folder cannot be created.
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  const dir = resolve(dataDir);
  let st: import('node:fs').Stats | null = null;
  try {
    st = await fsp.stat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw dataDirError(dir, err);
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw cliError('dataDir.parentFile', { dir }, 'CONFIG', { cause: err });
  }
  if (st !== null && !st.isDirectory()) {
    throw cliError('dataDir.isFile', { dir }, 'CONFIG');
  }
  if (st === null) {
    try {
      await makeFolder(dir, DATA_DIR_MODE);
    } catch (err) {
      throw dataDirError(dir, err);
    }
  }
}

/** Narrows the data dir's mode to 0700 when group or others have any access (logged). Never throws. */
export async function narrowDataDirMode(dataDir: string, log?: Logger): Promise<void> {
  const dir = resolve(dataDir);
  let st: import('node:fs').Stats;
  try {
    st = await fsp.stat(dir);
  } catch {
    return;
  }
  if ((st.mode & 0o077) !== 0) {
    try {
      await fsp.chmod(dir, DATA_DIR_MODE);
      log?.info({ dataDir: dir, was: (st.mode & 0o777).toString(8) }, 'data dir mode narrowed to 0700');
    } catch (err) {
      log?.warn({ err, dataDir: dir }, 'cannot narrow the data dir mode to 0700');
    }
  }
}

function dataDirError(dir: string, err: unknown): QuietBandError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR' || code === 'EEXIST') return cliError('dataDir.cannotUseParent', { dir }, 'CONFIG', { cause: err });
  return cliError('dataDir.cannotUse', { dir, detail: (err as Error).message }, 'CONFIG', { cause: err });
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readHolder(path: string, text = readText(path)): LockHolder | null {
  if (text === null) return null;
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid !== 'number' || !Number.isSafeInteger(h.pid) || h.pid <= 0) return null;
    return { pid: h.pid, startTicks: typeof h.startTicks === 'string' ? h.startTicks : null, host: typeof h.host === 'string' ? h.host : hostname(), startedAt: String(h.startedAt ?? '?') };
  } catch {
    return null;
  }
}

/**
 * Removes the stale lock file at `path` only if it still holds `seen`: it is first renamed aside (atomic), and a lock
 * another daemon took in the meantime (different content) is linked back under its name, so a live daemon's lock is
 * never removed by a racing takeover.
 */
export async function removeIfUnchanged(path: string, seen: string): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await fsp.rename(path, aside);
  } catch {
    return; // gone already
  }
  if (readText(aside) !== seen) await fsp.link(aside, path).catch(() => undefined);
  await fsp.rm(aside, { force: true });
}

/**
 * Takes the exclusive lock of `dataDir` (`<dataDir>/quietband.lock`, created with O_EXCL, mode 0600, holding
 * {@link LockHolder} as JSON). Call it before anything else is written in the data dir. A lock left by a daemon that
 * no longer runs ({@link holderAlive} false, or an unreadable lock file older than 5 s) is replaced, with a warning
 * ({@link removeIfUnchanged}); an unreadable younger one is waited for (up to 10 s in all).
 * The lock is removed by `release()`, and on process exit if still held.
 * @throws QuietBandError('CONFIG') naming the holder's pid when another live daemon holds the data dir.
 */
export async function lockDataDir(dataDir: string, log?: Logger): Promise<DataDirLock> {
  const path = join(resolve(dataDir), LOCK_FILE);
  const me: LockHolder = { pid: process.pid, startTicks: processStartTicks(process.pid), host: hostname(), startedAt: new Date().toISOString() };
  const text = `${JSON.stringify(me)}\n`;
  const deadlineMs = Date.now() + 10_000;
  for (;;) {
    let h: import('node:fs/promises').FileHandle | undefined;
    try {
      h = await fsp.open(path, 'wx', DATA_FILE_MODE);
      await h.writeFile(text, 'utf8');
      await h.sync();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadlineMs) {
        if (err instanceof QuietBandError) throw err;
        throw cliError('dataDir.lockFile', { path, detail: (err as Error).message }, 'CONFIG', { cause: err });
      }
    } finally {
      await h?.close();
    }
    const seen = readText(path);
    if (seen === null) continue; // removed meanwhile: try again
    const holder = readHolder(path, seen);
    if (holder === null) {
      // being written by a daemon starting at this moment, or left empty by a crash right after creating it
      let ageMs = 0;
      try {
        ageMs = Date.now() - (await fsp.stat(path)).mtimeMs;
      } catch {
        continue; // removed meanwhile: try again
      }
      if (ageMs < 5000) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      log?.warn({ lock: path }, 'data dir lock file unreadable and old: replacing it');
    } else if (holderAlive(holder)) {
      const where = { pid: holder.pid, host: holder.host, onHost: holder.host !== me.host ? 'dataDir.onHost' : 'none', since: holder.startedAt };
      throw cliError('dataDir.inUse', { dir: resolve(dataDir), ...where, lock: path }, 'CONFIG');
    } else {
      log?.warn({ lock: path, stalePid: holder.pid, since: holder.startedAt }, 'data dir lock left by a daemon that no longer runs: taking it over');
    }
    await removeIfUnchanged(path, seen);
  }
  let held = true;
  const dropSync = (): void => {
    if (!held) return;
    held = false;
    try {
      if (readHolder(path)?.pid === me.pid) rmSync(path, { force: true });
    } catch {
      // a data dir gone read-only: the lock stays, and the next daemon finds this pid dead and takes it over
    }
  };
  process.once('exit', dropSync);
  return {
    path,
    async release() {
      process.off('exit', dropSync);
      dropSync();
    },
  };
}
