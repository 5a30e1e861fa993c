// `quietband run` hopping a soapy: receiver (Debian's SoapyRTLSDR over the fake librtlsdr): the Soapy retune in the
// live worker, revisit in health = hops × (dwell + settle + the source's retune discard), tone at its frequency, no ghost.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRetuneDiscardMs } from '../../src/source/soapy-source.js';
import { buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';
import { buildOnce, Client, killAll, readStore, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';

const tmp = tempDir('qb-run-scan-soapy-');
let fakeDir = '';
beforeAll(async () => {
  buildOnce();
  fakeDir = await buildFakeLibrtlsdr();
}, 120_000);
afterAll(() => {
  killAll();
  tmp.cleanup();
});

const RATE = 250_000;
const HOP_A = 433_882_500;
const HOP_B = 433_957_500;
const TONE_HZ = 433_910_000; // the fake dongle's tone at an absolute frequency: seen by both hops at different offsets
/** SoapySource's block at 250 kS/s: 4096 samples (16.4 ms); the scan's default settle = 25 ms + one block. */
const BLOCK_MS = (4096 / RATE) * 1000;
const SETTLE_MS = 25 + BLOCK_MS;

describe('quietband run: a scanning soapy sensor (SoapyRTLSDR over the fake librtlsdr)', () => {
  it('hops the receiver: armed, revisit within 15 % of 2 × (dwell + settle + discard + one block), tone in the stitched spectrum, no alert', async () => {
    const config = writeConfig(tmp.dir, 's.json', {
      site: 'hall-s',
      warmupS: 0.6,
      calibrationDir: join(tmp.dir, 'cal'),
      sensors: [{
        name: 'ceiling',
        source: 'soapy:driver=rtlsdr,serial=SCANS001',
        centerHz: 433_920_000,
        rateSps: RATE,
        gainDb: 30,
        fftSize: 1024,
        scan: { segments: [{ startHz: 433_900_000, stopHz: 433_940_000 }], dwellMs: 200 },
      }],
    });
    const env = { LD_LIBRARY_PATH: fakeDir, FAKE_RTLSDR_QUIET: '1', FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_SERIALS: 'SCANS001', FAKE_RTLSDR_TONE_ABS_HZ: String(TONE_HZ) };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const dataDir = join(tmp.dir, 'data-s');
    let d;
    try {
      d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    } finally {
      for (const k of Object.keys(env)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    const c = await Client.open(d.wsUrl);
    const st = await c.waitFor(() => {
      const s = c.status('ceiling');
      return s?.state === 'armed' && s.scan?.segments[0]?.revisitMs != null ? s : undefined;
    }, 20_000, `armed with a measured revisit (last: ${JSON.stringify(c.status('ceiling'))})`);
    const scan = st.scan!;
    console.log(`soapy scan health: ${JSON.stringify(scan)}`);
    expect(scan.hops).toBe(2);
    expect([HOP_A, HOP_B]).toContain(scan.hopCenterHz);
    expect(Math.abs(scan.settleMs - SETTLE_MS)).toBeLessThan(0.1);
    // measured: the source also discards the block in flight and its retune discard (SoapyRTLSDR: none beyond it)
    const discardMs = defaultRetuneDiscardMs('RTLSDR');
    const expected = 2 * (200 + SETTLE_MS + discardMs + BLOCK_MS);
    expect(Math.abs(scan.segments[0]!.revisitMs! - expected) / expected).toBeLessThan(0.15);

    await new Promise((r) => setTimeout(r, 2000));
    const last = c.spectra('ceiling').at(-1)!.s;
    let peak = 0;
    for (let k = 1; k < last.powerDbfs.length; k++) if (last.powerDbfs[k]! > last.powerDbfs[peak]!) peak = k;
    expect(Math.abs(last.startHz + peak * last.stepHz - TONE_HZ)).toBeLessThanOrEqual(last.stepHz + RATE / 1024);
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    expect(readStore(dataDir).alerts.filter((a) => a.kind === 'transmission')).toEqual([]);
    c.close();
  }, 60_000);
});
