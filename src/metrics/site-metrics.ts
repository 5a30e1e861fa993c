// Prometheus metrics of a running site (prom-client): per-sensor health, open alerts, WS clients, alerts by state, store size.
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AlertStore } from '../alerts/alert-store.js';
import type { AlertState, SensorHealth } from '../server/protocol.js';

/** Path the metrics are served at. */
export const METRICS_PATH = '/metrics';

/** Live values the metrics are read from at scrape time (nothing is sampled in between). */
export interface SiteMetricsSources {
  /** Current health of every sensor (as in the `status` message). */
  sensors: () => SensorHealth[];
  /** WebSocket clients connected now. */
  wsClients: () => number;
}

/** An extra HTTP route of the server: returns true when it answered the request. Called after the auth check. */
export type ExtraRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

const ALERT_STATES: readonly AlertState[] = ['new', 'acknowledged', 'known'];

/**
 * Metrics of one site, computed on each scrape from the store and from {@link SiteMetricsSources} (attached once the
 * sensors exist; before that the sensor metrics are empty). Metric names (all with label `site`):
 * - `quietband_sensor_achieved_rate_sps{sensor}` samples/s delivered (worker's rate meter, 5 s window);
 *   `quietband_sensor_configured_rate_sps{sensor}`;
 * - `quietband_sensor_dropped_blocks{sensor}` dropped blocks of the current worker (a gauge: resets when it restarts);
 * - `quietband_sensor_clip_fraction{sensor}` largest clip fraction (0..1) of the last health report (overload
 *   fraction), `quietband_sensor_overload{sensor}` 0/1, `quietband_sensor_online{sensor}` 0/1;
 * - `quietband_sensor_last_frame_age_seconds{sensor}` (absent before the first block),
 *   `quietband_sensor_baseline_age_seconds{sensor}` (absent without a baseline);
 * - `quietband_sensor_open_alerts{sensor}` alerts of the sensor without a close record;
 * - `quietband_ws_clients`, `quietband_alerts{state}` (every stored alert by current state),
 *   `quietband_open_alerts`, `quietband_alert_store_records`, `quietband_alert_store_bytes`, `quietband_alert_last_seq`;
 * - prom-client's default process metrics (`process_*`, `nodejs_*`).
 */
export class SiteMetrics {
  /** The registry (also usable by a caller that serves it elsewhere). */
  readonly registry = new Registry();
  private sources: SiteMetricsSources | null = null;

  constructor(
    readonly site: string,
    private readonly store: AlertStore,
  ) {
    this.registry.setDefaultLabels({ site });
    collectDefaultMetrics({ register: this.registry });
    const self = this;
    const sensorGauge = (name: string, help: string, pick: (h: SensorHealth) => number | null | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: ['sensor'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const h of self.sources?.sensors() ?? []) {
            const v = pick(h);
            if (v !== null && v !== undefined && Number.isFinite(v)) this.set({ sensor: h.sensor }, v);
          }
        },
      });
    };
    sensorGauge('quietband_sensor_achieved_rate_sps', 'Samples per second the sensor delivers (5 s window)', (h) => h.achievedRateSps);
    sensorGauge('quietband_sensor_configured_rate_sps', 'Configured sample rate (samples/s)', (h) => h.configuredRateSps);
    sensorGauge('quietband_sensor_dropped_blocks', 'Blocks dropped by the source since the sensor worker started', (h) => h.droppedBlocks);
    sensorGauge('quietband_sensor_clip_fraction', 'Share of raw values at the ADC rails in the last health report (0..1)', (h) => h.clipFraction);
    sensorGauge('quietband_sensor_overload', '1 while the sensor is in overload', (h) => (h.overload ? 1 : 0));
    sensorGauge('quietband_sensor_online', '1 while the sensor delivers data', (h) => (h.online ? 1 : 0));
    sensorGauge('quietband_sensor_last_frame_age_seconds', 'Age of the last block received (s)', (h) => (h.lastFrameAgeMs === null ? null : h.lastFrameAgeMs / 1000));
    sensorGauge('quietband_sensor_baseline_age_seconds', 'Age of the baseline in use (s)', (h) => h.baselineAgeS);
    new Gauge({
      name: 'quietband_sensor_open_alerts',
      help: 'Alerts of the sensor without a close record',
      labelNames: ['sensor'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const h of self.sources?.sensors() ?? []) this.set({ sensor: h.sensor }, 0);
        const counts = new Map<string, number>();
        for (const a of self.store.openAlerts()) counts.set(a.sensor, (counts.get(a.sensor) ?? 0) + 1);
        for (const [sensor, n] of counts) this.set({ sensor }, n);
      },
    });
    new Gauge({
      name: 'quietband_ws_clients',
      help: 'WebSocket clients connected',
      registers: [this.registry],
      collect() {
        this.set(self.sources?.wsClients() ?? 0);
      },
    });
    new Gauge({
      name: 'quietband_alerts',
      help: 'Stored alerts by current state',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const counts = new Map<string, number>(ALERT_STATES.map((s) => [s, 0]));
        for (const a of self.store.allStates()) counts.set(a.state, (counts.get(a.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'quietband_open_alerts',
      help: 'Alerts without a close record',
      registers: [this.registry],
      collect() {
        this.set(self.store.openAlerts().length);
      },
    });
    new Gauge({
      name: 'quietband_alert_store_records',
      help: 'Records in alerts.jsonl',
      registers: [this.registry],
      collect() {
        this.set(self.store.size);
      },
    });
    new Gauge({
      name: 'quietband_alert_last_seq',
      help: 'Highest durably stored alert seq',
      registers: [this.registry],
      collect() {
        this.set(self.store.lastSeq);
      },
    });
    new Gauge({
      name: 'quietband_alert_store_bytes',
      help: 'Size of alerts.jsonl (bytes)',
      registers: [this.registry],
      async collect() {
        try {
          this.set((await stat(self.store.file)).size);
        } catch {
          this.set(0);
        }
      },
    });
  }

  /** Connects the live sources (call once the sensors and the server exist). */
  attach(sources: SiteMetricsSources): void {
    this.sources = sources;
  }

  /** The Prometheus text exposition (format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Server route: `GET /metrics` → the exposition; other paths are not handled. Bind with `metrics.route`. */
  readonly route: ExtraRoute = (req, res, url) => {
    if (url.pathname !== METRICS_PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return true;
    }
    this.text().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': this.registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${(err as Error).message}\n`);
      },
    );
    return true;
  };
}
