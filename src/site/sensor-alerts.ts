// The alerts a sensor raises about itself (offline, overload, what its baseline heard): their words and codes, and the
// calls that store them on the bus. Used by the supervisor (supervisor.ts), which decides when.
import type { Logger } from 'pino';
import type { AlertBus } from '../alerts/alert-bus.js';
import type { AlertMessageCode, CalibrationAlertInfo } from '../server/protocol.js';
import { delayText } from '../text-template.js';
import type { OfflineCause } from './sensor-health.js';
import type { HeardInBaseline } from './worker-protocol.js';

/** What {@link offlineReason} words: the sensor, its source text and the measured silences. */
export interface OfflineFacts {
  sensor: string;
  source: string;
  /** Time (ms) since the worker's last report. */
  silentMs: number;
  /** Time (ms) the worker has waited for its source. */
  waitedMs: number;
  /** Time (ms) since the last block, '?' before the first. */
  noDataMs: number | '?';
  /** The source's own last problem in plain words (refused, stalled), null when none. */
  sourceError: string | null;
  /** For cause 'worker': the worker's own words and their code. */
  workerWhy: string;
  workerCode: AlertMessageCode;
}

/**
 * The reason of a sensor-offline alert for `cause`, in English words and as a message code the page renders in the
 * reader's language. A silent source adds its own words as the code's `detail` (the page's detail line).
 * @returns [why, code]
 */
export function offlineReason(cause: OfflineCause, f: OfflineFacts): [string, AlertMessageCode] {
  const base = { sensor: f.sensor, source: f.source };
  const because = f.sourceError === null ? '' : `: ${f.sourceError}`;
  const detail: Record<string, string> = f.sourceError === null ? {} : { detail: f.sourceError };
  switch (cause) {
    case 'worker':
      return [f.workerWhy, f.workerCode];
    case 'silentWorker':
      return [`the sensor worker has not reported for ${delayText('en', f.silentMs)}`, { id: 'offline.silentWorker', params: { ...base, ms: f.silentMs } }];
    case 'noDataAfterOpen':
      return [`no data ${delayText('en', f.waitedMs)} after opening the source${because}`, { id: 'offline.noDataAfterOpen', params: { ...base, ms: f.waitedMs, ...detail } }];
    case 'noData':
      return [`no data for ${delayText('en', f.noDataMs)}${because}`, { id: 'offline.noData', params: { ...base, ms: f.noDataMs, ...detail } }];
  }
}

/**
 * Raises (`change` 'on') or clears ('off') a sensor's overload alert: `clipFraction` of its samples at the ADC rails
 * for over `onAfterMs`.
 */
export function overloadAlert(bus: AlertBus, sensor: string, change: 'on' | 'off', clipFraction: number, onAfterMs: number, log: Logger): void {
  if (change === 'on') {
    const pct = (clipFraction * 100).toFixed(1);
    const msg = `ADC overload: ${pct} % of samples at the rails for over ${delayText('en', onAfterMs)}; lower the gain (detections meanwhile may be intermodulation)`;
    log.warn({ clipFraction }, 'overload');
    bus.raiseSensorAlert(sensor, 'overload', msg, { id: 'overload.on', params: { pct, ms: onAfterMs } }).catch((err: unknown) => log.error({ err }, 'overload alert not stored'));
  } else {
    bus.clearSensorAlert(sensor, 'overload', 'clipping stopped', { id: 'overload.off' }).catch((err: unknown) => log.error({ err }, 'overload clear not stored'));
  }
}

/** True when an entry of a baseline's `emitters` (a stored file may be hand-edited) has the numbers an alert needs. */
function isHeardEmitter(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, unknown>;
  return ['centerHz', 'lowHz', 'highHz', 'bandwidthHz', 'dutyCycle'].every((k) => typeof o[k] === 'number' && Number.isFinite(o[k]));
}

/**
 * Every emitter the baselines in use heard → one `present-during-calibration` alert each (the bus stores each once per
 * baseline and emitter, so the same baseline reported again after a reopen or restart adds nothing); an entry without
 * the numbers an alert needs is logged and skipped. `knownLabelAt` gives a known emitter's label at a frequency.
 */
export function raiseHeardEmitters(
  bus: AlertBus, sensor: string, heard: readonly HeardInBaseline[], log: Logger, knownLabelAt?: (centerHz: number) => string | undefined,
): void {
  for (const h of heard) {
    for (const emitter of h.emitters) {
      if (!isHeardEmitter(emitter)) {
        log.warn({ createdAt: h.createdAt, emitter }, 'baseline emitters: expected centerHz, lowHz, highHz, bandwidthHz, dutyCycle as finite numbers: entry skipped (no alert)');
        continue;
      }
      const info: CalibrationAlertInfo = { emitter, baselineCreatedAt: h.createdAt, baselineMethod: h.method, baselineDurationS: h.durationS };
      if (h.hopCenterHz !== undefined) info.hopCenterHz = h.hopCenterHz;
      bus.raiseCalibrationEmitter(sensor, info, knownLabelAt?.(emitter.centerHz))
        .catch((err: unknown) => log.error({ err, centerHz: emitter.centerHz }, 'present-during-calibration alert not stored'));
    }
  }
}

/**
 * A sensor's offline reasons in the log, one line per failed (re)open: the reason in full the first time (it carries
 * the advice: plug in, blacklist the DVB driver…), then `still offline: <reason up to its advice>; reopening in M ms`
 * with `attempt: N` while it stays the same.
 */
export class OfflineLog {
  /** Reason last logged in full (without its "; reopening in N ms"), and how often it repeated since. */
  private cause: string | null = null;
  private repeats = 0;

  constructor(private readonly log: Logger) {}

  /** Logs one offline report (the worker's message, and its code for the terminal's language: the record's `messageCode`). */
  warn(message: string, code?: AlertMessageCode): void {
    const coded = code !== undefined ? { messageCode: code } : {};
    const reopen = /; (reopening in [\d.]+ m?s)$/.exec(message);
    const cause = reopen !== null ? message.slice(0, reopen.index) : message;
    if (cause !== this.cause) {
      this.cause = cause;
      this.repeats = 1;
      this.log.warn(coded, message);
      return;
    }
    this.repeats++;
    const advice = cause.search(/; (check|try|is|see) /);
    const short = advice > 0 ? cause.slice(0, advice) : cause.length > 120 ? `${cause.slice(0, 119)}…` : cause;
    this.log.warn({ attempt: this.repeats, ...coded }, `still offline: ${short}${reopen !== null ? `; ${reopen[1]}` : ''}`);
  }

  /** The sensor is back: the next offline reason is logged in full. */
  clear(): void {
    this.cause = null;
  }
}
