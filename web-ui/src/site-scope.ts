// Many sites in one page (a hub, or alerts of several sites): the site column, the site filter and the per-site health
// panel, fed by `GET sites`.
import type { AlertList } from './alert-list.js';
import { $ } from './dom.js';
import type { PageState } from './page-state.js';
import type { SensorPanel } from './sensor-panel.js';
import { isHubSites, type SitePanel } from './site-panel.js';

/** What {@link SiteScope} updates. */
export interface SiteScopeDeps {
  state: PageState;
  /** The page URL (`sites` is fetched relative to it). */
  base: URL;
  list: AlertList;
  sensorPanel: SensorPanel;
  sitePanel: SitePanel;
  /** Plans a render pass (`now`: at once). */
  schedule: (now?: boolean) => void;
}

/** The site filter (#site-filter select, a click in the sites panel) and whether the page is a hub's. */
export class SiteScope {
  private busy = false;

  constructor(private readonly d: SiteScopeDeps) {
    $<HTMLSelectElement>('site-filter').addEventListener('change', (ev) => {
      const v = (ev.target as HTMLSelectElement).value;
      this.setFilter(v === '' ? null : v);
    });
  }

  /** Brings the filter select, site column and sites panel in line with the sites known. */
  refresh(): void {
    const { state, list, sitePanel } = this.d;
    const multi = state.multiSite();
    $('site-filter-label').hidden = !multi;
    $('sites-panel').hidden = !state.isHub;
    list.setShowSite(multi);
    const names = [...new Set([...sitePanel.names(), ...state.alertSites, ...(state.siteFilter !== null ? [state.siteFilter] : [])])].sort();
    const sel = $<HTMLSelectElement>('site-filter');
    const have = [...sel.options].slice(1).map((o) => o.value);
    if (have.join('\n') !== names.join('\n')) {
      while (sel.options.length > 1) sel.remove(1);
      for (const n of names) {
        const o = document.createElement('option');
        o.value = n;
        o.textContent = n;
        sel.append(o);
      }
    }
    sel.value = state.siteFilter ?? '';
  }

  /** Filters the alert table, sensor panel and sites panel to site `s` (null: all) and renders at once. */
  setFilter(s: string | null): void {
    this.d.state.siteFilter = s;
    this.d.list.setSiteFilter(s);
    this.d.sensorPanel.setSiteFilter(s);
    this.d.sitePanel.setSelected(s);
    this.refresh();
    this.d.schedule(true);
  }

  /** `GET sites`: a hub answers with its per-site state (health panel); a site daemon has no such route (404). */
  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const u = new URL('sites', this.d.base);
      u.search = '';
      const r = await fetch(u, { credentials: 'same-origin', cache: 'no-store' });
      if (!r.ok) {
        if (r.status === 404) this.setHub(false);
        return;
      }
      const v: unknown = (r.headers.get('content-type') ?? '').includes('json') ? await r.json() : null;
      if (!isHubSites(v)) {
        this.setHub(false);
        return;
      }
      this.d.sitePanel.update(v, performance.now());
      this.setHub(true);
      this.d.schedule();
    } catch {
      // daemon unreachable: the connection indicator says so; keep what we have
    } finally {
      this.busy = false;
    }
  }

  private setHub(on: boolean): void {
    this.d.state.isHub = on;
    document.querySelector('main.layout')?.classList.toggle('hub', on);
    this.refresh();
  }
}
