// Hub against a real mosquitto fed malformed site messages: it keeps running, keeps the well-formed parts, and its status broadcast survives.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { startHub } from '../../src/hub/hub.js';
import type { Alert, SensorHealth } from '../../src/server/protocol.js';
import { Client, tempDir } from '../daemon/helpers.js';
import { MOSQUITTO_MISSING, sleep, startBroker, until } from './broker.js';
import { describeNeeding } from '../helpers.js';

const tmp = tempDir('qb-hub-odd-');
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
  tmp.cleanup();
});

describeNeeding(MOSQUITTO_MISSING, 'hub: malformed site messages', () => {
  it('a health message with null/number sensors does not stop the hub; odd alerts are relayed or dropped, never fatal', async () => {
    const broker = await startBroker(tmp.dir);
    stops.push(broker.stop);
    const hub = await startHub({ mqttUrl: broker.url, topicPrefix: 'o', port: 0, dataDir: join(tmp.dir, 'hub'), clientId: `odd-${process.pid}`, checkEveryMs: 50 });
    stops.push(() => hub.close());
    await until(() => hub.connected, 5000, 'hub connected');
    await sleep(200);
    const pub = await mqtt.connectAsync(broker.url, { clientId: `odd-pub-${process.pid}` });
    stops.push(() => pub.endAsync());
    const good: SensorHealth = { sensor: 'hall-a', online: true, state: 'armed', centerHz: 433_920_000, configuredRateSps: 250_000, achievedRateSps: 250_000, droppedBlocks: 0, clipFraction: 0, overload: false, lastFrameAgeMs: 120 };
    await pub.publishAsync('o/w/health', JSON.stringify({ v: 1, site: 'w', time: new Date().toISOString(), sensors: [null, 5, 'x', [], { sensor: 7 }, good] }), { qos: 1 });
    await pub.publishAsync('o/w/heartbeat', JSON.stringify({ v: 1, heartbeatMs: 'x', lastSeq: 'y', sensorsOnline: null }), { qos: 1 });
    const t = new Date().toISOString();
    const base = { site: 'w', sensor: 'hall-a', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: t };
    const odd: Record<string, unknown>[] = [{ rooms: 'x' }, { alertId: 7 }, { event: 5, time: null }, { sensor: null, positionM: 'p' }, { seq: 'nine' }, { seq: -1 }];
    for (const [i, o] of odd.entries()) await pub.publishAsync('o/w/alert', JSON.stringify({ ...base, seq: i + 1, alertId: `w-${i + 1}`, ...o }), { qos: 1 });
    await pub.publishAsync('o/w/alert', 'not json', { qos: 1 });
    await pub.publishAsync('o/w/alert', '[1,2]', { qos: 1 });
    await until(() => hub.log.size === 4, 3000, '4 relayed records');

    // a status broadcast after it (every checkEveryMs) carries the one well-formed sensor
    const c = await Client.open(`${hub.url.replace(/^http/, 'ws')}ws`);
    stops.push(async () => c.close());
    const s0 = await c.waitFor(() => c.status('w/hall-a'), 3000, 'a status with w/hall-a');
    const status = [...c.messages].reverse().find((x) => x.m.type === 'status')!.m as { sensors: SensorHealth[] };
    expect(status.sensors.map((s) => [s.sensor, s.site, s.online])).toEqual([['w/hall-a', 'w', true]]);
    expect(s0.lastFrameAgeMs).toBeGreaterThanOrEqual(120);
    await sleep(300); // several more check cycles: still alive
    expect(hub.connected).toBe(true);
    const st = hub.sites();
    expect(st.map((s) => [s.site, s.lastSiteSeq, s.alertsReceived, s.offline])).toEqual([['w', 4, 4, false]]);
    expect(hub.log.all().map((r) => (r as Alert & { siteSeq: number }).siteSeq)).toEqual([1, 2, 3, 4]);
  }, 30_000);
});
