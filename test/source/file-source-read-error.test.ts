// File source read-ahead: a read that fails while the caller is busy between blocks is reported to the caller as
// QuietBandError('IO') naming the file and offset, not as an unhandled rejection (which killed the daemon).
import fs, { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'qb-read-error-'));
const path = join(dir, 'seq_433.92M_250k.cu8');
writeFileSync(path, new Uint8Array(8000).map((_, i) => i % 256));
const realRead = fs.read;
afterAll(() => {
  fs.read = realRead;
  syncBuiltinESMExports();
  rmSync(dir, { recursive: true, force: true });
});

describe('file source read errors', () => {
  it('a failed read-ahead while the caller waits between blocks rejects the iteration with IO, nothing unhandled', async () => {
    let reads = 0;
    // the 3rd read (block 3, started while block 2 is being used) fails with EIO
    fs.read = ((fd: number, buf: Buffer, off: number, len: number, pos: number, cb: (e: Error | null, n: number) => void) => {
      if (++reads === 3) {
        setTimeout(() => cb(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }), 0), 1);
        return;
      }
      realRead(fd, buf, off, len, pos, cb);
    }) as typeof fs.read;
    syncBuiltinESMExports();
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const { openFileSource } = await import('../../src/source/file-source.js');
      const src = await openFileSource(path, { blockSamples: 1000 });
      const firsts: number[] = [];
      let error: unknown;
      try {
        for await (const b of src.blocks()) {
          firsts.push(b.firstSample);
          await new Promise((r) => setTimeout(r, 30)); // the caller is busy: the next read fails meanwhile
        }
      } catch (e) {
        error = e;
      }
      await new Promise((r) => setTimeout(r, 20));
      expect(firsts).toEqual([0, 1000]);
      expect(error).toMatchObject({ code: 'IO' });
      expect(String((error as Error).message)).toMatch(/seq_433\.92M_250k\.cu8: read failed at byte 4000 \(EIO/);
      expect(unhandled).toEqual([]);
      expect(reads).toBe(3);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
