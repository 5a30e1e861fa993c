// Alert record folding (src/alerts/alert-fold.ts), as the store and the web UI's alert list use it.
import { describe, expect, it } from 'vitest';
import { alertRank, foldInOrder, openAlertState } from '../../src/alerts/alert-fold.js';
import { raiseReason } from '../../src/alerts/severity-rank.js';
import type { Alert } from '../../src/alerts/alert.js';

const rec = (seq: number, event: Alert['event'], state: Alert['state'], severity: Alert['severity']): Alert => ({
  seq, alertId: 'hall-a-3', site: 'hall-a', sensor: 's1', kind: 'transmission', event, state, severity, time: `2025-06-01T08:00:0${seq}.000Z`,
});

describe('alert fold', () => {
  it('opens from the first record and takes state, severity, seq and event of each later one; close is final', () => {
    const s = openAlertState(rec(3, 'open', 'new', 'low'));
    expect(s).toEqual({ alertId: 'hall-a-3', site: 'hall-a', sensor: 's1', kind: 'transmission', state: 'new', severity: 'low', closed: false, openSeq: 3, lastSeq: 3, lastEvent: 'open' });
    foldInOrder(s, rec(3, 'open', 'new', 'low'));
    foldInOrder(s, rec(5, 'update', 'new', 'high'));
    expect([s.severity, s.lastSeq, s.lastEvent, s.closed]).toEqual(['high', 5, 'update', false]);
    foldInOrder(s, rec(7, 'close', 'new', 'high'));
    foldInOrder(s, rec(8, 'ack', 'acknowledged', 'high'));
    expect(s).toMatchObject({ state: 'acknowledged', severity: 'high', closed: true, openSeq: 3, lastSeq: 8, lastEvent: 'ack' });
  });

  it('ranks a raised alert above the others of its severity, never above a higher severity', () => {
    const raise = raiseReason('raise.voice', { class: 'nfm', band: 'UHF land mobile 400–470 MHz' });
    const ranks = [
      alertRank({ severity: 'high', severityRaise: raise }),
      alertRank({ severity: 'high' }),
      alertRank({ severity: 'low', severityRaise: raise }),
      alertRank({ severity: 'low' }),
      alertRank({ severity: 'info', severityRaise: raise }),
    ];
    expect(ranks).toEqual([5, 4, 3, 2, 0]);
  });
});
