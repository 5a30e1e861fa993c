// Listen thread of a sensor worker (started by src/site/listen-tap.ts): demodulates the listened channels from the shared
// ring and posts 16 kHz audio frames with a live speech-present flag on the sensor's BroadcastChannel (docs/listening.md §3).
import { BroadcastChannel, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '../evidence/thread-priority.js';
import { voiceActivity } from '../ident/audio.js';
import { LiveDemodulator } from '../ident/live-demod.js';
import { LISTEN_FRAME } from '../server/protocol.js';
import type { ListenReport } from '../server/listen-channel.js';
import type { ListenRing, ListenThreadData, ListenThreadMessage } from './listen-tap.js';

/** How often the ring is read (ms). */
const POLL_MS = 20;
/** Audio judged for speech: the last VOICE_WINDOW_S seconds, every VOICE_EVERY_S. */
const VOICE_WINDOW_S = 2;
const VOICE_EVERY_S = 1;

/** One listened channel. */
class Listen {
  readonly demod: LiveDemodulator;
  seq = 0;
  /** Audio samples posted so far, and the wall time (ms) of the first one. */
  posted = 0;
  readonly startMs: number;
  speech: boolean | null = null;
  /** The last VOICE_WINDOW_S of audio (a ring), its write index and the samples since the last verdict. */
  private readonly voice: Float32Array;
  private readonly voiceLine: Float32Array;
  private voiceAt = 0;
  private voiceFill = 0;
  private sinceVerdict = 0;

  constructor(readonly id: number, rateSps: number, offsetHz: number, bandwidthHz: number, cls: 'nfm' | 'wfm' | 'am', startMs: number) {
    this.demod = new LiveDemodulator({ rateSps, offsetHz, cls, bandwidthHz });
    this.startMs = startMs;
    this.voice = new Float32Array(VOICE_WINDOW_S * this.demod.audioRateSps);
    this.voiceLine = new Float32Array(this.voice.length);
  }

  /** Keeps a frame's audio for the voice test, and judges the last 2 s once a second. */
  hear(pcm: Int16Array): void {
    const v = this.voice;
    for (let i = 0; i < pcm.length; i++) {
      v[this.voiceAt] = pcm[i] / 32767;
      this.voiceAt = this.voiceAt + 1 === v.length ? 0 : this.voiceAt + 1;
    }
    this.voiceFill = Math.min(v.length, this.voiceFill + pcm.length);
    this.sinceVerdict += pcm.length;
    if (this.voiceFill < v.length || this.sinceVerdict < VOICE_EVERY_S * this.demod.audioRateSps) return;
    this.sinceVerdict = 0;
    const line = this.voiceLine;
    line.set(v.subarray(this.voiceAt), 0);
    line.set(v.subarray(0, this.voiceAt), v.length - this.voiceAt);
    this.speech = voiceActivity(line, this.demod.audioRateSps).speechPresent;
  }
}

if (isMainThread || parentPort === null) {
  process.stderr.write('listen-worker.js runs inside a sensor worker\'s thread\n');
  process.exit(2);
}

// like the evidence thread: when the box is short of CPU, detection goes first and the audio may skip (ring overrun)
lowerThreadPriority();
const { channel: channelName } = workerData as ListenThreadData;
const channel = new BroadcastChannel(channelName);
const listens = new Map<number, Listen>();
let stream: { rateSps: number; originMs: number; ring: ListenRing } | null = null;
/** Ring samples (count since the ring's start) read so far. */
let readPos = 0;
let lastSeq = -1;

const report = (r: ListenReport): void => channel.postMessage(r);

/** Wall time (ms) of ring sample `p` (from the stream's sample clock). */
function wallMsOf(p: number): number {
  const s = stream!;
  const streamIndex = s.ring.pos[1] - (s.ring.pos[0] - p);
  return s.originMs + (streamIndex / s.rateSps) * 1000;
}

parentPort.on('message', (m: ListenThreadMessage) => {
  if (m.type === 'stream') {
    stream = { rateSps: m.rateSps, originMs: m.originMs, ring: m.ring };
    readPos = m.ring.pos[0];
    listens.clear();
  } else if (m.type === 'start') {
    if (stream === null) return;
    try {
      listens.set(m.listenId, new Listen(m.listenId, stream.rateSps, m.offsetHz, m.bandwidthHz, m.cls, wallMsOf(readPos)));
    } catch (err) {
      report({ type: 'ended', listenId: m.listenId, reason: err instanceof Error ? err.message : String(err) });
    }
  } else listens.delete(m.listenId);
});

/** Demodulates what the ring gained since the last poll and posts every whole frame. */
function poll(): void {
  const s = stream;
  if (s === null || listens.size === 0) return;
  const seq = Atomics.load(s.ring.seq, 0);
  if (seq === lastSeq) return;
  lastSeq = seq;
  const r = s.ring;
  const written = r.pos[0];
  // fell behind (the writer may be overwriting what is left): skip ahead to half a ring behind
  if (written - readPos > 0.75 * r.capacity) readPos = written - Math.floor(r.capacity / 2);
  while (readPos < written) {
    const at = readPos % r.capacity;
    const n = Math.min(written - readPos, r.capacity - at);
    for (const l of listens.values()) l.demod.push(r.iq, at, n);
    readPos += n;
  }
  const frame = LISTEN_FRAME.samplesPerFrame;
  for (const l of listens.values()) {
    while (l.demod.available >= frame) {
      const pcm = new Int16Array(frame);
      l.demod.take(pcm);
      l.hear(pcm);
      report({ type: 'audio', listenId: l.id, seq: l.seq++, firstSampleMs: l.startMs + (l.posted / l.demod.audioRateSps) * 1000, speech: l.speech, pcm });
      l.posted += frame;
    }
  }
}

setInterval(poll, POLL_MS);
