// Alert detail dialog: every field, the ranked rooms and site plan of a grouped transmission, the record history, and the sensor's spectrum at the alert's peak.
import { alertDurationText } from './alert-duration.js';
import { lateFromLink } from './alert-row.js';
import type { AlertModel, AlertView } from './alert-model.js';
import { liveText, preRollShortText, severityText } from './alert-text.js';
import { ClipAudio, clipFileUrl } from './clip-audio.js';
import { ClipFigure, type ShortPreRoll } from './clip-figure.js';
import { actorNodes, alertMessageText, describeHeard, formatBandwidth, formatDateTime, formatDb, formatDelay, formatMhz, messageDetailText, noteDetailElement } from './format.js';
import { t, type MsgKey } from './i18n.js';
import type { SensorLocationInfo } from './protocol-types.js';
import { signalRows } from './signal-text.js';
import type { LiveListen } from './live-listen.js';
import { freshestRooms, heardSensors, type ShownRoom } from './alert-rooms.js';
import { renderSitePlan, type PlanPoint } from './site-plan.js';
import { SpectrumView, spectrumKey } from './spectrum-view.js';

/** Baseline methods with a translated name (`detail.baselineMethod.<method>`). */
const BASELINE_METHODS: Readonly<Record<string, true>> = { 'detail.baselineMethod.calibrate': true, 'detail.baselineMethod.warmup': true, 'detail.baselineMethod.auto': true };

/** Callbacks of {@link AlertDetail}. */
export interface AlertDetailHandlers {
  onAck: (alertId: string) => void;
  onKnown: (alertId: string) => void;
  /** Raise a `present-during-calibration` alert to 'high'. Absent: no escalate button. */
  onEscalate?: (alertId: string) => void;
  /** Live listening's button (shown for open analog alerts). Absent: none. */
  listen?: LiveListen;
}

/**
 * A `<dialog>` (id `detail`) showing one alert. While open it follows the alert: {@link refresh} after every record
 * of it. The plot is created on open and destroyed on close; drag on it to zoom, double-click to reset.
 */
export class AlertDetail {
  private readonly dialog: HTMLDialogElement;
  private readonly model: AlertModel;
  private readonly title: HTMLElement;
  private readonly fields: HTMLElement;
  private readonly plotBox: HTMLElement;
  /** The key (legend) of the plot's three lines, hidden with the plot. */
  private readonly plotKey: HTMLElement;
  private readonly noSpectrum: HTMLElement;
  /** "Spectrum at the alert's peak": shown with the plot, or with the note that a transmission has none. */
  private readonly spectrumHeading: HTMLElement;
  private readonly history: HTMLElement;
  private readonly ackBtn: HTMLButtonElement;
  private readonly knownBtn: HTMLButtonElement;
  private readonly escalateBtn: HTMLButtonElement;
  /** Connected to the daemon: while not, Acknowledge / Mark as known / Escalate are disabled (their title says why). */
  connected = true;
  private readonly canEscalate: boolean;
  /** Spectrogram of the alert's evidence clip (served at /clips/<clip>.png), under the spectrum, framed with axes. */
  private readonly picture: HTMLImageElement;
  private readonly figure: ClipFigure;
  /** The clip demodulated (analog alerts with a clip), under the spectrogram. */
  private readonly clipAudio = new ClipAudio();
  /** Whether the site has an exam timetable (status), for the severity wording; null = not told. */
  private scheduled: boolean | null = null;
  /** URL of the picture shown (without the retry query), and how often it was retried. */
  private pictureUrl: string | null = null;
  private pictureTries = 0;
  /** The pre-roll note of the clip whose meta was loaded last (its `.sigmf-meta` URL; `short` undefined: whole). */
  private preRoll: { metaUrl: string; short: ShortPreRoll | undefined } | null = null;
  private view: SpectrumView | null = null;
  private shownSpectrum: unknown = null;
  private timeZone = 'UTC';
  /** "Which room": ranked rooms (ol) and the site plan of a transmission several sensors saw (hidden otherwise). */
  private readonly roomsBox: HTMLElement;
  private readonly roomsList: HTMLOListElement;
  private readonly planBox: HTMLElement;
  /** What the rooms box shows (redrawn only when it changes). */
  private roomsKey = '';
  /** Sensors with their locations (hello), for the plan's sensors that did not see the transmission. */
  private sensors: { name: string; location?: SensorLocationInfo }[] = [];
  /** alertId shown, or null when closed. */
  current: string | null = null;
  private readonly listen: LiveListen | undefined;

  constructor(dialog: HTMLDialogElement, model: AlertModel, h: AlertDetailHandlers) {
    this.dialog = dialog;
    this.model = model;
    const q = <T extends HTMLElement>(sel: string): T => {
      const el = dialog.querySelector<T>(sel);
      if (el === null) throw new Error(`detail dialog: missing ${sel}`);
      return el;
    };
    this.title = q('.detail-title');
    this.fields = q('.detail-fields');
    this.plotBox = q('.detail-plot');
    // the plot's key above it, shown with the plot
    this.plotKey = document.createElement('div');
    this.plotKey.className = 'detail-key';
    this.plotKey.append(spectrumKey());
    this.plotBox.before(this.plotKey);
    this.noSpectrum = q('.detail-no-spectrum');
    this.spectrumHeading = q('.detail-spectrum-heading');
    this.history = q('.detail-history');
    this.picture = document.createElement('img');
    this.picture.dataset.testid = 'detail-clip-picture';
    this.picture.hidden = true;
    Object.assign(this.picture.style, { display: 'block', width: '100%', imageRendering: 'pixelated' });
    this.figure = new ClipFigure(this.picture, (metaUrl, short) => {
      this.preRoll = { metaUrl, short };
      this.fillPreRoll();
    });
    this.picture.addEventListener('error', () => {
      // rendered a moment after the alert closed: retry for ~10 s; a clip deleted by the quota stays hidden
      this.picture.hidden = true;
      this.figure.el.hidden = true;
      const want = this.pictureUrl;
      if (want === null || this.pictureTries >= 10) return;
      this.pictureTries++;
      setTimeout(() => {
        if (this.pictureUrl === want && this.current !== null) this.picture.src = `${want}?try=${this.pictureTries}`;
      }, 1000);
    });
    this.picture.addEventListener('load', () => {
      this.picture.hidden = false;
      this.figure.el.hidden = false;
    });
    this.noSpectrum.after(this.figure.el);
    this.figure.el.after(this.clipAudio.el);
    this.roomsBox = document.createElement('section');
    this.roomsBox.dataset.testid = 'detail-rooms';
    this.roomsBox.hidden = true;
    this.roomsList = document.createElement('ol');
    Object.assign(this.roomsList.style, { margin: '4px 0', paddingLeft: '22px', minWidth: '220px', flex: '1 1 220px' });
    this.planBox = document.createElement('div');
    this.planBox.dataset.testid = 'detail-site-plan';
    this.planBox.style.flex = '0 0 auto';
    const row = document.createElement('div');
    Object.assign(row.style, { display: 'flex', flexWrap: 'wrap', gap: '12px', alignItems: 'flex-start' });
    row.append(this.roomsList, this.planBox);
    this.roomsBox.append(document.createElement('h3'), document.createElement('p'), row);
    (this.plotBox.parentElement ?? this.plotBox).prepend(this.roomsBox);
    this.ackBtn = q<HTMLButtonElement>('[data-testid="detail-ack-button"]');
    this.knownBtn = q<HTMLButtonElement>('[data-testid="detail-known-button"]');
    this.ackBtn.addEventListener('click', () => this.current !== null && h.onAck(this.current));
    this.knownBtn.addEventListener('click', () => this.current !== null && h.onKnown(this.current));
    this.escalateBtn = q<HTMLButtonElement>('[data-testid="detail-escalate-button"]');
    this.canEscalate = h.onEscalate !== undefined;
    this.escalateBtn.addEventListener('click', () => this.current !== null && h.onEscalate?.(this.current));
    this.listen = h.listen;
    if (h.listen !== undefined) q('.detail-actions').prepend(h.listen.el);
    q('.detail-close').addEventListener('click', () => this.close());
    dialog.addEventListener('close', () => this.teardown());
  }

  /** Sensors and their locations (hello.sensors): the site plan also shows the sensors that did not see a transmission. */
  setSensors(sensors: readonly { name: string; location?: SensorLocationInfo }[]): void {
    this.sensors = sensors.map((s) => ({ name: s.name, ...(s.location !== undefined ? { location: { ...s.location } } : {}) }));
    this.roomsKey = '';
  }

  /** Site time zone for times (hello.timeZone). */
  setTimeZone(tz: string): void {
    this.timeZone = tz;
  }

  /** Whether the site has an exam timetable (status `session.scheduled`; null: not told, e.g. at a hub). */
  setScheduled(on: boolean | null): void {
    this.scheduled = on;
  }

  /** Opens the dialog on an alert. */
  open(alertId: string): void {
    this.current = alertId;
    this.shownSpectrum = null;
    if (!this.dialog.open) this.dialog.showModal();
    this.refresh(Date.now());
  }

  /** Closes the dialog. */
  close(): void {
    if (this.dialog.open) this.dialog.close();
    this.teardown();
  }

  private teardown(): void {
    this.current = null;
    this.listen?.show(undefined);
    this.clipAudio.show(undefined);
    this.pictureUrl = null;
    this.figure.reset();
    this.view?.destroy();
    this.view = null;
    this.shownSpectrum = null;
  }

  /** Re-renders the shown alert (after a record of it, a language switch, or every second for the duration). */
  refresh(nowMs: number): void {
    if (this.current === null) return;
    const v = this.model.get(this.current);
    if (v === undefined) {
      this.close();
      return;
    }
    this.title.textContent = `${t('detail.title', { id: v.alertId })} · ${v.sensor}`;
    const all = v.groupId !== undefined ? this.model.newestFirst() : [];
    const group = freshestRooms(v, all);
    this.fillFields(v, nowMs, group.position);
    this.fillRooms(v, group, all);
    this.fillHistory(v);
    this.ackBtn.hidden = v.state !== 'new';
    this.ackBtn.textContent = t('alert.ack');
    const heard = v.kind === 'present-during-calibration';
    this.knownBtn.hidden = !(v.kind === 'transmission' || heard) || v.state === 'known';
    this.knownBtn.textContent = t('alert.markKnown');
    this.escalateBtn.hidden = !this.canEscalate || !heard || v.state === 'known' || v.severity === 'high';
    this.escalateBtn.textContent = t('alert.escalate');
    for (const b of [this.ackBtn, this.knownBtn, this.escalateBtn]) {
      b.disabled = !this.connected;
      b.title = this.connected ? '' : t('alert.offlineAction');
    }
    this.listen?.show(v);
    this.clipAudio.show(v);
    this.fillPlot(v);
    this.fillPicture(v);
  }

  /** Shows the clip's spectrogram (detected band outlined in red); hidden while there is none. */
  private fillPicture(v: AlertView): void {
    const src = v.clip !== undefined ? clipFileUrl(v.clip, '.png') : null;
    if (src === null) {
      this.picture.hidden = true;
      this.figure.el.hidden = true;
      this.picture.removeAttribute('src');
      this.pictureUrl = null;
      return;
    }
    this.figure.draw();
    void this.figure.show(clipFileUrl(v.clip!, '.sigmf-meta'), clipFileUrl(v.clip!, '.sigmf-data'));
    if (this.pictureUrl !== src) {
      this.pictureUrl = src;
      this.pictureTries = 0;
      this.picture.alt = t('detail.picture');
      this.picture.src = src;
    }
  }

  private fillFields(v: AlertView, nowMs: number, pos: { xM: number; yM: number } | undefined): void {
    const rows: [MsgKey, string][] = [
      ['col.state', `${v.state === 'new' ? t('alert.new') : v.state === 'acknowledged' ? t('alert.acknowledged') : t('alert.known')} · ${liveText(v)}`],
      ['detail.kind', t(`kind.${v.kind}`)],
      ['detail.severity', severityText(v, this.scheduled)],
      ['col.sensor', v.sensor],
    ];
    // why it ranks above the others of its severity, under the severity
    if (v.severityRaise !== undefined && v.severity !== 'info') rows.splice(3, 0, ['detail.raise', alertMessageText(v.severityRaise.reason, v.severityRaise.reasonCode) ?? v.severityRaise.reason]);
    const heard = v.kind === 'present-during-calibration' ? v.calibration : undefined;
    if (v.kind === 'transmission' || heard !== undefined) {
      rows.push(
        ['col.freq', formatMhz(v.centerHz)],
        ['detail.bw', formatBandwidth(v.bandwidthHz)],
        ['detail.range', v.lowHz !== undefined && v.highHz !== undefined ? `${formatMhz(v.lowHz)} – ${formatMhz(v.highHz)}` : '—'],
        ['col.band', v.bandLabel ?? '—'],
        ['col.excess', formatDb(v.peakExcessDb)],
        ['detail.peakPower', formatDb(v.peakPowerDbfs, 'dBFS')],
      );
    }
    if (heard !== undefined) {
      const method = `detail.baselineMethod.${heard.baselineMethod}`;
      rows.push(
        ['detail.heard', describeHeard(heard)],
        ['detail.heardLongest', t('unit.seconds', { s: heard.emitter.maxBurstS.toFixed(2) })],
        ['detail.baseline', `${method in BASELINE_METHODS ? t(method as MsgKey) : heard.baselineMethod} · ${formatDateTime(heard.baselineCreatedAt, this.timeZone)}`],
      );
      if (heard.hopCenterHz !== undefined) rows.push(['detail.hop', formatMhz(heard.hopCenterHz)]);
      if (v.state !== 'known') rows.push(['detail.message', t('detail.heardNote')]);
    }
    if (v.kind === 'transmission' && v.signal !== undefined) rows.push(...signalRows(v.signal, v.severityRaise !== undefined));
    rows.push(['col.start', formatDateTime(v.startTime ?? v.firstTime, this.timeZone)]);
    if (v.lateMs !== undefined) {
      const link = lateFromLink(v.lateMs, v.lateLinkMs);
      rows.push(['detail.late', t(link ? 'detail.lateTextLink' : 'detail.lateText', { delay: formatDelay(v.lateMs), link: formatDelay(v.lateLinkMs ?? 0) })]);
    }
    if (v.closed) rows.push(['detail.end', formatDateTime(v.endTime ?? v.lastTime, this.timeZone)]);
    rows.push(['col.duration', alertDurationText(v, nowMs)]);
    if (pos !== undefined) rows.push(['detail.position', `x ${pos.xM.toFixed(1)} m, y ${pos.yM.toFixed(1)} m`]);
    if (v.session !== undefined) rows.push(['detail.session', v.session]);
    if (v.knownLabel !== undefined) rows.push(['detail.knownLabel', v.knownLabel]);
    if (v.ackBy !== undefined) rows.push(['detail.ackBy', v.ackBy]);
    const message = alertMessageText(v.message, v.messageCode);
    if (message !== undefined) rows.push(['detail.message', message]);
    if (v.clip !== undefined) rows.push(['detail.clip', v.clip]);
    else if (v.clipNotKept !== undefined) rows.push(['detail.noClip', t(`clipNotKept.${v.clipNotKept}`)]);
    // the daemon's English words behind a translated note: a disclosure under it that stays open across re-renders
    const detail = messageDetailText(v.messageCode);
    const detailOpen = this.fields.querySelector<HTMLDetailsElement>('.note-detail')?.open === true;
    const frag = document.createDocumentFragment();
    for (const [k, val] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = t(k);
      const dd = document.createElement('dd');
      dd.textContent = val;
      if (k === 'detail.clip') {
        // the SigMF pair, downloadable (same auth as the page: the cookie)
        dd.replaceChildren();
        dd.dataset.testid = 'detail-clip';
        dd.dataset.meta = clipFileUrl(val, '.sigmf-meta');
        dd.append(`${t('detail.download')}${t('list.colon')}`);
        for (const [ext, text] of [['.sigmf-meta', '.sigmf-meta'], ['.sigmf-data', '.sigmf-data']] as const) {
          const a = document.createElement('a');
          a.href = clipFileUrl(val, ext);
          a.download = '';
          a.textContent = text;
          dd.append(a, ' ');
        }
      }
      if (k === 'detail.message' && detail !== undefined) {
        const d = noteDetailElement(detail);
        d.open = detailOpen;
        dd.append(d);
      }
      if (k === 'detail.ackBy') dd.replaceChildren(...actorNodes(val));
      if (k === 'col.freq') dd.className = 'big';
      if (k === 'detail.signal') dd.dataset.testid = 'detail-signal';
      frag.append(dt, dd);
    }
    this.fields.replaceChildren(frag);
    this.fillPreRoll();
  }

  /**
   * Adds to the clip line, once the clip's meta is loaded (ClipFigure), how much pre-roll the clip holds when its ring
   * had overwritten part of it (`quietband:pre_roll`, docs/clip-decimation.md); nothing for a whole pre-roll.
   */
  private fillPreRoll(): void {
    const dd = this.fields.querySelector<HTMLElement>('[data-testid="detail-clip"]');
    if (dd === null) return;
    dd.querySelector('[data-testid="detail-clip-preroll"]')?.remove();
    const p = this.preRoll;
    if (p === null || p.short === undefined || dd.dataset.meta !== p.metaUrl) return;
    const note = document.createElement('div');
    note.dataset.testid = 'detail-clip-preroll';
    note.textContent = preRollShortText(p.short.keptS, p.short.askedS);
    dd.append(note);
  }

  /**
   * Ranked rooms of a transmission several sensors saw (nearest first: strongest excess over each sensor's own
   * baseline), with this alert's own sensor marked, and — when sensors have x/y — the site plan with the estimate.
   * Shows the freshest ranking of the group ({@link freshestRooms}: every sensor's final excess, also in the alert
   * that closed first). Malformed `rooms`/`positionM` entries are skipped (alert-rooms.ts cleanRooms). On the plan, every sensor that saw the
   * transmission is marked heard with its excess, also a weaker second sensor of an already ranked room
   * ({@link heardSensors}); it takes its room's rank.
   */
  private fillRooms(v: AlertView, group: ReturnType<typeof freshestRooms>, all: readonly AlertView[]): void {
    const { rooms, position } = group;
    const heard = rooms.length === 0 ? new Map<string, number>() : heardSensors(v, rooms, all);
    const key = rooms.length === 0 ? '' : JSON.stringify([rooms, position, v.sensor, [...heard], this.sensors, t('detail.rooms')]);
    if (key === this.roomsKey) return;
    this.roomsKey = key;
    this.roomsBox.hidden = rooms.length === 0;
    if (rooms.length === 0) {
      this.roomsList.replaceChildren();
      this.planBox.replaceChildren();
      return;
    }
    const [h, note] = [this.roomsBox.children[0] as HTMLElement, this.roomsBox.children[1] as HTMLElement];
    h.textContent = t('detail.rooms');
    note.textContent = t('detail.roomsNote');
    note.className = 'muted';
    note.style.margin = '2px 0 4px';
    const top = rooms[0]!.excessDb;
    const items = rooms.map((r, i) => {
      const li = document.createElement('li');
      li.dataset.testid = 'detail-room';
      li.dataset.room = r.room;
      li.dataset.sensor = r.sensor;
      const name = document.createElement('b');
      name.textContent = r.room;
      const rest = ` · ${r.sensor} · ${formatDb(r.excessDb)}${i > 0 ? ` (${(r.excessDb - top).toFixed(1)} dB)` : ` — ${t('detail.roomNearest')}`}`;
      li.append(name, rest);
      if (i === 0) li.style.color = '#ff7b7b';
      if (r.sensor === v.sensor) li.style.textDecoration = 'underline dotted';
      return li;
    });
    this.roomsList.replaceChildren(...items);
    // plan: every located sensor of the site (hello), plus ranked ones it does not list (e.g. another site's via the hub)
    const rank = new Map(rooms.map((r, i) => [r.sensor, { i, r }]));
    const roomRank = new Map<string, number>();
    rooms.forEach((r, i) => {
      if (!roomRank.has(r.room)) roomRank.set(r.room, i);
    });
    const points: PlanPoint[] = [];
    const seen = new Set<string>();
    for (const s of this.sensors) {
      const loc = s.location;
      if (loc?.xM === undefined || loc.yM === undefined) continue;
      const hit = rank.get(s.name);
      const db = hit !== undefined ? hit.r.excessDb : heard.get(s.name);
      const i = hit?.i ?? (db !== undefined ? roomRank.get(loc.room) : undefined);
      points.push({ sensor: s.name, room: loc.room, xM: loc.xM, yM: loc.yM, ...(db !== undefined ? { rank: i ?? rooms.length, excessDb: db, ...(hit === undefined ? { secondary: true } : {}) } : {}) });
      seen.add(s.name);
    }
    rooms.forEach((r, i) => {
      if (!seen.has(r.sensor) && r.xM !== undefined && r.yM !== undefined) points.push({ sensor: r.sensor, room: r.room, xM: r.xM, yM: r.yM, rank: i, excessDb: r.excessDb });
    });
    if (points.length === 0 && position === undefined) {
      this.planBox.replaceChildren();
      return;
    }
    this.planBox.replaceChildren(renderSitePlan(points, position, { title: t('plan.title'), estimate: t('plan.estimate'), notHeard: t('plan.notHeard') }));
  }

  private fillHistory(v: AlertView): void {
    const frag = document.createDocumentFragment();
    for (const h of v.history) {
      const li = document.createElement('li');
      li.dataset.testid = 'history-entry';
      li.append(`#${h.seq} ${formatDateTime(h.time, this.timeZone)} — ${t(`event.${h.event}`)}`);
      // who: the name the person gave, then the connection as a muted detail (not "(王老师 (local@127.0.0.1))")
      if (h.ackBy !== undefined) li.append(t('list.colon'), ...actorNodes(h.ackBy));
      if (h.message !== undefined) li.append(` — ${alertMessageText(h.message, h.messageCode)}`);
      frag.append(li);
    }
    if (v.updates > 0) {
      const li = document.createElement('li');
      li.className = 'muted';
      li.textContent = t('detail.updates', { n: v.updates });
      frag.append(li);
    }
    this.history.replaceChildren(frag);
  }

  private fillPlot(v: AlertView): void {
    const spec = v.peakSpectrum;
    this.noSpectrum.hidden = spec !== undefined || v.kind !== 'transmission';
    // an alert without a spectrum of its own (sensor offline, overload) has no spectrum section at all
    this.spectrumHeading.hidden = spec === undefined && this.noSpectrum.hidden;
    this.plotBox.hidden = spec === undefined;
    this.plotKey.hidden = spec === undefined;
    if (spec === undefined) return;
    // the sensor's latest spectrum stands in when this page did not see the alert live: say so, not "at its peak"
    const heading: MsgKey = v.peakSpectrumFallback ? 'detail.spectrumNow' : 'detail.spectrum';
    if (this.spectrumHeading.dataset.i18n !== heading) {
      this.spectrumHeading.dataset.i18n = heading;
      this.spectrumHeading.textContent = t(heading);
    }
    if (this.view === null) {
      this.view = new SpectrumView(this.plotBox, {
        height: 260,
        zoomable: true,
        bands: () => {
          const cur = this.current === null ? undefined : this.model.get(this.current);
          if (cur?.lowHz === undefined || cur.highHz === undefined) return [];
          return [{ lowHz: cur.lowHz, highHz: cur.highHz, label: formatMhz(cur.centerHz), tone: cur.state === 'new' ? 'alert' : cur.state === 'known' ? 'known' : 'handled' }];
        },
      });
    }
    if (this.shownSpectrum !== spec) {
      this.shownSpectrum = spec;
      this.view.update(spec);
    } else this.view.redraw();
  }
}
