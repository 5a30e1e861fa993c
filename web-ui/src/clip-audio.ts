// The evidence clip's audio in the alert detail: an analog alert's clip demodulated by the daemon
// (GET clips/<name>.wav?class=…, docs/listening.md §7), played by an <audio> element, for alerts that have ended too.
import type { AlertView } from './alert-model.js';
import { t } from './i18n.js';
import { audioOffer, classLabel } from './signal-text.js';

/** URL (relative to the page) of a clip's file: `clips/<name><ext>` for `Alert.clip` = `clips/<name>.sigmf-meta`. */
export function clipFileUrl(clip: string, ext: '.png' | '.sigmf-meta' | '.sigmf-data' | '.wav'): string {
  const name = clip.slice(clip.lastIndexOf('/') + 1).replace(/\.sigmf-(meta|data)$/, '');
  return `clips/${encodeURIComponent(name)}${ext}`;
}

/**
 * URL of the clip's audio, `clips/<name>.wav?class=<class>`, for a transmission identified as an analog class (nfm,
 * wfm, am), or below the class floor with an analog closest class (demodulated as that class: {@link audioOffer}),
 * that has an evidence clip, open or closed; null for every other alert.
 */
export function clipAudioUrl(v: Pick<AlertView, 'kind' | 'clip' | 'signal'>): string | null {
  const heard = audioOffer(v.signal);
  if (v.kind !== 'transmission' || v.clip === undefined || heard === undefined) return null;
  return `${clipFileUrl(v.clip, '.wav')}?class=${encodeURIComponent(heard.cls)}`;
}

/**
 * The detail's clip player (`data-testid="detail-clip-audio"`, its `<audio controls preload="metadata">`
 * `detail-clip-audio-player`): hidden while the alert has no {@link clipAudioUrl}. The audio is fetched when the detail
 * shows it, so the player shows the clip's length before it is pressed: the daemon demodulates the clip on its
 * clip-audio worker the first time (2.5–5 s on a loaded demo box) and keeps the WAV beside the clip, and the browser
 * keeps the answer (`Cache-Control: max-age=300`), so pressing play fetches nothing more. Until the player knows the
 * length (it reads "0:00 / 0:00" meanwhile) a status (`detail-clip-audio-status`) says "preparing audio…"; when the
 * audio cannot be had, "audio unavailable".
 */
export class ClipAudio {
  readonly el: HTMLElement;
  private readonly label: HTMLElement;
  private readonly audio: HTMLAudioElement;
  private readonly status: HTMLElement;
  /** URL set on the player (kept across re-renders so playback is not restarted). */
  private url: string | null = null;
  /** What the status says of the current URL: its key while preparing or failed, null once the length is known. */
  private state: 'detail.clipAudioPreparing' | 'detail.clipAudioFailed' | null = null;

  constructor() {
    this.el = document.createElement('div');
    this.el.dataset.testid = 'detail-clip-audio';
    this.el.hidden = true;
    Object.assign(this.el.style, { display: 'flex', flexWrap: 'wrap', gap: '8px', alignItems: 'center', margin: '6px 0' });
    this.label = document.createElement('span');
    this.audio = document.createElement('audio');
    this.audio.controls = true;
    this.audio.preload = 'metadata';
    this.audio.dataset.testid = 'detail-clip-audio-player';
    this.status = document.createElement('span');
    this.status.dataset.testid = 'detail-clip-audio-status';
    this.status.setAttribute('role', 'status');
    this.audio.addEventListener('loadedmetadata', () => this.setState(null));
    this.audio.addEventListener('error', () => this.setState(this.url === null ? null : 'detail.clipAudioFailed'));
    this.el.append(this.label, this.audio, this.status);
  }

  /** Sets the status: its words in the page's language, none (empty: it adds no words to the detail's text) for null. */
  private setState(state: ClipAudio['state']): void {
    this.state = state;
    this.status.textContent = state === null ? '' : t(state);
  }

  /** Shows the player for `v` (undefined: the detail closed: stops and forgets the audio). */
  show(v: Pick<AlertView, 'kind' | 'clip' | 'signal'> | undefined): void {
    const url = v === undefined ? null : clipAudioUrl(v);
    // the label only while shown: a hidden player adds no words to the detail's text
    const heard = url === null ? undefined : audioOffer(v?.signal);
    const label = heard === undefined ? '' : heard.closest ? t('detail.clipAudioClosest', { name: classLabel(heard.cls) }) : t('detail.clipAudio');
    this.label.textContent = label;
    this.audio.setAttribute('aria-label', label);
    this.el.hidden = url === null;
    if (url === this.url) {
      this.setState(this.state); // the language may have changed
      return;
    }
    this.url = url;
    this.audio.pause();
    this.setState(url === null ? null : 'detail.clipAudioPreparing');
    if (url === null) this.audio.removeAttribute('src');
    else this.audio.src = url;
  }
}
