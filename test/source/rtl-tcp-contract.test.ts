// Runs the IqSource contract suite against RtlTcpSource reading Debian's real rtl_tcp, which runs over the fake
// librtlsdr (test/fake-librtlsdr) streaming a capture, spread over a few rtl_tcp processes (see `ready`).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { RtlTcpSource } from '../../src/source/rtl-tcp-source.js';
import { buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';
import { describeNeeding, freePort } from '../helpers.js';
import { waitFor } from './fake-rtl-tcp-server.js';
import { describeSource } from './describe-source.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const capturePath = resolve(repoRoot, '../shared/captures/ambient_weather_F007TH_433.92M_250k.cu8');
const RTL_TCP = ['/usr/bin/rtl_tcp', '/usr/local/bin/rtl_tcp'].find((p) => existsSync(p));
/** rtl_tcp's stdout is block-buffered into a pipe: stdbuf makes its "listening..." line arrive when printed. */
const STDBUF = '/usr/bin/stdbuf';
const missing = RTL_TCP === undefined
  ? 'rtl_tcp not found: apt-get install rtl-sdr'
  : !existsSync(STDBUF)
    ? 'stdbuf not found: apt-get install coreutils'
  : !existsSync(capturePath)
    ? `capture ${capturePath} is missing (../shared relative to the repo root)`
    : null;

/** 2.048 MS/s: rtl_tcp forwards 262144-byte transfers, 64 ms apart at this rate (0.52 s at 250 kS/s). */
const RATE = 2_048_000;
const CENTER = 433_920_000;
/** rtl_tcp processes the sources are spread over (see {@link ready}). */
const PEERS = 4;

/** One rtl_tcp process: its port and its log (stdout and stderr). */
interface Peer {
  port: number;
  log: string;
  child: ChildProcess;
}

/** rtl_tcp prints one `listening...` per accept loop and one `client accepted!` per client. */
const count = (log: string, re: RegExp): number => log.match(re)?.length ?? 0;

/**
 * True when rtl_tcp waits for a client: after a client leaves it waits ≈ 5 s for its worker thread ("worker cond
 * timeout") before it listens again, so the suite spreads its sources over several processes.
 */
const ready = (p: Peer): boolean => count(p.log, /listening\.\.\./g) > count(p.log, /client accepted!/g);

describeNeeding(missing, 'rtl_tcp (Debian) over the fake librtlsdr', () => {
  const peers: Peer[] = [];
  let next = 0;
  let notRtlTcp: net.Server | null = null;
  let notRtlTcpPort = 0;

  beforeAll(async () => {
    const libDir = await buildFakeLibrtlsdr();
    for (let k = 0; k < PEERS; k++) {
      const port = await freePort();
      const child = spawn(STDBUF, ['-oL', '-eL', RTL_TCP!, '-a', '127.0.0.1', '-p', String(port), '-s', String(RATE), '-f', String(CENTER)], {
        env: { ...process.env, LD_LIBRARY_PATH: libDir, FAKE_RTLSDR_FILE: capturePath, FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_QUIET: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const peer: Peer = { port, log: '', child };
      child.stdout!.on('data', (d: Buffer) => (peer.log += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (peer.log += d.toString()));
      peers.push(peer);
    }
    for (const p of peers) await waitFor(() => ready(p), 10_000, `rtl_tcp listening on ${p.port} (log:\n${p.log})`);
    // a web server where rtl_tcp was expected
    notRtlTcp = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => notRtlTcp!.listen(0, '127.0.0.1', r));
    notRtlTcpPort = (notRtlTcp.address() as net.AddressInfo).port;
  }, 60_000);

  afterAll(() => {
    for (const p of peers) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    notRtlTcp?.close();
  });

  const source = (port: number) => new RtlTcpSource({ host: '127.0.0.1', port, centerHz: CENTER, rateSps: RATE, gainDb: 20, reconnectInitialMs: 50, reconnectMaxMs: 200 });
  /** A source on peer `k` once that rtl_tcp listens again. */
  const onPeer = async (k: number) => {
    const p = peers[k]!;
    await waitFor(() => ready(p), 12_000, `rtl_tcp on ${p.port} listening again (log:\n${p.log})`);
    return source(p.port);
  };
  describeSource('rtl_tcp', () => onPeer((next = (next + 1) % PEERS)), {
    blocks: 8,
    knownCu8: () => readFileSync(capturePath),
    knownCu8AnyStart: true,
    reopen: () => onPeer(next),
    failing: { open: async () => source(notRtlTcpPort), names: /127\.0\.0\.1:\d+ is not an rtl_tcp server/ },
    timeoutMs: 20_000,
  });
});
