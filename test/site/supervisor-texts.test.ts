// The supervisor's notes reach the page as message codes: a missing dongle (real worker, fake librtlsdr) in the sensor
// health and the sensor-offline alert, and a sensor deaf to its calibration emitter, in English and Chinese.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertBus } from '../../src/alerts/alert-bus.js';
import { AlertStore } from '../../src/alerts/alert-store.js';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import { alertMessageIn, codesText } from '../../src/server/message-text.js';
import type { Alert } from '../../src/server/protocol.js';
import { SensorSupervisor } from '../../src/site/supervisor.js';
import { sensorWorkerUrl } from '../../src/site/worker-url.js';
import { buildAddonAgainstFake } from '../fake-librtlsdr/build.js';
import { setFakeEnv } from '../fake-librtlsdr/fake-env.js';
import { silentLog } from '../helpers.js';
import { tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-supervisor-texts-');
let addon = '';
beforeAll(async () => {
  addon = await buildAddonAgainstFake();
}, 120_000);
afterAll(() => {
  delete process.env.QUIETBAND_SENSOR_WORKER;
  delete process.env.QUIETBAND_RTLSDR_ADDON;
  setFakeEnv();
  tmp.cleanup();
});

async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function supervise(name: string, source: string, extra: object = {}): Promise<{ sup: SensorSupervisor; bus: AlertBus; alerts: Alert[] }> {
  const store = await AlertStore.open({ dataDir: join(tmp.dir, `data-${name}`), site: 'hall-t' });
  const bus = new AlertBus({ store });
  const alerts: Alert[] = [];
  bus.on('alert', (a) => alerts.push(a));
  const site = applySiteDefaults(validateSiteConfig({ site: 'hall-t', restart: { initialMs: 300, maxMs: 300 }, offlineAfterMs: 500, ...extra, sensors: [{ name, source }] }, 'x'), {}, 'x');
  const sup = new SensorSupervisor({ sensor: site.sensors[0]!, site, bus, log: silentLog, logLevel: 'silent', workerUrl: sensorWorkerUrl(), onSpectrum: () => undefined, onChange: () => undefined });
  return { sup, bus, alerts };
}

describe('supervisor notes as message codes', () => {
  it('a dongle that is not attached: health note source.notFound and alert offline.sourceError, rendered in both languages', async () => {
    delete process.env.QUIETBAND_SENSOR_WORKER;
    process.env.QUIETBAND_RTLSDR_ADDON = addon;
    setFakeEnv({ FAKE_RTLSDR_DEVICES: '0' });
    const { sup, bus, alerts } = await supervise('room-101', 'rtlsdr:HALL0101', { restart: { initialMs: 300, maxMs: 1200 } });
    try {
      sup.start();
      await until(() => sup.health().messageCodes?.[0]?.id === 'source.notFound', 15_000, 'the not-found note');
      const h = sup.health();
      expect(h.state).toBe('offline');
      expect(h.messageCodes![0]!.params!.ms).toBe(300);
      // English from the codes is the daemon's own message, word for word
      expect(codesText(h.messageCodes!)).toBe(h.message);
      expect(h.message).toMatch(/^cannot open rtlsdr:HALL0101: RTL-SDR serial HALL0101 not found; attached: .*; reopening in 300 ms$/);
      expect(codesText(h.messageCodes!, 'zh-CN')).toMatch(/^找不到接收器：请确认 RTL-SDR 接收器已插好.*；300 毫秒后重试$/);
      await until(() => alerts.some((a) => a.kind === 'sensor-offline'), 5000, 'the sensor-offline alert');
      const a = alerts.find((x) => x.kind === 'sensor-offline')!;
      expect(a.messageCode?.id).toBe('offline.sourceError');
      expect(a.messageCode?.params?.cause).toBe('source.notFound');
      expect(alertMessageIn('en', undefined, a.messageCode)).toBe(a.message);
      expect(alertMessageIn('zh-CN', undefined, a.messageCode)).toMatch(/^传感器 room-101（rtlsdr:HALL0101）停止输出数据：找不到接收器：.*300 毫秒后重试$/);
      // the open alert follows the retries (300, 600, 1200 ms): one update per new delay, the latest in seconds
      await until(() => alerts.some((x) => x.event === 'update' && x.messageCode?.params?.ms === 1200), 8000, 'the 1200 ms update');
      const updates = alerts.filter((x) => x.kind === 'sensor-offline' && x.event === 'update');
      expect(updates.map((x) => x.alertId)).toEqual(updates.map(() => a.alertId));
      expect(updates.map((x) => x.messageCode?.params?.ms)).toEqual([600, 1200]);
      expect(updates[1]!.message).toMatch(/; reopening in 1.2 s$/);
      expect(alertMessageIn('en', undefined, updates[1]!.messageCode)).toBe(updates[1]!.message);
      expect(alertMessageIn('zh-CN', undefined, updates[1]!.messageCode)).toMatch(/^传感器 room-101（rtlsdr:HALL0101）停止输出数据：找不到接收器：.*；1.2 秒后重试$/);
      expect(alertMessageIn('en', undefined, updates[1]!.messageCode)).toMatch(/; reopening in 1.2 s$/);
    } finally {
      await sup.stop();
      await bus.close();
    }
  }, 30_000);

  it('a sensor worker that exits: the sensor-offline alert names the exit in both languages (no English inside Chinese)', async () => {
    const workerPath = join(tmp.dir, 'exit-worker.mjs');
    writeFileSync(workerPath, `process.exit(3);\n`);
    process.env.QUIETBAND_SENSOR_WORKER = workerPath;
    const { sup, bus, alerts } = await supervise('room-104', 'sim', { restart: { initialMs: 2000, maxMs: 2000 } });
    try {
      sup.start();
      await until(() => alerts.some((a) => a.kind === 'sensor-offline'), 5000, 'the sensor-offline alert');
      const a = alerts.find((x) => x.kind === 'sensor-offline')!;
      expect(a.messageCode).toEqual({ id: 'offline.sourceError', params: { sensor: 'room-104', source: 'sim', code: '3', ms: 2000, cause: 'worker.exited' } });
      expect(a.message).toBe('sensor room-104 (sim) stopped delivering: sensor worker exited (code 3); restarting in 2 s');
      expect(alertMessageIn('en', undefined, a.messageCode)).toBe(a.message);
      expect(alertMessageIn('zh-CN', undefined, a.messageCode)).toBe('传感器 room-104（sim）停止输出数据：传感器处理进程已退出（代码 3）；2 秒后重启');
    } finally {
      await sup.stop();
      await bus.close();
      delete process.env.QUIETBAND_SENSOR_WORKER;
    }
  });

  it('a sensor whose periodic calibration emitter went silent: health note hearing.deaf + hearing.advice', async () => {
    // a stand-in worker: armed, delivering, and its baseline's 47 s weather station unheard for 200 s
    const workerPath = join(tmp.dir, 'deaf-worker.mjs');
    writeFileSync(workerPath, `
import { parentPort } from 'node:worker_threads';
parentPort.postMessage({ type: 'state', state: 'armed' });
const health = () => parentPort.postMessage({ type: 'health', lastBlockAtMs: Date.now(), samples: 1000, configuredRateSps: 250000, achievedRateSps: 250000, droppedBlocks: 0, clipFraction: 0, sourceWaitMs: 0, streaming: true,
  calibrationEmitters: [{ centerHz: 433990400, periodS: 47, continuous: false, appearances: 3, silentS: 200 }, { centerHz: 433920000, periodS: null, continuous: true, appearances: 1, silentS: 900 }] });
health();
setInterval(health, 100);
parentPort.on('message', (m) => { if (m.type === 'stop') { parentPort.postMessage({ type: 'state', state: 'stopped' }); process.exit(0); } });
`);
    process.env.QUIETBAND_SENSOR_WORKER = workerPath;
    const { sup, bus } = await supervise('room-102', 'sim');
    try {
      sup.start();
      await until(() => sup.health().messageCodes !== undefined, 5000, 'the deaf note');
      const h = sup.health();
      expect(h.state).toBe('armed');
      expect(h.messageCodes).toEqual([{ id: 'hearing.deaf', params: { mhz: '433.9904', periodS: '47', silentS: '200' } }, { id: 'hearing.advice' }]);
      expect(h.message).toBe("Not hearing the calibration's periodic emitter 433.9904 MHz (every 47 s, silent 200 s). Check the antenna, its cable and the gain: a deaf sensor raises no alerts.");
      expect(codesText(h.messageCodes!, 'zh-CN')).toBe('听不到校准时的周期性发射源 433.9904 MHz（每 47 秒一次，已 200 秒未出现）。请检查天线、馈线和增益：听不到信号的传感器不会产生任何告警。');
    } finally {
      await sup.stop();
      await bus.close();
      delete process.env.QUIETBAND_SENSOR_WORKER;
    }
  });
});
