// Evidence clip names (rtl_433 convention) and the alert keys added to a clip's SigMF meta (src/evidence/clip-meta.ts).
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { annotateClipAlert, clipBaseName } from '../../src/evidence/clip-meta.js';
import { parseCaptureFileName } from '../../src/source/file-name.js';

describe('clipBaseName', () => {
  it('names clips the rtl_433 way; the name parser reads centre and rate back', () => {
    const n = clipBaseName('room-101', Date.parse('2026-06-07T01:00:02.5Z'), 7, 433.92e6, 250e3);
    expect(n).toBe('room-101_2026-06-07T01-00-02-500Z_7_433.92M_250k');
    expect(parseCaptureFileName(`${n}.sigmf-data`)).toEqual({ centerHz: 433.92e6, rateSps: 250e3 });
    expect(clipBaseName('s', 0, 1, 868.3125e6, 12.5e3)).toBe('s_1970-01-01T00-00-00-000Z_1_868.313M_12.5k');
    expect(clipBaseName('s', 0, 1, undefined, 2.4e6)).toBe('s_1970-01-01T00-00-00-000Z_1_2400k');
  });
});

describe('annotateClipAlert', () => {
  it('adds the alert id and session, keeps every other key; a deleted clip resolves false', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qb-clipmeta-'));
    try {
      const meta = join(dir, 'c.sigmf-meta');
      await writeFile(meta, JSON.stringify({ global: { 'core:datatype': 'cu8', 'quietband:sensor': 'room-101' }, captures: [], annotations: [] }));
      expect(await annotateClipAlert(meta, { alertId: 'school-42', session: '数学 Maths' })).toBe(true);
      const j = JSON.parse(await readFile(meta, 'utf8'));
      expect(j.global).toEqual({
        'core:datatype': 'cu8', 'quietband:sensor': 'room-101', 'quietband:alert_id': 'school-42', 'quietband:session': '数学 Maths',
        'core:extensions': [{ name: 'quietband', version: '1.0.0', optional: true }],
      });
      expect(await annotateClipAlert(join(dir, 'gone.sigmf-meta'), { alertId: 'x' })).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
