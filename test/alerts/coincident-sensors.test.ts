// Sensors configured at one spot (same x/y): rooms are still ranked, but no "estimated position" is claimed.
import { afterEach, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import type { Alert } from '../../src/server/protocol.js';
import { localise } from '../../src/alerts/localisation.js';
import { det, tempDir } from '../server/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('localise with coincident sensors', () => {
  it('ranks the rooms but gives no position when every located sensor stands at the same x/y', () => {
    const same = localise([
      { sensor: 'a', location: { room: 'A', xM: 5, yM: 5 }, excessDb: 33.7 },
      { sensor: 'b', location: { room: 'B', xM: 5, yM: 5 }, excessDb: 16.2 },
      { sensor: 'c', location: { room: 'C', xM: 5, yM: 5 }, excessDb: 17.9 },
    ]);
    expect(same.rooms.map((r) => [r.room, r.excessDb])).toEqual([['A', 33.7], ['C', 17.9], ['B', 16.2]]);
    expect(same.positionM).toBeUndefined();
    // two at one spot, one elsewhere: a real centroid, pulled to the strong pair (weights 100 + 10 at x 0, 1 at x 11)
    const two = localise([
      { sensor: 'a', location: { room: 'A', xM: 0, yM: 0 }, excessDb: 20 },
      { sensor: 'b', location: { room: 'B', xM: 0, yM: 0 }, excessDb: 10 },
      { sensor: 'c', location: { room: 'C', xM: 11, yM: 0 }, excessDb: 0 },
    ]);
    expect(two.positionM!.xM).toBeCloseTo(11 / 111, 12);
    expect(two.positionM!.yM).toBe(0);
  });

  it('AlertBus: grouped alerts of coincident sensors carry groupId and rooms but no positionM', async () => {
    const t = tempDir('qb-coincident-');
    const store = await AlertStore.open({ dataDir: t.dir, site: 'exam' });
    const locations = { 'sens-a': { room: 'Hall A', xM: 3, yM: 4 }, 'sens-b': { room: 'Hall B', xM: 3, yM: 4 } };
    const origin = Date.parse('2025-06-01T08:00:00.000Z');
    const bus = new AlertBus({ store, locations, updateIntervalMs: 0, now: () => origin + 2000 });
    cleanups.push(async () => {
      await bus.close();
      await store.close();
      t.cleanup();
    });
    const emitted: Alert[] = [];
    bus.on('alert', (a) => emitted.push(a));
    await bus.handleDetection('sens-a', det(1, 'open', { peakExcessDb: 30, startS: 1.5 }), { originMs: origin });
    await bus.handleDetection('sens-b', det(1, 'open', { peakExcessDb: 12, startS: 1.5 }), { originMs: origin });
    await bus.flush();
    const grouped = emitted.filter((a) => a.rooms !== undefined);
    expect(new Set(grouped.map((a) => a.sensor))).toEqual(new Set(['sens-a', 'sens-b']));
    for (const a of grouped) {
      expect(a.rooms!.map((r) => [r.room, r.excessDb])).toEqual([['Hall A', 30], ['Hall B', 12]]);
      expect(a.positionM).toBeUndefined();
      expect(a.groupId).toBe(emitted[0]!.alertId);
    }
  });
});
