// `quietband run`: a clipping front end → one overload alert and status 'overload' (not a flood); detections meanwhile stored, flagged, severity low.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, CENTER_HZ, Client, killAll, readStore, startDaemon, tempDir, writeConfig } from './helpers.js';

const tmp = tempDir('qb-daemon-overload-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

describe('overload', () => {
  it('raises one overload alert for a lasting clip fraction, shows overload, and flags the detections made meanwhile', async () => {
    // a +1 dBFS carrier clips ≈ 30 % of the raw values (measured on SimSource); a tone +60 kHz at 2.5–3.3 s of each 4 s cycle
    const config = writeConfig(tmp.dir, 'o.json', {
      site: 'hall-o',
      warmupS: 1.5,
      calibrationDir: join(tmp.dir, 'cal'),
      sensors: [{
        name: 'loud',
        source: 'sim',
        centerHz: CENTER_HZ,
        rateSps: 250_000,
        fftSize: 1024,
        scenario: { durationS: 4, seed: 2, carriers: [{ offsetHz: -45_000, powerDbfs: 1 }], events: [{ kind: 'tone', offsetHz: 60_000, snrDb: 30, startS: 2.5, durationS: 0.8 }] },
      }],
    });
    const dataDir = join(tmp.dir, 'data-o');
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    const ov = await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'overload'), 10_000, 'overload alert');
    console.log(`overload alert ${ov.atMs - d.startedAtMs} ms after the URL was printed (onAfterMs 1000)`);
    expect(ov.a).toMatchObject({ sensor: 'loud', event: 'open', state: 'new' });
    expect(ov.a.message).toMatch(/^ADC overload: \d+\.\d % of samples at the rails for over 1 s; lower the gain/);
    await c.waitFor(() => c.status('loud')?.state === 'overload', 10_000, 'status overload');
    const st = c.status('loud')!;
    expect(st.overload).toBe(true);
    expect(st.online).toBe(true);
    expect(st.clipFraction).toBeGreaterThan(0.2);
    // detections while overloaded: stored and sent, flagged, severity low
    const t = await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'transmission' && x.a.event === 'open'), 15_000, 'a transmission during overload');
    expect(t.a.severity).toBe('low');
    expect(t.a.detection!.overload).toBe(true);
    expect(t.a.message).toMatch(/ADC overload during this track/);
    // not a flood: still exactly one overload record after several more seconds of clipping
    await new Promise((r) => setTimeout(r, 3000));
    expect(c.alerts().filter((x) => x.a.kind === 'overload')).toHaveLength(1);
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    expect(readStore(dataDir).alerts.filter((x) => x.kind === 'overload').map((x) => x.event)).toEqual(['open']);
    c.close();
  });
});
