// Render batching of the monitoring page, and what each pass draws: the alert table (rows, count, "more", "show all", ack-all),
// the banner with the page title, and the open alert detail when it changed.
import type { AlertDetail } from './alert-detail.js';
import type { AlertList } from './alert-list.js';
import type { AlertListLength } from './alert-list-length.js';
import type { AlertModel } from './alert-model.js';
import { $ } from './dom.js';
import { formatDelay } from './format.js';
import { t } from './i18n.js';
import type { PageState } from './page-state.js';
import type { SensorPanel } from './sensor-panel.js';
import type { SitePanel } from './site-panel.js';

/** What {@link PageRender} draws from. */
export interface PageRenderDeps {
  state: PageState;
  model: AlertModel;
  list: AlertList;
  /** The card layout's row limit and its "Show all" button. */
  length: AlertListLength;
  detail: AlertDetail;
  sitePanel: SitePanel;
  sensorPanel: SensorPanel;
}

/**
 * Many messages → one DOM pass per ~16 ms (timers run in background tabs too, unlike requestAnimationFrame); while a
 * long replay streams in, one pass per 300 ms (each pass re-lays out the table), and one at once when it completes.
 */
export class PageRender {
  private timer: number | null = null;

  constructor(private readonly d: PageRenderDeps) {}

  /** Plans a render pass; `now` runs it at once (replacing a planned one). */
  schedule(now = false): void {
    if (now && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.timer !== null) return;
    this.timer = window.setTimeout(
      () => {
        this.timer = null;
        this.render();
      },
      now ? 0 : this.d.state.replayMs === null ? 300 : 16,
    );
  }

  /** One render pass: the alert table and its header, the banner, and the detail when it is marked dirty. */
  render(): void {
    const { state, model, list, detail } = this.d;
    state.counters.renders++;
    const now = Date.now();
    const live = state.connState === 'live';
    list.setConnected(live);
    if (detail.connected !== live) {
      detail.connected = live;
      state.detailDirty = detail.current !== null;
    }
    list.render(now);
    $('alert-count').textContent = model.size === 0 ? '' : state.siteFilter === null ? t('alerts.count', { n: model.size }) : t('alerts.countOf', { m: list.matchCount, n: model.size });
    $('alerts-empty').hidden = list.matchCount > 0;
    const more = $('alerts-more');
    more.hidden = list.hiddenCount === 0;
    more.textContent = t('alerts.more', { n: list.hiddenCount });
    this.d.length.render();
    const unackShown = list.visibleAlerts().filter((v) => v.state === 'new').length;
    const ackAll = $<HTMLButtonElement>('ack-all');
    ackAll.hidden = unackShown === 0;
    ackAll.textContent = t('alerts.ackAll', { n: unackShown });
    ackAll.disabled = !live;
    ackAll.title = live ? '' : t('alert.offlineAction');
    this.renderBanner();
    if (state.detailDirty) {
      state.detailDirty = false;
      detail.refresh(now);
    }
  }

  /**
   * The banner (connection lost, storage failed, new alerts, sites and sensors offline, sensors not detecting yet,
   * late alerts) and the page title's "(!)".
   */
  private renderBanner(): void {
    const { state, model, sitePanel, sensorPanel } = this.d;
    const parts: string[] = [];
    if (state.connLost) parts.push(t('banner.connLost'));
    for (const s of model.storageFailedSites()) parts.push(t('banner.storageFailed', { name: s }));
    const unack = model.unacknowledgedCount();
    if (unack > 0) parts.push(t('banner.unacknowledged', { n: unack }));
    for (const s of sitePanel.offline()) parts.push(t('banner.siteOffline', { name: s }));
    for (const s of sensorPanel.offline()) parts.push(t('banner.offline', { name: s }));
    const alarming = parts.length;
    // the rooms those sensors watch are not protected yet: said at the top (on a phone the cards are screens below)
    const notDetecting = sensorPanel.notDetectingCount();
    if (notDetecting > 0) parts.push(t('banner.notDetecting', { n: notDetecting }));
    const late = sensorPanel.late();
    if (late !== null) parts.push(t(late.link ? 'banner.lateLink' : 'banner.late', { delay: formatDelay(late.behindMs), names: late.names.join(t('list.sep')) }));
    const banner = $('banner');
    banner.hidden = parts.length === 0;
    banner.textContent = parts.join(' · ');
    // only "not detecting yet" (no alarm, no fault): a steady blue notice, not the flashing red of an alarm
    const alarm = alarming > 0 || late !== null;
    banner.classList.toggle('info', !alarm);
    document.title = alarm ? `(!) ${t('title')}` : t('title');
  }
}
