// Prometheus metrics of a running site (prom-client): per-sensor health and pipeline time, open alerts, WS clients, alerts by state, store size.
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Gauge, Histogram, Registry, collectDefaultMetrics, type MetricValueWithName } from 'prom-client';
import type { AlertStateEntry } from '../alerts/alert-states.js';
import type { AlertStore } from '../alerts/alert-store.js';
import { SIGNAL_CLASSES } from '../ident/classify.js';
import type { AlertState, SensorHealth } from '../server/protocol.js';
import type { ProcessingReport } from '../types.js';

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

/** Name of the per-sensor pipeline-time histogram (`_bucket`, `_sum`, `_count`). */
export const PROCESSING_METRIC = 'quietband_sensor_block_processing_seconds';
const PROCESSING_HELP = 'Wall time the sensor worker spent on one source block: spectrum engines, learner or detector, and the posting they trigger (s)';

/**
 * Bucket upper bounds (s) of {@link PROCESSING_METRIC}: 0.5 ms … 0.5 s in 1-2-5 steps. Source blocks last 8 ms (hopping
 * sim) to 64 ms (sim, rtl_tcp at 2.4 MS/s): a healthy sensor sits in the low buckets, a block's own duration marks
 * the real-time limit.
 */
export const PROCESSING_BUCKETS_S: readonly number[] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5];

/** Span (ms) of the real-time load gauge: the health reports of the last 5 s. */
export const LOAD_WINDOW_MS = 5000;

/**
 * One sensor's pipeline time on the main thread (its supervisor owns it, so the counts survive worker restarts):
 * a prom-client {@link Histogram} of the seconds per block, labelled `sensor`, fed by the worker's health reports
 * ({@link ProcessingReport}), and the real-time load = Σ pipeline seconds / Σ signal seconds of the blocks reported
 * in the last {@link LOAD_WINDOW_MS} (1 = the worker needs all of real time; above 1 it falls behind).
 */
export class SensorProcessingMetrics {
  /** Not registered anywhere: {@link SiteMetrics} exposes every sensor's under {@link PROCESSING_METRIC}. */
  readonly histogram: Histogram<'sensor'>;
  private readonly labels: { sensor: string };
  private readonly atMs = new Float64Array(64);
  private readonly busyS = new Float64Array(64);
  private readonly signalS = new Float64Array(64);
  private head = 0;
  private size = 0;

  constructor(readonly sensor: string) {
    this.histogram = new Histogram({ name: PROCESSING_METRIC, help: PROCESSING_HELP, labelNames: ['sensor'], buckets: [...PROCESSING_BUCKETS_S], registers: [] });
    this.labels = { sensor };
    this.histogram.zero(this.labels); // the series exists (count 0) before the first block
  }

  /** Adds one health report's blocks (received at `nowMs`). Blocks beyond the report's list (`lost`) count in the load only. */
  record(r: ProcessingReport, nowMs = Date.now()): void {
    const t = r.blockBusyS;
    for (let i = 0; i < t.length; i++) this.histogram.observe(this.labels, t[i]!);
    const cap = this.atMs.length;
    this.atMs[this.head] = nowMs;
    this.busyS[this.head] = r.busyS;
    this.signalS[this.head] = r.blockS;
    this.head = (this.head + 1) % cap;
    if (this.size < cap) this.size++;
  }

  /** Real-time load over the last {@link LOAD_WINDOW_MS} at `nowMs`; null when no block was reported in it. */
  load(nowMs = Date.now()): number | null {
    const cap = this.atMs.length;
    let busy = 0;
    let signal = 0;
    for (let k = 1; k <= this.size; k++) {
      const i = (this.head - k + cap) % cap;
      if (nowMs - this.atMs[i]! > LOAD_WINDOW_MS) break;
      busy += this.busyS[i]!;
      signal += this.signalS[i]!;
    }
    return signal > 0 ? busy / signal : null;
  }
}

/** Pipeline-time metrics of the sensors, keyed by the health objects their supervisors return (see {@link withProcessing}). */
const processingByHealth = new WeakMap<SensorHealth, SensorProcessingMetrics>();

/**
 * Ties a sensor's pipeline-time metrics to a health object it returns, so {@link SiteMetrics}, which sees the sensors
 * only through `sensors()`, finds them. The link is not a field: it is not sent with the `status` message or over MQTT
 * and is lost in a copy. Returns `h`.
 */
export function withProcessing(h: SensorHealth, p: SensorProcessingMetrics): SensorHealth {
  processingByHealth.set(h, p);
  return h;
}

/** The pipeline-time metrics tied to a health object by {@link withProcessing}. */
export function processingOf(h: SensorHealth): SensorProcessingMetrics | undefined {
  return processingByHealth.get(h);
}

/** What the metrics read of the site's alert store (an {@link AlertStore} is one): its open alerts, states and storage figures. */
export type MetricsStore = Pick<AlertStore, 'openAlerts' | 'allStates' | 'size' | 'storedSeq' | 'storageState' | 'heldCount' | 'writeFailures' | 'file'>;

/**
 * Metrics of one site, computed on each scrape from the store and from {@link SiteMetricsSources} (attached once the
 * sensors exist; before that the sensor metrics are empty). Metric names (all with label `site`):
 * - `quietband_sensor_achieved_rate_sps{sensor}` samples/s delivered (worker's RateMeter: samples over wall time over
 *   ≥ 5 s, never above the production rate after a stall);
 *   `quietband_sensor_configured_rate_sps{sensor}`;
 * - `quietband_sensor_dropped_blocks{sensor}` dropped blocks of the current worker (a gauge: resets when it restarts);
 * - `quietband_sensor_clip_fraction{sensor}` largest clip fraction (0..1) of the last health report (overload
 *   fraction), `quietband_sensor_overload{sensor}` 0/1, `quietband_sensor_online{sensor}` 0/1;
 * - `quietband_sensor_last_frame_age_seconds{sensor}` (absent before the first block),
 *   `quietband_sensor_baseline_age_seconds{sensor}` (absent without a baseline);
 * - `quietband_sensor_open_alerts{sensor}` alerts of the sensor without a close record;
 * - `quietband_sensor_block_processing_seconds{sensor}` histogram of the worker's pipeline time per source block
 *   ({@link SensorProcessingMetrics}: cumulative over worker restarts, buckets {@link PROCESSING_BUCKETS_S});
 *   `quietband_sensor_realtime_load{sensor}` pipeline time / signal time over the last 5 s (absent without blocks);
 * - `quietband_ws_clients`, `quietband_alerts{state}` (every stored alert by current state),
 *   `quietband_transmission_alerts_by_class{class}` (stored transmission alerts by the class of their latest signal
 *   identification, src/ident/classify.ts SIGNAL_CLASSES, or `unidentified`),
 *   `quietband_transmission_alerts_raised{class}` (of those, the ones the band rule ranks higher, ▲: their latest
 *   record carrying a `signal` has `severityRaise`, src/alerts/severity-raise.ts; known emitters, severity info, not
 *   counted, as the session report counts them; by the class that raised them, every class listed from 0),
 *   `quietband_open_alerts`, `quietband_alert_store_records`, `quietband_alert_store_bytes`, `quietband_alert_last_seq`;
 * - storage faults: `quietband_storage_failed` (1 while alerts cannot be written: the site's storage-failed state),
 *   `quietband_alert_store_held_records` (sent but not yet on disk), `quietband_alert_store_write_failures_total`,
 *   `quietband_alert_reserve_bytes` (the space reserve; 0 once used up);
 * - prom-client's default process metrics (`process_*`, `nodejs_*`).
 */
export class SiteMetrics {
  /** The registry (also usable by a caller that serves it elsewhere). */
  readonly registry = new Registry();
  private sources: SiteMetricsSources | null = null;

  constructor(
    readonly site: string,
    private readonly store: MetricsStore,
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
    const siteGauge = (name: string, help: string, value: () => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(value());
        },
      });
    };
    sensorGauge('quietband_sensor_achieved_rate_sps', 'Samples per second the sensor delivers (samples over wall time over at least 5 s; a catch-up after a stall does not read above the production rate)', (h) => h.achievedRateSps);
    sensorGauge('quietband_sensor_rate_shortfall', '1 while the sensor\'s rate is judged short (readings under 95 % of the configured rate outlasting those at 98 % or more by 5 s)', (h) => (h.rateShortfall === true ? 1 : 0));
    sensorGauge('quietband_sensor_configured_rate_sps', 'Configured sample rate (samples/s)', (h) => h.configuredRateSps);
    sensorGauge('quietband_sensor_dropped_blocks', 'Blocks dropped by the source since the sensor worker started', (h) => h.droppedBlocks);
    sensorGauge('quietband_sensor_nonfinite_samples', 'Samples with a non-finite I or Q (NaN/Inf, cf32 recordings) dropped since the sensor started', (h) => h.nonFiniteSamples ?? 0);
    sensorGauge('quietband_sensor_zeroed_samples', 'Samples lost to runs of never-written zeros the receiver handed over (treated as gaps) since the source stream started', (h) => h.zeroedSamples ?? 0);
    sensorGauge('quietband_sensor_lost_samples', 'Samples the receiver or its link lost that the source counted (driver overflows, transfers an rtl_tcp server freed; treated as gaps) since the current source was created', (h) => h.samplesLost ?? 0);
    sensorGauge('quietband_sensor_behind_or_lost_samples', 'Samples the receiver produced that have not arrived: waiting upstream or lost and not yet counted (rtl_tcp); no series while unknown (a stream\'s first 2 s) or not tracked', (h) => h.samplesBehindOrLost);
    sensorGauge('quietband_sensor_clip_fraction', 'Share of raw values at the ADC rails in the last health report (0..1)', (h) => h.clipFraction);
    sensorGauge('quietband_sensor_overload', '1 while the sensor is in overload', (h) => (h.overload ? 1 : 0));
    sensorGauge('quietband_sensor_online', '1 while the sensor delivers data', (h) => (h.online ? 1 : 0));
    sensorGauge('quietband_sensor_last_frame_age_seconds', 'Age of the last block received (s)', (h) => (h.lastFrameAgeMs === null ? null : h.lastFrameAgeMs / 1000));
    sensorGauge('quietband_sensor_baseline_age_seconds', 'Age of the baseline in use (s)', (h) => h.baselineAgeS);
    sensorGauge('quietband_sensor_realtime_load', 'Pipeline time / signal time of the blocks of the last 5 s (above 1: the sensor falls behind)', (h) => processingOf(h)?.load());
    // one metric over every sensor's own Histogram (a registry holds one metric per name): their series, concatenated
    const histograms = {
      name: PROCESSING_METRIC,
      help: PROCESSING_HELP,
      type: 'histogram',
      aggregator: 'sum',
      async get(): Promise<{ name: string; help: string; type: string; values: MetricValueWithName<string>[]; aggregator: string }> {
        const values: MetricValueWithName<string>[] = [];
        for (const h of self.sources?.sensors() ?? []) {
          const p = processingOf(h);
          if (p !== undefined) values.push(...(await p.histogram.get()).values);
        }
        return { name: PROCESSING_METRIC, help: PROCESSING_HELP, type: 'histogram', values, aggregator: 'sum' };
      },
      reset(): void {},
    };
    // prom-client's registry reads only name, help, type, aggregator, get() and reset() of a metric (lib/registry.js),
    // but its typings accept only its own four classes, which cannot merge series of several registries' histograms
    this.registry.registerMetric(histograms as unknown as Histogram);
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
    siteGauge('quietband_ws_clients', 'WebSocket clients connected', () => self.sources?.wsClients() ?? 0);
    // stored alerts counted by a key of their current state (undefined: not counted), every value listed from 0
    const storeCount = (name: string, help: string, label: string, values: readonly string[], keyOf: (a: AlertStateEntry) => string | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: [label],
        registers: [this.registry],
        collect() {
          const counts = new Map<string, number>(values.map((v) => [v, 0]));
          for (const a of self.store.allStates()) {
            const key = keyOf(a);
            if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          for (const [value, n] of counts) this.set({ [label]: value }, n);
        },
      });
    };
    storeCount('quietband_alerts', 'Stored alerts by current state', 'state', ALERT_STATES, (a) => a.state);
    storeCount('quietband_transmission_alerts_by_class', 'Stored transmission alerts by signal class (the latest identification; unidentified: none yet)', 'class', [...SIGNAL_CLASSES, 'unidentified'], (a) => (a.kind === 'transmission' ? (a.signalClass ?? 'unidentified') : undefined));
    // raised as the session report counts them: a known emitter (severity info) is not ranked higher
    storeCount(
      'quietband_transmission_alerts_raised', 'Stored transmission alerts ranked higher (▲) by the band rule, by the class that raised them (docs/identification.md §13; known emitters not counted)', 'class', SIGNAL_CLASSES,
      (a) => (a.kind === 'transmission' && a.severityRaise !== undefined && a.severity !== 'info' ? a.signalClass : undefined),
    );
    siteGauge('quietband_open_alerts', 'Alerts without a close record', () => self.store.openAlerts().length);
    siteGauge('quietband_alert_store_records', 'Records in alerts.jsonl', () => self.store.size);
    siteGauge('quietband_alert_last_seq', 'Highest durably stored alert seq', () => self.store.storedSeq);
    siteGauge('quietband_storage_failed', '1 while alert records cannot be written to the data dir (they are sent and held in memory, retried)', () => (self.store.storageState().ok ? 0 : 1));
    siteGauge('quietband_alert_store_held_records', 'Alert records sent but not yet on disk (storage failed)', () => self.store.heldCount);
    siteGauge('quietband_alert_store_write_failures_total', 'Failed alert write attempts since the daemon started (a counter)', () => self.store.writeFailures);
    siteGauge('quietband_alert_reserve_bytes', 'Bytes in the alert space reserve (alerts.reserve); 0 once a full disk used it up', () => self.store.storageState().reserveBytes);
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
