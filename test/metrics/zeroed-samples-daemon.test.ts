// `quietband run` with an rtlsdr: sensor (fake librtlsdr) whose stream holds a run of never-written (0, 0) samples in
// every pass: the loss reaches the sensor's status and /metrics as zeroed samples and dropped blocks, not as signal.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededBytes } from '../fake-librtlsdr/fake-env.js';
import { Client, fakeRtlsdrDaemonSuite, startDaemon, writeConfig } from '../daemon/helpers.js';
import { parseMetrics } from './metrics-helpers.js';

const { tmp, addon } = fakeRtlsdrDaemonSuite('qb-zeroed-');

/** RtlSdrSource's block at 250 kS/s: 4096 samples. */
const BLOCK = 4096;
const HOLE = 2000;

describe('zeroed samples in health and /metrics', () => {
  it('a 2000-sample (0, 0) run per 4-block pass: zeroedSamples = 2000 × holes, each hole one dropped block', async () => {
    const bytes = seededBytes(2 * 4 * BLOCK, 31);
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0) bytes[i] = 1; // the only zeros are the hole's
    bytes.fill(0, 2 * (2 * BLOCK - HOLE), 2 * 2 * BLOCK); // the tail of block 1
    const file = join(tmp.dir, 'hole.cu8');
    writeFileSync(file, bytes);
    const config = writeConfig(tmp.dir, 'z.json', {
      site: 'hall-z',
      warmupS: 0.5,
      calibrationDir: join(tmp.dir, 'cal'),
      sensors: [{ name: 'desk', source: 'rtlsdr:ZERO0001', centerHz: 433_920_000, rateSps: 250_000, gainDb: 30 }],
    });
    const env = { QUIETBAND_RTLSDR_ADDON: addon(), FAKE_RTLSDR_QUIET: '1', FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_DEVICES: '1', FAKE_RTLSDR_SERIALS: 'ZERO0001', FAKE_RTLSDR_FILE: file };
    const d = await startDaemon(['run', '--config', config, '--data-dir', join(tmp.dir, 'data'), '--http-port', '0'], { env });
    const c = await Client.open(d.wsUrl);
    const st = await c.waitFor(() => {
      const s = c.status('desk');
      return (s?.zeroedSamples ?? 0) >= 10 * HOLE ? s : undefined;
    }, 15_000, `10 holes in the status (last: ${JSON.stringify(c.status('desk'))})`);
    expect(st.zeroedSamples! % HOLE).toBe(0);
    expect(st.droppedBlocks).toBeGreaterThanOrEqual(st.zeroedSamples! / HOLE);
    const m = parseMetrics(await (await fetch(`${d.url}metrics`)).text());
    const zeroed = m.get('quietband_sensor_zeroed_samples{sensor="desk",site="hall-z"}')!;
    expect(zeroed).toBeGreaterThanOrEqual(st.zeroedSamples!);
    expect(zeroed % HOLE).toBe(0);
    console.log(`zeroed samples: status ${st.zeroedSamples}, /metrics ${zeroed}, dropped blocks ${st.droppedBlocks}`);
    c.close();
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
