// `quietband run` with a `notify` section: the sim tone reaches a local webhook receiver, signed, once per alert.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raisesAlert } from '../../src/notify/notifier.js';
import { OUTBOX_FILE } from '../../src/notify/outbox.js';
import type { WebhookBody } from '../../src/notify/senders.js';
import { buildOnce, CENTER_HZ, killAll, readStore, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';
import { httpReceiver } from './receivers.js';

const tmp = tempDir('qb-daemon-notify-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

describe('quietband run: notifications', () => {
  it('posts each transmission alert to the webhook once, signed, and records it done in the outbox', async () => {
    const hook = await httpReceiver();
    const secret = 'daemon-test-secret-0123';
    const dataDir = `${tmp.dir}/data`;
    const config = writeConfig(tmp.dir, 'site.json', {
      site: 'hall-n',
      warmupS: 1.5,
      calibrationDir: `${tmp.dir}/cal`,
      notify: { channels: [{ name: 'ops', type: 'webhook', url: hook.url, secret, severities: ['high', 'low'], kinds: ['transmission'] }], retry: { initialMs: 100, maxMs: 500 } },
      sensors: [{ ...simSensor('room-1', [{ offsetHz: 60_000, startS: 2.5, durationS: 0.8 }], 5), location: { room: 'Room 101' } }],
    });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    for (const t = Date.now(); !d.stdout().includes('notifications') && Date.now() - t < 5000; ) await new Promise((r) => setTimeout(r, 50));
    expect(d.stdout()).toContain('\n  notifications → ops (webhook: high/low)\n');
    const t0 = Date.now();
    while (hook.got.length === 0 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 100));
    expect(hook.got.length).toBeGreaterThan(0);
    const h = hook.got[0]!;
    const body = JSON.parse(h.body) as WebhookBody;
    expect(body.alert.kind).toBe('transmission');
    expect(Math.abs(body.alert.centerHz! - (CENTER_HZ + 60_000))).toBeLessThan(3000);
    expect(body.title).toMatch(/^\[HIGH\] hall-n: transmission at 433\.98\d MHz in Room 101$/);
    const ts = h.headers['webhook-timestamp'] as string;
    expect(h.headers['webhook-signature']).toBe(`v1,${createHmac('sha256', secret).update(`${h.headers['webhook-id'] as string}.${ts}.${h.body}`).digest('base64')}`);
    // /healthz shows the channel
    const health = (await (await fetch(`${d.url}healthz`)).json()) as { ok: boolean; notify: { name: string; type: string; delivered: number; failures: number }[] };
    expect(health.notify).toHaveLength(1);
    expect(health.notify[0]).toMatchObject({ name: 'ops', type: 'webhook', failures: 0 });
    expect(health.notify[0]!.delivered).toBeGreaterThanOrEqual(1);
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
    await hook.close();
    // every open the store holds was posted exactly once, under its seq, and so was the first record raising an alert
    // (a tone in ISM 433 reads carrier, the band's own class: normally none)
    const raised = new Set<string>();
    const opens = readStore(dataDir).alerts.filter((a) => a.kind === 'transmission' && (a.event === 'open' || (raisesAlert(a) && !raised.has(a.alertId) && raised.add(a.alertId)))).map((a) => `${a.seq}.ops`);
    expect(hook.got.map((r) => r.headers['webhook-id'])).toEqual(opens);
    const done = readFileSync(`${dataDir}/${OUTBOX_FILE}`, 'utf8').split('\n').filter((l) => l.includes('"op":"done"'));
    expect(done).toHaveLength(opens.length);
  });
});
