// `quietband run` with a hopping sim sensor: no ghost after retunes (and a ghost without settle), a tone on a hop's centre, revisit in health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, Client, killAll, readStore, startDaemon, tempDir, writeConfig, type Daemon } from '../daemon/helpers.js';
import { ensureUiBuilt, launchBrowser } from '../web-ui/fake-site.js';

const tmp = tempDir('qb-run-scan-');
beforeAll(() => {
  buildOnce();
  ensureUiBuilt();
});
afterAll(() => {
  killAll();
  tmp.cleanup();
});

const RATE = 250_000;
const WORLD_HZ = 433_920_000;
const SEGMENT = { startHz: 433_900_000, stopHz: 433_940_000 }; // → hops 433.8825 and 433.9575 MHz (75 kHz apart)
const HOP_A = 433_882_500;
const HOP_B = 433_957_500;
const CARRIER_HZ = 433_910_000;
const TONE_HZ = HOP_A; // on hop A's DC: only hop B reports it
const GHOSTS = [HOP_B + (CARRIER_HZ - HOP_A), HOP_A + (CARRIER_HZ - HOP_B), HOP_A + (TONE_HZ - HOP_B)];
const DWELL_MS = 200;
const SETTLE_MS = 10;

/** A two-hop sim sensor whose dongle still shows the previous tuning for 5 ms after every retune. */
function hopper(name: string, settleMs: number): Record<string, unknown> {
  return {
    name,
    source: 'sim',
    centerHz: WORLD_HZ,
    rateSps: RATE,
    fftSize: 1024,
    scenario: {
      durationS: 8,
      seed: 7,
      carriers: [{ offsetHz: CARRIER_HZ - WORLD_HZ, powerDbfs: -20 }],
      events: [{ kind: 'tone', offsetHz: TONE_HZ - WORLD_HZ, snrDb: 25, startS: 3, durationS: 2 }],
    },
    scan: { segments: [SEGMENT], dwellMs: DWELL_MS, settleMs, simStaleMs: 5 },
  };
}

async function start(tag: string, settleMs: number): Promise<{ d: Daemon; c: Client; dataDir: string }> {
  const dataDir = `${tmp.dir}/data-${tag}`;
  const config = writeConfig(tmp.dir, `${tag}.json`, { site: `scan-${tag}`, warmupS: 0.6, calibrationDir: `${tmp.dir}/cal-${tag}`, sensors: [hopper('hopper', settleMs)] });
  const d = await startDaemon(['run', '--config', config, '--data-dir', dataDir, '--http-port', '0']);
  const c = await Client.open(d.wsUrl);
  return { d, c, dataDir };
}

const near = (hz: number | undefined, f: number, tolHz: number): boolean => hz !== undefined && Math.abs(hz - f) <= tolHz;

describe('quietband run: a scanning sim sensor (two hops, 5 ms stale samples after each retune)', () => {
  it('settle 10 ms: only the tone on hop A’s centre (through hop B), health revisit = 2 × (dwell + settle) ± 10 %; settle 0: ghosts', async () => {
    const browserReady = launchBrowser(); // starts while the daemons start
    const [good, bad] = await Promise.all([start('settle10', SETTLE_MS), start('settle0', 0)]);
    const { c } = good;

    // the tone (3.0–5.0 s of the 8 s cycle) opens and closes as one alert at its own frequency (± 1 RBW = 244 Hz)
    const open = await c.waitFor(() => c.alerts().find((x) => x.a.kind === 'transmission' && x.a.event === 'open'), 15_000, 'the tone alert');
    expect(near(open.a.centerHz, TONE_HZ, RATE / 1024), `open at ${open.a.centerHz}`).toBe(true);
    expect(open.a.detection!.startS).toBeGreaterThanOrEqual(3);
    expect(open.a.detection!.startS).toBeLessThan(3 + 2 * (DWELL_MS + SETTLE_MS) / 1000 + 0.05);
    const close = await c.waitFor(() => c.alerts().find((x) => x.a.alertId === open.a.alertId && x.a.event === 'close'), 10_000, 'the tone alert to close');
    expect(close.a.detection!.endS!).toBeGreaterThan(4.5);
    expect(close.a.detection!.endS!).toBeLessThan(5.5);

    // health: armed, scan plan and the measured revisit time
    const st = await c.waitFor(() => {
      const s = c.status('hopper');
      return s?.state === 'armed' && s.scan?.segments[0]?.revisitMs != null ? s : undefined;
    }, 5000, `armed status with a measured revisit (last: ${JSON.stringify(c.status('hopper'))})`);
    const scan = st.scan!;
    console.log(`scan health: ${JSON.stringify(scan)}`);
    expect(scan.hops).toBe(2);
    expect([HOP_A, HOP_B]).toContain(scan.hopCenterHz);
    expect(scan.dwellMs).toBe(DWELL_MS);
    expect(scan.settleMs).toBe(SETTLE_MS);
    const expected = 2 * (DWELL_MS + SETTLE_MS);
    expect(scan.segments[0]!.plannedRevisitMs).toBeCloseTo(expected, 6);
    expect(Math.abs(scan.segments[0]!.revisitMs! - expected) / expected).toBeLessThan(0.1);
    expect(st.online).toBe(true);
    expect(Math.abs(st.achievedRateSps - RATE) / RATE).toBeLessThan(0.1);

    // the UI's sensor panel shows the segment's revisit time
    const browser = await browserReady;
    try {
      const page = await browser.ctx.newPage();
      await page.goto(good.d.url);
      const cell = page.locator('.sensor-card[data-sensor="hopper"] [data-testid="sensor-revisit"]');
      await cell.waitFor({ state: 'visible', timeout: 5000 });
      const text = (await cell.textContent()) ?? '';
      console.log(`sensor panel revisit: ${text}`);
      const m = /^433\.900 MHz–433\.940 MHz: (\d+) ms \(2 hops\)$/.exec(text);
      expect(m, text).not.toBeNull();
      expect(Math.abs(Number(m![1]) - expected) / expected).toBeLessThan(0.1);
    } finally {
      await browser.close();
    }

    // spectra: one fixed grid over both hops' usable bands (433.78875–434.05125 MHz), 1024 points, with the baseline traces
    const sp = c.spectra('hopper');
    expect(sp.length).toBeGreaterThan(3);
    const last = sp.at(-1)!.s;
    expect(last.powerDbfs.length).toBe(1024);
    expect(last.baselineDbfs.length).toBe(1024);
    expect(last.startHz - last.stepHz / 2).toBeCloseTo(HOP_A - 93_750, 0);
    expect(last.startHz + 1023.5 * last.stepHz).toBeCloseTo(HOP_B + 93_750, 0);
    expect(new Set(sp.map((x) => `${x.s.startHz}|${x.s.stepHz}`)).size).toBe(1);
    // the carrier shows at its frequency, ≥ 30 dB over the floor
    const at = (hz: number): number => last.powerDbfs[Math.round((hz - last.startHz) / last.stepHz)]!;
    expect(at(CARRIER_HZ) - at(HOP_B + 60_000)).toBeGreaterThan(30);

    // the settle-0 daemon has reported ghosts of the carrier (or of the tone) one hop-step away meanwhile
    const ghost = await bad.c.waitFor(
      () => bad.c.alerts().find((x) => x.a.kind === 'transmission' && GHOSTS.some((g) => near(x.a.centerHz, g, 3000))),
      5000,
      'a ghost alert with settle 0',
    );
    console.log(`settle 0: ghost at ${(ghost.a.centerHz! / 1e6).toFixed(4)} MHz; transmissions: ${[...new Set(bad.c.alerts().filter((x) => x.a.kind === 'transmission').map((x) => (x.a.centerHz! / 1e6).toFixed(4)))].join(', ')}`);

    // settle 10 ms: every transmission alert stored is the tone's (no ghost, no DC spike of a hop)
    good.d.child.kill('SIGTERM');
    bad.d.child.kill('SIGTERM');
    expect((await good.d.exited).code).toBe(0);
    await bad.d.exited;
    const trans = readStore(good.dataDir).alerts.filter((x) => x.kind === 'transmission');
    expect(trans.length).toBeGreaterThanOrEqual(2);
    for (const a of trans) expect(near(a.centerHz, TONE_HZ, RATE / 1024), `alert at ${a.centerHz}`).toBe(true);
    c.close();
    bad.c.close();
  }, 45_000);
});
