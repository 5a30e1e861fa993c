// Shared pipeline types: the seams between source → spectrum → baseline → detector → alerts (see ../shared/DESIGN.md).

/** Raw sample encodings QuietBand reads. `cu8` is RTL-SDR native (offset 127.5), `cs16`/`cf32` are little-endian. */
export type SampleFormat = 'cu8' | 'cs8' | 'cs16' | 'cf32';

/** Every {@link SampleFormat}, in the order error messages list them. */
export const SAMPLE_FORMATS = ['cu8', 'cs8', 'cs16', 'cf32'] as const satisfies readonly SampleFormat[];

/** Bytes per complex sample (I+Q) for each {@link SampleFormat}. */
export const BYTES_PER_COMPLEX: Readonly<Record<SampleFormat, number>> = { cu8: 2, cs8: 2, cs16: 4, cf32: 8 };

/** Samples skipped at stream start by default: 2048 complex samples = the 4096 bytes rtl_power.c reads and discards. */
export const DEFAULT_SETTLE_SAMPLES = 2048;

/**
 * A block of complex baseband samples as it leaves a source.
 *
 * `samples` is a `Float32Array` of `2·n` interleaved I/Q values, full scale ±1 for integer formats
 * (cf32 is passed through unscaled). Sources reuse their buffers: a block (and its `samples`)
 * stays valid only until the consumer asks the source for the next block.
 */
export interface IqBlock {
  /** Interleaved I,Q; length 2n. */
  samples: Float32Array;
  /** Number of complex samples in `samples` (= samples.length / 2 unless the source passes a longer buffer). */
  count: number;
  /** Tuning centre frequency (Hz); 0 when unknown (see {@link IqSourceInfo.centerKnown}). */
  centerHz: number;
  /** Sample rate (S/s). */
  rateSps: number;
  /** Index of the first sample of this block since the source started (a plain number; never use 32-bit ops). */
  firstSample: number;
  /** Tune generation: changes on every retune so samples from before a retune are never analysed as the new frequency. */
  tuneId: number;
  /** Fraction (0..1) of raw integer values at the ADC rails (0/255 for cu8, ±full scale for cs8/cs16); 0 for cf32. */
  clipFraction: number;
  /** True when samples were lost immediately before this block (drop, overrun, reconnect): averages must restart. */
  discontinuity: boolean;
}

/** What a source knows about its stream, available before the first block. */
export interface IqSourceInfo {
  /** Short human label, e.g. a file name, `rtlsdr:00000001`, `rtltcp:127.0.0.1:1234`, `sim`. */
  label: string;
  /** Raw sample format of the underlying data (evidence clips are written in it). */
  format: SampleFormat;
  /** Sample rate (S/s). */
  rateSps: number;
  /** Tuning centre (Hz); 0 when unknown. */
  centerHz: number;
  /** False when the centre frequency is not known: frequencies are then offsets from the tuning centre. */
  centerKnown: boolean;
  /** Total number of complex samples, when known (files). */
  totalSamples?: number;
  /** ISO 8601 UTC time of sample 0 when known (SigMF `core:datetime`, or wall clock for live sources). */
  datetime?: string;
  /** Tuner gain in dB, or 'auto', when known (part of a baseline fingerprint). */
  gainDb?: number | 'auto';
  /** Frequency correction (ppm), when known. */
  ppm?: number;
  /** Device serial or other identity of the physical receiver, when known. */
  deviceId?: string;
}

/**
 * The health every {@link IqSource} reports (sources extend it: rtl_tcp adds its connection state and delivered rate,
 * the RTL-SDR and Soapy sources their driver counters). Counts are since the source was created.
 */
export interface IqSourceHealth {
  /** The source's label (= `info.label`). */
  label: string;
  /**
   * True while the stream runs: `blocks()` was called and the stream has not ended, failed or been closed (rtl_tcp:
   * connected to a server that passed the header check). False before the first `blocks()` call and after `close()`.
   */
  online: boolean;
  /** Complex samples handed out in blocks. */
  samplesDelivered: number;
  /**
   * Blocks the receiver or driver lost before the source could hand them out (every pool slot was held), when the
   * source can count them; null when it cannot (files, simulators, rtl_tcp: their losses show only as
   * `discontinuity` on the next block, which the sensor runtime counts instead).
   */
  droppedBlocks: number | null;
  /**
   * Complex samples lost to runs of all-zero raw samples (memory a transport handed over unwritten; src/source/zero-run.ts)
   * since the stream started: not delivered, the next delivered block carries `discontinuity`. Absent for sources that
   * do not check (files, simulators: their zeros are data).
   */
  zeroedSamples?: number;
  /**
   * Complex samples the receiver or its link lost since the source was created, where the source can tell (Soapy driver
   * overflows, rtl_tcp's freed transfers): the blocks after a loss start that much later (firstSample) and the first
   * carries `discontinuity`. Absent for sources that cannot lose samples or cannot tell.
   */
  samplesLost?: number;
  /**
   * Samples the receiver produced that have not arrived: waiting upstream or lost and not counted yet (not told apart
   * until the link catches up or passes its backlog bound; rtl_tcp). Null while the source cannot say yet (the first
   * 2 s of a stream: unknown, not 0); absent for sources that do not track it.
   */
  samplesBehindOrLost?: number | null;
  /** Complex samples dropped from cf32 input for a NaN, ±Inf or out-of-range component (docs/input-sanity.md); 0 for integer formats. */
  nonFiniteSamples: number;
  /** Milliseconds since the last block was handed out (rtl_tcp: since the last byte arrived); null before the first. */
  lastDataAgeMs: number | null;
  /** The last problem in plain words (refused, stalled, unplugged), null if none. */
  lastError: string | null;
  /** The tuner chip the receiver reports (`R820T`, …); null when there is none or it is not known (files, sim, Soapy). */
  tunerName: string | null;
}

/**
 * A stream of IQ blocks. Files, the RTL-SDR addon, rtl_tcp and the simulator all implement it.
 * Iterating twice is not supported; create a new source instead. `close()` is idempotent.
 */
export interface IqSource {
  readonly info: IqSourceInfo;
  /** Blocks in order. Each yielded block is valid until the next `next()` call. */
  blocks(): AsyncIterable<IqBlock>;
  /**
   * A snapshot of the source's counters (a new object each call; cheap enough to call per health report). Every
   * source returns at least {@link IqSourceHealth}; device sources extend it with their own fields.
   */
  health(): IqSourceHealth;
  /** Stops the stream and releases the device/file. Safe to call more than once. */
  close(): Promise<void>;
}

/** Kind of a {@link DetectionEvent}: a signal appeared, changed, or ended. */
export type DetectionKind = 'open' | 'update' | 'close';

/**
 * Why a transmission's alert closed without an evidence clip (`Alert.clipNotKept`):
 * - `late`: the clip was still being cut when the close could wait no longer (`holdMs`); it is written afterwards, and
 *   the log names its file;
 * - `writer-behind`: the clip writer had too much queued (alerts come first), so this clip was not cut;
 * - `disk-floor`: writing it would have left less free disk than the evidence floor (`evidence.minFreeBytes`);
 * - `iq-gone`: the I/Q around the detection had already left the sensor's ring (the pipeline was too far behind);
 * - `write-error`: the file could not be written (the log has the error);
 * - `stream-end`: the sensor's stream ended before the clip's end (or its worker died with the track open).
 */
export type ClipLoss = 'late' | 'writer-behind' | 'disk-floor' | 'iq-gone' | 'write-error' | 'stream-end';

/**
 * One detected transmission (a track), as the detector emits it. Times are seconds from the source's
 * first sample (`sampleIndex / rateSps`), never wall clock.
 */
export interface DetectionEvent {
  kind: DetectionKind;
  /** Track id, unique within one detector run (monotonic from 1). */
  id: number;
  /** Centre frequency (Hz, absolute; an offset from the tuning centre when the centre is unknown). */
  centerHz: number;
  /** Occupied bandwidth (Hz) from the −X dB points of the track's accumulated excess. */
  bandwidthHz: number;
  /** Lower and upper edges (Hz) of the occupied band. */
  lowHz: number;
  highHz: number;
  /** Largest excess over the baseline (dB) seen on any bin of the track. */
  peakExcessDb: number;
  /** Largest bin power (dBFS, PSD normalisation: full-scale tone on a bin centre = 0 dBFS). */
  peakPowerDbfs: number;
  /** Start (s from the first sample). */
  startS: number;
  /**
   * End (s): the end of the last frame in which the signal stood over its path's open threshold, or at the release
   * level within the fast hold (holdMs) of such a frame; a release-level frame after a longer silence, that only the
   * slow hold kept the track open for, does not count (Track.overEnd). Present on `close` and as "so far" on `update`.
   */
  endS?: number;
  /**
   * Which detector path(s) saw it: 'fast' (short frames), 'slow' (Welch averages of ≈ 100 ms), 'long' (seconds of
   * averaging: a weak continuous signal, times known to ± half the integration time).
   */
  paths: ('fast' | 'slow' | 'long')[];
  /** True when any frame of the track had ADC clipping above the overload threshold (possible IMD). */
  overload: boolean;
  /** Tune generation of the frames that produced it. */
  tuneId: number;
  /**
   * Separate bursts within the track (an OOK device's packets, a talk spurt's keyings): runs of fast-path hits with
   * at least two short frames between them, or, for a track only the slow path saw, runs of Welch averages.
   */
  packets: number;
}

/**
 * Pipeline time per source block (SharedBlockStream): the wall time from handing a block to the pipeline (spectrum
 * engines, learner or detector, and the per-frame posting they trigger) until it asks for the next block, measured
 * with performance.now(). Waiting for the source is not included.
 */
export interface ProcessingReport {
  /** Seconds spent on each block since the previous report, in order (at most the capacity of ProcessingMeter, src/site/sensor-health.ts). */
  blockBusyS: Float64Array;
  /** Sum of the seconds spent on every block since the previous report (also those beyond `blockBusyS`). */
  busyS: number;
  /** Signal seconds those blocks held (Σ count / rateSps): busyS / blockS is the real-time load. */
  blockS: number;
  /** Blocks measured but not listed in `blockBusyS` (more than its capacity between two reports). */
  lost: number;
}
