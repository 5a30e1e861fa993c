// Alert table, newest first: one keyed row per alertId, updated in place; durations tick while an alert is open.
import type { AlertModel, AlertView } from './alert-model.js';
import { describeHeard, formatBandwidth, formatDateTime, formatDb, formatDuration, formatMhz, formatTime } from './format.js';
import { t } from './i18n.js';

/** Callbacks of {@link AlertList}. */
export interface AlertListHandlers {
  onAck: (alertId: string) => void;
  onKnown: (alertId: string) => void;
  onOpen: (alertId: string) => void;
}

interface Row {
  tr: HTMLTableRowElement;
  state: HTMLElement;
  live: HTMLElement;
  site: HTMLElement;
  sensor: HTMLElement;
  freq: HTMLElement;
  bw: HTMLElement;
  band: HTMLElement;
  excess: HTMLElement;
  start: HTMLElement;
  duration: HTMLElement;
  ack: HTMLButtonElement;
  known: HTMLButtonElement;
}

/** How long (ms) the row of a newly arrived alert flashes; the banner keeps flashing while any alert is unacknowledged. */
export const FLASH_MS = 60_000;

/** Most rows kept in the DOM (the newest); older alerts stay in the model and are counted below the table. */
export const MAX_ROWS = 200;

/** Duration (ms) of an alert: to its end when closed, else to now (never negative). */
export function alertDurationMs(v: AlertView, nowMs: number): number {
  const start = Date.parse(v.startTime ?? v.firstTime);
  if (Number.isNaN(start)) return NaN;
  let end: number;
  if (v.closed) end = Date.parse(v.endTime ?? v.lastTime);
  else end = Math.max(nowMs, Date.parse(v.endTime ?? v.lastTime));
  return Math.max(0, end - start);
}

/**
 * Renders {@link AlertModel} into a `<tbody>`. Each row: `data-testid="alert-row"`, `data-alert-id`, `data-seq` (the
 * alert's latest record seq), `data-open-seq`, `data-state` (new | acknowledged | known), `data-kind`,
 * `data-closed`, `data-site`; a site column (`.c-site`) shown while the table has class `multi-site`
 * ({@link setShowSite}); {@link setSiteFilter} keeps only one site's alerts in the table; class `flash` (CSS animation) for a minute after a new alert arrived live, while unacknowledged. Buttons: `ack-button` (state new), `known-button` (acknowledged transmissions).
 * Call {@link markDirty} for changed alerts and {@link render} (batched by the caller).
 */
export class AlertList {
  private readonly tbody: HTMLElement;
  private readonly model: AlertModel;
  private readonly h: AlertListHandlers;
  private readonly rows = new Map<string, Row>();
  private readonly dirty = new Set<string>();
  private readonly pending = new Set<string>();
  private orderDirty = true;
  private timeZone = 'UTC';
  /** alertId → time (ms, Date.now()) until which its row flashes. */
  private readonly flashUntil = new Map<string, number>();
  /** Site whose alerts are shown (null: every site). */
  private siteFilter: string | null = null;
  /** Alerts passing the site filter but not in the DOM (older than the newest MAX_ROWS). */
  hiddenCount = 0;
  /** Alerts passing the site filter (all of them without a filter). */
  matchCount = 0;

  constructor(tbody: HTMLElement, model: AlertModel, handlers: AlertListHandlers) {
    this.tbody = tbody;
    this.model = model;
    this.h = handlers;
    tbody.addEventListener('click', (ev) => {
      const target = ev.target as HTMLElement;
      const tr = target.closest<HTMLTableRowElement>('tr[data-alert-id]');
      if (tr === null) return;
      const id = tr.dataset.alertId!;
      const btn = target.closest<HTMLButtonElement>('button');
      if (btn !== null) {
        ev.stopPropagation();
        if (btn.dataset.action === 'ack') this.h.onAck(id);
        else if (btn.dataset.action === 'known') this.h.onKnown(id);
        return;
      }
      this.h.onOpen(id);
    });
  }

  /** Shows only `site`'s alerts (null: every site's); the table is re-laid out at the next render. */
  setSiteFilter(site: string | null): void {
    if (site === this.siteFilter) return;
    this.siteFilter = site;
    this.orderDirty = true;
  }

  /** Shows or hides the site column (a hub, or alerts of more than one site). */
  setShowSite(on: boolean): void {
    this.tbody.closest('table')?.classList.toggle('multi-site', on);
  }

  /** Site time zone for start times (hello.timeZone). */
  setTimeZone(tz: string): void {
    if (tz === this.timeZone) return;
    this.timeZone = tz;
    this.markAllDirty();
  }

  /** The alert changed (or is new). */
  markDirty(alertId: string, isNew = false): void {
    this.dirty.add(alertId);
    if (isNew || !this.rows.has(alertId)) this.orderDirty = true;
  }

  /**
   * Makes an alert's row flash for `ms` (a new alert that just arrived). Rows of unacknowledged alerts stay red
   * afterwards; only fresh ones flash, so a backlog does not turn the table into hundreds of animations.
   */
  flash(alertId: string, nowMs: number, ms = FLASH_MS): void {
    this.flashUntil.set(alertId, nowMs + ms);
    this.dirty.add(alertId);
  }

  /** Every row re-renders (language or time zone change). */
  markAllDirty(): void {
    for (const id of this.rows.keys()) this.dirty.add(id);
  }

  /** Forgets every row (model reset). */
  clear(): void {
    this.rows.clear();
    this.flashUntil.clear();
    this.dirty.clear();
    this.pending.clear();
    this.tbody.replaceChildren();
    this.orderDirty = true;
  }

  /** Marks an ack/known as sent (button disabled) or no longer pending (error, or the state record arrived). */
  setPending(alertId: string, on: boolean): void {
    if (on) this.pending.add(alertId);
    else this.pending.delete(alertId);
    this.dirty.add(alertId);
  }

  /** Clears every pending mark (an error came back; we cannot tell which request failed). */
  clearPending(): void {
    for (const id of this.pending) this.dirty.add(id);
    this.pending.clear();
  }

  /** Brings the DOM in line with the model. */
  render(nowMs: number): void {
    if (this.orderDirty) {
      this.orderDirty = false;
      let list: AlertView[];
      if (this.siteFilter === null) {
        list = this.model.newestFirst(MAX_ROWS);
        this.matchCount = this.model.size;
      } else {
        const site = this.siteFilter;
        const all = this.model.newestFirst().filter((v) => v.site === site);
        this.matchCount = all.length;
        list = all.length > MAX_ROWS ? all.slice(0, MAX_ROWS) : all;
      }
      this.hiddenCount = this.matchCount - list.length;
      const keep = new Set<string>();
      const ordered: HTMLTableRowElement[] = [];
      for (const v of list) {
        keep.add(v.alertId);
        let r = this.rows.get(v.alertId);
        if (r === undefined) {
          r = this.makeRow(v.alertId);
          this.rows.set(v.alertId, r);
          this.dirty.add(v.alertId);
        }
        ordered.push(r.tr);
      }
      for (const [id, r] of this.rows) {
        if (!keep.has(id)) {
          r.tr.remove();
          this.rows.delete(id);
        }
      }
      // Move rows only where the order differs (appending every row would restart the flash animations).
      let prev: Element | null = null;
      for (const tr of ordered) {
        const want: Element | null = prev === null ? this.tbody.firstElementChild : prev.nextElementSibling;
        if (want !== tr) {
          if (prev === null) this.tbody.prepend(tr);
          else prev.after(tr);
        }
        prev = tr;
      }
    }
    for (const id of this.dirty) {
      const r = this.rows.get(id);
      const v = this.model.get(id);
      if (r !== undefined && v !== undefined) this.fill(r, v, nowMs);
    }
    this.dirty.clear();
  }

  /** Updates the duration cells of open alerts and ends expired flashes (call every second). */
  tick(nowMs: number): void {
    for (const [id, r] of this.rows) {
      const v = this.model.get(id);
      if (v !== undefined && !v.closed) r.duration.textContent = formatDuration(alertDurationMs(v, nowMs));
    }
    for (const [id, until] of this.flashUntil) {
      if (until > nowMs) continue;
      this.flashUntil.delete(id);
      this.rows.get(id)?.tr.classList.remove('flash');
    }
  }

  private makeRow(alertId: string): Row {
    const tr = document.createElement('tr');
    tr.dataset.testid = 'alert-row';
    tr.dataset.alertId = alertId;
    const td = (cls: string): HTMLElement => {
      const c = document.createElement('td');
      c.className = cls;
      tr.append(c);
      return c;
    };
    const stateTd = td('c-state');
    const state = document.createElement('span');
    state.className = 'state-pill';
    const live = document.createElement('span');
    live.className = 'live-tag';
    stateTd.append(state, live);
    const site = td('c-site');
    const sensor = td('c-sensor');
    // Two-line cells keep the table narrow: centre over bandwidth, start over duration.
    const centreTd = td('c-centre num');
    const freq = document.createElement('span');
    freq.className = 'c-freq';
    const bw = document.createElement('span');
    bw.className = 'c-bw';
    centreTd.append(freq, bw);
    const band = td('c-band');
    const excess = td('c-excess num');
    const whenTd = td('c-when num');
    const start = document.createElement('span');
    start.className = 'c-start';
    const duration = document.createElement('span');
    duration.className = 'c-duration';
    whenTd.append(start, duration);
    const actions = td('c-actions');
    const ack = document.createElement('button');
    ack.type = 'button';
    ack.className = 'btn ack';
    ack.dataset.testid = 'ack-button';
    ack.dataset.action = 'ack';
    const known = document.createElement('button');
    known.type = 'button';
    known.className = 'btn known';
    known.dataset.testid = 'known-button';
    known.dataset.action = 'known';
    actions.append(ack, known);
    return { tr, state, live, site, sensor, freq, bw, band, excess, start, duration, ack, known };
  }

  private fill(r: Row, v: AlertView, nowMs: number): void {
    const tr = r.tr;
    tr.dataset.seq = String(v.lastSeq);
    tr.dataset.openSeq = String(v.openSeq);
    tr.dataset.state = v.state;
    tr.dataset.kind = v.kind;
    tr.dataset.closed = String(v.closed);
    tr.dataset.site = v.site;
    const flashing = v.state === 'new' && v.severity !== 'info' && (this.flashUntil.get(v.alertId) ?? 0) > nowMs;
    if (v.state !== 'new') this.flashUntil.delete(v.alertId);
    tr.className = `alert-row sev-${v.severity} st-${v.state}${flashing ? ' flash' : ''}${v.closed ? ' closed' : ' open'}`;
    r.state.textContent = v.state === 'new' ? t('alert.new') : v.state === 'acknowledged' ? t('alert.acknowledged') : t('alert.known');
    r.live.textContent = v.closed ? t('alert.closed') : t('alert.open');
    r.site.textContent = v.site;
    r.site.title = v.site;
    r.sensor.textContent = v.sensor;
    const tx = v.kind === 'transmission';
    const heard = v.kind === 'present-during-calibration';
    r.freq.textContent = tx || heard ? formatMhz(v.centerHz) : '—';
    r.bw.textContent = tx || heard ? formatBandwidth(v.bandwidthHz) : '—';
    const knownAs = v.knownLabel !== undefined ? t('alert.knownAs', { label: v.knownLabel }) : undefined;
    r.band.textContent = tx
      ? [v.bandLabel, knownAs].filter((x) => x !== undefined).join(' · ')
      : heard
        ? [t('kind.present-during-calibration'), v.calibration !== undefined ? describeHeard(v.calibration) : undefined, knownAs].filter((x) => x !== undefined).join(' · ')
        : `${t(`kind.${v.kind}`)}${v.message !== undefined ? ` — ${v.message}` : ''}`;
    r.band.title = v.message ?? knownAs ?? '';
    r.excess.textContent = tx || heard ? formatDb(v.peakExcessDb) : '—';
    const startIso = v.startTime ?? v.firstTime;
    r.start.textContent = formatTime(startIso, this.timeZone);
    r.start.title = formatDateTime(startIso, this.timeZone);
    r.duration.textContent = formatDuration(alertDurationMs(v, nowMs));
    const pending = this.pending.has(v.alertId);
    // One button per row: Acknowledge while new; then "mark as known" for transmissions and emitters heard during
    // calibration (both are in the detail, with Escalate for the latter).
    r.ack.hidden = v.state !== 'new';
    r.ack.disabled = pending;
    r.ack.textContent = pending ? t('alert.pending') : t('alert.ack');
    r.known.hidden = !(tx || heard) || v.state !== 'acknowledged';
    r.known.disabled = pending;
    r.known.textContent = t('alert.markKnown');
  }
}
