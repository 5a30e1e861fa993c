// Test helper: Debian's SoapySDRServer (soapyremote-server) on the loopback serving SoapyRTLSDR over the fake librtlsdr,
// with the Avahi client stand-in LD_PRELOADed (the server exits without an avahi-daemon).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { buildFakeAvahi } from '../fake-avahi/build.js';
import { buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';

/** Debian's SoapyRemote server binary. */
export const SOAPY_SERVER = '/usr/bin/SoapySDRServer';

/** Every server started (for afterAll: {@link killSoapyServers}). */
const servers: ChildProcess[] = [];

/**
 * Starts SoapySDRServer on 127.0.0.1:port over the fake librtlsdr (paced in real time; `fakeEnv`: the fake's
 * FAKE_RTLSDR_* settings); resolves once it accepts TCP connections.
 * @throws Error when it exits or does not listen within 10 s
 */
export async function startSoapyServer(port: number, fakeEnv: Record<string, string>): Promise<ChildProcess> {
  const [fakeDir, avahi] = await Promise.all([buildFakeLibrtlsdr(), buildFakeAvahi()]);
  const child = spawn(SOAPY_SERVER, [`--bind=127.0.0.1:${port}`], {
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

/** Kills a server with SIGKILL (a SIGSTOPped one too) and waits for its exit. */
export async function stopSoapyServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Kills every server still running (afterAll). */
export function killSoapyServers(): void {
  for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
}
