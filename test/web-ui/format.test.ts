// Who acted on an alert, as the page shows it (web-ui/src/format.ts ackActor), without a browser: the name the person
// gave, and the connection it came from as a secondary detail.
import { describe, expect, it } from 'vitest';
import { ackActor } from '../../web-ui/src/format.js';

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
