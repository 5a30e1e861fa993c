// Live listening on the main thread (docs/listening.md): `listen` / `listen-stop` requests of the WebSocket clients, the
// sensors' listen channels, and the binary audio frames sent to the clients that listen.
import { BroadcastChannel } from 'node:worker_threads';
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { listenChannelName, MAX_LISTENS_PER_SENSOR, type ListenControl, type ListenReport } from './listen-channel.js';
import { codedReason } from './message-text.js';
import { LISTEN_FRAME, type Alert, type AlertMessageCode, type ListenStateMessage } from './protocol.js';
import { BoundedSet } from '../bounded.js';
import { AUDIO_CLASS_CODES, audioClassOf } from '../text-template.js';

/**
 * What an extension of the WebSocket protocol (the listen hub) uses of a client's socket (a `ws` WebSocket is one): its state (`WebSocket.OPEN` = 1 while open),
 * the bytes queued unsent, and send (a text message, or binary with `{ binary: true }`).
 */
export interface ClientSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array, options?: { binary?: boolean }): void;
}

/**
 * What the server hands to an extension of its WebSocket protocol ({@link ServerOptions.wsExtension}): every parsed
 * client message first (true: handled, the server does nothing more with it), and every closed socket.
 */
export interface WsExtension {
  onMessage(ws: ClientSocket, msg: unknown): boolean;
  onClose(ws: ClientSocket): void;
}

/** Options of {@link ListenHub}. */
export interface ListenHubOptions {
  site: string;
  /** The site's sensors; hopping ones cannot be listened to (their channel leaves the stream at every hop). */
  sensors: { name: string; hopping: boolean }[];
  /** Source of alert records (the AlertBus): its `'alert'` events tell which transmissions are open and their class. */
  alerts: { on(event: 'alert', f: (a: Alert) => void): unknown; off(event: 'alert', f: (a: Alert) => void): unknown };
  log: Logger;
  /** Audio frames are skipped for a client whose socket holds at least this many unsent bytes. Default 256 KiB. */
  highWaterBytes?: number;
  /**
   * Called once per listen when its voice test first finds speech (a frame flagged speech-present), with the alert and
   * its sensor: the daemon marks the alert's identification (`signal.speechPresent`) through the sensor's supervisor.
   */
  onSpeech?: (alertId: string, sensor: string) => void;
}

const ListenRequestSchema = z.object({ v: z.literal(1), type: z.enum(['listen', 'listen-stop']), alertId: z.string().min(1).max(200) });

/** Closed alert ids remembered (so a later `ack` record of a closed alert does not look open again). */
const CLOSED_KEPT = 10_000;

/** One listened alert: the clients hearing it share its demodulated channel. */
interface ActiveListen {
  listenId: number;
  alertId: string;
  sensor: string;
  clients: Set<ClientSocket>;
  /** True once a frame of this listen was flagged speech-present (reported to `onSpeech`). */
  speech: boolean;
}

/** A reason in English and, when it has one, its code (`listen-state` `reason` / `reasonCode`). */
interface Coded {
  reason: string;
  reasonCode?: AlertMessageCode;
}

/** Counters of {@link ListenHub.stats}. */
export interface ListenStats {
  listens: number;
  framesSent: number;
  /** Frames not sent to a client whose socket was backed up. */
  framesSkipped: number;
}

/**
 * Live listening for a site daemon: a {@link WsExtension} that takes `listen` / `listen-stop` (protocol.ts), asks the
 * alert's sensor to demodulate its channel (one {@link listenChannelName} BroadcastChannel per sensor) and sends each
 * audio frame to the clients listening, as a binary {@link LISTEN_FRAME}. A listen is refused for an alert that is not an
 * open transmission of an analog class (nfm, wfm, am), on a hopping sensor, and beyond {@link MAX_LISTENS_PER_SENSOR}
 * channels per sensor. It stops when its last client stops or disconnects, when the alert closes, or when the sensor
 * reports it ended (each client is told with a `listen-state` message and why).
 */
export class ListenHub implements WsExtension {
  private readonly o: ListenHubOptions;
  private readonly channels = new Map<string, BroadcastChannel>();
  private readonly openAlerts = new Map<string, Alert>();
  private readonly closed = new BoundedSet<string>(CLOSED_KEPT);
  private readonly byAlert = new Map<string, ActiveListen>();
  private readonly byId = new Map<number, ActiveListen>();
  private nextId = 1 + Math.floor(Math.random() * 0x7fff_0000);
  private readonly counts: ListenStats = { listens: 0, framesSent: 0, framesSkipped: 0 };
  private readonly onAlert = (a: Alert): void => this.track(a);

  constructor(o: ListenHubOptions) {
    this.o = o;
    o.alerts.on('alert', this.onAlert);
    for (const s of o.sensors) {
      if (s.hopping) continue;
      const ch = new BroadcastChannel(listenChannelName(o.site, s.name));
      ch.unref();
      ch.onmessage = (ev: unknown) => this.onReport((ev as { data: ListenReport | ListenControl }).data);
      this.channels.set(s.name, ch);
    }
  }

  /** Counters: listens on now, frames sent and skipped since the start. */
  stats(): ListenStats {
    return { ...this.counts, listens: this.byId.size };
  }

  onMessage(ws: ClientSocket, msg: unknown): boolean {
    const type = (msg as { type?: unknown } | null)?.type;
    if (type !== 'listen' && type !== 'listen-stop') return false;
    const r = ListenRequestSchema.safeParse(msg);
    if (!r.success) {
      const issue = r.error.issues[0];
      send(ws, { v: 1, type: 'error', message: `bad ${type} message: ${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid'} (expected {v:1,type:'${type}',alertId})` });
      return true;
    }
    if (r.data.type === 'listen') this.start(ws, r.data.alertId);
    else this.leave(ws, r.data.alertId, codedReason('listen.byListener'));
    return true;
  }

  onClose(ws: ClientSocket): void {
    for (const l of [...this.byId.values()]) if (l.clients.delete(ws) && l.clients.size === 0) this.end(l, codedReason('listen.disconnected'));
  }

  /** Ends every listen and closes the channels (daemon stop). */
  close(): void {
    for (const l of [...this.byId.values()]) this.end(l, codedReason('listen.daemonStopping'));
    this.o.alerts.off('alert', this.onAlert);
    for (const ch of this.channels.values()) ch.close();
    this.channels.clear();
  }

  private track(a: Alert): void {
    if (a.kind !== 'transmission') return;
    if (a.event === 'close') {
      this.openAlerts.delete(a.alertId);
      this.closed.add(a.alertId);
      const l = this.byAlert.get(a.alertId);
      if (l !== undefined) this.end(l, codedReason('listen.alertClosed'));
    } else if (!this.closed.has(a.alertId)) this.openAlerts.set(a.alertId, a);
  }

  private start(ws: ClientSocket, alertId: string): void {
    const refuse = (why: Coded): void => send(ws, { v: 1, type: 'listen-state', alertId, state: 'refused', ...why });
    const a = this.openAlerts.get(alertId);
    if (a === undefined) return refuse(codedReason('listen.noOpenAlert', { alertId }));
    const classes = AUDIO_CLASS_CODES.join(', ');
    if (a.signal?.class === undefined) return refuse(codedReason('listen.notIdentified', { alertId, classes }));
    // an analog class, or below the class floor an analog closest class (docs/identification.md §5a)
    const cls = audioClassOf(a.signal);
    if (cls === undefined) return refuse(codedReason('listen.digital', { alertId, cls: a.signal.closestClass ?? a.signal.class, classes }));
    const ch = this.channels.get(a.sensor);
    if (ch === undefined) return refuse(codedReason('listen.hopping', { sensor: a.sensor }));
    let l = this.byAlert.get(alertId);
    if (l === undefined) {
      const onSensor = [...this.byId.values()].filter((x) => x.sensor === a.sensor).length;
      if (onSensor >= MAX_LISTENS_PER_SENSOR) return refuse(codedReason('listen.limit', { sensor: a.sensor, max: MAX_LISTENS_PER_SENSOR }));
      l = { listenId: this.nextId++ >>> 0, alertId, sensor: a.sensor, clients: new Set(), speech: false };
      this.byAlert.set(alertId, l);
      this.byId.set(l.listenId, l);
      this.counts.listens++;
      const start: ListenControl = { type: 'start', listenId: l.listenId, centerHz: a.centerHz ?? 0, bandwidthHz: a.signal?.bandwidthHz ?? a.bandwidthHz ?? 0, cls };
      ch.postMessage(start);
      this.o.log.info({ alertId, sensor: a.sensor, listenId: l.listenId, cls, centerHz: a.centerHz }, 'live listen started');
    }
    l.clients.add(ws);
    send(ws, { v: 1, type: 'listen-state', alertId, state: 'started', listenId: l.listenId, rateSps: LISTEN_FRAME.rateSps });
  }

  /** One client stops listening to `alertId`; the channel stops when it was the last. */
  private leave(ws: ClientSocket, alertId: string, why: Coded): void {
    const l = this.byAlert.get(alertId);
    if (l === undefined || !l.clients.delete(ws)) {
      send(ws, { v: 1, type: 'listen-state', alertId, state: 'stopped', ...codedReason('listen.notListening') });
      return;
    }
    send(ws, { v: 1, type: 'listen-state', alertId, state: 'stopped', listenId: l.listenId, ...why });
    if (l.clients.size === 0) this.end(l, why);
  }

  /** Stops a listen: tells its sensor and its remaining clients. */
  private end(l: ActiveListen, why: Coded): void {
    if (this.byId.get(l.listenId) !== l) return;
    this.byId.delete(l.listenId);
    this.byAlert.delete(l.alertId);
    this.channels.get(l.sensor)?.postMessage({ type: 'stop', listenId: l.listenId } satisfies ListenControl);
    for (const ws of l.clients) send(ws, { v: 1, type: 'listen-state', alertId: l.alertId, state: 'stopped', listenId: l.listenId, ...why });
    l.clients.clear();
    this.o.log.info({ alertId: l.alertId, sensor: l.sensor, listenId: l.listenId, reason: why.reason }, 'live listen stopped');
  }

  private onReport(r: ListenReport | ListenControl): void {
    if (r.type === 'start' || r.type === 'stop') return; // another main-thread hub of the same name (tests)
    const l = this.byId.get(r.listenId);
    if (l === undefined) return;
    if (r.type === 'ended') {
      this.end(l, { reason: r.reason, ...(r.reasonCode !== undefined ? { reasonCode: r.reasonCode } : {}) });
      return;
    }
    if (r.speech === true && !l.speech) {
      l.speech = true;
      this.o.onSpeech?.(l.alertId, l.sensor);
    }
    const frame = encodeAudioFrame(l.listenId, r.seq, r.firstSampleMs, r.speech, r.pcm);
    const high = this.o.highWaterBytes ?? 256 * 1024;
    for (const ws of l.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount >= high) {
        this.counts.framesSkipped++;
        continue;
      }
      ws.send(frame, { binary: true });
      this.counts.framesSent++;
    }
  }
}

/** A {@link LISTEN_FRAME}: header then the samples, all little-endian. */
export function encodeAudioFrame(listenId: number, seq: number, firstSampleMs: number, speech: boolean | null, pcm: Int16Array): Buffer {
  const h = LISTEN_FRAME.headerBytes;
  const b = Buffer.allocUnsafe(h + 2 * pcm.length);
  b.writeUInt8(LISTEN_FRAME.kindAudio, 0);
  b.writeUInt8(speech === null ? 0 : LISTEN_FRAME.flagSpeechJudged | (speech ? LISTEN_FRAME.flagSpeechPresent : 0), 1);
  b.writeUInt16LE(h, 2);
  b.writeUInt32LE(listenId >>> 0, 4);
  b.writeUInt32LE(seq >>> 0, 8);
  b.writeUInt32LE(LISTEN_FRAME.rateSps, 12);
  b.writeDoubleLE(firstSampleMs, 16);
  for (let i = 0; i < pcm.length; i++) b.writeInt16LE(pcm[i], h + 2 * i);
  return b;
}

function send(ws: ClientSocket, msg: ListenStateMessage | { v: 1; type: 'error'; message: string }): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}
