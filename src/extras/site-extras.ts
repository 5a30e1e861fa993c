// Optional add-ons of a running site, started by the daemon in one place: Prometheus /metrics and MQTT publishing.
import type { Logger } from 'pino';
import type { AlertBus } from '../alerts/alert-bus.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { SiteSettings } from '../config/site-config.js';
import { SiteMetrics, type ExtraRoute } from '../metrics/site-metrics.js';
import { MqttPublisher } from '../mqtt/mqtt-publisher.js';
import type { SensorHealth } from '../server/protocol.js';

/** Add-ons of one site; see {@link createSiteExtras}. */
export interface SiteExtras {
  /** Routes for the server (`routes` option): `/metrics`. */
  routes: ExtraRoute[];
  /** Connects the live sources once the server and sensors exist; starts MQTT publishing when configured. */
  attach(sources: { sensors: () => SensorHealth[]; wsClients: () => number }): void;
  /** The MQTT publisher when `site.mqtt` is set. */
  readonly mqtt: MqttPublisher | null;
  /** Stops MQTT publishing (after a last heartbeat and every stored alert it could send within 2 s). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Builds the site's add-ons: {@link SiteMetrics} (always; served at /metrics behind the server's auth) and an
 * {@link MqttPublisher} when the site config has an `mqtt` section. Nothing here is on the detection path: the
 * publisher only reads alerts from the store and the bus's `'alert'` events.
 */
export function createSiteExtras(site: SiteSettings, deps: { store: AlertStore; bus: AlertBus; log: Logger }): SiteExtras {
  const metrics = new SiteMetrics(site.site, deps.store);
  const mqtt = site.mqtt !== undefined ? new MqttPublisher({ settings: site.mqtt, site: site.site, dataDir: site.dataDir, store: deps.store, bus: deps.bus, log: deps.log }) : null;
  let stopping: Promise<void> | null = null;
  return {
    routes: [metrics.route],
    mqtt,
    attach(sources) {
      metrics.attach(sources);
      mqtt?.start(sources.sensors);
    },
    stop() {
      if (stopping === null) stopping = mqtt !== null ? mqtt.stop() : Promise.resolve();
      return stopping;
    },
  };
}
