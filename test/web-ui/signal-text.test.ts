// The detail's signal rows (web-ui/src/signal-text.ts signalRows) without a browser: a class whose confidence is below
// LOW_CONFIDENCE (0.5) reads as a guess, marked as everywhere a class is shown (src/text-template.ts): "?" after the
// name and "guess N %: confidence below 50 %" in the detail and the badge's tooltip, in English and Chinese; at 0.5 and
// above, the plain confidence.
import { afterEach, describe, expect, it } from 'vitest';
import { setLang, t } from '../../web-ui/src/i18n.js';
import type { AlertSignal } from '../../web-ui/src/protocol-types.js';
import { CLASS_FLOOR } from '../../src/text-template.js';
import { audioOffer, classLabel, LOW_CONFIDENCE, signalBadge, signalRows } from '../../web-ui/src/signal-text.js';
import { canListen } from '../../web-ui/src/live-listen.js';

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
    expect(signalRow(NFM)).toBe('窄带调频（话音链路）？ · 推测 5 %：置信度低于 50 %');
    expect(signalBadge(NFM)).toMatchObject({ text: '窄调频？', title: '窄带调频（话音链路）？ · 推测 5 %：置信度低于 50 %', guess: '推测 5 %' });
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

describe('a class below the class floor', () => {
  // what the identifier gives the demo's 10 kHz noise burst (hall-b, 868.26 MHz): its best class, NFM, at 5 %
  const BURST = { class: 'unknown', closestClass: 'nfm', confidence: 0.05, reason: 'narrow FM: envelope not constant', final: true } as AlertSignal;

  it('is shown as unknown with the closest class named as a hint only, in the badge and the detail (en and zh)', () => {
    expect(CLASS_FLOOR).toBe(0.2);
    expect(signalBadge(BURST)).toEqual({ text: '?', title: 'not identified · closest: NFM, 5 %; no class is named below 20 %', cls: 'unknown', low: true, guess: 'closest: NFM, 5 %' });
    expect(signalRow(BURST)).toBe('not identified · closest: NFM, 5 %; no class is named below 20 %');
    // just under the floor, the percent is never the floor itself
    expect(signalBadge({ ...BURST, closestClass: 'wideband-digital', confidence: 0.199 }).guess).toBe('closest: DIGI, 19 %');
    // an unknown that found nothing to classify has no hint
    expect(signalBadge({ ...BURST, closestClass: undefined, confidence: 0 })).toEqual({ text: '?', title: 'not identified · 0 %', cls: 'unknown', low: false, guess: '' });
    setLang('zh-CN', false);
    expect(signalBadge(BURST)).toMatchObject({ text: '未知', guess: '最接近：窄调频，5 %' });
    expect(signalRow(BURST)).toBe('未知 · 最接近：窄调频，5 %；置信度低于 20 % 时不给出类别');
  });

  it("names the closest class of this sensor's own reading of a group too", () => {
    const grouped = { class: 'nfm', confidence: 0.93, reason: 'nfm', groupFrom: { sensor: 'hall-a', alertId: 'x-1', snrDb: 21 }, own: { class: 'unknown', closestClass: 'nfm', confidence: 0.05, reason: 'nfm' } } as AlertSignal;
    expect(signalRows(grouped).find(([k]) => k === 'detail.signalOwn')![1]).toBe('not identified · closest: NFM, 5 %; no class is named below 20 % (the group shows the identification of hall-a, which hears it strongest)');
  });
});

describe('an unexpected class that raised nothing', () => {
  const band = { band: 'SRD 868 MHz', expected: ['fsk', 'ook', 'wideband-digital', 'carrier'], unexpected: true };
  const bandRow = (s: AlertSignal, raised: boolean): string | undefined => signalRows(s, raised).find(([k]) => k === 'detail.signalBand')?.[1];

  it('says why the flag did not rank the alert higher: its confidence is below 50 % (en and zh)', () => {
    const guess = { class: 'nfm', confidence: 0.41, reason: 'nfm', ...band } as AlertSignal;
    expect(bandRow(guess, false)).toBe('Not expected in SRD 868 MHz (expected: FSK, OOK, DIGI, CW); not ranked higher: confidence 41 % is below 50 %');
    // raised (a confident class): the flag alone, the raise has its own row
    expect(bandRow({ ...guess, confidence: 0.93 }, true)).toBe('Not expected in SRD 868 MHz (expected: FSK, OOK, DIGI, CW)');
    setLang('zh-CN', false);
    expect(bandRow(guess, false)).toBe('SRD 868 MHz 中不应出现（预期：频移、键控、数字、载波）；未提升优先级：置信度 41 % 低于 50 %');
  });
});

describe('listening below the class floor (docs/identification.md §5a)', () => {
  it("offers Listen and the clip's audio for an unknown whose closest class is analog, and names that class in both languages", () => {
    const unknown = { class: 'unknown', closestClass: 'nfm', confidence: 0.05, reason: 'narrow FM', final: true } as AlertSignal;
    expect(audioOffer(unknown)).toEqual({ cls: 'nfm', closest: true });
    expect(audioOffer({ ...NFM, confidence: 0.9 })).toEqual({ cls: 'nfm', closest: false });
    expect(audioOffer({ ...unknown, closestClass: 'ook' })).toBeUndefined();
    expect(audioOffer(undefined)).toBeUndefined();
    expect(canListen({ kind: 'transmission', closed: false, signal: unknown })).toBe(true);
    expect(canListen({ kind: 'transmission', closed: true, signal: unknown })).toBe(false);
    expect(canListen({ kind: 'transmission', closed: false, signal: { ...unknown, closestClass: 'fsk' } })).toBe(false);
    // the words the Listen button and the clip player's label use (web-ui/src/live-listen.ts, clip-audio.ts)
    expect([t('listen.startClosest', { name: classLabel('nfm') }), t('detail.clipAudioClosest', { name: classLabel('nfm') })])
      .toEqual(['Listen (closest: NFM)', 'Evidence clip audio (demodulated as the closest class: NFM)']);
    setLang('zh-CN', false);
    expect([t('listen.startClosest', { name: classLabel('nfm') }), t('detail.clipAudioClosest', { name: classLabel('nfm') })])
      .toEqual(['监听（最接近：窄调频）', '证据片段音频（按最接近的类别解调：窄调频）']);
  });
});
