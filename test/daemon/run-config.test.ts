// `quietband run` / live `calibrate`: config errors exit 2 naming the field; stored baselines (fingerprint refusal, then use); the demo site.
// The config errors and the demo site run side by side (own configs and data dirs; the CLI runs do not block the event
// loop); the stored-baseline suite, which times its first alert and records baselines live, runs after them alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, CENTER_HZ, Client, killAll, readStore, runCliAsync, simSensor, startDaemon, tempDir, writeConfig } from './helpers.js';

const tmp = tempDir('qb-daemon-config-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

describe.concurrent('config and flag errors', () => {
  it('exit with status 2 and a message naming the file and field, or the flag', async () => {
    const bad = writeConfig(tmp.dir, 'bad.json', { site: 'x', sensors: [{ name: 's1', source: 'sim', fftSize: 1000 }] });
    const typo = writeConfig(tmp.dir, 'typo.json', { site: 'x', sensors: [{ name: 's1', source: 'sim', centreHz: 433e6 }] });
    const src = writeConfig(tmp.dir, 'src.json', { site: 'x', sensors: [{ name: 's1', source: 'usb:0' }] });
    const cases: [string[], string][] = [
      [['run', '--config', bad], `quietband: ${bad}: sensors[0].fftSize: expected a power of two between 64 and 65536\n`],
      [['run', '--config', typo], `quietband: ${typo}: sensors[0].centreHz: unknown field (did you mean centerHz? see calibration/example-site.json)\n`],
      [['run', '--config', src], `quietband: ${src}: sensors[0].source: "usb:0" is not a source; expected sim, rtlsdr:<serial|index>, rtltcp:<host>:<port>, soapy:<driver=…,serial=…> or file:<path>\n`],
      [['run', '--config', join(tmp.dir, 'missing.json')], `quietband: ${join(tmp.dir, 'missing.json')}: cannot read the site config (ENOENT: no such file or directory, open '${join(tmp.dir, 'missing.json')}')\n`],
      [['run', '--http-port', 'nope'], 'quietband: --http-port: "nope" is not a TCP port 0–65535 (0 = any free port)\n'],
      [['run', '--source', 'sim', '--fft-size', '1000'], 'quietband: --fft-size: "1000" is not a power of two between 64 and 65536\n'],
      [['run', '--config', bad, '--source', 'sim'], `quietband: --source: cannot be combined with --config; set sensors[].source in ${bad}\n`],
      [['calibrate', '--seconds', '1'], 'quietband: calibrate: give a recording file, --config site.json, or --source <spec>\n'],
    ];
    // side by side: each refuses before it opens anything (the data dir `never` is not created)
    const runs = await Promise.all(cases.map(([args]) => runCliAsync(args[0] === 'run' ? [...args, '--data-dir', join(tmp.dir, 'never')] : args)));
    runs.forEach((r, i) => expect({ args: cases[i]![0], code: r.code, stderr: r.stderr }).toEqual({ args: cases[i]![0], code: 2, stderr: cases[i]![1] }));
  });
});

describe.concurrent('embedded demo site', () => {
  it('`quietband run` without source/config starts three sim sensors in three rooms, prints the URL, streams status and spectra; with --log-format pretty every stderr line is readable, the sensor worker threads\' lines too', async () => {
    const dataDir = join(tmp.dir, 'data-demo');
    const d = await startDaemon(['run', '--http-port', '0', '--data-dir', dataDir, '--warmup', '1', '--log-format', 'pretty'], { cwd: tmp.dir });
    expect(d.stdout()).toMatch(/^QuietBand demo site running at http:\/\/127\.0\.0\.1:\d+\/\n/);
    const c = await Client.open(d.wsUrl);
    await c.waitFor(() => c.hello, 5000, 'hello');
    expect(c.hello!.site).toBe('demo');
    expect(c.hello!.sensors).toEqual([
      { name: 'hall-a-433', centerHz: 433_920_000, rateSps: 1_000_000, fftSize: 1024, location: { room: 'Hall A', xM: 4, yM: 3 } },
      { name: 'hall-b-868', centerHz: 868_300_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall B', xM: 18, yM: 3 } },
      { name: 'hall-c-433', centerHz: 433_920_000, rateSps: 250_000, fftSize: 1024, location: { room: 'Hall C', xM: 10, yM: 11 } },
    ]);
    await c.waitFor(() => ['hall-a-433', 'hall-b-868', 'hall-c-433'].every((n) => c.status(n)?.state === 'armed'), 20_000, 'all three sensors armed');
    const sa = await c.waitFor(() => c.spectra('hall-a-433').at(-1), 5000, 'hall-a spectrum');
    const sb = await c.waitFor(() => c.spectra('hall-b-868').at(-1), 5000, 'hall-b spectrum');
    expect(sa.s.startHz).toBeCloseTo(433_920_000 - 500_000, 3);
    expect(sa.s.stepHz).toBeCloseTo(1_000_000 / 1024, 6);
    expect(sb.s.startHz).toBeCloseTo(868_300_000 - 125_000, 3);
    expect(sa.s.powerDbfs.length).toBe(1024);
    expect(sb.s.powerDbfs.length).toBe(1024);
    // the terminal's lines (cli/terminal.test.ts has the other log-format cases): the calibration's alert for the
    // demo's emitter, logged by the main thread, and a sensor's state change, logged by its worker thread
    await c.waitFor(() => (/ALERT open low present-during-calibration/.test(d.stderr()) ? true : undefined), 20_000, 'the present-during-calibration alert on stderr');
    d.child.kill('SIGINT');
    expect((await d.exited).code).toBe(0);
    c.close();
    const lines = d.stderr().trim().split('\n');
    // every line of our loggers (Node's own process warnings, `(node:PID) …`, are not ours)
    expect(lines.filter((l) => !/^\[\d\d:\d\d:\d\d\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): /.test(l) && !l.startsWith('(node:'))).toEqual([]);
    expect(lines.some((l) => /^\[[\d:]+\] INFO: \[hall-[abc]-\d{3}\] state → armed$/.test(l))).toBe(true); // from a worker thread
    expect(lines.some((l) => / INFO: \[hall-[abc]-\d{3}\] ALERT open low present-during-calibration \d{3}\.\d{3} MHz (.+ )?\(unacknowledged; demo-cal-[0-9a-f]+ seq \d+\)$/.test(l))).toBe(true);
  });
});

describe('stored baselines: live calibrate, fingerprint mismatch, then use', () => {
  it('refuses a baseline recorded with another fftSize (status error naming fftSize, no detections), uses a matching one without warm-up', async () => {
    const cal = join(tmp.dir, 'cal');
    const config = writeConfig(tmp.dir, 'c.json', { site: 'hall-c', calibrationDir: cal, warmupS: 30, sensors: [simSensor('room-c', [{ offsetHz: 60_000, startS: 1.2, durationS: 0.5 }], 3)] });
    const expectedPath = join(cal, 'hall-c-room-c.json');

    // 1. record with --fft-size 512 (flags override the config's 1024)
    const c1 = await runCliAsync(['calibrate', '--config', config, '--seconds', '1', '--fft-size', '512', '--log-level', 'warn']);
    expect({ code: c1.code, stdout: c1.stdout }).toEqual({ code: 0, stdout: `${expectedPath}\n` }); // stderr lists the emitter calibration heard (the carrier)
    const b512 = JSON.parse(readFileSync(expectedPath, 'utf8')) as { method: string; durationS: number; fingerprint: Record<string, unknown> };
    expect(b512.method).toBe('calibrate');
    expect(b512.fingerprint).toMatchObject({ fftSize: 512, fastFftSize: 128, centerHz: CENTER_HZ, rateSps: 250_000, source: 'sim', deviceId: 'sim:seed3' });
    expect(b512.durationS).toBeGreaterThan(0.95);

    // 2. run with the config's fftSize 1024: the sensor is refused, says which field, raises nothing
    const dataDir = join(tmp.dir, 'data-c');
    const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    expect(d.stdout()).toContain(`baseline: stored ${expectedPath}`);
    const c = await Client.open(d.wsUrl);
    const st = await c.waitFor(() => (c.status('room-c')?.state === 'error' ? c.status('room-c') : undefined), 15_000, 'error status');
    expect(st.online).toBe(false);
    expect(st.message).toContain(`${expectedPath}: fingerprint field 'fftSize' differs: baseline has 512, live settings have 1024`);
    // step 3's calibration records meanwhile: a refused sensor is not restarted (its worker read the file once), and
    // the daemon runs with another data dir
    const recording = runCliAsync(['calibrate', '--config', config, '--seconds', '1', '--log-level', 'warn']);
    await new Promise((r) => setTimeout(r, 2500)); // the tone (1.2 s into the stream, every 3 s) would have been seen by now
    expect(c.alerts()).toEqual([]);
    expect(c.spectra('room-c')).toEqual([]);
    expect(d.stderr()).toContain("fingerprint field 'fftSize' differs");
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    c.close();

    // 3. record again with the config's own settings (started above); run uses it at once (warm-up would be 30 s) and
    // detects the tone
    const c3 = await recording;
    expect(c3.code, c3.stderr).toBe(0);
    const d2 = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
    const c2 = await Client.open(d2.wsUrl);
    const open = await c2.waitFor(() => c2.alerts().find((x) => x.a.kind === 'transmission' && x.a.event === 'open'), 15_000, 'tone alert with the stored baseline');
    expect(Math.abs(open.a.centerHz! - (CENTER_HZ + 60_000))).toBeLessThan(3000);
    expect(c2.status('room-c')?.state).toBe('armed');
    const firstAlertS = (open.atMs - d2.startedAtMs) / 1000;
    console.log(`stored baseline: first alert ${firstAlertS.toFixed(2)} s after the URL was printed (warm-up would have been 30 s)`);
    expect(firstAlertS).toBeLessThan(10);
    d2.child.kill('SIGTERM');
    expect((await d2.exited).code).toBe(0);
    expect(readStore(dataDir).alerts.filter((x) => x.kind === 'transmission').length).toBeGreaterThanOrEqual(2);
    c2.close();
  });
});
