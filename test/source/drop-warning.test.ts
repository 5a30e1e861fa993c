// DropWarning: one line for the first gap, then at most one summary line per period with the count, the rest at close.
// (SoapySource and RtlSdrSource log through it: test/source/soapy-fake.test.ts, test/source/rtlsdr-source.test.ts.)
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DropWarning } from '../../src/source/drop-warning.js';

interface Line {
  msg: string;
  first?: boolean;
  gaps?: number;
  lostBlocks: number;
  lostSamples?: number;
  totalGaps?: number;
  totalLostBlocks?: number;
}

/** A pino logger (level warn) whose lines land in `lines`. */
function capturingLogger(lines: Line[]): pino.Logger {
  return pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DropWarning', () => {
  it('a gap every 100 ms for 25 s: the first logged at once, one summary at 10 s and 20 s, the rest at close; 4 lines for 250 gaps', () => {
    vi.useFakeTimers();
    const lines: Line[] = [];
    const w = new DropWarning(capturingLogger(lines), 'samples lost', { fields: { poolSlots: 8 } });
    for (let i = 0; i < 250; i++) {
      w.note(2, 65536);
      vi.advanceTimersByTime(100);
    }
    // gaps at t = 0, 0.1, …, 24.9 s: the first at once; 99 counted in [0, 10) s, 100 in [10, 20) s, 50 left at close
    expect(lines.map((l) => l.gaps ?? 'first')).toEqual(['first', 99, 100]);
    expect(lines[0]).toMatchObject({ first: true, lostBlocks: 2, lostSamples: 65536, poolSlots: 8, msg: 'samples lost' });
    expect(lines[1]).toMatchObject({ gaps: 99, lostBlocks: 198, lostSamples: 99 * 65536, totalGaps: 100, totalLostBlocks: 200 });
    expect(lines[1]!.msg).toBe('samples lost (99 more gaps in the last 10 s)');
    w.close();
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ gaps: 50, totalGaps: 250, totalLostBlocks: 500 });
    expect(w.totals).toEqual({ gaps: 250, blocks: 500, samples: 250 * 65536 });
    w.close();
    expect(lines).toHaveLength(4);
  });

  it('a quiet period ends the series: the next gap is logged at once; unknown sample counts are left out', () => {
    vi.useFakeTimers();
    const lines: Line[] = [];
    const w = new DropWarning(capturingLogger(lines), 'blocks dropped');
    w.note(1);
    vi.advanceTimersByTime(10_000); // nothing counted in the period: no line, the series ends
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(30_000);
    w.note(3);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ first: true, lostBlocks: 3 });
    expect(lines[1]).not.toHaveProperty('lostSamples');
    w.close();
    expect(lines).toHaveLength(2);
  });
});
