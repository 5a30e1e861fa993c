// HTTP routes of the known-emitter list (GET /known-emitters, DELETE /known-emitters?id=…) for the server's `routes` option.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AlertBus } from '../alerts/alert-bus.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { KnownEmitterEntry } from '../server/protocol.js';
import { MARKABLE_KINDS, type KnownEmitter, type KnownEmitters } from './known-emitters.js';

/** An extra route of the server (`ServerOptions.routes`): true when it answered. */
export type KnownEmitterRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/** Header a removal must carry: a cross-site form or image cannot set it, and a cross-site script needs a CORS preflight this server never grants. */
export const STATE_CHANGE_HEADER = 'x-quietband-request';

/** What {@link knownEmitterRoutes} does beyond the list. */
export interface KnownEmitterRouteOptions {
  now?: () => number;
  /**
   * Called after an emitter was removed, with its id and who removed it (`ackBy` form: "<name> (<identity>)"):
   * gives back the alerts it hid (AlertBus.unmarkKnown); resolves the number of alerts given back, or that and the
   * alerts another emitter still hides ({@link RemovalOutcome}).
   */
  onRemoved?: (e: KnownEmitter, id: string, by: string) => Promise<number | RemovalOutcome>;
  /** The requester's identity in `by` (`local@127.0.0.1`, `token@10.0.0.5`). Default: the peer address. */
  identity?: (req: IncomingMessage) => string;
}

/** What removing a known emitter did to the alerts it hid. */
export interface RemovalOutcome {
  /** Alerts given back (an `unmark` record each). */
  restored: number;
  /** Alerts it hid that stay known because another emitter covers them: per label of that emitter, how many (first-seen order). */
  stillKnown: { label: string; count: number }[];
}

/**
 * Routes (behind the server's auth, like every route):
 * - `GET /known-emitters` → `{ emitters: KnownEmitterEntry[] }` (configured first, then marked);
 * - `DELETE /known-emitters?id=ID[&by=NAME]` with header `X-QuietBand-Request: 1` → 200 `{ removed: KnownEmitterEntry,
 *   restored: n, stillKnown: [{ label, count }] }` (n alerts it hid given back by `o.onRemoved`; `stillKnown`: those
 *   another emitter still hides, per its label; recorded as removed by "NAME (<identity>)"; NAME
 *   default `supervisor`, at most 100 characters); 403 without the header or with an Origin that is not the Host; 404
 *   for an unknown or configured id; 500 when the file cannot be written. Other methods → 405.
 */
export function knownEmitterRoutes(known: KnownEmitters, log: Logger, o: KnownEmitterRouteOptions = {}): KnownEmitterRoute[] {
  const now = o.now ?? Date.now;
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
  };
  const entry = (e: ReturnType<KnownEmitters['list']>[number], nowMs: number): KnownEmitterEntry => {
    const until = known.expiryOf(e);
    const out: KnownEmitterEntry = { id: known.idOf(e), label: e.label, lowHz: e.lowHz, highHz: e.highHz, origin: e.origin, expired: until !== undefined && nowMs >= until, removable: e.origin === 'marked' };
    if (e.sensor !== undefined) out.sensor = e.sensor;
    if (e.addedAt !== undefined) out.addedAt = e.addedAt;
    if (e.addedBy !== undefined) out.addedBy = e.addedBy;
    if (e.alertId !== undefined) out.alertId = e.alertId;
    if (until !== undefined) out.expiresMs = until;
    return out;
  };
  return [
    (req, res, url) => {
      if (url.pathname !== '/known-emitters') return false;
      if (req.method === 'GET' || req.method === 'HEAD') {
        const nowMs = now();
        json(res, 200, { emitters: known.list().map((e) => entry(e, nowMs)) });
        return true;
      }
      if (req.method !== 'DELETE') {
        res.writeHead(405, { Allow: 'GET, DELETE', 'Content-Type': 'text/plain; charset=utf-8' }).end('GET or DELETE\n');
        return true;
      }
      const origin = req.headers.origin;
      if (req.headers[STATE_CHANGE_HEADER] !== '1' || (origin !== undefined && safeHost(origin) !== req.headers.host)) {
        json(res, 403, { error: `DELETE /known-emitters needs the header ${STATE_CHANGE_HEADER}: 1 and a same-origin request` });
        return true;
      }
      const id = url.searchParams.get('id') ?? '';
      const nowMs = now();
      const target = known.list().find((e) => known.idOf(e) === id);
      if (target === undefined || target.origin !== 'marked') {
        json(res, 404, { error: target === undefined ? `no known emitter with id "${id}"` : `"${id}" comes from the site config: edit the config to remove it` });
        return true;
      }
      const shown = entry(target, nowMs);
      const name = (url.searchParams.get('by') ?? '').trim().slice(0, 100);
      const by = `${name === '' ? 'supervisor' : name} (${o.identity?.(req) ?? req.socket.remoteAddress ?? '?'})`;
      known.remove(id, by).then(
        async (removed) => {
          if (removed === undefined) return json(res, 404, { error: `no known emitter with id "${id}"` });
          // the list is written: the alerts it hid count again (a failure here is logged, the removal stands)
          const outcome = await (o.onRemoved?.(removed, id, by) ?? Promise.resolve(0)).catch((err: unknown) => {
            log.error({ err, id }, 'alerts hidden by the removed known emitter not given back');
            return 0;
          });
          const { restored, stillKnown } = typeof outcome === 'number' ? { restored: outcome, stillKnown: [] } : outcome;
          json(res, 200, { removed: shown, restored, stillKnown });
        },
        (err: unknown) => {
          log.error({ err, id }, 'known emitter not removed');
          json(res, 500, { error: (err as Error).message });
        },
      );
      return true;
    },
  ];
}

/**
 * The `onRemoved` of {@link knownEmitterRoutes} for a site: gives back, through `bus.unmarkKnown`, the alerts the removed
 * emitter hid that no emitter left on `known` covers (at `now`), as that method defines for overlapping emitters; the
 * others are counted per label of the emitter that still covers them.
 */
export function giveBackHidden(bus: AlertBus, known: KnownEmitters, now: () => number = Date.now): NonNullable<KnownEmitterRouteOptions['onRemoved']> {
  return async (e, id, by) => {
    const emitter = { id, label: e.label, lowHz: e.lowHz, highHz: e.highHz, ...(e.sensor !== undefined ? { sensor: e.sensor } : {}), ...(e.alertId !== undefined ? { alertId: e.alertId } : {}) };
    const list = {
      coveredBy: (sensor: string, centerHz: number) => {
        const k = known.match(sensor, centerHz, now());
        return k === undefined ? undefined : { id: known.idOf(k), label: k.label };
      },
      exists: (kid: string) => known.list().some((k) => known.idOf(k) === kid),
    };
    const done = await bus.unmarkKnown(emitter, by, list);
    const stillKnown: RemovalOutcome['stillKnown'] = [];
    for (const rec of done.kept ?? []) {
      const label = rec.knownLabel ?? '?';
      const seen = stillKnown.find((x) => x.label === label);
      if (seen !== undefined) seen.count++;
      else stillKnown.push({ label, count: 1 });
    }
    return { restored: done.length, stillKnown };
  };
}

/** Who gives back an orphaned alert at start ({@link giveBackOrphans}): the `ackBy` of its `unmark` record. */
export const ORPHAN_REMOVER = 'quietband';

/**
 * At daemon start: gives back (through {@link giveBackHidden}, so an emitter still covering it keeps it known under that
 * emitter) every alert marked known from itself (a transmission or calibration emitter with a `known` record, no
 * `knownEmitterId`) whose own mark (`marked:<alertId>`) is no longer on `known`. A daemon before the re-attribution of
 * AlertBus.unmarkKnown left such an alert known for good when its mark was removed while an overlapping mark covered it
 * and that one was removed later. Resolves the number of alerts given back; `by` defaults to {@link ORPHAN_REMOVER}.
 */
export async function giveBackOrphans(bus: AlertBus, store: AlertStore, known: KnownEmitters, by = ORPHAN_REMOVER, now: () => number = Date.now): Promise<number> {
  const ids = new Set(known.list().map((e) => known.idOf(e)));
  const give = giveBackHidden(bus, known, now);
  let restored = 0;
  for (const e of [...store.allStates()]) {
    if (e.state !== 'known' || e.beforeKnown === undefined || e.knownEmitterId !== undefined || !MARKABLE_KINDS.has(e.kind)) continue;
    const id = `marked:${e.alertId}`;
    if (ids.has(id)) continue;
    const out = await give({ origin: 'marked', label: e.knownLabel ?? id, lowHz: NaN, highHz: NaN, sensor: e.sensor, alertId: e.alertId }, id, by);
    restored += typeof out === 'number' ? out : out.restored;
  }
  return restored;
}

/** `host[:port]` of an Origin header value, or '' when it is not a URL. */
function safeHost(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return '';
  }
}
