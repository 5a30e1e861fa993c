// AlertStore under storage faults: injected EROFS, a real full tmpfs (reserve, then held records), a real read-only
// ext4; every record accepted in seq order, none lost, each seq stored once when space returns, file mode 0600.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertStore, ALERTS_RESERVE_FILE, type AlertDraft, type StorageState, type StoreFs } from '../../src/alerts/alert-store.js';
import type { Alert } from '../../src/server/protocol.js';
import { memoryLogger, tempDir } from '../server/helpers.js';
import { fillDisk, mountExt4, mountTmpfs } from '../fault-fs.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function draft(i: number): AlertDraft {
  return { sensor: 's1', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: '2025-01-01T00:00:00.000Z', centerHz: 433_920_000 + i, message: 'x'.repeat(200) };
}

function fileSeqs(file: string): number[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => (JSON.parse(l) as Alert).seq);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** node:fs/promises `open` whose handles fail `write` with `fault.code` while it is set. */
function faultyFs(fault: { code: string | null }): StoreFs {
  return {
    async open(file, flags, mode) {
      if (fault.code !== null) throw Object.assign(new Error(`${fault.code}: injected, open '${file}'`), { code: fault.code });
      const h = await fsp.open(file, flags, mode);
      return new Proxy(h, {
        get(target, prop, receiver) {
          if (prop === 'write' && fault.code !== null) {
            const code = fault.code;
            return async () => {
              throw Object.assign(new Error(`${code}: injected, write`), { code });
            };
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as FileHandle;
    },
  };
}

describe('AlertStore storage faults', () => {
  it('injected EROFS: 20 records accepted in seq order while unwritable, served by readSince, all stored once when writes work again', async () => {
    const t = tempDir('qb-store-faults-');
    cleanups.push(t.cleanup);
    const fault = { code: null as string | null };
    const { logger, lines } = memoryLogger();
    const store = await AlertStore.open({ dataDir: t.dir, site: 'f', fs: faultyFs(fault), retryInitialMs: 20, retryMaxMs: 50, reserveBytes: 0, logger });
    const states: StorageState[] = [];
    store.on('storage', (s) => states.push(s));
    for (let i = 1; i <= 5; i++) await store.append(draft(i));
    fault.code = 'EROFS';
    const acceptedOrder: number[] = [];
    const qs = range(6, 20).map((i) => store.enqueue(draft(i)));
    for (const q of qs) void q.accepted.then((a) => acceptedOrder.push(a.seq));
    await Promise.all(qs.map((q) => q.accepted));
    // a retry failed to reopen the file: later records are still accepted at once
    await until(() => store.writeFailures >= 2, 2000, 'a failed retry');
    const more = range(21, 25).map((i) => store.enqueue(draft(i)));
    for (const q of more) void q.accepted.then((a) => acceptedOrder.push(a.seq));
    qs.push(...more);
    await Promise.all(more.map((q) => q.accepted));
    expect(acceptedOrder).toEqual(range(6, 25));
    expect(store.storageState()).toMatchObject({ ok: false, code: 'EROFS', heldRecords: 20 });
    expect(states[0]).toMatchObject({ ok: false, code: 'EROFS' });
    expect(store.lastSeq).toBe(25);
    expect(store.storedSeq).toBe(5);
    expect(fileSeqs(store.file)).toEqual(range(1, 5));
    const resumed: number[] = [];
    for await (const a of store.readSince(3)) resumed.push(a.seq);
    expect(resumed).toEqual(range(4, 25));
    expect(lines.some((l) => (l.msg as string | undefined)?.includes('STORAGE FAILED') && l.code === 'EROFS')).toBe(true);
    // writes work again: the retry stores every held record once, in order
    await until(() => store.writeFailures >= 3, 2000, 'another failed retry');
    fault.code = null;
    const stored = await Promise.all(qs.map((q) => q.done));
    expect(stored.map((a) => a.seq)).toEqual(range(6, 25));
    expect(fileSeqs(store.file)).toEqual(range(1, 25));
    expect(store.storageState()).toMatchObject({ ok: true, heldRecords: 0 });
    expect(states.at(-1)).toMatchObject({ ok: true });
    expect(store.writeFailures).toBeGreaterThanOrEqual(3);
    await store.append(draft(26));
    expect(fileSeqs(store.file)).toEqual(range(1, 26));
    await store.close();
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
  });

  it('a full 1 MiB tmpfs: the reserve is released and alerts go on being stored; full again: held, then all stored once the tmpfs grows', async () => {
    const m = mountTmpfs(1 << 20);
    cleanups.push(m.cleanup);
    const store = await AlertStore.open({ dataDir: m.dir, site: 'full', reserveBytes: 256 * 1024, retryInitialMs: 20, retryMaxMs: 100 });
    expect(statSync(path.join(m.dir, ALERTS_RESERVE_FILE)).size).toBe(256 * 1024);
    for (let i = 1; i <= 10; i++) await store.append(draft(i));
    fillDisk(m.dir, 'clip-1.bin'); // evidence filled the disk
    for (let i = 11; i <= 60; i++) await store.append(draft(i)); // written into the space the reserve gave back
    expect(existsSync(path.join(m.dir, ALERTS_RESERVE_FILE))).toBe(false);
    expect(store.storageState()).toMatchObject({ ok: true, reserveBytes: 0 });
    expect(fileSeqs(store.file)).toEqual(range(1, 60));
    fillDisk(m.dir, 'clip-2.bin'); // and filled it again: no reserve left
    const qs = range(61, 160).map((i) => store.enqueue(draft(i)));
    await Promise.all(qs.map((q) => q.accepted));
    expect(store.storageState()).toMatchObject({ ok: false, code: 'ENOSPC' });
    expect(store.storedSeq).toBeLessThan(160);
    m.resize(4 << 20); // space returns
    await Promise.all(qs.map((q) => q.done));
    const seqs = fileSeqs(store.file);
    expect(seqs).toEqual(range(1, 160)); // 0 lost, 0 duplicates, in order
    expect(store.storageState().ok).toBe(true);
    await store.close();
  });

  it('a read-only ext4 (fs error with the file open): records are accepted and held; closing logs each one in full and rejects done', async () => {
    const m = mountExt4(8 << 20);
    cleanups.push(m.cleanup);
    const { logger, lines } = memoryLogger();
    const store = await AlertStore.open({ dataDir: m.dir, site: 'ro', reserveBytes: 64 * 1024, retryInitialMs: 20, retryMaxMs: 50, logger });
    for (let i = 1; i <= 5; i++) await store.append(draft(i));
    m.makeReadOnly();
    const qs = range(6, 15).map((i) => store.enqueue(draft(i)));
    const accepted = await Promise.all(qs.map((q) => q.accepted));
    expect(accepted.map((a) => a.seq)).toEqual(range(6, 15));
    await until(() => store.writeFailures >= 2, 2000, 'a retry');
    expect(store.storageState()).toMatchObject({ ok: false, code: 'EROFS', heldRecords: 10 });
    const rejected = qs.map((q) => q.done.then(() => 'stored', (e: Error) => e.message));
    await store.close();
    for (const r of await Promise.all(rejected)) expect(r).toMatch(/seq 6-15\) were sent but never stored/);
    const logged = lines.filter((l) => l.msg === 'alert record not stored (storage failed until shutdown)').map((l) => (l.record as Alert).seq);
    expect(logged).toEqual(range(6, 15));
    expect(fileSeqs(store.file)).toEqual(range(1, 5));
  });
});
