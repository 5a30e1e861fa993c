// A signal seen through two overlapping hops is one detection; it is flagged overload when either hop's view clipped.
import { describe, expect, it } from 'vitest';
import { HopMerger } from '../../src/scan/hop-pipeline.js';
import type { DetectionEvent } from '../../src/types.js';

function ev(kind: DetectionEvent['kind'], id: number, overload: boolean, peakExcessDb: number, endS?: number): DetectionEvent {
  const e: DetectionEvent = {
    kind, id, centerHz: 433.92e6, bandwidthHz: 10e3, lowHz: 433.915e6, highHz: 433.925e6,
    peakExcessDb, peakPowerDbfs: -30, startS: 1, paths: ['fast'], overload, tuneId: 0, packets: 1,
  };
  if (endS !== undefined) e.endS = endS;
  return e;
}

describe('HopMerger overload flag', () => {
  it('the merged close is flagged when only the weaker hop clipped (the stronger view is the one reported)', () => {
    const out: DetectionEvent[] = [];
    const m = new HopMerger((e) => out.push(e), 1000);
    m.onEvent(1, ev('open', 1, true, 12)); // the neighbour hop's view: clipping there
    m.onEvent(0, ev('open', 1, false, 30));
    m.onEvent(1, ev('close', 1, true, 12, 1.1));
    m.onEvent(0, ev('close', 1, false, 30, 1.2));
    expect(out.map((e) => e.kind)).toEqual(['open', 'close']);
    expect(out[1]).toMatchObject({ id: 1, peakExcessDb: 30, endS: 1.2, overload: true });
  });

  it('not flagged when neither hop clipped', () => {
    const out: DetectionEvent[] = [];
    const m = new HopMerger((e) => out.push(e), 1000);
    m.onEvent(0, ev('open', 1, false, 30));
    m.onEvent(1, ev('open', 1, false, 12));
    m.onEvent(1, ev('close', 1, false, 12, 1.1));
    m.onEvent(0, ev('close', 1, false, 30, 1.2));
    expect(out[1]).toMatchObject({ kind: 'close', overload: false });
  });
});
