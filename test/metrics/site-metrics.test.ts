// /metrics' count of raised transmissions (quietband_transmission_alerts_raised{class}) beside the per-class and per-state
// counts, from the alert store: raised by the band rule, dropped by a later identification, a known emitter not counted;
// after a reopen.
import { afterEach, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import type { AlertSignal } from '../../src/alerts/alert.js';
import { SiteMetrics } from '../../src/metrics/site-metrics.js';
import { det, tempDir } from '../server/helpers.js';
import { parseMetrics } from './metrics-helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A signal as a sensor with an absolute centre sends it (`band` set: the raise rule looks the band up by frequency). */
const sig = (cls: AlertSignal['class'], final = false): AlertSignal => ({ class: cls, confidence: 0.95, reason: 'test', final, band: 'set' });
/** A detection `id` at `centerHz` (12.5 kHz wide). */
const at = (id: number, kind: 'open' | 'update' | 'close', centerHz: number) => det(id, kind, { centerHz, lowHz: centerHz - 6250, highHz: centerHz + 6250, ...(kind === 'close' ? { endS: 3 } : {}) });

async function scrape(store: AlertStore): Promise<{ raised: (cls: string) => number; byClass: (cls: string) => number; byState: (state: string) => number }> {
  const m = parseMetrics(await new SiteMetrics('hall-r', store).text());
  return {
    raised: (cls) => m.get(`quietband_transmission_alerts_raised{class="${cls}",site="hall-r"}`) ?? NaN,
    byClass: (cls) => m.get(`quietband_transmission_alerts_by_class{class="${cls}",site="hall-r"}`) ?? NaN,
    byState: (state) => m.get(`quietband_alerts{site="hall-r",state="${state}"}`) ?? NaN,
  };
}

describe('quietband_transmission_alerts_raised', () => {
  it('counts stored transmissions the band rule raised, by class; a dropped raise and a known emitter do not count; it survives a reopen', async () => {
    const t = tempDir('qb-metrics-raise-');
    const store = await AlertStore.open({ dataDir: t.dir, site: 'hall-r' });
    const bus = new AlertBus({ store });
    let reopened: AlertStore | undefined;
    cleanups.push(async () => {
      await bus.close();
      await store.close();
      await reopened?.close();
      t.cleanup();
    });
    // nfm at 450.1 MHz (land mobile: a voice link) and at 230.025 MHz (data only): both raised
    await bus.handleDetection('s1', at(1, 'open', 450_100_000));
    await bus.handleDetection('s1', at(1, 'update', 450_100_000), { signal: sig('nfm') });
    await bus.handleDetection('s1', at(2, 'open', 230_025_000));
    await bus.handleDetection('s1', at(2, 'close', 230_025_000), { signal: sig('nfm', true) });
    // a phone's uplink (GSM900): tdma-burst raised
    await bus.handleDetection('s1', at(3, 'open', 902_400_000));
    await bus.handleDetection('s1', at(3, 'update', 902_400_000), { signal: sig('tdma-burst') });
    // an OOK remote in ISM 433: the band's own traffic, not raised
    await bus.handleDetection('s1', at(4, 'open', 433_920_000));
    await bus.handleDetection('s1', at(4, 'update', 433_920_000), { signal: sig('ook') });
    // raised first, then the final identification reads fsk (a 223–235 MHz data link): the raise is dropped
    await bus.handleDetection('s1', at(5, 'open', 230_050_000));
    await bus.handleDetection('s1', at(5, 'update', 230_050_000), { signal: sig('nfm') });
    await bus.handleDetection('s1', at(5, 'close', 230_050_000), { signal: sig('fsk', true) });
    let m = await scrape(store);
    expect([m.raised('nfm'), m.raised('tdma-burst'), m.raised('ook'), m.raised('fsk'), m.raised('unknown')]).toEqual([2, 1, 0, 0, 0]);
    expect([m.byClass('nfm'), m.byClass('tdma-burst'), m.byClass('ook'), m.byClass('fsk')]).toEqual([2, 1, 1, 1]);
    // the voice link marked known (a staff radio): severity info, no longer counted as raised
    await bus.known('hall-r-1', 'Wang Fang');
    m = await scrape(store);
    expect(m.raised('nfm')).toBe(1);
    expect([m.byState('new'), m.byState('acknowledged'), m.byState('known')]).toEqual([4, 0, 1]);
    // the store folds its file again on open: the same count
    await bus.close();
    await store.close();
    reopened = await AlertStore.open({ dataDir: t.dir, site: 'hall-r' });
    m = await scrape(reopened);
    expect([m.raised('nfm'), m.raised('tdma-burst')]).toEqual([1, 1]);
  });

  it('counts a class below the class floor under unknown, not under its closest class, and never as raised', async () => {
    const t = tempDir('qb-metrics-floor-');
    const store = await AlertStore.open({ dataDir: t.dir, site: 'hall-r' });
    const bus = new AlertBus({ store });
    cleanups.push(async () => {
      await bus.close();
      await store.close();
      t.cleanup();
    });
    // the demo's noise burst in SRD 868 MHz: NFM at 5 % (would be "unexpected" there, were it named)
    const burst: AlertSignal = { class: 'unknown', closestClass: 'nfm', confidence: 0.05, reason: 'narrow FM: envelope not constant', final: true, band: 'SRD 868 MHz', unexpected: false };
    await bus.handleDetection('s1', at(1, 'open', 868_260_000));
    await bus.handleDetection('s1', at(1, 'close', 868_260_000), { signal: burst });
    const m = await scrape(store);
    expect([m.byClass('unknown'), m.byClass('nfm'), m.raised('nfm'), m.raised('unknown')]).toEqual([1, 0, 0, 0]);
  });
});
