// ListenHub (src/server/listen.ts) on its own: which alerts may be listened to and why not, the per-sensor limit, one
// channel shared by several clients, stop on the last client's stop or disconnect and on the alert's close, frames sent
// as the documented 24-byte header + i16 samples, skipped for a backed-up client.
import { EventEmitter } from 'node:events';
import { BroadcastChannel } from 'node:worker_threads';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { encodeAudioFrame, ListenHub, type ClientSocket } from '../../src/server/listen.js';
import { listenChannelName, MAX_LISTENS_PER_SENSOR, type ListenControl, type ListenReport } from '../../src/server/listen-channel.js';
import type { Alert, AlertSignal, ListenStateMessage } from '../../src/server/protocol.js';

/** A socket stand-in: what the hub sent it (JSON parsed, binary kept). */
class FakeSocket implements ClientSocket {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  readonly json: { type: string }[] = [];
  readonly binary: Buffer[] = [];
  send(data: string | Buffer): void {
    if (typeof data === 'string') this.json.push(JSON.parse(data) as { type: string });
    else this.binary.push(data);
  }
  states(): ListenStateMessage[] {
    return this.json.filter((m) => m.type === 'listen-state') as ListenStateMessage[];
  }
}

const hubs: ListenHub[] = [];
const channels: BroadcastChannel[] = [];
afterEach(() => {
  for (const h of hubs.splice(0)) h.close();
  for (const c of channels.splice(0)) c.close();
});

let siteN = 0;
/** A hub of a fresh site name with sensors a (fixed), b (fixed), h (hopping); the sensor side of a's channel records what it is asked. */
function setup() {
  const site = `listen-unit-${process.pid}-${siteN++}`;
  const alerts = new EventEmitter<{ alert: [Alert] }>();
  const hub = new ListenHub({ site, sensors: [{ name: 'a', hopping: false }, { name: 'b', hopping: false }, { name: 'h', hopping: true }], alerts, log: pino({ level: 'silent' }) });
  hubs.push(hub);
  const sensorA = new BroadcastChannel(listenChannelName(site, 'a'));
  channels.push(sensorA);
  const asked: ListenControl[] = [];
  sensorA.onmessage = (ev: unknown) => {
    const m = (ev as { data: ListenControl | ListenReport }).data;
    if (m.type === 'start' || m.type === 'stop') asked.push(m);
  };
  // sensor b's side: must hear nothing of a's listens (each sensor has a channel of its own)
  const sensorB = new BroadcastChannel(listenChannelName(site, 'b'));
  channels.push(sensorB);
  const heardByB: unknown[] = [];
  sensorB.onmessage = (ev: unknown) => heardByB.push((ev as { data: unknown }).data);
  let seq = 0;
  const raise = (sensor: string, cls?: AlertSignal['class'], event: Alert['event'] = 'update'): Alert => {
    const a: Alert = {
      seq: ++seq, alertId: `${sensor}-${seq}`, site, sensor, kind: 'transmission', event, state: 'new', severity: 'high', time: new Date().toISOString(),
      centerHz: 433_500_000 + seq * 10_000, bandwidthHz: 9000, ...(cls !== undefined ? { signal: { class: cls, confidence: 0.9, reason: 'test', bandwidthHz: 11_000 } } : {}),
    };
    alerts.emit('alert', a);
    return a;
  };
  return { hub, alerts, sensorA, asked, raise, heardByB };
}

const tick = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ws = (s: FakeSocket): ClientSocket => s;
const listen = (alertId: string) => ({ v: 1, type: 'listen', alertId });

describe('ListenHub', () => {
  it('refuses, with the reason, an unknown alert, an unidentified one, a digital class, a hopping sensor, and a closed alert', () => {
    const { hub, raise, alerts } = setup();
    const c = new FakeSocket();
    const unidentified = raise('a');
    const ook = raise('a', 'ook');
    const hopping = raise('h', 'nfm');
    const closed = raise('a', 'nfm');
    alerts.emit('alert', { ...closed, event: 'close' });
    alerts.emit('alert', { ...closed, event: 'ack' }); // a record after the close does not reopen it
    for (const id of ['nope', unidentified.alertId, ook.alertId, hopping.alertId, closed.alertId]) expect(hub.onMessage(ws(c), listen(id))).toBe(true);
    const reasons = c.states().map((s) => `${s.state}: ${s.reason}`);
    expect(reasons).toEqual([
      'refused: no open transmission alert nope (closed, unknown, or not a transmission)',
      `refused: alert ${unidentified.alertId} is not identified yet: listening needs an analog class (nfm, wfm, am)`,
      `refused: alert ${ook.alertId} is "ook": only analog classes (nfm, wfm, am) carry audio to listen to`,
      `refused: sensor h hops its tuner (or is not of this site): its channels cannot be listened to live`,
      `refused: no open transmission alert ${closed.alertId} (closed, unknown, or not a transmission)`,
    ]);
    expect(hub.stats().listens).toBe(0);
    // other message types are the server's
    expect(hub.onMessage(ws(c), { v: 1, type: 'ack', alertId: 'x' })).toBe(false);
    // a malformed listen is answered with an error
    expect(hub.onMessage(ws(c), { v: 1, type: 'listen' })).toBe(true);
    expect(c.json.at(-1)).toEqual({ v: 1, type: 'error', message: "bad listen message: alertId: Invalid input: expected string, received undefined (expected {v:1,type:'listen',alertId})" });
  });

  it('listens to an unknown whose closest class is analog, demodulated as that class; refuses one whose closest is digital (docs/identification.md §5a)', async () => {
    const { hub, alerts, asked, raise } = setup();
    const c = new FakeSocket();
    const base = raise('b', 'nfm'); // (sensor b's: a's channel hears nothing of it)
    const unknown = (alertId: string, closestClass: AlertSignal['closestClass']): void => {
      alerts.emit('alert', { ...base, alertId, sensor: 'a', centerHz: 868_260_000, signal: { class: 'unknown', closestClass, confidence: 0.05, reason: 'test', bandwidthHz: 10_200 } });
    };
    unknown('a-closest-nfm', 'nfm');
    unknown('a-closest-ook', 'ook');
    expect(hub.onMessage(ws(c), listen('a-closest-nfm'))).toBe(true);
    expect(hub.onMessage(ws(c), listen('a-closest-ook'))).toBe(true);
    expect(c.states().map((s) => `${s.state}${s.reason !== undefined ? `: ${s.reason}` : ''}`)).toEqual([
      'started',
      'refused: alert a-closest-ook is "ook": only analog classes (nfm, wfm, am) carry audio to listen to',
    ]);
    await tick();
    expect(asked).toMatchObject([{ type: 'start', cls: 'nfm', centerHz: 868_260_000, bandwidthHz: 10_200 }]);
  });

  it(`shares one channel between clients, allows ${MAX_LISTENS_PER_SENSOR} channels per sensor, stops on the last stop / disconnect and on the close`, async () => {
    const { hub, raise, asked, alerts, heardByB } = setup();
    const [c1, c2] = [new FakeSocket(), new FakeSocket()];
    const n1 = raise('a', 'nfm');
    const n2 = raise('a', 'am');
    const n3 = raise('a', 'wfm');
    hub.onMessage(ws(c1), listen(n1.alertId));
    hub.onMessage(ws(c2), listen(n1.alertId));
    hub.onMessage(ws(c1), listen(n2.alertId));
    hub.onMessage(ws(c2), listen(n3.alertId));
    await tick();
    expect(asked).toEqual([
      { type: 'start', listenId: c1.states()[0]!.listenId, centerHz: n1.centerHz, bandwidthHz: 11_000, cls: 'nfm' },
      { type: 'start', listenId: c1.states()[1]!.listenId, centerHz: n2.centerHz, bandwidthHz: 11_000, cls: 'am' },
    ]);
    expect(c1.states().map((s) => s.state)).toEqual(['started', 'started']);
    expect(c2.states().map((s) => s.state)).toEqual(['started', 'refused']);
    expect(c2.states()[0]!.listenId).toBe(c1.states()[0]!.listenId);
    expect(c2.states()[0]!.rateSps).toBe(16000);
    expect(c2.states()[1]!.reason).toBe(`sensor a already streams ${MAX_LISTENS_PER_SENSOR} channels (its limit): stop one first`);
    // c1 stops n1: c2 still listens, nothing is stopped at the sensor
    hub.onMessage(ws(c1), { v: 1, type: 'listen-stop', alertId: n1.alertId });
    await tick();
    expect(asked.filter((m) => m.type === 'stop')).toEqual([]);
    expect(c1.states().at(-1)).toMatchObject({ state: 'stopped', reason: 'stopped by the listener' });
    // c2 disconnects: n1's channel stops
    hub.onClose(ws(c2));
    await tick();
    expect(asked.filter((m) => m.type === 'stop')).toEqual([{ type: 'stop', listenId: c1.states()[0]!.listenId }]);
    // n2 closes: its listen stops, c1 is told why
    alerts.emit('alert', { ...n2, event: 'close' });
    await tick();
    expect(asked.filter((m) => m.type === 'stop').map((m) => m.listenId)).toEqual([c1.states()[0]!.listenId, c1.states()[1]!.listenId]);
    expect(c1.states().at(-1)).toMatchObject({ alertId: n2.alertId, state: 'stopped', reason: 'the transmission ended (its alert closed)' });
    expect(hub.stats().listens).toBe(0);
    expect(heardByB).toEqual([]);
  });

  it("forwards the sensor's audio as 24-byte-header frames to its listeners, skips a backed-up one, and ends on the sensor's report", async () => {
    const { hub, raise, sensorA } = setup();
    const [c1, c2] = [new FakeSocket(), new FakeSocket()];
    const n = raise('a', 'nfm');
    hub.onMessage(ws(c1), listen(n.alertId));
    hub.onMessage(ws(c2), listen(n.alertId));
    const listenId = c1.states()[0]!.listenId!;
    c2.bufferedAmount = 256 * 1024;
    const pcm = Int16Array.from([0, 32767, -32767, 1234]);
    sensorA.postMessage({ type: 'audio', listenId, seq: 7, firstSampleMs: 1_765_000_000_123.5, speech: true, pcm } satisfies ListenReport);
    await tick(50);
    expect(c1.binary.length).toBe(1);
    expect(c2.binary.length).toBe(0);
    expect(hub.stats()).toEqual({ listens: 1, framesSent: 1, framesSkipped: 1 });
    const f = c1.binary[0]!;
    expect([f.readUInt8(0), f.readUInt8(1), f.readUInt16LE(2), f.readUInt32LE(4), f.readUInt32LE(8), f.readUInt32LE(12), f.readDoubleLE(16)]).toEqual([1, 3, 24, listenId, 7, 16000, 1_765_000_000_123.5]);
    expect(f.length).toBe(24 + 8);
    expect([0, 1, 2, 3].map((i) => f.readInt16LE(24 + 2 * i))).toEqual([0, 32767, -32767, 1234]);
    expect(encodeAudioFrame(5, 0, 0, null, new Int16Array(0)).readUInt8(1)).toBe(0);
    expect(encodeAudioFrame(5, 0, 0, false, new Int16Array(0)).readUInt8(1)).toBe(1);
    sensorA.postMessage({ type: 'ended', listenId, reason: 'the sensor worker stopped' } satisfies ListenReport);
    await tick(50);
    expect(c1.states().at(-1)).toMatchObject({ state: 'stopped', reason: 'the sensor worker stopped' });
    expect(c2.states().at(-1)).toMatchObject({ state: 'stopped', reason: 'the sensor worker stopped' });
    expect(hub.stats().listens).toBe(0);
  });
});
