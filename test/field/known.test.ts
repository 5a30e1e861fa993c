// Known emitters end to end: from the config, and "mark as known" over the WebSocket (persisted) → later alerts 'known'/'info'.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, CENTER_HZ, Client, killAll, readStore, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';

const tmp = tempDir('qb-field-known-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

describe('known emitters', () => {
  it('config emitter → known/info (stored, shown); UI-marked emitter → persisted, next detection known', async () => {
    const dataDir = join(tmp.dir, 'data');
    // 4 s cycle: +60 kHz tone (configured as known) at 2.0 s, −100 kHz tone (unknown until marked) at 2.8 s
    const config = writeConfig(tmp.dir, 'k.json', {
      site: 'hall-k', warmupS: 1.5, calibrationDir: join(tmp.dir, 'cal'),
      knownEmitters: [
        { lowHz: CENTER_HZ + 55_000, highHz: CENTER_HZ + 65_000, sensor: 'room-k', label: 'invigilator handheld' },
        { lowHz: CENTER_HZ - 105_000, highHz: CENTER_HZ - 95_000, sensor: 'room-k', label: 'expired', expires: '2020-01-01T00:00' },
      ],
      sensors: [simSensor('room-k', [{ offsetHz: 60_000, startS: 2.0, durationS: 0.4 }, { offsetHz: -100_000, startS: 2.8, durationS: 0.4 }], 4)],
    });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    const opens = () => c.alerts().filter((x) => x.a.kind === 'transmission' && x.a.event === 'open').map((x) => x.a);
    const near = (hz: number) => (a: { centerHz?: number }) => Math.abs(a.centerHz! - hz) < 3000;

    const known = await c.waitFor(() => opens().find(near(CENTER_HZ + 60_000)), 20_000, 'the configured emitter');
    expect([known.state, known.severity]).toEqual(['known', 'info']);
    const other = await c.waitFor(() => opens().find(near(CENTER_HZ - 100_000)), 10_000, 'the other tone');
    expect([other.state, other.severity]).toEqual(['new', 'high']); // its config entry has expired

    // a supervisor marks it known
    c.ws.send(JSON.stringify({ v: 1, type: 'known', alertId: other.alertId, by: 'supervisor-li' }));
    const marked = await c.waitFor(() => c.alerts().find((x) => x.a.alertId === other.alertId && x.a.event === 'known')?.a, 5000, 'the known record');
    expect([marked.state, marked.severity, marked.ackBy]).toEqual(['known', 'info', 'supervisor-li (local@127.0.0.1)']);
    const file = join(dataDir, 'known-emitters.json');
    const saved = await c.waitFor(() => {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as { quietbandKnownEmitters: number; emitters: { lowHz: number; highHz: number; sensor: string; label: string; addedBy: string; alertId: string }[] };
      } catch {
        return undefined;
      }
    }, 5000, 'known-emitters.json');
    expect(saved.quietbandKnownEmitters).toBe(1);
    expect(saved.emitters).toHaveLength(1);
    const e = saved.emitters[0]!;
    expect([e.sensor, e.addedBy, e.alertId]).toEqual(['room-k', 'supervisor-li (local@127.0.0.1)', other.alertId]);
    // the tone's band plus max(2 RBW, 5 ppm) = 2.17 kHz each side
    expect(e.lowHz).toBeLessThan(CENTER_HZ - 100_000 - 2000);
    expect(e.highHz).toBeGreaterThan(CENTER_HZ - 100_000 + 2000);
    expect(e.highHz - e.lowHz).toBeLessThan(10_000);
    expect(e.label).toContain('marked known by supervisor-li');

    // the next cycle's −100 kHz tone opens as known
    const next = await c.waitFor(() => opens().find((a) => near(CENTER_HZ - 100_000)(a) && a.seq > marked.seq), 10_000, 'the next −100 kHz tone');
    expect([next.state, next.severity]).toEqual(['known', 'info']);
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    c.close();

    // stored, never dropped: every open sent is on disk with its state
    const stored = readStore(dataDir).alerts;
    for (const a of [known, other, next]) expect(stored.find((x) => x.seq === a.seq)).toMatchObject({ state: a.state, severity: a.severity, event: 'open' });
    expect(stored.filter((x) => x.kind === 'transmission' && x.event === 'open' && near(CENTER_HZ + 60_000)(x)).every((x) => x.state === 'known')).toBe(true);

    // a restart reads the file back: the −100 kHz emitter is known from the first cycle
    const d2 = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const c2 = await Client.open(d2.wsUrl, readStore(dataDir).alerts.at(-1)!.seq);
    const again = await c2.waitFor(() => c2.alerts().map((x) => x.a).find((a) => a.event === 'open' && near(CENTER_HZ - 100_000)(a)), 15_000, 'the −100 kHz tone after a restart');
    expect([again.state, again.severity]).toEqual(['known', 'info']);
    d2.child.kill('SIGTERM');
    expect((await d2.exited).code).toBe(0);
    c2.close();
  });
});
