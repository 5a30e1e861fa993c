// Opens a sensor's IqSource from its settings: sim, local dongle (by serial or index), rtl_tcp server or a recording.
import type { Logger } from 'pino';
import type { SensorSettings } from '../config/site-config.js';
import { QuietBandError } from '../errors.js';
import type { SimSource } from '../source/sim.js';
import type { RtlTcpSource } from '../source/rtl-tcp-source.js';
import type { IqSource } from '../types.js';
import { PacedSource } from './paced-source.js';

/**
 * Block length for sim sensors (complex samples): the power of two ≤ rateSps × 0.016 (≈ 16 ms), clamped to 4096…65536.
 * Short blocks keep alert latency low: a burst waits for the end of its block before it is analysed (bench/latency.js).
 */
export function simBlockSamples(rateSps: number): number {
  let n = 4096;
  while (n * 2 <= rateSps * 0.016 && n < 65536) n *= 2;
  return n;
}

/** How {@link openSensorSource} opens a source. */
export interface OpenSourceOptions {
  /** true for the daemon (sim and files at the sample rate, sim looping); false for calibrate (as fast as read). */
  realtime: boolean;
  log: Logger;
}

/**
 * Opens the sensor's source, configured with its centre, rate, gain and ppm. Each kind's module is imported here, when
 * it is opened: a dongle's or rtl_tcp sensor's worker thread then loads neither the simulator, the other clients nor
 * the file reader with its SigMF validator (zod), ≈ 0.1 s of CPU at each sensor's start.
 * - `sim`: {@link SimSource} over the sensor's scenario, looping (events keep coming), real-time when `realtime`.
 * - `rtlsdr`: RtlSdrSource.open by serial (or index), manual gain or 'auto', ppm (the addon is loaded only here).
 * - `soapy`: SoapySource.open with the sensor's Soapy settings (per-element gains replace gainDb; addon loaded only here).
 * - `rtltcp`: {@link RtlTcpSource} (it reconnects by itself; the stall shows as missing blocks).
 * - `file`: openFileSource, paced at the sample rate by {@link PacedSource} when `realtime && sensor.realtime`.
 * @throws QuietBandError: CONFIG (bad option, naming it), DEVICE_NOT_FOUND, DEVICE_BUSY, PERMISSION,
 *   NATIVE_UNAVAILABLE (dongles), BAD_INPUT (recording).
 */
export async function openSensorSource(s: SensorSettings, o: OpenSourceOptions): Promise<IqSource> {
  const logger = o.log;
  switch (s.source.kind) {
    case 'sim': {
      if (s.scenario === undefined) throw new QuietBandError(`sensor ${s.name}: sim source without a scenario (resolveSite not called)`, 'CONFIG');
      const { parseScenario, SimSource } = await import('../source/sim.js');
      const scenario = parseScenario(s.scenario);
      return new SimSource(scenario, { realtime: o.realtime, loop: true, blockSamples: simBlockSamples(scenario.rateSps) });
    }
    case 'rtlsdr': {
      const { RtlSdrSource } = await import('../source/rtlsdr-source.js');
      const target = s.source.serial !== undefined ? { serial: s.source.serial } : { index: s.source.index ?? 0 };
      return await RtlSdrSource.open({ ...target, centerHz: s.centerHz, rateSps: s.rateSps, gainDb: s.gainDb, ppm: s.ppm, logger });
    }
    case 'soapy': {
      const { SoapySource } = await import('../source/soapy-source.js');
      const x = s.soapy ?? {};
      return await SoapySource.open({
        args: s.source.args,
        centerHz: s.centerHz,
        rateSps: s.rateSps,
        gain: x.gains ?? s.gainDb,
        ppm: s.ppm,
        ...(x.antenna !== undefined ? { antenna: x.antenna } : {}),
        ...(x.bandwidthHz !== undefined ? { bandwidthHz: x.bandwidthHz } : {}),
        ...(x.settings !== undefined ? { settings: x.settings } : {}),
        ...(x.retuneDiscardMs !== undefined ? { retuneDiscardMs: x.retuneDiscardMs } : {}),
        logger,
      });
    }
    case 'rtltcp': {
      const { RtlTcpSource } = await import('../source/rtl-tcp-source.js');
      return new RtlTcpSource({ host: s.source.host, port: s.source.port, centerHz: s.centerHz, rateSps: s.rateSps, gainDb: s.gainDb, ppm: s.ppm, ...s.rtlTcp, logger });
    }
    case 'file': {
      const { openFileSource } = await import('../source/file-source.js');
      const f = await openFileSource(s.source.path, {
        ...(s.format !== undefined ? { format: s.format } : {}),
        ...(s.rateSps > 0 ? { rateSps: s.rateSps } : {}),
        ...(s.centerHz > 0 ? { centerHz: s.centerHz } : {}),
        onWarning: (message) => logger.warn({ file: s.source.kind === 'file' ? s.source.path : '' }, message),
      });
      return o.realtime && s.realtime ? new PacedSource(f) : f;
    }
  }
}
