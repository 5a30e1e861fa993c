// startHub against a real mosquitto fed crafted messages: duplicate seqs dropped, gaps counted, site-offline opened and closed by heartbeats.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { startHub } from '../../src/hub/hub.js';
import type { HubAlert } from '../../src/hub/hub-log.js';
import { tempDir } from '../daemon/helpers.js';
import { freePort, MOSQUITTO, MOSQUITTO_MISSING, sleep } from '../hub/broker.js';
import { describeNeeding } from '../helpers.js';

const tmp = tempDir('qb-hub-dedup-');
let broker: ChildProcess | null = null;
afterAll(() => {
  if (broker !== null && broker.exitCode === null) broker.kill('SIGKILL');
  tmp.cleanup();
});


async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describeNeeding(MOSQUITTO_MISSING, 'hub: dedup, gaps, site-offline', () => {
  it('keeps seq 1,2,5 of 1,2,2,1,5 (2 duplicates, 2 gap seqs); raises site-offline after 600 ms without heartbeat and closes it on the next', async () => {
    const port = await freePort();
    const conf = join(tmp.dir, 'm.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nlog_dest none\n`);
    broker = spawn(MOSQUITTO!, ['-c', conf], { stdio: 'ignore' });
    for (let ok = false; !ok; ) {
      ok = await new Promise<boolean>((r) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), r(true)));
        s.once('error', () => r(false));
      });
      if (!ok) await sleep(50);
    }
    const url = `mqtt://127.0.0.1:${port}`;
    const hub = await startHub({ mqttUrl: url, topicPrefix: 'p', port: 0, dataDir: join(tmp.dir, 'hub'), offlineAfterMs: 600, checkEveryMs: 50, clientId: `dedup-${process.pid}` });
    const seen: HubAlert[] = [];
    hub.log.on('alert', (a) => seen.push(a));
    await until(() => hub.connected, 5000, 'hub connected');
    await sleep(200); // subscription acknowledged
    const pub = await mqtt.connectAsync(url);
    const alert = (seq: number): string => JSON.stringify({ seq, alertId: `x-${seq}`, site: 'x', sensor: 's', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: new Date().toISOString() });
    const hb = (): Promise<unknown> => pub.publishAsync('p/x/heartbeat', JSON.stringify({ v: 1, site: 'x', time: new Date().toISOString(), heartbeatMs: 200, lastSeq: 5, publishedSeq: 5, sensorsOnline: 1, sensorsTotal: 1 }), { qos: 1 });
    await hb();
    // heartbeats every 200 ms while the alerts go out, as a site sends them: a loaded machine may take longer than the
    // 600 ms offline limit to publish five messages, and the site must not go offline in between
    const beat = setInterval(() => void hb(), 200);
    for (const seq of [1, 2, 2, 1, 5]) await pub.publishAsync('p/x/alert', alert(seq), { qos: 1 });
    await until(() => hub.sites()[0]?.lastSiteSeq === 5, 3000, 'seq 5 at the hub');
    clearInterval(beat);
    expect(seen.map((a) => [a.seq, a.siteSeq, a.site])).toEqual([[1, 1, 'x'], [2, 2, 'x'], [3, 5, 'x']]);
    const st = hub.sites()[0]!;
    expect([st.alertsReceived, st.duplicates, st.gapSeqs, st.offline]).toEqual([3, 2, 2, false]);

    // heartbeats stop → site-offline after offlineAfterMs (600 ms ± the 50 ms check)
    await hb();
    const lastHbMs = Date.now();
    await until(() => seen.some((a) => a.kind === 'site-offline'), 3000, 'site-offline');
    const offAfterMs = Date.now() - lastHbMs;
    console.log(`site-offline raised ${offAfterMs} ms after the last heartbeat (threshold 600 ms)`);
    expect(offAfterMs).toBeGreaterThanOrEqual(550); // the hub may have stamped the heartbeat a little before our PUBACK
    expect(offAfterMs).toBeLessThan(1200);
    const off = seen.find((a) => a.kind === 'site-offline')!;
    expect(off).toMatchObject({ site: 'x', event: 'open', state: 'new', severity: 'high', seq: 4 });
    expect(hub.sites()[0]!.offline).toBe(true);
    await hb();
    await until(() => seen.some((a) => a.kind === 'site-offline' && a.event === 'close'), 2000, 'site-offline closed');
    expect(seen.at(-1)).toMatchObject({ alertId: off.alertId, event: 'close', seq: 5 });
    expect(hub.sites()[0]!.offline).toBe(false);
    await pub.endAsync();
    await hub.close();
  }, 20_000);
});
