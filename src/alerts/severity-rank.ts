// Severity raise: why an alert ranks above the others of its severity (reason codes and their texts, en and zh-CN).
// Pure, no band table (the server's message texts, read by the web UI, include it; the rule is severity-raise.ts).
import { fillTemplate, RAISE_MARK_TEXT as RAISE_MARKS, type TextLang } from '../text-template.js';

/**
 * Codes of the reasons an alert is raised:
 * - `raise.unexpected` {class, band, expected}: the band's users do not send this class (an nfm voice link in the
 *   223–235 MHz data allocation or in ISM 433, a tdma burst in PMR 409);
 * - `raise.voice` {class, band}: an nfm voice link in a land-mobile or walkie-talkie band, where the earpiece links of
 *   exam reports transmit (licensed radios do too);
 * - `raise.handset` {class, band}: a phone's uplink (tdma bursts or a wideband digital carrier) heard by the sensor.
 */
export type SeverityRaiseId = 'raise.unexpected' | 'raise.voice' | 'raise.handset';

/**
 * Why an alert ranks above the others of its severity ({@link Alert.severityRaise}): the reason as a code (`params`:
 * `class` the signal class, `band` the band's label, `expected` its classes joined by ", ") and its English words.
 */
export interface SeverityRaise {
  reason: string;
  reasonCode: { id: SeverityRaiseId; params: Record<string, string> };
}

/** Text of every raise reason per language; `{param}` placeholders filled from the code's params. */
// the classes in the page's words ({k|class}: NFM, OOK, FSK, CW; 窄调频、键控、频移、载波), as the detail's band check words them
export const RAISE_REASON_TEXT: Readonly<Record<TextLang, Readonly<Record<SeverityRaiseId, string>>>> = {
  en: {
    'raise.unexpected': '{class|class} is not a class {band} carries (its users send {expected|class}): a device that does not belong in this band',
    'raise.voice': '{class|class} in {band}: a voice link, as the earpiece kits found at exams use (licensed radios use it too)',
    'raise.handset': '{class|class} in {band}: a phone transmitting near the sensor',
  },
  'zh-CN': {
    'raise.unexpected': '{band} 不承载{class|class}类信号（该频段的用户发射{expected|class}）：不属于该频段的设备',
    'raise.voice': '{band} 中的{class|class}：语音链路，考场查获的耳机作弊设备即用此方式（合法对讲机也是）',
    'raise.handset': '{band} 中的{class|class}：传感器附近有手机在发射',
  },
};

/** The short mark of a raised alert per reason code and language: the table of src/text-template.ts, typed by the codes here. */
export const RAISE_MARK_TEXT: Readonly<Record<TextLang, Readonly<Record<SeverityRaiseId, string>>>> = RAISE_MARKS;

/** A raise reason as its code and its English words. */
export function raiseReason(id: SeverityRaiseId, params: Record<string, string>): SeverityRaise {
  return { reason: fillTemplate('en', RAISE_REASON_TEXT.en, RAISE_REASON_TEXT.en[id], params, true), reasonCode: { id, params } };
}
