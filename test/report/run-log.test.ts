// The daemon's run log: start/armed/stop records, and a run that ended without stopping dated by its last sign of life.
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { HEARTBEAT_FILE, readRunRecords, RunLog, RUNS_FILE, type RunRecord } from '../../src/report/run-log.js';
import { tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-runlog-');
afterAll(() => tmp.cleanup());
const log = pino({ level: 'silent' });
const SENSOR = { name: 'hall-a', centerHz: 433_920_000, rateSps: 1_000_000, source: 'sim', room: 'Hall A', baselinePath: '/cal/demo-hall-a.json' };
let n = 0;
const dirOf = (): string => {
  const d = join(tmp.dir, `d${n++}`);
  mkdirSync(d);
  return d;
};

describe('RunLog', () => {
  it('writes start (with its sensors), one armed per sensor, stop with the signal, and a heartbeat of this run', async () => {
    const dir = dirOf();
    let now = Date.parse('2026-12-07T20:41:16.000Z');
    const run = await RunLog.open({ dataDir: dir, sensors: [SENSOR], log, now: () => now });
    const hb = JSON.parse(readFileSync(join(dir, HEARTBEAT_FILE), 'utf8')) as { startedAt: string; aliveAt: string; pid: number };
    expect(hb).toEqual({ pid: process.pid, startedAt: '2026-12-07T20:41:16.000Z', aliveAt: '2026-12-07T20:41:16.000Z' });
    now += 10_400;
    run.armed('hall-a');
    run.armed('hall-a'); // seen armed again a second later: no second record
    now += 600_000;
    await run.close('SIGTERM');
    await run.close('SIGINT'); // idempotent
    expect(await readRunRecords(dir)).toEqual([
      { event: 'start', time: '2026-12-07T20:41:16.000Z', pid: process.pid, heartbeatMs: 10_000, sensors: [SENSOR] },
      { event: 'armed', time: '2026-12-07T20:41:26.400Z', sensor: 'hall-a' },
      { event: 'stop', time: '2026-12-07T20:51:26.400Z', reason: 'SIGTERM' },
    ]);
  });

  it('a run with no stop record (crash, power cut) is closed by the next start at its last heartbeat, resolution its heartbeat period', async () => {
    const dir = dirOf();
    const start: RunRecord = { event: 'start', time: '2026-12-07T20:00:00.000Z', pid: 1, heartbeatMs: 10_000, sensors: [SENSOR] };
    writeFileSync(join(dir, RUNS_FILE), `${JSON.stringify(start)}\n{"event":"arm`); // torn last line
    writeFileSync(join(dir, HEARTBEAT_FILE), JSON.stringify({ pid: 1, startedAt: start.time, aliveAt: '2026-12-07T20:07:30.000Z' }));
    const run = await RunLog.open({ dataDir: dir, sensors: [SENSOR], log, now: () => Date.parse('2026-12-07T20:30:00.000Z') });
    await run.close('SIGINT');
    const recs = await readRunRecords(dir);
    expect(recs.map((r) => r.event)).toEqual(['start', 'stop', 'start', 'stop']);
    expect(recs[1]).toEqual({ event: 'stop', time: '2026-12-07T20:07:30.000Z', reason: 'unclean', lastSign: 'heartbeat', resolutionMs: 10_000, recordedAt: '2026-12-07T20:30:00.000Z' });
  });

  it('without that run\'s heartbeat, the alert store\'s last write dates the end (no bound stated); a clean stop adds nothing', async () => {
    const dir = dirOf();
    const start: RunRecord = { event: 'start', time: '2026-12-07T20:00:00.000Z', pid: 1, heartbeatMs: 10_000, sensors: [SENSOR] };
    writeFileSync(join(dir, RUNS_FILE), `${JSON.stringify(start)}\n`);
    // a heartbeat of another run (an older daemon's) does not date this one
    writeFileSync(join(dir, HEARTBEAT_FILE), JSON.stringify({ pid: 1, startedAt: '2026-12-06T08:00:00.000Z', aliveAt: '2026-12-06T18:00:00.000Z' }));
    writeFileSync(join(dir, 'alerts.jsonl'), '');
    utimesSync(join(dir, 'alerts.jsonl'), new Date('2026-12-07T20:05:00.000Z'), new Date('2026-12-07T20:05:00.000Z'));
    const run = await RunLog.open({ dataDir: dir, sensors: [], log, now: () => Date.parse('2026-12-07T20:30:00.000Z') });
    await run.close('stopped');
    const again = await RunLog.open({ dataDir: dir, sensors: [], log, now: () => Date.parse('2026-12-07T20:40:00.000Z') });
    await again.close('SIGINT');
    const recs = await readRunRecords(dir);
    expect(recs[1]).toEqual({ event: 'stop', time: '2026-12-07T20:05:00.000Z', reason: 'unclean', lastSign: 'alert-store', recordedAt: '2026-12-07T20:30:00.000Z' });
    expect(recs.map((r) => `${r.event}${r.event === 'stop' ? `:${r.reason}` : ''}`)).toEqual(['start', 'stop:unclean', 'start', 'stop:stopped', 'start', 'stop:SIGINT']);
  });
});
