// `quietband devices`: lists attached RTL-SDR dongles (index, serial, USB strings, tuner, gains) and SoapySDR devices,
// or says what to check.
import { loadRtlSdr, mapNativeError, RtlSdrDevice, type RtlSdrBinding } from '../../native-bindings/index.js';
import { QuietBandError } from '../errors.js';
import type { TextLang } from '../text-template.js';
import { findSoapyDevices, formatSoapyDevices } from './devices-soapy.js';
import { devicesWords } from './devices-words.js';
import { langFlag } from './replay-words.js';

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

/**
 * Plain-text report: one line per dongle, or what to check when there is none, in `lang` (headings, labels and advice;
 * serials, USB strings, tuners, gains and an open error's own words as found).
 */
export function formatDevices(result: DevicesResult, lang: TextLang = 'en'): string {
  const w = devicesWords(lang);
  const lines: string[] = [];
  if (result.devices.length === 0) {
    lines.push(w.noRtlSdr, w.noRtlSdrAlso);
  } else {
    lines.push(w.rtlCount(result.devices.length));
    for (const d of result.devices) {
      const usb = [d.manufacturer, d.product].filter(Boolean).join(' ') || d.name;
      let line = `  [${d.index}] ${w.serial(d.serial || w.none)}  ${usb}`;
      if (d.status === 'ok') {
        line += `  ${w.tunerGains(d.tuner ?? '?', d.gainsDb.length, d.gainsDb.map((g) => g.toFixed(1)).join(' '))}`;
      } else if (d.status === 'busy') {
        line += `  ${w.busy}`;
      } else if (d.status === 'no-permission') {
        line += `  ${w.noPermission}`;
      } else if (d.status === 'error') {
        line += `  ${w.cannotOpen(d.note ?? '')}`;
      }
      lines.push(line);
    }
    for (const s of result.duplicateSerials) lines.push(w.sharedSerial(s));
  }
  if (result.librtlsdrPath) lines.push(w.librtlsdr(result.librtlsdrPath));
  return `${lines.join('\n')}\n`;
}

/** Flags of `quietband devices` as commander delivers them (`--no-probe` / `--no-soapy`: false). */
export interface DevicesCliOptions {
  json?: boolean;
  probe: boolean;
  soapy: boolean;
  lang?: string;
}

/**
 * Runs `quietband devices` (src/cli/commands.ts registers it): the text is in `--lang`, else the locale's language
 * (JSON stays as found); exit status 1 when no device is found.
 */
export async function devicesCommand(opts: DevicesCliOptions): Promise<void> {
  const lang = langFlag(opts.lang);
  const result = await findDevices({ probe: opts.probe });
  const soapy = opts.soapy ? await findSoapyDevices() : null;
  const text = formatDevices(result, lang) + (soapy ? formatSoapyDevices(soapy, lang) : '');
  process.stdout.write(opts.json ? `${JSON.stringify(soapy ? { ...result, soapy } : result, null, 2)}\n` : text);
  if (result.devices.length === 0 && (soapy?.devices.length ?? 0) === 0) process.exitCode = 1;
}
