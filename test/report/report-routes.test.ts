// GET /sessions and /report over a site's config + store, served by the real server behind token auth.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { applySiteDefaults, loadSiteConfigFile, type SiteSettings } from '../../src/config/site-config.js';
import { reportCommand } from '../../src/cli/report.js';
import { formatSiteTime, machineTimeZone } from '../../src/field/local-time.js';
import { printPdf, reportRoutes } from '../../src/report/report-routes.js';
import { errorMessageIn } from '../../src/error-text.js';
import { createServer } from 'node:http';
import { sessionsOf, siteReportSource, type ReportSource, type SessionListEntry } from '../../src/report/report-source.js';
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
    const server = await serveReports(site);
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
      // every answer of the route in the request's language (these were English on a Chinese page)
      const otherSite = await fetch(`${server.url}report?session=maths-am&site=elsewhere`, auth);
      expect([otherSite.status, await otherSite.text()]).toEqual([404, 'report: this daemon is site "hall-q", not "elsewhere"\n']);
      const otherSiteZh = await fetch(`${server.url}report?session=maths-am&site=elsewhere&lang=zh-CN`, auth);
      expect([otherSiteZh.status, await otherSiteZh.text()]).toEqual([404, '报告：本守护进程是考点“hall-q”，不是“elsewhere”\n']);
      const noSession = await fetch(`${server.url}report?site=hall-q`, auth);
      expect([noSession.status, await noSession.text()]).toEqual([400, 'report: expected /report?session=<name> (optional &site=<site>, &format=pdf)\n']);
      const noSessionZh = await fetch(`${server.url}report?site=hall-q&lang=zh-CN`, auth);
      expect([noSessionZh.status, await noSessionZh.text()]).toEqual([400, '报告：应为 /report?session=<名称>（可选 &site=<考点>、&format=pdf）\n']);
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
    }
  });

  // The demo defines its session anew from each start (src/site/demo-site.ts): after a restart the config's window
  // begins after the first run's alerts, which still carry the session's name.
  it('a session of two runs (config redefined at the second start): /sessions, /report and the CLI give the same window and alerts', async () => {
    const dataDir = join(tmp.dir, 'two-runs');
    mkdirSync(dataDir, { recursive: true });
    const S = '演示考试 Demo exam';
    const d = (seq: number, alertId: string, hms: string, extra: Partial<Alert> = {}): Alert => rec(seq, alertId, `2026-12-07T${hms}.000Z`, { site: 'demo', ...extra });
    const closed = (seq: number, alertId: string, hms: string, extra: Partial<Alert> = {}): Alert => d(seq, alertId, hms, { event: 'close', endTime: `2026-12-07T${hms}.000Z`, ...extra });
    const records: Alert[] = [
      // run 1, session 15:20–23:20: an emitter heard while calibrating (no session name), two transmissions
      d(1, 'demo-cal-1', '15:20:32', { kind: 'present-during-calibration', severity: 'low', startTime: '2026-12-07T15:20:22.000Z', endTime: '2026-12-07T15:20:32.000Z' }),
      closed(2, 'demo-cal-1', '15:20:32', { kind: 'present-during-calibration', severity: 'low' }),
      d(3, 'demo-1', '15:20:40', { session: S, centerHz: 433_920_000 }),
      closed(4, 'demo-1', '15:20:44', { session: S }),
      d(5, 'demo-2', '15:43:30', { session: S, centerHz: 868_300_000 }),
      closed(6, 'demo-2', '15:43:34', { session: S }),
      // run 2, session 15:44–23:44: a transmission, a sensor outage (no session name) inside the span, a last transmission
      d(7, 'demo-3', '15:44:20', { session: S, centerHz: 434_100_000 }),
      closed(8, 'demo-3', '15:44:25', { session: S }),
      d(9, 'demo-off', '15:44:30', { kind: 'sensor-offline', severity: 'high', sensor: 'room-1' }),
      closed(10, 'demo-off', '15:44:40', { kind: 'sensor-offline', severity: 'high', sensor: 'room-1' }),
      d(11, 'demo-4', '15:45:00', { session: S, centerHz: 433_500_000 }),
      closed(12, 'demo-4', '15:45:03', { session: S }),
      // after the session's last alert: not in the window, no session name
      d(13, 'demo-cal-2', '15:46:00', { kind: 'present-during-calibration', severity: 'low' }),
    ];
    writeFileSync(join(dataDir, 'alerts.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // the machine's zone, in which the CLI without --config shows times, so the two pages word the window alike
    const timeZone = machineTimeZone();
    const local = (iso: string): string => formatSiteTime(Date.parse(iso), timeZone).slice(0, 16); // as demo-site.ts writes it
    const cfgFile = join(tmp.dir, 'two-runs.json');
    writeFileSync(cfgFile, JSON.stringify({ site: 'demo', timeZone, dataDir, calibrationDir: join(tmp.dir, 'cal2'), sessions: [{ name: S, start: local('2026-12-07T15:44:00Z'), end: local('2026-12-07T23:44:00Z') }], sensors: [{ name: 'room-1', source: 'sim', centerHz: 433_920_000, rateSps: 250_000 }] }));
    const site = applySiteDefaults(await loadSiteConfigFile(cfgFile), {}, cfgFile);
    expect(site.sessions[0]!.startMs).toBe(Date.parse('2026-12-07T15:44:00Z'));
    const server = await serveReports(site);
    try {
      const list = ((await (await fetch(`${server.url}sessions`, server.auth)).json()) as { sessions: SessionListEntry[] }).sessions;
      expect(list).toEqual([{ name: S, site: 'demo', startTime: '2026-12-07T15:20:40.000Z', endTime: '2026-12-07T15:45:03.000Z', configured: true, alerts: 5 }]);
      const web = await (await fetch(`${server.url}report?session=${encodeURIComponent(S)}`, server.auth)).text();
      const out = join(tmp.dir, 'two-runs-cli.html');
      const counts = await reportCommand({ session: S, dataDir, output: out, chromium: 'chromium' });
      const cli = readFileSync(out, 'utf8');
      expect(counts).toEqual({ alerts: 4, outages: 1 });
      const windowRow = (html: string): string | undefined => /<tr><td>Window<\/td><td>([^<]*)<\/td><\/tr>/.exec(html)?.[1];
      expect(windowRow(web)).toMatch(/ \(.+; from the alerts of this session\)$/);
      expect(windowRow(web)).toBe(windowRow(cli));
      const ids = (html: string): string[] => [...html.matchAll(/data-alert-id="([^"]+)"/g)].map((m) => m[1]!);
      expect(ids(web)).toEqual(['demo-1', 'demo-2', 'demo-3', 'demo-4']);
      expect(ids(cli)).toEqual(ids(web));
      for (const html of [web, cli]) expect(html).toContain('<table id="outages">');
    } finally {
      await server.close();
    }
  });
});

describe('PDF print time limit', () => {
  // a Chromium that prints too slowly and, like Chromium, ends with status 0 on SIGTERM, writing no file
  const slow = join(tmp.dir, 'slow-chromium.sh');
  const silent = join(tmp.dir, 'silent-chromium.sh');
  writeFileSync(slow, '#!/bin/sh\ntrap "exit 0" TERM\nsleep 5 &\nwait\n', { mode: 0o755 });
  writeFileSync(silent, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const html = join(tmp.dir, 'print.html');
  writeFileSync(html, '<p>x</p>');

  it('a print stopped at the limit is a timeout, not "file not found", in both languages; an ended print without a file says so', async () => {
    const t0 = Date.now();
    const err = (await printPdf(html, join(tmp.dir, 'slow.pdf'), slow, 300).catch((e: unknown) => e)) as Error;
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(err.message).toBe(`${slow} did not finish printing the PDF within 0.3 s (the computer may be busy): try again, or open the HTML report and print it from the browser`);
    const missing = (await printPdf(html, join(tmp.dir, 'none.pdf'), silent, 5000).catch((e: unknown) => e)) as Error;
    expect(missing.message).toBe(`${silent} ended without writing the PDF ${join(tmp.dir, 'none.pdf')}`);
    expect(errorMessageIn('zh-CN', missing)).toBe(`${silent} 结束时没有写出 PDF ${join(tmp.dir, 'none.pdf')}`);
  });

  it('GET /report?format=pdf answers 500 with the timeout in the request\'s language (was ENOENT on report.pdf)', async () => {
    const src: ReportSource = { sessions: async () => [], input: async (session) => ({ session, records: [rec(1, 'hall-q-1', '2026-06-07T01:30:00.000Z', { session: 'maths-am' })] }) };
    const server = createServer();
    const routes = reportRoutes(src, { chromium: slow, pdfTimeoutMs: 800 });
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (!routes.some((r) => r(req, res, url))) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const zh = await fetch(`${base}/report?session=maths-am&format=pdf&lang=zh-CN`);
      expect(zh.status).toBe(500);
      expect(await zh.text()).toBe(`报告生成失败：${slow} 未能在 0.8 秒内打印完 PDF（电脑可能繁忙）：请重试，或打开 HTML 报告后在浏览器中打印\n`);
      const en = await fetch(`${base}/report?session=maths-am&format=pdf`);
      expect(await en.text()).toBe(`report failed: ${slow} did not finish printing the PDF within 0.8 s (the computer may be busy): try again, or open the HTML report and print it from the browser\n`);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

/** The real server (token auth, token 'secret-token') with the report routes of `site` over its data dir; `close` stops it all. */
async function serveReports(site: SiteSettings): Promise<{ url: string; auth: RequestInit; close(): Promise<void> }> {
  const { dataDir, site: name } = site;
  const store = await AlertStore.open({ dataDir, site: name });
  const bus = new AlertBus({ store });
  const server = await startServer({ port: 0, site: name, sensors: [], store, bus, dataDir, requireAuth: true, token: 'secret-token', routes: reportRoutes(siteReportSource(site), { dataDir }) });
  return {
    url: server.url,
    auth: { headers: { Authorization: 'Bearer secret-token' } },
    async close() {
      await server.close();
      await bus.close();
      await store.close();
    },
  };
}
