// Publishes a site's alerts (from the store, in seq order, resumable), sensor health and heartbeats to an MQTT broker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { AlertFeedLive } from '../alerts/alert-feed.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { SensorHealth } from '../server/protocol.js';
import { mqttClientOptions, siteTopic, type MqttSettings } from './mqtt-config.js';
import { writeFileAtomic } from '../atomic-write.js';

/** File in the data dir holding the last alert seq the broker acknowledged (PUBACK). */
export const MQTT_STATE_FILE = 'mqtt-state.json';

/** Payload of `<prefix>/<site>/heartbeat` (JSON, QoS 1). */
export interface MqttHeartbeat {
  v: 1;
  site: string;
  /** Wall-clock time of the site (ISO 8601 UTC). */
  time: string;
  /** Heartbeat period (ms): a consumer declares the site offline after a few missed ones. */
  heartbeatMs: number;
  /** Highest stored alert seq, and the highest one published: lastSeq > publishedSeq while a backlog is being sent. */
  lastSeq: number;
  publishedSeq: number;
  sensorsOnline: number;
  sensorsTotal: number;
  /** True on the last heartbeat before a clean shutdown. */
  stopping?: boolean;
}

/** Payload of `<prefix>/<site>/health` (JSON, QoS 1). */
export interface MqttHealth {
  v: 1;
  site: string;
  time: string;
  sensors: SensorHealth[];
}

/** Payload of `<prefix>/<site>/alert`: the stored {@link import('../alerts/alert.js').Alert} record as is (its `seq` lets a consumer detect gaps). */

/** Options of {@link MqttPublisher}. */
export interface MqttPublisherOptions {
  settings: MqttSettings;
  site: string;
  /** Holds {@link MQTT_STATE_FILE}. */
  dataDir: string;
  store: AlertStore;
  /** The site's AlertBus: its `'alert'` events wake the loop that publishes from the store. */
  bus: Pick<AlertFeedLive, 'on' | 'off'>;
  log: Logger;
}

/**
 * Publisher of one site. Alerts are never taken from the bus event itself: the event only wakes a loop that reads every
 * stored record with seq > the last acknowledged one ({@link AlertStore.readSince}) and publishes them one at a time
 * at QoS 1, waiting for each PUBACK, so they reach the broker in seq order and an outage of the broker (or of this
 * process) only delays them. The last acknowledged seq is kept in `<dataDir>/mqtt-state.json` (written after each
 * batch; a crash between PUBACK and write re-sends at most that batch: consumers drop seqs they already have).
 * Health and heartbeats are sent only while connected (stale ones are worthless). Nothing here runs on the detection
 * path or waits for the broker on it.
 */
export class MqttPublisher {
  private readonly o: MqttPublisherOptions;
  private readonly log: Logger;
  private client: MqttClient | null = null;
  private sensors: () => SensorHealth[] = () => [];
  private published = 0;
  private savedSeq = 0;
  private pumping = false;
  private again = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private readonly onAlert = (): void => this.kick();
  private readonly clientOpts: ReturnType<typeof mqttClientOptions>;
  /** Alert records acknowledged by the broker since start. */
  alertsPublished = 0;
  /** Heartbeats and health messages sent since start. */
  heartbeatsSent = 0;
  healthSent = 0;

  /** @throws QuietBandError('CONFIG') when a password/TLS file cannot be read. */
  constructor(o: MqttPublisherOptions) {
    this.o = o;
    this.log = o.log.child({ component: 'mqtt' });
    try {
      const st = JSON.parse(readFileSync(join(o.dataDir, MQTT_STATE_FILE), 'utf8')) as { publishedSeq?: unknown };
      if (typeof st.publishedSeq === 'number' && Number.isInteger(st.publishedSeq) && st.publishedSeq >= 0) this.published = st.publishedSeq;
    } catch {
      // no state yet: publish the whole store
    }
    // a store that was replaced (seq restarted) must not leave the publisher waiting for a seq that never comes
    if (this.published > o.store.lastSeq) this.published = 0;
    this.savedSeq = this.published;
    this.clientOpts = mqttClientOptions(o.settings, `quietband-${o.site}`);
  }

  /** Highest alert seq the broker acknowledged. */
  get publishedSeq(): number {
    return this.published;
  }

  /** True while connected to the broker. */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /**
   * Connects (reconnecting every `reconnectMs` while the broker is unreachable), then publishes the alert backlog and
   * every new alert, health every `healthEveryMs`, heartbeats every `heartbeatMs`.
   */
  start(sensors: () => SensorHealth[]): void {
    if (this.client !== null || this.stopped) return;
    this.sensors = sensors;
    const s = this.o.settings;
    const client = mqtt.connect(s.url, this.clientOpts);
    this.client = client;
    client.on('connect', () => {
      this.log.info({ url: redact(s.url), publishedSeq: this.published, lastSeq: this.o.store.lastSeq }, 'connected to the MQTT broker');
      this.heartbeat();
      this.health();
      this.kick();
    });
    client.on('offline', () => this.log.warn({ url: redact(s.url) }, 'MQTT broker unreachable: alerts are kept in the store and sent when it returns'));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'MQTT error'));
    this.o.bus.on('alert', this.onAlert);
    const every = (ms: number, f: () => void): void => {
      const t = setInterval(f, ms);
      t.unref();
      this.timers.push(t);
    };
    every(s.heartbeatMs, () => this.heartbeat());
    every(s.healthEveryMs, () => this.health());
  }

  private topic(kind: 'alert' | 'health' | 'heartbeat'): string {
    return siteTopic(this.o.settings.topicPrefix, this.o.site, kind);
  }

  private heartbeat(stopping = false): Promise<void> {
    const c = this.client;
    if (c === null || !c.connected) return Promise.resolve();
    const sensors = this.sensors();
    const hb: MqttHeartbeat = {
      v: 1,
      site: this.o.site,
      time: new Date().toISOString(),
      heartbeatMs: this.o.settings.heartbeatMs,
      lastSeq: this.o.store.lastSeq,
      publishedSeq: this.published,
      sensorsOnline: sensors.filter((x) => x.online).length,
      sensorsTotal: sensors.length,
    };
    if (stopping) hb.stopping = true;
    this.heartbeatsSent++;
    return c.publishAsync(this.topic('heartbeat'), JSON.stringify(hb), { qos: 1 }).then(
      () => undefined,
      (err: unknown) => this.log.debug({ err: (err as Error).message }, 'heartbeat not sent'),
    );
  }

  private health(): void {
    const c = this.client;
    if (c === null || !c.connected) return;
    const msg: MqttHealth = { v: 1, site: this.o.site, time: new Date().toISOString(), sensors: this.sensors() };
    this.healthSent++;
    c.publishAsync(this.topic('health'), JSON.stringify(msg), { qos: 1 }).catch((err: unknown) => this.log.debug({ err: (err as Error).message }, 'health not sent'));
  }

  /** Wakes the alert loop (a new alert was stored, or the broker came back). */
  private kick(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.pumpDone = this.pump().finally(() => {
      this.pumping = false;
      // woken while a publish failed (connection lost mid-PUBACK): look again, the loop itself checks the connection
      if (this.again && !this.stopped) this.kick();
    });
  }

  private async pump(): Promise<void> {
    const c = this.client!;
    const topic = this.topic('alert');
    try {
      do {
        this.again = false;
        while (c.connected && !this.stopped && this.o.store.lastSeq > this.published) {
          for await (const a of this.o.store.readSince(this.published)) {
            if (!c.connected || this.stopped) break;
            await c.publishAsync(topic, JSON.stringify(a), { qos: 1 });
            this.published = a.seq;
            this.alertsPublished++;
          }
          await this.saveState();
        }
      } while (this.again && c.connected && !this.stopped);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, publishedSeq: this.published }, 'alert publishing interrupted: resumes on reconnect');
    }
    await this.saveState();
  }

  private async saveState(): Promise<void> {
    if (this.savedSeq === this.published) return;
    const seq = this.published;
    const file = join(this.o.dataDir, MQTT_STATE_FILE);
    try {
      await writeFileAtomic(file, JSON.stringify({ publishedSeq: seq, time: new Date().toISOString() }) + '\n');
      this.savedSeq = seq;
    } catch (err) {
      this.log.warn({ err: (err as Error).message, file }, 'MQTT state not saved');
    }
  }

  /**
   * Sends what the store still holds (up to 2 s when connected), a last heartbeat (`stopping: true`), saves the state
   * and disconnects. Call before the store is closed. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const t of this.timers) clearInterval(t);
      this.o.bus.off('alert', this.onAlert);
      const c = this.client;
      if (c === null) {
        this.stopped = true;
        return;
      }
      if (c.connected) {
        this.kick();
        await Promise.race([this.pumpDone, sleep(2000)]);
        await Promise.race([this.heartbeat(true), sleep(500)]);
      }
      this.stopped = true;
      await Promise.race([this.pumpDone, sleep(500)]);
      await this.saveState();
      await c.endAsync(!c.connected).catch(() => undefined);
      this.log.info({ publishedSeq: this.published, lastSeq: this.o.store.lastSeq }, 'MQTT publisher stopped');
    })();
    return this.stopping;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** The URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
