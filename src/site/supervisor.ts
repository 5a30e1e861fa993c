// Main-thread supervisor of one sensor worker: restarts it, judges offline/overload, feeds detections and health to the alert bus.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { AlertBus, DetectionContext } from '../alerts/alert-bus.js';
import type { SensorSettings, SiteSettings } from '../config/site-config.js';
import { codesText, offlineSourceCode, sensorErrorCode } from '../server/message-text.js';
import type { AlertMessageCode, CalibrationEmitterHeard, SensorHealth } from '../server/protocol.js';
import type { SpectrumInput } from '../server/spectrum-decimate.js';
import { HearingWatch, type BaselineStatus } from '../field/baseline-health.js';
import { Backoff } from '../source/backoff.js';
import type { DetectionEvent } from '../types.js';
import { SensorProcessingMetrics, withProcessing } from '../metrics/site-metrics.js';
import { DetectionRelay, linkWaitMs } from './detection-relay.js';
import { BEHIND_PEAK_MS, offlineCause, OverloadTracker, PeakHold, SourceBoundJudge, sourceSilenceMs, WORKER_START_MS, type OfflineInputs } from './sensor-health.js';
import { OfflineLog, offlineReason, overloadAlert, raiseHeardEmitters } from './sensor-alerts.js';
import { threadStallClock, type StallClock } from './stall-clock.js';
import { workerSite, type HeardInBaseline, type SensorState, type SensorWorkerData, type WorkerToMain } from './worker-protocol.js';

/** Options of {@link SensorSupervisor}. */
export interface SupervisorOptions {
  sensor: SensorSettings;
  site: SiteSettings;
  bus: AlertBus;
  log: Logger;
  /** pino level for the worker's own logger. */
  logLevel: string;
  /** The compiled worker ({@link sensorWorkerUrl}). */
  workerUrl: URL;
  /** Receives every spectrum (with the baseline/threshold traces attached) for the server to broadcast. */
  onSpectrum: (msg: SpectrumInput) => void;
  /** Called when the sensor's status changed (state, online, overload): broadcast a status soon. */
  onChange: () => void;
  /** Offline check period (ms). Default 100. */
  checkMs?: number;
  /** Adds facts to each detection's context before the bus sees it (exam session name). */
  decorate?: (ctx: DetectionContext, ev: DetectionEvent) => void;
  /** `run --csv`: this sensor's CSV file (created by the first worker, appended to by restarted ones). */
  csvPath?: string;
  /** Evidence clips in `<site.dataDir>/clips` per `site.evidence` (the daemon sets it; default off). */
  evidence?: boolean;
  /**
   * Label of the known emitter (site list) whose band holds `centerHz` for this sensor now, else undefined: an emitter a
   * baseline heard there is raised already 'known' (docs/detector.md §6). Default: none known.
   */
  knownLabelAt?: (centerHz: number) => string | undefined;
  /** The main thread's stall clock (offline silences in responsive time). Default {@link threadStallClock}. */
  clock?: StallClock;
  /** Limit (ms) of a worker's silence until its run's first block. Default {@link WORKER_START_MS}. */
  workerStartMs?: number;
}

/** Worker runs shorter than this (ms) count as a failed start for the restart backoff. */
const STABLE_RUN_MS = 60_000;


/**
 * Supervises one sensor's worker thread (DESIGN: one worker per sensor; the main thread keeps store, bus, server).
 *
 * - Detections: track ids of every worker run are mapped to ids unique for this supervisor (a restarted detector
 *   counts from 1 again) and passed to `bus.handleDetection(sensor, ev, { originMs, bandLabel })`, `originMs` being
 *   the wall time of sample 0 of the stream that produced them. While the sensor is in overload every detection is
 *   flagged `overload: true` (stored, with severity 'low' from the daemon's severity rule). Tracks still open when a
 *   worker dies are closed with their last values.
 * - Offline ({@link offlineCause}): worker state 'offline' (source ended/failed) or a dead worker → at once; the worker
 *   waiting for its source's next block for `offlineAfterMs` (a stalled source: rtl_tcp server gone, hung dongle;
 *   checked every `checkMs`) → within offlineAfterMs + checkMs; no report from a streaming worker for `startGraceMs`
 *   (`workerStartMs` before its run's first block) → offline. Silences are measured in responsive time (`clock`): a stall of
 *   the main thread itself (a busy laptop) does not make a worker look silent (docs/sensor-offline.md).
 *   `raiseSensorAlert('sensor-offline')` once; cleared by the first report of a block newer than the outage.
 * - Overload ({@link OverloadTracker} on the clip reports): one `overload` alert per episode, state 'overload'.
 * - Baselines: every emitter the baseline in use heard (warm-up, calibration window, stored file; per hop) is raised
 *   once as a `present-during-calibration` alert (AlertBus.raiseCalibrationEmitter).
 * - Worker exit without stop(): restarted after `restart.initialMs · 2^k` (≤ maxMs; k resets after a 60 s run).
 */
export class SensorSupervisor {
  readonly name: string;
  private readonly o: SupervisorOptions;
  private readonly log: Logger;
  private worker: Worker | null = null;
  private gen = 0;
  private workerState: SensorState = 'starting';
  private message: string | undefined;
  /** `message` as a code when the supervisor wrote it (a worker's own text has none). */
  private messageCode: AlertMessageCode | undefined;
  private calibrationEmitters: CalibrationEmitterHeard[] | undefined;
  /** Notes a periodic calibration emitter unheard too long (shown when no other message is). */
  private readonly hearing = new HearingWatch();
  /** The worker's offline reasons in the log: in full once, then one short line per repeat. */
  private readonly offlineLog: OfflineLog;
  private startedAtMs = Date.now();
  private lastBlockAtMs: number | null = null;
  private readonly clock: StallClock;
  /** Main-thread responsive time ({@link clock}) of the worker's last report (its spawn time before the first). */
  private lastReportAtMs: number;
  /** The current worker has reported (any message) since its spawn. */
  private reported = false;
  private sourceWaitMs = 0;
  private streaming = false;
  /** The worker's last report of its source's last problem (plain words), null when none. */
  private sourceError: string | null = null;
  private configuredRateSps: number;
  private achievedRateSps = 0;
  private rateShortfall = false;
  /** The largest `behindMs` reported over about the last 30 s (the health's `behindMs`). */
  private readonly behind = new PeakHold(BEHIND_PEAK_MS);
  private droppedBlocks = 0;
  /** The current source's holes: zeroed since its stream started, lost since created (overflows, rtl_tcp's freed transfers), not arrived yet (null: unknown; undefined: not tracked). */
  private readonly holes: { zeroedSamples: number; samplesLost: number; samplesBehindOrLost?: number | null } = { zeroedSamples: 0, samplesLost: 0 };
  /** Whether the worker waits on its source (SensorHealth.sourceBound). */
  private readonly sourceBound = new SourceBoundJudge();
  /** Non-finite samples dropped (cf32 NaN/±Inf): earlier workers' totals, and the current worker's last report. */
  private nonFiniteEarlierWorkers = 0;
  private nonFiniteThisWorker = 0;
  private clipFraction = 0;
  private scan: SensorHealth['scan'];
  private centerHz: number;
  private readonly overload: OverloadTracker;
  /** Pipeline time per block from the health reports (kept across worker restarts). */
  readonly processing: SensorProcessingMetrics;
  private offline = false;
  private offlineSinceMs = 0;
  /** The detections' way to the bus (ids across worker restarts, origin, band label, overload, identification). */
  private readonly relay: DetectionRelay;
  private traces: { levelDb: Float32Array; thresholdDb: Float32Array } | null = null;
  private stopping = false;
  /** Worker restart delays (site `restart`): reset by a run of at least STABLE_RUN_MS. */
  private readonly restarts: Backoff;
  private restartTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private stoppedWaiters: (() => void)[] = [];
  private gotStopped = false;
  /** The baseline the worker reported last (null before), with a refused stored one (gain/ppm) if any. */
  private baselineStatus: BaselineStatus | null = null;
  private refused: BaselineStatus['refused'];

  constructor(o: SupervisorOptions) {
    this.o = o;
    this.name = o.sensor.name;
    this.clock = o.clock ?? threadStallClock();
    this.lastReportAtMs = this.clock.now();
    this.log = o.log.child({ component: 'supervisor', sensor: o.sensor.name });
    this.offlineLog = new OfflineLog(this.log);
    this.configuredRateSps = o.sensor.rateSps;
    this.centerHz = o.sensor.centerHz;
    this.overload = new OverloadTracker(o.site.overload);
    this.processing = new SensorProcessingMetrics(o.sensor.name);
    this.relay = new DetectionRelay({
      name: o.sensor.name, site: o.site,
      bus: o.bus,
      log: this.log,
      decorate: (ctx, ev) => o.decorate?.(ctx, ev),
      centerHz: () => this.centerHz,
      overload: () => this.overload.overload,
      clips: o.evidence === true,
      behindMs: () => this.behind.last, linkWaitMs: () => linkWaitMs(this.holes.samplesBehindOrLost, this.configuredRateSps), // the latest report's: how late the detections that follow it come
    });
    this.restarts = new Backoff(o.site.restart.initialMs, o.site.restart.maxMs);
  }

  /** Starts the worker and the offline check. */
  start(): void {
    this.spawn();
    this.checkTimer = setInterval(() => this.evaluate(), this.o.checkMs ?? 100);
  }

  private spawn(): void {
    this.gen++;
    const gen = this.gen;
    const data: SensorWorkerData = { mode: 'run', sensor: this.o.sensor, site: workerSite(this.o.site), logLevel: this.o.logLevel };
    if (this.o.csvPath !== undefined) data.csv = { path: this.o.csvPath, append: gen > 1 };
    if (this.o.evidence === true) data.site = { ...data.site, dataDir: this.o.site.dataDir, evidence: this.o.site.evidence };
    this.baselineStatus = null;
    this.refused = undefined;
    this.startedAtMs = Date.now();
    this.lastReportAtMs = this.clock.now();
    this.reported = false;
    this.behind.reset();
    this.sourceBound.reset();
    this.rateShortfall = false;
    this.sourceWaitMs = 0;
    this.sourceError = null;
    this.streaming = false;
    this.gotStopped = false;
    this.workerState = 'starting';
    this.message = undefined;
    this.messageCode = undefined;
    this.overload.reset();
    this.nonFiniteEarlierWorkers += this.nonFiniteThisWorker;
    this.nonFiniteThisWorker = 0;
    const w = new Worker(this.o.workerUrl, { workerData: data, name: `sensor ${this.name}` });
    this.worker = w;
    w.on('message', (m: WorkerToMain) => this.onMessage(gen, m));
    w.on('error', (err) => this.log.error({ err }, 'sensor worker error'));
    w.on('exit', (code) => this.onExit(gen, code));
    this.o.onChange();
  }

  private onExit(gen: number, code: number): void {
    if (gen !== this.gen) return;
    this.worker = null;
    this.relay.closeOrphans(gen);
    if (!this.gotStopped || this.stopping) this.resolveStopped();
    if (this.stopping) return;
    if (this.workerState === 'error') return; // refused (bad baseline…): not restarted, its status says why
    const ranMs = Date.now() - this.startedAtMs;
    if (ranMs >= STABLE_RUN_MS) this.restarts.reset();
    const delayMs = this.restarts.next();
    this.workerState = 'offline';
    this.messageCode = { id: 'worker.exited', params: { code: String(code), ms: Math.round(delayMs) } };
    this.message = codesText([this.messageCode]);
    this.log.warn({ code, delayMs }, 'sensor worker exited; restarting');
    this.evaluate();
    this.o.onChange();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.spawn();
    }, delayMs);
  }

  private onMessage(gen: number, m: WorkerToMain): void {
    if (gen !== this.gen) return;
    if (!this.reported || m.type === 'health') {
      // the first message of any kind ends the start-up; afterwards the health reports (every 250 ms) are the heartbeat
      this.lastReportAtMs = this.clock.now();
      this.reported = true;
    }
    switch (m.type) {
      case 'state':
        this.workerState = m.state;
        this.message = m.message;
        this.messageCode = m.message !== undefined ? m.messageCode : undefined;
        if (m.state === 'error') this.log.error({ code: m.code }, m.message ?? 'sensor error');
        else if (m.state === 'offline') this.offlineLog.warn(m.message ?? 'sensor offline', m.messageCode);
        else if (m.state !== 'starting') this.offlineLog.clear();
        if (m.state === 'stopped') {
          this.gotStopped = true;
          this.resolveStopped();
        }
        this.evaluate();
        if (m.state === 'offline' && this.offline && m.message !== undefined) {
          // the open alert follows the retries (their delay grows): its text is the latest, as the sensor's card
          this.o.bus.updateSensorAlert(this.name, 'sensor-offline', this.offlineAlertMessage(m.message), this.sourceOfflineCode())
            .catch((err: unknown) => this.log.error({ err }, 'sensor-offline update not stored'));
        }
        this.o.onChange();
        break;
      case 'stream':
        this.relay.stream(gen, m.run, m.originMs);
        this.centerHz = m.centerHz;
        this.configuredRateSps = m.rateSps;
        this.log.info({ run: m.run, label: m.label, centerHz: m.centerHz, rateSps: m.rateSps, origin: new Date(m.originMs).toISOString() }, 'stream started');
        break;
      case 'baseline':
        this.traces = { levelDb: m.levelDb, thresholdDb: m.thresholdDb };
        this.baselineStatus = { method: m.method, createdAt: m.createdAt };
        if (m.path !== undefined) {
          this.baselineStatus.path = m.path;
          this.refused = undefined; // a stored baseline in use again (recorded by a calibration window)
        }
        if (this.refused !== undefined) this.baselineStatus.refused = this.refused;
        this.log.info({ method: m.method, createdAt: m.createdAt, path: m.path }, 'baseline in use');
        this.raiseHeard(m.heard);
        this.o.onChange();
        break;
      case 'baseline-refused':
        this.refused = { path: m.path, field: m.field, stored: m.stored, live: m.live };
        break;
      case 'detection':
        this.relay.detection(gen, m.run, m.ev, m.clip, m.noClip);
        break;
      case 'late-clip':
        this.relay.lateClip(gen, m.run, m.id, m.clip);
        break;
      case 'signal':
        this.relay.signal(gen, m.run, m.id, m.signal);
        break;
      case 'spectrum': {
        const msg: SpectrumInput = { sensor: this.name, centerHz: m.centerHz, rateSps: m.rateSps, startHz: m.startHz, stepHz: m.stepHz, powerDbfs: m.powerDbfs, timeS: m.timeS };
        const t = this.traces;
        if (t !== null && t.levelDb.length === m.powerDbfs.length) {
          msg.baselineDbfs = t.levelDb;
          msg.thresholdDbfs = t.thresholdDb;
        }
        this.o.onSpectrum(msg);
        break;
      }
      case 'health': {
        if (m.lastBlockAtMs !== null) this.lastBlockAtMs = m.lastBlockAtMs;
        this.sourceWaitMs = m.sourceWaitMs;
        this.streaming = m.streaming;
        this.sourceError = m.sourceError ?? null;
        this.configuredRateSps = m.configuredRateSps;
        this.achievedRateSps = m.achievedRateSps ?? 0;
        this.rateShortfall = m.rateShortfall === true;
        this.behind.note(m.behindMs, Date.now());
        this.sourceBound.note(m.waitedFraction);
        this.droppedBlocks = m.droppedBlocks;
        this.nonFiniteThisWorker = m.nonFiniteSamples ?? 0;
        Object.assign(this.holes, { zeroedSamples: m.zeroedSamples ?? 0, samplesLost: m.samplesLost ?? 0, samplesBehindOrLost: m.samplesBehindOrLost });
        this.clipFraction = m.clipFraction;
        this.scan = m.scan;
        this.calibrationEmitters = m.calibrationEmitters;
        this.checkHearing();
        if (m.processing !== undefined) this.processing.record(m.processing);
        if (m.lastBlockAtMs !== null && !this.stopping) {
          const change = this.overload.report(m.clipFraction, Date.now());
          if (change === 'on' || change === 'off') {
            overloadAlert(this.o.bus, this.name, change, m.clipFraction, this.o.site.overload.onAfterMs, this.log);
            this.o.onChange();
          }
        }
        this.evaluate();
        break;
      }
      case 'calibrated':
        break;
      case 'fatal':
        this.log.error({ code: m.code }, m.message);
        this.message = m.message;
        this.messageCode = sensorErrorCode(m.code, m.message);
        break;
    }
  }

  /** Every emitter the baselines in use heard → one `present-during-calibration` alert each (see raiseHeardEmitters). */
  private raiseHeard(heard: readonly HeardInBaseline[]): void {
    raiseHeardEmitters(this.o.bus, this.name, heard, this.log, this.o.knownLabelAt);
  }

  /**
   * Speech was heard while someone listened live to `alertId` (the listen thread's voice test, docs/listening.md §2):
   * the alert's identification gets `speechPresent: true` for good (a later identification, whose clip may have missed
   * the speech, does not turn it back), sent now as an `update` the way an identification is. Returns false when
   * `alertId` is not an open transmission of this sensor.
   */
  speechHeard(alertId: string): boolean {
    const tr = this.o.bus.transmissionTrackOf(alertId);
    if (tr === undefined || tr.sensor !== this.name) return false;
    return this.relay.speechHeard(tr.trackId);
  }

  /** Detections handed to the bus (all kinds), for logs and tests. */
  get detections(): number {
    return this.relay.detections;
  }

  /** The English text of this sensor's sensor-offline alert for the reason `why`. */
  private offlineAlertMessage(why: string): string {
    return `sensor ${this.name} (${this.o.sensor.sourceText}) stopped delivering: ${why}`;
  }

  /** The code of the sensor-offline alert of a sensor whose source stopped (the worker's latest note as its cause). */
  private sourceOfflineCode(): AlertMessageCode {
    return offlineSourceCode(this.name, this.o.sensor.sourceText, this.message ?? '', this.messageCode);
  }

  /** The inputs of the offline judgement now. */
  private offlineInputs(): OfflineInputs {
    return {
      state: this.workerState === 'error' ? 'error' : this.worker === null ? 'offline' : this.workerState,
      sourceWaitMs: this.sourceWaitMs,
      streaming: this.streaming,
      lastReportAtMs: this.lastReportAtMs,
      reported: this.reported,
      nowMs: this.clock.now(),
      offlineAfterMs: this.o.site.offlineAfterMs,
      startGraceMs: this.o.site.startGraceMs,
      workerStartMs: this.o.workerStartMs ?? WORKER_START_MS,
    };
  }

  /** Raises or clears the sensor-offline alert when the judgement changed. */
  private evaluate(): void {
    if (this.stopping) return;
    const inputs = this.offlineInputs();
    const cause = offlineCause(inputs);
    const off = cause !== null;
    if (off === this.offline) return;
    const now = Date.now();
    // back online only on fresh data: a reopened source that has not delivered yet is still offline
    if (!off && (this.lastBlockAtMs === null || this.lastBlockAtMs <= this.offlineSinceMs)) return;
    this.offline = off;
    if (off) {
      this.offlineSinceMs = now;
      const [why, code] = offlineReason(cause, {
        sensor: this.name,
        source: this.o.sensor.sourceText,
        silentMs: Math.round(inputs.nowMs - this.lastReportAtMs),
        waitedMs: Math.round(sourceSilenceMs(inputs)),
        noDataMs: this.lastBlockAtMs === null ? '?' : now - this.lastBlockAtMs,
        sourceError: this.sourceError,
        workerWhy: this.message ?? 'the source stopped',
        workerCode: this.sourceOfflineCode(),
      });
      // the reason was just logged by offlineLog when it is the worker's own; otherwise it is new here
      if (why === this.message) this.log.warn('sensor offline: alert raised');
      else this.log.warn({ why, whyCode: code, mainStalledMs: Math.round(this.clock.stalledAt()) }, 'sensor offline: alert raised');
      this.o.bus.raiseSensorAlert(this.name, 'sensor-offline', this.offlineAlertMessage(why), code)
        .catch((err: unknown) => this.log.error({ err }, 'sensor-offline alert not stored'));
    } else {
      this.log.info({ offlineMs: now - this.offlineSinceMs }, 'sensor back online');
      this.o.bus.clearSensorAlert(this.name, 'sensor-offline', 'data flows again', { id: 'online.again' }).catch((err: unknown) => this.log.error({ err }, 'sensor-offline clear not stored'));
    }
    this.o.onChange();
  }

  /** Keeps the deaf note for the health (see {@link HearingWatch}); logs when the unheard emitters change. */
  private checkHearing(): void {
    const change = this.hearing.update(this.workerState === 'armed' ? this.calibrationEmitters : undefined);
    if (change === 'deaf') this.log.warn({ calibrationEmitters: this.calibrationEmitters }, this.hearing.note!.message);
    else if (change === 'heard') this.log.info('every periodic calibration emitter heard again');
    if (change !== null) this.o.onChange();
  }

  /** Health as the UI's sensor panel shows it (tied to {@link processing} for /metrics, see withProcessing). */
  health(): SensorHealth {
    const state = this.offline ? 'offline' : this.workerState === 'armed' && this.overload.overload ? 'overload' : this.workerState;
    const h: SensorHealth = {
      sensor: this.name,
      online: !this.offline && this.worker !== null && this.workerState !== 'error' && this.workerState !== 'stopped',
      state,
      centerHz: this.centerHz,
      configuredRateSps: this.configuredRateSps,
      achievedRateSps: Math.round(this.achievedRateSps),
      rateShortfall: this.rateShortfall,
      droppedBlocks: this.droppedBlocks,
      clipFraction: this.clipFraction,
      overload: this.overload.overload,
      lastFrameAgeMs: this.lastBlockAtMs === null ? null : Math.max(0, Date.now() - this.lastBlockAtMs),
    };
    if (this.behind.peak !== null) h.behindMs = this.behind.peak;
    if (this.sourceBound.judged !== null) h.sourceBound = this.sourceBound.judged;
    if (this.message !== undefined) h.message = this.message;
    if (this.message !== undefined && this.messageCode !== undefined) h.messageCodes = [this.messageCode];
    if (this.scan !== undefined) h.scan = this.scan;
    if (this.calibrationEmitters !== undefined) h.calibrationEmitters = this.calibrationEmitters;
    if (h.message === undefined && this.hearing.note !== undefined) Object.assign(h, this.hearing.note);
    const nonFinite = this.nonFiniteEarlierWorkers + this.nonFiniteThisWorker;
    if (nonFinite > 0) h.nonFiniteSamples = nonFinite;
    for (const k of ['zeroedSamples', 'samplesLost'] as const) if (this.holes[k] > 0) h[k] = this.holes[k];
    if (this.holes.samplesBehindOrLost !== undefined) h.samplesBehindOrLost = this.holes.samplesBehindOrLost;
    return withProcessing(h, this.processing);
  }

  /** The baseline in use as the worker reported it (null before the first report of this worker). */
  get baseline(): BaselineStatus | null {
    return this.baselineStatus;
  }

  /** The worker's state ('starting', 'learning', 'armed', …). */
  get state(): SensorState {
    return this.workerState;
  }

  /**
   * Asks the worker to record a new baseline now (calibration window): `seconds` of signal, saved to `output`, then
   * used. Returns false when no worker is running (ask again later).
   */
  recalibrate(seconds: number, output: string, reason: string): boolean {
    const w = this.worker;
    if (w === null || this.stopping) return false;
    this.log.info({ seconds, output, reason }, 'calibration requested');
    w.postMessage({ type: 'calibrate', seconds, output, reason });
    return true;
  }

  private resolveStopped(): void {
    const w = this.stoppedWaiters;
    this.stoppedWaiters = [];
    for (const r of w) r();
  }

  /**
   * Stops the worker: asks it to close its source (open tracks are closed by the detector and stored), waits for its
   * last message up to `timeoutMs` (then terminates it and closes leftover tracks). Idempotent.
   */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.checkTimer !== null) clearInterval(this.checkTimer);
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.checkTimer = null;
    this.restartTimer = null;
    const w = this.worker;
    if (w === null) return;
    if (!this.gotStopped) {
      const stopped = new Promise<void>((r) => this.stoppedWaiters.push(r));
      w.postMessage({ type: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        stopped.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) this.log.warn({ timeoutMs }, 'sensor worker did not stop in time; terminating it');
    }
    this.worker = null;
    this.relay.closeOrphans(this.gen);
    await w.terminate().catch(() => 0);
  }
}
