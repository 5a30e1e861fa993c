// `quietband devices`: lists attached RTL-SDR dongles (index, serial, USB strings, tuner, gains) and SoapySDR devices,
// or says what to check.
import type { Command } from 'commander';
import {
  loadRtlSdr,
  mapNativeError,
  NO_DEVICE_ADVICE,
  RtlSdrDevice,
  type RtlSdrBinding,
} from '../../native-bindings/index.js';
import { QuietBandError } from '../errors.js';
import { findSoapyDevices, formatSoapyDevices } from './devices-soapy.js';

/** One dongle as `quietband devices` reports it. */
export interface DeviceReport {
  index: number;
  serial: string;
  manufacturer: string;
  product: string;
  /** librtlsdr's name for the USB id, e.g. "Generic RTL2832U OEM". */
  name: string;
  /** 'ok' when opened (tuner and gains known); otherwise why it could not be opened. */
  status: 'ok' | 'busy' | 'no-permission' | 'not-probed' | 'error';
  /** e.g. "R820T"; null unless status is 'ok'. */
  tuner: string | null;
  /** Tuner gain steps (dB); [] unless status is 'ok'. */
  gainsDb: number[];
  /** Plain-words explanation for a status other than 'ok'. */
  note: string | null;
}

/** What the command found. */
export interface DevicesResult {
  /** File of the librtlsdr in use (dladdr), when the addon reports it. */
  librtlsdrPath: string | null;
  devices: DeviceReport[];
  /** Serials held by more than one dongle (docs/field-notes.md §13: unusable for binding baselines). */
  duplicateSerials: string[];
}

/**
 * Enumerates dongles and, when `probe` (default), opens each briefly to read its tuner and gain steps. A dongle
 * held by another program is reported as 'busy', not as an error.
 * @throws QuietBandError('NATIVE_UNAVAILABLE') when the addon is not built (the message says what to install).
 */
export async function findDevices(deps: { binding?: RtlSdrBinding; probe?: boolean } = {}): Promise<DevicesResult> {
  const binding = deps.binding ?? loadRtlSdr();
  const listed = await binding.listDevices();
  const devices: DeviceReport[] = [];
  for (const d of listed) {
    const report: DeviceReport = {
      index: d.index,
      serial: d.serial,
      manufacturer: d.manufacturer,
      product: d.product,
      name: d.name,
      status: 'not-probed',
      tuner: null,
      gainsDb: [],
      note: d.usbStringsRc !== 0 ? `USB strings unreadable (${d.usbStringsRc}): probably no permission` : null,
    };
    if (deps.probe !== false) {
      try {
        // By index: this is an inventory, and serials may be empty or shared.
        const dev = await RtlSdrDevice.open({ index: d.index }, { binding });
        report.status = 'ok';
        report.tuner = dev.info.tunerName;
        report.gainsDb = dev.getTunerGains();
        await dev.close();
      } catch (err) {
        const e = err instanceof QuietBandError ? err : mapNativeError(err, { device: `index ${d.index}` });
        report.status = e.code === 'DEVICE_BUSY' ? 'busy' : e.code === 'PERMISSION' ? 'no-permission' : 'error';
        report.note = e.message;
      }
    }
    devices.push(report);
  }
  const seen = new Map<string, number>();
  for (const d of devices) seen.set(d.serial, (seen.get(d.serial) ?? 0) + 1);
  const duplicateSerials = [...seen].filter(([s, n]) => n > 1 && s !== '').map(([s]) => s);
  return { librtlsdrPath: binding.librtlsdrPath ?? null, devices, duplicateSerials };
}

/** Plain-text report: one line per dongle, or what to check when there is none. */
export function formatDevices(result: DevicesResult): string {
  const lines: string[] = [];
  if (result.devices.length === 0) {
    lines.push(`no RTL-SDR found: ${NO_DEVICE_ADVICE}.`);
    lines.push('Also check permissions (the udev rule /lib/udev/rules.d/60-librtlsdr0.rules, user in plugdev) and, in a VM or container, USB passthrough.');
  } else {
    lines.push(`${result.devices.length} RTL-SDR dongle(s):`);
    for (const d of result.devices) {
      const usb = [d.manufacturer, d.product].filter(Boolean).join(' ') || d.name;
      let line = `  [${d.index}] serial ${d.serial || '(none)'}  ${usb}`;
      if (d.status === 'ok') {
        const steps = d.gainsDb.map((g) => g.toFixed(1)).join(' ');
        line += `  tuner ${d.tuner}  gains (dB, ${d.gainsDb.length}): ${steps}`;
      } else if (d.status === 'busy') {
        line += '  busy: held by another program (rtl_tcp, rtl_433, ...) or the dvb_usb_rtl28xxu kernel driver';
      } else if (d.status === 'no-permission') {
        line += '  no permission: install the udev rule (librtlsdr0/rtl-sdr package), replug, or add the user to plugdev';
      } else if (d.status === 'error') {
        line += `  could not be opened: ${d.note}`;
      }
      lines.push(line);
    }
    for (const s of result.duplicateSerials) {
      lines.push(`warning: serial ${s} is shared by several dongles; give each a unique, non-numeric serial (rtl_eeprom -d <index> -s <serial>)`);
    }
  }
  if (result.librtlsdrPath) lines.push(`(librtlsdr: ${result.librtlsdrPath})`);
  return `${lines.join('\n')}\n`;
}

/** Adds `quietband devices [--json] [--no-probe]`; exits with status 1 when no dongle is found. */
export function register(program: Command): void {
  program
    .command('devices')
    .description('list attached RTL-SDR dongles (index, serial, USB strings, tuner, gain steps) and SoapySDR devices (exit 1 if none)')
    .option('--json', 'print JSON instead of text')
    .option('--no-probe', 'do not open the dongles (no tuner/gain information)')
    .option('--no-soapy', 'do not list SoapySDR devices')
    .action(async (opts: { json?: boolean; probe: boolean; soapy: boolean }) => {
      const result = await findDevices({ probe: opts.probe });
      const soapy = opts.soapy ? await findSoapyDevices() : null;
      const text = formatDevices(result) + (soapy ? formatSoapyDevices(soapy) : '');
      process.stdout.write(opts.json ? `${JSON.stringify(soapy ? { ...result, soapy } : result, null, 2)}\n` : text);
      if (result.devices.length === 0 && (soapy?.devices.length ?? 0) === 0) process.exitCode = 1;
    });
}

