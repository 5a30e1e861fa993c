// Test helper: a mosquitto broker on a free loopback port (no persistence), crafted site messages, polling.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Alert } from '../../src/server/protocol.js';

/** Debian's mosquitto binary, if installed. */
export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p));
/** Null when mosquitto is installed; else what to install (for {@link describeNeeding}). */
export const MOSQUITTO_MISSING: string | null =
  MOSQUITTO === undefined ? 'mosquitto not found in /usr/sbin or /usr/bin: apt-get install mosquitto' : null;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((r, j) => {
    const s = createServer();
    s.once('error', j);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

/** Starts mosquitto on a free loopback port (config in `dir`); resolves once it accepts connections. */
export async function startBroker(dir: string): Promise<{ url: string; proc: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const conf = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nlog_dest none\n`);
  const proc = spawn(MOSQUITTO!, ['-c', conf], { stdio: 'ignore' });
  for (let ok = false; !ok; ) {
    ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (!ok) await sleep(50);
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    proc,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `pick()` every 20 ms until it returns a value; rejects after `timeoutMs` naming `what`. */
export async function until<T>(pick: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await pick();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A site's alert record as its publisher sends it (`<prefix>/<site>/alert`). */
export function siteAlert(site: string, seq: number, extra: Partial<Alert> = {}): Alert {
  const t = new Date(Date.now() - 60_000 + seq * 1000).toISOString();
  return { seq, alertId: `${site}-${seq}`, site, sensor: 'room-1', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: t, startTime: t, centerHz: 433_000_000 + seq * 100_000, ...extra };
}

/** Publishes alert records of `site` at QoS 1 (each waits for the broker's PUBACK). */
export async function publishAlerts(pub: MqttClient, prefix: string, site: string, records: Alert[]): Promise<void> {
  for (const a of records) await pub.publishAsync(`${prefix}/${site}/alert`, JSON.stringify(a), { qos: 1 });
}

/** Publishes one heartbeat of `site` (QoS 1) announcing `sensors` = [online, total]. */
export async function heartbeat(pub: MqttClient, prefix: string, site: string, heartbeatMs = 200, sensors: [number, number] = [1, 1]): Promise<void> {
  await pub.publishAsync(`${prefix}/${site}/heartbeat`, JSON.stringify({ v: 1, site, time: new Date().toISOString(), heartbeatMs, lastSeq: 0, publishedSeq: 0, sensorsOnline: sensors[0], sensorsTotal: sensors[1] }), { qos: 1 });
}
