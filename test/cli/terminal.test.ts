// The terminal: one readable line per log record on a TTY, JSON when piped, one line per dongle retry, usage hints, countdowns.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clockShare, Countdown, remainingText, warmupLengthS, watchWarmup, type WarmupHealth } from '../../src/cli/countdown.js';
import { sensorLine } from '../../src/cli/run.js';
import { applySiteDefaults, loadSiteConfigFile } from '../../src/config/site-config.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { lockDataDir } from '../../src/site/data-dir.js';
import { sessionSpan } from '../../src/site/site-field.js';
import { join } from 'node:path';
import { ZH_LOG_MESSAGES } from '../../src/log-messages-zh.js';
import { errorMessageIn } from '../../src/error-text.js';
import { NO_CLIP_MESSAGE } from '../../src/evidence/detection-evidence.js';
import type { CalibrationEmitter } from '../../src/baseline/emitters.js';
import { reportEmitters } from '../../src/cli/calibrate.js';
import { alertMessageIn } from '../../src/server/message-text.js';
import { resolveLogLang, terminalWords } from '../../src/log-words.js';
import { pino } from 'pino';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { det, memoryLogger } from '../server/helpers.js';
import { checkLogFormat, clockText, prettyMessage, resolveLogFormat, withBindings } from '../../src/log.js';
import { BIN, buildOnce, REPO, runCliAsync, tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-terminal-');
beforeAll(() => buildOnce());
afterAll(() => tmp.cleanup());

/** The CLI run before the next may start: one at a time (each start-up is a CPU-bound second on a loaded 2-core machine). */
let cliQueue: Promise<unknown> = Promise.resolve();

/**
 * Runs the CLI with stderr piped (not a terminal), without blocking the event loop: the file's daemons run meanwhile
 * (the CLI runs themselves one after another); resolves with status and both streams once they closed.
 */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const done = cliQueue.then(() => runCliAsync(args, 60_000, { QUIETBAND_LOG_FORMAT: '', ...env }));
  cliQueue = done.catch(() => undefined);
  return done;
}

/** A writable that says it is a terminal (so Countdown draws) and keeps what was written (`text()`). */
function ttyStream(): { stream: Writable & { isTTY: true }; text: () => string } {
  let out = '';
  const stream = Object.assign(
    new Writable({
      write(c: Buffer, _e, cb) {
        out += c.toString();
        cb();
      },
    }),
    { isTTY: true as const, columns: 120, cursorTo: () => true, moveCursor: () => true, clearLine: () => true, clearScreenDown: () => true },
  );
  return { stream, text: () => out };
}

// Every suite but the countdown's (fake timers) runs its tests side by side, each with its own output and data dir: the
// two daemons mostly wait (a warm-up, reopen delays) while the CLI runs go one after another (cli()).
describe.concurrent('the terminal', () => {
  describe('log lines', () => {
    it('reads an alert as one line with its frequency, band, session and seq', () => {
      const line = prettyMessage({ level: 30, time: 0, app: 'quietband', site: 'hall', component: 'alert-bus', msg: 'alert', seq: 9, alertId: 'demo-9', sensor: 'hall-a-433', kind: 'transmission', event: 'open', state: 'new', severity: 'high', centerHz: 434_040_059, bandLabel: 'ISM 433 MHz', session: '数学 Maths' });
      expect(line).toBe('[hall-a-433] ALERT open high transmission 434.040 MHz ISM 433 MHz (unacknowledged; session 数学 Maths, demo-9 seq 9)');
    });

    it('says how late a late alert came (its lateMs), as the bus logs it, in English and Chinese', async () => {
      const t = tempDir('qb-late-line-');
      const { logger, lines } = memoryLogger('info');
      const store = await AlertStore.open({ dataDir: t.dir, site: 'hall' });
      const bus = new AlertBus({ store, logger });
      await bus.handleDetection('hall-a-433', det(120, 'open'), { lateMs: 31_640, bandLabel: 'ISM 433 MHz' });
      await bus.close();
      await store.close();
      t.cleanup();
      const rec = lines.find((l) => l.msg === 'alert')!;
      expect(rec.lateMs).toBe(31_640);
      expect(prettyMessage(rec)).toBe('[hall-a-433] ALERT open high transmission 434.040 MHz ISM 433 MHz (unacknowledged; 31.6 s late, hall-1 seq 1)');
      expect(prettyMessage(rec, 'zh-CN')).toBe('【hall-a-433】告警 发出 高 无线发射 434.040 MHz ISM 433 MHz（未确认；延迟 31.6 秒，hall-1 seq 1）');
      expect(prettyMessage({ ...rec, lateMs: 1000 }, 'zh-CN')).toContain('（未确认；延迟 1 秒，hall-1 seq 1）');
      // late because its samples waited on the receiver's link: how much of it
      expect(prettyMessage({ ...rec, lateMs: 2173, lateLinkMs: 2133 })).toContain("(unacknowledged; 2.2 s late (2.1 s on the receiver's link), hall-1 seq 1)");
      expect(prettyMessage({ ...rec, lateMs: 2173, lateLinkMs: 2133 }, 'zh-CN')).toContain('（未确认；延迟 2.2 秒（接收机链路上 2.1 秒），hall-1 seq 1）');
    });

    it('names who acknowledged', () => {
      expect(prettyMessage({ msg: 'alert', sensor: 's1', kind: 'transmission', event: 'ack', state: 'acknowledged', severity: 'high', centerHz: 433_920_000, alertId: 'h-1', seq: 4, ackBy: 'Wang Fang (supervisor@10.0.0.5)' })).toBe(
        '[s1] ALERT ack high transmission 433.920 MHz (acknowledged; by Wang Fang (supervisor@10.0.0.5), h-1 seq 4)',
      );
      // an alert given back by removing its known mark: "restored", and who removed the mark (not its handler), the
      // identity in the line's language and brackets as the page words it
      const back = { msg: 'alert', sensor: 's1', kind: 'transmission', event: 'unmark', state: 'new', severity: 'high', centerHz: 433_920_000, alertId: 'h-1', seq: 9, ackBy: '王芳 (local@127.0.0.1)' };
      expect(prettyMessage(back)).toBe('[s1] ALERT restored high transmission 433.920 MHz (unacknowledged; known mark removed by 王芳 (local@127.0.0.1), h-1 seq 9)');
      expect(prettyMessage(back, 'zh-CN')).toBe('【s1】告警 已恢复 高 无线发射 433.920 MHz（未确认；由 王芳（本机@127.0.0.1） 移除标记，h-1 seq 9）');
      // a new mark: under which name (the page's row: 已知：门卫对讲机) and by whom
      expect(prettyMessage({ ...back, event: 'known', state: 'known', severity: 'info', ackBy: '王老师 (local@127.0.0.1)', knownLabel: '门卫对讲机' }, 'zh-CN')).toBe('【s1】告警 标记为已知 提示 无线发射 433.920 MHz（已知：门卫对讲机；处理人 王老师（本机@127.0.0.1），h-1 seq 9）');
      expect(prettyMessage({ ...back, event: 'known', state: 'known', severity: 'info', ackBy: 'Ms Smith (local@127.0.0.1)', knownLabel: 'Office mic' })).toBe('[s1] ALERT known info transmission 433.920 MHz (known: Office mic; by Ms Smith (local@127.0.0.1), h-1 seq 9)');
      expect(prettyMessage({ ...back, ackBy: 'supervisor (local@127.0.0.1)' }, 'zh-CN')).toContain('由 未署名（本机@127.0.0.1） 移除标记');
    });

    it('the known-mark lines say its label and who added or removed it', () => {
      const added = { msg: 'known emitter added', sensor: 'hall-a-433', lowHz: 434_036_000, highHz: 434_044_000, label: '门卫对讲机', alertId: 'demo-117', by: '王老师 (local@127.0.0.1)' };
      expect(prettyMessage(added, 'zh-CN')).toBe('【hall-a-433】已添加已知发射源  lowHz=434.036 MHz highHz=434.044 MHz label=门卫对讲机 alertId=demo-117 by=王老师（本机@127.0.0.1）');
      expect(prettyMessage({ ...added, msg: 'known emitter removed', alertId: undefined, by: 'Ms Smith (local@127.0.0.1)', label: 'Office mic' })).toBe(
        '[hall-a-433] known emitter removed  lowHz=434.036 MHz highHz=434.044 MHz label="Office mic" by="Ms Smith (local@127.0.0.1)"');
    });

    it('reads a state change, an error and long fields shortly', () => {
      expect(prettyMessage({ msg: 'sensor state', sensor: 's1', component: 'sensor', state: 'armed' })).toBe('[s1] state → armed');
      // fractions are rounded for a person (four significant digits), whole numbers stay whole
      expect(prettyMessage({ msg: 'baseline learned from the recording', frames: 44776, seconds: 9.999872, ppm: 1.23456 })).toBe(
        'baseline learned from the recording  frames=44776 seconds=10 s ppm=1.235');
      expect(prettyMessage({ msg: 'cannot write', component: 'alert-store', err: { type: 'Error', message: 'no space', code: 'ENOSPC', stack: 'Error: …' } })).toBe('[alert-store] cannot write  err="ENOSPC: no space"');
      const long = prettyMessage({ msg: 'x', why: 'w'.repeat(400) });
      expect(long.length).toBe('x  why='.length + 160);
      expect(long.endsWith('…')).toBe(true);
    });

    it('quotes a value with a space, = or " in it, so it cannot read as the next field; the centre follows the message', () => {
      expect(prettyMessage({ msg: 'stream started', sensor: 'hall-b-868', run: 1, label: 'sim', centerHz: 868_300_000, rateSps: 250_000 })).toBe('[hall-b-868] stream started (centre 868.300 MHz)  run=1 label=sim rateSps=250 kS/s');
      expect(prettyMessage({ msg: 'x', label: 'rtl_tcp 10.0.0.5:1234', note: 'a=b', q: 'say "hi"', empty: '', n: 3 })).toBe('x  label="rtl_tcp 10.0.0.5:1234" note="a=b" q="say \\"hi\\"" empty="" n=3');
      expect(prettyMessage({ msg: 'x', err: { message: 'no space left', code: 'ENOSPC' } })).toBe('x  err="ENOSPC: no space left"');
      // objects and arrays in words, unquoted: their brackets delimit them
      expect(prettyMessage({ msg: 'x', sensors: ['hall-a=sim', 'b c'], fp: { window: 'hann' } })).toBe('x  sensors=[hall-a=sim, b c] fp=(window=hann)');
    });

    it('words field values as the demo logs them: units from the field name, yes/no, times, lists, objects, codes (en, zh)', () => {
      const reserve = { msg: 'alert store: space reserve in place', component: 'alert-store', file: '/d/alerts.reserve', bytes: 1_048_576 };
      expect(prettyMessage(reserve)).toBe('[alert-store] alert store: space reserve in place  file=/d/alerts.reserve bytes=1 MB');
      const listening = { msg: 'server listening', component: 'server', url: 'http://127.0.0.1:8080/', authRequired: false, tls: false };
      expect(prettyMessage(listening)).toBe('[server] server listening  url=http://127.0.0.1:8080/ authRequired=no tls=no');
      expect(prettyMessage(listening, 'zh-CN')).toBe('【server】网页服务已启动  url=http://127.0.0.1:8080/ authRequired=否 tls=否');
      const running = { msg: 'site running', sensors: ['hall-a-433=sim', 'hall-b-868=sim'], lastSeq: 0, recoveredAlerts: 0 };
      expect(prettyMessage(running)).toBe('site running  sensors=[hall-a-433=sim, hall-b-868=sim] lastSeq=0 recoveredAlerts=0');
      expect(prettyMessage(running, 'zh-CN')).toBe('考点已运行  sensors=［hall-a-433=sim、hall-b-868=sim］ lastSeq=0 recoveredAlerts=0');
      const inUse = { msg: 'baseline in use', sensor: 'hall-a-433', method: 'warmup', createdAt: '2026-12-07T23:28:08.780Z' };
      // the time in the zone of the line's own HH:MM:ss (whole-hour zones keep minutes and seconds)
      expect(prettyMessage(inUse)).toMatch(/^\[hall-a-433\] baseline in use {2}method=warm-up createdAt=2026-12-0[78] \d\d:28:08$/);
      expect(prettyMessage(inUse, 'zh-CN')).toMatch(/^【hall-a-433】正在使用基线 {2}method=预热 createdAt=2026-12-0[78] \d\d:28:08$/);
      const clip = { msg: 'evidence clip written', sensor: 'hall-a-433', clip: '/d/c.sigmf-meta', seconds: 2.559, rateSps: 25_000, bytes: 127_930, fullRateBytes: 5_117_248, bandMs: 1271 };
      expect(prettyMessage(clip)).toBe('[hall-a-433] evidence clip written  clip=/d/c.sigmf-meta seconds=2.559 s rateSps=25 kS/s bytes=128 kB fullRateBytes=5.1 MB bandMs=1.3 s');
      expect(prettyMessage(clip, 'zh-CN')).toBe('【hall-a-433】证据片段已写入  clip=/d/c.sigmf-meta seconds=2.559 秒 rateSps=25 kS/s bytes=128 kB fullRateBytes=5.1 MB bandMs=1.3 秒');
      const cut = { msg: 'evidence clip shortened to its byte budget', sensor: 'hall-a-433', centerHz: 434_170_000, id: 3, rateSps: 200_000, maxBytes: 1_000_000, cutPreS: 0.5064, cutPostS: 1 };
      expect(prettyMessage(cut, 'zh-CN')).toBe('【hall-a-433】证据片段已按字节上限截短（中心 434.170 MHz）  id=3 rateSps=200 kS/s maxBytes=1 MB cutPreS=0.5064 秒 cutPostS=1 秒');
      // levels, shares, spans in their units; an epoch time as a date; the sensor and alert codes in Chinese words
      expect(prettyMessage({ msg: 'x', lowHz: 433_900_000, bandwidthHz: 12_500, peakExcessDb: 18.46, clipFraction: 0.0123, maxAgeH: 24, sinceMs: 120 }, 'zh-CN')).toBe(
        'x  lowHz=433.900 MHz bandwidthHz=12.5 kHz peakExcessDb=18.46 dB clipFraction=1.23 % maxAgeH=24 小时 sinceMs=120 毫秒');
      expect(prettyMessage({ msg: 'x', state: 'armed', kind: 'sensor-offline', severity: 'high' }, 'zh-CN')).toBe('x  state=监测中 kind=传感器离线 severity=高');
    });

    it('the exam sessions line gives each session in the site zone to the minute, not raw ISO (was 2026-12-08T00:13–2026-12-08T08:13)', () => {
      const startMs = Date.parse('2026-12-08T00:13:00Z');
      expect(sessionSpan({ name: '演示考试 Demo exam', startMs, endMs: startMs + 8 * 3_600_000 }, 'UTC')).toBe('演示考试 Demo exam 2026-12-08 00:13–08:13');
      // Asia/Shanghai (UTC+8): 16:13 the same day to 00:13 the next, the end's date given
      expect(sessionSpan({ name: 'Night', startMs: startMs + 8 * 3_600_000, endMs: startMs + 16 * 3_600_000 }, 'Asia/Shanghai')).toBe('Night 2026-12-08 16:13–2026-12-09 00:13');
    });

    it('the exam sessions line words the calibration settings, en and zh, never as JSON', () => {
      const rec = { msg: 'exam sessions', component: 'field', sessions: ['Maths 09:00–11:00'], timeZone: 'Asia/Shanghai', calibration: { windowMin: 20, seconds: 60, maxAgeH: 24 } };
      expect(prettyMessage(rec)).toBe('[field] exam sessions  sessions=[Maths 09:00–11:00] timeZone=Asia/Shanghai calibration 20 min before (60 s; baselines valid 24 h)');
      expect(prettyMessage(rec, 'zh-CN')).toBe('【field】考试场次  sessions=［Maths 09:00–11:00］ timeZone=Asia/Shanghai 校准 开考前 20 分钟（录制 60 秒；基线有效期 24 小时）');
      expect(prettyMessage({ ...rec, calibration: { windowMin: 0, seconds: 60, maxAgeH: 12 } })).toContain(' calibration off (baselines valid 12 h)');
      expect(prettyMessage({ ...rec, calibration: { windowMin: 0, seconds: 60, maxAgeH: 12 } }, 'zh-CN')).toContain(' 校准 关闭（基线有效期 12 小时）');
      // a `calibration` field of another shape stays a field
      expect(prettyMessage({ msg: 'x', calibration: 'due' })).toBe('x  calibration=due');
    });

    it('an unknown centre reads "centre unknown", never "0.000 MHz"', () => {
      expect(prettyMessage({ msg: 'replay', format: 'cu8', rateSps: 250_000, centerHz: null })).toBe('replay (centre unknown)  format=cu8 rateSps=250 kS/s');
      expect(prettyMessage({ msg: 'stream started', sensor: 's1', centerHz: 0 })).toBe('[s1] stream started (centre unknown)');
      expect(prettyMessage({ msg: 'stream started', sensor: 's1', centerHz: 433_920_000 })).toBe('[s1] stream started (centre 433.920 MHz)');
    });

    it('a replay of a raw file without a centre logs centerHz null (JSON) and "centre unknown" (pretty), not 0', async () => {
      const file = '../shared/captures/danfoss_CFR_FSK_dfile001_250k.cu8';
      const [json, pretty] = await Promise.all([cli(['replay', file], { QUIETBAND_LOG_FORMAT: 'json' }), cli(['replay', file], { QUIETBAND_LOG_FORMAT: 'pretty' })]);
      expect(json.code).toBe(0);
      const start = json.stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; centerHz?: number | null }).find((r) => r.msg === 'replay')!;
      expect(start.centerHz).toBeNull();
      expect(pretty.stderr).not.toMatch(/0\.000 MHz/);
      expect(pretty.stderr.match(/centre unknown/g)?.length).toBe(2); // the start and the summary lines
    });

    it('binds a key once: a child of a logger that has it already writes it once per line', () => {
      const out: string[] = [];
      const sink = new Writable({ write: (c: Buffer, _e, cb) => { out.push(c.toString('utf8')); cb(); } });
      const root = pino({ base: null, timestamp: false }, sink).child({ component: 'sensor', sensor: 'hall-a' });
      withBindings(root, { sensor: 'hall-a', site: 'demo' }).info({ id: 3 }, 'evidence clip written');
      const line = out.join('').trim();
      expect(line.match(/"sensor":/g)?.length).toBe(1);
      expect(JSON.parse(line)).toEqual({ level: 30, component: 'sensor', sensor: 'hall-a', site: 'demo', id: 3, msg: 'evidence clip written' });
    });

    it('zh-CN: the messages, the alert and state words and the time left are Chinese; field names and values stay', () => {
      expect(prettyMessage({ msg: 'alert', sensor: 'hall-a-433', kind: 'transmission', event: 'open', state: 'new', severity: 'high', centerHz: 434_040_059, bandLabel: 'ISM 433 MHz', alertId: 'demo-9', seq: 9, session: '数学' }, 'zh-CN')).toBe(
        '【hall-a-433】告警 发出 高 无线发射 434.040 MHz ISM 433 MHz（未确认；考试场次 数学，demo-9 seq 9）',
      );
      // the class the record carries on its alert line (a late identification's is on its own info line, in Chinese)
      const closed = { msg: 'alert', sensor: 'hall-a-433', kind: 'transmission', event: 'close', state: 'new', severity: 'high', centerHz: 433_860_000, bandLabel: 'ISM 433 MHz', signalClass: 'nfm', alertId: 'demo-4', seq: 12 };
      expect(prettyMessage(closed, 'zh-CN')).toBe('【hall-a-433】告警 结束 高 无线发射 433.860 MHz ISM 433 MHz 识别为窄调频（未确认；demo-4 seq 12）');
      expect(prettyMessage(closed)).toBe('[hall-a-433] ALERT close high transmission 433.860 MHz ISM 433 MHz class nfm (unacknowledged; demo-4 seq 12)');
      expect(prettyMessage({ ...closed, signalClass: 'unknown' }, 'zh-CN')).toBe('【hall-a-433】告警 结束 高 无线发射 433.860 MHz ISM 433 MHz（未确认；demo-4 seq 12）');
      // a guess (signalConfidence below LOW_CONFIDENCE) marked as the web UI, the report and replay mark it; 0.5 is none
      expect(prettyMessage({ ...closed, signalConfidence: 0.41 })).toBe('[hall-a-433] ALERT close high transmission 433.860 MHz ISM 433 MHz class nfm? guess 41 % (unacknowledged; demo-4 seq 12)');
      expect(prettyMessage({ ...closed, signalConfidence: 0.41 }, 'zh-CN')).toBe('【hall-a-433】告警 结束 高 无线发射 433.860 MHz ISM 433 MHz 识别为窄调频？ 推测 41 %（未确认；demo-4 seq 12）');
      expect(prettyMessage({ ...closed, signalConfidence: 0.5 })).toContain(' class nfm (unacknowledged;');
      // below the class floor: unknown, the closest class named as a hint (the record's signalClosest)
      const floored = { ...closed, signalClass: 'unknown', signalClosest: 'nfm', signalConfidence: 0.05 };
      expect(prettyMessage(floored)).toBe('[hall-a-433] ALERT close high transmission 433.860 MHz ISM 433 MHz class unknown (closest: nfm, 5 %) (unacknowledged; demo-4 seq 12)');
      expect(prettyMessage(floored, 'zh-CN')).toBe('【hall-a-433】告警 结束 高 无线发射 433.860 MHz ISM 433 MHz 识别为未知（最接近：窄调频，5 %）（未确认；demo-4 seq 12）');
      expect(prettyMessage({ msg: 'identification added to its closed alert', sensor: 'hall-a-433', alertId: 'demo-4', class: 'nfm', final: true, afterCloseMs: 2100 }, 'zh-CN')).toBe(
        '【hall-a-433】识别结果已补入已结束的告警  alertId=demo-4 class=nfm final=是 afterCloseMs=2.1 秒',
      );
      // a raised alert carries the mark replay's notes show (src/text-template.ts RAISE_MARK_TEXT), on its alert line and on the late identification's
      const raised = { ...closed, centerHz: 230_025_000, bandLabel: '223–235 MHz', raise: 'raise.unexpected' };
      expect(prettyMessage(raised, 'zh-CN')).toBe('【hall-a-433】告警 结束 高 无线发射 230.025 MHz 223–235 MHz 识别为窄调频 ▲ 调制与频段不符（未确认；demo-4 seq 12）');
      expect(prettyMessage(raised)).toBe('[hall-a-433] ALERT close high transmission 230.025 MHz 223–235 MHz class nfm ▲ unusual for this band (unacknowledged; demo-4 seq 12)');
      expect(prettyMessage({ ...raised, raise: 'raise.voice' }, 'zh-CN')).toContain(' 识别为窄调频 ▲ 语音链路（');
      expect(prettyMessage({ ...raised, raise: 'raise.future' })).toContain(' class nfm ▲ (');
      const lateRaised = { msg: 'identification added to its closed alert', sensor: 'hall-a-433', alertId: 'demo-4', class: 'nfm', final: true, afterCloseMs: 2100, raise: 'raise.unexpected' };
      expect(prettyMessage(lateRaised, 'zh-CN')).toBe('【hall-a-433】识别结果已补入已结束的告警 ▲ 调制与频段不符  alertId=demo-4 class=nfm final=是 afterCloseMs=2.1 秒');
      expect(prettyMessage(lateRaised)).toBe('[hall-a-433] identification added to its closed alert ▲ unusual for this band  alertId=demo-4 class=nfm final=yes afterCloseMs=2.1 s');
      // its class marked as a guess by the record's confidence, as the alert line marks it (0.5 is none)
      expect(prettyMessage({ ...lateRaised, raise: undefined, final: undefined, afterCloseMs: undefined, confidence: 0.41 })).toBe('[hall-a-433] identification added to its closed alert  alertId=demo-4 class=nfm? confidence=0.41');
      expect(prettyMessage({ ...lateRaised, raise: undefined, confidence: 0.41 }, 'zh-CN')).toBe('【hall-a-433】识别结果已补入已结束的告警  alertId=demo-4 class=nfm? final=是 afterCloseMs=2.1 秒 confidence=0.41');
      expect(prettyMessage({ ...lateRaised, raise: undefined, confidence: 0.5 })).toContain(' class=nfm final=yes afterCloseMs=2.1 s confidence=0.5');
      expect(prettyMessage({ msg: 'identification dropped: it came more than lateSignalMs after its alert closed', sensor: 's1', trackId: 4, class: 'ook', confidence: 0.3, lateSignalMs: 30000 })).toContain(' class=ook? confidence=0.3 ');
      expect(prettyMessage({ msg: 'sensor state', sensor: 's1', state: 'armed' }, 'zh-CN')).toBe('【s1】状态 → 监测中');
      // the line's own punctuation full-width in Chinese, as every other Chinese text (English keeps ': ' and ' (')
      expect(prettyMessage({ msg: 'sensor state', sensor: 's1', state: 'offline', message: '找不到接收器' }, 'zh-CN')).toBe('【s1】状态 → 离线：找不到接收器');
      expect(prettyMessage({ msg: 'sensor state', sensor: 's1', state: 'offline', message: 'no dongle' })).toBe('[s1] state → offline: no dongle');
      // a system error field: Chinese words with the code (src/os-error-words.ts); English says the code once (was twice:
      // the error's code before a message that starts with it)
      const diskFull = { msg: 'alert store write failed', component: 'alert-store', err: { type: 'Error', message: "ENOSPC: no space left on device, write", code: 'ENOSPC' } };
      expect(prettyMessage(diskFull, 'zh-CN')).toMatch(/  err=磁盘空间已满［ENOSPC］$/);
      expect(prettyMessage(diskFull)).toBe('[alert-store] alert store write failed  err="ENOSPC: no space left on device, write"');
      expect(prettyMessage({ ...diskFull, err: { message: 'bad block', code: 'QB_X' } })).toMatch(/  err="QB_X: bad block"$/);
      expect(prettyMessage({ msg: 'sensor back online', sensor: 's1', offlineMs: 5200 }, 'zh-CN')).toBe('【s1】传感器恢复在线  offlineMs=5.2 秒');
      expect(prettyMessage({ msg: 'stream started', sensor: 's1', centerHz: null }, 'zh-CN')).toBe('【s1】数据流已开始（中心频率未知）');
      expect(prettyMessage({ msg: 'still offline: no RTL-SDR dongle found; reopening in 2 s', sensor: 's1', attempt: 3 }, 'zh-CN')).toBe('【s1】仍离线：no RTL-SDR dongle found; reopening in 2 s  attempt=3');
      // an offline reason with its code reads the code's Chinese text (the repeat without its advice); JSON keeps English
      const notFound = { id: 'source.notFound', params: { detail: 'no RTL-SDR dongle found', ms: 2000 } };
      const coded = (c: unknown, l: 'en' | 'zh-CN') => alertMessageIn(l, undefined, c);
      expect(prettyMessage({ msg: 'no RTL-SDR dongle found; reopening in 2 s', sensor: 's1', messageCode: notFound }, 'zh-CN', coded)).toBe(
        '【s1】找不到接收器：请确认 RTL-SDR 接收器已插好（"lsusb" 应列出 "0bda:2838" 或 "0bda:2832"），换一个 USB 口或线缆，并确认内核 DVB 驱动没有占用它（屏蔽 "dvb_usb_rtl28xxu"）；2 秒后重试',
      );
      expect(prettyMessage({ msg: 'still offline: no RTL-SDR dongle found; reopening in 2 s', sensor: 's1', attempt: 3, messageCode: notFound }, 'zh-CN', coded)).toBe('【s1】仍离线：找不到接收器；2 秒后重试  attempt=3');
      expect(prettyMessage({ msg: 'still offline: no RTL-SDR dongle found; reopening in 2 s', sensor: 's1', attempt: 3, messageCode: notFound }, 'en', coded)).toBe('[s1] still offline: no RTL-SDR dongle found; reopening in 2 s  attempt=3');
      expect(prettyMessage({ msg: 'x', sensor: 's1', messageCode: { id: 'no.such.code' } }, 'zh-CN', coded)).toBe('【s1】x');
      // a message the table does not list stays as the daemon wrote it
      expect(prettyMessage({ msg: 'something new', component: 'x' }, 'zh-CN')).toBe('【x】something new');
      expect(remainingText(65, 'zh-CN')).toBe('剩余 1 分 05 秒');
      expect(remainingText(65)).toBe('1 min 05 s left');
      expect(resolveLogLang({ QUIETBAND_LANG: 'zh' })).toBe('zh-CN');
      expect(resolveLogLang({})).toBe('en');
      // the line's head: Chinese words it itself, the level's colon full-width; English keeps pino-pretty's `[09:05:03] INFO:`
      expect(terminalWords('zh-CN').lineHead?.(clockText(new Date(2026, 11, 7, 9, 5, 3).getTime()), '信息')).toBe('09:05:03 信息：');
      expect(terminalWords('en').lineHead).toBeUndefined();
      expect(clockText(undefined)).toBe('');
    });

    it('zh-CN: every message logged under src/ (the hub aside: it has no --lang) has a Chinese text', () => {
      // the literal messages of logger calls: log.info({ … }, 'message') / log.warn('message')
      const call = /\.(?:info|warn|error|fatal)\(\s*(?:[^;]*?,\s*)?'((?:[^'\\]|\\.)+)'\s*\)/gs;
      // and the messages of failed file answers: failFileAnswer(res, log, 'message', err, …) logs them at error level
      const failed = /failFileAnswer\(\s*\w+,\s*\w+,\s*'((?:[^'\\]|\\.)+)'/g;
      const found = new Set<string>();
      const walk = (dir: string): void => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, e.name);
          if (e.isDirectory()) {
            if (p !== join(REPO, 'src', 'hub')) walk(p);
          } else if (e.name.endsWith('.ts')) {
            const text = readFileSync(p, 'utf8');
            for (const m of [...text.matchAll(call), ...text.matchAll(failed)]) found.add(m[1]!.replace(/\\'/g, "'"));
          }
        }
      };
      walk(join(REPO, 'src'));
      expect(found.size).toBeGreaterThan(150);
      for (const special of ['alert', 'sensor state']) expect(found.delete(special), special).toBe(true); // worded by prettyMessage itself
      expect([...found].filter((m) => !(m in ZH_LOG_MESSAGES))).toEqual([]);
      // messages logged from a table rather than as literals
      expect(Object.values(NO_CLIP_MESSAGE).filter((m) => !(m in ZH_LOG_MESSAGES))).toEqual([]);
      expect(prettyMessage({ msg: 'data dir lock left by a daemon that no longer runs: taking it over', lock: '/d/quietband.lock', stalePid: 4242 }, 'zh-CN')).toBe(
        '数据目录的锁由一个已不在运行的守护进程留下：接管该锁  lock=/d/quietband.lock stalePid=4242',
      );
      expect(prettyMessage({ msg: 'server closed', component: 'server' }, 'zh-CN')).toBe('【server】网页服务已关闭');
      expect(terminalWords('zh-CN').level).toMatchObject({ INFO: '信息', WARN: '警告', ERROR: '错误' });
    });

    it('zh-CN: what a calibration heard, worded for the technician (heading and each emitter)', () => {
      const steady: CalibrationEmitter = { centerHz: 433_740_300, lowHz: 433_736_900, highHz: 433_743_700, bandwidthHz: 6800, peakPowerDbfs: -23, peakExcessDb: 40.2, continuous: true, dutyCycle: 1, periodS: null, bursts: 1, maxBurstS: 2 };
      const beacon: CalibrationEmitter = { centerHz: 433_920_000, lowHz: 433_913_900, highHz: 433_926_100, bandwidthHz: 12_200, peakPowerDbfs: -40.1, peakExcessDb: 25.3, continuous: false, dutyCycle: 0.1, periodS: 2, bursts: 10, maxBurstS: 0.2 };
      const lines = (lang: 'en' | 'zh-CN', sensor?: string): string[] => {
        const out: string[] = [];
        const w = terminalWords(lang).heard;
        reportEmitters([steady, beacon], (l) => out.push(l), w, w.who(sensor));
        return out;
      };
      expect(lines('zh-CN', 'hall-a')).toEqual([
        '传感器 hall-a 的校准收到 2 个发射源（已计入基线；请逐一确认为已知，或进行调查）：',
        '  433.7403 MHz  6.8 kHz  -23.0 dBFS（高出底噪 +40.2 dB）  持续',
        '  433.9200 MHz  12.2 kHz  -40.1 dBFS（高出底噪 +25.3 dB）  占空比 10.0 %  每 2.00 秒一次 （出现 10 次，最长 0.20 秒）',
      ]);
      expect(lines('en')).toEqual([
        'calibration heard 2 emitters (now part of the baseline; confirm each as known, or investigate):',
        '  433.7403 MHz  6.8 kHz  -23.0 dBFS (+40.2 dB over the floor)  continuous',
        '  433.9200 MHz  12.2 kHz  -40.1 dBFS (+25.3 dB over the floor)  duty 10.0 %  every 2.00 s (10 appearances, longest 0.20 s)',
      ]);
      const none: string[] = [];
      reportEmitters([], (l) => none.push(l), terminalWords('zh-CN').heard);
      expect(none).toEqual(['校准未收到高于底噪的发射源']);
    });

    it('chooses pretty on a terminal, JSON otherwise, and the flag/env over both', () => {
      expect(resolveLogFormat({}, true)).toBe('pretty');
      expect(resolveLogFormat({}, false)).toBe('json');
      expect(resolveLogFormat({ QUIETBAND_LOG_FORMAT: 'json' }, true)).toBe('json');
      expect(resolveLogFormat({ QUIETBAND_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
      expect(() => checkLogFormat('yaml')).toThrow('--log-format: "yaml" is not a format; expected pretty or json');
    });

    it('writes JSON lines when stderr is piped and readable lines with --log-format pretty', async () => {
      const [piped, pretty] = await Promise.all([
        cli(['record', '--source', 'sim', '--duration', '0.2', '-o', `${tmp.dir}/a`]),
        cli(['record', '--log-format', 'pretty', '--source', 'sim', '--duration', '0.2', '-o', `${tmp.dir}/b`]),
      ]);
      expect(piped.code).toBe(0);
      const lines = piped.stderr.trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(JSON.parse(l)).toHaveProperty('level');
      expect(piped.stderr).not.toContain('left'); // no countdown when not a terminal

      expect(pretty.code).toBe(0);
      const plines = pretty.stderr.trim().split('\n');
      for (const l of plines) expect(l).toMatch(/^\[\d\d:\d\d:\d\d\] (INFO|WARN): /);
      expect(pretty.stderr).toMatch(/recording written {2}meta=.*b\.sigmf-meta samples=200000 seconds=0\.2 s format="?cu8"?/);
    });
  });

  // a daemon's own lines with --log-format pretty (main and worker threads): the demo site's run in
  // daemon/run-config.test.ts, which starts that daemon anyway

  describe('the daemon on a terminal in Chinese', () => {
    it('run --lang zh-CN: the start-up lines and the readable log lines of a normal run are Chinese', async () => {
      const child = spawn(process.execPath, [BIN, 'run', '--demo', '--warmup', '1', '--data-dir', `${tmp.dir}/zh`, '--http-port', '0', '--log-format', 'pretty', '--lang', 'zh-CN'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      let out = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const t0 = Date.now();
      while (!(/】状态 → 监测中/.test(err) && /告警 发出/.test(err)) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      // every line of the run, its stop included, has a Chinese level label and message (field names and values,
      // sensor and component names stay as logged)
      // `20:31:07 信息：【hall-a-433】状态 → 监测中`: the level's colon full-width and the sensor in lenticular brackets
      // (pino-pretty's `[20:31:07] INFO: [s1]` put a Latin colon and brackets beside Chinese words)
      const words = err.trim().split('\n').map((l) => /^\d\d:\d\d:\d\d (\S+?)：(?:【[\w-]+】)?([^ ]+)/.exec(l));
      expect(words.filter((m) => m === null || !/^(信息|警告)$/.test(m[1]!) || !/[\u4e00-\u9fff]/.test(m[2]!)), err).toEqual([]);
      // each sensor says it stopped (its worker logs the state before posting it, so the terminate after the post
      // cannot cut the line: 7 of 10 demo runs lost one or more of these lines before)
      expect(err.match(/】状态 → 已停止$/gm)?.length).toBe(3);
      expect(err).toMatch(/^\d\d:\d\d:\d\d 信息：【server】网页服务已关闭\n/m);
      // no Latin bracket or colon beside a Chinese character, a space between or not (JSON field values aside: they stay as logged)
      const own = err.replace(/  \w+=.*$/gm, '');
      expect(own).not.toMatch(/[\u4e00-\u9fff] ?[()[\]:]|[()[\]:] ?[\u4e00-\u9fff]/);
      expect(out).toMatch(/^QuietBand 演示考点运行于 http:\/\/127\.0\.0\.1:\d+\/\n  传感器 hall-a-433：sim，433\.920 MHz，1000 kS\/s，FFT 1024；基线：预热 1 秒\n/);
      const lines = err.trim().split('\n');
      for (const want of [/ 信息：考点已运行 /, / 信息：【hall-[abc]-\d{3}】数据流已开始（中心 4\d\d\.\d{3} MHz）/, / 信息：【hall-[abc]-\d{3}】状态 → 监测中$/, / 信息：【hall-[abc]-\d{3}】告警 发出 /, / 信息：【server】网页服务已启动 /]) {
        expect(lines.some((l) => want.test(l)), String(want)).toBe(true);
      }
      // the English message words of those lines are gone
      expect(err).not.toMatch(/site running|stream started|state → armed|ALERT open|server listening/);
    });
  });

  describe('usage errors and advice', () => {
    it('an unknown flag prints one quietband: line with the error, a suggestion and the hint, not the help', async () => {
      const r = await cli(['run', '--http-prot', '9000']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe("quietband: unknown option '--http-prot' (did you mean --http-port?) (quietband run --help lists the options)\n");
    });

    it('an unknown command is one line naming the closest commands, or listing them all when none is close', async () => {
      const [typo, rep, far, formt] = await Promise.all([cli(['replayy']), cli(['rep']), cli(['frobnicate']), cli(['--log-formt', 'json', 'sim'])]);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toBe("quietband: unknown command 'replayy': did you mean 'quietband replay'? (quietband --help lists the commands and options)\n");
      expect(rep.stderr).toBe("quietband: unknown command 'rep': did you mean 'quietband replay' or 'quietband report'? (quietband --help lists the commands and options)\n");
      expect(far.code).toBe(2);
      expect(far.stderr).toBe("quietband: unknown command 'frobnicate' (commands: devices, sim, replay, calibrate, run, record, hub, report, notify) (quietband --help lists the commands and options)\n");
      expect(formt.stderr).toBe("quietband: unknown option '--log-formt' (did you mean --log-format?) (quietband --help lists the commands and options)\n");
    });

    it('an unknown option that ends one of the command\'s options names it (--port → --http-port), not commander\'s nearest short one', async () => {
      const [port, scales, centre] = await Promise.all([cli(['run', '--port', '9000']), cli(['replay', 'x.cu8', '--scales-ms', '3']), cli(['replay', 'x.cu8', '--centre', '3'])]);
      expect(port.stderr).toBe("quietband: unknown option '--port' (did you mean --http-port?) (quietband run --help lists the options)\n");
      expect(scales.stderr).toMatch(/^quietband: unknown option '--scales-ms' \(did you mean --burst-scales-ms\?\) \(quietband replay --help lists the options\)\n$/);
      // no option ends so: commander's suggestion stays
      expect(centre.stderr).toBe("quietband: unknown option '--centre' (did you mean --center?) (quietband replay --help lists the options)\n");
    });

    it('a port in use names --http-port', async () => {
      const busy = createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
      const port = (busy.address() as AddressInfo).port;
      try {
        const r = await cli(['run', '--demo', '--data-dir', `${tmp.dir}/port`, '--http-port', String(port)]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`quietband: server: port ${port} on 127.0.0.1 is already in use: is another quietband running? Choose another with --http-port (0 picks a free one)`);
        expect(r.stderr).not.toMatch(/--port\b/);
        // the same in Chinese under --lang zh-CN
        const zh = await cli(['run', '--demo', '--data-dir', `${tmp.dir}/port`, '--http-port', String(port), '--lang', 'zh-CN']);
        expect(zh.code).toBe(2);
        expect(zh.stderr.trim().split('\n').at(-1)).toBe(`quietband: 网页服务：127.0.0.1 上的端口 ${port} 已被占用：是否已有另一个 quietband 在运行？请用 --http-port 换一个端口（0 表示任选空闲端口），或修改考点配置中的 http.port。`);
      } finally {
        busy.close();
      }
    });

    it('zh-CN: the data dir in use and a bad --bind are worded in Chinese (the English messages as the daemon throws them)', async () => {
      const dir = `${tmp.dir}/locked`;
      mkdirSync(dir, { recursive: true });
      const held = await lockDataDir(dir);
      try {
        const err = await lockDataDir(dir).then(() => null, (e: Error) => e);
        expect(errorMessageIn('zh-CN', err!)).toMatch(new RegExp(`^数据目录 ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} 正被另一个 QuietBand 守护进程使用（进程号 ${process.pid}，自 \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z 起；锁文件 .+/quietband\\.lock）。请先停止那个守护进程，或为本进程指定另一个数据目录（配置 "dataDir" 或 --data-dir）。$`));
      } finally {
        await held.release();
      }
      const bind = await cli(['run', '--bind', '0.0.0.0:8080', '--lang', 'zh-CN', '--data-dir', `${tmp.dir}/bind`]);
      expect(bind.code).toBe(2);
      expect(bind.stderr).toBe('quietband: demo：--bind："0.0.0.0:8080" 含有端口：地址请单独写（0.0.0.0），端口用 --http-port 8080 指定\n');
      expect(existsSync(`${tmp.dir}/bind`)).toBe(false); // refused before anything was written
    });
  });

  describe.concurrent('a missing dongle', () => {
    it('prints one line per reopen attempt, the advice once', async () => {
      const child = spawn(process.execPath, [BIN, 'run', '--source', 'rtlsdr:0', '--data-dir', `${tmp.dir}/dongle`, '--http-port', '0', '--log-format', 'json'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      // attempts at ≈ 0, 1, 3 s after the start (backoff 1 s, 2 s, 4 s): wait for the third
      const t0 = Date.now();
      while (!err.includes('reopening in 4 s') && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      const recs = err.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number; attempt?: number });
      const attempts = recs.filter((r) => / reopening in \d+ s$/.test(r.msg));
      expect(attempts.length).toBe(3);
      // the reopen delays double, each is printed once: one line per attempt
      expect(attempts.map((r) => /in (\d+) s$/.exec(r.msg)![1])).toEqual(['1', '2', '4', '8'].slice(0, attempts.length));
      // the advice (blacklist, lsusb) only in the first; later ones are short
      expect(attempts[0]!.msg).toContain('blacklist dvb_usb_rtl28xxu');
      for (const a of attempts.slice(1)) {
        expect(a.msg).toMatch(/^still offline: cannot open rtlsdr:0: /);
        expect(a.msg.length).toBeLessThan(140);
      }
      expect(attempts.map((a) => a.attempt)).toEqual([undefined, 2, 3, 4].slice(0, attempts.length));
      expect(recs.filter((r) => r.msg === 'sensor state' && r.level >= 30 && JSON.stringify(r).includes('"offline"'))).toEqual([]);
    });
  });

});

describe('countdown', () => {
  it('draws a bar with the time left on a terminal, by the clock or by the done fraction', async () => {
    const { stream, text } = ttyStream();
    let now = 1_000_000;
    const cd = new Countdown({ stream, now: () => now });
    expect(cd.enabled).toBe(true);
    cd.start('s1', 'calibrating s1', 60);
    now += 15_000;
    cd.tick();
    cd.start('rec', 'recording sim', 10);
    now += 2_000;
    cd.progress('rec', 0.5);
    await new Promise((r) => setTimeout(r, 300)); // cli-progress redraws from its own timer (10 frames/s)
    const plain = text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toMatch(/calibrating s1 \[[█░]{24}\] {2}25 % · 45 s left/);
    expect(plain).toMatch(/recording sim \[[█░]{24}\] {2}50 % · 2 s left/);
    cd.close();
    expect(remainingText(65)).toBe('1 min 05 s left');
    expect(remainingText(-3)).toBe('0 s left');
  });

  it('the daemon\'s warm-up in line mode: one whole line per sensor at the start and every 10 s, no bar drawn between log lines', () => {
    const { stream, text } = ttyStream();
    let now = 1_000_000;
    const lines: string[] = [];
    const states = [{ sensor: 'hall-a', state: 'learning' }, { sensor: 'hall-b', state: 'starting' }];
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const stop = watchWarmup(() => states, { warmupS: 40, settleS: 0 }, new Countdown({ stream, now: () => now, lang: 'en' }), (l) => lines.push(l), () => now);
      for (let i = 0; i < 50; i++) { // 25 s in 500 ms polls; hall-b starts learning after 5 s, hall-a stops after 22 s
        now += 500;
        if (i === 9) states[1]!.state = 'learning';
        if (i === 43) states[0]!.state = 'armed';
        vi.advanceTimersByTime(500);
      }
      stop();
    } finally {
      vi.useRealTimers();
    }
    expect(lines).toEqual([
      'warm-up hall-a 0 % · 40 s left', 'warm-up hall-b 0 % · 40 s left', 'warm-up hall-a 25 % · 30 s left',
      'warm-up hall-b 25 % · 30 s left', 'warm-up hall-a 50 % · 20 s left', 'warm-up hall-b 50 % · 20 s left',
    ]);
    expect(text().replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')).not.toMatch(/warm-up|\[[█░]/);
  });

  /** The lines watchWarmup announces over 10 s of 500 ms polls on a terminal (English), `started` run after its first poll. */
  function warmupLines(sensors: () => WarmupHealth[], length: { warmupS: number; settleS: number }, started: () => void = () => undefined): string[] {
    const { stream } = ttyStream();
    let now = 1_000_000;
    const lines: string[] = [];
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const stop = watchWarmup(sensors, length, new Countdown({ stream, now: () => now, lang: 'en' }), (l) => lines.push(l), () => now);
      started();
      for (let i = 0; i < 20; i++) {
        now += 500;
        vi.advanceTimersByTime(500);
      }
      stop();
    } finally {
      vi.useRealTimers();
    }
    return lines;
  }

  it('a 10 s warm-up after a 0.25 s settle starts at "10 s left" and never shows more (was "11 s": settle + warm-up rounded up)', () => {
    const lines = warmupLines(() => [{ sensor: 'hall-a', state: 'learning' }], { warmupS: 10, settleS: 0.25 });
    expect(lines).toEqual(['warm-up hall-a 0 % · 10 s left', 'warm-up hall-a 98 % · 1 s left']);
    expect(clockShare(0.1, 10, 0.25)).toEqual({ fraction: 0, leftS: 10 });
    expect(clockShare(5.25, 10, 0.25)).toEqual({ fraction: 0.5, leftS: 5 });
    expect(clockShare(11, 10, 0.25)).toEqual({ fraction: 1, leftS: -0.75 });
  });

  it('a scanning sensor\'s warm-up counts down its length, ceil(warmupS / dwell) × hops × (dwell + settle), not warmupS (was "2 s left" for 19 s)', () => {
    // the sim site of the check run: 8 hops, dwell 200 ms; settle 25 ms before the first block, 41.4 ms (+ a 16 384-sample
    // buffer at 1 MS/s) after it; warmupS 2 → 10 visits a hop
    expect(warmupLengthS(2)).toBe(2);
    expect(warmupLengthS(2, { hops: 8, dwellMs: 200, settleMs: 25 })).toBeCloseTo(18, 9);
    expect(warmupLengthS(2, { hops: 8, dwellMs: 200, settleMs: 41.4 })).toBeCloseTo(19.312, 9);
    expect(warmupLengthS(1, { hops: 3, dwellMs: 300, settleMs: 0 })).toBeCloseTo(3.6, 9); // 4 visits: 1 s is 3.33 dwells
    const h = { sensor: 'uhf-scan', state: 'learning', scan: { hops: 8, dwellMs: 200, settleMs: 25 } };
    const lines = warmupLines(() => [h], { warmupS: 2, settleS: 0 }, () => {
      h.scan.settleMs = 41.4; // the first block came: the settle holds the buffer now
    });
    expect(lines).toEqual(['warm-up uhf-scan 0 % · 18 s left', 'warm-up uhf-scan 52 % · 10 s left']); // 10 of 19.3 s (of 18 s: 56 % · 8 s)
  });

  it('run\'s sensor line of a scanning sensor: the warm-up per hop and in all; its stored per-hop baselines when every hop has one', async () => {
    const dir = join(tmp.dir, 'scan-line');
    mkdirSync(join(dir, 'cal'), { recursive: true });
    const file = join(dir, 'site.json');
    writeFileSync(file, JSON.stringify({ site: 'scan-check', dataDir: join(dir, 'data'), calibrationDir: join(dir, 'cal'), warmupS: 2, sensors: [{ name: 'uhf-scan', source: 'sim', centerHz: 434_000_000, rateSps: 1_000_000, fftSize: 1024, scan: { segments: [{ startHz: 433_000_000, stopHz: 435_000_000 }], dwellMs: 200 } }] }));
    const site = applySiteDefaults(await loadSiteConfigFile(file), {}, file);
    expect(sensorLine(site, 0)).toBe('  sensor uhf-scan: sim at 434.000 MHz, 1000 kS/s, FFT 1024; baseline: warm-up 2 s on each of 8 hops (about 18 s)');
    expect(sensorLine(site, 0, 'zh-CN')).toBe('  传感器 uhf-scan：sim，434.000 MHz，1000 kS/s，FFT 1024；基线：8 个跳频点各预热 2 秒（共约 18 秒）');
    const base = join(dir, 'cal', 'scan-check-uhf-scan');
    for (const hz of [432_950_000, 433_250_000, 433_550_000, 433_850_000, 434_150_000, 434_450_000, 434_750_000, 435_050_000]) writeFileSync(`${base}-${hz}.json`, '{}');
    expect(sensorLine(site, 0)).toBe(`  sensor uhf-scan: sim at 434.000 MHz, 1000 kS/s, FFT 1024; baseline: stored ${base}-<centerHz>.json × 8`);
  });

  it('draws nothing when the stream is not a terminal', () => {
    let out = '';
    const stream = new Writable({
      write(c: Buffer, _e, cb) {
        out += c.toString();
        cb();
      },
    });
    const cd = new Countdown({ stream });
    cd.start('a', 'x', 5);
    cd.progress('a', 0.5);
    cd.close();
    expect(cd.enabled).toBe(false);
    expect(out).toBe('');
  });
});
