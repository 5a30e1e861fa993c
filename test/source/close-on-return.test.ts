// closeOnReturn: a consumer that gives up on a block stream while a next() still waits (no data coming) closes the
// source at once: no socket left open, no reconnect after (RtlTcpSource against a server that goes silent).
import { readdirSync, readlinkSync } from 'node:fs';
import { expect, it } from 'vitest';
import { closeOnReturn } from '../../src/source/close-on-return.js';
import { RtlTcpSource } from '../../src/source/rtl-tcp-source.js';
import { closedAfterEach, delay, FakeRtlTcpServer, rtlHeader, waitFor } from './fake-rtl-tcp-server.js';

const { servers, sources } = closedAfterEach();

/** Open sockets of this process (Linux: the socket:[…] links in /proc/self/fd). */
function openSockets(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // the fd of readdirSync itself is gone by now
    }
  }
  return n;
}

it('an rtl_tcp stream cut off while next() waits on a silent server: closed at once, 0 sockets left, no reconnect', async () => {
  // header, then nothing: the watchdog (300 ms) drops the connection and the source reconnects, again and again
  const server = await FakeRtlTcpServer.start((c) => c.socket.write(rtlHeader()));
  servers.push(server);
  const before = openSockets();
  const src = new RtlTcpSource({ host: '127.0.0.1', port: server.port, centerHz: 433_920_000, rateSps: 250_000, gainDb: 20, stallTimeoutMs: 300, reconnectInitialMs: 50, reconnectMaxMs: 100 });
  sources.push(src);
  const it = src.blocks()[Symbol.asyncIterator]();
  const pending = it.next();
  await waitFor(() => src.health().state === 'settling', 3000, 'the header');
  expect(openSockets()).toBe(before + 2); // our end and the server's
  // before the fix the return was queued behind the pending next(), which no block would ever end
  const returned = await Promise.race([it.return!(undefined).then(() => 'returned'), delay(2000).then(() => 'still waiting after 2 s')]);
  expect(returned).toBe('returned');
  expect(src.health().state).toBe('closed');
  expect(await pending).toEqual({ done: true, value: undefined });
  const connections = server.connections.length;
  await waitFor(() => server.connections.every((c) => c.closedAtMs !== null), 1000, 'the server side closed');
  await delay(600); // two watchdog periods and the backoff: no new connection
  expect(server.connections.length).toBe(connections);
  expect(openSockets()).toBe(before);
});

it('closeOnReturn passes next() and throw() through and closes once before the generator returns', async () => {
  const order: string[] = [];
  async function* gen(): AsyncGenerator<number, void, undefined> {
    try {
      yield 1;
      yield 2;
    } finally {
      order.push('finally');
    }
  }
  const it = closeOnReturn(gen(), async () => void order.push('close'))[Symbol.asyncIterator]();
  expect(await it.next()).toEqual({ done: false, value: 1 });
  expect(await it.return!(undefined)).toEqual({ done: true, value: undefined });
  expect(order).toEqual(['close', 'finally']);
  await expect(closeOnReturn(gen(), async () => undefined)[Symbol.asyncIterator]().throw!(new Error('x'))).rejects.toThrow('x');
});
