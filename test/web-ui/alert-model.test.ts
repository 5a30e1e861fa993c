// Web UI logic without a browser: alert folding/dedupe, spectrum-at-peak snapshots, display formatting, language choice.
import { describe, expect, it } from 'vitest';
import type { Alert, SpectrumMessage } from '../../src/server/protocol.js';
import { alertDurationMs, durationIsLowerBound } from '../../web-ui/src/alert-duration.js';
import { AlertModel } from '../../web-ui/src/alert-model.js';
import { describeHeard, formatBandwidth, formatDateTime, formatDb, formatDelay, formatDuration, formatFeatureMs, formatMhz, formatTime } from '../../web-ui/src/format.js';
import { langFor, setLang, t } from '../../web-ui/src/i18n.js';

function rec(seq: number, alertId: string, event: Alert['event'], extra: Partial<Alert> = {}): Alert {
  return { seq, alertId, site: 'hall-a', sensor: 's1', kind: 'transmission', event, state: 'new', severity: 'high', time: `2026-05-14T01:31:${String(seq).padStart(2, '0')}Z`, ...extra };
}

function tx(seq: number, alertId: string, event: Alert['event'], centerHz: number, extra: Partial<Alert> = {}): Alert {
  return rec(seq, alertId, event, {
    centerHz,
    bandwidthHz: 12_500,
    peakExcessDb: 20,
    startTime: '2026-05-14T01:31:00Z',
    detection: { kind: event === 'close' ? 'close' : event === 'update' ? 'update' : 'open', id: 1, centerHz, bandwidthHz: 12_500, lowHz: centerHz - 6000, highHz: centerHz + 6500, peakExcessDb: 20, peakPowerDbfs: -70, startS: 0, paths: ['fast'], overload: false, tuneId: 1, packets: 1 },
    ...extra,
  });
}

/** A 1024-point spectrum over 433.92 MHz ± 1.024 MHz at −95 dBFS with `bumpDb` on the points within ±6 kHz of `bumpHz`. */
function spectrum(bumpHz: number, bumpDb: number): SpectrumMessage {
  const n = 1024;
  const startHz = 433_920_000 - 1_024_000;
  const stepHz = 2000;
  const p = new Array<number>(n).fill(-95);
  for (let i = 0; i < n; i++) if (Math.abs(startHz + i * stepHz - bumpHz) <= 6000) p[i] = bumpDb;
  return { v: 1, type: 'spectrum', sensor: 's1', centerHz: 433_920_000, rateSps: 2_048_000, startHz, stepHz, powerDbfs: p, baselineDbfs: [], thresholdDbfs: [], timeS: 0 };
}

describe('AlertModel', () => {
  it('severity raise: set by a record carrying a signal, kept by an ack, dropped by a later signal without it; a late record does not bring back an old one', () => {
    const m = new AlertModel();
    const raise = { reason: 'nfm is not a class ISM 433 MHz carries', reasonCode: { id: 'raise.unexpected' as const, params: { class: 'nfm', band: 'ISM 433 MHz', expected: 'ook, fsk, carrier' } } };
    const nfm = { class: 'nfm' as const, confidence: 0.93, reason: 'narrow FM', band: 'ISM 433 MHz' };
    m.apply(tx(1, 'a', 'open', 433_920_000));
    expect(m.get('a')!.severityRaise).toBeUndefined();
    m.apply(tx(3, 'a', 'update', 433_920_000, { signal: nfm, severityRaise: raise }));
    m.apply(rec(4, 'a', 'ack', { state: 'acknowledged', ackBy: 'li' }));
    expect(m.get('a')!.severityRaise).toEqual(raise);
    m.apply(tx(5, 'a', 'close', 433_920_000, { signal: { ...nfm, class: 'ook' }, state: 'acknowledged' }));
    expect(m.get('a')!.severityRaise).toBeUndefined();
    m.apply(tx(2, 'a', 'update', 433_920_000, { signal: nfm, severityRaise: raise })); // late: the close's ook stands
    expect(m.get('a')!.severityRaise).toBeUndefined();
    // a late record whose signal fills a gap brings its raise with it
    m.apply(tx(8, 'b', 'open', 433_950_000));
    m.apply(tx(7, 'b', 'update', 433_950_000, { signal: nfm, severityRaise: raise }));
    expect(m.get('b')!.severityRaise).toEqual(raise);
  });

  it('an unmark record (its known emitter removed) gives back state and severity and drops "known as"; the history says who', () => {
    const m = new AlertModel();
    m.apply(tx(1, 'a', 'open', 433_980_000, { state: 'known', severity: 'info', knownLabel: 'invigilator radio', severityUnlessKnown: 'high' }));
    expect([m.get('a')!.state, m.get('a')!.severity, m.get('a')!.knownLabel]).toEqual(['known', 'info', 'invigilator radio']);
    m.apply(rec(2, 'a', 'unmark', { state: 'new', severity: 'high', ackBy: '王老师 (local@127.0.0.1)', messageCode: { id: 'known.removed', params: { label: 'invigilator radio' } }, message: 'known emitter "invigilator radio" removed: this alert counts again' }));
    const v = m.get('a')!;
    // who removed the mark is in the history only: not the alert's handler (the detail showed "处理人 王老师")
    expect([v.state, v.severity, v.knownLabel, v.ackBy]).toEqual(['new', 'high', undefined, undefined]);
    expect(v.history.map((h) => [h.event, h.ackBy])).toEqual([['open', undefined], ['unmark', '王老师 (local@127.0.0.1)']]);
    setLang('zh-CN');
    expect(t('event.unmark')).toBe('已知标记已移除');
    setLang('en');
    expect(t('event.unmark')).toBe('known mark removed');
  });

  it('an alert acknowledged, then marked known, then unmarked: its handler is again who acknowledged it', () => {
    const m = new AlertModel();
    m.apply(tx(1, 'a', 'open', 433_980_000));
    m.apply(rec(2, 'a', 'ack', { state: 'acknowledged', ackBy: '李老师' }));
    m.apply(rec(3, 'a', 'known', { state: 'known', severity: 'info', ackBy: '张老师', knownLabel: 'invigilator radio' }));
    expect(m.get('a')!.ackBy).toBe('张老师');
    m.apply(rec(4, 'a', 'unmark', { state: 'acknowledged', severity: 'high', ackBy: '王老师', messageCode: { id: 'known.removed', params: { label: 'invigilator radio' } } }));
    const v = m.get('a')!;
    expect([v.state, v.ackBy]).toEqual(['acknowledged', '李老师']);
    expect(v.history.map((h) => `${h.event}:${h.ackBy ?? ''}`)).toEqual(['open:', 'ack:李老师', 'known:张老师', 'unmark:王老师']);
  });

  it('drops a seq seen before and folds records by alertId (later seq wins field by field)', () => {
    const m = new AlertModel();
    expect(m.apply(tx(3, 'a', 'open', 433_920_000))).toBe('opened');
    expect(m.apply(tx(3, 'a', 'open', 433_920_000))).toBe('duplicate');
    expect(m.apply(tx(4, 'a', 'update', 433_921_000, { peakExcessDb: 31.5, endTime: '2026-05-14T01:31:09Z' }))).toBe('changed');
    expect(m.apply(rec(5, 'a', 'ack', { state: 'acknowledged', ackBy: 'inv-1' }))).toBe('changed');
    expect(m.size).toBe(1);
    expect(m.lastSeq).toBe(5);
    const v = m.get('a')!;
    expect(v).toMatchObject({ state: 'acknowledged', centerHz: 433_921_000, bandwidthHz: 12_500, peakExcessDb: 31.5, ackBy: 'inv-1', openSeq: 3, lastSeq: 5, closed: false, updates: 1 });
    expect(v.lowHz).toBe(433_921_000 - 6000);
    expect(v.history.map((h) => `${h.seq}:${h.event}`)).toEqual(['3:open', '5:ack']);
    expect(m.unacknowledgedCount()).toBe(0);
    m.apply(tx(6, 'a', 'close', 433_921_000, { state: 'acknowledged', endTime: '2026-05-14T01:31:30Z' }));
    expect(m.get('a')!.closed).toBe(true);
    expect(m.openTransmissions('s1').size).toBe(0);
  });

  it('a late (replayed) older record fills missing fields but never rolls the state back', () => {
    const m = new AlertModel();
    m.apply(rec(9, 'b', 'ack', { state: 'acknowledged', ackBy: 'inv-2' }));
    m.apply(tx(7, 'b', 'open', 145_500_000));
    const v = m.get('b')!;
    expect(v.state).toBe('acknowledged');
    expect(v.centerHz).toBe(145_500_000);
    expect(v.openSeq).toBe(7);
    expect(v.lastSeq).toBe(9);
    expect(v.history.map((h) => h.seq)).toEqual([7, 9]);
    expect(m.lastSeq).toBe(9);
  });

  it('orders newest first by start, not by the order the alerts opened in (a lagging sensor opens later)', () => {
    const m = new AlertModel();
    // opened in the order a, b, c, d; started c (01:30:05), a (01:30:10), d (01:30:12), b (01:30:20)
    m.apply(tx(1, 'a', 'open', 1e8, { startTime: '2026-05-14T01:30:10.000Z' }));
    m.apply(tx(2, 'b', 'open', 1e8, { startTime: '2026-05-14T01:30:20.000Z' }));
    m.apply(tx(3, 'c', 'open', 1e8, { startTime: '2026-05-14T01:30:05.000Z' })); // its sensor's pipeline was 15 s behind
    m.apply(tx(4, 'd', 'open', 1e8, { startTime: '2026-05-14T01:30:12.000Z' }));
    expect(m.newestFirst().map((v) => v.alertId)).toEqual(['b', 'd', 'a', 'c']);
    // equal starts: the later open first; an alert without startTime (a sensor fault) by its first record's time
    m.apply(tx(5, 'e', 'open', 1e8, { startTime: '2026-05-14T01:30:12.000Z' }));
    m.apply(rec(6, 'f', 'open', { kind: 'sensor-offline', time: '2026-05-14T01:30:15.000Z' }));
    expect(m.newestFirst().map((v) => v.alertId)).toEqual(['b', 'f', 'e', 'd', 'a', 'c']);
  });

  it('orders newest first by the first seq of each alert, also when an old alert arrives late', () => {
    const m = new AlertModel();
    m.apply(tx(10, 'x', 'open', 1e8));
    m.apply(tx(12, 'y', 'open', 1e8));
    m.apply(tx(11, 'z', 'open', 1e8));
    m.apply(tx(13, 'x', 'update', 1e8));
    expect(m.newestFirst().map((v) => v.alertId)).toEqual(['y', 'z', 'x']);
    m.apply(tx(2, 'y', 'open', 1e8)); // y's real open arrives late: y is older than x and z
    expect(m.newestFirst().map((v) => v.alertId)).toEqual(['z', 'x', 'y']);
    expect(m.newestFirst(2).length).toBe(2);
    m.reset();
    expect(m.size).toBe(0);
    expect(m.lastSeq).toBe(0);
    expect(m.apply(tx(10, 'x', 'open', 1e8))).toBe('opened'); // seqs restart after a data dir change
  });

  it('keeps the spectrum frame with the highest in-band power while the alert is open', () => {
    const m = new AlertModel();
    m.apply(tx(1, 'a', 'open', 433_950_000));
    const f1 = spectrum(433_950_000, -80);
    const f2 = spectrum(433_950_000, -60);
    const f3 = spectrum(433_950_000, -70);
    const elsewhere = spectrum(434_500_000, -20); // strong, but outside the band
    expect(m.noteSpectrum(f1)).toBe(1);
    expect(m.noteSpectrum(f2)).toBe(1);
    expect(m.noteSpectrum(f3)).toBe(0);
    expect(m.noteSpectrum(elsewhere)).toBe(0);
    expect(m.get('a')!.peakSpectrum).toBe(f2);
    expect(m.get('a')!.peakSpectrumDbfs).toBe(-60);
    m.apply(tx(2, 'a', 'close', 433_950_000));
    expect(m.noteSpectrum(spectrum(433_950_000, -10))).toBe(0); // closed: frozen
    expect(m.get('a')!.peakSpectrum).toBe(f2);
    // another sensor's frame never touches it
    expect(m.noteSpectrum({ ...spectrum(433_950_000, 0), sensor: 's2' })).toBe(0);
  });

  it('gives a replayed alert the latest frame as a fallback snapshot, only when it covers the band', () => {
    const m = new AlertModel();
    m.apply(tx(1, 'a', 'open', 868_000_000));
    const v = m.get('a')!;
    m.offerFallbackSpectrum(v, spectrum(433_950_000, -60));
    expect(v.peakSpectrum).toBeUndefined();
    m.apply(tx(2, 'b', 'open', 433_950_000));
    const w = m.get('b')!;
    const f = spectrum(433_950_000, -61.5);
    m.offerFallbackSpectrum(w, f);
    expect(w.peakSpectrum).toBe(f);
    expect(w.peakSpectrumDbfs).toBe(-61.5);
    // marked as a stand-in (the detail must not call it the alert's peak) until a live frame of the open alert replaces it
    expect(w.peakSpectrumFallback).toBe(true);
    const live = spectrum(433_950_000, -40);
    expect(m.noteSpectrum(live)).toBe(1);
    expect([w.peakSpectrum, w.peakSpectrumFallback]).toEqual([live, false]);
    // a live record's latest frame is its own spectrum, not a stand-in
    m.apply(tx(3, 'c', 'open', 433_950_000));
    const x = m.get('c')!;
    m.offerFallbackSpectrum(x, f, false);
    expect([x.peakSpectrum, x.peakSpectrumFallback]).toEqual([f, false]);
  });
});

describe('display formatting and language', () => {
  it('formats MHz, kHz, dB and durations', () => {
    setLang('en', false);
    expect(formatMhz(433_925_000)).toBe('433.9250 MHz');
    expect(formatMhz(undefined)).toBe('—');
    expect(formatBandwidth(12_500)).toBe('12.5 kHz');
    expect(formatBandwidth(1_200_000)).toBe('1.20 MHz');
    expect(formatDb(24.64)).toBe('24.6 dB');
    expect(formatDuration(45_400)).toBe('45 s');
    expect(formatDuration(1_100)).toBe('1.1 s');
    expect(formatDuration(187_000)).toBe('3 min 07 s');
    expect(formatDuration(7_500_000)).toBe('2 h 05 min');
    // spans and delays: ms below 1 s (features with two decimals), seconds from 1 s, as the server's texts
    expect([formatFeatureMs(1.754), formatFeatureMs(999.4), formatFeatureMs(1640), formatDelay(381.4), formatDelay(1381.4)]).toEqual(['1.75 ms', '999.40 ms', '1.6 s', '381 ms', '1.4 s']);
    setLang('zh-CN', false);
    // number and unit spaced as in the server's texts (delayText "1.4 秒"): one wording for rows, detail and messages
    expect([formatDuration(1_100), formatDuration(45_400), formatDuration(187_000), formatDuration(7_500_000)]).toEqual(['1.1 秒', '45 秒', '3 分 07 秒', '2 小时 05 分']);
    expect([formatFeatureMs(3.125), formatFeatureMs(47_000), formatDelay(1381.4)]).toEqual(['3.13 毫秒', '47 秒', '1.4 秒']);
    expect(t('alert.ack')).toBe('确认');
    expect(t('banner.unacknowledged', { n: 3 })).toBe('3 条告警未确认');
    setLang('en', false);
    expect(t('banner.unacknowledged', { n: 3 })).toBe('3 alerts not acknowledged');
    // English plurals by the count (the fresh-user trial read "214 new alert(s)", "4 update(s)", "113 burst(s)")
    expect(t('banner.unacknowledged', { n: 1 })).toBe('1 alert not acknowledged');
    expect(t('detail.updates', { n: 1 })).toBe('1 update');
    expect(t('detail.updates', { n: 4 })).toBe('4 updates');
    expect(t('feat.bursts', { n: 113, d: '1.75 ms' })).toBe('113 bursts of 1.75 ms');
    expect(t('report.alerts', { n: 222 })).toBe('222 alerts');
    expect(t('who.count', { n: 1 })).toBe('1 alert');
  });

  it('shows times in the site time zone, not the browser one', () => {
    setLang('en', false);
    expect(formatTime('2026-05-14T01:31:07Z', 'Asia/Shanghai')).toBe('09:31:07');
    expect(formatTime('2026-05-14T01:31:07Z', 'Europe/Berlin')).toBe('03:31:07');
    expect(formatTime('not a time', 'UTC')).toBe('—');
  });

  it('dates with times read year-month-day, the time, then the offset from UTC, in both languages', () => {
    for (const l of ['en', 'zh-CN'] as const) {
      setLang(l, false);
      expect(formatDateTime('2026-12-07T07:43:39Z', 'UTC')).toBe('2026-12-07 07:43:39 UTC');
      expect(formatDateTime('2026-12-07T07:43:39Z', 'Asia/Shanghai')).toBe('2026-12-07 15:43:39 UTC+8');
      expect(formatDateTime(Date.parse('2026-12-07T20:00:00Z'), 'Asia/Kolkata')).toBe('2026-12-08 01:30:00 UTC+5:30');
      expect(formatDateTime('2026-07-01T12:00:00Z', 'America/New_York')).toBe('2026-07-01 08:00:00 UTC-4');
      expect(formatDateTime(undefined, 'UTC')).toBe('—');
    }
    setLang('en', false);
  });

  it('picks Simplified Chinese for zh browsers, English otherwise', () => {
    expect(langFor('zh-CN')).toBe('zh-CN');
    expect(langFor('zh')).toBe('zh-CN');
    expect(langFor('en-GB')).toBe('en');
    expect(langFor('fr')).toBe('en');
    expect(langFor(undefined)).toBe('en');
  });

  it('measures a transmission from its start to the end heard so far while open (a lower bound), to its end once closed', () => {
    const m = new AlertModel();
    m.apply(tx(1, 'a', 'open', 1e8, { startTime: '2026-05-14T01:31:00Z' }));
    const now = Date.parse('2026-05-14T01:32:05Z');
    expect(alertDurationMs(m.get('a')!, now)).toBe(0); // nothing heard past its start yet: not the 65 s since
    expect(durationIsLowerBound(m.get('a')!)).toBe(true);
    m.apply(tx(2, 'a', 'update', 1e8, { endTime: '2026-05-14T01:31:12Z' }));
    expect(alertDurationMs(m.get('a')!, now)).toBe(12_000);
    m.apply(tx(3, 'a', 'close', 1e8, { endTime: '2026-05-14T01:31:20Z' }));
    expect(alertDurationMs(m.get('a')!, now)).toBe(20_000);
    expect(durationIsLowerBound(m.get('a')!)).toBe(false);
  });
  it('measures an open sensor alert to now: the outage lasts while it is open', () => {
    const m = new AlertModel();
    m.apply(rec(1, 'o', 'open', { kind: 'sensor-offline', severity: 'high', time: '2026-05-14T01:31:00Z' }));
    expect(alertDurationMs(m.get('o')!, Date.parse('2026-05-14T01:31:42Z'))).toBe(42_000);
    expect(durationIsLowerBound(m.get('o')!)).toBe(false);
  });
  it('folds a present-during-calibration alert: band edges from its emitter, duty and period described in both languages', () => {
    const emitter = { centerHz: 433_980_100, lowHz: 433_979_500, highHz: 433_980_700, bandwidthHz: 1200, peakPowerDbfs: -37, peakExcessDb: 26.2, dutyCycle: 0.305, bursts: 6, periodS: 1, maxBurstS: 0.31, continuous: false };
    const calibration = { emitter, baselineCreatedAt: '2026-05-14T00:30:00.000Z', baselineMethod: 'warmup', baselineDurationS: 5 };
    const m = new AlertModel();
    m.apply(rec(1, 'c', 'open', { kind: 'present-during-calibration', severity: 'low', centerHz: emitter.centerHz, bandwidthHz: 1200, calibration }));
    m.apply(rec(2, 'c', 'close', { kind: 'present-during-calibration', severity: 'low' }));
    m.apply(rec(3, 'c', 'escalate', { kind: 'present-during-calibration', severity: 'high', ackBy: 'tech' }));
    const v = m.get('c')!;
    expect([v.lowHz, v.highHz, v.severity, v.state, v.closed]).toEqual([433_979_500, 433_980_700, 'high', 'new', true]);
    expect(v.calibration?.emitter.bursts).toBe(6);
    expect(v.history.map((h) => h.event)).toEqual(['open', 'close', 'escalate']);
    setLang('en', false);
    expect(describeHeard(v.calibration!)).toBe('duty 30.5 % · every 1.00 s · 6 appearances');
    expect(describeHeard({ ...calibration, emitter: { ...emitter, periodS: null, bursts: 2 } })).toBe('duty 30.5 % · 2 appearances');
    expect(describeHeard({ ...calibration, emitter: { ...emitter, continuous: true } })).toBe('on throughout');
    expect(t('kind.present-during-calibration')).toBe('Present during calibration');
    setLang('zh-CN', false);
    expect(describeHeard(v.calibration!)).toBe('占空比 30.5% · 每 1.00 秒一次 · 出现 6 次');
    expect(t('kind.present-during-calibration')).toBe('校准期间已存在');
    setLang('en', false);
  });
});
