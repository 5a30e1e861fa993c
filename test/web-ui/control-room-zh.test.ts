// zh-CN is complete (no visible string without a translation, server texts from message codes), and acknowledging /
// marking known asks who (and a label), records that name, and known marks can be listed and removed — in Chromium.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ALERT_MESSAGE_TEXT } from '../../src/server/message-text.js';
import { DICTS } from '../../web-ui/src/i18n.js';
import type { Alert } from '../../src/server/protocol.js';
import { NOT_FOUND_REASON, SENSORS, SESSION, shot, useControlRoom } from './control-room-site.js';

const room = useControlRoom({ sensorNotes: true });

/**
 * Latin words allowed in Chinese text: units, product, command and format names, and the language switch (which names the
 * other language in that language).
 */
const ALLOWED_WORDS = new Set(['MHz', 'RTL', 'SDR', 'kHz', 'Hz', 'dB', 'dBFS', 'MS', 'QuietBand', 'quietband', 'English', 'IQ', 'SigMF', 'ADC', 'PDF', 'GMT', 'UTC', 'sigmf', 'meta', 'data', 'USB', 'DVB', 'kB', 'MB', 'GB', 'TB',
  // modulation names Chinese radio monitoring writes in Latin letters (signal classes' long names)
  'CW', 'AM', 'OOK', 'ASK', 'FSK', 'TDMA', 'GSM', 'PSK', 'QAM', 'OFDM']);

/** Latin words (2+ letters) left in `text` once the `data` values (names, ids, labels shown as written) are removed. */
function untranslated(text: string, data: readonly string[]): string[] {
  let rest = text;
  for (const d of [...data].sort((a, b) => b.length - a.length)) rest = rest.split(d).join(' ');
  rest = rest.replace(/"[^"]*"/g, ' '); // quoted file names ("token")
  const words = (rest.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !ALLOWED_WORDS.has(w));
  if (/\d\s?s\b/.test(rest)) words.push('s'); // "3 s": seconds are 秒 in Chinese
  return words;
}

/** Every visible text of the page (text nodes of rendered elements, open dialogs included), one entry per node. */
function visibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      const el = n.parentElement;
      if (text === '' || el === null || el.closest('script, style') !== null) continue;
      if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      out.push(text);
    }
    return out;
  });
}

/** Visible texts with Latin words that are neither data nor allowed, as "text → words". */
async function untranslatedOnPage(page: Page): Promise<string[]> {
  const alertIds = [...new Set(await page.$$eval('[data-alert-id]', (rs) => rs.map((r) => (r as HTMLElement).dataset.alertId!)))];
  const data = [
    ...SENSORS.map((s) => s.name), ...SENSORS.map((s) => s.location!.room), SESSION, 'exam-hall-a', 'Asia/Shanghai', ...alertIds,
    'rtl=0', 'SRD 868', 'Fire alarm link', 'Test operator',
  ];
  const out: string[] = [];
  for (const text of await visibleTexts(page)) {
    const words = untranslated(text, data);
    if (words.length > 0) out.push(`${text} → ${words.join(', ')}`);
  }
  return out;
}

/** Visible texts with a Latin bracket or colon beside a Chinese character (a space between or not): full-width there. */
async function latinPunctuationOnPage(page: Page): Promise<string[]> {
  return (await visibleTexts(page)).filter((text) => /[\u4e00-\u9fff]\s?[(:[\]]|[):[\]]\s?[\u4e00-\u9fff]/.test(text));
}

describe('zh-CN strings', () => {
  it('every key and server message code has a Chinese text without English words (units and names excepted), different from the English one', () => {
    const en = DICTS.en;
    const zh = DICTS['zh-CN'];
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    const SAME_ON_PURPOSE = new Set(['plot.freq', 'plot.level', 'report.pdf', 'ui.notBuilt', 'col.actions']);
    const bad: string[] = [];
    for (const [k, v] of Object.entries(zh)) {
      const words = untranslated(v.replace(/\{=?\w+(?:\|\w+|\?)?\}/g, ' '), []);
      if (words.length > 0) bad.push(`${k}: ${words.join(', ')}`);
      if (v === en[k as keyof typeof en] && !SAME_ON_PURPOSE.has(k)) bad.push(`${k}: same as English`);
    }
    // server texts (message codes), shared with the session report
    expect(Object.keys(ALERT_MESSAGE_TEXT['zh-CN']).sort()).toEqual(Object.keys(ALERT_MESSAGE_TEXT.en).sort());
    for (const [k, v] of Object.entries(ALERT_MESSAGE_TEXT['zh-CN'])) {
      const words = untranslated(v.replace(/\{=?\w+(?:\|\w+|\?)?\}/g, ' '), []);
      if (words.length > 0) bad.push(`msg ${k}: ${words.join(', ')}`);
    }
    expect(bad).toEqual([]);
    expect(zh['detail.clip']).toContain('证据片段');
    expect(zh['detail.clip']).not.toMatch(/录音|录制/);
  });
});

describe('control room in zh-CN (1280 × 800)', () => {
  it('shows no untranslated text; acknowledging asks who, marking known asks a label, known marks can be removed', async () => {
    const { page, close } = await room.open({ locale: 'zh-CN', viewport: { width: 1280, height: 800 }, operator: null });
    page.on('dialog', (d) => void d.accept());
    try {
      expect(await page.evaluate(() => window.quietband!.lang())).toBe('zh-CN');
      expect(await untranslatedOnPage(page)).toEqual([]);
      // the list's count and a sensor's overload share in full-width brackets (were "告警 (9)", "否 (0.00 %)")
      expect(await latinPunctuationOnPage(page)).toEqual([]);
      expect(await page.locator('[data-testid="alert-count"]').textContent()).toMatch(/^（\d+）$/);
      expect(await page.locator('.sensor-card').first().locator('dt[data-i18n="sensor.overload"] + dd').textContent()).toMatch(/^否（\d+\.\d\d %）$/);
      expect(await page.locator('[data-testid="operator-button"]').textContent()).toBe('值班员：未设置');
      // sensor notes from message codes: a dongle not found (the daemon's English words in the tooltip), a deaf sensor
      const noteOf = (sensor: string) => page.locator(`.sensor-card[data-sensor="${sensor}"] [data-testid="sensor-state"]`);
      await page.waitForFunction(() => (document.querySelector('.sensor-card[data-sensor="room-103-door-east"] [data-testid="sensor-state"]')?.textContent ?? '').includes('找不到'), undefined, { timeout: 3000 });
      expect(await noteOf('room-103-door-east').textContent()).toMatch(/^\S+ — 找不到接收器：请确认 RTL-SDR 接收器已插好.*屏蔽 "dvb_usb_rtl28xxu"）；3.2 秒后重试$/);
      expect(await noteOf('room-103-door-east').getAttribute('title')).toBe(`${NOT_FOUND_REASON}; reopening in 3.2 s`);
      expect(await page.locator('[data-testid="disk-line"]').textContent()).toBe('磁盘记录：剩余 150 MB，低于 200 MB（证据存储下限的两倍）：不再绘制片段图片（证据片段和告警照常写入）');
      expect(await page.locator('[data-testid="evidence-line"]').textContent()).toMatch(/^证据：已用 [\d.]+ [kM]B，配额 1\.1 GB$/);
      const revisit = page.locator('.sensor-card[data-sensor="great-hall-b-stage"] [data-testid="sensor-revisit"]');
      expect(await revisit.textContent()).toBe('867.900 MHz–868.900 MHz：1.4 秒（共 3 个跳频点）');
      expect(await revisit.getAttribute('title')).toBe('每点驻留 100 毫秒，调谐后稳定 25 毫秒，当前在 868.6000 MHz');
      expect(await noteOf('room-102-window-north').textContent()).toMatch(/ — 听不到校准时的周期性发射源 433\.9904 MHz（每 47 秒一次，已 200 秒未出现）。请检查天线、馈线和增益：听不到信号的传感器不会产生任何告警。$/);
      // group expanded, offline alert's detail (its reason from the message code)
      await page.locator('[data-testid="alert-group"]').click();
      await page.waitForFunction(() => document.querySelectorAll('#alert-rows tr.member').length === 3, undefined, { timeout: 2000 });
      expect(await untranslatedOnPage(page)).toEqual([]);
      const off = page.locator('[data-testid="alert-row"][data-kind="sensor-offline"]');
      expect((await off.locator('.c-band').textContent())!.trim()).toBe('传感器离线 — 传感器 room-103-door-east（rtl=0）停止输出数据：已 2.1 秒无数据');
      expect((await off.locator('.live-tag').textContent())!.trim()).toBe('持续中');
      await off.locator('.c-room').click();
      const detail = page.locator('[data-testid="alert-detail"]');
      await detail.waitFor({ state: 'visible' });
      expect(await untranslatedOnPage(page)).toEqual([]);
      // its start in the site's zone (Asia/Shanghai): date, time, offset (not "2026/12/07 GMT+8 15:43:39")
      const start = await detail.locator('dt', { hasText: /^开始时间$/ }).locator('xpath=following-sibling::dd[1]').textContent();
      expect(start).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+8$/);
      await detail.locator('.detail-close').click();
      // the burst with its clip: the evidence row and the picture's axes
      await page.locator('[data-testid="alert-row"][data-closed="true"][data-kind="transmission"] .c-room').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="axis-x"] .tick').length > 0, undefined, { timeout: 5000 });
      expect(await detail.locator('dt', { hasText: '证据片段（IQ）' }).count()).toBe(1);
      // the clip's meta says its ring had overwritten most of its pre-roll: the line says how much it holds
      await detail.locator('[data-testid="detail-clip-preroll"]').waitFor({ timeout: 5000 });
      expect(await detail.locator('dt', { hasText: '证据片段（IQ）' }).locator('xpath=following-sibling::dd[1]').textContent()).toMatch(/^下载：\.sigmf-meta \.sigmf-data\s*发射前仅保留 0\.20 秒（应为 1\.50 秒）：其余已被覆盖（传感器处理落后）$/);
      expect(await detail.locator('.axis-title.x').textContent()).toBe('频率（MHz）');
      expect(await untranslatedOnPage(page)).toEqual([]);
      await detail.locator('.detail-close').click();

      // acknowledge: asks who (nothing remembered yet), records that name
      const hall = page.locator('[data-testid="alert-row"]:not(.member)', { has: page.locator('.c-sensor', { hasText: 'great-hall-b-stage' }) });
      const hallId = (await hall.getAttribute('data-alert-id'))!;
      await hall.locator('[data-testid="ack-button"]').click();
      const who = page.locator('[data-testid="who-dialog"]');
      await who.waitFor({ state: 'visible' });
      expect(await who.locator('.who-title').textContent()).toBe('由谁确认？');
      expect(await who.locator('.who-label-row').isVisible()).toBe(false);
      expect(await untranslatedOnPage(page)).toEqual([]);
      await who.locator('[data-testid="who-ok"]').click(); // empty name: refused
      expect(await who.locator('.who-error').textContent()).toBe('请填写此项。');
      await who.locator('[data-testid="who-name"]').fill('王老师');
      await who.locator('[data-testid="who-ok"]').click();
      await page.waitForSelector(`[data-testid="alert-row"][data-alert-id="${hallId}"][data-state="acknowledged"]`, { timeout: 3000 });
      expect(await page.locator('[data-testid="operator-button"]').textContent()).toBe('值班员：王老师');
      expect(await page.evaluate(() => localStorage.getItem('quietband.operator'))).toBe('王老师');
      const records: Alert[] = [];
      for await (const a of room.site.store.readSince(0)) if (a.alertId === hallId) records.push(a);
      expect(records.find((a) => a.event === 'ack')?.ackBy).toBe('王老师 (local@127.0.0.1)');
      // the detail names the person; the connection follows as a muted detail (was "已确认 (王老师 (local@127.0.0.1))"),
      // its identity word in Chinese (was "local@127.0.0.1"), the stored words as its title
      await page.locator(`[data-testid="alert-row"][data-alert-id="${hallId}"] .c-room`).click();
      await detail.waitFor({ state: 'visible' });
      const ackEntry = detail.locator('[data-testid="history-entry"]', { hasText: '已确认' });
      await ackEntry.waitFor({ timeout: 3000 });
      expect(await ackEntry.textContent()).toMatch(/^#\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+8 — 已确认：王老师 · 本机@127\.0\.0\.1$/);
      // the open record is the alert being raised, not the transmission starting (开始, which 开始时间 above means)
      expect(await detail.locator('[data-testid="history-entry"]').first().textContent()).toMatch(/^#\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+8 — 发出告警$/);
      expect(await ackEntry.locator('[data-testid="actor-name"]').textContent()).toBe('王老师');
      expect(await ackEntry.locator('[data-testid="actor-address"]').evaluate((el) => el.classList.contains('muted'))).toBe(true);
      expect(await ackEntry.locator('[data-testid="actor-address"]').getAttribute('title')).toBe('local@127.0.0.1');
      expect(await detail.locator('dt', { hasText: /^处理人$/ }).locator('xpath=following-sibling::dd[1]').textContent()).toBe('王老师 · 本机@127.0.0.1');
      expect(await untranslatedOnPage(page)).toEqual([]);
      await detail.locator('.detail-close').click();

      // mark known: asks the name (prefilled) and a label
      await page.locator(`[data-testid="alert-row"][data-alert-id="${hallId}"] [data-testid="known-button"]`).click();
      await who.waitFor({ state: 'visible' });
      expect(await who.locator('.who-title').textContent()).toBe('标记为已知发射源');
      expect(await who.locator('[data-testid="who-name"]').inputValue()).toBe('王老师');
      await who.locator('[data-testid="who-ok"]').click(); // empty label: refused
      expect(await who.locator('.who-error').isVisible()).toBe(true);
      await who.locator('[data-testid="who-label"]').fill('监考对讲机');
      await who.locator('[data-testid="who-ok"]').click();
      await page.waitForSelector(`[data-testid="alert-row"][data-alert-id="${hallId}"][data-state="known"]`, { timeout: 3000 });
      expect((await page.locator(`[data-testid="alert-row"][data-alert-id="${hallId}"] .c-band`).textContent())!.trim()).toBe('SRD 868 · 已知：监考对讲机');
      await expect.poll(() => room.known.list().filter((e) => e.origin === 'marked').map((e) => `${e.label} | ${e.addedBy}`), { timeout: 3000 }).toEqual(['监考对讲机 | 王老师 (local@127.0.0.1)']);
      const marked = room.known.list().find((e) => e.origin === 'marked')!;
      expect(marked.lowHz).toBeLessThan(868.35e6 - 6250);
      expect(marked.highHz).toBeGreaterThan(868.35e6 + 6250);

      // the known list: the configured and the marked emitter; remove the marked one
      await page.locator('[data-testid="known-list-button"]').click();
      const list = page.locator('[data-testid="known-dialog"]');
      await list.waitFor({ state: 'visible' });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="known-row"]').length === 2, undefined, { timeout: 3000 });
      const rows = await list.locator('[data-testid="known-row"]').evaluateAll((rs) => rs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent!.trim())));
      expect(rows[0]!.slice(0, 4)).toEqual(['Fire alarm link', '868.0000 MHz – 868.1000 MHz', '全部传感器', '考点配置']);
      expect(rows[0]![5]).toBe('');
      expect(rows[1]![0]).toBe('监考对讲机');
      expect(rows[1]![2]).toBe('great-hall-b-stage');
      expect(rows[1]![3]).toMatch(/^王老师 · 本机@127\.0\.0\.1 · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+8$/);
      expect(rows[1]![5]).toBe('移除');
      expect(await untranslatedOnPage(page)).toEqual([]);
      await shot(page, 'known-zh');
      await list.locator('[data-testid="known-remove"]').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="known-row"]').length === 1, undefined, { timeout: 3000 });
      expect(room.known.list().filter((e) => e.origin === 'marked')).toEqual([]);
      await list.locator('.known-close').click();
      // the alert it hid is back as it was before the mark (acknowledged, high), and its history says who removed it
      await page.waitForSelector(`[data-testid="alert-row"][data-alert-id="${hallId}"][data-state="acknowledged"]`, { timeout: 3000 });
      expect((await page.locator(`[data-testid="alert-row"][data-alert-id="${hallId}"] .c-band`).textContent())!.trim()).toBe('SRD 868');
      await page.locator(`[data-testid="alert-row"][data-alert-id="${hallId}"] .c-room`).click();
      await detail.waitFor({ state: 'visible' });
      const unmarkEntry = detail.locator('[data-testid="history-entry"]', { hasText: '已知标记已移除' });
      await unmarkEntry.waitFor({ timeout: 3000 });
      expect(await unmarkEntry.textContent()).toMatch(/^#\d+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\+8 — 已知标记已移除：王老师 · 本机@127\.0\.0\.1 — 已知发射源“监考对讲机”已移除：本告警重新计入$/);
      expect(await untranslatedOnPage(page)).toEqual([]);
      await detail.locator('.detail-close').click();

      // back to English: the same page speaks it at once
      await page.locator('[data-testid="lang-toggle"]').click();
      expect(await page.locator('[data-testid="operator-button"]').textContent()).toBe('Operator: 王老师');
      expect((await off.locator('.c-band').textContent())!.trim()).toBe('Sensor offline — sensor room-103-door-east (rtl=0) stopped delivering: no data for 2.1 s');
    } finally {
      await close();
    }
  }, 60_000);
});

describe('control room in zh-CN on a phone (390 × 844)', () => {
  it('the clip picture\'s axis titles read whole: time turned to read upwards (characters too), inside the dialog', async () => {
    const { page, close } = await room.open({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      await page.locator('[data-testid="alert-row"][data-closed="true"][data-kind="transmission"] .c-sensor').click();
      const fig = page.locator('[data-testid="detail-clip-figure"]');
      await fig.waitFor({ state: 'visible', timeout: 5000 });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="axis-y"] .tick').length > 0, undefined, { timeout: 5000 });
      await fig.scrollIntoViewIfNeeded();
      const m = await fig.evaluate((f) => {
        const body = f.closest('.detail-body')!.getBoundingClientRect();
        const box = f.getBoundingClientRect();
        const of = (sel: string) => {
          const el = f.querySelector<HTMLElement>(sel)!;
          const range = document.createRange();
          range.selectNodeContents(el);
          const r = range.getBoundingClientRect();
          const c = getComputedStyle(el);
          return {
            text: el.textContent,
            orientation: `${c.writingMode} ${c.textOrientation}`,
            // the glyphs inside the figure and the dialog's scrolling body (which clips), the element not overflowing
            inside: r.left >= Math.max(body.left, box.left) && r.right <= Math.min(body.right, box.right) && r.top >= box.top && r.bottom <= box.bottom,
            fits: el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight,
            upright: r.height > r.width,
          };
        };
        return { y: of('.axis-title.y'), x: of('.axis-title.x') };
      });
      // vertical-rl alone set the Chinese characters upright, and the 180° turn put them upside down
      expect(m.y).toEqual({ text: '时间（秒）', orientation: 'vertical-rl sideways', inside: true, fits: true, upright: true });
      expect(m.x).toEqual({ text: '频率（MHz）', orientation: 'horizontal-tb mixed', inside: true, fits: true, upright: false });
      await shot(page, 'phone-zh-clip');
    } finally {
      await close();
    }
  }, 60_000);
});

describe('an acknowledgement from before acks took a name (zh-CN, 390 × 844)', () => {
  it('reads 未署名 with the address, never the stored "supervisor@127.0.0.1:59262" (kept in the store); the state pill reads 已确认', async () => {
    const { alert } = await room.site.raise('great-hall-b-stage', 868_455_000);
    await room.site.bus.ack(alert.alertId, 'supervisor@127.0.0.1:59262'); // as an older daemon stored it
    const { page, close } = await room.open({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      const row = page.locator(`[data-testid="alert-row"][data-alert-id="${alert.alertId}"]`);
      await row.waitFor({ timeout: 3000 });
      expect(await row.locator('.state-pill').textContent()).toBe('已确认');
      await row.locator('.c-sensor').click();
      const detail = page.locator('[data-testid="alert-detail"]');
      await detail.waitFor({ state: 'visible' });
      const ackEntry = detail.locator('[data-testid="history-entry"]', { hasText: '已确认' });
      expect(await ackEntry.textContent()).toMatch(/ — 已确认：未署名 · 127\.0\.0\.1$/);
      // the browser's ephemeral port is left out: it names no one
      expect(await ackEntry.locator('[data-testid="actor-address"]').getAttribute('title')).toBe('127.0.0.1');
      expect(await detail.locator('dt', { hasText: /^处理人$/ }).locator('xpath=following-sibling::dd[1]').textContent()).toBe('未署名 · 127.0.0.1');
      await shot(page, 'phone-zh-old-ack');
      const stored: Alert[] = [];
      for await (const a of room.site.store.readSince(0)) if (a.alertId === alert.alertId && a.event === 'ack') stored.push(a);
      expect(stored.map((a) => a.ackBy)).toEqual(['supervisor@127.0.0.1:59262']);
    } finally {
      await close();
    }
  }, 60_000);
});

describe('known-emitter route', () => {
  it('refuses a removal without the request header or from another origin (403), and a configured emitter (404)', async () => {
    const url = (id: string): string => `${room.site.url.replace(/\/$/, '')}/known-emitters?id=${encodeURIComponent(id)}`;
    const list = (await (await fetch(url('x'))).json()) as { emitters: { id: string; origin: string }[] };
    const configured = list.emitters.find((e) => e.origin === 'config')!;
    expect((await fetch(url(configured.id), { method: 'DELETE' })).status).toBe(403);
    expect((await fetch(url(configured.id), { method: 'DELETE', headers: { 'X-QuietBand-Request': '1', Origin: 'http://evil.example' } })).status).toBe(403);
    const r = await fetch(url(configured.id), { method: 'DELETE', headers: { 'X-QuietBand-Request': '1' } });
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: string }).error).toContain('site config');
    expect((await fetch(url('marked:nope'), { method: 'DELETE', headers: { 'X-QuietBand-Request': '1' } })).status).toBe(404);
    expect((await fetch(url('x'), { method: 'POST' })).status).toBe(405);
  });
});
