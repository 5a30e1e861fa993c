// The words of a notification, in English and Chinese: frequency, width, excess, rooms, session, link; ntfy header encoding.
import { describe, expect, it } from 'vitest';
import { notifyMessage } from '../../src/notify/message.js';
import { headerValue } from '../../src/notify/senders.js';
import type { Alert } from '../../src/server/protocol.js';

const grouped: Alert = {
  seq: 41, alertId: 'hall-a-41', site: 'hall-a', sensor: 'room-101', kind: 'transmission', event: 'open', state: 'new', severity: 'high',
  time: '2026-06-07T01:30:02.000Z', startTime: '2026-06-07T01:30:01.250Z', centerHz: 433_927_000, bandwidthHz: 12_500, peakExcessDb: 18.46,
  bandLabel: 'ISM 433 MHz', session: '数学 Maths', groupId: 'hall-a-40',
  rooms: [{ room: '101 教室', sensor: 'room-101', excessDb: 18.5 }, { room: '102 教室', sensor: 'room-102', excessDb: 9.1 }],
};

describe('notifyMessage', () => {
  it('English: title with frequency and nearest room, body with the facts a supervisor needs', () => {
    const m = notifyMessage(grouped, { timeZone: 'Asia/Shanghai', linkUrl: 'https://exam-pc.local:8080' });
    expect(m.title).toBe('[HIGH] hall-a: transmission at 433.927 MHz in 101 教室');
    expect(m.body.split('\n')).toEqual([
      '2026-06-07 09:30:01 (Asia/Shanghai)',
      '433.927 MHz, 12.5 kHz wide, 18.5 dB over the baseline, ISM 433 MHz',
      'sensor room-101 (101 教室)',
      'heard in 101 教室, 102 教室 (nearest first)',
      'exam session: 数学 Maths',
      'alert hall-a-41',
      'https://exam-pc.local:8080/#alert=hall-a-41',
    ]);
    expect(m.priority).toBe(5);
  });

  it('Chinese (notify.language "zh-CN"); a sensor fault quotes its stored reason', () => {
    const m = notifyMessage({ ...grouped, event: 'escalate', ackBy: 'Wang Fang' }, { timeZone: 'Asia/Shanghai', language: 'zh-CN' });
    expect(m.title).toBe('[高] hall-a：433.927 MHz 发射信号，位置：101 教室（已升级）');
    expect(m.body.split('\n')).toEqual([
      '2026-06-07 09:30:01 (Asia/Shanghai)',
      '433.927 MHz，带宽 12.5 kHz，高于基线 18.5 dB，ISM 433 MHz',
      '传感器 room-101（101 教室）',
      '收到信号的房间：101 教室、102 教室（由近及远）',
      '考试场次：数学 Maths',
      '升级人：Wang Fang',
      '告警 hall-a-41',
    ]);
    const off = notifyMessage(
      { seq: 3, alertId: 'hall-a-3', site: 'hall-a', sensor: 'room-102', kind: 'sensor-offline', event: 'open', state: 'new', severity: 'low', time: '2026-06-07T01:00:00.000Z', message: 'sensor room-102 stopped delivering: the source ended' },
      { timeZone: 'UTC', room: '102', language: 'zh-CN' },
    );
    expect(off.title).toBe('[低] hall-a：传感器离线，位置：102');
    expect(off.body).toContain('sensor room-102 stopped delivering: the source ended');
    expect(off.priority).toBe(3);
  });

  it('a raised transmission leads with its mark and says why, in English and Chinese (the reason from its code)', () => {
    const raised: Alert = {
      ...grouped, event: 'update', centerHz: 450_100_000, bandLabel: 'UHF land mobile 400–470 MHz',
      severityRaise: { reason: 'nfm in UHF land mobile 400–470 MHz: a voice link, …', reasonCode: { id: 'raise.voice', params: { class: 'nfm', band: 'UHF land mobile 400–470 MHz' } } },
    };
    const en = notifyMessage(raised, { timeZone: 'Asia/Shanghai' });
    expect(en.title).toBe('[HIGH] hall-a: ▲ voice link: transmission at 450.100 MHz in 101 教室');
    expect(en.body.split('\n')[2]).toBe('ranked higher ▲: NFM in UHF land mobile 400–470 MHz: a voice link, as the earpiece kits found at exams use (licensed radios use it too)');
    const zh = notifyMessage(raised, { timeZone: 'Asia/Shanghai', language: 'zh-CN' });
    expect(zh.title).toBe('[高] hall-a：▲ 语音链路：450.100 MHz 发射信号，位置：101 教室');
    expect(zh.body.split('\n')[2]).toBe('优先级提升 ▲：UHF land mobile 400–470 MHz 中的窄调频：语音链路，考场查获的耳机作弊设备即用此方式（合法对讲机也是）');
    // a code this version does not know (a newer daemon's record relayed by a hub): the bare mark, the stored words
    const newer = notifyMessage({ ...raised, severityRaise: { reason: 'a newer rule', reasonCode: { id: 'raise.newer' as 'raise.voice', params: {} } } }, { timeZone: 'UTC' });
    expect(newer.title).toBe('[HIGH] hall-a: ▲: transmission at 450.100 MHz in 101 教室');
    expect(newer.body).toContain('ranked higher ▲: a newer rule');
  });

  it('an alert restored by removing its known mark: says so and who removed it, in English and Chinese', () => {
    const restored: Alert = {
      ...grouped, event: 'unmark', ackBy: '王芳 (local@127.0.0.1)', time: '2026-06-07T02:10:00.000Z',
      message: 'known emitter "caretaker radio" removed: this alert counts again', messageCode: { id: 'known.removed', params: { label: 'caretaker radio' } },
    };
    const en = notifyMessage(restored, { timeZone: 'Asia/Shanghai' });
    expect(en.title).toBe('[HIGH] hall-a: transmission at 433.927 MHz in 101 教室 (restored: known mark removed)');
    expect(en.body.split('\n').slice(-3)).toEqual(['known emitter "caretaker radio" removed: this alert counts again', 'known mark removed by 王芳 (local@127.0.0.1)', 'alert hall-a-41']);
    const zh = notifyMessage(restored, { timeZone: 'Asia/Shanghai', language: 'zh-CN' });
    expect(zh.title).toBe('[高] hall-a：433.927 MHz 发射信号，位置：101 教室（已恢复：已知标记已移除）');
    expect(zh.body.split('\n').slice(-3)).toEqual(['已知发射源“caretaker radio”已移除：本告警重新计入', '移除已知标记的人：王芳 (local@127.0.0.1)', '告警 hall-a-41']);
  });

  it('ntfy headers: ASCII as is, anything else as an RFC 2047 UTF-8 word', () => {
    expect(headerValue('[HIGH] hall-a: transmission at 433.927 MHz')).toBe('[HIGH] hall-a: transmission at 433.927 MHz');
    const enc = headerValue('[高] hall-a：433.927 MHz 发射信号');
    expect(enc).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    expect(Buffer.from(enc.slice(10, -2), 'base64').toString('utf8')).toBe('[高] hall-a：433.927 MHz 发射信号');
  });
});
