// The band rule of alert severity: which identified transmissions rank above the others of their severity, and an alert
// whose identification update raises it (and a later one that drops it).
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { severityRaiseFor } from '../../src/alerts/severity-raise.js';
import { alertMessageIn } from '../../src/server/message-text.js';
import type { Alert, AlertSignal } from '../../src/server/protocol.js';
import { busOnTempDir, det } from '../server/helpers.js';

/** A signal as the sensor sends it once the band is known (the band field is all the rule reads of it besides class). */
const sig = (cls: AlertSignal['class'], confidence = 0.9): AlertSignal => ({ class: cls, confidence, reason: 'test', band: 'set' });

describe('severityRaiseFor (the band rule)', () => {
  it('raises a class its band does not carry: nfm in the 223–235 MHz data allocation, in ISM 433, in FM broadcast; tdma in PMR 409', () => {
    expect(severityRaiseFor(sig('nfm'), 230.0125e6)).toEqual({
      // the classes as the English page's badges and band check name them (the code keeps the class codes)
      reason: 'NFM is not a class 223–235 MHz data transmission carries (its users send FSK, OOK, DIGI, TDMA, CW): a device that does not belong in this band',
      reasonCode: { id: 'raise.unexpected', params: { class: 'nfm', band: '223–235 MHz data transmission', expected: 'fsk, ook, wideband-digital, tdma-burst, carrier' } },
    });
    expect(severityRaiseFor(sig('nfm'), 433.92e6)?.reasonCode.params.band).toBe('ISM 433 MHz');
    expect(severityRaiseFor(sig('nfm'), 98.1e6)?.reasonCode.id).toBe('raise.unexpected');
    expect(severityRaiseFor(sig('tdma-burst'), 409.8e6)?.reasonCode).toMatchObject({ id: 'raise.unexpected', params: { band: 'PMR 409 MHz' } });
    expect(severityRaiseFor(sig('nfm'), 480e6)?.reasonCode.params.band).toBe('SRD 470–510 MHz');
    expect(severityRaiseFor(sig('nfm'), 868.3e6)?.reasonCode).toEqual({ id: 'raise.unexpected', params: { class: 'nfm', band: 'SRD 868 MHz', expected: 'fsk, ook, wideband-digital, carrier' } });
    expect(severityRaiseFor(sig('fsk'), 868.3e6)).toBeUndefined(); // meters, sensors
  });

  it('raises an nfm voice link in the land-mobile and walkie-talkie bands, and a phone in the GSM900 / DCS1800 uplinks', () => {
    expect(severityRaiseFor(sig('nfm'), 165.3e6)?.reasonCode).toEqual({ id: 'raise.voice', params: { class: 'nfm', band: 'VHF land mobile 150–170 MHz' } });
    expect(severityRaiseFor(sig('nfm'), 450.1e6)?.reasonCode.params.band).toBe('UHF land mobile 400–470 MHz');
    expect(severityRaiseFor(sig('nfm'), 409.8e6)?.reasonCode).toEqual({ id: 'raise.voice', params: { class: 'nfm', band: 'PMR 409 MHz' } });
    expect(severityRaiseFor(sig('tdma-burst'), 902.4e6)?.reasonCode).toEqual({ id: 'raise.handset', params: { class: 'tdma-burst', band: 'GSM900 uplink' } });
    expect(severityRaiseFor(sig('wideband-digital'), 1747.5e6)?.reasonCode).toEqual({ id: 'raise.handset', params: { class: 'wideband-digital', band: 'DCS1800 uplink' } });
  });

  it('leaves the band users\' own traffic, guesses, unknown and unplaced signals as they are', () => {
    expect(severityRaiseFor(sig('ook'), 433.92e6)).toBeUndefined(); // remotes and sensors
    expect(severityRaiseFor(sig('fsk'), 433.92e6)).toBeUndefined();
    expect(severityRaiseFor(sig('fsk'), 169.4e6)).toBeUndefined(); // a 168–170 MHz data link is licensed traffic
    expect(severityRaiseFor(sig('fsk'), 480e6)).toBeUndefined(); // meters
    expect(severityRaiseFor(sig('wfm'), 98.1e6)).toBeUndefined(); // broadcast
    expect(severityRaiseFor(sig('ook'), 1090e6)).toBeUndefined(); // Mode S
    expect(severityRaiseFor(sig('nfm', 0.49), 230e6)).toBeUndefined(); // below LOW_CONFIDENCE: a guess
    expect(severityRaiseFor(sig('nfm', 0.5), 230e6)?.reasonCode.id).toBe('raise.unexpected');
    expect(severityRaiseFor(sig('unknown'), 230e6)).toBeUndefined();
    expect(severityRaiseFor(sig('nfm'), 300e6)).toBeUndefined(); // no band of the table
    expect(severityRaiseFor({ class: 'nfm', confidence: 0.9 }, 230e6)).toBeUndefined(); // centre not absolute: no band named
    expect(severityRaiseFor(undefined, 230e6)).toBeUndefined();
  });

  it('words the reason in Chinese from its code, the classes in the page\'s words (as its band check: 键控、频移、载波)', () => {
    const r = severityRaiseFor(sig('tdma-burst'), 902.4e6)!;
    expect(alertMessageIn('zh-CN', r.reason, r.reasonCode)).toBe('GSM900 uplink 中的时隙：传感器附近有手机在发射');
    const u = severityRaiseFor(sig('nfm'), 433.92e6)!;
    expect(alertMessageIn('zh-CN', u.reason, u.reasonCode)).toBe('ISM 433 MHz 不承载窄调频类信号（该频段的用户发射键控、频移、载波）：不属于该频段的设备');
    // English keeps the codes; a class of a newer daemon stays as written
    expect(alertMessageIn('en', u.reason, u.reasonCode)).toBe(u.reason);
    expect(alertMessageIn('zh-CN', '', { id: 'raise.voice', params: { class: 'chirp', band: 'PMR446' } })).toBe('PMR446 中的chirp：语音链路，考场查获的耳机作弊设备即用此方式（合法对讲机也是）');
  });
});

describe('an identification update raises the alert', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  it('open unraised → nfm at 433.92 MHz raises it → the final ook drops it; an ack keeps what is in force', async () => {
    const { store, bus, emitted, close } = await busOnTempDir('qb-raise-');
    cleanups.push(close);
    // det(4): 433.924 MHz, ISM 433
    const open = await bus.handleDetection('s1', det(4, 'open'))!;
    const first = { ...sig('nfm', 0.93), band: 'ISM 433 MHz', final: false };
    await bus.handleDetection('s1', det(4, 'update'), { signal: first });
    await bus.ack(open.alertId, 'li');
    await bus.handleDetection('s1', det(4, 'close', { endS: 3 }), { signal: { ...sig('ook', 0.88), band: 'ISM 433 MHz', final: true } });
    expect(emitted.map((a) => [a.event, a.severity, a.severityRaise?.reasonCode.id])).toEqual([
      ['open', 'high', undefined],
      ['update', 'high', 'raise.unexpected'],
      ['ack', 'high', undefined],
      ['close', 'high', undefined],
    ]);
    expect(emitted[1]!.severityRaise?.reason).toBe('NFM is not a class ISM 433 MHz carries (its users send OOK, FSK, CW): a device that does not belong in this band');
    // the record in the store is the one MQTT and the report read
    const lines = readFileSync(store.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Alert);
    const stored = lines.find((a) => a.alertId === open.alertId && a.event === 'update');
    expect(stored?.severityRaise?.reasonCode).toEqual({ id: 'raise.unexpected', params: { class: 'nfm', band: 'ISM 433 MHz', expected: 'ook, fsk, carrier' } });
  });
});
