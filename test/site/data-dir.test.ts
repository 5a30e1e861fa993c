// Data dir lock and checks without a daemon: a held lock refuses (naming the pid), release frees it, stale locks (dead
// pid, reused pid, old unreadable file) are taken over, another host's lock never is; a file is not a data dir; 0700.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDataDir, narrowDataDirMode, prepareDataDir, processStartTicks, removeIfUnchanged } from '../../src/site/data-dir.js';
import { memoryLogger, tempDir } from '../server/helpers.js';
import { errorMessageIn } from '../../src/error-text.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function dir(): string {
  const t = tempDir('qb-datadir-');
  cleanups.push(t.cleanup);
  return t.dir;
}
function writeLock(d: string, holder: Record<string, unknown>): void {
  writeFileSync(join(d, LOCK_FILE), `${JSON.stringify({ host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', ...holder })}\n`);
}
/** The pid of a node process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('data dir lock', () => {
  it('refuses a second lock naming the holder pid, and frees it on release (lock file 0600 with pid and start ticks)', async () => {
    const d = dir();
    const lock = await lockDataDir(d);
    expect(statSync(lock.path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, startTicks: processStartTicks(process.pid), host: hostname() });
    await expect(lockDataDir(d)).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining(`is in use by another QuietBand daemon (pid ${process.pid}`) });
    await lock.release();
    expect(existsSync(lock.path)).toBe(false);
    const again = await lockDataDir(d);
    await again.release();
  });

  it('takes over the lock of a dead pid and of a reused pid (other start time), with a warning; never another host\'s', async () => {
    const d = dir();
    const { logger, lines } = memoryLogger();
    writeLock(d, { pid: deadPid(), startTicks: '1' });
    const l1 = await lockDataDir(d, logger);
    expect(lines.some((l) => l.msg === 'data dir lock left by a daemon that no longer runs: taking it over')).toBe(true);
    await l1.release();
    // this very pid, but a start time that is not this process's: a pid reused after a crash
    writeLock(d, { pid: process.pid, startTicks: '12345' });
    const l2 = await lockDataDir(d);
    expect(JSON.parse(readFileSync(l2.path, 'utf8')).startTicks).toBe(processStartTicks(process.pid));
    await l2.release();
    writeLock(d, { pid: deadPid(), startTicks: '1', host: 'another-machine' });
    await expect(lockDataDir(d)).rejects.toThrow(/in use by another QuietBand daemon \(pid \d+ on another-machine/);
  });

  it('a stale lock is removed only if unchanged: a lock another daemon took meanwhile is put back', async () => {
    const d = dir();
    const path = join(d, LOCK_FILE);
    writeLock(d, { pid: process.pid, startTicks: processStartTicks(process.pid) });
    const fresh = readFileSync(path, 'utf8');
    await removeIfUnchanged(path, '{"pid":1,"startTicks":"1"}\n'); // judged stale from an older content
    expect(readFileSync(path, 'utf8')).toBe(fresh);
    expect(readdirSync(d)).toEqual([LOCK_FILE]); // nothing left aside
    await removeIfUnchanged(path, fresh);
    expect(existsSync(path)).toBe(false);
    await removeIfUnchanged(path, fresh); // gone already: no error
  });

  it('replaces an unreadable lock file older than 5 s; waits on a fresh one (a daemon starting), then refuses if it stays a live holder', async () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), '');
    const old = (Date.now() - 10_000) / 1000;
    utimesSync(join(d, LOCK_FILE), old, old);
    const l = await lockDataDir(d);
    await l.release();
    // a fresh empty file that a starting daemon fills 300 ms later with its (live) pid
    writeFileSync(join(d, LOCK_FILE), '');
    setTimeout(() => writeLock(d, { pid: process.pid, startTicks: processStartTicks(process.pid) }), 300);
    const t0 = Date.now();
    await expect(lockDataDir(d)).rejects.toThrow(`pid ${process.pid}`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('a data dir that is a file, or under one, is a CONFIG error saying so; a missing one is made 0700; an open one narrowed', async () => {
    const d = dir();
    const file = join(d, 'f');
    writeFileSync(file, 'x');
    await expect(prepareDataDir(file)).rejects.toMatchObject({ code: 'CONFIG', message: `dataDir: ${file} is a file, not a folder; give the data dir a folder path (config "dataDir" or --data-dir)` });
    await expect(prepareDataDir(join(file, 'sub'))).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining('a parent of this path is a file') });
    // in Chinese too (the CLI's error line under a Chinese locale)
    const zh = async (p: string): Promise<string | undefined> => errorMessageIn('zh-CN', (await prepareDataDir(p).then(() => null, (e: Error) => e))!);
    expect(await zh(file)).toBe(`数据目录 ${file} 是文件而不是文件夹；请为数据目录指定一个文件夹路径（配置 "dataDir" 或 --data-dir）`);
    expect(await zh(join(file, 'sub'))).toMatch(/路径中的上级是文件而不是文件夹/);
    if (process.platform === 'linux') {
      // /proc takes no new folders: fails at once (Node's recursive mkdir would spin there forever), naming the path
      await expect(prepareDataDir('/proc/qb-no-such/data')).rejects.toMatchObject({
        code: 'CONFIG',
        message: expect.stringMatching(/^dataDir: cannot use \/proc\/qb-no-such\/data: cannot create folder \/proc\/qb-no-such\/data: \/proc takes no new folders/),
      });
    }
    const fresh = join(d, 'a', 'b');
    await prepareDataDir(fresh);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const open = join(d, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    await prepareDataDir(open);
    expect(statSync(open).mode & 0o777).toBe(0o755); // left alone until the lock is held
    await narrowDataDirMode(open);
    expect(statSync(open).mode & 0o777).toBe(0o700);
  });
});
