// The `notify` site-config section: errors name the field; routing; quiet rules on the site wall clock.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import { configError, isQuiet, notifySchema, notifySettings, quietAt, routes, webhookKey } from '../../src/notify/notify-config.js';
import { tempDir } from '../server/helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const sensors = [{ name: 's1', source: 'sim' }];
const load = (notify: unknown): unknown => applySiteDefaults(validateSiteConfig({ sensors, notify }, 'site.json'), {}, 'site.json');

describe('notify config', () => {
  it('names the field and what was expected', () => {
    expect(() => load({ channels: [{ name: 'hook', type: 'webhook', url: 'ftp://x' }] })).toThrow('site.json: notify.channels[0].url: expected an http:// or https:// URL of the receiver');
    expect(() => load({ channels: [{ name: 'm', type: 'email', smtp: { host: 'mail' }, from: 'a@b', to: [] }] })).toThrow('site.json: notify.channels[0].to: expected at least one recipient');
    expect(() => load({ channels: [{ name: 'p', type: 'ntfy', url: 'https://ntfy.sh/x', severity: ['high'] }] })).toThrow('site.json: notify.channels[0].severity: unknown field');
    expect(() => load({ channels: [{ name: 'p', type: 'ntfy', url: 'https://ntfy.sh/x', quiet: [{ from: '22:00', to: '6:00' }] }] })).toThrow('site.json: notify.channels[0].quiet[0].to: expected a time of day "HH:MM" (24 h)');
    expect(() => load({ channels: [{ name: 'p', type: 'pager', url: 'https://x' }] })).toThrow(/^site\.json: notify\.channels\[0\]\.type: /);
    expect(() => load({ channels: [{ name: 'a', type: 'ntfy', url: 'https://ntfy.sh/x' }, { name: 'a', type: 'ntfy', url: 'https://ntfy.sh/y' }] })).toThrow('site.json: notify.channels[1].name: "a" is used by two channels; names must be unique');
    expect(() => load({ channels: [{ name: 'a', type: 'webhook', url: 'https://h/x', secretFile: '/nonexistent/secret' }] })).toThrow(/^site\.json: notify\.channels\[0\]\.secretFile: cannot read \/nonexistent\/secret/);
    expect(() => load({ channels: [{ name: 'a', type: 'webhook', url: 'https://h/x', headers: { 'X-Site': '考场 3' } }] })).toThrow("site.json: notify.channels[0].headers.X-Site: expected a header value of printable ASCII");
    expect(() => load({ channels: [{ name: 'a', type: 'ntfy', url: 'https://ntfy.sh/x' }], language: 'fr' })).toThrow(/^site\.json: notify\.language: /);
    expect(() => load({ channels: [{ name: 'a', type: 'ntfy', url: 'https://ntfy.sh/x' }], retry: { initialMs: 5000, maxMs: 1000 } })).toThrow('site.json: notify.retry.maxMs: must be ≥ notify.retry.initialMs (5000 ms)');
  });

  it('applies defaults and reads a secret file (first line)', () => {
    const t = tempDir('qb-notify-cfg-');
    cleanups.push(t.cleanup);
    writeFileSync(join(t.dir, 'secret'), 'whsec_c2VjcmV0LWJ5dGVzLTEyMzQ1Ng==\nignored\n');
    const s = notifySettings(
      notifySchema.parse({ channels: [{ name: 'hook', type: 'webhook', url: 'https://h/x', secretFile: 'secret' }, { name: 'm', type: 'email', smtp: { host: 'mail', secure: true }, from: 'a@b.c', to: ['d@e.f'] }] }),
      t.dir,
      configError('site.json'),
    );
    const [hook, mail] = s.channels;
    expect(hook).toMatchObject({ type: 'webhook', severities: ['high'], quiet: [] });
    expect(hook?.type === 'webhook' && hook.key?.toString('utf8')).toBe('secret-bytes-123456');
    expect(mail?.type === 'email' && mail.smtp).toEqual({ host: 'mail', port: 465, secure: true, rejectUnauthorized: true });
    expect(s.retry).toEqual({ initialMs: 1000, maxMs: 30_000, giveUpAfterMs: 86_400_000, timeoutMs: 10_000 });
    expect(s.language).toBe('en');
    expect(webhookKey('plain text secret!').toString('utf8')).toBe('plain text secret!');
  });

  it('routes by severity and kind', () => {
    expect(routes({ severities: ['high'] }, 'high', 'transmission')).toBe(true);
    expect(routes({ severities: ['high'] }, 'low', 'transmission')).toBe(false);
    expect(routes({ severities: ['high', 'low'], kinds: ['sensor-offline'] }, 'high', 'transmission')).toBe(false);
    expect(routes({ severities: ['high', 'low'], kinds: ['sensor-offline'] }, 'low', 'sensor-offline')).toBe(true);
  });

  it('a quiet rule spans midnight from the days it starts on, in the site time zone, and spares high alerts by default', () => {
    const s = notifySettings(
      notifySchema.parse({ channels: [{ name: 'p', type: 'ntfy', url: 'https://ntfy.sh/x', quiet: [{ from: '22:00', to: '06:00', days: ['fri'] }, { from: '12:00', to: '13:30', severities: ['high'] }] }] }),
      process.cwd(),
      configError('site.json'),
    );
    const ch = s.channels[0]!;
    const tz = 'Asia/Shanghai'; // UTC+8; 2026-06-05 is a Friday
    const at = (local: string): number => Date.parse(`${local}+08:00`);
    expect(isQuiet(ch, 'low', at('2026-06-05T21:59'), tz)).toBe(false);
    expect(isQuiet(ch, 'low', at('2026-06-05T22:00'), tz)).toBe(true);
    expect(isQuiet(ch, 'info', at('2026-06-06T05:59'), tz)).toBe(true); // Saturday morning: Friday's rule
    expect(isQuiet(ch, 'low', at('2026-06-06T06:00'), tz)).toBe(false);
    expect(isQuiet(ch, 'low', at('2026-06-06T23:00'), tz)).toBe(false); // Saturday evening: no rule
    expect(isQuiet(ch, 'high', at('2026-06-05T23:00'), tz)).toBe(false); // high is not silenced unless named
    expect(isQuiet(ch, 'high', at('2026-06-07T12:00'), tz)).toBe(true); // lunch rule names high, every day
    expect(isQuiet(ch, 'high', at('2026-06-07T13:30'), tz)).toBe(false);
    expect(isQuiet(ch, 'low', at('2026-06-07T12:30'), tz)).toBe(false);
  });

  it('quietAt: a holding rule gives the end of the span (across midnight, the latest of overlapping ones); a dropping rule wins', () => {
    const parse = (quiet: unknown[]) => notifySettings(notifySchema.parse({ channels: [{ name: 'p', type: 'ntfy', url: 'https://ntfy.sh/x', quiet }] }), process.cwd(), configError('site.json')).channels[0]!;
    const tz = 'Asia/Shanghai';
    const at = (local: string): number => Date.parse(`${local}+08:00`);
    const night = parse([{ from: '22:00', to: '06:00', hold: true }, { from: '05:00', to: '07:15', hold: true }]);
    expect(quietAt(night, 'low', at('2026-06-05T23:10:42'), tz)).toEqual({ hold: true, untilMs: at('2026-06-06T06:00') });
    expect(quietAt(night, 'low', at('2026-06-06T05:30'), tz)).toEqual({ hold: true, untilMs: at('2026-06-06T07:15') }); // both in force
    expect(quietAt(night, 'low', at('2026-06-06T07:15'), tz)).toBeNull();
    expect(quietAt(night, 'high', at('2026-06-05T23:00'), tz)).toBeNull();
    const mixed = parse([{ from: '22:00', to: '06:00', hold: true }, { from: '23:00', to: '23:30' }]);
    expect(quietAt(mixed, 'low', at('2026-06-05T23:10'), tz)).toEqual({ hold: false });
    expect(quietAt(mixed, 'low', at('2026-06-05T23:45'), tz)).toEqual({ hold: true, untilMs: at('2026-06-06T06:00') });
  });
});
