// Runs a replay with --threads 1 and 2 and compares the outputs (replay-threads*.test.ts).
import { expect } from 'vitest';
import { replayFile, type ReplayFlags, type ReplaySummary } from '../../src/cli/replay.js';
import { silentLog } from '../helpers.js';

/** A replay's stdout lines and its summary less the wall-clock fields. */
export async function run(file: string, flags: ReplayFlags): Promise<{ lines: string[]; summary: Omit<ReplaySummary, 'wallS' | 'realtimeFactor' | 'detectWallS' | 'detectRealtimeFactor'> }> {
  const lines: string[] = [];
  const { wallS: _w, realtimeFactor: _r, detectWallS: _dw, detectRealtimeFactor: _dr, ...summary } = await replayFile(file, { logLevel: 'silent', progress: false, ...flags }, (l) => lines.push(l), silentLog);
  return { lines, summary };
}

/**
 * Replays `file` with --threads 1 and 2 (`flagsFor(threads)` adds per-run flags); expects the same bytes and returns
 * the single-thread lines.
 */
export async function sameBothWays(file: string, flags: ReplayFlags = {}, flagsFor: (threads: string) => ReplayFlags = () => ({})): Promise<string[]> {
  const one = await run(file, { ...flags, ...flagsFor('1'), threads: '1' });
  const two = await run(file, { ...flags, ...flagsFor('2'), threads: '2' });
  expect(two.lines.join('\n'), file).toBe(one.lines.join('\n'));
  expect(two.summary, file).toEqual(one.summary);
  return one.lines;
}

