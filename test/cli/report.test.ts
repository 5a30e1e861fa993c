// `quietband report` without a store where it looks: after the demo (data in ./data/demo) the error names the demo's
// folder and the flag that reads it, in the terminal's language; without a demo store it says the store is unreadable.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildOnce, tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-report-cli-');
beforeAll(() => buildOnce());
afterAll(() => tmp.cleanup());

/**
 * `quietband report --session s [...flags]` run in the temp folder (its ./data the default store) under `lang`;
 * status, stdout and stderr.
 */
function report(lang: string, flags: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'report', '--session', 's', '-o', join(tmp.dir, 'r.html'), ...flags], {
    cwd: tmp.dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, LC_ALL: '', LC_MESSAGES: '', LANG: lang, QUIETBAND_LOG_FORMAT: 'json' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('quietband report: no alert store in ./data', () => {
  it('after the demo (./data/demo/alerts.jsonl) names the demo folder and --data-dir, in Chinese under LANG=zh_CN', () => {
    mkdirSync(join(tmp.dir, 'data', 'demo'), { recursive: true });
    writeFileSync(join(tmp.dir, 'data', 'demo', 'alerts.jsonl'), '{"seq":1,"alertId":"demo-1"}\n');
    const data = join(tmp.dir, 'data');
    const zh = report('zh_CN.UTF-8');
    expect(zh.code).toBe(2); // bad input (README): no store where it looked
    expect(zh.stderr).toBe(`quietband: ${data} 中没有告警存储（${data}/alerts.jsonl 不存在）；演示（npm start，或不带参数的 quietband run）的告警保存在 ./data/demo：请加上 --data-dir ./data/demo\n`);
    expect(report('C.UTF-8').stderr).toBe(`quietband: no alert store in ${data} (${data}/alerts.jsonl does not exist); the demo (npm start, or quietband run without flags) keeps its alerts in ./data/demo: pass --data-dir ./data/demo\n`);
  });

  it('without a demo store: the store cannot be read, in Chinese under LANG=zh_CN (was English)', () => {
    rmSync(join(tmp.dir, 'data'), { recursive: true, force: true });
    const zh = report('zh_CN.UTF-8');
    expect(zh.code).toBe(2);
    // the OS error in Chinese words with its code, the path not said twice
    expect(zh.stderr).toMatch(/^quietband: 无法读取告警存储 \S+\/data\/alerts\.jsonl（找不到该文件或文件夹［ENOENT］）\n$/);
  });

  it('--data-dir naming no folder is bad input: exit 2 with the one line (was exit 1)', () => {
    const r = report('C.UTF-8', ['--data-dir', './nodir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`quietband: cannot read the alert store ${join(tmp.dir, 'nodir', 'alerts.jsonl')} (ENOENT: no such file or directory, open '${join(tmp.dir, 'nodir', 'alerts.jsonl')}')\n`);
  });
});

describe('quietband report: the summary line', () => {
  it('in Chinese with --lang zh-CN (was English), in English under C.UTF-8', () => {
    const dataDir = join(tmp.dir, 'store');
    mkdirSync(dataDir, { recursive: true });
    const alert = { seq: 1, alertId: 'hall-1', site: 'hall', sensor: 'room-1', kind: 'transmission', event: 'open', state: 'new', severity: 'high', session: 's', time: '2026-06-07T01:30:00.000Z', startTime: '2026-06-07T01:30:00.000Z', centerHz: 433_920_000 };
    writeFileSync(join(dataDir, 'alerts.jsonl'), `${JSON.stringify(alert)}\n`);
    const zh = report('C.UTF-8', ['--data-dir', dataDir, '--lang', 'zh-CN']);
    expect(zh.code).toBe(0);
    expect(zh.stdout).toBe(`考试场次“s”（考点 hall）的报告：告警 1 条，传感器中断 0 次 → ${join(tmp.dir, 'r.html')}\n`);
    expect(report('C.UTF-8', ['--data-dir', dataDir]).stdout).toBe(`report of session "s" at hall: 1 alert, 0 outages → ${join(tmp.dir, 'r.html')}\n`);
  });
});

describe('quietband report --data-dir of a daemon (no --config): its run log', () => {
  it('fills the sensor table as the web report does (source, centre, rate, room, baseline) and counts the daemon\'s stops', () => {
    const dataDir = join(tmp.dir, 'demo-store');
    const cal = join(tmp.dir, 'cal');
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(cal, { recursive: true });
    const base = { site: 'demo', sensor: 'hall-a-433', kind: 'transmission', state: 'new', severity: 'high', session: 's', centerHz: 433_920_000 };
    writeFileSync(join(dataDir, 'alerts.jsonl'), [
      { ...base, seq: 1, alertId: 'demo-1', event: 'open', time: '2026-12-07T20:35:00.000Z', startTime: '2026-12-07T20:35:00.000Z' },
      { ...base, seq: 2, alertId: 'demo-1', event: 'close', time: '2026-12-07T20:59:00.000Z', endTime: '2026-12-07T20:59:00.000Z' },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const sensors = [
      { name: 'hall-a-433', centerHz: 433_920_000, rateSps: 1_000_000, source: 'sim', room: 'Hall A', baselinePath: join(cal, 'demo-hall-a-433.json') },
      { name: 'hall-b-868', centerHz: 868_300_000, rateSps: 250_000, source: 'sim', room: 'Hall B', baselinePath: join(cal, 'demo-hall-b-868.json') },
    ];
    writeFileSync(join(cal, 'demo-hall-a-433.json'), JSON.stringify({ createdAt: '2026-12-07T18:35:00.000Z' }));
    const runs = [
      { event: 'start', time: '2026-12-07T20:30:00.000Z', pid: 1, heartbeatMs: 10_000, sensors },
      { event: 'armed', time: '2026-12-07T20:30:10.000Z', sensor: 'hall-a-433' },
      { event: 'armed', time: '2026-12-07T20:30:10.000Z', sensor: 'hall-b-868' },
      { event: 'stop', time: '2026-12-07T20:40:28.000Z', reason: 'SIGINT' },
      { event: 'start', time: '2026-12-07T20:41:16.000Z', pid: 2, heartbeatMs: 10_000, sensors },
      { event: 'armed', time: '2026-12-07T20:41:26.000Z', sensor: 'hall-a-433' },
      { event: 'armed', time: '2026-12-07T20:41:26.000Z', sensor: 'hall-b-868' },
    ];
    writeFileSync(join(dataDir, 'runs.jsonl'), runs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const zh = report('C.UTF-8', ['--data-dir', dataDir, '--lang', 'zh-CN']);
    expect(zh.stderr).toBe('');
    expect(zh.stdout).toBe(`考试场次“s”（考点 demo）的报告：告警 1 条，传感器中断 0 次，无监测 58 秒（守护进程停止 1 次） → ${join(tmp.dir, 'r.html')}\n`);
    const html = readFileSync(join(tmp.dir, 'r.html'), 'utf8');
    expect(html).toContain('<tr><td>hall-a-433</td><td>Hall A</td><td>sim</td><td>433.9200 MHz</td><td>1000 kS/s</td><td>2026-12-07 18:35:00（开始前 2.0 小时）</td></tr>');
    expect(html).toContain('<tr><td>hall-b-868</td><td>Hall B</td><td>sim</td><td>868.3000 MHz</td><td>250 kS/s</td><td>未保存</td></tr>');
    expect(html).toContain('<span id="unmonitored">无监测共 58 秒（守护进程停止 1 次，传感器预热 2 次）。</span>');
  });
});
