// Cross-sensor and device-range checks of a resolved site: one dongle, rtl_tcp server or Soapy receiver per sensor,
// rates and centres a live RTL-SDR can run at.
import { rateProblemCode, rtlRateProblemCode, rtlRateWarning, tunerCenterProblemCode } from '../source/input-ranges.js';
import { cliError, type ErrorMessageCode } from '../error-text.js';
import { fieldError } from '../field-error.js';
import type { SensorSettings } from './site-config.js';
import { formatSourceSpec, type SourceSpec } from './source-spec.js';

/**
 * What identifies the receiver behind a live source, or null for sources that can be shared (sim, files):
 * `rtlsdr serial X` / `rtlsdr index N` (local dongles), `rtl_tcp host:port` with the host lower-cased and the loopback
 * names (`localhost`, `127.0.0.1`, `::1`) taken as one, since rtl_tcp serves one client at a time, `soapy <args>`
 * (spaces removed; SoapySDR hands the same device object to two opens with equal args).
 */
export function receiverKey(source: SourceSpec): string | null {
  switch (source.kind) {
    case 'rtlsdr':
      return source.serial !== undefined ? `rtlsdr serial ${source.serial}` : `rtlsdr index ${source.index ?? 0}`;
    case 'rtltcp': {
      const h = source.host.toLowerCase();
      const host = h === 'localhost' || h === '127.0.0.1' || h === '::1' || h === '0:0:0:0:0:0:0:1' ? 'loopback' : h;
      return `rtl_tcp ${host}:${source.port}`;
    }
    case 'soapy':
      return `soapy ${source.args.replace(/\s+/g, '')}`;
    default:
      return null;
  }
}

/**
 * Refuses, naming the field (`<where>: sensors[i].<field>: …`):
 * - two sensors on one receiver (same dongle serial or index, same rtl_tcp endpoint, same Soapy device args), naming
 *   both sensors;
 * - RTL-SDR and rtl_tcp sensors at a rate the RTL2832U refuses, or at a centre (scan segment edges for a scanning
 *   sensor) no RTL-SDR tuner reaches (the tuner's own range is checked when the dongle answers, see input-ranges.ts);
 * - sim sensors at an implausible rate.
 * `file:` sensors are checked when their recording is opened (the file source names the metadata field), `soapy:`
 * sensors when the device is opened (the error names the device's own ranges).
 * @param fromFlags which values came from CLI flags applied to every sensor (`--center`, `--rate`): their errors name
 *   the flag and the sensor instead of the config field.
 * @throws QuietBandError('CONFIG')
 */
export function checkSensorInputs(sensors: readonly SensorSettings[], where: string, fromFlags: { centerHz?: boolean; rateSps?: boolean } = {}): void {
  const fail = (field: string, why: ErrorMessageCode): never => {
    const flag = field.endsWith('.centerHz') && fromFlags.centerHz === true ? '--center' : field.endsWith('.rateSps') && fromFlags.rateSps === true ? '--rate' : null;
    const sensor = field.slice(0, field.lastIndexOf('.'));
    if (flag === null) throw fieldError(where, field, why, 'CONFIG');
    throw cliError('field.flagFor', { ...why.params, flag, sensor, where, why: why.id }, 'CONFIG');
  };
  const owner = new Map<string, number>();
  sensors.forEach((s, i) => {
    const f = `sensors[${i}]`;
    const key = receiverKey(s.source);
    if (key !== null) {
      const j = owner.get(key);
      if (j !== undefined) {
        const other = sensors[j]!;
        const id = s.source.kind === 'rtltcp' ? 'why.sameRtlTcp' : s.source.kind === 'soapy' ? 'why.sameSoapy' : 'why.sameDongle';
        fail(`${f}.source`, { id, params: { spec: s.sourceText, sensor: s.name, j, otherSpec: formatSourceSpec(other.source), other: other.name } });
      }
      owner.set(key, i);
      // soapy: receivers check rate and centre against the ranges the device reports when it is opened
      if (s.source.kind === 'soapy') return;
      const rate = rtlRateProblemCode(s.rateSps);
      if (rate !== null) fail(`${f}.rateSps`, rate);
      if (s.scan === undefined) {
        const center = tunerCenterProblemCode(s.centerHz);
        if (center !== null) fail(`${f}.centerHz`, center);
      }
      s.scan?.segments.forEach((seg, k) => {
        for (const [edge, hz] of [['startHz', seg.startHz], ['stopHz', seg.stopHz]] as const) {
          const why = tunerCenterProblemCode(hz);
          if (why !== null) fail(`${f}.scan.segments[${k}].${edge}`, why);
        }
      });
    } else if (s.source.kind === 'sim') {
      const rate = rateProblemCode(s.rateSps);
      if (rate !== null) fail(`${f}.rateSps`, rate);
    }
  });
}

/** Warnings for settings that run but may lose data (RTL-SDR rates above 2.4 MS/s), each `<where>: sensors[i].<field>: …`. */
export function sensorInputWarnings(sensors: readonly SensorSettings[], where: string): string[] {
  const out: string[] = [];
  sensors.forEach((s, i) => {
    if (s.source.kind !== 'rtlsdr' && s.source.kind !== 'rtltcp') return;
    const w = rtlRateWarning(s.rateSps);
    if (w !== null) out.push(`${where}: sensors[${i}].rateSps: ${w}`);
  });
  return out;
}
