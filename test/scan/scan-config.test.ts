// The `scan` field of a sensor in the site config: defaults, and errors that name the field.
import { describe, expect, it } from 'vitest';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';

function settle(sensor: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const cfg = validateSiteConfig({ site: 'lab', calibrationDir: '/tmp/qb-cal', ...extra, sensors: [{ name: 'hopper', source: 'rtltcp:127.0.0.1:1234', rateSps: 2_400_000, ...sensor }] }, 'site.json');
  return applySiteDefaults(cfg, {}, 'site.json');
}
const seg = { startHz: 430_000_000, stopHz: 440_000_000 };

describe('site config: sensors[].scan', () => {
  it('applies the defaults: dwell 200 ms, settle 25 ms + one buffer (null), crop 0.25, per-hop baselines under calibrationDir', () => {
    const s = settle({ scan: { segments: [seg] } }).sensors[0]!;
    expect(s.scan).toEqual({ segments: [seg], dwellMs: 200, settleMs: null, cropFraction: 0.25, simStaleMs: 0, baselineBase: '/tmp/qb-cal/lab-hopper' });
    expect(settle({}).sensors[0]!.scan).toBeUndefined();
  });

  it.each([
    [{ scan: { segments: [{ startHz: 440_000_000, stopHz: 430_000_000 }] } }, {}, /site\.json: sensors\[0\]\.scan\.segments\[0\]\.stopHz: 430000000 must be above startHz 440000000/],
    [{ scan: { segments: [] } }, {}, /sensors\[0\]\.scan\.segments: expected at least one/],
    [{ scan: { segments: [seg], dwell: 100 } }, {}, /sensors\[0\]\.scan\.dwell: unknown field/],
    [{ scan: { segments: [seg], dwellMs: 5 } }, {}, /sensors\[0\]\.scan\.dwellMs: expected a dwell of at least 10 ms/],
    [{ scan: { segments: [seg], cropFraction: 0.9 } }, {}, /sensors\[0\]\.scan\.cropFraction/],
    [{ scan: { segments: [seg], simStaleMs: 5 } }, {}, /sensors\[0\]\.scan\.simStaleMs: only sim sensors/],
    [{ scan: { segments: [seg] }, baseline: '/tmp/x.json' }, {}, /sensors\[0\]\.scan: a scanning sensor keeps one baseline per hop \(\/tmp\/qb-cal\/lab-hopper-<centerHz>\.json/],
    [{ scan: { segments: [seg] }, source: 'file:/tmp/x.cu8' }, {}, /sensors\[0\]\.scan: a file: source cannot be retuned/],
    [{ scan: { segments: [{ startHz: 100_000_000, stopHz: 900_000_000 }] } }, {}, /sensors\[0\]\.scan\.segments: need 1113 hops at 2400000 S\/s \(at most 256\)/],
  ])('refuses %j', (sensor, extra, msg) => {
    expect(() => settle(sensor as Record<string, unknown>, extra)).toThrow(msg);
  });
});
