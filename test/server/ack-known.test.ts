// ack/known over WebSocket: persisted through the bus, broadcast to every client, state rebuilt after a store reopen.
import { afterEach, describe, expect, it } from 'vitest';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { det, sleep, startStack, TestClient, tempDir, type Stack } from './helpers.js';

const stacks: Stack[] = [];
const clients: TestClient[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const s of stacks.splice(0)) await s.close();
  for (const f of cleanups.splice(0)) f();
});

async function live(url: string): Promise<TestClient> {
  const c = await TestClient.open(url);
  clients.push(c);
  await c.waitFor(() => c.messages.some((m) => m.type === 'hello') || undefined);
  c.send({ v: 1, type: 'resume', sinceSeq: 0 });
  return c;
}

describe('ack / known over WebSocket', () => {
  it('persists an ack and a known and broadcasts both to every client; reopen rebuilds the state', async () => {
    const t = tempDir('qb-ack-');
    cleanups.push(t.cleanup);
    const s = await startStack({}, {}, t.dir);
    const a = await live(s.wsUrl);
    const b = await live(s.wsUrl);
    const open = (await s.bus.handleDetection('s1', det(1)))!;
    const open2 = (await s.bus.handleDetection('s1', det(2)))!;
    await a.waitForSeq(2);
    await b.waitForSeq(2);

    a.send({ v: 1, type: 'ack', alertId: open.alertId, by: 'amy' });
    await a.waitForSeq(3);
    await b.waitForSeq(3);
    b.send({ v: 1, type: 'known', alertId: open2.alertId }); // no `by`: 'supervisor'; the server adds who is acting
    await a.waitForSeq(4);
    await b.waitForSeq(4);
    for (const c of [a, b]) {
      expect(c.alerts.map((x) => [x.seq, x.alertId, x.event, x.state, x.severity])).toEqual([
        [1, open.alertId, 'open', 'new', 'high'],
        [2, open2.alertId, 'open', 'new', 'high'],
        [3, open.alertId, 'ack', 'acknowledged', 'high'],
        [4, open2.alertId, 'known', 'known', 'info'],
      ]);
    }
    expect(a.alerts[2]!.ackBy).toBe('amy (local@127.0.0.1)');
    expect(a.alerts[3]!.ackBy).toBe('supervisor (local@127.0.0.1)');
    // an ack of an already acknowledged alert stores nothing; an unknown id gets an error to the sender only
    a.send({ v: 1, type: 'ack', alertId: open.alertId, by: 'bob' });
    a.send({ v: 1, type: 'ack', alertId: 'hall-a-999', by: 'bob' });
    await a.waitFor(() => a.messages.find((m) => m.type === 'error'), 3000, 'error');
    await sleep(100);
    expect(a.messages.find((m) => m.type === 'error')).toMatchObject({ message: expect.stringContaining('hall-a-999') });
    expect(b.messages.some((m) => m.type === 'error')).toBe(false);
    expect(s.store.lastSeq).toBe(4);

    await s.server.close();
    await s.bus.close();
    await s.store.close();
    const reopened = await AlertStore.open({ dataDir: t.dir, site: 'hall-a' });
    expect(reopened.stateOf(open.alertId)).toMatchObject({ state: 'acknowledged', ackBy: 'amy (local@127.0.0.1)', lastSeq: 3 });
    expect(reopened.stateOf(open2.alertId)).toMatchObject({ state: 'known', severity: 'info', lastSeq: 4 });
    await reopened.close();
    stacks.splice(0); // already closed; temp dir removed by cleanups
  });
});
