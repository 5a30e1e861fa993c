// One row of the alert table: its cells, built once per row, and the signal-class badge (filled by alert-list.ts).
import type { AlertView } from './alert-model.js';
import { alertMessageText, formatDelay } from './format.js';
import { lang, t } from './i18n.js';
import type { SeverityRaise } from './protocol-types.js';
import { signalBadge } from './signal-text.js';
import { raiseMark } from '../../src/text-template.js';

/** One table row and the cells AlertList (alert-list.ts) fills. */
export interface Row {
  tr: HTMLTableRowElement;
  state: HTMLElement;
  live: HTMLElement;
  site: HTMLElement;
  room: HTMLElement;
  sensor: HTMLElement;
  freq: HTMLElement;
  bw: HTMLElement;
  band: HTMLElement;
  /** The signal-class badge in the band cell (hidden until the sensor identified the transmission). */
  badge: HTMLElement;
  /** Words beside a guess's badge ("guess 41 %"; hidden unless the identification is a guess). */
  guess: HTMLElement;
  excess: HTMLElement;
  start: HTMLElement;
  duration: HTMLElement;
  /** "32 s late" under the duration (hidden unless the alert came late: `lateMs`). */
  late: HTMLElement;
  ack: HTMLButtonElement;
  known: HTMLButtonElement;
  /** The severity-raise mark in the state cell (hidden unless the alert ranks above the others of its severity). */
  raise: HTMLElement;
  /** Group rows: the expand/collapse toggle (in the state cell). */
  toggle: HTMLButtonElement | null;
}

/**
 * Shows the signal-class badge of `v` (`data-class` = the class) and, for a guess, the words saying so beside it; hides
 * both when `v` has no identification.
 */
export function showBadge(r: Pick<Row, 'badge' | 'guess'>, v: AlertView | undefined): void {
  const { badge, guess } = r;
  const s = v?.signal;
  badge.hidden = s === undefined;
  if (s === undefined) {
    guess.hidden = true;
    guess.textContent = '';
    return;
  }
  const b = signalBadge(s);
  badge.textContent = b.text;
  badge.title = b.title;
  badge.dataset.class = b.cls;
  badge.classList.toggle('sig-low', b.low);
  guess.hidden = !b.low;
  guess.textContent = b.guess;
}

/**
 * Whether the receiver's link made an alert late (`lateLinkMs`: its samples waited that long on the link) rather than
 * this computer (the rest of `lateMs`): the link's part is at least half of it.
 */
export function lateFromLink(lateMs: number | undefined, lateLinkMs: number | undefined): boolean {
  return lateMs !== undefined && lateLinkMs !== undefined && 2 * lateLinkMs >= lateMs;
}

/**
 * Shows how late an alert reached the page (`lateMs`, Alert.lateMs: its sensor was that far behind real time when it
 * raised it) as "32 s late" in the time cell, or hides it (undefined: on time); its title names the cause: this
 * computer, or the receiver's link when {@link lateFromLink} (`lateLinkMs`).
 */
export function showLate(r: Pick<Row, 'late'>, lateMs: number | undefined, lateLinkMs?: number): void {
  r.late.hidden = lateMs === undefined;
  r.late.textContent = lateMs === undefined ? '' : t('alert.late', { delay: formatDelay(lateMs) });
  r.late.title = lateMs === undefined ? '' : lateFromLink(lateMs, lateLinkMs) ? t('alert.lateWhyLink', { link: formatDelay(lateLinkMs!) }) : t('alert.lateWhy');
}

/** What {@link showRaise} writes of a row's raise mark (its element, `Row.raise`). */
export type RaiseMark = Pick<HTMLElement, 'hidden' | 'textContent' | 'title' | 'dataset' | 'removeAttribute'>;

/**
 * Shows the severity-raise mark of `raise` (Alert.severityRaise: "▲ voice link", its reason in the page's language as
 * the title, `data-reason` = its code), or hides it when there is none. The mark is part of the row, not a control of
 * its own: a tap on it opens the alert's detail like a tap anywhere on the row (on a phone a finger on the row's first
 * line lands on it), and the detail gives the reason ("Ranked higher"); a mouse shows it as the title. On a group row
 * (where a tap elsewhere expands the group) it opens the detail of the member whose raise it shows (alert-list.ts).
 */
export function showRaise(r: { raise: RaiseMark }, raise: SeverityRaise | undefined): void {
  const mark = r.raise;
  mark.hidden = raise === undefined;
  if (raise === undefined) {
    // no stale words in the row's text (copied, read by a screen reader) once a later identification drops the raise
    mark.textContent = '';
    mark.removeAttribute('title');
    return;
  }
  const id = raise.reasonCode?.id;
  mark.textContent = raiseMark(lang(), id);
  mark.title = alertMessageText(raise.reason, raise.reasonCode) ?? raise.reason;
  mark.dataset.reason = String(id);
}

/**
 * The cells of a new row, empty until filled: `key` is `a:<alertId>` (an alert row, `data-testid="alert-row"`) or
 * `g:<site>\0<groupId>` (a group row, `data-testid="alert-group"`, with its expand toggle and "acknowledge group").
 */
export function makeRow(key: string, group: boolean): Row {
  const tr = document.createElement('tr');
  if (group) {
    tr.dataset.testid = 'alert-group';
    tr.dataset.groupKey = key.slice(2);
  } else {
    tr.dataset.testid = 'alert-row';
    tr.dataset.alertId = key.slice(2);
  }
  const td = (cls: string): HTMLElement => {
    const c = document.createElement('td');
    c.className = cls;
    tr.append(c);
    return c;
  };
  const span = (cls: string): HTMLElement => {
    const el = document.createElement('span');
    el.className = cls;
    return el;
  };
  const button = (cls: string, testid: string, action?: string): HTMLButtonElement => {
    const el = document.createElement('button');
    el.type = 'button';
    el.className = cls;
    el.dataset.testid = testid;
    if (action !== undefined) el.dataset.action = action;
    return el;
  };
  const stateTd = td('c-state');
  let toggle: HTMLButtonElement | null = null;
  if (group) {
    toggle = button('group-toggle', 'group-toggle');
    stateTd.append(toggle);
  }
  const state = span('state-pill');
  const live = span('live-tag');
  const raise = span('raise-mark');
  raise.dataset.testid = 'raise-mark';
  raise.hidden = true;
  stateTd.append(state, raise, live);
  const site = td('c-site');
  const room = td('c-room');
  const sensor = td('c-sensor');
  // Two-line cells keep the table narrow: centre over bandwidth, start over duration.
  const freq = span('c-freq');
  const bw = span('c-bw');
  td('c-centre num').append(freq, bw);
  const badge = span('sig-badge');
  badge.dataset.testid = 'signal-badge';
  badge.hidden = true;
  const guess = span('sig-guess');
  guess.dataset.testid = 'signal-guess';
  guess.hidden = true;
  const band = document.createElement('span');
  td('c-band').append(badge, guess, band);
  const excess = td('c-excess num');
  const start = span('c-start');
  const duration = span('c-duration');
  const late = span('late-tag');
  late.dataset.testid = 'late-tag';
  late.hidden = true;
  td('c-when num').append(start, duration, late);
  const ack = group ? button('btn ack', 'ack-group-button', 'ack-group') : button('btn ack', 'ack-button', 'ack');
  const known = button('btn known', 'known-button', 'known');
  known.hidden = group;
  td('c-actions').append(ack, known);
  return { tr, state, live, site, room, sensor, freq, bw, band, badge, guess, excess, start, duration, late, ack, known, toggle, raise };
}
