// Alert records carry frequencies in whole Hz (as replay prints them), whatever sub-Hz centroid the detector computed.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import type { Alert } from '../../src/server/protocol.js';
import { det, tempDir } from '../server/helpers.js';

const t = tempDir('qb-whole-hz-');
afterAll(() => t.cleanup());

describe('alert frequencies', () => {
  it('centerHz, bandwidthHz and the detection band are integers in alerts.jsonl', async () => {
    const store = await AlertStore.open({ dataDir: t.dir, site: 'hall-a' });
    const bus = new AlertBus({ store });
    await bus.handleDetection('s1', det(1, 'open', { centerHz: 433_927_012.6, bandwidthHz: 12_499.7, lowHz: 433_920_762.75, highHz: 433_933_262.45 }));
    await bus.handleDetection('s1', det(1, 'close', { centerHz: 433_927_013.4, bandwidthHz: 12_500.2, lowHz: 433_920_763.2, highHz: 433_933_263.5, endS: 2 }));
    await bus.close();
    await store.close();
    const recs = readFileSync(store.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert);
    expect(recs.map((r) => [r.event, r.centerHz, r.bandwidthHz, r.detection!.centerHz, r.detection!.lowHz, r.detection!.highHz])).toEqual([
      ['open', 433_927_013, 12_500, 433_927_013, 433_920_763, 433_933_262],
      ['close', 433_927_013, 12_500, 433_927_013, 433_920_763, 433_933_264],
    ]);
  });
});
