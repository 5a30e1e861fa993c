// `quietband record` (sim, file, rtl_tcp → SigMF with N samples and the right meta) and `run --csv` (rtl_power rows per sensor).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSiteTime } from '../../src/field/local-time.js';
import { buildOnce, CENTER_HZ, Client, killAll, RATE_SPS, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';
import { FakeRtlTcpServer, paceStream, prngBytes, rtlHeader } from '../source/fake-rtl-tcp-server.js';
import { buildAddonAgainstFake } from '../fake-librtlsdr/build.js';
import { runCliAsync, TZ } from './field-helpers.js';

const tmp = tempDir('qb-field-record-');
const servers: FakeRtlTcpServer[] = [];
beforeAll(() => buildOnce());
afterAll(async () => {
  killAll();
  await Promise.all(servers.map((s) => s.close()));
  tmp.cleanup();
});

type Meta = { global: Record<string, any>; captures: Record<string, any>[]; annotations: unknown[] };
const meta = (p: string): Meta => JSON.parse(readFileSync(p, 'utf8')) as Meta;

describe('quietband record', () => {
  it.concurrent('sim → N = duration × rate cu8 samples with datatype, rate, frequency, datetime, hw and gain; a file source copies it exactly', async () => {
    const out = join(tmp.dir, 'sim-rec');
    const t0 = Date.now();
    const r = await runCliAsync(['record', '--source', 'sim', '--center', '433.92M', '--rate', '250k', '--duration', '0.5', '-o', out, '--log-level', 'warn']);
    expect(r).toMatchObject({ code: 0, stdout: `${out}.sigmf-meta\n`, stderr: '' });
    const data = readFileSync(`${out}.sigmf-data`);
    expect(data.length).toBe(2 * 125_000);
    const m = meta(`${out}.sigmf-meta`);
    expect(m.global).toMatchObject({ 'core:datatype': 'cu8', 'core:sample_rate': 250_000, 'core:recorder': 'quietband', 'core:version': '1.0.0' });
    expect(m.global['core:hw']).toBe('sim, device sim:seed1, gain 0 dB, ppm 0');
    expect(m.global['core:description']).toBe('QuietBand recording of sim: 0.500 s at 250000 S/s, gain 0 dB, ppm 0');
    expect(m.captures).toHaveLength(1);
    expect(m.captures[0]!['core:frequency']).toBe(433_920_000);
    const dt = Date.parse(m.captures[0]!['core:datetime']);
    expect(dt).toBeGreaterThanOrEqual(t0 - 1000);
    expect(dt).toBeLessThanOrEqual(Date.now());
    expect(m.annotations).toEqual([]);

    // file: source → the same bytes (cu8 → float → cu8 is exact), its datetime and frequency
    const copy = join(tmp.dir, 'file-rec.sigmf-meta');
    const r2 = await runCliAsync(['record', '--source', `file:${out}.sigmf-meta`, '--duration', '0.2', '-o', copy, '--log-level', 'warn']);
    expect(r2.code).toBe(0);
    const data2 = readFileSync(copy.replace(/meta$/, 'data'));
    expect(data2.length).toBe(2 * 50_000);
    expect(data2.equals(data.subarray(0, 2 * 50_000))).toBe(true);
    const m2 = meta(copy);
    expect(m2.captures[0]).toEqual({ 'core:sample_start': 0, 'core:frequency': 433_920_000, 'core:datetime': m.captures[0]!['core:datetime'] });
    expect(m2.global['core:hw']).toMatch(/^sim-rec\.sigmf-meta/);

    const bad = await runCliAsync(['record', '--source', 'sim', '--duration', '0', '-o', join(tmp.dir, 'x')]);
    expect([bad.code, bad.stderr]).toEqual([2, 'quietband: --duration: "0" is not a positive number of seconds\n']);
  });

  it.concurrent('rtl_tcp → exactly the served bytes (after the source’s settle discard), gain and tuner in the meta', async () => {
    const stream = prngBytes(4 * 250_000, 42); // 2 s at 250 kS/s, longer than the settle + recording: no loop
    const server = await FakeRtlTcpServer.start((c) => {
      c.socket.write(rtlHeader(5));
      paceStream(c.socket, stream, 2 * 250_000);
    });
    servers.push(server);
    const out = join(tmp.dir, 'tcp-rec');
    const r = await runCliAsync(['record', '--source', `rtltcp:127.0.0.1:${server.port}`, '--center', '433.92M', '--rate', '250k', '--gain', '20', '--duration', '0.2', '-o', out, '--log-level', 'warn']);
    expect(r).toMatchObject({ code: 0, stdout: `${out}.sigmf-meta\n` });
    const data = readFileSync(`${out}.sigmf-data`);
    expect(data.length).toBe(2 * 50_000);
    const at = stream.indexOf(data.subarray(0, 64));
    expect(at).toBeGreaterThan(0); // the source dropped its settle samples first
    expect(at % 2).toBe(0);
    expect(data.equals(stream.subarray(at, at + data.length))).toBe(true);
    const m = meta(`${out}.sigmf-meta`);
    expect(m.global['core:datatype']).toBe('cu8');
    expect(m.global['core:hw']).toBe(`rtltcp:127.0.0.1:${server.port}, tuner R820T, gain 20 dB, ppm 0`);
    expect(m.global['core:description']).toContain('gain 20 dB');
    expect(m.captures[0]!['core:frequency']).toBe(433_920_000);
    console.log(`rtl_tcp recording: first sample at stream byte ${at} (settle ${at / 2} samples)`);
  });
});

describe('quietband record from a dongle', () => {
  it('rtlsdr (addon over the fake librtlsdr) → the dongle’s cu8 bytes, serial/tuner/gain in the meta', async () => {
    const addon = await buildAddonAgainstFake();
    const bytes = prngBytes(4 * 250_000, 9); // 2 s of cu8 the fake dongle streams (looped)
    const file = join(tmp.dir, 'dongle.cu8');
    writeFileSync(file, bytes);
    const out = join(tmp.dir, 'dongle-rec.sigmf-data');
    const env = { QUIETBAND_RTLSDR_ADDON: addon, FAKE_RTLSDR_QUIET: '1', FAKE_RTLSDR_REALTIME: '1', FAKE_RTLSDR_DEVICES: '1', FAKE_RTLSDR_SERIALS: 'HALLR001', FAKE_RTLSDR_FILE: file };
    const r = await runCliAsync(['record', '--source', 'rtlsdr:HALLR001', '--center', '433.92M', '--rate', '250k', '--gain', '29.7', '--duration', '0.25', '-o', out, '--log-level', 'warn'], 60_000, env);
    expect(r).toMatchObject({ code: 0, stdout: `${join(tmp.dir, 'dongle-rec.sigmf-meta')}\n` });
    const data = readFileSync(out);
    expect(data.length).toBe(2 * 62_500);
    const at = bytes.indexOf(data.subarray(0, 64));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(data.equals(bytes.subarray(at, at + data.length))).toBe(true);
    const m = meta(join(tmp.dir, 'dongle-rec.sigmf-meta'));
    expect(m.global['core:datatype']).toBe('cu8');
    expect(Math.abs(m.global['core:sample_rate'] - 250_000)).toBeLessThan(0.01); // the RTL2832's exact rate (250000.0004 S/s)
    expect(m.global['core:hw']).toMatch(/^rtlsdr:HALLR001, tuner R820T, device HALLR001, gain 29\.7 dB, ppm 0$/);
    expect(m.global['core:description']).toContain('gain 29.7 dB');
    expect(m.captures[0]!['core:frequency']).toBe(433_920_000);
    expect(Math.abs(Date.parse(m.captures[0]!['core:datetime']) - Date.now())).toBeLessThan(10_000);
  });
});

describe('quietband run --csv', () => {
  it('writes one rtl_power CSV per sensor (name before the extension), 6 + fftSize columns, site-local time, the carrier at its level', async () => {
    const base = simSensor('room-a', [], 5);
    const config = writeConfig(tmp.dir, 'csv.json', { site: 'hall-v', timeZone: TZ, warmupS: 1, calibrationDir: join(tmp.dir, 'cal'), sensors: [base, { ...simSensor('room-b', [], 5), fftSize: 512 }] });
    const csv = join(tmp.dir, 'spectra.csv');
    const d = await startDaemon(['run', '--config', config, '--data-dir', join(tmp.dir, 'data-v'), '--http-port', '0', '--csv', csv]);
    const paths = { 'room-a': join(tmp.dir, 'spectra-room-a.csv'), 'room-b': join(tmp.dir, 'spectra-room-b.csv') };
    expect(d.stdout()).toContain(`  spectra of room-a → ${paths['room-a']} (rtl_power CSV)\n  spectra of room-b → ${paths['room-b']} (rtl_power CSV)\n`);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => c.status('room-a')?.state === 'armed' && c.status('room-b')?.state === 'armed', 15_000, 'both armed');
    await new Promise((r) => setTimeout(r, 1200));
    const tEnd = Date.now();
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    c.close();
    for (const [name, fft] of [['room-a', 1024], ['room-b', 512]] as const) {
      const rows = readFileSync(paths[name], 'utf8').trim().split('\n').map((l) => l.split(', '));
      // warm-up (1 s) + ≥ 1.2 s armed at ≈ 10 rows/s
      expect(rows.length).toBeGreaterThan(18);
      for (const r of rows) expect(r.length).toBe(6 + fft);
      expect(Number(rows[0]![2])).toBe(CENTER_HZ - RATE_SPS / 2);
      expect(Number(rows[0]![3])).toBe(CENTER_HZ + RATE_SPS / 2);
      expect(Number(rows[0]![4])).toBeCloseTo(RATE_SPS / fft, 2);
      const last = rows.at(-1)!;
      const lastMs = Date.parse(`${last[0]}T${last[1]}+08:00`);
      expect(Math.abs(lastMs - tEnd)).toBeLessThan(3000);
      expect(`${last[0]}T${last[1]}`.slice(0, 13)).toBe(formatSiteTime(lastMs, TZ).slice(0, 13));
      // carrier −45 kHz at −20 dBFS: the peak of its bins, Hann scalloping ≤ 1.42 dB
      const k = Math.round(fft / 2 - 45_000 / (RATE_SPS / fft));
      const peak = Math.max(...last.slice(6 + k - 2, 6 + k + 3).map(Number));
      expect(peak).toBeGreaterThan(-21.6);
      expect(peak).toBeLessThan(-19.5);
      // rows in time order
      const times = rows.map((r) => Date.parse(`${r[0]}T${r[1]}+08:00`));
      for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    }
  });
});
