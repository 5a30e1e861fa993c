// Hub history across restarts (real mosquitto on loopback): kept in hub-alerts.jsonl, redeliveries dropped, acks kept with who/when, reports.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { HUB_ALERTS_FILE, type HubAlert } from '../../src/hub/hub-log.js';
import { startHub, type HubOptions, type RunningHub } from '../../src/hub/hub.js';
import type { SessionListEntry } from '../../src/report/report-source.js';
import { buildOnce, Client, killAll, startDaemon, tempDir } from '../daemon/helpers.js';
import { heartbeat, MOSQUITTO_MISSING, publishAlerts, siteAlert, sleep, startBroker, until } from './broker.js';
import { describeNeeding } from '../helpers.js';

const tmp = tempDir('qb-hub-history-');
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  killAll();
  for (const s of stops) await s();
  tmp.cleanup();
});

/** The history file as written: one record per line. */
function fileRecords(dataDir: string): HubAlert[] {
  return readFileSync(join(dataDir, HUB_ALERTS_FILE), 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as HubAlert);
}

const key = (r: HubAlert): string => (r.siteSeq !== undefined ? `${r.site}#${r.siteSeq}` : `${r.event}:${r.alertId}`);

describeNeeding(MOSQUITTO_MISSING, 'hub history across restarts', () => {
  it('keeps every record and the ack (who/when) across a restart; redelivered and resent seqs are dropped; an open site-offline closes after it; reports from the history', async () => {
    const broker = await startBroker(tmp.dir);
    stops.push(broker.stop);
    const dataDir = join(tmp.dir, 'hub');
    const opts: HubOptions = { mqttUrl: broker.url, topicPrefix: 'h', port: 0, dataDir, clientId: `hist-${process.pid}`, offlineAfterMs: 600, checkEveryMs: 50, timeZone: 'Asia/Shanghai' };
    let hub: RunningHub = await startHub(opts);
    await until(() => hub.connected, 5000, 'hub connected');
    await sleep(200); // subscription acknowledged: from now on the broker queues for the hub's session
    const pub = await mqtt.connectAsync(broker.url, { clientId: `hist-pub-${process.pid}` });
    stops.push(() => pub.endAsync());
    const a = (seq: number): ReturnType<typeof siteAlert> => siteAlert('a', seq, { session: 'math-am' });
    const b = (seq: number): ReturnType<typeof siteAlert> => siteAlert('b', seq);
    await heartbeat(pub, 'h', 'c');
    await publishAlerts(pub, 'h', 'a', [1, 2, 3].map(a));
    await publishAlerts(pub, 'h', 'b', [1, 2].map(b));
    await until(() => hub.log.size === 5, 3000, '5 records at the hub');

    // the duty room acknowledges a-2 at the hub (WebSocket, as the UI does)
    const c1 = await Client.open(`${hub.url.replace(/^http/, 'ws')}ws`);
    const ackSentMs = Date.now();
    c1.ws.send(JSON.stringify({ v: 1, type: 'ack', alertId: 'a-2', by: 'duty-officer' }));
    const ack = await c1.waitFor(() => c1.alerts().find((x) => x.a.event === 'ack')?.a, 3000, 'the ack record');
    c1.close();
    // site c stops sending heartbeats → site-offline (hub-side record)
    const off = await until(() => hub.log.all().find((r) => r.kind === 'site-offline' && r.site === 'c'), 3000, 'site-offline of c');
    await hub.close();
    const before = fileRecords(dataDir);
    expect(before.map(key)).toEqual(['a#1', 'a#2', 'a#3', 'b#1', 'b#2', 'ack:a-2', `open:${off.alertId}`]);
    expect(before.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    // hub down: site a stores 4, 5 and (its publisher's state lost) resends 2, 3; b resends 1, 2 — the broker queues them
    await publishAlerts(pub, 'h', 'a', [2, 3, 4, 5].map(a));
    await publishAlerts(pub, 'h', 'b', [1, 2].map(b));

    const restartMs = Date.now();
    hub = await startHub(opts);
    stops.push(() => hub.close());
    const restored = hub.sites();
    expect(restored.map((s) => [s.site, s.lastSiteSeq, s.alertsReceived, s.offline])).toEqual([['a', 3, 3, false], ['b', 2, 2, false], ['c', 0, 0, true]]);
    expect(hub.log.lastSeq).toBe(7);
    await until(() => hub.sites().find((s) => s.site === 'a')?.lastSiteSeq === 5, 5000, 'a#5 after the restart');
    await heartbeat(pub, 'h', 'c');
    await until(() => hub.log.all().find((r) => r.alertId === off.alertId && r.event === 'close'), 3000, 'site-offline of c closed by its heartbeat');
    // a and b were heard of before the restart but say nothing since: offline after 600 ms of the hub's new run
    const silent = await until(() => {
      const o = hub.log.all().filter((r) => r.kind === 'site-offline' && r.event === 'open' && r.seq > 7 && r.site !== 'c');
      return o.length === 2 ? o : undefined;
    }, 3000, 'site-offline of a and b');
    expect(silent.map((r) => r.site).sort()).toEqual(['a', 'b']);
    for (const r of silent) {
      expect(r.message).toMatch(/^no heartbeat for \d+\.\d s since the hub started$/);
      expect(r.messageCode?.id).toBe('site.silentSinceStart'); // the page words it in its language
      expect(Date.parse(r.time) - restartMs).toBeGreaterThanOrEqual(550);
    }
    await hub.log.drain();

    const after = fileRecords(dataDir);
    const sitePart = after.filter((r) => r.kind !== 'site-offline');
    expect(sitePart.map(key)).toEqual(['a#1', 'a#2', 'a#3', 'b#1', 'b#2', 'ack:a-2', 'a#4', 'a#5']); // each seq once
    expect(after.map((r) => r.seq)).toEqual(after.map((_, i) => i + 1)); // hub seqs continue, no gap
    expect(hub.log.all().map(key)).toEqual(after.map(key)); // memory = file
    const st = Object.fromEntries(hub.sites().map((s) => [s.site, s]));
    expect([st.a!.alertsReceived, st.a!.duplicates, st.a!.gapSeqs]).toEqual([5, 2, 0]);
    expect([st.b!.alertsReceived, st.b!.duplicates, st.b!.gapSeqs]).toEqual([2, 2, 0]);
    console.log(`after the restart: a dropped ${st.a!.duplicates}, b dropped ${st.b!.duplicates} resent seqs`);
    // the hub ack survived with who and when
    const storedAck = after.find((r) => r.event === 'ack')!;
    expect(storedAck).toMatchObject({ alertId: 'a-2', site: 'a', state: 'acknowledged', ackBy: 'duty-officer (local@127.0.0.1)', seq: 6, time: ack.time });
    expect(storedAck.siteSeq).toBeUndefined();
    expect(Date.parse(storedAck.time) - ackSentMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(storedAck.time) - ackSentMs).toBeLessThan(3000);

    // a UI that connects now replays the whole history, in order
    const c2 = await Client.open(`${hub.url.replace(/^http/, 'ws')}ws`);
    await c2.waitFor(() => c2.alerts().length >= after.length, 3000, 'the replay');
    // (a record may arrive live after the replay on a loaded machine, e.g. a stopped site going offline: it follows in order)
    const seqs = c2.alerts().map((x) => x.a.seq);
    expect(seqs.slice(0, after.length)).toEqual(after.map((r) => r.seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(c2.alerts().find((x) => x.a.alertId === 'a-2' && x.a.event === 'ack')?.a.ackBy).toBe('duty-officer (local@127.0.0.1)');
    c2.close();

    // session reports from the hub's history: site a's session, with the hub ack
    const sessions = ((await (await fetch(`${hub.url}sessions`)).json()) as { sessions: SessionListEntry[] }).sessions;
    expect(sessions.map((s) => [s.site, s.name, s.alerts, s.configured])).toEqual([['a', 'math-am', 5, false]]);
    const rep = await fetch(`${hub.url}report?session=math-am`);
    expect(rep.status).toBe(200);
    expect(rep.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await rep.text();
    expect(html).toContain('<b id="site">a</b>');
    for (const s of [1, 2, 3, 4, 5]) {
      expect(html).toContain(`data-alert-id="a-${s}"`);
      expect(html).toContain(`${(433 + s * 0.1).toFixed(4)} MHz`);
    }
    expect(html).not.toContain('data-alert-id="b-');
    expect(html).toContain('acknowledged by <b>duty-officer (local@127.0.0.1)</b>');
    expect(html).toContain('5 transmission alerts, 5 high severity; 1 acknowledged, 0 marked known, 4 not acknowledged');
    expect(readFileSync(join(dataDir, 'reports', 'a-math-am.html'), 'utf8')).toBe(html); // kept for the record
    const nope = await fetch(`${hub.url}report?session=nope`);
    expect([nope.status, await nope.text()]).toEqual([404, 'session "nope": no alert relayed to the hub carries it\n']);
    // in the request's language, as the page that asked reads it (was English on a Chinese page)
    const nopeZh = await fetch(`${hub.url}report?session=nope&lang=zh-CN`);
    expect([nopeZh.status, await nopeZh.text()]).toEqual([404, '考试场次“nope”：转发到中心的告警中没有属于该场次的\n']);
    expect((await fetch(`${hub.url}report`)).status).toBe(400);
    await hub.close();
  }, 30_000);
});

describeNeeding(MOSQUITTO_MISSING, '`quietband hub` killed while alerts stream in', () => {
  it('SIGKILL mid-stream, restart: every one of 300 site seqs stored exactly once (PUBACK only after the write)', async () => {
    buildOnce();
    const broker = await startBroker(tmp.dir);
    stops.push(broker.stop);
    const dataDir = join(tmp.dir, 'hub-cli');
    const args = ['hub', '--mqtt', broker.url, '--topic-prefix', 'k', '--http-port', '0', '--data-dir', dataDir, '--client-id', `kill-${process.pid}`];
    let hub = await startDaemon(args);
    const metric = async (url: string): Promise<boolean> => (await (await fetch(`${url}metrics`)).text()).includes('quietband_hub_broker_connected 1');
    await until(() => metric(hub.url), 5000, 'hub connected');
    await sleep(300);
    const pub = await mqtt.connectAsync(broker.url, { clientId: `kill-pub-${process.pid}` });
    stops.push(() => pub.endAsync());
    const N = 300;
    const sending = publishAlerts(pub, 'k', 'k1', Array.from({ length: N }, (_, i) => siteAlert('k1', i + 1)));
    const lastSeq = async (url: string): Promise<number> => ((await (await fetch(`${url}sites`)).json()) as { lastSiteSeq: number }[])[0]?.lastSiteSeq ?? 0;
    const atKill = await until(async () => {
      const n = await lastSeq(hub.url);
      return n >= 60 ? n : undefined;
    }, 10_000, '60 alerts at the hub');
    hub.child.kill('SIGKILL');
    await hub.exited;
    const storedAtKill = fileRecords(dataDir).length;
    await sending;
    hub = await startDaemon(args);
    await until(async () => (await lastSeq(hub.url)) === N, 20_000, `site seq ${N} after the restart`);
    const sites = (await (await fetch(`${hub.url}sites`)).json()) as { duplicates: number; gapSeqs: number }[];
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toEqual({ code: 0, signal: null });
    const recs = fileRecords(dataDir);
    console.log(`killed at site seq ${atKill} (${storedAtKill} stored); after the restart ${sites[0]!.duplicates} redelivered seq(s) dropped, ${sites[0]!.gapSeqs} gap seq(s)`);
    expect(recs.map((r) => r.siteSeq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(sites[0]!.gapSeqs).toBe(0);
  }, 90_000);
});

it('an --http-port in use is refused before the hub writes its history or lock into the data dir (no broker needed: refused before connecting)', async () => {
  // before: hub-alerts.jsonl was created, then listen failed
  const held = createServer();
  await new Promise<void>((resolve) => held.listen({ port: 0, host: '127.0.0.1' }, () => resolve()));
  const port = (held.address() as AddressInfo).port;
  const dataDir = join(tmp.dir, 'hub-port-held');
  mkdirSync(dataDir);
  try {
    await expect(startHub({ mqttUrl: 'mqtt://127.0.0.1:1', port, dataDir })).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining(`server: port ${port} on 127.0.0.1 is already in use`) });
    expect(readdirSync(dataDir)).toEqual([]);
  } finally {
    await new Promise<void>((resolve) => held.close(() => resolve()));
  }
});
