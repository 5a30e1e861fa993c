// One card per sensor: live uPlot spectrum above a canvas waterfall, redrawn once per animation frame.
import { formatMhz, formatRate } from './format.js';
import { t, type MsgKey } from './i18n.js';
import type { HelloMessage, SpectrumMessage } from './protocol-types.js';
import { SpectrumView, spectrumKey, type BandMark } from './spectrum-view.js';
import { Waterfall } from './waterfall.js';

interface Card {
  name: string;
  el: HTMLElement;
  info: HTMLElement;
  readout: HTMLElement;
  plotEl: HTMLElement;
  view: SpectrumView;
  waterfall: Waterfall;
  pending: SpectrumMessage | null;
  bandsDirty: boolean;
  alignedFor: string;
}

/** Waterfall history in frames: 240 rows = 24 s at 10 frames/s, squeezed into the canvas' CSS height. */
const WATERFALL_ROWS = 240;
/** Height (CSS px) of a live plot, axes included. */
const PLOT_HEIGHT = 150;

/**
 * Spectrum cards. {@link push} adds the waterfall row at once (no frame is lost between two animation frames) and
 * keeps the latest frame per sensor; one `requestAnimationFrame` draws the latest frame of every sensor that has one.
 * Elements: `data-testid="spectrum-plot"` and `data-testid="waterfall"`, each with `data-sensor`.
 */
export class SpectrumCards {
  private readonly root: HTMLElement;
  private readonly cards = new Map<string, Card>();
  private readonly bandsFor: (sensor: string) => Iterable<BandMark>;
  private rafPending = false;

  constructor(root: HTMLElement, bandsFor: (sensor: string) => Iterable<BandMark>) {
    this.root = root;
    this.bandsFor = bandsFor;
  }

  /** Spectrum frames drawn and waterfall rows drawn, summed over sensors (debug hook, tests). */
  stats(): { framesDrawn: number; rowsDrawn: number } {
    let framesDrawn = 0;
    let rowsDrawn = 0;
    for (const c of this.cards.values()) {
      framesDrawn += c.view.framesDrawn;
      rowsDrawn += c.waterfall.rowsDrawn;
    }
    return { framesDrawn, rowsDrawn };
  }

  /** Creates cards for the announced sensors (removes cards of sensors no longer announced). */
  setSensors(sensors: HelloMessage['sensors']): void {
    const keep = new Set(sensors.map((s) => s.name));
    for (const [n, c] of this.cards) {
      if (!keep.has(n)) {
        c.view.destroy();
        c.el.remove();
        this.cards.delete(n);
      }
    }
    for (const s of sensors) {
      const c = this.card(s.name);
      c.info.textContent = `${formatMhz(s.centerHz, 3)} · ${formatRate(s.rateSps)}`;
      this.root.append(c.el);
    }
  }

  /** Shows/hides the OFFLINE overlay of a sensor's card. */
  setOffline(sensor: string, offline: boolean): void {
    this.cards.get(sensor)?.el.classList.toggle('offline', offline);
  }

  /** Takes a spectrum frame: waterfall row now, plot at the next animation frame. */
  push(msg: SpectrumMessage): void {
    const c = this.card(msg.sensor);
    c.waterfall.push(msg);
    c.pending = msg;
    this.requestFrame();
  }

  /** The band marks of a sensor changed (an alert opened, closed or changed state): redraw at the next frame. */
  bandsChanged(sensor: string): void {
    const c = this.cards.get(sensor);
    if (c === undefined) return;
    c.bandsDirty = true;
    this.requestFrame();
  }

  /** Re-renders texts (language switch). */
  relabel(): void {
    for (const c of this.cards.values()) for (const el of c.el.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as MsgKey);
  }

  private requestFrame(): void {
    if (this.rafPending) return;
    this.rafPending = true;
    requestAnimationFrame(() => this.frame());
  }

  private frame(): void {
    this.rafPending = false;
    for (const c of this.cards.values()) {
      if (c.pending !== null) {
        const msg = c.pending;
        c.pending = null;
        c.bandsDirty = false;
        c.view.update(msg);
        this.alignWaterfall(c);
      } else if (c.bandsDirty) {
        c.bandsDirty = false;
        c.view.redraw();
      }
    }
  }

  /** Lines the waterfall up with the plot area (left of the y axis excluded), so one x is one frequency in both. */
  private alignWaterfall(c: Card): void {
    const u = c.view.plot;
    const key = `${u.bbox.left}|${u.bbox.width}`;
    if (key === c.alignedFor) return;
    c.alignedFor = key;
    const ratio = window.devicePixelRatio || 1;
    c.waterfall.canvas.style.marginLeft = `${u.bbox.left / ratio}px`;
    c.waterfall.canvas.style.width = `${u.bbox.width / ratio}px`;
  }

  private card(name: string): Card {
    let c = this.cards.get(name);
    if (c !== undefined) return c;
    const el = document.createElement('section');
    el.className = 'spec-card';
    el.dataset.sensor = name;
    const head = document.createElement('div');
    head.className = 'spec-head';
    const title = document.createElement('span');
    title.className = 'spec-name';
    title.textContent = name;
    const info = document.createElement('span');
    info.className = 'spec-info';
    const readout = document.createElement('span');
    readout.className = 'spec-readout';
    head.append(title, info, readout, spectrumKey());
    const plotEl = document.createElement('div');
    plotEl.className = 'spec-plot';
    plotEl.dataset.testid = 'spectrum-plot';
    plotEl.dataset.sensor = name;
    const canvas = document.createElement('canvas');
    canvas.className = 'waterfall';
    canvas.dataset.testid = 'waterfall';
    canvas.dataset.sensor = name;
    const overlay = document.createElement('div');
    overlay.className = 'offline-overlay';
    overlay.dataset.i18n = 'sensor.offline';
    overlay.textContent = t('sensor.offline');
    el.append(head, plotEl, canvas, overlay);
    this.root.append(el);
    const view = new SpectrumView(plotEl, {
      height: PLOT_HEIGHT,
      bands: () => this.bandsFor(name),
      onCursor: (hz, db) => {
        readout.textContent = hz === null || db === null ? '' : `${(hz / 1e6).toFixed(4)} MHz  ${db.toFixed(1)} dBFS`;
      },
    });
    c = { name, el, info, readout, plotEl, view, waterfall: new Waterfall(canvas, WATERFALL_ROWS), pending: null, bandsDirty: false, alignedFor: '' };
    this.cards.set(name, c);
    return c;
  }
}
