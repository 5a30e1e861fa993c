// The life of a sensor worker's source, fixed or scanning: open → run (one SensorRun per opened source) → reopen after
// a backoff, until shutdown; the runner says what its kind of sensor does in a SensorLife.
import { setTimeout as sleep } from 'node:timers/promises';
import { DetectionEvidence, type DetectionEvidenceOptions } from '../evidence/detection-evidence.js';
import type { ScanHealth } from '../server/protocol.js';
import { codesText, sourceRetryCode } from '../server/message-text.js';
import { Backoff } from '../source/backoff.js';
import type { SpectrumFrame } from '../spectrum/frames.js';
import type { DetectionEvent, IqSource, IqSourceInfo } from '../types.js';
import { SharedBlockStream } from './block-stream.js';
import { liveIdentSink } from './live-ident.js';
import { threadStallClock } from './stall-clock.js';
import { asError, FATAL_CODES, HEALTH_REPORT_MS, SensorRuntime, type EvidenceSink, type SensorRunnerHost } from './sensor-runtime.js';
import type { MainToWorker } from './worker-protocol.js';

/** What a runner tells {@link superviseSensor} about its kind of sensor. */
export interface SensorLife<S extends IqSource> {
  /** Retunes are expected (a discontinuity with a new tuneId is not a gap). */
  hopping: boolean;
  /** Before the first open (stored baselines). A throw → state 'error' with its code and message, no retry. */
  prepare?: () => Promise<void>;
  /** Opens the source for real-time use. Throws FATAL_CODES → 'error'; anything else → 'offline' and a reopen. */
  open: () => Promise<S>;
  /** The run's evidence when clips are on (default: one {@link DetectionEvidence} over the whole stream). */
  evidence?: (info: IqSourceInfo, originMs: number, o: DetectionEvidenceOptions) => EvidenceSink;
  /**
   * Uses one opened source until it ends (return) or fails (throw: FATAL_CODES → 'error', else 'offline' and a
   * reopen). Posts its own states 'learning'/'armed', baselines and spectra through `run`.
   */
  session: (run: SensorRun<S>) => Promise<void>;
  /** Added to every health report (a scanning sensor's plan and revisit times). */
  health?: (rt: SensorRuntime) => ScanHealth | undefined;
}

/**
 * One source run inside {@link superviseSensor}: the opened source and its {@link SharedBlockStream}, and the posting
 * helpers shared by both runners (detections through the evidence, CSV rows, the spectrum rate limit).
 */
export class SensorRun<S extends IqSource> {
  /** Wall time (ms) of the stream's sample 0; 0 before the first block. */
  originMs = 0;
  /** Centre posted in the 'stream' message; default the first block's (a scanning sensor posts its stitched span's). */
  streamCenterHz: number | null = null;
  evidence: EvidenceSink | null = null;
  private lastSpectrumMs = -Infinity;
  /** The state {@link setStateOnData} keeps for the run's first block; null when none waits. */
  private stateOnData: 'learning' | 'armed' | null = null;
  private idOffset = 0;
  private maxId = 0;

  constructor(
    readonly rt: SensorRuntime,
    readonly source: S,
    readonly stream: SharedBlockStream,
    /** Opens counted from 1 (detections and spectra carry it). */
    readonly run: number,
  ) {}

  get info(): IqSourceInfo {
    return this.source.info;
  }

  /**
   * Posts a detector event through `evidence` (fixed sensors: the live identification, then the clips when on, which
   * hold a close until its identification / clip), else at once. Track ids restart at 1 in every detect pass: after
   * {@link newPass} they are offset past the previous pass's so they stay unique within the stream.
   */
  readonly emit = (ev0: DetectionEvent): void => {
    const ev = this.idOffset === 0 ? ev0 : { ...ev0, id: ev0.id + this.idOffset };
    if (ev.id > this.maxId) this.maxId = ev.id;
    if (this.evidence !== null) this.evidence.onEvent(ev);
    else this.rt.post({ type: 'detection', run: this.run, ev });
  };

  /**
   * Posts state `s` once the source delivers: at once after the run's first block, else at it ({@link dataFlows}). A
   * source that connects inside its `blocks()` (rtl_tcp) and is refused stays 'starting' until the supervisor calls it
   * offline, instead of saying it learns a baseline (the terminal's warm-up countdown with it) while no sample came.
   */
  setStateOnData(s: 'learning' | 'armed'): void {
    if (this.originMs !== 0) this.rt.setState(s);
    else this.stateOnData = s;
  }

  /** The run's first block arrived (after `originMs` is set): posts the state {@link setStateOnData} kept. */
  dataFlows(): void {
    const s = this.stateOnData;
    this.stateOnData = null;
    if (s !== null) this.rt.setState(s);
  }

  /** A new detect pass begins on the same stream (after a calibration window): its ids follow the previous pass's. */
  newPass(): void {
    this.idOffset = this.maxId;
  }

  /** `run --csv`: writes a slow frame as a row (no-op without --csv or before the first block). */
  readonly csvFrame = (f: SpectrumFrame): void => {
    this.rt.csvWrite(f, this.originMs);
  };

  /** True when a spectrum may be posted now (≤ spectrumMaxPerS, with 10 % slack: slow frames come every ≈ 100 ms). */
  spectrumDue(): boolean {
    const t = performance.now();
    if (t - this.lastSpectrumMs < 0.9 * this.rt.minSpectrumMs) return false;
    this.lastSpectrumMs = t;
    return true;
  }
}

/**
 * Runs one sensor until `host.signal` aborts (worker mode 'run'), for either kind of sensor:
 * 1. `life.prepare()` (stored baselines; a throw → state 'error', no retry);
 * 2. state 'starting'; `life.open()` (open failures such as a missing or busy dongle → 'offline', retried after the
 *    backoff; FATAL_CODES → 'error', not retried); the source is read through one {@link SharedBlockStream} whose
 *    blocks feed the health counters, the evidence ring and the pipeline-time meter;
 * 3. on the run's first block: 'stream' (wall time of sample 0), the evidence of the run (clips on), the CSV file;
 * 4. `life.session(run)` until the source ends or throws: state 'offline' with the reason, reopen after
 *    `restart.initialMs · 2^k` (≤ `restart.maxMs`; k resets after a run that delivered blocks).
 * Health is posted every {@link HEALTH_REPORT_MS}; calibration requests from `host.control` are kept for the session.
 * Ends with state 'stopped' (unless 'error').
 */
export async function superviseSensor<S extends IqSource>(host: SensorRunnerHost, life: SensorLife<S>): Promise<void> {
  const rt = new SensorRuntime(host, life.hopping);
  const { signal, log } = host;
  const { sensor } = host.data;
  rt.extraHealth = life.health ?? null;
  const counters = rt.counters;
  // from the block path too: a worker that is behind real time reads its source without ever yielding to timers
  counters.onAfterBlock = (nowMs) => {
    if (rt.healthDue(nowMs)) rt.postHealth();
  };
  const healthTimer = setInterval(() => rt.healthTick(), HEALTH_REPORT_MS);
  const onAbort = (): void => void rt.current?.close();
  signal.addEventListener('abort', onAbort);
  const onControl = (m: MainToWorker): void => {
    if (m.type === 'calibrate') rt.requestCalibration({ seconds: m.seconds, output: m.output, reason: m.reason });
  };
  host.control?.on('message', onControl);
  const reopens = new Backoff(host.data.site.restart.initialMs, host.data.site.restart.maxMs); // reset by a run that delivered
  let run = 0;
  try {
    if (life.prepare !== undefined) {
      try {
        await life.prepare();
      } catch (err) {
        const e = asError(err);
        rt.setState('error', e.message, e.code);
        return;
      }
    }
    while (!signal.aborted) {
      rt.setState('starting');
      let [reason, reasonCode]: [string, string | undefined] = ['no source', 'IO'];
      let delivered = false;
      let source: S | null = null;
      rt.openingSinceMs = threadStallClock().now();
      try {
        source = await life.open();
      } catch (err) {
        const e = asError(err);
        if (FATAL_CODES.has(e.code)) {
          rt.setState('error', e.message, e.code);
          return;
        }
        [reason, reasonCode] = [`cannot open ${sensor.sourceText}: ${e.message}`, e.code];
      }
      rt.openingSinceMs = null;
      if (source !== null) {
        let r: SensorRun<S> | null = null;
        const stream = new SharedBlockStream(source, (b) => {
          counters.onBlock(b);
          r?.evidence?.push(b);
        }, rt.processing);
        rt.current = stream;
        if (signal.aborted) {
          await stream.close();
          break;
        }
        run++;
        const thisRun = new SensorRun(rt, source, stream, run);
        r = thisRun;
        const info = source.info;
        rt.configuredRateSps = info.rateSps;
        counters.newRun();
        counters.onFirst = (b, nowMs) => {
          delivered = true;
          const originMs = nowMs - ((b.firstSample + b.count) / b.rateSps) * 1000;
          thisRun.originMs = originMs;
          rt.post({ type: 'stream', run: thisRun.run, centerHz: thisRun.streamCenterHz ?? b.centerHz, rateSps: b.rateSps, originMs, label: info.label });
          const eo = rt.evidenceOptions(thisRun.run);
          const inner = eo === null ? null : life.evidence !== undefined ? life.evidence(info, originMs, eo) : new DetectionEvidence(info, originMs, eo);
          thisRun.evidence = life.hopping ? inner : liveIdentSink(thisRun, inner); // fixed sensors identify each transmission (live-ident.ts)
          rt.openCsv(originMs);
          thisRun.dataFlows();
        };
        try {
          await life.session(thisRun);
          [reason, reasonCode] = ['the source ended', undefined];
        } catch (err) {
          const e = asError(err);
          if (FATAL_CODES.has(e.code)) {
            rt.setState('error', e.message, e.code);
            await stream.close();
            return;
          }
          [reason, reasonCode] = [e.message, e.code];
        } finally {
          counters.onFirst = null;
          await stream.close();
          const ev = thisRun.evidence;
          if (ev !== null) await ev.close(signal.aborted).catch((err: unknown) => log.error({ err }, 'evidence clips of the run not finished'));
          rt.endRun();
          rt.current = null;
        }
      }
      if (signal.aborted) break;
      if (delivered) reopens.reset();
      const delayMs = reopens.next();
      const retry = sourceRetryCode(reasonCode, reason, delayMs, sensor.sourceText);
      rt.setState('offline', codesText([retry]), undefined, retry);
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        break;
      }
    }
  } finally {
    clearInterval(healthTimer);
    signal.removeEventListener('abort', onAbort);
    host.control?.off('message', onControl);
    await rt.closeCsv();
    if (rt.state !== 'error') rt.setState('stopped');
  }
}
