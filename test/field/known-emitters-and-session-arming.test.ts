// Known-emitter labels on alerts, expiry of UI-marked emitters, and a session start raising open 'low' alerts to 'high'.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import { ExamSchedule } from '../../src/field/exam-schedule.js';
import { KnownEmitters, DEFAULT_MARKED_TTL_MS } from '../../src/field/known-emitters.js';
import { createSiteField } from '../../src/site/site-field.js';
import type { Alert } from '../../src/server/protocol.js';
import type { DetectionEvent } from '../../src/types.js';
import { AlertModel } from '../../web-ui/src/alert-model.js';
import { setLang, t } from '../../web-ui/src/i18n.js';
import { silentLog } from '../helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-field-gaps-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const H = 3_600_000;
const T0 = Date.parse('2026-06-07T01:00:00Z'); // 09:00 in Asia/Shanghai
const ev = (over: Partial<DetectionEvent> = {}): DetectionEvent => ({
  kind: 'open', id: 1, centerHz: 433_980_000, bandwidthHz: 1200, lowHz: 433_979_400, highHz: 433_980_600, peakExcessDb: 20, peakPowerDbfs: -30,
  startS: 1, paths: ['fast'], overload: false, tuneId: 0, packets: 1, ...over,
});
const siteOf = (dataDir: string, extra: Record<string, unknown>) =>
  applySiteDefaults(validateSiteConfig({ timeZone: 'Asia/Shanghai', dataDir, sensors: [{ name: 'a', source: 'sim' }], ...extra }, 'site.json'), {}, 'site.json');
const until = async <T>(f: () => T | undefined, ms = 2000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('known-emitter label on alerts', () => {
  it('a detection in a configured emitter: open, update and close carry knownLabel (stored); others do not; the UI folds and words it', async () => {
    const dataDir = join(dir, 'label');
    const site = siteOf(dataDir, { knownEmitters: [{ lowHz: 433_970_000, highHz: 433_990_000, label: 'invigilator handheld' }] });
    const field = await createSiteField(site, { log: silentLog, refreshCommand: 'x', now: () => T0 });
    expect(field.knownEmitterCheck({ sensor: 'a', detection: ev() })).toEqual({ label: 'invigilator handheld', id: 'config:0' });
    expect(field.knownEmitterCheck({ sensor: 'a', detection: ev({ centerHz: 433_900_000 }) })).toBe(false);
    const store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const bus = new AlertBus({ store, updateIntervalMs: 0, now: () => T0, knownEmitterCheck: (c) => field.knownEmitterCheck(c), severityFor: (c) => field.severityFor(c) });
    const open = await bus.handleDetection('a', ev())!;
    const upd = await bus.handleDetection('a', ev({ kind: 'update', peakExcessDb: 25 }))!;
    const close = await bus.handleDetection('a', ev({ kind: 'close', endS: 2 }))!;
    expect([open.state, open.severity, open.knownLabel]).toEqual(['known', 'info', 'invigilator handheld']);
    expect(upd.knownLabel).toBe('invigilator handheld');
    expect([close.event, close.knownLabel]).toEqual(['close', 'invigilator handheld']);
    const other = await bus.handleDetection('a', ev({ id: 2, centerHz: 433_900_000, lowHz: 433_899_400, highHz: 433_900_600 }))!;
    expect([other.state, other.severity, other.knownLabel]).toEqual(['new', 'high', undefined]);
    await bus.close();
    await store.close();
    // on disk
    const again = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const stored: Alert[] = [];
    for await (const a of again.readSince(0)) stored.push(a);
    await again.close();
    expect(stored.filter((a) => a.alertId === open.alertId).map((a) => [a.event, a.knownLabel])).toEqual([
      ['open', 'invigilator handheld'], ['update', 'invigilator handheld'], ['close', 'invigilator handheld'],
    ]);
    // UI model keeps the label (also when only the open had it), and the list's wording
    const m = new AlertModel();
    m.apply(open);
    m.apply({ ...close, knownLabel: undefined });
    expect(m.get(open.alertId)?.knownLabel).toBe('invigilator handheld');
    setLang('en');
    expect(t('alert.knownAs', { label: 'invigilator handheld' })).toBe('known: invigilator handheld');
    expect(t('detail.knownLabel')).toBe('Known emitter');
  });
});

describe('UI-marked known emitters expire', () => {
  it('config ttl validated (default 24 h); a marked emitter matches until addedAt + ttl, a config one keeps matching', async () => {
    expect(siteOf(join(dir, 'x'), {}).knownEmitterMarks).toEqual({ ttlH: 24 });
    expect(siteOf(join(dir, 'x'), { knownEmitterMarks: { ttlH: 2 } }).knownEmitterMarks).toEqual({ ttlH: 2 });
    const err = (extra: Record<string, unknown>): string => {
      try {
        siteOf(join(dir, 'x'), extra);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(err({ knownEmitterMarks: { ttlH: 0 } })).toContain('site.json: knownEmitterMarks.ttlH: expected more than 0 hours');
    expect(err({ knownEmitterMarks: { ttlH: 9000 } })).toContain('knownEmitterMarks.ttlH');
    expect(err({ knownEmitterMarks: { ttl: 3 } })).toContain('knownEmitterMarks');
    expect(DEFAULT_MARKED_TTL_MS).toBe(24 * H);

    // a marked entry (as the UI writes it, addedAt = the known record's time) and a config one on another band
    const dataDir = join(dir, 'ttl');
    await rm(dataDir, { recursive: true, force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { recursive: true });
    const addedAt = new Date(T0).toISOString();
    await writeFile(join(dataDir, 'known-emitters.json'), JSON.stringify({ quietbandKnownEmitters: 1, emitters: [
      { lowHz: 1000, highHz: 2000, sensor: 'a', label: 'marked known by li', addedAt, addedBy: 'li', alertId: 'A1' },
      { lowHz: 5000, highHz: 6000, sensor: 'a', label: 'hand-edited, no addedAt' },
    ] }));
    const configured = [{ lowHz: 3000, highHz: 4000, label: 'config' }];
    const k = await KnownEmitters.open({ dataDir, configured, rbwHzOf: () => 244, log: silentLog, markedTtlMs: 2 * H });
    expect(k.match('a', 1500, T0 + 2 * H - 1)?.label).toBe('marked known by li');
    expect(k.match('a', 1500, T0 + 2 * H)).toBeUndefined();
    expect(k.expiryOf(k.list().find((e) => e.alertId === 'A1')!)).toBe(T0 + 2 * H);
    expect(k.match('a', 3500, T0 + 1000 * H)?.label).toBe('config');
    expect(k.match('a', 5500, T0 + 1000 * H)?.label).toBe('hand-edited, no addedAt');
    // default ttl 24 h
    const d = await KnownEmitters.open({ dataDir, configured, rbwHzOf: () => 244, log: silentLog });
    expect(d.match('a', 1500, T0 + 24 * H - 1)?.label).toBe('marked known by li');
    expect(d.match('a', 1500, T0 + 24 * H)).toBeUndefined();

    // end to end through the site field: mark an alert at T0, known at T0 + 1 h, not at T0 + 3 h (ttlH 2)
    const dataDir2 = join(dir, 'ttl2');
    let nowMs = T0;
    const field = await createSiteField(siteOf(dataDir2, { knownEmitterMarks: { ttlH: 2 } }), { log: silentLog, refreshCommand: 'x', now: () => nowMs });
    const store = await AlertStore.open({ dataDir: dataDir2, site: 's', fsync: false });
    const bus = new AlertBus({ store, now: () => nowMs, knownEmitterCheck: (c) => field.knownEmitterCheck(c) });
    field.start(bus, store, []);
    const opened = await bus.handleDetection('a', ev())!;
    await bus.known(opened.alertId, 'li');
    await until(() => (field.known.list().length === 1 ? true : undefined));
    nowMs = T0 + H;
    const second = await bus.handleDetection('a', ev({ id: 2 }))!;
    expect([second.state, second.knownLabel]).toEqual(['known', `marked known by li (alert ${opened.alertId})`]);
    nowMs = T0 + 3 * H;
    const third = await bus.handleDetection('a', ev({ id: 3 }))!;
    expect([third.state, third.severity, third.knownLabel]).toEqual(['new', 'high', undefined]);
    field.stop();
    await bus.close();
    await store.close();
  });
});

describe('session start raises open low alerts', () => {
  it('AlertBus.armOpenAlerts: low open → update high + session (close keeps both); known, overload and closed ones untouched', async () => {
    const dataDir = join(dir, 'arm');
    const store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const schedule = new ExamSchedule([{ name: 'Maths', start: '', end: '', startMs: T0, endMs: T0 + 2 * H }], { windowMin: 0, seconds: 60, maxAgeH: 24 });
    let nowMs = T0 - 60_000;
    const bus = new AlertBus({
      store, updateIntervalMs: 1000, now: () => nowMs,
      severityFor: (c) => schedule.severityFor(c, nowMs),
      knownEmitterCheck: ({ detection }) => (detection.id === 3 ? { label: 'radio' } : false),
    });
    const low = await bus.handleDetection('a', ev({ id: 1 }))!;
    const over = await bus.handleDetection('a', ev({ id: 2, overload: true }))!;
    const known = await bus.handleDetection('a', ev({ id: 3 }))!;
    const ended = await bus.handleDetection('a', ev({ id: 4 }))!;
    await bus.handleDetection('a', ev({ id: 4, kind: 'close', endS: 2 }));
    expect([low.severity, over.severity, known.severity, ended.severity]).toEqual(['low', 'low', 'info', 'low']);
    // a throttled update pending for the low alert is written as the arming record
    expect(bus.handleDetection('a', ev({ id: 1, kind: 'update', peakExcessDb: 33 }))).toBeUndefined();
    nowMs = T0 + 5;
    const recs = await bus.armOpenAlerts('Maths');
    expect(recs.map((r) => [r.alertId, r.event, r.severity, r.session, r.peakExcessDb, r.state])).toEqual([[low.alertId, 'update', 'high', 'Maths', 33, 'new']]);
    expect(await bus.armOpenAlerts('Maths')).toEqual([]); // already high
    nowMs = T0 + 10_000;
    const close = await bus.handleDetection('a', ev({ id: 1, kind: 'close', endS: 70 }))!;
    expect([close.severity, close.session]).toEqual(['high', 'Maths']);
    expect(store.stateOf(over.alertId)?.severity).toBe('low');
    expect(store.stateOf(known.alertId)?.severity).toBe('info');
    await bus.close();
    await store.close();
  });

  it('site field: when the session begins (timer tick), an alert opened a minute before is raised to high with the session name', async () => {
    const dataDir = join(dir, 'arm-field');
    let nowMs = T0 - 60_000; // 08:59 site time; Maths 09:00–11:00
    const site = siteOf(dataDir, { sessions: [{ name: 'Maths', start: '2026-06-07T09:00', end: '2026-06-07T11:00' }], calibration: { windowMin: 0 } });
    const field = await createSiteField(site, { log: silentLog, refreshCommand: 'x', now: () => nowMs, tickMs: 5 });
    const store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const bus = new AlertBus({ store, now: () => nowMs, severityFor: (c) => field.severityFor(c) });
    const seen: Alert[] = [];
    bus.on('alert', (a) => seen.push(a));
    field.start(bus, store, []);
    const open = await bus.handleDetection('a', ev())!;
    expect([open.severity, open.session]).toEqual(['low', undefined]);
    await new Promise((r) => setTimeout(r, 40)); // ticks before the start: nothing
    expect(seen.filter((a) => a.event === 'update')).toEqual([]);
    nowMs = T0 + 500;
    const upd = await until(() => seen.find((a) => a.event === 'update'));
    expect([upd.alertId, upd.severity, upd.session]).toEqual([open.alertId, 'high', 'Maths']);
    await new Promise((r) => setTimeout(r, 40)); // later ticks in the same session: once only
    expect(seen.filter((a) => a.event === 'update')).toHaveLength(1);
    field.stop();
    await bus.close();
    await store.close();
  });
});
