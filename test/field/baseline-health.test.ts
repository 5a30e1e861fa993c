// judgeHearing: a sensor that stops hearing its calibration's periodic emitter says so.
import { describe, expect, it } from 'vitest';
import { DEAF_GRACE_S, DEAF_PERIODS, judgeHearing } from '../../src/field/baseline-health.js';

const weather = { centerHz: 433_990_400, periodS: 47, continuous: false };

describe('judgeHearing', () => {
  it('is silent while the periodic emitter is heard within 3 periods + 30 s (171 s for 47 s)', () => {
    const limit = DEAF_PERIODS * 47 + DEAF_GRACE_S;
    expect(limit).toBe(171);
    expect(judgeHearing([{ ...weather, silentS: 171 }])).toBeUndefined();
  });

  it('names the emitter, its period and its silence once past the limit', () => {
    expect(judgeHearing([{ ...weather, silentS: 172 }])).toBe(
      "not hearing the calibration's periodic emitter 433.9904 MHz (every 47 s, silent 172 s): check the antenna, its cable and the gain (a deaf sensor raises no alerts)",
    );
  });

  it('ignores continuous emitters and emitters without a period', () => {
    expect(judgeHearing([
      { centerHz: 433_980_000, periodS: null, continuous: true, silentS: 5000 },
      { centerHz: 433_940_000, periodS: null, continuous: false, silentS: 5000 },
    ])).toBeUndefined();
  });
});
