// Detector settings (thresholds, holds, paths and their scales) with their defaults, and the frame geometry.
import { OVERLOAD_CLIP_FRACTION } from '../spectrum/overload.js';

/** Detector settings. Thresholds are excess over the baseline level in dB. */
export interface DetectorOptions {
  /** Fast path: minimum excess (dB) of the narrow-kernel short-frame statistic to open a signal. Default 12. */
  thresholdDb: number;
  /** Slow path: minimum excess (dB) of the narrow-kernel Welch average to open a signal. Default 5. */
  slowThresholdDb: number;
  /** Both paths, wide kernel (wideband bursts): minimum excess (dB). Default 8. */
  wideThresholdDb: number;
  /** Per-bin threshold is max(kSigma · spread, minimum excess). Default 4. */
  kSigma: number;
  /** Release threshold = open threshold − hysteresis (dB), at least half the open threshold. Default 4. */
  hysteresisDb: number;
  /** A track is reported only when it lasts at least this long (ms). Default 0. */
  minDurationMs: number;
  /** A track stays open this long (ms) after its last hit; bursts closer than this merge. Default 25. */
  holdMs: number;
  /** Bins within ± this many Hz of the tuning centre are never tested (DC spike / LO leakage). Default 1500 (≥ 1 bin). */
  dcGuardHz: number;
  /** Gap (Hz) below threshold that may separate two parts of one signal (gap bridging; ≥ 2 bins). Default 2500. */
  gapHz: number;
  /** Occupied band: bins whose mean excess is within this many dB of the track's peak. Default 20. */
  bandwidthDropDb: number;
  /** Frames with more than this fraction of raw values at the ADC rails mark their detections `overload` (spectrum/overload.ts). Default 0.05. */
  overloadClipFraction: number;
  /**
   * A new signal this many dB weaker than a stronger one is taken as the stronger one's splatter (keying sidebands,
   * spectral regrowth, reciprocal mixing) only inside that signal's skirt (see {@link skirtBins}), or anywhere in a
   * frame where the stronger one is a transient (its onset or decay). Outside, the band stays fully armed. Default 15.
   */
  dominanceDb: number;
  /**
   * A signal whose bin power reaches this level (dBFS) is near the ADC's full scale: its converter spurs and
   * intermodulation may then fall anywhere in the band. While it is on, new signals `spurFreeDb` weaker are taken as
   * its products wherever they are, or dominanceDb weaker when the converter reaches its rails or the source cannot tell
   * (DetectorGeometry.clipCounted); its detections are flagged by the overload check. Default −10.
   */
  fullScaleDbfs: number;
  /**
   * How far under a near-full-scale signal that does not clip its converter products may lie (dB): an 8-bit
   * converter's spurious-free dynamic range is ≈ 37 dB at 6 effective bits (SFDR ≈ 6.02·ENOB + 1.76 dB for a
   * full-scale tone, quantisation alone; the RTL2832U's ADC gives ≈ 7 effective bits), less a margin. Default 30.
   */
  spurFreeDb: number;
  /**
   * A new signal at least this many dB weaker than a stronger one at the mirror frequency (2·f_centre − f, the same
   * offset on the other side of the tuning centre) is taken as its IQ image and opens nothing, on any path, while the
   * stronger one is on. A zero-IF receiver's I/Q gain and phase imbalance puts an image of every signal there: 25–40 dB
   * under it without correction (HackRF "ghost frequencies opposite the center frequency", hackrf#892; "at best 30 dB
   * image rejection", xtrx-sdr/images#19). Default 25 (docs/detector.md §5 "IQ images"); 0 turns the rule off.
   */
  imageRejectionDb: number;
  /**
   * Phase-noise model of a strong signal's skirt (docs/detector.md "Splatter and skirts"): reciprocal mixing puts
   * `phaseNoiseDbcHz` (dBc/Hz) at 1 kHz from a carrier, falling 20 dB per decade of offset. Default −70: worse than
   * an RTL-SDR's R820T synthesiser (≈ −80 dBc/Hz at 1 kHz), so the skirt errs wide.
   */
  phaseNoiseDbcHz: number;
  /**
   * A track seen only through Welch averages (a weak continuous signal) stays open this long (ms) after its last
   * slow hit, so averages that dip under the release level do not split one transmission. Default 600.
   */
  slowHoldMs: number;
  /**
   * Where the baseline holds an occupied-band envelope (emitters heard while learning), a bin opens only
   * max(this, 3σ_b) dB above it (σ_b the bin's learned spread) and releases at half of that. Default 3.
   */
  envelopeMarginDb: number;
  /**
   * Frequency tolerance of the envelope (ppm of the absolute centre frequency): each bin's envelope is the highest of
   * its neighbours within ± driftPpm·centreHz, so the dongle's crystal drifting after calibration does not turn the
   * site's own carriers into alerts. Default 10 (an RTL-SDR's warm-up drift, docs/field-notes.md).
   */
  driftPpm: number;
  /**
   * A continuous calibration emitter's envelope follows its band's level (the band's median over the largest level the
   * calibration can have shown, docs/detector.md §6 "Level") by at most this much (dB), so a fading broadcast carrier's
   * rare peaks raise no alert while a narrower signal inside its band is still tested; an emitter louder than this over
   * the calibration's range alerts. 0 turns following off. Default 10 (log-normal fading of σ 5–8 dB peaks a few dB
   * higher over hours than over a 5 min calibration).
   */
  emitterLevelFollowDb: number;
  /**
   * Impulsive noise: a short frame in which at least `impulseBandFraction` of the tested bins are hot is broadband;
   * a run of such frames no longer than a pulse of `impulseMaxMs` spans is a click (ignition, switching, static),
   * counted in ImpulseFilter.impulsiveFrames (Detector.impulse) and not reported, and so is a Welch average that holds one. A longer
   * run is a wideband transmission and is tracked from then on. Defaults 0.5 and 1 ms.
   */
  impulseBandFraction: number;
  impulseMaxMs: number;
  /**
   * Long integration (docs/detector.md §10): running means of the Welch averages over these times (s), smoothed over
   * `longKernelHz`, normalised by the band's median and tested at the Gamma tail of longOpenSigma standard deviations
   * of that kernel mean (its spread from the per-bin spread measured across the band), released at longReleaseSigma.
   * Finds weak continuous links (voice, data) the 100 ms averages miss. Defaults [1, 2] s, 12 500 Hz, 6, 3. An empty
   * list turns it off.
   */
  longScalesS: readonly number[];
  longKernelHz: number;
  /**
   * A second, narrower kernel of the long path (Hz; 0: none), tested on the same running means wherever the
   * longKernelHz one is (docs/detector.md §10): the energy detector is best at the signal's own bandwidth, and a voice
   * link's FM or a narrow data link puts most of its power in a few kHz of its channel. Default 3125 (a quarter of the
   * voice channel).
   */
  longNarrowKernelHz: number;
  longOpenSigma: number;
  longReleaseSigma: number;
  /**
   * Burst integration (docs/detector.md §12): the same test as the long path on running means of the short frames
   * over these times (s), with two kernels (the narrow one, and the wide one of the fast path), at burstOpenSigma and
   * burstReleaseSigma. Finds bursts too weak for a single short frame: an OOK packet of tens of ms, a GSM slot of
   * 577 µs. Default [0.02] s (OOK-like packets); 0.0005 s (a GSM slot) is measured but costs 2.2–3.1× the detect pass's CPU,
   * so it is left to a site config (docs/detector.md §12.1). An empty list turns the path off.
   */
  burstScalesS: readonly number[];
  burstOpenSigma: number;
  burstReleaseSigma: number;
  /**
   * Floor tracking: the median over the band of (Welch average / learned noise level), smoothed over `floorTrackS`
   * seconds, scales every threshold, so a floor that creeps (gain, temperature) moves the thresholds with it. Clamped
   * to ± `floorTrackMaxDb`. Defaults 10 s and 6 dB; 0 s turns it off.
   */
  floorTrackS: number;
  floorTrackMaxDb: number;
  /** Simultaneous tracks at most (preallocated). Default 64. */
  maxTracks: number;
  /** Seconds of signal between two `update` events of an open track. Default 1. */
  updateIntervalS: number;
  /** Fraction of the band cropped at the edges (half on each side) and never tested; hopping uses 0.25. Default 0. */
  cropFraction: number;
  /**
   * Classify bins in the quietband_dsp addon when it is built and the frame carries a prefix sum (the same results as
   * the JS loop, several times faster). Not a detection setting: false only to compare the two. Default true.
   */
  nativeClassifier: boolean;
  /** Close open tracks when the tune generation changes (one band: a retune means a new spectrum). Hopping: false. */
  closeOnRetune: boolean;
  /**
   * Drop tracks whose centre falls inside the DC guard (hopping: the overlapping neighbour hop reports them, and a
   * moving DC spike must never become an alert; docs/field-notes.md §1). Default false (one band: nothing else covers DC).
   */
  dropDcCentred: boolean;
}

/** Defaults chosen on the real captures in ../shared/captures (thresholds and their reasons: docs/detector.md §3). */
export const DEFAULT_DETECTOR_OPTIONS: Readonly<DetectorOptions> = Object.freeze({
  thresholdDb: 12,
  slowThresholdDb: 5,
  wideThresholdDb: 8,
  kSigma: 4,
  hysteresisDb: 4,
  minDurationMs: 0,
  holdMs: 25,
  dcGuardHz: 1500,
  gapHz: 2500,
  bandwidthDropDb: 20,
  overloadClipFraction: OVERLOAD_CLIP_FRACTION,
  dominanceDb: 15,
  fullScaleDbfs: -10,
  spurFreeDb: 30,
  imageRejectionDb: 25,
  phaseNoiseDbcHz: -70,
  slowHoldMs: 600,
  envelopeMarginDb: 3,
  driftPpm: 10,
  emitterLevelFollowDb: 10,
  impulseBandFraction: 0.5,
  impulseMaxMs: 1,
  longScalesS: Object.freeze([1, 2]),
  longKernelHz: 12_500,
  longNarrowKernelHz: 3_125,
  longOpenSigma: 6,
  longReleaseSigma: 3,
  burstScalesS: Object.freeze([0.02]),
  burstOpenSigma: 6.5,
  burstReleaseSigma: 3.5,
  floorTrackS: 10,
  floorTrackMaxDb: 6,
  maxTracks: 64,
  updateIntervalS: 1,
  cropFraction: 0,
  nativeClassifier: true,
  closeOnRetune: true,
  dropDcCentred: false,
});

/** Frame geometry the detector works on: the slow path's FFT size and the (smaller) fast path's. */
export interface DetectorGeometry {
  fftSize: number;
  fastFftSize: number;
  rateSps: number;
  centerHz: number;
  /**
   * True when each block's clipFraction counts raw values at the ADC's own rails (8-bit formats, cu8 and cs8, whose
   * range is the converter's), so a block with none did not clip. False or absent when it cannot tell (cf32 input; cs16
   * from a 12-bit converter never reaches the format's rails): near full scale the detector then assumes clipping.
   */
  clipCounted?: boolean;
}
