// Sim sensors with a receive path: per-sensor event gain (path loss) and seeded fading, from the site config's simPath to the rendered samples.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import { resolveSite } from '../../src/site/site-resolve.js';
import { eventFadeDb, eventPowerDbfs, parseScenario, ScenarioRenderer, scenarioAnnotations, type Scenario } from '../../src/source/sim.js';
import { cu8ToComplex, db, tonePower } from '../source/measure.js';

const dir = mkdtempSync(join(tmpdir(), 'qb-sim-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RATE = 250_000;
const scenario = (extra: Partial<Scenario> = {}): Scenario => ({
  rateSps: RATE,
  centerHz: 433_920_000,
  durationS: 0.5,
  seed: 4,
  noiseDbfs: -40,
  carriers: [{ offsetHz: -100_000, powerDbfs: -25 }],
  events: [
    { kind: 'tone', offsetHz: 40_000, snrDb: 40, startS: 0.1, durationS: 0.3 },
    { kind: 'tone', offsetHz: -40_000, snrDb: 40, startS: 0.1, durationS: 0.3 },
  ],
  ...extra,
});

/** Rendered power (dBFS) of the tone at `offsetHz` over 0.15–0.35 s, and of the steady carrier. */
function measure(s: Scenario, offsetHz: number): { toneDbfs: number; carrierDbfs: number } {
  const n = Math.round(s.durationS * RATE);
  const r = new ScenarioRenderer(parseScenario(s), n);
  r.render(n);
  const x = cu8ToComplex(r.bytes.subarray(0, 2 * n));
  const a = Math.round(0.15 * RATE);
  const b = Math.round(0.35 * RATE);
  return { toneDbfs: db(tonePower(x, a, b, offsetHz, RATE)), carrierDbfs: db(tonePower(x, a, b, -100_000, RATE)) };
}

describe('scenario eventGainDb / fadingDb', () => {
  it('scales every event by the path gain, not the carriers; fading is seeded per event and per seed', () => {
    const plain = measure(scenario(), 40_000);
    const lossy = measure(scenario({ eventGainDb: -12 }), 40_000);
    // expected level: −40 + 10·log10(1000/250000) + 40 = −23.98 dBFS
    expect(plain.toneDbfs).toBeCloseTo(-23.98, 0);
    expect(lossy.toneDbfs - plain.toneDbfs).toBeCloseTo(-12, 0); // within 0.5 dB (cu8 quantisation)
    expect(Math.abs(lossy.toneDbfs - plain.toneDbfs + 12)).toBeLessThan(0.2);
    expect(Math.abs(lossy.carrierDbfs - plain.carrierDbfs)).toBeLessThan(0.05);

    const faded = scenario({ eventGainDb: -12, fadingDb: 3, fadingSeed: 11 });
    const f0 = eventFadeDb(faded, 0);
    const f1 = eventFadeDb(faded, 1);
    expect(f0).not.toBe(f1);
    expect(eventFadeDb(faded, 0)).toBe(f0); // deterministic
    expect(eventFadeDb({ ...faded, fadingSeed: 12 }, 0)).not.toBe(f0);
    expect(eventFadeDb({ ...faded, fadingDb: undefined }, 0)).toBe(0);
    expect(eventPowerDbfs(faded, faded.events[0]!, 0)).toBeCloseTo(-23.98 - 12 + f0, 2);
    expect(eventPowerDbfs(faded, faded.events[0]!)).toBeCloseTo(-23.98 - 12, 2); // no index: no fading
    const m0 = measure(faded, 40_000);
    const m1 = measure(faded, -40_000);
    expect(Math.abs(m0.toneDbfs - (plain.toneDbfs - 12 + f0))).toBeLessThan(0.2);
    expect(Math.abs(m1.toneDbfs - (plain.toneDbfs - 12 + f1))).toBeLessThan(0.2);
    // the truth annotations state the power with path and fading
    expect(scenarioAnnotations(parseScenario(faded))[0]!.comment).toContain(`power ${(-23.98 - 12 + f0).toFixed(1)} dBFS`);
  });

  it('fading draws have the configured spread: σ of 4000 draws = 3 dB ± 5 %, mean 0 ± 0.15 dB', () => {
    const s = scenario({ fadingDb: 3, fadingSeed: 5 });
    const d = Array.from({ length: 4000 }, (_, i) => eventFadeDb(s, i));
    const mean = d.reduce((a, x) => a + x, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, x) => a + (x - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean)).toBeLessThan(0.15);
    expect(Math.abs(sd - 3)).toBeLessThan(0.15);
  });

  it('parseScenario refuses a negative or huge fading spread', () => {
    expect(() => parseScenario(scenario({ fadingDb: -1 }))).toThrow(/fadingDb/);
    expect(() => parseScenario(scenario({ fadingDb: 31 }))).toThrow(/fadingDb/);
  });
});

describe('site config sensors[].simPath', () => {
  const sim = (extra: Record<string, unknown>) => ({ name: 'room-1', source: 'sim', seed: 3, location: { room: 'Hall A', xM: 1, yM: 2 }, ...extra });

  it('goes into the sim scenario (eventGainDb = −lossDb, fadingDb, fadingSeed), with an inline, a file or no scenario', async () => {
    const file = join(dir, 'scn.json');
    writeFileSync(file, JSON.stringify({ rateSps: 250_000, centerHz: 433_920_000, durationS: 4, events: [{ kind: 'tone', offsetHz: 1e4, snrDb: 20, startS: 1, durationS: 1 }] }));
    const cfg = validateSiteConfig({
      sensors: [
        sim({ simPath: { lossDb: 17.5, fadingDb: 3, fadingSeed: 99 }, scenario: { events: [{ kind: 'tone', offsetHz: 1e4, snrDb: 20, startS: 1, durationS: 1 }] } }),
        { ...sim({ simPath: { lossDb: 6 }, scenario: file }), name: 'room-2' },
        { name: 'room-3', source: 'sim', simPath: { fadingDb: 2 } },
      ],
    }, 'site.json');
    const site = await resolveSite(applySiteDefaults(cfg, {}, 'site.json'), 'site.json', { lookupBaselines: false });
    const [s1, s2, s3] = site.sensors.map((s) => parseScenario(s.scenario));
    expect([s1!.eventGainDb, s1!.fadingDb, s1!.fadingSeed]).toEqual([-17.5, 3, 99]);
    expect(s1!.events).toHaveLength(1);
    expect([s2!.eventGainDb, s2!.fadingDb, s2!.durationS, s2!.events.length]).toEqual([-6, undefined, 4, 1]);
    // no scenario: the quiet default scenario (its carrier kept) with the fading attached
    expect([s3!.eventGainDb, s3!.fadingDb, s3!.carriers.length]).toEqual([undefined, 2, 1]);
    expect(site.sensors[0]!.location).toEqual({ room: 'Hall A', xM: 1, yM: 2 });
  });

  it('is refused on non-sim sensors and out of range, naming the field', () => {
    expect(() => applySiteDefaults(validateSiteConfig({ sensors: [{ name: 'r', source: 'rtltcp:127.0.0.1:1234', simPath: { lossDb: 3 } }] }, 'site.json'), {}, 'site.json'))
      .toThrow('site.json: sensors[0].simPath: only sim sensors take a simulated path');
    expect(() => validateSiteConfig({ sensors: [sim({ simPath: { fadingDb: 40 } })] }, 'site.json')).toThrow('site.json: sensors[0].simPath.fadingDb: expected a fading spread ≤ 30 dB');
    expect(() => validateSiteConfig({ sensors: [sim({ simPath: { lossDb: 3, gainDb: 2 } })] }, 'site.json')).toThrow(/sensors\[0\]\.simPath\.gainDb: unknown field/);
  });
});
