// The sensor worker's side of live listening (docs/listening.md §3): a copy of the stream into a shared ring while
// someone listens, and the listen thread that demodulates it (src/site/listen-worker.ts).
import { join } from 'node:path';
import { BroadcastChannel, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { codedReason } from '../server/message-text.js';
import { listenChannelName, MAX_LISTENS_PER_SENSOR, type ListenControl, type ListenReport } from '../server/listen-channel.js';
import type { IqBlock, IqSourceInfo } from '../types.js';
import { compiledModuleUrl } from '../module-url.js';

/** Path of the listen thread inside the build output, relative to the repository root. */
export const LISTEN_WORKER_DIST_PATH = join('dist', 'src', 'site', 'listen-worker.js');

/** Seconds of IQ the shared ring holds: the listen thread reads it every 20 ms, so it may fall this far behind. */
export const LISTEN_RING_S = 0.5;

/**
 * The shared ring between the sensor thread (writer) and the listen thread (reader): `iq` holds `capacity` complex
 * samples; `pos[0]` counts samples ever written (ring index = count mod capacity), `pos[1]` is the stream's sample
 * index just after the last written one; `seq[0]` is bumped (Atomics) after each block, publishing both.
 */
export interface ListenRing {
  iq: Float32Array;
  pos: Float64Array;
  seq: Int32Array;
  capacity: number;
}

/** Allocates a {@link ListenRing} on SharedArrayBuffers. */
export function createListenRing(capacity: number): ListenRing {
  return {
    iq: new Float32Array(new SharedArrayBuffer(8 * capacity)),
    pos: new Float64Array(new SharedArrayBuffer(16)),
    seq: new Int32Array(new SharedArrayBuffer(4)),
    capacity,
  };
}

/** Sensor thread → listen thread. */
export type ListenThreadMessage =
  /** A new stream (source run): its rate, centre, wall time of its sample 0, and the ring its samples go to. */
  | { type: 'stream'; rateSps: number; centerHz: number; originMs: number; ring: ListenRing }
  | { type: 'start'; listenId: number; offsetHz: number; bandwidthHz: number; cls: 'nfm' | 'wfm' | 'am' }
  | { type: 'stop'; listenId: number };

/** `workerData` of the listen thread. */
export interface ListenThreadData {
  channel: string;
}

/**
 * Live listening in a fixed sensor's worker. Listens the main thread starts on the sensor's BroadcastChannel are
 * demodulated by a listen thread of their own (started at the first), which reads the stream from a shared ring and posts
 * audio on the channel itself: the sensor thread only copies each block into the ring while at least one listen is on
 * (a loop over the block's samples, nothing allocated) and never demodulates, so detection does not wait for it.
 * At most {@link MAX_LISTENS_PER_SENSOR} listens; more are answered `ended` with the reason.
 */
export class ListenTap {
  private readonly channel: BroadcastChannel;
  private readonly channelName: string;
  private thread: Worker | null = null;
  private threadFailed = false;
  private ring: ListenRing | null = null;
  private stream: { info: IqSourceInfo; originMs: number } | null = null;
  private readonly listens = new Map<number, Extract<ListenControl, { type: 'start' }>>();

  constructor(site: string, private readonly sensor: string, private readonly log: Logger) {
    this.channelName = listenChannelName(site, sensor);
    this.channel = new BroadcastChannel(this.channelName);
    this.channel.unref();
    this.channel.onmessage = (ev: unknown) => this.onControl((ev as { data: ListenControl | ListenReport }).data);
  }

  /** A source run started: its blocks follow through {@link push}. */
  attach(info: IqSourceInfo, originMs: number): void {
    this.stream = { info, originMs };
    if (this.listens.size > 0) this.announceStream();
  }

  /** The run ended: its blocks stop (the listens stay on, and resume with the next run). */
  detach(): void {
    this.stream = null;
  }

  /** Hot path: copies the block into the ring while someone listens. */
  push(block: IqBlock): void {
    const r = this.ring;
    if (r === null || this.listens.size === 0) return;
    const cap = r.capacity;
    const src = block.samples;
    const iq = r.iq;
    // at most the ring's worth (a longer block keeps its tail), in two contiguous runs of floats
    let from = 2 * (block.count - Math.min(block.count, cap));
    let at = 2 * ((r.pos[0] + from / 2) % cap);
    while (from < 2 * block.count) {
      const run = Math.min(2 * block.count - from, 2 * cap - at);
      for (let j = 0; j < run; j++) iq[at + j] = src[from + j];
      from += run;
      at = at + run === 2 * cap ? 0 : at + run;
    }
    r.pos[0] += block.count;
    r.pos[1] = block.firstSample + block.count;
    Atomics.add(r.seq, 0, 1);
  }

  /** Ends every listen and the listen thread (worker shutdown). */
  async close(): Promise<void> {
    for (const id of this.listens.keys()) this.report({ type: 'ended', listenId: id, ...codedReason('listen.workerStopped') });
    this.listens.clear();
    this.channel.close();
    const t = this.thread;
    this.thread = null;
    if (t !== null) await t.terminate();
  }

  private onControl(m: ListenControl | ListenReport): void {
    if (m.type !== 'start' && m.type !== 'stop') return; // the listen thread's own reports on the channel
    if (m.type === 'stop') {
      if (this.listens.delete(m.listenId)) this.thread?.postMessage({ type: 'stop', listenId: m.listenId } satisfies ListenThreadMessage);
      return;
    }
    if (this.listens.has(m.listenId)) return;
    if (this.listens.size >= MAX_LISTENS_PER_SENSOR) {
      this.report({ type: 'ended', listenId: m.listenId, ...codedReason('listen.sensorLimit', { sensor: this.sensor, max: MAX_LISTENS_PER_SENSOR }) });
      return;
    }
    const s = this.stream;
    if (s !== null) {
      const offsetHz = m.centerHz - s.info.centerHz;
      if (!(Math.abs(offsetHz) < s.info.rateSps / 2)) {
        this.report({ type: 'ended', listenId: m.listenId, ...codedReason('listen.outsideStream', { mhz: (m.centerHz / 1e6).toFixed(4), sensor: this.sensor, centerMhz: (s.info.centerHz / 1e6).toFixed(4), halfKhz: (s.info.rateSps / 2e3).toFixed(0) }) });
        return;
      }
    }
    if (this.ensureThread() === null) {
      this.report({ type: 'ended', listenId: m.listenId, ...codedReason('listen.threadMissing', { path: LISTEN_WORKER_DIST_PATH, command: 'npm run build' }) });
      return;
    }
    this.listens.set(m.listenId, m);
    this.log.info({ listenId: m.listenId, centerHz: m.centerHz, cls: m.cls, listens: this.listens.size }, 'live listen started');
    if (s !== null) {
      if (this.listens.size === 1 || this.ring === null) this.announceStream();
      else this.startOnThread(m);
    }
  }

  /** (Re)sends the stream and every listen to the thread: a new ring sized for the stream's rate. */
  private announceStream(): void {
    const s = this.stream;
    const t = this.thread;
    if (s === null || t === null) return;
    const capacity = Math.ceil(LISTEN_RING_S * s.info.rateSps);
    if (this.ring === null || this.ring.capacity !== capacity) this.ring = createListenRing(capacity);
    t.postMessage({ type: 'stream', rateSps: s.info.rateSps, centerHz: s.info.centerHz, originMs: s.originMs, ring: this.ring } satisfies ListenThreadMessage);
    for (const m of this.listens.values()) this.startOnThread(m);
  }

  private startOnThread(m: Extract<ListenControl, { type: 'start' }>): void {
    const s = this.stream;
    if (s === null) return;
    this.thread?.postMessage({ type: 'start', listenId: m.listenId, offsetHz: m.centerHz - s.info.centerHz, bandwidthHz: m.bandwidthHz, cls: m.cls } satisfies ListenThreadMessage);
  }

  private ensureThread(): Worker | null {
    if (this.thread !== null || this.threadFailed) return this.thread;
    const url = compiledModuleUrl(import.meta.url, LISTEN_WORKER_DIST_PATH);
    if (url === null) {
      this.threadFailed = true;
      return null;
    }
    const w = new Worker(url, { workerData: { channel: this.channelName } satisfies ListenThreadData });
    w.unref();
    w.on('error', (err) => {
      this.log.error({ err }, 'listen thread failed');
      for (const id of this.listens.keys()) this.report({ type: 'ended', listenId: id, ...codedReason('listen.threadFailed', { error: err.message }) });
      this.listens.clear();
      this.thread = null;
    });
    this.thread = w;
    return w;
  }

  private report(r: ListenReport): void {
    this.channel.postMessage(r);
  }
}

let shared: ListenTap | null = null;

/** The worker's one {@link ListenTap} (created at the first call). */
export function sensorListenTap(site: string, sensor: string, log: Logger): ListenTap {
  shared ??= new ListenTap(site, sensor, log);
  return shared;
}
