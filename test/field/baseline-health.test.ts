// judgeHearing: a sensor that stops hearing its calibration's periodic emitter says so.
import { describe, expect, it } from 'vitest';
import { DEAF_GRACE_S, DEAF_PERIODS, HearingWatch, judgeHearing } from '../../src/field/baseline-health.js';
import { EmitterHearing } from '../../src/site/emitter-hearing.js';

const weather = { centerHz: 433_990_400, periodS: 47, continuous: false };

describe('judgeHearing', () => {
  it('is silent while the periodic emitter is heard within 3 periods + 30 s (171 s for 47 s)', () => {
    const limit = DEAF_PERIODS * 47 + DEAF_GRACE_S;
    expect(limit).toBe(171);
    expect(judgeHearing([{ ...weather, silentS: 171 }])).toBeUndefined();
  });

  it('names the emitter, its period and its silence once past the limit', () => {
    expect(judgeHearing([{ ...weather, silentS: 172 }])?.message).toBe(
      "Not hearing the calibration's periodic emitter 433.9904 MHz (every 47 s, silent 172 s). Check the antenna, its cable and the gain: a deaf sensor raises no alerts.",
    );
  });

  it('ignores continuous emitters and emitters without a period', () => {
    expect(judgeHearing([
      { centerHz: 433_980_000, periodS: null, continuous: true, silentS: 5000 },
      { centerHz: 433_940_000, periodS: null, continuous: false, silentS: 5000 },
    ])).toBeUndefined();
  });

  it('HearingWatch reports a change only when the set of unheard emitters changes, not as their silence grows', () => {
    const w = new HearingWatch();
    const quake = { centerHz: 868_300_000, periodS: 60, continuous: false };
    expect(w.update([{ ...weather, silentS: 100 }])).toBeNull();
    expect(w.update([{ ...weather, silentS: 172 }])).toBe('deaf');
    expect(w.update([{ ...weather, silentS: 173 }])).toBeNull();
    expect(w.note?.messageCodes[0]?.params?.silentS).toBe('173');
    expect(w.update([{ ...weather, silentS: 300 }, { ...quake, silentS: 211 }])).toBe('deaf'); // a second one went silent
    expect(w.note?.messageCodes.map((c) => c.id)).toEqual(['hearing.deaf', 'hearing.deaf', 'hearing.advice']);
    expect(w.update(undefined)).toBe('heard'); // not armed: nothing judged
    expect(w.note).toBeUndefined();
    expect(w.update([{ ...weather, silentS: 5 }])).toBeNull();
  });

  it('EmitterHearing reports appearances and whole seconds of silence per watched emitter', () => {
    const h = new EmitterHearing();
    expect(h.report(0)).toBeUndefined();
    const e = (centerHz: number, periodS: number | null) => ({ centerHz, lowHz: centerHz - 5e3, highHz: centerHz + 5e3, bandwidthHz: 1e4, peakPowerDbfs: -40, peakExcessDb: 20, dutyCycle: 0.02, bursts: 4, periodS, maxBurstS: 0.4, continuous: false });
    h.watch([e(433_990_400, 47), e(868_300_000, null)], 1_000_000);
    h.onHeard(0, 1_040_400);
    h.onHeard(7, 1_050_000); // not watched: ignored
    expect(h.report(1_100_000)).toEqual([
      { centerHz: 433_990_400, periodS: 47, continuous: false, appearances: 1, silentS: 60 },
      { centerHz: 868_300_000, periodS: null, continuous: false, appearances: 0, silentS: 100 },
    ]);
  });
});
