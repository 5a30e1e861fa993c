// A transmission whose evidence clip was not kept says so: on its close record (stored and sent) and in the log line of
// that record, with the reason the worker gave.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import type { Alert } from '../../src/server/protocol.js';
import { det, memoryLogger, tempDir } from '../server/helpers.js';

const t = tempDir('qb-clip-not-kept-');
afterAll(() => t.cleanup());

describe('clip not kept', () => {
  it('the close record carries clipNotKept and its log line names it; a close with its clip carries none', async () => {
    const store = await AlertStore.open({ dataDir: t.dir, site: 'hall-a' });
    const { logger, lines } = memoryLogger();
    const bus = new AlertBus({ store, logger });
    const sent: Alert[] = [];
    bus.on('alert', (a) => sent.push(a));
    await bus.handleDetection('s1', det(1, 'open'));
    await bus.handleDetection('s1', det(1, 'close', { endS: 2 }), { clipNotKept: 'writer-behind' });
    await bus.handleDetection('s1', det(2, 'open'));
    await bus.handleDetection('s1', det(2, 'close', { endS: 2 }), { clip: 'clips/s1_x.sigmf-meta' });
    await bus.close();
    await store.close();
    const recs = readFileSync(store.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert);
    expect(recs.map((r) => [r.event, r.clip, r.clipNotKept])).toEqual([
      ['open', undefined, undefined],
      ['close', undefined, 'writer-behind'],
      ['open', undefined, undefined],
      ['close', 'clips/s1_x.sigmf-meta', undefined],
    ]);
    expect(sent.find((a) => a.event === 'close')?.clipNotKept).toBe('writer-behind');
    const logged = lines.filter((l) => l.msg === 'alert' && l.event === 'close');
    expect(logged.map((l) => l.clipNotKept)).toEqual(['writer-behind', undefined]);
  });
});
