// A remote sensor: SoapySDRServer (Debian's soapyremote-server) on the loopback serving SoapyRTLSDR over the fake
// librtlsdr, read by SoapySource through SoapyRemote (driver=remote): detections identical to replay, no drops;
// server gone → DISCONNECTED; server back → reopened by serial.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
import { buildFakeAvahi } from '../fake-avahi/build.js';
import { buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';
import { capture, silentLog } from '../helpers.js';

const SERVER = '/usr/bin/SoapySDRServer';
const CAPTURE = 'ambient_weather_F007TH_433.92M_250k.cu8';
const CAPTURE_SAMPLES = 655_360;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-soapy-remote-'));
const servers: ChildProcess[] = [];

afterAll(() => {
  for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

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
  it(`${CAPTURE} served by SoapySDRServer → detection lines identical to replay, 0 drops`, async () => {
    expect(existsSync(SERVER), 'SoapySDRServer missing: apt-get install soapyremote-server').toBe(true);
    const file = capture(CAPTURE);
    const opts = pipelineOptions({}, 250_000);
    const { baseline } = await learnBaseline(await openFileSource(file), opts, 'auto');
    const baselinePath = path.join(tmp, 'baseline.json');
    await saveBaseline(baselinePath, baseline);
    const stored = await loadBaseline(baselinePath);
    const expected: string[] = [];
    await replayFile(file, { baseline: baselinePath, settleSamples: '0', progress: false, identify: false }, (l) => expected.push(l), silentLog);
    expect(expected.length).toBeGreaterThanOrEqual(3);

    const port = await freePort();
    const server = await startServer(port, { FAKE_RTLSDR_SERIALS: 'CLASS001', FAKE_RTLSDR_FILE: file });
    const args = `driver=remote,remote=tcp://127.0.0.1:${port},serial=CLASS001`;
    const src = await SoapySource.open({ args, centerHz: 433_920_000, rateSps: 250_000, gain: 20 });
    try {
      expect(src.device.info.driverKey).toBe('RTLSDR'); // SoapyRemote forwards the server's driver
      expect(src.info.format).toBe('cu8');
      const got: string[] = [];
      const { stats } = await detect(src, stored, opts, (ev) => {
        if (ev.kind === 'close') got.push(detectionLine(ev, src.info, opts.bandPlan));
      }, { maxSamples: CAPTURE_SAMPLES, settleSamples: 0 }, baselinePath);
      expect(stats.samples).toBe(CAPTURE_SAMPLES);
      const h = src.health();
      expect(h.droppedBlocks).toBe(0);
      expect(h.overflows).toBe(0);
      expect(got).toEqual(expected);
    } finally {
      await src.close();
      await stopServer(server);
    }
  }, 60_000);

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
    await src.close();
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
    console.log(`soapy remote: server killed → DISCONNECTED in ${detectMs.toFixed(0)} ms (stall timeout 1000 ms); server back → first block ${reopenMs.toFixed(0)} ms after open started`);
  }, 60_000);
});
