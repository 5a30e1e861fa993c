// makeFolder (src/make-folder.ts): mkdir -p one level at a time: the modes, an existing folder, Node's errors for a
// file in the way, and a file system that refuses new folders (/proc), where Node's recursive mkdir never returns.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFolder } from '../src/make-folder.js';
import { errorMessageIn } from '../src/error-text.js';

let d = '';
beforeEach(() => {
  d = mkdtempSync(join(tmpdir(), 'qb-make-folder-'));
});
afterEach(() => rmSync(d, { recursive: true, force: true }));

describe('makeFolder', () => {
  it('creates every missing level with the mode, leaves an existing folder (and its mode) alone', async () => {
    const deep = join(d, 'a', 'b', 'c');
    await makeFolder(deep, 0o700);
    for (const p of [join(d, 'a'), join(d, 'a', 'b'), deep]) expect(statSync(p).mode & 0o777).toBe(0o700);
    mkdirSync(join(d, 'open'), { mode: 0o755 });
    await makeFolder(join(d, 'open'), 0o700);
    expect(statSync(join(d, 'open')).mode & 0o777).toBe(0o755 & ~process.umask());
    await makeFolder(deep); // again: nothing to do
    await Promise.all([makeFolder(join(d, 'x', 'y')), makeFolder(join(d, 'x', 'z'))]); // two writers of one parent
    expect(statSync(join(d, 'x', 'y')).isDirectory() && statSync(join(d, 'x', 'z')).isDirectory()).toBe(true);
  });

  it('a file in the way is Node\'s EEXIST (the path itself) or ENOTDIR (a parent), naming the path', async () => {
    const file = join(d, 'f');
    writeFileSync(file, 'x');
    await expect(makeFolder(file)).rejects.toMatchObject({ code: 'EEXIST', message: `EEXIST: file already exists, mkdir '${file}'` });
    await expect(makeFolder(join(file, 'sub', 'deeper'))).rejects.toMatchObject({ code: 'ENOTDIR', message: expect.stringContaining(file) });
  });

  it.skipIf(process.platform !== 'linux')('under /proc fails at once with an IO error naming the folder and the refusing parent (en, zh-CN)', async () => {
    const t0 = performance.now();
    const err = (await makeFolder('/proc/qb-no-such/y').then(() => null, (e: Error) => e))!;
    expect(performance.now() - t0).toBeLessThan(1000); // a few syscalls; Node's recursive mkdir spins here forever
    expect(err).toMatchObject({
      code: 'IO',
      message: 'cannot create folder /proc/qb-no-such/y: /proc takes no new folders (mkdir answers ENOENT although it exists: a virtual file system such as /proc, not a disk)',
    });
    expect(errorMessageIn('zh-CN', err)).toBe('无法创建文件夹 /proc/qb-no-such/y：/proc 不接受新建文件夹（它存在，mkdir 却答 ENOENT：这是 /proc 一类的虚拟文件系统，不是磁盘）');
  });
});
