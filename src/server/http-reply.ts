// Small HTTP helpers shared by the server's routes: the route signature, JSON answers, failed file answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/**
 * One HTTP route: answers the request and returns true when it is its path, else returns false without touching
 * `res`. `url` is the request URL parsed against `http://localhost` (read `pathname` and `searchParams` only).
 */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/** Answers `status` with `body` as JSON (`Cache-Control: no-store`), plus `headers`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

/**
 * Ends a file answer that failed after it started: logs `err` (with `fields`, e.g. the file asked for) as `what` at
 * error level, then answers 500 when no header went out yet, else destroys the response (the client sees a cut
 * transfer rather than a wrong file). `what` must have a Chinese text in src/log-messages-zh.ts (a test checks).
 */
export function failFileAnswer(res: ServerResponse, log: Logger, what: string, err: unknown, fields: Record<string, unknown> = {}): void {
  log.error({ ...fields, err }, what);
  if (!res.headersSent) res.writeHead(500).end();
  else res.destroy();
}
