// Sensor health panel: online/offline (offline shown as loudly as an alert), rate, drops, overload, last frame age.
import { formatDelay, formatDuration, formatMhz, formatRate, healthMessageText, messageDetailText, noteDetailElement } from './format.js';
import { t, tOr, type MsgKey } from './i18n.js';
import { LATE_ALERT_MS, type SensorHealth } from './protocol-types.js';

interface Entry {
  name: string;
  health: SensorHealth | null;
  /** performance.now() when `health` arrived (the frame age grows from there). */
  receivedAt: number;
  el: HTMLElement;
  status: HTMLElement;
  state: HTMLElement;
  centre: HTMLElement;
  rate: HTMLElement;
  drops: HTMLElement;
  overload: HTMLElement;
  age: HTMLElement;
  /** Scanning sensors: revisit time per segment (hidden for single-band sensors). */
  revisit: HTMLElement;
  /** Why the rate is amber (falling behind, dropping, slow source); hidden while the sensor keeps up. */
  behind: HTMLElement;
  /** The daemon's English words behind a translated note (hidden when there are none); kept, so it stays open. */
  detail: HTMLDetailsElement;
}

/**
 * A `<dl class="sensor-metrics">` of labelled values (the sensor and site cards): `cell(key)` appends a `<dt>` with the
 * translated label (re-translated on a language switch through `data-i18n`) and returns its empty `<dd>`.
 */
export function metricGrid(): { grid: HTMLDListElement; cell: (key: MsgKey) => HTMLElement } {
  const grid = document.createElement('dl');
  grid.className = 'sensor-metrics';
  const cell = (key: MsgKey): HTMLElement => {
    const dt = document.createElement('dt');
    dt.dataset.i18n = key;
    dt.textContent = t(key);
    const dd = document.createElement('dd');
    grid.append(dt, dd);
    return dd;
  };
  return { grid, cell };
}

/**
 * True when a sensor is down: not online and not merely starting (a sensor that never delivered turns 'offline'
 * after the daemon's start grace). Down sensors are shown like alerts (red, flashing, banner, alarm).
 */
export function isDown(h: SensorHealth): boolean {
  return !h.online && h.state !== 'starting';
}

/** The site of a sensor at a hub: `health.site`, else the `<site>/` prefix of its name; undefined at a site. */
export function sensorSite(name: string, h: SensorHealth | null): string | undefined {
  if (h?.site !== undefined) return h.site;
  const i = name.indexOf('/');
  return i > 0 ? name.slice(0, i) : undefined;
}

/** Lateness (ms) of a sensor's alerts from which its card says it is falling behind: the daemon's late-alert mark's. */
export const BEHIND_SHOWN_MS = LATE_ALERT_MS;

/**
 * The figures of a "why amber" line: the achieved and configured rates in MS/s with as many decimals (2 to 4) as it
 * takes for two different rates to print differently ("0.246 of 0.250", not "0.25 of 0.25"), and the achieved rate as
 * a percentage of the configured one (real time), whole unless that would print 100 for a rate that is not exactly the
 * configured one ("99.8").
 */
export function rateFigures(achievedSps: number, configuredSps: number): { achieved: string; configured: string; pct: string } {
  const differ = achievedSps !== configuredSps;
  let d = 2;
  while (d < 4 && differ && (achievedSps / 1e6).toFixed(d) === (configuredSps / 1e6).toFixed(d)) d++;
  const share = configuredSps > 0 ? (100 * achievedSps) / configuredSps : NaN;
  let pd = 0;
  while (pd < 2 && differ && share.toFixed(pd) === (100).toFixed(pd)) pd++;
  return { achieved: (achievedSps / 1e6).toFixed(d), configured: (configuredSps / 1e6).toFixed(d), pct: Number.isFinite(share) ? share.toFixed(pd) : '—' };
}

/**
 * Why an online sensor's rate is amber (the daemon judged it short: `rateShortfall`, held over seconds so that the rate
 * reading's own dips under CPU load do not count) or its alerts come late, in plain words, or null while it keeps up:
 * alerts up to `behindMs` late (≥ {@link BEHIND_SHOWN_MS}) → this computer is overloaded ("catching up" when the rate
 * is not short but the alerts of the last 30 s came late); samples dropped while the pipeline does not keep up with its
 * source (`sourceBound` not true) → the same; otherwise (a short rate, gaps the source marked while the pipeline
 * waited for it) → the receiver or its link delivers too few samples. With none of these, ≥ 1 s of samples the
 * receiver produced that have not arrived (`samplesBehindOrLost`: waiting along its link or lost there, rtl_tcp) →
 * the receiver's link is slow (the rate judgement takes 5 s of evidence; this shows within a second or two).

 */
export function behindText(h: SensorHealth): string | null {
  if (!h.online) return null;
  const slow = h.rateShortfall === true;
  const lateMs = h.behindMs ?? 0;
  if (!slow && lateMs < BEHIND_SHOWN_MS) {
    // the pipeline keeps up, but the receiver's samples are not all here: waiting upstream or lost there (rtl_tcp)
    const upstreamMs = linkWaitMs(h);
    return upstreamMs >= BEHIND_SHOWN_MS ? t('sensor.upstreamLate', { delay: formatDelay(upstreamMs) }) : null;
  }
  const p = rateFigures(h.achievedRateSps, h.configuredRateSps);
  if (lateMs >= BEHIND_SHOWN_MS) return t(slow ? 'sensor.behindLate' : 'sensor.catchingUp', { ...p, delay: formatDelay(lateMs) });
  return h.droppedBlocks > 0 && h.sourceBound !== true ? t('sensor.behindDropping', p) : t('sensor.slowSource', p);
}

/**
 * How long (ms) the samples of a sensor wait on its receiver's link: what the receiver produced and has not arrived
 * (`samplesBehindOrLost`, rtl_tcp) at the configured rate; 0 when not known. Its alerts come this much later too (the
 * daemon adds it to an alert's `lateMs`, as `lateLinkMs`).
 */
export function linkWaitMs(h: SensorHealth): number {
  return h.samplesBehindOrLost != null && h.samplesBehindOrLost > 0 && h.configuredRateSps > 0 ? (1000 * h.samplesBehindOrLost) / h.configuredRateSps : 0;
}

/** A `status` older than this (ms) while connected marks the sensor "no data" (the daemon itself may be stuck). */
const STALE_STATUS_MS = 15_000;

/**
 * One card per sensor with `data-testid="sensor-status"` on the status pill (`data-online="true|false"`,
 * `data-sensor`). Ages are extrapolated locally between two `status` messages: age = lastFrameAgeMs + time since
 * the status arrived. At a hub, {@link setSiteFilter} hides the cards of other sites (`hidden`).
 */
export class SensorPanel {
  private readonly root: HTMLElement;
  private readonly entries = new Map<string, Entry>();
  private readonly empty: HTMLElement;
  private siteFilter: string | null = null;

  constructor(root: HTMLElement) {
    this.root = root;
    this.empty = document.createElement('p');
    this.empty.className = 'muted';
    this.root.append(this.empty);
    this.relabel();
  }

  /** Names of sensors currently offline (not counting ones still starting), in panel order. */
  offline(): string[] {
    const out: string[] = [];
    for (const e of this.entries.values()) if (e.health !== null && isDown(e.health)) out.push(e.name);
    return out;
  }

  /**
   * How many sensors are up but not detecting yet: starting (no samples yet) or learning their baseline (warm-up, a
   * calibration window). Down sensors are not counted (they have their own banner line).
   */
  notDetectingCount(): number {
    let n = 0;
    for (const e of this.entries.values()) {
      const h = e.health;
      if (h !== null && !isDown(h) && (h.state === 'starting' || h.state === 'learning')) n++;
    }
    return n;
  }

  /**
   * The online sensors whose alerts come late, in panel order: their pipeline's lateness (`behindMs`, the largest over
   * the last 30 s) plus what their samples wait on the receiver's link ({@link linkWaitMs}) is ≥ LATE_ALERT_MS; the
   * largest such lateness (ms) among them, and `link` true when for every one of them the link's wait is the larger
   * part (the cause is the link, not this computer). Null when none.
   */
  late(): { names: string[]; behindMs: number; link: boolean } | null {
    const names: string[] = [];
    let behindMs = 0;
    let link = true;
    for (const e of this.entries.values()) {
      const h = e.health;
      if (h === null || !h.online) continue;
      const waitMs = linkWaitMs(h);
      const lateMs = (h.behindMs ?? 0) + waitMs;
      if (lateMs < LATE_ALERT_MS) continue;
      names.push(e.name);
      behindMs = Math.max(behindMs, lateMs);
      if (2 * waitMs < lateMs) link = false;
    }
    return names.length === 0 ? null : { names, behindMs, link };
  }

  /** Health of a sensor (latest status). */
  health(name: string): SensorHealth | null {
    return this.entries.get(name)?.health ?? null;
  }

  /** Shows only `site`'s sensors (null: all); sensors without a site (a site's own page) are always shown. */
  setSiteFilter(site: string | null): void {
    this.siteFilter = site;
    for (const e of this.entries.values()) this.applyFilter(e);
  }

  private applyFilter(e: Entry): void {
    const s = sensorSite(e.name, e.health);
    e.el.hidden = this.siteFilter !== null && s !== undefined && s !== this.siteFilter;
  }

  /** Makes sure a card exists for every name (hello order); cards of sensors no longer announced are removed. */
  setSensors(names: string[]): void {
    const keep = new Set(names);
    for (const [n, e] of this.entries) {
      if (!keep.has(n)) {
        e.el.remove();
        this.entries.delete(n);
      }
    }
    for (const n of names) this.entry(n);
    // hello order
    for (const n of names) this.root.append(this.entries.get(n)!.el);
    this.empty.hidden = this.entries.size > 0;
  }

  /**
   * Applies a `status` message. Returns the sensors that just went from online (or unknown) to offline, for the
   * alarm.
   */
  update(list: SensorHealth[], now: number): string[] {
    const wentOffline: string[] = [];
    for (const h of list) {
      const e = this.entry(h.sensor);
      const was = e.health;
      if (isDown(h) && (was === null || !isDown(was))) wentOffline.push(h.sensor);
      e.health = h;
      e.receivedAt = now;
      this.applyFilter(e);
      this.fill(e, now);
    }
    this.empty.hidden = this.entries.size > 0;
    return wentOffline;
  }

  /** Refreshes ages and staleness (call every second). `connected` false: data are shown as of the last status. */
  tick(now: number, connected: boolean): void {
    for (const e of this.entries.values()) {
      this.fillAge(e, now);
      e.el.classList.toggle('stale', !connected || (e.health !== null && now - e.receivedAt > STALE_STATUS_MS));
    }
  }

  /** Re-renders every text (language switch). */
  relabel(): void {
    this.empty.textContent = t('sensors.none');
    const now = performance.now();
    for (const e of this.entries.values()) {
      for (const el of e.el.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as MsgKey);
      this.fill(e, now);
    }
  }

  private entry(name: string): Entry {
    let e = this.entries.get(name);
    if (e !== undefined) return e;
    const el = document.createElement('div');
    el.className = 'sensor-card unknown';
    el.dataset.sensor = name;
    const head = document.createElement('div');
    head.className = 'sensor-head';
    const title = document.createElement('span');
    title.className = 'sensor-name';
    title.textContent = name;
    const status = document.createElement('span');
    status.className = 'sensor-status';
    status.dataset.testid = 'sensor-status';
    status.dataset.sensor = name;
    status.dataset.online = 'unknown';
    status.textContent = '…';
    head.append(title, status);
    const { grid, cell } = metricGrid();
    const state = cell('sensor.state');
    state.dataset.testid = 'sensor-state';
    const centre = cell('sensor.centre');
    const rate = cell('sensor.rate');
    const drops = cell('sensor.drops');
    const overload = cell('sensor.overload');
    const age = cell('sensor.age');
    const revisit = cell('sensor.revisit');
    revisit.dataset.testid = 'sensor-revisit';
    const behind = document.createElement('p');
    behind.className = 'sensor-behind warn';
    behind.dataset.testid = 'sensor-behind';
    behind.hidden = true;
    const detail = noteDetailElement('');
    detail.hidden = true;
    el.append(head, grid, behind, detail);
    e = { name, health: null, receivedAt: 0, el, status, state, centre, rate, drops, overload, age, revisit, behind, detail };
    this.entries.set(name, e);
    this.root.append(el);
    this.applyFilter(e);
    return e;
  }

  private fill(e: Entry, now: number): void {
    const h = e.health;
    if (h === null) return;
    // starting: not delivering samples yet (rate 0, no frame); the daemon may already say online for its first seconds,
    // but a sensor with nothing to detect on must not show the green of a protected room
    const starting = h.state === 'starting';
    // online but not detecting yet (baseline warm-up, a calibration window): not the green of a protected room
    const learning = h.online && h.state === 'learning';
    e.el.classList.remove('unknown');
    e.el.classList.toggle('offline', isDown(h));
    e.el.classList.toggle('starting', starting);
    e.el.classList.toggle('learning', learning);
    e.el.classList.toggle('overload', h.overload);
    e.status.dataset.online = String(h.online);
    e.status.dataset.state = h.state;
    e.status.textContent = learning ? t('sensor.learning') : starting ? t('sensor.starting') : h.online ? t('sensor.online') : t('sensor.offline');
    const note = healthMessageText(h.message, h.messageCodes);
    e.state.textContent = tOr(`state.${h.state}`, h.state) + (note !== undefined && note.length > 0 ? ` — ${note}` : '');
    // the daemon's own English words (device lists, file names) stay at hand when the note is shown translated
    e.state.title = h.message !== undefined && note !== h.message ? h.message : '';
    const detail = messageDetailText(h.messageCodes);
    e.detail.hidden = detail === undefined;
    e.detail.lastElementChild!.textContent = detail ?? '';
    e.detail.firstElementChild!.textContent = t('detail.daemonWords');
    e.centre.textContent = formatMhz(h.centerHz, 3);
    e.rate.textContent = `${(h.achievedRateSps / 1e6).toFixed(3)} / ${formatRate(h.configuredRateSps)}`;
    e.rate.classList.toggle('warn', h.online && h.rateShortfall === true);
    const why = behindText(h);
    e.behind.hidden = why === null;
    e.behind.textContent = why ?? '';
    e.drops.textContent = String(h.droppedBlocks);
    e.drops.classList.toggle('warn', h.droppedBlocks > 0);
    e.overload.textContent = t('sensor.overloadValue', { answer: t(h.overload ? 'yes' : 'no'), pct: (h.clipFraction * 100).toFixed(2) });
    e.overload.classList.toggle('bad', h.overload);
    // scan: how long each segment goes unwatched (a burst shorter than revisit − dwell can be missed)
    e.revisit.hidden = (e.revisit.previousElementSibling as HTMLElement).hidden = h.scan === undefined;
    if (h.scan !== undefined) {
      e.revisit.textContent = h.scan.segments
        .map((g) => t('sensor.revisitSegment', { from: formatMhz(g.startHz, 3), to: formatMhz(g.stopHz, 3), delay: formatDelay(g.revisitMs ?? g.plannedRevisitMs) }))
        .join('; ') + t('sensor.hops', { n: h.scan.hops });
      e.revisit.title = t('sensor.scanDetail', { dwell: formatDelay(h.scan.dwellMs), settle: formatDelay(h.scan.settleMs), mhz: formatMhz(h.scan.hopCenterHz, 4) });
    }
    this.fillAge(e, now);
  }

  private fillAge(e: Entry, now: number): void {
    const h = e.health;
    if (h === null) return;
    if (h.lastFrameAgeMs === null) {
      e.age.textContent = t('sensor.never');
      return;
    }
    const age = h.lastFrameAgeMs + (now - e.receivedAt);
    e.age.textContent = age < 1000 ? t('sensor.underOneSecond') : t('sensor.ago', { t: formatDuration(age) });
    e.age.classList.toggle('warn', age > 3000);
  }
}
