// Session report: ranked rooms (with dB) of grouped transmissions; malformed records cannot break /sessions or /report; a long session renders fast.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { reportRoutes } from '../../src/report/report-routes.js';
import { applySiteDefaults, loadSiteConfigFile } from '../../src/config/site-config.js';
import { sessionsOf, siteReportSource } from '../../src/report/report-source.js';
import { buildSessionReport, readAlertRecords, renderReportHtml } from '../../src/report/session-report.js';
import type { Alert } from '../../src/server/protocol.js';
import { startServer } from '../../src/server/server.js';
import type { DetectionEvent } from '../../src/types.js';
import { tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-report-rooms-');
afterAll(() => tmp.cleanup());

const LOCATIONS = {
  'hall-a': { room: 'Hall A', xM: 2, yM: 2 },
  'hall-b': { room: 'Hall B', xM: 10, yM: 2 },
  'hall-c': { room: 'Hall C', xM: 6, yM: 9 },
};
const ORIGIN = Date.parse('2026-06-07T01:30:00.000Z');
const tone = (kind: DetectionEvent['kind'], excessDb: number, endS?: number): DetectionEvent => ({
  kind, id: 1, centerHz: 433_980_000, bandwidthHz: 1000, lowHz: 433_979_500, highHz: 433_980_500, peakExcessDb: excessDb,
  peakPowerDbfs: -40, startS: 2.5, ...(endS !== undefined ? { endS } : {}), paths: ['fast', 'slow'], overload: false, tuneId: 0, packets: 1,
});

/** Section of the report HTML of one alert (by its id). */
function alertSection(html: string, alertId: string): string {
  const i = html.indexOf(`data-alert-id="${alertId}"`);
  expect(i).toBeGreaterThan(0);
  return html.slice(i, html.indexOf('</section>', i));
}

describe('session report: rooms', () => {
  it('lists the ranked rooms (nearest first, dB, difference to the nearest) and the position for each grouped alert', async () => {
    const dataDir = join(tmp.dir, 'grouped');
    const store = await AlertStore.open({ dataDir, site: 'exam-rooms' });
    const clock = { ms: ORIGIN + 3000 };
    const bus = new AlertBus({ store, locations: LOCATIONS, updateIntervalMs: 0, now: () => clock.ms });
    const ctx = { originMs: ORIGIN, session: 'maths-am' };
    // hall-b hears it first and weakly; hall-a (nearest) and hall-c join; all close with their final peaks
    await bus.handleDetection('hall-b', tone('open', 12.0), ctx);
    await bus.handleDetection('hall-a', tone('open', 26.2), ctx);
    await bus.handleDetection('hall-c', tone('open', 14.7), ctx);
    clock.ms += 1200;
    await bus.handleDetection('hall-a', tone('close', 33.7, 3.7), ctx);
    await bus.handleDetection('hall-c', tone('close', 17.9, 3.7), ctx);
    await bus.handleDetection('hall-b', tone('close', 16.2, 3.7), ctx);
    // and one transmission only hall-a saw (another frequency, later): no rooms
    clock.ms += 20_000;
    await bus.handleDetection('hall-a', { ...tone('open', 20, undefined), id: 2, centerHz: 446_006_250, lowHz: 446_000_000, highHz: 446_012_500, startS: 25 }, ctx);
    await bus.handleDetection('hall-a', { ...tone('close', 21, 26), id: 2, centerHz: 446_006_250, lowHz: 446_000_000, highHz: 446_012_500, startS: 25 }, ctx);
    await bus.close();
    await store.close();

    const records = await readAlertRecords(dataDir);
    const r = await buildSessionReport({ session: 'maths-am', records, timeZone: 'UTC', nowMs: ORIGIN + 60_000 });
    expect(r.alerts).toHaveLength(4);
    const grouped = r.alerts.filter((a) => a.rooms !== undefined);
    expect(grouped.map((a) => a.sensor).sort()).toEqual(['hall-a', 'hall-b', 'hall-c']);
    for (const a of grouped) {
      // the final ranking and every sensor's final excess — also for hall-a, whose own close record (written first)
      // still had hall-c at 14.7 dB and hall-b at 12 dB: the report takes the group's newest record
      expect(a.rooms!.map((x) => [x.room, x.sensor, x.excessDb])).toEqual([['Hall A', 'hall-a', 33.7], ['Hall C', 'hall-c', 17.9], ['Hall B', 'hall-b', 16.2]]);
      expect(a.groupId).toBe(grouped.find((x) => x.sensor === 'hall-b')!.alertId);
      // weighted centroid of (2,2), (6,9), (10,2) with weights 10^(3.37), 10^(1.79), 10^(1.62)
      const w = [10 ** 3.37, 10 ** 1.79, 10 ** 1.62];
      const sw = w[0]! + w[1]! + w[2]!;
      expect(a.positionM!.xM).toBeCloseTo((2 * w[0]! + 6 * w[1]! + 10 * w[2]!) / sw, 9);
      expect(a.positionM!.yM).toBeCloseTo((2 * w[0]! + 9 * w[1]! + 2 * w[2]!) / sw, 9);
    }
    const single = r.alerts.find((a) => a.centerHz === 446_006_250)!;
    expect(single.rooms).toBeUndefined();

    const html = renderReportHtml(r);
    const sec = alertSection(html, grouped.find((a) => a.sensor === 'hall-b')!.alertId);
    expect(sec).toContain('<th>Rooms (nearest first)</th>');
    const items = [...sec.matchAll(/<li data-room="([^"]+)" data-sensor="([^"]+)"><b>[^<]+<\/b> \([^)]+\) ([\d.]+) dB([^<]*)<\/li>/g)].map((m) => [m[1], m[2], m[3], m[4]]);
    expect(items).toEqual([['Hall A', 'hall-a', '33.7', ' — nearest'], ['Hall C', 'hall-c', '17.9', ' (-15.8 dB)'], ['Hall B', 'hall-b', '16.2', ' (-17.5 dB)']]);
    expect(sec).toMatch(/Estimated position: x 2\.2 m, y 2\.2 m/);
    expect(alertSection(html, single.alertId)).not.toContain('Rooms (nearest first)');
    // no config (e.g. at the hub): the sensors table takes each sensor's room from the ranked rooms
    const sensors = [...html.matchAll(/<tr><td>(hall-[abc])<\/td><td>([^<]*)<\/td>/g)].map((m) => [m[1], m[2]]);
    expect(sensors).toEqual([['hall-a', 'Hall A'], ['hall-b', 'Hall B'], ['hall-c', 'Hall C']]);
  });
});

describe('session report: malformed records', () => {
  const t = '2026-06-07T02:00:00.000Z';
  // deliberately malformed fields (a hand-edited or foreign alerts.jsonl): no Alert can carry them
  const base = (seq: number, extra: Record<string, unknown>): Alert =>
    ({ seq, alertId: `s-${seq}`, site: 'exam-rooms', sensor: 'hall-a', kind: 'transmission', event: 'close', state: 'new', severity: 'high', time: t, startTime: t, centerHz: 433_980_000, session: 'maths-am', ...extra }) as unknown as Alert;
  const ODD: Alert[] = [
    base(1, {}),
    base(2, { rooms: 'bogus' }),
    base(3, { rooms: [null, 5, { room: 7 }, { room: 'Hall C', sensor: 'hall-c', excessDb: 14.5 }] }),
    base(4, { rooms: [{ room: 'X', sensor: 'hall-a', excessDb: 'loud' }], positionM: 'here' }),
    base(5, { kind: 7 }),
    base(6, { time: null }),
    base(7, { session: 123 }),
    base(8, { startTime: 'garbage' }),
    base(9, { sensor: null }),
    base(10, { message: { obj: 1 } }),
    base(11, { severity: 'catastrophic', state: 5, bandLabel: ['x'], clip: 42 }),
    base(12, { event: 'ack', ackBy: { who: 1 } }),
    base(13, { rooms: [{ room: '<script>alert(1)</script>', sensor: '<b>x</b>', excessDb: 3 }] }),
    // a session only named by malformed times: not listed (and no toISOString of NaN)
    base(14, { session: 'ghost', time: 'soon', startTime: 'later', endTime: 'never' }),
  ];

  it('sessionsOf skips non-string names and unreadable times; build + render do not throw and escape everything', async () => {
    // 13: the report's alerts, s-7 (a session name of another type) too, as it starts in the window; not the ghost
    expect(sessionsOf(ODD).map((s) => [s.name, s.alerts])).toEqual([['maths-am', 13]]);
    const r = await buildSessionReport({ session: 'maths-am', records: ODD, timeZone: 'UTC' });
    expect(r.alerts.length + r.outages.length).toBe(13);
    expect(r.alerts.map((a) => a.alertId)).toContain('s-3');
    expect(r.alerts.find((a) => a.alertId === 's-3')!.rooms).toEqual([{ room: 'Hall C', sensor: 'hall-c', excessDb: 14.5 }]);
    expect(r.alerts.find((a) => a.alertId === 's-2')!.rooms).toBeUndefined();
    expect(r.alerts.find((a) => a.alertId === 's-4')!.rooms).toBeUndefined();
    const html = renderReportHtml(r);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    await expect(buildSessionReport({ session: 'ghost', records: ODD })).rejects.toThrow(/no record of this session has a readable time/);
  });

  it('GET /sessions and /report answer 200 over a site store holding such records (no 500 from a record field of an unexpected type)', async () => {
    const dataDir = join(tmp.dir, 'odd');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'alerts.jsonl'), ODD.map((a) => JSON.stringify(a)).join('\n') + '\n');
    const cfgFile = join(tmp.dir, 'odd-site.json');
    writeFileSync(cfgFile, JSON.stringify({ site: 'exam-rooms', timeZone: 'UTC', dataDir, calibrationDir: join(tmp.dir, 'cal'), sensors: [{ name: 'hall-a', source: 'sim', centerHz: 433_920_000, rateSps: 250_000, location: { room: 'Hall A' } }] }));
    const site = applySiteDefaults(await loadSiteConfigFile(cfgFile), {}, cfgFile);
    const storeDir = join(tmp.dir, 'odd-server');
    const store = await AlertStore.open({ dataDir: storeDir, site: 'exam-rooms' });
    const bus = new AlertBus({ store });
    const server = await startServer({ port: 0, site: 'exam-rooms', sensors: [], store, bus, dataDir: storeDir, routes: reportRoutes(siteReportSource(site)) });
    try {
      const list = await fetch(`${server.url}sessions`);
      expect(list.status).toBe(200);
      expect(((await list.json()) as { sessions: { name: string }[] }).sessions.map((s) => s.name)).toEqual(['maths-am']);
      const rep = await fetch(`${server.url}report?session=maths-am`);
      expect(rep.status).toBe(200);
      const html = await rep.text();
      expect(html).toContain('<b id="session">maths-am</b>');
      expect([...html.matchAll(/data-alert-id="([^"]+)"/g)].length).toBe(13);
      // an unknown session: 404 naming the stored alerts' sessions, not the CLI hint "(pass --config)"
      const nope = await fetch(`${server.url}report?session=nope`);
      expect(nope.status).toBe(404);
      expect(await nope.text()).toBe('session "nope": no alert carries this session and no site config defines it; sessions on the stored alerts: "maths-am", "ghost"\n');
    } finally {
      await server.close();
      await bus.close();
      await store.close();
    }
  });
});

describe('session report: a long session', () => {
  it('4500 grouped alerts (13 500 records) build and render in well under a second each', async () => {
    const records: Alert[] = [];
    let seq = 0;
    const t0 = Date.parse('2026-06-07T01:00:00.000Z');
    for (let i = 0; i < 1500; i++) {
      const start = new Date(t0 + i * 3000).toISOString();
      const end = new Date(t0 + i * 3000 + 1200).toISOString();
      const rooms = [{ room: 'Hall A', sensor: 'hall-a', excessDb: 30 }, { room: 'Hall C', sensor: 'hall-c', excessDb: 18 }, { room: 'Hall B', sensor: 'hall-b', excessDb: 16 }];
      const ids: string[] = [];
      for (const s of ['hall-a', 'hall-b', 'hall-c']) {
        seq++;
        ids.push(`x-${seq}`);
        records.push({ seq, alertId: `x-${seq}`, site: 'x', sensor: s, kind: 'transmission', event: 'open', state: 'new', severity: 'high', time: start, startTime: start, centerHz: 433_980_000, session: 'long' });
      }
      for (const [k, s] of ['hall-a', 'hall-b', 'hall-c'].entries()) {
        records.push({ seq: ++seq, alertId: ids[k]!, site: 'x', sensor: s, kind: 'transmission', event: 'update', state: 'new', severity: 'high', time: start, startTime: start, groupId: ids[0]!, rooms, positionM: { xM: 2.3, yM: 2.2 } });
        records.push({ seq: ++seq, alertId: ids[k]!, site: 'x', sensor: s, kind: 'transmission', event: 'close', state: 'new', severity: 'high', time: end, startTime: start, endTime: end, groupId: ids[0]!, rooms, positionM: { xM: 2.3, yM: 2.2 } });
      }
    }
    const a = performance.now();
    const r = await buildSessionReport({ session: 'long', records, timeZone: 'Asia/Shanghai' });
    const b = performance.now();
    const html = renderReportHtml(r);
    const c = performance.now();
    expect(r.alerts).toHaveLength(4500);
    expect(r.alerts.every((x) => x.rooms?.length === 3)).toBe(true);
    expect((html.match(/<section class="alert/g) ?? []).length).toBe(4500);
    // 4500 alerts render within 1 s only when times share a cached Intl.DateTimeFormat per zone (not one per time)
    expect(b - a).toBeLessThan(1000);
    expect(c - b).toBeLessThan(1000);
  });
});
