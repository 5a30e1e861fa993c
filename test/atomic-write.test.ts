// writeFileAtomic (src/atomic-write.ts): a reader sees the old file or the complete new one; the mode, the folder,
// and no temp file left behind, also when the rename fails.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/atomic-write.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qb-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the file whole, 0600 by default, creating the folder when asked; leaves no temp file', async () => {
    const file = join(dir, 'sub', 'state.json');
    await expect(writeFileAtomic(file, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    await writeFileAtomic(file, '{"a":1}\n', { mkdir: true });
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]), { mode: 0o644, exactMode: true, sync: true });
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['state.json']);
  });

  it('concurrent writers of one file: it ends as one of their contents, whole', async () => {
    const file = join(dir, 'meta.json');
    const texts = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(10_000)}\n`);
    await Promise.all(texts.map((t) => writeFileAtomic(file, t)));
    expect(texts).toContain(readFileSync(file, 'utf8'));
    expect(readdirSync(dir)).toEqual(['meta.json']);
  });

  it('a failed rename keeps the old file and removes the temp file, and the error comes as it was', async () => {
    const target = join(dir, 'taken');
    mkdirSync(join(target, 'inside'), { recursive: true }); // rename(file, non-empty dir) fails
    writeFileSync(join(dir, 'keep.txt'), 'old');
    await expect(writeFileAtomic(target, 'new')).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) });
    expect(readdirSync(dir).sort()).toEqual(['keep.txt', 'taken']);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('old');
  });
});
