// Who acted on an alert, as the page shows it (web-ui/src/format.ts ackActor), without a browser: the name the person
// gave, and the connection it came from as a secondary detail, its identity word in the page's language.
import { afterEach, describe, expect, it } from 'vitest';
import { ackActor, actorAddressText } from '../../web-ui/src/format.js';
import { setLang } from '../../web-ui/src/i18n.js';

describe('ackActor', () => {
  it('splits the daemon\'s "<name> (<identity>)" into the name and the connection', () => {
    expect(ackActor('王老师 (local@127.0.0.1)')).toEqual({ name: '王老师', address: 'local@127.0.0.1' });
    expect(ackActor('Ms Smith (token@10.0.0.5)')).toEqual({ name: 'Ms Smith', address: 'token@10.0.0.5' });
    // a name with parentheses of its own keeps them
    expect(ackActor('Li (hall B) (token@[::1])')).toEqual({ name: 'Li (hall B)', address: 'token@[::1]' });
  });

  it('names nobody for the daemon\'s placeholder or an identity alone (an older daemon)', () => {
    expect(ackActor('supervisor (local@127.0.0.1)')).toEqual({ name: undefined, address: 'local@127.0.0.1' });
    expect(ackActor('supervisor@127.0.0.1:59262')).toEqual({ name: undefined, address: 'supervisor@127.0.0.1:59262' });
  });

  it('takes any other text as the name (a hub\'s own record, a hand-written one)', () => {
    expect(ackActor('hub operator')).toEqual({ name: 'hub operator', address: undefined });
    expect(ackActor('王老师')).toEqual({ name: '王老师', address: undefined });
  });
});

describe('actorAddressText', () => {
  afterEach(() => setLang('en', false));

  it('translates the daemon\'s identity word before the @ (zh-CN: 本机, 令牌), keeps the address, and English as stored', () => {
    setLang('zh-CN', false);
    // before: "local@127.0.0.1" in a Chinese page
    expect(actorAddressText('local@127.0.0.1')).toBe('本机@127.0.0.1');
    expect(actorAddressText('token@[::1]')).toBe('令牌@[::1]');
    // an older daemon's identity, or a word the page does not know: as stored
    expect(actorAddressText('supervisor@127.0.0.1:59262')).toBe('supervisor@127.0.0.1:59262');
    expect(actorAddressText('localhost@10.0.0.5')).toBe('localhost@10.0.0.5');
    setLang('en', false);
    expect(actorAddressText('local@127.0.0.1')).toBe('local@127.0.0.1');
    expect(actorAddressText('token@10.0.0.5')).toBe('token@10.0.0.5');
  });
});
