// What the hub accepts as a site's alert record: the records the real writers store (current and older versions) pass;
// each kind of malformed payload is refused naming its field path; unknown fields are dropped.
import { describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import type { Alert, AlertSignal } from '../../src/alerts/alert.js';
import { MAX_ALERT_PAYLOAD_BYTES, parseSiteAlert } from '../../src/hub/site-alert-schema.js';
import { det, tempDir } from '../server/helpers.js';
import { siteAlert } from './broker.js';

const buf = (x: unknown): Buffer => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x));
const refusal = (x: unknown): { path: string; expected: string } | undefined => {
  const r = parseSiteAlert(buf(x));
  return 'refused' in r ? r.refused : undefined;
};

/** Every field of an identification as describe-signal.ts writes it, and a grouped member's extras. */
const fullSignal: AlertSignal = {
  class: 'nfm', confidence: 0.93, reason: 'narrow FM: deviation 2.4 kHz', reasonCode: { id: 'ident.nfm', params: { deviation: '2.4 kHz', snr: 21.5 } },
  bandwidthHz: 11_800, lowHz: 433_914_100, highHz: 433_925_900, wholeBand: false, deviationHz: 2400, snrDb: 21.5, dutyCycle: 1, bursts: 1,
  burstMedianMs: 2000, periodMedianMs: 0, envelopeKurtosis: 0.05, modulationIndex: 0.02, carrierFraction: 0.4, tones: 0, toneSpacingHz: 0,
  complementSpacingHz: -25_000, symbolRateBd: 0, centerDriftHz: 120, gapSnrDb: -30, band: 'ISM 433 MHz', expected: ['ook', 'fsk', 'nfm'],
  unexpected: false, speechPresent: true, voice: 'syllabic envelope 4.1 Hz', final: true,
  groupFrom: { sensor: 'room-102', room: '102 教室', alertId: 'hall-a-40', snrDb: 24.1, strongest: true },
  own: { class: 'unknown', closestClass: 'nfm', confidence: 0.15, reason: 'weak' },
};

describe('parseSiteAlert', () => {
  it('passes every record the real alert bus writes (open, update with signal, close, ack, escalate, known, unmark, faults) unchanged', async () => {
    const t = tempDir('qb-hub-schema-');
    try {
      const store = await AlertStore.open({ dataDir: t.dir, site: 'hall-a' });
      const bus = new AlertBus({ store, knownEmitterCheck: ({ detection }) => (detection.centerHz === 433_940_000 ? { label: 'caretaker radio', id: 'marked:hall-a-9' } : false) });
      const out: Alert[] = [];
      bus.on('alert', (a: Alert) => out.push(a));
      await bus.handleDetection('s1', det(3, 'open'), { session: '数学 Maths', bandLabel: 'ISM 433' });
      await bus.handleDetection('s1', det(3, 'update'), { signal: { ...fullSignal, groupFrom: undefined, own: undefined } as AlertSignal });
      await bus.ack('hall-a-1', 'Wang Fang');
      await bus.handleDetection('s1', det(3, 'close', { endS: 3 }));
      await bus.handleDetection('s1', det(20, 'open', { centerHz: 433_940_000 })); // known from its open
      await bus.unmarkKnown({ id: 'marked:hall-a-9', label: 'caretaker radio' }, 'Wang Fang');
      await bus.handleDetection('s1', det(30, 'open', { centerHz: 433_000_000 }));
      await bus.raiseSensorAlert('s2', 'sensor-offline', 'no data for 5000 ms', { id: 'offline.noData', params: { sensor: 's2', source: 'rtl_tcp', ms: 5000 } });
      await bus.close();
      await store.close();
      expect(out.map((a) => a.event)).toEqual(['open', 'update', 'ack', 'close', 'open', 'unmark', 'open', 'open']);
      for (const a of out) expect(parseSiteAlert(buf(a))).toEqual({ alert: JSON.parse(JSON.stringify(a)) as Alert });
    } finally {
      t.cleanup();
    }
  });

  it('passes the hub fixtures and older record versions (class below the floor as class, offline.source, groupFrom without strongest, no messageCode)', () => {
    const grouped = siteAlert('a', 7, { groupId: 'a-6', rooms: [{ room: '101', sensor: 'room-1', excessDb: 18.5, xM: 2, yM: 3.5 }], positionM: { xM: 2.5, yM: 3 }, signal: fullSignal, severityRaise: { reason: 'NFM in a data band', reasonCode: { id: 'raise.unexpected', params: { cls: 'NFM' } } }, lateMs: 1200, lateLinkMs: 300 });
    const old: Alert[] = [
      siteAlert('a', 1),
      grouped,
      siteAlert('a', 2, { signal: { class: 'am', confidence: 0.12, reason: 'below the class floor' } }),
      siteAlert('a', 3, { kind: 'sensor-offline', sensor: 'room-1', message: 'source stopped', messageCode: { id: 'offline.source', params: { sensor: 'room-1', source: 'rtl_tcp', reason: 'ECONNREFUSED' } } }),
      siteAlert('a', 4, { signal: { ...fullSignal, groupFrom: { sensor: 'room-2', alertId: 'a-3', snrDb: 20 } } }),
      siteAlert('a', 5, { kind: 'storage-failed', sensor: '', message: 'alert records cannot be written' }),
      siteAlert('a', 8, { kind: 'present-during-calibration', calibration: { emitter: { centerHz: 433_920_000, lowHz: 433_914_000, highHz: 433_926_000, bandwidthHz: 12_000, peakPowerDbfs: -30, peakExcessDb: 25, dutyCycle: 0.1, bursts: 10, periodS: null, maxBurstS: 0.2, continuous: false }, baselineCreatedAt: '2026-06-07T01:00:00.000Z', baselineMethod: 'calibrate', baselineDurationS: 60 } }),
      siteAlert('a', 9, { event: 'close', clipNotKept: 'iq-gone', detection: det(9, 'close', { endS: 2 }) }),
    ];
    for (const a of old) expect(parseSiteAlert(buf(a))).toEqual({ alert: a });
  });

  it('drops unknown fields at any depth (a newer site\'s extras, hostile nested objects) and keeps the rest', () => {
    const a = siteAlert('a', 1, { signal: { class: 'ook', confidence: 0.9, reason: 'on-off keyed' } });
    const r = parseSiteAlert(buf({ ...a, extra: { deep: { deeper: [1, 2, 3] } }, __proto__x: 1, signal: { ...a.signal, evil: { html: '<b>' } } }));
    expect(r).toEqual({ alert: a });
  });

  it('refuses each kind of malformed payload, naming the field path and what was expected', () => {
    const a = siteAlert('w', 1, { signal: { class: 'nfm', confidence: 0.9, reason: 'narrow FM' }, rooms: [{ room: '101', sensor: 'room-1', excessDb: 12 }] });
    const s = a.signal!;
    const cases: [unknown, string, RegExp][] = [
      ['not json', '(payload)', /JSON/],
      ['[1,2]', '(payload)', /object/],
      ['null', '(payload)', /object/],
      [Buffer.alloc(MAX_ALERT_PAYLOAD_BYTES + 1, 0x20).toString(), '(payload)', /at most 65536 bytes/],
      [{ ...a, seq: 'nine' }, 'seq', /number/],
      [{ ...a, seq: -1 }, 'seq', />=\s*1/],
      [{ ...a, seq: 1.5 }, 'seq', /int/],
      [{ ...a, alertId: 7 }, 'alertId', /string/],
      [{ ...a, kind: 'bogus' }, 'kind', /transmission/],
      [{ ...a, event: 5 }, 'event', /open/],
      [{ ...a, time: null }, 'time', /string/],
      [{ ...a, time: 'yesterday' }, 'time', /ISO 8601/],
      [{ ...a, sensor: null }, 'sensor', /string/],
      [{ ...a, sensor: '<img src=x onerror=alert(1)>' }, 'sensor', /without control characters or <>/],
      [{ ...a, rooms: 'x' }, 'rooms', /array/],
      [{ ...a, rooms: [{ room: 5, sensor: 'room-1', excessDb: 12 }] }, 'rooms.0.room', /string/],
      [{ ...a, rooms: Array.from({ length: 65 }, () => a.rooms![0]) }, 'rooms', /64/],
      [{ ...a, positionM: 'p' }, 'positionM', /object/],
      [{ ...a, signal: { ...s, confidence: 'high' } }, 'signal.confidence', /number/],
      [{ ...a, signal: { ...s, snrDb: '21.5' } }, 'signal.snrDb', /number/],
      [{ ...a, signal: { ...s, confidence: 3 } }, 'signal.confidence', /<=\s*1/],
      [{ ...a, signal: { ...s, class: 'death-ray' } }, 'signal.class', /nfm/],
      [{ ...a, signal: { ...s, expected: Array.from({ length: 17 }, () => 'ook') } }, 'signal.expected', /16/],
      [{ ...a, signal: { ...s, groupFrom: { sensor: 'room-2', alertId: 'w-0', snrDb: 'loud' } } }, 'signal.groupFrom.snrDb', /number/],
      [{ ...a, message: 'x'.repeat(2001) }, 'message', /2000/],
      [{ ...a, messageCode: { id: 'offline.noData', params: { ms: { toString: 1 } } } }, 'messageCode.params.ms', /text or a finite number/],
      [{ ...a, messageCode: { id: '<script>' } }, 'messageCode.id', /dotted code id/],
      [{ ...a, message: 'bell\u0007' }, 'message', /control characters/],
    ];
    for (const [payload, path, expected] of cases) {
      const r = refusal(payload);
      expect(r?.path, JSON.stringify(payload).slice(0, 80)).toBe(path);
      expect(r!.expected).toMatch(expected);
    }
    // a number JSON cannot hold finitely (1e999 parses to Infinity)
    const inf = parseSiteAlert(Buffer.from(JSON.stringify(a).replace('"confidence":0.9', '"confidence":1e999').replace('"excessDb":12', '"excessDb":-1e999')));
    expect('refused' in inf && inf.refused.path).toBe('rooms.0.excessDb');
    const inf2 = parseSiteAlert(Buffer.from(JSON.stringify({ ...a, rooms: undefined }).replace('"confidence":0.9', '"confidence":1e999')));
    expect('refused' in inf2 && inf2.refused.path).toBe('signal.confidence');
  });
});
