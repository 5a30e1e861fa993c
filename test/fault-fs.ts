// Real storage faults for tests (root only, as in CI): a small tmpfs that fills and can be grown back, and an ext4 loop
// file system that an injected file-system error turns read-only with files open (what a failing disk does).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** A mounted test file system; `cleanup` unmounts it (lazily if busy) and removes the mount point. */
export interface TestMount {
  dir: string;
  cleanup(): void;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function unmount(dir: string): void {
  try {
    run('umount', [dir]);
  } catch {
    try {
      run('umount', ['-l', dir]);
    } catch {
      // already gone
    }
  }
}

/**
 * Mounts a tmpfs of `sizeBytes` on a new folder under os.tmpdir(). `resize(bytes)` changes its size live (space
 * "returns" when grown). Throws with the mount error when mounting is impossible (not root): the tests that need it
 * fail, never skip.
 */
export function mountTmpfs(sizeBytes: number): TestMount & { resize(bytes: number): void } {
  const dir = mkdtempSync(join(tmpdir(), 'qb-tmpfs-'));
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a ${sizeBytes}-byte tmpfs on ${dir} (these storage-fault tests need root, as CI has): ${(err as Error).message}`);
  }
  return {
    dir,
    resize(bytes: number) {
      run('mount', ['-o', `remount,size=${bytes}`, dir]);
    },
    cleanup() {
      unmount(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Mounts a fresh ext4 file system (in a `sizeBytes` image file, loop device) with `errors=remount-ro` on a new folder.
 * `makeReadOnly()` injects a file-system error through /sys/fs/ext4/<dev>/trigger_fs_error: the kernel remounts it
 * read-only at once, and writes to files already open fail with EROFS (a plain `mount -o remount,ro` is refused while
 * files are open for writing). It cannot be made writable again.
 */
export function mountExt4(sizeBytes: number): TestMount & { makeReadOnly(): void } {
  const base = mkdtempSync(join(tmpdir(), 'qb-ext4-'));
  const image = join(base, 'fs.img');
  const dir = join(base, 'mnt');
  try {
    writeFileSync(image, '');
    run('truncate', ['-s', String(sizeBytes), image]);
    run('mkfs.ext4', ['-q', '-F', image]);
    run('mkdir', [dir]);
    run('mount', ['-o', 'loop,errors=remount-ro', image, dir]);
  } catch (err) {
    rmSync(base, { recursive: true, force: true });
    throw new Error(`cannot mount an ext4 loop file system on ${dir} (these storage-fault tests need root and loop devices, as CI has): ${(err as Error).message}`);
  }
  return {
    dir,
    makeReadOnly() {
      const dev = basename(run('findmnt', ['-n', '-o', 'SOURCE', dir]).trim());
      writeFileSync(`/sys/fs/ext4/${dev}/trigger_fs_error`, '1');
    },
    cleanup() {
      unmount(dir);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Fills the file system of `dir` until a write fails with ENOSPC (another writer taking the disk). */
export function fillDisk(dir: string, name: string): void {
  const fd = openSync(join(dir, name), 'a');
  const chunk = Buffer.alloc(16 * 1024, 7);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}
