// `quietband run` with its data dir on a real ext4 that goes read-only mid-run (an injected fs error, files open):
// alerts keep flowing, loud storage-failed state, every unstored record in full on stderr at shutdown, exit 1.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import { mountExt4 } from '../fault-fs.js';
import { Client, readStore, startDaemon } from './helpers.js';
import { expectContiguous, storageTestSetup, frequentAlertSite, healthz, storageFailed, transmissions } from './storage-helpers.js';

const tmp = storageTestSetup('qb-daemon-ro-');

describe('quietband run: storage faults', () => {
  it('ext4 gone read-only mid-run: alerts keep flowing (held), storage-failed alert and 503; at SIGTERM every unstored record is on stderr in full, exit 1', async () => {
    const m = mountExt4(16 << 20);
    tmp.onCleanup(m.cleanup);
    const dataDir = join(m.dir, 'data');
    const d = await startDaemon(['run', '--config', frequentAlertSite(tmp.dir, 'hall-ro', { clips: false }), '--data-dir', dataDir, '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => transmissions(c).length >= 4, 20_000, '4 transmission records');
    m.makeReadOnly();
    const failedOpen = await c.waitFor(() => storageFailed(c, 'open'), 20_000, 'the storage-failed alert');
    expect(failedOpen.message).toMatch(/EROFS/);
    const h = await healthz(d);
    expect(h.status).toBe(503);
    expect(h.body.problems[0]).toMatch(/^storage failed: .*read-only file system/i);
    const n = transmissions(c).length;
    await c.waitFor(() => transmissions(c).length >= n + 6, 20_000, '6 more records while read-only');
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(1);
    c.close();

    const sent = c.alerts().map((x) => x.a);
    expectContiguous(sent.map((a) => a.seq));
    const stored = readStore(dataDir).alerts;
    const logged = d.stderr().split('\n').filter((l) => l.includes('alert record not stored')).map((l) => (JSON.parse(l) as { record: Alert }).record);
    const kept = [...stored, ...logged];
    expectContiguous(kept.map((a) => a.seq));
    const bySeq = new Map(kept.map((a) => [a.seq, a]));
    const lost = sent.filter((a) => bySeq.get(a.seq)?.alertId !== a.alertId);
    console.log(`read-only: ${sent.length} records sent, ${stored.length} stored before the fault, ${logged.length} logged in full at shutdown, ${lost.length} lost`);
    expect(lost).toEqual([]);
    expect(logged.length).toBeGreaterThanOrEqual(7);
  });
});
