// Severity words (web-ui/src/alert-text.ts severityText) agree with the session line and the daemon's reason: an
// emitter the calibration heard is low "heard during calibration" (never "outside exam sessions"), and without a
// timetable the session line does not claim every alert is high — en and zh-CN.
import { afterEach, describe, expect, it } from 'vitest';
import { groupSensorsText, preRollShortText, severityText } from '../../web-ui/src/alert-text.js';
import { setLang, t } from '../../web-ui/src/i18n.js';

afterEach(() => setLang('en', false));

describe('severity words', () => {
  it('name the reason of a low alert: outside sessions for a transmission, heard during calibration for a calibration emitter', () => {
    expect(severityText({ severity: 'low', kind: 'present-during-calibration', session: undefined }, false)).toBe('low (heard during calibration)');
    expect(severityText({ severity: 'low', kind: 'transmission', session: undefined }, true)).toBe('low (outside exam sessions)');
    expect(severityText({ severity: 'info', kind: 'present-during-calibration', session: undefined }, false)).toBe('info (known emitter)');
    expect(severityText({ severity: 'high', kind: 'transmission', session: undefined }, false)).toBe('high (no exam timetable: high at any time of day)');
    expect(severityText({ severity: 'high', kind: 'transmission', session: 'Maths' }, true)).toBe('high (exam session Maths)');
    setLang('zh-CN', false);
    expect(severityText({ severity: 'low', kind: 'present-during-calibration', session: undefined }, false)).toBe('低（校准期间已存在）');
    expect(severityText({ severity: 'low', kind: 'transmission', session: undefined }, true)).toBe('低（考试时段外）');
  });

  it('the no-timetable session line does not say every alert is high (calibration emitters stay low, known ones info)', () => {
    expect(t('session.unscheduled')).toBe('No exam timetable: alerts are high at any time of day');
    setLang('zh-CN', false);
    expect(t('session.unscheduled')).toBe('未配置考试时间表：任何时段的告警均为高级别');
    expect(t('severity.highAlways')).not.toContain('所有告警');
  });
});

describe('group rows count sensors, not alerts', () => {
  it('three alerts of two sensors read "2 sensors" (en, zh-CN); the tooltip says which gave two; one sensor alone is named', () => {
    const members = [{ sensor: 'hall-c' }, { sensor: 'hall-d' }, { sensor: 'hall-c' }];
    expect(groupSensorsText(members)).toEqual({ text: '2 sensors', title: 'hall-c ×2, hall-d' });
    setLang('zh-CN', false);
    expect(groupSensorsText(members)).toEqual({ text: '2 个传感器', title: 'hall-c ×2, hall-d' });
    expect(groupSensorsText([{ sensor: 'hall-c' }, { sensor: 'hall-c' }])).toEqual({ text: 'hall-c', title: 'hall-c ×2' });
    setLang('en', false);
    expect(groupSensorsText([{ sensor: 'a' }, { sensor: 'b' }, { sensor: 'c' }])).toEqual({ text: '3 sensors', title: 'a, b, c' });
  });
});

describe('pre-roll note', () => {
  it('says plainly that no I/Q was kept before the transmission (was "发射前仅保留 0.00 秒"), and how much when some was', () => {
    expect(preRollShortText(0, 1.5)).toBe('no I/Q before the transmission (1.50 s asked for): it had already been overwritten (the sensor was behind)');
    expect(preRollShortText(0.2, 1.5)).toBe('holds 0.20 s before the transmission of the 1.50 s asked for: the rest had already been overwritten (the sensor was behind)');
    setLang('zh-CN', false);
    expect(preRollShortText(0.004, 1.5)).toBe('发射前没有保留任何 I/Q 数据（应为 1.50 秒）：已被覆盖（传感器处理落后）');
    expect(preRollShortText(0.2, 1.5)).toBe('发射前仅保留 0.20 秒（应为 1.50 秒）：其余已被覆盖（传感器处理落后）');
  });
});

