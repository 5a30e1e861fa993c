// The embedded demo site of `quietband run` without flags: three simulated sensors whose injected events keep coming.
import type { SiteConfigInput } from '../config/site-config.js';
import { formatSiteTime, machineTimeZone } from '../field/local-time.js';

/** The demo site's data folder (alerts, token, clips), relative to the working directory. */
export const DEMO_DATA_DIR = './data/demo';

/**
 * The demo's exam session: its alerts carry this name, so the web page's report dialog and
 * `quietband report --data-dir ./data/demo --session "演示考试 Demo exam"` have a session to report. One name in both
 * languages (a report command works whatever language the demo ran in), as a bilingual site names its sessions.
 */
export const DEMO_SESSION = '演示考试 Demo exam';

/** Hours the demo's session lasts from the demo's start: a school day of exams, longer than a demo is left running. */
export const DEMO_SESSION_H = 8;

/**
 * Demo site "demo" (data in {@link DEMO_DATA_DIR}): three `sim` sensors at real-time pace, looping their scenario (cycle c uses seed + c, so the noise
 * differs every pass), each cycle quiet for its first 10 s (the default warm-up learns a clean baseline there) and then
 * injecting transmissions:
 * - `hall-a-433`: 433.92 MHz, 1 MS/s, 40 s cycle, seed 1; steady carriers −180 kHz (−20 dBFS) and +420 kHz (−25 dBFS);
 *   OOK +120 kHz at 12 s (60 ms, 20 dB), FM −60 kHz 16–22 s (15 dB), GSM-like +250 kHz 25–26.5 s (15 dB),
 *   tone +300 kHz 32–35 s (25 dB).
 * - `hall-b-868`: 868.3 MHz, 250 kS/s, 35 s cycle, seed 7; carrier −70 kHz (−22 dBFS); noise burst −40 kHz at 14 s
 *   (0.5 s, 10 kHz, 20 dB), OOK +30 kHz at 20 s (0.1 s, 20 dB), FM +60 kHz 27–32 s (15 dB).
 * - `hall-c-433`: 433.92 MHz, 250 kS/s, 40 s cycle, seed 3, in the next room: it hears hall-a's FM link (−60 kHz,
 *   16–22 s) ≈ 5 dB weaker, so that alert is grouped across the two rooms with Hall A ranked first and a position on
 *   the site plan (rooms have x/y in metres).
 * SNRs as defined in sim.ts (`Scenario`).
 * The site has one exam session, {@link DEMO_SESSION}, from the minute of `nowMs` (epoch ms, the demo's start) for
 * {@link DEMO_SESSION_H} hours, written as a site config writes it (local times of the machine's zone), so every
 * demo alert carries it; no calibration window (its start is not ahead).
 */
export function demoSiteConfig(nowMs: number = Date.now()): SiteConfigInput {
  const zone = machineTimeZone();
  const startMs = Math.floor(nowMs / 60_000) * 60_000;
  const minute = (ms: number): string => formatSiteTime(ms, zone).slice(0, 16); // `2026-06-07T09:00`
  return {
    site: 'demo',
    sessions: [{ name: DEMO_SESSION, start: minute(startMs), end: minute(startMs + DEMO_SESSION_H * 3_600_000) }],
    // its own folder: a real site started later from the same directory (default ./data) must not serve the demo's
    // alerts or count them as unacknowledged
    dataDir: DEMO_DATA_DIR,
    sensors: [
      {
        name: 'hall-a-433',
        source: 'sim',
        centerHz: 433_920_000,
        rateSps: 1_000_000,
        fftSize: 1024,
        location: { room: 'Hall A', xM: 4, yM: 3 },
        scenario: {
          durationS: 40,
          seed: 1,
          noiseDbfs: -35,
          carriers: [
            { offsetHz: -180_000, powerDbfs: -20 },
            { offsetHz: 420_000, powerDbfs: -25 },
          ],
          events: [
            { kind: 'ook', offsetHz: 120_000, snrDb: 20, startS: 12, durationS: 0.06 },
            { kind: 'fm', offsetHz: -60_000, snrDb: 15, startS: 16, durationS: 6 },
            { kind: 'gsm', offsetHz: 250_000, snrDb: 15, startS: 25, durationS: 1.5 },
            { kind: 'tone', offsetHz: 300_000, snrDb: 25, startS: 32, durationS: 3 },
          ],
        },
      },
      {
        name: 'hall-b-868',
        source: 'sim',
        centerHz: 868_300_000,
        rateSps: 250_000,
        fftSize: 1024,
        location: { room: 'Hall B', xM: 18, yM: 3 },
        scenario: {
          durationS: 35,
          seed: 7,
          noiseDbfs: -35,
          carriers: [{ offsetHz: -70_000, powerDbfs: -22 }],
          events: [
            { kind: 'noise-burst', offsetHz: -40_000, snrDb: 20, startS: 14, durationS: 0.5, bandwidthHz: 10_000 },
            { kind: 'ook', offsetHz: 30_000, snrDb: 20, startS: 20, durationS: 0.1 },
            { kind: 'fm', offsetHz: 60_000, snrDb: 15, startS: 27, durationS: 5 },
          ],
        },
      },
      {
        name: 'hall-c-433',
        source: 'sim',
        centerHz: 433_920_000,
        rateSps: 250_000,
        fftSize: 1024,
        location: { room: 'Hall C', xM: 10, yM: 11 },
        scenario: {
          durationS: 40,
          seed: 3,
          noiseDbfs: -35,
          carriers: [{ offsetHz: 90_000, powerDbfs: -28 }],
          events: [{ kind: 'fm', offsetHz: -60_000, snrDb: 3, startS: 16, durationS: 6 }],
        },
      },
    ],
  };
}
