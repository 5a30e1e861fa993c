// Control room in headless Chromium (1280 × 800 desktop, 390 × 844 phone, 820 px narrow window): full sensor names, a
// Room column, one group row per transmission, honest labels, the session countdown, clip axes, the phone layout.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/server/protocol.js';
import { NOT_FOUND_REASON, cutCells, pageOverflowPx, shot, squashedTexts, useControlRoom } from './control-room-site.js';
import { axisMissPx } from './fake-site.js';

const room = useControlRoom({ sensorNotes: true });

const groupRow = (page: Page) => page.locator('[data-testid="alert-group"]');

describe('control room at 1280 × 800 (en)', () => {
  it('shows full sensor names, a Room column, one group row per transmission, honest labels and the session countdown', async () => {
    const { page, close } = await room.open({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      expect(await pageOverflowPx(page)).toBeLessThanOrEqual(0);
      expect(await page.$eval('.table-wrap', (w) => w.scrollWidth - w.clientWidth)).toBeLessThanOrEqual(0);
      expect(await cutCells(page)).toEqual([]);
      expect(await squashedTexts(page)).toEqual([]);
      // the group: 3 alerts, rooms nearest (largest excess) first, one row until expanded
      expect(await groupRow(page).count()).toBe(1);
      expect(await groupRow(page).getAttribute('data-members')).toBe('3');
      expect((await groupRow(page).locator('.c-room').textContent())!.trim()).toBe('Room 101 (north wing), Room 103, Room 102 (north wing)');
      expect((await groupRow(page).locator('.c-sensor').textContent())!.trim()).toBe('3 sensors');
      expect((await groupRow(page).locator('.c-freq').textContent())!.trim()).toBe('433.9500 MHz');
      expect((await groupRow(page).locator('.c-excess').textContent())!.trim()).toBe('31.5 dB');
      expect(await page.locator('[data-testid="alert-row"][data-kind="transmission"]:not(.member)').count()).toBe(2);
      // the single transmission: full name and its room
      const hall = page.locator('[data-testid="alert-row"]', { has: page.locator('.c-sensor', { hasText: 'great-hall-b-stage' }) });
      expect((await hall.locator('.c-sensor').textContent())!.trim()).toBe('great-hall-b-stage');
      expect((await hall.locator('.c-room').textContent())!.trim()).toBe('Great Hall B');
      expect((await hall.locator('.live-tag').textContent())!.trim()).toBe('on air');
      // offline sensor: not "on air"; its text comes from the message code
      const off = page.locator('[data-testid="alert-row"][data-kind="sensor-offline"]');
      expect((await off.locator('.live-tag').textContent())!.trim()).toBe('ongoing');
      expect((await off.locator('.c-band').textContent())!.trim()).toBe('Sensor offline — sensor room-103-door-east (rtl=0) stopped delivering: no data for 2.1 s');
      // sensor notes from message codes, in English the daemon's own words (no tooltip: nothing to translate back)
      const noteOf = (sensor: string) => page.locator(`.sensor-card[data-sensor="${sensor}"] [data-testid="sensor-state"]`);
      await page.waitForFunction(() => (document.querySelector('.sensor-card[data-sensor="room-103-door-east"] [data-testid="sensor-state"]')?.textContent ?? '').includes('not found'), undefined, { timeout: 3000 });
      expect(await noteOf('room-103-door-east').textContent()).toBe(`offline — ${NOT_FOUND_REASON}; reopening in 3.2 s`);
      expect(await noteOf('room-103-door-east').getAttribute('title')).toBe('');
      const diskLine = page.locator('[data-testid="disk-line"]');
      expect(await diskLine.textContent()).toBe('recording to disk: 150 MB free, below 200 MB (twice the evidence floor): clip pictures are not drawn (clips and alerts are written)');
      expect([await diskLine.getAttribute('data-low'), await diskLine.getAttribute('data-below-floor')]).toEqual(['true', 'false']);
      expect(await page.locator('[data-testid="evidence-line"]').textContent()).toMatch(/^evidence: [\d.]+ [kM]B of the 1\.1 GB quota$/);
      const revisit = page.locator('.sensor-card[data-sensor="great-hall-b-stage"] [data-testid="sensor-revisit"]');
      expect(await revisit.textContent()).toBe('867.900 MHz–868.900 MHz: 1.4 s (3 hops)');
      expect(await revisit.getAttribute('title')).toBe('dwell 100 ms, settle 25 ms, now at 868.6000 MHz');
      expect(await noteOf('room-102-window-north').textContent()).toBe("armed — Not hearing the calibration's periodic emitter 433.9904 MHz (every 47 s, silent 200 s). Check the antenna, its cable and the gain: a deaf sensor raises no alerts.");
      // the 0.1 s burst
      const burst = page.locator('[data-testid="alert-row"][data-closed="true"][data-kind="transmission"]');
      expect((await burst.locator('.c-duration').textContent())!.trim()).toBe('0.1 s');
      expect((await burst.locator('.live-tag').textContent())!.trim()).toBe('ended');
      // session and countdown (1 h 00 min 30 s at the start; the test runs within a minute)
      const bar = (await page.locator('[data-testid="session-bar"]').textContent())!;
      expect(bar).toMatch(/^Exam session 数学 Maths · ends in 1:00:[0-3]\d$/);
      const left = /1:00:(\d\d)$/.exec(bar)![1]!;
      expect(Math.abs(3600 + Number(left) - (room.sessionEndMs - Date.now()) / 1000)).toBeLessThan(3);
      await shot(page, 'desktop-en');
      // expand the group: its three alerts follow it, sensors in full
      await groupRow(page).click();
      await page.waitForFunction(() => document.querySelectorAll('#alert-rows tr.member').length === 3, undefined, { timeout: 2000 });
      expect((await page.locator('#alert-rows tr.member .c-sensor').allTextContents()).sort()).toEqual(['room-101-window-north', 'room-102-window-north', 'room-103-door-east']);
      expect(await cutCells(page)).toEqual([]);
      // the detail of a group member: severity names the session; the clip-less spectrum view has axes (uPlot)
      await page.locator('#alert-rows tr.member').first().click();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible' });
      expect(await dialog.locator('dd', { hasText: 'high (exam session 数学 Maths)' }).count()).toBe(1);
      await dialog.locator('.detail-close').click();
      // acknowledge the group: one click, three acks by the remembered operator
      await groupRow(page).locator('[data-testid="ack-group-button"]').click();
      await page.waitForFunction(() => document.querySelectorAll('#alert-rows tr.member[data-state="acknowledged"]').length === 3, undefined, { timeout: 3000 });
      const acks: Alert[] = [];
      for await (const a of room.site.store.readSince(0)) if (a.event === 'ack') acks.push(a);
      expect(acks.length).toBe(3);
      for (const a of acks) expect(a.ackBy).toMatch(/^Test operator \(local@127\.0\.0\.1\)$/);
      expect(await groupRow(page).getAttribute('data-state')).toBe('acknowledged');
    } finally {
      await close();
    }
  }, 60_000);

  it('draws the evidence clip picture with frequency (MHz) and time (s) axes', async () => {
    const { page, close } = await room.open({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      await page.locator('[data-testid="alert-row"][data-closed="true"][data-kind="transmission"]').click();
      const fig = page.locator('[data-testid="detail-clip-figure"]');
      await fig.waitFor({ state: 'visible', timeout: 5000 });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="axis-x"] .tick').length > 0, undefined, { timeout: 5000 });
      // band 433.375 … 433.625 MHz (centre ± 125 kHz): ticks every 0.05 MHz
      const xs = await fig.locator('[data-testid="axis-x"] .tick').evaluateAll((ts) => ts.map((t) => ({ text: t.textContent, frac: Number((t as HTMLElement).dataset.frac) })));
      expect(xs.map((x) => x.text)).toEqual(['433.40', '433.45', '433.50', '433.55', '433.60']);
      expect(xs[2]!.frac).toBeCloseTo((433.5 - 433.375) / 0.25, 3);
      expect(await squashedTexts(page)).toEqual([]);
      // 0.5 s of clip: ticks every 0.2 s, 0.4 s at 80 % of the height
      const ys = await fig.locator('[data-testid="axis-y"] .tick').evaluateAll((ts) => ts.map((t) => ({ text: t.textContent, frac: Number((t as HTMLElement).dataset.frac) })));
      expect(ys.map((y) => y.text)).toEqual(['0.0', '0.2', '0.4']);
      expect(ys[2]!.frac).toBeCloseTo(0.8, 3);
      // drawn where their fractions say: each label's middle within 1 px of the picture's edge + fraction × its size
      // (the time labels stood 18 px × fraction too low: the time column ran past the picture to the MHz labels' foot)
      expect(await axisMissPx(fig)).toBeLessThan(1);
      expect(await fig.locator('.axis-title.x').textContent()).toBe('Frequency (MHz)');
      expect(await fig.locator('.axis-title.y').textContent()).toBe('Time (s)');
      // the clip line says the clip holds only 0.2 s of its 1.5 s pre-roll (its meta's quietband:pre_roll)
      await page.locator('[data-testid="detail-clip-preroll"]').waitFor({ timeout: 5000 });
      expect(await page.locator('[data-testid="detail-clip"]').textContent()).toMatch(/^Download: \.sigmf-meta \.sigmf-data\s*holds 0\.20 s before the transmission of the 1\.50 s asked for: the rest had already been overwritten \(the sensor was behind\)$/);
      await shot(page, 'clip-axes');
    } finally {
      await close();
    }
  }, 60_000);
});

describe('control room on a phone (390 × 844, zh-CN)', () => {
  it('has no horizontal scroll, reachable controls and a full-screen detail with Acknowledge in view', async () => {
    const { page, close } = await room.open({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      expect(await page.evaluate(() => window.quietband!.lang())).toBe('zh-CN');
      expect(await pageOverflowPx(page)).toBeLessThanOrEqual(0);
      expect(await page.$eval('.table-wrap', (w) => w.scrollWidth - w.clientWidth)).toBeLessThanOrEqual(0);
      expect(await cutCells(page)).toEqual([]);
      for (const id of ['sound-toggle', 'lang-toggle', 'connection-state', 'operator-button', 'known-list-button', 'report-button']) {
        const box = (await page.locator(`[data-testid="${id}"]`).boundingBox())!;
        expect({ id, left: box.x >= 0, right: box.x + box.width <= 390 }).toEqual({ id, left: true, right: true });
      }
      expect(await squashedTexts(page)).toEqual([]);
      await shot(page, 'phone-zh');
      // the name dialog is as tall as its form (before: 390 × 844, the form 129 px at its top, the rest empty), centred,
      // inside the screen
      await page.locator('[data-testid="operator-button"]').click();
      const who = page.locator('[data-testid="who-dialog"]');
      await who.waitFor({ state: 'visible' });
      const w = await who.evaluate((d) => {
        const box = d.getBoundingClientRect();
        const form = d.querySelector('form')!.getBoundingClientRect();
        return { x: box.x, y: box.y, w: box.width, h: box.height, formH: form.height };
      });
      expect(w.h).toBeGreaterThanOrEqual(w.formH);
      expect(w.h).toBeLessThanOrEqual(w.formH + 30);
      expect(w.x).toBeGreaterThanOrEqual(0);
      expect(w.x + w.w).toBeLessThanOrEqual(390);
      expect(Math.abs(w.y + w.h / 2 - 844 / 2)).toBeLessThanOrEqual(1);
      await shot(page, 'phone-zh-who');
      await who.locator('.who-cancel').click();
      await who.waitFor({ state: 'hidden' });
      const row = page.locator('[data-testid="alert-row"]', { has: page.locator('.c-sensor', { hasText: 'great-hall-b-stage' }) });
      await row.locator('.c-sensor').click();
      const dialog = page.locator('[data-testid="alert-detail"]');
      await dialog.waitFor({ state: 'visible' });
      const d = (await dialog.boundingBox())!;
      expect(d.x).toBeLessThanOrEqual(0.5);
      expect(d.width).toBeGreaterThanOrEqual(389);
      expect(d.height).toBeGreaterThanOrEqual(843);
      for (const sel of ['.detail-title', '.detail-close', '[data-testid="detail-ack-button"]']) {
        const b = (await dialog.locator(sel).boundingBox())!;
        expect({ sel, inside: b.x >= 0 && b.y >= 0 && b.x + b.width <= 390 && b.y + b.height <= 844 }).toEqual({ sel, inside: true });
      }
      expect(await dialog.locator('[data-testid="detail-ack-button"]').textContent()).toBe('确认');
      expect(await pageOverflowPx(page)).toBeLessThanOrEqual(0);
      expect(await squashedTexts(page)).toEqual([]);
      await shot(page, 'phone-zh-detail');
      await dialog.locator('[data-testid="detail-ack-button"]').click();
      await page.waitForSelector('[data-testid="alert-row"][data-state="acknowledged"] >> text=great-hall-b-stage', { timeout: 3000 });
      await dialog.locator('.detail-close').click();
      // the known-emitter list fits the phone too: its table scrolls inside the dialog, Close stays in view
      await page.locator('[data-testid="known-list-button"]').click();
      const known = page.locator('[data-testid="known-dialog"]');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="known-row"]').length >= 1, undefined, { timeout: 3000 });
      const close = (await known.locator('.known-close').boundingBox())!;
      expect(close.x + close.width).toBeLessThanOrEqual(390);
      expect(await pageOverflowPx(page)).toBeLessThanOrEqual(0);
      await known.locator('.known-close').click();
    } finally {
      await close();
    }
  }, 60_000);
});

describe('narrow desktop windows (1100 … 600 px, en and zh-CN)', () => {
  it('never wraps a label one character per line, never scrolls sideways, cuts no cell', async () => {
    const { page, close } = await room.open({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
    try {
      for (const lang of ['en', 'zh-CN']) {
        if (lang === 'zh-CN') await page.locator('[data-testid="lang-toggle"]').click();
        for (const width of [1100, 1024, 820, 600]) {
          await page.setViewportSize({ width, height: 900 });
          const where = `${lang} ${width} px`;
          // the spectrum plots follow the width a moment later (ResizeObserver)
          await expect.poll(async () => ({ where, overflow: await pageOverflowPx(page) <= 0 }), { timeout: 3000 }).toEqual({ where, overflow: true });
          expect({ where, squashed: await squashedTexts(page) }).toEqual({ where, squashed: [] });
          expect({ where, table: await page.$eval('.table-wrap', (w) => w.scrollWidth - w.clientWidth) <= 0 }).toEqual({ where, table: true });
          expect({ where, cut: await cutCells(page) }).toEqual({ where, cut: [] });
          if (width === 820) await shot(page, `narrow-${lang}`);
        }
      }
    } finally {
      await close();
    }
  }, 60_000);
});
