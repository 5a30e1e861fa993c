// Test helpers for alerts/server tests: temp dirs, a store+bus+server stack, a recording WebSocket client.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocket, type ClientOptions } from 'ws';
import { AlertBus, type AlertBusOptions } from '../../src/alerts/alert-bus.js';
import { AlertStore, type AlertStoreOptions } from '../../src/alerts/alert-store.js';
import type { Alert, ServerMessage } from '../../src/server/protocol.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import type { DetectionEvent } from '../../src/types.js';

/** Creates a fresh temp dir under os.tmpdir(); `cleanup()` removes it. */
export function tempDir(prefix = 'qb-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A pino logger writing JSON lines into `lines` (for asserting warnings). */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

/** A DetectionEvent with plausible values: centre 433.92 MHz + id kHz. */
export function det(id: number, kind: DetectionEvent['kind'] = 'open', extra: Partial<DetectionEvent> = {}): DetectionEvent {
  const centerHz = 433_920_000 + id * 1000;
  return {
    kind,
    id,
    centerHz,
    bandwidthHz: 12_500,
    lowHz: centerHz - 6250,
    highHz: centerHz + 6250,
    peakExcessDb: 18.5,
    peakPowerDbfs: -42.25,
    startS: 1.5,
    paths: ['fast'],
    overload: false,
    tuneId: 1,
    packets: 1,
    ...extra,
  };
}

export interface Stack {
  dir: string;
  store: AlertStore;
  bus: AlertBus;
  server: RunningServer;
  wsUrl: string;
  close: () => Promise<void>;
}

/**
 * Opens an alert store and bus on a temp data dir (site `site`) collecting every emitted record in `emitted`;
 * `close` closes both and removes the dir.
 */
export async function busOnTempDir(prefix: string, busOpts: Partial<AlertBusOptions> = {}, site = 'hall-a'): Promise<{ store: AlertStore; bus: AlertBus; emitted: Alert[]; close: () => Promise<void> }> {
  const t = tempDir(prefix);
  const store = await AlertStore.open({ dataDir: t.dir, site });
  const bus = new AlertBus({ store, ...busOpts });
  const emitted: Alert[] = [];
  bus.on('alert', (a) => emitted.push(a));
  return {
    store, bus, emitted,
    close: async () => {
      await bus.close();
      await store.close();
      t.cleanup();
    },
  };
}

/** Opens store + bus + server (port 0, loopback) on a temp data dir (or `dir`). */
export async function startStack(
  serverOpts: Partial<ServerOptions> = {},
  busOpts: Partial<AlertBusOptions> = {},
  dir?: string,
  storeOpts: Partial<AlertStoreOptions> = {},
): Promise<Stack> {
  const td = dir === undefined ? tempDir() : { dir, cleanup: () => undefined };
  const store = await AlertStore.open({ dataDir: td.dir, site: 'hall-a', ...storeOpts });
  const bus = new AlertBus({ store, ...busOpts });
  let server: RunningServer;
  try {
    server = await startServer({
    port: 0,
    site: 'hall-a',
    sensors: [{ name: 's1', centerHz: 433_920_000, rateSps: 2_048_000, fftSize: 4096 }],
    store,
    bus,
    dataDir: td.dir,
    ...serverOpts,
    });
  } catch (err) {
    await bus.close();
    await store.close();
    td.cleanup();
    throw err;
  }
  const wsUrl = server.url.replace(/^http/, 'ws') + 'ws';
  return {
    dir: td.dir,
    store,
    bus,
    server,
    wsUrl,
    close: async () => {
      await server.close();
      await bus.close();
      await store.close();
      td.cleanup();
    },
  };
}

/** A WebSocket client that records every server message. */
export class TestClient {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  /** Received alerts, in arrival order. */
  readonly alerts: Alert[] = [];
  /** Arrival time (performance.now()) per alert seq. */
  readonly alertArrivalMs = new Map<number, number>();
  /**
   * False: spectrum messages are counted in {@link spectraSeen} but not kept in {@link messages} (a client taking
   * thousands of spectra would otherwise hold ≈ 25 KB of parsed arrays each, and the garbage collector's pauses on that
   * heap would count in every latency the test measures).
   */
  keepSpectra = true;
  /** Spectrum messages received (kept or not). */
  spectraSeen = 0;
  closeCode: number | null = null;
  private waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (m.type === 'spectrum') this.spectraSeen++;
      if (m.type !== 'spectrum' || this.keepSpectra) this.messages.push(m);
      if (m.type === 'alert') {
        this.alerts.push(m.alert);
        this.alertArrivalMs.set(m.alert.seq, performance.now());
      }
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Connects and resolves on open; rejects on an HTTP error response (error.message carries the status). */
  static open(url: string, opts: ClientOptions = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts);
      const c = new TestClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`HTTP ${res.statusCode}`));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  /** Resolves when `pred()` returns a value other than undefined/false, checked after every message. */
  waitFor<T>(pred: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const v = pred();
        if (v !== undefined && v !== false) {
          clearTimeout(timer);
          resolve(v);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}; got ${this.alerts.length} alerts, last seq ${this.alerts.at(-1)?.seq}`)), timeoutMs);
      const loop = (): void => {
        if (!check()) this.waiters.push(loop);
      };
      loop();
    });
  }

  /** Waits until an alert with this seq arrived. */
  waitForSeq(seq: number, timeoutMs = 5000): Promise<void> {
    return this.waitFor(() => this.alerts.some((a) => a.seq >= seq) || undefined, timeoutMs, `seq ${seq}`).then(() => undefined);
  }

  /** Waits for the close event; resolves with the code. */
  waitClosed(timeoutMs = 5000): Promise<number> {
    return this.waitFor(() => (this.closeCode !== null ? this.closeCode : undefined), timeoutMs, 'close');
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const done = new Promise<void>((r) => this.ws.once('close', () => r()));
    this.ws.close();
    await done;
  }
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
