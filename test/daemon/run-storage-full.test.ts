// `quietband run` with its data dir on a real 3 MiB tmpfs that fills: clips shed by the floor, the reserve keeps alerts
// stored, then storage failed (alert, 503, metric), then space returns: 0 alerts lost, 0 duplicate seqs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillDisk, mountTmpfs } from '../fault-fs.js';
import { Client, readStore, startDaemon } from './helpers.js';
import { expectContiguous, storageTestSetup, frequentAlertSite, healthz, metric, storageFailed, transmissions } from './storage-helpers.js';

const tmp = storageTestSetup('qb-daemon-full-');

describe('quietband run: storage faults', () => {
  it('3 MiB tmpfs: clips shed by the floor, reserve keeps alerts stored, then storage-failed (alert, 503, metric), every alert sent and stored once after the disk grows', async () => {
    const m = mountTmpfs(3 << 20);
    tmp.onCleanup(m.cleanup);
    const dataDir = join(m.dir, 'data');
    const d = await startDaemon(['run', '--config', frequentAlertSite(tmp.dir, 'hall-full', { pictures: false, minFreeMiB: 1.5 }), '--data-dir', dataDir, '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => transmissions(c).length >= 4, 20_000, '4 transmission records');
    expect((await healthz(d)).status).toBe(200);
    expect(await metric(d, 'quietband_alert_reserve_bytes')).toBe(1 << 20);

    fillDisk(m.dir, 'filler-1'); // something else filled the disk: the reserve gives alerts room
    // records first fill the file's last page; the reserve goes when the store needs a new page
    const t0 = Date.now();
    while ((await metric(d, 'quietband_alert_reserve_bytes')) !== 0) {
      if (Date.now() - t0 > 30_000) throw new Error('the reserve was not used within 30 s of the disk filling');
      await new Promise((r) => setTimeout(r, 100));
    }
    let n = transmissions(c).length;
    await c.waitFor(() => transmissions(c).length >= n + 4, 20_000, '4 more records after the reserve was used');
    expect((await healthz(d)).status).toBe(200);
    expect(storageFailed(c, 'open')).toBeUndefined();
    expect(readStore(dataDir).alerts.length).toBeGreaterThanOrEqual(n + 4);

    fillDisk(m.dir, 'filler-2'); // and filled it again: no reserve left
    const failedOpen = await c.waitFor(() => storageFailed(c, 'open'), 20_000, 'the storage-failed alert');
    expect(failedOpen).toMatchObject({ sensor: 'hall-full', state: 'new', severity: 'high' });
    expect(failedOpen.message).toMatch(/^STORAGE FAILED: .*ENOSPC/);
    const h = await healthz(d);
    expect(h.status).toBe(503);
    expect(h.body.ok).toBe(false);
    expect(h.body.problems[0]).toMatch(/^storage failed: .*alerts\.jsonl.*; \d+ alert record\(s\) held in memory$/);
    expect(await metric(d, 'quietband_storage_failed')).toBe(1);
    n = transmissions(c).length;
    await c.waitFor(() => transmissions(c).length >= n + 6, 20_000, '6 more records while storage failed');
    expect(await metric(d, 'quietband_alert_store_held_records')).toBeGreaterThanOrEqual(7);
    // a client resuming from 0 now gets every record, held ones included
    const late = await Client.open(d.wsUrl);
    const upTo = Math.max(...c.alerts().map((x) => x.a.seq));
    await late.waitFor(() => late.alerts().filter((x) => x.a.seq <= upTo).length >= upTo, 10_000, `seq 1..${upTo} on a resuming client`);
    expectContiguous(late.alerts().map((x) => x.a.seq).filter((s) => s <= upTo));
    late.close();

    const tGrow = Date.now();
    m.resize(32 << 20); // space returns
    const failedClose = await c.waitFor(() => storageFailed(c, 'close'), 20_000, 'the storage-failed close');
    console.log(`disk grown → every held alert stored, storage-failed closed after ${Date.now() - tGrow} ms`);
    expect(failedClose.alertId).toBe(failedOpen.alertId);
    expect((await healthz(d)).status).toBe(200);
    expect(await metric(d, 'quietband_storage_failed')).toBe(0);
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    c.close();

    const stored = readStore(dataDir).alerts;
    const sent = c.alerts().map((x) => x.a);
    expectContiguous(sent.map((a) => a.seq));
    expectContiguous(stored.map((a) => a.seq));
    const bySeq = new Map(stored.map((a) => [a.seq, a]));
    const lost = sent.filter((a) => bySeq.get(a.seq)?.alertId !== a.alertId || bySeq.get(a.seq)?.event !== a.event);
    console.log(`disk full: ${sent.length} records sent, ${stored.length} stored, ${lost.length} lost, ${stored.length - new Set(stored.map((a) => a.seq)).size} duplicate seqs`);
    expect(lost).toEqual([]);
    expect(d.stderr()).toContain('evidence clip shed: free disk space below the evidence floor');
  });

});
