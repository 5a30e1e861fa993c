// Two `quietband run` sites publish to a real mosquitto; `quietband hub` shows both; broker stopped mid-run → every alert still arrives once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import type { HubSiteState } from '../../src/hub/hub.js';
import { buildOnce, Client, killAll, readStore, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';
import { freePort, MOSQUITTO, MOSQUITTO_MISSING, sleep } from '../hub/broker.js';
import { describeNeeding } from '../helpers.js';

const tmp = tempDir('qb-mqtt-');
let broker: ChildProcess | null = null;
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  if (broker !== null && broker.exitCode === null) broker.kill('SIGKILL');
  tmp.cleanup();
});


async function waitPort(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`mosquitto did not listen on ${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}


/**
 * Starts mosquitto on a loopback port with sessions persisted in the config's folder, so the hub's subscription and the
 * messages queued for it survive the broker's restart (`user` = us: as root, mosquitto would otherwise drop to the
 * `mosquitto` user and fail to write the database into our private temp dir).
 */
async function startBroker(conf: string, port: number): Promise<ChildProcess> {
  const b = spawn(MOSQUITTO!, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  b.stderr!.on('data', () => undefined);
  b.stdout!.on('data', () => undefined);
  await waitPort(port, 5000);
  return b;
}

async function stopBroker(b: ChildProcess): Promise<void> {
  const exited = new Promise((r) => b.once('exit', r));
  b.kill('SIGTERM');
  await exited;
}

async function sitesOf(hubUrl: string): Promise<HubSiteState[]> {
  return (await (await fetch(`${hubUrl}sites`)).json()) as HubSiteState[];
}

async function until<T>(pick: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await pick();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

describeNeeding(MOSQUITTO_MISSING, 'MQTT publishing and the hub', () => {
  it('relays both sites; alerts raised while the broker is down arrive after its restart, in order, each once; stopped sites go offline', async () => {
    const port = await freePort();
    const brokerDir = join(tmp.dir, 'broker');
    mkdirSync(brokerDir);
    const conf = join(brokerDir, 'mosquitto.conf');
    writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${brokerDir}/`, `user ${userInfo().username}`, 'log_dest none', ''].join('\n'));
    broker = await startBroker(conf, port);
    const url = `mqtt://127.0.0.1:${port}`;
    const hub = await startDaemon(['hub', '--mqtt', url, '--topic-prefix', 'qbtest', '--http-port', '0', '--data-dir', join(tmp.dir, 'hub'), '--offline-after-ms', '1500', '--client-id', `qb-hub-test-${process.pid}`]);
    expect(hub.stdout()).toContain(`(broker mqtt://127.0.0.1:${port}`);
    const hc = await Client.open(hub.wsUrl);
    await hc.waitFor(() => hc.hello, 5000, 'hub hello');
    expect(hc.hello!.site).toBe('hub');

    const mqttCfg = { url, topicPrefix: 'qbtest', heartbeatMs: 300, healthEveryMs: 500, reconnectMs: 300 };
    // the two sites start side by side (each daemon's start-up is its own process's CPU, not a wait on the other)
    const daemons = await Promise.all(
      ['site-a', 'site-b'].map(async (name, i) => {
        // a 0.4 s tone every 3 s (first at 2 s, after warm-up 1.5 s + settle)
        const cfg = writeConfig(tmp.dir, `${name}.json`, { site: name, warmupS: 1.5, calibrationDir: join(tmp.dir, 'cal'), mqtt: mqttCfg, sensors: [simSensor('room-1', [{ offsetHz: 40_000 + 20_000 * i, startS: 2, durationS: 0.4 }], 3, 5 + i)] });
        return { name, dataDir: join(tmp.dir, `data-${name}`), d: await startDaemon(['run', '--config', cfg, '--data-dir', join(tmp.dir, `data-${name}`), '--http-port', '0']) };
      }),
    );
    const hubAlerts = (site: string): (Alert & { siteSeq?: number })[] => hc.alerts().map((x) => x.a as Alert & { siteSeq?: number }).filter((a) => a.site === site && a.kind !== 'site-offline');
    // both sites' tone alerts reach the hub's WebSocket, with their site
    for (const { name } of daemons) await hc.waitFor(() => hubAlerts(name).some((a) => a.kind === 'transmission' && a.event === 'open'), 15_000, `a transmission alert of ${name} at the hub`);
    const st = await until(async () => {
      const s = await sitesOf(hub.url);
      return s.length === 2 && s.every((x) => x.heartbeatAgeMs !== null && x.heartbeatAgeMs < 1000 && x.sensors.length === 1) ? s : undefined;
    }, 5000, 'both sites with a fresh heartbeat and health');
    expect(st.map((x) => x.site)).toEqual(['site-a', 'site-b']);
    expect(st.every((x) => !x.offline)).toBe(true);
    expect(st[0]!.sensors[0]!.configuredRateSps).toBe(250_000);
    await hc.waitFor(() => hc.status('site-a/room-1'), 3000, 'site-a/room-1 in the hub status');
    expect(hc.status('site-a/room-1')!.message).toMatch(/heartbeat \d+\.\d s ago/);

    // broker down: the sites keep detecting and storing
    await stopBroker(broker);
    const before = Object.fromEntries(daemons.map(({ name, dataDir }) => [name, readStore(dataDir).alerts.length]));
    const downAtMs = Date.now();
    await sleep(4000);
    for (const { name, dataDir } of daemons) expect(readStore(dataDir).alerts.length, `${name} stored alerts while the broker was down`).toBeGreaterThan(before[name]! + 1);
    broker = await startBroker(conf, port);
    console.log(`broker down for ${Date.now() - downAtMs} ms`);
    const upAtMs = Date.now();
    // the backlog arrives: the hub catches up with what each store held when the broker came back
    const target = Object.fromEntries(daemons.map(({ name, dataDir }) => [name, readStore(dataDir).alerts.length]));
    await until(async () => (await sitesOf(hub.url)).every((s) => s.lastSiteSeq >= target[s.site]!), 10_000, 'the hub catching up after the broker restart');
    console.log(`backlog delivered ${Date.now() - upAtMs} ms after the broker restart`);

    // the hub lost the broker too: that is not a site outage
    expect(hc.alerts().filter((x) => x.a.kind === 'site-offline')).toEqual([]);
    // stop the sites (the publisher sends what is left); the hub ends with exactly every stored record, once, in order
    for (const { d } of daemons) d.child.kill('SIGTERM');
    for (const { d } of daemons) expect(await d.exited).toEqual({ code: 0, signal: null });
    for (const { name, dataDir } of daemons) {
      const stored = readStore(dataDir).alerts;
      await hc.waitFor(() => hubAlerts(name).length >= stored.length, 5000, `all ${stored.length} records of ${name} at the hub`).catch(async (err: unknown) => {
        console.log(JSON.stringify({ stored: stored.map((a) => [a.seq, a.kind, a.event]), hub: hubAlerts(name).map((a) => a.siteSeq), sites: await sitesOf(hub.url), state: readFileSync(join(dataDir, 'mqtt-state.json'), 'utf8') }));
        console.log(daemons.find((x) => x.name === name)!.d.stderr().split('\n').filter((l) => /mqtt|MQTT/.test(l)).join('\n'));
        throw err;
      });
      const got = hubAlerts(name);
      expect(got.map((a) => a.siteSeq)).toEqual(stored.map((a) => a.seq)); // each once, in seq order, no gap
      for (const [k, a] of got.entries()) {
        const { seq: _h, siteSeq: _s, ...rest } = a;
        const { seq: _o, ...want } = stored[k]!;
        expect(rest).toEqual(want);
      }
      const state = JSON.parse(readFileSync(join(dataDir, 'mqtt-state.json'), 'utf8')) as { publishedSeq: number };
      expect(state.publishedSeq).toBe(stored.at(-1)!.seq);
      console.log(`${name}: ${stored.length} records relayed once each`);
    }
    const hubSeqs = hc.alerts().map((x) => x.a.seq);
    expect(hubSeqs).toEqual(hubSeqs.map((_, i) => i + 1));
    const finalSites = await sitesOf(hub.url);
    for (const s of finalSites) expect(s.gapSeqs).toBe(0);
    console.log(`duplicates dropped by the hub: ${finalSites.map((s) => `${s.site}=${s.duplicates}`).join(', ')}`);

    // heartbeats stopped → one site-offline alert per site
    const offline = await hc.waitFor(() => {
      const o = hc.alerts().filter((x) => x.a.kind === 'site-offline' && x.a.event === 'open');
      return o.length >= 2 ? o : undefined;
    }, 5000, 'site-offline alerts for both sites');
    expect(offline.map((x) => x.a.site).sort()).toEqual(['site-a', 'site-b']);
    expect(offline.every((x) => x.a.severity === 'high' && x.a.state === 'new')).toBe(true);
    expect((await sitesOf(hub.url)).every((s) => s.offline)).toBe(true);
    // the hub's /metrics agree
    const hm = await (await fetch(`${hub.url}metrics`)).text();
    for (const { name, dataDir } of daemons) {
      const n = readStore(dataDir).alerts.length;
      expect(hm).toContain(`quietband_hub_site_alerts_received{site="${name}"} ${n}\n`);
      expect(hm).toContain(`quietband_hub_site_last_seq{site="${name}"} ${n}\n`);
      expect(hm).toMatch(new RegExp(`quietband_hub_site_duplicates\\{site="${name}"\\} \\d+\\n`)); // redeliveries are allowed, dropped
      expect(hm).toContain(`quietband_hub_site_gap_seqs{site="${name}"} 0\n`);
      expect(hm).toContain(`quietband_hub_site_offline{site="${name}"} 1\n`);
    }
    expect(hm).toContain('quietband_hub_broker_connected 1\n');
    expect(hm).toContain('quietband_hub_ws_clients 1\n');
    // the duty room acknowledges at the hub: a hub-side ack record, sent to every hub client
    const target1 = hubAlerts('site-b').find((a) => a.kind === 'transmission')!;
    hc.ws.send(JSON.stringify({ v: 1, type: 'ack', alertId: target1.alertId, by: 'duty-officer' }));
    const ack = await hc.waitFor(() => hc.alerts().find((x) => x.a.event === 'ack')?.a, 3000, 'the hub ack record');
    expect(ack).toMatchObject({ alertId: target1.alertId, site: 'site-b', state: 'acknowledged', ackBy: 'duty-officer (local@127.0.0.1)', seq: hubSeqs.length + 3 });

    hc.close();
    hub.child.kill('SIGTERM');
    expect(await hub.exited).toEqual({ code: 0, signal: null });
    await stopBroker(broker);
  }, 90_000);
});
