// Writing a file so that a reader sees the old content or the new, never half of it: the one temp-file-and-rename
// helper of every file QuietBand rewrites in place (state, known emitters, SigMF metas, pictures, certificates).
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { DATA_DIR_MODE, DATA_FILE_MODE } from './file-modes.js';
import { makeFolder } from './make-folder.js';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Mode of the new file, before the umask (see `exactMode`); default DATA_FILE_MODE (0600). */
  mode?: number;
  /** Set `mode` past the umask (chmod), for a file other users must read (a TLS certificate, 0644). Default false. */
  exactMode?: boolean;
  /**
   * Flush the data to the disk (fsync) before the rename, so that a crash or power cut leaves the old file or the
   * complete new one — without it, a file system may commit the rename before the data (an empty file after a power
   * cut on ext4 without auto_da_alloc, XFS). For files the daemon cannot make again (journals, keys). Default false.
   */
  sync?: boolean;
  /** Create the file's folder first (mode DATA_DIR_MODE, recursive). Default false. */
  mkdir?: boolean;
}

/**
 * Writes `data` to `file` through a temp file in the same folder, renamed over `file` at the end: rename(2) replaces
 * the name in one step within a file system, so a reader opens the old file or the complete new one (POSIX
 * rename(2); a temp file in another folder could be on another file system, where rename fails with EXDEV). The temp
 * name `.<name>.<pid>.<threadId>.<8 hex>.tmp` is unique per call, also between the worker threads of one process
 * that may write the same file, and ends in `.tmp` (the evidence quota skips such files). On an error the temp file
 * is removed and the error is rethrown as it came: callers word it for their file.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(file);
  if (o.mkdir === true) await makeFolder(dir, DATA_DIR_MODE);
  const mode = o.mode ?? DATA_FILE_MODE;
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${threadId}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const h = await open(tmp, 'wx', mode);
    try {
      await h.writeFile(data);
      if (o.exactMode === true) await h.chmod(mode);
      if (o.sync === true) await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
