// Client → server frames: which become protocol v1 messages, and the error text each refused one gets back.
import { describe, expect, it } from 'vitest';
import type { RawData } from 'ws';
import { readClientFrame, toClientMessage } from '../../src/server/client-messages.js';

/** Both steps, as ClientHub.onMessage runs them. */
function parseClientMessage(data: RawData, isBinary: boolean): ReturnType<typeof toClientMessage> {
  const frame = readClientFrame(data, isBinary);
  return 'error' in frame ? frame : toClientMessage(frame.json);
}

const text = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('readClientFrame + toClientMessage', () => {
  it('accepts the four v1 messages with their fields', () => {
    expect(parseClientMessage(text({ v: 1, type: 'resume', sinceSeq: 42 }), false)).toEqual({ msg: { v: 1, type: 'resume', sinceSeq: 42 } });
    expect(parseClientMessage(text({ v: 1, type: 'ack', alertId: 'hall-q-7', by: 'Li' }), false)).toEqual({ msg: { v: 1, type: 'ack', alertId: 'hall-q-7', by: 'Li' } });
    expect(parseClientMessage(text({ v: 1, type: 'known', alertId: 'hall-q-7', label: '  PA system  ' }), false)).toEqual({ msg: { v: 1, type: 'known', alertId: 'hall-q-7', label: 'PA system' } });
    expect(parseClientMessage(text({ v: 1, type: 'escalate', alertId: 'hall-q-9' }), false)).toEqual({ msg: { v: 1, type: 'escalate', alertId: 'hall-q-9' } });
  });

  it('refuses binary frames, non-JSON, other versions, unknown types and out-of-range fields, naming the field', () => {
    expect(parseClientMessage(Buffer.from([1, 2, 3]), true)).toEqual({ error: 'binary messages are not part of protocol v1' });
    expect(parseClientMessage(Buffer.from('{"v":1,'), false)).toEqual({ error: 'message is not JSON' });
    const cases: [unknown, RegExp][] = [
      [{ v: 2, type: 'resume', sinceSeq: 0 }, /^bad message: v: /],
      [{ v: 1, type: 'subscribe' }, /^bad message: type: /],
      [{ v: 1, type: 'resume', sinceSeq: -1 }, /^bad message: sinceSeq: /],
      [{ v: 1, type: 'resume', sinceSeq: 1.5 }, /^bad message: sinceSeq: /],
      [{ v: 1, type: 'ack', alertId: '' }, /^bad message: alertId: /],
      [{ v: 1, type: 'ack', alertId: 'x'.repeat(201) }, /^bad message: alertId: /],
      [{ v: 1, type: 'known', alertId: 'a', label: '   ' }, /^bad message: label: /],
      [[1, 2], /^bad message: /],
    ];
    for (const [msg, re] of cases) {
      const r = parseClientMessage(text(msg), false);
      expect('error' in r && r.error, JSON.stringify(msg)).toMatch(re);
      expect('error' in r && r.error, JSON.stringify(msg)).toMatch(/\(protocol v1 expects \{v:1,type:'resume'\|'ack'\|'known'\|'escalate',…\}\)$/);
    }
  });
});
