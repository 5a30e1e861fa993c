// DNS rebinding against the real daemon on its default loopback bind: a page of attacker.example (Host and Origin
// attacker.example:PORT) can neither read nor mark alerts known; known-emitters.json stays untouched until a
// supervisor on the real name marks one, and that entry names who did it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Alert } from '../../src/server/protocol.js';
import { buildOnce, Client, killAll, readStore, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';

const tmp = tempDir('qb-rebind-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

/** Opens a WebSocket with these headers; resolves with the HTTP status of a refusal, or 101 when accepted (then sends `msg`). */
function attempt(url: string, headers: Record<string, string>, msg: unknown): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.send(JSON.stringify(msg));
      setTimeout(() => ws.terminate(), 300);
      resolve(101);
    });
    ws.on('error', () => resolve(0));
  });
}

describe('DNS rebinding against quietband run (loopback bind, no token)', () => {
  it('refuses Host attacker.example (421) and a foreign Origin (403): 0 state changes, known-emitters.json untouched', async () => {
    const dataDir = join(tmp.dir, 'data');
    const config = writeConfig(tmp.dir, 'site.json', { site: 'hall-r', warmupS: 1, calibrationDir: join(tmp.dir, 'cal'), evidence: { clips: false, pictures: false }, sensors: [simSensor('room-r', [{ offsetHz: 60_000, startS: 2.2, durationS: 0.4 }], 4)] });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/); // loopback: plain HTTP, no token
    const port = new URL(d.url).port;
    const watcher = await Client.open(d.wsUrl);
    const closed = (): Alert | undefined => watcher.alerts().map((x) => x.a).find((a) => a.kind === 'transmission' && a.event === 'close');
    for (let t = 0; t < 200 && closed() === undefined; t++) await new Promise((r) => setTimeout(r, 100));
    const target = closed()!;
    expect(target).toBeDefined();

    const evil = { Host: `attacker.example:${port}`, Origin: `http://attacker.example:${port}` };
    const statuses: number[] = [];
    for (const type of ['ack', 'known']) {
      statuses.push(await attempt(d.wsUrl, evil, { v: 1, type, alertId: target.alertId, by: 'attacker' }));
      statuses.push(await attempt(d.wsUrl, { Origin: evil.Origin }, { v: 1, type, alertId: target.alertId, by: 'attacker' }));
      statuses.push(await attempt(d.wsUrl, { Host: `localhost.attacker.example:${port}` }, { v: 1, type, alertId: target.alertId, by: 'attacker' }));
    }
    expect(statuses).toEqual([421, 403, 421, 421, 403, 421]);
    await new Promise((r) => setTimeout(r, 500));
    expect(readStore(dataDir).alerts.filter((a) => a.event === 'ack' || a.event === 'known')).toEqual([]);
    expect(existsSync(join(dataDir, 'known-emitters.json'))).toBe(false);
    expect(d.stderr()).toMatch(/"peer":"127\.0\.0\.1".*foreign Host refused \(421\)/);

    // the supervisor, on the real name, can: the entry records who acted
    watcher.ws.send(JSON.stringify({ v: 1, type: 'known', alertId: target.alertId, by: 'amy' }));
    for (let t = 0; t < 50 && !existsSync(join(dataDir, 'known-emitters.json')); t++) await new Promise((r) => setTimeout(r, 100));
    const file = JSON.parse(readFileSync(join(dataDir, 'known-emitters.json'), 'utf8')) as { emitters: { label: string }[] };
    expect(file.emitters).toHaveLength(1);
    expect(file.emitters[0]!.label).toContain('by amy (local@127.0.0.1)');
    watcher.ws.terminate();
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
