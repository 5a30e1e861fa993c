// Monitoring page entry: builds the panels and wires the WebSocket connection to them (messages.ts), the render pass
// (page-render.ts), the site filter (site-scope.ts), the sound (sound-control.ts), the connection indicator and
// sign-in (conn-indicator.ts), the language switch and the one-second tick. Shared state: page-state.ts.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { Actions } from './actions.js';
import { Alarm } from './alarm.js';
import { AlertDetail } from './alert-detail.js';
import { AlertList } from './alert-list.js';
import { AlertListLength, CARD_LAYOUT_QUERY } from './alert-list-length.js';
import { AlertModel } from './alert-model.js';
import { bindSignIn, ConnIndicator, notSentText } from './conn-indicator.js';
import { Connection } from './connection.js';
import { renderDiskLine } from './disk-line.js';
import { $, toast } from './dom.js';
import { formatMhz, formatTime } from './format.js';
import { initialLang, lang, setLang, t, translateStatic } from './i18n.js';
import { KnownDialog } from './known-dialog.js';
import { LiveListen } from './live-listen.js';
import { PageMessages } from './messages.js';
import { PageRender } from './page-render.js';
import { PageState } from './page-state.js';
import { ReportDialog } from './report-dialog.js';
import { SensorPanel } from './sensor-panel.js';
import { SessionBar } from './session-bar.js';
import { SitePanel } from './site-panel.js';
import { SiteScope } from './site-scope.js';
import { SoundControl } from './sound-control.js';
import { SpectrumCards } from './spectrum-cards.js';
import type { BandMark } from './spectrum-view.js';
import { WhoDialog } from './who-dialog.js';

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

const state = new PageState();
const model = new AlertModel();
const alarm = new Alarm();
const sensorPanel = new SensorPanel($('sensor-list'));
const sitePanel = new SitePanel($('site-list'), (s) => sites.setFilter(state.siteFilter === s ? null : s));
const reportDialog = new ReportDialog($<HTMLDialogElement>('report-dialog'), base);
const who = new WhoDialog($<HTMLDialogElement>('who'));
const knownDialog = new KnownDialog($<HTMLDialogElement>('known-dialog'), base, () => who.name());
const sessionBar = new SessionBar($('session-bar'));
const cards = new SpectrumCards($('spectra'), bandsFor);
const list = new AlertList($('alert-rows'), model, { onAck: (ids) => void actions.ack(ids), onKnown: (id) => void actions.markKnown(id), onOpen: (id) => detail.open(id) });
const listen = new LiveListen((m) => conn.send(m)); // the detail's Listen button (live-listen.ts)
const detail = new AlertDetail($<HTMLDialogElement>('detail'), model, { onAck: (id) => void actions.ack([id]), onKnown: (id) => void actions.markKnown(id), onEscalate: (id) => void actions.escalate(id), listen });
const length = new AlertListLength(list, $<HTMLButtonElement>('alerts-all'), window.matchMedia(CARD_LAYOUT_QUERY), () => schedule(true));
const pageRender = new PageRender({ state, model, list, length, detail, sitePanel, sensorPanel });
const schedule = (now?: boolean): void => pageRender.schedule(now);
const sites = new SiteScope({ state, base, list, sensorPanel, sitePanel, schedule });

/** The open transmissions of a sensor as band marks on its spectrum card. */
function bandsFor(sensor: string): BandMark[] {
  const out: BandMark[] = [];
  for (const v of model.openTransmissions(sensor)) {
    if (v.lowHz === undefined || v.highHz === undefined) continue;
    out.push({ lowHz: v.lowHz, highHz: v.highHz, label: formatMhz(v.centerHz, 3), tone: v.state === 'new' ? 'alert' : v.state === 'known' ? 'known' : 'handled' });
  }
  return out;
}

$('report-button').addEventListener('click', () => void reportDialog.open(state.siteFilter, state.multiSite()));

// --- actions: each names who acts (asked once, remembered per browser); "known" also asks for a label ---
const actions = new Actions({ model, list, who, send: (m) => conn.send(m), onNotSent: () => toast(notSentText(state.retryAt, performance.now())), changed: () => schedule() });

$('ack-all').addEventListener('click', () => void actions.ack(list.visibleAlerts().filter((v) => v.state === 'new').map((v) => v.alertId)));

function renderOperator(): void {
  const n = who.name();
  $('operator-button').textContent = n === null ? t('operator.none') : t('operator.button', { name: n });
}
who.onNameChange = renderOperator;
$('operator-button').addEventListener('click', () => void who.ask({ title: 'who.ackTitle' }));
$('known-list-button').addEventListener('click', () => void knownDialog.open());

// --- connection, its indicator and sign-in ---
const showAlerts = (alertIds: readonly string[]): void => {
  length.showAll();
  for (const id of alertIds) list.expandGroupOf(id);
  pageRender.render();
  const first = alertIds[0];
  if (first !== undefined) document.querySelector(`tr[data-alert-id="${CSS.escape(first)}"]`)?.scrollIntoView({ block: 'center' });
};
const messages = new PageMessages({ state, model, alarm, list, detail, cards, sensorPanel, sessionBar, knownDialog, reportDialog, sites, schedule, tickClock, showAlerts });
const indicator = new ConnIndicator(state, sensorPanel, () => schedule());
const conn = new Connection({ base, onHello: (h) => messages.onHello(h), onMessage: (m) => messages.onMessage(m), onState: (s, retryInMs) => indicator.onState(s, retryInMs), listen });
$('conn').addEventListener('click', () => conn.retryNow());
bindSignIn(base, () => conn.retryNow());

// --- sound and language ---
const sound = new SoundControl(alarm, model, state);
alarm.onChange = () => sound.render();
alarm.restore();

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
  renderDiskLine(state.diskStatus);
  if ($<HTMLDialogElement>('known-dialog').open) void knownDialog.load();
  list.markAllDirty();
  state.detailDirty = detail.current !== null;
  renderLangButton();
  sound.render();
  indicator.render();
  tickClock();
  pageRender.render();
});

// --- every second: clock, durations, ages, countdown ---
function tickClock(): void {
  $('site-clock').textContent = formatTime(Date.now(), state.timeZone);
}

window.setInterval(() => {
  const now = Date.now();
  tickClock();
  list.tick(now);
  sensorPanel.tick(performance.now(), state.connState === 'live');
  sitePanel.tick(performance.now());
  if (state.isHub && state.connState === 'live' && Math.floor(now / 1000) % 2 === 0) void sites.poll();
  if (detail.current !== null) detail.refresh(now);
  if (state.connState === 'reconnecting') indicator.render();
  sessionBar.tick(now);
  sound.repeat();
}, 1000);

window.quietband = {
  stats: () => ({ ...state.counters, alarms: alarm.played, ...cards.stats(), lastSeq: model.lastSeq, alerts: model.size, connState: state.connState, replayMs: state.replayMs, hub: state.isHub, siteFilter: state.siteFilter, rowsShown: $('alert-rows').childElementCount, soundWanted: alarm.wanted, soundRunning: alarm.enabled, alarmRepeatMs: sound.repeatMs, lastAlarmAtMs: state.lastAlarmAt }),
  lang: () => lang(),
};

renderLangButton();
sound.render();
renderOperator();
indicator.render();
pageRender.render();
conn.start();
