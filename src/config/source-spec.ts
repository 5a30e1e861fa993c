// A sensor's `source` string of site.json and the command line (`sim`, `rtlsdr:…`, `rtltcp:host:port`, `file:…`,
// `soapy:…`): parsed into a SourceSpec and formatted back.
import { cliError, type ErrorMessageId } from '../error-text.js';

/**
 * Where a sensor's IQ comes from, parsed from the `source` string:
 * - `sim` — the built-in simulator (the sensor's `scenario` in site-config.ts, real-time pace, looping);
 * - `rtlsdr` / `rtlsdr:<n>` (n = 1–3 digits, ≤ 255: device index) / `rtlsdr:<serial>` (anything else: serial, preferred:
 *   indexes change on replug, docs/field-notes.md §13) — a local dongle through the native addon;
 * - `rtltcp:<host>:<port>` (port default 1234; IPv6 as `[::1]:1234`) — an rtl_tcp server;
 * - `file:<path>` — a recording (raw or SigMF), replayed at its sample rate and restarted when it ends;
 * - `soapy:<args>` — any SoapySDR receiver, `args` being Soapy device args (`driver=hackrf,serial=…`; docs/receivers.md).
 */
export type SourceSpec =
  | { kind: 'sim' }
  | { kind: 'rtlsdr'; serial?: string; index?: number }
  | { kind: 'rtltcp'; host: string; port: number }
  | { kind: 'file'; path: string }
  | { kind: 'soapy'; args: string };

/** Default rtl_tcp port (Debian's `rtl_tcp -p`). */
export const RTL_TCP_DEFAULT_PORT = 1234;

/**
 * Parses a source string (see {@link SourceSpec}).
 * @param field named in errors, e.g. `--source` or `site.json: sensors[0].source`.
 * @throws QuietBandError('CONFIG') `"<field>: …"` saying which forms are accepted.
 */
export function parseSourceSpec(spec: string, field: string): SourceSpec {
  // `why`: a `source.*` id of src/error-text.ts, its params in `params`
  const fail = (why: ErrorMessageId, params: Record<string, unknown> = {}): never => {
    throw cliError('source.bad', { field, spec, why, ...params }, 'CONFIG');
  };
  const s = spec.trim();
  if (s === 'sim') return { kind: 'sim' };
  if (s === 'rtlsdr') return { kind: 'rtlsdr', index: 0 };
  if (s.startsWith('rtlsdr:')) {
    const id = s.slice('rtlsdr:'.length);
    if (id.length === 0) fail('source.emptySerial');
    if (/^(0|[1-9]\d{0,2})$/.test(id) && Number(id) <= 255) return { kind: 'rtlsdr', index: Number(id) };
    if (id.length > 255 || /\s/.test(id)) fail('source.notSerial');
    return { kind: 'rtlsdr', serial: id };
  }
  if (s.startsWith('rtltcp:')) {
    const rest = s.slice('rtltcp:'.length);
    let host: string;
    let portText: string | undefined;
    const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
    if (v6) {
      host = v6[1]!;
      portText = v6[2];
    } else {
      const i = rest.lastIndexOf(':');
      host = i < 0 ? rest : rest.slice(0, i);
      portText = i < 0 ? undefined : rest.slice(i + 1);
    }
    if (host.length === 0) fail('source.noHost');
    let port = RTL_TCP_DEFAULT_PORT;
    if (portText !== undefined) {
      port = Number(portText);
      if (!/^\d+$/.test(portText) || port < 1 || port > 65535) fail('source.badPort', { port: portText });
    }
    return { kind: 'rtltcp', host, port };
  }
  if (s.startsWith('soapy:')) {
    const args = s.slice('soapy:'.length).trim();
    if (!/^[^=,\s][^=,]*=[^,]*(,\s*[^=,\s][^=,]*=[^,]*)*$/.test(args)) fail('source.noSoapyArgs');
    return { kind: 'soapy', args };
  }
  if (s.startsWith('file:')) {
    const path = s.slice('file:'.length);
    if (path.length === 0) fail('source.noPath');
    return { kind: 'file', path };
  }
  return fail('source.notSource');
}

/** The canonical string of a source spec (`rtltcp:[::1]:1234`, `file:/x.cu8`, …). */
export function formatSourceSpec(s: SourceSpec): string {
  switch (s.kind) {
    case 'sim':
      return 'sim';
    case 'rtlsdr':
      return s.serial !== undefined ? `rtlsdr:${s.serial}` : `rtlsdr:${s.index ?? 0}`;
    case 'rtltcp':
      return `rtltcp:${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
    case 'file':
      return `file:${s.path}`;
    case 'soapy':
      return `soapy:${s.args}`;
  }
}
