// The evidence clip's spectrogram (PNG from the daemon) framed with a frequency axis (MHz) below and a time axis (s) beside it.
// The extent, ticks, markup and CSS are src/evidence/clip-axes.ts's, shared with the session report.
import { axisTicksHtml, clipAxisTicks, clipExtent, CLIP_FIGURE_CSS, shortPreRoll, type ClipExtent, type ShortPreRoll } from '../../src/evidence/clip-axes.js';

export type { ShortPreRoll };
import { t } from './i18n.js';

/** Adds {@link CLIP_FIGURE_CSS} to the page once (the first figure built). */
function addFigureCss(): void {
  if (document.getElementById('clip-figure-css') !== null) return;
  const style = document.createElement('style');
  style.id = 'clip-figure-css';
  style.textContent = CLIP_FIGURE_CSS;
  document.head.append(style);
}

/**
 * A `<figure data-testid="detail-clip-figure">` holding the picture and its axes: x ticks in MHz (`data-testid="axis-x"`,
 * one `.tick` per label at its fraction of the width), y ticks in seconds (`axis-y`), and both axis titles. {@link show}
 * loads the meta and the data size (HEAD) of a clip and draws the axes; the picture without a readable meta keeps no
 * axes (and says nothing false).
 */
export class ClipFigure {
  readonly el: HTMLElement;
  private readonly xAxis: HTMLElement;
  private readonly yAxis: HTMLElement;
  private readonly xTitle: HTMLElement;
  private readonly yTitle: HTMLElement;
  private extent: ClipExtent | undefined;
  private shownFor = '';

  /**
   * @param onPreRoll called once the clip's `.sigmf-meta` is loaded, with its short pre-roll ({@link shortPreRoll};
   *   undefined: the whole pre-roll, or no such key), for the detail's clip line
   */
  constructor(readonly img: HTMLImageElement, private readonly onPreRoll: (metaUrl: string, short: ShortPreRoll | undefined) => void = () => undefined) {
    addFigureCss();
    this.el = document.createElement('figure');
    this.el.className = 'clip-figure';
    this.el.dataset.testid = 'detail-clip-figure';
    this.yTitle = document.createElement('div');
    this.yTitle.className = 'axis-title y';
    this.yAxis = document.createElement('div');
    this.yAxis.className = 'axis y';
    this.yAxis.dataset.testid = 'axis-y';
    this.xAxis = document.createElement('div');
    this.xAxis.className = 'axis x';
    this.xAxis.dataset.testid = 'axis-x';
    this.xTitle = document.createElement('div');
    this.xTitle.className = 'axis-title x';
    const plot = document.createElement('div');
    plot.className = 'clip-plot';
    plot.append(img, this.xAxis);
    this.el.append(this.yTitle, this.yAxis, plot, document.createElement('span'), document.createElement('span'), this.xTitle);
    this.el.hidden = true;
  }

  /** Loads the extent of the clip whose files are at `metaUrl` / `dataUrl` (once per clip) and draws the axes. */
  async show(metaUrl: string, dataUrl: string): Promise<void> {
    if (this.shownFor === metaUrl) return;
    this.shownFor = metaUrl;
    this.extent = undefined;
    this.draw();
    try {
      const [meta, head] = await Promise.all([
        fetch(metaUrl, { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : undefined)),
        fetch(dataUrl, { method: 'HEAD', credentials: 'same-origin' }),
      ]);
      if (this.shownFor !== metaUrl) return;
      this.extent = clipExtent(meta, Number(head.headers.get('content-length')));
      this.onPreRoll(metaUrl, shortPreRoll(meta));
    } catch {
      this.extent = undefined;
    }
    this.draw();
  }

  /** Forgets the clip (dialog closed). */
  reset(): void {
    this.shownFor = '';
    this.extent = undefined;
    this.draw();
  }

  /** Redraws the axes (also after a language change: the titles). */
  draw(): void {
    const e = this.extent;
    this.xTitle.textContent = t('axis.freq');
    this.yTitle.textContent = t('axis.time');
    this.el.classList.toggle('no-axes', e === undefined);
    const ticks = e === undefined ? { x: [], y: [] } : clipAxisTicks(e);
    this.xAxis.innerHTML = axisTicksHtml(ticks.x, 'left');
    this.yAxis.innerHTML = axisTicksHtml(ticks.y, 'top');
  }
}
