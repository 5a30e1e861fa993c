// Site config: source specs, schema errors naming the field path, defaults < file < flags, resolution of scenarios/baselines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applySiteDefaults,
  DEFAULT_SENSOR,
  DEFAULT_SITE_CONFIG,
  defaultBaselinePath,
  loadSiteConfigFile,
  validateSiteConfig,
} from '../../src/config/site-config.js';
import { formatSourceSpec, parseSourceSpec } from '../../src/config/source-spec.js';
import { overridesFromFlags, sensorNameFor, type SiteFlags } from '../../src/cli/site-flags.js';
import { QuietBandError } from '../../src/errors.js';
import { resolveSite } from '../../src/site/site-resolve.js';
import { DEMO_SESSION, demoSiteConfig } from '../../src/site/demo-site.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-site-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error a call throws (fails the test when it does not throw). */
function errorOf(fn: () => unknown): QuietBandError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QuietBandError);
    return err as QuietBandError;
  }
  throw new Error('expected a QuietBandError');
}

/** The QuietBandError a promise rejects with (fails the test when it resolves). */
async function rejectionOf(p: Promise<unknown>): Promise<QuietBandError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(QuietBandError);
    return err as QuietBandError;
  }
  throw new Error('expected a rejection');
}

describe('parseSourceSpec', () => {
  it('parses every source form', () => {
    expect(parseSourceSpec('sim', 'f')).toEqual({ kind: 'sim' });
    expect(parseSourceSpec('rtlsdr', 'f')).toEqual({ kind: 'rtlsdr', index: 0 });
    expect(parseSourceSpec('rtlsdr:0', 'f')).toEqual({ kind: 'rtlsdr', index: 0 });
    expect(parseSourceSpec('rtlsdr:12', 'f')).toEqual({ kind: 'rtlsdr', index: 12 });
    // leading zeros / longer than 3 digits / > 255: a serial (rtl_eeprom serials are often 00000001)
    expect(parseSourceSpec('rtlsdr:00000001', 'f')).toEqual({ kind: 'rtlsdr', serial: '00000001' });
    expect(parseSourceSpec('rtlsdr:256', 'f')).toEqual({ kind: 'rtlsdr', serial: '256' });
    expect(parseSourceSpec('rtlsdr:HALL-A', 'f')).toEqual({ kind: 'rtlsdr', serial: 'HALL-A' });
    expect(parseSourceSpec('rtltcp:192.168.1.5:1235', 'f')).toEqual({ kind: 'rtltcp', host: '192.168.1.5', port: 1235 });
    expect(parseSourceSpec('rtltcp:pi.local', 'f')).toEqual({ kind: 'rtltcp', host: 'pi.local', port: 1234 });
    expect(parseSourceSpec('rtltcp:[::1]:7000', 'f')).toEqual({ kind: 'rtltcp', host: '::1', port: 7000 });
    expect(parseSourceSpec('file:/x/a_433.92M_250k.cu8', 'f')).toEqual({ kind: 'file', path: '/x/a_433.92M_250k.cu8' });
    expect(formatSourceSpec({ kind: 'rtltcp', host: '::1', port: 7000 })).toBe('rtltcp:[::1]:7000');
  });

  it('names the field and lists the accepted forms', () => {
    const e = errorOf(() => parseSourceSpec('usb:3', '--source'));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toBe('--source: "usb:3" is not a source; expected sim, rtlsdr:<serial|index>, rtltcp:<host>:<port>, soapy:<driver=…,serial=…> or file:<path>');
    expect(errorOf(() => parseSourceSpec('rtltcp:host:99999', 'site.json: sensors[0].source')).message).toMatch(/^site\.json: sensors\[0\]\.source: "rtltcp:host:99999" has port "99999"/);
  });
});

describe('validateSiteConfig', () => {
  const ok = { site: 'hall-a', sensors: [{ name: 's1', source: 'sim' }] };

  it('accepts a minimal config and the example file', async () => {
    expect(validateSiteConfig(ok, 'x.json').sensors[0]!.name).toBe('s1');
    const example = await loadSiteConfigFile(join(import.meta.dirname, '../../calibration/example-site.json'));
    expect(example.sensors.map((s) => s.source)).toEqual(['rtlsdr:00000101', 'rtlsdr:00000102', 'rtltcp:192.168.10.20:1234']);
  });

  it("the example's knownEmitters comment says to remove a marked emitter with the page's Remove, not by editing the file with the daemon stopped", async () => {
    const raw = JSON.parse(await readFile(join(import.meta.dirname, '../../calibration/example-site.json'), 'utf8')) as { comment?: unknown };
    const line = (Array.isArray(raw.comment) ? raw.comment : []).find((c): c is string => typeof c === 'string' && c.startsWith('knownEmitters:'));
    expect(line).toContain("remove one with Remove (移除) in the page's known-emitter list");
    expect(line).not.toContain('daemon stopped');
  });

  it('names the field path of every error', () => {
    const cases: [unknown, string][] = [
      [{ sensors: [{ name: 's1', source: 'sim', fftSize: 1000 }] }, 'x.json: sensors[0].fftSize: expected a power of two between 64 and 65536'],
      [{ sensors: [{ name: 's1', source: 'sim' }, { name: 's2', source: 'sim', centreHz: 1e8 }] }, 'x.json: sensors[1].centreHz: unknown field (did you mean centerHz? see calibration/example-site.json)'],
      [{ sensors: [] }, 'x.json: sensors: expected at least one sensor'],
      [{ sensors: [{ name: 's1', source: 'sim', location: { room: 'A', xM: 1 } }] }, 'x.json: sensors[0].location: give both xM and yM (metres on the site plan), or neither'],
      [{ sensors: [{ name: 's1', source: 'sim', location: { room: '   ' } }] }, 'x.json: sensors[0].location.room: a room name is required'],
      [{ sensors: [{ name: 's1', source: 'sim', simPath: { lossDb: '10' } }] }, 'x.json: sensors[0].simPath.lossDb: Invalid input: expected number, received string'],
      [{ site: 'a' }, 'x.json: sensors: missing'],
      [{ http: { port: 70000 }, sensors: ok.sensors }, 'x.json: http.port: Too big: expected number to be <=65535'],
      [{ sensors: [{ name: 'bad name', source: 'sim' }] }, 'x.json: sensors[0].name: expected 1–64 letters, digits, ".", "_" or "-" (used in file names), starting with a letter or digit'],
      [{ sensors: [{ name: 's', source: 'sim', gainDb: 'max' }] }, "x.json: sensors[0].gainDb: expected a gain in dB or 'auto'"],
      [{ detector: { thresholdDb: -1 }, sensors: ok.sensors }, 'x.json: detector.thresholdDb: Too small: expected number to be >0'],
      [{ timeZone: 'Mars/Olympus', sensors: ok.sensors }, 'x.json: timeZone: expected an IANA time zone such as "Asia/Shanghai"'],
    ];
    for (const [json, message] of cases) {
      const e = errorOf(() => validateSiteConfig(json, 'x.json'));
      expect(e.code).toBe('CONFIG');
      expect(e.message).toBe(message);
    }
  });

  it('names the file when it is not JSON', async () => {
    const p = join(dir, 'broken.json');
    writeFileSync(p, '{ "sensors": [ }');
    const e = await rejectionOf(loadSiteConfigFile(p));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  });
});

describe('applySiteDefaults: DEFAULT < file < flags', () => {
  it('fills every default and resolves paths against the working directory', () => {
    const s = applySiteDefaults(validateSiteConfig({ sensors: [{ name: 's1', source: 'rtlsdr:00000001' }] }, 'x'), {}, 'x');
    expect(s.site).toBe(DEFAULT_SITE_CONFIG.site);
    expect(s.http).toEqual({ bind: '127.0.0.1', port: 8080 });
    expect(s.dataDir).toBe(join(process.cwd(), 'data'));
    expect(s.warmupS).toBe(10);
    expect(s.overload).toEqual({ clipFraction: 0.05, onAfterMs: 1000, offAfterMs: 5000 });
    const sensor = s.sensors[0]!;
    expect(sensor).toMatchObject({ name: 's1', sourceText: 'rtlsdr:00000001', centerHz: DEFAULT_SENSOR.centerHz, rateSps: 1_000_000, gainDb: 30, ppm: 0, fftSize: 1024, baselinePath: null });
    expect(defaultBaselinePath(s, 's1')).toBe(join(process.cwd(), 'calibration', 'quietband-s1.json'));
  });

  it('lets flags win over the file, and the file over the defaults', () => {
    const file = validateSiteConfig(
      { site: 'hall', http: { port: 9000, bind: '0.0.0.0' }, warmupS: 30, detector: { thresholdDb: 14, holdMs: 50 }, sensors: [{ name: 's1', source: 'sim', fftSize: 2048, centerHz: 868_300_000, detector: { holdMs: 80 } }] },
      'x',
    );
    const s = applySiteDefaults(file, { port: 0, warmupS: 2, sensor: { fftSize: 512 }, detector: { thresholdDb: 20 } }, 'x');
    expect(s.http).toEqual({ bind: '0.0.0.0', port: 0 });
    expect(s.warmupS).toBe(2);
    expect(s.sensors[0]!.fftSize).toBe(512);
    expect(s.sensors[0]!.centerHz).toBe(868_300_000);
    expect(s.sensors[0]!.detector).toEqual({ thresholdDb: 20, holdMs: 80 });
    // an rtl_tcp server's queue and the socket bound reach the sensor settings; a fraction of a transfer is refused
    const tcp = applySiteDefaults(validateSiteConfig({ sensors: [{ name: 't', source: 'rtltcp:pi:1234', rtlTcp: { serverQueueTransfers: 8, socketBufferBytes: 4194304 } }] }, 'x'), {}, 'x');
    expect(tcp.sensors[0]!.rtlTcp).toEqual({ serverQueueTransfers: 8, socketBufferBytes: 4194304 });
    expect(errorOf(() => validateSiteConfig({ sensors: [{ name: 't', source: 'rtltcp:pi:1234', rtlTcp: { serverQueueTransfers: 1.5 } }] }, 'site.json')).message).toMatch(/sensors\[0\]\.rtlTcp\.serverQueueTransfers: expected a whole number of transfers/);
  });

  it('refuses cross-field mistakes, naming the field', () => {
    const dup = validateSiteConfig({ sensors: [{ name: 'a', source: 'sim' }, { name: 'a', source: 'sim' }] }, 'x');
    expect(errorOf(() => applySiteDefaults(dup, {}, 'site.json')).message).toBe('site.json: sensors[1].name: "a" is used by two sensors; names must be unique');
    const scn = validateSiteConfig({ sensors: [{ name: 'a', source: 'rtltcp:h:1', scenario: { durationS: 1 } }] }, 'x');
    expect(errorOf(() => applySiteDefaults(scn, {}, 'site.json')).message).toBe('site.json: sensors[0].scenario: only sim sensors take a scenario');
    const tcp = validateSiteConfig({ sensors: [{ name: 'a', source: 'rtlsdr:0', rtlTcp: { serverQueueTransfers: 8 } }] }, 'x');
    expect(errorOf(() => applySiteDefaults(tcp, {}, 'site.json')).message).toBe('site.json: sensors[0].rtlTcp: only rtltcp: sensors take rtl_tcp settings');
    const src = validateSiteConfig({ sensors: [{ name: 'a', source: 'tcp:1' }] }, 'x');
    expect(errorOf(() => applySiteDefaults(src, {}, 'site.json')).message).toMatch(/^site\.json: sensors\[0\]\.source: "tcp:1" is not a source/);
  });
});

describe('resolveSite', () => {
  it("applies the sensor's centre, rate and seed to its scenario and names bad scenario fields", async () => {
    const cfg = validateSiteConfig({ sensors: [{ name: 'a', source: 'sim', rateSps: 250_000, seed: 9, scenario: { durationS: 5, events: [{ kind: 'tone', offsetHz: 50_000, snrDb: 20, startS: 1, durationS: 1 }] } }] }, 'x');
    const s = await resolveSite(applySiteDefaults(cfg, {}, 'x'), 'x', { lookupBaselines: false });
    expect(s.sensors[0]!.scenario).toMatchObject({ rateSps: 250_000, centerHz: 433_920_000, seed: 9, durationS: 5 });
    const bad = validateSiteConfig({ sensors: [{ name: 'a', source: 'sim', rateSps: 250_000, scenario: { durationS: 5, events: [{ kind: 'tone', offsetHz: 200_000, snrDb: 20, startS: 1, durationS: 1 }] } }] }, 'x');
    const e = await rejectionOf(resolveSite(applySiteDefaults(bad, {}, 'site.json'), 'site.json'));
    expect(e.code).toBe('CONFIG');
    expect(e.message).toBe('site.json: sensors[0].scenario.events[0].offsetHz: 200000 Hz ± 500 Hz (half the tone bandwidth) does not fit inside ±125000 Hz');
  });

  it('uses <calibrationDir>/<site>-<sensor>.json when it exists, refuses a configured baseline that does not', async () => {
    const cal = join(dir, 'cal');
    const cfg = validateSiteConfig({ site: 'hall', calibrationDir: cal, sensors: [{ name: 'a', source: 'sim' }, { name: 'b', source: 'sim' }] }, 'x');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cal, { recursive: true });
    writeFileSync(join(cal, 'hall-a.json'), '{}');
    const s = await resolveSite(applySiteDefaults(cfg, {}, 'x'), 'x');
    expect(s.sensors.map((x) => x.baselinePath)).toEqual([join(cal, 'hall-a.json'), null]);
    const missing = validateSiteConfig({ sensors: [{ name: 'a', source: 'sim', baseline: join(dir, 'nope.json') }] }, 'x');
    const e = await rejectionOf(resolveSite(applySiteDefaults(missing, {}, 'site.json'), 'site.json'));
    expect(e.message).toMatch(/^site\.json: sensors\[0\]\.baseline: .*nope\.json does not exist/);
  });

  it('refuses a dongle rate the RTL2832U does not accept', async () => {
    const cfg = validateSiteConfig({ sensors: [{ name: 'a', source: 'rtlsdr:0', rateSps: 500_000 }] }, 'x');
    const e = await rejectionOf(resolveSite(applySiteDefaults(cfg, {}, 'site.json'), 'site.json'));
    expect(e.message).toMatch(/^site\.json: sensors\[0\]\.rateSps: 500000 S\/s is not a rate the RTL2832U accepts/);
  });

  it('resolves the demo site: two sim sensors whose events start after the default warm-up', async () => {
    const s = await resolveSite(applySiteDefaults(validateSiteConfig(demoSiteConfig(), 'demo'), {}, 'demo'), 'demo', { lookupBaselines: false });
    expect(s.site).toBe('demo');
    // its own folder, so a real site run later from the same directory (./data) never serves the demo's alerts
    expect(s.dataDir).toBe(join(process.cwd(), 'data', 'demo'));
    expect(s.sensors.map((x) => [x.name, x.centerHz, x.rateSps])).toEqual([['hall-a-433', 433_920_000, 1_000_000], ['hall-b-868', 868_300_000, 250_000], ['hall-c-433', 433_920_000, 250_000]]);
    // hall-c hears hall-a's FM link (same offset, overlapping time): the demo shows a transmission grouped across rooms
    const fm = (name: string) => (s.sensors.find((x) => x.name === name)!.scenario as { events: { kind: string; offsetHz: number; startS: number; durationS: number }[] }).events.find((e) => e.kind === 'fm')!;
    expect([fm('hall-c-433').offsetHz, fm('hall-c-433').startS, fm('hall-c-433').durationS]).toEqual([fm('hall-a-433').offsetHz, fm('hall-a-433').startS, fm('hall-a-433').durationS]);
    for (const x of s.sensors) {
      const events = (x.scenario as { events: { startS: number }[] }).events;
      expect(Math.min(...events.map((e) => e.startS))).toBeGreaterThan(DEFAULT_SITE_CONFIG.warmupS + DEFAULT_SITE_CONFIG.settleS);
    }
    expect((s.sensors[0]!.scenario as { seed: number }).seed).not.toBe((s.sensors[1]!.scenario as { seed: number }).seed);
  });

  it('the demo has an exam session covering its run (from the start minute, 8 h), so its alerts have a session to report', async () => {
    const nowMs = Date.parse('2026-06-07T01:02:40Z');
    const cfg = demoSiteConfig(nowMs);
    const s = await resolveSite(applySiteDefaults(validateSiteConfig(cfg, 'demo'), {}, 'demo'), 'demo', { lookupBaselines: false });
    expect(s.sessions.map((x) => [x.name, x.startMs, x.endMs])).toEqual([[DEMO_SESSION, Date.parse('2026-06-07T01:02:00Z'), Date.parse('2026-06-07T09:02:00Z')]]);
    expect(DEMO_SESSION).toBe('演示考试 Demo exam');
    // written as a site config writes them: local minutes of the machine's zone
    expect(cfg.sessions![0]!.start).toMatch(/^2026-06-0[67]T\d\d:\d\d$/);
  });
});

describe('flags', () => {
  const all = (f: SiteFlags) => (k: keyof SiteFlags) => f[k] !== undefined;

  it('takes only the flags given on the command line, validated per flag', () => {
    const f: SiteFlags = { center: '868.3M', rate: '250k', gain: 'auto', ppm: '-3', fftSize: '2048', httpPort: '0', warmup: '2.5', thresholdDb: '15' };
    const o = overridesFromFlags(f, all(f));
    expect(o).toEqual({ sensor: { centerHz: 868_300_000, rateSps: 250_000, gainDb: 'auto', ppm: -3, fftSize: 2048 }, port: 0, warmupS: 2.5, detector: { thresholdDb: 15 } });
    // defaults shown in --help (value source 'default') never override the file
    expect(overridesFromFlags({ fftSize: '1024', httpPort: '8080' }, () => false)).toEqual({});
  });

  it('names the flag of a bad value', () => {
    const bad: [SiteFlags, string][] = [
      [{ httpPort: 'x' }, '--http-port: "x" is not a TCP port 0–65535 (0 = any free port)'],
      [{ warmup: '0' }, '--warmup: "0" is not a warm-up in seconds (> 0)'],
      [{ gain: 'loud' }, `--gain: "loud" is not a gain in dB (-100..100) or 'auto'`],
      [{ ppm: '1.5' }, '--ppm: "1.5" is not a whole number of ppm (-1000..1000)'],
      [{ fftSize: '1000' }, '--fft-size: "1000" is not a power of two between 64 and 65536'],
      [{ center: 'abc' }, '--center: "abc" is not a frequency; write e.g. 433.92M, 868300000 or 1.09G'],
    ];
    for (const [f, message] of bad) {
      const e = errorOf(() => overridesFromFlags(f, all(f)));
      expect(e.code).toBe('CONFIG');
      expect(e.message).toBe(message);
    }
  });

  it('derives file-safe sensor names from sources', () => {
    expect(sensorNameFor({ kind: 'rtlsdr', serial: '00000001' })).toBe('rtlsdr-00000001');
    expect(sensorNameFor({ kind: 'rtltcp', host: '::1', port: 1234 })).toBe('rtltcp-1-1234');
    expect(sensorNameFor({ kind: 'file', path: '/x/g001_433.92M_250k.cu8' })).toBe('file-g001_433.92M_250k');
    expect(sensorNameFor({ kind: 'sim' })).toBe('sim');
  });
});
