// SoapySource through Debian's SoapyRTLSDR over the fake librtlsdr: exact bytes, no drops at 2.4 MS/s, retune,
// unplug → DISCONNECTED → reopen by serial, busy device, refusals that name the device's ranges and elements, and
// detection lines identical to `quietband replay` of the same capture.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SoapyDevice, type SoapyBinding } from '../../native-bindings/soapy.js';
import { QuietBandError } from '../../src/errors.js';
import { SoapySource, soapyStreamArgs, type SoapySourceOptions } from '../../src/source/soapy-source.js';
import { loadBaseline, saveBaseline } from '../../src/baseline/baseline.js';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { replayFile } from '../../src/cli/replay.js';
import { detectionLine } from '../../src/cli/replay-line.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { openFileSource } from '../../src/source/file-source.js';
import { capture, silentLog } from '../helpers.js';
import { seededBytes, setFakeEnv } from '../fake-librtlsdr/fake-env.js';
import { soapyOverFake } from './soapy-fake.js';

let binding: SoapyBinding;
let fakeDir = '';
const RTL_SDR = '/usr/bin/rtl_sdr';
const CAPTURE = 'ambient_weather_F007TH_433.92M_250k.cu8';
const CAPTURE_SAMPLES = 655_360;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'qb-soapy-source-'));
const sources: SoapySource[] = [];
const ARGS = 'driver=rtlsdr,serial=SOAPY01';

beforeAll(async () => {
  ({ binding, fakeDir } = await soapyOverFake());
}, 120_000);

afterEach(async () => {
  for (const s of sources.splice(0)) await s.close().catch(() => undefined);
  setFakeEnv();
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function open(extra: Partial<SoapySourceOptions> = {}): Promise<SoapySource> {
  const s = await SoapySource.open({ args: ARGS, centerHz: 433_920_000, rateSps: 1_024_000, gain: 30, binding, ...extra });
  sources.push(s);
  return s;
}

async function rejection(p: Promise<unknown>): Promise<QuietBandError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(QuietBandError);
    return err as QuietBandError;
  }
  throw new Error('expected a rejection');
}

describe('soapyStreamArgs', () => {
  it('one-block USB transfers for SoapyRTLSDR; TCP for a SoapyRemote device unless its args choose remote:prot', () => {
    expect(soapyStreamArgs('RTLSDR', 16_384)).toBe('bufflen=32768');
    expect(soapyStreamArgs('HackRF', 16_384)).toBe('');
    expect(soapyStreamArgs('RTLSDR', 4096, { driver: 'remote', remote: 'tcp://10.0.0.5:55132' })).toBe('bufflen=8192,remote:prot=tcp');
    expect(soapyStreamArgs('HackRF', 4096, { remote: '10.0.0.5' })).toBe('remote:prot=tcp');
    expect(soapyStreamArgs('HackRF', 4096, { driver: 'remote', 'remote:prot': 'udp' })).toBe('');
    expect(soapyStreamArgs('HackRF', 4096, { driver: 'hackrf', serial: '457863c8' })).toBe('');
  });
});

describe('SoapySource over SoapyRTLSDR + fake librtlsdr', () => {
  it('streams the exact bytes the fake streams (SoapyRTLSDR CS8 = cu8 − 128, read back as cu8), 0 drops at 2.4 MS/s, then DISCONNECTED at end of file', async () => {
    const blockSamples = 65_536;
    const bytes = seededBytes(2 * blockSamples * 40, 777); // 40 blocks = 2 621 440 samples ≈ 1.09 s at 2.4 MS/s
    const file = path.join(tmp, 'stream.cu8');
    writeFileSync(file, bytes);
    setFakeEnv({ FAKE_RTLSDR_SERIALS: 'SOAPY01', FAKE_RTLSDR_FILE: file, FAKE_RTLSDR_LOOP: '0', FAKE_RTLSDR_REALTIME: '1' });
    const src = await open({ rateSps: 2_400_000, blockSamples, stallTimeoutMs: 1500 });
    expect(src.info).toMatchObject({ label: `soapy:${ARGS}`, format: 'cu8', rateSps: 2_400_000, centerHz: 433_920_000, gainDb: 30 });
    expect(src.info.deviceId).toBe('RTLSDR:SOAPY01 gains TUNER=30');
    expect(src.stream).toEqual({ soapyFormat: 'CS8', sampleFormat: 'cu8', native: true, offsetBinary: true });
    const got = new Uint8Array(bytes.length);
    let n = 0;
    let endErr: unknown = null;
    try {
      for await (const b of src.blocks()) {
        expect(b.firstSample).toBe(n / 2);
        // cu8 → float is (u − 127.5) / 127.5, so u = 127.5·x + 127.5
        for (let i = 0; i < 2 * b.count; i++) got[n + i] = Math.round(b.samples[i]! * 127.5 + 127.5);
        n += 2 * b.count;
      }
    } catch (err) {
      endErr = err;
    }
    expect(n).toBe(bytes.length);
    expect(Buffer.compare(Buffer.from(got), Buffer.from(bytes))).toBe(0);
    expect((endErr as QuietBandError).code).toBe('DISCONNECTED');
    const h = src.health();
    expect(h.droppedBlocks).toBe(0);
    expect(h.overflows).toBe(0);
    expect(h.samplesDelivered).toBe(bytes.length / 2);
  }, 30_000);

  it('a run of never-written zeros in a block (CS8 0 = cu8 128 here) is lost, not signal: the block ends before it, the next is discontinuous, health counts it', async () => {
    const blockSamples = 16_384;
    const bytes = seededBytes(2 * blockSamples * 6, 4242);
    // block 2's second half as SoapyRemote's UDP sometimes hands it over: all zeros in the stream format
    bytes.fill(128, 2 * (2 * blockSamples + blockSamples / 2), 2 * 3 * blockSamples);
    const file = path.join(tmp, 'hole.cu8');
    writeFileSync(file, bytes);
    setFakeEnv({ FAKE_RTLSDR_SERIALS: 'SOAPY01', FAKE_RTLSDR_FILE: file, FAKE_RTLSDR_LOOP: '0', FAKE_RTLSDR_REALTIME: '1' });
    const src = await open({ rateSps: 2_400_000, blockSamples, stallTimeoutMs: 1000 });
    const seen: { firstSample: number; count: number; discontinuity: boolean; firstByte: number }[] = [];
    let endErr: unknown = null;
    try {
      for await (const b of src.blocks()) {
        seen.push({ firstSample: b.firstSample, count: b.count, discontinuity: b.discontinuity, firstByte: Math.round(b.samples[0]! * 127.5 + 127.5) });
      }
    } catch (err) {
      endErr = err;
    }
    expect((endErr as QuietBandError).code).toBe('DISCONNECTED');
    expect(seen.map((s) => [s.firstSample, s.count, s.discontinuity])).toEqual([
      [0, blockSamples, false],
      [blockSamples, blockSamples, false],
      [2 * blockSamples, blockSamples / 2, false],
      [3 * blockSamples, blockSamples, true],
      [4 * blockSamples, blockSamples, false],
      [5 * blockSamples, blockSamples, false],
    ]);
    expect(seen[3]!.firstByte).toBe(bytes[2 * 3 * blockSamples]);
    const h = src.health();
    expect(h).toMatchObject({ zeroRunBlocks: 1, zeroedSamples: blockSamples / 2, droppedBlocks: 1, samplesDelivered: 5.5 * blockSamples });
  }, 30_000);

  it('retune: every block after the one in flight carries the new tuning (USB transfers of one block); retuneDiscardMs skips more', async () => {
    // the fake's tone sits at 100.2 MHz: silent while tuned to 433.92 MHz, +200 kHz after the retune to 100 MHz
    const run = async (retuneDiscardMs?: number) => {
      setFakeEnv({ FAKE_RTLSDR_SERIALS: 'SOAPY01', FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_TONE_ABS_HZ: '100200000', FAKE_RTLSDR_TONE_AMPL: '0.5' });
      const src = await open({ blockSamples: 16_384, ...(retuneDiscardMs !== undefined ? { retuneDiscardMs } : {}) });
      const powerBefore: number[] = [];
      const after: { centerHz: number; tuneId: number; discontinuity: boolean; firstSample: number; power: number }[] = [];
      let k = 0;
      let retunedAtSample = 0;
      for await (const b of src.blocks()) {
        let p = 0;
        for (let i = 0; i < 2 * b.count; i++) p += b.samples[i]! * b.samples[i]!;
        p /= b.count;
        if (b.tuneId === 0) powerBefore.push(p);
        else after.push({ centerHz: b.centerHz, tuneId: b.tuneId, discontinuity: b.discontinuity, firstSample: b.firstSample, power: p });
        if (++k === 5) {
          expect(await src.retune(100_000_000)).toBe(100_000_000);
          retunedAtSample = b.firstSample + b.count;
        }
        if (after.length === 30) break;
      }
      await src.close();
      expect(after[0]).toMatchObject({ centerHz: 100_000_000, tuneId: 1, discontinuity: true });
      expect(after.slice(1).every((a) => !a.discontinuity && a.centerHz === 100_000_000)).toBe(true);
      expect(src.info.centerHz).toBe(100_000_000);
      // noise only: 2 × 0.02² ≈ 0.0008 (+ quantisation); tone: 0.5² = 0.25
      for (const p of powerBefore) expect(p).toBeLessThan(0.005);
      const stale = after.findIndex((a) => a.power > 0.2);
      expect(stale).toBeGreaterThanOrEqual(0);
      for (const a of after.slice(stale)) expect(a.power).toBeGreaterThan(0.2);
      return { stale, skippedMs: ((after[0]!.firstSample - retunedAtSample) / 1_024_000) * 1000 };
    };
    const dflt = await run();
    const wide = await run(200);
    console.log(`soapy retune (transfers of one block): default discard ${dflt.stale} stale blocks after the block in flight; retuneDiscardMs 200 skipped ${wide.skippedMs.toFixed(0)} ms, ${wide.stale} stale`);
    expect(dflt.stale).toBe(0);
    expect(wide.stale).toBe(0);
    // from the end of the block being consumed: the discard plus the blocks already queued when the retune returned
    expect(wide.skippedMs).toBeGreaterThan(200);
    expect(wide.skippedMs).toBeLessThan(1000); // plus at most the pool of queued blocks
  }, 30_000);

  it('unplug → DISCONNECTED within the stall timeout → reopen by serial → data flows again', async () => {
    setFakeEnv({ FAKE_RTLSDR_SERIALS: 'SOAPY01', FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_UNPLUG_AFTER_BYTES: String(2 * 16_384 * 10) });
    const src = await open({ blockSamples: 16_384, stallTimeoutMs: 500 });
    let blocks = 0;
    let lastBlockMs = 0;
    let err: QuietBandError | null = null;
    try {
      for await (const _ of src.blocks()) {
        blocks++;
        lastBlockMs = performance.now();
      }
    } catch (e) {
      err = e as QuietBandError;
    }
    const detectMs = performance.now() - lastBlockMs;
    expect(blocks).toBe(10);
    expect(err?.code).toBe('DISCONNECTED');
    expect(err?.disconnected).toBe(true);
    expect(detectMs).toBeGreaterThan(400);
    expect(detectMs).toBeLessThan(1500);
    await src.close();
    // the fake's dongle is "replugged" for the next open
    setFakeEnv({ FAKE_RTLSDR_SERIALS: 'SOAPY01', FAKE_RTLSDR_REALTIME: '1' });
    const t0 = performance.now();
    const again = await open({ blockSamples: 16_384 });
    let first = -1;
    for await (const b of again.blocks()) {
      first = b.firstSample;
      break;
    }
    const reopenMs = performance.now() - t0;
    expect(first).toBe(0);
    expect(reopenMs).toBeLessThan(2000);
    console.log(`soapy unplug: DISCONNECTED ${detectMs.toFixed(0)} ms after the last block (stall timeout 500 ms); reopen to first block ${reopenMs.toFixed(0)} ms`);
  }, 30_000);

  it('a device another process holds is busy: DEVICE_BUSY with advice', async () => {
    expect(existsSync(RTL_SDR), 'rtl_sdr missing: apt-get install rtl-sdr').toBe(true);
    const lockDir = mkdtempSync(path.join(tmp, 'lock-'));
    setFakeEnv({ FAKE_RTLSDR_SERIALS: 'SOAPY01', FAKE_RTLSDR_LOCK_DIR: lockDir });
    // rtl_sdr (same fake, another process) holds the dongle through the fake's flock
    const holder = spawn(RTL_SDR, ['-d', '0', '-f', '100000000', '-s', '1024000', '/dev/null'], {
      env: { ...process.env, LD_LIBRARY_PATH: fakeDir, FAKE_RTLSDR_REALTIME: '1' },
      stdio: 'ignore',
    });
    try {
      const deadline = performance.now() + 5000;
      while (readdirSync(lockDir).length === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(readdirSync(lockDir).length).toBe(1);
      const e = await rejection(SoapySource.open({ args: ARGS, centerHz: 433_920_000, rateSps: 1_024_000, gain: 30, binding }));
      expect(e.code).toBe('DEVICE_BUSY');
      expect(e.message).toContain(`Soapy device "${ARGS}" was found but could not be opened`);
      expect(e.message).toContain('another program');
    } finally {
      holder.kill('SIGKILL');
    }
  }, 30_000);

  it('refusals name what Soapy found, the device ranges and the gain elements', async () => {
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '2', FAKE_RTLSDR_SERIALS: 'SOAPY01,SOAPY02' });
    const nf = await rejection(SoapyDevice.open('driver=rtlsdr,serial=NOPE', { binding }));
    expect(nf.code).toBe('DEVICE_NOT_FOUND');
    expect(nf.message).toContain('Soapy found: driver=rtlsdr,serial=SOAPY01 (label Generic RTL2832U OEM :: SOAPY01, serial SOAPY01); driver=rtlsdr,serial=SOAPY02');
    const nd = await rejection(SoapyDevice.open('driver=hackrf', { binding }));
    expect(nd.code).toBe('DEVICE_NOT_FOUND');
    expect(nd.message).toContain('driver=rtlsdr,serial=SOAPY01');
    expect(nd.message).toContain('soapysdr-module-');

    const rate = await rejection(open({ rateSps: 5_000_000 }));
    expect(rate.code).toBe('CONFIG');
    expect(rate.message).toContain('sample rate 5000000 S/s is not supported; the device\'s rates are 0.225001–0.3 MS/s, 0.900001–3.2 MS/s');
    const freq = await rejection(open({ centerHz: 2_440_000_000 }));
    expect(freq.message).toContain('centre frequency 2440000000 Hz is outside the device\'s ranges 23.999–1764.001 MHz');
    const gain = await rejection(open({ gain: { LNA: 20 } }));
    expect(gain.message).toContain('gain element "LNA" does not exist; this device has TUNER (0–49.6 dB)');
    const agcOk = await open({ gain: { TUNER: 20 } });
    expect(agcOk.info.deviceId).toBe('RTLSDR:SOAPY01 gains TUNER=20');
    await agcOk.close();
    const bad = await rejection(open({ args: 'driver' }));
    expect(bad.code).toBe('CONFIG');
    expect(bad.message).toContain('"driver" in Soapy device args "driver" is not key=value');
  }, 60_000);
});

describe('SoapySource: the same samples give the same detections as replay', () => {
  it(`${CAPTURE} streamed through SoapyRTLSDR → identical detection lines`, async () => {
    const file = capture(CAPTURE);
    const opts = pipelineOptions({}, 250_000);
    const { baseline } = await learnBaseline(await openFileSource(file), opts, 'auto');
    const baselinePath = path.join(tmp, 'baseline.json');
    await saveBaseline(baselinePath, baseline);
    const stored = await loadBaseline(baselinePath);
    const expected: string[] = [];
    await replayFile(file, { baseline: baselinePath, settleSamples: '0', progress: false, identify: false }, (l) => expected.push(l), silentLog);
    expect(expected.length).toBeGreaterThanOrEqual(3);

    setFakeEnv({ FAKE_RTLSDR_SERIALS: 'SOAPY01', FAKE_RTLSDR_FILE: file, FAKE_RTLSDR_REALTIME: '1' });
    const src = await open({ centerHz: 433_920_000, rateSps: 250_000, gain: 20 });
    sources.push(src);
    const got: string[] = [];
    const { stats } = await detect(src, stored, opts, (ev) => {
      if (ev.kind === 'close') got.push(detectionLine(ev, src.info, opts.bandPlan));
    }, { maxSamples: CAPTURE_SAMPLES, settleSamples: 0 }, baselinePath);
    expect(stats.samples).toBe(CAPTURE_SAMPLES);
    expect(src.health().droppedBlocks).toBe(0);
    expect(got).toEqual(expected);
  }, 60_000);
});
