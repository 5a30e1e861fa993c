// AlertStore: seq across reopen, fsync-before-resolve, torn tail, concurrent order, readSince from memory and file, state rebuild.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertStore, type AlertDraft } from '../../src/alerts/alert-store.js';
import type { Alert } from '../../src/server/protocol.js';
import { memoryLogger, tempDir } from '../server/helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function dir(): string {
  const t = tempDir('qb-store-');
  cleanups.push(t.cleanup);
  return t.dir;
}

function draft(i: number, extra: Partial<AlertDraft> = {}): AlertDraft {
  return { sensor: 's1', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: '2025-01-01T00:00:00.000Z', centerHz: 433_920_000 + i, ...extra };
}

function fileSeqs(file: string): number[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => (JSON.parse(l) as Alert).seq);
}

async function collect(it: AsyncIterable<Alert>): Promise<number[]> {
  const out: number[] = [];
  for await (const a of it) out.push(a.seq);
  return out;
}

describe('AlertStore', () => {
  it('assigns seq 1..n, fills site/alertId, and continues after reopen', async () => {
    const d = dir();
    const s1 = await AlertStore.open({ dataDir: d, site: 'hall-a' });
    const a = await s1.append(draft(1));
    const b = await s1.append(draft(2));
    expect([a.seq, b.seq]).toEqual([1, 2]);
    expect(a.site).toBe('hall-a');
    expect(a.alertId).toBe('hall-a-1');
    await s1.close();
    const s2 = await AlertStore.open({ dataDir: d, site: 'hall-a' });
    expect(s2.lastSeq).toBe(2);
    const c = await s2.append(draft(3));
    expect(c.seq).toBe(3);
    await s2.close();
    expect(fileSeqs(path.join(d, 'alerts.jsonl'))).toEqual([1, 2, 3]);
  });

  it('has the record on disk when append resolves', async () => {
    const d = dir();
    const s = await AlertStore.open({ dataDir: d, site: 'x' });
    for (let i = 1; i <= 5; i++) {
      const r = await s.append(draft(i));
      // Read through a separate fd: the line must be complete already.
      expect(fileSeqs(s.file).at(-1)).toBe(r.seq);
    }
    await s.close();
  });

  it('keeps seq order = call order = file order for 300 concurrent appends', async () => {
    const d = dir();
    const s = await AlertStore.open({ dataDir: d, site: 'x', maxBatch: 37 });
    const recs = await Promise.all(Array.from({ length: 300 }, (_, i) => s.append(draft(i))));
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    // call i got centerHz base+i: seq i+1 carries it
    expect(recs.every((r, i) => r.centerHz === 433_920_000 + i)).toBe(true);
    expect(fileSeqs(s.file)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    await s.close();
  });

  it('truncates a torn last line with a warning and continues at last valid seq + 1', async () => {
    const d = dir();
    const s1 = await AlertStore.open({ dataDir: d, site: 'x' });
    for (let i = 1; i <= 4; i++) await s1.append(draft(i));
    await s1.close();
    const file = path.join(d, 'alerts.jsonl');
    const goodBytes = readFileSync(file).length;
    const torn = '{"seq":5,"alertId":"x-5","site":"x","sen'; // crash mid-write: no newline
    appendFileSync(file, torn);
    const { logger, lines } = memoryLogger();
    const s2 = await AlertStore.open({ dataDir: d, site: 'x', logger });
    expect(s2.lastSeq).toBe(4);
    expect(s2.truncatedBytes).toBe(Buffer.byteLength(torn));
    expect(readFileSync(file).length).toBe(goodBytes);
    expect(lines.some((l) => l.level === 40 && String(l.msg).includes('torn'))).toBe(true);
    const r = await s2.append(draft(5));
    expect(r.seq).toBe(5);
    await s2.close();
    expect(fileSeqs(file)).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips a complete but corrupt middle line and keeps later records', async () => {
    const d = dir();
    const file = path.join(d, 'alerts.jsonl');
    const mk = (seq: number): string => JSON.stringify({ seq, alertId: `x-${seq}`, site: 'x', sensor: 's1', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: 't' });
    writeFileSync(file, `${mk(1)}\n\u0000\u0000garbage\n${mk(2)}\n`);
    const { logger, lines } = memoryLogger();
    const s = await AlertStore.open({ dataDir: d, site: 'x', logger, recentCapacity: 1 });
    expect(s.lastSeq).toBe(2);
    expect(s.skippedLines).toBe(1);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    expect(await collect(s.readSince(0))).toEqual([1, 2]);
    await s.close();
  });

  it('readSince serves from memory and from the file (sparse index) with identical results', async () => {
    const d = dir();
    const s = await AlertStore.open({ dataDir: d, site: 'x', recentCapacity: 50, indexEvery: 64, fsync: false });
    const ps: Promise<Alert>[] = [];
    for (let i = 0; i < 3000; i++) ps.push(s.append(draft(i)));
    await Promise.all(ps);
    // from the file: start far before the in-memory window
    const fromFile = await collect(s.readSince(1234));
    expect(fromFile).toEqual(Array.from({ length: 3000 - 1234 }, (_, i) => 1235 + i));
    expect(await collect(s.readSince(0))).toHaveLength(3000);
    // from memory: the last 20
    expect(await collect(s.readSince(2980))).toEqual(Array.from({ length: 20 }, (_, i) => 2981 + i));
    expect(await collect(s.readSince(3000))).toEqual([]);
    await s.close();
    // after reopen (index rebuilt by scan)
    const s2 = await AlertStore.open({ dataDir: d, site: 'x', recentCapacity: 10, indexEvery: 100 });
    expect(await collect(s2.readSince(1999))).toEqual(Array.from({ length: 1001 }, (_, i) => 2000 + i));
    await s2.close();
  });

  it('readSince is a snapshot: appends after the call are not included', async () => {
    const d = dir();
    const s = await AlertStore.open({ dataDir: d, site: 'x' });
    for (let i = 0; i < 5; i++) await s.append(draft(i));
    const it = s.readSince(2);
    await s.append(draft(99));
    expect(await collect(it)).toEqual([3, 4, 5]);
    await s.close();
  });

  it('rebuilds per-alert state on reopen', async () => {
    const d = dir();
    const s = await AlertStore.open({ dataDir: d, site: 'x' });
    const a = await s.append(draft(1));
    await s.append(draft(1, { alertId: a.alertId, event: 'ack', state: 'acknowledged', ackBy: 'amy' }));
    await s.append(draft(1, { alertId: a.alertId, event: 'close', state: 'acknowledged' }));
    const b = await s.append(draft(2));
    await s.append(draft(2, { alertId: b.alertId, event: 'known', state: 'known', severity: 'info', ackBy: 'bob' }));
    await s.close();
    const s2 = await AlertStore.open({ dataDir: d, site: 'x' });
    expect(s2.stateOf(a.alertId)).toMatchObject({ state: 'acknowledged', closed: true, openSeq: 1, lastSeq: 3, ackBy: 'amy' });
    expect(s2.stateOf(b.alertId)).toMatchObject({ state: 'known', severity: 'info', closed: false, openSeq: 4, lastSeq: 5, ackBy: 'bob' });
    expect(s2.openAlerts().map((e) => e.alertId)).toEqual([b.alertId]);
    await s2.close();
  });

  it('rejects appends after close; close twice does not throw', async () => {
    const s = await AlertStore.open({ dataDir: dir(), site: 'x' });
    await s.close();
    await s.close();
    await expect(s.append(draft(1))).rejects.toMatchObject({ code: 'IO' });
  });
});
