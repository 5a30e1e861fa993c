// CLI flags of `run` and live `calibrate` → validated SiteSettings (DEFAULT_SITE_CONFIG < --config file < flags).
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { cliError, type ErrorMessageId } from '../error-text.js';
import { isValidFftSize } from '../dsp/fft.js';
import { pipelineOptions, inputOverrides, type PipelineFlags } from './pipeline-flags.js';
import { demoSiteConfig } from '../site/demo-site.js';
import { resolveSite } from '../site/site-resolve.js';
import { sensorInputWarnings } from '../config/sensor-checks.js';
import {
  applySiteDefaults,
  loadSiteConfigFile,
  validateSiteConfig,
  type SiteOverrides,
  type SiteSettings,
} from '../config/site-config.js';
import { parseSourceSpec, type SourceSpec } from '../config/source-spec.js';

/** Raw flag values of `run` / live `calibrate` (strings as commander delivers them). */
export interface SiteFlags extends PipelineFlags {
  source?: string;
  config?: string;
  gain?: string;
  ppm?: string;
  dataDir?: string;
  httpPort?: string;
  bind?: string;
  /** `run --tls-cert/--tls-key` (PEM files) and `--no-tls` (false). */
  tlsCert?: string;
  tlsKey?: string;
  tls?: boolean;
  warmup?: string;
  site?: string;
  sensor?: string;
  calibrationDir?: string;
  demo?: boolean;
  logLevel?: string;
}

/** Sensor name derived from a source: `sim`, `rtlsdr-00000001`, `rtltcp-127.0.0.1-1234`, `file-<base name>`. */
export function sensorNameFor(spec: SourceSpec): string {
  const clean = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'sensor';
  switch (spec.kind) {
    case 'sim':
      return 'sim';
    case 'rtlsdr':
      return clean(`rtlsdr-${spec.serial ?? spec.index ?? 0}`);
    case 'rtltcp':
      return clean(`rtltcp-${spec.host}-${spec.port}`);
    case 'soapy':
      return clean(`soapy-${/(?:^|,)\s*serial=([^,]*)/.exec(spec.args)?.[1]?.trim() || /(?:^|,)\s*driver=([^,]*)/.exec(spec.args)?.[1]?.trim() || 'device'}`);
    case 'file':
      return clean(`file-${basename(spec.path).replace(/\.(sigmf-meta|sigmf-data|cu8|cs8|cs16|cf32|cfile|raw|bin)$/i, '')}`);
  }
}

const num = (v: string, flag: string, ok: (n: number) => boolean, expected: ErrorMessageId): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !ok(n)) throw cliError('flag.notA', { flag, value: v, expected }, 'CONFIG');
  return n;
};

/**
 * Validates the flags the user gave (`isSet(key)`: commander's value source is 'cli'; defaults shown in --help never
 * override the config file) into {@link SiteOverrides}.
 * @throws QuietBandError('CONFIG') naming the flag.
 */
export function overridesFromFlags(f: SiteFlags, isSet: (key: keyof SiteFlags) => boolean): SiteOverrides {
  const o: SiteOverrides = {};
  const sensor: NonNullable<SiteOverrides['sensor']> = {};
  const input = inputOverrides({ ...(isSet('center') ? { center: f.center } : {}), ...(isSet('rate') ? { rate: f.rate } : {}), ...(isSet('format') ? { format: f.format } : {}) });
  if (input.centerHz !== undefined) sensor.centerHz = input.centerHz;
  if (input.rateSps !== undefined) sensor.rateSps = input.rateSps;
  if (input.format !== undefined) sensor.format = input.format;
  if (isSet('gain') && f.gain !== undefined) {
    sensor.gainDb = f.gain.trim().toLowerCase() === 'auto' ? 'auto' : num(f.gain, '--gain', (n) => n >= -100 && n <= 100, 'expect.gain');
  }
  if (isSet('ppm') && f.ppm !== undefined) sensor.ppm = num(f.ppm, '--ppm', (n) => Number.isInteger(n) && Math.abs(n) <= 1000, 'expect.ppm');
  if (isSet('fftSize') && f.fftSize !== undefined) sensor.fftSize = num(f.fftSize, '--fft-size', isValidFftSize, 'expect.fftSize');
  if (Object.keys(sensor).length > 0) o.sensor = sensor;
  // spectrum / detector flags: validated by the replay/calibrate rules, only those given
  const keys: (keyof PipelineFlags)[] = ['fftSize', 'fastFftSize', 'window', 'average', 'dcRemoval', 'thresholdDb', 'slowThresholdDb', 'minDurationMs', 'holdMs', 'dcGuardHz', 'bandPlan'];
  const given: PipelineFlags = {};
  for (const k of keys) if (isSet(k)) (given as Record<string, unknown>)[k] = f[k];
  const p = pipelineOptions(given, 1_000_000);
  if (Object.keys(p.detector).length > 0) o.detector = p.detector;
  const spectrum: NonNullable<SiteOverrides['spectrum']> = {};
  if (isSet('window')) spectrum.window = p.spectrum.window;
  if (isSet('average')) spectrum.average = p.spectrum.average;
  if (isSet('fastFftSize')) spectrum.fastFftSize = p.fastFftSize;
  if (isSet('dcRemoval')) spectrum.dcRemoval = p.spectrum.dcRemoval;
  if (Object.keys(spectrum).length > 0) o.spectrum = spectrum;
  if (isSet('bandPlan')) o.bandPlan = p.bandPlan;
  if (isSet('settleSamples')) throw cliError('flag.settleSamples', {}, 'CONFIG');
  if (isSet('dataDir') && f.dataDir !== undefined) o.dataDir = f.dataDir;
  if (isSet('calibrationDir') && f.calibrationDir !== undefined) o.calibrationDir = f.calibrationDir;
  if (isSet('bind') && f.bind !== undefined) o.bind = f.bind;
  if (isSet('tlsCert') || isSet('tlsKey')) {
    if (f.tlsCert === undefined || f.tlsKey === undefined) throw cliError('flag.tlsBoth', { flag: isSet('tlsCert') ? '--tls-cert' : '--tls-key' }, 'CONFIG');
    if (isSet('tls') && f.tls === false) throw cliError('flag.noTlsWithCert', {}, 'CONFIG');
    o.tls = { cert: f.tlsCert, key: f.tlsKey };
  } else if (isSet('tls') && f.tls === false) o.tls = 'off';
  if (isSet('httpPort') && f.httpPort !== undefined) o.port = num(f.httpPort, '--http-port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'expect.tcpPort');
  if (isSet('warmup') && f.warmup !== undefined) o.warmupS = num(f.warmup, '--warmup', (n) => n > 0 && n <= 86_400, 'expect.warmup');
  if (isSet('site') && f.site !== undefined) o.site = f.site;
  return o;
}

/** What {@link siteFromFlags} decided. */
export interface SiteFromFlags {
  site: SiteSettings;
  /** 'config' (--config), 'flags' (--source), 'dongles' (no flags, dongles attached), 'demo'. */
  origin: 'config' | 'flags' | 'dongles' | 'demo';
}

/** Lists attached dongles through the addon; [] when the addon is missing or listing fails (then: demo). */
async function attachedDongles(log: Logger): Promise<{ index: number; serial: string }[]> {
  try {
    const { loadRtlSdr } = await import('../../native-bindings/index.js');
    const list = await loadRtlSdr().listDevices();
    return list.map((d) => ({ index: d.index, serial: d.serial }));
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'no RTL-SDR addon or no dongle list');
    return [];
  }
}

/**
 * Builds the site for `run` / live `calibrate`:
 * - `--config FILE`: the file, then the flags on top (`--center/--rate/--gain/--ppm/--fft-size/--format` apply to
 *   every sensor; `--source` is refused with --config);
 * - `--source SPEC`: one sensor named `--sensor` or {@link sensorNameFor};
 * - neither (run only): one sensor per attached dongle (by serial), or — no dongle, no addon, or `--demo` — the
 *   embedded demo site ({@link demoSiteConfig}).
 * Then defaults, paths, file metadata, scenarios and (run) stored baselines are resolved.
 * @throws QuietBandError('CONFIG' | 'BAD_INPUT') naming the file and field, or the flag.
 */
export async function siteFromFlags(f: SiteFlags, isSet: (key: keyof SiteFlags) => boolean, mode: 'run' | 'calibrate', log: Logger): Promise<SiteFromFlags> {
  const overrides = overridesFromFlags(f, isSet);
  let origin: SiteFromFlags['origin'];
  let where: string;
  let cfg;
  if (isSet('config') && f.config !== undefined) {
    if (isSet('source')) throw cliError('flag.sourceWithConfig', { path: f.config }, 'CONFIG');
    if (isSet('sensor')) throw cliError('flag.sensorWithConfig', { path: f.config }, 'CONFIG');
    cfg = await loadSiteConfigFile(f.config);
    where = f.config;
    origin = 'config';
  } else if (isSet('source') && f.source !== undefined) {
    const spec = parseSourceSpec(f.source, '--source');
    const name = isSet('sensor') && f.sensor !== undefined ? f.sensor : sensorNameFor(spec);
    cfg = validateSiteConfig({ sensors: [{ name, source: f.source }] }, 'flags');
    where = 'flags';
    origin = 'flags';
  } else {
    if (mode === 'calibrate') throw cliError('calibrate.nothing', {}, 'CONFIG');
    const dongles = f.demo ? [] : await attachedDongles(log);
    if (dongles.length > 0) {
      cfg = validateSiteConfig({ sensors: dongles.map((d) => ({ name: sensorNameFor(d.serial ? { kind: 'rtlsdr', serial: d.serial } : { kind: 'rtlsdr', index: d.index }), source: d.serial ? `rtlsdr:${d.serial}` : `rtlsdr:${d.index}` })) }, 'dongles');
      where = 'dongles';
      origin = 'dongles';
    } else {
      cfg = validateSiteConfig(demoSiteConfig(), 'demo');
      where = 'demo';
      origin = 'demo';
    }
  }
  const settings = applySiteDefaults(cfg, overrides, where);
  const fromFlags = { centerHz: overrides.sensor?.centerHz !== undefined, rateSps: overrides.sensor?.rateSps !== undefined };
  const site = await resolveSite(settings, where, { lookupBaselines: mode === 'run', fromFlags });
  checkFolder(site.dataDir, isSet('dataDir') ? '--data-dir' : `${where}: dataDir`);
  checkFolder(site.calibrationDir, isSet('calibrationDir') ? '--calibration-dir' : `${where}: calibrationDir`);
  for (const w of sensorInputWarnings(site.sensors, where)) log.warn(w);
  return { site, origin };
}

/**
 * Refuses a folder setting that names something other than a folder (it is created when missing).
 * @throws QuietBandError('CONFIG') `"<field>: <path> is a file, not a folder; …"`.
 */
function checkFolder(path: string, field: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // missing: created on first use (errors then name the path)
  }
  if (!st.isDirectory()) throw cliError('flag.isFile', { field, path }, 'CONFIG');
}

/** `isSet` for a commander command: true when the option's value came from the command line. */
export function cliSetter(cmd: Command): (key: keyof SiteFlags) => boolean {
  return (key) => cmd.getOptionValueSource(key as string) === 'cli';
}
