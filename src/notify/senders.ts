// One sender per channel type: webhook (signed JSON POST), ntfy (POST to a topic URL), e-mail (nodemailer over SMTP).
// HTTP goes through undici's fetch, whose Agent can trust a channel's own CA (`ca`) on top of the system's roots.
import { createHmac } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { Transporter } from 'nodemailer';
import type { Dispatcher, Response } from 'undici';
import type { Alert } from '../alerts/alert.js';
import { delayText } from '../text-template.js';
import type { ChannelSettings, EmailChannel, NtfyChannel, WebhookChannel } from './notify-config.js';
import type { NotifyMessage } from './message.js';

/** One delivery as a sender sees it: a stable id (the same on every retry and after a restart), the alert and its words. */
export interface Delivery {
  /** `<alert seq>.<channel>`: receivers drop an id they already have (a crash between send and record re-sends it). */
  id: string;
  alert: Alert;
  message: NotifyMessage;
}

/** Sends one delivery; resolves when the receiver accepted it, rejects with a short reason otherwise. */
export interface Sender {
  send(d: Delivery, timeoutMs: number): Promise<void>;
  /** Releases connections (SMTP pool). */
  close(): void;
}

/** Body of a webhook POST (JSON, UTF-8). */
export interface WebhookBody {
  v: 1;
  type: 'alert';
  /** Same as the `webhook-id` header. */
  deliveryId: string;
  site: string;
  title: string;
  text: string;
  link?: string;
  /** The stored alert record (without the detector's internal `detection` object). */
  alert: Alert;
}

/**
 * Standard Webhooks signature (https://www.standardwebhooks.com, "Verifying webhook authenticity"): base64 of
 * HMAC-SHA256(key, `${id}.${timestampS}.${body}`), sent as `webhook-signature: v1,<base64>`.
 */
export function webhookSignature(key: Buffer, id: string, timestampS: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampS}.${body}`, 'utf8').digest('base64')}`;
}

/** The system's root certificates plus a channel's own CA file (`ca`): a TLS `ca` option replaces the defaults. */
export function trustedCas(ca: string): string[] {
  return [...rootCertificates, ca];
}

/**
 * undici and nodemailer are loaded at a channel's first delivery, not with this module: together their imports cost
 * ≈ 0.5 s of CPU, which every command and every daemon start would otherwise pay, with notify channels or without.
 */
const undici = () => import('undici');

/**
 * The undici dispatcher of a channel: one that also trusts the channel's `ca` (undici's Agent, `connect.ca`), or
 * undefined for the default one.
 */
async function dispatcherOf(c: Pick<ChannelSettings, 'ca'>): Promise<Dispatcher | undefined> {
  return c.ca === undefined ? undefined : new (await undici()).Agent({ connect: { ca: trustedCas(c.ca) } });
}

/** A channel's dispatcher, made at its first delivery ({@link dispatcherOf}); `close` closes it when it was made. */
function lazyDispatcher(c: Pick<ChannelSettings, 'ca'>): { get: () => Promise<Dispatcher | undefined>; close: () => void } {
  let made: Promise<Dispatcher | undefined> | undefined;
  return {
    get: () => (made ??= dispatcherOf(c)),
    close: () => void made?.then((d) => d?.close()).catch(() => undefined),
  };
}

/** POSTs (undici's fetch, through `dispatcher` when given) and treats any non-2xx answer as a failure naming the status. */
async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, dispatcher?: Dispatcher): Promise<void> {
  const { fetch } = await undici();
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error', ...(dispatcher !== undefined ? { dispatcher } : {}) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    throw new Error(e.name === 'TimeoutError' ? `no answer within ${delayText('en', timeoutMs)}` : (e.cause?.code ?? e.cause?.message ?? e.message));
  }
  // the body is read so the connection can be reused; its text helps the technician when the receiver refuses
  const text = await res.text().catch(() => '');
  if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status}${text.length > 0 ? `: ${text.slice(0, 200)}` : ''}`);
}

function webhookSender(c: WebhookChannel): Sender {
  const dispatcher = lazyDispatcher(c);
  return {
    async send(d, timeoutMs) {
      const { detection: _detection, ...alert } = d.alert;
      const payload: WebhookBody = { v: 1, type: 'alert', deliveryId: d.id, site: d.alert.site, title: d.message.title, text: d.message.body, alert };
      if (d.message.link !== undefined) payload.link = d.message.link;
      const body = JSON.stringify(payload);
      const ts = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = { ...c.headers, 'content-type': 'application/json; charset=utf-8', 'webhook-id': d.id, 'webhook-timestamp': String(ts) };
      if (c.key !== undefined) headers['webhook-signature'] = webhookSignature(c.key, d.id, ts, body);
      await post(c.url, headers, body, timeoutMs, await dispatcher.get());
    },
    close() {
      dispatcher.close();
    },
  };
}

/** RFC 2047 encoded-word (`=?UTF-8?B?…?=`) for a header value that is not plain ASCII; ntfy decodes it. */
export function headerValue(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function ntfySender(c: NtfyChannel): Sender {
  const dispatcher = lazyDispatcher(c);
  return {
    async send(d, timeoutMs) {
      // ntfy's publish API (https://docs.ntfy.sh/publish/): the body is the message, the headers its title, priority, tags, click URL
      const headers: Record<string, string> = {
        'content-type': 'text/plain; charset=utf-8',
        title: headerValue(d.message.title),
        priority: String(d.message.priority),
        tags: d.alert.severity === 'high' ? 'rotating_light' : 'warning',
        'x-quietband-delivery': d.id,
      };
      if (d.message.link !== undefined) headers.click = d.message.link;
      if (c.token !== undefined) headers.authorization = `Bearer ${c.token}`;
      await post(c.url, headers, d.message.body, timeoutMs, await dispatcher.get());
    },
    close() {
      dispatcher.close();
    },
  };
}

function emailSender(c: EmailChannel): Sender {
  const s = c.smtp;
  let made: Transporter | undefined;
  const transport = async (): Promise<Transporter> => (made ??= (await import('nodemailer')).default.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure,
    ...(s.username !== undefined ? { auth: { user: s.username, pass: s.password ?? '' } } : {}),
    tls: { rejectUnauthorized: s.rejectUnauthorized, ...(c.ca !== undefined ? { ca: trustedCas(c.ca) } : {}) },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
  }));
  return {
    async send(d, timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${delayText('en', timeoutMs)}`)), timeoutMs);
      });
      try {
        await Promise.race([
          transport().then((t) => t.sendMail({ from: c.from, to: c.to, subject: d.message.title, text: d.message.body, headers: { 'X-QuietBand-Delivery': d.id } })),
          timeout,
        ]);
      } catch (err) {
        const e = err as Error & { responseCode?: number; code?: string };
        throw new Error(e.responseCode !== undefined ? `SMTP ${e.responseCode}: ${e.message}` : (e.code ?? e.message));
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      made?.close();
    },
  };
}

/** The sender of a channel. */
export function createSender(c: ChannelSettings): Sender {
  return c.type === 'webhook' ? webhookSender(c) : c.type === 'ntfy' ? ntfySender(c) : emailSender(c);
}
