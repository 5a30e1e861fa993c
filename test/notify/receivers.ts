// Local receivers for notification tests: an HTTP server that records requests (webhook, ntfy) and an SMTP sink.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One request an HTTP receiver got. */
export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export { freePort } from '../helpers.js';

/**
 * An HTTP receiver on 127.0.0.1:`port` (0 = any). Records every POST; answers `failFirst` requests with 503, then 200.
 */
export async function httpReceiver(port = 0, failFirst = 0): Promise<{ url: string; port: number; got: Received[]; refused: number; close(): Promise<void> }> {
  const got: Received[] = [];
  const state = { refused: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.refused < failFirst) {
        state.refused++;
        res.writeHead(503).end('busy');
        return;
      }
      got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${p}/hook`,
    port: p,
    got,
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** One message the SMTP sink got. */
export interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/** An SMTP sink on 127.0.0.1 (no TLS, no auth) recording every message. */
export async function smtpSink(tls?: { cert: Buffer; key: Buffer }): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    // with `tls`: TLS from the first byte (SMTPS, as on port 465)
    ...(tls !== undefined ? { secure: true, cert: tls.cert, key: tls.key } : {}),
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}
