// The addon and its TS wrapper against the fake librtlsdr: enumeration, open, settings, streaming bytes, errors, drops, unplug.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  exactSampleRateSps,
  loadRtlSdr,
  mapNativeError,
  RtlSdrDevice,
  snapGainDb,
  type RawNativeError,
  type RtlSdrBinding,
  type RtlSdrBlock,
} from '../../native-bindings/index.js';
import { QuietBandError } from '../../src/errors.js';
import { buildAddonAgainstFake, buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';
import { busyWait, fakeGeneratorBytes, seededBytes, setFakeEnv, sleep } from '../fake-librtlsdr/fake-env.js';

let binding: RtlSdrBinding;
let addonPath: string;
let fakeDir: string;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-native-'));

beforeAll(async () => {
  fakeDir = await buildFakeLibrtlsdr();
  addonPath = await buildAddonAgainstFake();
  binding = loadRtlSdr({ path: addonPath });
});

const opened: RtlSdrDevice[] = [];

/** Opens through the wrapper and remembers the device so a failing test cannot leave it open for the next one. */
async function open(target: { serial: string } | { index: number }): Promise<RtlSdrDevice> {
  const d = await RtlSdrDevice.open(target, { binding });
  opened.push(d);
  return d;
}

afterEach(async () => {
  for (const d of opened.splice(0)) {
    await d.stop().catch(() => undefined);
    await d.close().catch(() => undefined);
  }
  setFakeEnv();
});

/** Streams until `n` blocks arrived (copying their bytes), then stops; returns copies, seqs, offsets and the end error. */
async function collect(
  dev: RtlSdrDevice,
  n: number,
  opts: { bufferBytes: number; poolSlots?: number },
): Promise<{ data: Uint8Array[]; seqs: number[]; offsets: number[]; endError: QuietBandError | null }> {
  const data: Uint8Array[] = [];
  const seqs: number[] = [];
  const offsets: number[] = [];
  let endError: QuietBandError | null = null;
  let resolveEnd!: () => void;
  const ended = new Promise<void>((r) => (resolveEnd = r));
  dev.start(
    {
      onBlock(b: RtlSdrBlock) {
        if (data.length < n) {
          data.push(b.data.slice());
          seqs.push(b.seq);
          offsets.push(b.byteOffset);
          if (data.length === n) void dev.stop();
        }
        dev.release(b);
      },
      onEnd(err) {
        endError = err;
        resolveEnd();
      },
    },
    opts,
  );
  await ended;
  return { data, seqs, offsets, endError };
}

describe('enumeration', () => {
  it('lists the fake dongles with their serials and USB strings', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '3', FAKE_RTLSDR_SERIALS: 'alpha,beta' });
    const list = await binding.listDevices();
    expect(list.map((d) => d.serial)).toEqual(['alpha', 'beta', 'FAKE0003']);
    expect(list.map((d) => d.index)).toEqual([0, 1, 2]);
    expect(list[0]).toMatchObject({ name: 'Generic RTL2832U OEM', manufacturer: 'Realtek', product: 'RTL2838UHIDIR', usbStringsRc: 0 });
    expect(binding.librtlsdrPath).toBe(path.join(fakeDir, 'librtlsdr.so.0'));
    expect(binding.biasTeeSupported).toBe(true);
  });

  it('zero devices: empty list, and open says none is attached with what to check', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '0' });
    expect(await binding.listDevices()).toEqual([]);
    const bySerial = RtlSdrDevice.open({ serial: 'FAKE0001' }, { binding });
    await expect(bySerial).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    await expect(bySerial).rejects.toThrow(/attached: none.*lsusb.*dvb_usb_rtl28xxu/);
    await expect(RtlSdrDevice.open({ index: 0 }, { binding })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
  });
});

describe('open', () => {
  it('opens by serial (index found by librtlsdr) and by index', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '2' });
    const b = await open({ serial: 'FAKE0002' });
    expect(b.info).toMatchObject({ index: 1, serial: 'FAKE0002', tunerType: 5, tunerName: 'R820T' });
    expect(b.info.gainsDb).toHaveLength(29);
    expect(b.info.gainsDb[0]).toBe(0);
    expect(b.info.gainsDb[28]).toBeCloseTo(49.6, 10);
    expect(b.state).toBe('open');
    const a = await open({ index: 0 });
    expect(a.info.serial).toBe('FAKE0001');
    await a.close();
    await b.close();
  });

  it('an unknown serial is DEVICE_NOT_FOUND listing what is attached', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '2' });
    const p = RtlSdrDevice.open({ serial: 'nope' }, { binding });
    await expect(p).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    await expect(p).rejects.toThrow('attached: [0] FAKE0001 (Realtek RTL2838UHIDIR), [1] FAKE0002 (Realtek RTL2838UHIDIR)');
  });

  it('busy (-6) maps to DEVICE_BUSY with the rtl_tcp / rtl_433 / DVB driver advice', async () => {
    setFakeEnv({ FAKE_RTLSDR_FAIL_OPEN: 'busy' });
    const err = (await open({ serial: 'FAKE0001' }).catch((e: unknown) => e)) as QuietBandError;
    expect(err).toBeInstanceOf(QuietBandError);
    expect(err.code).toBe('DEVICE_BUSY');
    expect(err.message).toContain('usb_claim_interface error -6');
    expect(err.message).toContain('another program such as rtl_tcp or rtl_433 holds the dongle; stop it');
    expect(err.message).toContain('blacklist dvb_usb_rtl28xxu');
    expect((err.cause as RawNativeError).errno).toBe(-6);
  });

  it('busy for one serial only; a second open of an open dongle in this process is DEVICE_BUSY too', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '2', FAKE_RTLSDR_FAIL_OPEN: 'busy:FAKE0002' });
    await expect(RtlSdrDevice.open({ serial: 'FAKE0002' }, { binding })).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    const a = await open({ serial: 'FAKE0001' });
    await expect(RtlSdrDevice.open({ serial: 'FAKE0001' }, { binding })).rejects.toMatchObject({ code: 'DEVICE_BUSY' });
    await a.close();
    const again = await open({ serial: 'FAKE0001' });
    await again.close();
  });

  it('access (-3) maps to PERMISSION with the udev rule and plugdev advice', async () => {
    setFakeEnv({ FAKE_RTLSDR_FAIL_OPEN: 'access' });
    const err = (await open({ index: 0 }).catch((e: unknown) => e)) as QuietBandError;
    expect(err.code).toBe('PERMISSION');
    expect(err.message).toContain('/lib/udev/rules.d/60-librtlsdr0.rules');
    expect(err.message).toContain('plugdev');
    expect((err.cause as RawNativeError).errno).toBe(-3);
  });
});

describe('settings', () => {
  it('sets rate, centre, gain (snapped to the tuner list), ppm, AGC, bias-tee, direct sampling', async () => {
    setFakeEnv();
    const d = await open({ serial: 'FAKE0001' });
    expect(await d.setSampleRate(250_000)).toBe(250_000); // librtlsdr truncates the exact 250000.000414
    expect(exactSampleRateSps(250_000)).toBeCloseTo(250_000.000414, 6);
    expect(exactSampleRateSps(2_048_000)).toBe(2_048_000);
    expect(await d.setSampleRate(2_400_000)).toBe(2_400_000);
    expect(await d.setCenterFreq(433_920_000)).toBe(433_920_000);
    expect(await d.setGain(20)).toBeCloseTo(19.7, 10); // steps 19.7 and 20.7 dB: 19.7 is nearer
    expect(await d.setGain(100)).toBeCloseTo(49.6, 10);
    expect(await d.setGain('auto')).toBe('auto');
    await d.setFreqCorrection(12);
    await d.setFreqCorrection(12); // librtlsdr returns -2 for "unchanged": not an error
    await d.setAgcMode(false);
    await d.setBiasTee(true);
    await d.setDirectSampling(2);
    await d.setDirectSampling(0);
    expect(d.getTunerType()).toBe(5);
    await d.close();
  });

  it('rejects invalid values as CONFIG, before and inside librtlsdr', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '2' });
    const d = await open({ serial: 'FAKE0001' });
    await expect(d.setSampleRate(500_000)).rejects.toMatchObject({ code: 'CONFIG' });
    await expect(d.setSampleRate(500_000)).rejects.toThrow(/225001–300000 and 900001–3200000/);
    // the same rate straight to the addon: librtlsdr answers -EINVAL, which maps to CONFIG
    const raw = new binding.RtlSdrDevice();
    await raw.open({ index: 1 });
    const rawErr = (await raw.setSampleRate(500_000).catch((e: unknown) => e)) as RawNativeError;
    expect(rawErr).toMatchObject({ code: 'ERR_LIBRTLSDR', errno: -22, call: 'rtlsdr_set_sample_rate' });
    expect(mapNativeError(rawErr, { device: 'index 1', value: '500000 S/s' }).code).toBe('CONFIG');
    await raw.close();
    await expect(d.setCenterFreq(0)).rejects.toMatchObject({ code: 'CONFIG' });
    await expect(d.setOffsetTuning(true)).rejects.toThrow(/R820T\/R828D tuner does not support offset tuning/);
    await d.close();
    await expect(d.setCenterFreq(100e6)).rejects.toThrow(/is closed/);
  });

  it('an E4000 dongle has its own gain table and supports offset tuning', async () => {
    setFakeEnv({ FAKE_RTLSDR_TUNERS: 'e4000' });
    const d = await open({ index: 0 });
    expect(d.info.tunerName).toBe('E4000');
    expect(d.info.gainsDb).toEqual([-1, 1.5, 4, 6.5, 9, 11.5, 14, 16.5, 19, 21.5, 24, 29, 34, 42]);
    expect(await d.setGain(30)).toBe(29);
    await d.setOffsetTuning(true);
    await d.close();
  });

  it('snapGainDb picks the nearest step, the lower one on a tie', () => {
    expect(snapGainDb([0, 9, 14], 11.5)).toBe(9);
    expect(snapGainDb([0, 9, 14], 11.6)).toBe(14);
    expect(snapGainDb([0, 9, 14], -5)).toBe(0);
  });
});

describe('streaming', () => {
  it('delivers a file’s bytes exactly, in order, looping at its end', async () => {
    const fileBytes = seededBytes(3 * 65536 + 1000);
    const file = path.join(tmp, 'loop.cu8');
    writeFileSync(file, fileBytes);
    setFakeEnv({ FAKE_RTLSDR_FILE: file, FAKE_RTLSDR_LOOP: '1', FAKE_RTLSDR_REALTIME: '1' }); // paced: no drops
    const d = await open({ serial: 'FAKE0001' });
    await d.setSampleRate(2_048_000);
    const r = await collect(d, 5, { bufferBytes: 65536, poolSlots: 16 });
    expect(r.endError).toBeNull();
    expect(r.seqs).toEqual([0, 1, 2, 3, 4]);
    expect(r.offsets).toEqual([0, 65536, 131072, 196608, 262144]);
    for (let b = 0; b < 5; b++) {
      const block = r.data[b] as Uint8Array;
      expect(block.length).toBe(65536);
      const expected = new Uint8Array(65536);
      for (let i = 0; i < 65536; i++) expected[i] = fileBytes[(b * 65536 + i) % fileBytes.length] as number;
      expect(Buffer.compare(Buffer.from(block), Buffer.from(expected))).toBe(0);
    }
    const st = d.stats();
    expect(st.deliveredBlocks + st.droppedBlocks).toBe(st.producedBlocks);
    expect(st.droppedBlocks).toBe(0);
    expect(d.state).toBe('open');
    await d.close();
  });

  it('generator: the first samples are the documented tone + noise, byte for byte', async () => {
    setFakeEnv({ FAKE_RTLSDR_SEED: '7' });
    const d = await open({ serial: 'FAKE0001' });
    await d.setSampleRate(1_024_000);
    const r = await collect(d, 1, { bufferBytes: 16384 });
    const expected = fakeGeneratorBytes(8192, { rateSps: 1_024_000, seed: 7 });
    expect(Buffer.compare(Buffer.from(r.data[0] as Uint8Array), Buffer.from(expected))).toBe(0);
    // the tone (rate/8, amplitude 0.25) dominates: correlate I/Q with e^{-j2πn/8}
    const bytes = r.data[0] as Uint8Array;
    let re = 0;
    let im = 0;
    for (let n = 0; n < 8192; n++) {
      const i = ((bytes[2 * n] as number) - 127.5) / 127.5;
      const q = ((bytes[2 * n + 1] as number) - 127.5) / 127.5;
      const c = Math.cos((2 * Math.PI * n) / 8);
      const s = Math.sin((2 * Math.PI * n) / 8);
      re += i * c + q * s;
      im += q * c - i * s;
    }
    expect(Math.hypot(re, im) / 8192).toBeCloseTo(0.25, 2);
    await d.close();
  });

  it('stop then start again: a new session with seq from 0, the stream continuing where it stopped', async () => {
    const fileBytes = seededBytes(200_000, 99);
    const file = path.join(tmp, 'restart.cu8');
    writeFileSync(file, fileBytes);
    setFakeEnv({ FAKE_RTLSDR_FILE: file });
    const d = await open({ serial: 'FAKE0001' });
    const first = await collect(d, 3, { bufferBytes: 16384 });
    expect(first.endError).toBeNull();
    const producedBytes = d.stats().producedBytes; // every byte librtlsdr produced was handed to the callback
    expect(producedBytes).toBeGreaterThanOrEqual(3 * 16384);
    const second = await collect(d, 2, { bufferBytes: 16384 });
    expect(second.seqs).toEqual([0, 1]);
    expect(second.offsets).toEqual([0, 16384]);
    for (let i = 0; i < 16384; i++) {
      if ((second.data[0] as Uint8Array)[i] !== fileBytes[(producedBytes + i) % fileBytes.length]) {
        throw new Error(`byte ${i} of the restarted stream differs`);
      }
    }
    await d.close();
  });

  it('close twice does not throw; close is refused while streaming; stop is idempotent', async () => {
    setFakeEnv({ FAKE_RTLSDR_REALTIME: '1' });
    const d = await open({ serial: 'FAKE0001' });
    await d.setSampleRate(1_024_000);
    let ended = 0;
    d.start({ onBlock: (b) => d.release(b), onEnd: () => ended++ }, { bufferBytes: 16384 });
    expect(d.state).toBe('streaming');
    expect(() => d.start({ onBlock: () => undefined, onEnd: () => undefined })).toThrow(/refused in state streaming/);
    await expect(d.close()).rejects.toThrow('close() refused while streaming: call stop() first');
    await sleep(50);
    const s1 = d.stop();
    expect(d.state).toBe('stopping');
    await expect(d.close()).rejects.toThrow(/refused while stopping/);
    await Promise.all([s1, d.stop()]);
    await d.stop();
    expect(d.state).toBe('open');
    expect(ended).toBe(1);
    await d.close();
    expect(d.state).toBe('closed');
    await d.close();
    await expect(d.close()).resolves.toBeUndefined();
  });

  it('counts drops when JS is slow: delivered + dropped = produced, and the seq gaps are the drops', async () => {
    setFakeEnv(); // generator, as fast as possible
    const d = await open({ serial: 'FAKE0001' });
    const seqs: number[] = [];
    let resolveEnd!: () => void;
    const ended = new Promise<void>((r) => (resolveEnd = r));
    d.start(
      {
        onBlock(b) {
          seqs.push(b.seq);
          d.release(b);
        },
        onEnd: () => resolveEnd(),
      },
      { bufferBytes: 16384, poolSlots: 4 },
    );
    busyWait(300); // the event loop is blocked: the pool fills, then blocks are dropped
    await sleep(20);
    await d.stop();
    await ended;
    const st = d.stats();
    expect(st.droppedBlocks).toBeGreaterThan(0);
    expect(st.deliveredBlocks + st.droppedBlocks).toBe(st.producedBlocks);
    expect(st.deliveredBlocks).toBe(seqs.length);
    expect(st.droppedBytes).toBe(st.droppedBlocks * 16384);
    expect(st.slotsInUse).toBe(0);
    // seq numbers count every produced block: the missing ones (gaps, and after the last delivered) are the drops
    expect(new Set(seqs).size).toBe(seqs.length);
    const last = seqs[seqs.length - 1] as number;
    const gapsInside = last + 1 - seqs.length;
    const afterLast = st.producedBlocks - 1 - last;
    expect(gapsInside + afterLast).toBe(st.droppedBlocks);
    expect(gapsInside).toBeGreaterThan(0);
    await d.close();
  });

  it('unplug after N bytes: the exact bytes, then DISCONNECTED; reopen by serial works', async () => {
    const limit = 5 * 16384 + 1000;
    setFakeEnv({ FAKE_RTLSDR_UNPLUG_AFTER_BYTES: String(limit) });
    const d = await open({ serial: 'FAKE0001' });
    let bytes = 0;
    const lengths: number[] = [];
    const err = await new Promise<QuietBandError | null>((resolve) => {
      d.start(
        {
          onBlock(b) {
            bytes += b.data.length;
            lengths.push(b.data.length);
            d.release(b);
          },
          onEnd: resolve,
        },
        { bufferBytes: 16384 },
      );
    });
    expect(bytes).toBe(limit);
    expect(lengths).toEqual([16384, 16384, 16384, 16384, 16384, 1000]);
    expect(err).toBeInstanceOf(QuietBandError);
    expect(err?.code).toBe('DISCONNECTED');
    expect(err?.disconnected).toBe(true);
    expect(err?.message).toMatch(/unplugged/);
    expect(d.state).toBe('open'); // the handle is dead but still has to be closed
    await expect(d.setCenterFreq(100e6)).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await d.close();
    setFakeEnv();
    const again = await open({ serial: 'FAKE0001' });
    const r = await collect(again, 2, { bufferBytes: 16384 });
    expect(r.data).toHaveLength(2);
    expect(r.endError).toBeNull();
    await again.close();
  });

  it('unref lets the process exit while streaming (teardown stops the thread cleanly); ref keeps it alive', async () => {
    const script = path.join(tmp, 'unref.mjs');
    writeFileSync(
      script,
      `const b = (await import('node:module')).createRequire(import.meta.url)(process.env.ADDON);
const d = new b.RtlSdrDevice();
await d.open({ index: 0 });
await d.setSampleRate(1024000);
let n = 0;
d.start({ bufferBytes: 16384, poolSlots: 4 }, (slot) => { n++; d.releaseSlot(slot); }, () => {});
if (process.env.UNREF === '1') d.unref();
setTimeout(() => process.stdout.write('blocks ' + n + '\\n'), 300);
`,
    );
    const run = (unref: boolean) =>
      new Promise<{ code: number | null; signal: string | null; out: string; ms: number }>((resolve) => {
        const t0 = Date.now();
        const child = spawn(process.execPath, [script], {
          env: { ...process.env, ADDON: addonPath, UNREF: unref ? '1' : '0', FAKE_RTLSDR_QUIET: '1', FAKE_RTLSDR_REALTIME: '1' },
        });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        const killer = setTimeout(() => child.kill('SIGKILL'), unref ? 5000 : 1200);
        child.on('exit', (code, signal) => {
          clearTimeout(killer);
          resolve({ code, signal, out, ms: Date.now() - t0 });
        });
      });
    const unrefd = await run(true);
    expect(unrefd.signal).toBeNull(); // no abort in env teardown while the read thread runs
    expect(unrefd.code).toBe(0);
    expect(unrefd.out).toMatch(/blocks [1-9]\d*/); // it streamed, then exited on its own
    const refd = await run(false);
    expect(refd.signal).toBe('SIGKILL'); // still streaming after 1.2 s
  });
});
