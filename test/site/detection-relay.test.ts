// The relay closes the tracks of a dead worker; with evidence clips on, such a close says its clip was not kept.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import type { Alert } from '../../src/server/protocol.js';
import { DetectionRelay } from '../../src/site/detection-relay.js';
import { det, tempDir } from '../server/helpers.js';

const t = tempDir('qb-relay-');
afterAll(() => t.cleanup());

describe('DetectionRelay.closeOrphans', () => {
  it.each([true, false])('clips %s: the close of a dead worker\'s track carries clipNotKept stream-end only when clips are on', async (clips) => {
    const store = await AlertStore.open({ dataDir: `${t.dir}/${String(clips)}`, site: 'hall-a' });
    const bus = new AlertBus({ store });
    const sent: Alert[] = [];
    bus.on('alert', (a) => sent.push(a));
    const relay = new DetectionRelay({ name: 's1', site: { bandPlan: 'none', dataDir: t.dir }, bus, log: pino({ level: 'silent' }), centerHz: () => 433_920_000, overload: () => false, clips });
    relay.stream(1, 1, Date.now() - 5000);
    relay.detection(1, 1, det(4, 'open'));
    relay.closeOrphans(1);
    await bus.flush();
    await bus.close();
    await store.close();
    const close = sent.find((a) => a.event === 'close')!;
    expect(close.clipNotKept).toBe(clips ? 'stream-end' : undefined);
  });
});
