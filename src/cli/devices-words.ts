// The words of `quietband devices` (its RTL-SDR and SoapySDR listings) in English and Simplified Chinese. Device
// names, serials, drivers, library paths and numbers are shown as found; headings, labels and advice are worded here.
// The Chinese "no RTL-SDR" advice is the daemon's (src/server/message-text.ts ZH_NO_DEVICE_ADVICE), so `devices` and
// `run` say the same.
import { NO_DEVICE_ADVICE } from '../../native-bindings/index.js';
import { ZH_NO_DEVICE_ADVICE } from '../server/message-text.js';
import { pluralWord, type TextLang } from '../text-template.js';

/** Every text of the `devices` listing in one language; values come formatted (gains in dB, ranges with their unit). */
export interface DevicesWords {
  /** The two lines when librtlsdr lists no dongle: what to check, then permissions and USB passthrough. */
  noRtlSdr: string;
  noRtlSdrAlso: string;
  /** `2 RTL-SDR dongles:` (`1 RTL-SDR dongle:`). */
  rtlCount: (n: number) => string;
  /** `serial FAKE0001` (the serial as found, or {@link DevicesWords.none}). */
  serial: (serial: string) => string;
  /** `tuner R820T  gains (dB, 29): 0.0 0.9 …` (`steps` the gain steps in dB, space-separated). */
  tunerGains: (tuner: string, n: number, steps: string) => string;
  busy: string;
  noPermission: string;
  /** A dongle that could not be opened: the error's own (English) words. */
  cannotOpen: (note: string) => string;
  /** A serial held by several dongles. */
  sharedSerial: (serial: string) => string;
  /** `(librtlsdr: /usr/lib/…/librtlsdr.so.0)`. */
  librtlsdr: (path: string) => string;
  /** A value the device does not give (no serial, no gain element, no antenna), a Soapy module's version, a device's label. */
  none: string;
  noVersion: string;
  noLabel: string;
  /** Separator of a list inside a line (`, ` in English, `、` in Chinese). */
  listSep: string;
  /** SoapySDR: the addon is not built or cannot load (`why` is its English advice). */
  soapyUnavailable: (why: string) => string;
  /** SoapySDR loaded (`version`) but enumerated no device. */
  soapyNone: (version: string) => string;
  soapyNoModule: string;
  soapyModules: (n: number) => string;
  /** After a module's path: its loader error. */
  soapyDidNotLoad: (error: string) => string;
  soapyNoneSees: string;
  soapyNeedsModule: string;
  /** `2 SoapySDR devices (SoapySDR 0.8.1):`. */
  soapyCount: (n: number, version: string) => string;
  /** A device's first line: label, driver, serial (each as found or {@link DevicesWords.none}). */
  soapyDevice: (label: string, driver: string, serial: string) => string;
  /** Frequency and rate ranges, each already written with its unit (`23.999–1764.001 MHz`). */
  soapyRanges: (frequency: string, rate: string) => string;
  /** Gain elements (`TUNER 0–49.6 dB`, joined), whether AGC exists, antennas (joined). */
  soapyGains: (gains: string, agc: boolean, antennas: string) => string;
  /** Native stream format, its full scale, the format read, whether ppm correction exists. */
  soapyStream: (native: string, fullScale: number, readAs: string, ppm: boolean) => string;
  soapyCannotOpen: (error: string) => string;
}

const SOAPY_MODULES = 'soapysdr-module-rtlsdr | soapysdr-module-hackrf | soapysdr-module-airspy | soapysdr-module-lms7 | soapysdr-module-plutosdr | soapysdr-module-remote';

const EN: DevicesWords = {
  noRtlSdr: `no RTL-SDR found: ${NO_DEVICE_ADVICE}.`,
  noRtlSdrAlso: 'Also check permissions (the udev rule /lib/udev/rules.d/60-librtlsdr0.rules, user in plugdev) and, in a VM or container, USB passthrough.',
  rtlCount: (n) => `${n} RTL-SDR ${pluralWord('en', n, 'dongle', 'dongles')}:`,
  serial: (serial) => `serial ${serial}`,
  tunerGains: (tuner, n, steps) => `tuner ${tuner}  gains (dB, ${n}): ${steps}`,
  busy: 'busy: held by another program (rtl_tcp, rtl_433, ...) or the dvb_usb_rtl28xxu kernel driver',
  noPermission: 'no permission: install the udev rule (librtlsdr0/rtl-sdr package), replug, or add the user to plugdev',
  cannotOpen: (note) => `could not be opened: ${note}`,
  sharedSerial: (s) => `warning: serial ${s} is shared by several dongles; give each a unique, non-numeric serial (rtl_eeprom -d <index> -s <serial>)`,
  librtlsdr: (path) => `(librtlsdr: ${path})`,
  none: '(none)',
  noVersion: '(no version)',
  noLabel: '(no label)',
  listSep: ', ',
  soapyUnavailable: (why) => `SoapySDR receivers (HackRF, Airspy, SDRplay, LimeSDR, PlutoSDR): not available: ${why}`,
  soapyNone: (version) => `no SoapySDR device found (SoapySDR ${version} works).`,
  soapyNoModule: `  No driver module is installed: install the one for your receiver (Debian: sudo apt-get install ${SOAPY_MODULES}).`,
  soapyModules: (n) => `  driver modules found (${n}):`,
  soapyDidNotLoad: (error) => `did not load: ${error}`,
  soapyNoneSees:
    '  None of them sees a receiver: plug it in (lsusb should list it), check permissions (its udev rule, e.g. from the ' +
    'rtl-sdr or hackrf package, the user in plugdev, then replug), and that no other program holds it (SoapySDRUtil --find lists what Soapy sees).',
  soapyNeedsModule: '  A receiver whose driver is not listed needs its module (Debian: soapysdr-module-<driver>, e.g. soapysdr-module-hackrf).',
  soapyCount: (n, version) => `${n} SoapySDR ${pluralWord('en', n, 'device', 'devices')} (SoapySDR ${version}):`,
  soapyDevice: (label, driver, serial) => `  ${label}  driver ${driver}  serial ${serial}`,
  soapyRanges: (frequency, rate) => `    frequency ${frequency}; rate ${rate}`,
  soapyGains: (gains, agc, antennas) => `    gain elements: ${gains}${agc ? '; AGC available' : ''}; antennas: ${antennas}`,
  soapyStream: (native, fullScale, readAs, ppm) => `    stream: native ${native} (full scale ${fullScale}), read as ${readAs}${ppm ? '; ppm correction' : ''}`,
  soapyCannotOpen: (error) => `    could not be opened: ${error} (held by another program, or no permission: docs/receivers.md)`,
};

const ZH: DevicesWords = {
  noRtlSdr: `找不到 RTL-SDR 接收器：${ZH_NO_DEVICE_ADVICE}。`,
  noRtlSdrAlso: '另请检查权限（udev 规则 /lib/udev/rules.d/60-librtlsdr0.rules，用户在 plugdev 组中）；在虚拟机或容器中还要检查 USB 直通。',
  rtlCount: (n) => `${n} 个 RTL-SDR 接收器：`,
  serial: (serial) => `序列号 ${serial}`,
  tunerGains: (tuner, n, steps) => `调谐器 ${tuner}  增益（dB，${n} 档）：${steps}`,
  busy: '被占用：另一个程序（rtl_tcp、rtl_433 等）或内核驱动 dvb_usb_rtl28xxu 正在使用它',
  noPermission: '无权打开：请安装 udev 规则（librtlsdr0/rtl-sdr 软件包）并重新插拔，或把用户加入 plugdev 组',
  cannotOpen: (note) => `无法打开：${note}`,
  sharedSerial: (s) => `警告：序列号 ${s} 被多个接收器共用；请给每个接收器设一个唯一的、不全是数字的序列号（rtl_eeprom -d <序号> -s <序列号>）`,
  librtlsdr: (path) => `（librtlsdr：${path}）`,
  none: '（无）',
  noVersion: '（无版本号）',
  noLabel: '（无标签）',
  listSep: '、',
  soapyUnavailable: (why) => `SoapySDR 接收器（HackRF、Airspy、SDRplay、LimeSDR、PlutoSDR）：不可用：${why}`,
  soapyNone: (version) => `找不到 SoapySDR 设备（SoapySDR ${version} 工作正常）。`,
  soapyNoModule: `  没有安装任何驱动模块：请安装你的接收器对应的模块（Debian：sudo apt-get install ${SOAPY_MODULES}）。`,
  soapyModules: (n) => `  找到的驱动模块（${n} 个）：`,
  soapyDidNotLoad: (error) => `未能加载：${error}`,
  soapyNoneSees:
    '  它们都没有发现接收器：请插上接收器（lsusb 应能列出它），检查权限（其 udev 规则，如 rtl-sdr 或 hackrf 软件包中的；' +
    '把用户加入 plugdev 组后重新插拔），并确认没有其他程序占用它（SoapySDRUtil --find 列出 Soapy 能看到的设备）。',
  soapyNeedsModule: '  驱动未列出的接收器需要安装其模块（Debian：soapysdr-module-<driver>，如 soapysdr-module-hackrf）。',
  soapyCount: (n, version) => `${n} 个 SoapySDR 设备（SoapySDR ${version}）：`,
  soapyDevice: (label, driver, serial) => `  ${label}  驱动 ${driver}  序列号 ${serial}`,
  soapyRanges: (frequency, rate) => `    频率 ${frequency}；采样率 ${rate}`,
  soapyGains: (gains, agc, antennas) => `    增益单元：${gains}${agc ? '；支持 AGC' : ''}；天线：${antennas}`,
  soapyStream: (native, fullScale, readAs, ppm) => `    数据流：原生 ${native}（满幅 ${fullScale}），按 ${readAs} 读取${ppm ? '；支持 ppm 校正' : ''}`,
  soapyCannotOpen: (error) => `    无法打开：${error}（被其他程序占用，或没有权限：docs/receivers.md）`,
};

/** The `devices` words of `lang`. */
export function devicesWords(lang: TextLang): DevicesWords {
  return lang === 'zh-CN' ? ZH : EN;
}
