// The detail's signal rows (web-ui/src/signal-text.ts signalRows) without a browser: a class whose confidence is below
// LOW_CONFIDENCE (0.5) reads as a guess, marked as everywhere a class is shown (src/text-template.ts): "?" after the
// name and "guess N %: confidence below 50 %" in the detail and the badge's tooltip, in English and Chinese; at 0.5 and
// above, the plain confidence.
import { afterEach, describe, expect, it } from 'vitest';
import { setLang } from '../../web-ui/src/i18n.js';
import type { AlertSignal } from '../../web-ui/src/protocol-types.js';
import { LOW_CONFIDENCE, signalBadge, signalRows } from '../../web-ui/src/signal-text.js';

const NFM: AlertSignal = { class: 'nfm', confidence: 0.05, reason: 'narrow FM', final: true } as AlertSignal;

const signalRow = (s: AlertSignal): string => signalRows(s).find(([k]) => k === 'detail.signal')![1];

afterEach(() => setLang('en', false));

describe('signal detail rows', () => {
  it('mark a class below the low-confidence threshold as a guess, as the badge does (en and zh)', () => {
    expect(LOW_CONFIDENCE).toBe(0.5);
    expect(signalRow(NFM)).toBe('narrow FM (voice link)? · guess 5 %: confidence below 50 %');
    expect(signalBadge(NFM)).toEqual({ text: 'NFM?', title: 'narrow FM (voice link)? · guess 5 %: confidence below 50 %', cls: 'nfm', low: true, guess: 'guess 5 %' });
    expect(signalBadge({ ...NFM, confidence: 0.5 })).toEqual({ text: 'NFM', title: 'narrow FM (voice link) · 50 %', cls: 'nfm', low: false, guess: '' });
    expect(signalBadge({ ...NFM, confidence: 0.499 })).toMatchObject({ text: 'NFM?', guess: 'guess 49 %' });
    expect(signalRow({ ...NFM, confidence: 0.5 })).toBe('narrow FM (voice link) · confidence 50 %');
    expect(signalRow({ ...NFM, class: 'unknown', confidence: 0 })).toBe('not identified · confidence 0 %');
    setLang('zh-CN', false);
    expect(signalRow(NFM)).toBe('窄带调频（话音链路）? · 推测 5 %：置信度低于 50 %');
    expect(signalBadge(NFM)).toMatchObject({ text: '窄调频?', title: '窄带调频（话音链路）? · 推测 5 %：置信度低于 50 %', guess: '推测 5 %' });
    expect(signalRow({ ...NFM, confidence: 0.87 })).toBe('窄带调频（话音链路） · 置信度 87 %');
  });

  it("mark this sensor's own reading of a group the same way", () => {
    const grouped = { ...NFM, confidence: 0.9, groupFrom: { sensor: 'hall-b', alertId: 'x-1', snrDb: 24.6 }, own: { class: 'fsk', confidence: 0.41, reason: 'fsk' } } as AlertSignal;
    const inRoom = { ...grouped, groupFrom: { ...grouped.groupFrom!, sensor: 'sens-b', room: 'Hall B' } };
    expect(signalRows(grouped).find(([k]) => k === 'detail.signalOwn')![1]).toBe('frequency-shift keyed data (FSK)? · guess 41 %: confidence below 50 % (the group shows the identification of hall-b, which hears it strongest)');
    // a group of located sensors: the room the site config gives, the sensor after it
    expect(signalRows(inRoom).find(([k]) => k === 'detail.signalOwn')![1]).toBe('frequency-shift keyed data (FSK)? · guess 41 %: confidence below 50 % (the group shows the identification of Hall B (sens-b), which hears it strongest)');
  });
});
