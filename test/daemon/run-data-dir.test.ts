// `quietband run` and its data dir: one daemon per data dir (a second exits 2 naming the holder's pid and writes nothing),
// a stale lock is taken over, a data dir that is a file exits 2 saying so, files 0600 in a 0700 folder.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, Client, killAll, readStore, runCli, simSensor, startDaemon, tempDir, writeConfig } from './helpers.js';

const tmp = tempDir('qb-daemon-datadir-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

const mode = (p: string): number => statSync(p).mode & 0o777;

describe('quietband run: data dir lock, checks and modes', () => {
  it('a second daemon on a data dir in use exits 2 naming the holder pid and writes nothing (other port and same port); files 0600 in a 0700 dir', async () => {
    const dataDir = join(tmp.dir, 'data-a');
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    // a 3 s tone from 2 s of every 8 s cycle: an alert is open while the second daemon starts
    const config = writeConfig(tmp.dir, 'a.json', { site: 'hall-l', warmupS: 1, calibrationDir: join(tmp.dir, 'cal'), sensors: [simSensor('room-1', [{ offsetHz: 60_000, startS: 2, durationS: 3 }], 8)], evidence: { pictures: false } });
    const a = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const port = new URL(a.url).port;
    const c = await Client.open(a.wsUrl);
    await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'transmission' && x.a.event === 'open'), 20_000, 'an open transmission alert');
    expect(mode(dataDir)).toBe(0o700);
    const before = readStore(dataDir).text;

    for (const portArg of ['0', port]) {
      const b = runCli(['run', '--config', config, '--data-dir', dataDir, '--http-port', portArg]);
      expect(b.code).toBe(2);
      expect(b.stderr).toContain(`is in use by another QuietBand daemon (pid ${a.child.pid}`);
      expect(b.stdout).not.toContain('running at');
    }
    const after = readStore(dataDir);
    // nothing written by the refused daemons: no restart-close records, every seq once, the old text a prefix
    expect(after.text.startsWith(before)).toBe(true);
    expect(after.alerts.filter((r) => r.message?.startsWith('closed at daemon restart'))).toEqual([]);
    const seqs = after.alerts.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);

    // the clip of the first tone, then modes: 0700 dir, 0600 files
    const clipsDir = join(dataDir, 'clips');
    await c.waitFor(() => existsSync(clipsDir) && readdirSync(clipsDir).some((n) => n.endsWith('.sigmf-meta')), 15_000, 'an evidence clip');
    expect(mode(clipsDir)).toBe(0o700);
    for (const n of readdirSync(clipsDir)) expect([n, mode(join(clipsDir, n))]).toEqual([n, 0o600]);
    for (const n of ['alerts.jsonl', 'quietband.lock', 'alerts.reserve']) expect([n, mode(join(dataDir, n))]).toEqual([n, 0o600]);
    expect(JSON.parse(readFileSync(join(dataDir, 'quietband.lock'), 'utf8'))).toMatchObject({ pid: a.child.pid });
    c.close();
    a.child.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect(existsSync(join(dataDir, 'quietband.lock'))).toBe(false); // released on stop
  });

  it('a lock left by a daemon that no longer runs is taken over; a data dir that is a file exits 2 saying so', async () => {
    const dataDir = join(tmp.dir, 'data-stale');
    mkdirSync(dataDir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    writeFileSync(join(dataDir, 'quietband.lock'), JSON.stringify({ pid: deadPid, startTicks: '1', host: (await import('node:os')).hostname(), startedAt: '2026-01-01T00:00:00.000Z' }) + '\n');
    const config = writeConfig(tmp.dir, 'stale.json', { site: 'hall-s', warmupS: 1, calibrationDir: join(tmp.dir, 'cal'), sensors: [simSensor('room-1', [], 8)] });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    expect(d.stderr()).toContain('data dir lock left by a daemon that no longer runs');
    expect(JSON.parse(readFileSync(join(dataDir, 'quietband.lock'), 'utf8'))).toMatchObject({ pid: d.child.pid });
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);

    const file = join(tmp.dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = runCli(['run', '--config', config, '--data-dir', file, '--http-port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--data-dir: ${file} is a file, not a folder`);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  it('a --bind that is neither an IP address nor a host name (0.0.0.0.1) exits 2 naming the flag and what it expects, and writes nothing', () => {
    // before: 0.0.0.0.1 passed as a host name, the daemon wrote its token, TLS certificate and alert store, then listen failed
    for (const bind of ['0.0.0.0.1', '192.168.1', 'exam hall']) {
      const dataDir = join(tmp.dir, `bind-${bind.replace(/\W/g, '_')}`);
      mkdirSync(dataDir);
      const r = runCli(['run', '--demo', '--bind', bind, '--data-dir', dataDir, '--http-port', '0']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^quietband: demo: --bind: "${bind.replace(/\./g, '\\.')}" is neither an IP address nor a host name: expected an address of this machine \\(127\\.0\\.0\\.1, [^)]*\\), 0\\.0\\.0\\.0 or :: to listen on all, or a host name\\n$`));
      expect(readdirSync(dataDir)).toEqual([]);
    }
  });

  it('an --http-port in use exits 2 naming the flag and what to do, and writes nothing (no store, clip folders, token or TLS pair)', async () => {
    // before: alerts.jsonl, alerts.reserve, clips/ and clip-pictures/ (with --bind 0.0.0.0 also token, tls-cert.pem, tls-key.pem) were written, then listen failed
    const held = createServer();
    await new Promise<void>((resolve) => held.listen({ port: 0, host: '127.0.0.1' }, () => resolve()));
    const port = (held.address() as AddressInfo).port;
    try {
      for (const bind of ['127.0.0.1', '0.0.0.0']) {
        const dataDir = join(tmp.dir, `port-${bind}`);
        mkdirSync(dataDir);
        const r = runCli(['run', '--demo', '--bind', bind, '--data-dir', dataDir, '--http-port', String(port)]);
        expect([bind, r.code]).toEqual([bind, 2]);
        expect(r.stderr).toBe(`quietband: server: port ${port} on ${bind} is already in use: is another quietband running? Choose another with --http-port (0 picks a free one) or http.port in the site config.\n`);
        expect([bind, readdirSync(dataDir)]).toEqual([bind, []]);
      }
    } finally {
      await new Promise<void>((resolve) => held.close(() => resolve()));
    }
  });
});
