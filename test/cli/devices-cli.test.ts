// `quietband devices` over the fake librtlsdr: listing with tuner and gains, busy dongles, duplicate serials, none found, addon missing.
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADDON_PATH_ENV, loadRtlSdr, type RtlSdrBinding } from '../../native-bindings/index.js';
import { registerDevices } from '../../src/cli/commands.js';
import { findDevices, formatDevices } from '../../src/cli/devices.js';
import { alertMessageIn } from '../../src/server/message-text.js';
import { buildAddonAgainstFake } from '../fake-librtlsdr/build.js';
import { setFakeEnv } from '../fake-librtlsdr/fake-env.js';

let addonPath: string;
let binding: RtlSdrBinding;

beforeAll(async () => {
  addonPath = await buildAddonAgainstFake();
  binding = loadRtlSdr({ path: addonPath });
});

afterEach(() => {
  setFakeEnv();
  delete process.env[ADDON_PATH_ENV];
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs `quietband devices <args>` on a fresh commander program; returns what it wrote to stdout. */
async function runCli(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerDevices(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    await program.parseAsync(['devices', ...args], { from: 'user' });
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

describe('quietband devices', () => {
  it('lists index, serial, USB strings, tuner and every gain step', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '2', FAKE_RTLSDR_TUNERS: 'r820t,e4000' });
    const r = await findDevices({ binding });
    expect(r.devices.map((d) => [d.index, d.serial, d.status, d.tuner])).toEqual([
      [0, 'FAKE0001', 'ok', 'R820T'],
      [1, 'FAKE0002', 'ok', 'E4000'],
    ]);
    expect(r.devices[1]!.gainsDb).toEqual([-1, 1.5, 4, 6.5, 9, 11.5, 14, 16.5, 19, 21.5, 24, 29, 34, 42]);
    const text = formatDevices(r);
    expect(text).toContain('2 RTL-SDR dongles:');
    expect(text).not.toContain('(s)');
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '1' });
    expect(formatDevices(await findDevices({ binding }))).toMatch(/^1 RTL-SDR dongle:\n {2}\[0\] serial FAKE0001 /);
    expect(text).toContain('[0] serial FAKE0001  Realtek RTL2838UHIDIR  tuner R820T  gains (dB, 29): 0.0 0.9 1.4');
    expect(text).toContain('44.5 48.0 49.6');
    expect(text).toContain('[1] serial FAKE0002  Realtek RTL2838UHIDIR  tuner E4000  gains (dB, 14): -1.0 1.5');
    expect(text).toContain(`(librtlsdr: ${binding.librtlsdrPath})`);
  });

  it('a dongle held elsewhere is listed as busy; shared serials get a warning', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '3', FAKE_RTLSDR_SERIALS: '00000001,00000001,spare', FAKE_RTLSDR_FAIL_OPEN: 'busy:spare' });
    const r = await findDevices({ binding });
    expect(r.devices.map((d) => d.status)).toEqual(['ok', 'ok', 'busy']);
    expect(r.duplicateSerials).toEqual(['00000001']);
    const text = formatDevices(r);
    expect(text).toContain('[2] serial spare  Realtek RTL2838UHIDIR  busy: held by another program (rtl_tcp, rtl_433, ...)');
    expect(text).toContain('warning: serial 00000001 is shared by several dongles');
    expect((await findDevices({ binding, probe: false })).devices.map((d) => d.status)).toEqual(['not-probed', 'not-probed', 'not-probed']);
  });

  it('through commander: --json output, and exit status 1 with what to check when none is attached', async () => {
    process.env[ADDON_PATH_ENV] = addonPath;
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '1' });
    const json = JSON.parse(await runCli(['--json'])) as { devices: { serial: string; tuner: string }[] };
    expect(json.devices).toHaveLength(1);
    expect(json.devices[0]).toMatchObject({ serial: 'FAKE0001', tuner: 'R820T' });
    expect(process.exitCode).toBeUndefined();
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '0' });
    const text = await runCli(['--lang', 'en']);
    expect(text).toMatch(/^no RTL-SDR found: check that the dongle is plugged in \(lsusb should list 0bda:2838/);
    expect(text).toContain('blacklist dvb_usb_rtl28xxu');
    expect(text).toContain('60-librtlsdr0.rules');
    expect(process.exitCode).toBe(1);
  });

  it('in Chinese (--lang zh-CN, or a Chinese locale): headings, labels and advice; serials, USB strings, tuners and gains as found', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '3', FAKE_RTLSDR_SERIALS: '00000001,00000001,spare', FAKE_RTLSDR_FAIL_OPEN: 'busy:spare' });
    const text = formatDevices(await findDevices({ binding }), 'zh-CN');
    expect(text).toMatch(/^3 个 RTL-SDR 接收器：\n {2}\[0\] 序列号 00000001 {2}Realtek RTL2838UHIDIR {2}调谐器 R820T {2}增益（dB，29 档）：0\.0 0\.9 1\.4 /);
    expect(text).toContain('  [2] 序列号 spare  Realtek RTL2838UHIDIR  被占用：另一个程序（rtl_tcp、rtl_433 等）或内核驱动 dvb_usb_rtl28xxu 正在使用它\n');
    expect(text).toContain('警告：序列号 00000001 被多个接收器共用；');
    expect(text).toContain(`（librtlsdr：${binding.librtlsdrPath}）`);
    expect(text).not.toMatch(/serial|tuner|gains|busy|warning/);
    // none attached: the advice `run` gives in Chinese for a receiver not found (src/server/message-text.ts), exit 1
    process.env[ADDON_PATH_ENV] = addonPath;
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '0' });
    const none = await runCli(['--lang', 'zh-CN', '--no-soapy']);
    expect(none).toBe(
      '找不到 RTL-SDR 接收器：请确认 RTL-SDR 接收器已插好（"lsusb" 应列出 "0bda:2838" 或 "0bda:2832"），换一个 USB 口或线缆，并确认内核 DVB 驱动没有占用它（屏蔽 "dvb_usb_rtl28xxu"）。\n' +
        '另请检查权限（udev 规则 /lib/udev/rules.d/60-librtlsdr0.rules，用户在 plugdev 组中）；在虚拟机或容器中还要检查 USB 直通。\n' +
        `（librtlsdr：${binding.librtlsdrPath}）\n`,
    );
    expect(alertMessageIn('zh-CN', undefined, { id: 'source.notFound', params: { ms: 2000 } })).toContain(none.split('\n')[0]!.slice('找不到 RTL-SDR 接收器：'.length, -1));
    expect(process.exitCode).toBe(1);
    // without --lang: the locale's language (LC_ALL first), English under C.UTF-8
    const saved = process.env.LC_ALL;
    try {
      process.env.LC_ALL = 'zh_CN.UTF-8';
      expect(await runCli(['--no-soapy'])).toMatch(/^找不到 RTL-SDR 接收器：/);
      process.env.LC_ALL = 'C.UTF-8';
      expect(await runCli(['--no-soapy'])).toMatch(/^no RTL-SDR found: /);
    } finally {
      if (saved === undefined) delete process.env.LC_ALL;
      else process.env.LC_ALL = saved;
    }
  });

  it('without the addon it says exactly what to install and how to rebuild', async () => {
    process.env[ADDON_PATH_ENV] = '/nonexistent/quietband_rtlsdr.node';
    await expect(runCli([])).rejects.toMatchObject({ code: 'NATIVE_UNAVAILABLE' });
    await expect(runCli([])).rejects.toThrow(/sudo apt-get install librtlsdr-dev\), then rebuild the addon: npm run build:native/);
  });
});
