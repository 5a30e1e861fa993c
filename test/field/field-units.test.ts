// Exam-day building blocks without a daemon: schedule, baselines, known emitters, config, helpers, picture, evidence.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import { csvPathsFor, refreshCommandFor } from '../../src/cli/run.js';
import { encodeInto } from '../../src/cli/record.js';
import { renderClipPicture, OUTLINE_RGB } from '../../src/evidence/clip-picture.js';
import { PictureRenderer } from '../../src/evidence/picture-renderer.js';
import { judgeBaseline } from '../../src/field/baseline-health.js';
import { CalibrationWindows } from '../../src/field/calibration-windows.js';
import { ExamSchedule, type ExamSession } from '../../src/field/exam-schedule.js';
import { KnownEmitters } from '../../src/field/known-emitters.js';
import { encodeSamples } from '../../src/evidence/iq-ring.js';
import { writeSimCapture } from '../../src/source/sim.js';
import { writeSigmfMeta } from '../../src/source/sigmf.js';
import { BYTES_PER_COMPLEX, type DetectionEvent, type IqSource } from '../../src/types.js';
import { silentLog } from '../helpers.js';
import { readPng } from './field-helpers.js';
import { CLIP_BUDGET_LAST_PRE_S, CLIP_META_RESERVE_BYTES, DEFAULT_CLIP_MAX_BYTES } from '../../src/evidence/clip-recorder.js';
import { CLIP_RATES_SPS } from '../../src/dsp/band-cut.js';
import { MIN_CLIP_BYTES } from '../../src/field/field-config.js';
import { errorTextIn, type CodedQuietBandError } from '../../src/error-text.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-field-units-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2026-06-07T01:00:00Z'); // 09:00 in Asia/Shanghai
const session = (name: string, startMs: number, endMs: number): ExamSession => ({ name, start: '', end: '', startMs, endMs });
const ev = (over: Partial<DetectionEvent> = {}): DetectionEvent => ({
  kind: 'open', id: 1, centerHz: 433_980_000, bandwidthHz: 1200, lowHz: 433_979_400, highHz: 433_980_600, peakExcessDb: 20, peakPowerDbfs: -30,
  startS: 1, paths: ['fast'], overload: false, tuneId: 0, packets: 1, ...over,
});

describe('ExamSchedule', () => {
  const s = new ExamSchedule([session('Physics', T0 + 4 * 3_600_000, T0 + 6 * 3_600_000), session('Maths', T0, T0 + 2 * 3_600_000)], { windowMin: 20, seconds: 60, maxAgeH: 24 });
  it('finds the session, the calibration window and the next session', () => {
    expect(s.sessions.map((x) => x.name)).toEqual(['Maths', 'Physics']);
    expect(s.sessionAt(T0 - 1)).toBeUndefined();
    expect(s.sessionAt(T0)?.name).toBe('Maths');
    expect(s.sessionAt(T0 + 2 * 3_600_000)).toBeUndefined(); // end is exclusive
    expect(s.calibrationWindowAt(T0 - 20 * 60_000)?.name).toBe('Maths');
    expect(s.calibrationWindowAt(T0 - 20 * 60_000 - 1)).toBeUndefined();
    expect(s.calibrationWindowAt(T0)).toBeUndefined(); // the session itself is not a window
    expect(s.calibrationWindowAt(T0 + 4 * 3_600_000 - 60_000)?.name).toBe('Physics');
    expect(s.nextSession(T0)?.name).toBe('Physics');
  });
  it('severity: high in a session, low outside; overload low; sensor faults follow the clock; no sessions → high', () => {
    const tx = (session?: string, overload = false) => ({ sensor: 'a', kind: 'transmission' as const, detection: ev({ overload }), context: session === undefined ? {} : { session } });
    expect(s.severityFor(tx('Maths'), T0 + 10)).toBe('high');
    expect(s.severityFor(tx(undefined), T0 + 10)).toBe('low');
    expect(s.severityFor(tx('Maths', true), T0 + 10)).toBe('low');
    expect(s.severityFor({ sensor: 'a', kind: 'sensor-offline' }, T0 + 10)).toBe('high');
    expect(s.severityFor({ sensor: 'a', kind: 'sensor-offline' }, T0 - 10)).toBe('low');
    const none = new ExamSchedule([], { windowMin: 20, seconds: 60, maxAgeH: 24 });
    expect(none.severityFor(tx(undefined), T0)).toBe('high');
    expect(none.severityFor(tx(undefined, true), T0)).toBe('low');
  });
  it('calibration windows ask sensors without a valid baseline once per seconds + 30 s, and word the health note', () => {
    const asked: string[] = [];
    const mk = (name: string, baseline: Parameters<typeof judgeBaseline>[0]) => ({ name, baseline, state: 'armed', recalibrate: (sec: number, out: string, why: string) => (asked.push(`${name} ${sec} ${out} ${why}`), true) });
    const fresh = { method: 'calibrate', createdAt: new Date(T0 - 3_600_000).toISOString(), path: '/cal/a.json' };
    const w = new CalibrationWindows({
      schedule: s, timeZone: 'Asia/Shanghai', log: silentLog, refreshCommand: 'quietband calibrate --config /srv/site.json', outputFor: (n) => `/cal/${n}.json`,
      sensors: [mk('ok', fresh), mk('warm', { method: 'warmup', createdAt: new Date(T0 - 600_000).toISOString() }), mk('old', { ...fresh, createdAt: new Date(T0 - 30 * 3_600_000).toISOString() })],
    });
    expect(w.tick(T0 - 30 * 60_000)).toEqual([]); // before the window
    expect(w.tick(T0 - 15 * 60_000)).toEqual(['warm', 'old']);
    expect(asked[0]).toBe('warm 60 /cal/warm.json calibration window before session "Maths" at 2026-06-07T09:00:00');
    expect(w.tick(T0 - 14 * 60_000)).toEqual([]); // 60 s later: still recording
    expect(w.tick(T0 - 15 * 60_000 + 91_000)).toEqual(['warm', 'old']); // 91 s later and still not valid: asked again
    const h = w.decorate({ sensor: 'old', online: true, state: 'armed', centerHz: 1, configuredRateSps: 1, achievedRateSps: 1, droppedBlocks: 0, clipFraction: 0, overload: false, lastFrameAgeMs: 0 }, { ...fresh, createdAt: new Date(T0 - 30 * 3_600_000).toISOString() }, T0 - 60 * 60_000);
    expect(h.baselineAgeS).toBe(29 * 3600);
    expect(h.message).toBe('baseline /cal/a.json is 29.0 h old (limit 24 h). Refresh it: stop quietband, run `quietband calibrate --config /srv/site.json`, start it again (or leave it running: the calibration window before "Maths" (from 2026-06-07T08:40:00) records one).');
  });
});

describe('judgeBaseline', () => {
  it('valid = calibrated, not refused, not stale', () => {
    const now = T0;
    const iso = (agoH: number) => new Date(now - agoH * 3_600_000).toISOString();
    expect(judgeBaseline(null, now, 24, 'cmd')).toEqual({ valid: false });
    expect(judgeBaseline({ method: 'calibrate', createdAt: iso(2) }, now, 24, 'cmd')).toEqual({ valid: true, ageS: 7200 });
    expect(judgeBaseline({ method: 'warmup', createdAt: iso(2) }, now, 24, 'cmd')).toEqual({ valid: false, ageS: 7200 });
    const r = judgeBaseline({ method: 'warmup', createdAt: iso(0), refused: { path: '/c/x.json', field: 'ppm', stored: 3, live: 0 } }, now, 24, 'quietband calibrate --source rtlsdr:01');
    expect(r.valid).toBe(false);
    expect(r.note).toBe('baseline /c/x.json was taken at ppm 3, the sensor runs at 0: not used (warm-up baseline instead). Refresh it: stop quietband, run `quietband calibrate --source rtlsdr:01`, start it again.');
  });
});

describe('site config: sessions, calibration, known emitters, evidence', () => {
  const base = { timeZone: 'Asia/Shanghai', sensors: [{ name: 'room-1', source: 'sim' }] };
  const apply = (extra: Record<string, unknown>) => applySiteDefaults(validateSiteConfig({ ...base, ...extra }, 'site.json'), {}, 'site.json');
  it('converts local session times, applies defaults', () => {
    const s = apply({ sessions: [{ name: 'Maths', start: '2026-06-07T09:00', end: '2026-06-07 11:00' }], knownEmitters: [{ lowHz: 100_000_000, highHz: 100_200_000, label: 'FM', expires: '2026-06-08' }] });
    expect(s.sessions).toEqual([{ name: 'Maths', start: '2026-06-07T09:00', end: '2026-06-07 11:00', startMs: T0, endMs: T0 + 2 * 3_600_000 }]);
    expect(s.calibration).toEqual({ windowMin: 20, seconds: 60, maxAgeH: 24 });
    expect(s.evidence).toEqual({ clips: true, pictures: 'on-view', preS: 1.5, postS: 1, maxS: 5, quotaMiB: 1024, minFreeMiB: 100, maxClipBytes: 1_000_000, band: 'signal' });
    // the recorder's own default, written out in the defaults (the CLI's help loads no evidence code)
    expect(s.evidence.maxClipBytes).toBe(DEFAULT_CLIP_MAX_BYTES);
    expect(s.knownEmitters[0]!.expiresMs).toBe(Date.parse('2026-06-07T16:00:00Z'));
  });
  it('refuses bad values naming the field', () => {
    const err = (extra: Record<string, unknown>) => {
      try {
        apply(extra);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(err({ sessions: [{ name: 'M', start: '2026-06-07T11:00', end: '2026-06-07T09:00' }] })).toBe('site.json: sessions[0].end: "2026-06-07T09:00" is not after start "2026-06-07T11:00"');
    expect(err({ sessions: [{ name: 'M', start: 'tomorrow', end: '2026-06-07T09:00' }] })).toContain('site.json: sessions[0].start: "tomorrow" is not a time');
    expect(err({ calibration: { windowMin: 1, seconds: 60 } })).toBe('site.json: calibration.seconds: 60 s does not fit in the 1 min calibration window');
    expect(err({ knownEmitters: [{ lowHz: 2, highHz: 1, label: 'x' }] })).toBe('site.json: knownEmitters[0].highHz: 1 Hz is below lowHz 2 Hz');
    expect(err({ knownEmitters: [{ lowHz: 1, highHz: 2, label: 'x', sensor: 'room-9' }] })).toBe('site.json: knownEmitters[0].sensor: "room-9" is not a sensor of this site (room-1)');
    expect(err({ evidence: { postS: 0.5 } })).toBe('site.json: evidence.postS: expected at least 1 s after the detection');
    expect(err({ evidence: { quota: 5 } })).toContain('site.json: evidence.quota: unknown field');
    expect(err({ evidence: { pictures: 'on-demand' } })).toContain('site.json: evidence.pictures:');
    expect(apply({ evidence: { pictures: true } }).evidence.pictures).toBe(true); // drawn with each clip, as before
  });
  it('evidence.maxClipBytes: a whole number of bytes from 100 000 to 10^9, refused otherwise in English and Chinese', () => {
    expect(apply({ evidence: { maxClipBytes: 100_000 } }).evidence.maxClipBytes).toBe(100_000);
    expect(apply({ evidence: { maxClipBytes: 1e9 } }).evidence.maxClipBytes).toBe(1e9);
    const refusal = (maxClipBytes: unknown) => {
      try {
        apply({ evidence: { maxClipBytes } });
      } catch (e) {
        return e as CodedQuietBandError;
      }
      throw new Error(`${String(maxClipBytes)} accepted`);
    };
    const e = refusal(99_999);
    expect(e.code).toBe('CONFIG');
    expect(e.message).toBe('site.json: evidence.maxClipBytes: expected a whole number of bytes from 100000 to 1000000000, got 99999 (the smallest keeps, in the narrowest clip (25 kS/s of 8-bit I/Q), the 0.75 s before the detection and 1 s of it)');
    expect(errorTextIn('zh-CN', e.messageCode)).toBe('site.json：evidence.maxClipBytes：应为 100000 到 1000000000 之间的整数字节数，实际为 99999（最小值使最窄的证据片段（25 kS/s、8 位 I/Q）仍保留检测前的 0.75 秒和检测的 1 秒）');
    expect(refusal(1e9 + 1).message).toContain('evidence.maxClipBytes: expected a whole number of bytes from 100000 to 1000000000, got 1000000001');
    expect(refusal(150_000.5).message).toContain('got 150000.5');
    expect(refusal('1MB').message).toBe('site.json: evidence.maxClipBytes: Invalid input: expected number, received string');
    // the bound: meta + the 0.75 s the budget never cuts + 1 s (the shortest maxS) at 25 kS/s, 2 B a sample = 91 596 B, rounded up
    const needed = CLIP_META_RESERVE_BYTES + (CLIP_BUDGET_LAST_PRE_S + 1) * CLIP_RATES_SPS[0]! * BYTES_PER_COMPLEX.cu8;
    expect(needed).toBe(91_596);
    expect(MIN_CLIP_BYTES).toBeGreaterThanOrEqual(needed);
    expect(MIN_CLIP_BYTES - needed).toBeLessThan(10_000);
  });
});

describe('KnownEmitters', () => {
  it('matches by range, sensor and expiry; marks an alert (from the store after a restart) and persists it', async () => {
    const dataDir = join(dir, 'known');
    const configured = [
      { lowHz: 100, highHz: 200, label: 'any sensor' },
      { lowHz: 300, highHz: 400, sensor: 'b', label: 'only b' },
      { lowHz: 500, highHz: 600, label: 'expired', expires: 'x', expiresMs: T0 },
    ];
    const k = await KnownEmitters.open({ dataDir, configured, rbwHzOf: () => 244, log: silentLog });
    expect(k.match('a', 150, T0)?.label).toBe('any sensor');
    expect(k.match('a', 350, T0)).toBeUndefined();
    expect(k.match('b', 350, T0)?.label).toBe('only b');
    expect(k.match('a', 550, T0 - 1)?.label).toBe('expired');
    expect(k.match('a', 550, T0)).toBeUndefined();

    // an alert stored by a previous run, marked known now: its band comes from the store
    const store = await AlertStore.open({ dataDir, site: 's', fsync: false });
    const bus = new AlertBus({ store });
    const opened = await bus.handleDetection('a', ev())!;
    const marked = (await bus.known(opened.alertId, 'li'))!;
    const e = (await k.markFromAlert(marked, store))!;
    // 433.98 MHz ± (600 Hz + max(2 × 244 Hz, 5 ppm = 2170 Hz))
    expect([e.lowHz, e.highHz, e.sensor, e.addedBy, e.alertId]).toEqual([433_977_230, 433_982_770, 'a', 'li', opened.alertId]);
    expect(await k.markFromAlert(marked, store)).toBeUndefined(); // once per alert
    expect(k.match('a', 433_982_000, T0)?.origin).toBe('marked');
    expect(k.match('b', 433_982_000, T0)).toBeUndefined();
    const file = JSON.parse(await readFile(join(dataDir, 'known-emitters.json'), 'utf8')) as { emitters: unknown[] };
    expect(file.emitters).toHaveLength(1);
    const again = await KnownEmitters.open({ dataDir, configured: [], rbwHzOf: () => 244, log: silentLog });
    expect(again.match('a', 433_980_000, T0)?.alertId).toBe(opened.alertId);
    await bus.close();
    await store.close();
    await writeFile(join(dataDir, 'known-emitters.json'), '{"quietbandKnownEmitters":2}');
    await expect(KnownEmitters.open({ dataDir, configured: [], rbwHzOf: () => 244, log: silentLog })).rejects.toThrow('known-emitters.json: quietbandKnownEmitters: ');
  });
});

describe('run/record helpers', () => {
  it('--csv file per sensor', () => {
    expect(csvPathsFor('/d/spectra.csv', ['a'])).toEqual({ a: '/d/spectra.csv' });
    expect(csvPathsFor('/d/spectra.csv', ['a', 'b'])).toEqual({ a: '/d/spectra-a.csv', b: '/d/spectra-b.csv' });
    expect(csvPathsFor('/d/spectra', ['a', 'b'])).toEqual({ a: '/d/spectra-a', b: '/d/spectra-b' });
  });
  it('refresh command repeats the fingerprint flags given to run, with absolute paths', () => {
    const site = applySiteDefaults(validateSiteConfig({ sensors: [{ name: 'x', source: 'rtlsdr:0001' }, { name: 'y', source: 'rtlsdr:0002' }] }, 'd'), {}, 'd');
    const set = (keys: string[]) => (k: string) => keys.includes(k);
    expect(refreshCommandFor({ config: '/srv/my site.json', gain: '20', fftSize: '2048', dataDir: '/x' }, set(['config', 'gain', 'fftSize', 'dataDir']), 'config', site))
      .toBe("quietband calibrate --config '/srv/my site.json' --gain 20 --fft-size 2048");
    expect(refreshCommandFor({ source: 'file:rec.cu8', dcRemoval: false }, set(['source', 'dcRemoval']), 'flags', site)).toBe(`quietband calibrate --source file:${join(process.cwd(), 'rec.cu8')} --no-dc-removal`);
    expect(refreshCommandFor({}, set([]), 'dongles', site)).toBe('quietband calibrate --source rtlsdr:0001 && quietband calibrate --source rtlsdr:0002');
  });
  it('encodeInto equals encodeSamples for every format', () => {
    const f = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i * 0.37) * 1.1);
    for (const fmt of ['cu8', 'cs8', 'cs16', 'cf32'] as const) {
      const buf = new ArrayBuffer(800);
      const n = encodeInto(fmt, f, 100, new DataView(buf));
      expect(Buffer.from(buf, 0, n).equals(encodeSamples(fmt, f, 100))).toBe(true);
    }
  });
});

describe('clip picture', () => {
  it('PictureRenderer renders on its own thread: the same PNG bytes and frame count as on this thread, errors passed back', async () => {
    const rate = 250_000;
    const rec = await writeSimCapture(join(dir, 'clip-w'), { rateSps: rate, centerHz: 433.92e6, durationS: 1, seed: 9, noiseDbfs: -40, carriers: [], events: [{ kind: 'tone', offsetHz: 40_000, snrDb: 20, startS: 0.3, durationS: 0.3 }] });
    const here = await renderClipPicture(rec.metaPath, join(dir, 'here.png'));
    const r = new PictureRenderer();
    expect(r.usesWorker).toBe(false);
    const frames = await r.render(rec.metaPath, join(dir, 'there.png'));
    expect(r.usesWorker).toBe(true); // the compiled picture worker exists (npm test builds first)
    expect(frames).toBe(here.frames);
    expect((await readFile(join(dir, 'there.png'))).equals(await readFile(join(dir, 'here.png')))).toBe(true);
    await expect(r.render(join(dir, 'missing.sigmf-meta'), join(dir, 'x.png'))).rejects.toThrow(/missing\.sigmf-meta/);
    await r.close();
    expect(r.usesWorker).toBe(false);
    await expect(r.render(rec.metaPath, join(dir, 'after.png'))).resolves.toBe(here.frames); // closed: renders here again
  });


  it('a 2 s clip with a tone burst: 512 × 256, the burst bright inside the red outline, time top to bottom', async () => {
    const rate = 250_000;
    const rec = await writeSimCapture(join(dir, 'clip'), { rateSps: rate, centerHz: 433.92e6, durationS: 2, seed: 5, noiseDbfs: -40, carriers: [], events: [{ kind: 'tone', offsetHz: -62_500, snrDb: 25, startS: 1.0, durationS: 0.5 }] });
    const meta = JSON.parse(await readFile(rec.metaPath, 'utf8'));
    // annotate the burst as the clip recorder would
    await writeSigmfMeta(rec.metaPath, { format: 'cu8', rateSps: rate, centerHz: 433.92e6, annotations: [{ sampleStart: rate, sampleCount: rate / 2, freqLowerHz: 433.92e6 - 63_000, freqUpperHz: 433.92e6 - 62_000, label: 'detection' }] });
    expect(meta.global['core:datatype']).toBe('cu8');
    const t = performance.now();
    const info = await renderClipPicture(rec.metaPath, join(dir, 'clip.png'));
    console.log(`clip picture of 2 s at 250 kS/s: ${(performance.now() - t).toFixed(0)} ms, ${info.frames} FFT frames`);
    expect(info.frames).toBe(Math.floor((2 * rate - 1024) / 512) + 1);
    const png = readPng(join(dir, 'clip.png'));
    expect([png.width, png.height]).toEqual([512, 256]);
    // tone at −62.5 kHz = column (0.25) × 512 = 128; rows 128…192 hold it (1.0–1.5 s of 2 s)
    const green = (x: number, y: number) => png.rgb(x, y)[1];
    expect(Math.max(green(128, 160), green(127, 160), green(129, 160))).toBeGreaterThan(180);
    expect(Math.max(green(128, 60), green(127, 60), green(129, 60))).toBeLessThan(90); // before the burst
    expect(info.box!.x0).toBeLessThan(127);
    expect(info.box!.x1).toBeGreaterThan(129);
    expect(Math.abs(info.box!.y0 - 128)).toBeLessThanOrEqual(6);
    expect(Math.abs(info.box!.y1 - 192)).toBeLessThanOrEqual(6);
    expect(png.rgb(info.box!.x0, 160)).toEqual([...OUTLINE_RGB]);
    expect(png.rgb(info.box!.x1, 160)).toEqual([...OUTLINE_RGB]);
    expect(png.rgb(128, info.box!.y0)).toEqual([...OUTLINE_RGB]);
  });
});

describe('DetectionEvidence (worker side)', () => {
  it('a short burst: close waits for its clip; a long signal: capped clip while still on, carried by updates and the close', async () => {
    const { SimSource } = await import('../../src/source/sim.js');
    const { detect, learnBaseline } = await import('../../src/pipeline.js');
    const { pipelineOptions } = await import('../../src/cli/pipeline-flags.js');
    const { DetectionEvidence } = await import('../../src/evidence/detection-evidence.js');
    const rate = 250_000;
    const scenario = { rateSps: rate, centerHz: 433.92e6, durationS: 9, seed: 11, carriers: [], events: [
      { kind: 'tone' as const, offsetHz: 40_000, snrDb: 25, startS: 2.0, durationS: 0.3 },
      { kind: 'tone' as const, offsetHz: -70_000, snrDb: 25, startS: 4.0, durationS: 4.0 },
    ] };
    const opts = pipelineOptions({}, rate);
    const quiet = new SimSource({ ...scenario, durationS: 1.5, events: [] });
    const { baseline } = await learnBaseline(quiet, opts, 'auto');
    const src = new SimSource(scenario);
    const dataDir = join(dir, 'evidence');
    const posts: { kind: string; id: number; clip?: string; endS?: number }[] = [];
    const evd = new DetectionEvidence(src.info, Date.parse('2026-06-07T01:00:00Z'), { dataDir, sensor: 's', preS: 1, postS: 1, maxS: 2, quotaBytes: 1 << 30, pictures: false, band: false, log: silentLog, post: (e, clip) => posts.push({ kind: e.kind, id: e.id, clip, endS: e.endS }) });
    const tap: IqSource = { info: src.info, health: () => src.health(), close: () => src.close(), async *blocks() {
      for await (const b of src.blocks()) {
        evd.push(b);
        yield b;
        await new Promise((r) => setTimeout(r, 20)); // 65536-sample blocks (0.26 s) every 20 ms: clip writes finish between updates, as live
      }
    } };
    await detect(tap, baseline, opts, (e) => evd.onEvent(e));
    await evd.close();
    const short = posts.filter((p) => p.id === 1);
    const long = posts.filter((p) => p.id === 2);
    // the close waits for its clip; its end goes ahead as an update (the open alert shows the time heard)
    expect(short.map((p) => p.kind)).toEqual(['open', 'update', 'close']);
    expect(short[0]!.clip).toBeUndefined();
    expect(short[1]!.endS).toBe(short[2]!.endS);
    expect(short[2]!.clip).toMatch(/^clips\/s_.*_1_[\d.]+M_[\d.]+k\.sigmf-meta$/);
    // the long tone: the first post carrying a clip is an update (before the close), the close has the same clip
    const firstWithClip = long.findIndex((p) => p.clip !== undefined);
    expect(long[firstWithClip]!.kind).toBe('update');
    expect(long.at(-1)!.kind).toBe('close');
    expect(long.at(-1)!.clip).toBe(long[firstWithClip]!.clip);
    expect(long.at(-1)!.endS! - 4.0).toBeGreaterThan(3.9);
    // capped clip: preS + maxS = 3 s of cu8; the short one: 1 + 0.3 + 1 s
    const bytes = (clip: string) => readFileSync(join(dataDir, clip.replace(/meta$/, 'data'))).length;
    expect(Math.abs(bytes(long.at(-1)!.clip!) / 2 / rate - 3)).toBeLessThan(0.001);
    expect(Math.abs(bytes(short[2]!.clip!) / 2 / rate - 2.3)).toBeLessThan(0.01);
    expect(readdirSync(join(dataDir, 'clips')).length).toBe(4); // two pairs, no duplicate clip of the long tone
  });
});
