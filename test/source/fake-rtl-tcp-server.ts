// In-process fake rtl_tcp servers (node:net on port 0) for the rtl_tcp source tests.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach } from 'vitest';
import type { RtlTcpSource } from '../../src/source/rtl-tcp-source.js';
import { xorshiftFill } from '../fake-librtlsdr/fake-env.js';

/** One accepted client connection as the fake server saw it. */
export interface FakeConnection {
  socket: net.Socket;
  /** Every byte the client sent (the 5-byte commands). */
  received: Buffer;
  /** performance.now() at accept and at close (null while open). */
  acceptedAtMs: number;
  closedAtMs: number | null;
  /** Index of this connection (0-based). */
  index: number;
}

/** The 12-byte rtl_tcp header: "RTL0", tuner type (5 = R820T), gain count (29), both uint32 BE. */
export function rtlHeader(tunerType = 5, gainCount = 29): Buffer {
  const b = Buffer.alloc(12);
  b.write('RTL0', 0, 'latin1');
  b.writeUInt32BE(tunerType, 4);
  b.writeUInt32BE(gainCount, 8);
  return b;
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Deterministic bytes (xorshift32), with 0 and 255 present so clipping is exercised. */
export function prngBytes(n: number, seed = 0x1234567): Buffer {
  return xorshiftFill(Buffer.alloc(n), seed);
}

/** A TCP server on 127.0.0.1:0 that hands each connection to `onConnection` and records what clients send. */
export class FakeRtlTcpServer {
  readonly connections: FakeConnection[] = [];
  private readonly server: net.Server;
  private waiters: { n: number; resolve: () => void }[] = [];
  port = 0;

  private constructor(onConnection: (conn: FakeConnection) => void) {
    this.server = net.createServer((socket) => {
      socket.setNoDelay(true);
      const conn: FakeConnection = { socket, received: Buffer.alloc(0), acceptedAtMs: performance.now(), closedAtMs: null, index: this.connections.length };
      this.connections.push(conn);
      socket.on('data', (d: Buffer) => {
        conn.received = Buffer.concat([conn.received, d]);
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        conn.closedAtMs = performance.now();
      });
      for (const w of this.waiters.filter((w) => this.connections.length >= w.n)) w.resolve();
      this.waiters = this.waiters.filter((w) => this.connections.length < w.n);
      onConnection(conn);
    });
  }

  /** Starts a server; `onConnection` runs for every accepted client. */
  static async start(onConnection: (conn: FakeConnection) => void): Promise<FakeRtlTcpServer> {
    const s = new FakeRtlTcpServer(onConnection);
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.port = (s.server.address() as net.AddressInfo).port;
    return s;
  }

  /** Resolves when at least `n` connections have been accepted; rejects after `timeoutMs`. */
  waitForConnections(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.connections.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`only ${this.connections.length} of ${n} connections within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }

  /** Destroys every connection and stops listening. */
  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Resolves when `cond()` is true (polled every 10 ms); rejects after `timeoutMs` naming `what`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}

/**
 * Streams `bytesPerSecond` of data from `source` (looped) to `socket` in 20 ms ticks, paced by elapsed time so the
 * average rate is exact. Returns a stop function.
 */
export function paceStream(socket: net.Socket, source: Buffer, bytesPerSecond: number): () => void {
  const t0 = performance.now();
  let sent = 0;
  let pos = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) {
      clearInterval(timer);
      return;
    }
    let due = Math.floor(((performance.now() - t0) / 1000) * bytesPerSecond) - sent;
    due -= due % 2;
    while (due > 0) {
      const n = Math.min(due, source.length - pos);
      socket.write(source.subarray(pos, pos + n));
      pos = (pos + n) % source.length;
      sent += n;
      due -= n;
    }
  }, 20);
  return () => clearInterval(timer);
}

/** A copy of one yielded block (sources reuse their block objects). */
export interface BlockCopy {
  firstSample: number;
  tuneId: number;
  discontinuity: boolean;
  clipFraction: number;
  count: number;
  samples: Float32Array;
  atMs: number;
}

/** Iterates `blocks` in the background, copying each block; `done` resolves with the error that ended it, or null. */
export function collectBlocks(
  blocks: AsyncIterable<{ firstSample: number; tuneId: number; discontinuity: boolean; clipFraction: number; count: number; samples: Float32Array }>,
  opts: { perBlockDelayMs?: number } = {},
): { blocks: BlockCopy[]; done: Promise<unknown> } {
  const out: BlockCopy[] = [];
  const done = (async () => {
    try {
      for await (const b of blocks) {
        out.push({
          firstSample: b.firstSample,
          tuneId: b.tuneId,
          discontinuity: b.discontinuity,
          clipFraction: b.clipFraction,
          count: b.count,
          samples: b.samples.slice(0, 2 * b.count),
          atMs: performance.now(),
        });
        if (opts.perBlockDelayMs) await delay(opts.perBlockDelayMs);
      }
      return null;
    } catch (err) {
      return err;
    }
  })();
  return { blocks: out, done };
}

/** cu8 bytes → the floats the source must produce: (b − 127.5) / 127.5 rounded to float32. */
export function cu8ToFloats(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i]! - 127.5) / 127.5;
  return out;
}

/**
 * Lists a test file pushes its fake servers and sources onto; after each test every source, then every server, is
 * closed (sources first: a source closing reconnects to nothing). Call once at a test file's top level.
 */
export function closedAfterEach(): { servers: FakeRtlTcpServer[]; sources: RtlTcpSource[] } {
  const servers: FakeRtlTcpServer[] = [];
  const sources: RtlTcpSource[] = [];
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return { servers, sources };
}
