// `quietband run` identifies each transmission live: the alert goes out first, an `update` carries its `signal` (OOK,
// carrier) within a stated time, the close the final one; MQTT carries it and /metrics counts alerts per class.
import { loadavg } from 'node:os';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import { MOSQUITTO_MISSING, startBroker } from '../hub/broker.js';
import { describeNeeding } from '../helpers.js';
import { parseMetrics } from '../metrics/metrics-helpers.js';
import { buildOnce, CENTER_HZ, Client, killAll, lowPriorityWaitMs, readStore, startDaemon, tempDir, writeConfig, type Daemon } from './helpers.js';

const tmp = tempDir('qb-daemon-ident-');
const stops: (() => Promise<void>)[] = [];
beforeAll(() => buildOnce());
afterAll(async () => {
  killAll();
  for (const s of stops) await s();
  tmp.cleanup();
});

type Seen = { atMs: number; a: Alert };

/**
 * Runs a site whose sim sensor (at `rateSps`) repeats an 8 s cycle: OOK (1 ms symbols, 20 dB) at `ookOffsetHz` from 2.5 s
 * for 2 s, a carrier (25 dB in 1 kHz) at −70 kHz from 5.5 s for 1.5 s. For each: the open has no signal; the first
 * record with one is an `update` (final false) of the right class within `maxDelayMs` of the open, not counting the time
 * the daemon's lowered-priority evidence thread waited for a CPU meanwhile ({@link lowPriorityWaitMs}: the box's other
 * work, not the daemon's); the close carries the final identification of the same class. Returns the daemon (running),
 * its client and the delays (ms).
 */
async function runScenario(name: string, rateSps: number, fftSize: number, ookOffsetHz: number, maxDelayMs: number, mqttCfg?: unknown): Promise<{ d: Daemon; c: Client; dataDir: string; tx: () => Seen[] }> {
  const dataDir = `${tmp.dir}/data-${name}`;
  const config = writeConfig(tmp.dir, `${name}.json`, {
    site: 'hall-i', warmupS: 1.5, calibrationDir: `${tmp.dir}/cal-${name}`, ...(mqttCfg !== undefined ? { mqtt: mqttCfg } : {}),
    sensors: [{
      name: 'room-1', source: 'sim', centerHz: CENTER_HZ, rateSps, fftSize,
      scenario: { durationS: 8, seed: 3, events: [
        { kind: 'ook', offsetHz: ookOffsetHz, snrDb: 20, startS: 2.5, durationS: 2 },
        { kind: 'tone', offsetHz: -70_000, snrDb: 25, startS: 5.5, durationS: 1.5 },
      ] },
    }],
  });
  const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0', '--log-level', 'debug']);
  const c = await Client.open(d.wsUrl);
  const tx = (): Seen[] => c.alerts().filter((x) => x.a.kind === 'transmission');
  const near = (a: Alert, offsetHz: number): boolean => Math.abs(a.centerHz! - (CENTER_HZ + offsetHz)) < 5000;
  const delays: string[] = [];
  // the evidence thread's CPU wait, read every 20 ms (Date.now(), as the client stamps each message): the carrier's open
  // and update arrive while the test still waits for the OOK's close, so a reading taken when the loop gets to them
  // would come too late
  const waits: [atMs: number, waitMs: number][] = [];
  const sampler = setInterval(() => {
    const w = lowPriorityWaitMs(d.child.pid!);
    if (w !== null) waits.push([Date.now(), w]);
  }, 20);
  sampler.unref();
  /** The last reading at or before `atMs` (0 before the first: none taken, or not Linux). */
  const waitedAt = (atMs: number): number => waits.findLast(([t]) => t <= atMs)?.[1] ?? 0;
  for (const [offsetHz, cls] of [[ookOffsetHz, 'ook'], [-70_000, 'carrier']] as const) {
    const open = await c.waitFor(() => tx().find((x) => x.a.event === 'open' && near(x.a, offsetHz)), 20_000, `the ${cls} alert`);
    expect(open.a.signal).toBeUndefined(); // the alert does not wait for the identification
    const first = await c.waitFor(() => tx().find((x) => x.a.alertId === open.a.alertId && x.a.signal !== undefined), 5000, `the ${cls} alert's signal`);
    const delay = first.atMs - open.atMs;
    const starvedMs = Math.round(waitedAt(first.atMs) - waitedAt(open.atMs));
    delays.push(`${cls} ${delay} ms (from its start ${first.atMs - Date.parse(open.a.startTime!)} ms; the evidence thread waiting for a CPU ${starvedMs} ms of it)`);
    expect(first.a.event).toBe('update');
    expect(first.a.signal!.final).toBe(false);
    expect(first.a.signal!.class, first.a.signal!.reason).toBe(cls);
    expect(first.a.signal!.confidence).toBeGreaterThan(0.5);
    expect(delay - starvedMs, delays.at(-1)).toBeLessThan(maxDelayMs);
    // the close is posted once its clip is written (DetectionEvidence: at most postS + 15 s = 16 s after the transmission
    // ends, then without it); the clip's band cut runs on the same lowered-priority thread: at 2.4 MS/s with a CPU
    // burner beside, closes came 2.6–13.5 s after the end, of which that thread waited for a CPU 2.0–12.2 s (10 s was
    // this wait's limit before)
    const close = await c.waitFor(() => tx().find((x) => x.a.alertId === open.a.alertId && x.a.event === 'close'), 20_000, `the ${cls} close`);
    const afterEndMs = close.atMs - Date.parse(close.a.endTime ?? open.a.startTime!);
    delays.push(`${cls} close ${afterEndMs} ms after its end (waiting for a CPU ${Math.round(waitedAt(close.atMs) - waitedAt(first.atMs))} ms)`);
    expect(close.a.signal?.final).toBe(true);
    expect(close.a.signal?.class, close.a.signal?.reason).toBe(cls);
  }
  clearInterval(sampler);
  // the worker's debug lines: time from asking to the posted result (queue + identification on the evidence thread)
  const ids = d.stderr().split('\n').filter((l) => l.includes('"transmission identified"')).map((l) => JSON.parse(l) as { class: string; final: boolean; identMs: number; samples: number });
  console.log(`${name}: alert → first signal update, and the close: ${delays.join(', ')}; identifications (class/final/ms/samples): ${ids.map((x) => `${x.class}/${x.final}/${x.identMs}/${x.samples}`).join(' ')}; load ${loadavg()[0]!.toFixed(1)}`);
  expect(d.stderr()).not.toContain('without its final identification');
  return { d, c, dataDir, tx };
}

describeNeeding(MOSQUITTO_MISSING, 'quietband run: live identification of each transmission', () => {
  it('250 kS/s: OOK burst train (2 s) and carrier (1.5 s): alert first, then an update with the class within 1.5 s, the final class on the close; MQTT and /metrics carry it', async () => {
    const broker = await startBroker(tmp.dir);
    stops.push(broker.stop);
    const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    stops.push(() => sub.endAsync());
    const published: Alert[] = [];
    sub.on('message', (_topic, payload) => published.push(JSON.parse(payload.toString()) as Alert));
    await sub.subscribeAsync('qbident/hall-i/alert', { qos: 1 });
    const mqttCfg = { url: broker.url, topicPrefix: 'qbident', heartbeatMs: 1000, healthEveryMs: 1000, reconnectMs: 300 };
    // ≤ 1.5 s: the target of docs/identification.md §10 for a transmission ≥ 1 s
    const { d, c, dataDir, tx } = await runScenario('250k', 250_000, 1024, 60_000, 1500, mqttCfg);
    // OOK features: 1 ms symbols → ≈ 1000 Bd (±15 %), duty well below 1
    const ookClose = tx().find((x) => x.a.event === 'close' && x.a.signal?.class === 'ook')!.a.signal!;
    expect(Math.abs(ookClose.symbolRateBd! - 1000)).toBeLessThan(150);
    expect(ookClose.dutyCycle!).toBeLessThan(0.8);

    // MQTT: the stored records as is, signal included
    await c.waitFor(() => published.some((p) => p.event === 'close' && p.signal?.class === 'carrier'), 10_000, 'the carrier close on MQTT');
    const mq = published.find((p) => p.kind === 'transmission' && p.event === 'update' && p.signal?.class === 'ook');
    expect(mq?.signal?.reason).toMatch(/on-off keyed/);

    // /metrics: transmission alerts per class (the latest identification of each stored alert)
    const m = parseMetrics(await (await fetch(`${d.url}metrics`)).text());
    const byClass = (cls: string): number => m.get(`quietband_transmission_alerts_by_class{class="${cls}",site="hall-i"}`) ?? NaN;
    const latest = new Map<string, string>();
    for (const a of readStore(dataDir).alerts) if (a.kind === 'transmission' && a.signal !== undefined) latest.set(a.alertId, a.signal.class);
    expect(byClass('ook')).toBe([...latest.values()].filter((x) => x === 'ook').length);
    expect(byClass('ook')).toBeGreaterThanOrEqual(1);
    expect(byClass('carrier')).toBeGreaterThanOrEqual(1);
    expect(byClass('fsk')).toBe(0);
    c.close();
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('2.4 MS/s: the same classes, the first update within 3 s of the alert (0.25 s analysed: maxSamples 600 000)', async () => {
    // a looser bound than at 250 kS/s: at 2.4 MS/s the identification takes 0.1–0.35 s of CPU on a thread that yields to
    // the sensor's own 2.4 MS/s detection (and, on a shared CI box, to other jobs): 0.7–2.0 s measured on a loaded box
    const { d, c } = await runScenario('2.4M', 2_400_000, 4096, 300_000, 3000);
    c.close();
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
