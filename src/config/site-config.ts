// Site config (`quietband run --config site.json`): one defaults object, a zod schema whose errors name the field path
// (source strings are parsed by source-spec.ts).
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { cliError, type ErrorMessageCode } from '../error-text.js';
import { fieldError, schemaIssueWhy } from '../field-error.js';
import { isValidFftSize } from '../dsp/fft.js';
import { WINDOW_NAMES, type WindowName } from '../dsp/window.js';
import type { DetectorOptions } from '../detector/options.js';
import type { Region } from '../spectrum/band-plan.js';
import { SAMPLE_FORMATS } from '../source/sample-formats.js';
import { scanConfigSchema, scanSettings, type SensorScanSettings } from '../scan/scan-config.js';
import { fieldSchemas, fieldSettings, type FieldSettings } from '../field/field-config.js';
import type { SampleFormat } from '../types.js';
import type { Scenario } from '../source/sim-scenario.js';
import { mqttSchema, mqttSettings, type MqttSettings } from '../mqtt/mqtt-config.js';
import { notifySchema, notifySettings, type NotifySettings } from '../notify/notify-config.js';
import { httpSchema, httpSettings, type HttpOverrides, type HttpSettings } from './http-config.js';
import { formatSourceSpec, parseSourceSpec, type SourceSpec } from './source-spec.js';
import { DEFAULT_SENSOR, DEFAULT_SITE_CONFIG } from './site-defaults.js';
import { closestNames, fieldNamesAt } from './field-suggest.js';

// the defaults object lives in site-defaults.ts, which loads no zod (the CLI's help shows its values at every start)
export { DEFAULT_SENSOR, DEFAULT_SITE_CONFIG };

// ───────────────────────────── schema ─────────────────────────────

const nameRe = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const nameSchema = z.string().regex(nameRe, 'expected 1–64 letters, digits, ".", "_" or "-" (used in file names), starting with a letter or digit');
// 10 GHz bounds what any supported receiver tunes (HackRF: 6 GHz); each source checks its own device's range.
const hz = z.number().int('expected a whole number of Hz').positive('expected a positive frequency in Hz').max(10e9, 'expected ≤ 10 GHz (10000000000 Hz)');
const fftSize = z.number().refine(isValidFftSize, 'expected a power of two between 64 and 65536');

const detectorSchema = z
  .object({
    thresholdDb: z.number().gt(0).lt(100),
    slowThresholdDb: z.number().gt(0).lt(100),
    wideThresholdDb: z.number().gt(0).lt(100),
    kSigma: z.number().gt(0).lt(100),
    hysteresisDb: z.number().min(0).lt(100),
    minDurationMs: z.number().min(0),
    holdMs: z.number().min(0),
    dcGuardHz: z.number().min(0),
    gapHz: z.number().min(0),
    bandwidthDropDb: z.number().gt(0),
    overloadClipFraction: z.number().gt(0).max(1),
    dominanceDb: z.number().gt(0),
    imageRejectionDb: z.number().min(0).lt(100),
    // the burst path's integration times (s): [0.02] by default, [0.0005, 0.02] adds the GSM-slot scale, [] turns it off (docs/detector.md §12)
    burstScalesS: z.array(z.number().gt(0).max(1)).max(4),
    maxTracks: z.number().int().min(1).max(4096),
    updateIntervalS: z.number().gt(0),
  })
  .partial()
  .strict();

/** Free text ignored by QuietBand (JSON has no comments): notes for the technician. */
const commentSchema = z.union([z.string(), z.array(z.string())]).optional();

const sensorSchema = z
  .object({
    comment: commentSchema,
    name: nameSchema,
    source: z.string().min(1),
    centerHz: hz.optional(),
    rateSps: z.number().int('expected a whole number of S/s').positive('expected a positive sample rate in S/s').max(0xffffffff).optional(),
    gainDb: z.union([z.number().min(-100).max(100), z.literal('auto')], { error: "expected a gain in dB or 'auto'" }).optional(),
    ppm: z.number().int('expected a whole number of ppm').min(-1000).max(1000).optional(),
    fftSize: fftSize.optional(),
    location: z.object({ room: z.string().trim().min(1, 'a room name is required'), xM: z.number().optional(), yM: z.number().optional() }).strict()
      .refine((l) => (l.xM === undefined) === (l.yM === undefined), { message: 'give both xM and yM (metres on the site plan), or neither' })
      .optional(),
    baseline: z.string().min(1).optional(),
    /**
     * `soapy:` only: per-element gains (dB, e.g. { "LNA": 24, "VGA": 20, "AMP": 0 }; replaces gainDb), antenna port,
     * analog filter bandwidth (Hz), driver settings (`SoapySDRUtil --probe` lists them) and the discard after a retune
     * (ms; default per driver, see soapy-source.ts); docs/receivers.md.
     */
    soapy: z
      .object({
        gains: z.record(z.string().min(1), z.number().min(-100).max(200)).optional(),
        antenna: z.string().min(1).optional(),
        bandwidthHz: hz.optional(),
        settings: z.record(z.string().min(1), z.string()).optional(),
        retuneDiscardMs: z.number().min(0).max(10_000).optional(),
      })
      .strict()
      .optional(),
    /**
     * `rtltcp:` only: the server's `rtl_tcp -n` (queued transfers before it frees the oldest; default 500, 0 = no
     * limit) and the TCP buffers' maximum (bytes; default this machine's tcp_rmem + tcp_wmem maxima). Together they
     * bound what can wait upstream: a client further behind has lost the rest, counted at once (docs/receivers.md).
     */
    rtlTcp: z
      .object({
        serverQueueTransfers: z.number().int('expected a whole number of transfers (rtl_tcp -n)').min(0).max(1_000_000).optional(),
        socketBufferBytes: z.number().int('expected a whole number of bytes').min(0).optional(),
      })
      .strict()
      .optional(),
    /** `sim` only: a scenario object (see `quietband sim --scenario`) or the path of its JSON. */
    scenario: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** `sim` only: PRNG seed (overrides the scenario's). */
    seed: z.number().int().optional(),
    /**
     * `sim` only: this sensor's receive path for the scenario's events — `lossDb` (dB subtracted from every event,
     * e.g. a log-distance path loss to this room), `fadingDb` (std dev of a seeded log-normal fading per event, dB) and
     * `fadingSeed` (default the sensor's seed). Sensors sharing one scenario then see path-loss-scaled copies of one
     * transmission (room localisation tests and demos).
     */
    simPath: z
      .object({
        lossDb: z.number().min(-100, 'expected a path loss ≥ −100 dB').max(200, 'expected a path loss ≤ 200 dB').optional(),
        fadingDb: z.number().min(0, 'expected a fading spread ≥ 0 dB').max(30, 'expected a fading spread ≤ 30 dB').optional(),
        fadingSeed: z.number().int('expected a whole-number seed').optional(),
      })
      .strict()
      .optional(),
    /** `file:` only: sample format when the extension/SigMF does not say. */
    format: z.enum(SAMPLE_FORMATS).optional(),
    /** `file:` only: pace at the sample rate (default true). */
    realtime: z.boolean().optional(),
    /** Per-sensor detector settings over the site's. */
    detector: detectorSchema.optional(),
    /** Hop over segments instead of staying on centerHz (src/scan/scan-config.ts). */
    scan: scanConfigSchema.optional(),
  })
  .strict();

const siteSchema = z
  .object({
    comment: commentSchema,
    site: nameSchema.optional(),
    timeZone: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'expected an IANA time zone such as "Asia/Shanghai"')
      .optional(),
    http: httpSchema.optional(),
    dataDir: z.string().min(1).optional(),
    calibrationDir: z.string().min(1).optional(),
    warmupS: z.number().gt(0, 'expected a warm-up longer than 0 s').max(86_400).optional(),
    settleS: z.number().min(0).max(60).optional(),
    offlineAfterMs: z.number().min(100).max(600_000).optional(),
    startGraceMs: z.number().min(100).max(600_000).optional(),
    overload: z
      .object({
        clipFraction: z.number().gt(0).max(1).optional(),
        onAfterMs: z.number().min(0).optional(),
        offAfterMs: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
    restart: z
      .object({ initialMs: z.number().min(10).optional(), maxMs: z.number().min(10).optional() })
      .strict()
      .optional(),
    bandPlan: z.enum(['CN', 'EU', 'none']).optional(),
    spectrum: z
      .object({
        window: z.enum(WINDOW_NAMES).optional(),
        average: z.number().int().min(1).max(1_000_000).optional(),
        fastFftSize: z.number().int().min(16).max(65536).refine((n) => (n & (n - 1)) === 0, 'expected a power of two').optional(),
        dcRemoval: z.boolean().optional(),
      })
      .strict()
      .optional(),
    detector: detectorSchema.optional(),
    ...fieldSchemas,
    /** Optional MQTT publishing of alerts, health and heartbeats (see src/mqtt/mqtt-config.ts). */
    mqtt: mqttSchema.optional(),
    /** Optional notifications: webhook, e-mail, ntfy push (see src/notify/notify-config.ts, docs/notifications.md). */
    notify: notifySchema.optional(),
    sensors: z.array(sensorSchema).min(1, 'expected at least one sensor'),
  })
  .strict();

/** A sensor as written in the config file (optional fields take {@link DEFAULT_SENSOR}). */
export type SensorConfig = z.infer<typeof sensorSchema>;
/** A site config as written in the file (optional fields take {@link DEFAULT_SITE_CONFIG}). */
export type SiteConfigInput = z.input<typeof siteSchema>;

/** A sensor with every default applied and its source parsed. Paths are absolute. JSON-serialisable (goes to workers). */
export interface SensorSettings {
  name: string;
  /** The source string as configured (`rtlsdr:00000001`, …). */
  sourceText: string;
  source: SourceSpec;
  /** Tuning centre (Hz) and rate (S/s): configured, or (file:) from the recording, or (sim) from the scenario. */
  centerHz: number;
  rateSps: number;
  gainDb: number | 'auto';
  ppm: number;
  fftSize: number;
  location?: { room: string; xM?: number; yM?: number };
  /** Stored baseline to use, or null to learn one during the warm-up. */
  baselinePath: string | null;
  /**
   * `sim` sensors: the scenario as the config gives it (an object, `$file` naming its JSON file); after resolveSite
   * (src/site/site-resolve.ts) the validated {@link Scenario} with centre, rate and seed applied (the worker validates
   * it again with parseScenario).
   */
  scenario?: Record<string, unknown> | Scenario;
  format?: SampleFormat;
  realtime: boolean;
  /** Site detector settings with this sensor's on top. */
  detector: Partial<DetectorOptions>;
  /** Scan plan when the sensor hops (see scan-config.ts); absent = one band at centerHz. */
  scan?: SensorScanSettings;
  /** `soapy:` sensors: per-element gains, antenna, bandwidth, driver settings (see the `soapy` config field). */
  soapy?: { gains?: Record<string, number>; antenna?: string; bandwidthHz?: number; settings?: Record<string, string>; retuneDiscardMs?: number };
  /** `rtltcp:` sensors: the server's queue (`rtl_tcp -n`) and the socket buffers' bound (see the `rtlTcp` config field). */
  rtlTcp?: { serverQueueTransfers?: number; socketBufferBytes?: number };
}

/** A validated site with every default applied. */
export interface SiteSettings extends FieldSettings {
  site: string;
  timeZone?: string;
  http: HttpSettings;
  dataDir: string;
  calibrationDir: string;
  warmupS: number;
  settleS: number;
  offlineAfterMs: number;
  startGraceMs: number;
  overload: { clipFraction: number; onAfterMs: number; offAfterMs: number };
  restart: { initialMs: number; maxMs: number };
  bandPlan: Region | 'none';
  spectrum: { window: WindowName; average?: number; fastFftSize?: number; dcRemoval: boolean };
  detector: Partial<DetectorOptions>;
  sensors: SensorSettings[];
  /** MQTT publishing; absent = off. */
  mqtt?: MqttSettings;
  /** Notifications; absent = off. */
  notify?: NotifySettings;
}

/** `sensors[1].fftSize` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out;
}

/**
 * Validates a parsed config object against the schema (unknown fields are refused, so typos are caught).
 * @param where prefix of error messages, usually the file name.
 * @throws QuietBandError('CONFIG') `"<where>: <field path>: <what was expected>"`.
 */
export function validateSiteConfig(json: unknown, where: string): z.infer<typeof siteSchema> {
  // reportInput: issues carry the offending value, so a wrong type reads "expected number, received string", not "missing"
  const r = siteSchema.safeParse(json, { reportInput: true });
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let field = fieldPath(issue.path);
  let why = schemaIssueWhy(issue, (issue as { input?: unknown }).input === undefined);
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    field = field === '' ? keys[0]! : `${field}.${keys[0]}`;
    // a near name of that object's fields, as a mistyped flag gets one (sensors[0].gain → gainDb)
    const near = closestNames(keys[0]!, fieldNamesAt(siteSchema, issue.path));
    why = near.length > 0 ? { id: 'why.unknownFieldNear', params: { suggestion: near.join(' / ') } } : { id: 'why.unknownField' };
  }
  field = field === '' ? '(top level)' : field;
  throw why !== null ? fieldError(where, field, why, 'CONFIG') : cliError('field.detail', { where, field, detail: issue.message }, 'CONFIG');
}

/**
 * Reads and validates a site config file.
 * @throws QuietBandError('CONFIG') naming the file and the field; 'CONFIG' when the file is unreadable or not JSON.
 */
export async function loadSiteConfigFile(path: string): Promise<z.infer<typeof siteSchema>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw cliError('config.cannotRead', { path, detail: (err as Error).message }, 'CONFIG', { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw cliError('sigmf.notJson', { path, detail: (err as Error).message }, 'CONFIG', { cause: err });
  }
  return validateSiteConfig(json, path);
}

/** Values that override the file (from CLI flags); each already validated by its flag parser. */
export interface SiteOverrides {
  site?: string;
  bind?: string;
  port?: number;
  tls?: HttpOverrides['tls'];
  dataDir?: string;
  calibrationDir?: string;
  warmupS?: number;
  bandPlan?: Region | 'none';
  spectrum?: Partial<SiteSettings['spectrum']>;
  detector?: Partial<DetectorOptions>;
  /** Applied to every sensor. */
  sensor?: Partial<Pick<SensorSettings, 'centerHz' | 'rateSps' | 'gainDb' | 'ppm' | 'fftSize' | 'format'>>;
}

const abs = (p: string): string => (isAbsolute(p) ? p : resolve(process.cwd(), p));

/**
 * Applies defaults and overrides (DEFAULT_SITE_CONFIG < file < flags), parses every sensor's source, resolves paths,
 * checks cross-field rules (unique sensor names; rtlsdr/rtltcp integer ppm; scenario/seed/simPath only for sim; simPath goes
 * into the scenario as eventGainDb = −lossDb, fadingDb, fadingSeed). Does not touch
 * devices or files (see site-resolve.ts for the `file:` metadata probe and the default baseline lookup).
 * @param where prefix of error messages (file name or `flags`).
 * @throws QuietBandError('CONFIG') naming the field.
 */
export function applySiteDefaults(cfg: z.infer<typeof siteSchema>, overrides: SiteOverrides, where: string): SiteSettings {
  const d = DEFAULT_SITE_CONFIG;
  // a coded reason prints in Chinese too; the other settings' checks (field, scan, notify) give theirs in English
  const fail = (field: string, why: string | ErrorMessageCode): never => {
    throw typeof why === 'string' ? cliError('field.detail', { where, field, detail: why }, 'CONFIG') : fieldError(where, field, why, 'CONFIG');
  };
  const siteName = overrides.site ?? cfg.site ?? d.site;
  if (!nameRe.test(siteName)) fail('site', { id: 'why.siteName', params: { value: siteName } });
  const detector: Partial<DetectorOptions> = { ...d.detector, ...cfg.detector, ...overrides.detector };
  const seen = new Set<string>();
  const sensors = cfg.sensors.map((s, i): SensorSettings => {
    const f = `sensors[${i}]`;
    if (seen.has(s.name)) fail(`${f}.name`, { id: 'why.nameTwice', params: { value: s.name } });
    seen.add(s.name);
    const source = parseSourceSpec(s.source, `${where}: ${f}.source`);
    if (source.kind !== 'sim' && s.scenario !== undefined) fail(`${f}.scenario`, { id: 'why.simScenario' });
    if (source.kind !== 'sim' && s.seed !== undefined) fail(`${f}.seed`, { id: 'why.simSeed' });
    if (source.kind !== 'sim' && s.simPath !== undefined) fail(`${f}.simPath`, { id: 'why.simPath' });
    if (source.kind !== 'file' && s.format !== undefined) fail(`${f}.format`, { id: 'why.fileFormat' });
    if (source.kind !== 'file' && s.realtime !== undefined) fail(`${f}.realtime`, { id: 'why.fileRealtime' });
    if (source.kind !== 'soapy' && s.soapy !== undefined) fail(`${f}.soapy`, { id: 'why.soapyOnly' });
    if (source.kind !== 'rtltcp' && s.rtlTcp !== undefined) fail(`${f}.rtlTcp`, { id: 'why.rtlTcpOnly' });
    const o = overrides.sensor ?? {};
    const out: SensorSettings = {
      name: s.name,
      sourceText: formatSourceSpec(source),
      source: source.kind === 'file' ? { kind: 'file', path: abs(source.path) } : source,
      centerHz: o.centerHz ?? s.centerHz ?? (source.kind === 'file' ? 0 : DEFAULT_SENSOR.centerHz),
      rateSps: o.rateSps ?? s.rateSps ?? (source.kind === 'file' ? 0 : DEFAULT_SENSOR.rateSps),
      gainDb: o.gainDb ?? s.gainDb ?? DEFAULT_SENSOR.gainDb,
      ppm: o.ppm ?? s.ppm ?? DEFAULT_SENSOR.ppm,
      fftSize: o.fftSize ?? s.fftSize ?? DEFAULT_SENSOR.fftSize,
      baselinePath: s.baseline !== undefined ? abs(s.baseline) : null,
      realtime: s.realtime ?? DEFAULT_SENSOR.realtime,
      detector: { ...detector, ...s.detector, ...overrides.detector },
    };
    if (s.location !== undefined) out.location = s.location;
    if (s.soapy !== undefined) out.soapy = s.soapy;
    if (s.rtlTcp !== undefined) out.rtlTcp = s.rtlTcp;
    const format = o.format ?? s.format;
    if (format !== undefined) out.format = format;
    if (source.kind === 'sim') {
      // the sensor's centre/rate/seed win over the scenario's; the scenario's win over the defaults
      const scn: Record<string, unknown> = typeof s.scenario === 'object' ? { ...s.scenario } : {};
      if (typeof s.scenario === 'string') scn.$file = abs(s.scenario);
      if (o.centerHz === undefined && s.centerHz === undefined && typeof scn.centerHz === 'number') out.centerHz = scn.centerHz;
      if (o.rateSps === undefined && s.rateSps === undefined && typeof scn.rateSps === 'number') out.rateSps = scn.rateSps;
      if (s.seed !== undefined) scn.seed = s.seed;
      if (s.simPath?.lossDb !== undefined) scn.eventGainDb = -s.simPath.lossDb;
      if (s.simPath?.fadingDb !== undefined) scn.fadingDb = s.simPath.fadingDb;
      if (s.simPath?.fadingSeed !== undefined) scn.fadingSeed = s.simPath.fadingSeed;
      out.scenario = scn;
    }
    return out;
  });
  const spectrum = { ...d.spectrum, ...cfg.spectrum, ...overrides.spectrum };
  for (const [i, s] of sensors.entries()) {
    if (spectrum.fastFftSize !== undefined && spectrum.fastFftSize > s.fftSize) {
      fail(`spectrum.fastFftSize`, { id: 'why.fastOverSensorFft', params: { fast: spectrum.fastFftSize, i, fft: s.fftSize } });
    }
  }
  const restart = { ...d.restart, ...cfg.restart };
  if (restart.maxMs < restart.initialMs) fail('restart.maxMs', { id: 'why.restartMax', params: { initialMs: restart.initialMs } });
  const out: SiteSettings = {
    site: siteName,
    http: httpSettings(cfg.http, { ...(overrides.bind !== undefined ? { bind: overrides.bind } : {}), ...(overrides.port !== undefined ? { port: overrides.port } : {}), ...(overrides.tls !== undefined ? { tls: overrides.tls } : {}) }, fail),
    dataDir: abs(overrides.dataDir ?? cfg.dataDir ?? d.dataDir),
    calibrationDir: abs(overrides.calibrationDir ?? cfg.calibrationDir ?? d.calibrationDir),
    warmupS: overrides.warmupS ?? cfg.warmupS ?? d.warmupS,
    settleS: cfg.settleS ?? d.settleS,
    offlineAfterMs: cfg.offlineAfterMs ?? d.offlineAfterMs,
    startGraceMs: cfg.startGraceMs ?? d.startGraceMs,
    overload: { ...d.overload, clipFraction: detector.overloadClipFraction ?? d.overload.clipFraction, ...cfg.overload },
    restart,
    bandPlan: overrides.bandPlan ?? cfg.bandPlan ?? d.bandPlan,
    spectrum,
    detector,
    sensors,
    ...fieldSettings(cfg, sensors.map((s) => s.name), fail),
  };
  cfg.sensors.forEach((s, i) => {
    const sensor = sensors[i]!;
    if (s.scan === undefined) return;
    const baselineBase = resolve(out.calibrationDir, `${out.site}-${sensor.name}`);
    sensor.scan = scanSettings(s.scan, { field: `sensors[${i}].scan`, sourceKind: sensor.source.kind, rateSps: sensor.rateSps, hasBaseline: s.baseline !== undefined, baselineBase }, fail);
  });
  const tz = cfg.timeZone ?? d.timeZone;
  if (tz !== undefined) out.timeZone = tz;
  if (cfg.mqtt !== undefined) out.mqtt = mqttSettings(cfg.mqtt, process.cwd());
  if (cfg.notify !== undefined) out.notify = notifySettings(cfg.notify, process.cwd(), fail);
  return out;
}

/** Default stored-baseline path of a sensor: `<calibrationDir>/<site>-<sensor>.json`. */
export function defaultBaselinePath(site: SiteSettings, sensor: string): string {
  return resolve(site.calibrationDir, `${site.site}-${sensor}.json`);
}
