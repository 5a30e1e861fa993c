// Site config section `notify`: channels (webhook, e-mail over SMTP, ntfy push), per-severity routing, quiet rules, retry.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { QuietBandError } from '../errors.js';
import { siteWallClock } from '../field/local-time.js';
import type { AlertKind, AlertSeverity } from '../alerts/alert.js';
import { NOTIFY_LANGUAGES, type NotifyLanguage } from './message.js';

/** Defaults of the `notify` section (ms). */
export const NOTIFY_DEFAULTS = {
  /** Severities a channel receives when it names none: only alerts raised while an exam is in session. */
  severities: ['high'] as AlertSeverity[],
  /** Severities a quiet rule silences when it names none: a high alert is never silenced unless a rule says so. */
  quietSeverities: ['low', 'info'] as AlertSeverity[],
  retryInitialMs: 1000,
  retryMaxMs: 30_000,
  /** A delivery still failing after this long is given up (logged in full at error level). 24 h. */
  giveUpAfterMs: 86_400_000,
  /** Timeout of one delivery attempt. */
  timeoutMs: 10_000,
} as const;

const SEVERITIES = ['high', 'low', 'info'] as const;
const KINDS = ['transmission', 'sensor-offline', 'overload', 'site-offline', 'storage-failed', 'present-during-calibration'] as const;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

const httpUrl = (what: string) => z.string().regex(/^https?:\/\/\S+$/, `expected an http:// or https:// URL of the ${what}`);

/** A quiet rule: between `from` and `to` (site wall clock, `to` < `from` spans midnight) on `days`, `severities` are not sent. */
const quietSchema = z
  .object({
    from: z.string().regex(HHMM, 'expected a time of day "HH:MM" (24 h)'),
    to: z.string().regex(HHMM, 'expected a time of day "HH:MM" (24 h)'),
    /** Days the rule starts on (default every day). */
    days: z.array(z.enum(DAYS)).min(1).optional(),
    /** Severities silenced (default low and info). */
    severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
    /** true: what the rule silences is held and sent when it ends; false (default): not sent at all. */
    hold: z.boolean().optional(),
  })
  .strict();

/** Fields every channel has. */
const channelBase = {
  /** Name in logs and in the outbox (letters, digits, ".", "_", "-"). */
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected a channel name of 1-64 letters, digits, ".", "_", "-"'),
  /** Severities routed to this channel (default ["high"]). */
  severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
  /** Alert kinds routed to this channel (default all). */
  kinds: z.array(z.enum(KINDS)).min(1).optional(),
  /** Quiet rules of this channel (on top of the section's). */
  quiet: z.array(quietSchema).optional(),
  /**
   * One transmission heard by several located sensors is one alert per sensor: "first" (default) sends the first of
   * them only, "every" sends each.
   */
  groups: z.enum(['first', 'every']).optional(),
  /**
   * PEM file of CA certificates the receiver's TLS certificate (the SMTP server's for e-mail) may chain to, trusted in
   * addition to the system's: a district server signed by the district's own CA.
   */
  ca: z.string().min(1).optional(),
};

const webhookSchema = z
  .object({
    ...channelBase,
    type: z.literal('webhook'),
    url: httpUrl('receiver'),
    /** HMAC-SHA256 key: `whsec_<base64>` (Standard Webhooks) or any text (its UTF-8 bytes). Prefer `secretFile`. */
    secret: z.string().min(16, 'expected a secret of at least 16 characters').optional(),
    /** File holding the secret (first line). */
    secretFile: z.string().min(1).optional(),
    /** Extra request headers (e.g. an Authorization the receiver wants). */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'expected a header name'), z.string().regex(/^[\x20-\x7e]*$/, 'expected a header value of printable ASCII')).optional(),
  })
  .strict();

const ntfySchema = z
  .object({
    ...channelBase,
    type: z.literal('ntfy'),
    /** Topic URL, e.g. https://ntfy.sh/my-exam-site (a self-hosted ntfy server works the same). */
    url: httpUrl('topic'),
    /** Access token (sent as Bearer); prefer `tokenFile`. */
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
  })
  .strict();

const emailSchema = z
  .object({
    ...channelBase,
    type: z.literal('email'),
    smtp: z
      .object({
        host: z.string().min(1),
        /** Default 587 (465 with secure: true). */
        port: z.number().int().min(1).max(65535).optional(),
        /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. Default false. */
        secure: z.boolean().optional(),
        username: z.string().min(1).optional(),
        password: z.string().optional(),
        passwordFile: z.string().min(1).optional(),
        /** Refuse a server whose certificate does not verify. Default true. */
        rejectUnauthorized: z.boolean().optional(),
      })
      .strict(),
    from: z.string().min(3).regex(/@/, 'expected an e-mail address'),
    to: z.array(z.string().min(3).regex(/@/, 'expected an e-mail address')).min(1, 'expected at least one recipient'),
  })
  .strict();

/** The `notify` section as written in the site config (file paths relative to the working folder). */
export const notifySchema = z
  .object({
    channels: z.array(z.discriminatedUnion('type', [webhookSchema, ntfySchema, emailSchema])).min(1, 'expected at least one channel'),
    /** Quiet rules for every channel. */
    quiet: z.array(quietSchema).optional(),
    /** Language of the texts: "en" (default) or "zh-CN". */
    language: z.enum(NOTIFY_LANGUAGES).optional(),
    /** Base URL of the web UI put in messages as a link (e.g. https://exam-pc.local:8080/). */
    linkUrl: httpUrl('web UI').optional(),
    retry: z
      .object({
        initialMs: z.number().int().min(10).max(600_000).optional(),
        maxMs: z.number().int().min(10).max(3_600_000).optional(),
        giveUpAfterMs: z.number().int().min(1000).optional(),
        timeoutMs: z.number().int().min(100).max(300_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/**
 * A quiet rule in minutes of the day: active on `days` (0 = Sunday) from `fromMin`, for the span up to `toMin`; `hold`:
 * what it silences is sent when it ends instead of never.
 */
export interface QuietRule {
  fromMin: number;
  toMin: number;
  days: number[];
  severities: AlertSeverity[];
  hold: boolean;
}

interface ChannelCommon {
  name: string;
  severities: AlertSeverity[];
  /** Undefined = every kind. */
  kinds?: AlertKind[];
  /** The section's quiet rules followed by the channel's. */
  quiet: QuietRule[];
  groups: 'first' | 'every';
  /** Extra trusted CA certificates (PEM text of the `ca` file). */
  ca?: string;
}

/** Webhook channel: `key` is the HMAC-SHA256 key (bytes), absent = unsigned. */
export interface WebhookChannel extends ChannelCommon {
  type: 'webhook';
  url: string;
  key?: Buffer;
  headers: Record<string, string>;
}

/** ntfy channel. */
export interface NtfyChannel extends ChannelCommon {
  type: 'ntfy';
  url: string;
  token?: string;
}

/** E-mail channel (nodemailer SMTP transport). */
export interface EmailChannel extends ChannelCommon {
  type: 'email';
  smtp: { host: string; port: number; secure: boolean; username?: string; password?: string; rejectUnauthorized: boolean };
  from: string;
  to: string[];
}

/** One channel with defaults applied and secrets read. */
export type ChannelSettings = WebhookChannel | NtfyChannel | EmailChannel;

/** The `notify` section with defaults applied and secret files read. */
export interface NotifySettings {
  channels: ChannelSettings[];
  language: NotifyLanguage;
  linkUrl?: string;
  retry: { initialMs: number; maxMs: number; giveUpAfterMs: number; timeoutMs: number };
}

function minutes(hhmm: string): number {
  const m = HHMM.exec(hhmm)!;
  return Number(m[1]) * 60 + Number(m[2]);
}

function quietRule(q: z.infer<typeof quietSchema>): QuietRule {
  return {
    fromMin: minutes(q.from),
    toMin: minutes(q.to),
    days: q.days === undefined ? [0, 1, 2, 3, 4, 5, 6] : q.days.map((d) => DAYS.indexOf(d)),
    severities: q.severities ?? [...NOTIFY_DEFAULTS.quietSeverities],
    hold: q.hold ?? false,
  };
}

/**
 * Applies defaults, reads secret files (paths resolved against `baseDir`) and checks cross-field rules.
 * @param fail throws QuietBandError('CONFIG') `"<where>: <field>: <message>"` (site-config's fail).
 * @throws QuietBandError('CONFIG') naming `notify.channels[i].<field>`: duplicate names, both secret and secretFile,
 *   an unreadable secret file, retry.maxMs below retry.initialMs.
 */
export function notifySettings(cfg: z.infer<typeof notifySchema>, baseDir: string, fail: (field: string, msg: string) => never): NotifySettings {
  const readSecret = (field: string, p: string): string => {
    try {
      const line = readFileSync(resolve(baseDir, p), 'utf8').split('\n')[0]!.trim();
      if (line.length === 0) fail(field, `${p} is empty`);
      return line;
    } catch (err) {
      if (err instanceof QuietBandError) throw err;
      return fail(field, `cannot read ${p} (${(err as Error).message})`);
    }
  };
  const sectionQuiet = (cfg.quiet ?? []).map(quietRule);
  const names = new Set<string>();
  const channels = cfg.channels.map((c, i): ChannelSettings => {
    const f = `notify.channels[${i}]`;
    if (names.has(c.name)) fail(`${f}.name`, `"${c.name}" is used by two channels; names must be unique`);
    names.add(c.name);
    const common: ChannelCommon = { name: c.name, severities: c.severities ?? [...NOTIFY_DEFAULTS.severities], quiet: [...sectionQuiet, ...(c.quiet ?? []).map(quietRule)], groups: c.groups ?? 'first' };
    if (c.kinds !== undefined) common.kinds = [...c.kinds];
    if (c.ca !== undefined) common.ca = readCa(`${f}.ca`, resolve(baseDir, c.ca), fail);
    if (c.type === 'webhook') {
      if (c.secret !== undefined && c.secretFile !== undefined) fail(`${f}.secretFile`, 'give either secret or secretFile, not both');
      const secret = c.secretFile !== undefined ? readSecret(`${f}.secretFile`, c.secretFile) : c.secret;
      const out: WebhookChannel = { ...common, type: 'webhook', url: c.url, headers: { ...c.headers } };
      if (secret !== undefined) out.key = webhookKey(secret);
      return out;
    }
    if (c.type === 'ntfy') {
      if (c.token !== undefined && c.tokenFile !== undefined) fail(`${f}.tokenFile`, 'give either token or tokenFile, not both');
      const token = c.tokenFile !== undefined ? readSecret(`${f}.tokenFile`, c.tokenFile) : c.token;
      return { ...common, type: 'ntfy', url: c.url, ...(token !== undefined ? { token } : {}) };
    }
    const s = c.smtp;
    if (s.password !== undefined && s.passwordFile !== undefined) fail(`${f}.smtp.passwordFile`, 'give either password or passwordFile, not both');
    if ((s.password !== undefined || s.passwordFile !== undefined) && s.username === undefined) fail(`${f}.smtp.username`, 'missing (a password needs a username)');
    const password = s.passwordFile !== undefined ? readSecret(`${f}.smtp.passwordFile`, s.passwordFile) : s.password;
    const secure = s.secure ?? false;
    const smtp: EmailChannel['smtp'] = { host: s.host, port: s.port ?? (secure ? 465 : 587), secure, rejectUnauthorized: s.rejectUnauthorized ?? true };
    if (s.username !== undefined) smtp.username = s.username;
    if (password !== undefined) smtp.password = password;
    return { ...common, type: 'email', smtp, from: c.from, to: [...c.to] };
  });
  const r = cfg.retry ?? {};
  const retry = {
    initialMs: r.initialMs ?? NOTIFY_DEFAULTS.retryInitialMs,
    maxMs: r.maxMs ?? NOTIFY_DEFAULTS.retryMaxMs,
    giveUpAfterMs: r.giveUpAfterMs ?? NOTIFY_DEFAULTS.giveUpAfterMs,
    timeoutMs: r.timeoutMs ?? NOTIFY_DEFAULTS.timeoutMs,
  };
  if (retry.maxMs < retry.initialMs) fail('notify.retry.maxMs', `must be ≥ notify.retry.initialMs (${retry.initialMs} ms)`);
  const out: NotifySettings = { channels, retry, language: cfg.language ?? 'en' };
  if (cfg.linkUrl !== undefined) out.linkUrl = cfg.linkUrl;
  return out;
}

/**
 * The PEM text of a `ca` file, checked: every certificate in it parses (node:crypto X509Certificate).
 * @throws through `fail` naming `field` when the file cannot be read or holds no (or a broken) certificate.
 */
function readCa(field: string, file: string, fail: (field: string, msg: string) => never): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(field, `cannot read ${file} (${(err as Error).message})`);
  }
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) fail(field, `${file} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
  for (const [i, c] of certs.entries()) {
    try {
      new X509Certificate(c);
    } catch (err) {
      fail(field, `${file}: certificate ${i + 1} does not parse (${(err as Error).message})`);
    }
  }
  return pem;
}

/** HMAC key of a webhook secret: `whsec_<base64>` decodes to its bytes (Standard Webhooks), anything else is UTF-8. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

/**
 * True when a quiet rule of `channel` silences an alert of `severity` at instant `ms` (site wall clock of `timeZone`).
 * A rule spans [from, to) minutes of the day on each of its days; when `to` ≤ `from` it runs past midnight into the next
 * day (22:00–06:00 on "fri" is quiet Friday 22:00 to Saturday 06:00).
 */
export function isQuiet(channel: Pick<ChannelCommon, 'quiet'>, severity: AlertSeverity, ms: number, timeZone: string): boolean {
  return quietAt(channel, severity, ms, timeZone) !== null;
}

/**
 * What the quiet rules of `channel` do to an alert of `severity` at `ms` (site wall clock in `timeZone`): null when no
 * rule silences it; `{hold: false}` when one that drops does; else `{hold: true, untilMs}`, the end of the latest
 * holding rule in force (whole minutes of the wall clock; a daylight-saving jump in between is caught by asking again
 * at `untilMs`).
 */
export function quietAt(channel: Pick<ChannelCommon, 'quiet'>, severity: AlertSeverity, ms: number, timeZone: string): { hold: false } | { hold: true; untilMs: number } | null {
  if (channel.quiet.length === 0) return null;
  const { weekday, minuteOfDay } = siteWallClock(ms, timeZone);
  let untilMs: number | null = null;
  for (const q of channel.quiet) {
    if (!q.severities.includes(severity)) continue;
    const on = q.fromMin < q.toMin
      ? q.days.includes(weekday) && minuteOfDay >= q.fromMin && minuteOfDay < q.toMin
      // spans midnight: the evening part belongs to today's rule, the morning part to yesterday's
      : (q.days.includes(weekday) && minuteOfDay >= q.fromMin) || (q.days.includes((weekday + 6) % 7) && minuteOfDay < q.toMin);
    if (!on) continue;
    if (!q.hold) return { hold: false };
    const end = ms - (ms % 60_000) + (((q.toMin - minuteOfDay + 1440) % 1440) || 1440) * 60_000;
    untilMs = untilMs === null ? end : Math.max(untilMs, end);
  }
  return untilMs === null ? null : { hold: true, untilMs };
}

/** True when `channel` takes alerts of this severity and kind (its routing; quiet rules aside). */
export function routes(channel: Pick<ChannelCommon, 'severities' | 'kinds'>, severity: AlertSeverity, kind: AlertKind): boolean {
  return channel.severities.includes(severity) && (channel.kinds === undefined || channel.kinds.includes(kind));
}

/** A `fail` for {@link notifySettings} outside applySiteDefaults: throws QuietBandError('CONFIG') `"<where>: <field>: <msg>"`. */
export function configError(where: string): (field: string, msg: string) => never {
  return (field, msg) => {
    throw new QuietBandError(`${where}: ${field}: ${msg}`, 'CONFIG');
  };
}
