// End to end: `quietband run` with 3 sim sensors in 3 rooms seeing path-loss-scaled copies of one tone → grouped alerts, nearest room first, centroid near the source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import { buildOnce, CENTER_HZ, Client, killAll, RATE_SPS, readStore, startDaemon, tempDir, writeConfig } from './helpers.js';

const tmp = tempDir('qb-daemon-rooms-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

/** Site plan (m): one sensor per room; the transmitter sits in Hall A at (3, 3.5). */
const ROOMS = [
  { name: 'hall-a', room: 'Hall A', xM: 2, yM: 2, seed: 11 },
  { name: 'hall-b', room: 'Hall B', xM: 10, yM: 2, seed: 12 },
  { name: 'hall-c', room: 'Hall C', xM: 6, yM: 9, seed: 13 },
];
const TX = { xM: 3, yM: 3.5 };
/** Log-distance path loss, exponent 3, relative to 1 m (dB). */
const lossDb = (r: { xM: number; yM: number }): number => 30 * Math.log10(Math.hypot(r.xM - TX.xM, r.yM - TX.yM));
/** The tone's SNR at 1 m (dB in 1 kHz, sim.ts definition): 40 − loss → A 32.3, C 16.1, B 14.4 dB. */
const SNR_1M_DB = 40;

describe('quietband run: one transmission, three rooms', () => {
  it('groups the three sensors\' alerts, ranks Hall A first, and places the source near it', async () => {
    const dataDir = `${tmp.dir}/data`;
    // one shared scenario: a 1.2 s tone at +60 kHz from 2.5 s of each 6 s cycle; warm-up 1.5 s (+ settle) is quiet
    const scenario = { durationS: 6, carriers: [{ offsetHz: -45_000, powerDbfs: -20 }], events: [{ kind: 'tone', offsetHz: 60_000, snrDb: SNR_1M_DB, startS: 2.5, durationS: 1.2 }] };
    const config = writeConfig(tmp.dir, 'rooms.json', {
      site: 'exam-rooms',
      warmupS: 1.5,
      calibrationDir: `${tmp.dir}/cal`,
      sensors: ROOMS.map((r) => ({
        name: r.name,
        source: 'sim',
        centerHz: CENTER_HZ,
        rateSps: RATE_SPS,
        fftSize: 1024,
        seed: r.seed,
        location: { room: r.room, xM: r.xM, yM: r.yM },
        simPath: { lossDb: +lossDb(r).toFixed(2) },
        scenario,
      })),
    });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => c.hello, 5000, 'hello');
    expect(c.hello!.sensors.map((s) => [s.name, s.location])).toEqual(ROOMS.map((r) => [r.name, { room: r.room, xM: r.xM, yM: r.yM }]));

    // every sensor's alert of the first tone ends carrying the full grouping. Records during the tone show the peaks
    // "so far"; the close records (and group updates written after a close, when a sensor reported late) carry the
    // final peak excesses, so the latest record of the three has the final ranking
    const finished = (): Alert[] | undefined => {
      const recs = c.alerts().map((x) => x.a).filter((a) => a.kind === 'transmission');
      const closed = new Set(recs.filter((a) => a.event === 'close').map((a) => a.alertId));
      const latest = new Map<string, Alert>();
      for (const a of recs) if (closed.has(a.alertId) && a.rooms !== undefined) latest.set(a.alertId, a);
      const full = [...latest.values()].filter((a) => a.rooms!.length === 3);
      return new Set(full.map((a) => a.sensor)).size === 3 ? full : undefined;
    };
    const grouped = await c.waitFor(finished, 25_000, "the three sensors' closed alerts with 3 ranked rooms");
    const bySensor = new Map(grouped.map((a) => [a.sensor, a]));
    expect(new Set(grouped.map((a) => a.alertId)).size).toBe(3); // one alert per sensor, none merged away
    expect(new Set(grouped.map((a) => a.groupId)).size).toBe(1);
    expect(grouped.every((a) => a.rooms![0]!.room === 'Hall A')).toBe(true);
    const a = bySensor.get('hall-a')!;
    expect(Math.abs(a.centerHz! - (CENTER_HZ + 60_000))).toBeLessThan(3000);
    const final = grouped.reduce((x, y) => (y.seq > x.seq ? y : x));
    const rooms = final.rooms!;
    expect(rooms.map((r) => r.room)[0]).toBe('Hall A');
    expect(rooms.map((r) => r.sensor).sort()).toEqual(['hall-a', 'hall-b', 'hall-c']);
    const ex = new Map(rooms.map((r) => [r.room, r.excessDb]));
    const la = lossDb(ROOMS[0]!);
    expect(Math.abs(ex.get('Hall A')! - ex.get('Hall B')! - (lossDb(ROOMS[1]!) - la))).toBeLessThan(2.5);
    expect(Math.abs(ex.get('Hall A')! - ex.get('Hall C')! - (lossDb(ROOMS[2]!) - la))).toBeLessThan(2.5);
    // centroid: the weighted centroid of the injected levels is (2.23, 2.17), 1.5 m from the source (WCL is biased
    // towards the strongest sensor; the estimate lies within the sensors' hull)
    const w = ROOMS.map((r) => 10 ** (-(lossDb(r) - la) / 10));
    const sw = w.reduce((s, x) => s + x, 0);
    const expected = { xM: ROOMS.reduce((s, r, i) => s + w[i]! * r.xM, 0) / sw, yM: ROOMS.reduce((s, r, i) => s + w[i]! * r.yM, 0) / sw };
    const p = final.positionM!;
    const errM = Math.hypot(p.xM - TX.xM, p.yM - TX.yM);
    console.log(
      `rooms: ${rooms.map((r) => `${r.room} ${r.excessDb.toFixed(1)} dB`).join(', ')}; position (${p.xM.toFixed(2)}, ${p.yM.toFixed(2)}) m, ` +
        `expected WCL (${expected.xM.toFixed(2)}, ${expected.yM.toFixed(2)}); error to the source ${errM.toFixed(2)} m`,
    );
    expect(Math.hypot(p.xM - expected.xM, p.yM - expected.yM)).toBeLessThan(0.5);
    expect(errM).toBeLessThan(2.5);

    // persisted: the stored records of the three alerts carry the same grouping
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
    const stored = readStore(dataDir).alerts.filter((x) => grouped.some((g) => g.alertId === x.alertId));
    for (const g of grouped) {
      const last = stored.filter((x) => x.alertId === g.alertId && x.rooms !== undefined).at(-1)!;
      expect(last.groupId).toBe(final.groupId);
      expect(last.rooms![0]!.room).toBe('Hall A');
      expect(stored.some((x) => x.alertId === g.alertId && x.event === 'close')).toBe(true);
    }
    c.close();
  }, 60_000);
});
