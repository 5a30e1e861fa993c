// Signal features of one IQ clip around a detection: bandwidth, bursts, envelope and instantaneous-frequency statistics
// (docs/identification.md §2–§4 gives every formula).
import { BandCutter, planClipBand } from '../dsp/band-cut.js';
import { betweenBursts, burstRuns, burstTiming, durationStats, timingRuns, type DurationStats } from './bursts.js';
import { channelLine, keyingIndex } from './carrier.js';
import { channelise, type Channel } from './channel.js';
import { complementaryTone, NO_COMPLEMENT } from './complement.js';
import { envelopeMoments, movingMean } from './envelope.js';
import { frequencyTones, instantaneousFrequency, lagCoherence, spectralHumps } from './frequency.js';
import { signalReason, type SignalReasonCode } from './reasons.js';
import { fftSizeFor, noiseFloorPerBin, occupiedBand, quantile, welchSpectrum, type ClipSpectrum, type OccupiedBand } from './spectrum.js';
import { keyedElement, mesialTiming, toneChangeShare, toneElement, toneRuns } from './symbol-rate.js';

/** A clip to identify: raw IQ plus where the detector saw the emission. */
export interface IdentInput {
  /** Interleaved I/Q (full scale ±1), at least 2·count long. */
  iq: Float32Array;
  count: number;
  rateSps: number;
  /** Detection centre as an offset from the clip's tuning centre (Hz). */
  offsetHz: number;
  /** Detector's bandwidth estimate (Hz); a hint for the search window only (the features measure their own). */
  bandwidthHz: number;
  /**
   * A stretch of the same stream (rate, tuning, gain) where the emission is off, as interleaved I/Q of `count` complex
   * samples: a band-cut evidence clip's pre-roll. Its spectrum gives the noise floor when the search window leaves fewer
   * than a quarter of the clip's bins for it (an emission filling its clip: docs/identification.md §2); else unused.
   */
  noise?: { iq: Float32Array; count: number };
}

/** Shortest clip analysed (s): below it the result is `unknown` ("clip too short"). */
export const MIN_CLIP_S = 0.002;
/** Fewest samples analysed, whatever the rate. */
export const MIN_CLIP_SAMPLES = 512;

/** Features of one clip (all frequencies are offsets from the clip's tuning centre unless stated). */
export interface SignalFeatures {
  clipS: number;
  /**
   * 99 % and 90 % power bandwidths (Hz) and the 99 % band's edges (Hz); an emission analysed as the whole band (§2: wide,
   * or a slice of a band-wide one) has edges ±rate/2, the band analysed, and a 99 % bandwidth of at least 0.8 × the rate.
   */
  bandwidthHz: number;
  bandwidth90Hz: number;
  lowHz: number;
  highHz: number;
  /**
   * True when the emission was analysed as the whole band (§2): wider than 40 % of the rate, or a slice of a band-wide
   * emission (the detector's slices of it are then one transmission: src/ident/joined-rows.ts). Absent = false.
   */
  wholeBand?: boolean;
  /** Centre of the 90 % band (Hz) refined by the median instantaneous frequency. */
  centerOffsetHz: number;
  /**
   * Signal-to-noise ratio (dB) inside the 99 % band while the emission is on: the clip's excess power over the noise in
   * that band, divided by the share of the clip it is on (`clipDutyCycle`; the whole clip when no run was found).
   */
  snrDb: number;
  /** Signal-to-noise ratio (dB) in the analysis channel while the emission is on. */
  onSnrDb: number;
  /** Share of the signal power in the strongest line: ±2 bins of the channel's spectrum (≈ channel rate / 4096 each). */
  carrierFraction: number;
  /** Spectral flatness over the 90 % band (0..1). */
  flatness: number;
  /** Share of time on, between the first rise and the last fall (0..1), and over the whole clip. */
  dutyCycle: number;
  clipDutyCycle: number;
  /** On-runs (bursts / pulses), gaps between them and start-to-start periods. */
  bursts: DurationStats;
  gaps: DurationStats;
  periods: DurationStats;
  /**
   * Noise-corrected envelope kurtosis between the first rise and the last fall: (E|z|⁴ − 2(E|z|²)²)/S² + 1 with
   * S = E|z|² − N (0 = constant envelope: FM, FSK, carrier; ≈ 4·(m·a_rms)² for AM; 1 = Gaussian: OFDM/QAM-like or
   * noise; 1/d − 1 for a constant envelope keyed on a share d of the time).
   */
  envelopeKurtosis: number;
  /** The same while on only (pulse edges excluded): 0 constant within pulses (OOK, FSK, GSM), 1 noise-like pulses. */
  onEnvelopeKurtosis: number;
  /** Std (Hz) of the smoothed instantaneous frequency while on, and the 99th percentile of |f − median| (Hz). */
  frequencyStdHz: number;
  deviationHz: number;
  /**
   * Peaks of the instantaneous-frequency histogram (FSK tones) when the frequency dwells near them ≥ 75 % of the time
   * (else 1), their offsets (Hz, relative to the centre) and mean spacing (from the spectrum's humps when the histogram
   * has one peak).
   */
  tones: number;
  toneOffsetsHz: number[];
  /** Power between the bursts over the noise (dB; −30 = nothing) and its frequency minus that of the bursts (Hz). */
  gapSnrDb: number;
  gapShiftHz: number;
  /**
   * Humps of the channel spectrum (smoothed over ±5 % of the 99 % band) inside the 99 % band when 2–4 of them lie ≥ 15 %
   * of the band apart, else 1: FSK tones even at low SNR.
   */
  spectralTones: number;
  /**
   * Coherent RMS amplitude-modulation index of the strongest line (coherentModulationIndex in carrier.ts): ≈ 0 carrier,
   * 0.1–0.4 AM speech, ≈ 1 keyed carrier (OOK at 50 % duty); 0 when no line holds 30 % of the power.
   */
  modulationIndex: number;
  toneSpacingHz: number;
  /**
   * Symbol rate (Bd) = 1 / symbolS; 0 when none. From the features alone symbolS is `toneSymbolS` when the clip has 2 or
   * more FSK tones and their runs gave one, else `keyedSymbolS`; an identification takes the one of its class
   * (`elementOfClass` in classify.ts).
   */
  symbolRateBd: number;
  /** Elementary pulse / symbol duration (s) behind symbolRateBd. */
  symbolS: number;
  /** Shortest element (s) of the on/off keying: pulses and gaps timed at the mesial amplitude level; 0 when none. */
  keyedSymbolS: number;
  /** Shortest element (s) of the runs of the nearest FSK tone; 0 without 2 tones or without 3 inner runs. */
  toneSymbolS: number;
  /**
   * Share (0..1) of the bursts long enough to hold two tone runs whose frequency changes between the histogram's tones
   * within them (`toneChangeShare` in symbol-rate.ts): ≈ 1 for FSK packets, ≈ 0 for on-off pulses each at one frequency
   * (pulled from pulse to pulse); 1 when there is nothing to judge (fewer than 2 histogram peaks, no burst that long).
   */
  toneChangeShare: number;
  /**
   * A second emission beside a keyed one that is on while it is off (`complementaryTone` in complement.ts, §4b): its
   * frequency minus the keyed emission's (Hz, signed; 0 when none), its level in the gaps over the keyed emission's
   * level while on (dB) and its alternation, gaps over pulses (dB). With one, `toneSpacingHz` is |complementSpacingHz|
   * and `toneSymbolS` the keyed element (a run of one tone is a pulse or a gap of the other).
   */
  complementSpacingHz: number;
  complementLevelDb: number;
  complementContrastDb: number;
  /**
   * Phase coherence within the on-runs over one reciprocal 99 % bandwidth (`lagCoherence` in frequency.ts): ≈ 1 for
   * pulses of a carrier, however short (Mode S's 0.5 µs chips), ≈ 0.15 for impulses and noise-like bursts.
   */
  pulseCoherence: number;
  /** Centre-frequency stability: std and max − min (Hz) of the mean frequency of up to 10 time slices while on. */
  centerStdHz: number;
  centerDriftHz: number;
  /** The analysis channel's rate (S/s) and cut-off (Hz). */
  channelRateSps: number;
  channelCutoffHz: number;
}

/**
 * A window is a slice of a band-wide emission when the floor of the bins outside it, over the whole band, stands at
 * least this much (15 dB) over the noise of the clip's quiet stretches ({@link quietNoisePower}): the other 183
 * detections of ../shared read −12.1 … +9.2 dB, a clipping recording's 12.8 dB (its emission 27.5 dB over that floor,
 * which the slice test's second condition also excludes), the Mode S slices 20.3–23.4 dB.
 */
export const SLICE_MIN_FLOOR_RATIO = 10 ** 1.5;

/**
 * With a reference floor (a band-cut clip's pre-roll), an emission is analysed as the whole band only above this share
 * of the rate (0.75): the channel's cut-off, 0.6 × its 99 % band, would then pass the whole band's, 0.45 × the rate.
 */
export const WIDE_WITH_REFERENCE = 0.75;

/** The analysis channel's rate over its two-sided cut-off (channelise's minRatio): pulse edges timed to 1/16 of 1/B. */
const CHANNEL_MIN_RATIO = 4;

/**
 * A complementary tone is looked for only below this duty (on time over the span of the runs): the classifier's bursty
 * limit (RULES.burstyDuty), where on-off keying is the alternative to FSK.
 */
const KEYED_MAX_DUTY = 0.8;

/** Why features could not be computed: English words, and their code when the clip (not the caller) is at fault. */
export interface FeatureRefusal {
  reason: string;
  reasonCode?: SignalReasonCode;
}

/**
 * Noise power of a clip (full scale², the whole band) from its quiet stretches: the 10th percentile of |x|² averaged
 * over blocks of 16 samples, divided by 0.696 (the 10th percentile of a Gamma(16) noise's mean over that mean); at
 * most the clip's mean power. The 10th, not the 25th percentile (§2's wide emissions): the Mode S recording is quiet in
 * fewer than a quarter of its 8 µs stretches (with the 25th percentile its slices' floor reads 5–7 dB over the quiet
 * noise, with the 10th 20.3–23.4 dB). Back-to-back blocks (not a moving mean): one pass and count/16 values to select from.
 */
export function quietNoisePower(iq: Float32Array, count: number): number {
  const blocks = new Float64Array(Math.max(1, Math.floor(count / 16)));
  let total = 0;
  for (let b = 0; b < blocks.length; b++) {
    let acc = 0;
    for (let i = 16 * b, end = Math.min(count, i + 16); i < end; i++) acc += iq[2 * i] * iq[2 * i] + iq[2 * i + 1] * iq[2 * i + 1];
    blocks[b] = acc / 16;
    total += acc;
  }
  return Math.min(quantile(blocks, 0.1) / 0.696, total / Math.max(1, count));
}

/** The refusal of a clip with nothing above the noise near `offsetHz` (in-band SNR `snr` as a power ratio). */
function noEmission(offsetHz: number, snr: number): FeatureRefusal {
  return signalReason('ident.noEmission', { offset: Math.round(offsetHz), snr: (10 * Math.log10(Math.max(snr, 1e-6))).toFixed(1) });
}

/**
 * Computes the features of a clip (docs/identification.md). Allocates per call (clip-level, off the hot path).
 * @returns the features, or a refusal naming why (clip too short, nothing above the noise).
 */
export function extractFeatures(input: IdentInput): SignalFeatures | FeatureRefusal {
  const { iq, count, rateSps } = input;
  if (!(rateSps > 0) || !Number.isFinite(rateSps)) return { reason: `rateSps must be a positive number of samples per second, got ${rateSps}` };
  if (iq.length < 2 * count) return { reason: `iq holds ${iq.length / 2} complex samples, fewer than count ${count}` };
  const clipS = count / rateSps;
  if (count < MIN_CLIP_SAMPLES || clipS < MIN_CLIP_S) {
    return signalReason('ident.tooShort', { samples: count, ms: (clipS * 1000).toFixed(2), minSamples: MIN_CLIP_SAMPLES, minMs: MIN_CLIP_S * 1000 });
  }
  const bwHint = Math.max(0, input.bandwidthHz || 0);
  const narrow = narrowClip(input, bwHint);
  if (narrow === null) return measure(input, bwHint, 0);
  const f = measure(narrow, bwHint, input.offsetHz);
  if ('reason' in f) return f;
  return { ...f, clipS, centerOffsetHz: f.centerOffsetHz + input.offsetHz, lowHz: f.lowHz + input.offsetHz, highHz: f.highHz + input.offsetHz };
}

/**
 * Smallest ratio source rate / cut rate for which {@link narrowClip} cuts the band first: the cut costs ≈ 10 operations
 * per source sample, the features ≈ 100 per sample of what they get, so at 4× the whole costs ≈ 1/3 of the full-rate
 * analysis; below it the saving is small. (The evidence clips' limit is the same, DEFAULT_CLIP_BAND.maxRateFraction.)
 */
export const NARROW_MIN_DECIMATION = 4;
/** {@link narrowClip}'s rate: at least this × the search window's half width (the window then spans ≤ 1/5 of the band). */
export const NARROW_RATE_PER_HALF_WINDOW = 10;

/**
 * The clip cut down to the band around the detection, when the source is much wider than the emission (a 20 kHz burst
 * in 20 MS/s): the features below cost ≈ 100 operations per sample of the clip they get, the cut ≈ 10 per source sample
 * (two polyphase stages, as evidence clips: {@link planClipBand}, {@link BandCutter}, docs/clip-decimation.md). The
 * band is centred on the detection and `NARROW_RATE_PER_HALF_WINDOW` × W wide, W = max(1.5·hint, 5 kHz) the search
 * window's half width (§2), on the clip-rate ladder (25 kS/s … 2.5 MS/s); flat and alias-free to ±0.42 × its rate
 * (60 dB), so the window and the noise bins beyond it keep their levels. Null when the source rate is below
 * `NARROW_MIN_DECIMATION` × that rate: the clip is analysed as it is.
 * @returns the cut clip (offsetHz 0: the detection's centre is its 0 Hz), or null
 */
export function narrowClip(input: IdentInput, bwHint: number): IdentInput | null {
  const halfWin = Math.max(1.5 * bwHint, 5000);
  const plan = planClipBand(input.rateSps, 0, input.offsetHz - halfWin, input.offsetHz + halfWin, {
    margin: NARROW_RATE_PER_HALF_WINDOW / 2,
    maxRateFraction: 1 / NARROW_MIN_DECIMATION,
  });
  if (!plan.decimated) return null;
  // centred on the detection exactly (the plan rounds its centre to 1 Hz)
  const cutter = new BandCutter({ ...plan, centerHz: input.offsetHz }, input.rateSps, 0, input.count);
  const step = BandCutter.maxPush;
  for (let done = 0; done < input.count; done += step) cutter.push(input.iq.subarray(2 * done), Math.min(step, input.count - done));
  const { samples, count } = cutter.finish();
  // (no noise reference: the cut band is 10 × the search window wide, its own bins beyond the window give the floor)
  return { iq: samples, count, rateSps: plan.rateSps, offsetHz: 0, bandwidthHz: input.bandwidthHz };
}

/**
 * The features of `input` (checked by {@link extractFeatures}); `shiftHz`: where the clip's 0 Hz lies in the caller's
 * clip (a cut one's: {@link narrowClip}), for the reasons' wording only.
 */
function measure(input: IdentInput, bwHint: number, shiftHz: number): SignalFeatures | FeatureRefusal {
  const { iq, count, rateSps } = input;
  const clipS = count / rateSps;
  let spec = welchSpectrum(iq, count, rateSps, fftSizeFor(count, rateSps, bwHint)); // resolution ≈ 1/32 of the hint
  // search window: the detector's band ± its width (the emission's own band is then found inside it, §2)
  const halfWin = Math.min(rateSps / 2, Math.max(1.5 * bwHint, 16 * spec.binHz, 5000));
  // the floor where the emission is off (a band-cut clip's pre-roll), used when the window leaves too few bins beside it
  const reference = (s: ClipSpectrum): number | undefined => (input.noise !== undefined ? noiseFloorPerBin(input.noise.iq, input.noise.count, rateSps, s.fftSize) : undefined);
  let ob: OccupiedBand = occupiedBand(spec, input.offsetHz, halfWin, Math.max(bwHint / 2, 2 * spec.binHz), reference(spec));
  // a narrow emission under a wide hint (a detector's first estimate) is measured again at a resolution of its own width
  if (ob.high99Hz - ob.low99Hz < 8 * spec.binHz && fftSizeFor(count, rateSps, ob.high99Hz - ob.low99Hz) > spec.fftSize) {
    spec = welchSpectrum(iq, count, rateSps, fftSizeFor(count, rateSps, ob.high99Hz - ob.low99Hz));
    ob = occupiedBand(spec, input.offsetHz, halfWin, Math.max(bwHint / 2, 2 * spec.binHz), reference(spec));
  }
  let snr99 = ob.signalPower / Math.max(ob.noiseIn99, 1e-30);
  let bw99 = Math.max(spec.binHz, ob.high99Hz - ob.low99Hz);
  let bw90 = Math.max(spec.binHz, ob.high90Hz - ob.low90Hz);
  // an emission spread over most of the band (impulses, a wide burst; the detector saw it wide) hides the floor: the
  // noise then comes from the quiet stretches of the clip (time domain) instead of the bins outside the window
  const nothing = !(ob.signalPower > 0) || snr99 < 0.1;
  // a slice of a band-wide bursty emission (Mode S at 2 MS/s: every 0.5 µs chip fills the band, and the detector
  // reports slices of it): the bins outside the window hold the same bursts, so their floor, over the whole band,
  // stands far over the noise of the clip's quiet stretches, and the slice stands less far over that floor than the
  // floor over the noise (a narrow emission whose keying splatter raised the floor stands far over its splatter:
  // sensibleliving, clipping 10 %: floor 12.8 dB over the noise, the emission 27.5 dB over the floor); the whole band
  // is then analysed as one emission (§2)
  const floorOverQuiet = (ob.floorPerBin * spec.fftSize) / Math.max(quietNoisePower(iq, count), 1e-30);
  const sliceOfWide = floorOverQuiet > SLICE_MIN_FLOOR_RATIO && snr99 < floorOverQuiet;
  if (nothing && bwHint < 0.25 * rateSps && !sliceOfWide) {
    return noEmission(input.offsetHz + shiftHz, snr99);
  }
  // wide: the floor cannot be seen beside the emission (over 40 % of the rate, or a detection that wide); with a floor
  // measured where the emission is off (a band-cut clip's pre-roll) it can, and only an emission whose channel would
  // pass the whole band's (cut-off 0.6 × B99 > 0.45 × rate) is analysed as the whole band
  const wide = ob.floorFrom === 'reference' ? bw99 > WIDE_WITH_REFERENCE * rateSps : bw99 > 0.4 * rateSps || bwHint > 0.4 * rateSps;
  const fullBand = nothing || sliceOfWide || wide;
  let center = (ob.low90Hz + ob.high90Hz) / 2;
  // the channel keeps the whole 99 % band (FM peaks, both FSK tones) with a little margin, at least ±500 Hz
  let cutoff = Math.max(0.6 * bw99, 0.65 * bw90, 500, 2 * spec.binHz);
  if (fullBand) {
    center = 0;
    cutoff = 0.45 * rateSps;
  }
  // channel rate ≥ 8 × the cut-off: pulse edges are timed to within 1/16 of the reciprocal bandwidth
  const ch: Channel = channelise(iq, count, rateSps, center, cutoff, CHANNEL_MIN_RATIO);
  const z = ch.iq;
  const n = ch.count;
  const fs = ch.rateSps;
  if (n < 32) return signalReason('ident.tooShortChannel', { samples: n, rate: Math.round(fs) });
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = z[2 * i] * z[2 * i] + z[2 * i + 1] * z[2 * i + 1];
  let noiseCh = (ob.floorPerBin / spec.binHz) * ch.enbwHz;
  if (fullBand) {
    // 25th percentile of the power averaged over 16 samples: for noise (Gamma(16)) it is ≈ (1 − 0.674/√16) of the mean
    const q = quantile(movingMean(p, 16), 0.25) / (1 - 0.674 / 4);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += p[i];
    mean /= n;
    noiseCh = Math.min(q, mean);
    const sigP = Math.max(0, mean - noiseCh);
    snr99 = sigP / Math.max(noiseCh, 1e-30);
    if (!(snr99 > 0.01)) {
      return noEmission(input.offsetHz + shiftHz, snr99);
    }
    bw99 = Math.max(bw99, 0.8 * rateSps);
    bw90 = Math.max(bw90, 0.7 * rateSps);
    // the edges: the whole sampled band, which the analysis took as the emission's (its slices, wherever the detector
    // put them, lie inside it: src/ident/joined-rows.ts)
    ob = { ...ob, low99Hz: -rateSps / 2, high99Hz: rateSps / 2 };
  }

  // ── carrier line: share of the signal power within ±2 bins of the strongest bin of the channel's own spectrum
  // (resolution ≈ channel rate / 4096, far finer than the emission) ──
  const line = channelLine(ch, noiseCh);
  // ── spectral tones: humps of the channel's spectrum (smoothed over ±5 % of the 99 % band) inside the 99 % band ──
  const humps = spectralHumps(line, bw99);
  // ── envelope: on/off runs of the power averaged over L samples ──
  const { runs, onLevel, smoothLen, noiseLike } = burstRuns(p, fs, bw99, noiseCh);
  const { onSamples, span, burstLens, gapLens, periodLens } = burstTiming(runs, fs);
  // ── keying / AM index, coherent: project the channel on its carrier's phase (the clip averaged over 20 ms), between
  // the first rise and the last fall ──
  const modulationIndex = keyingIndex(iq, count, rateSps, ch, line, center, runs, smoothLen, span);
  // ── what lies between the bursts: power over the noise and its frequency relative to the bursts ──
  const gap = betweenBursts(z, p, runs, smoothLen, noiseCh, fs);
  // ── envelope moments, noise-corrected: over the whole span (on/off structure included) and while on ──
  const kurtosis = envelopeMoments(p, runs, smoothLen, noiseCh);
  // ── instantaneous frequency while on, and the FSK tones it dwells on ──
  const freq = instantaneousFrequency(z, runs, fs, bw90, span);
  const tones = frequencyTones(freq, bw99, fs, humps.spacingHz);
  // ── symbol rate: the shortest element of the on/off keying (mesial timing) and of the FSK tone runs ──
  // (noise-like pulses keep the run finder's own runs: a shorter averaging would cut their fluctuations into runs)
  const timing = noiseLike ? { runs, smoothLen } : timingRuns(p, fs, bw99, noiseCh, onLevel, smoothLen);
  const keyedS = keyedElement(mesialTiming(p, timing.runs, fs, timing.smoothLen, noiseCh));
  // ── a complementary tone: the other tone of a 2-FSK whose tones lie farther apart than the band found (§4b) ──
  // (only for a keyed emission: gaps between its runs, and one tone in its own instantaneous frequency)
  const keyedLike = runs.length >= 4 && span > 0 && onSamples / span < KEYED_MAX_DUTY && tones.offsetsHz.length < 2;
  const complement = !keyedLike ? NO_COMPLEMENT : complementaryTone(iq, count, rateSps, spec, ob.floorPerBin, center, ch, CHANNEL_MIN_RATIO, runs, smoothLen, noiseCh, onLevel, center + freq.medianHz);
  const found = complement.spacingHz !== 0;
  const toneS = tones.offsetsHz.length >= 2 ? toneElement(toneRuns(tones.offsetsHz, freq.perRun, freq.smoothLen, fs)) : found ? keyedS : 0;
  const unit = toneS > 0 ? toneS : keyedS;
  const changeShare = toneChangeShare(tones.offsetsHz, freq.perRun, freq.smoothLen);

  return {
    clipS,
    bandwidthHz: bw99,
    bandwidth90Hz: bw90,
    lowHz: ob.low99Hz,
    highHz: ob.high99Hz,
    ...(fullBand ? { wholeBand: true } : {}),
    centerOffsetHz: center + freq.medianHz,
    // the clip's excess power is its power while on times the share of the clip it is on (the margins and gaps hold
    // noise only): over that share it is the SNR while on
    snrDb: 10 * Math.log10(snr99 / (onSamples > 0 ? Math.min(1, onSamples / n) : 1)),
    onSnrDb: 10 * Math.log10(Math.max(onLevel / noiseCh, 1e-6)),
    carrierFraction: line.carrierFraction,
    flatness: ob.flatness,
    dutyCycle: span > 0 ? onSamples / span : 0,
    clipDutyCycle: onSamples / n,
    bursts: durationStats(burstLens),
    gaps: durationStats(gapLens),
    periods: durationStats(periodLens),
    envelopeKurtosis: Number.isFinite(kurtosis.span) ? kurtosis.span : 0,
    onEnvelopeKurtosis: Number.isFinite(kurtosis.on) ? kurtosis.on : 0,
    frequencyStdHz: freq.stdHz,
    deviationHz: freq.deviationHz,
    tones: tones.tones,
    gapSnrDb: 10 * Math.log10(Math.max(gap.snr, 1e-3)),
    gapShiftHz: gap.shiftHz,
    spectralTones: humps.tones,
    modulationIndex,
    toneOffsetsHz: tones.offsetsHz.map((t) => t - freq.medianHz),
    toneSpacingHz: found ? Math.abs(complement.spacingHz) : tones.spacingHz,
    symbolRateBd: unit > 0 ? 1 / unit : 0,
    symbolS: unit,
    keyedSymbolS: keyedS,
    toneSymbolS: toneS,
    toneChangeShare: changeShare,
    complementSpacingHz: complement.spacingHz,
    complementLevelDb: complement.levelDb,
    complementContrastDb: complement.contrastDb,
    pulseCoherence: lagCoherence(z, runs, fs, bw99),
    centerStdHz: freq.centerStdHz,
    centerDriftHz: freq.centerDriftHz,
    channelRateSps: fs,
    channelCutoffHz: ch.cutoffHz,
  };
}
