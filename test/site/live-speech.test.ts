// Speech heard while listening live marks the alert: ListenHub (a frame flagged speech-present) → SensorSupervisor.speechHeard
// → an `update` whose signal has speechPresent true, kept by the later (final) identification and the close. A stand-in
// worker plays the sensor: an open nfm transmission, identified at once and again at its end.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import { listenChannelName, type ListenControl, type ListenReport } from '../../src/server/listen-channel.js';
import { ListenHub, type ClientSocket } from '../../src/server/listen.js';
import type { Alert } from '../../src/server/protocol.js';
import { LIVE_SPEECH_VOICE } from '../../src/site/detection-relay.js';
import { SensorSupervisor } from '../../src/site/supervisor.js';
import { sensorWorkerUrl } from '../../src/site/worker-url.js';
import { silentLog } from '../helpers.js';
import { tempDir, waitFor } from '../daemon/helpers.js';

const tmp = tempDir('qb-live-speech-');
afterAll(() => tmp.cleanup());

/** An nfm transmission: open, identified (first, no speech judged), identified again when the test says so, closed. */
const WORKER = `
import { parentPort } from 'node:worker_threads';
const ev = (kind) => ({ kind, id: 1, centerHz: 433860000, bandwidthHz: 11000, lowHz: 433854500, highHz: 433865500, peakExcessDb: 25, peakPowerDbfs: -40, startS: 0.5, paths: ['fast'], overload: false, tuneId: 0 });
const sig = (final) => ({ class: 'nfm', confidence: 0.93, reason: 'narrow FM', final, bandwidthHz: 11000, snrDb: 24 });
parentPort.postMessage({ type: 'state', state: 'armed' });
parentPort.postMessage({ type: 'stream', run: 1, centerHz: 433920000, rateSps: 250000, originMs: Date.now() - 1000, label: 'stand-in' });
parentPort.postMessage({ type: 'health', lastBlockAtMs: Date.now(), samples: 1000, configuredRateSps: 250000, achievedRateSps: 250000, droppedBlocks: 0, clipFraction: 0, sourceWaitMs: 0, streaming: true });
parentPort.postMessage({ type: 'detection', run: 1, ev: ev('open') });
setTimeout(() => parentPort.postMessage({ type: 'signal', run: 1, id: 1, signal: sig(false) }), 50);
parentPort.on('message', (m) => {
  if (m?.type !== 'test-end') return;
  parentPort.postMessage({ type: 'signal', run: 1, id: 1, signal: { ...sig(true), speechPresent: false, voice: 'no speech in the clip' } });
  parentPort.postMessage({ type: 'detection', run: 1, ev: { ...ev('close'), endS: 4 } });
});
setInterval(() => parentPort.postMessage({ type: 'health', lastBlockAtMs: Date.now(), samples: 1000, configuredRateSps: 250000, achievedRateSps: 250000, droppedBlocks: 0, clipFraction: 0, sourceWaitMs: 0, streaming: true }), 200);
`;

describe('speech heard live', () => {
  it('gives the alert an update with signal.speechPresent true, which the final identification and the close keep', async () => {
    const workerPath = join(tmp.dir, 'speech-worker.mjs');
    writeFileSync(workerPath, WORKER);
    process.env.QUIETBAND_SENSOR_WORKER = workerPath;
    const store = await AlertStore.open({ dataDir: join(tmp.dir, 'data'), site: 'hall-speech' });
    const bus = new AlertBus({ store, updateIntervalMs: 1000 });
    const alerts: Alert[] = [];
    bus.on('alert', (a) => alerts.push(a));
    const site = applySiteDefaults(validateSiteConfig({ site: 'hall-speech', sensors: [{ name: 'bench', source: 'sim' }] }, 'x'), {}, 'x');
    const sup = new SensorSupervisor({ sensor: site.sensors[0]!, site, bus, log: silentLog, logLevel: 'silent', workerUrl: sensorWorkerUrl(), onSpectrum: () => undefined, onChange: () => undefined });
    const speechCalls: string[] = [];
    const hub = new ListenHub({
      site: 'hall-speech', sensors: [{ name: 'bench', hopping: false }], alerts: bus, log: silentLog,
      onSpeech: (alertId, sensor) => {
        speechCalls.push(`${sensor}:${alertId}`);
        sup.speechHeard(alertId);
      },
    });
    // the listen thread's side of the sensor's channel
    const thread = new BroadcastChannel(listenChannelName('hall-speech', 'bench'));
    let listenId = -1;
    thread.onmessage = (e: unknown) => {
      const m = (e as { data: ListenControl | ListenReport }).data;
      if (m.type === 'start') listenId = m.listenId;
    };
    const ws: ClientSocket = { readyState: 1, bufferedAmount: 0, send: () => undefined };
    const frame = (seq: number, speech: boolean | null): ListenReport => ({ type: 'audio', listenId, seq, firstSampleMs: Date.now(), speech, pcm: new Int16Array(1600) });
    try {
      sup.start();
      const identified = await waitFor(() => alerts.find((a) => a.event === 'update' && a.signal?.class === 'nfm'), 5000, 'the first identification');
      expect(identified.signal!.speechPresent).toBeUndefined();
      hub.onMessage(ws, { v: 1, type: 'listen', alertId: identified.alertId });
      await waitFor(() => listenId >= 0, 2000, 'the listen start on the sensor channel');
      // frames before the voice test judged, then one without speech: nothing recorded
      thread.postMessage(frame(0, null));
      thread.postMessage(frame(1, false));
      await new Promise((r) => setTimeout(r, 200));
      expect(alerts.filter((a) => a.signal?.speechPresent === true)).toEqual([]);
      // speech judged present: one update at once (not held by the 1 s throttle), through the supervisor's identification
      thread.postMessage(frame(2, true));
      thread.postMessage(frame(3, true));
      const marked = await waitFor(() => alerts.find((a) => a.signal?.speechPresent === true), 2000, 'an update with speech present');
      expect(marked).toMatchObject({ alertId: identified.alertId, event: 'update', sensor: 'bench' });
      expect(marked.signal).toMatchObject({ class: 'nfm', confidence: 0.93, final: false, speechPresent: true, voice: LIVE_SPEECH_VOICE });
      // a verdict of no speech later does not turn it back
      thread.postMessage(frame(4, false));
      // the transmission ends: its final identification (whose clip heard no speech) and its close keep speech present
      // a test-only message to the sensor worker, outside the protocol: the supervisor's worker is private
      (sup as unknown as { worker: { postMessage(m: unknown): void } }).worker.postMessage({ type: 'test-end' });
      const close = await waitFor(() => alerts.find((a) => a.event === 'close' && a.kind === 'transmission'), 5000, 'the close');
      await bus.flush();
      const recs = alerts.filter((a) => a.alertId === identified.alertId);
      const afterMark = recs.slice(recs.indexOf(marked));
      expect(afterMark.every((a) => a.signal?.speechPresent === true)).toBe(true);
      expect(close.signal).toMatchObject({ final: true, speechPresent: true, voice: LIVE_SPEECH_VOICE });
      expect(speechCalls).toEqual([`bench:${identified.alertId}`]);
      // an alert that is not open is not marked
      expect(sup.speechHeard(identified.alertId)).toBe(false);
    } finally {
      thread.close();
      hub.close();
      await sup.stop(1000);
      delete process.env.QUIETBAND_SENSOR_WORKER;
      await bus.close();
      await store.close();
    }
  });
});
