// Per-site health at a hub (GET /sites): online/offline, last heartbeat age, sensors online; a click filters by site.
import { formatDuration } from './format.js';
import { t, type MsgKey } from './i18n.js';
import type { SensorHealth } from './protocol-types.js';
import { metricGrid } from './sensor-panel.js';

/** One entry of the hub's `GET /sites` (the fields the page reads; see HubSiteState in src/hub/hub.ts). */
export interface HubSite {
  site: string;
  lastSiteSeq: number;
  alertsReceived: number;
  duplicates: number;
  gapSeqs: number;
  /** Times the site's alert store restarted its numbering (absent from older hubs). */
  storeResets?: number;
  /** Age (ms) of the last heartbeat when the hub answered; null before the first one since the hub started. */
  heartbeatAgeMs: number | null;
  heartbeat: { heartbeatMs: number; sensorsOnline: number; sensorsTotal: number; stopping?: boolean } | null;
  offline: boolean;
  sensors: SensorHealth[];
}

/** True when `v` looks like a `GET /sites` answer. */
export function isHubSites(v: unknown): v is HubSite[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && typeof (x as HubSite).site === 'string' && typeof (x as HubSite).offline === 'boolean');
}

interface Card {
  site: HubSite;
  /** performance.now() when `site` arrived (the heartbeat age grows from there). */
  receivedAt: number;
  el: HTMLElement;
  status: HTMLElement;
  heartbeat: HTMLElement;
  sensors: HTMLElement;
  alerts: HTMLElement;
}

/**
 * One card per site (`data-testid="site-card"`, `data-site`), status pill `data-testid="site-status"` with
 * `data-online="true|false|unknown"` (unknown: no heartbeat since the hub started). Heartbeat ages are extrapolated
 * locally between two polls. Clicking a card calls `onSelect(site)` (the page filters by it); the selected card is
 * marked `selected`.
 */
export class SitePanel {
  private readonly root: HTMLElement;
  private readonly onSelect: (site: string) => void;
  private readonly cards = new Map<string, Card>();
  private selected: string | null = null;

  constructor(root: HTMLElement, onSelect: (site: string) => void) {
    this.root = root;
    this.onSelect = onSelect;
    root.addEventListener('click', (ev) => {
      const el = (ev.target as HTMLElement).closest<HTMLElement>('[data-site]');
      if (el?.dataset.site !== undefined) this.onSelect(el.dataset.site);
    });
  }

  /** Site names in panel order. */
  names(): string[] {
    return [...this.cards.keys()];
  }

  /** Sites the hub declares offline. */
  offline(): string[] {
    const out: string[] = [];
    for (const c of this.cards.values()) if (c.site.offline) out.push(c.site.site);
    return out;
  }

  /** Applies a `GET /sites` answer (sorted by site); cards of sites no longer listed are removed. */
  update(list: HubSite[], now: number): void {
    const keep = new Set(list.map((s) => s.site));
    for (const [name, c] of this.cards) {
      if (!keep.has(name)) {
        c.el.remove();
        this.cards.delete(name);
      }
    }
    for (const s of list) {
      const c = this.card(s);
      c.site = s;
      c.receivedAt = now;
      this.root.append(c.el); // list order
      this.fill(c, now);
    }
  }

  /** Marks the selected site's card (null: none). */
  setSelected(site: string | null): void {
    this.selected = site;
    for (const [name, c] of this.cards) c.el.classList.toggle('selected', name === site);
  }

  /** Refreshes heartbeat ages (call every second). */
  tick(now: number): void {
    for (const c of this.cards.values()) this.fillAge(c, now);
  }

  /** Re-renders every text (language switch). */
  relabel(): void {
    const now = performance.now();
    for (const c of this.cards.values()) {
      for (const el of c.el.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as MsgKey);
      this.fill(c, now);
    }
  }

  private card(s: HubSite): Card {
    const had = this.cards.get(s.site);
    if (had !== undefined) return had;
    const el = document.createElement('div');
    el.className = 'site-card';
    el.dataset.testid = 'site-card';
    el.dataset.site = s.site;
    el.title = s.site;
    const head = document.createElement('div');
    head.className = 'sensor-head';
    const name = document.createElement('span');
    name.className = 'sensor-name';
    name.textContent = s.site;
    const status = document.createElement('span');
    status.className = 'sensor-status';
    status.dataset.testid = 'site-status';
    status.dataset.site = s.site;
    head.append(name, status);
    const { grid, cell } = metricGrid();
    const heartbeat = cell('site.heartbeat');
    heartbeat.dataset.testid = 'site-heartbeat';
    const sensors = cell('site.sensors');
    sensors.dataset.testid = 'site-sensors';
    const alerts = cell('site.alerts');
    el.append(head, grid);
    const c: Card = { site: s, receivedAt: 0, el, status, heartbeat, sensors, alerts };
    this.cards.set(s.site, c);
    el.classList.toggle('selected', s.site === this.selected);
    return c;
  }

  private fill(c: Card, now: number): void {
    const s = c.site;
    const known = s.heartbeatAgeMs !== null;
    c.el.classList.toggle('offline', s.offline);
    c.el.classList.toggle('unknown', !s.offline && !known);
    c.status.dataset.online = s.offline ? 'false' : known ? 'true' : 'unknown';
    c.status.textContent = s.offline ? t('site.offline') : known ? t('site.online') : t('site.unknown');
    const total = s.heartbeat?.sensorsTotal ?? s.sensors.length;
    const online = s.heartbeat?.sensorsOnline ?? s.sensors.filter((x) => x.online).length;
    c.sensors.textContent = `${online} / ${total}`;
    c.sensors.classList.toggle('warn', online < total);
    c.alerts.textContent = String(s.alertsReceived);
    c.alerts.title = t('site.alertsDetail', { seq: s.lastSiteSeq, dup: s.duplicates, gaps: s.gapSeqs }) + ((s.storeResets ?? 0) > 0 ? t('site.storeRestarted', { n: s.storeResets ?? 0 }) : '');
    c.alerts.classList.toggle('warn', s.gapSeqs > 0);
    this.fillAge(c, now);
  }

  private fillAge(c: Card, now: number): void {
    const s = c.site;
    if (s.heartbeatAgeMs === null) {
      c.heartbeat.textContent = t('site.never');
      c.heartbeat.classList.toggle('warn', true);
      return;
    }
    const age = s.heartbeatAgeMs + (now - c.receivedAt);
    c.heartbeat.textContent = age < 1000 ? t('sensor.underOneSecond') : t('sensor.ago', { t: formatDuration(age) });
    c.heartbeat.dataset.ageMs = String(Math.round(age));
    // late: more than two periods overdue, beyond the page's 2 s polling of GET sites
    const period = s.heartbeat?.heartbeatMs ?? 10_000;
    c.heartbeat.classList.toggle('warn', age > 2 * period + 2500);
  }
}
