// Protocol v1 resume: missed alerts replayed exactly once in order, then live with no gap; pending/late/ahead resumes; hello/status; heartbeat.
import { afterEach, describe, expect, it } from 'vitest';
import type { HelloMessage, ServerMessage, StatusMessage } from '../../src/server/protocol.js';
import { det, sleep, startStack, TestClient, type Stack } from './helpers.js';

const stacks: Stack[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const s of stacks.splice(0)) await s.close();
});

async function stack(...args: Parameters<typeof startStack>): Promise<Stack> {
  const s = await startStack(...args);
  stacks.push(s);
  return s;
}
async function client(url: string): Promise<TestClient> {
  const c = await TestClient.open(url);
  clients.push(c);
  return c;
}
function hello(c: TestClient): Promise<HelloMessage> {
  return c.waitFor(() => c.messages.find((m): m is HelloMessage => m.type === 'hello'), 3000, 'hello');
}
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
let nextTrack = 1;
async function raise(s: Stack, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await s.bus.handleDetection('s1', det(nextTrack++));
}

describe('WebSocket resume', () => {
  it('replays every alert missed while disconnected exactly once, in order, then continues live', async () => {
    const s = await stack();
    const a = await client(s.wsUrl);
    expect((await hello(a)).lastSeq).toBe(0);
    a.send({ v: 1, type: 'resume', sinceSeq: 0 });
    await raise(s, 5);
    await a.waitForSeq(5);
    const lastSeen = a.alerts.at(-1)!.seq;
    expect(a.alerts.map((x) => x.seq)).toEqual(range(1, 5));
    await a.close();

    await raise(s, 20); // seq 6..25 while away

    const b = await client(s.wsUrl);
    const h = await hello(b);
    expect(h.lastSeq).toBe(25);
    b.send({ v: 1, type: 'resume', sinceSeq: lastSeen });
    // live alerts raised while the replay is being sent
    const live = raise(s, 10); // 26..35
    await live;
    await b.waitForSeq(35);
    await sleep(100);
    expect(b.alerts.map((x) => x.seq)).toEqual(range(6, 35));
    expect(b.alerts.every((x) => x.site === 'hall-a' && x.event === 'open')).toBe(true);
    // every message carries v:1 and a type
    expect(b.messages.every((m) => (m as { v: number }).v === 1 && typeof m.type === 'string')).toBe(true);
  });

  it('replays a long backlog from the file while live alerts keep arriving: no gap, no duplicate', async () => {
    const s = await stack({}, {}, undefined, { recentCapacity: 64, indexEvery: 128 });
    const ps: Promise<unknown>[] = [];
    for (let i = 0; i < 3000; i++) ps.push(s.bus.handleDetection('s1', det(nextTrack++))!);
    await Promise.all(ps);
    const b = await client(s.wsUrl);
    await hello(b);
    b.send({ v: 1, type: 'resume', sinceSeq: 100 });
    // 60 live alerts spread over the replay
    const modes = new Set<string>();
    for (let i = 0; i < 60; i++) {
      void s.bus.handleDetection('s2', det(nextTrack++));
      modes.add(s.server.clientStats()[0]!.mode);
      if (i % 5 === 0) await sleep(2);
    }
    expect(modes.has('replaying')).toBe(true); // live alerts really arrived during the replay
    await b.waitForSeq(3060, 10_000);
    await sleep(100);
    const seqs = b.alerts.map((x) => x.seq);
    expect(seqs.length).toBe(2960);
    expect(seqs).toEqual(range(101, 3060));
  });

  it('sends an alert once even when it is both in the replay snapshot and emitted live afterwards', async () => {
    const s = await stack();
    await raise(s, 2);
    const c = await client(s.wsUrl);
    await hello(c);
    // stored but not yet emitted (the window between the store's commit and the bus's 'alert')
    const late = await s.store.append({ sensor: 's1', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: new Date().toISOString() });
    c.send({ v: 1, type: 'resume', sinceSeq: 0 });
    await c.waitForSeq(late.seq);
    s.bus.emit('alert', late); // arrives after the replay: must be dropped for this client
    s.bus.emit('alert', late);
    await raise(s, 1);
    await c.waitForSeq(late.seq + 1);
    await sleep(50);
    expect(c.alerts.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
  });

  it('sends hello (with lastSeq, sensors) first, then the latest status', async () => {
    const s = await stack();
    await raise(s, 3);
    s.server.broadcastStatus({
      sensors: [{ sensor: 's1', online: true, state: 'armed', centerHz: 433_920_000, configuredRateSps: 2_048_000, achievedRateSps: 2_047_900, droppedBlocks: 0, clipFraction: 0, overload: false, lastFrameAgeMs: 12 }],
    });
    const c = await client(s.wsUrl);
    await c.waitFor(() => c.messages.length >= 2 || undefined, 3000, 'two messages');
    const [m0, m1] = c.messages as [ServerMessage, ServerMessage];
    expect(m0).toMatchObject({ v: 1, type: 'hello', site: 'hall-a', lastSeq: 3, authRequired: false, sensors: [{ name: 's1', centerHz: 433_920_000, rateSps: 2_048_000, fftSize: 4096 }] });
    expect((m0 as HelloMessage).timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone); // no timeZone option: this host's
    expect(m1.type).toBe('status');
    expect((m1 as StatusMessage).sensors[0]).toMatchObject({ sensor: 's1', online: true, state: 'armed', achievedRateSps: 2_047_900 });
  });

  it('without resume, a client goes live from hello.lastSeq after resumeWaitMs; a later resume adds only the older ones', async () => {
    const s = await stack({ resumeWaitMs: 150 });
    await raise(s, 4);
    const c = await client(s.wsUrl);
    expect((await hello(c)).lastSeq).toBe(4);
    await raise(s, 2); // 5, 6: held while pending, sent when it goes live
    await c.waitForSeq(6, 2000);
    expect(c.alerts.map((x) => x.seq)).toEqual([5, 6]);
    c.send({ v: 1, type: 'resume', sinceSeq: 1 });
    await raise(s, 1); // 7
    await c.waitFor(() => c.alerts.length >= 6 || undefined, 3000, 'six alerts');
    await sleep(100);
    expect(c.alerts.map((x) => x.seq)).toEqual([5, 6, 2, 3, 4, 7]);
  });

  it('answers a sinceSeq beyond the store with an error and a full replay', async () => {
    const s = await stack();
    await raise(s, 3);
    const c = await client(s.wsUrl);
    await hello(c);
    c.send({ v: 1, type: 'resume', sinceSeq: 500 });
    await c.waitForSeq(3);
    expect(c.alerts.map((x) => x.seq)).toEqual([1, 2, 3]);
    expect(c.messages.find((m) => m.type === 'error')).toMatchObject({ v: 1, message: expect.stringMatching(/ahead/) });
  });

  it('rejects malformed client messages with an error message and keeps the connection', async () => {
    const s = await stack();
    const c = await client(s.wsUrl);
    await hello(c);
    c.ws.send('not json');
    c.send({ v: 2, type: 'resume', sinceSeq: 0 });
    c.send({ v: 1, type: 'resume', sinceSeq: -1 });
    c.send({ v: 1, type: 'launch' });
    await c.waitFor(() => c.messages.filter((m) => m.type === 'error').length >= 4 || undefined, 3000, 'four errors');
    c.send({ v: 1, type: 'resume', sinceSeq: 0 });
    await raise(s, 1);
    await c.waitForSeq(1);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('terminates a client that stops answering pings (heartbeat) and keeps one that answers', async () => {
    const s = await stack({ heartbeatMs: 100 });
    const good = await client(s.wsUrl);
    const mute = await TestClient.open(s.wsUrl, { autoPong: false });
    clients.push(mute);
    const t0 = performance.now();
    const code = await mute.waitClosed(2000);
    const ms = performance.now() - t0;
    expect(code).toBe(1006); // terminated, no close frame
    expect(ms).toBeLessThan(450); // ≤ 2 heartbeat periods + slack
    await sleep(300);
    expect(good.ws.readyState).toBe(good.ws.OPEN);
  });
});
