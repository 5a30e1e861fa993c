// `quietband run` / live `calibrate`: every emitter a baseline heard is raised once as a low-severity
// present-during-calibration alert; confirming it known feeds known-emitters.json; a restart with the same file adds none.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import { BIN, buildOnce, CENTER_HZ, Client, killAll, readStore, REPO, startDaemon, tempDir, writeConfig, type Daemon } from './helpers.js';

const tmp = tempDir('qb-daemon-heard-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

/** Steady carrier −45 kHz (−20 dBFS) and a tone +60 kHz on for 0.2 s of every 1 s (the scenario loops): duty 0.2, period 1 s. */
const CARRIER_HZ = CENTER_HZ - 45_000;
const TONE_HZ = CENTER_HZ + 60_000;
const scenario = {
  durationS: 1,
  seed: 3,
  carriers: [{ offsetHz: -45_000, powerDbfs: -20 }],
  events: [{ kind: 'tone', offsetHz: 60_000, snrDb: 25, startS: 0.3, durationS: 0.2 }],
};
const sensor = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 's1', source: 'sim', centerHz: CENTER_HZ, rateSps: 250_000, fftSize: 1024, scenario, ...extra,
});

const heardOpens = (c: Client): Alert[] => c.alerts().map((x) => x.a).filter((a) => a.kind === 'present-during-calibration' && a.event === 'open');

async function stop(d: Daemon): Promise<void> {
  d.child.kill('SIGTERM');
  expect((await d.exited).code).toBe(0);
}

/**
 * The measured duty of a 0.2 s tone is stretched by up to one slow-path Welch average on each side (an average the tone
 * only partly covers still counts as occupied): 0.2 ≤ duty ≤ 0.2 + 2 × 0.1 s / 1 s. Measured 0.305.
 */
const TONE_DUTY = { min: 0.18, max: 0.4 };

describe('present during calibration', () => {
  // the scanning sensor runs beside the warm-up test (its own config and data dir); the file test after them reuses the
  // warm-up test's data dir, where the tone was confirmed known
  it.concurrent('a scanning sensor: every hop\'s baseline raises what it heard, with the hop centre', async () => {
    // two hops (433.8825 and 433.9575 MHz, 250 kHz wide each): the carrier at 433.910 MHz is inside both
    const hops = [433_882_500, 433_957_500];
    const carrierHz = 433_910_000;
    const config = writeConfig(tmp.dir, 'scan.json', {
      site: 'scan-h', warmupS: 2, calibrationDir: join(tmp.dir, 'cal-scan'),
      sensors: [{
        name: 'hopper', source: 'sim', centerHz: CENTER_HZ, rateSps: 250_000, fftSize: 1024,
        scenario: { durationS: 8, seed: 7, carriers: [{ offsetHz: carrierHz - CENTER_HZ, powerDbfs: -20 }], events: [] },
        scan: { segments: [{ startHz: 433_900_000, stopHz: 433_940_000 }], dwellMs: 200, settleMs: 10, simStaleMs: 5 },
      }],
    });
    const d = await startDaemon(['run', '--config', config, '--data-dir', join(tmp.dir, 'data-scan'), '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => c.status('hopper')?.state === 'armed', 30_000, 'scanning sensor armed');
    await c.waitFor(() => heardOpens(c).length >= 2, 5000, 'one alert per hop');
    await new Promise((r) => setTimeout(r, 500));
    const opens = heardOpens(c).sort((a, b) => a.calibration!.hopCenterHz! - b.calibration!.hopCenterHz!);
    console.log(`scan: ${opens.map((a) => `${a.centerHz} Hz (hop ${a.calibration!.hopCenterHz}, duty ${a.calibration!.emitter.dutyCycle})`).join('; ')}`);
    expect(opens.map((a) => a.calibration!.hopCenterHz)).toEqual(hops);
    for (const a of opens) {
      expect(Math.abs(a.centerHz! - carrierHz)).toBeLessThan(1000);
      expect(a).toMatchObject({ sensor: 'hopper', state: 'new', severity: 'low' });
      expect(a.calibration!.emitter.continuous).toBe(true);
    }
    c.close();
    await stop(d);
  }, 60_000);
  it.concurrent('warm-up: raises the carrier and the intermittent tone once each (low); known feeds known-emitters.json; escalate raises to high', async () => {
    const dataDir = join(tmp.dir, 'data');
    const config = writeConfig(tmp.dir, 'warm.json', { site: 'hall-h', warmupS: 5, calibrationDir: join(tmp.dir, 'cal'), sensors: [sensor()] });
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => c.status('s1')?.state === 'armed', 20_000, 'sensor armed');
    await c.waitFor(() => heardOpens(c).length >= 2, 5000, 'two present-during-calibration alerts');
    await new Promise((r) => setTimeout(r, 500));
    const opens = heardOpens(c).sort((a, b) => a.centerHz! - b.centerHz!);
    expect(opens).toHaveLength(2);
    const [carrier, tone] = opens as [Alert, Alert];
    for (const a of opens) {
      expect(a).toMatchObject({ sensor: 's1', state: 'new', severity: 'low' });
      expect(a.calibration!.baselineMethod).toBe('warmup');
      expect(a.calibration!.baselineDurationS).toBeGreaterThan(4.5);
      expect(Date.parse(a.endTime!) - Date.parse(a.startTime!)).toBeCloseTo(a.calibration!.baselineDurationS * 1000, -1);
    }
    expect(Math.abs(carrier.centerHz! - CARRIER_HZ)).toBeLessThan(1000);
    expect(carrier.calibration!.emitter.continuous).toBe(true);
    expect(carrier.calibration!.emitter.dutyCycle).toBeGreaterThanOrEqual(0.95);
    expect(carrier.peakPowerDbfs!).toBeGreaterThan(-30); // −20 dBFS carrier (PSD normalisation puts it at ≈ −23)
    expect(Math.abs(tone.centerHz! - TONE_HZ)).toBeLessThan(1000);
    const e = tone.calibration!.emitter;
    expect(e.continuous).toBe(false);
    expect(e.dutyCycle).toBeGreaterThanOrEqual(TONE_DUTY.min);
    expect(e.dutyCycle).toBeLessThanOrEqual(TONE_DUTY.max);
    expect(e.periodS!).toBeCloseTo(1.0, 1); // ± 0.05 s
    expect(e.bursts).toBeGreaterThanOrEqual(4);
    expect(e.bursts).toBeLessThanOrEqual(6);
    expect(tone.bandwidthHz!).toBeLessThan(5000);
    // each once: open + close, nothing more
    expect(c.alerts().filter((x) => x.a.kind === 'present-during-calibration').map((x) => x.a.event)).toEqual(['open', 'close', 'open', 'close']);

    // the technician confirms the tone as known and escalates the carrier
    c.ws.send(JSON.stringify({ v: 1, type: 'known', alertId: tone.alertId, by: 'tech' }));
    c.ws.send(JSON.stringify({ v: 1, type: 'escalate', alertId: carrier.alertId, by: 'tech' }));
    const known = await c.waitFor(() => c.alerts().find((x) => x.a.alertId === tone.alertId && x.a.event === 'known')?.a, 5000, 'known record');
    expect(known).toMatchObject({ state: 'known', severity: 'info', ackBy: 'tech (local@127.0.0.1)' });
    const esc = await c.waitFor(() => c.alerts().find((x) => x.a.alertId === carrier.alertId && x.a.event === 'escalate')?.a, 5000, 'escalate record');
    expect(esc).toMatchObject({ state: 'new', severity: 'high', ackBy: 'tech (local@127.0.0.1)' });
    const file = join(dataDir, 'known-emitters.json');
    await c.waitFor(() => existsSync(file), 5000, 'known-emitters.json');
    const list = JSON.parse(readFileSync(file, 'utf8')) as { emitters: { lowHz: number; highHz: number; sensor: string; alertId: string }[] };
    expect(list.emitters).toHaveLength(1);
    const k = list.emitters[0]!;
    expect(k).toMatchObject({ sensor: 's1', alertId: tone.alertId });
    expect(k.lowHz).toBeLessThan(TONE_HZ);
    expect(k.highHz).toBeGreaterThan(TONE_HZ);
    expect(k.highHz - k.lowHz).toBeLessThan(10_000); // band ± max(2 RBW, 5 ppm = 2.2 kHz)
    c.close();
    await stop(d);
  }, 60_000);

  it('calibrate --config prints each emitter with the sensor name; the daemon raises them from the file once (the known one as known), and not again after a restart', async () => {
    const dataDir = join(tmp.dir, 'data'); // same data dir: the tone was confirmed known above
    const calDir = join(tmp.dir, 'cal');
    const calConfig = writeConfig(tmp.dir, 'cal.json', { site: 'hall-h', calibrationDir: calDir, sensors: [sensor()] });
    const r = spawnSync(process.execPath, [BIN, 'calibrate', '--config', calConfig, '--seconds', '6', '--log-level', 'warn'], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const baselineFile = join(calDir, 'hall-h-s1.json');
    expect(r.stdout.trim()).toBe(baselineFile);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('sensor s1 calibration heard 2 emitters (now part of the baseline; confirm each as known, or investigate):');
    expect(lines[1]).toMatch(/^ {2}433\.875\d MHz .* continuous$/);
    expect(lines[2]).toMatch(/^ {2}433\.980\d MHz .* duty \d+\.\d %  every 1\.0\d s \(\d appearances, longest 0\.\d+ s\)$/);
    const stored = JSON.parse(readFileSync(baselineFile, 'utf8')) as { createdAt: string; emitters: { centerHz: number }[] };
    expect(stored.emitters).toHaveLength(2);

    const config = writeConfig(tmp.dir, 'file.json', { site: 'hall-h', warmupS: 5, calibrationDir: calDir, sensors: [sensor({ baseline: baselineFile })] });
    const before = readStore(dataDir).alerts.length;
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const c = await Client.open(d.wsUrl, before);
    await c.waitFor(() => heardOpens(c).length >= 2, 20_000, 'two present-during-calibration alerts from the file');
    const opens = heardOpens(c).sort((a, b) => a.centerHz! - b.centerHz!);
    expect(opens.map((a) => a.calibration!.baselineCreatedAt)).toEqual([stored.createdAt, stored.createdAt]);
    expect(opens.map((a) => a.calibration!.baselineMethod)).toEqual(['calibrate', 'calibrate']);
    expect(opens[0]).toMatchObject({ state: 'new', severity: 'low' });
    expect(Math.abs(opens[1]!.centerHz! - TONE_HZ)).toBeLessThan(1000);
    expect(opens[1]).toMatchObject({ state: 'known', severity: 'info' }); // on the known list at calibration time
    expect(opens[1]!.knownLabel).toMatch(/^confirmed known after calibration by tech/);
    c.close();
    await stop(d);
    const afterFirst = readStore(dataDir).alerts.filter((a) => a.kind === 'present-during-calibration');

    // restart with the same file: armed, the baseline reported again, no new record
    const d2 = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const c2 = await Client.open(d2.wsUrl);
    await c2.waitFor(() => c2.status('s1')?.state === 'armed', 20_000, 'sensor armed after the restart');
    await new Promise((r2) => setTimeout(r2, 1000));
    c2.close();
    await stop(d2);
    expect(d2.stderr()).toMatch(/baseline in use/);
    expect(readStore(dataDir).alerts.filter((a) => a.kind === 'present-during-calibration')).toEqual(afterFirst);
  }, 60_000);
});
