// Live listening in Chromium: the alert detail offers Listen for an open nfm alert and not for an OOK one (en and zh-CN),
// and "Listen (closest: NFM)" for an unknown whose closest class is nfm;
// a click sends `listen`, the page receives the binary audio frames (a stand-in for the sensor worker answers on the
// sensor's listen channel with a 1 kHz tone), and Stop, the alert's close or closing the page stops the sensor's stream.
// An ended nfm alert with its clip plays the clip's demodulated audio (GET clips/<name>.wav); an ended OOK one has none.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListenHub } from '../../src/server/listen.js';
import { listenChannelName, type ListenControl, type ListenReport } from '../../src/server/listen-channel.js';
import { codedReason } from '../../src/server/message-text.js';
import type { AlertSignal } from '../../src/server/protocol.js';
import { NFM_CLIP, writeNfmClip } from '../evidence/nfm-clip.js';
import { alertRow, ensureUiBuilt, FAKE_SENSORS, identify, openLivePage, startFakeSite, tempDir, type FakeSite, type FakeTransmission } from './fake-site.js';

const NFM: AlertSignal = { class: 'nfm', confidence: 0.9, final: false, bandwidthHz: 11_000, deviationHz: 3000, snrDb: 20, reason: 'constant envelope, frequency swings ±3.0 kHz' };
/** An nfm identification as the classifier gives it: the English reason and its code. */
const NFM_CODED: AlertSignal = { ...NFM, ...codedReason('ident.nfm', { k: '0.02', limit: 0.55, bw: '11.0 kHz', dev: '3.0 kHz' }) };
const OOK: AlertSignal = { class: 'ook', confidence: 0.93, final: false, bandwidthHz: 2204, reason: 'on-off keyed: 128 pulses' };

let site: FakeSite;
let hub: ListenHub | null = null;
const td = tempDir('qb-webui-listen-');
/** The sensor worker's side, played by the test: what it was asked, and the tone streams it runs. */
const asked: ListenControl[] = [];
const streams = new Map<number, NodeJS.Timeout>();
let worker: BroadcastChannel;

beforeAll(async () => {
  ensureUiBuilt();
  mkdirSync(path.join(td.dir, 'clips'));
  await writeNfmClip(path.join(td.dir, 'clips'), 'room-101_nfm');
  site = await startFakeSite({ dataDir: td.dir, clips: { dir: path.join(td.dir, 'clips'), picturesDir: path.join(td.dir, 'clip-pictures') }, wsExtension: { onMessage: (ws, m) => hub?.onMessage(ws, m) ?? false, onClose: (ws) => hub?.onClose(ws) } });
  hub = new ListenHub({ site: 'exam-hall-a', sensors: FAKE_SENSORS.map((s) => ({ name: s.name, hopping: false })), alerts: site.bus, log: pino({ level: 'silent' }) });
  worker = new BroadcastChannel(listenChannelName('exam-hall-a', FAKE_SENSORS[0]!.name));
  worker.onmessage = (ev: unknown) => {
    const m = (ev as { data: ListenControl | ListenReport }).data;
    if (m.type !== 'start' && m.type !== 'stop') return;
    asked.push(m);
    if (m.type === 'stop') {
      clearInterval(streams.get(m.listenId));
      streams.delete(m.listenId);
      return;
    }
    let seq = 0;
    streams.set(m.listenId, setInterval(() => {
      const pcm = new Int16Array(1600);
      for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(16000 * Math.sin((2 * Math.PI * 1000 * (seq * 1600 + i)) / 16000));
      worker.postMessage({ type: 'audio', listenId: m.listenId, seq: seq++, firstSampleMs: Date.now() - 100, speech: false, pcm } satisfies ListenReport);
    }, 100));
  };
}, 60_000);
afterAll(async () => {
  await browser?.close();
  for (const t of streams.values()) clearInterval(t);
  worker?.close();
  hub?.close();
  await site?.close();
  td.cleanup();
});

/** Raises a transmission on the first fake sensor with an update carrying `signal`, as the daemon's supervisor does. */
async function raise(centerHz: number, signal: AlertSignal): Promise<string> {
  return (await raiseTx(centerHz, signal)).alertId;
}

async function raiseTx(centerHz: number, signal: AlertSignal): Promise<{ alertId: string; tx: FakeTransmission }> {
  const { alert, tx } = await site.raise(FAKE_SENSORS[0]!.name, centerHz);
  await identify(site, tx, signal);
  return { alertId: alert.alertId, tx };
}

/** One Chromium for both tests (English first, then switched to zh-CN with the page's language button). */
let browser: { page: Page; close: () => Promise<void> } | null = null;
async function open(): Promise<{ page: Page; close: () => Promise<void> }> {
  browser ??= await openLivePage(site.url, { locale: 'en-US', args: ['--autoplay-policy=no-user-gesture-required'] });
  return browser;
}

/** Opens the detail of `alertId`; returns its Listen button and status. */
async function detailOf(page: Page, alertId: string) {
  await (await alertRow(page, alertId)).click();
  const dialog = page.locator('[data-testid="alert-detail"]');
  await dialog.waitFor({ state: 'visible', timeout: 2000 });
  await page.waitForFunction(() => document.querySelector('[data-testid="detail-signal"]') !== null, undefined, { timeout: 3000 });
  return { dialog, button: dialog.locator('[data-testid="detail-listen-button"]'), status: dialog.locator('[data-testid="detail-listen-status"]') };
}

/** Waits (2 s) for a `start` other than `previous` to reach the sensor side; its listenId. */
async function waitForStart(previous: number): Promise<number> {
  const end = Date.now() + 2000;
  for (;;) {
    const m = asked.find((x) => x.type === 'start' && x.listenId !== previous);
    if (m !== undefined) return m.listenId;
    if (Date.now() > end) throw new Error('no second start reached the sensor side');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const frames = async (status: ReturnType<Page['locator']>): Promise<number> => Number(await status.getAttribute('data-frames'));

describe('live listening in the web UI', () => {
  it('en: Listen for the nfm alert (frames arrive, Stop stops the sensor stream), none for the OOK alert', async () => {
    const [{ alertId: nfm, tx }, ook] = await Promise.all([raiseTx(433_500_000, NFM_CODED), raise(434_100_000, OOK)]);
    const { page } = await open();
    {
      const d = await detailOf(page, nfm);
      expect(await d.dialog.textContent()).toContain('narrow FM: constant envelope (kurtosis 0.02), 99 % bandwidth 11.0 kHz, deviation ≈ 3.0 kHz');
      await d.button.waitFor({ state: 'visible', timeout: 2000 });
      expect(await d.button.textContent()).toBe('Listen');
      await d.button.click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="detail-listen-status"]')?.getAttribute('data-frames')) >= 5, undefined, { timeout: 5000 });
      expect(await d.button.textContent()).toBe('Stop listening');
      expect(await d.status.textContent()).toBe('Listening live · no speech');
      const start = asked.find((m) => m.type === 'start')!;
      expect(start).toMatchObject({ type: 'start', centerHz: 433_500_000, cls: 'nfm', bandwidthHz: 11_000 });
      await d.button.click();
      await page.waitForFunction(() => document.querySelector('[data-testid="detail-listen-button"]')?.textContent === 'Listen', undefined, { timeout: 2000 });
      await new Promise((r) => setTimeout(r, 300));
      expect(asked.filter((m) => m.type === 'stop').map((m) => m.listenId)).toEqual([start.listenId]);
      const after = await frames(d.status);
      expect(after).toBeGreaterThanOrEqual(5); // the count heard stays after Stop (0 would also be "no more frames")
      await new Promise((r) => setTimeout(r, 500));
      expect(await frames(d.status)).toBe(after);
      // listening again, then the transmission ends: the daemon stops the stream and the page says why
      await d.button.click();
      await page.waitForFunction(() => document.querySelector('[data-testid="detail-listen-button"]')?.getAttribute('data-listening') === 'true', undefined, { timeout: 2000 });
      const second = await waitForStart(start.listenId);
      await site.end(tx);
      await page.waitForFunction(() => document.querySelector('[data-testid="detail-listen-status"]')?.textContent === 'Listening stopped: the transmission ended (its alert closed)', undefined, { timeout: 3000 });
      // the close record hides the button on the page's next render (the stop may come before or after it)
      await d.button.waitFor({ state: 'hidden', timeout: 2000 });
      expect(asked.some((m) => m.type === 'stop' && m.listenId === second)).toBe(true);
      await page.locator('.detail-close').click();
      const o = await detailOf(page, ook);
      expect(await o.button.isHidden()).toBe(true);
      await page.locator('.detail-close').click();
    }
  });

  it('an open unknown whose closest class is nfm offers "Listen (closest: NFM)" (zh-CN 监听（最接近：窄调频）) and is streamed as nfm (docs/identification.md §5a)', async () => {
    const closest: AlertSignal = { class: 'unknown', closestClass: 'nfm', confidence: 0.05, final: false, bandwidthHz: 10_200, reason: 'narrow FM: envelope not constant' };
    const alertId = await raise(433_550_000, closest);
    const { page } = await open();
    const d = await detailOf(page, alertId);
    await d.button.waitFor({ state: 'visible', timeout: 2000 });
    expect(await d.button.textContent()).toBe('Listen (closest: NFM)');
    const before = asked.filter((m) => m.type === 'start').length;
    await d.button.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="detail-listen-button"]')?.textContent === 'Stop listening', undefined, { timeout: 3000 });
    const end = Date.now() + 2000;
    while (asked.filter((m) => m.type === 'start').length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(asked.filter((m) => m.type === 'start').at(-1)).toMatchObject({ type: 'start', centerHz: 433_550_000, cls: 'nfm', bandwidthHz: 10_200 });
    await d.button.click();
    await page.waitForFunction(() => document.querySelector('[data-testid="detail-listen-button"]')?.textContent === 'Listen (closest: NFM)', undefined, { timeout: 2000 });
    await page.locator('.detail-close').click();
    await page.locator('[data-testid="lang-toggle"]').click();
    const z = await detailOf(page, alertId);
    await z.button.waitFor({ state: 'visible', timeout: 2000 });
    expect(await z.button.textContent()).toBe('监听（最接近：窄调频）');
    await page.locator('.detail-close').click();
    await page.locator('[data-testid="lang-toggle"]').click();
  });

  it('an ended nfm alert with its clip offers the clip audio, which plays (no Listen); an ended OOK alert with a clip does not (en, zh-CN label)', async () => {
    const [nfm, ook] = await Promise.all([raiseTx(433_700_000, NFM_CODED), raiseTx(434_300_000, OOK)]);
    await Promise.all([site.end(nfm.tx), site.end(ook.tx)]);
    await site.bus.attachClip(nfm.alertId, 'clips/room-101_nfm.sigmf-meta');
    await site.bus.attachClip(ook.alertId, 'clips/room-101_ook.sigmf-meta');
    const { page } = await open();
    // the daemon's first demodulation takes seconds on a loaded box: held here until the status has been read
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/clips/*.wav*', async (route) => {
      await held;
      await route.continue();
    });
    const d = await detailOf(page, nfm.alertId);
    const box = d.dialog.locator('[data-testid="detail-clip-audio"]');
    await box.waitFor({ state: 'visible', timeout: 2000 });
    const player = box.locator('audio[data-testid="detail-clip-audio-player"]');
    expect(await player.getAttribute('src')).toBe('clips/room-101_nfm.wav?class=nfm');
    expect(await player.getAttribute('preload')).toBe('metadata');
    expect(await player.evaluate((a: HTMLAudioElement) => a.controls)).toBe(true);
    const status = box.locator('[data-testid="detail-clip-audio-status"]');
    expect(await status.textContent()).toBe('preparing audio…'); // not a bare "0:00 / 0:00"
    release();
    await page.waitForFunction(() => document.querySelector('[data-testid="detail-clip-audio-status"]')?.textContent === '', undefined, { timeout: 10_000 });
    await page.unroute('**/clips/*.wav*');
    expect(await box.textContent()).toBe('Evidence clip audio (demodulated)');
    expect(await d.button.isHidden()).toBe(true);
    // before play: the daemon demodulated the clip (a real SigMF pair) and the player knows its length (not 0:00)
    const before = await player.evaluate(async (a: HTMLAudioElement) => {
      if (!(a.duration > 0)) await new Promise((r) => a.addEventListener('loadedmetadata', r, { once: true }));
      return { durationS: a.duration, paused: a.paused, currentS: a.currentTime };
    });
    expect(before.paused).toBe(true);
    expect(before.currentS).toBe(0);
    expect(Math.abs(before.durationS - NFM_CLIP.clipS) / NFM_CLIP.clipS).toBeLessThan(0.05);
    // it plays
    const played = await player.evaluate(async (a: HTMLAudioElement) => {
      await a.play();
      a.pause();
      return a.duration;
    });
    expect(played).toBe(before.durationS);
    await page.locator('.detail-close').click();
    const o = await detailOf(page, ook.alertId);
    expect(await o.dialog.locator('[data-testid="detail-clip-audio"]').isHidden()).toBe(true);
    await page.locator('.detail-close').click();
    await page.locator('[data-testid="lang-toggle"]').click();
    const z = await detailOf(page, nfm.alertId);
    await page.waitForFunction(() => document.querySelector('[data-testid="detail-clip-audio-status"]')?.textContent === '', undefined, { timeout: 10_000 });
    expect(await z.dialog.locator('[data-testid="detail-clip-audio"]').textContent()).toBe('证据片段音频（解调）');
    await page.locator('.detail-close').click();
    await page.locator('[data-testid="lang-toggle"]').click();
  });

  it('zh-CN (the language button): the identification reason and the stop reason in Chinese; 监听 for the nfm alert, none for the OOK alert; closing the page stops the sensor stream', async () => {
    const [nfm, ook, ended] = await Promise.all([raise(433_600_000, NFM), raise(434_200_000, OOK), raiseTx(433_650_000, NFM_CODED)]);
    const { page, close } = await open();
    await page.locator('[data-testid="lang-toggle"]').click();
    {
      // the reason row from its code, in Chinese; listening, then the transmission ends: the stop reason in Chinese
      const e = await detailOf(page, ended.alertId);
      const text = (await e.dialog.textContent()) ?? '';
      expect(text).toContain('窄带调频：包络恒定（峭度 0.02），99 % 带宽 11.0 kHz，频偏约 3.0 kHz');
      expect(text).not.toContain(NFM_CODED.reason);
      await e.button.waitFor({ state: 'visible', timeout: 2000 });
      const beforeEnd = asked.length;
      await e.button.click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="detail-listen-status"]')?.getAttribute('data-frames')) >= 1, undefined, { timeout: 5000 });
      expect(asked.slice(beforeEnd).some((m) => m.type === 'start' && m.centerHz === 433_650_000)).toBe(true);
      await site.end(ended.tx);
      await page.waitForFunction(() => document.querySelector('[data-testid="detail-listen-status"]')?.textContent === '监听已停止：发射已结束（其告警已关闭）', undefined, { timeout: 3000 });
      await page.locator('.detail-close').click();
      const o = await detailOf(page, ook);
      expect(await o.button.isHidden()).toBe(true);
      await page.locator('.detail-close').click();
      const d = await detailOf(page, nfm);
      await d.button.waitFor({ state: 'visible', timeout: 2000 });
      expect(await d.button.textContent()).toBe('监听');
      const before = asked.length;
      await d.button.click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="detail-listen-status"]')?.getAttribute('data-frames')) >= 3, undefined, { timeout: 5000 });
      expect(await d.button.textContent()).toBe('停止监听');
      expect(await d.status.textContent()).toBe('正在实时监听 · 无语音');
      const start = asked.slice(before).find((m) => m.type === 'start')!;
      expect(start.centerHz).toBe(433_600_000);
      await close();
      browser = null;
      const end = Date.now() + 3000;
      while (!asked.some((m) => m.type === 'stop' && m.listenId === start.listenId) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(asked.some((m) => m.type === 'stop' && m.listenId === start.listenId)).toBe(true);
      expect(hub!.stats().listens).toBe(0);
    }
  });
});
