// Optional add-ons of a running site, started by the daemon in one place: Prometheus /metrics, MQTT publishing, notifications.
import type { Logger } from 'pino';
import type { AlertBus } from '../alerts/alert-bus.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { SiteSettings } from '../config/site-config.js';
import { SiteMetrics, type ExtraRoute } from '../metrics/site-metrics.js';
import type { MqttPublisher } from '../mqtt/mqtt-publisher.js';
import { Notifier } from '../notify/notifier.js';
import { machineTimeZone } from '../field/local-time.js';
import type { SensorHealth } from '../server/protocol.js';

/** Add-ons of one site; see {@link createSiteExtras}. */
export interface SiteExtras {
  /** Routes for the server (`routes` option): `/metrics`. */
  routes: ExtraRoute[];
  /** Connects the live sources once the server and sensors exist; starts MQTT publishing when configured. */
  attach(sources: { sensors: () => SensorHealth[]; wsClients: () => number }): void;
  /** The MQTT publisher when `site.mqtt` is set (made by {@link start}). */
  readonly mqtt: MqttPublisher | null;
  /** The notifier when `site.notify` is set. */
  readonly notifier: Notifier | null;
  /**
   * Makes the MQTT publisher (not connected before {@link attach}) and starts notifications (outbox opened, pending
   * deliveries resumed). @throws QuietBandError('CONFIG') an MQTT password/TLS file unreadable; ('IO') outbox not usable.
   */
  start(): Promise<void>;
  /**
   * Stops MQTT publishing (after a last heartbeat and every stored alert it could send within 2 s) and notifications
   * (deliveries in flight get 2 s; the rest are sent at the next start). Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Builds the site's add-ons: {@link SiteMetrics} (always; served at /metrics behind the server's auth) and an
 * {@link MqttPublisher} when the site config has an `mqtt` section, a {@link Notifier} when it has a `notify` section.
 * Nothing here is on the detection path: both only read alerts from the store, woken by the bus's `'alert'` events.
 */
export function createSiteExtras(site: SiteSettings, deps: { store: AlertStore; bus: AlertBus; log: Logger }): SiteExtras {
  const metrics = new SiteMetrics(site.site, deps.store);
  let mqtt: MqttPublisher | null = null;
  const rooms: Record<string, string> = {};
  for (const s of site.sensors) if (s.location !== undefined) rooms[s.name] = s.location.room;
  const notifier =
    site.notify !== undefined
      ? new Notifier({ settings: site.notify, dataDir: site.dataDir, store: deps.store, bus: deps.bus, log: deps.log, timeZone: site.timeZone ?? machineTimeZone(), rooms })
      : null;
  let stopping: Promise<void> | null = null;
  return {
    routes: [metrics.route],
    get mqtt() {
      return mqtt;
    },
    notifier,
    async start() {
      // the MQTT client library is loaded only by a site that publishes: its import costs ≈ 0.25 s of CPU at start
      const mq = site.mqtt;
      if (mq !== undefined && mqtt === null) {
        const { MqttPublisher } = await import('../mqtt/mqtt-publisher.js');
        mqtt = new MqttPublisher({ settings: mq, site: site.site, dataDir: site.dataDir, store: deps.store, bus: deps.bus, log: deps.log });
      }
      await notifier?.start();
    },
    attach(sources) {
      metrics.attach(sources);
      mqtt?.start(sources.sensors);
    },
    stop() {
      stopping ??= Promise.all([mqtt?.stop(), notifier?.stop()]).then(() => undefined);
      return stopping;
    },
  };
}
