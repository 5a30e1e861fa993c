// Exam sessions end to end: severity and session name, calibration windows, stale/gain-mismatched baselines flagged.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, CENTER_HZ, Client, killAll, readStore, simSensor, startDaemon, tempDir, writeConfig } from '../daemon/helpers.js';
import { runCliAsync, siteTimeIn, TZ } from './field-helpers.js';

const tmp = tempDir('qb-field-sessions-');
beforeAll(() => buildOnce());
afterAll(() => {
  killAll();
  tmp.cleanup();
});

/** Tone +60 kHz at 4.0–4.6 s of every 6 s cycle: after warm-up (1.75 s) and a 1 s calibration (≈ 2.8 s). */
const sensor = (name: string): Record<string, unknown> => simSensor(name, [{ offsetHz: 60_000, startS: 4, durationS: 0.6 }], 6);
const H = 3_600_000;

describe('exam sessions', () => {
  it.concurrent('a session spanning now arms alerts (high, session name); a session 90 s ahead: low, no name, and its calibration window records a baseline', async () => {
    const cal = join(tmp.dir, 'cal-a');
    const now = writeConfig(tmp.dir, 'now.json', { site: 'exam-now', timeZone: TZ, warmupS: 1.5, calibrationDir: cal, sessions: [{ name: 'Maths', start: siteTimeIn(-H), end: siteTimeIn(H) }], sensors: [sensor('room-1')] });
    const later = writeConfig(tmp.dir, 'later.json', {
      site: 'exam-later', timeZone: TZ, warmupS: 1.5, calibrationDir: cal,
      sessions: [{ name: 'Physics', start: siteTimeIn(90_000), end: siteTimeIn(H) }],
      calibration: { windowMin: 2, seconds: 1 },
      sensors: [sensor('room-2')],
    });
    const [dn, dl] = await Promise.all([
      startDaemon(['run', '--config', now, '--data-dir', join(tmp.dir, 'data-now'), '--http-port', '0']),
      startDaemon(['run', '--config', later, '--data-dir', join(tmp.dir, 'data-later'), '--http-port', '0']),
    ]);
    const [cn, cl] = await Promise.all([Client.open(dn.wsUrl), Client.open(dl.wsUrl)]);
    const firstOpen = (c: Client) => c.waitFor(() => c.alerts().find((x) => x.a.kind === 'transmission' && x.a.event === 'open'), 20_000, 'the tone alert');
    const [an, al] = await Promise.all([firstOpen(cn), firstOpen(cl)]);
    expect(Math.abs(an.a.centerHz! - (CENTER_HZ + 60_000))).toBeLessThan(3000);
    expect([an.a.severity, an.a.session, an.a.state]).toEqual(['high', 'Maths', 'new']);
    expect(Math.abs(al.a.centerHz! - (CENTER_HZ + 60_000))).toBeLessThan(3000);
    expect([al.a.severity, al.a.session, al.a.state]).toEqual(['low', undefined, 'new']);
    // the close carries the session too, and both are on disk
    const closeN = await cn.waitFor(() => cn.alerts().find((x) => x.a.alertId === an.a.alertId && x.a.event === 'close'), 10_000, 'close');
    expect(closeN.a.session).toBe('Maths');
    expect(readStore(join(tmp.dir, 'data-now')).alerts.find((x) => x.seq === an.a.seq)?.session).toBe('Maths');

    // calibration window: the later site recorded a 1 s baseline (method calibrate) and uses it; health shows its age, no note
    const file = join(cal, 'exam-later-room-2.json');
    const b = JSON.parse(readFileSync(file, 'utf8')) as { method: string; durationS: number; createdAt: string };
    expect(b.method).toBe('calibrate');
    expect(b.durationS).toBeGreaterThan(0.95);
    expect(b.durationS).toBeLessThan(1.1);
    expect(Date.now() - Date.parse(b.createdAt)).toBeLessThan(20_000);
    const st = await cl.waitFor(() => {
      const s = cl.status('room-2');
      return s?.state === 'armed' && s.baselineAgeS !== undefined ? s : undefined;
    }, 10_000, 'armed with a baseline age');
    expect(st.baselineAgeS!).toBeLessThan(20);
    expect(st.message).toBeUndefined();
    expect(dl.stderr()).toContain('calibration window: recording baselines');
    // the status names the session on now (the main page's countdown) or the next one
    const session = (c: Client) => [...c.messages].reverse().find((x) => x.m.type === 'status')?.m as { session?: { scheduled: boolean; current?: { name: string; endMs: number }; next?: { name: string; startMs: number } } };
    const sn = session(cn).session!;
    expect([sn.scheduled, sn.current?.name, sn.next]).toEqual([true, 'Maths', undefined]);
    expect(Math.abs(sn.current!.endMs - (Date.now() + H))).toBeLessThan(120_000);
    const sl = session(cl).session!;
    expect([sl.scheduled, sl.current?.name ?? sl.next?.name]).toEqual([true, 'Physics']); // next (current once 90 s passed)
    expect(dl.stderr()).toContain('calibration baseline written');
    // the now-site has no window (its session already started) and learned a warm-up baseline only
    expect(dn.stderr()).not.toContain('calibration window');
    for (const d of [dn, dl]) d.child.kill('SIGTERM');
    expect((await dn.exited).code).toBe(0);
    expect((await dl.exited).code).toBe(0);
    cn.close();
    cl.close();
  });

  it.concurrent('flags a stored baseline 72 h old, and one taken at another gain (not used: warm-up instead), each with the refresh command', async () => {
    const cal = join(tmp.dir, 'cal-c');
    const config = writeConfig(tmp.dir, 'flags.json', { site: 'hall-c', warmupS: 1.5, calibrationDir: cal, sensors: [sensor('room-s'), sensor('room-g')] });
    const c1 = await runCliAsync(['calibrate', '--config', config, '--seconds', '1', '--log-level', 'warn']);
    expect(c1.code).toBe(0);
    const stale = join(cal, 'hall-c-room-s.json');
    const gain = join(cal, 'hall-c-room-g.json');
    expect(c1.stdout).toBe(`${stale}\n${gain}\n`);
    const edit = (p: string, f: (b: Record<string, any>) => void): void => {
      const b = JSON.parse(readFileSync(p, 'utf8')) as Record<string, any>;
      f(b);
      writeFileSync(p, JSON.stringify(b));
    };
    const createdAt = new Date(Date.now() - 72 * H).toISOString();
    edit(stale, (b) => (b.createdAt = createdAt));
    edit(gain, (b) => (b.fingerprint.gainDb = 20)); // the sim sensor runs at gain 0

    const d = await startDaemon(['run', '--config', config, '--data-dir', join(tmp.dir, 'data-c'), '--http-port', '0']);
    const c = await Client.open(d.wsUrl);
    const refresh = `Refresh it: stop quietband, run \`quietband calibrate --config ${config}\`, start it again.`;
    const s = await c.waitFor(() => {
      const x = c.status('room-s');
      return x?.state === 'armed' && x.message !== undefined ? x : undefined;
    }, 15_000, 'room-s armed with a note');
    expect(s.message).toBe(`baseline ${stale} is 72.0 h old (limit 24 h). ${refresh}`);
    expect(s.messageCodes?.map((x) => x.id)).toEqual(['baseline.stale', 'baseline.advice']); // the page shows it in its language
    expect(Math.abs(s.baselineAgeS! - 72 * 3600)).toBeLessThan(60);
    const g = await c.waitFor(() => {
      const x = c.status('room-g');
      return x?.state === 'armed' && x.message !== undefined ? x : undefined;
    }, 15_000, 'room-g armed (warm-up) with a note');
    expect(g.message).toBe(`baseline ${gain} was taken at gainDb 20, the sensor runs at 0: not used (warm-up baseline instead). ${refresh}`);
    expect(g.baselineAgeS!).toBeLessThan(15);
    // both still detect (the stale one with its stored baseline, the other with its warm-up)
    await c.waitFor(() => {
      const open = c.alerts().filter((x) => x.a.kind === 'transmission' && x.a.event === 'open');
      return open.some((x) => x.a.sensor === 'room-s') && open.some((x) => x.a.sensor === 'room-g');
    }, 15_000, 'a tone alert from each sensor');
    expect(d.stderr()).toContain('using a warm-up baseline instead');
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    c.close();
  });
});
