// `quietband run` end to end: an injected sim event arrives as an alert and is stored; SIGTERM flushes and exits 0; kill -9 + restart resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, CENTER_HZ, Client, killAll, readStore, simSensor, startDaemon, tempDir, writeConfig } from './helpers.js';

const tmp = tempDir('qb-daemon-alerts-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

/**
 * The first test's alert arrived (or its wait failed): its latency (arrival − tone start) is fixed then. The second
 * daemon starts after it, so its start-up (a second of CPU) does not delay the timed alert on a 2-core machine.
 */
let firstAlertIn = (): void => undefined;
const firstAlertArrived = new Promise<void>((r) => (firstAlertIn = r));

// The two daemons run side by side (own configs, data dirs and ports): each mostly waits for its sim tones.
describe.concurrent('quietband run', () => {
  describe('quietband run: sim event → alert → store; SIGTERM', () => {
    it('streams the injected tone as an alert (state new, right frequency), stores it, and on SIGTERM closes it, flushes and exits 0', async () => {
      const dataDir = `${tmp.dir}/data-a`;
      // tone +60 kHz from 2.5 s to 3.3 s of each 5 s cycle; warm-up 1.5 s (+ 0.25 s settle) is quiet
      const config = writeConfig(tmp.dir, 'a.json', { site: 'hall-a', warmupS: 1.5, calibrationDir: `${tmp.dir}/cal`, sensors: [simSensor('room-1', [{ offsetHz: 60_000, startS: 2.5, durationS: 0.8 }], 5)] });
      const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
      expect(d.stdout()).toMatch(/^QuietBand site "hall-a" running at http:\/\/127\.0\.0\.1:\d+\/\n  sensor room-1: sim at 433\.920 MHz, 250 kS\/s, FFT 1024; baseline: warm-up 1\.5 s\n/);
      const c = await Client.open(d.wsUrl);
      await c.waitFor(() => c.hello, 5000, 'hello');
      expect(c.hello!.sensors).toEqual([{ name: 'room-1', centerHz: CENTER_HZ, rateSps: 250_000, fftSize: 1024 }]);

      const open = await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'transmission' && x.a.event === 'open'), 20_000, 'the tone alert').finally(firstAlertIn);
      const a = open.a;
      expect(a.state).toBe('new');
      expect(a.severity).toBe('high');
      expect(a.site).toBe('hall-a');
      expect(a.sensor).toBe('room-1');
      expect(Math.abs(a.centerHz! - (CENTER_HZ + 60_000))).toBeLessThan(3000);
      expect(a.bandLabel).toBe('ISM 433 MHz');
      // startTime = wall time of sample 0 + startS; the tone starts at 2.5 s of the stream
      expect(a.detection!.startS).toBeGreaterThan(2.45);
      expect(a.detection!.startS).toBeLessThan(2.55);
      const latencyMs = open.atMs - Date.parse(a.startTime!);
      console.log(`alert latency (tone start → WebSocket alert): ${latencyMs} ms`);
      expect(latencyMs).toBeGreaterThan(0);
      expect(latencyMs).toBeLessThan(2000);
      // the status says armed and, once the set-up stalls have left the 5 s rate window, the achieved rate is the configured one ± 10 %
      const st = await c.waitFor(() => {
        const s = c.status('room-1');
        return s?.state === 'armed' && Math.abs(s.achievedRateSps - 250_000) < 25_000 ? s : undefined;
      }, 10_000, `armed status at 250 kS/s ± 10 % (last: ${JSON.stringify(c.status('room-1'))})`);
      expect(st.online).toBe(true);
      expect(st.configuredRateSps).toBe(250_000);
      expect(st.droppedBlocks).toBe(0);
      expect(st.lastFrameAgeMs!).toBeLessThan(1000);
      // spectra ≤ 10/s with baseline and threshold traces
      const sp = await c.waitFor(() => (c.spectra('room-1').length > 3 ? c.spectra('room-1') : undefined), 10_000, 'more than 3 spectra');
      expect(sp.length).toBeGreaterThan(3);
      const last = sp.at(-1)!.s;
      expect(last.powerDbfs.length).toBe(1024);
      expect(last.baselineDbfs.length).toBe(1024);
      expect(last.thresholdDbfs.length).toBe(1024);
      expect(last.thresholdDbfs[700]!).toBeGreaterThan(last.baselineDbfs[700]!);
      const rate = (sp.length - 1) / ((sp.at(-1)!.atMs - sp[0]!.atMs) / 1000);
      expect(rate).toBeLessThanOrEqual(11);

      // the open record is on disk before it was sent
      expect(readStore(dataDir).alerts.some((x) => x.seq === a.seq && x.event === 'open')).toBe(true);

      // SIGTERM while a tone is on (the next cycle's, 5 s later): the detector's flush closes it, the close is stored, exit 0
      await c.waitFor(() => c.alerts().filter((x) => x.a.kind === 'transmission' && x.a.event === 'open').length >= 2, 15_000, 'the next cycle\'s tone');
      const tKill = Date.now();
      d.child.kill('SIGTERM');
      const ex = await d.exited;
      const stopMs = Date.now() - tKill;
      console.log(`SIGTERM → exit: ${stopMs} ms`);
      expect(ex).toEqual({ code: 0, signal: null });
      expect(stopMs).toBeLessThan(6000);
      const store = readStore(dataDir);
      expect(store.endsClean).toBe(true);
      const received = c.alerts().map((x) => x.a);
      for (const r of received) expect(store.alerts.find((s) => s.seq === r.seq)).toEqual(r);
      const trans = store.alerts.filter((x) => x.kind === 'transmission');
      const ids = new Set(trans.map((x) => x.alertId));
      for (const id of ids) expect(trans.some((x) => x.alertId === id && x.event === 'close')).toBe(true);
      expect(store.alerts.map((x) => x.seq)).toEqual(store.alerts.map((_, i) => i + 1));
      expect(store.alerts.filter((x) => x.kind === 'sensor-offline')).toEqual([]); // shutdown is not an outage
      c.close();
    });
  });

  describe('quietband run: kill -9 while alerts are raised, restart, resume', () => {
    it('keeps every alert a client received, recovers the open ones and continues seq', async () => {
      const dataDir = `${tmp.dir}/data-k`;
      // 4 s cycle: quiet 0–2 s, then five 0.15 s tones at different offsets (10 alert records per cycle)
      const events = [0, 1, 2, 3, 4].map((i) => ({ offsetHz: 20_000 + i * 15_000, startS: 2 + i * 0.4, durationS: 0.15 }));
      const config = writeConfig(tmp.dir, 'k.json', { site: 'hall-k', warmupS: 1.5, calibrationDir: `${tmp.dir}/cal`, sensors: [simSensor('room-k', events, 4)] });
      const args = ['run', '--config', config, '--data-dir', dataDir, '--http-port', '0'];
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([firstAlertArrived, new Promise((r) => (waited = setTimeout(r, 30_000)))]);
      clearTimeout(waited);
      const d1 = await startDaemon(args);
      const c1 = await Client.open(d1.wsUrl);
      // kill right after an open, while its close is still pending
      await c1.waitFor(() => c1.alerts().filter((x) => x.a.kind === 'transmission').length >= 7 && c1.alerts().at(-1)!.a.event === 'open', 30_000, '7 alerts ending with an open');
      d1.child.kill('SIGKILL');
      expect((await d1.exited).signal).toBe('SIGKILL');
      await c1.waitFor(() => c1.closed, 5000, 'socket closed');
      const received = c1.alerts().map((x) => x.a);
      const lastReceived = received.at(-1)!.seq;

      const before = readStore(dataDir);
      for (const r of received) expect(before.alerts.find((s) => s.seq === r.seq)).toEqual(r);
      const storedLast = before.alerts.at(-1)!.seq;
      expect(storedLast).toBeGreaterThanOrEqual(lastReceived);

      // alerts the kill left open (an open stored, its close never written)
      const closedIds = new Set(before.alerts.filter((x) => x.event === 'close').map((x) => x.alertId));
      const openIds = [...new Set(before.alerts.filter((x) => !closedIds.has(x.alertId)).map((x) => x.alertId))];
      expect(openIds.length).toBeGreaterThanOrEqual(received.at(-1)!.event === 'open' && !closedIds.has(received.at(-1)!.alertId) ? 1 : 0);

      const d2 = await startDaemon(args);
      const c2 = await Client.open(d2.wsUrl, lastReceived);
      // every alert the kill left open is closed at restart ("recovered"), with the next seqs
      const recovered = await c2.waitFor(() => {
        const r = c2.alerts().filter((x) => x.a.seq > storedLast && x.a.seq <= storedLast + openIds.length);
        return r.length === openIds.length ? r : undefined;
      }, 10_000, 'the recovery closes');
      expect(recovered.map((x) => x.a.event)).toEqual(openIds.map(() => 'close'));
      expect(recovered.map((x) => x.a.alertId).sort()).toEqual([...openIds].sort());
      for (const x of recovered) expect(x.a.message).toMatch(/closed at daemon restart/);
      // then new alerts from the restarted sensor, seq continuing without gap or repeat
      await c2.waitFor(() => c2.alerts().some((x) => x.a.seq > storedLast + openIds.length && x.a.kind === 'transmission' && x.a.event === 'open'), 30_000, 'a new alert after restart');
      console.log(`kill -9: client had ${received.length} alerts (last seq ${lastReceived}), store had ${storedLast}, ${openIds.length} recovered at restart`);
      const seqs = c2.alerts().map((x) => x.a.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => lastReceived + 1 + i));
      d2.child.kill('SIGTERM');
      expect((await d2.exited).code).toBe(0);
      c2.close();
    });
  });
});
