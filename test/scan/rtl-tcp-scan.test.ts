// A scan through Debian's rtl_tcp (+ fake librtlsdr with a tone at an absolute frequency): the retune settle keeps rtl_tcp's stale transfer out; without it, a ghost.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Baseline } from '../../src/baseline/baseline.js';
import { DEFAULT_SITE_CONFIG } from '../../src/config/site-config.js';
import { ScanLoop } from '../../src/scan/scan-loop.js';
import type { RetunableSource } from '../../src/source/retunable.js';
import { RtlTcpSource } from '../../src/source/rtl-tcp-source.js';
import { sensorPipelineOptions } from '../../src/site/sensor-pipeline.js';
import type { DetectionEvent } from '../../src/types.js';
import { buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';
import { freePort } from '../helpers.js';

const RTL_TCP = '/usr/bin/rtl_tcp';
const RATE = 1_000_000;
const SEGMENT = { startHz: 433_900_000, stopHz: 433_940_000 }; // crop 0.25 → usable ±375 kHz, hops 300 kHz apart
const HOP_A = 433_770_000;
const HOP_B = 434_070_000;
const TONE_HZ = 433_910_000; // the fake dongle's tone (absolute): +140 kHz in A, −160 kHz in B
const GHOSTS = [HOP_B + (TONE_HZ - HOP_A), HOP_A + (TONE_HZ - HOP_B)]; // 434.21 and 433.61 MHz
const SCAN = { segments: [SEGMENT], dwellMs: 150, settleMs: 10, cropFraction: 0.25 };

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function rtlTcp(libDir: string): Promise<number> {
  const port = await freePort();
  const child = spawn(RTL_TCP, ['-a', '127.0.0.1', '-p', String(port), '-s', String(RATE), '-f', '433920000'], {
    env: { ...process.env, LD_LIBRARY_PATH: libDir, FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_QUIET: '1', FAKE_RTLSDR_TONE_ABS_HZ: String(TONE_HZ) },
    stdio: 'ignore',
  });
  children.push(child);
  await new Promise((r) => setTimeout(r, 400));
  return port;
}

describe('scan through rtl_tcp', () => {
  it('default retune settle: hops, learns, no detection; retune settle 0 + scan settle 0 on the same baselines: a ghost of the tone one hop away', async () => {
    expect(existsSync(RTL_TCP), 'rtl_tcp missing: apt-get install rtl-sdr').toBe(true);
    const libDir = await buildFakeLibrtlsdr();
    const [portGood, portBad] = await Promise.all([rtlTcp(libDir), rtlTcp(libDir)]);
    const opts = sensorPipelineOptions({ fftSize: 1024, detector: {} }, { spectrum: DEFAULT_SITE_CONFIG.spectrum, bandPlan: 'CN' }, RATE);

    // 1. the default: every retune drops 0.25 s + one USB transfer (rtl_tcp's stale samples)
    const good = new RtlTcpSource({ host: '127.0.0.1', port: portGood, centerHz: 433_920_000, rateSps: RATE, gainDb: 20, reconnectInitialMs: 100 });
    const goodDets: DetectionEvent[] = [];
    let learned: Map<number, Baseline> | null = null;
    const loop = new ScanLoop({
      source: good, scan: SCAN, planRateSps: RATE, opts, startSettleSamples: 0, mode: 'run', learnSamplesPerHop: Math.round(0.3 * RATE), maxSamples: 7 * RATE,
      hooks: { onDetection: (ev) => goodDets.push(ev), onLearned: (b) => (learned = b) },
    });
    try {
      expect((await loop.run()).end).toBe('max-samples');
    } finally {
      await good.close();
    }
    const [seg] = loop.revisit();
    console.log(`rtl_tcp scan: ${loop.retunes} retunes, ${loop.visits} visits, revisit ${seg!.revisitMs?.toFixed(0)} ms (planned without the source's own settle ${seg!.plannedRevisitMs.toFixed(0)} ms), discarded ${good.health().samplesDiscarded} samples, detections ${goodDets.length}`);
    expect(loop.hops.map((h) => h.centerHz)).toEqual([HOP_A, HOP_B]);
    expect(learned).not.toBeNull();
    expect(loop.visits).toBeGreaterThanOrEqual(6);
    console.log(JSON.stringify(goodDets.map((d) => [d.kind, d.centerHz, d.startS.toFixed(3), d.endS?.toFixed(3), d.peakExcessDb.toFixed(1), d.paths, d.bandwidthHz])));
    expect(goodDets).toEqual([]);
    // each visit also waits out the source's retune settle (0.25 s + 131072 samples = 381 ms at 1 MS/s)
    expect(seg!.revisitMs!).toBeGreaterThan(2 * (150 + 10 + 381));

    // 2. the same baselines, no settle anywhere: rtl_tcp's stale transfer shows the tone at the previous hop's offset
    const bad = new RtlTcpSource({ host: '127.0.0.1', port: portBad, centerHz: 433_920_000, rateSps: RATE, gainDb: 20, reconnectInitialMs: 100 });
    const noSettle: RetunableSource = { info: bad.info, blocks: () => bad.blocks(), health: () => bad.health(), close: () => bad.close(), retune: (hz) => bad.retune(hz, 0) };
    const badDets: DetectionEvent[] = [];
    const loop2 = new ScanLoop({
      source: noSettle, scan: { ...SCAN, settleMs: 0 }, planRateSps: RATE, opts, startSettleSamples: Math.round(0.4 * RATE), mode: 'run', learnSamplesPerHop: 0,
      stored: learned!, maxSamples: Math.round(2.5 * RATE), hooks: { onDetection: (ev) => badDets.push(ev) },
    });
    try {
      await loop2.run();
    } finally {
      await bad.close();
    }
    const centres = [...new Set(badDets.map((d) => (d.centerHz / 1e6).toFixed(3)))];
    console.log(`rtl_tcp scan without settle: ${loop2.visits} visits, detections at ${centres.join(', ')} MHz`);
    expect(badDets.some((d) => GHOSTS.some((g) => Math.abs(d.centerHz - g) < 5000))).toBe(true);
  }, 40_000);
});
