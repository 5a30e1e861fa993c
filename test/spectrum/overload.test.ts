// src/spectrum/overload.ts: one clipping threshold for the detector flag, the live overload alert and the replay
// verdict; ClipMeter's summary of a run of blocks. The replay of a clipped recording: test/replay/overload.test.ts.
import { describe, expect, it } from 'vitest';
import { ClipMeter, isClipping, OVERLOAD_CLIP_FRACTION } from '../../src/spectrum/overload.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../../src/detector/options.js';
import { DEFAULT_SITE_CONFIG } from '../../src/config/site-config.js';
import { OverloadTracker } from '../../src/site/sensor-health.js';

describe('overload policy', () => {
  it('one threshold for the detector flag, the live overload alert and the replay verdict', () => {
    expect(OVERLOAD_CLIP_FRACTION).toBe(0.05);
    expect(DEFAULT_DETECTOR_OPTIONS.overloadClipFraction).toBe(OVERLOAD_CLIP_FRACTION);
    expect(DEFAULT_SITE_CONFIG.overload.clipFraction).toBe(OVERLOAD_CLIP_FRACTION);
    expect(isClipping(0.05)).toBe(false);
    expect(isClipping(0.0501)).toBe(true);
    // the live tracker enters overload on the same values (after its hold time)
    const t = new OverloadTracker({ clipFraction: OVERLOAD_CLIP_FRACTION, onAfterMs: 0, offAfterMs: 0 });
    expect(t.report(0.05, 0)).toBeNull();
    expect(t.report(0.0501, 1)).toBe('on');
  });

  it('ClipMeter: overall fraction weighted by samples, largest block, seconds in clipping blocks', () => {
    const m = new ClipMeter();
    m.add(0.5, 1000); // clipping
    m.add(0.0, 3000);
    m.add(0.04, 1000); // below the threshold
    const s = m.summary(1000);
    expect(s.clipFraction).toBeCloseTo((0.5 * 1000 + 0.04 * 1000) / 5000, 12);
    expect(s.maxBlockClipFraction).toBe(0.5);
    expect(s.overloadS).toBe(1);
    expect(s.overloaded).toBe(true);
    expect(new ClipMeter().summary(1000)).toMatchObject({ clipFraction: 0, overloadS: 0, overloaded: false });
  });
});
