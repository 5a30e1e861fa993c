// Completes validated site settings with what needs I/O: recording metadata of file: sensors, sim scenarios, stored baselines.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { QuietBandError } from '../errors.js';
import { cliError } from '../error-text.js';
import { fieldWrap } from '../field-error.js';
import { defaultBaselinePath, type SensorSettings, type SiteSettings } from '../config/site-config.js';
import { openFileSource } from '../source/file-source.js';
import { parseScenario, type Scenario } from '../source/sim.js';
import { checkSensorInputs } from '../config/sensor-checks.js';

/**
 * The scenario of a `sim` sensor that has none: noise at −35 dBFS over the band and one steady carrier at −18 % of the
 * rate (−20 dBFS), 30 s per cycle, no events. Quiet, so a warm-up baseline learned from it is clean.
 */
export function quietScenario(centerHz: number, rateSps: number, seed = 1): Scenario {
  return { rateSps, centerHz, durationS: 30, seed, noiseDbfs: -35, carriers: [{ offsetHz: Math.round(-0.18 * rateSps), powerDbfs: -20 }], events: [] };
}

/**
 * Resolves, per sensor: `file:` centre/rate from the recording (SigMF, file name) when not configured; the sim scenario
 * (file read, sensor centre/rate/seed applied, validated); the stored baseline (`baseline` as configured, which must
 * exist, else `<calibrationDir>/<site>-<sensor>.json` when that file exists, else null = warm-up); then the sensors'
 * receivers, rates and centres ({@link checkSensorInputs}). Returns a new object.
 * @param where prefix of error messages (config file name or `flags`).
 * @param opts.lookupBaselines false for `calibrate` (which writes them).
 * @param opts.fromFlags centre/rate given by `--center`/`--rate` for every sensor (errors then name the flag).
 * @throws QuietBandError('CONFIG') naming the field; 'BAD_INPUT' for an unreadable recording or scenario file.
 */
export async function resolveSite(
  site: SiteSettings, where: string, opts: { lookupBaselines?: boolean; fromFlags?: { centerHz?: boolean; rateSps?: boolean } } = {},
): Promise<SiteSettings> {
  const sensors: SensorSettings[] = [];
  for (const [i, s0] of site.sensors.entries()) {
    const s: SensorSettings = structuredClone(s0);
    const f = `sensors[${i}]`;
    if (s.source.kind === 'file') {
      let fs0;
      try {
        fs0 = await openFileSource(s.source.path, {
          ...(s.format !== undefined ? { format: s.format } : {}),
          ...(s.rateSps > 0 ? { rateSps: s.rateSps } : {}),
          ...(s.centerHz > 0 ? { centerHz: s.centerHz } : {}),
        });
      } catch (err) {
        // the recording's own message names its file and field; say which sensor of which config points at it
        if (err instanceof QuietBandError) throw fieldWrap(where, `${f}.source`, err);
        throw err;
      }
      s.rateSps = fs0.info.rateSps;
      s.centerHz = fs0.info.centerHz;
      await fs0.close();
    }
    if (s.source.kind === 'sim') {
      const raw: Record<string, unknown> = { ...(s.scenario ?? {}) };
      // the sensor's simulated path (site config simPath) applies to whichever scenario it runs, file or inline
      const path: Record<string, unknown> = {};
      for (const k of ['eventGainDb', 'fadingDb', 'fadingSeed']) {
        if (raw[k] !== undefined) path[k] = raw[k];
        delete raw[k];
      }
      let base: Record<string, unknown> = { ...quietScenario(s.centerHz, s.rateSps) };
      const file = typeof raw.$file === 'string' ? raw.$file : undefined;
      delete raw.$file;
      if (file !== undefined) {
        try {
          base = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        } catch (err) {
          throw cliError('config.scenarioJson', { where, field: `${f}.scenario`, path: file, detail: (err as Error).message }, 'CONFIG', { cause: err });
        }
      } else if (Object.keys(raw).length > 0) base = { durationS: 30, ...raw };
      const seed = raw.seed ?? base.seed;
      const json = { ...base, centerHz: s.centerHz, rateSps: s.rateSps, ...(seed !== undefined ? { seed } : {}), ...path };
      try {
        s.scenario = parseScenario(json, file);
      } catch (err) {
        if (err instanceof QuietBandError && file === undefined) {
          throw new QuietBandError(`${where}: ${f}.${err.message}`, 'CONFIG', { cause: err });
        }
        throw err;
      }
    }
    if (opts.lookupBaselines !== false) {
      if (s.baselinePath !== null) {
        if (!existsSync(s.baselinePath)) {
          throw cliError('config.baselineMissing', { where, field: `${f}.baseline`, path: s.baselinePath }, 'CONFIG');
        }
      } else {
        const p = defaultBaselinePath(site, s.name);
        if (existsSync(p)) s.baselinePath = p;
      }
    }
    sensors.push(s);
  }
  checkSensorInputs(sensors, where, opts.fromFlags);
  return { ...site, sensors };
}
