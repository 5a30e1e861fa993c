// Severity raise reasons: the code and its English words (the Chinese ones: test/alerts/severity-raise.test.ts).
import { describe, expect, it } from 'vitest';
import { raiseReason } from '../../src/alerts/severity-rank.js';

describe('raiseReason', () => {
  it('words a reason from its code in English', () => {
    expect(raiseReason('raise.handset', { class: 'tdma-burst', band: 'GSM900 uplink' }).reason).toBe('tdma-burst in GSM900 uplink: a phone transmitting near the sensor');
  });
});
