// `quietband replay` lines carry a "signal" object (class, confidence, features, reason); --audio writes a WAV per analog
// detection. On a seeded sim scenario with known truth and on real rtl_433 recordings read in place from ../shared.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayFile, type ReplayFlags } from '../../src/cli/replay.js';
import type { DetectionLine } from '../../src/cli/replay-line.js';
import { defaultScenario, writeSimCapture } from '../../src/source/sim.js';
import { QuietBandError } from '../../src/errors.js';
import { silentLog } from '../helpers.js';
import { audioClassOf } from '../../src/text-template.js';

type Line = DetectionLine;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-ident-replay-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function replay(file: string, flags: ReplayFlags = {}): Promise<Line[]> {
  const out: Line[] = [];
  await replayFile(file, { progress: false, ...flags }, (l) => out.push(JSON.parse(l)), silentLog);
  return out.filter((l) => l.type === 'detection');
}

const CAPTURES = join(import.meta.dirname, '../../../shared/captures');
const CAPTURES_WIDE = join(import.meta.dirname, '../../../shared/captures-wide');

describe('replay of a sim scenario', () => {
  it('names the OOK burst, the FM carrier and the GSM-like bursts, and writes the FM audio', async () => {
    const sc = defaultScenario();
    sc.durationS = 8;
    // the README demo without its −25 dBFS carrier at +420 kHz: 45 kHz beyond the GSM burst's 99 % band, it leaks into
    // the burst's channel and makes it look continuous (docs/identification.md §8)
    sc.carriers = sc.carriers.filter((c) => c.offsetHz !== 420_000);
    const meta = (await writeSimCapture(join(dir, 'demo') + '/', sc)).metaPath;
    const audioDir = join(dir, 'audio');
    const lines = await replay(meta, { audio: audioDir });
    const at = (offsetHz: number, t: number) => lines.find((l) => Math.abs(l.centerHz - sc.centerHz - offsetHz) < 20_000 && l.startS <= t + 0.05 && l.endS >= t - 0.05);
    const ook = at(120_000, 2.03);
    const fm = at(-60_000, 6);
    const gsm = at(250_000, 7.5);
    expect(ook?.signal?.class).toBe('ook');
    expect(fm?.signal?.class).toBe('nfm');
    expect(gsm?.signal?.class).toBe('tdma-burst');
    // the sim's OOK symbols are 1 ms, its FM is a 1 kHz tone at 5 kHz deviation, GSM slots are 577 µs in 4.615 ms frames
    expect(ook!.signal!.symbolRateBd).toBeGreaterThan(900);
    expect(ook!.signal!.symbolRateBd).toBeLessThan(1100);
    expect(fm!.signal!.bandwidthHz).toBeGreaterThan(9_000);
    expect(fm!.signal!.bandwidthHz).toBeLessThan(16_000);
    expect(gsm!.signal!.burstMedianMs).toBeCloseTo(0.577, 1);
    expect(gsm!.signal!.periodMedianMs).toBeCloseTo(4.615, 1);
    for (const l of lines) {
      expect(typeof l.signal?.confidence).toBe('number');
      expect(typeof l.signal?.reason).toBe('string');
    }
    // 433.86 MHz is the ISM 433 data band: an FM voice-like link there is flagged, the OOK burst is not
    expect(fm!.signal!).toMatchObject({ band: 'ISM 433 MHz', unexpected: true });
    expect(ook!.signal!.unexpected).toBe(false);
    // one WAV per analog detection, 16 kHz mono; a steady tone is not speech
    expect(fm!.signal!.speechPresent).toBe(false);
    const wavs = await readdir(audioDir);
    // (an analog class, or an unknown whose closest class is analog: docs/identification.md §5a)
    const analog = lines.filter((l) => audioClassOf(l.signal) !== undefined);
    expect(wavs.length).toBe(analog.length);
    expect(fm!.signal!.audioFile).toBe(join(audioDir, `det-${fm!.id}-nfm.wav`));
    const w = new wavefile.WaveFile(await readFile(fm!.signal!.audioFile!));
    expect((w.fmt as { sampleRate: number; numChannels: number }).sampleRate).toBe(16000);
    expect((w.fmt as { numChannels: number }).numChannels).toBe(1);
  });
  it('--no-identify leaves the signal object out; --audio with it is a CONFIG error', async () => {
    const sc = defaultScenario();
    sc.durationS = 3;
    const meta = (await writeSimCapture(join(dir, 'short') + '/', sc)).metaPath;
    const lines = await replay(meta, { identify: false });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.signal === undefined)).toBe(true);
    const err = await replay(meta, { identify: false, audio: join(dir, 'x') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuietBandError);
    expect((err as Error).message).toMatch(/--audio: needs identification/);
  });
});

describe('replay of real recordings (rtl_433 test files)', () => {
  it('waveman remote (pulse-width coding, 336/1040 µs pulses): element within 10 % of rtl_433\'s 360 µs, not a common divisor', async () => {
    const lines = await replay(join(CAPTURES_WIDE, 'waveman-01-gfile002_250k.cu8'));
    const main = lines.find((l) => l.startS < 0.72 && l.endS > 0.72);
    expect(main?.signal?.class).toBe('ook');
    expect(Math.abs(1e6 / main!.signal!.symbolRateBd! / 360 - 1)).toBeLessThan(0.1);
  });
  it('Ambient Weather F007TH: ook, element within 10 % of rtl_433\'s 488 µs', async () => {
    const lines = await replay(join(CAPTURES, 'ambient_weather_F007TH_433.92M_250k.cu8'));
    const first = lines.find((l) => l.startS < 0.3 && l.endS > 0.3);
    expect(first?.signal?.class).toBe('ook');
    expect(Math.abs(1e6 / first!.signal!.symbolRateBd! / 488 - 1)).toBeLessThan(0.1);
    // the detection of the 4th and 5th packets (reported at the 5th's frequency, 21 kHz from the 4th's) is analysed
    // where the 5th is (docs/identification.md §1): its pulses resolved, the element the others'
    const fourth = lines.find((l) => l.startS > 1.8 && l.startS < 1.95);
    expect(fourth?.signal?.class).toBe('ook');
    expect(Math.abs(1e6 / fourth!.signal!.symbolRateBd! / 488 - 1)).toBeLessThan(0.1);
    for (const l of lines) {
      expect(l.signal?.class, `${l.startS} s`).toBe('ook');
      if ((l.signal!.envelopeKurtosis ?? 0) > 0.55) expect(l.signal!.reason, `${l.startS} s`).not.toMatch(/constant envelope \(kurtosis/);
    }
  });
  it('EnergyCount 3000: fsk, 2 tones ≈ 40 kHz apart, each packet reported over both tones', async () => {
    for (const f of ['ec3k_EnergyCount3000_FSK_868.3M_250k.cu8']) {
      const lines = await replay(join(CAPTURES, f));
      expect(lines).toHaveLength(2);
      expect(lines.every((l) => l.signal?.class === 'fsk'), f).toBe(true);
      expect(lines[0].signal!.toneSpacingHz).toBeGreaterThan(35_000);
      expect(lines[0].signal!.toneSpacingHz).toBeLessThan(45_000);
      // the tones lie at ≈ 868.33 and 868.37 MHz with a dip 30 dB deep between them (docs/detector.md §4): the band
      // spans both (67.4 kHz measured), centred between them, not one tone's 31 kHz at 868.332 or 868.369 MHz
      for (const l of lines) {
        expect(l.bandwidthHz, `${l.startS} s`).toBeGreaterThan(60_000);
        expect(l.bandwidthHz, `${l.startS} s`).toBeLessThan(75_000);
        expect(Math.abs(l.centerHz - 868_350_000), `${l.startS} s`).toBeLessThan(3_000);
      }
    }
  });
});
