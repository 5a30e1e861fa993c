// Site configs: one receiver per sensor (dongle serial/index, rtl_tcp endpoint), RTL-SDR rate and centre ranges,
// messages naming the field (and both sensors), a warning above 2.4 MS/s.
import { describe, expect, it } from 'vitest';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import { sensorInputWarnings } from '../../src/config/sensor-checks.js';
import { resolveSite } from '../../src/site/site-resolve.js';
import { QuietBandError } from '../../src/errors.js';

async function resolve(sensors: Record<string, unknown>[]) {
  const cfg = validateSiteConfig({ sensors }, 'site.json');
  return resolveSite(applySiteDefaults(cfg, {}, 'site.json'), 'site.json', { lookupBaselines: false });
}

async function refusal(sensors: Record<string, unknown>[]): Promise<string> {
  const err = await resolve(sensors).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(QuietBandError);
  expect((err as QuietBandError).code).toBe('CONFIG');
  return (err as Error).message;
}

describe('one receiver per sensor', () => {
  it('refuses two sensors on one dongle serial, naming both', async () => {
    const msg = await refusal([
      { name: 'room-a', source: 'rtlsdr:00000001' },
      { name: 'room-b', source: 'rtlsdr:00000002' },
      { name: 'room-c', source: 'rtlsdr:00000001' },
    ]);
    expect(msg).toBe('site.json: sensors[2].source: "rtlsdr:00000001" (sensor "room-c") is the same receiver as sensors[0].source ' +
      '"rtlsdr:00000001" (sensor "room-a"): one dongle can feed only one sensor');
  });

  it('refuses one dongle index twice (rtlsdr = rtlsdr:0)', async () => {
    expect(await refusal([{ name: 'a', source: 'rtlsdr' }, { name: 'b', source: 'rtlsdr:0' }])).toContain('sensors[1].source: "rtlsdr:0" (sensor "b") is the same receiver as sensors[0].source');
  });

  it('refuses one rtl_tcp endpoint twice, loopback spellings included', async () => {
    const msg = await refusal([{ name: 'a', source: 'rtltcp:localhost:1234' }, { name: 'b', source: 'rtltcp:127.0.0.1:1234' }]);
    expect(msg).toContain('sensors[1].source: "rtltcp:127.0.0.1:1234" (sensor "b") is the same receiver as sensors[0].source "rtltcp:localhost:1234" (sensor "a")');
    expect(msg).toContain('an rtl_tcp server serves one client at a time');
    // other ports, other hosts: fine
    const site = await resolve([{ name: 'a', source: 'rtltcp:127.0.0.1:1234' }, { name: 'b', source: 'rtltcp:127.0.0.1:1235' }, { name: 'c', source: 'rtltcp:10.0.0.2:1234' }]);
    expect(site.sensors).toHaveLength(3);
  });
});

describe('RTL-SDR rates and centres', () => {
  it('refuses rtl_tcp and rtlsdr rates outside the RTL2832U ranges, naming the field', async () => {
    expect(await refusal([{ name: 'a', source: 'rtltcp:127.0.0.1:1234', rateSps: 500_000 }])).toMatch(/^site\.json: sensors\[0\]\.rateSps: 500000 S\/s is not a rate the RTL2832U accepts/);
    expect(await refusal([{ name: 'a', source: 'rtlsdr:1', rateSps: 3_300_000 }])).toContain('sensors[0].rateSps: 3300000 S/s');
  });

  it('refuses centres no tuner reaches (10 MHz, 2.4 GHz)', async () => {
    expect(await refusal([{ name: 'a', source: 'rtlsdr:00000001', centerHz: 10_000_000 }])).toBe(
      'site.json: sensors[0].centerHz: 10 MHz is out of range: RTL-SDR tuners reach 22–2200 MHz at most (R820T/R828D: 24–1766 MHz)');
    expect(await refusal([{ name: 'a', source: 'rtltcp:127.0.0.1:1234', centerHz: 2_400_000_000 }])).toContain('sensors[0].centerHz: 2400 MHz is out of range');
  });

  it('accepts 2.9 MS/s with a warning naming the field; 2.4 MS/s without', async () => {
    const site = await resolve([{ name: 'a', source: 'rtlsdr:00000001', rateSps: 2_900_000 }, { name: 'b', source: 'rtltcp:127.0.0.1:1234', rateSps: 2_400_000 }]);
    const warnings = sensorInputWarnings(site.sensors, 'site.json');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^site\.json: sensors\[0\]\.rateSps: 2900000 S\/s is above 2\.4 MS\/s/);
  });

  it('refuses a sim sensor at 1 S/s naming rateSps', async () => {
    expect(await refusal([{ name: 'a', source: 'sim', rateSps: 1 }])).toContain('sensors[0].rateSps: 1 S/s is below 1000 S/s');
  });

  it('a centre or rate given by --center/--rate is blamed on the flag, naming the sensor', async () => {
    const cfg = validateSiteConfig({ sensors: [{ name: 'a', source: 'rtltcp:127.0.0.1:1234' }] }, 'site.json');
    const settings = applySiteDefaults(cfg, { sensor: { centerHz: 10_000_000 } }, 'site.json');
    await expect(resolveSite(settings, 'site.json', { lookupBaselines: false, fromFlags: { centerHz: true } })).rejects.toThrow(
      '--center: 10 MHz is out of range: RTL-SDR tuners reach 22–2200 MHz at most (R820T/R828D: 24–1766 MHz) (for sensors[0] of site.json)');
  });

  it('a scanning sensor: segment edges no tuner reaches are refused, naming the segment', async () => {
    expect(await refusal([{ name: 'a', source: 'rtlsdr:00000001', scan: { segments: [{ startHz: 430_000_000, stopHz: 440_000_000 }, { startHz: 2_300_000_000, stopHz: 2_310_000_000 }] } }]))
      .toContain('sensors[0].scan.segments[1].startHz: 2300 MHz is out of range');
  });
});
