// Classes of real rtl_433 recordings where OOK, FSK and AM are easy to confuse, and of a detection that joins packets on
// two frequencies (docs/identification.md §1, §4b, §5): each read in place from ../shared through `quietband replay`,
// its class and features checked against what the device sends (../shared/captures/MANIFEST.md and rtl_433 -A).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../src/cli/replay.js';
import { silentLog } from '../helpers.js';
import type { DetectionLine } from '../../src/cli/replay-line.js';

type Line = DetectionLine;

const CAPTURES = join(import.meta.dirname, '../../../shared/captures');

async function replay(name: string): Promise<Line[]> {
  const out: Line[] = [];
  await replayFile(join(CAPTURES, name), { progress: false }, (l) => out.push(JSON.parse(l)), silentLog);
  return out.filter((l) => l.type === 'detection');
}

describe('real recordings: OOK against FSK and AM', () => {
  it('Danfoss CFR (2-FSK, tones 30–37 kHz apart, 10 kBd PCM; the detector sees one tone): fsk, tone spacing 29–37 kHz, symbol rate within 10 %', async () => {
    const [d, ...rest] = await replay('danfoss_CFR_FSK_dfile001_250k.cu8');
    expect(rest).toHaveLength(0);
    expect(d.signal?.class).toBe('fsk');
    expect(d.signal?.confidence).toBeGreaterThanOrEqual(0.5);
    // the clip's spectrum peaks ≈ 30.3 kHz apart (Welch, 1 kHz bins); rtl_433 -A estimates the tones at +1.9 and
    // −34.7 kHz (36.6 kHz apart) from its FM discriminator; shortest pulse timing 100 µs
    expect(d.signal?.toneSpacingHz).toBeGreaterThan(29_000);
    expect(d.signal?.toneSpacingHz).toBeLessThan(37_000);
    expect(d.signal?.symbolRateBd).toBeGreaterThan(9_000);
    expect(d.signal?.symbolRateBd).toBeLessThan(11_000);
  });

  it('X10 HR12A (OOK pulses, each at one frequency, the frequency pulled from pulse to pulse): ook, not fsk', async () => {
    const [d] = await replay('x10_HR12A_B1on_310M_250k.cu8');
    expect(d.signal?.class).toBe('ook');
    expect(d.signal?.confidence).toBeGreaterThanOrEqual(0.5);
  });

  it('Valeo car key (OOK Manchester, 106 µs half bit: keying faster than the AM channel): ook, expected in ISM 433', async () => {
    const [d] = await replay('valeo_carkey_433.92M_250k.cu8');
    expect(d.signal?.class).toBe('ook');
    expect(d.signal?.unexpected).toBe(false);
    // rtl_433 -A: shortest pulse timing ≈ 104 µs
    expect(d.signal?.symbolRateBd).toBeGreaterThan(8_600);
    expect(d.signal?.symbolRateBd).toBeLessThan(10_600);
  });
});

describe('real recordings: the part analysed holds the emission at the detection\'s frequency', () => {
  it('F007TH: the detection of the 4th and 5th packets (21 kHz apart, reported at the 5th\'s frequency) is ook at the SNR of the others', async () => {
    const lines = await replay('ambient_weather_F007TH_433.92M_250k.cu8');
    expect(lines).toHaveLength(4);
    const merged = lines.find((l) => l.packets === 2)!;
    expect(merged.startS).toBeCloseTo(1.866, 2);
    for (const l of lines) {
      expect(l.signal?.class).toBe('ook');
      expect(l.signal?.confidence).toBeGreaterThanOrEqual(0.9);
      // the other packets read 25.9–27.3 dB in-band
      expect(l.signal?.snrDb).toBeGreaterThan(20);
      // Manchester at ≈ 2 kBd (rtl_433: 488–508 µs)
      expect(l.signal?.symbolRateBd).toBeGreaterThan(1_800);
      expect(l.signal?.symbolRateBd).toBeLessThan(2_200);
    }
  });
});

describe('real recordings: Mode S replies (1090 MHz PPM, 0.5 µs chips: one sample each at 2 MS/s)', () => {
  it('dump1090 modes1: the detector\'s slices read the one band-wide emission, ook (keyed carrier pulses), with its replies as bursts, written as one row', async () => {
    const lines = await replay('dump1090_modes1_1090M_2000k.cu8');
    // the detector (not judged here) reports the band-wide replies as 10 slices of 47–406 kHz; each is analysed as the
    // whole 2 MHz band, so the replay writes them as one row (src/ident/joined-rows.ts): the strongest slice's, id 1
    expect(lines).toHaveLength(1);
    const row = lines[0] as Line & { joinedIds?: number[]; lowHz: number; highHz: number };
    expect(row.id).toBe(1);
    expect(row.joinedIds).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(row.lowHz).toBe(1_088_996_094);
    expect(row.highHz).toBe(1_090_964_844);
    expect(row.startS).toBeCloseTo(0.005728, 6);
    expect(row.endS).toBeCloseTo(0.17776, 6);
    // the replies come in clusters 5.6–10.5 ms apart; packets are runs separated by ≥ 10 ms (PACKET_GAP_S, rtl_433's
    // package gap): 3 (123 when every reply counted)
    expect(row.packets).toBe(3);
    expect(row.signal?.wholeBand).toBe(true);
    expect([row.signal?.lowHz, row.signal?.highHz]).toEqual([1_089_000_000, 1_091_000_000]);
    for (const l of lines) {
      expect(l.signal?.class).toBe('ook');
      expect(l.signal?.confidence).toBeGreaterThanOrEqual(0.8);
      expect(l.signal?.reasonCode?.id).toBe('ident.ookShortPulses');
      // the whole band (0.8 × 2 MHz), not the slice
      expect(l.signal?.bandwidthHz).toBeGreaterThanOrEqual(1_500_000);
      // the phase within the pulses: a carrier at ≈ −70 kHz (0.83–0.85 measured on the file), impulses ≈ 0.1
      const coherence = Number(l.signal?.reasonCode?.params?.coherence);
      expect(coherence).toBeGreaterThan(0.7);
      // replies last 64 or 120 µs (8 µs preamble + 56/112 µs data); the bursts found are replies, overlapping ones joined
      expect(l.signal?.burstMedianMs).toBeGreaterThan(0.05);
      expect(l.signal?.burstMedianMs).toBeLessThan(0.13);
      expect(l.signal?.unexpected).toBe(false);
      // 0.5 µs chips, one sample each, cannot be timed: no element is quoted rather than a wrong one
      expect(l.signal?.symbolRateBd).toBe(0);
    }
  });
});

describe("real recordings: the receiver's own 0 Hz line", () => {
  it('GT-WT-02 (captures-wide): the 0 Hz line, dipping in step with the sensor\'s pulses, reads carrier (rule 0), not am', async () => {
    const out: Line[] = [];
    await replayFile(join(CAPTURES, '../captures-wide/GT-WT-02-01-gfile003_250k.cu8'), { progress: false }, (l) => out.push(JSON.parse(l)), silentLog);
    const lines = out.filter((l) => l.type === 'detection');
    expect(lines).toHaveLength(11);
    const dc = lines.filter((l) => Math.abs(l.centerHz) < 1000);
    expect(dc).toHaveLength(1);
    const s = dc[0].signal!;
    expect(s.class).toBe('carrier');
    expect(s.reasonCode?.id).toBe('ident.centreLine');
    expect(s.lowHz).toBeLessThanOrEqual(0);
    expect(s.highHz).toBeGreaterThanOrEqual(0);
    // it dips with the sensor's keying (87 dips 6.84 ms apart; the sensor: 88 pulses 6.74 ms apart), index 0.33
    expect(s.modulationIndex).toBeCloseTo(0.33, 2);
    expect(s.bursts).toBe(87);
    // no analog class elsewhere in the file: the sensor's rows read ook (or wideband-digital, one weak row)
    expect(lines.filter((l) => l.signal !== undefined && ['am', 'nfm', 'wfm'].includes(l.signal.class))).toHaveLength(0);
  });
});

