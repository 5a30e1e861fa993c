// Clip pictures' files: the report's picture lookup (drawing a missing one) and the cap on drawings per report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clipPictureDataUrl, limitDrawings } from '../../src/evidence/clip-picture-files.js';
import { tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-picture-files-');
afterAll(() => tmp.cleanup());

describe('clip picture files', () => {
  it('limitDrawings draws for the first calls only (a report draws at most REPORT_MAX_DRAWINGS pictures)', async () => {
    const drawn: string[] = [];
    const draw = limitDrawings(async (meta) => drawn.push(meta), 2);
    for (const m of ['a', 'b', 'c', 'd']) await draw(m, `${m}.png`);
    expect(drawn).toEqual(['a', 'b']);
  });

  it('clipPictureDataUrl: the existing picture; a missing one drawn when its clip exists; none without clip or drawer', async () => {
    const dir = tmp.dir;
    mkdirSync(join(dir, 'clips'), { recursive: true });
    writeFileSync(join(dir, 'clips', 'x.sigmf-meta'), '{}');
    expect(await clipPictureDataUrl(dir, 'clips/x.sigmf-meta')).toBeUndefined();
    const calls: [string, string][] = [];
    const url = await clipPictureDataUrl(dir, 'clips/x.sigmf-meta', async (meta, png) => {
      calls.push([meta, png]);
      mkdirSync(join(dir, 'clip-pictures'), { recursive: true });
      writeFileSync(png, Buffer.from([1, 2, 3]));
    });
    expect(calls).toEqual([[join(dir, 'clips', 'x.sigmf-meta'), join(dir, 'clip-pictures', 'x.png')]]);
    expect(url).toBe('data:image/png;base64,AQID');
    expect(await clipPictureDataUrl(dir, 'clips/gone.sigmf-meta', async () => calls.push(['', '']))).toBeUndefined();
    expect(calls).toHaveLength(1);
  });
});
