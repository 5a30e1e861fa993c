// GET /healthz: is the site well (200) or not (503), with the figures a monitor reads.
import type { AlertFeedHistory } from '../alerts/alert-feed.js';
import { sendJson, type HttpRoute } from './http-reply.js';
import type { SensorHealth } from './protocol.js';

/** Path of the route. */
export const HEALTH_PATH = '/healthz';

/** What {@link healthRoute} reads at each request. */
export interface HealthSource {
  site: string;
  /** Stored side of the alert feed (its `lastSeq`). */
  records: AlertFeedHistory;
  /** Latest sensor health (the last status broadcast, or the 'starting' one). */
  sensors(): readonly SensorHealth[];
  /** WebSocket clients connected now. */
  clientCount(): number;
  /** What is wrong now, one sentence each (ServerOptions.healthProblems). */
  problems?: () => string[];
  /** More facts merged into the answer (ServerOptions.healthFacts). */
  facts?: () => Record<string, unknown>;
}

/**
 * `GET /healthz` → `{ ok, problems, site, sensorsOnline, sensorsTotal, lastSeq, clients, …facts }` as JSON: 200 while
 * `problems` is empty, else 503 with `ok: false`. Behind the server's auth like every route but `/login`.
 */
export function healthRoute(src: HealthSource): HttpRoute {
  return (_req, res, url) => {
    if (url.pathname !== HEALTH_PATH) return false;
    const problems = src.problems?.() ?? [];
    const sensors = src.sensors();
    sendJson(res, problems.length === 0 ? 200 : 503, {
      ok: problems.length === 0,
      problems,
      site: src.site,
      sensorsOnline: sensors.filter((s) => s.online).length,
      sensorsTotal: sensors.length,
      lastSeq: src.records.lastSeq,
      clients: src.clientCount(),
      ...src.facts?.(),
    });
    return true;
  };
}
