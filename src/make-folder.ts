// Creating a folder and its missing parents (mkdir -p) one level at a time, so that a file system that refuses new
// folders fails at once. Node's `mkdir(path, { recursive: true })` never returns under /proc: mkdir(2) there answers
// ENOENT for a new name although the parent exists, and libuv's recursive mkdir takes every ENOENT for a missing
// parent, creates the parent (EEXIST), retries the child (ENOENT) and so on without end, spinning in the kernel.
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { cliError } from './error-text.js';

/**
 * Creates the folder `dir` and its missing parents, each with `mode` (before the umask; default 0777 as mkdir -p);
 * an existing folder is left as it is. Walks up to the nearest path that exists (stat), then creates the missing
 * levels downwards with one plain mkdir(2) each: at most one call per missing level, never a loop.
 * @throws QuietBandError('IO') `cannot create folder <dir>: <parent> takes no new folders …` when mkdir answers
 *   ENOENT although the parent exists (procfs; message code `file.folderRefused`).
 * @throws Node's system error of the failing mkdir/stat otherwise: ENOTDIR (a level is a file), EEXIST (`dir` is a
 *   file), EACCES, EROFS, ENOSPC, …, with the path in its message.
 */
export async function makeFolder(dir: string, mode = 0o777): Promise<void> {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let at = target; ; at = dirname(at)) {
    const found = await stat(at).then(
      (st) => st,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      },
    );
    if (found !== undefined) {
      if (missing.length === 0 && !found.isDirectory()) await mkdir(at, { mode }); // EEXIST, worded by Node
      break;
    }
    missing.push(at);
    if (dirname(at) === at) break; // a missing root: mkdir below answers for it
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    const level = missing[i];
    try {
      await mkdir(level, { mode });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await stat(level)).isDirectory()) continue; // made meanwhile by another writer
      if (code === 'ENOENT') throw cliError('file.folderRefused', { path: target, parent: dirname(level) }, 'IO', { cause: err });
      throw err;
    }
  }
}
