// A remote sensor: SoapySDRServer (Debian's soapyremote-server) on the loopback serving SoapyRTLSDR over the fake
// librtlsdr, read by SoapySource through SoapyRemote (driver=remote): samples contiguous after start-up, detections
// identical to a replay of them, no drops; server gone → DISCONNECTED; server back → reopened by serial.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBaseline, saveBaseline } from '../../src/baseline/baseline.js';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { detectionLine, replayFile } from '../../src/cli/replay.js';
import type { QuietBandError } from '../../src/errors.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { openFileSource } from '../../src/source/file-source.js';
import { SoapySource } from '../../src/source/soapy-source.js';
import type { IqSource } from '../../src/types.js';
import { buildFakeAvahi } from '../fake-avahi/build.js';
import { buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';
import { capture, freePort, silentLog } from '../helpers.js';

const SERVER = '/usr/bin/SoapySDRServer';
const CAPTURE = 'ambient_weather_F007TH_433.92M_250k.cu8';
const CAPTURE_SAMPLES = 655_360;
/** Blocks at the start of the stream that Debian's server stack may cut (see the first test). */
const STARTUP_BLOCKS = 2;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-soapy-remote-'));
const servers: ChildProcess[] = [];

afterAll(() => {
  for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts SoapySDRServer on 127.0.0.1:port over the fake librtlsdr; resolves once it accepts TCP connections. */
async function startServer(port: number, fakeEnv: Record<string, string>): Promise<ChildProcess> {
  const [fakeDir, avahi] = await Promise.all([buildFakeLibrtlsdr(), buildFakeAvahi()]);
  const child = spawn(SERVER, [`--bind=127.0.0.1:${port}`], {
    env: { ...process.env, LD_LIBRARY_PATH: fakeDir, LD_PRELOAD: avahi, FAKE_RTLSDR_QUIET: '1', FAKE_RTLSDR_REALTIME: '1', ...fakeEnv },
    stdio: 'ignore',
  });
  servers.push(child);
  const deadline = performance.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.destroy();
        r(true);
      });
      sock.on('error', () => r(false));
    });
    if (ok) return child;
    if (child.exitCode !== null || performance.now() > deadline) throw new Error(`SoapySDRServer did not listen on ${port} (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('SoapyRemote: a receiver in a classroom, the daemon on the office laptop', () => {
  // Debian's SoapySDRServer + SoapyRTLSDR lose part of the second USB buffer after activateStream in most starts
  // (measured: 4168-6764 bytes over TCP and UDP alike, with no overflow flag), so the stream is not the file from
  // sample 0. The test therefore checks the two promises separately: (1) after the first STARTUP_BLOCKS blocks the
  // samples are the file's, contiguous, block after block; (2) the live detections equal a replay of exactly the
  // samples the live pipeline saw.
  it(`${CAPTURE} served by SoapySDRServer → contiguous samples after start-up, detections identical to replay of them, 0 drops`, async () => {
    expect(existsSync(SERVER), 'SoapySDRServer missing: apt-get install soapyremote-server').toBe(true);
    const file = capture(CAPTURE);
    const fileBytes = readFileSync(file);
    const opts = pipelineOptions({}, 250_000);
    const { baseline } = await learnBaseline(await openFileSource(file), opts, 'auto');
    const baselinePath = path.join(tmp, 'baseline.json');
    await saveBaseline(baselinePath, baseline);
    const stored = await loadBaseline(baselinePath);

    const port = await freePort();
    const server = await startServer(port, { FAKE_RTLSDR_SERIALS: 'CLASS001', FAKE_RTLSDR_FILE: file });
    // SoapySource streams a remote device over TCP unless its args choose remote:prot (soapyStreamArgs): over
    // SoapyRemote's UDP the loopback stream handed, in 1 of 4 to 2 of 3 runs, blocks whose second half was zeros
    // (docs/receivers.md); TCP: 0 of 9
    const args = `driver=remote,remote=tcp://127.0.0.1:${port},serial=CLASS001`;
    const src = await SoapySource.open({ args, centerHz: 433_920_000, rateSps: 250_000, gain: 20 });
    // the cu8 bytes the pipeline saw, rebuilt from its floats: (b - 127.5) / 127.5 inverts exactly in float32
    const seen = Buffer.alloc(2 * CAPTURE_SAMPLES);
    const blockStarts: number[] = [];
    const tee: IqSource = {
      info: src.info,
      close: () => src.close(),
      async *blocks() {
        for await (const b of src.blocks()) {
          blockStarts.push(b.firstSample);
          const n = Math.min(b.count, CAPTURE_SAMPLES - b.firstSample);
          for (let i = 0; i < 2 * n; i++) seen[2 * b.firstSample + i] = Math.round((b.samples[i] as number) * 127.5 + 127.5);
          yield b;
        }
      },
    };
    try {
      expect(src.device.info.driverKey).toBe('RTLSDR'); // SoapyRemote forwards the server's driver
      expect(src.info.format).toBe('cu8');
      const got: string[] = [];
      const { stats } = await detect(tee, stored, opts, (ev) => {
        if (ev.kind === 'close') got.push(detectionLine(ev, src.info, opts.bandPlan));
      }, { maxSamples: CAPTURE_SAMPLES, settleSamples: 0 }, baselinePath);
      expect(stats.samples).toBe(CAPTURE_SAMPLES);
      const h = src.health();
      expect(h.droppedBlocks).toBe(0);
      expect(h.overflows).toBe(0);

      // (1) contiguity: the block after start-up is found in the file; every later sample follows it (the fake loops)
      const blockBytes = 2 * (blockStarts[1]! - blockStarts[0]!);
      const from = STARTUP_BLOCKS * blockBytes;
      const anchor = fileBytes.indexOf(seen.subarray(from, from + 64));
      expect(anchor, 'block after start-up not found in the capture').toBeGreaterThanOrEqual(0);
      let mismatches = 0;
      for (let i = from; i < seen.length; i++) if (seen[i] !== fileBytes[(anchor + i - from) % fileBytes.length]) mismatches++;
      expect(mismatches).toBe(0);
      const startupLossBytes = anchor - from;
      expect(startupLossBytes).toBeGreaterThanOrEqual(0);
      expect(startupLossBytes).toBeLessThanOrEqual(blockBytes);

      // (2) the live detections equal a replay of the same samples, named so that centre and rate are known
      const recorded = path.join(tmp, CAPTURE);
      writeFileSync(recorded, seen);
      const expected: string[] = [];
      await replayFile(recorded, { baseline: baselinePath, settleSamples: '0', progress: false, identify: false }, (l) => expected.push(l), silentLog);
      expect(expected.length).toBeGreaterThanOrEqual(3); // the sensor's packets, not an empty comparison
      expect(got).toEqual(expected);
    } finally {
      await src.close();
      await stopServer(server);
    }
  }, 60_000);

  // over TCP (the default): SoapyRemote's reader spins on the dead socket until the addon replaces it (BreakDeadSockets)
  it('server killed → DISCONNECTED; server back → reopened by serial, data flows', async () => {
    const port = await freePort();
    const env = { FAKE_RTLSDR_SERIALS: 'CLASS002' };
    const server = await startServer(port, env);
    const args = `driver=remote,remote=tcp://127.0.0.1:${port},serial=CLASS002`;
    const src = await SoapySource.open({ args, centerHz: 433_920_000, rateSps: 1_024_000, gain: 20, stallTimeoutMs: 1000 });
    let blocks = 0;
    let killedAt = 0;
    let err: QuietBandError | null = null;
    try {
      for await (const _ of src.blocks()) {
        if (++blocks === 20) {
          killedAt = performance.now();
          await stopServer(server);
        }
      }
    } catch (e) {
      err = e as QuietBandError;
    }
    const detectMs = performance.now() - killedAt;
    const closeStart = performance.now();
    await src.close();
    const closeMs = performance.now() - closeStart;
    expect(closeMs).toBeLessThan(1000);
    expect(err?.code).toBe('DISCONNECTED');
    expect(detectMs).toBeLessThan(3000);
    const server2 = await startServer(port, env);
    const t0 = performance.now();
    const again = await SoapySource.open({ args, centerHz: 433_920_000, rateSps: 1_024_000, gain: 20 });
    let first = -1;
    try {
      for await (const b of again.blocks()) {
        first = b.firstSample;
        break;
      }
    } finally {
      await again.close();
      await stopServer(server2);
    }
    const reopenMs = performance.now() - t0;
    expect(first).toBe(0);
    console.log(`soapy remote: server killed → DISCONNECTED in ${detectMs.toFixed(0)} ms (stall timeout 1000 ms), closed in ${closeMs.toFixed(0)} ms; server back → first block ${reopenMs.toFixed(0)} ms after open started`);
  }, 60_000);
});
