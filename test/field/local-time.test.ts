// Site times: local wall-clock times of an IANA zone → epoch ms (sessions, emitter expiry), DST edges, bad input.
import { describe, expect, it } from 'vitest';
import { formatSiteTime, parseSiteTime } from '../../src/field/local-time.js';

describe('parseSiteTime', () => {
  it('converts local times of the site zone, keeps explicit offsets, and refuses impossible dates', () => {
    expect(new Date(parseSiteTime('2026-06-07T09:00', 'Asia/Shanghai')).toISOString()).toBe('2026-06-07T01:00:00.000Z');
    expect(new Date(parseSiteTime('2026-06-07 09:00:30', 'Asia/Shanghai')).toISOString()).toBe('2026-06-07T01:00:30.000Z');
    expect(new Date(parseSiteTime('2026-06-07', 'Asia/Shanghai')).toISOString()).toBe('2026-06-06T16:00:00.000Z');
    expect(new Date(parseSiteTime('2026-06-07T01:00:00Z', 'Asia/Shanghai')).toISOString()).toBe('2026-06-07T01:00:00.000Z');
    expect(new Date(parseSiteTime('2026-06-07T09:00+08:00', 'Europe/Berlin')).toISOString()).toBe('2026-06-07T01:00:00.000Z');
    // Berlin: CET (+1) in winter, CEST (+2) in summer; 2026-03-29 02:30 does not exist (→ one hour later), 10-25 02:30 is ambiguous
    expect(new Date(parseSiteTime('2026-01-10T08:00', 'Europe/Berlin')).toISOString()).toBe('2026-01-10T07:00:00.000Z');
    expect(new Date(parseSiteTime('2026-07-10T08:00', 'Europe/Berlin')).toISOString()).toBe('2026-07-10T06:00:00.000Z');
    expect(new Date(parseSiteTime('2026-03-29T03:30', 'Europe/Berlin')).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']).toContain(new Date(parseSiteTime('2026-10-25T02:30', 'Europe/Berlin')).toISOString());
    expect(() => parseSiteTime('2026-02-30T09:00', 'UTC')).toThrow('"2026-02-30T09:00" is not a valid date/time');
    expect(() => parseSiteTime('9:00', 'UTC')).toThrow('expected a local time of the site such as "2026-06-07T09:00"');
  });
  it('formatSiteTime is its inverse for whole seconds', () => {
    const ms = Date.parse('2026-12-31T23:59:59Z');
    for (const tz of ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'UTC']) expect(parseSiteTime(formatSiteTime(ms, tz), tz)).toBe(ms);
    expect(formatSiteTime(ms, 'Asia/Shanghai')).toBe('2027-01-01T07:59:59');
  });
});
