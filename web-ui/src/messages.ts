// What the monitoring page does with each server message: hello (site, sensors, replay start), alert records, spectra,
// status (sensors, disk, session) and errors.
import type { Alarm } from './alarm.js';
import type { AlertDetail } from './alert-detail.js';
import type { AlertList } from './alert-list.js';
import type { AlertModel } from './alert-model.js';
import { renderDiskLine } from './disk-line.js';
import { $, actionToast, toast } from './dom.js';
import { actorText } from './format.js';
import { t } from './i18n.js';
import type { KnownDialog } from './known-dialog.js';
import type { PageState } from './page-state.js';
import type { Alert, HelloMessage, ServerMessage, StatusMessage } from './protocol-types.js';
import type { ReportDialog } from './report-dialog.js';
import { isDown, type SensorPanel } from './sensor-panel.js';
import type { SessionBar } from './session-bar.js';
import type { SiteScope } from './site-scope.js';
import type { SpectrumCards } from './spectrum-cards.js';

/** The page parts a server message updates. */
export interface MessageDeps {
  state: PageState;
  model: AlertModel;
  alarm: Alarm;
  list: AlertList;
  detail: AlertDetail;
  cards: SpectrumCards;
  sensorPanel: SensorPanel;
  sessionBar: SessionBar;
  knownDialog: KnownDialog;
  reportDialog: ReportDialog;
  sites: SiteScope;
  /** Plans a render pass (`now`: at once). */
  schedule: (now?: boolean) => void;
  /** Brings these alerts into view (every row listed, the first scrolled to): the restored-alerts toast's button. */
  showAlerts?: (alertIds: readonly string[]) => void;
  /** Redraws the site clock (after the time zone changed). */
  tickClock: () => void;
}

/** The connection's message handlers ({@link onHello} answers the resume seq; {@link onMessage} takes the rest). */
export class PageMessages {
  /** The latest known-mark removal toasted: its time and remover (its `unmark` records share both), the alerts back, its toast. */
  private restoreToast: { key: string; alertIds: string[]; setText: (text: string) => void } | undefined;

  constructor(private readonly d: MessageDeps) {}

  /** A hello: resets what no longer matches the site's seqs, sets site, time zone and sensors; returns the seq to resume after. */
  onHello(h: HelloMessage): number {
    const { state, model, list, detail } = this.d;
    state.counters.connects++;
    state.helloAt = performance.now();
    if ((state.site !== '' && h.site !== state.site) || h.lastSeq < model.lastSeq) {
      // Another site, or its data dir was replaced (seqs restarted): what we hold no longer matches its seqs.
      model.reset();
      list.clear();
      detail.close();
      state.alertSites.clear();
      state.liveFromSeq = h.lastSeq;
    }
    if (state.liveFromSeq === null) state.liveFromSeq = h.lastSeq;
    state.helloSeq = h.lastSeq;
    state.replayMs = model.lastSeq >= h.lastSeq ? 0 : null;
    state.site = h.site;
    state.timeZone = h.timeZone;
    $('site-name').textContent = h.site;
    $('site-tz').textContent = h.timeZone;
    list.setTimeZone(h.timeZone);
    list.setRooms(new Map(h.sensors.flatMap((s) => (s.location?.room !== undefined ? [[s.name, s.location.room] as const] : []))));
    detail.setTimeZone(h.timeZone);
    this.d.knownDialog.setTimeZone(h.timeZone);
    this.d.sessionBar.setTimeZone(h.timeZone);
    detail.setSensors(h.sensors); // sensor positions, for the detail's site plan of a grouped transmission
    this.d.reportDialog.setTimeZone(h.timeZone);
    void this.d.sites.poll();
    this.d.sensorPanel.setSensors(h.sensors.map((s) => s.name));
    this.d.cards.setSensors(h.sensors);
    this.d.tickClock();
    this.d.schedule();
    return model.lastSeq;
  }

  /** Every message after the hello. */
  onMessage(msg: ServerMessage): void {
    const { state } = this.d;
    switch (msg.type) {
      case 'alert':
        this.onAlert(msg.alert);
        break;
      case 'spectrum':
        state.counters.spectraReceived++;
        state.latestSpectrum.set(msg.sensor, msg);
        if (this.d.model.noteSpectrum(msg) > 0 && this.d.detail.current !== null) state.detailDirty = true;
        this.d.cards.push(msg);
        if (state.detailDirty) this.d.schedule();
        break;
      case 'status':
        this.onStatus(msg);
        break;
      case 'error':
        toast(t('error.server', { m: msg.message }));
        this.d.list.clearPending();
        this.d.schedule();
        break;
      case 'hello':
        break;
    }
  }

  /** An alert record: folded into the model; a new live alert that needs a look flashes its row and rings. */
  private onAlert(rec: Alert): void {
    const { state, model, list } = this.d;
    state.counters.alertRecords++;
    let replayDone = false;
    if (state.replayMs === null && rec.seq >= state.helloSeq) {
      state.replayMs = Math.round(performance.now() - state.helloAt);
      replayDone = true;
    }
    const raisedBefore = model.get(rec.alertId)?.severityRaise !== undefined;
    const r = model.apply(rec);
    if (r === 'duplicate') {
      state.counters.duplicates++;
      return;
    }
    if (!state.alertSites.has(rec.site)) {
      state.alertSites.add(rec.site);
      this.d.sites.refresh();
    }
    const v = model.get(rec.alertId)!;
    const live = state.liveFromSeq !== null && rec.seq > state.liveFromSeq;
    if (rec.kind === 'transmission') {
      // The sensor's latest frame stands in for "spectrum at peak" only while it is relevant: the alert is open, or the
      // record is live. A closed alert from history gets none (the frame would be from another time).
      if (!v.closed || live) model.offerFallbackSpectrum(v, state.latestSpectrum.get(rec.sensor), !live);
      this.d.cards.bandsChanged(rec.sensor);
    }
    if (rec.event === 'ack' || rec.event === 'known' || rec.event === 'escalate') list.setPending(rec.alertId, false);
    list.markDirty(rec.alertId, r === 'opened');
    if (r === 'opened' && rec.state === 'new' && rec.severity !== 'info' && live) {
      list.flash(rec.alertId, Date.now());
      // the repeat counts from this ring (queued while another alarm sounds); with the sound off nothing rang
      if (this.d.alarm.play(rec.severity === 'high' ? 'high' : 'low')) state.lastAlarmAt = performance.now();
    } else if (r === 'changed' && live && !raisedBefore && v.severityRaise !== undefined && v.state === 'new' && v.severity !== 'info') {
      // identified as raised (a voice link, a phone, a class its band does not carry): it rings again at its level and
      // flashes anew, so a supervisor who heard the open's ring looks again (the identification comes ≈ 1 s after it)
      list.flash(rec.alertId, Date.now());
      if (this.d.alarm.play(v.severity === 'high' ? 'high' : 'low')) state.lastAlarmAt = performance.now();
    } else if (r === 'changed' && live && rec.event === 'unmark' && v.state === 'new' && v.severity !== 'info') {
      // given back by removing the known mark that hid it: it needs a look again, as a new alert does; one toast per
      // removal (its records share the time and who removed it), one ring for them all (the alarm queues)
      list.flash(rec.alertId, Date.now());
      if (this.d.alarm.play(v.severity === 'high' ? 'high' : 'low')) state.lastAlarmAt = performance.now();
      // the count grows as the removal's records arrive; the button lists every row (a phone shows the first 10)
      const key = `${rec.time} ${rec.ackBy ?? ''}`;
      const label = rec.messageCode?.params?.label;
      const text = (n: number): string => t('toast.restored', { n, label: typeof label === 'string' ? label : '?', by: actorText(rec.ackBy ?? '?') });
      if (key !== this.restoreToast?.key) {
        const alertIds: string[] = [];
        const shown = actionToast(text(1), 15_000, t('toast.showRestored'), () => this.d.showAlerts?.(alertIds));
        this.restoreToast = { key, alertIds, setText: shown.setText };
      }
      this.restoreToast.alertIds.push(rec.alertId);
      this.restoreToast.setText(text(this.restoreToast.alertIds.length));
    }
    if (this.d.detail.current === rec.alertId) state.detailDirty = true;
    this.d.schedule(replayDone);
  }

  /** A status: disk line, session, sensor health; a sensor going offline after the first status rings 'high'. */
  private onStatus(msg: StatusMessage): void {
    const { state, sensorPanel } = this.d;
    state.counters.statusReceived++;
    state.diskStatus = msg.disk ?? null;
    renderDiskLine(state.diskStatus);
    this.d.sessionBar.update(msg.session);
    this.d.detail.setScheduled(this.d.sessionBar.scheduled);
    const wentOffline = sensorPanel.update(msg.sensors, performance.now());
    for (const s of msg.sensors) this.d.cards.setOffline(s.sensor, isDown(s));
    if (wentOffline.length > 0 && state.liveFromSeq !== null && state.counters.statusReceived > 1) {
      this.d.alarm.play('high');
    }
    this.d.schedule();
  }
}
