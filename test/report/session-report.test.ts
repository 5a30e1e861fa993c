// `quietband report`: a store with known alerts → the session's alerts, acks (who/when), outages and baseline age in the HTML; PDF via Chromium; --lang zh-CN.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/cli/report.js';
import { buildSessionReport, readAlertRecords, renderReportHtml } from '../../src/report/session-report.js';
import { errorMessageIn } from '../../src/error-text.js';
import { raiseReason } from '../../src/alerts/severity-rank.js';
import type { Alert } from '../../src/server/protocol.js';
import { tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-report-');
afterAll(() => tmp.cleanup());

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
const base = { site: 'hall-r', state: 'new', severity: 'high' } as const;
// session math-am: 09:00–11:00 Asia/Shanghai = 01:00Z–03:00Z on 2026-06-07
const RECORDS: Omit<Alert, 'seq'>[] = [
  { ...base, alertId: 'hall-r-1', sensor: 'room-1', kind: 'transmission', event: 'open', time: '2026-06-07T00:40:00.000Z', startTime: '2026-06-07T00:40:00.000Z', centerHz: 433_800_000, severity: 'low' },
  { ...base, alertId: 'hall-r-1', sensor: 'room-1', kind: 'transmission', event: 'close', time: '2026-06-07T00:40:30.000Z', startTime: '2026-06-07T00:40:00.000Z', endTime: '2026-06-07T00:40:30.000Z', severity: 'low' },
  { ...base, alertId: 'hall-r-3', sensor: 'room-2', kind: 'sensor-offline', event: 'open', time: '2026-06-07T00:55:00.000Z', message: 'no data for 5 s <dongle unplugged?>' },
  { ...base, alertId: 'hall-r-3', sensor: 'room-2', kind: 'sensor-offline', event: 'close', time: '2026-06-07T01:05:00.000Z', message: 'data flows again' },
  { ...base, alertId: 'hall-r-5', sensor: 'room-1', kind: 'transmission', event: 'open', time: '2026-06-07T01:10:00.400Z', startTime: '2026-06-07T01:10:00.000Z', session: 'math-am', centerHz: 433_980_000, bandwidthHz: 12_000, peakExcessDb: 25.3, bandLabel: 'ISM 433 MHz', clip: 'clips/room-1_a.sigmf-meta' },
  { ...base, alertId: 'hall-r-5', sensor: 'room-1', kind: 'transmission', event: 'update', time: '2026-06-07T01:10:01.000Z', startTime: '2026-06-07T01:10:00.000Z', session: 'math-am', peakExcessDb: 27.1 },
  { ...base, alertId: 'hall-r-5', sensor: 'room-1', kind: 'transmission', event: 'close', time: '2026-06-07T01:10:05.100Z', startTime: '2026-06-07T01:10:00.000Z', endTime: '2026-06-07T01:10:05.000Z', session: 'math-am' },
  { ...base, alertId: 'hall-r-8', sensor: 'room-2', kind: 'transmission', event: 'open', time: '2026-06-07T02:00:00.000Z', startTime: '2026-06-07T02:00:00.000Z', session: 'math-am', centerHz: 470_500_000 },
  { ...base, alertId: 'hall-r-8', sensor: 'room-2', kind: 'transmission', event: 'known', time: '2026-06-07T02:01:00.000Z', state: 'known', severity: 'info', ackBy: 'Zhang Min', session: 'math-am' },
  { ...base, alertId: 'hall-r-8', sensor: 'room-2', kind: 'transmission', event: 'close', time: '2026-06-07T02:00:10.000Z', endTime: '2026-06-07T02:00:10.000Z', state: 'known', severity: 'info', session: 'math-am' },
  { ...base, alertId: 'hall-r-11', sensor: 'room-1', kind: 'transmission', event: 'open', time: '2026-06-07T02:30:00.000Z', startTime: '2026-06-07T02:30:00.000Z', session: 'math-am', centerHz: 434_100_000 },
  { ...base, alertId: 'hall-r-11', sensor: 'room-1', kind: 'transmission', event: 'close', time: '2026-06-07T02:30:02.000Z', endTime: '2026-06-07T02:30:02.000Z', session: 'math-am' },
  { ...base, alertId: 'hall-r-5', sensor: 'room-1', kind: 'transmission', event: 'ack', time: '2026-06-07T03:20:00.000Z', state: 'acknowledged', ackBy: 'Li Wei', session: 'math-am' },
];

function setup(): { dataDir: string; config: string } {
  const dataDir = join(tmp.dir, 'data');
  const cal = join(tmp.dir, 'cal');
  mkdirSync(join(dataDir, 'clip-pictures'), { recursive: true });
  mkdirSync(cal, { recursive: true });
  writeFileSync(join(dataDir, 'alerts.jsonl'), RECORDS.map((r, i) => JSON.stringify({ seq: i + 1, ...r })).join('\n') + '\n{"seq":14,"alertId":"torn'); // a daemon mid-write
  writeFileSync(join(dataDir, 'clip-pictures', 'room-1_a.png'), PNG);
  // its clip: ci16_le at 250 kS/s around 433.92 MHz, 0.5 s (125 000 samples × 4 bytes): the picture's axes
  mkdirSync(join(dataDir, 'clips'), { recursive: true });
  writeFileSync(join(dataDir, 'clips', 'room-1_a.sigmf-meta'), JSON.stringify({ global: { 'core:datatype': 'ci16_le', 'core:sample_rate': 250_000 }, captures: [{ 'core:sample_start': 0, 'core:frequency': 433_920_000 }] }));
  writeFileSync(join(dataDir, 'clips', 'room-1_a.sigmf-data'), Buffer.alloc(500_000));
  writeFileSync(join(cal, 'hall-r-room-1.json'), JSON.stringify({ createdAt: '2026-06-07T00:30:00.000Z' }));
  const config = join(tmp.dir, 'site.json');
  writeFileSync(
    config,
    JSON.stringify({
      site: 'hall-r',
      timeZone: 'Asia/Shanghai',
      dataDir,
      calibrationDir: cal,
      sessions: [{ name: 'math-am', start: '2026-06-07T09:00', end: '2026-06-07T11:00' }],
      sensors: [
        { name: 'room-1', source: 'sim', centerHz: 433_920_000, rateSps: 250_000, location: { room: 'Room 101' } },
        { name: 'room-2', source: 'sim', centerHz: 470_000_000, rateSps: 250_000, location: { room: 'Room 102' } },
      ],
    }),
  );
  return { dataDir, config };
}

describe('session report', () => {
  it('carries the severity raise of the latest record with a signal: ▲ by the severity, the reason (en, zh-CN), the count', async () => {
    const voice = raiseReason('raise.voice', { class: 'nfm', band: 'UHF land mobile 400–470 MHz' });
    const nfm = { class: 'nfm' as const, confidence: 0.93, reason: 'narrow FM', band: 'UHF land mobile 400–470 MHz' };
    const tx = { ...base, sensor: 'room-1', kind: 'transmission' as const, session: 'math-am', startTime: '2026-06-07T01:20:00.000Z' };
    const records: Alert[] = [
      { ...tx, seq: 1, alertId: 'v-1', event: 'open', time: '2026-06-07T01:20:00.000Z', centerHz: 450_125_000 },
      { ...tx, seq: 2, alertId: 'v-1', event: 'update', time: '2026-06-07T01:20:01.000Z', signal: nfm, severityRaise: voice },
      { ...tx, seq: 3, alertId: 'v-1', event: 'ack', time: '2026-06-07T01:20:09.000Z', state: 'acknowledged', ackBy: 'Li Wei' },
      // raised by its first identification, not by its final one: not counted
      { ...tx, seq: 4, alertId: 'v-2', event: 'open', time: '2026-06-07T01:30:00.000Z', centerHz: 450_200_000 },
      { ...tx, seq: 5, alertId: 'v-2', event: 'update', time: '2026-06-07T01:30:01.000Z', signal: nfm, severityRaise: voice },
      { ...tx, seq: 6, alertId: 'v-2', event: 'close', time: '2026-06-07T01:30:04.000Z', signal: { ...nfm, class: 'fsk' } },
    ];
    const r = await buildSessionReport({ session: 'math-am', records, timeZone: 'Asia/Shanghai' });
    expect(r.alerts.map((a) => [a.alertId, a.severityRaise?.reason])).toEqual([['v-1', voice.reason], ['v-2', undefined]]);
    expect(r.counts.raised).toBe(1);
    const en = renderReportHtml(r, 'en');
    expect(en).toContain('2 transmission alerts, 2 high severity, 1 ranked higher (▲); 1 acknowledged');
    expect(en).toContain('<td>high ▲ / acknowledged</td>');
    expect(en).toContain(`<th>Ranked higher ▲</th><td colspan="3" class="raise">${voice.reason}</td>`);
    const zh = renderReportHtml(r, 'zh-CN');
    expect(zh).toContain('其中高级别 2 条，优先级提升 1 条（▲）；');
    expect(zh).toContain('UHF land mobile 400–470 MHz 中的窄调频：语音链路，考场查获的耳机作弊设备即用此方式（合法对讲机也是）');
  });

  it('English words the classes, kinds and counts as the English page does (before: tdma-burst, present-during-calibration, 1 alert(s))', async () => {
    // the fresh-user trial's report: a phone's bursts raised in ISM 433, an emitter heard during calibration, no outage
    const odd = raiseReason('raise.unexpected', { class: 'tdma-burst', band: 'ISM 433 MHz', expected: 'ook, fsk, carrier' });
    const tdma = { class: 'tdma-burst' as const, confidence: 0.9, reason: 'bursts', band: 'ISM 433 MHz' };
    const tx = { ...base, sensor: 'hall-a-433', session: 'math-am', startTime: '2026-06-07T01:20:00.000Z' };
    const records: Alert[] = [
      { ...tx, seq: 1, alertId: 'c-1', kind: 'present-during-calibration', event: 'open', time: '2026-06-07T01:19:00.000Z', startTime: '2026-06-07T01:19:00.000Z', severity: 'low' },
      { ...tx, seq: 2, alertId: 't-1', kind: 'transmission', event: 'open', time: '2026-06-07T01:20:00.000Z', centerHz: 433_920_000 },
      { ...tx, seq: 3, alertId: 't-1', kind: 'transmission', event: 'update', time: '2026-06-07T01:20:01.000Z', signal: tdma, severityRaise: odd },
    ];
    const en = renderReportHtml(await buildSessionReport({ session: 'math-am', records, timeZone: 'Asia/Shanghai' }), 'en');
    expect(en).toContain('1. Present during calibration — hall-a-433 — 2026-06-07 09:19:00');
    expect(en).toContain('2. Transmission — hall-a-433 — 2026-06-07 09:20:00');
    expect(en).toContain('<th>Ranked higher ▲</th><td colspan="3" class="raise">TDMA is not a class ISM 433 MHz carries (its users send OOK, FSK, CW): a device that does not belong in this band</td>');
    expect(en).toContain('<b class="signal-class">TDMA</b> (90 %)');
    expect(en).toContain('Transmissions by signal type: <span data-class="tdma-burst">TDMA 1</span>');
    expect(en).toContain('1 transmission alert, 1 high severity, 1 ranked higher (▲); 0 acknowledged, 0 marked known, 1 not acknowledged; 0 sensor outages.');
    // a record of an older daemon (no code): its English words as stored
    const old = renderReportHtml(await buildSessionReport({ session: 'math-am', records: records.map((r) => (r.severityRaise !== undefined ? { ...r, severityRaise: { reason: 'as stored', reasonCode: undefined as never } } : r)), timeZone: 'Asia/Shanghai' }), 'en');
    expect(old).toContain('class="raise">as stored</td>');
  });

  const { dataDir, config } = setup();

  it('folds the session\'s records: 3 transmissions (A3 before the session left out), merged fields, acks with who/when, the outage overlapping the start', async () => {
    const records = await readAlertRecords(dataDir);
    expect(records.length).toBe(13); // torn line skipped
    const r = await buildSessionReport({ session: 'math-am', records, window: { startMs: Date.parse('2026-06-07T01:00:00Z'), endMs: Date.parse('2026-06-07T03:00:00Z') }, dataDir, timeZone: 'Asia/Shanghai' });
    expect(r.alerts.map((a) => a.alertId)).toEqual(['hall-r-5', 'hall-r-8', 'hall-r-11']);
    const a1 = r.alerts[0]!;
    expect(a1.peakExcessDb).toBe(27.1); // the update's value
    expect(a1.centerHz).toBe(433_980_000);
    expect(a1.durationS).toBeCloseTo(5.0, 6);
    expect(a1.state).toBe('acknowledged');
    expect(a1.acks).toEqual([{ event: 'ack', by: 'Li Wei', time: '2026-06-07T03:20:00.000Z' }]);
    expect(a1.pictureDataUrl).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(a1.pictureExtent).toEqual({ lowHz: 433_795_000, highHz: 434_045_000, durationS: 0.5 });
    expect(r.alerts[1]!.state).toBe('known');
    expect(r.alerts[1]!.acks).toEqual([{ event: 'known', by: 'Zhang Min', time: '2026-06-07T02:01:00.000Z' }]);
    expect(r.alerts[2]!.acks).toEqual([]);
    expect(r.outages.map((o) => [o.sensor, o.durationS])).toEqual([['room-2', 600]]);
    expect(r.counts).toEqual({ transmissions: 3, high: 2, raised: 0, acknowledged: 1, known: 1, unacknowledged: 1, outages: 1 });
  });

  it('draws the picture of a clip not drawn yet (evidence.pictures on-view) through drawPicture, once; a failed drawing leaves it out', async () => {
    const dir = join(tmp.dir, 'data-draw');
    mkdirSync(join(dir, 'clips'), { recursive: true });
    writeFileSync(join(dir, 'clips', 'room-1_a.sigmf-meta'), '{}'); // the clip (only its presence is checked here)
    const records = (await readAlertRecords(dataDir)).filter((r) => r.alertId === 'hall-r-5');
    const drawn: string[] = [];
    const drawPicture = async (meta: string, png: string): Promise<void> => {
      drawn.push(meta);
      mkdirSync(join(dir, 'clip-pictures'), { recursive: true });
      writeFileSync(png, PNG);
    };
    const r = await buildSessionReport({ session: 'math-am', records, dataDir: dir, drawPicture });
    expect(drawn).toEqual([join(dir, 'clips', 'room-1_a.sigmf-meta')]);
    expect(r.alerts[0]!.pictureDataUrl).toBe(`data:image/png;base64,${PNG.toString('base64')}`);
    await buildSessionReport({ session: 'math-am', records, dataDir: dir, drawPicture });
    expect(drawn).toHaveLength(1); // kept: read, not drawn again
    const nopic = join(tmp.dir, 'data-nopic');
    mkdirSync(join(nopic, 'clips'), { recursive: true });
    writeFileSync(join(nopic, 'clips', 'room-1_a.sigmf-meta'), '{}');
    let tried = 0;
    const failing = await buildSessionReport({ session: 'math-am', records, dataDir: nopic, drawPicture: () => (tried++, Promise.reject(new Error('disk full'))) });
    expect(tried).toBe(1);
    expect(failing.alerts[0]!.pictureDataUrl).toBeUndefined();
  });

  it('without a config the window spans the session\'s own alerts (01:10–02:30Z), so the earlier outage is out', async () => {
    const r = await buildSessionReport({ session: 'math-am', records: await readAlertRecords(dataDir) });
    expect(r.windowFrom).toBe('alerts');
    expect(r.startTime).toBe('2026-06-07T01:10:00.000Z');
    expect(r.endTime).toBe('2026-06-07T03:20:00.000Z'); // the ack record carries the session too
    expect(r.alerts.length).toBe(3);
    expect(r.outages).toEqual([]);
    expect(r.sensors.map((s) => s.name)).toEqual(['room-1', 'room-2']);
    const unknown = await buildSessionReport({ session: 'physics', records: await readAlertRecords(dataDir) }).catch((e: Error) => e);
    expect((unknown as Error).message).toBe('session "physics": no alert carries this session and no site config defines it (pass --config); sessions on the stored alerts: "math-am"');
    expect(errorMessageIn('zh-CN', unknown as Error)).toBe('考试场次“physics”：没有告警属于该场次，也没有考点配置定义它（请加上 --config）；已存告警中的考试场次："math-am"');
    const none = await buildSessionReport({ session: 'physics', records: [] }).catch((e: Error) => e);
    expect(errorMessageIn('zh-CN', none as Error)).toMatch(/已存告警中的考试场次：无$/);
  });

  it('CLI: writes the HTML with site, sensors and baseline age, local times, acks and outages (escaped), and a PDF through Chromium', async () => {
    const out = join(tmp.dir, 'report.html');
    const pdf = join(tmp.dir, 'report.pdf');
    let chromium: string | null = null;
    try {
      execFileSync('sh', ['-c', 'command -v chromium'], { stdio: 'pipe' });
      chromium = 'chromium';
    } catch {
      chromium = null;
    }
    const t0 = Date.now();
    const n = await reportCommand({ session: 'math-am', config, output: out, chromium: chromium ?? 'chromium', ...(chromium !== null ? { pdf } : {}) });
    console.log(`report written in ${Date.now() - t0} ms${chromium !== null ? ' (with PDF)' : ''}`);
    expect(n).toEqual({ alerts: 3, outages: 1 });
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<b id="site">hall-r</b>');
    expect(html).toContain('<b id="session">math-am</b>');
    expect(html).toContain('2026-06-07 09:00:00 – 2026-06-07 11:00:00 (Asia/Shanghai; as configured)');
    expect(html).toContain('3 transmission alerts, 2 high severity; 1 acknowledged, 1 marked known, 1 not acknowledged; 1 sensor outage.');
    expect(html).toMatch(/<td>room-1<\/td><td>Room 101<\/td><td>sim<\/td><td>433\.9200 MHz<\/td><td>250 kS\/s<\/td><td>2026-06-07 08:30:00 \(0\.5 h before the start\)<\/td>/);
    expect(html).toMatch(/<td>room-2<\/td><td>Room 102<\/td>.*<td>none stored<\/td>/);
    expect(html).toContain('1. Transmission — room-1 — 2026-06-07 09:10:00');
    expect(html).toContain('433.9800 MHz (ISM 433 MHz)');
    expect(html).toContain('27.1 dB');
    expect(html).toContain('acknowledged by <b>Li Wei</b> at 2026-06-07 11:20:00');
    expect(html).toContain('marked known by <b>Zhang Min</b> at 2026-06-07 10:01:00');
    expect(html.match(/not acknowledged<\/span>/g)?.length).toBe(1);
    expect(html).not.toContain('433.8000 MHz'); // the alert before the session
    expect(html).toContain('<td>room-2</td><td>2026-06-07 08:55:00</td><td>2026-06-07 09:05:00</td><td>600 s</td><td>no data for 5 s &lt;dongle unplugged?&gt; → data flows again</td>');
    expect(html).not.toContain('<dongle');
    expect(html).toContain(`src="data:image/png;base64,${PNG.toString('base64')}"`);
    expect(html).toContain('@media print');
    // a phone renders it at its own width (390 px, not 980): wide tables scroll in their wrapper, pictures shrink
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<div class="scroll"><table id="sensors">');
    expect(html).toContain('<div class="scroll"><table id="outages">');
    expect(html.match(/<div class="scroll"><table class="kv">/g)?.length).toBe(3);
    expect(html).toContain('.spectrogram{display:block;width:100%;');
    // the picture framed by the web UI's axes (src/evidence/clip-axes.ts): MHz below, seconds beside, titled
    expect(html).toContain('<div class="axis-title y">Time (s)</div><div class="axis y" data-testid="axis-y"><span class="tick" data-frac="0.0000" style="top:0.00%">0.0</span><span class="tick" data-frac="0.4000" style="top:40.00%">0.2</span><span class="tick" data-frac="0.8000" style="top:80.00%">0.4</span></div>');
    expect(html).toContain('<span class="tick" data-frac="0.4200" style="left:42.00%">433.90</span>');
    expect(html).toContain('<div class="axis-title x">Frequency (MHz)</div></figure>');
    expect(html).toContain('.clip-figure .axis.x .tick { position: absolute;');
    expect(html.match(/<figure class="clip-figure"/g)?.length).toBe(1); // the one alert with a picture
    if (chromium !== null) {
      const head = readFileSync(pdf).subarray(0, 5).toString('latin1');
      expect(head).toBe('%PDF-');
    }
  }, 60_000);

  it('CLI --lang zh-CN: the same report in Chinese through the quietband binary; en by default; a bad value is a one-line error (exit 2)', () => {
    const bin = resolve('bin/quietband.js');
    const zhOut = join(tmp.dir, 'report-zh.html');
    const r = spawnSync(process.execPath, [bin, 'report', '--session', 'math-am', '--config', config, '-o', zhOut, '--lang', 'zh-CN'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`考试场次“math-am”（考点 hall-r）的报告：告警 3 条，传感器中断 1 次 → ${zhOut}\n`);
    const html = readFileSync(zhOut, 'utf8');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<h1>QuietBand 考试场次报告</h1>');
    expect(html).toContain('无线发射告警 3 条，其中高级别 2 条；已确认 1 条，标记为已知 1 条，未确认 1 条；传感器中断 1 次。');
    expect(html).toContain('由 <b>Li Wei</b> 于 2026-06-07 11:20:00 确认');
    expect(html).toContain('<td>600 秒</td>');
    expect(html).toContain('<div class="axis-title y">时间（秒）</div>');
    expect(html).toContain('<div class="axis-title x">频率（MHz）</div></figure>');
    const enOut = join(tmp.dir, 'report-en.html');
    expect(spawnSync(process.execPath, [bin, 'report', '--session', 'math-am', '--config', config, '-o', enOut], { encoding: 'utf8' }).status).toBe(0);
    expect(readFileSync(enOut, 'utf8')).toContain('<html lang="en">');
    const bad = spawnSync(process.execPath, [bin, 'report', '--session', 'math-am', '--config', config, '-o', enOut, '--lang', 'fr'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--lang: expected en or zh-CN, got "fr"');
  }, 30_000);
});
