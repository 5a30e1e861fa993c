// Wording of a transmission's identification (its `signal`): the short badge of the alert list, and the detail's rows.
import { audioClassOf, closestClassOf, closestText, guessNote, guessWords, isGuess, LOW_CONFIDENCE, markedClass, notRaisedNote } from '../../src/text-template.js';
import { alertMessageText, formatBandwidth, formatFeatureMs } from './format.js';
import { lang, t, type MsgKey } from './i18n.js';
import type { AlertSignal } from './protocol-types.js';

const CLASSES = new Set(['carrier', 'am', 'nfm', 'wfm', 'ook', 'fsk', 'tdma-burst', 'wideband-digital', 'pulsed-wideband', 'unknown']);

/** The class of a record's `signal` when it is one the page knows (a newer daemon's class shows as `unknown`). */
function classOf(s: AlertSignal): AlertSignal['class'] {
  return CLASSES.has(s.class) ? s.class : 'unknown';
}

/** Confidence below which a class is a guess (src/text-template.ts: marked as everywhere a class is shown; docs/web-ui.md); groups use it too. */
export { LOW_CONFIDENCE };

/** The short label of class `c` as the badges show it ("OOK", "键控"); a class the page does not know as written. */
export function classLabel(c: string): string {
  return CLASSES.has(c) ? t(`sig.${c}` as MsgKey) : c;
}

/**
 * What a transmission can be heard as (Listen, the clip's audio): `cls`, the class its audio is demodulated as
 * (src/text-template.ts audioClassOf: an analog class, or below the class floor an analog closest class), and
 * `closest`, true for a closest class, which the control then names ("Listen (closest: NFM)", "监听（最接近：窄调频）");
 * undefined when the signal carries no audio.
 */
export function audioOffer(s: AlertSignal | undefined): { cls: 'am' | 'nfm' | 'wfm'; closest: boolean } | undefined {
  const cls = audioClassOf(s);
  return s === undefined || cls === undefined ? undefined : { cls, closest: s.class === 'unknown' };
}

/**
 * Badge of the alert list: at most 5 characters (phone layout), e.g. "OOK", "NFM", "窄调频", marked as a guess ("OOK?",
 * src/text-template.ts markedClass) when the confidence is below {@link LOW_CONFIDENCE} (`low` true: the list draws it
 * dashed); its tooltip names the class and the confidence, for a guess with why (`… · guess 41 %: confidence below
 * 50 %`). `guess` is the words the row shows beside a guess's badge ("guess 41 %", "推测 41 %"; '' when not a guess):
 * a phone has no hover to show the tooltip.
 */
export function signalBadge(s: AlertSignal): { text: string; title: string; cls: AlertSignal['class']; low: boolean; guess: string } {
  const cls = classOf(s);
  const closest = closestOf(s);
  // below the class floor: the `unknown` badge, drawn as a guess's, with the closest class named beside it only
  const low = isGuess(cls, s.confidence) || closest !== undefined;
  const c = classConfidence(s);
  const title = `${c.name} · ${low ? c.confidence : `${Math.round(100 * s.confidence)} %`}`;
  const words = closest !== undefined ? closestText(lang(), 'words', classLabel(closest), s.confidence) : low ? guessWords(lang(), s.confidence) : '';
  return { text: markedClass(t(`sig.${cls}` as MsgKey), cls, s.confidence), title, cls, low, guess: words };
}

/** The closest class of a signal that names none (below the class floor, docs/identification.md §5a), when the page knows it. */
function closestOf(s: Pick<AlertSignal, 'class' | 'closestClass' | 'confidence'>): string | undefined {
  const c = closestClassOf(s);
  return c !== undefined && CLASSES.has(c) ? c : undefined;
}

/**
 * The detail's class and confidence, marked as the badge marks a guess: `narrow FM (voice link)?` and `guess 41 %:
 * confidence below 50 %` below {@link LOW_CONFIDENCE}, else `narrow FM (voice link)` and `confidence 87 %`; a class
 * below the class floor as `not identified` and `closest: NFM, 5 %; no class is named below 20 %`.
 */
function classConfidence(s: Pick<AlertSignal, 'class' | 'closestClass' | 'confidence'>): { name: string; confidence: string } {
  const cls = classOf(s as AlertSignal);
  const closest = closestOf(s);
  if (closest !== undefined) return { name: t('sigName.unknown'), confidence: closestText(lang(), 'note', classLabel(closest), s.confidence) };
  const name = markedClass(t(`sigName.${cls}` as MsgKey), cls, s.confidence);
  return isGuess(cls, s.confidence) ? { name, confidence: guessNote(lang(), s.confidence) } : { name, confidence: t('detail.confidence', { pct: Math.round(100 * s.confidence) }) };
}

const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** The measured features worth reading for the class, in the current language, joined by " · " ('' for `unknown`). */
export function signalFeatures(s: AlertSignal): string {
  const out: string[] = [];
  const cls = classOf(s);
  if (num(s.bandwidthHz)) out.push(t('feat.bandwidth', { v: formatBandwidth(s.bandwidthHz) }));
  if (num(s.snrDb)) out.push(t('feat.snr', { v: s.snrDb.toFixed(1) }));
  const keyed = cls === 'ook' || cls === 'fsk' || cls === 'tdma-burst' || cls === 'pulsed-wideband' || cls === 'wideband-digital';
  if ((cls === 'nfm' || cls === 'wfm' || cls === 'fsk') && num(s.deviationHz)) out.push(t('feat.deviation', { v: formatBandwidth(s.deviationHz) }));
  if (keyed && num(s.dutyCycle)) out.push(t('feat.duty', { v: Math.round(100 * s.dutyCycle) }));
  if (keyed && num(s.bursts) && s.bursts > 0 && num(s.burstMedianMs)) out.push(t('feat.bursts', { n: s.bursts, d: formatFeatureMs(s.burstMedianMs) }));
  if (keyed && num(s.periodMedianMs) && s.periodMedianMs > 0) out.push(t('feat.period', { d: formatFeatureMs(s.periodMedianMs) }));
  if (num(s.tones) && s.tones >= 2 && num(s.toneSpacingHz)) out.push(t('feat.tones', { n: s.tones, v: formatBandwidth(s.toneSpacingHz) }));
  if ((cls === 'ook' || cls === 'fsk') && num(s.symbolRateBd) && s.symbolRateBd > 0) out.push(t('feat.symbolRate', { v: Math.round(s.symbolRateBd) }));
  if ((cls === 'am' || cls === 'carrier' || cls === 'ook') && num(s.modulationIndex)) out.push(t('feat.modIndex', { v: s.modulationIndex.toFixed(2) }));
  if (cls === 'carrier' && num(s.centerDriftHz)) out.push(t('feat.drift', { v: `${Math.round(s.centerDriftHz)} Hz` }));
  if (num(s.envelopeKurtosis)) out.push(t('feat.kurtosis', { v: s.envelopeKurtosis.toFixed(2) }));
  if (s.speechPresent === true) out.push(t('listen.speech'));
  return out.join(' · ');
}

/**
 * The detail's rows for a signal: type and confidence (a guess marked as the list's badge marks it; a class below the
 * class floor as not identified with the closest class named), the band's expectation when it is not met (and, when the
 * alert was not ranked higher for it, `raised` false, why: its confidence is a guess's), the features, this
 * sensor's own reading when the row shows its group's identification (docs/identification.md §11), why
 * (its `reasonCode` in the page's language; a record without one, or of a newer daemon, shows `reason` as sent).
 */
export function signalRows(s: AlertSignal, raised = false): [MsgKey, string][] {
  const c = classConfidence(s);
  const rows: [MsgKey, string][] = [
    ['detail.signal', `${c.name} · ${c.confidence}${s.final === false ? t('detail.signalFirst') : ''}`],
  ];
  if (s.unexpected === true && typeof s.band === 'string') {
    const flag = t('detail.signalUnexpected', { band: s.band, expected: (s.expected ?? []).map(classLabel).join(t('list.sep')) });
    // a flag that raised nothing says why (a guess raises nothing: src/alerts/severity-raise.ts)
    const why = notRaisedNote(lang(), s, raised);
    rows.push(['detail.signalBand', why === undefined ? flag : `${flag}${lang() === 'zh-CN' ? '；' : '; '}${why}`]);
  }
  const features = signalFeatures(s);
  if (features !== '') rows.push(['detail.signalFeatures', features]);
  const own = s.own;
  if (own !== undefined && s.groupFrom !== undefined && typeof own.class === 'string') {
    // the group's decider is its strongest row, or (strongest false) the strongest with a confident class
    const key: MsgKey = s.groupFrom.strongest === false ? 'detail.signalOwnTextConfident' : 'detail.signalOwnText';
    // the room the site config gives the deciding sensor, the sensor after it (records before rooms were named: the sensor)
    const from = s.groupFrom.room === undefined ? s.groupFrom.sensor : `${s.groupFrom.room} (${s.groupFrom.sensor})`;
    rows.push(['detail.signalOwn', t(key, { ...classConfidence(own), sensor: from, min: Math.round(100 * LOW_CONFIDENCE) })]);
  }
  rows.push(['detail.signalReason', alertMessageText(s.reason, s.reasonCode) ?? s.reason]);
  return rows;
}
