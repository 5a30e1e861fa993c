// Shared parts of the daemon storage-fault tests: set-up, a site with frequent alerts, /healthz and /metrics reads.
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import { buildOnce, Client, killAll, simSensor, tempDir, writeConfig, type Daemon } from './helpers.js';

/**
 * Per-file set-up of a daemon storage-fault test: builds once, gives a temp dir and a list of cleanups (unmounts) run
 * after every daemon was killed.
 */
export function storageTestSetup(prefix: string): { dir: string; onCleanup: (f: () => void) => void } {
  const tmp = tempDir(prefix);
  const cleanups: (() => void)[] = [];
  beforeAll(() => buildOnce());
  afterAll(() => {
    killAll();
    while (cleanups.length) cleanups.pop()!();
    tmp.cleanup();
  });
  return { dir: tmp.dir, onCleanup: (f) => cleanups.push(f) };
}

/** A site config in `dir`: three 0.3 s tones per 4 s cycle (after the 1 s warm-up), about 1.5 alert records a second. */
export function frequentAlertSite(dir: string, name: string, evidence: Record<string, unknown>): string {
  const tones = [2.0, 2.8, 3.4].map((startS, i) => ({ offsetHz: 40_000 + i * 30_000, startS, durationS: 0.3 }));
  return writeConfig(dir, `${name}.json`, { site: name, warmupS: 1, calibrationDir: join(dir, 'cal'), sensors: [simSensor('room-1', tones, 4)], evidence });
}

/** GET /healthz: status and body. */
export async function healthz(d: Daemon): Promise<{ status: number; body: { ok: boolean; problems: string[]; lastSeq: number } }> {
  const r = await fetch(d.url + 'healthz');
  return { status: r.status, body: (await r.json()) as { ok: boolean; problems: string[]; lastSeq: number } };
}

/** One value of GET /metrics (the first series of `name`). */
export async function metric(d: Daemon, name: string): Promise<number> {
  const text = await (await fetch(d.url + 'metrics')).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (m === null) throw new Error(`metric ${name} missing`);
  return Number(m[1]);
}

/** Transmission records a client received. */
export const transmissions = (c: Client): Alert[] => c.alerts().map((x) => x.a).filter((a) => a.kind === 'transmission');

/** The client's first storage-failed record with that event. */
export const storageFailed = (c: Client, event: 'open' | 'close'): Alert | undefined => c.alerts().map((x) => x.a).find((a) => a.kind === 'storage-failed' && a.event === event);

/** Asserts the seqs are 1..n, each once. */
export function expectContiguous(seqs: number[]): void {
  const sorted = [...seqs].sort((x, y) => x - y);
  expect(new Set(sorted).size).toBe(sorted.length);
  expect(sorted).toEqual(Array.from({ length: sorted.length }, (_, i) => i + 1));
}
