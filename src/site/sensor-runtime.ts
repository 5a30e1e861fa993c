// What every sensor worker shares, fixed or scanning: states, health reports, clips, CSV, calibration requests (the
// open → run → backoff loop that drives them is sensor-life.ts).
import { performance as eventLoop } from 'node:perf_hooks';
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { FINGERPRINT_FIELDS, type BaselineFingerprint } from '../baseline/baseline.js';
import { QuietBandError } from '../errors.js';
import type { DetectionEvidenceOptions, IdentifiedBand } from '../evidence/detection-evidence.js';
import type { ScanHealth } from '../server/protocol.js';
import { sensorErrorCode } from '../server/message-text.js';
import { RtlPowerCsvWriter } from '../spectrum/rtl-power-csv.js';
import type { SpectrumFrame } from '../spectrum/frames.js';
import type { DetectionEvent, IqBlock } from '../types.js';
import { SharedBlockStream } from './block-stream.js';
import { EmitterHearing } from './emitter-hearing.js';
import { HEALTH_REPORT_MS, ProcessingMeter, RateMeter, RateShortfallJudge } from './sensor-health.js';
import { threadStallClock } from './stall-clock.js';
import type { SensorState, SensorWorkerData, WorkerToMain } from './worker-protocol.js';

/** What a runner (runSensor, runScanSensor, the calibrate functions) needs from its host: the worker shell, or a test. */
export interface SensorRunnerHost {
  data: SensorWorkerData;
  /** Sends a message to the main thread; `transfer` lists buffers to move instead of copy. */
  post: (msg: WorkerToMain, transfer?: ArrayBuffer[]) => void;
  /** Aborted on shutdown: the runner closes its source and returns. */
  signal: AbortSignal;
  log: Logger;
  /** Emits 'message' with main → worker messages other than 'stop' (a calibration request). */
  control?: EventEmitter;
}

export { HEALTH_REPORT_MS };

/**
 * Error codes after which reopening cannot help: the sensor goes to 'error' and stays there. Not among them:
 * NOT_RTL_TCP (a peer that answers with something else than the rtl_tcp header: another service on the port, or
 * one started before rtl_tcp at boot): the sensor goes offline with that reason (a `sensor-offline` alert) and is
 * reopened with the backoff, so data flows once a real rtl_tcp takes the port.
 */
export const FATAL_CODES: ReadonlySet<string> = new Set(['CONFIG', 'BAD_INPUT', 'BASELINE_MISMATCH', 'NATIVE_UNAVAILABLE']);

/** Code and message of any thrown value: a QuietBandError's own, else code 'IO'. */
export function asError(err: unknown): { code: string; message: string } {
  if (err instanceof QuietBandError) return { code: err.code, message: err.message };
  return { code: 'IO', message: err instanceof Error ? err.message : String(err) };
}

/** Fingerprint fields both know and that differ, in FINGERPRINT_FIELDS order (the rule of checkFingerprint, without throwing). */
export function differingFields(a: BaselineFingerprint, b: BaselineFingerprint): (keyof BaselineFingerprint)[] {
  return FINGERPRINT_FIELDS.filter((f) => a[f] !== undefined && b[f] !== undefined && a[f] !== b[f]);
}

/**
 * Fields whose change makes a stored baseline unusable but not the sensor: the sensor falls back to a warm-up baseline
 * and its health says how to refresh the stored one (docs/field-notes.md §4, §6). Any other difference (FFT size, rate, centre…)
 * means the file belongs to another set-up: refused, state 'error'.
 */
export const REFRESHABLE_FIELDS: ReadonlySet<string> = new Set(['gainDb', 'ppm']);

/**
 * How a stored baseline taken with `stored` compares with the live settings `live`:
 * 'same'; 'refresh' (only gain/ppm differ: use a warm-up baseline instead, `field` = the first that differs);
 * 'refuse' (anything else differs: the caller throws checkFingerprint's error).
 */
export function storedBaselineVerdict(stored: BaselineFingerprint, live: BaselineFingerprint): { verdict: 'same' | 'refresh' | 'refuse'; field?: keyof BaselineFingerprint } {
  const diff = differingFields(stored, live);
  if (diff.length === 0) return { verdict: 'same' };
  if (diff.every((f) => REFRESHABLE_FIELDS.has(f))) return { verdict: 'refresh', field: diff[0]! };
  return { verdict: 'refuse', field: diff[0]! };
}

/** A calibration window's request (main → worker 'calibrate'): record `seconds` of baseline into `output`, then use it. */
export interface CalibrationRequest {
  seconds: number;
  output: string;
  reason: string;
}

/** What a run's evidence needs: DetectionEvidence for a fixed sensor, per-hop evidence for a scanning one. */
export interface EvidenceSink {
  /** Every block of the stream, when it arrives (must not keep the block). */
  push(block: IqBlock): void;
  /** Every detector event, in order per track. */
  onEvent(ev: DetectionEvent): void;
  /**
   * An identification of track `id` (first or final), before the track's close is passed on when it is the final one:
   * its 99 % band's edges (`lowHz`, `highHz`, the detection's frame) when measured. Optional: evidence that cuts clips
   * to a detection's band widens the cut to it (src/evidence/detection-evidence.ts).
   */
  onSignal?(id: number, signal: IdentifiedBand): void;
  /** Stream end: write what is pending, post held events. `skipPictures` on shutdown. */
  close(skipPictures?: boolean): Promise<void>;
}

/**
 * `run --csv`: one rtl_power CSV writer for the worker's life. Rows are stamped from the first run's sample 0; frames of
 * later runs (source reopened, new sample 0) are shifted onto that clock. Called per slow frame (≈ 10/s per band, or
 * per hop for a scanning sensor, whose rows carry the hop's own centre like rtl_power's hops): one reused frame object,
 * the writer builds its row string.
 */
class CsvTap {
  private readonly writer: RtlPowerCsvWriter;
  private readonly shifted: SpectrumFrame;
  constructor(path: string, private readonly originMs: number, timeZone: string, append: boolean) {
    this.writer = new RtlPowerCsvWriter(path, originMs, timeZone, append ? 'a' : 'w');
    this.shifted = { power: new Float32Array(0), firstSample: 0, sampleCount: 0, centerHz: 0, rateSps: 0, tuneId: 0, clipFraction: 0, frames: 0 };
  }
  /** Writes frame `f` of a run whose sample 0 was at `runOriginMs`. */
  write(f: SpectrumFrame, runOriginMs: number): void {
    const shift = Math.round(((runOriginMs - this.originMs) / 1000) * f.rateSps);
    if (shift === 0) {
      this.writer.write(f);
      return;
    }
    Object.assign(this.shifted, f);
    this.shifted.firstSample = f.firstSample + shift;
    this.writer.write(this.shifted);
  }
  close(): Promise<void> {
    return this.writer.close();
  }
}

/**
 * Share of a health interval this worker's event loop must have been idle (waiting for its source: nothing queued)
 * for the interval to count as caught up with the source ({@link BlockCounters.caughtUp}). A worker behind its source
 * always has a block queued and is idle ≈ 0 %; one that keeps up idles the rest of each block's span.
 */
export const CAUGHT_UP_IDLE = 0.05;

/**
 * Per-block health counters; `onBlock` allocates nothing. A block flagged `discontinuity` counts as a gap, except the
 * first of a run and, with `hopping`, the first after a retune (a new `tuneId`: the source restarted on purpose).
 */
export class BlockCounters {
  lastBlockAtMs: number | null = null;
  samples = 0;
  gaps = 0;
  maxClip = 0;
  /** Largest lateness (ms) of a block since it was last reset (see the health report's `behindMs`); fixed sensors only. */
  maxBehindMs = 0;
  /** Least lateness (ms) of a block since it was last reset (Infinity before one); fixed sensors only. */
  minBehindMs = Infinity;
  /** Monotonic time (ms, performance.now) of the current run's sample 0, from its first block's arrival. */
  private originPerfMs = 0;
  readonly meter = new RateMeter(5000);
  /** Whether the meter's readings say the rate falls short (judged at each health report). */
  readonly shortfall = new RateShortfallJudge();
  private firstOfRun = true;
  private lastTune = -1;
  /** Called with the first block of each run. */
  onFirst: ((b: IqBlock, nowMs: number) => void) | null = null;
  /** Called after every block (health reports when due). */
  onAfterBlock: ((nowMs: number) => void) | null = null;

  constructor(readonly hopping: boolean) {}

  /** True once the current run delivered a block. */
  get streaming(): boolean {
    return !this.firstOfRun;
  }

  /** Counts one block as it arrives (lateness: how far its last sample trails the run's sample clock, see {@link caughtUp}). */
  readonly onBlock = (b: IqBlock): void => {
    const now = Date.now();
    // lateness on a monotonic clock: an NTP step of the wall clock does not make the sensor look late
    const perfNow = performance.now();
    const endMs = ((b.firstSample + b.count) / b.rateSps) * 1000;
    if (this.firstOfRun) {
      this.firstOfRun = false;
      this.originPerfMs = perfNow - endMs;
      this.onFirst?.(b, now);
    } else {
      if (b.discontinuity && (!this.hopping || b.tuneId === this.lastTune)) this.gaps++;
      const behind = perfNow - this.originPerfMs - endMs;
      if (!this.hopping && behind > this.maxBehindMs) this.maxBehindMs = behind;
      if (!this.hopping && behind < this.minBehindMs) this.minBehindMs = behind;
    }
    this.lastTune = b.tuneId;
    this.lastBlockAtMs = now;
    this.samples += b.count;
    // the rate meter measures spans of time: a monotonic clock, which an NTP step of the wall clock does not move
    this.meter.add(perfNow, this.samples);
    if (b.clipFraction > this.maxClip) this.maxClip = b.clipFraction;
    this.onAfterBlock?.(now);
  };

  /**
   * The pipeline was caught up with its source during the interval since the last reset (its event loop idled: see
   * {@link CAUGHT_UP_IDLE}), so the least lateness seen in it is the source's, not the processing's: the sample clock
   * is re-anchored by it, and lateness counts only what the processing owes. A receiver that delivers fewer samples
   * than its rate (rtl_tcp over a slow link) lets the sample count fall behind the wall clock without any alert coming
   * late: that is the rate shortfall's to report (the card's "the receiver or its link delivers too few samples").
   */
  caughtUp(): void {
    if (this.minBehindMs > 0 && Number.isFinite(this.minBehindMs)) this.originPerfMs += this.minBehindMs;
  }

  newRun(): void {
    this.firstOfRun = true;
    this.lastTune = -1;
    this.meter.reset();
    this.shortfall.reset();
  }
}

/**
 * The worker-side state every sensor has, whatever its kind: state messages, health counters and reports, the
 * current stream, `run --csv`, calibration requests, the pipeline-time meter. Built by {@link superviseSensor}.
 */
export class SensorRuntime {
  readonly data: SensorWorkerData;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Least interval between two posted spectra (ms): 1000 / spectrumMaxPerS (default 10/s). */
  readonly minSpectrumMs: number;
  state: SensorState = 'starting';
  /** The stream of the current run (null while opening or backing off). */
  current: SharedBlockStream | null = null;
  configuredRateSps: number;
  /** Pipeline time per block (measured by the stream, reported with health). */
  readonly processing = new ProcessingMeter();
  private readonly host: SensorRunnerHost;
  readonly counters: BlockCounters;
  private lastHealthMs = 0;
  /** Set while the source is being opened (a hanging open counts as silence): this thread's responsive time ({@link threadStallClock}). */
  openingSinceMs: number | null = null;
  private csv: CsvTap | null = null;
  private pendingCal: CalibrationRequest | null = null;
  private calAbort = new AbortController();
  /** Added to health reports. */
  extraHealth: ((rt: SensorRuntime) => ScanHealth | undefined) | null = null;
  /** The calibration emitters of the baseline in use and when each was last heard. */
  readonly hearing = new EmitterHearing();

  constructor(host: SensorRunnerHost, hopping: boolean) {
    this.host = host;
    this.data = host.data;
    this.log = host.log;
    this.signal = host.signal;
    this.minSpectrumMs = 1000 / (host.data.spectrumMaxPerS ?? 10);
    this.configuredRateSps = host.data.sensor.rateSps;
    this.counters = new BlockCounters(hopping);
  }

  /** Sends a message to the main thread. */
  readonly post = (msg: WorkerToMain, transfer?: ArrayBuffer[]): void => {
    this.host.post(msg, transfer);
  };

  /** Posts and logs a state change: why (English), the error's code, and why as a code for the page (defaults: {@link sensorErrorCode}). */
  setState(s: SensorState, message?: string, code?: string, messageCode = message === undefined ? undefined : sensorErrorCode(code, message)): void {
    this.state = s;
    const m: WorkerToMain = { type: 'state', state: s };
    if (message !== undefined) m.message = message;
    if (code !== undefined) m.code = code;
    if (messageCode !== undefined) m.messageCode = messageCode;
    // the main thread's supervisor logs offline/error with their reason, and each reopen: here only at debug, so a
    // retrying sensor prints one line per attempt. Logged before it is posted: on 'stopped' the main thread terminates
    // this worker as soon as the message arrives, which can be before a line written after the post
    if (s === 'offline' || s === 'error' || s === 'starting') this.log.debug({ state: s, message }, 'sensor state');
    else this.log.info({ state: s, message }, 'sensor state');
    this.post(m);
  }

  /**
   * Posts a health report now (every HEALTH_REPORT_MS from a timer, and from the block path when due). `sourceWaitMs` is
   * counted in this worker's responsive time ({@link threadStallClock}): the time the worker itself could not run
   * (generating a simulated block, not scheduled on a loaded machine) is not a silence of its source.
   */
  postHealth(): void {
    const now = Date.now();
    const waitNow = threadStallClock().now(now);
    // how much of the interval this worker's event loop idled (waited for its source): one small object per report
    const elu = eventLoop.eventLoopUtilization();
    const d = eventLoop.eventLoopUtilization(elu, this.lastElu);
    this.lastElu = elu;
    const idle = d.idle + d.active > 0 ? d.idle / (d.idle + d.active) : 0;
    this.lastHealthMs = now;
    const counters = this.counters;
    const current = this.current;
    let dropped = counters.gaps;
    let nonFinite = this.nonFiniteEarlier;
    let sourceError: string | null = null;
    let zeroed = 0;
    let lost = 0;
    let behindOrLost: number | null | undefined;
    if (current !== null) {
      const h = current.source.health();
      if (h.droppedBlocks !== null) dropped = h.droppedBlocks;
      zeroed = h.zeroedSamples ?? 0;
      lost = h.samplesLost ?? 0;
      behindOrLost = h.samplesBehindOrLost;
      nonFinite += h.nonFiniteSamples;
      sourceError = h.lastError;
    }
    const achieved = counters.meter.rateSps();
    const m: Extract<WorkerToMain, { type: 'health' }> = {
      type: 'health',
      lastBlockAtMs: counters.lastBlockAtMs,
      samples: counters.samples,
      configuredRateSps: this.configuredRateSps,
      achievedRateSps: achieved,
      rateShortfall: counters.shortfall.note(achieved, this.configuredRateSps, performance.now()),
      droppedBlocks: dropped,
      clipFraction: counters.maxClip,
      sourceWaitMs: Math.round(this.openingSinceMs !== null ? waitNow - this.openingSinceMs : current?.waitingSinceMs != null ? waitNow - current.waitingSinceMs : 0),
      streaming: current !== null && counters.streaming,
    };
    if (sourceError !== null && sourceError !== '') m.sourceError = sourceError;
    if (!counters.hopping) m.behindMs = Math.round(counters.maxBehindMs);
    if (counters.streaming) m.waitedFraction = Math.round(idle * 1000) / 1000;
    if (nonFinite > 0) m.nonFiniteSamples = nonFinite;
    if (zeroed > 0) m.zeroedSamples = zeroed;
    if (lost > 0) m.samplesLost = lost;
    if (behindOrLost !== undefined) m.samplesBehindOrLost = behindOrLost;
    const scan = this.extraHealth?.(this);
    if (scan !== undefined) m.scan = scan;
    const heard = this.hearing.report(now);
    if (heard !== undefined) m.calibrationEmitters = heard;
    const p = this.processing.take();
    if (p !== null) m.processing = p;
    this.post(m);
    counters.maxClip = 0;
    counters.maxBehindMs = 0;
    if (idle >= CAUGHT_UP_IDLE) counters.caughtUp();
    counters.minBehindMs = Infinity;
  }

  /** This thread's event-loop utilisation at the previous health report (the span of `waitedFraction`). */
  private lastElu = eventLoop.eventLoopUtilization();

  /** Non-finite samples (cf32 NaN/±Inf) the sources of finished runs dropped (a file: sensor reopens its recording). */
  private nonFiniteEarlier = 0;

  /** Non-finite samples the current run's source dropped so far (its health().nonFiniteSamples; 0 without a run). */
  private nonFiniteOfCurrent(): number {
    return this.current === null ? 0 : this.current.source.health().nonFiniteSamples;
  }

  /** Called when a run's stream closes: keeps its source's counts for the health reports of later runs. */
  endRun(): void {
    this.nonFiniteEarlier += this.nonFiniteOfCurrent();
  }

  /** Health is due from the block path (a worker behind real time never yields to its timer). */
  healthDue(nowMs: number): boolean {
    return nowMs - this.lastHealthMs >= HEALTH_REPORT_MS;
  }

  /** Timer check: posts unless a report went out in the last half period. */
  healthTick(): void {
    if (Date.now() - this.lastHealthMs >= HEALTH_REPORT_MS / 2) this.postHealth();
  }

  /** Records a calibration window's request (the detect pass ends after the block in hand). */
  requestCalibration(r: CalibrationRequest): void {
    this.pendingCal = r;
    this.calAbort.abort();
    this.log.info({ seconds: r.seconds, output: r.output, reason: r.reason }, 'calibration requested');
  }

  /** The pending calibration request, if any. */
  get calibration(): CalibrationRequest | null {
    return this.pendingCal;
  }

  /** Forgets the pending request (recorded, or dropped because it came during a recording). */
  calibrationDone(): void {
    this.pendingCal = null;
    if (this.calAbort.signal.aborted) this.calAbort = new AbortController();
  }

  /** Aborted on shutdown or when a calibration is requested: ends a detect pass. */
  passSignal(): AbortSignal {
    return AbortSignal.any([this.signal, this.calAbort.signal]);
  }

  /** Creates the CSV writer (once per worker) stamped from `originMs`. */
  openCsv(originMs: number): void {
    const c = this.data.csv;
    if (c === undefined || this.csv !== null) return;
    this.csv = new CsvTap(c.path, originMs, this.data.site.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, c.append);
    this.log.info({ csv: c.path, append: c.append }, 'writing spectra as rtl_power CSV');
  }

  /** Writes a slow frame of a run whose sample 0 was at `runOriginMs` (no-op without --csv). */
  csvWrite(f: SpectrumFrame, runOriginMs: number): void {
    this.csv?.write(f, runOriginMs);
  }

  /** Closes the CSV file (worker end). */
  async closeCsv(): Promise<void> {
    const c = this.csv;
    this.csv = null;
    if (c !== null) await c.close().catch((err: unknown) => this.log.error({ err }, 'CSV not closed'));
  }

  /** Evidence settings of one run, or null when clips are off (site.evidence.clips and a data dir). */
  evidenceOptions(run: number): DetectionEvidenceOptions | null {
    const { site, sensor } = this.data;
    if (site.evidence?.clips !== true || site.dataDir === undefined) return null;
    const ev = site.evidence;
    return {
      dataDir: site.dataDir,
      sensor: sensor.name,
      band: ev.band === 'full' ? false : {},
      context: { site: site.site, sourceFftSize: sensor.fftSize, ...(sensor.location !== undefined ? { location: sensor.location } : {}) },
      preS: ev.preS,
      postS: ev.postS,
      maxS: ev.maxS,
      quotaBytes: Math.round(ev.quotaMiB * 1024 * 1024),
      maxBytes: ev.maxClipBytes,
      minFreeBytes: Math.round(ev.minFreeMiB * 1024 * 1024),
      pictures: ev.pictures,
      log: this.log,
      post: (e, clip, noClip) => this.post({ type: 'detection', run, ev: e, ...(clip !== undefined ? { clip } : {}), ...(noClip !== undefined ? { noClip } : {}) }),
      lateClip: (id, clip) => this.post({ type: 'late-clip', run, id, clip }),
    };
  }
}

/**
 * The frame of both calibrate functions (worker mode 'calibrate'): runs `body` with `data.calibrate` (missing →
 * 'fatal' CONFIG), closes what it registers with `hold` on abort and at the end, and posts any failure as 'fatal'
 * (code + message) instead of throwing.
 */
export async function calibrateWith(
  host: SensorRunnerHost,
  body: (cal: { seconds: number; output: string }, hold: (closable: { close(): Promise<void> }) => void) => Promise<void>,
): Promise<void> {
  let held: { close(): Promise<void> } | null = null;
  const onAbort = (): void => {
    void held?.close();
  };
  host.signal.addEventListener('abort', onAbort);
  try {
    const cal = host.data.calibrate;
    if (cal === undefined) throw new QuietBandError('calibrate: missing seconds/output', 'CONFIG');
    await body(cal, (c) => {
      held = c;
    });
  } catch (err) {
    const e = asError(err);
    host.post({ type: 'fatal', code: e.code, message: e.message });
  } finally {
    host.signal.removeEventListener('abort', onAbort);
    await (held as { close(): Promise<void> } | null)?.close();
  }
}
