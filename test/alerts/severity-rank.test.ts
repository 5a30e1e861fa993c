// Severity raise reasons: the code and its English words (the Chinese ones: test/alerts/severity-raise.test.ts).
import { describe, expect, it } from 'vitest';
import { raiseReason } from '../../src/alerts/severity-rank.js';
import { alertMessageIn } from '../../src/server/message-text.js';

describe('raiseReason', () => {
  it('words a reason from its code in English, the classes as the page\'s badges and band check name them', () => {
    expect(raiseReason('raise.handset', { class: 'tdma-burst', band: 'GSM900 uplink' }).reason).toBe('TDMA in GSM900 uplink: a phone transmitting near the sensor');
    // the fresh-user trial read "tdma-burst is not a class ISM 433 MHz carries (its users send ook, fsk, carrier)" beside
    // the band check's "OOK, FSK, CW"
    const odd = raiseReason('raise.unexpected', { class: 'tdma-burst', band: 'ISM 433 MHz', expected: 'ook, fsk, carrier' });
    const words = 'TDMA is not a class ISM 433 MHz carries (its users send OOK, FSK, CW): a device that does not belong in this band';
    expect(odd.reason).toBe(words);
    // the page and the report word it from the code: the same words
    expect(alertMessageIn('en', odd.reason, odd.reasonCode)).toBe(words);
    expect(raiseReason('raise.voice', { class: 'nfm', band: 'PMR 409 MHz' }).reason).toBe('NFM in PMR 409 MHz: a voice link, as the earpiece kits found at exams use (licensed radios use it too)');
  });
});
