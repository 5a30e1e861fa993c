// Test helper: an in-process TCP relay whose server → client direction can be throttled to a byte rate (a slow network
// link between an rtl_tcp server and its client), and a reader of the fake librtlsdr's per-transfer tags in the bytes.
import net from 'node:net';

/** Bytes of one rtl_tcp transfer (librtlsdr's default buffer, 131072 I/Q pairs). */
const TRANSFER_BYTES = 262_144;
/** The rtl_tcp header ("RTL0", tuner type, gain count) before the samples. */
const HEADER_BYTES = 12;
/** Tag bytes at the start of each transfer (FAKE_RTLSDR_TRANSFER_INDEX=lsb: one bit per byte's LSB). */
const TAG_BYTES = 32;

/**
 * Counts the transfers missing from one rtl_tcp connection's byte stream whose transfers carry the fake librtlsdr's
 * LSB tags (FAKE_RTLSDR_TRANSFER_INDEX=lsb: transfer k's first 32 bytes hold k mod 2^16 and its complement in their
 * LSBs). rtl_tcp forwards whole transfers, so transfer j of the stream starts at byte 12 + 262144 j: the k read there
 * minus the one before, less 1, is what the server never sent (freed from its queue) or the library never delivered.
 * A tag whose complement does not match throws: the reader lost its place (a partial transfer), the count would be
 * meaningless.
 */
export class TransferTagReader {
  /** Transfers missing between the first tag read and the last (the truth a loss counter is checked against). */
  skipped = 0;
  /** Transfers whose tag was read. */
  transfers = 0;
  /** Tag of the first transfer read on this connection, -1 before. */
  firstIndex = -1;
  /** Each gap: when its next tag arrived (performance.now() ms), and how many transfers were missing. */
  readonly gaps: { atMs: number; transfers: number }[] = [];
  private offset = 0;
  private tag = 0;
  private lastIndex = -1;

  /** Reads a chunk of the server → client stream (from its first byte, the header included) arriving at `nowMs`. */
  push(chunk: Buffer, nowMs: number): void {
    for (let i = 0; i < chunk.length; i++, this.offset++) {
      if (this.offset < HEADER_BYTES) continue;
      const inTransfer = (this.offset - HEADER_BYTES) % TRANSFER_BYTES;
      if (inTransfer >= TAG_BYTES) {
        // skip to the next transfer's first byte
        const skip = Math.min(chunk.length - i, TRANSFER_BYTES - inTransfer) - 1;
        i += skip;
        this.offset += skip;
        continue;
      }
      if (inTransfer === 0) this.tag = 0;
      this.tag |= (chunk[i]! & 1) << inTransfer;
      if (inTransfer === TAG_BYTES - 1) this.onTag(this.tag >>> 0, nowMs);
    }
  }

  private onTag(tag: number, nowMs: number): void {
    const k = tag & 0xffff;
    if (tag >>> 16 !== (~k & 0xffff)) throw new Error(`transfer tag ${tag.toString(16)} at stream byte ${this.offset}: complement mismatch (not at a transfer start)`);
    this.transfers++;
    if (this.lastIndex < 0) this.firstIndex = k;
    else {
      const gap = (k - this.lastIndex - 1 + 65536) % 65536;
      if (gap > 0) {
        this.skipped += gap;
        this.gaps.push({ atMs: nowMs, transfers: gap });
      }
    }
    this.lastIndex = k;
  }
}

/** Options of {@link ThrottleRelay.start}. */
export interface ThrottleRelayOptions {
  /**
   * Most bytes read from the server and not yet written to the client (the relay's own buffer; default 262144: a timer
   * 50 ms late on a loaded machine still finds more waiting than the bucket lets through at 2.9 MB/s).
   */
  maxPendingBytes?: number;
  /** Called for every server → client chunk as it is forwarded (with performance.now() ms). */
  onForward?: (chunk: Buffer, nowMs: number) => void;
  /** Called when a client connects, before any of its bytes are forwarded. */
  onConnect?: () => void;
}

/**
 * A TCP relay on 127.0.0.1 (an ephemeral port) to `127.0.0.1:targetPort`, one client at a time. Client → server bytes
 * pass at once; server → client bytes pass at most at {@link setRateBytesPerS} (a token bucket refilled every 5 ms,
 * holding at most 200 ms of tokens: a late timer on a loaded machine still lets the set rate through), or at once while unlimited. The relay holds at most `maxPendingBytes` itself and
 * stops reading from the server beyond that, so a throttled link backs up into the socket buffers and then the server,
 * as a slow network path does. `forwardedBytes` counts what reached the client side (for the measured throughput).
 */
export class ThrottleRelay {
  /** Server → client bytes written to the client since the relay started. */
  forwardedBytes = 0;
  /**
   * Time (ms) the client side was backed up (its socket needed a drain) while bytes waited in the relay: the client,
   * not the throttle, held the link back then.
   */
  clientBoundMs = 0;
  private backedUpSinceMs: number | null = null;
  private rateBytesPerS: number | null = null;
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private tokens = 0;
  private lastRefillMs = performance.now();
  private upstream: net.Socket | null = null;
  private downstream: net.Socket | null = null;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly maxPending: number,
    private readonly hooks: ThrottleRelayOptions,
  ) {
    this.timer = setInterval(() => this.pump(), 5);
  }

  /** Listens on 127.0.0.1 (ephemeral port) and relays each client to `127.0.0.1:targetPort`. */
  static async start(targetPort: number, o: ThrottleRelayOptions = {}): Promise<ThrottleRelay> {
    let relay: ThrottleRelay | null = null;
    const server = net.createServer((client) => relay!.accept(client, targetPort));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    relay = new ThrottleRelay(server, (server.address() as net.AddressInfo).port, o.maxPendingBytes ?? 262_144, o);
    return relay;
  }

  /** Limits server → client bytes to `bytesPerS` (B/s), or lifts the limit (null). */
  setRateBytesPerS(bytesPerS: number | null): void {
    this.rateBytesPerS = bytesPerS;
    this.tokens = 0;
    this.lastRefillMs = performance.now();
    this.pump();
  }

  private accept(client: net.Socket, targetPort: number): void {
    this.upstream?.destroy();
    this.downstream?.destroy();
    this.pending.length = 0;
    this.pendingBytes = 0;
    this.hooks.onConnect?.();
    const server = net.connect(targetPort, '127.0.0.1');
    this.upstream = server;
    this.downstream = client;
    client.on('data', (d) => server.write(d));
    server.on('data', (d: Buffer) => {
      this.pending.push(d);
      this.pendingBytes += d.length;
      if (this.pendingBytes >= this.maxPending) server.pause();
      this.pump();
    });
    client.on('drain', () => {
      if (this.backedUpSinceMs !== null) this.clientBoundMs += performance.now() - this.backedUpSinceMs;
      this.backedUpSinceMs = null;
      this.pump();
    });
    const end = (): void => {
      client.destroy();
      server.destroy();
    };
    client.on('close', end);
    server.on('close', end);
    client.on('error', end);
    server.on('error', end);
  }

  /** Forwards what the bucket allows (everything while unlimited), unless the client side is backed up. */
  private pump(): void {
    const client = this.downstream;
    if (client === null || client.destroyed) return;
    const now = performance.now();
    if (this.rateBytesPerS !== null) {
      this.tokens = Math.min(this.tokens + ((now - this.lastRefillMs) / 1000) * this.rateBytesPerS, this.rateBytesPerS / 5);
    }
    this.lastRefillMs = now;
    while (this.pending.length > 0 && client.writableNeedDrain === false) {
      let chunk = this.pending[0]!;
      if (this.rateBytesPerS !== null) {
        const allowed = Math.floor(this.tokens);
        if (allowed <= 0) break;
        if (chunk.length > allowed) {
          this.pending[0] = chunk.subarray(allowed);
          chunk = chunk.subarray(0, allowed);
        } else this.pending.shift();
        this.tokens -= chunk.length;
      } else this.pending.shift();
      this.pendingBytes -= chunk.length;
      this.forwardedBytes += chunk.length;
      this.hooks.onForward?.(chunk, now);
      client.write(chunk);
    }
    if (this.pending.length > 0 && client.writableNeedDrain && this.backedUpSinceMs === null) this.backedUpSinceMs = now;
    if (this.pendingBytes < this.maxPending && this.upstream?.isPaused()) this.upstream.resume();
  }

  /** Closes the relay and both sides of its connection. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.upstream?.destroy();
    this.downstream?.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
