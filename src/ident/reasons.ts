// Identification reasons: the code of each rule that decides a transmission's class (docs/identification.md §5) and its
// text in English and Simplified Chinese. The server's message table (src/server/message-text.ts) includes these texts.
import { fillTemplate, type TextLang } from '../text-template.js';

/**
 * Codes of identification reasons (src/ident/classify.ts, docs/identification.md §5): one per rule, the `unknown`
 * reasons of a clip that cannot be classified, `ident.group` (a group's row identified by another member, the group's
 * strongest: its `{=inner}` is the decider's code, rendered with the same params), `ident.groupConfident` (the same when
 * a stronger member, `strongSensor` at `strongSnr` dB, reads `strongClass` at `strongConfidence` below
 * LOW_CONFIDENCE (src/text-template.ts); `groupSensor` and `strongSensor` name the member's room and sensor, "Hall A (sens-a)"),
 * `ident.centreLine` (a line over the receiver's 0 Hz) and `ident.firstStands` (the final identification
 * found nothing in the transmission's last part, so the first one stands: `{=inner}` its code, `last` the English reason
 * of the last part).
 */
export type SignalReasonId =
  | 'ident.pulsed' | 'ident.ookShortPulses' | 'ident.tdma' | 'ident.fskComplement' | 'ident.fskBursts' | 'ident.widebandBursts' | 'ident.amBursts' | 'ident.ookBursts'
  | 'ident.ookKeyedCarrier' | 'ident.am' | 'ident.carrier' | 'ident.fsk' | 'ident.ookMerged' | 'ident.widebandDigital'
  | 'ident.ookKeyed' | 'ident.carrierWeak' | 'ident.centreLine' | 'ident.wfm' | 'ident.wfmNotConstant' | 'ident.nfm' | 'ident.nfmNotConstant'
  | 'ident.tooShort' | 'ident.tooShortChannel' | 'ident.noEmission' | 'ident.notHeld' | 'ident.failed' | 'ident.group'
  | 'ident.groupConfident' | 'ident.firstStands';

/**
 * An identification reason as a code: its id and the values its text shows (preformatted with their units: `12.5 kHz`,
 * `17 %`, `1.00 ms`). One of the `AlertMessageCode`s of src/alerts/alert.ts (`AlertSignal.reasonCode`).
 */
export interface SignalReasonCode {
  id: SignalReasonId;
  params?: Record<string, string | number>;
}

/** Text of every identification reason per language, `{param}` placeholders filled from the code's params. */
export const SIGNAL_REASON_TEXT: Readonly<Record<TextLang, Readonly<Record<SignalReasonId, string>>>> = {
  en: {
    'ident.pulsed': 'impulsive: {n} pulses of median {median} (< {max}), duty {duty}, noise-like within pulses (kurtosis {k}), 99 % bandwidth {bw}',
    'ident.ookShortPulses': 'keyed carrier pulses: {n} bursts of median {median}, duty {duty}, the pulses too short for the sample rate (their envelope reads noise-like) but the phase within them coherent ({coherence} ≥ {min}; impulses ≈ 0.1), {bw} wide',
    'ident.tdma': 'regular modulated bursts: slot {slot} (CV {slotCv}), frame {frame} (CV {frameCv}), duty {duty}, bandwidth {bw} (time × bandwidth {tb})',
    'ident.fskComplement': '2-FSK: a keyed tone ({n} pulses) whose gaps a second tone {spacing} away fills ({level} dB against the first, {contrast} dB stronger in its gaps than in its pulses); symbol rate {bd} Bd',
    'ident.fskBursts': 'bursts whose frequency takes {tones} values {spacing} apart (constant envelope while on, kurtosis {k}); symbol rate {bd} Bd',
    'ident.widebandBursts': 'bursts of a noise-like emission (kurtosis while on {k}, no carrier line) {bw} wide, duty {duty}',
    'ident.amBursts': 'amplitude modulated to near zero (the envelope dips read as gaps): carrier line {line} of the power, amplitude index {index} ({lo}–{hi})',
    'ident.ookBursts': 'on-off keyed: {n} pulses, duty {duty}, one frequency, carrier line {line} of the power, shortest element {element} ({bd} Bd)',
    'ident.ookKeyedCarrier': 'keyed carrier: carrier line {line} of the power, amplitude index {index} (≈ 1 for on-off at 50 %), envelope kurtosis {k} (≈ 1/duty − 1); keying too fast for the noise to resolve pulses',
    'ident.am': 'amplitude modulated: carrier line {line} of the power, amplitude index {index} ({lo}–{hi}), 99 % bandwidth {bw}',
    'ident.carrier': 'unmodulated carrier: 99 % bandwidth {bw} (< {max}), amplitude index {index}, drift {drift}',
    'ident.fsk': 'continuous, constant envelope, frequency takes {tones} values ({ifTones} in the instantaneous frequency, {humps} humps in the spectrum) {spacing} apart; symbol rate {bd} Bd',
    'ident.ookMerged': 'on-off keyed (pulses not resolved at this SNR or merged packets): envelope kurtosis {k} (≈ 1/duty − 1), carrier line {line} of the power',
    'ident.widebandDigital': 'continuous, noise-like envelope (kurtosis {k} ≈ 1 for Gaussian), no carrier line, flatness {flat}, {bw} wide',
    'ident.ookKeyed': 'on-off keyed (pulses not resolved at this SNR): envelope kurtosis {k} (a constant envelope on ≈ {share} of the time; > {limit}), no carrier line above the noise ({line}), in-band SNR {snr} dB, {bw} wide',
    'ident.carrierWeak': 'narrow (99 % bandwidth {bw}) without a dominant line: a drifting or weak carrier',
    'ident.centreLine': 'a line over the receiver\'s 0 Hz (99 % band {low} … {high}, {bw} wide): the receiver\'s DC offset or LO leakage, or a carrier tuned there; its amplitude index {index} follows the receiver\'s gain as other signals key, not read as AM',
    'ident.wfm': 'wide FM: constant envelope (kurtosis {k}), 99 % bandwidth {bw} (> {min}), deviation ≈ {dev}',
    'ident.wfmNotConstant': 'wide FM: envelope not constant (kurtosis {k} > {limit}): FM only because no other rule matched, 99 % bandwidth {bw} (> {min}), deviation ≈ {dev}',
    'ident.nfm': 'narrow FM: constant envelope (kurtosis {k}), 99 % bandwidth {bw}, deviation ≈ {dev}',
    'ident.nfmNotConstant': 'narrow FM: envelope not constant (kurtosis {k} > {limit}): FM only because no other rule matched, 99 % bandwidth {bw}, deviation ≈ {dev}',
    'ident.tooShort': 'clip too short: {samples} samples ({ms} ms); need at least {minSamples} samples and {minMs} ms',
    'ident.tooShortChannel': 'clip too short: {samples} samples after channel selection at {rate} S/s',
    'ident.noEmission': 'no emission above the noise near {offset|near} (in-band SNR {snr} dB)',
    'ident.notHeld': "the transmission's IQ is no longer held by the sensor's ring",
    'ident.failed': 'identification failed: {error}',
    'ident.group': "as identified in {groupSensor}, the group's strongest (in-band SNR {groupSnr} dB): {=inner}",
    'ident.groupConfident': "as identified in {groupSensor} (in-band SNR {groupSnr} dB), the group's strongest with a class of at least {minConfidence} confidence; {strongSensor} hears it stronger (in-band SNR {strongSnr} dB) but reads {strongClass} ({strongConfidence}): {=inner}",
    'ident.firstStands': '{=inner} (its last part: {last})',
  },
  'zh-CN': {
    'ident.pulsed': '脉冲性：{n} 个脉冲，中位宽度 {median}（< {max}），占空比 {duty}，脉冲内类噪声（峭度 {k}），99 % 带宽 {bw}',
    'ident.ookShortPulses': '键控载波脉冲：{n} 个突发，中位长度 {median}，占空比 {duty}，脉冲短于采样率可分辨的宽度（包络看似类噪声），但脉冲内相位相干（{coherence} ≥ {min}；冲击噪声约 0.1），宽 {bw}',
    'ident.tdma': '规则的调制突发：时隙 {slot}（变异系数 {slotCv}），帧 {frame}（变异系数 {frameCv}），占空比 {duty}，带宽 {bw}（时宽×带宽 {tb}）',
    'ident.fskComplement': '二进制频移键控：一个键控音（{n} 个脉冲）的间隙由相距 {spacing} 的第二个音填满（相对第一个音 {level} dB，在其间隙中比在其脉冲中强 {contrast} dB）；符号率 {bd} 波特',
    'ident.fskBursts': '突发内频率取 {tones} 个值，间隔 {spacing}（发射时包络恒定，峭度 {k}）；符号率 {bd} 波特',
    'ident.widebandBursts': '类噪声发射的突发（发射时峭度 {k}，无载波谱线），宽 {bw}，占空比 {duty}',
    'ident.amBursts': '调幅至接近零（包络凹陷被读作间隙）：载波谱线占功率 {line}，调幅指数 {index}（{lo}–{hi}）',
    'ident.ookBursts': '通断键控：{n} 个脉冲，占空比 {duty}，单一频率，载波谱线占功率 {line}，最短码元 {element}（{bd} 波特）',
    'ident.ookKeyedCarrier': '键控载波：载波谱线占功率 {line}，调幅指数 {index}（50 % 通断时约为 1），包络峭度 {k}（约 1/占空比 − 1）；键控过快，在此噪声下无法分辨脉冲',
    'ident.am': '调幅：载波谱线占功率 {line}，调幅指数 {index}（{lo}–{hi}），99 % 带宽 {bw}',
    'ident.carrier': '未调制载波：99 % 带宽 {bw}（< {max}），调幅指数 {index}，漂移 {drift}',
    'ident.fsk': '连续发射，包络恒定，频率取 {tones} 个值（瞬时频率中 {ifTones} 个，频谱中 {humps} 个峰），间隔 {spacing}；符号率 {bd} 波特',
    'ident.ookMerged': '通断键控（此信噪比下脉冲无法分辨，或数据包相连）：包络峭度 {k}（约 1/占空比 − 1），载波谱线占功率 {line}',
    'ident.widebandDigital': '连续发射，包络类噪声（峭度 {k}，高斯信号约为 1），无载波谱线，平坦度 {flat}，宽 {bw}',
    'ident.ookKeyed': '通断键控（此信噪比下脉冲无法分辨）：包络峭度 {k}（恒定包络约有 {share} 的时间在发射；> {limit}），噪声之上无载波谱线（{line}），带内信噪比 {snr} dB，宽 {bw}',
    'ident.carrierWeak': '窄带（99 % 带宽 {bw}），无主导谱线：漂移或微弱的载波',
    'ident.centreLine': '接收机 0 Hz 处的谱线（99 % 频带 {low} … {high}，宽 {bw}）：接收机直流偏置或本振泄漏，或调谐于此的载波；其调幅指数 {index} 随其他信号键控时接收机增益变化，不视为调幅',
    'ident.wfm': '宽带调频：包络恒定（峭度 {k}），99 % 带宽 {bw}（> {min}），频偏约 {dev}',
    'ident.wfmNotConstant': '宽带调频：包络不恒定（峭度 {k} > {limit}）：仅因其他规则都不符合而判为调频，99 % 带宽 {bw}（> {min}），频偏约 {dev}',
    'ident.nfm': '窄带调频：包络恒定（峭度 {k}），99 % 带宽 {bw}，频偏约 {dev}',
    'ident.nfmNotConstant': '窄带调频：包络不恒定（峭度 {k} > {limit}）：仅因其他规则都不符合而判为调频，99 % 带宽 {bw}，频偏约 {dev}',
    'ident.tooShort': '片段过短：{samples} 个采样（{ms} 毫秒）；至少需要 {minSamples} 个采样和 {minMs} 毫秒',
    'ident.tooShortChannel': '片段过短：信道选择后仅 {samples} 个采样（{rate} 采样/秒）',
    'ident.noEmission': '{offset|near} 附近噪声之上无发射（带内信噪比 {snr} dB）',
    'ident.notHeld': '传感器的缓冲区已不再保存该发射的 IQ 数据',
    'ident.failed': '识别失败：{error}',
    'ident.group': '由本组最强的 {groupSensor} 识别（带内信噪比 {groupSnr} dB）：{=inner}',
    'ident.groupConfident': '由 {groupSensor} 识别（带内信噪比 {groupSnr} dB），它是本组中分类置信度不低于 {minConfidence} 的最强传感器；{strongSensor} 信号更强（带内信噪比 {strongSnr} dB），但其分类置信度仅 {strongConfidence}：{=inner}',
    'ident.firstStands': '{=inner}（其最后一段无法识别，沿用最初的识别）',
  },
};

/**
 * A reason as its code and its English words: `{ reason, reasonCode }` with `reason` rendered from
 * {@link SIGNAL_REASON_TEXT}.en (what logs, MQTT and `quietband replay` print; a `{=inner}` whose value is no reason id
 * stays as written), `reasonCode` for a page to word it in its reader's language.
 */
export function signalReason(id: SignalReasonId, params: Record<string, string | number> = {}): { reason: string; reasonCode: SignalReasonCode } {
  return { reason: fillTemplate('en', SIGNAL_REASON_TEXT.en, SIGNAL_REASON_TEXT.en[id], params, true), reasonCode: { id, params } };
}
