// Hub against a real mosquitto: a site whose alert store restarts its numbering is not dropped as duplicates; gap counts survive a hub restart; equal seqs of two sites never collide.
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import type { HubAlert } from '../../src/hub/hub-log.js';
import { startHub, type HubOptions, type RunningHub } from '../../src/hub/hub.js';
import type { Alert } from '../../src/server/protocol.js';
import { tempDir } from '../daemon/helpers.js';
import { MOSQUITTO_MISSING, publishAlerts, sleep, startBroker, until } from './broker.js';
import { describeNeeding } from '../helpers.js';

const tmp = tempDir('qb-hub-reset-');
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
  tmp.cleanup();
});

/** A site record as its store wrote it: `t0` fixes its time, so a re-sent record is the same bytes (as from a store). */
const rec = (site: string, seq: number, t0: number, extra: Partial<Alert> = {}): Alert => {
  const t = new Date(t0 + seq * 1000).toISOString();
  return { seq, alertId: `${site}-${seq}`, site, sensor: 'hall-a', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: t, startTime: t, centerHz: 433_920_000 + seq * 10_000, ...extra };
};

/** A site heartbeat announcing its highest stored seq. */
const beat = (pub: MqttClient, site: string, lastSeq: number): Promise<unknown> =>
  pub.publishAsync(`r/${site}/heartbeat`, JSON.stringify({ v: 1, site, time: new Date().toISOString(), heartbeatMs: 5000, lastSeq, publishedSeq: lastSeq, sensorsOnline: 1, sensorsTotal: 1 }), { qos: 1 });

const siteRecs = (hub: RunningHub, site: string): HubAlert[] => hub.log.all().filter((r) => r.site === site && r.siteSeq !== undefined);

describeNeeding(MOSQUITTO_MISSING, 'hub: restarted site stores, gaps, equal seqs of two sites', () => {
  it('keeps the records of a site whose store restarted at seq 1 (not dropped as duplicates until its seqs pass the old highest)', async () => {
    const broker = await startBroker(tmp.dir);
    stops.push(broker.stop);
    const opts: HubOptions = { mqttUrl: broker.url, topicPrefix: 'r', port: 0, dataDir: join(tmp.dir, 'hub'), clientId: `reset-${process.pid}`, offlineAfterMs: 60_000, checkEveryMs: 50 };
    let hub = await startHub(opts);
    await until(() => hub.connected, 5000, 'hub connected');
    await sleep(200);
    const pub = await mqtt.connectAsync(broker.url, { clientId: `reset-pub-${process.pid}` });
    stops.push(() => pub.endAsync());

    const old0 = Date.now() - 3_600_000;
    // two sites with the same seqs 1..6: each kept (dedup is per site)
    await publishAlerts(pub, 'r', 'east', [1, 2, 3, 4, 5, 6].map((s) => rec('east', s, old0)));
    await publishAlerts(pub, 'r', 'west', [1, 2, 3, 4, 5, 6].map((s) => rec('west', s, old0)));
    await beat(pub, 'east', 6);
    await until(() => hub.log.size === 12, 3000, '12 records');
    // re-sent records (same bytes) are dropped
    await publishAlerts(pub, 'r', 'east', [5, 6].map((s) => rec('east', s, old0)));
    await beat(pub, 'east', 6);

    // east's laptop is replaced: a new store numbers from 1 again; its first 3 records arrive, then a heartbeat (lastSeq 3)
    const new0 = Date.now() - 60_000;
    const fresh = [1, 2, 3, 4].map((s) => rec('east', s, new0, { sensor: 'hall-b' }));
    await publishAlerts(pub, 'r', 'east', fresh.slice(0, 3));
    await beat(pub, 'east', 3);
    await publishAlerts(pub, 'r', 'east', [fresh[3]!, fresh[1]!]); // then seq 4, and a re-send of the new seq 2: dropped
    await beat(pub, 'east', 4);
    await until(() => siteRecs(hub, 'east').length === 10, 3000, 'east: 6 old + 4 new records');
    await hub.log.drain();
    const east = siteRecs(hub, 'east');
    expect(east.map((r) => [r.siteSeq, r.siteEpoch ?? 0, r.alertId, r.sensor])).toEqual([
      [1, 0, 'east-1', 'hall-a'], [2, 0, 'east-2', 'hall-a'], [3, 0, 'east-3', 'hall-a'], [4, 0, 'east-4', 'hall-a'], [5, 0, 'east-5', 'hall-a'], [6, 0, 'east-6', 'hall-a'],
      [1, 1, 'east-1~1', 'hall-b'], [2, 1, 'east-2~1', 'hall-b'], [3, 1, 'east-3~1', 'hall-b'], [4, 1, 'east-4~1', 'hall-b'],
    ]);
    expect(east.slice(6).map((r) => r.time)).toEqual(fresh.map((r) => r.time));
    let st = Object.fromEntries(hub.sites().map((s) => [s.site, s]));
    expect([st.east!.lastSiteSeq, st.east!.alertsReceived, st.east!.duplicates, st.east!.gapSeqs, st.east!.storeResets]).toEqual([4, 10, 3, 0, 1]);
    expect([st.west!.lastSiteSeq, st.west!.alertsReceived, st.west!.duplicates, st.west!.storeResets]).toEqual([6, 6, 0, 0]);
    expect(siteRecs(hub, 'west').map((r) => r.alertId)).toEqual(['west-1', 'west-2', 'west-3', 'west-4', 'west-5', 'west-6']);
    const metrics = await (await fetch(`${hub.url}metrics`)).text();
    expect(metrics).toContain('quietband_hub_site_store_resets{site="east"} 1');

    // hub restart: the numbering epoch is rebuilt from the history; a re-send of new seq 4 is dropped, seq 5 is kept
    await hub.close();
    hub = await startHub(opts);
    stops.push(() => hub.close());
    await until(() => hub.connected, 5000, 'hub reconnected');
    st = Object.fromEntries(hub.sites().map((s) => [s.site, s]));
    expect([st.east!.lastSiteSeq, st.east!.alertsReceived, st.east!.storeResets]).toEqual([4, 10, 1]);
    await publishAlerts(pub, 'r', 'east', [fresh[3]!, rec('east', 5, new0, { sensor: 'hall-b' })]);
    await beat(pub, 'east', 5);
    await until(() => siteRecs(hub, 'east').length === 11, 3000, 'east new seq 5');
    await sleep(200);
    expect(siteRecs(hub, 'east').slice(-1).map((r) => [r.siteSeq, r.siteEpoch, r.alertId])).toEqual([[5, 1, 'east-5~1']]);
    expect(hub.sites().find((s) => s.site === 'east')!.storeResets).toBe(1);
  }, 30_000);

  it('a heartbeat announcing lastSeq 0 (or the highest) changes nothing; different records under old seqs stay dropped without one', async () => {
    const broker = await startBroker(tmp.dir);
    stops.push(broker.stop);
    const hub = await startHub({ mqttUrl: broker.url, topicPrefix: 'r', port: 0, dataDir: join(tmp.dir, 'hub2'), clientId: `reset2-${process.pid}`, offlineAfterMs: 60_000 });
    stops.push(() => hub.close());
    await until(() => hub.connected, 5000, 'hub connected');
    await sleep(200);
    const pub = await mqtt.connectAsync(broker.url, { clientId: `reset2-pub-${process.pid}` });
    stops.push(() => pub.endAsync());
    const t0 = Date.now() - 600_000;
    await publishAlerts(pub, 'r', 'north', [1, 2, 3].map((s) => rec('north', s, t0)));
    await beat(pub, 'north', 0);
    await publishAlerts(pub, 'r', 'north', [1, 2].map((s) => rec('north', s, t0 + 7)));
    await beat(pub, 'north', 3);
    await until(() => hub.sites()[0]?.duplicates === 2, 3000, '2 duplicates');
    await sleep(200);
    const st = hub.sites()[0]!;
    expect([st.lastSiteSeq, st.alertsReceived, st.duplicates, st.storeResets]).toEqual([3, 3, 2, 0]);
    expect(siteRecs(hub, 'north').map((r) => r.alertId)).toEqual(['north-1', 'north-2', 'north-3']);
  }, 30_000);

  it('gap seqs (lost messages) are still counted after a hub restart (not reset to 0)', async () => {
    const broker = await startBroker(tmp.dir);
    stops.push(broker.stop);
    const opts: HubOptions = { mqttUrl: broker.url, topicPrefix: 'r', port: 0, dataDir: join(tmp.dir, 'hub3'), clientId: `gap-${process.pid}`, offlineAfterMs: 60_000 };
    let hub = await startHub(opts);
    await until(() => hub.connected, 5000, 'hub connected');
    await sleep(200);
    const pub = await mqtt.connectAsync(broker.url, { clientId: `gap-pub-${process.pid}` });
    stops.push(() => pub.endAsync());
    const t0 = Date.now() - 600_000;
    await publishAlerts(pub, 'r', 'south', [1, 2, 5, 6, 9].map((s) => rec('south', s, t0)));
    await until(() => hub.sites()[0]?.lastSiteSeq === 9, 3000, 'seq 9');
    expect(hub.sites()[0]!.gapSeqs).toBe(4);
    await hub.close();
    hub = await startHub(opts);
    stops.push(() => hub.close());
    expect(hub.sites().map((s) => [s.site, s.lastSiteSeq, s.alertsReceived, s.gapSeqs])).toEqual([['south', 9, 5, 4]]);
  }, 30_000);
});
