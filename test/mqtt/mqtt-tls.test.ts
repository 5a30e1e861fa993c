// MqttPublisher over TLS with a username/password file against a real mosquitto: alerts from the store arrive in seq order; bad credentials are refused.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { mqttSettings } from '../../src/mqtt/mqtt-config.js';
import { MqttPublisher } from '../../src/mqtt/mqtt-publisher.js';
import type { Alert } from '../../src/server/protocol.js';
import { tempDir } from '../daemon/helpers.js';
import { freePort, MOSQUITTO, MOSQUITTO_MISSING, sleep } from '../hub/broker.js';
import { describeNeeding } from '../helpers.js';

const tools = ['openssl', 'mosquitto_passwd'].every((t) => {
  try {
    execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
});
const tmp = tempDir('qb-mqtt-tls-');
let broker: ChildProcess | null = null;
afterAll(() => {
  if (broker !== null && broker.exitCode === null) broker.kill('SIGKILL');
  tmp.cleanup();
});



async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`mosquitto did not listen on ${port}`);
}

describeNeeding(MOSQUITTO_MISSING ?? (tools ? null : 'openssl or mosquitto_passwd not found: apt-get install openssl mosquitto'), 'MQTT over TLS with credentials', () => {
  it('publishes the stored alerts in seq order at QoS 1 to an mqtts:// broker that requires a password; a wrong password is refused', async () => {
    const d = tmp.dir;
    const sh = (cmd: string): void => void execFileSync('sh', ['-c', cmd], { cwd: d, stdio: 'pipe' });
    sh('openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=qb-test-ca');
    sh('openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1');
    writeFileSync(join(d, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    sh('openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf');
    sh('mosquitto_passwd -b -c passwd hall-t s3cret');
    writeFileSync(join(d, 'pw.txt'), 's3cret\n');
    const port = await freePort();
    writeFileSync(
      join(d, 'm.conf'),
      [`listener ${port} 127.0.0.1`, `cafile ${d}/ca.pem`, `certfile ${d}/server.pem`, `keyfile ${d}/server.key`, 'allow_anonymous false', `password_file ${d}/passwd`, `user ${userInfo().username}`, 'log_dest none', ''].join('\n'),
    );
    broker = spawn(MOSQUITTO!, ['-c', join(d, 'm.conf')], { stdio: 'ignore' });
    await waitPort(port);
    const url = `mqtts://127.0.0.1:${port}`;

    // a consumer with the right credentials; one with a wrong password is refused
    const sub = await mqtt.connectAsync(url, { ca: readFileSync(join(d, 'ca.pem')), username: 'hall-t', password: 's3cret', reconnectPeriod: 0 });
    const got: Alert[] = [];
    sub.on('message', (_t, p) => got.push(JSON.parse(p.toString()) as Alert));
    await sub.subscribeAsync('qb/hall-t/alert', { qos: 1 });
    await expect(mqtt.connectAsync(url, { ca: readFileSync(join(d, 'ca.pem')), username: 'hall-t', password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad username or password/i);

    const dataDir = join(d, 'data');
    const store = await AlertStore.open({ dataDir, site: 'hall-t' });
    const bus = new EventEmitter();
    const base = { sensor: 'room-1', kind: 'transmission', state: 'new', severity: 'high' } as const;
    await store.append({ ...base, alertId: 'hall-t-1', event: 'open', time: new Date().toISOString(), centerHz: 433_950_000 });
    const settings = mqttSettings({ url, username: 'hall-t', passwordFile: join(d, 'pw.txt'), ca: join(d, 'ca.pem'), topicPrefix: 'qb', heartbeatMs: 200, healthEveryMs: 200, reconnectMs: 200 }, d);
    const pub = new MqttPublisher({ settings, site: 'hall-t', dataDir, store, bus, log: pino({ level: 'silent' }) });
    pub.start(() => []);
    for (const event of ['update', 'close'] as const) {
      const rec = await store.append({ ...base, alertId: 'hall-t-1', event, time: new Date().toISOString() });
      bus.emit('alert', rec);
    }
    for (let i = 0; i < 100 && got.length < 3; i++) await sleep(50);
    expect(got.map((a) => [a.seq, a.event, a.site])).toEqual([[1, 'open', 'hall-t'], [2, 'update', 'hall-t'], [3, 'close', 'hall-t']]);
    expect(pub.connected).toBe(true);
    await pub.stop();
    expect(pub.publishedSeq).toBe(3);
    expect(JSON.parse(readFileSync(join(dataDir, 'mqtt-state.json'), 'utf8')).publishedSeq).toBe(3);
    await store.close();
    await sub.endAsync();
  }, 30_000);
});
