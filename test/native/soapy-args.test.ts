// Soapy device args, range descriptions, stream-format choice and the soapy: source spec (no device needed).
import { describe, expect, it } from 'vitest';
import { chooseStreamFormat, describeSoapyRanges, inSoapyRanges, parseSoapyArgs } from '../../native-bindings/soapy.js';
import { applySiteDefaults, loadSiteConfigFile, validateSiteConfig } from '../../src/config/site-config.js';
import { formatSourceSpec, parseSourceSpec } from '../../src/config/source-spec.js';
import { planHops, revisitTimeMs } from '../../src/scan/scan-plan.js';
import { bandAt } from '../../src/spectrum/band-plan.js';
import { checkSensorInputs } from '../../src/config/sensor-checks.js';
import { QuietBandError } from '../../src/errors.js';
import { soapyBlockSamples, soapyDeviceId } from '../../src/source/soapy-source.js';

function errorOf(fn: () => unknown): QuietBandError {
  try {
    fn();
  } catch (err) {
    return err as QuietBandError;
  }
  throw new Error('expected an error');
}

describe('Soapy args and ranges', () => {
  it('parses key=value pairs, trimming spaces; refuses a pair without "="', () => {
    expect(parseSoapyArgs(' driver = hackrf , serial=0000000000000000457863c8234b5b5f', 'x')).toEqual({ driver: 'hackrf', serial: '0000000000000000457863c8234b5b5f' });
    expect(errorOf(() => parseSoapyArgs('driver=hackrf,serial', 'site.json: sensors[0].source')).message).toBe(
      'site.json: sensors[0].source: "serial" in Soapy device args "driver=hackrf,serial" is not key=value (e.g. driver=rtlsdr,serial=00000001)',
    );
  });

  it('ranges: inclusive membership and MHz / MS/s descriptions', () => {
    const r: [number, number, number][] = [[1e6, 6e9, 0]];
    expect(inSoapyRanges(6e9, r)).toBe(true);
    expect(inSoapyRanges(6.01e9, r)).toBe(false);
    expect(describeSoapyRanges([[1e6, 6e9, 0], [2e7, 2e7, 0]], 'MHz', 1e6)).toBe('1–6000 MHz, 20 MHz');
  });

  it('stream format: native when the converter fits its full scale, CF32 from the driver otherwise', () => {
    const f = (driverKey: string, nativeFormat: string, fullScale: number) => chooseStreamFormat({ driverKey, nativeFormat, fullScale, streamFormats: [] });
    expect(f('HackRF', 'CS8', 128)).toEqual({ soapyFormat: 'CS8', sampleFormat: 'cs8', native: true, offsetBinary: false });
    expect(f('RTLSDR', 'CS8', 128)).toEqual({ soapyFormat: 'CS8', sampleFormat: 'cu8', native: true, offsetBinary: true });
    expect(f('Airspy', 'CS16', 32768)).toEqual({ soapyFormat: 'CS16', sampleFormat: 'cs16', native: true, offsetBinary: false });
    expect(f('lime', 'CS16', 2048)).toEqual({ soapyFormat: 'CF32', sampleFormat: 'cf32', native: false, offsetBinary: false });
    expect(f('PlutoSDR', 'CS16', 2048).soapyFormat).toBe('CF32');
    expect(f('sdrplay', 'CF32', 1).native).toBe(true);
  });

  it('block length ≈ 16 ms (power of two) and the deviceId that carries every gain element', () => {
    expect(soapyBlockSamples(250_000)).toBe(4096);
    expect(soapyBlockSamples(2_400_000)).toBe(32_768);
    expect(soapyBlockSamples(20_000_000)).toBe(262_144);
    expect(soapyDeviceId('HackRF', '457863c8', { LNA: 24, VGA: 20, AMP: 0 })).toBe('HackRF:457863c8 gains LNA=24,VGA=20,AMP=0');
    expect(soapyDeviceId('Airspy', '', 'auto')).toBe('Airspy:(no serial) gains auto');
  });

  it('soapy: source specs parse and format back; empty args are refused', () => {
    expect(parseSourceSpec('soapy:driver=hackrf,serial=457863c8', '--source')).toEqual({ kind: 'soapy', args: 'driver=hackrf,serial=457863c8' });
    expect(formatSourceSpec({ kind: 'soapy', args: 'driver=airspy' })).toBe('soapy:driver=airspy');
    expect(errorOf(() => parseSourceSpec('soapy:', '--source')).message).toContain('"soapy:" has no Soapy device args key=value[,key=value…] (e.g. soapy:driver=hackrf)');
    expect(errorOf(() => parseSourceSpec('soapy:hackrf', '--source')).code).toBe('CONFIG');
  });

  it('site config: a soapy sensor takes per-element gains, antenna, bandwidth and settings; other sensors refuse them', () => {
    const soapy = { gains: { LNA: 24, VGA: 20, AMP: 0 }, antenna: 'TX/RX', bandwidthHz: 15_000_000, settings: { bias_tx: 'false' } };
    const cfg = validateSiteConfig({ sensors: [{ name: 'hall', source: 'soapy:driver=hackrf', centerHz: 2_440_000_000, rateSps: 20_000_000, soapy }] }, 'site.json');
    const site = applySiteDefaults(cfg, {}, 'site.json');
    expect(site.sensors[0]).toMatchObject({ sourceText: 'soapy:driver=hackrf', source: { kind: 'soapy', args: 'driver=hackrf' }, soapy });
    const e = errorOf(() => applySiteDefaults(validateSiteConfig({ sensors: [{ name: 'x', source: 'sim', soapy: { antenna: 'RX' } }] }, 'site.json'), {}, 'site.json'));
    expect(e.message).toContain('sensors[0].soapy: only soapy: sensors take Soapy settings');
    const bad = errorOf(() => validateSiteConfig({ sensors: [{ name: 'x', source: 'soapy:driver=hackrf', soapy: { gain: 3 } }] }, 'site.json'));
    expect(bad.code).toBe('CONFIG');
    expect(bad.message).toContain('sensors[0].soapy');
  });

  it('site checks: a soapy sensor may tune 5.8 GHz at 20 MS/s (the device checks its ranges); one receiver per sensor', () => {
    const site = (sensors: unknown[]) => applySiteDefaults(validateSiteConfig({ sensors }, 'site.json'), {}, 'site.json').sensors;
    const hackrf = { name: 'a', source: 'soapy:driver=hackrf,serial=1', centerHz: 5_800_000_000, rateSps: 20_000_000 };
    expect(() => checkSensorInputs(site([hackrf]), 'site.json')).not.toThrow();
    const rtl = errorOf(() => checkSensorInputs(site([hackrf, { name: 'b', source: 'rtlsdr:X1', centerHz: 5_800_000_000 }]), 'site.json'));
    expect(rtl.message).toBe('site.json: sensors[1].centerHz: 5800 MHz is out of range: RTL-SDR tuners reach 22–2200 MHz at most (R820T/R828D: 24–1766 MHz)');
    const twice = errorOf(() => checkSensorInputs(site([hackrf, { ...hackrf, name: 'b', source: 'soapy:driver=hackrf, serial=1' }]), 'site.json'));
    expect(twice.message).toContain('is the same receiver as sensors[0].source "soapy:driver=hackrf,serial=1" (sensor "a"): one receiver can feed only one sensor');
    expect(errorOf(() => validateSiteConfig({ sensors: [{ ...hackrf, centerHz: 11e9 }] }, 'site.json')).message).toContain('expected ≤ 10 GHz');
  });

  it('calibration/example-site-hackrf.json validates: two HackRFs at 20 MS/s, 18 and 103 hops, planned revisit 2.25 s and 12.9 s', async () => {
    const cfg = await loadSiteConfigFile('calibration/example-site-hackrf.json');
    const sensors = applySiteDefaults(cfg, {}, 'example-site-hackrf.json').sensors;
    checkSensorInputs(sensors, 'example-site-hackrf.json');
    const plans = sensors.map((s) => {
      const plan = { segments: s.scan!.segments, dwellMs: s.scan!.dwellMs, settleMs: 25, cropFraction: s.scan!.cropFraction };
      const hops = planHops(plan, s.rateSps);
      return [s.name, s.source.kind, hops.length, revisitTimeMs(plan, hops)];
    });
    expect(plans).toEqual([
      ['earpieces', 'soapy', 18, 2250],
      ['phones-ism', 'soapy', 103, 12_875],
    ]);
  });

  it('band plan (CN) labels the wideband bands: uplinks and ISM on the noise baseline, TDD and downlinks on the envelope', () => {
    const at = (mhz: number) => {
      const b = bandAt(mhz * 1e6, 'CN');
      return b ? [b.label, b.background] : undefined;
    };
    expect(at(1950)).toEqual(['LTE B1 / NR n1 uplink', false]);
    expect(at(2140)).toEqual(['LTE B1 / NR n1 downlink', true]);
    expect(at(1900)).toEqual(['LTE B39 TDD (F band)', true]);
    expect(at(2441)).toEqual(['ISM 2.4 GHz', false]);
    expect(at(2600)).toEqual(['LTE B41 / NR n41 TDD (D band)', true]);
    expect(at(3500)).toEqual(['NR n78 TDD', true]);
    expect(at(5800)).toEqual(['SRD 5.8 GHz', false]);
    expect(at(1750)).toEqual(['DCS1800 uplink', false]); // unchanged below 1.88 GHz
    expect(bandAt(5800e6, 'EU')).toBeUndefined();
  });
});
