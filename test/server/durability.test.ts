// Durability: SIGKILL a daemon (fixture child) while it raises alerts; every alert a client received is in the store after restart, and seq continues.
//
// How the TS fixture runs: Node 20 cannot execute TypeScript, so beforeAll compiles test/fixtures/alert-daemon.ts (and the
// src/ files it imports) with the repo's own tsc into a temp dir, adds {"type":"module"} and a node_modules symlink to the
// repo's node_modules there, and runs the emitted JS with plain `node`. Nothing is written inside the repo; no extra package
// is needed; a type error in an unrelated src/ file does not matter (only the fixture's import graph is compiled).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '../../src/alerts/alert-store.js';
import type { Alert } from '../../src/server/protocol.js';
import { TestClient, tempDir } from './helpers.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const build = tempDir('qb-fixture-build-');
const dataTmp = tempDir('qb-durability-');
let fixtureJs = '';
const children: ChildProcess[] = [];

beforeAll(() => {
  const out = path.join(build.dir, 'out');
  const tsconfig = path.join(build.dir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: path.join(repo, 'tsconfig.json'),
      compilerOptions: { outDir: out, rootDir: repo, noEmit: false, sourceMap: false, typeRoots: [path.join(repo, 'node_modules/@types')] },
      include: [path.join(repo, 'test/fixtures/alert-daemon.ts')],
    }),
  );
  execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'pipe' });
  writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  symlinkSync(path.join(repo, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  fixtureJs = path.join(out, 'test/fixtures/alert-daemon.js');
  expect(existsSync(fixtureJs)).toBe(true);
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  build.cleanup();
  dataTmp.cleanup();
});

/** Starts the fixture on `dataDir`; resolves with its first stdout line. */
async function startDaemon(dataDir: string): Promise<{ child: ChildProcess; port: number; lastSeq: number }> {
  const child = spawn(process.execPath, [fixtureJs, dataDir, '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const rl = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fixture exited ${code}: ${stderr}`)));
  });
  const { port, lastSeq } = JSON.parse(line) as { port: number; lastSeq: number };
  return { child, port, lastSeq };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}

describe('durability across SIGKILL', () => {
  it('keeps every alert a client received, and continues seq at last stored + 1', async () => {
    const dataDir = dataTmp.dir;
    // --- run 1: receive some alerts, then SIGKILL mid-stream ---
    const d1 = await startDaemon(dataDir);
    expect(d1.lastSeq).toBe(0);
    const c1 = await TestClient.open(`ws://127.0.0.1:${d1.port}/ws`);
    c1.send({ v: 1, type: 'resume', sinceSeq: 0 });
    await c1.waitFor(() => c1.alerts.length >= 200 || undefined, 10_000, '200 alerts');
    d1.child.kill('SIGKILL');
    await killed(d1.child);
    expect(d1.child.signalCode).toBe('SIGKILL');
    await c1.waitClosed();
    const received = c1.alerts;
    expect(received.map((a) => a.seq)).toEqual(Array.from({ length: received.length }, (_, i) => i + 1));

    // --- the store after the crash: every received alert is there, identical ---
    const store = await AlertStore.open({ dataDir, site: 'hall-a' });
    const stored = new Map<number, Alert>();
    for await (const a of store.readSince(0)) stored.set(a.seq, a);
    const lastStored = store.lastSeq;
    await store.close();
    for (const a of received) expect(stored.get(a.seq), `seq ${a.seq}`).toEqual(a);
    expect(lastStored).toBeGreaterThanOrEqual(received.at(-1)!.seq);
    expect([...stored.keys()]).toEqual(Array.from({ length: lastStored }, (_, i) => i + 1));
    console.log(`durability: client received ${received.length}, store had ${lastStored} after SIGKILL (torn tail bytes dropped: ${store.truncatedBytes})`);

    // --- run 2 on the same data dir: seq continues ---
    const d2 = await startDaemon(dataDir);
    expect(d2.lastSeq).toBe(lastStored);
    const c2 = await TestClient.open(`ws://127.0.0.1:${d2.port}/ws`);
    c2.send({ v: 1, type: 'resume', sinceSeq: lastStored });
    await c2.waitFor(() => c2.alerts.length >= 20 || undefined, 10_000, '20 new alerts');
    const newSeqs = c2.alerts.map((a) => a.seq).slice(0, 20);
    expect(newSeqs).toEqual(Array.from({ length: 20 }, (_, i) => lastStored + 1 + i));
    expect(c2.alerts[0]!.alertId).toBe(`hall-a-${lastStored + 1}`);
    d2.child.kill('SIGKILL');
    await killed(d2.child);
    c2.ws.terminate();
  });
});
