// `quietband devices`, Soapy part: SoapyRTLSDR devices over the fake librtlsdr with ranges, gain elements and the
// --source string to use; what to install when SoapySDR support is missing.
import { beforeAll, describe, expect, it } from 'vitest';
import type { SoapyBinding } from '../../native-bindings/soapy.js';
import { findSoapyDevices, formatSoapyDevices } from '../../src/cli/devices-soapy.js';
import { QuietBandError } from '../../src/errors.js';
import { setFakeEnv } from '../native/fake-env.js';
import { soapyOverFake } from '../source/soapy-fake.js';

let binding: SoapyBinding;
beforeAll(async () => {
  ({ binding } = await soapyOverFake());
}, 120_000);

describe('quietband devices: SoapySDR devices', () => {
  it('lists driver, label, serial, frequency and rate ranges, gain elements, stream format and the --source string', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '2', FAKE_RTLSDR_SERIALS: 'ROOM1,ROOM2', FAKE_RTLSDR_TUNERS: 'r820t,e4000' });
    const r = await findSoapyDevices({ binding });
    const rtl = r.devices.filter((d) => d.args.driver === 'rtlsdr');
    expect(rtl.map((d) => [d.args.serial, d.info?.hardwareKey])).toEqual([
      ['ROOM1', 'R820T'],
      ['ROOM2', 'E4000'],
    ]);
    expect(rtl[0]!.info!.rateRangesSps).toEqual([
      [225_001, 300_000, 0],
      [900_001, 3_200_000, 0],
    ]);
    expect(rtl[0]!.info!.gainElements).toEqual([{ name: 'TUNER', minDb: 0, maxDb: 49.6, stepDb: 0 }]);
    const text = formatSoapyDevices(r);
    expect(text).toContain('  Generic RTL2832U OEM :: ROOM1  driver rtlsdr  serial ROOM1\n    --source soapy:driver=rtlsdr,serial=ROOM1\n');
    expect(text).toContain('    frequency 23.999–1764.001 MHz; rate 0.225001–0.3 MS/s, 0.900001–3.2 MS/s\n');
    expect(text).toContain('    gain elements: TUNER 0–49.6 dB; AGC available; antennas: RX\n');
    expect(text).toContain('    stream: native CS8 (full scale 128), read as CS8; ppm correction\n');
    expect(text).toMatch(/^\d+ SoapySDR device\(s\) \(SoapySDR 0\.8/);
  }, 30_000);

  it('no device: says which module a receiver needs', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '0' });
    const r = await findSoapyDevices({ binding });
    expect(r.devices.filter((d) => d.args.driver === 'rtlsdr')).toEqual([]);
    if (r.devices.length === 0) expect(formatSoapyDevices(r)).toContain('no SoapySDR device found');
    expect(formatSoapyDevices({ ...r, devices: [] })).toContain('a receiver needs its module: install SoapySDR and the module for your receiver (sudo apt-get install libsoapysdr-dev');
  }, 30_000);

  it('addon not built: the report says what to install instead of failing', async () => {
    const r = await findSoapyDevices({
      load: () => {
        throw new QuietBandError('SoapySDR support is not built (no x.node): install SoapySDR …', 'NATIVE_UNAVAILABLE');
      },
    });
    expect(r).toEqual({ unavailable: 'SoapySDR support is not built (no x.node): install SoapySDR …', libVersion: null, devices: [] });
    expect(formatSoapyDevices(r)).toBe(
      'SoapySDR receivers (HackRF, Airspy, SDRplay, LimeSDR, PlutoSDR): not available: SoapySDR support is not built (no x.node): install SoapySDR …\n',
    );
  });
});
