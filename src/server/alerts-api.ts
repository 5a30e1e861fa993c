// GET /api/alerts: the stored alert records as JSON, for scripts and other systems (behind the server's auth like every route).
import type { Alert } from '../alerts/alert.js';
import type { AlertFeedHistory } from '../alerts/alert-feed.js';
import type { HttpRoute } from './http-reply.js';

/** Path of the route. */
export const ALERTS_API_PATH = '/api/alerts';
/** Records returned by one request at most (default and ceiling of `limit`). */
export const ALERTS_API_DEFAULT_LIMIT = 1000;
export const ALERTS_API_MAX_LIMIT = 10_000;

/** Body of a 200 answer. */
export interface AlertsApiAnswer {
  site: string;
  /** Highest stored seq at the time of the request. */
  lastSeq: number;
  /** Matching records in seq order (every record: open, update, close, ack, known, escalate). */
  alerts: Alert[];
  /** True when `limit` cut the list: ask again with `since` = the last returned seq. */
  more: boolean;
}

/** A parsed query, or the reason it is refused (400). */
export function parseAlertsQuery(url: URL): { sinceSeq: number; sinceMs: number | null; session: string | null; limit: number } | { error: string } {
  const since = url.searchParams.get('since');
  let sinceSeq = 0;
  let sinceMs: number | null = null;
  if (since !== null && since !== '') {
    if (/^\d{1,15}$/.test(since)) sinceSeq = Number(since);
    else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(since) && Number.isFinite(Date.parse(since))) sinceMs = Date.parse(since);
    else return { error: `since: "${since.slice(0, 60)}" is neither a seq (records after it) nor an ISO time with a zone such as 2026-06-07T09:00:00+08:00 (records from it on)` };
  }
  const session = url.searchParams.get('session');
  if (session !== null && (session.length === 0 || session.length > 200)) return { error: 'session: expected a session name of 1-200 characters' };
  const limitText = url.searchParams.get('limit');
  let limit = ALERTS_API_DEFAULT_LIMIT;
  if (limitText !== null) {
    limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > ALERTS_API_MAX_LIMIT) return { error: `limit: expected a whole number 1-${ALERTS_API_MAX_LIMIT}` };
  }
  return { sinceSeq, sinceMs, session, limit };
}

/**
 * `GET /api/alerts[?since=<seq>|<ISO time>][&session=<name>][&limit=<n>]` → {@link AlertsApiAnswer} (application/json).
 * `since` as a seq returns the records after it (what a poller passes back); as an ISO time with a zone, the records
 * whose `time` is at or after it. `session` keeps the records of alerts of that exam session (a record naming it, and
 * the later records of the same alert, such as an ack, which do not repeat it). 400 (text/plain, naming the parameter)
 * for a bad query, 405 for another method. Records are streamed from the store (bounded memory). Put it in the server's
 * `routes`: it is behind the same token/Host/Origin checks as the rest.
 */
export function alertsApiRoute(store: AlertFeedHistory, site: string): HttpRoute {
  return (req, res, url) => {
    if (url.pathname !== ALERTS_API_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return true;
    }
    const q = parseAlertsQuery(url);
    if ('error' in q) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(`${ALERTS_API_PATH}: ${q.error}\n`);
      return true;
    }
    (async () => {
      const lastSeq = store.lastSeq;
      const alerts: Alert[] = [];
      let more = false;
      const ofSession = new Set<string>();
      for await (const a of store.readSince(q.sinceSeq)) {
        if (q.sinceMs !== null && !(Date.parse(a.time) >= q.sinceMs)) continue;
        if (q.session !== null) {
          if (a.session === q.session) ofSession.add(a.alertId);
          else if (!ofSession.has(a.alertId)) continue;
        }
        if (alerts.length === q.limit) {
          more = true;
          break;
        }
        alerts.push(a);
      }
      const body: AlertsApiAnswer = { site, lastSeq, alerts, more };
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
    })().catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${ALERTS_API_PATH}: cannot read the alert store: ${(err as Error).message}\n`);
    });
    return true;
  };
}
