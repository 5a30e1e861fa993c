// Server side of the control room: a known mark keeps the label the supervisor typed, marked emitters are listed and
// removed over HTTP (persisted), server texts carry message codes, and status says which session is on.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import type { Alert, KnownEmitterEntry } from '../../src/server/protocol.js';
import { giveBackHidden, giveBackOrphans, knownEmitterRoutes, ORPHAN_REMOVER } from '../../src/field/known-emitter-routes.js';
import { KnownEmitters } from '../../src/field/known-emitters.js';
import { createSiteField } from '../../src/site/site-field.js';
import type { DetectionEvent } from '../../src/types.js';
import { judgeBaseline } from '../../src/field/baseline-health.js';
import { alertMessageText, healthMessageText } from '../../web-ui/src/format.js';
import { setLang } from '../../web-ui/src/i18n.js';
import { silentLog } from '../helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-control-room-server-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-06-07T01:30:00Z'); // 09:30 in Asia/Shanghai
const ev = (over: Partial<DetectionEvent> = {}): DetectionEvent => ({
  kind: 'open', id: 1, centerHz: 433_980_000, bandwidthHz: 1200, lowHz: 433_979_400, highHz: 433_980_600, peakExcessDb: 20, peakPowerDbfs: -30,
  startS: 1, paths: ['fast'], overload: false, tuneId: 0, ...over,
} as DetectionEvent);
const siteOf = (dataDir: string, extra: Record<string, unknown>) =>
  applySiteDefaults(validateSiteConfig({ timeZone: 'Asia/Shanghai', dataDir, sensors: [{ name: 'a', source: 'sim' }], ...extra }, 'site.json'), {}, 'site.json');

/** A bus whose alerts are known while `known` matches them (as the site wires it), its records observed by `known`. */
function busOver(store: AlertStore, known: KnownEmitters, now: () => number): AlertBus {
  const bus = new AlertBus({
    store, updateIntervalMs: 0, now,
    knownEmitterCheck: (ctx) => {
      const e = known.match(ctx.sensor, ctx.detection.centerHz, now());
      return e === undefined ? false : { label: e.label, id: known.idOf(e) };
    },
  });
  bus.on('alert', (a) => known.observe(a));
  return bus;
}

/** Serves `routes` on a loopback port; resolves its base URL and a closer. */
async function serve(routes: ReturnType<typeof knownEmitterRoutes>): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!routes.some((r) => r(req, res, url))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('removing a known mark gives back the alerts it hid (issue 16)', () => {
  it('the marked alert and a later one auto-marked at its frequency get state new / severity high back, with who and when; a config-known alert stays known', async () => {
    const dataDir = join(dir, 'unmark');
    let nowMs = T0;
    const store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const known = await KnownEmitters.open({ dataDir, configured: [{ lowHz: 868_000_000, highHz: 868_100_000, label: 'fire alarm link' }], rbwHzOf: () => 244, log: silentLog });
    const bus = busOver(store, known, () => nowMs);
    const first = (await bus.handleDetection('a', ev()))!;
    await known.markFromAlert((await bus.known(first.alertId, 'Ms Li (local@127.0.0.1)', 'invigilator radio'))!, store);
    nowMs += 60_000;
    const later = (await bus.handleDetection('a', ev({ id: 2, centerHz: 433_980_200 })))!;
    const alarm = (await bus.handleDetection('a', ev({ id: 3, centerHz: 868_050_000, lowHz: 868_049_000, highHz: 868_051_000 })))!;
    expect([later.state, later.severity, later.knownEmitterId, later.severityUnlessKnown]).toEqual(['known', 'info', `marked:${first.alertId}`, 'high']);
    expect([alarm.state, alarm.knownEmitterId]).toEqual(['known', 'config:0']);
    // the marked alert: no ack/escalate while known (the detail's buttons follow the state)
    expect(await bus.ack(later.alertId, 'x')).toBeUndefined();

    nowMs += 60_000;
    const restored: string[] = [];
    bus.on('alert', (a) => a.event === 'unmark' && restored.push(a.alertId));
    const http = await serve(knownEmitterRoutes(known, silentLog, { now: () => nowMs, onRemoved: async (e, id, by) => (await bus.unmarkKnown({ id, label: e.label, sensor: e.sensor, alertId: e.alertId }, by)).length }));
    try {
      const del = await fetch(`${http.url}/known-emitters?id=${encodeURIComponent(`marked:${first.alertId}`)}&by=${encodeURIComponent('王老师')}`, { method: 'DELETE', headers: { 'X-QuietBand-Request': '1' } });
      expect(del.status).toBe(200);
      expect(((await del.json()) as { restored: number }).restored).toBe(2);
    } finally {
      await http.close();
    }
    expect(restored).toEqual([first.alertId, later.alertId]);
    for (const id of [first.alertId, later.alertId]) expect(bus.stateOf(id)).toMatchObject({ state: 'new', severity: 'high' });
    expect(bus.stateOf(alarm.alertId)).toMatchObject({ state: 'known', severity: 'info' });
    const recs: Alert[] = [];
    for await (const r of store.readSince(0)) if (r.event === 'unmark' && r.alertId === later.alertId) recs.push(r);
    expect(recs.map((r) => [r.state, r.severity, r.ackBy, r.time, r.message, r.messageCode])).toEqual([
      ['new', 'high', '王老师 (127.0.0.1)', new Date(T0 + 120_000).toISOString(), 'known emitter "invigilator radio" removed: this alert counts again', { id: 'known.removed', params: { label: 'invigilator radio' } }],
    ]);
    setLang('zh-CN');
    expect(alertMessageText(recs[0]!.message, recs[0]!.messageCode)).toBe('已知发射源“invigilator radio”已移除：本告警重新计入');
    setLang('en');
    // its actions are back: acknowledging stores a record again (escalate is a no-op on a 'high' alert)
    expect((await bus.ack(later.alertId, 'Ms Li'))?.state).toBe('acknowledged');
    expect((await bus.ack(first.alertId, 'Ms Li'))?.state).toBe('acknowledged');
    // and a new detection at that frequency alerts again
    expect((await bus.handleDetection('a', ev({ id: 4 })))!.state).toBe('new');
    await bus.close();
    await store.close();
    const reopened = await AlertStore.open({ dataDir, site: 's', fsync: false });
    expect(reopened.stateOf(later.alertId)).toMatchObject({ state: 'acknowledged', severity: 'high', lastEvent: 'ack' });
    await reopened.close();
  });
});

describe('overlapping known marks (issue 16)', () => {
  it('removing one of two marks that cover one frequency gives back only what the other does not cover; removing the other gives back the rest', async () => {
    const dataDir = join(dir, 'overlap');
    const nowMs = T0;
    const store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const known = await KnownEmitters.open({ dataDir, configured: [], rbwHzOf: () => 244, log: silentLog });
    const bus = busOver(store, known, () => nowMs);
    const at = (id: number, centerHz: number): DetectionEvent => ev({ id, centerHz, lowHz: centerHz - 600, highHz: centerHz + 600 });
    // two radios 3 kHz apart, both new, both marked: A covers 433.977 230–433.982 770 MHz, B 433.980 230–433.985 770
    // (their bands ± max(2 RBW, 5 ppm) = 2170 Hz), overlapping over 433.980 230–433.982 770
    const a1 = (await bus.handleDetection('a', at(1, 433_980_000)))!;
    const a2 = (await bus.handleDetection('a', at(2, 433_983_000)))!;
    const A = (await known.markFromAlert((await bus.known(a1.alertId, 'Ms Li', 'radio A'))!, store))!;
    const B = (await known.markFromAlert((await bus.known(a2.alertId, 'Ms Li', 'radio B'))!, store))!;
    expect([[A.lowHz, A.highHz], [B.lowHz, B.highHz]]).toEqual([[433_977_230, 433_982_770], [433_980_230, 433_985_770]]);
    // later detections: in both (matched by A, the first), in A only, in B only
    const both = (await bus.handleDetection('a', at(3, 433_981_000)))!;
    const onlyA = (await bus.handleDetection('a', at(4, 433_978_000)))!;
    const onlyB = (await bus.handleDetection('a', at(5, 433_985_000)))!;
    expect([both, onlyA, onlyB].map((x) => [x.state, x.knownEmitterId])).toEqual([['known', known.idOf(A)], ['known', known.idOf(A)], ['known', known.idOf(B)]]);
    const restored: string[] = [];
    bus.on('alert', (x) => x.event === 'unmark' && restored.push(x.alertId));
    const removeMark = async (e: typeof A): Promise<number> => {
      const id = known.idOf(e);
      const removed = (await known.remove(id))!;
      const out = await giveBackHidden(bus, known, () => nowMs)(removed, id, 'Wang Fang');
      return typeof out === 'number' ? out : out.restored;
    };

    // A goes: its own alert (433.980 000 MHz, below B) and the one only A covered count again; the one in both stays
    // hidden by B
    expect(await removeMark(A)).toBe(2);
    expect(restored).toEqual([a1.alertId, onlyA.alertId]);
    expect(bus.stateOf(both.alertId)).toMatchObject({ state: 'known', severity: 'info' });
    expect(bus.stateOf(onlyB.alertId)).toMatchObject({ state: 'known', severity: 'info' });
    // B goes too: its own alert, the one it kept hidden after A went, and the one only it covered
    restored.length = 0;
    expect(await removeMark(B)).toBe(3);
    expect(restored).toEqual([a2.alertId, both.alertId, onlyB.alertId]);
    for (const x of [a1, a2, both, onlyA, onlyB]) expect(bus.stateOf(x.alertId)).toMatchObject({ state: 'new', severity: 'high' });
    await bus.close();
    await store.close();
  });
});

describe('two marks of one emitter (trial 15)', () => {
  it('the alert the first mark was made from is known as the second mark after the first goes, and comes back when the second goes (also after a restart)', async () => {
    const dataDir = join(dir, 'same-emitter');
    const nowMs = T0;
    let store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const known = await KnownEmitters.open({ dataDir, configured: [], rbwHzOf: () => 244, log: silentLog });
    let bus = busOver(store, known, () => nowMs);
    // one radio at 434.040 MHz heard twice before anyone marked it, then marked from each alert under another name
    const at = (id: number): DetectionEvent => ev({ id, centerHz: 434_040_000, lowHz: 434_039_400, highHz: 434_040_600 });
    const a1 = (await bus.handleDetection('a', at(1)))!;
    const a2 = (await bus.handleDetection('a', at(2)))!;
    const A = (await known.markFromAlert((await bus.known(a1.alertId, '王老师 (local@127.0.0.1)', '门卫对讲机'))!, store))!;
    const B = (await known.markFromAlert((await bus.known(a2.alertId, '李主任 (local@127.0.0.1)', '考务对讲'))!, store))!;
    const a3 = (await bus.handleDetection('a', at(3)))!;
    expect([a3.state, a3.knownEmitterId]).toEqual(['known', known.idOf(A)]);
    const seen: Alert[] = [];
    bus.on('alert', (x) => seen.push(x));
    const removeMark = async (e: typeof A) => {
      const id = known.idOf(e);
      const removed = (await known.remove(id))!;
      return giveBackHidden(bus, known, () => nowMs)(removed, id, '张老师 (local@127.0.0.1)');
    };

    // 门卫对讲机 goes: nothing comes back (考务对讲 covers 434.040 MHz too); the two alerts it hid are now known as 考务对讲
    expect(await removeMark(A)).toEqual({ restored: 0, stillKnown: [{ label: '考务对讲', count: 2 }] });
    expect(seen.map((x) => [x.alertId, x.event, x.state, x.knownLabel, x.knownEmitterId])).toEqual([
      [a1.alertId, 'update', 'known', '考务对讲', known.idOf(B)],
      [a3.alertId, 'update', 'known', '考务对讲', known.idOf(B)],
    ]);
    // 考务对讲 goes: all three come back, the first mark's own alert included
    seen.length = 0;
    expect(await removeMark(B)).toEqual({ restored: 3, stillKnown: [] });
    expect(seen.map((x) => [x.alertId, x.event, x.state, x.severity])).toEqual([
      [a1.alertId, 'unmark', 'new', 'high'], [a2.alertId, 'unmark', 'new', 'high'], [a3.alertId, 'unmark', 'new', 'high'],
    ]);
    await bus.close();
    await store.close();
    store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    bus = busOver(store, known, () => nowMs);
    for (const x of [a1, a2, a3]) expect(bus.stateOf(x.alertId)).toMatchObject({ state: 'new', severity: 'high' });
    await bus.close();
    await store.close();
  });
});

describe('alerts an older daemon left known after their marks went', () => {
  it('are given back at start when their own mark is gone and nothing covers them; one still marked, one config-known stay known', async () => {
    const dataDir = join(dir, 'orphans');
    const nowMs = T0;
    const store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const known = await KnownEmitters.open({ dataDir, configured: [{ lowHz: 868_000_000, highHz: 868_100_000, label: 'fire alarm link' }], rbwHzOf: () => 244, log: silentLog });
    const bus = busOver(store, known, () => nowMs);
    const at = (id: number, centerHz: number): DetectionEvent => ev({ id, centerHz, lowHz: centerHz - 600, highHz: centerHz + 600 });
    const a1 = (await bus.handleDetection('a', at(1, 434_040_000)))!;
    const a2 = (await bus.handleDetection('a', at(2, 434_040_000)))!;
    const kept = (await bus.handleDetection('a', at(3, 433_500_000)))!;
    const A = (await known.markFromAlert((await bus.known(a1.alertId, '王老师 (local@127.0.0.1)', '门卫对讲机'))!, store))!;
    const B = (await known.markFromAlert((await bus.known(a2.alertId, '李主任 (local@127.0.0.1)', '考务对讲'))!, store))!;
    await known.markFromAlert((await bus.known(kept.alertId, '李主任 (local@127.0.0.1)', '广播'))!, store);
    const fire = (await bus.handleDetection('a', at(4, 868_050_000)))!;
    expect(fire.state).toBe('known');
    // what the old daemon left: both marks removed, a1 never given back (B covered it when A went; B's removal missed it)
    await known.remove(known.idOf(A));
    await known.remove(known.idOf(B));
    await bus.unmarkKnown({ id: known.idOf(B), label: B.label, sensor: B.sensor, alertId: B.alertId }, 'Wang Fang');
    expect(bus.stateOf(a1.alertId)?.state).toBe('known');
    const seen: Alert[] = [];
    bus.on('alert', (x) => seen.push(x));
    expect(await giveBackOrphans(bus, store, known, ORPHAN_REMOVER, () => nowMs)).toBe(1);
    expect(seen.map((x) => [x.alertId, x.event, x.state, x.severity, x.ackBy])).toEqual([[a1.alertId, 'unmark', 'new', 'high', ORPHAN_REMOVER]]);
    expect([bus.stateOf(kept.alertId)?.state, bus.stateOf(fire.alertId)?.state]).toEqual(['known', 'known']);
    // once given back, a second start finds nothing
    expect(await giveBackOrphans(bus, store, known, ORPHAN_REMOVER, () => nowMs)).toBe(0);
    await bus.close();
    await store.close();
  });
});

describe('known mark with a label, listed and removed over HTTP', () => {
  it('stores the label on the known record and the emitter; GET lists it; DELETE removes it from the file; a reload agrees', async () => {
    const dataDir = join(dir, 'known');
    const store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const known = await KnownEmitters.open({ dataDir, configured: [{ lowHz: 868_000_000, highHz: 868_100_000, label: 'fire alarm link' }], rbwHzOf: () => 244, log: silentLog, markedTtlMs: 24 * 3_600_000 });
    const bus = new AlertBus({ store, updateIntervalMs: 0, now: () => T0 });
    bus.on('alert', (a) => known.observe(a));
    const open = (await bus.handleDetection('a', ev()))!;
    const rec = (await bus.known(open.alertId, 'Ms Li (local@127.0.0.1)', 'invigilator radio'))!;
    expect([rec.state, rec.severity, rec.knownLabel, rec.ackBy]).toEqual(['known', 'info', 'invigilator radio', 'Ms Li (local@127.0.0.1)']);
    const e = (await known.markFromAlert(rec, store))!;
    // band 433.9794–433.9806 MHz widened by max(2 × 244 Hz, 5 ppm = 2170 Hz) on each side
    expect([e.label, e.lowHz, e.highHz, e.addedBy]).toEqual(['invigilator radio', 433_977_230, 433_982_770, 'Ms Li (local@127.0.0.1)']);

    const http = await serve(knownEmitterRoutes(known, silentLog, { now: () => T0 + 3_600_000 }));
    try {
      const list = (await (await fetch(`${http.url}/known-emitters`)).json()) as { emitters: KnownEmitterEntry[] };
      expect(list.emitters.map((x) => [x.id, x.label, x.origin, x.removable, x.expired])).toEqual([
        ['config:0', 'fire alarm link', 'config', false, false],
        [`marked:${open.alertId}`, 'invigilator radio', 'marked', true, false],
      ]);
      expect(list.emitters[1]!.expiresMs).toBe(T0 + 24 * 3_600_000);
      expect(list.emitters[0]!.expiresMs).toBeUndefined();
      const del = await fetch(`${http.url}/known-emitters?id=${encodeURIComponent(`marked:${open.alertId}`)}`, { method: 'DELETE', headers: { 'X-QuietBand-Request': '1' } });
      expect(del.status).toBe(200);
      expect(((await del.json()) as { removed: KnownEmitterEntry }).removed.label).toBe('invigilator radio');
      expect(known.match('a', 433_980_000, T0)).toBeUndefined();
      const file = JSON.parse(await readFile(join(dataDir, 'known-emitters.json'), 'utf8')) as { emitters: unknown[] };
      expect(file.emitters).toEqual([]);
      const again = await KnownEmitters.open({ dataDir, configured: [], rbwHzOf: () => 244, log: silentLog });
      expect(again.list()).toEqual([]);
      expect((await fetch(`${http.url}/known-emitters?id=config:0`, { method: 'DELETE', headers: { 'X-QuietBand-Request': '1' } })).status).toBe(404);
    } finally {
      await http.close();
      await bus.close();
      await store.close();
    }
  });
});

describe('message codes', () => {
  it('sensor faults and restart closes carry a code the page renders in either language; a text without one is shown as sent', async () => {
    const dataDir = join(dir, 'codes');
    const store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const bus = new AlertBus({ store, updateIntervalMs: 0, now: () => T0 });
    try {
      const off = (await bus.raiseSensorAlert('a', 'sensor-offline', 'sensor a (rtl=0) stopped delivering: no data for 2.1 s', { id: 'offline.noData', params: { sensor: 'a', source: 'rtl=0', ms: 2100 } }))!;
      const back = (await bus.clearSensorAlert('a', 'sensor-offline', 'data flows again', { id: 'online.again' }))!;
      expect(off.messageCode).toEqual({ id: 'offline.noData', params: { sensor: 'a', source: 'rtl=0', ms: 2100 } });
      expect(back.messageCode).toEqual({ id: 'online.again' });
      setLang('zh-CN', false);
      expect(alertMessageText(off.message, off.messageCode)).toBe('传感器 a（rtl=0）停止输出数据：已 2.1 秒无数据');
      expect(alertMessageText(back.message, back.messageCode)).toBe('数据已恢复');
      expect(alertMessageText('heartbeats again', undefined)).toBe('heartbeats again');
      expect(alertMessageText('new text', { id: 'no.such.code' } as never)).toBe('new text');
      setLang('en', false);
      expect(alertMessageText(back.message, back.messageCode)).toBe('data flows again');
      await bus.handleDetection('a', ev());
      await bus.close();
      const bus2 = new AlertBus({ store, updateIntervalMs: 0, now: () => T0 });
      const closed: { messageCode?: unknown; message?: string }[] = [];
      bus2.on('alert', (a) => closed.push(a));
      expect(await bus2.recoverOpenAlerts()).toBe(1);
      expect(closed.map((a) => [a.message, a.messageCode])).toEqual([['closed at daemon restart: the previous run ended while it was open', { id: 'restart.closed' }]]);
      await bus2.close();
    } finally {
      await store.close();
    }
  });
});

describe('sensor health notes as codes', () => {
  it('a stale baseline note reads the same in English and is coded for the page (zh-CN), advice with the next window', () => {
    const j = judgeBaseline({ method: 'calibrate', createdAt: new Date(T0 - 72 * 3_600_000).toISOString(), path: '/cal/a.json' }, T0, 24, 'quietband calibrate --config /srv/site.json', { session: 'Maths', from: '08:40' });
    expect(j.note).toBe('baseline /cal/a.json is 72.0 h old (limit 24 h). Refresh it: stop quietband, run `quietband calibrate --config /srv/site.json`, start it again (or leave it running: the calibration window before "Maths" (from 08:40) records one).');
    expect(j.noteCodes!.map((c) => c.id)).toEqual(['baseline.stale', 'baseline.adviceWindow']);
    setLang('zh-CN', false);
    expect(healthMessageText(j.note, j.noteCodes)).toBe('基线 /cal/a.json 已录制 72.0 小时（上限 24 小时）。更新方法：停止 quietband，运行 `quietband calibrate --config /srv/site.json`，再重新启动（或保持运行：“Maths”之前的校准时段（08:40 起）会自动录制）。');
    expect(healthMessageText('usb_claim_interface error -6', undefined)).toBe('usb_claim_interface error -6');
    setLang('en', false);
  });
});

describe('session status', () => {
  it('names the session on now and the next one (epoch ms); no timetable → scheduled false', async () => {
    const sessions = [
      { name: '数学 Maths', start: '2026-06-07T09:00', end: '2026-06-07T11:00' },
      { name: 'Physics', start: '2026-06-07T14:00', end: '2026-06-07T15:30' },
    ];
    let now = T0;
    const field = await createSiteField(siteOf(join(dir, 'sess'), { sessions }), { log: silentLog, refreshCommand: 'x', now: () => now });
    expect(field.sessionStatus()).toEqual({
      scheduled: true,
      current: { name: '数学 Maths', startMs: Date.parse('2026-06-07T01:00:00Z'), endMs: Date.parse('2026-06-07T03:00:00Z') },
      next: { name: 'Physics', startMs: Date.parse('2026-06-07T06:00:00Z'), endMs: Date.parse('2026-06-07T07:30:00Z') },
    });
    now = Date.parse('2026-06-07T04:00:00Z'); // 12:00: between the two
    expect(field.sessionStatus()).toEqual({ scheduled: true, next: { name: 'Physics', startMs: Date.parse('2026-06-07T06:00:00Z'), endMs: Date.parse('2026-06-07T07:30:00Z') } });
    const none = await createSiteField(siteOf(join(dir, 'none'), {}), { log: silentLog, refreshCommand: 'x', now: () => now });
    expect(none.sessionStatus()).toEqual({ scheduled: false });
  });
});
