// GET /sessions and /report over a site's config + store, served by the real server behind token auth.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { applySiteDefaults, loadSiteConfigFile } from '../../src/config/site-config.js';
import { reportRoutes } from '../../src/report/report-routes.js';
import { sessionsOf, siteReportSource, type SessionListEntry } from '../../src/report/report-source.js';
import type { Alert } from '../../src/server/protocol.js';
import { startServer } from '../../src/server/server.js';
import { tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-report-routes-');
afterAll(() => tmp.cleanup());

const rec = (seq: number, alertId: string, time: string, extra: Partial<Alert> = {}): Alert => ({ seq, alertId, site: 'hall-q', sensor: 'room-1', kind: 'transmission', event: 'open', state: 'new', severity: 'high', time, startTime: time, ...extra });

// maths-am (configured) 09:00–11:00 Asia/Shanghai = 01:00Z–03:00Z; "rehearsal" only named by its alerts
const RECORDS: Alert[] = [
  rec(1, 'hall-q-1', '2026-06-06T02:00:00.000Z', { session: 'rehearsal', centerHz: 462_562_500 }),
  rec(2, 'hall-q-1', '2026-06-06T02:00:04.000Z', { session: 'rehearsal', event: 'close', endTime: '2026-06-06T02:00:04.000Z' }),
  rec(3, 'hall-q-3', '2026-06-07T01:30:00.000Z', { session: 'maths-am', centerHz: 433_980_000 }),
  rec(4, 'hall-q-4', '2026-06-07T02:10:00.000Z', { session: 'maths-am', centerHz: 446_006_250 }),
  rec(5, 'hall-q-3', '2026-06-07T02:20:00.000Z', { session: 'maths-am', event: 'ack', state: 'acknowledged', ackBy: 'Wang Fang' }),
];
/** A session named in Chinese and English, as exam boards name them. */
const ZH = rec(6, 'hall-q-6', '2026-06-08T02:00:00.000Z', { session: '数学 Maths', centerHz: 433_920_000 });

describe('report routes', () => {
  it('sessionsOf: configured sessions keep their window and are listed without alerts; others span their records; newest first', () => {
    const cfg = { site: 'hall-q', sessions: [{ name: 'maths-am', startMs: Date.parse('2026-06-07T01:00:00Z'), endMs: Date.parse('2026-06-07T03:00:00Z') }, { name: 'physics-pm', startMs: Date.parse('2026-06-07T06:00:00Z'), endMs: Date.parse('2026-06-07T08:00:00Z') }] };
    expect(sessionsOf(RECORDS, cfg)).toEqual([
      { name: 'physics-pm', site: 'hall-q', startTime: '2026-06-07T06:00:00.000Z', endTime: '2026-06-07T08:00:00.000Z', configured: true, alerts: 0 },
      { name: 'maths-am', site: 'hall-q', startTime: '2026-06-07T01:00:00.000Z', endTime: '2026-06-07T03:00:00.000Z', configured: true, alerts: 2 },
      { name: 'rehearsal', site: 'hall-q', startTime: '2026-06-06T02:00:00.000Z', endTime: '2026-06-06T02:00:04.000Z', configured: false, alerts: 1 },
    ]);
  });

  it('serves the list and the report of a session behind the token (401 without), keeps a copy, 404 for an unknown session', async () => {
    const dataDir = join(tmp.dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'alerts.jsonl'), [...RECORDS, ZH].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const cfgFile = join(tmp.dir, 'site.json');
    writeFileSync(cfgFile, JSON.stringify({ site: 'hall-q', timeZone: 'Asia/Shanghai', dataDir, calibrationDir: join(tmp.dir, 'cal'), sessions: [{ name: 'maths-am', start: '2026-06-07T09:00', end: '2026-06-07T11:00' }], sensors: [{ name: 'room-1', source: 'sim', centerHz: 433_920_000, rateSps: 250_000 }] }));
    const site = applySiteDefaults(await loadSiteConfigFile(cfgFile), {}, cfgFile);
    const store = await AlertStore.open({ dataDir, site: 'hall-q' });
    const bus = new AlertBus({ store });
    const server = await startServer({ port: 0, site: 'hall-q', sensors: [], store, bus, dataDir, requireAuth: true, token: 'secret-token', routes: reportRoutes(siteReportSource(site), { dataDir }) });
    try {
      const auth = { headers: { Authorization: 'Bearer secret-token' } };
      expect((await fetch(`${server.url}sessions`)).status).toBe(401);
      expect((await fetch(`${server.url}report?session=maths-am`)).status).toBe(401);
      const list = ((await (await fetch(`${server.url}sessions`, auth)).json()) as { sessions: SessionListEntry[] }).sessions;
      expect(list.map((s) => [s.name, s.configured, s.alerts])).toEqual([['数学 Maths', false, 1], ['maths-am', true, 2], ['rehearsal', false, 1]]);
      const r = await fetch(`${server.url}report?session=maths-am&site=hall-q`, auth);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-disposition')).toBe('inline; filename=hall-q-maths-am.html');
      const html = await r.text();
      expect(html).toContain('2026-06-07 09:00:00 – 2026-06-07 11:00:00 (Asia/Shanghai; as configured)');
      expect([...html.matchAll(/data-alert-id="([^"]+)"/g)].map((m) => m[1])).toEqual(['hall-q-3', 'hall-q-4']);
      expect(html).toContain('433.9800 MHz');
      expect(html).toContain('446.0063 MHz');
      expect(html).toContain('acknowledged by <b>Wang Fang</b> at 2026-06-07 10:20:00');
      expect(html).not.toContain('462.5625 MHz'); // the rehearsal's alert
      expect(readFileSync(join(dataDir, 'reports', 'hall-q-maths-am.html'), 'utf8')).toBe(html);
      const missing = await fetch(`${server.url}report?session=chemistry`, auth);
      expect(missing.status).toBe(404);
      expect(await missing.text()).toMatch(/session "chemistry": no alert carries this session/);
      // in the request's language (&lang=zh-CN), without the CLI's "(pass --config)": the daemon has its config
      const missingZh = await fetch(`${server.url}report?session=chemistry&lang=zh-CN`, auth);
      expect(missingZh.status).toBe(404);
      expect(await missingZh.text()).toBe('考试场次“chemistry”：没有告警属于该场次，也没有考点配置定义它；已存告警中的考试场次："rehearsal"、"maths-am"、"数学 Maths"\n');
      expect((await fetch(`${server.url}report?session=maths-am&site=elsewhere`, auth)).status).toBe(404);
      expect((await fetch(`${server.url}report?site=hall-q`, auth)).status).toBe(400);
      // a Chinese session name: the file name goes in filename* (RFC 5987/8187), an ASCII fallback in filename
      const zh = await fetch(`${server.url}report?session=${encodeURIComponent('数学 Maths')}`, auth);
      expect(zh.status).toBe(200);
      const cd = zh.headers.get('content-disposition')!;
      expect(cd).toBe("inline; filename=hall-q-___Maths.html; filename*=UTF-8''hall-q-%E6%95%B0%E5%AD%A6_Maths.html");
      expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(cd)![1]!)).toBe('hall-q-数学_Maths.html');
      expect(await zh.text()).toContain('数学 Maths');
      expect(readFileSync(join(dataDir, 'reports', 'hall-q-数学_Maths.html'), 'utf8')).toContain('data-alert-id="hall-q-6"');
    } finally {
      await server.close();
      await bus.close();
      await store.close();
    }
  });
});
