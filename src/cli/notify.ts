// `quietband notify --config site.json`: sends a test notification through every configured channel and says which work.
import { cliError } from '../error-text.js';
import { applySiteDefaults, loadSiteConfigFile } from '../config/site-config.js';
import { machineTimeZone } from '../field/local-time.js';
import { notifyMessage } from '../notify/message.js';
import type { Alert } from '../alerts/alert.js';

/** One channel's answer to the test. */
export interface ChannelTestResult {
  channel: string;
  type: string;
  ok: boolean;
  durationMs: number;
  error?: string;
}

/**
 * Sends one test alert (`[TEST]` in the title, a message saying nothing was detected) straight to each channel of the
 * site config's `notify` section (not through the outbox: an answer now is the point), `channel` only when given.
 * @throws QuietBandError('CONFIG') no `notify` section, or no channel of that name (naming the file).
 */
export async function testChannels(configPath: string, channel?: string): Promise<ChannelTestResult[]> {
  const site = applySiteDefaults(await loadSiteConfigFile(configPath), {}, configPath);
  const n = site.notify;
  if (n === undefined) throw cliError('notify.missing', { path: configPath }, 'CONFIG');
  const channels = channel === undefined ? n.channels : n.channels.filter((c) => c.name === channel);
  if (channels.length === 0) throw cliError('notify.noChannel', { value: channel, path: configPath, channels: n.channels.map((c) => c.name).join(', ') }, 'CONFIG');
  const sensor = site.sensors[0]!;
  const nowIso = new Date().toISOString();
  const alert: Alert = {
    seq: 0, alertId: `${site.site}-test`, site: site.site, sensor: sensor.name, kind: 'transmission', event: 'open', state: 'new', severity: 'high',
    time: nowIso, startTime: nowIso, centerHz: Math.round(sensor.centerHz), bandwidthHz: 12_500, peakExcessDb: 20,
    message: 'TEST sent by quietband notify to check this channel: no transmission was detected',
  };
  const out: ChannelTestResult[] = [];
  for (const c of channels) {
    const message = notifyMessage(alert, { timeZone: site.timeZone ?? machineTimeZone(), language: n.language, ...(sensor.location !== undefined ? { room: sensor.location.room } : {}), ...(n.linkUrl !== undefined ? { linkUrl: n.linkUrl } : {}) });
    message.title = `[TEST] ${message.title}`;
    const { createSender } = await import('../notify/senders.js');
    const sender = createSender(c);
    const t0 = Date.now();
    try {
      await sender.send({ id: `test-${t0}.${c.name}`, alert, message }, n.retry.timeoutMs);
      out.push({ channel: c.name, type: c.type, ok: true, durationMs: Date.now() - t0 });
    } catch (err) {
      out.push({ channel: c.name, type: c.type, ok: false, durationMs: Date.now() - t0, error: (err as Error).message });
    } finally {
      sender.close();
    }
  }
  return out;
}

/** Runs `quietband notify` (src/cli/commands.ts registers it): one line per channel tried; exit status 1 when one fails. */
export async function notifyCommand(flags: { config: string; channel?: string }): Promise<void> {
  const results = await testChannels(flags.config, flags.channel);
  let out = '';
  for (const r of results) out += `${r.ok ? 'ok  ' : 'FAIL'} ${r.channel} (${r.type}) ${r.ok ? `accepted in ${r.durationMs} ms` : r.error}\n`;
  process.stdout.write(out);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}
