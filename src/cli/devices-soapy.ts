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
 * The report when SoapySDR loaded but enumerated no device. With driver modules installed: which ones (driver name,
 * version, a loader error), and what to check (the receiver plugged in, permissions / udev rule, another program
 * holding it). With none: which Debian package holds the module for a receiver.
 */
function formatNoSoapyDevice(r: SoapyDevicesResult): string {
  const lines = [`no SoapySDR device found (SoapySDR ${r.libVersion} works).`];
  if (r.modules.length === 0) {
    lines.push(
      '  No driver module is installed: install the one for your receiver (Debian: sudo apt-get install soapysdr-module-rtlsdr | ' +
        'soapysdr-module-hackrf | soapysdr-module-airspy | soapysdr-module-lms7 | soapysdr-module-plutosdr | soapysdr-module-remote).',
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(`  driver modules found (${r.modules.length}):`);
  for (const m of r.modules) {
    const state = m.error === '' ? '' : `  did not load: ${m.error}`;
    lines.push(`    ${soapyModuleName(m.path)} ${m.version || '(no version)'}  ${m.path}${state}`);
  }
  lines.push(
    '  None of them sees a receiver: plug it in (lsusb should list it), check permissions (its udev rule, e.g. from the ' +
      'rtl-sdr or hackrf package, the user in plugdev, then replug), and that no other program holds it (SoapySDRUtil --find lists what Soapy sees).',
  );
  lines.push(`  A receiver whose driver is not listed needs its module (Debian: soapysdr-module-<driver>, e.g. soapysdr-module-hackrf).`);
  return `${lines.join('\n')}\n`;
}

/** Plain-text report: one block per device, the `--source` string to use, or what to install / what to check. */
export function formatSoapyDevices(r: SoapyDevicesResult): string {
  if (r.unavailable !== null) return `SoapySDR receivers (HackRF, Airspy, SDRplay, LimeSDR, PlutoSDR): not available: ${r.unavailable}\n`;
  if (r.devices.length === 0) return formatNoSoapyDevice(r);
  const lines = [`${r.devices.length} SoapySDR device(s) (SoapySDR ${r.libVersion}):`];
  for (const d of r.devices) {
    const a = d.args;
    const sel = [`driver=${a.driver ?? '?'}`, ...(a.serial ? [`serial=${a.serial}`] : a.label ? [`label=${a.label}`] : [])];
    if (a.remote) sel.push(`remote=${a.remote}`);
    lines.push(`  ${a.label ?? a.driver ?? '(no label)'}  driver ${a.driver ?? '?'}  serial ${a.serial || '(none)'}`);
    lines.push(`    --source soapy:${sel.join(',')}`);
    if (d.info) {
      const i = d.info;
      const gains = i.gainElements.map((g) => `${g.name} ${g.minDb}–${g.maxDb} dB`).join(', ') || '(none)';
      const fmt = chooseStreamFormat(i);
      lines.push(`    frequency ${describeSoapyRanges(i.frequencyRangesHz, 'MHz', 1e6)}; rate ${describeSoapyRanges(i.rateRangesSps, 'MS/s', 1e6)}`);
      lines.push(`    gain elements: ${gains}${i.hasAgc ? '; AGC available' : ''}; antennas: ${i.antennas.join(', ') || '(none)'}`);
      lines.push(`    stream: native ${i.nativeFormat} (full scale ${i.fullScale}), read as ${fmt.soapyFormat}${i.hasFreqCorrection ? '; ppm correction' : ''}`);
    } else {
      lines.push(`    could not be opened: ${d.error} (held by another program, or no permission: docs/receivers.md)`);
    }
  }
  return `${lines.join('\n')}\n`;
}
