// GET /clips/<name>.wav: an analog clip demodulated to a 16 kHz mono WAV; the class parameter, missing, too long and
// undemodulable clips. GET /clips/<name>.png: a picture drawn from its clip when first asked for, then kept.
import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { MAX_CLIP_AUDIO_IQ_SAMPLES, MAX_CLIP_AUDIO_S } from '../../src/evidence/clip-audio.js';
import { renderClipPicture } from '../../src/evidence/clip-picture.js';
import { clipsRoute } from '../../src/server/clips-route.js';
import { writeSigmfMeta } from '../../src/source/sigmf.js';
import { NFM_CLIP, writeNfmClip } from '../evidence/nfm-clip.js';
import { memoryLogger, startStack, tempDir } from './helpers.js';

const { rateSps: RATE_SPS, clipS: CLIP_S, centerHz: CENTER_HZ, toneHz: TONE_HZ } = NFM_CLIP;

const td = tempDir('qb-clip-wav-');
/** The route's log: a 500 logs why (a worker that did not start, an I/O error); no test here expects one. */
const log = memoryLogger('warn');
let server: http.Server;
let base: string;

beforeAll(async () => {
  await writeNfmClip(td.dir, 'room-101_2026-12-07T01-00-00-000Z_7_433.5M_50k');
  // no annotation band: nothing says where the detection was
  writeFileSync(path.join(td.dir, 'noband.sigmf-data'), Buffer.alloc(8 * 1000));
  await writeSigmfMeta(path.join(td.dir, 'noband'), { format: 'cf32', rateSps: RATE_SPS, centerHz: CENTER_HZ });
  // 61 s at 25 kS/s cs8 (a sparse file: only its size is read before the refusal)
  await writeSigmfMeta(path.join(td.dir, 'long'), {
    format: 'cs8', rateSps: 25_000, centerHz: CENTER_HZ,
    annotations: [{ sampleStart: 0, sampleCount: 25_000 * (MAX_CLIP_AUDIO_S + 1), freqLowerHz: CENTER_HZ - 3000, freqUpperHz: CENTER_HZ + 3000 }],
  });
  writeFileSync(path.join(td.dir, 'long.sigmf-data'), '');
  truncateSync(path.join(td.dir, 'long.sigmf-data'), 2 * 25_000 * (MAX_CLIP_AUDIO_S + 1));
  // a full-band scan clip: 4 s at 2.4 MS/s, over the IQ-sample cap though short (sparse as well)
  await writeSigmfMeta(path.join(td.dir, 'wide'), {
    format: 'cs8', rateSps: 2_400_000, centerHz: CENTER_HZ,
    annotations: [{ sampleStart: 0, sampleCount: 2_400_000 * 4, freqLowerHz: CENTER_HZ - 3000, freqUpperHz: CENTER_HZ + 3000 }],
  });
  writeFileSync(path.join(td.dir, 'wide.sigmf-data'), '');
  truncateSync(path.join(td.dir, 'wide.sigmf-data'), 2 * 2_400_000 * 4);
  const route = clipsRoute({ dir: td.dir, picturesDir: path.join(td.dir, 'pictures') }, log.logger);
  server = http.createServer((req, res) => {
    if (!route(req, res, new URL(req.url ?? '/', 'http://localhost'))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/clips/`;
});
afterEach(() => {
  expect(log.lines.splice(0)).toEqual([]);
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  td.cleanup();
});

/** Power of `x` at `hz` (Goertzel). */
function powerAt(x: Int16Array, hz: number, rateSps: number): number {
  const c = 2 * Math.cos((2 * Math.PI * hz) / rateSps);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

describe('GET /clips/<name>.wav', () => {
  it('demodulates an NFM clip (1 kHz tone, 2.5 kHz deviation) to a 16 kHz mono WAV as long as the clip, dominated by 1 kHz', async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}room-101_2026-12-07T01-00-00-000Z_7_433.5M_50k.wav?class=nfm`);
    const ms = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const buf = Buffer.from(await res.arrayBuffer());
    expect(buf.toString('ascii', 0, 4)).toBe('RIFF');
    expect(buf.toString('ascii', 8, 12)).toBe('WAVE');
    expect(buf.toString('ascii', 12, 16)).toBe('fmt ');
    expect(buf.readUInt16LE(20)).toBe(1); // PCM
    expect(buf.readUInt16LE(22)).toBe(1); // channels
    expect(buf.readUInt32LE(24)).toBe(16_000);
    expect(buf.readUInt16LE(34)).toBe(16); // bits per sample
    expect(buf.toString('ascii', 36, 40)).toBe('data');
    const dataBytes = buf.readUInt32LE(40);
    expect(buf.length).toBe(44 + dataBytes);
    const seconds = dataBytes / 2 / 16_000;
    expect(Math.abs(seconds - CLIP_S) / CLIP_S).toBeLessThan(0.05);
    // dominant frequency over the middle second, 1 Hz steps across the voice band
    const pcm = new Int16Array(buf.buffer, buf.byteOffset + 44, dataBytes / 2).slice(8000, 24_000);
    let best = 0;
    let bestP = -1;
    for (let hz = 300; hz <= 3400; hz++) {
      const p = powerAt(pcm, hz, 16_000);
      if (p > bestP) [best, bestP] = [hz, p];
    }
    expect(Math.abs(best - TONE_HZ)).toBeLessThanOrEqual(20);
    // the tone is loud (normalised to 0.9 of full scale at the 99.9th percentile), not a whisper over noise
    let peak = 0;
    for (const s of pcm) peak = Math.max(peak, Math.abs(s));
    expect(peak).toBeGreaterThan(0.8 * 32767);
    console.log(`clip wav: ${CLIP_S} s at ${RATE_SPS / 1000} kS/s → ${seconds.toFixed(3)} s, ${dataBytes} bytes, dominant ${best} Hz, ${ms.toFixed(0)} ms`);
  });

  it('keeps the WAV beside its clip: the next request reads it instead of demodulating again', async () => {
    const clip = 'room-101_2026-12-07T01-00-00-000Z_7_433.5M_50k';
    const kept = path.join(td.dir, `${clip}.nfm.wav`);
    rmSync(kept, { force: true });
    const t0 = performance.now();
    const first = Buffer.from(await (await fetch(`${base}${clip}.wav?class=nfm`)).arrayBuffer());
    const t1 = performance.now();
    const again = await fetch(`${base}${clip}.wav?class=nfm`);
    const second = Buffer.from(await again.arrayBuffer());
    const t2 = performance.now();
    expect(again.status).toBe(200);
    expect(again.headers.get('content-type')).toBe('audio/wav');
    expect(readFileSync(kept).equals(first)).toBe(true);
    expect(second.equals(first)).toBe(true);
    // made per class: am is demodulated (and kept) on its own
    expect((await fetch(`${base}${clip}.wav?class=am`)).status).toBe(200);
    expect(existsSync(path.join(td.dir, `${clip}.am.wav`))).toBe(true);
    // a kept WAV is what is answered (a stand-in proves it is read, not made again)
    writeFileSync(kept, first.subarray(0, 1000));
    expect((await (await fetch(`${base}${clip}.wav?class=nfm`)).arrayBuffer()).byteLength).toBe(1000);
    writeFileSync(kept, first);
    console.log(`clip wav: made ${(t1 - t0).toFixed(0)} ms, kept ${(t2 - t1).toFixed(0)} ms`);
  });

  it('demodulates off the server\'s thread: its event loop keeps ticking every 10 ms while three requests run (one at a time)', async () => {
    // made, not read from the kept WAV: the three requests share one demodulation
    rmSync(path.join(td.dir, 'room-101_2026-12-07T01-00-00-000Z_7_433.5M_50k.nfm.wav'), { force: true });
    let last = performance.now();
    let worstGapMs = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      worstGapMs = Math.max(worstGapMs, now - last);
      last = now;
    }, 10);
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const answers = await Promise.all([1, 2, 3].map(() => fetch(`${base}room-101_2026-12-07T01-00-00-000Z_7_433.5M_50k.wav?class=nfm`).then(async (r) => [r.status, (await r.arrayBuffer()).byteLength])));
    const ms = performance.now() - t0;
    const busyMs = performance.eventLoopUtilization(elu0).active;
    clearInterval(tick);
    expect(answers.map((a) => a[0])).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a[1])).size).toBe(1); // the same WAV each time
    // on the server's thread each 2 s clip held the loop ≈ 0.25 s; in the worker the loop only starts workers and copies
    // the WAVs. Bounded: the time the loop was busy (event-loop utilisation, which leaves out its idle waits and so the
    // time a loaded machine kept this process off the CPU while idle): 34–64 ms, also with two CPU burners beside; 315 ms
    // with the clips demodulated on this thread. The longest gap between ticks (wall time, bounded at 120 ms before) is
    // printed: 13–69 ms with the burners.
    expect(busyMs).toBeLessThan(150);
    console.log(`clip wav ×3: ${ms.toFixed(0)} ms, server loop busy ${busyMs.toFixed(0)} ms, its longest gap ${worstGapMs.toFixed(0)} ms`);
  });

  it('400 for class=ook (and a missing class), naming the parameter', async () => {
    for (const q of ['?class=ook', '']) {
      const res = await fetch(`${base}room-101_2026-12-07T01-00-00-000Z_7_433.5M_50k.wav${q}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toBe(`query parameter "class": ${q === '' ? 'missing' : '"ook" carries no audio'}; expected one of am, nfm, wfm\n`);
    }
  });

  it('404 for a missing clip and for a name leaving the folder', async () => {
    expect((await fetch(`${base}nosuch.wav?class=nfm`)).status).toBe(404);
    expect((await fetch(`${base}..%2Fnoband.wav?class=nfm`)).status).toBe(400);
    // a meta whose samples are gone (the quota deleted them) is a clip not there, not one that cannot be demodulated
    await writeSigmfMeta(path.join(td.dir, 'nodata'), {
      format: 'cs8', rateSps: 25_000, centerHz: CENTER_HZ,
      annotations: [{ sampleStart: 0, sampleCount: 25_000, freqLowerHz: CENTER_HZ - 3000, freqUpperHz: CENTER_HZ + 3000 }],
    });
    expect((await fetch(`${base}nodata.wav?class=nfm`)).status).toBe(404);
  });

  it('422 with the reason for a clip without the detection band; 413 for a clip over either cap (seconds, IQ samples)', async () => {
    const bad = await fetch(`${base}noband.wav?class=am`);
    expect(bad.status).toBe(422);
    expect(await bad.text()).toBe('cannot make audio of clip noband: noband.sigmf-meta: annotations[0].core:freq_lower_edge/core:freq_upper_edge: missing or not increasing: the clip does not say which band the detection occupied\n');
    const long = await fetch(`${base}long.wav?class=nfm`);
    expect(long.status).toBe(413);
    expect(await long.text()).toBe(`cannot make audio of clip long: long.sigmf-meta: 61.0 s of IQ; audio is made for clips up to ${MAX_CLIP_AUDIO_S} s\n`);
    const wide = await fetch(`${base}wide.wav?class=wfm`);
    expect(wide.status).toBe(413);
    expect(await wide.text()).toBe(`cannot make audio of clip wide: wide.sigmf-meta: 9600000 IQ samples (4.0 s at 2400000 S/s); audio is made for clips up to ${MAX_CLIP_AUDIO_IQ_SAMPLES} samples (a full-band scan clip is too wide: download its IQ)\n`);
  });

  it('is behind the server\'s auth like the other clip files (401 without the token, the WAV with it)', async () => {
    const stack = await startStack({ bind: '0.0.0.0', tls: 'off', clips: { dir: td.dir, picturesDir: path.join(td.dir, 'pictures') } });
    try {
      const url = `http://127.0.0.1:${stack.server.port}/clips/room-101_2026-12-07T01-00-00-000Z_7_433.5M_50k.wav?class=nfm`;
      expect((await fetch(url)).status).toBe(401);
      const ok = await fetch(url, { headers: { Authorization: `Bearer ${stack.server.token!}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('audio/wav');
      expect((await ok.arrayBuffer()).byteLength).toBe(63_964);
    } finally {
      await stack.close();
    }
  });
});

describe('GET /clips/<name>.png drawn when first asked for (evidence.pictures on-view)', () => {
  const CLIP = 'room-101_2026-12-07T01-00-00-000Z_7_433.5M_50k';
  /** A server whose route draws missing pictures (counting the drawings) into a pictures folder of its own. */
  async function drawingServer(pictureFloorBytes?: number): Promise<{ url: string; drawn: string[]; pictures: string; close: () => Promise<void> }> {
    const pictures = path.join(td.dir, `pictures-${Math.random().toString(36).slice(2)}`);
    const drawn: string[] = [];
    const route = clipsRoute({
      dir: td.dir, picturesDir: pictures, ...(pictureFloorBytes !== undefined ? { pictureFloorBytes } : {}),
      draw: async (meta, png) => {
        drawn.push(path.basename(meta));
        await renderClipPicture(meta, png);
      },
    }, log.logger);
    const srv = http.createServer((req, res) => {
      if (!route(req, res, new URL(req.url ?? '/', 'http://localhost'))) res.writeHead(404).end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/clips/`, drawn, pictures, close: () => new Promise((r) => srv.close(() => r())) };
  }

  it('draws the picture once (two requests at once share the drawing), keeps it, and serves the file afterwards', async () => {
    const s = await drawingServer();
    try {
      expect(existsSync(path.join(s.pictures, `${CLIP}.png`))).toBe(false);
      const [a, b] = await Promise.all([fetch(`${s.url}${CLIP}.png`), fetch(`${s.url}${CLIP}.png`)]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(a.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await a.arrayBuffer());
      expect(Buffer.from(await b.arrayBuffer()).equals(bytes)).toBe(true);
      expect(s.drawn).toEqual([`${CLIP}.sigmf-meta`]);
      const img = PNG.sync.read(bytes);
      expect([img.width, img.height]).toEqual([512, 256]);
      expect(readFileSync(path.join(s.pictures, `${CLIP}.png`)).equals(bytes)).toBe(true);
      const again = await fetch(`${s.url}${CLIP}.png`);
      expect(Buffer.from(await again.arrayBuffer()).equals(bytes)).toBe(true);
      expect(s.drawn).toHaveLength(1); // read from the file, not drawn again
    } finally {
      await s.close();
    }
  });

  it('404 without drawing for a clip that is not there (or has lost its samples) and for a name leaving the folder', async () => {
    const s = await drawingServer();
    try {
      expect((await fetch(`${s.url}nosuch.png`)).status).toBe(404);
      await writeSigmfMeta(path.join(td.dir, 'lonely'), { format: 'cs8', rateSps: 25_000, centerHz: CENTER_HZ });
      expect((await fetch(`${s.url}lonely.png`)).status).toBe(404); // a meta without its samples (the quota took them)
      expect((await fetch(`${s.url}..%2F${CLIP}.png`)).status).toBe(404);
      expect(s.drawn).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('below the picture floor nothing is drawn: 404 and the shed warning', async () => {
    const s = await drawingServer(Number.MAX_SAFE_INTEGER);
    try {
      expect((await fetch(`${s.url}${CLIP}.png`)).status).toBe(404);
      expect(s.drawn).toEqual([]);
      const lines = log.lines.splice(0);
      expect(lines.map((l) => l.msg)).toEqual(['clip picture shed: free disk space below twice the evidence floor (the clip is kept; alerts come first)']);
    } finally {
      await s.close();
    }
  });
});
