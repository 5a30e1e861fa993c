// Which unacknowledged alerts lead the alert table, without a browser: live ones above ended raised ones, raised above
// unraised within the live ones, the rest newest first (docs/web-ui.md "Alert table").
import { describe, expect, it } from 'vitest';
import type { AlertView } from '../../web-ui/src/alert-model.js';
import { AlertPins, pinRank } from '../../web-ui/src/alert-pins.js';

type Pinned = Pick<AlertView, 'alertId' | 'state' | 'severity' | 'severityRaise' | 'closed'>;

const RAISE: AlertView['severityRaise'] = { reason: 'nfm in ISM 433 MHz', reasonCode: { id: 'raise.unexpected', params: { class: 'nfm', band: 'ISM 433 MHz', expected: 'ook, fsk, carrier' } } };

/** An alert as the table sees it: high, unacknowledged unless `extra` says otherwise. */
function view(alertId: string, closed: boolean, raised: boolean, extra: Partial<Pinned> = {}): AlertView {
  return { alertId, state: 'new', severity: 'high', closed, ...(raised ? { severityRaise: RAISE } : {}), ...extra } as AlertView;
}

/** The ids of `entries` (newest first) as the table lays them out. */
const laidOut = (entries: AlertView[]): string[] => new AlertPins().order(entries, (v) => [v]).map((v) => v.alertId);

describe('alert pins (the table order of unacknowledged alerts)', () => {
  it('the demo after 10 minutes: a live unraised alert leads ten ended raised copies of the same link', () => {
    const ended = Array.from({ length: 10 }, (_, i) => view(`old-${9 - i}`, true, true));
    // newest first: the live one is the newest, then the ten ended copies (old-9 newest)
    expect(laidOut([view('live', false, false), ...ended])[0]).toBe('live');
    // an older live alert (a long carrier) also leads newer ended raised ones
    expect(laidOut([...ended, view('carrier', false, false)])[0]).toBe('carrier');
  });

  it('live: raised above unraised of the same severity, high above low; then ended raised; the rest newest first', () => {
    const entries = [
      view('ended-plain', true, false), // newest
      view('acked-live', false, true, { state: 'acknowledged' }),
      view('live-plain', false, false),
      view('ended-raised', true, true),
      view('live-low-raised', false, true, { severity: 'low' }),
      view('live-raised', false, true),
      view('info-live', false, false, { severity: 'info' }), // oldest
    ];
    expect(laidOut(entries)).toEqual(['live-raised', 'live-plain', 'live-low-raised', 'ended-raised', 'ended-plain', 'acked-live', 'info-live']);
    expect(entries.map(pinRank)).toEqual([0, 0, 14, 5, 13, 15, 0]);
  });

  it('an alert that ends or is acknowledged has moved (the table is laid out again)', () => {
    const pins = new AlertPins();
    pins.order([view('a', false, false)], (v) => [v]);
    expect(pins.moved('a', view('a', false, false))).toBe(false);
    expect(pins.moved('a', view('a', true, false))).toBe(true);
    expect(pins.moved('a', view('a', false, false, { state: 'acknowledged' }))).toBe(true);
  });
});
