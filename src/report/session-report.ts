// Session report for the record: alerts, acknowledgements and sensor outages of one exam session, as printable HTML.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALERTS_FILE } from '../alerts/alert-store.js';
import { clipPicturePath } from '../evidence/clip-picture.js';
import { QuietBandError } from '../errors.js';
import type { Alert } from '../server/protocol.js';

/** A sensor as the report lists it. */
export interface ReportSensor {
  name: string;
  centerHz: number;
  rateSps: number;
  source: string;
  room?: string;
  /** Creation time of its stored baseline (ISO) and its age at the session start (h); absent without a baseline file. */
  baselineCreatedAt?: string;
  baselineAgeH?: number;
  /** True when the baseline file was looked for (a config was given): "none stored" instead of "—". */
  baselineChecked?: boolean;
}

/** One ranked room of a grouped transmission (Alert.rooms): its strongest sensor and that sensor's excess (dB). */
export interface ReportRoom {
  room: string;
  sensor: string;
  excessDb: number;
}

/** One alert of the session: its records folded together. */
export interface ReportAlert {
  alertId: string;
  sensor: string;
  kind: Alert['kind'];
  severity: Alert['severity'];
  /** State after the last record. */
  state: Alert['state'];
  /** Time of the first record, start and end of the transmission/outage (ISO; end absent while open). */
  firstTime: string;
  startTime: string;
  endTime?: string;
  durationS?: number;
  centerHz?: number;
  bandwidthHz?: number;
  peakExcessDb?: number;
  bandLabel?: string;
  /** Notes of the open/update/close records, joined by ' → '. */
  message?: string;
  /** Acknowledgements and "known" marks in order: who and when. */
  acks: { event: 'ack' | 'known'; by: string; time: string }[];
  /** PNG spectrogram of the evidence clip as a data: URL, when the picture exists. */
  pictureDataUrl?: string;
  clip?: string;
  /**
   * "Which room" of a transmission several located sensors saw: the ranked rooms (nearest = strongest excess first,
   * dB over each sensor's own baseline), the shared group id and the weighted-centroid position (m) when computed —
   * from the newest record of its group (every sensor's final excess), else its own latest record carrying rooms.
   * Absent for a transmission only one located sensor saw.
   */
  rooms?: ReportRoom[];
  groupId?: string;
  positionM?: { xM: number; yM: number };
}

/** Everything the HTML shows; built by {@link buildSessionReport}. */
export interface SessionReport {
  site: string;
  session: string;
  timeZone: string;
  /** Session window (ISO): the configured one, else first..last record carrying the session's name. */
  startTime: string;
  endTime: string;
  windowFrom: 'config' | 'alerts';
  generatedAt: string;
  sensors: ReportSensor[];
  /** Transmissions (and overloads) in start order. */
  alerts: ReportAlert[];
  /** sensor-offline alerts in start order. */
  outages: ReportAlert[];
  counts: { transmissions: number; high: number; acknowledged: number; known: number; unacknowledged: number; outages: number };
}

/** Input of {@link buildSessionReport}. */
export interface SessionReportInput {
  session: string;
  /** Every stored record (alerts.jsonl). */
  records: Alert[];
  /** Site name when no record carries it. */
  site?: string;
  /** The session's window (epoch ms) when configured. */
  window?: { startMs: number; endMs: number };
  sensors?: ReportSensor[];
  timeZone?: string;
  /** Data dir to look for clip pictures in (`<dataDir>/clip-pictures/<clip>.png`). */
  dataDir?: string;
  nowMs?: number;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The well-formed entries of a record's `rooms` (room, sensor strings; finite excess dB), in their order; [] otherwise. */
export function reportRooms(rooms: unknown): ReportRoom[] {
  if (!Array.isArray(rooms)) return [];
  const out: ReportRoom[] = [];
  for (const r of rooms as unknown[]) {
    if (typeof r !== 'object' || r === null) continue;
    const o = r as Record<string, unknown>;
    if (typeof o.room === 'string' && typeof o.sensor === 'string' && finite(o.excessDb)) out.push({ room: o.room, sensor: o.sensor, excessDb: o.excessDb });
  }
  return out;
}

/** Epoch ms of a record's start (`startTime`, else `time`); NaN when neither parses (a malformed record). */
function startMsOf(r: Alert): number {
  const t = typeof r.startTime === 'string' ? Date.parse(r.startTime) : NaN;
  return Number.isNaN(t) && typeof r.time === 'string' ? Date.parse(r.time) : t;
}

/** Epoch ms of a record's end (`endTime`, else `time`); NaN when neither parses. */
function endMsOf(r: Alert): number {
  const t = typeof r.endTime === 'string' ? Date.parse(r.endTime) : NaN;
  return Number.isNaN(t) && typeof r.time === 'string' ? Date.parse(r.time) : t;
}

/**
 * Reads `<dataDir>/alerts.jsonl` (read-only; a daemon may be writing it: a partial last line is skipped).
 * @throws QuietBandError('IO') when the file cannot be read.
 */
export async function readAlertRecords(dataDir: string): Promise<Alert[]> {
  const file = join(dataDir, ALERTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new QuietBandError(`cannot read the alert store ${file} (${(err as Error).message})`, 'IO', { cause: err });
  }
  const out: Alert[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    try {
      const r = JSON.parse(line) as Alert;
      if (typeof r.seq === 'number' && typeof r.alertId === 'string') out.push(r);
    } catch {
      // torn last line of a running daemon
    }
  }
  return out;
}

/**
 * Folds the records into the session's alerts. The window is `input.window` (configured session), else the span of the
 * records whose `session` is the name. An alert belongs to the session when its first record carries the session's
 * name or falls inside the window; its later records (close, acks after the session) are all included.
 * @throws QuietBandError('BAD_INPUT') when there is no window: no configured session and no record of that name.
 */
export async function buildSessionReport(input: SessionReportInput): Promise<SessionReport> {
  const named = input.records.filter((r) => r.session === input.session);
  let startMs: number;
  let endMs: number;
  let windowFrom: SessionReport['windowFrom'];
  if (input.window !== undefined) {
    ({ startMs, endMs } = input.window);
    windowFrom = 'config';
  } else {
    if (named.length === 0) throw new QuietBandError(`session "${input.session}": no alert carries this session and no site config defines it (pass --config)`, 'BAD_INPUT');
    // a loop, not Math.min(...spread): a long session's records would overflow the call stack; unparsable times skipped
    startMs = Infinity;
    endMs = -Infinity;
    for (const r of named) {
      const t0 = startMsOf(r);
      const t1 = endMsOf(r);
      if (t0 < startMs) startMs = t0;
      if (t1 > endMs) endMs = t1;
    }
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) throw new QuietBandError(`session "${input.session}": no record of this session has a readable time`, 'BAD_INPUT');
    windowFrom = 'alerts';
  }
  const groups = new Map<string, Alert[]>();
  for (const r of input.records) {
    const g = groups.get(r.alertId);
    if (g === undefined) groups.set(r.alertId, [r]);
    else g.push(r);
  }
  // the newest ranking of each transmission group: an alert that closed first keeps the other sensors' excesses as they
  // were then in its own records (records are re-sent on a ranking change, not on every dB change)
  const groupLatest = new Map<string, Alert>();
  for (const r of input.records) {
    if (typeof r.groupId !== 'string' || (r.event !== 'open' && r.event !== 'update' && r.event !== 'close') || reportRooms(r.rooms).length === 0) continue;
    const had = groupLatest.get(r.groupId);
    if (had === undefined || r.seq > had.seq) groupLatest.set(r.groupId, r);
  }
  const alerts: ReportAlert[] = [];
  const outages: ReportAlert[] = [];
  for (const [alertId, recs] of groups) {
    recs.sort((a, b) => a.seq - b.seq);
    const first = recs[0]!;
    const t0 = startMsOf(first);
    const startIso = typeof first.startTime === 'string' && !Number.isNaN(Date.parse(first.startTime)) ? first.startTime : first.time;
    const inWindow = recs.some((r) => r.session === input.session) || (t0 >= startMs && t0 <= endMs);
    // an outage that began before the session and was still on in it counts too
    const closeRec = recs.find((r) => r.event === 'close');
    const tEnd = closeRec !== undefined ? endMsOf(closeRec) : Infinity;
    const overlaps = first.kind === 'sensor-offline' && t0 < endMs && tEnd > startMs;
    if (!inWindow && !overlaps) continue;
    const last = recs[recs.length - 1]!;
    const merged: Alert = Object.assign({}, ...recs.filter((r) => r.event === 'open' || r.event === 'update' || r.event === 'close')) as Alert;
    const a: ReportAlert = {
      alertId,
      sensor: first.sensor,
      kind: first.kind,
      severity: last.severity,
      state: last.state,
      firstTime: first.time,
      startTime: startIso,
      acks: recs.filter((r) => r.event === 'ack' || r.event === 'known').map((r) => ({ event: r.event as 'ack' | 'known', by: String(r.ackBy ?? '?'), time: r.time })),
    };
    if (closeRec !== undefined) {
      const t1 = endMsOf(closeRec);
      a.endTime = typeof closeRec.endTime === 'string' && !Number.isNaN(Date.parse(closeRec.endTime)) ? closeRec.endTime : closeRec.time;
      if (!Number.isNaN(t0) && !Number.isNaN(t1)) a.durationS = (t1 - t0) / 1000;
    }
    for (const k of ['centerHz', 'bandwidthHz', 'peakExcessDb', 'bandLabel', 'clip'] as const) {
      const v = merged[k];
      if (v !== undefined) (a as unknown as Record<string, unknown>)[k] = v;
    }
    // the opening note says what happened ("no data for 5 s"); a later one only how it ended
    const notes = [...new Set(recs.filter((r) => r.message !== undefined && r.event !== 'ack' && r.event !== 'known').map((r) => r.message!))];
    if (notes.length > 0) a.message = notes.join(' → ');
    // which room: this alert's latest record carrying well-formed rooms (a record without them leaves the previous in
    // force), then the newest record of its group (same groupId), which has every sensor's latest excess
    for (let i = recs.length - 1; i >= 0; i--) {
      let r = recs[i]!;
      if (r.event !== 'open' && r.event !== 'update' && r.event !== 'close') continue;
      if (reportRooms(r.rooms).length === 0) continue;
      if (typeof r.groupId === 'string') r = groupLatest.get(r.groupId) ?? r;
      a.rooms = reportRooms(r.rooms);
      if (typeof r.groupId === 'string') a.groupId = r.groupId;
      const p = r.positionM as unknown;
      if (typeof p === 'object' && p !== null && finite((p as { xM?: unknown }).xM) && finite((p as { yM?: unknown }).yM)) a.positionM = { xM: (p as { xM: number }).xM, yM: (p as { yM: number }).yM };
      break;
    }
    if (typeof a.clip === 'string' && input.dataDir !== undefined) {
      const png = clipPicturePath(input.dataDir, a.clip);
      if (existsSync(png)) a.pictureDataUrl = `data:image/png;base64,${(await readFile(png)).toString('base64')}`;
    }
    (first.kind === 'sensor-offline' ? outages : alerts).push(a);
  }
  const byStart = (x: ReportAlert, y: ReportAlert): number => (Date.parse(x.startTime) || 0) - (Date.parse(y.startTime) || 0);
  alerts.sort(byStart);
  outages.sort(byStart);
  const tx = alerts.filter((a) => a.kind === 'transmission');
  return {
    site: input.site ?? input.records[0]?.site ?? '?',
    session: input.session,
    timeZone: input.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    startTime: new Date(startMs).toISOString(),
    endTime: new Date(endMs).toISOString(),
    windowFrom,
    generatedAt: new Date(input.nowMs ?? Date.now()).toISOString(),
    sensors: input.sensors ?? sensorsFromRecords(input.records),
    alerts,
    outages,
    counts: {
      transmissions: tx.length,
      high: tx.filter((a) => a.severity === 'high').length,
      acknowledged: tx.filter((a) => a.state === 'acknowledged').length,
      known: tx.filter((a) => a.state === 'known').length,
      unacknowledged: tx.filter((a) => a.state === 'new').length,
      outages: outages.length,
    },
  };
}

/**
 * The sensors named by the records (no config: e.g. at the hub), sorted, each with its room when a record's ranked
 * `rooms` names it (the strongest sensor of each room).
 */
function sensorsFromRecords(records: readonly Alert[]): ReportSensor[] {
  const rooms = new Map<string, string>();
  for (const r of records) for (const x of reportRooms(r.rooms)) rooms.set(x.sensor, x.room);
  const names = [...new Set(records.map((r) => r.sensor).filter((s): s is string => typeof s === 'string' && s !== ''))].sort();
  return names.map((name) => {
    const s: ReportSensor = { name, centerHz: NaN, rateSps: NaN, source: '?' };
    const room = rooms.get(name);
    if (room !== undefined) s.room = room;
    return s;
  });
}

/** HTML-escapes text (anything else is converted with String() first: records may be malformed). */
export function esc(v: unknown): string {
  const s = typeof v === 'string' ? v : String(v);
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * `YYYY-MM-DD HH:MM:SS` of an ISO time in `timeZone`; '—' for an unreadable time. The formatter is built once per zone
 * (building one costs ~0.1 ms: thousands of alerts made a report take seconds).
 */
export function localTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  let f = timeFormats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    timeFormats.set(timeZone, f);
  }
  return f.format(d);
}

const num = (v: number | undefined, f: (x: number) => string): string => (v === undefined || !Number.isFinite(v) ? '—' : f(v));

/**
 * Renders the report as one self-contained HTML page (inline CSS, pictures as data: URLs; A4 print styles, each alert
 * kept on one page). Times are shown in the site's zone.
 */
export function renderReportHtml(r: SessionReport): string {
  const t = (iso: string | undefined): string => (iso === undefined ? '—' : esc(localTime(iso, r.timeZone)));
  const mhz = (hz: number): string => `${(hz / 1e6).toFixed(4)} MHz`;
  const sensorRows = r.sensors
    .map((s) => `<tr><td>${esc(s.name)}</td><td>${esc(s.room ?? '—')}</td><td>${esc(s.source)}</td><td>${num(s.centerHz, mhz)}</td><td>${num(s.rateSps, (x) => `${(x / 1e3).toFixed(0)} kS/s`)}</td><td>${s.baselineCreatedAt !== undefined ? `${t(s.baselineCreatedAt)} (${num(s.baselineAgeH, (x) => x.toFixed(1))} h before the start)` : s.baselineChecked === true ? 'none stored' : '—'}</td></tr>`)
    .join('\n');
  const ackText = (a: ReportAlert): string =>
    a.acks.length === 0 ? '<span class="warn">not acknowledged</span>' : a.acks.map((k) => `${k.event === 'ack' ? 'acknowledged' : 'marked known'} by <b>${esc(k.by)}</b> at ${t(k.time)}`).join('<br>');
  const roomsRow = (a: ReportAlert): string => {
    if (a.rooms === undefined || a.rooms.length === 0) return '';
    const top = a.rooms[0]!.excessDb;
    const items = a.rooms
      .map((x, i) => `<li data-room="${esc(x.room)}" data-sensor="${esc(x.sensor)}"><b>${esc(x.room)}</b> (${esc(x.sensor)}) ${x.excessDb.toFixed(1)} dB${i === 0 ? ' — nearest' : ` (${(x.excessDb - top).toFixed(1)} dB)`}</li>`)
      .join('');
    const pos = a.positionM !== undefined ? `<div>Estimated position: x ${a.positionM.xM.toFixed(1)} m, y ${a.positionM.yM.toFixed(1)} m (weighted centroid of the sensors)</div>` : '';
    const group = a.groupId !== undefined ? `<div>Seen by several sensors: group <code>${esc(a.groupId)}</code></div>` : '';
    return `<tr><th>Rooms (nearest first)</th><td colspan="3"><ol class="rooms">${items}</ol>${pos}${group}</td></tr>`;
  };
  const alertRows = r.alerts
    .map(
      (a, i) => `<section class="alert sev-${a.severity}" data-alert-id="${esc(a.alertId)}">
<h3>${i + 1}. ${esc(a.kind)} — ${esc(a.sensor === '' ? r.site : a.sensor)} — ${t(a.startTime)}</h3>
<table class="kv">
<tr><th>Alert id</th><td colspan="3"><code class="alert-id">${esc(a.alertId)}</code></td></tr>
<tr><th>Frequency</th><td>${num(a.centerHz, mhz)}${a.bandLabel !== undefined ? ` (${esc(a.bandLabel)})` : ''}</td><th>Bandwidth</th><td>${num(a.bandwidthHz, (x) => `${(x / 1e3).toFixed(1)} kHz`)}</td></tr>
<tr><th>Peak over baseline</th><td>${num(a.peakExcessDb, (x) => `${x.toFixed(1)} dB`)}</td><th>Severity / state</th><td>${esc(a.severity)} / ${esc(a.state)}</td></tr>
<tr><th>Start – end</th><td>${t(a.startTime)} – ${t(a.endTime)}</td><th>Duration</th><td>${num(a.durationS, (x) => `${x.toFixed(1)} s`)}</td></tr>
<tr><th>Acknowledgement</th><td colspan="3">${ackText(a)}</td></tr>
${roomsRow(a)}
${a.message !== undefined ? `<tr><th>Note</th><td colspan="3">${esc(a.message)}</td></tr>` : ''}
${a.clip !== undefined ? `<tr><th>Evidence clip</th><td colspan="3"><code>${esc(a.clip)}</code></td></tr>` : ''}
</table>
${a.pictureDataUrl !== undefined ? `<img class="spectrogram" alt="spectrogram of the evidence clip" src="${a.pictureDataUrl}">` : ''}
</section>`,
    )
    .join('\n');
  const outageRows = r.outages
    .map((o) => `<tr><td>${esc(o.sensor)}</td><td>${t(o.startTime)}</td><td>${t(o.endTime)}</td><td>${num(o.durationS, (x) => `${x.toFixed(0)} s`)}</td><td>${esc(o.message ?? '')}</td></tr>`)
    .join('\n');
  const c = r.counts;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>QuietBand session report — ${esc(r.site)} — ${esc(r.session)}</title>
<style>
body{font:11pt/1.35 system-ui,sans-serif;margin:2em;color:#111}
h1{font-size:16pt;margin:0 0 .3em}h2{font-size:13pt;margin:1.4em 0 .4em;border-bottom:1px solid #999}h3{font-size:11pt;margin:.2em 0}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}th{background:#eee}
.kv th{width:16%}.alert{margin:.8em 0;padding:.4em;border-left:4px solid #888}.sev-high{border-color:#c00}.sev-low{border-color:#d80}.sev-info{border-color:#08c}
.warn{color:#c00;font-weight:bold}.rooms{margin:0;padding-left:1.6em}.spectrogram{max-width:100%;height:auto;margin-top:.3em;image-rendering:pixelated}
.meta td{border:none;padding:0 1em 0 0}
@page{size:A4;margin:15mm}@media print{body{margin:0}.alert{break-inside:avoid}}
</style></head><body>
<h1>QuietBand session report</h1>
<table class="meta">
<tr><td>Site</td><td><b id="site">${esc(r.site)}</b></td></tr>
<tr><td>Session</td><td><b id="session">${esc(r.session)}</b></td></tr>
<tr><td>Window</td><td>${t(r.startTime)} – ${t(r.endTime)} (${esc(r.timeZone)}; ${r.windowFrom === 'config' ? 'as configured' : 'from the alerts of this session'})</td></tr>
<tr><td>Generated</td><td>${t(r.generatedAt)}</td></tr>
</table>
<h2>Summary</h2>
<p id="summary">${c.transmissions} transmission alert(s), ${c.high} high severity; ${c.acknowledged} acknowledged, ${c.known} marked known, ${c.unacknowledged} not acknowledged; ${c.outages} sensor outage(s).</p>
<h2>Sensors</h2>
<table id="sensors"><tr><th>Sensor</th><th>Room</th><th>Source</th><th>Centre</th><th>Rate</th><th>Baseline</th></tr>
${sensorRows}
</table>
<h2>Alerts</h2>
<div id="alerts">${alertRows === '' ? '<p>No alerts.</p>' : alertRows}</div>
<h2>Sensor outages</h2>
${outageRows === '' ? '<p id="outages">None.</p>' : `<table id="outages"><tr><th>Sensor</th><th>From</th><th>To</th><th>Duration</th><th>Note</th></tr>\n${outageRows}\n</table>`}
</body></html>
`;
}
