// Prometheus metrics of the hub (prom-client): per-site heartbeat age, offline flag, alerts relayed, duplicates, gaps.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Gauge, Registry } from 'prom-client';
import { METRICS_PATH } from '../metrics/site-metrics.js';
import type { HubSiteState } from './hub.js';

/**
 * Registry read at scrape time from `sites()` and `wsClients()`. Metrics (label `site`):
 * `quietband_hub_site_offline` 0/1, `quietband_hub_site_heartbeat_age_seconds` (absent before the first heartbeat),
 * `quietband_hub_site_alerts_received`, `quietband_hub_site_duplicates`, `quietband_hub_site_gap_seqs`,
 * `quietband_hub_site_last_seq` (the site's highest seq received), `quietband_hub_site_store_resets`,
 * `quietband_hub_site_refused_payloads` (alert payloads refused by src/hub/site-alert-schema.ts); `quietband_hub_ws_clients`, `quietband_hub_broker_connected` 0/1.
 */
export function hubMetrics(src: { sites: () => HubSiteState[]; wsClients: () => number; brokerConnected: () => boolean }): {
  registry: Registry;
  route: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
} {
  const registry = new Registry();
  const perSite = (name: string, help: string, pick: (s: HubSiteState) => number | null): void => {
    new Gauge({
      name,
      help,
      labelNames: ['site'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of src.sites()) {
          const v = pick(s);
          if (v !== null) this.set({ site: s.site }, v);
        }
      },
    });
  };
  perSite('quietband_hub_site_offline', '1 while the site has sent no heartbeat for offlineAfterMs', (s) => (s.offline ? 1 : 0));
  perSite('quietband_hub_site_heartbeat_age_seconds', 'Time since the last heartbeat of the site (s)', (s) => (s.heartbeatAgeMs === null ? null : s.heartbeatAgeMs / 1000));
  perSite('quietband_hub_site_alerts_received', 'Alert records relayed (each site seq once)', (s) => s.alertsReceived);
  perSite('quietband_hub_site_duplicates', 'Alert messages dropped as already received', (s) => s.duplicates);
  perSite('quietband_hub_site_gap_seqs', 'Site seqs never received (gaps)', (s) => s.gapSeqs);
  perSite('quietband_hub_site_last_seq', 'Highest site seq received', (s) => s.lastSiteSeq);
  perSite('quietband_hub_site_refused_payloads', 'Alert payloads refused by the schema (nothing of them stored)', (s) => s.refusedPayloads);
  perSite('quietband_hub_site_store_resets', 'Times the site alert store restarted its numbering (data dir replaced or wiped)', (s) => s.storeResets);
  new Gauge({ name: 'quietband_hub_ws_clients', help: 'WebSocket clients of the hub', registers: [registry], collect() { this.set(src.wsClients()); } });
  new Gauge({ name: 'quietband_hub_broker_connected', help: '1 while connected to the broker', registers: [registry], collect() { this.set(src.brokerConnected() ? 1 : 0); } });
  const route = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (url.pathname !== METRICS_PATH) return false;
    registry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => res.writeHead(500).end(`metrics failed: ${(err as Error).message}\n`),
    );
    return true;
  };
  return { registry, route };
}
