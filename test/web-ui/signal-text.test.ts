// The detail's signal rows (web-ui/src/signal-text.ts signalRows) without a browser: a class whose confidence is below
// LOW_CONFIDENCE (0.5) reads as a guess, "?" after the name and "confidence only N % (a guess)" as the badge's tooltip,
// in English and Chinese; at 0.5 and above, the plain confidence.
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
    expect(signalRow(NFM)).toBe('narrow FM (voice link)? · confidence only 5 % (a guess)');
    expect(signalBadge(NFM)).toMatchObject({ text: 'NFM?', low: true, guess: 'guess 5 %' });
    expect(signalBadge({ ...NFM, confidence: 0.5 })).toMatchObject({ text: 'NFM', low: false, guess: '' });
    expect(signalRow({ ...NFM, confidence: 0.5 })).toBe('narrow FM (voice link) · confidence 50 %');
    expect(signalRow({ ...NFM, class: 'unknown', confidence: 0 })).toBe('not identified · confidence 0 %');
    setLang('zh-CN', false);
    expect(signalRow(NFM)).toBe('窄带调频（话音链路）? · 置信度仅 5 %（推测）');
    expect(signalBadge(NFM)).toMatchObject({ text: '窄调频?', guess: '推测 5 %' });
    expect(signalRow({ ...NFM, confidence: 0.87 })).toBe('窄带调频（话音链路） · 置信度 87 %');
  });

  it("mark this sensor's own reading of a group the same way", () => {
    const grouped = { ...NFM, confidence: 0.9, groupFrom: { sensor: 'hall-b', alertId: 'x-1', snrDb: 24.6 }, own: { class: 'fsk', confidence: 0.41, reason: 'fsk' } } as AlertSignal;
    const inRoom = { ...grouped, groupFrom: { ...grouped.groupFrom!, sensor: 'sens-b', room: 'Hall B' } };
    expect(signalRows(grouped).find(([k]) => k === 'detail.signalOwn')![1]).toBe('frequency-shift keyed data (FSK)? · confidence only 41 % (a guess) (the group shows the identification of hall-b, which hears it strongest)');
    // a group of located sensors: the room the site config gives, the sensor after it
    expect(signalRows(inRoom).find(([k]) => k === 'detail.signalOwn')![1]).toBe('frequency-shift keyed data (FSK)? · confidence only 41 % (a guess) (the group shows the identification of Hall B (sens-b), which hears it strongest)');
  });
});
