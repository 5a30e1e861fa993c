// Capture file-name parsing: every real capture in ../shared/captures, rtl_433 edge cases, gqrx and SatDump names.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCaptureFileName, parseScaledToken } from '../../src/source/file-name.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const capturesDir = resolve(repoRoot, '../shared/captures');
const truth = JSON.parse(readFileSync(resolve(capturesDir, 'truth.json'), 'utf8')) as {
  captures: Record<string, { rateSps: number; centerHz: number | null }>;
};

describe('parseCaptureFileName on the shared captures', () => {
  const files = readdirSync(capturesDir).filter((n) => !/\.(md|json)$/.test(n));
  it('covers all 19 captures', () => {
    expect(files).toHaveLength(19);
  });
  it.each(files)('%s', (name) => {
    const t = truth.captures[name];
    const got = parseCaptureFileName(resolve(capturesDir, name));
    if (t === undefined) {
      // The two URH files: MANIFEST says rate and centre are not stated (names say rateUnknown).
      expect(name).toMatch(/^urh_.*_rateUnknown\.cs(8|16)$/);
      expect(got).toEqual({});
    } else {
      expect(got.rateSps).toBe(t.rateSps);
      expect(got.centerHz).toBe(t.centerHz ?? undefined);
    }
  });
  it('gets the tricky ones right', () => {
    expect(parseCaptureFileName('dump1090_modes1_1090M_2000k.cu8')).toEqual({ centerHz: 1_090_000_000, rateSps: 2_000_000 });
    expect(parseCaptureFileName('danfoss_CFR_FSK_dfile001_250k.cu8')).toEqual({ rateSps: 250_000 });
    expect(parseCaptureFileName('cardin_S466-TX2_27.195M_250k.cu8')).toEqual({ centerHz: 27_195_000, rateSps: 250_000 });
    expect(parseCaptureFileName('ec3k_EnergyCount3000_FSK_868.3M_250k.cu8')).toEqual({ centerHz: 868_300_000, rateSps: 250_000 });
    expect(parseCaptureFileName('urh_homematic_rateUnknown.cs16')).toEqual({});
  });
});

describe('parseCaptureFileName patterns', () => {
  it('rtl_433 names with k and M rates', () => {
    expect(parseCaptureFileName('x_433.92M_250k.cu8')).toEqual({ centerHz: 433_920_000, rateSps: 250_000 });
    expect(parseCaptureFileName('g005_868.3M_1M.cu8')).toEqual({ centerHz: 868_300_000, rateSps: 1_000_000 });
    expect(parseCaptureFileName('a_1.09G_2.4M.cs16')).toEqual({ centerHz: 1_090_000_000, rateSps: 2_400_000 });
    expect(parseCaptureFileName('/tmp/dir_868M_1M/rec_433.92M_1024k.cu8')).toEqual({ centerHz: 433_920_000, rateSps: 1_024_000 });
  });
  it('a lone rate, a lone centre, nothing', () => {
    expect(parseCaptureFileName('x_2000k.cu8')).toEqual({ rateSps: 2_000_000 });
    expect(parseCaptureFileName('x_433.92M.cu8')).toEqual({ centerHz: 433_920_000 });
    // a lone M token above the RTL's 3.2 MS/s is a centre, even below 100 MHz: 27 MHz, not 27 MS/s
    expect(parseCaptureFileName('g001_27.195M.cu8')).toEqual({ centerHz: 27_195_000 });
    expect(parseCaptureFileName('foo_2.4M.cu8')).toEqual({ rateSps: 2_400_000 });
    expect(parseCaptureFileName('noinfo.cu8')).toEqual({});
    expect(parseCaptureFileName('x_250m.cu8')).toEqual({}); // lower-case m is milli, not mega
  });
  it('gqrx names give centre and rate in Hz', () => {
    expect(parseCaptureFileName('/rec/gqrx_20240131_235959_433920000_2400000_fc.raw')).toEqual({ centerHz: 433_920_000, rateSps: 2_400_000 });
  });
  it('SatDump names give SPS and Hz', () => {
    expect(parseCaptureFileName('2023-08-05_08-02-00_16000000SPS_2274000000Hz.s8')).toEqual({ centerHz: 2_274_000_000, rateSps: 16_000_000 });
  });
  it('parseScaledToken scales and rounds', () => {
    expect(parseScaledToken('27.195M')).toBe(27_195_000);
    expect(parseScaledToken('2.048M')).toBe(2_048_000);
    expect(parseScaledToken('250k')).toBe(250_000);
    expect(parseScaledToken('1.5G')).toBe(1_500_000_000);
    expect(parseScaledToken('M')).toBeUndefined();
    expect(parseScaledToken('12')).toBeUndefined();
  });
});
