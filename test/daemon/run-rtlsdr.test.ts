// `quietband run` on dongles (the addon built against the fake librtlsdr): one sensor per attached dongle without flags; unplug → offline → reopen by serial.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAddonAgainstFake } from '../fake-librtlsdr/build.js';
import { buildOnce, CENTER_HZ, Client, killAll, startDaemon, tempDir, writeConfig } from './helpers.js';

const tmp = tempDir('qb-daemon-rtlsdr-');
let addon = '';
beforeAll(async () => {
  buildOnce();
  addon = await buildAddonAgainstFake();
});
afterAll(() => {
  killAll();
  tmp.cleanup();
});

/** Environment of a daemon that loads the fake-linked addon (read by the worker threads too: same process). */
function fakeEnv(vars: Record<string, string>): Record<string, string> {
  return { QUIETBAND_RTLSDR_ADDON: addon, FAKE_RTLSDR_QUIET: '1', FAKE_RTLSDR_REALTIME: '1', ...vars };
}

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(vars)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe('quietband run with RTL-SDR dongles (fake librtlsdr)', () => {
  it('without flags runs one sensor per attached dongle, opened by serial', async () => {
    const d = await withEnv(fakeEnv({ FAKE_RTLSDR_DEVICES: '2', FAKE_RTLSDR_SERIALS: 'HALLA001,HALLB002' }), () =>
      startDaemon(['run', '--http-port', '0', '--data-dir', join(tmp.dir, 'data-n'), '--warmup', '1', '--log-level', 'warn'], { cwd: tmp.dir }),
    );
    expect(d.stdout()).toMatch(/^QuietBand site "quietband" running at http:\/\/127\.0\.0\.1:\d+\/\n  sensor rtlsdr-HALLA001: rtlsdr:HALLA001 at 433\.920 MHz, 1000 kS\/s, FFT 1024; baseline: warm-up 1 s\n  sensor rtlsdr-HALLB002: rtlsdr:HALLB002 at 433\.920 MHz/);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => c.status('rtlsdr-HALLA001')?.state === 'armed' && c.status('rtlsdr-HALLB002')?.state === 'armed', 20_000, 'both dongles armed');
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    c.close();
  });

  it('a dongle unplugged mid-stream raises sensor-offline at once and is reopened by serial; the alert closes when data flows', async () => {
    const RATE = 250_000;
    const config = writeConfig(tmp.dir, 'u.json', {
      site: 'hall-u',
      warmupS: 1,
      restart: { initialMs: 500, maxMs: 500 },
      calibrationDir: join(tmp.dir, 'cal'),
      sensors: [{ name: 'ceiling', source: 'rtlsdr:HALLU001', centerHz: CENTER_HZ, rateSps: RATE, gainDb: 30, fftSize: 1024 }],
    });
    // every open delivers 3.5 s of samples, then the dongle "disappears" (usb transfer error, as after an unplug)
    const d = await withEnv(fakeEnv({ FAKE_RTLSDR_DEVICES: '1', FAKE_RTLSDR_SERIALS: 'HALLU001', FAKE_RTLSDR_UNPLUG_AFTER_BYTES: String(2 * RATE * 3.5) }), () =>
      startDaemon(['run', '--config', config, '--data-dir', join(tmp.dir, 'data-u'), '--http-port', '0']),
    );
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => c.status('ceiling')?.state === 'armed', 15_000, 'armed');
    const offline = () => c.alerts().filter((x) => x.a.kind === 'sensor-offline');
    // open, then (if the retry delay grows) updates of the same alert, then its close
    await c.waitFor(() => offline().some((x) => x.a.event === 'close'), 15_000, 'offline then back');
    const open = offline()[0];
    const close = offline().find((x) => x.a.event === 'close');
    console.log(`dongle unplug → reopened by serial, sensor-offline open for ${close!.atMs - open!.atMs} ms (restart 500 ms + first block): ${open!.a.message}`);
    expect(open!.a.event).toBe('open');
    expect(open!.a.message).toMatch(/^sensor ceiling \(rtlsdr:HALLU001\) stopped delivering: .*reopening in 500 ms$/);
    expect(close!.a.event).toBe('close');
    expect(close!.a.alertId).toBe(open!.a.alertId);
    expect(close!.atMs - open!.atMs).toBeGreaterThan(400);
    expect(close!.atMs - open!.atMs).toBeLessThan(3000);
    await c.waitFor(() => c.status('ceiling')?.state === 'armed' && c.status('ceiling')?.online, 5000, 'armed again');
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    c.close();
  });
});
