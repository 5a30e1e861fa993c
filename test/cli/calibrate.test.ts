// `quietband calibrate`: its help lists the flags a baseline depends on, not the detector's (it detects nothing).
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

/** The long option names of `command` as its --help lists them. */
function longs(command: string): string[] {
  const c = buildProgram().commands.find((x) => x.name() === command)!;
  return c.options.map((o) => o.long!);
}

const DETECTOR = ['--threshold-db', '--slow-threshold-db', '--min-duration-ms', '--hold-ms', '--dc-guard-hz'];

describe('calibrate flags', () => {
  it('lists the spectrum, baseline and input flags and none of the detector\'s; replay and run keep them', () => {
    const cal = longs('calibrate');
    expect(cal.filter((l) => DETECTOR.includes(l))).toEqual([]);
    for (const l of ['--fft-size', '--fast-fft-size', '--window', '--average', '--no-dc-removal', '--burst-scales-ms', '--band-plan', '--settle-samples', '--rate', '--center', '--seconds', '--output', '--source', '--config']) {
      expect(cal, l).toContain(l);
    }
    expect(longs('replay')).toEqual(expect.arrayContaining(DETECTOR));
    expect(longs('run')).toEqual(expect.arrayContaining(DETECTOR));
  });
});
