// Alert table, newest first (live, then raised, unacknowledged alerts above the rest): one keyed row per alertId (a transmission
// heard by several sensors: one expandable group row over its alerts), updated in place; durations tick while open.
import type { AlertModel, AlertView } from './alert-model.js';
import { AlertPins } from './alert-pins.js';
import { alertMessageText, describeHeard, formatBandwidth, formatDateTime, formatDb, formatMhz, formatTime } from './format.js';
import { groupSensorsText, liveText } from './alert-text.js';
import { alertDurationText, groupSpanText, spanOf } from './alert-duration.js';
import { makeRow, type Row, showBadge, showLate, showRaise } from './alert-row.js';
import { t } from './i18n.js';

/** Callbacks of {@link AlertList}. */
export interface AlertListHandlers {
  /** Acknowledge these alerts (one row's, or every new alert of a group). */
  onAck: (alertIds: string[]) => void;
  onKnown: (alertId: string) => void;
  onOpen: (alertId: string) => void;
}

/** One line of the table: an alert, or a transmission group (≥ 2 alerts sharing site and groupId) with its members. */
type Entry = { key: string; v: AlertView; members?: undefined } | { key: string; v?: undefined; members: AlertView[] };

/** Group key of an alert (site + groupId), or undefined when it belongs to no group. */
function groupKeyOf(v: AlertView): string | undefined {
  return typeof v.groupId === 'string' ? `${v.site}\u0000${v.groupId}` : undefined;
}

/** The member that speaks for a group: the one with the largest excess (the nearest sensor). */
function strongest(members: readonly AlertView[]): AlertView {
  let best = members[0]!;
  for (const m of members) if ((m.peakExcessDb ?? -Infinity) > (best.peakExcessDb ?? -Infinity)) best = m;
  return best;
}

/** How long (ms) the row of a newly arrived alert flashes; the banner keeps flashing while any alert is unacknowledged. */
export const FLASH_MS = 60_000;

/** Most rows kept in the DOM (the newest); older alerts stay in the model and are counted below the table. */
export const MAX_ROWS = 200;

/**
 * Renders {@link AlertModel} into a `<tbody>`, newest first. Alert rows: `data-testid="alert-row"`, `data-alert-id`,
 * `data-seq` (the alert's latest record seq), `data-open-seq`, `data-state` (new | acknowledged | known), `data-kind`,
 * `data-closed`, `data-site`, cells `.c-state .c-site .c-room .c-sensor .c-centre .c-band .c-excess .c-when .c-actions`.
 * Alerts sharing `groupId` (one transmission several sensors saw; src/alerts/localisation.ts) fold into one group row
 * (`data-testid="alert-group"`, `data-group-id`, `data-members` (count), `data-member-ids` (space-separated alertIds),
 * `data-expanded`) placed at its newest member: its
 * rooms nearest first, the number of sensors, the strongest member's band, the largest excess, the span of the group,
 * and "acknowledge group" while any member is new. Clicking a group row expands it (its member rows follow it, class
 * `member`). Unacknowledged alerts lead (alert-pins.ts pinRank): the live ones (on air, or a fault going on) first,
 * raised above the others of their severity, then the ended raised ones (an identified class its band does not carry,
 * a voice link, a phone; Alert.severityRaise), highest rank first and newest first within a rank; the rest follow
 * newest first. Raised rows (and a group row with a raised member) have class `raised` and a mark (`raise-mark`: "▲
 * voice link", the reason as its title and in the detail; a tap on it is a tap on the row), which stays after the
 * acknowledgement while the row drops back to its place. The
 * site column (`.c-site`) shows while the table has class `multi-site` ({@link setShowSite});
 * {@link setSiteFilter} keeps one site's alerts. Class `flash` (CSS animation) for a minute after a new alert arrived
 * live, while unacknowledged. Buttons: `ack-button` (state new), `known-button` (acknowledged transmissions),
 * `ack-group-button` (group rows). Call {@link markDirty} for changed alerts and {@link render} (batched by the caller).
 */
export class AlertList {
  private readonly tbody: HTMLElement;
  private readonly model: AlertModel;
  private readonly h: AlertListHandlers;
  /** Rows by key: `a:<alertId>` (alert rows) and `g:<site>\0<groupId>` (group rows). */
  private readonly rows = new Map<string, Row>();
  private readonly dirty = new Set<string>();
  private readonly pending = new Set<string>();
  /** Connected to the daemon ({@link setConnected}). */
  private connected = true;
  private orderDirty = true;
  private timeZone = 'UTC';
  /** alertId → time (ms, Date.now()) until which its row flashes. */
  private readonly flashUntil = new Map<string, number>();
  /** Site whose alerts are shown (null: every site). */
  private siteFilter: string | null = null;
  /** Sensor → room (hello: sensors' locations). */
  private rooms = new Map<string, string>();
  /** Group keys the supervisor expanded. */
  private readonly expanded = new Set<string>();
  /** Group key → its members at the last layout (groups of ≥ 2 only); alertId → its group key then (any size). */
  private groups = new Map<string, AlertView[]>();
  private groupOf = new Map<string, string>();
  /** Live and raised unacknowledged alerts pinned at the top at the last layout (alert-pins.ts). */
  private readonly pins = new AlertPins();
  /** The alerts in the table (alert rows and members of shown groups, expanded or not), newest first. */
  private shown: AlertView[] = [];
  /** Rows the table holds at most ({@link setRowLimit}). */
  private rowLimit = MAX_ROWS;
  /** Entries passing the site filter but not in the DOM (after the first {@link setRowLimit} rows, at most MAX_ROWS). */
  hiddenCount = 0;
  /** Alerts passing the site filter (all of them without a filter). */
  matchCount = 0;

  constructor(tbody: HTMLElement, model: AlertModel, handlers: AlertListHandlers) {
    this.tbody = tbody;
    this.model = model;
    this.h = handlers;
    tbody.addEventListener('click', (ev) => {
      const target = ev.target as HTMLElement;
      const group = target.closest<HTMLTableRowElement>('tr[data-group-key]');
      if (group !== null) {
        const key = group.dataset.groupKey!;
        const btn = target.closest<HTMLButtonElement>('button');
        if (btn?.dataset.action === 'ack-group') {
          ev.stopPropagation();
          this.h.onAck((this.groups.get(key) ?? []).filter((m) => m.state === 'new').map((m) => m.alertId));
          return;
        }
        // the ▲ mark opens the detail of the member whose raise it shows, as it does on an alert row (alert-row.ts
        // showRaise); anywhere else the row expands or folds the group
        const raisedId = group.dataset.raiseAlertId;
        if (raisedId !== undefined && target.closest('[data-testid="raise-mark"]') !== null) {
          this.h.onOpen(raisedId);
          return;
        }
        if (this.expanded.has(key)) this.expanded.delete(key);
        else this.expanded.add(key);
        this.orderDirty = true;
        this.dirty.add(`g:${key}`);
        this.render(Date.now());
        return;
      }
      const tr = target.closest<HTMLTableRowElement>('tr[data-alert-id]');
      if (tr === null) return;
      const id = tr.dataset.alertId!;
      const btn = target.closest<HTMLButtonElement>('button');
      if (btn !== null) {
        ev.stopPropagation();
        if (btn.dataset.action === 'ack') this.h.onAck([id]);
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

  /** Keeps at most `rows` rows in the table (MAX_ROWS at most; the rest are counted in {@link hiddenCount}). */
  setRowLimit(rows: number): void {
    const n = Math.min(rows, MAX_ROWS);
    if (n === this.rowLimit) return;
    this.rowLimit = n;
    this.orderDirty = true;
  }

  /** Shows or hides the site column (a hub, or alerts of more than one site). */
  setShowSite(on: boolean): void {
    this.tbody.closest('table')?.classList.toggle('multi-site', on);
  }

  /** Rooms of the sensors (hello: `sensors[].location.room`), for the Room column. */
  setRooms(rooms: ReadonlyMap<string, string>): void {
    this.rooms = new Map(rooms);
    this.markAllDirty();
  }

  /** Site time zone for start times (hello.timeZone). */
  setTimeZone(tz: string): void {
    if (tz === this.timeZone) return;
    this.timeZone = tz;
    this.markAllDirty();
  }

  /** The alert changed (or is new). */
  markDirty(alertId: string, isNew = false): void {
    this.dirty.add(`a:${alertId}`);
    const v = this.model.get(alertId);
    const key = v === undefined ? undefined : groupKeyOf(v);
    // joined, left or changed a group: the layout changes
    if (isNew || !this.rows.has(`a:${alertId}`) || key !== this.groupOf.get(alertId)) this.orderDirty = true;
    // raised, ended or acknowledged: it moves within / from the top
    if (this.pins.moved(alertId, v)) this.orderDirty = true;
    if (key !== undefined) this.dirty.add(`g:${key}`);
  }

  /** Unfolds the group of `alertId` (if any), so its row is drawn at the next render. */
  expandGroupOf(alertId: string): void {
    const v = this.model.get(alertId);
    const key = v === undefined ? undefined : groupKeyOf(v);
    if (key !== undefined && !this.expanded.has(key)) (this.expanded.add(key), (this.orderDirty = true), this.dirty.add(`g:${key}`));
  }

  /**
   * Makes an alert's row flash for `ms` (a new alert that just arrived). Rows of unacknowledged alerts stay red
   * afterwards; only fresh ones flash, so a backlog does not turn the table into hundreds of animations.
   */
  flash(alertId: string, nowMs: number, ms = FLASH_MS): void {
    this.flashUntil.set(alertId, nowMs + ms);
    this.markDirty(alertId);
  }

  /**
   * Whether the page is connected to the daemon: while it is not, the row buttons that send (acknowledge, mark known,
   * acknowledge group) are disabled with a title saying why, instead of failing after the supervisor clicked.
   */
  setConnected(on: boolean): void {
    if (on === this.connected) return;
    this.connected = on;
    this.markAllDirty();
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
    this.groups.clear();
    this.groupOf.clear();
    this.pins.clear();
    this.shown = [];
    this.tbody.replaceChildren();
    this.orderDirty = true;
  }

  /** Marks an ack/known as sent (button disabled) or no longer pending (error, or the state record arrived). */
  setPending(alertId: string, on: boolean): void {
    if (on) this.pending.add(alertId);
    else this.pending.delete(alertId);
    this.markDirty(alertId);
  }

  /** Clears every pending mark (an error came back; we cannot tell which request failed). */
  clearPending(): void {
    for (const id of this.pending) this.markDirty(id);
    this.pending.clear();
  }

  /** The alerts in the table now (after the site filter and the row limit; members of collapsed groups included). */
  visibleAlerts(): readonly AlertView[] {
    return this.shown;
  }

  /** Folds alerts (newest first) into entries: one per ungrouped alert, one per group of ≥ 2 members. */
  private entries(list: readonly AlertView[]): Entry[] {
    const groups = new Map<string, AlertView[]>();
    for (const v of list) {
      const k = groupKeyOf(v);
      if (k === undefined) continue;
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = []));
      g.push(v);
    }
    const out: Entry[] = [];
    const placed = new Set<string>();
    this.groups = new Map();
    this.groupOf = new Map();
    for (const v of list) {
      const k = groupKeyOf(v);
      const g = k === undefined ? undefined : groups.get(k)!;
      if (k !== undefined) this.groupOf.set(v.alertId, k);
      if (g === undefined || g.length < 2) {
        out.push({ key: `a:${v.alertId}`, v });
        continue;
      }
      if (placed.has(k!)) continue;
      placed.add(k!);
      this.groups.set(k!, g);
      out.push({ key: `g:${k!}`, members: g });
    }
    return out;
  }

  /** Brings the DOM in line with the model. */
  render(nowMs: number): void {
    if (this.orderDirty) {
      this.orderDirty = false;
      const site = this.siteFilter;
      const all = site === null ? this.model.newestFirst() : this.model.newestFirst().filter((v) => v.site === site);
      this.matchCount = all.length;
      const entries = this.pins.order(this.entries(all), (e) => (e.v !== undefined ? [e.v] : e.members));
      const keep = new Set<string>();
      const ordered: HTMLTableRowElement[] = [];
      const shown: AlertView[] = [];
      let rowsUsed = 0;
      let hidden = 0;
      const use = (key: string, group: boolean): void => {
        keep.add(key);
        let r = this.rows.get(key);
        if (r === undefined) {
          r = makeRow(key, group);
          this.rows.set(key, r);
          this.dirty.add(key);
        }
        ordered.push(r.tr);
      };
      for (const e of entries) {
        if (rowsUsed >= this.rowLimit) {
          hidden++;
          continue;
        }
        rowsUsed++;
        if (e.v !== undefined) {
          use(e.key, false);
          shown.push(e.v);
          continue;
        }
        use(e.key, true);
        shown.push(...e.members);
        if (this.expanded.has(e.key.slice(2))) {
          for (const m of e.members) {
            use(`a:${m.alertId}`, false);
            rowsUsed++;
          }
        }
      }
      this.shown = shown;
      this.hiddenCount = hidden;
      for (const [key, r] of this.rows) {
        if (!keep.has(key)) {
          r.tr.remove();
          this.rows.delete(key);
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
    for (const key of this.dirty) {
      const r = this.rows.get(key);
      if (r === undefined) continue;
      if (key.startsWith('g:')) {
        const members = this.groups.get(key.slice(2));
        if (members !== undefined) this.fillGroup(r, key.slice(2), members, nowMs);
        continue;
      }
      const v = this.model.get(key.slice(2));
      if (v !== undefined) this.fill(r, v, nowMs);
    }
    this.dirty.clear();
  }

  /** Updates the duration cells of open alerts and ends expired flashes (call every second). */
  tick(nowMs: number): void {
    for (const [key, r] of this.rows) {
      if (key.startsWith('g:')) {
        const members = this.groups.get(key.slice(2));
        if (members !== undefined && members.some((m) => !m.closed)) r.duration.textContent = groupSpanText(members, nowMs);
        continue;
      }
      const v = this.model.get(key.slice(2));
      if (v !== undefined && !v.closed) r.duration.textContent = alertDurationText(v, nowMs);
    }
    for (const [id, until] of this.flashUntil) {
      if (until > nowMs) continue;
      this.flashUntil.delete(id);
      this.rows.get(`a:${id}`)?.tr.classList.remove('flash');
      const g = this.groupOf.get(id);
      const gr = g === undefined ? undefined : this.rows.get(`g:${g}`);
      const members = g === undefined ? undefined : this.groups.get(g);
      if (gr !== undefined && members !== undefined) this.fillGroup(gr, g!, members, nowMs);
    }
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
    const member = this.groups.has(this.groupOf.get(v.alertId) ?? '');
    const raise = v.severity !== 'info' ? v.severityRaise : undefined;
    tr.className = `alert-row sev-${v.severity} st-${v.state}${raise !== undefined ? ' raised' : ''}${flashing ? ' flash' : ''}${v.closed ? ' closed' : ' open'}${member ? ' member' : ''}`;
    showRaise(r, raise);
    r.state.textContent = v.state === 'new' ? t('alert.new') : v.state === 'acknowledged' ? t('alert.acknowledged') : t('alert.known');
    r.live.textContent = liveText(v);
    r.site.textContent = v.site;
    r.room.textContent = this.rooms.get(v.sensor) ?? '—';
    r.sensor.textContent = v.sensor;
    const tx = v.kind === 'transmission';
    const heard = v.kind === 'present-during-calibration';
    r.freq.textContent = tx || heard ? formatMhz(v.centerHz) : '—';
    r.bw.textContent = tx || heard ? formatBandwidth(v.bandwidthHz) : '—';
    const knownAs = v.knownLabel !== undefined ? t('alert.knownAs', { label: v.knownLabel }) : undefined;
    const message = alertMessageText(v.message, v.messageCode);
    r.band.textContent = tx
      ? [v.bandLabel, knownAs].filter((x) => x !== undefined).join(' · ')
      : heard
        ? [t('kind.present-during-calibration'), v.calibration !== undefined ? describeHeard(v.calibration) : undefined, knownAs].filter((x) => x !== undefined).join(' · ')
        : `${t(`kind.${v.kind}`)}${message !== undefined ? ` — ${message}` : ''}`;
    r.band.title = message ?? knownAs ?? '';
    showBadge(r, tx ? v : undefined);
    r.excess.textContent = tx || heard ? formatDb(v.peakExcessDb) : '—';
    // a fault has no frequency or level: its '—' cells are left out of the phone card (class `empty`)
    r.freq.parentElement!.classList.toggle('empty', !(tx || heard));
    r.excess.classList.toggle('empty', !(tx || heard));
    const startIso = v.startTime ?? v.firstTime;
    r.start.textContent = formatTime(startIso, this.timeZone);
    r.start.title = formatDateTime(startIso, this.timeZone);
    r.duration.textContent = alertDurationText(v, nowMs);
    showLate(r, v.lateMs, v.lateLinkMs);
    const pending = this.pending.has(v.alertId);
    // One button per row: Acknowledge while new; then "mark as known" for transmissions and emitters heard during
    // calibration (both are in the detail, with Escalate for the latter).
    r.ack.hidden = v.state !== 'new';
    r.ack.textContent = pending ? t('alert.pending') : t('alert.ack');
    r.known.hidden = !(tx || heard) || v.state !== 'acknowledged';
    r.known.textContent = t('alert.markKnown');
    this.sendable(r.ack, pending);
    this.sendable(r.known, pending);
  }

  /** A button that sends: disabled while its request is pending or the page is disconnected (then its title says why). */
  private sendable(b: HTMLButtonElement, pending: boolean): void {
    b.disabled = pending || !this.connected;
    b.title = this.connected ? '' : t('alert.offlineAction');
  }

  private fillGroup(r: Row, key: string, members: readonly AlertView[], nowMs: number): void {
    const tr = r.tr;
    const lead = strongest(members);
    const fresh = members.filter((m) => m.state === 'new');
    const state = fresh.length > 0 ? 'new' : members.every((m) => m.state === 'known') ? 'known' : 'acknowledged';
    const closed = members.every((m) => m.closed);
    const severity = members.some((m) => m.severity === 'high') ? 'high' : members.some((m) => m.severity === 'low') ? 'low' : 'info';
    const flashing = members.some((m) => m.state === 'new' && (this.flashUntil.get(m.alertId) ?? 0) > nowMs);
    const open = this.expanded.has(key);
    tr.dataset.groupId = lead.groupId!;
    tr.dataset.members = String(members.length);
    tr.dataset.memberIds = members.map((m) => m.alertId).join(' ');
    tr.dataset.state = state;
    tr.dataset.closed = String(closed);
    tr.dataset.site = lead.site;
    tr.dataset.expanded = String(open);
    // the group's mark: its strongest member's raise, else the first raised member's
    const raised = severity === 'info' ? undefined : lead.severityRaise !== undefined ? lead : members.find((m) => m.severityRaise !== undefined);
    const raise = raised?.severityRaise;
    // the member a tap on the mark opens (the click handler above)
    if (raised !== undefined) tr.dataset.raiseAlertId = raised.alertId;
    else delete tr.dataset.raiseAlertId;
    tr.className = `alert-row group-row sev-${severity} st-${state}${raise !== undefined ? ' raised' : ''}${flashing ? ' flash' : ''}${closed ? ' closed' : ' open'}`;
    showRaise(r, raise);
    r.toggle!.textContent = open ? '▾' : '▸';
    r.toggle!.title = t('group.toggle');
    r.toggle!.setAttribute('aria-expanded', String(open));
    r.state.textContent = state === 'new' ? t('alert.new') : state === 'acknowledged' ? t('alert.acknowledged') : t('alert.known');
    r.live.textContent = closed ? t('alert.closed') : t('alert.open');
    r.site.textContent = lead.site;
    // rooms nearest first: the freshest ranking any member carries, then rooms of members it does not list
    const ranked: string[] = [];
    let best: AlertView['rooms'] = [];
    for (const m of members) if (Array.isArray(m.rooms) && m.rooms.length > (best?.length ?? 0)) best = m.rooms;
    for (const x of best ?? []) if (typeof x?.room === 'string' && !ranked.includes(x.room)) ranked.push(x.room);
    for (const m of members) {
      const room = this.rooms.get(m.sensor);
      if (room !== undefined && !ranked.includes(room)) ranked.push(room);
    }
    r.room.textContent = ranked.length > 0 ? ranked.join(', ') : '—';
    const sensors = groupSensorsText(members);
    r.sensor.textContent = sensors.text;
    r.sensor.title = sensors.title;
    r.freq.textContent = formatMhz(lead.centerHz);
    r.bw.textContent = formatBandwidth(lead.bandwidthHz);
    const knownAs = lead.knownLabel !== undefined ? t('alert.knownAs', { label: lead.knownLabel }) : undefined;
    r.band.textContent = [lead.bandLabel, knownAs].filter((x) => x !== undefined).join(' · ');
    showBadge(r, lead);
    r.excess.textContent = formatDb(lead.peakExcessDb);
    let first = Infinity;
    for (const m of members) first = Math.min(first, spanOf(m, nowMs)[0]);
    r.start.textContent = formatTime(first, this.timeZone);
    r.start.title = formatDateTime(first, this.timeZone);
    r.duration.textContent = groupSpanText(members, nowMs);
    // the latest any member came (members of one transmission come from sensors that may lag differently)
    let late: AlertView | undefined;
    for (const m of members) if (m.lateMs !== undefined && (late === undefined || m.lateMs > late.lateMs!)) late = m;
    showLate(r, late?.lateMs, late?.lateLinkMs);
    const pending = fresh.some((m) => this.pending.has(m.alertId));
    r.ack.hidden = fresh.length === 0;
    this.sendable(r.ack, pending);
    r.ack.textContent = pending ? t('alert.pending') : t('alert.ackGroup', { n: fresh.length });
  }
}
