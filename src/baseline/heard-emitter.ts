// What a calibration heard of one emitter, as the alerts and the browser carry it (a types-only leaf: the web UI's type
// check reaches it through src/alerts/alert.ts without the baseline code).

/**
 * An emitter a baseline heard: where it was, how strong, how often it was on. The daemon's CalibrationEmitter
 * (src/baseline/emitters.ts) is this plus what only the baseline file keeps.
 */
export interface HeardEmitter {
  /** Occupancy-weighted centre (Hz; an offset from the tuning centre when the centre is unknown). */
  centerHz: number;
  /** Edges of the occupied bins (Hz) and their difference. */
  lowHz: number;
  highHz: number;
  bandwidthHz: number;
  /** Highest Welch-average bin power seen in the band (dBFS, PSD normalisation of SpectrumFrame). */
  peakPowerDbfs: number;
  /** Highest excess over the frame's noise floor (dB): how far above the floor it stood. */
  peakExcessDb: number;
  /** Fraction of the learned Welch averages in which its band (any of its bins; its busiest bin after ≈ 1 h of learning) was occupied (0..1); an average it covers in part counts whole, so this reads high by up to one average per appearance. */
  dutyCycle: number;
  /** Separate appearances (runs of occupied averages) of its band (as dutyCycle). */
  bursts: number;
  /** Mean time between appearances (s) when it appeared at least 3 times, else null. */
  periodS: number | null;
  /** Longest appearance (s). */
  maxBurstS: number;
  /** Mean appearance length (s): averages occupied / appearances (as dutyCycle). Absent in older baseline files. */
  meanBurstS?: number;
  /** True when it was on for at least 95 % of the calibration (a steady carrier or a continuous link). */
  continuous: boolean;
}
