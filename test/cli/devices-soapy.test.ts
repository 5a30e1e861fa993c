// `quietband devices`, Soapy part: SoapyRTLSDR devices over the fake librtlsdr with ranges, gain elements and the
// --source string to use; with none, the driver modules found and what to check; what to install when SoapySDR support is missing.
import { beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { loadSoapy, soapyBuildAdvice, soapyModuleName, type SoapyBinding } from '../../native-bindings/soapy.js';
import { findSoapyDevices, formatSoapyDevices } from '../../src/cli/devices-soapy.js';
import { QuietBandError } from '../../src/errors.js';
import { setFakeEnv } from '../fake-librtlsdr/fake-env.js';
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
    expect(text).toMatch(/^(1 SoapySDR device|([02-9]|\d\d+) SoapySDR devices) \(SoapySDR 0\.8/);
    // in Chinese: labels worded, driver, serial, ranges and formats as found
    const zh = formatSoapyDevices(r, 'zh-CN');
    expect(zh).toMatch(/^\d+ 个 SoapySDR 设备（SoapySDR 0\.8[^）]*）：\n/);
    expect(zh).toContain('  Generic RTL2832U OEM :: ROOM1  驱动 rtlsdr  序列号 ROOM1\n    --source soapy:driver=rtlsdr,serial=ROOM1\n');
    expect(zh).toContain('    频率 23.999–1764.001 MHz；采样率 0.225001–0.3 MS/s, 0.900001–3.2 MS/s\n');
    expect(zh).toContain('    增益单元：TUNER 0–49.6 dB；支持 AGC；天线：RX\n');
    expect(zh).toContain('    数据流：原生 CS8（满幅 128），按 CS8 读取；支持 ppm 校正\n');
  }, 30_000);

  it('no device with SoapySDR installed: lists the driver modules found and says what to check, not what to install', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '0' });
    const r = await findSoapyDevices({ binding });
    expect(r.devices.filter((d) => d.args.driver === 'rtlsdr')).toEqual([]);
    // Debian's soapysdr-module-rtlsdr and -remote are installed here (.ci/run): both loaded, no loader error
    const names = r.modules.map((m) => soapyModuleName(m.path)).sort();
    expect(names).toEqual(expect.arrayContaining(['remote', 'rtlsdr']));
    expect(r.modules.every((m) => m.error === '')).toBe(true);
    const text = formatSoapyDevices({ ...r, devices: [] });
    const rtl = r.modules.find((m) => soapyModuleName(m.path) === 'rtlsdr')!;
    expect(text).toMatch(/^no SoapySDR device found \(SoapySDR 0\.8[^)]*works\)\.\n/);
    expect(text).toContain(`  driver modules found (${r.modules.length}):\n`);
    expect(text).toContain(`    rtlsdr ${rtl.version}  ${rtl.path}\n`);
    expect(text).toContain('plug it in (lsusb should list it), check permissions (its udev rule');
    expect(text).not.toContain('install SoapySDR');
    expect(text).not.toContain('libsoapysdr-dev');
  }, 30_000);

  it('no device and no driver module: names the Debian module packages; a module that failed to load says why', () => {
    const none = formatSoapyDevices({ unavailable: null, libVersion: '0.8.1', modules: [], devices: [] });
    expect(none).toBe(
      'no SoapySDR device found (SoapySDR 0.8.1 works).\n  No driver module is installed: install the one for your receiver (Debian: sudo apt-get install ' +
        'soapysdr-module-rtlsdr | soapysdr-module-hackrf | soapysdr-module-airspy | soapysdr-module-lms7 | soapysdr-module-plutosdr | soapysdr-module-remote).\n',
    );
    const broken4 = {
      unavailable: null,
      libVersion: '0.8.1',
      modules: [{ path: '/usr/lib/x86_64-linux-gnu/SoapySDR/modules0.8/libhackrfSupport.so', version: '0.3.4', error: 'libhackrf.so.0: cannot open shared object file' }],
      devices: [],
    };
    const broken = formatSoapyDevices(broken4);
    expect(broken).toContain('    hackrf 0.3.4  /usr/lib/x86_64-linux-gnu/SoapySDR/modules0.8/libhackrfSupport.so  did not load: libhackrf.so.0: cannot open shared object file\n');
    // in Chinese: the advice worded, package names, paths and the loader's own error as found
    expect(formatSoapyDevices({ unavailable: null, libVersion: '0.8.1', modules: [], devices: [] }, 'zh-CN')).toBe(
      '找不到 SoapySDR 设备（SoapySDR 0.8.1 工作正常）。\n  没有安装任何驱动模块：请安装你的接收器对应的模块（Debian：sudo apt-get install ' +
        'soapysdr-module-rtlsdr | soapysdr-module-hackrf | soapysdr-module-airspy | soapysdr-module-lms7 | soapysdr-module-plutosdr | soapysdr-module-remote）。\n',
    );
    const brokenZh = formatSoapyDevices({ ...broken4, modules: [{ ...broken4.modules[0]!, version: '' }] }, 'zh-CN');
    expect(brokenZh).toContain('  找到的驱动模块（1 个）：\n    hackrf （无版本号）  /usr/lib/x86_64-linux-gnu/SoapySDR/modules0.8/libhackrfSupport.so  未能加载：libhackrf.so.0: cannot open shared object file\n');
    expect(brokenZh).toContain('  它们都没有发现接收器：请插上接收器（lsusb 应能列出它）');
  });

  it('addon not built: the advice depends on whether the Debian package libsoapysdr-dev is installed', () => {
    expect(soapyBuildAdvice(true)).toBe('libsoapysdr-dev is installed but the addon was not built: run npm run build:native (it needs node-gyp and a C++ compiler)');
    expect(soapyBuildAdvice(false)).toMatch(/^the Debian package libsoapysdr-dev is not installed: install SoapySDR .*sudo apt-get install libsoapysdr-dev/);
    // this machine has the headers (CI installs libsoapysdr-dev): a missing addon means only the build is missing
    let message = '';
    try {
      loadSoapy({ path: path.join(os.tmpdir(), 'qb-no-such-soapy-addon.node') });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('libsoapysdr-dev is installed but the addon was not built: run npm run build:native');
  });

  it('addon not built: the report says what to install instead of failing', async () => {
    const r = await findSoapyDevices({
      load: () => {
        throw new QuietBandError('SoapySDR support is not built (no x.node): install SoapySDR …', 'NATIVE_UNAVAILABLE');
      },
    });
    expect(r).toEqual({ unavailable: 'SoapySDR support is not built (no x.node): install SoapySDR …', libVersion: null, modules: [], devices: [] });
    expect(formatSoapyDevices(r)).toBe(
      'SoapySDR receivers (HackRF, Airspy, SDRplay, LimeSDR, PlutoSDR): not available: SoapySDR support is not built (no x.node): install SoapySDR …\n',
    );
    expect(formatSoapyDevices(r, 'zh-CN')).toBe('SoapySDR 接收器（HackRF、Airspy、SDRplay、LimeSDR、PlutoSDR）：不可用：SoapySDR support is not built (no x.node): install SoapySDR …\n');
  });
});
