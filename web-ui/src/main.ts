// Monitoring page entry: wires the WebSocket connection to the alert list, sensor panel, spectra, alarm and login.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { Actions } from './actions.js';
import { Alarm, ALARM_REPEAT_MS } from './alarm.js';
import { AlertDetail } from './alert-detail.js';
import { LiveListen } from './live-listen.js';
import { AlertList } from './alert-list.js';
import { AlertModel } from './alert-model.js';
import { Connection, type ConnState } from './connection.js';
import { alertMessageText, formatMhz, formatTime } from './format.js';
import { initialLang, lang, setLang, t, translateStatic } from './i18n.js';
import type { Alert, DiskStatus, HelloMessage, ServerMessage, SpectrumMessage, StatusMessage } from './protocol-types.js';
import { ReportDialog } from './report-dialog.js';
import { isDown, SensorPanel } from './sensor-panel.js';
import { SessionBar } from './session-bar.js';
import { isHubSites, SitePanel } from './site-panel.js';
import { SpectrumCards } from './spectrum-cards.js';
import type { BandMark } from './spectrum-view.js';
import { KnownDialog } from './known-dialog.js';
import { WhoDialog } from './who-dialog.js';

/** Counters exposed on `window.quietband` for diagnostics and the browser tests. */
export interface PageStats {
  alertRecords: number;
  duplicates: number;
  spectraReceived: number;
  statusReceived: number;
  framesDrawn: number;
  rowsDrawn: number;
  alarms: number;
  renders: number;
  connects: number;
  lastSeq: number;
  alerts: number;
  connState: ConnState;
  /** Time (ms) from the latest hello until the replay reached hello.lastSeq; null while replaying. */
  replayMs: number | null;
  /** True when the server answered `GET sites` (a hub); the site filter, column and per-site panel are then shown. */
  hub: boolean;
  /** Site the alert table and sensor panel are filtered to; null = all. */
  siteFilter: string | null;
  /** Rows the alert table holds now (after the site filter). */
  rowsShown: number;
  /** Alarm: the sound is wanted (remembered) and running now. */
  soundWanted: boolean;
  soundRunning: boolean;
  /** performance.now() (ms) of the latest alarm that sounded (0: none yet, or the repeat has nothing to ring for). */
  lastAlarmAtMs: number;
}

declare global {
  interface Window {
    /** Debug hook: page counters and state. */
    quietband?: { stats: () => PageStats; lang: () => string };
  }
}

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`page: missing #${id}`);
  return el as T;
}

document.getElementById('not-built')?.remove();
setLang(initialLang(), false);
translateStatic(document);

// --- the page URL: a `token` parameter (old bookmarks) is dropped from the address bar and never used: the daemon
// takes the token only from the sign-in form (POST) and keeps the session in an HttpOnly cookie ---
const base = new URL(location.href);
if (base.searchParams.has('token')) {
  base.searchParams.delete('token');
  history.replaceState(null, '', base.pathname + base.search + base.hash);
}

const model = new AlertModel();
const alarm = new Alarm();
const latestSpectrum = new Map<string, SpectrumMessage>();
const counters = { alertRecords: 0, duplicates: 0, spectraReceived: 0, statusReceived: 0, renders: 0, connects: 0 };
let timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
let site = '';
/** Records with seq above this arrived after the page first connected: they ring. null before the first hello. */
let liveFromSeq: number | null = null;
let connState: ConnState = 'connecting';
/** performance.now() of the latest hello, and how long (ms) after it the record with hello.lastSeq arrived (replay time). */
let helloAt = 0;
let helloSeq = 0;
let replayMs: number | null = null;
let retryAt = 0;

const sensorPanel = new SensorPanel($('sensor-list'));
const sitePanel = new SitePanel($('site-list'), (s) => setSiteFilter(siteFilter === s ? null : s));
const reportDialog = new ReportDialog($<HTMLDialogElement>('report-dialog'), base);
const who = new WhoDialog($<HTMLDialogElement>('who'));
const knownDialog = new KnownDialog($<HTMLDialogElement>('known-dialog'), base);
const sessionBar = new SessionBar($('session-bar'));
/** Connection to the daemon lost after it was live (banner and alarm until it is back). */
let connLost = false;
/** performance.now() of the latest alarm sounded, by a new alert or by the repeat (0: none yet). */
let lastAlarmAt = 0;
/** A hub (answers `GET sites`): many sites in one page. */
let isHub = false;
/** Sites seen on alerts (a site's own page has one). */
const alertSites = new Set<string>();
let siteFilter: string | null = null;
const cards = new SpectrumCards($('spectra'), bandsFor);
const list = new AlertList($('alert-rows'), model, { onAck: (ids) => void actions.ack(ids), onKnown: (id) => void actions.markKnown(id), onOpen: (id) => detail.open(id) });
const listen = new LiveListen((m) => conn.send(m)); // the detail's Listen button (live-listen.ts)
const detail = new AlertDetail($<HTMLDialogElement>('detail'), model, { onAck: (id) => void actions.ack([id]), onKnown: (id) => void actions.markKnown(id), onEscalate: (id) => void actions.escalate(id), listen });
let detailDirty = false;

function bandsFor(sensor: string): BandMark[] {
  const out: BandMark[] = [];
  for (const v of model.openTransmissions(sensor)) {
    if (v.lowHz === undefined || v.highHz === undefined) continue;
    out.push({ lowHz: v.lowHz, highHz: v.highHz, label: formatMhz(v.centerHz, 3), tone: v.state === 'new' ? 'alert' : v.state === 'known' ? 'known' : 'handled' });
  }
  return out;
}

// --- render batching: many messages → one DOM pass per ~16 ms (also in background tabs, unlike rAF); while a long
// replay streams in, one pass per 300 ms (each pass re-lays out the table), and one at once when it completes ---
let renderTimer: number | null = null;
function scheduleRender(now = false): void {
  if (now && renderTimer !== null) {
    clearTimeout(renderTimer);
    renderTimer = null;
  }
  if (renderTimer !== null) return;
  renderTimer = window.setTimeout(
    () => {
      renderTimer = null;
      render();
    },
    now ? 0 : replayMs === null ? 300 : 16,
  );
}

function render(): void {
  counters.renders++;
  const now = Date.now();
  list.render(now);
  $('alert-count').textContent = model.size === 0 ? '' : siteFilter === null ? `(${model.size})` : `(${list.matchCount} / ${model.size})`;
  $('alerts-empty').hidden = list.matchCount > 0;
  const more = $('alerts-more');
  more.hidden = list.hiddenCount === 0;
  more.textContent = t('alerts.more', { n: list.hiddenCount });
  const unackShown = list.visibleAlerts().filter((v) => v.state === 'new').length;
  const ackAll = $<HTMLButtonElement>('ack-all');
  ackAll.hidden = unackShown === 0;
  ackAll.textContent = t('alerts.ackAll', { n: unackShown });
  renderBanner();
  if (detailDirty) {
    detailDirty = false;
    detail.refresh(now);
  }
}

function renderBanner(): void {
  const parts: string[] = [];
  if (connLost) parts.push(t('banner.connLost'));
  for (const s of model.storageFailedSites()) parts.push(t('banner.storageFailed', { name: s }));
  const unack = model.unacknowledgedCount();
  if (unack > 0) parts.push(t('banner.newAlerts', { n: unack }));
  for (const s of sitePanel.offline()) parts.push(t('banner.siteOffline', { name: s }));
  for (const s of sensorPanel.offline()) parts.push(t('banner.offline', { name: s }));
  const banner = $('banner');
  banner.hidden = parts.length === 0;
  banner.textContent = parts.join(' · ');
  document.title = parts.length > 0 ? `(!) ${t('title')}` : t('title');
}

// --- messages ---
function onHello(h: HelloMessage): number {
  counters.connects++;
  helloAt = performance.now();
  if ((site !== '' && h.site !== site) || h.lastSeq < model.lastSeq) {
    // Another site, or its data dir was replaced (seqs restarted): what we hold no longer matches its seqs.
    model.reset();
    list.clear();
    detail.close();
    alertSites.clear();
    liveFromSeq = h.lastSeq;
  }
  if (liveFromSeq === null) liveFromSeq = h.lastSeq;
  helloSeq = h.lastSeq;
  replayMs = model.lastSeq >= h.lastSeq ? 0 : null;
  site = h.site;
  timeZone = h.timeZone;
  $('site-name').textContent = h.site;
  $('site-tz').textContent = h.timeZone;
  list.setTimeZone(h.timeZone);
  list.setRooms(new Map(h.sensors.flatMap((s) => (s.location?.room !== undefined ? [[s.name, s.location.room] as const] : []))));
  detail.setTimeZone(h.timeZone);
  knownDialog.setTimeZone(h.timeZone);
  sessionBar.setTimeZone(h.timeZone);
  detail.setSensors(h.sensors); // sensor positions, for the detail's site plan of a grouped transmission
  reportDialog.setTimeZone(h.timeZone);
  void pollSites();
  sensorPanel.setSensors(h.sensors.map((s) => s.name));
  cards.setSensors(h.sensors);
  tickClock();
  scheduleRender();
  return model.lastSeq;
}

function onMessage(msg: ServerMessage): void {
  switch (msg.type) {
    case 'alert':
      onAlert(msg.alert);
      break;
    case 'spectrum':
      counters.spectraReceived++;
      latestSpectrum.set(msg.sensor, msg);
      if (model.noteSpectrum(msg) > 0 && detail.current !== null) detailDirty = true;
      cards.push(msg);
      if (detailDirty) scheduleRender();
      break;
    case 'status':
      onStatus(msg);
      break;
    case 'error':
      toast(t('error.server', { m: msg.message }));
      list.clearPending();
      scheduleRender();
      break;
    case 'hello':
      break;
  }
}

function onAlert(rec: Alert): void {
  counters.alertRecords++;
  let replayDone = false;
  if (replayMs === null && rec.seq >= helloSeq) {
    replayMs = Math.round(performance.now() - helloAt);
    replayDone = true;
  }
  const r = model.apply(rec);
  if (r === 'duplicate') {
    counters.duplicates++;
    return;
  }
  if (!alertSites.has(rec.site)) {
    alertSites.add(rec.site);
    refreshSites();
  }
  const v = model.get(rec.alertId)!;
  const live = liveFromSeq !== null && rec.seq > liveFromSeq;
  if (rec.kind === 'transmission') {
    // The sensor's latest frame stands in for "spectrum at peak" only while it is relevant: the alert is open, or the
    // record is live. A closed alert from history gets none (the frame would be from another time).
    if (!v.closed || live) model.offerFallbackSpectrum(v, latestSpectrum.get(rec.sensor));
    cards.bandsChanged(rec.sensor);
  }
  if (rec.event === 'ack' || rec.event === 'known' || rec.event === 'escalate') list.setPending(rec.alertId, false);
  list.markDirty(rec.alertId, r === 'opened');
  if (r === 'opened' && rec.state === 'new' && rec.severity !== 'info' && live) {
    list.flash(rec.alertId, Date.now());
    // the repeat counts from this ring (queued while another alarm sounds); with the sound off nothing rang
    if (alarm.play(rec.severity === 'high' ? 'high' : 'low')) lastAlarmAt = performance.now();
  }
  if (detail.current === rec.alertId) detailDirty = true;
  scheduleRender(replayDone);
}

/** The latest disk status of the site (null: none sent, e.g. at a hub). */
let diskStatus: DiskStatus | null = null;

/** The "recording to disk" line in the page's language; amber when something is shed or under a day is left, red below the floor. */
function renderDisk(): void {
  const el = $('disk-line');
  el.hidden = diskStatus === null;
  if (diskStatus === null) return;
  el.textContent = alertMessageText(diskStatus.line, diskStatus.lineCode) ?? diskStatus.line;
  el.dataset.low = String(diskStatus.low);
  el.dataset.belowFloor = String(diskStatus.belowFloor);
}

function onStatus(msg: StatusMessage): void {
  counters.statusReceived++;
  diskStatus = msg.disk ?? null;
  renderDisk();
  sessionBar.update(msg.session);
  detail.setScheduled(sessionBar.scheduled);
  const wentOffline = sensorPanel.update(msg.sensors, performance.now());
  for (const s of msg.sensors) cards.setOffline(s.sensor, isDown(s));
  if (wentOffline.length > 0 && liveFromSeq !== null && counters.statusReceived > 1) {
    alarm.play('high');
  }
  scheduleRender();
}

// --- many sites (a hub, or alerts of several sites): site column, filter, per-site health ---
function multiSite(): boolean {
  return isHub || alertSites.size > 1;
}

/** Brings the filter select, site column and sites panel in line with the sites known. */
function refreshSites(): void {
  const multi = multiSite();
  $('site-filter-label').hidden = !multi;
  $('sites-panel').hidden = !isHub;
  list.setShowSite(multi);
  const names = [...new Set([...sitePanel.names(), ...alertSites, ...(siteFilter !== null ? [siteFilter] : [])])].sort();
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
  sel.value = siteFilter ?? '';
}

function setSiteFilter(s: string | null): void {
  siteFilter = s;
  list.setSiteFilter(s);
  sensorPanel.setSiteFilter(s);
  sitePanel.setSelected(s);
  refreshSites();
  scheduleRender(true);
}

$<HTMLSelectElement>('site-filter').addEventListener('change', (ev) => {
  const v = (ev.target as HTMLSelectElement).value;
  setSiteFilter(v === '' ? null : v);
});

let sitesBusy = false;
/** `GET sites`: a hub answers with its per-site state (health panel); a site daemon has no such route (404). */
async function pollSites(): Promise<void> {
  if (sitesBusy) return;
  sitesBusy = true;
  try {
    const u = new URL('sites', base);
    u.search = '';
    const r = await fetch(u, { credentials: 'same-origin', cache: 'no-store' });
    if (!r.ok) {
      if (r.status === 404) setHub(false);
      return;
    }
    const v: unknown = (r.headers.get('content-type') ?? '').includes('json') ? await r.json() : null;
    if (!isHubSites(v)) {
      setHub(false);
      return;
    }
    sitePanel.update(v, performance.now());
    setHub(true);
    scheduleRender();
  } catch {
    // daemon unreachable: the connection indicator says so; keep what we have
  } finally {
    sitesBusy = false;
  }
}

function setHub(on: boolean): void {
  isHub = on;
  document.querySelector('main.layout')?.classList.toggle('hub', on);
  refreshSites();
}

$('report-button').addEventListener('click', () => void reportDialog.open(siteFilter, multiSite()));

// --- actions: each names who acts (asked once, remembered per browser); "known" also asks for a label ---
const actions = new Actions({ model, list, who, send: (m) => conn.send(m), onNotSent: () => toast(t('conn.reconnecting', { s: '…' })), changed: () => scheduleRender() });

$('ack-all').addEventListener('click', () => void actions.ack(list.visibleAlerts().filter((v) => v.state === 'new').map((v) => v.alertId)));

function renderOperator(): void {
  const n = who.name();
  $('operator-button').textContent = n === null ? t('operator.none') : t('operator.button', { name: n });
}
who.onNameChange = renderOperator;
$('operator-button').addEventListener('click', () => void who.ask({ title: 'who.ackTitle' }));
$('known-list-button').addEventListener('click', () => void knownDialog.open());

function toast(text: string, ms = 6000): void {
  const el = document.createElement('div');
  el.className = 'toast';
  el.textContent = text;
  $('toasts').append(el);
  window.setTimeout(() => el.remove(), ms);
}

// --- connection indicator ---
function onConnState(s: ConnState, retryInMs?: number): void {
  if (s === 'reconnecting' && connState === 'live') {
    connLost = true;
    lastAlarmAt = 0; // ring at once
  }
  if (s === 'live') connLost = false;
  connState = s;
  scheduleRender();
  retryAt = retryInMs !== undefined ? performance.now() + retryInMs : 0;
  $('login').hidden = s !== 'auth';
  if (s === 'auth') $<HTMLInputElement>('login-token').focus();
  renderConn();
  sensorPanel.tick(performance.now(), s === 'live');
}

function renderConn(): void {
  const el = $('conn');
  el.dataset.state = connState;
  const text =
    connState === 'live'
      ? t('conn.live')
      : connState === 'reconnecting'
        ? t('conn.reconnecting', { s: Math.max(0, Math.ceil((retryAt - performance.now()) / 1000)) })
        : connState === 'auth'
          ? t('conn.auth')
          : t('conn.connecting');
  $('conn-text').textContent = text;
}

const conn = new Connection({ base, onHello, onMessage, onState: onConnState, listen });
$('conn').addEventListener('click', () => conn.retryNow());

// --- sign-in ---
/** Posts the token to `login` (the daemon sets its HttpOnly cookie and redirects to the page); true when it was accepted. */
async function signIn(candidate: string): Promise<boolean> {
  const u = new URL('login', base);
  u.search = '';
  u.hash = '';
  try {
    const r = await fetch(u, { method: 'POST', body: new URLSearchParams({ token: candidate }), credentials: 'same-origin', cache: 'no-store' });
    return r.ok;
  } catch {
    return false;
  }
}

$<HTMLFormElement>('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = $<HTMLInputElement>('login-token');
  const candidate = input.value.trim();
  if (candidate.length === 0) return;
  $('login-error').hidden = true;
  void signIn(candidate).then((ok) => {
    if (!ok) {
      $('login-error').hidden = false;
      return;
    }
    input.value = '';
    $('login').hidden = true;
    conn.retryNow();
  });
});

// --- sound and language ---
function renderSound(): void {
  const b = $('sound-toggle');
  b.textContent = alarm.enabled ? t('sound.on') : alarm.wanted ? t('sound.resume') : t('sound.off');
  b.classList.toggle('off', !alarm.enabled);
}
alarm.onChange = renderSound;
alarm.restore();

/**
 * The alarm repeats every ALARM_REPEAT_MS while an alert that needs a look is unacknowledged ('high' when one of them
 * is high) or while the daemon is unreachable ('high'); a new alert rings at once (onAlert).
 */
function repeatAlarm(): void {
  if (!alarm.enabled) return;
  const now = performance.now();
  if (lastAlarmAt !== 0 && now - lastAlarmAt < ALARM_REPEAT_MS) return;
  let level: 'high' | 'low' | null = connLost ? 'high' : null;
  if (level === null && model.unacknowledgedCount() > 0) level = model.unacknowledgedHigh() ? 'high' : 'low';
  if (level === null) {
    lastAlarmAt = 0;
    return;
  }
  if (alarm.play(level)) lastAlarmAt = now;
}

$('sound-toggle').addEventListener('click', () => {
  if (alarm.enabled) void alarm.disable().then(renderSound);
  else
    void alarm.enable().then((ok) => {
      renderSound();
      if (ok) alarm.confirm();
    });
});

function renderLangButton(): void {
  $('lang-toggle').textContent = t('lang.switch');
}

$('lang-toggle').addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh-CN' : 'en');
  translateStatic(document);
  sensorPanel.relabel();
  sitePanel.relabel();
  cards.relabel();
  renderOperator();
  reportDialog.relabel();
  sessionBar.tick(Date.now());
  renderDisk();
  if ($<HTMLDialogElement>('known-dialog').open) void knownDialog.load();
  list.markAllDirty();
  detailDirty = detail.current !== null;
  renderLangButton();
  renderSound();
  renderConn();
  tickClock();
  render();
});

// --- every second: clock, durations, ages, countdown ---
function tickClock(): void {
  $('site-clock').textContent = formatTime(Date.now(), timeZone);
}

window.setInterval(() => {
  const now = Date.now();
  tickClock();
  list.tick(now);
  sensorPanel.tick(performance.now(), connState === 'live');
  sitePanel.tick(performance.now());
  if (isHub && connState === 'live' && Math.floor(now / 1000) % 2 === 0) void pollSites();
  if (detail.current !== null) detail.refresh(now);
  if (connState === 'reconnecting') renderConn();
  sessionBar.tick(now);
  repeatAlarm();
}, 1000);

window.quietband = {
  stats: () => ({ ...counters, alarms: alarm.played, ...cards.stats(), lastSeq: model.lastSeq, alerts: model.size, connState, replayMs, hub: isHub, siteFilter, rowsShown: $('alert-rows').childElementCount, soundWanted: alarm.wanted, soundRunning: alarm.enabled, lastAlarmAtMs: lastAlarmAt }),
  lang: () => lang(),
};

renderLangButton();
renderSound();
renderOperator();
renderConn();
render();
conn.start();
