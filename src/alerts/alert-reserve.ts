// The alert space reserve: a file of zeros next to the alert store, deleted to make room when the disk is full so that
// alerts go on being stored, and written again once the space is back (docs/storage-faults.md).
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { DATA_FILE_MODE } from '../file-modes.js';

/**
 * Keeps `file` `targetBytes` long (zeros, fsynced) while the disk has room for it, and gives it up on demand
 * ({@link release}). Best effort: nothing here throws.
 */
export class AlertSpaceReserve {
  /** Bytes in the reserve now (0 after it was used up, or when off). */
  bytes = 0;
  private busy = false;
  private lastTryMs = 0;

  /**
   * @param file absolute path of the reserve file.
   * @param targetBytes its size (0 = no reserve).
   * @param log the store's logger.
   * @param changed called when {@link bytes} changed outside the store's open (the store emits its `'storage'` state).
   * @param isClosed true once the store closed (no more writing then).
   */
  constructor(
    readonly file: string,
    readonly targetBytes: number,
    private readonly log: Logger,
    private readonly changed: () => void,
    private readonly isClosed: () => boolean,
  ) {}

  /** True when the reserve is short and the last attempt to fill it is more than 5 s ago. */
  wantsRefill(nowMs: number): boolean {
    return this.bytes < this.targetBytes && nowMs - this.lastTryMs > 5000;
  }

  /**
   * Makes the file `targetBytes` long when it is shorter and the disk has that much free beyond it (twice the missing
   * bytes). A failure is logged (warning at open) and the file removed, never thrown.
   */
  async ensure(atOpen = false): Promise<void> {
    if (this.targetBytes === 0 || this.busy || this.isClosed()) return;
    this.busy = true;
    this.lastTryMs = Date.now();
    let h: FileHandle | undefined;
    try {
      let have = 0;
      try {
        have = (await fsp.stat(this.file)).size;
      } catch {
        have = 0;
      }
      if (have >= this.targetBytes) {
        this.bytes = have;
        return;
      }
      const sfs = await fsp.statfs(path.dirname(this.file));
      if (sfs.bavail * sfs.bsize < 2 * (this.targetBytes - have)) {
        if (atOpen) this.log.warn({ file: this.file, freeBytes: sfs.bavail * sfs.bsize, reserveBytes: this.targetBytes }, 'alert store: too little free space for the alert reserve');
        this.bytes = have;
        return;
      }
      h = await fsp.open(this.file, 'a', DATA_FILE_MODE);
      const zeros = Buffer.alloc(Math.min(64 * 1024, this.targetBytes));
      let size = have;
      while (size < this.targetBytes) {
        const n = Math.min(zeros.length, this.targetBytes - size);
        await h.write(zeros, 0, n);
        size += n;
      }
      await h.sync();
      const was = this.bytes;
      this.bytes = size;
      if (was !== size) this.log.info({ file: this.file, bytes: size }, 'alert store: space reserve in place');
      if (!atOpen) this.changed();
    } catch (err) {
      this.log.warn({ err, file: this.file }, 'alert store: cannot write the alert reserve');
      await fsp.rm(this.file, { force: true }).catch(() => undefined);
      this.bytes = 0;
    } finally {
      await h?.close().catch(() => undefined);
      this.busy = false;
    }
  }

  /** Deletes the reserve to make room for alerts; true when there was one. */
  async release(): Promise<boolean> {
    if (this.bytes === 0) return false;
    const bytes = this.bytes;
    this.bytes = 0;
    await fsp.rm(this.file, { force: true }).catch(() => undefined);
    this.log.warn({ file: this.file, bytes }, 'alert store: disk full; alert reserve released to keep storing alerts');
    this.changed();
    return true;
  }
}
