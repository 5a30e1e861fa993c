// An open transmission's duration is a lower bound ("≥ 0.4 s"); before the sensor reports anything past its start the
// row said "至少 0.0 秒" / "≥ 0.0 s" (a new user's phone): it reads "刚开始" / "just started" then — en and zh-CN.
import { afterEach, describe, expect, it } from 'vitest';
import { alertDurationText, durationText, type AlertSpan } from '../../web-ui/src/alert-duration.js';
import { setLang } from '../../web-ui/src/i18n.js';

afterEach(() => setLang('en', false));

const START = '2026-06-07T01:00:00.000Z';
/** An open transmission heard until `endTime` (none: nothing past its start yet). */
const open = (endTime?: string): AlertSpan => ({ kind: 'transmission', closed: false, startTime: START, firstTime: START, lastTime: START, ...(endTime !== undefined ? { endTime } : {}) });

describe('alert duration text', () => {
  it('an open transmission with nothing heard past its start reads "just started", then "≥ …"; closed ones their value', () => {
    const now = Date.parse(START) + 1500; // the clock is not counted (it adds the alert path's delay)
    expect(alertDurationText(open(), now)).toBe('just started');
    expect(alertDurationText(open('2026-06-07T01:00:00.049Z'), now)).toBe('just started');
    expect(alertDurationText(open('2026-06-07T01:00:00.050Z'), now)).toBe('≥ 0.1 s');
    expect(alertDurationText(open('2026-06-07T01:00:00.400Z'), now)).toBe('≥ 0.4 s');
    expect(durationText(0, false)).toBe('0.0 s'); // a closed 30 ms burst: its value, not a lower bound
    setLang('zh-CN', false);
    expect(alertDurationText(open(), now)).toBe('刚开始');
    expect(alertDurationText(open('2026-06-07T01:00:00.400Z'), now)).toBe('至少 0.4 秒');
  });
});
