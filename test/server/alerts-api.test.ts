// GET /api/alerts: JSON alert records behind the same token as the other routes; since (seq or time), session, limit.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { alertsApiRoute, type AlertsApiAnswer } from '../../src/server/alerts-api.js';
import type { Alert } from '../../src/server/protocol.js';
import { startServer } from '../../src/server/server.js';
import { tempDir } from './helpers.js';

const t = tempDir('qb-alerts-api-');
afterAll(() => t.cleanup());

const rec = (seq: number, alertId: string, time: string, extra: Partial<Alert> = {}): Alert => ({ seq, alertId, site: 'hall-q', sensor: 'room-1', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time, ...extra });

describe('GET /api/alerts', () => {
  it('answers JSON behind the token, filtered by since (seq or time), session (with the records that follow) and limit', async () => {
    writeFileSync(
      join(t.dir, 'alerts.jsonl'),
      [
        rec(1, 'hall-q-1', '2026-06-07T00:50:00.000Z', { centerHz: 433_920_000 }),
        rec(2, 'hall-q-2', '2026-06-07T01:30:00.000Z', { session: '数学 Maths', centerHz: 433_980_000 }),
        rec(3, 'hall-q-2', '2026-06-07T01:30:04.000Z', { session: '数学 Maths', event: 'close', centerHz: 433_980_000 }),
        rec(4, 'hall-q-4', '2026-06-07T02:10:00.000Z', { session: 'physics', centerHz: 446_006_250 }),
        rec(5, 'hall-q-2', '2026-06-07T02:20:00.000Z', { event: 'ack', state: 'acknowledged', ackBy: 'Wang Fang' }),
      ].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    const store = await AlertStore.open({ dataDir: t.dir, site: 'hall-q' });
    const bus = new AlertBus({ store });
    const server = await startServer({ port: 0, site: 'hall-q', sensors: [], store, bus, dataDir: t.dir, requireAuth: true, token: 'secret-token', routes: [alertsApiRoute(store, 'hall-q')] });
    const get = async (q: string, auth = true): Promise<Response> => fetch(`${server.url}api/alerts${q}`, auth ? { headers: { Authorization: 'Bearer secret-token' } } : {});
    const seqs = async (q: string): Promise<number[]> => ((await (await get(q)).json()) as AlertsApiAnswer).alerts.map((a) => a.seq);
    try {
      expect((await get('', false)).status).toBe(401);
      const all = await get('');
      expect(all.status).toBe(200);
      expect(all.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = (await all.json()) as AlertsApiAnswer;
      expect(body).toMatchObject({ site: 'hall-q', lastSeq: 5, more: false });
      expect(body.alerts.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(body.alerts[3]!.centerHz).toBe(446_006_250);
      expect(await seqs('?since=3')).toEqual([4, 5]);
      expect(await seqs(`?since=${encodeURIComponent('2026-06-07T09:30:04+08:00')}`)).toEqual([3, 4, 5]);
      expect(await seqs(`?session=${encodeURIComponent('数学 Maths')}`)).toEqual([2, 3, 5]); // the ack does not repeat the session
      expect(await seqs(`?session=physics&since=1`)).toEqual([4]);
      const page = (await (await get('?limit=2')).json()) as AlertsApiAnswer;
      expect([page.alerts.map((a) => a.seq), page.more]).toEqual([[1, 2], true]);
      expect(await seqs('?since=2&limit=2')).toEqual([3, 4]);
      const bad = await get('?since=yesterday');
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/^\/api\/alerts: since: "yesterday" is neither a seq .* nor an ISO time with a zone/);
      expect(await (await get('?limit=0')).text()).toBe('/api/alerts: limit: expected a whole number 1-10000\n');
      expect((await fetch(`${server.url}api/alerts`, { method: 'POST', headers: { Authorization: 'Bearer secret-token' } })).status).toBe(405);
    } finally {
      await server.close();
      await bus.close();
      await store.close();
    }
  });
});
