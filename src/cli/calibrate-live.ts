// Live form of `quietband calibrate` (--config site.json or --source …): records every sensor's baseline to calibration/.
import { Worker } from 'node:worker_threads';
import type { QuietBandErrorCode } from '../errors.js';
import { cliError } from '../error-text.js';
import type { Logger } from '../log.js';
import { defaultBaselinePath, type SensorSettings } from '../config/site-config.js';
import { siteFromFlags, type SiteFlags } from './site-flags.js';
import { workerSite } from '../site/worker-protocol.js';
import { sensorWorkerUrl } from '../site/worker-url.js';
import { Countdown, plannedLearningS } from './countdown.js';
import { resolveLogLang, terminalWords } from '../log-words.js';
import type { HeardInBaseline, SensorWorkerData, WorkerToMain } from '../site/worker-protocol.js';

/** Flags of live calibrate. */
export interface CalibrateLiveFlags extends SiteFlags {
  output?: string;
  seconds?: string;
}

/** Default recording length of live calibrate (s). */
export const DEFAULT_CALIBRATE_SECONDS = 60;

/** One finished sensor. */
export interface CalibratedSensor {
  sensor: string;
  path: string;
  durationS: number;
  fastFrames: number;
  slowFrames: number;
  /** What its baseline heard (hopping: one entry per hop). */
  heard: HeardInBaseline[];
}

/** Runs one sensor's calibration worker; `onLearning` fires when it starts learning (the source delivers). */
function calibrateOne(sensor: SensorSettings, data: SensorWorkerData, log: Logger, onLearning: () => void): Promise<CalibratedSensor> {
  return new Promise((resolveDone, reject) => {
    const w = new Worker(sensorWorkerUrl(), { workerData: data, name: `calibrate ${sensor.name}` });
    let settled = false;
    w.on('message', (m: WorkerToMain) => {
      if (m.type === 'state' && m.state === 'learning') onLearning();
      else if (m.type === 'calibrated') {
        settled = true;
        log.info({ sensor: sensor.name, path: m.path, seconds: m.durationS, fastFrames: m.fastFrames, slowFrames: m.slowFrames, fingerprint: m.fingerprint }, 'baseline written');
        resolveDone({ sensor: sensor.name, path: m.path, durationS: m.durationS, fastFrames: m.fastFrames, slowFrames: m.slowFrames, heard: m.heard });
      } else if (m.type === 'fatal') {
        settled = true;
        reject(cliError('calibrate.sensor', { sensor: sensor.name, source: sensor.sourceText, detail: m.message }, m.code as QuietBandErrorCode));
      }
    });
    w.on('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    w.on('exit', (code) => {
      if (!settled) reject(cliError('calibrate.workerExited', { sensor: sensor.name, code }, 'IO'));
    });
  });
}

/**
 * Records a baseline (method 'calibrate') for every sensor of the site in parallel, one worker each: `--seconds`
 * (default 60) of signal after the settle, sim sensors and recordings as fast as they can be produced/read, live
 * sources in real time. Writes `<calibrationDir>/<site>-<sensor>.json` (or `-o FILE` for a single sensor).
 * `onCalibrated` is called as each sensor finishes (calibrate prints what it heard).
 * @returns the paths written, in sensor order.
 * @throws QuietBandError('CONFIG') for bad flags/config (naming them), `-o` with several sensors; the first sensor's
 *   error otherwise (its code: DEVICE_NOT_FOUND, BAD_INPUT, …).
 */
export async function calibrateLive(
  flags: CalibrateLiveFlags,
  isSet: (k: keyof SiteFlags) => boolean,
  log: Logger,
  onCalibrated?: (s: CalibratedSensor) => void,
): Promise<string[]> {
  const seconds = flags.seconds === undefined ? DEFAULT_CALIBRATE_SECONDS : Number(flags.seconds);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw cliError('flag.notA', { flag: '--seconds', value: flags.seconds, expected: 'expect.positiveSeconds' }, 'CONFIG');
  const { site } = await siteFromFlags(flags, isSet, 'calibrate', log);
  if (flags.output !== undefined && site.sensors.length > 1) {
    throw cliError('calibrate.outputMany', { n: site.sensors.length, dir: site.calibrationDir }, 'CONFIG');
  }
  const ws = workerSite(site);
  // on a terminal: one countdown bar per sensor from the moment its source delivers (after the settle, `seconds` of real
  // time; a scanning sensor records `seconds` on every hop: plannedLearningS)
  const countdown = new Countdown();
  const jobs = site.sensors.map((sensor) => {
    const output = flags.output ?? defaultBaselinePath(site, sensor.name);
    log.info({ sensor: sensor.name, source: sensor.sourceText, seconds, output }, 'calibrating');
    const onLearning = (): void => countdown.start(sensor.name, terminalWords(resolveLogLang()).calibrating(sensor.name), plannedLearningS(seconds, sensor).lengthS, site.settleS);
    const job = calibrateOne(sensor, { mode: 'calibrate', sensor, site: ws, calibrate: { seconds, output }, logLevel: flags.logLevel ?? 'info' }, log, onLearning);
    const done = job.finally(() => countdown.stop(sensor.name));
    return onCalibrated === undefined ? done : done.then((s) => (onCalibrated(s), s));
  });
  const results = await Promise.allSettled(jobs);
  countdown.close();
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<CalibratedSensor>).value.path);
}
