// `quietband run` hopping a (fake-librtlsdr) dongle: the addon's retune in the live worker, revisit in health, the stitched spectrum, no ghost.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, fakeRtlsdrDaemonSuite, readStore, startDaemon, writeConfig } from '../daemon/helpers.js';

const { tmp, addon } = fakeRtlsdrDaemonSuite('qb-run-scan-rtlsdr-');

const RATE = 250_000;
const HOP_A = 433_882_500;
const HOP_B = 433_957_500;
const TONE_HZ = 433_910_000; // the fake dongle's tone at an absolute frequency: seen by both hops at different offsets
/** RtlSdrSource's block at 250 kS/s: 4096 samples (16.4 ms); default settle = 25 ms + one block. */
const BLOCK_MS = (4096 / RATE) * 1000;
const SETTLE_MS = 25 + BLOCK_MS;

describe('quietband run: a scanning rtlsdr sensor (fake librtlsdr)', () => {
  it('hops the dongle: armed after the per-hop warm-up, revisit = 2 × (dwell + default settle) ± 10 %, tone at its frequency in the stitched spectrum, no alert', async () => {
    const config = writeConfig(tmp.dir, 'r.json', {
      site: 'hall-r',
      warmupS: 0.6,
      calibrationDir: join(tmp.dir, 'cal'),
      sensors: [{
        name: 'ceiling',
        source: 'rtlsdr:SCAN0001',
        centerHz: 433_920_000,
        rateSps: RATE,
        gainDb: 30,
        fftSize: 1024,
        scan: { segments: [{ startHz: 433_900_000, stopHz: 433_940_000 }], dwellMs: 200 },
      }],
    });
    const env = { QUIETBAND_RTLSDR_ADDON: addon(), FAKE_RTLSDR_QUIET: '1', FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_DEVICES: '1', FAKE_RTLSDR_SERIALS: 'SCAN0001', FAKE_RTLSDR_TONE_ABS_HZ: String(TONE_HZ) };
    const dataDir = join(tmp.dir, 'data-r');
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0'], { env });
    const c = await Client.open(d.wsUrl);
    const st = await c.waitFor(() => {
      const s = c.status('ceiling');
      return s?.state === 'armed' && s.scan?.segments[0]?.revisitMs != null ? s : undefined;
    }, 15_000, `armed with a measured revisit (last: ${JSON.stringify(c.status('ceiling'))})`);
    const scan = st.scan!;
    console.log(`rtlsdr scan health: ${JSON.stringify(scan)}`);
    expect(scan.hops).toBe(2);
    expect([HOP_A, HOP_B]).toContain(scan.hopCenterHz);
    expect(Math.abs(scan.settleMs - SETTLE_MS)).toBeLessThan(0.1);
    const planned = 2 * (200 + SETTLE_MS);
    expect(Math.abs(scan.segments[0]!.plannedRevisitMs - planned)).toBeLessThan(1);
    // measured: RtlSdrSource also drops the block in flight at each retune (16.4 ms), and a dwell ends on a block boundary
    const expected = 2 * (200 + SETTLE_MS + BLOCK_MS);
    expect(Math.abs(scan.segments[0]!.revisitMs! - expected) / expected).toBeLessThan(0.1);

    // 2 s armed: the stitched spectrum shows the tone at its absolute frequency; no transmission alert (no ghost, no DC spike)
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
