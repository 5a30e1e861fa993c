// Debian's rtl_tcp running on the fake librtlsdr (LD_LIBRARY_PATH): RTL0 header, paced stream, commands; and a cross-process busy dongle.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { loadRtlSdr, RtlSdrDevice, type RtlSdrBinding } from '../../native-bindings/index.js';
import { buildAddonAgainstFake, buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';
import { setFakeEnv, sleep } from '../fake-librtlsdr/fake-env.js';
import { describeNeeding, freePort } from '../helpers.js';

const rtlTcp = spawnSync('sh', ['-c', 'command -v rtl_tcp'], { encoding: 'utf8' }).stdout.trim();

/** Connects, retrying while rtl_tcp starts up (its stdout is block-buffered in a pipe, so there is no line to wait for). */
async function connect(port: number, deadlineMs = 5000): Promise<net.Socket> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection({ host: '127.0.0.1', port }, () => resolve(s));
        s.once('error', reject);
      });
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(50);
    }
  }
}

/** Reads exactly n bytes from the socket (the first n after the call). */
function readExactly(sock: net.Socket, n: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      sock.off('data', onData);
      reject(new Error(`only ${got} of ${n} bytes within ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        clearTimeout(timer);
        sock.off('data', onData);
        const all = Buffer.concat(chunks);
        if (all.length > n) sock.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    sock.on('data', onData);
  });
}

/** rtl_tcp command: 1-byte id + 4-byte big-endian parameter (docs/field-notes.md §9). */
function command(id: number, param: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt8(id, 0);
  b.writeUInt32BE(param >>> 0, 1);
  return b;
}

let fakeDir: string;
const children: ChildProcess[] = [];

function startRtlTcp(port: number, extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(rtlTcp, ['-a', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, LD_LIBRARY_PATH: fakeDir, FAKE_RTLSDR_QUIET: '1', FAKE_RTLSDR_REALTIME: '1', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.resume();
  child.stderr?.resume();
  children.push(child);
  return child;
}

/**
 * Stops rtl_tcp: SIGTERM every 300 ms (rtl_tcp resets its exit flag when a client session ends, so one SIGTERM that
 * lands during a session teardown is swallowed), SIGKILL after 3 s.
 */
async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  const started = Date.now();
  const timer = setInterval(() => c.kill(Date.now() - started > 3000 ? 'SIGKILL' : 'SIGTERM'), 300);
  c.kill('SIGTERM');
  await exited;
  clearInterval(timer);
}

afterEach(async () => {
  for (const c of children.splice(0)) await stopChild(c);
  setFakeEnv();
});

describeNeeding(rtlTcp ? null : 'rtl_tcp not found: apt-get install rtl-sdr', 'rtl_tcp (Debian) on the fake librtlsdr', () => {
  beforeAll(async () => {
    fakeDir = await buildFakeLibrtlsdr();
  });

  it('serves the RTL0 header with the fake tuner and streams paced samples; commands reach the fake', async () => {
    const port = await freePort();
    startRtlTcp(port);
    const sock = await connect(port);
    try {
      const header = await readExactly(sock, 12);
      expect(header.subarray(0, 4).toString('latin1')).toBe('RTL0');
      expect(header.readUInt32BE(4)).toBe(5); // R820T
      expect(header.readUInt32BE(8)).toBe(29); // R820T gain steps
      // paced at rtl_tcp's default 2.048 MS/s = 4.096 MB/s: measured over one second (16 transfers) after the first
      // transfer. Over 4 transfers (0.26 s), a 64 ms stall of either process on a loaded machine alone moved the figure
      // by 25 % (a late first read leaves a backlog that then arrives at once): the bounds tested the scheduler, not the pacing
      await readExactly(sock, 262144);
      const t0 = performance.now();
      await readExactly(sock, 16 * 262144);
      const rate = (16 * 262144) / ((performance.now() - t0) / 1000);
      expect(rate).toBeGreaterThan(4.096e6 * 0.8);
      expect(rate).toBeLessThan(4.096e6 * 1.25);
      // SET_TESTMODE (0x07) → the RTL2832's 8-bit counter: find a long run of bytes counting up by one
      sock.write(command(0x07, 1));
      const data = await readExactly(sock, 6 * 262144);
      let run = 0;
      let best = 0;
      for (let i = 1; i < data.length; i++) {
        run = data[i] === (((data[i - 1] as number) + 1) & 0xff) ? run + 1 : 0;
        if (run > best) best = run;
      }
      expect(best).toBeGreaterThanOrEqual(262144);
    } finally {
      sock.destroy();
    }
  });

  it('a dongle held by rtl_tcp is DEVICE_BUSY for the addon (FAKE_RTLSDR_LOCK_DIR)', async () => {
    const lockDir = mkdtempSync(path.join(os.tmpdir(), 'qb-fake-lock-'));
    const port = await freePort();
    startRtlTcp(port, { FAKE_RTLSDR_LOCK_DIR: lockDir });
    const sock = await connect(port); // rtl_tcp opened the dongle before listening
    sock.destroy();
    const binding: RtlSdrBinding = loadRtlSdr({ path: await buildAddonAgainstFake() });
    setFakeEnv({ FAKE_RTLSDR_LOCK_DIR: lockDir });
    const err = await RtlSdrDevice.open({ serial: 'FAKE0001' }, { binding }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEVICE_BUSY' });
    expect((err as Error).message).toContain('another program such as rtl_tcp or rtl_433 holds the dongle; stop it');
    for (const c of children.splice(0)) await stopChild(c);
    const d = await RtlSdrDevice.open({ serial: 'FAKE0001' }, { binding }); // free again once rtl_tcp exited
    await d.close();
  });
});
