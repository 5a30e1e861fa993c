// The Soapy part of `quietband devices`: every SoapySDR device with driver, label, serial, frequency and rate ranges,
// gain elements, antennas and stream format, or what to install when SoapySDR support is missing.
import {
  chooseStreamFormat,
  describeSoapyRanges,
  listSoapyDevices,
  loadSoapy,
  soapyModuleName,
  type SoapyBinding,
  type SoapyDeviceListing,
  type SoapyModuleInfo,
} from '../../native-bindings/soapy.js';
import { QuietBandError } from '../errors.js';
import type { TextLang } from '../text-template.js';
import { devicesWords, type DevicesWords } from './devices-words.js';

/** What the Soapy enumeration found; `unavailable` (with advice) when the addon is not built or cannot load. */
export interface SoapyDevicesResult {
  unavailable: string | null;
  /** SoapySDR library version, when loaded. */
  libVersion: string | null;
  /** Driver modules SoapySDR found (file, version, loader error); [] when unavailable. */
  modules: SoapyModuleInfo[];
  devices: SoapyDeviceListing[];
}

/**
 * Enumerates Soapy devices (opening each briefly for its ranges). Never throws for a missing addon: the result says
 * what to install instead.
 */
export async function findSoapyDevices(deps: { binding?: SoapyBinding; load?: () => SoapyBinding } = {}): Promise<SoapyDevicesResult> {
  let binding: SoapyBinding;
  try {
    binding = deps.binding ?? (deps.load ?? loadSoapy)();
  } catch (err) {
    if (err instanceof QuietBandError && err.code === 'NATIVE_UNAVAILABLE') return { unavailable: err.message, libVersion: null, modules: [], devices: [] };
    throw err;
  }
  const modules = binding.modules();
  return { unavailable: null, libVersion: binding.libVersion, modules, devices: await listSoapyDevices('', { binding }) };
}

/**
 * The report when SoapySDR loaded but enumerated no device, in `w`'s language. With driver modules installed: which
 * ones (driver name, version, a loader error), and what to check (the receiver plugged in, permissions / udev rule,
 * another program holding it). With none: which Debian package holds the module for a receiver.
 */
function formatNoSoapyDevice(r: SoapyDevicesResult, w: DevicesWords): string {
  const lines = [w.soapyNone(r.libVersion ?? '?')];
  if (r.modules.length === 0) {
    lines.push(w.soapyNoModule);
    return `${lines.join('\n')}\n`;
  }
  lines.push(w.soapyModules(r.modules.length));
  for (const m of r.modules) {
    const state = m.error === '' ? '' : `  ${w.soapyDidNotLoad(m.error)}`;
    lines.push(`    ${soapyModuleName(m.path)} ${m.version || w.noVersion}  ${m.path}${state}`);
  }
  lines.push(w.soapyNoneSees, w.soapyNeedsModule);
  return `${lines.join('\n')}\n`;
}

/**
 * Plain-text report: one block per device, the `--source` string to use, or what to install / what to check, in
 * `lang` (labels and advice; drivers, serials, ranges and formats as found).
 */
export function formatSoapyDevices(r: SoapyDevicesResult, lang: TextLang = 'en'): string {
  const w = devicesWords(lang);
  if (r.unavailable !== null) return `${w.soapyUnavailable(r.unavailable)}\n`;
  if (r.devices.length === 0) return formatNoSoapyDevice(r, w);
  const lines = [w.soapyCount(r.devices.length, r.libVersion ?? '?')];
  for (const d of r.devices) {
    const a = d.args;
    const sel = [`driver=${a.driver ?? '?'}`, ...(a.serial ? [`serial=${a.serial}`] : a.label ? [`label=${a.label}`] : [])];
    if (a.remote) sel.push(`remote=${a.remote}`);
    lines.push(w.soapyDevice(a.label ?? a.driver ?? w.noLabel, a.driver ?? '?', a.serial || w.none));
    lines.push(`    --source soapy:${sel.join(',')}`);
    if (d.info) {
      const i = d.info;
      const gains = i.gainElements.map((g) => `${g.name} ${g.minDb}–${g.maxDb} dB`).join(w.listSep) || w.none;
      const fmt = chooseStreamFormat(i);
      lines.push(w.soapyRanges(describeSoapyRanges(i.frequencyRangesHz, 'MHz', 1e6), describeSoapyRanges(i.rateRangesSps, 'MS/s', 1e6)));
      lines.push(w.soapyGains(gains, i.hasAgc, i.antennas.join(w.listSep) || w.none));
      lines.push(w.soapyStream(i.nativeFormat, i.fullScale, fmt.soapyFormat, i.hasFreqCorrection));
    } else {
      lines.push(w.soapyCannotOpen(String(d.error)));
    }
  }
  return `${lines.join('\n')}\n`;
}
