// Hub against a real mosquitto fed malformed site messages: it keeps running, refuses malformed alert records (counted,
// logged once per site and period, nothing stored), stores the valid ones after them, and its status broadcast survives.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { startHub, type HubOptions, type RunningHub } from '../../src/hub/hub.js';
import type { SensorHealth } from '../../src/server/protocol.js';
import { Client, tempDir } from '../daemon/helpers.js';
import { memoryLogger } from '../server/helpers.js';
import { MOSQUITTO_MISSING, siteAlert, sleep, startBroker, until } from './broker.js';
import { describeNeeding } from '../helpers.js';

const tmp = tempDir('qb-hub-odd-');
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
  tmp.cleanup();
});

/** A broker, a hub on it (topic prefix `name`, logging into `mem`) and a publisher, stopped after the file. */
async function hubAndPublisher(name: string, extra: Partial<HubOptions> = {}): Promise<{ hub: RunningHub; pub: mqtt.MqttClient; mem: ReturnType<typeof memoryLogger> }> {
  const broker = await startBroker(tmp.dir);
  stops.push(broker.stop);
  const mem = memoryLogger('info');
  const hub = await startHub({ mqttUrl: broker.url, topicPrefix: name, port: 0, dataDir: join(tmp.dir, `hub-${name}`), clientId: `${name}-${process.pid}`, logger: mem.logger, ...extra });
  stops.push(() => hub.close());
  await until(() => hub.connected, 5000, 'hub connected');
  await sleep(200);
  const pub = await mqtt.connectAsync(broker.url, { clientId: `${name}-pub-${process.pid}` });
  stops.push(() => pub.endAsync());
  return { hub, pub, mem };
}

describeNeeding(MOSQUITTO_MISSING, 'hub: malformed site messages', () => {
  it('a health message with null/number sensors does not stop the hub; malformed alerts are refused (counted, one log line), the valid ones after them stored and shown', async () => {
    const { hub, pub, mem } = await hubAndPublisher('o', { checkEveryMs: 50 });
    const good: SensorHealth = { sensor: 'hall-a', online: true, state: 'armed', centerHz: 433_920_000, configuredRateSps: 250_000, achievedRateSps: 250_000, droppedBlocks: 0, clipFraction: 0, overload: false, lastFrameAgeMs: 120 };
    await pub.publishAsync('o/w/health', JSON.stringify({ v: 1, site: 'w', time: new Date().toISOString(), sensors: [null, 5, 'x', [], { sensor: 7 }, good] }), { qos: 1 });
    await pub.publishAsync('o/w/heartbeat', JSON.stringify({ v: 1, heartbeatMs: 'x', lastSeq: 'y', sensorsOnline: null }), { qos: 1 });
    const t = new Date().toISOString();
    const base = { site: 'w', sensor: 'hall-a', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: t };
    const odd: Record<string, unknown>[] = [{ rooms: 'x' }, { alertId: 7 }, { event: 5, time: null }, { sensor: null, positionM: 'p' }, { seq: 'nine' }, { seq: -1 }];
    for (const [i, o] of odd.entries()) await pub.publishAsync('o/w/alert', JSON.stringify({ ...base, seq: i + 1, alertId: `w-${i + 1}`, ...o }), { qos: 1 });
    await pub.publishAsync('o/w/alert', 'not json', { qos: 1 });
    await pub.publishAsync('o/w/alert', '[1,2]', { qos: 1 });
    // a hostile signal (strings for numbers, HTML, a nested object, a non-finite number) and an oversized text
    const hostile = siteAlert('w', 7, { signal: { class: 'nfm', confidence: 0.9, reason: 'narrow FM' } });
    await pub.publishAsync('o/w/alert', JSON.stringify({ ...hostile, signal: { ...hostile.signal, snrDb: '<b>99</b>', evil: { a: { b: 1 } } } }), { qos: 1 });
    await pub.publishAsync('o/w/alert', JSON.stringify(hostile).replace('"confidence":0.9', '"confidence":1e999'), { qos: 1 });
    await pub.publishAsync('o/w/alert', JSON.stringify({ ...hostile, message: 'x'.repeat(5000) }), { qos: 1 });
    // the valid records right after them: stored and shown
    const valid = [siteAlert('w', 7, { bandLabel: 'ISM 433' }), siteAlert('w', 8)];
    for (const a of valid) await pub.publishAsync('o/w/alert', JSON.stringify(a), { qos: 1 });
    await until(() => hub.log.size === 2, 3000, '2 stored records');
    expect(hub.log.all().map((r) => [r.alertId, r.siteSeq, r.centerHz])).toEqual([['w-7', 7, 433_700_000], ['w-8', 8, 433_800_000]]);
    const refusedLines = mem.lines.filter((l) => l.msg === 'alert payload refused: nothing of it stored');
    expect(refusedLines.map((l) => [l.site, l.topic, l.field, l.expected])).toEqual([['w', 'o/w/alert', 'rooms', 'Invalid input: expected array, received string']]);
    expect(hub.sites()[0]!.refusedPayloads).toBe(11);
    expect(await (await fetch(`${hub.url}metrics`)).text()).toContain('quietband_hub_site_refused_payloads{site="w"} 11');

    // a status broadcast after it (every checkEveryMs) carries the one well-formed sensor
    const c = await Client.open(`${hub.url.replace(/^http/, 'ws')}ws`);
    stops.push(async () => c.close());
    const shown = await c.waitFor(() => (c.alerts().length === 2 ? c.alerts() : undefined), 3000, 'the 2 stored alerts on the page');
    expect(shown.map((x) => [x.a.alertId, x.a.bandLabel ?? null])).toEqual([['w-7', 'ISM 433'], ['w-8', null]]);
    const s0 = await c.waitFor(() => c.status('w/hall-a'), 3000, 'a status with w/hall-a');
    const status = [...c.messages].reverse().find((x) => x.m.type === 'status')!.m as { sensors: SensorHealth[] };
    expect(status.sensors.map((s) => [s.sensor, s.site, s.online])).toEqual([['w/hall-a', 'w', true]]);
    expect(s0.lastFrameAgeMs).toBeGreaterThanOrEqual(120);
    await sleep(300); // several more check cycles: still alive
    expect(hub.connected).toBe(true);
    const st = hub.sites();
    expect(st.map((s) => [s.site, s.lastSiteSeq, s.alertsReceived, s.offline])).toEqual([['w', 8, 2, false]]);
  }, 30_000);

  it('a flood of refused payloads logs one line per site and period (with the count since), counts every one, and loses no valid record among them', async () => {
    const { hub, pub, mem } = await hubAndPublisher('f', { refusalLogEveryMs: 1500 });
    const bad = (site: string, seq: number): string => JSON.stringify({ ...siteAlert(site, seq), centerHz: 'loud' });
    // 200 refused records of x with a valid one every 50, and 3 refused of y
    for (let i = 1; i <= 200; i++) await pub.publishAsync('f/x/alert', i % 50 === 0 ? JSON.stringify(siteAlert('x', i)) : bad('x', i), { qos: 1 });
    for (let i = 1; i <= 3; i++) await pub.publishAsync('f/y/alert', bad('y', i), { qos: 1 });
    await until(() => hub.sites().find((s) => s.site === 'y')?.refusedPayloads === 3, 5000, '3 refused of y');
    expect(hub.log.all().map((r) => `${r.site}#${r.siteSeq}`)).toEqual(['x#50', 'x#100', 'x#150', 'x#200']);
    const lines = (): Record<string, unknown>[] => mem.lines.filter((l) => l.msg === 'alert payload refused: nothing of it stored');
    expect(lines().map((l) => [l.site, l.field, l.refusedSinceLastLine, l.refusedTotal])).toEqual([['x', 'centerHz', 0, 1], ['y', 'centerHz', 0, 1]]);
    expect(hub.sites().map((s) => [s.site, s.refusedPayloads, s.alertsReceived])).toEqual([['x', 196, 4], ['y', 3, 0]]);
    // after the period the next refusal of x is logged with the 195 refused since the last line
    await sleep(1600);
    await pub.publishAsync('f/x/alert', bad('x', 201), { qos: 1 });
    await until(() => lines().length === 3, 3000, 'a second line for x');
    expect(lines()[2]).toMatchObject({ site: 'x', topic: 'f/x/alert', field: 'centerHz', expected: 'Invalid input: expected number, received string', refusedSinceLastLine: 195, refusedTotal: 197 });
  }, 30_000);
});
