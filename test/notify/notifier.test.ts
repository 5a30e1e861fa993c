// Notifications against local receivers: webhook (signed JSON), ntfy, e-mail (SMTP sink); routing, quiet hours (dropped or
// held), a receiver's own CA, outages, restarts.
import { createHmac } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { configError, notifySchema, notifySettings, type NotifySettings } from '../../src/notify/notify-config.js';
import { notifyMessage } from '../../src/notify/message.js';
import { Notifier, notifyProblems } from '../../src/notify/notifier.js';
import { OUTBOX_FILE } from '../../src/notify/outbox.js';
import type { WebhookBody } from '../../src/notify/senders.js';
import type { AlertSeverity } from '../../src/server/protocol.js';
import { loadOrCreateSelfSigned } from '../../src/server/tls.js';
import { det, memoryLogger, sleep, tempDir } from '../server/helpers.js';
import { freePort, httpReceiver, smtpSink } from './receivers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const SECRET = 'a-shared-secret-of-the-site';
/** 2026-06-08 is a Monday; 15:30Z is 23:30 in Asia/Shanghai. */
const NIGHT_MS = Date.parse('2026-06-08T15:30:00Z');
const DAY_MS = Date.parse('2026-06-08T02:00:00Z');

function settings(json: unknown): NotifySettings {
  return notifySettings(notifySchema.parse(json), process.cwd(), configError('test'));
}

/** Store + bus in a temp dir; transmissions below 433.925 MHz are 'low', the rest 'high'. */
async function stack(dir: string, nowMs?: number): Promise<{ store: AlertStore; bus: AlertBus }> {
  const store = await AlertStore.open({ dataDir: dir, site: 'hall-a' });
  const severityFor = ({ detection }: { detection?: { centerHz: number } }): AlertSeverity => (detection !== undefined && detection.centerHz < 433_925_000 ? 'low' : 'high');
  const bus = new AlertBus({ store, severityFor, ...(nowMs !== undefined ? { now: () => nowMs } : {}) });
  return { store, bus };
}

function notifier(dir: string, s: NotifySettings, st: { store: AlertStore; bus: AlertBus }, outboxCompactBytes?: number): Notifier {
  return new Notifier({ settings: s, dataDir: dir, ...st, log: memoryLogger('silent').logger, timeZone: 'Asia/Shanghai', rooms: { s1: 'room 101' }, ...(outboxCompactBytes !== undefined ? { outboxCompactBytes } : {}) });
}

/** After the test: stops the notifier and stack `live()` returns at that time, closes the receivers, removes the dir. */
function cleanupAfter(live: () => { n: Notifier; st: { store: AlertStore; bus: AlertBus } }, receivers: { close(): Promise<void> }[], t: { cleanup(): void }): void {
  cleanups.push(async () => {
    const { n, st } = live();
    await n.stop();
    await st.bus.close();
    await st.store.close();
    await Promise.all(receivers.map((r) => r.close()));
    t.cleanup();
  });
}

describe('Notifier', () => {
  it('sends a high alert to a webhook (Standard Webhooks HMAC-SHA256 signature), ntfy and e-mail, with its frequency and room', async () => {
    const t = tempDir('qb-notify-');
    const hook = await httpReceiver();
    const ntfy = await httpReceiver();
    const smtp = await smtpSink();
    const st = await stack(t.dir, DAY_MS);
    const s = settings({
      channels: [
        { name: 'hook', type: 'webhook', url: hook.url, secret: SECRET },
        { name: 'phone', type: 'ntfy', url: ntfy.url.replace('/hook', '/exam-hall-a') },
        { name: 'office', type: 'email', smtp: { host: '127.0.0.1', port: smtp.port }, from: 'quietband@site.example', to: ['duty@district.example', 'head@school.example'] },
      ],
      linkUrl: 'https://exam-pc.local:8080',
    });
    const n = notifier(t.dir, s, st);
    cleanupAfter(() => ({ n, st }), [hook, ntfy, smtp], t);
    await n.start();
    await st.bus.handleDetection('s1', det(7, 'open'), { session: '数学 Maths', bandLabel: 'ISM 433' });
    await st.bus.handleDetection('s1', det(7, 'close', { endS: 3 }));
    await n.idle();

    // webhook: one POST (the close does not notify), signed over id.timestamp.body
    expect(hook.got).toHaveLength(1);
    const h = hook.got[0]!;
    const body = JSON.parse(h.body) as WebhookBody;
    expect(h.headers['webhook-id']).toBe('1.hook');
    const ts = Number(h.headers['webhook-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(30);
    const expected = `v1,${createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(`1.hook.${ts}.${h.body}`).digest('base64')}`;
    expect(h.headers['webhook-signature']).toBe(expected);
    expect(body.alert.centerHz).toBe(433_927_000);
    expect(Number.isInteger(body.alert.centerHz)).toBe(true);
    expect(body.alert.session).toBe('数学 Maths');
    expect(body.alert).not.toHaveProperty('detection');
    expect(body.title).toBe('[HIGH] hall-a: transmission at 433.927 MHz in room 101');
    expect(body.link).toBe('https://exam-pc.local:8080/#alert=hall-a-1');
    expect(body.text).toContain('12.5 kHz wide, 18.5 dB over the baseline, ISM 433');

    // ntfy: text body, priority 5, UTF-8 title as an RFC 2047 word
    expect(ntfy.got).toHaveLength(1);
    const p = ntfy.got[0]!;
    expect(p.path).toBe('/exam-hall-a');
    expect(p.headers.priority).toBe('5');
    expect(p.headers.title).toBe('[HIGH] hall-a: transmission at 433.927 MHz in room 101');
    expect(p.headers.click).toBe('https://exam-pc.local:8080/#alert=hall-a-1');
    expect(p.body).toContain('exam session: 数学 Maths');
    expect(p.body).toContain('2026-06-08 10:00:00 (Asia/Shanghai)');

    // e-mail: both recipients, the title as subject
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.from).toBe('quietband@site.example');
    expect(smtp.mails[0]!.to).toEqual(['duty@district.example', 'head@school.example']);
    expect(smtp.mails[0]!.raw).toContain('Subject: [HIGH] hall-a: transmission at 433.927 MHz in room 101');
    expect(smtp.mails[0]!.raw).toMatch(/^X-QuietBand-Delivery: 1\.office\r?$/im);
    expect(n.status().map((c) => [c.name, c.delivered, c.pending])).toEqual([['hook', 1, 0], ['phone', 1, 0], ['office', 1, 0]]);
  });

  it('routes by severity and kind, and quiet rules (site wall clock, across midnight) silence low alerts only', async () => {
    const t = tempDir('qb-notify-');
    const hook = await httpReceiver();
    const low = await httpReceiver();
    const st = await stack(t.dir, NIGHT_MS); // Monday 23:30 in Shanghai
    const s = settings({
      channels: [
        { name: 'hook', type: 'webhook', url: hook.url, severities: ['high', 'low'], quiet: [{ from: '22:00', to: '06:00', days: ['mon'] }] },
        { name: 'low-only', type: 'ntfy', url: low.url, severities: ['low'], kinds: ['transmission'] },
      ],
    });
    const n = notifier(t.dir, s, st);
    cleanupAfter(() => ({ n, st }), [hook, low], t);
    await n.start();
    await st.bus.handleDetection('s1', det(9, 'open')); // 433.929 MHz: high
    await st.bus.handleDetection('s1', det(1, 'open')); // 433.921 MHz: low
    await st.bus.raiseSensorAlert('s2', 'sensor-offline', 'no samples for 5 s'); // high, not a transmission
    await n.idle();
    expect(hook.got.map((r) => JSON.parse(r.body).alert.centerHz ?? JSON.parse(r.body).alert.kind)).toEqual([433_929_000, 'sensor-offline']);
    expect(low.got.map((r) => r.headers['x-quietband-delivery'])).toEqual(['2.low-only']);
    expect(low.got[0]!.headers.priority).toBe('3');
  });

  it('a quiet rule with hold keeps what it silences (journaled) and sends it when the rule ends; other alerts pass meanwhile', async () => {
    const t = tempDir('qb-notify-');
    const hook = await httpReceiver();
    const st = await stack(t.dir, NIGHT_MS); // Monday 23:30 in Shanghai
    const s = settings({ channels: [{ name: 'hook', type: 'webhook', url: hook.url, severities: ['high', 'low'], quiet: [{ from: '22:00', to: '06:00', days: ['mon'], hold: true }] }] });
    let clock = NIGHT_MS;
    const { logger, lines } = memoryLogger('info');
    const n = new Notifier({ settings: s, dataDir: t.dir, ...st, log: logger, timeZone: 'Asia/Shanghai', now: () => clock });
    cleanupAfter(() => ({ n, st }), [hook], t);
    await n.start();
    await st.bus.handleDetection('s1', det(1, 'open')); // 433.921 MHz: low, held
    await st.bus.handleDetection('s1', det(9, 'open')); // 433.929 MHz: high, not silenced: sent at once
    await n.idle();
    const sent = (): string[] => hook.got.map((r) => String(r.headers['webhook-id']));
    expect(sent()).toEqual(['2.hook']);
    expect(n.status()[0]).toMatchObject({ pending: 1, held: 1, delivered: 1 });
    const until = Date.parse('2026-06-08T22:00:00Z'); // Tuesday 06:00 in Shanghai
    expect(lines.find((l) => l.msg === 'notify: quiet hours; held for this channel until they end')).toMatchObject({ seq: 1, until: new Date(until).toISOString() });
    const journal = readFileSync(join(t.dir, OUTBOX_FILE), 'utf8');
    expect(journal).toContain(`"id":"1.hook","channel":"hook","seq":1`);
    expect(journal).toContain(`"notBeforeMs":${until}`);
    clock = until - 60_000; // 05:59: still quiet
    await sleep(1300);
    expect(sent()).toEqual(['2.hook']);
    clock = until + 1000; // 06:00:01: the rule has ended
    const t0 = Date.now();
    while (hook.got.length < 2 && Date.now() - t0 < 3000) await sleep(20);
    expect(sent()).toEqual(['2.hook', '1.hook']);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(n.status()[0]).toMatchObject({ pending: 0, held: 0, delivered: 2 });
  });

  it('trusts a channel\'s own CA file for an HTTPS receiver (on top of the system roots); without it the receiver is refused', async () => {
    const t = tempDir('qb-notify-');
    const tls = await loadOrCreateSelfSigned(join(t.dir, 'receiver-tls'), ['127.0.0.1']);
    const got: string[] = [];
    const server = createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => {
      req.resume();
      req.on('end', () => {
        got.push(String(req.headers['webhook-id'] ?? req.headers['x-quietband-delivery']));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const smtps = await smtpSink({ cert: tls.cert, key: tls.key });
    const st = await stack(t.dir, DAY_MS);
    const s = settings({
      channels: [
        { name: 'district', type: 'webhook', url, ca: tls.certPath },
        { name: 'phone', type: 'ntfy', url, ca: tls.certPath },
        { name: 'no-ca', type: 'webhook', url },
        { name: 'office', type: 'email', smtp: { host: '127.0.0.1', port: smtps.port, secure: true }, from: 'quietband@site.example', to: ['duty@district.example'], ca: tls.certPath },
      ],
    });
    const n = notifier(t.dir, s, st);
    cleanupAfter(() => ({ n, st }), [{ close: () => new Promise<void>((r) => server.close(() => r())) }, smtps], t);
    await n.start();
    await st.bus.handleDetection('s1', det(7, 'open'));
    const t0 = Date.now();
    while ((got.length < 2 || smtps.mails.length < 1 || n.status()[2]!.failures === 0) && Date.now() - t0 < 5000) await sleep(20);
    expect(got.sort()).toEqual(['1.district', '1.phone']);
    expect(smtps.mails.map((m) => m.to)).toEqual([['duty@district.example']]);
    const refused = n.status()[2]!;
    expect(refused).toMatchObject({ name: 'no-ca', delivered: 0, pending: 1 });
    expect(refused.lastError).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    // a ca file that holds no certificate is a config error naming the field
    const notPem = join(t.dir, 'not-a-ca.pem');
    writeFileSync(notPem, 'hello\n');
    expect(() => settings({ channels: [{ name: 'x', type: 'webhook', url, ca: notPem }] })).toThrow(`test: notify.channels[0].ca: ${notPem} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  });

  it('one transmission heard in three rooms is one notification (groups "first"), or three with groups "every"', async () => {
    const t = tempDir('qb-notify-');
    const people = await httpReceiver();
    const machine = await httpReceiver();
    const store = await AlertStore.open({ dataDir: t.dir, site: 'hall-a' });
    const bus = new AlertBus({ store, locations: { s1: { room: '101' }, s2: { room: '102' }, s3: { room: '103' } } });
    const st = { store, bus };
    const s = settings({ channels: [{ name: 'people', type: 'ntfy', url: people.url }, { name: 'machine', type: 'webhook', url: machine.url, groups: 'every' }] });
    const n = notifier(t.dir, s, st);
    cleanupAfter(() => ({ n, st }), [people, machine], t);
    await n.start();
    const originMs = Date.now();
    await bus.handleDetection('s1', det(20, 'open', { peakExcessDb: 20 }), { originMs });
    await bus.handleDetection('s2', det(20, 'open', { peakExcessDb: 10 }), { originMs });
    await bus.handleDetection('s3', det(20, 'open', { peakExcessDb: 30 }), { originMs });
    await bus.handleDetection('s1', det(40, 'open'), { originMs }); // another transmission, 20 kHz up
    await n.idle();
    expect(people.got.map((r) => r.body.split('\n')[1])).toEqual(['433.940 MHz, 12.5 kHz wide, 20.0 dB over the baseline', '433.960 MHz, 12.5 kHz wide, 18.5 dB over the baseline']);
    expect(people.got[0]!.headers['x-quietband-delivery']).toBe('1.people');
    expect(machine.got.map((r) => (JSON.parse(r.body) as WebhookBody).alert.groupId ?? null)).toEqual([null, 'hall-a-1', 'hall-a-1', null]);
  });

  it('says once that an identification raised a transmission (▲ and why); an escalation carries the mark; a plain class adds nothing', async () => {
    const t = tempDir('qb-notify-');
    const hook = await httpReceiver();
    const st = await stack(t.dir, DAY_MS);
    const n = notifier(t.dir, settings({ channels: [{ name: 'hook', type: 'webhook', url: hook.url, severities: ['high', 'low'] }] }), st);
    cleanupAfter(() => ({ n, st }), [hook], t);
    await n.start();
    // 230.025 MHz: the data-only 223–235 MHz allocation, where an nfm is raised (src/alerts/severity-raise.ts); 'low' here
    const at = { centerHz: 230_025_000, lowHz: 230_018_750, highHz: 230_031_250 };
    const nfm = { class: 'nfm' as const, confidence: 0.95, reason: 'narrow FM', final: false, band: '223–235 MHz' };
    await st.bus.handleDetection('s1', det(3, 'open', at));
    await st.bus.handleDetection('s1', det(3, 'update', at), { signal: nfm });
    await st.bus.handleDetection('s1', det(3, 'close', { ...at, endS: 3 }), { signal: { ...nfm, final: true } }); // still raised: no second push
    await n.idle();
    await st.bus.escalate('hall-a-1', 'Wang Fang'); // it repeats the alert's frequency, band and room
    // an OOK remote at 433.929 MHz is its band's own traffic: its identification raises nothing
    await st.bus.handleDetection('s1', det(9, 'open'));
    await st.bus.handleDetection('s1', det(9, 'update'), { signal: { class: 'ook', confidence: 0.99, reason: 'on-off keyed', final: false, band: 'ISM 433 MHz' } });
    await n.idle();
    const got = hook.got.map((r) => JSON.parse(r.body) as WebhookBody);
    expect(got.map((b) => [b.alert.alertId, b.alert.event])).toEqual([['hall-a-1', 'open'], ['hall-a-1', 'update'], ['hall-a-1', 'escalate'], ['hall-a-5', 'open']]);
    expect(got[0]!.title).toBe('[LOW] hall-a: transmission at 230.025 MHz in room 101');
    expect(got[0]!.text).not.toContain('▲');
    expect(got[1]!.title).toBe('[LOW] hall-a: ▲ unusual for this band: transmission at 230.025 MHz in room 101');
    expect(got[1]!.text.split('\n')[2]).toBe('ranked higher ▲: NFM is not a class 223–235 MHz data transmission carries (its users send FSK, OOK, DIGI, TDMA, CW): a device that does not belong in this band');
    expect(got[2]!.title).toBe('[HIGH] hall-a: ▲ unusual for this band: transmission at 230.025 MHz in room 101 (escalated)');
    expect(got[2]!.alert).toMatchObject({ centerHz: 230_025_000, bandwidthHz: 12_500, startTime: '2026-06-08T02:00:00.000Z', endTime: '2026-06-08T02:00:00.000Z' });
    expect(got[2]!.text.split('\n')[1]).toBe('230.025 MHz, 12.5 kHz wide, 18.5 dB over the baseline');
    expect(notifyMessage(got[2]!.alert, { timeZone: 'Asia/Shanghai', language: 'zh-CN' }).title).toBe('[高] hall-a：▲ 调制与频段不符：230.025 MHz 发射信号（已升级）');
    expect(got[3]!.title).toBe('[HIGH] hall-a: transmission at 433.929 MHz in room 101');
  });

  it('a removed known mark sends the alerts it hid again, marked restored and by whom; none for alerts it never hid', async () => {
    const t = tempDir('qb-notify-');
    const hook = await httpReceiver();
    const store = await AlertStore.open({ dataDir: t.dir, site: 'hall-a' });
    // 433.940 MHz is the caretaker's radio (marked known): its alerts are stored 'known'/'info' from the open
    const knownEmitterCheck = ({ detection }: { detection: { centerHz: number } }): { label: string; id: string } | false =>
      detection.centerHz === 433_940_000 ? { label: 'caretaker radio', id: 'marked:hall-a-9' } : false;
    const bus = new AlertBus({ store, knownEmitterCheck, now: () => DAY_MS });
    const st = { store, bus };
    const n = notifier(t.dir, settings({ channels: [{ name: 'hook', type: 'webhook', url: hook.url, severities: ['high'] }] }), st);
    cleanupAfter(() => ({ n, st }), [hook], t);
    await n.start();
    await bus.handleDetection('s1', det(20, 'open'), { session: '数学 Maths', bandLabel: 'ISM 433' }); // hidden (known)
    await bus.handleDetection('s1', det(20, 'close', { endS: 3 }));
    await bus.handleDetection('s1', det(30, 'open')); // never hidden: notified once, at its open
    await bus.handleDetection('s1', det(21, 'open', { centerHz: 433_940_000 })); // hidden, still open
    await n.idle();
    expect(hook.got.map((r) => (JSON.parse(r.body) as WebhookBody).alert.event)).toEqual(['open']);
    const restored = await bus.unmarkKnown({ id: 'marked:hall-a-9', label: 'caretaker radio' }, 'Wang Fang (local@127.0.0.1)');
    expect(restored.map((r) => [r.alertId, r.event, r.state, r.severity, r.centerHz])).toEqual([['hall-a-1', 'unmark', 'new', 'high', 433_940_000], ['hall-a-4', 'unmark', 'new', 'high', 433_940_000]]);
    await n.idle();
    const got = hook.got.map((r) => JSON.parse(r.body) as WebhookBody);
    expect(got.map((b) => [b.alert.alertId, b.alert.event, b.alert.ackBy])).toEqual([['hall-a-3', 'open', undefined], ['hall-a-1', 'unmark', 'Wang Fang (local@127.0.0.1)'], ['hall-a-4', 'unmark', 'Wang Fang (local@127.0.0.1)']]);
    expect(got[1]!.title).toBe('[HIGH] hall-a: transmission at 433.940 MHz in room 101 (restored: known mark removed)');
    expect(got[1]!.text.split('\n')).toEqual([
      '2026-06-08 10:00:00 (Asia/Shanghai)',
      '433.940 MHz, 12.5 kHz wide, 18.5 dB over the baseline, ISM 433',
      'sensor s1 (room 101)',
      'exam session: 数学 Maths',
      'known emitter "caretaker radio" removed: this alert counts again',
      'known mark removed by Wang Fang (local@127.0.0.1)',
      'alert hall-a-1',
    ]);
    // removing it again gives nothing back: no second notification
    const again = await bus.unmarkKnown({ id: 'marked:hall-a-9', label: 'caretaker radio' }, 'Wang Fang');
    expect([...again]).toEqual([]);
    expect(again.kept ?? []).toEqual([]);
    await n.idle();
    expect(hook.got).toHaveLength(3);
  });

  it('keeps every alert while the receiver is down, across a restart, and delivers each exactly once in order when it is back', async () => {
    const t = tempDir('qb-notify-');
    const port = await freePort();
    const s = settings({ channels: [{ name: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret: SECRET }], retry: { initialMs: 50, maxMs: 200 } });
    let st = await stack(t.dir);
    let n = notifier(t.dir, s, st);
    await n.start();
    for (let i = 1; i <= 5; i++) await st.bus.handleDetection('s1', det(10 + i, 'open'));
    await sleep(700);
    const down = n.status()[0]!;
    expect(down.pending).toBe(5);
    expect(down.delivered).toBe(0);
    expect(down.failures).toBeGreaterThanOrEqual(3); // 50 + 100 + 200 + … ms
    expect(down.lastError).toMatch(/ECONNREFUSED/);
    // failing for 5 min is a site health problem (/healthz 503), not before
    expect(notifyProblems([down], down.failingSinceMs! + 299_000)).toEqual([]);
    expect(notifyProblems([down], down.failingSinceMs! + 7 * 60_000)).toEqual([`notifications to hook (webhook) failing for 7 min: ${down.lastError}; 5 waiting in the outbox`]);
    // the daemon stops while the receiver is down, three alerts are stored while it is off, then it starts again
    await n.stop(100);
    await st.bus.close();
    await st.store.close();
    const journal = readFileSync(join(t.dir, OUTBOX_FILE), 'utf8');
    expect(journal.split('\n').filter((l) => l.includes('"op":"add"'))).toHaveLength(5);
    st = await stack(t.dir);
    for (let i = 6; i <= 8; i++) await st.bus.handleDetection('s1', det(10 + i, 'open'));
    n = notifier(t.dir, s, st);
    const hook = await httpReceiver(port, 2); // back, but busy (503) for its first two requests
    cleanupAfter(() => ({ n, st }), [hook], t);
    await n.start();
    // routed from the store past the cursor: the alerts stored while the daemon was off are not lost either
    await n.idle();
    expect(hook.refused).toBe(2);
    const ids = hook.got.map((r) => r.headers['webhook-id']);
    expect(ids).toEqual(['1.hook', '2.hook', '3.hook', '4.hook', '5.hook', '6.hook', '7.hook', '8.hook']);
    expect(hook.got.map((r) => (JSON.parse(r.body) as WebhookBody).alert.centerHz)).toEqual([11, 12, 13, 14, 15, 16, 17, 18].map((k) => 433_920_000 + k * 1000));
    expect(n.status()[0]).toMatchObject({ delivered: 8, pending: 0, failures: 0 });
    expect(n.status()[0]).not.toHaveProperty('failingSinceMs');
    // a third start sends nothing again
    await n.stop();
    n = notifier(t.dir, s, st);
    await n.start();
    await n.idle();
    expect(hook.got).toHaveLength(8);
  });

  it('a full disk does not hold notifications back: sent from memory, journaled once the outbox can be written', async () => {
    const t = tempDir('qb-notify-');
    const hook = await httpReceiver();
    const st = await stack(t.dir);
    const s = settings({ channels: [{ name: 'hook', type: 'webhook', url: hook.url }] });
    let n = notifier(t.dir, s, st);
    cleanupAfter(() => ({ n, st }), [hook], t);
    await n.start();
    // the outbox's file handle starts failing as a full disk does (a private of the notifier: no seam injects a failing disk)
    const handle = (n as unknown as { outbox: { handle: { write: (...a: unknown[]) => Promise<unknown> } } }).outbox.handle;
    const realWrite = handle.write.bind(handle);
    let full = true;
    handle.write = async (...a: unknown[]) => {
      if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return realWrite(...a);
    };
    await st.bus.raiseSensorAlert('hall-a', 'storage-failed', 'STORAGE FAILED: alerts cannot be written to the data dir');
    await n.idle();
    expect(hook.got.map((r) => (JSON.parse(r.body) as WebhookBody).alert.kind)).toEqual(['storage-failed']);
    full = false;
    await st.bus.handleDetection('s1', det(30, 'open'));
    await n.idle();
    expect(hook.got.map((r) => r.headers['webhook-id'])).toEqual(['1.hook', '2.hook']);
    const journal = readFileSync(join(t.dir, OUTBOX_FILE), 'utf8');
    expect(journal).not.toContain('"1.hook"'); // delivered while the disk was full: nothing left to journal
    expect(journal).toContain('{"op":"done","id":"2.hook"}');
    expect(journal.trim().split('\n').filter((l) => l.includes('"op":"cursor"')).at(-1)).toBe('{"op":"cursor","seq":2}');
    // a restart sends nothing again
    await n.stop();
    n = notifier(t.dir, s, st);
    await n.start();
    await n.idle();
    expect(hook.got).toHaveLength(2);
  });

  it('gives deliveries up, logged in full, once the receiver has failed for giveUpAfterMs; each gets its attempt first', async () => {
    const t = tempDir('qb-notify-');
    const port = await freePort();
    const st = await stack(t.dir);
    const s = settings({ channels: [{ name: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/hook` }], retry: { initialMs: 100, maxMs: 100, giveUpAfterMs: 1000 } });
    const log = memoryLogger('info');
    const n = new Notifier({ settings: s, dataDir: t.dir, ...st, log: log.logger, timeZone: 'UTC' });
    cleanupAfter(() => ({ n, st }), [], t);
    await n.start();
    for (let i = 1; i <= 3; i++) await st.bus.handleDetection('s1', det(60 + i, 'open'));
    await sleep(600);
    expect(n.status()[0]).toMatchObject({ pending: 3, dropped: 0 });
    await n.idle(); // after ≈ 1 s of failures the three are dropped, one attempt each
    expect(n.status()[0]).toMatchObject({ pending: 0, delivered: 0, dropped: 3 });
    const given = log.lines.filter((l) => String(l.msg).startsWith('notify: delivery given up'));
    expect(given.map((l) => (l.alert as { centerHz: number }).centerHz)).toEqual([433_981_000, 433_982_000, 433_983_000]);
    expect(readFileSync(join(t.dir, OUTBOX_FILE), 'utf8').split('\n').filter((l) => l.includes('"op":"drop"'))).toHaveLength(3);
  });

  it('compacts the journal to its cursor once every delivery is done and it outgrew the limit', async () => {
    const t = tempDir('qb-notify-');
    const hook = await httpReceiver();
    const st = await stack(t.dir);
    const s = settings({ channels: [{ name: 'hook', type: 'webhook', url: hook.url }] });
    const n = notifier(t.dir, s, st, 2000);
    cleanupAfter(() => ({ n, st }), [hook], t);
    await n.start();
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      await st.bus.handleDetection('s1', det(50 + i, 'open'));
      await n.idle();
      sizes.push(statSync(join(t.dir, OUTBOX_FILE)).size);
    }
    expect(hook.got).toHaveLength(6);
    // each delivery adds ≈ 700 bytes (add + cursor + done); past 2000 bytes the file is cut back to the cursor line
    expect(Math.max(...sizes)).toBeLessThan(2000 + 1000);
    expect(sizes.some((b, i) => i > 0 && b < sizes[i - 1]!)).toBe(true);
    await n.stop();
    const journal = readFileSync(join(t.dir, OUTBOX_FILE), 'utf8');
    expect(journal.endsWith('{"op":"cursor","seq":6}\n') || journal.endsWith('{"op":"done","id":"6.hook"}\n')).toBe(true);
    expect(journal).not.toContain('"1.hook"');
  });

  it('does not send the history on the first start, and survives a journal line cut by a crash', async () => {
    const t = tempDir('qb-notify-');
    const hook = await httpReceiver();
    const st = await stack(t.dir);
    await st.bus.handleDetection('s1', det(13, 'open')); // stored before notifications were configured
    const s = settings({ channels: [{ name: 'hook', type: 'webhook', url: hook.url }] });
    let n = notifier(t.dir, s, st);
    cleanupAfter(() => ({ n, st }), [hook], t);
    await n.start();
    await st.bus.handleDetection('s1', det(14, 'open'));
    await n.idle();
    expect(hook.got.map((r) => r.headers['webhook-id'])).toEqual(['2.hook']);
    await n.stop();
    // a crash mid-write leaves half a line: the next start skips it and goes on
    const { appendFileSync } = await import('node:fs');
    appendFileSync(join(t.dir, OUTBOX_FILE), '{"op":"add","id":"9.ho');
    await st.bus.handleDetection('s1', det(15, 'open'));
    n = notifier(t.dir, s, st);
    await n.start();
    await n.idle();
    expect(hook.got.map((r) => r.headers['webhook-id'])).toEqual(['2.hook', '3.hook']);
  });
});
