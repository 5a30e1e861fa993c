// The words of a notification: one title line and a short body a person reads on a phone or in a mailbox.
import type { Alert } from '../server/protocol.js';
import { formatSiteTime } from '../field/local-time.js';

/** A notification as every channel renders it. */
export interface NotifyMessage {
  /** One line: `[HIGH] exam-hall: transmission at 433.920 MHz in room 101`. */
  title: string;
  /** A few lines: what, where, when, session, link. */
  body: string;
  /** ntfy priority 1–5 (high → 5, low → 3, info → 2). */
  priority: number;
  /** Link to the web UI (the section's linkUrl with `#alert=<alertId>`), when configured. */
  link?: string;
}

const KIND_WORDS: Record<Alert['kind'], string> = {
  transmission: 'transmission',
  'sensor-offline': 'sensor offline',
  overload: 'receiver overload',
  'site-offline': 'site offline',
  'storage-failed': 'storage failed',
  'present-during-calibration': 'emitter heard during calibration',
};

/** `433.920 MHz` (kHz resolution: what tells two SRD channels apart). */
export function formatMHz(hz: number): string {
  return `${(hz / 1e6).toFixed(3)} MHz`;
}

/** `12.5 kHz` below 1 MHz, `1.20 MHz` above. */
export function formatBandwidth(hz: number): string {
  return hz >= 1e6 ? `${(hz / 1e6).toFixed(2)} MHz` : `${+(hz / 1e3).toFixed(1)} kHz`;
}

/**
 * Renders an alert record (an `open` or `escalate`). `where` is the sensor's room when configured. Times are the site's
 * wall clock (`timeZone`), as the supervisors read them.
 */
export function notifyMessage(a: Alert, opts: { timeZone: string; room?: string; linkUrl?: string }): NotifyMessage {
  const room = a.rooms?.[0]?.room ?? opts.room;
  const what = a.kind === 'transmission' && a.centerHz !== undefined ? `transmission at ${formatMHz(a.centerHz)}` : KIND_WORDS[a.kind];
  const escalated = a.event === 'escalate' ? ' (escalated)' : '';
  const title = `[${a.severity.toUpperCase()}] ${a.site}: ${what}${room !== undefined ? ` in ${room}` : ''}${escalated}`;
  const lines: string[] = [];
  const startMs = Date.parse(a.startTime ?? a.time);
  lines.push(`${formatSiteTime(Number.isFinite(startMs) ? startMs : Date.parse(a.time), opts.timeZone).replace('T', ' ')} (${opts.timeZone})`);
  if (a.kind === 'transmission' && a.centerHz !== undefined) {
    const parts = [formatMHz(a.centerHz)];
    if (a.bandwidthHz !== undefined) parts.push(`${formatBandwidth(a.bandwidthHz)} wide`);
    if (a.peakExcessDb !== undefined) parts.push(`${a.peakExcessDb.toFixed(1)} dB over the baseline`);
    if (a.bandLabel !== undefined) parts.push(a.bandLabel);
    lines.push(parts.join(', '));
  }
  lines.push(`sensor ${a.sensor}${room !== undefined ? ` (${room})` : ''}`);
  if (a.rooms !== undefined && a.rooms.length > 1) lines.push(`heard in ${a.rooms.map((r) => r.room).join(', ')} (nearest first)`);
  if (a.session !== undefined) lines.push(`exam session: ${a.session}`);
  if (a.message !== undefined) lines.push(a.message);
  if (a.ackBy !== undefined && a.event === 'escalate') lines.push(`escalated by ${a.ackBy}`);
  lines.push(`alert ${a.alertId}`);
  const out: NotifyMessage = { title, body: lines.join('\n'), priority: a.severity === 'high' ? 5 : a.severity === 'low' ? 3 : 2 };
  if (opts.linkUrl !== undefined) {
    out.link = `${opts.linkUrl.endsWith('/') ? opts.linkUrl : `${opts.linkUrl}/`}#alert=${encodeURIComponent(a.alertId)}`;
    lines.push(out.link);
    out.body = lines.join('\n');
  }
  return out;
}
