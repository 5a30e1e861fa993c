// Integration: detections through Debian's rtl_tcp (+ fake librtlsdr streaming a real capture) equal replay's.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RtlTcpSource, defaultSettleSamples } from '../../src/source/rtl-tcp-source.js';
import { openFileSource } from '../../src/source/file-source.js';
import { detect, learnBaseline } from '../../src/pipeline.js';
import { saveBaseline, loadBaseline } from '../../src/baseline/baseline.js';
import { pipelineOptions } from '../../src/cli/pipeline-flags.js';
import { replayFile } from '../../src/cli/replay.js';
import { detectionLine } from '../../src/cli/replay-line.js';
import { buildFakeLibrtlsdr } from '../fake-librtlsdr/build.js';
import { capture, freePort, silentLog } from '../helpers.js';

const RTL_TCP = '/usr/bin/rtl_tcp';
const NAME = 'ambient_weather_F007TH_433.92M_250k.cu8';
const RATE = 250_000;
const CENTER = 433_920_000;
const TOTAL = 655_360; // samples in the capture

describe('rtl_tcp peer: the same samples give the same detections as replay', () => {
  const children: ChildProcess[] = [];
  let dir = '';
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`${NAME} streamed through rtl_tcp → identical detection lines`, async () => {
    expect(existsSync(RTL_TCP), 'rtl_tcp missing: apt-get install rtl-sdr').toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'qb-rtltcp-'));
    const file = capture(NAME);
    const opts = pipelineOptions({}, RATE);
    // one baseline for both paths (learned from the file, stored, loaded back)
    const { baseline } = await learnBaseline(await openFileSource(file), opts, 'auto');
    const baselinePath = join(dir, 'baseline.json');
    await saveBaseline(baselinePath, baseline);
    const stored = await loadBaseline(baselinePath);

    // the rtl_tcp source discards its settle window first, so its first sample is stream (= file) sample `settle`
    const settle = defaultSettleSamples(RATE, 16_384);
    const expected: string[] = [];
    await replayFile(file, { baseline: baselinePath, settleSamples: String(settle), progress: false, identify: false }, (l) => expected.push(l), silentLog);
    expect(expected.length).toBeGreaterThanOrEqual(3); // bursts at 1.34, 1.87, 2.39 s lie after the settle window

    const libDir = await buildFakeLibrtlsdr();
    const port = await freePort();
    const child = spawn(RTL_TCP, ['-a', '127.0.0.1', '-p', String(port), '-s', String(RATE), '-f', String(CENTER)], {
      env: { ...process.env, LD_LIBRARY_PATH: libDir, FAKE_RTLSDR_FILE: file, FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_QUIET: '1' },
      stdio: 'ignore',
    });
    children.push(child);
    await new Promise((r) => setTimeout(r, 500));
    const src = new RtlTcpSource({ host: '127.0.0.1', port, centerHz: CENTER, rateSps: RATE, gainDb: 20, ppm: 0, reconnectInitialMs: 100 });
    const got: string[] = [];
    try {
      const { stats } = await detect(src, stored, opts, (ev) => {
        if (ev.kind === 'close') got.push(detectionLine(ev, src.info, opts.bandPlan));
      }, { maxSamples: TOTAL, settleSamples: settle }, baselinePath);
      expect(stats.samples).toBe(TOTAL);
    } finally {
      await src.close();
      child.kill('SIGKILL');
    }
    expect(got).toEqual(expected);
  }, 60_000);
});
