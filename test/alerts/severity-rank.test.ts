// Severity rank: a raised alert ranks above the others of its severity and never above a higher one; the raise reason's words.
import { describe, expect, it } from 'vitest';
import { alertRank, raiseReason } from '../../src/alerts/severity-rank.js';

describe('alertRank', () => {
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
  it('words a reason from its code in English', () => {
    expect(raiseReason('raise.handset', { class: 'tdma-burst', band: 'GSM900 uplink' }).reason).toBe('tdma-burst in GSM900 uplink: a phone transmitting near the sensor');
  });
});
