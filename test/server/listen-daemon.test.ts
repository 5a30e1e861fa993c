// Live listening end to end (src/server/listen.ts, src/site/listen-tap.ts, listen-worker.ts): `quietband run` with token
// auth and a sim sensor holding an FM transmission (1 kHz tone, 5 kHz deviation); a `listen` on its open nfm alert yields
// binary frames of that tone; a client without the token gets no socket and so no frame; `listen-stop` and a closed
// socket end the stream; detection drops no block meanwhile.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Alert, ListenStateMessage, ServerMessage, StatusMessage } from '../../src/server/protocol.js';
import { LISTEN_FRAME } from '../../src/server/protocol.js';
import { buildOnce, CENTER_HZ, killAll, startDaemon, tempDir, waitFor, writeConfig } from '../daemon/helpers.js';

const tmp = tempDir('qb-listen-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

/** One decoded audio frame with its arrival time. */
interface Frame {
  atMs: number;
  kind: number;
  flags: number;
  headerBytes: number;
  listenId: number;
  seq: number;
  rateSps: number;
  firstSampleMs: number;
  pcm: Int16Array;
}

/** A client that keeps JSON messages and binary audio frames apart. */
class ListenClient {
  readonly json: { atMs: number; m: ServerMessage }[] = [];
  readonly frames: Frame[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      const atMs = Date.now();
      if (!isBinary) {
        this.json.push({ atMs, m: JSON.parse(d.toString()) as ServerMessage });
        return;
      }
      const h = d.readUInt16LE(2);
      const pcm = new Int16Array((d.length - h) / 2);
      for (let i = 0; i < pcm.length; i++) pcm[i] = d.readInt16LE(h + 2 * i);
      this.frames.push({ atMs, kind: d.readUInt8(0), flags: d.readUInt8(1), headerBytes: h, listenId: d.readUInt32LE(4), seq: d.readUInt32LE(8), rateSps: d.readUInt32LE(12), firstSampleMs: d.readDoubleLE(16), pcm });
    });
  }
  static async open(url: string, token: string): Promise<ListenClient> {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const c = new ListenClient(ws);
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    ws.send(JSON.stringify({ v: 1, type: 'resume', sinceSeq: 0 }));
    return c;
  }
  send(m: unknown): void {
    this.ws.send(JSON.stringify(m));
  }
  alerts(): Alert[] {
    return this.json.filter((x) => x.m.type === 'alert').map((x) => (x.m as { alert: Alert }).alert);
  }
  states(): ListenStateMessage[] {
    return this.json.filter((x) => x.m.type === 'listen-state').map((x) => x.m as ListenStateMessage);
  }
  waitFor<T>(pick: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
    return waitFor(pick, timeoutMs, what);
  }
}

/** Frequency (Hz) of the largest DFT power over 100–7000 Hz (10 Hz scan, then 1 Hz steps ±10 Hz). */
function dominantHz(x: Float64Array, fs: number): number {
  const powerAt = (hz: number): number => {
    let re = 0;
    let im = 0;
    for (let i = 0; i < x.length; i++) {
      re += x[i] * Math.cos((2 * Math.PI * hz * i) / fs);
      im += x[i] * Math.sin((2 * Math.PI * hz * i) / fs);
    }
    return re * re + im * im;
  };
  let best = 0;
  let bestP = -1;
  for (let f = 100; f <= 7000; f += 10) {
    const p = powerAt(f);
    if (p > bestP) [best, bestP] = [f, p];
  }
  let fine = best;
  for (let f = best - 10; f <= best + 10; f++) {
    const p = powerAt(f);
    if (p > bestP) [fine, bestP] = [f, p];
  }
  return fine;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('live listening through quietband run', () => {
  it('a listen on an open nfm alert streams its 1 kHz tone as 16 kHz PCM frames; no token, no frames; stop and disconnect end it; 0 blocks dropped', async () => {
    const dataDir = join(tmp.dir, 'data');
    const fmOffsetHz = 60_000;
    const config = writeConfig(tmp.dir, 'site.json', {
      site: 'hall-l', warmupS: 1.5, calibrationDir: join(tmp.dir, 'cal'),
      http: { requireAuth: true, tls: 'off' },
      sensors: [{
        name: 'room-1', source: 'sim', centerHz: CENTER_HZ, rateSps: 250_000, fftSize: 1024,
        // the sim's FM: a 1 kHz sine at 5 kHz deviation (src/source/sim-generators.ts FmGenerator)
        scenario: { durationS: 14, seed: 3, events: [{ kind: 'fm', offsetHz: fmOffsetHz, snrDb: 25, startS: 2.5, durationS: 10 }] },
      }],
    });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0', '--log-level', 'info']);
    const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
    const wsUrl = d.wsUrl;

    // no token: the upgrade is refused (401), so no socket and no frame
    const intruder = new WebSocket(wsUrl);
    let intruderFrames = 0;
    intruder.on('message', () => intruderFrames++);
    const refusal = await new Promise<string>((r) => {
      intruder.once('unexpected-response', (_req, res) => r(`HTTP ${res.statusCode}`));
      intruder.once('open', () => r('open'));
      intruder.once('error', (e) => r(`error ${e.message}`));
    });
    expect(refusal).toBe('HTTP 401');

    const c = await ListenClient.open(wsUrl, token);
    const nfm = await c.waitFor(() => c.alerts().find((a) => a.kind === 'transmission' && a.event !== 'close' && a.signal?.class === 'nfm' && Math.abs(a.centerHz! - (CENTER_HZ + fmOffsetHz)) < 5000), 20_000, 'the FM transmission identified as nfm');
    // a listen on an unknown alert is refused with the reason
    c.send({ v: 1, type: 'listen', alertId: 'no-such-alert' });
    const refused = await c.waitFor(() => c.states().find((s) => s.alertId === 'no-such-alert'), 2000, 'the refusal');
    expect(refused.state).toBe('refused');
    expect(refused.reason).toMatch(/no open transmission alert/);

    const listenAt = Date.now();
    c.send({ v: 1, type: 'listen', alertId: nfm.alertId });
    const started = await c.waitFor(() => c.states().find((s) => s.alertId === nfm.alertId && s.state === 'started'), 2000, 'listen started');
    expect(started.rateSps).toBe(16000);
    await c.waitFor(() => c.frames.length >= 12, 5000, '12 audio frames (1.2 s)');
    const firstFrameMs = c.frames[0]!.atMs - listenAt;
    const frames = c.frames.slice(0, 12);
    for (const f of frames) {
      expect(f.kind).toBe(LISTEN_FRAME.kindAudio);
      expect(f.headerBytes).toBe(24);
      expect(f.listenId).toBe(started.listenId);
      expect(f.rateSps).toBe(16000);
      expect(f.pcm.length).toBe(1600);
    }
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // frames 2..11 (1 s): the tone
    const audio = new Float64Array(10 * 1600);
    frames.slice(2).forEach((f, i) => f.pcm.forEach((v, j) => (audio[i * 1600 + j] = v / 32767)));
    const hz = dominantHz(audio, 16000);
    expect(Math.abs(hz - 1000)).toBeLessThanOrEqual(20);
    let ss = 0;
    for (const v of audio) ss += v * v;
    const rms = Math.sqrt(ss / audio.length);
    // 5 kHz deviation = full scale: RMS 1/√2 × the 300 Hz one-pole high-pass at 1 kHz (0.90) = 0.64; ± 15 % (noise, clipping)
    expect(rms).toBeGreaterThan(0.64 * 0.85);
    expect(rms).toBeLessThan(0.64 * 1.15);
    // latency: arrival − wall time of a frame's last sample
    const lat = frames.map((f) => f.atMs - (f.firstSampleMs + (1000 * f.pcm.length) / f.rateSps)).sort((a, b) => a - b);
    console.log(`live listen: first frame ${firstFrameMs} ms after the request; frame latency (arrival − last sample) median ${lat[6]!.toFixed(0)} ms, max ${lat[11]!.toFixed(0)} ms; tone ${hz} Hz, RMS ${rms.toFixed(3)}`);
    expect(lat[6]!).toBeLessThan(1000);
    // the live voice-activity verdict: none in the first 2 s of audio, then judged once a second; a steady tone is no speech
    expect(frames[0]!.flags).toBe(0);
    await c.waitFor(() => c.frames.length >= 22, 5000, '22 audio frames (2.2 s)');
    expect(c.frames[21]!.flags).toBe(LISTEN_FRAME.flagSpeechJudged);

    // stop: a `stopped` state, then no more frames
    c.send({ v: 1, type: 'listen-stop', alertId: nfm.alertId });
    await c.waitFor(() => c.states().find((s) => s.alertId === nfm.alertId && s.state === 'stopped'), 2000, 'listen stopped');
    await sleep(300); // frames already on the way
    const afterStop = c.frames.length;
    await sleep(800);
    expect(c.frames.length).toBe(afterStop);

    // disconnect: a second client listens, then closes its socket; the daemon stops the channel
    const c2 = await ListenClient.open(wsUrl, token);
    c2.send({ v: 1, type: 'listen', alertId: nfm.alertId });
    await c2.waitFor(() => c2.frames.length >= 2, 5000, 'frames for the second client');
    c2.ws.close();
    await c.waitFor(() => d.stderr().includes('the listener disconnected'), 3000, 'the daemon logging the listen stopped by the disconnect');
    expect(c.frames.length).toBe(afterStop); // the first client (not listening) got none of the second's frames
    expect(intruderFrames).toBe(0);

    // detection meanwhile: the sensor's health shows no dropped block
    const status = [...c.json].reverse().find((x) => x.m.type === 'status')!.m as StatusMessage;
    const room = status.sensors.find((s) => s.sensor === 'room-1')!;
    expect(room.droppedBlocks).toBe(0);
    console.log(`sensor while listening: ${room.achievedRateSps} S/s achieved, ${room.droppedBlocks} blocks dropped`);
    c.ws.close();
    d.child.kill('SIGTERM');
    await d.exited;
  });
});
