// Live listening in the alert detail (docs/listening.md §4): a Listen button for an open analog alert (nfm, wfm, am),
// the `listen` / `listen-stop` requests, and Web Audio playback of the binary 16 kHz PCM frames the daemon streams.
import type { AlertView } from './alert-model.js';
import { alertMessageText } from './format.js';
import { t } from './i18n.js';
import { audioOffer, classLabel } from './signal-text.js';
import { LISTEN_FRAME, type ClientMessage, type ListenStateMessage } from './protocol-types.js';

/** Audio kept ahead of the play position (s): absorbs the frames' arrival jitter. */
const JITTER_S = 0.15;

/** A `listen` not answered within this (ms) is given up (a hub, or a daemon without live listening). */
const ANSWER_MS = 5000;

/**
 * Whether an alert offers live listening: an open transmission identified as an analog class, or below the class floor
 * with an analog closest class ({@link audioOffer}; the button then says which: "Listen (closest: NFM)").
 */
export function canListen(v: Pick<AlertView, 'kind' | 'closed' | 'signal'>): boolean {
  return v.kind === 'transmission' && !v.closed && audioOffer(v.signal) !== undefined;
}

/**
 * The detail's Listen button (`data-testid="detail-listen-button"`) and its status line (`detail-listen-status`, with
 * `data-frames`: audio frames received, and `data-speech`: the daemon's voice-activity flag). One alert is listened to at
 * a time; closing the detail, switching alerts or losing the socket stops it. Frames are scheduled back to back on an
 * AudioContext, {@link JITTER_S} ahead of its clock (a late frame restarts the schedule).
 */
export class LiveListen {
  /** The button and status, to be placed in the detail's action row. */
  readonly el: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLElement;
  /** The alert shown in the detail, and the one listened to (or being started). */
  private shown: string | null = null;
  /** Whether the shown alert offers listening (canListen at the last {@link show}). */
  private offer = false;
  /** The closest class it is heard as when it names none (the button says so), else null. */
  private closest: string | null = null;
  private listening: string | null = null;
  private listenId: number | null = null;
  private ctx: AudioContext | null = null;
  private playAt = 0;
  private frames = 0;
  private speech: boolean | null = null;
  /** Last message for the status line (refusal or stop reason), kept until the next action. */
  private note: string | null = null;
  private answerTimer: number | null = null;

  constructor(private readonly send: (m: ClientMessage) => boolean) {
    this.el = document.createElement('span');
    Object.assign(this.el.style, { display: 'inline-flex', gap: '8px', alignItems: 'center', marginRight: 'auto' });
    this.button = document.createElement('button');
    this.button.type = 'button';
    this.button.className = 'btn listen';
    this.button.dataset.testid = 'detail-listen-button';
    this.button.hidden = true;
    this.status = document.createElement('span');
    this.status.className = 'muted';
    this.status.dataset.testid = 'detail-listen-status';
    this.status.dataset.frames = '0';
    this.el.append(this.button, this.status);
    this.button.addEventListener('click', () => (this.listening !== null ? this.stop() : this.start()));
  }

  /** Shows the button for the alert in the detail (undefined: none); stops a listen to another alert. */
  show(v: AlertView | undefined): void {
    const id = v?.alertId ?? null;
    if (this.listening !== null && this.listening !== id) this.stop();
    if (id !== this.shown) this.note = null;
    this.shown = id;
    this.offer = v !== undefined && canListen(v);
    const heard = this.offer ? audioOffer(v?.signal) : undefined;
    this.closest = heard?.closest === true ? heard.cls : null;
    this.refreshButton();
  }

  /** A `listen-state` message from the server. */
  onState(m: ListenStateMessage): void {
    if (m.alertId !== this.listening) return;
    this.clearAnswerTimer();
    if (m.state === 'started') {
      this.listenId = m.listenId ?? null;
    } else {
      this.note = t(m.state === 'refused' ? 'listen.refused' : 'listen.stopped', { reason: alertMessageText(m.reason, m.reasonCode) ?? '' });
      this.release();
    }
    this.refreshButton();
  }

  /** A binary WebSocket frame ({@link LISTEN_FRAME}): played when it belongs to the listen on. */
  onFrame(buf: ArrayBuffer): void {
    if (buf.byteLength < LISTEN_FRAME.headerBytes) return;
    const dv = new DataView(buf);
    if (dv.getUint8(0) !== LISTEN_FRAME.kindAudio || this.listenId === null || dv.getUint32(4, true) !== this.listenId) return;
    const flags = dv.getUint8(1);
    const header = dv.getUint16(2, true);
    const rate = dv.getUint32(12, true);
    const n = Math.floor((buf.byteLength - header) / 2);
    this.frames++;
    this.speech = (flags & LISTEN_FRAME.flagSpeechJudged) !== 0 ? (flags & LISTEN_FRAME.flagSpeechPresent) !== 0 : null;
    this.renderStatus();
    const ctx = this.ctx;
    if (ctx === null || n === 0) return;
    const audio = ctx.createBuffer(1, n, rate);
    const ch = audio.getChannelData(0);
    for (let i = 0; i < n; i++) ch[i] = dv.getInt16(header + 2 * i, true) / 32767;
    const src = ctx.createBufferSource();
    src.buffer = audio;
    src.connect(ctx.destination);
    if (this.playAt < ctx.currentTime) this.playAt = ctx.currentTime + JITTER_S;
    src.start(this.playAt);
    this.playAt += n / rate;
  }

  /** The socket closed: the server has ended the listen with it. */
  onSocketLost(): void {
    if (this.listening === null) return;
    this.note = t('listen.lost');
    this.release();
    this.refreshButton();
  }

  /** Stops listening (the detail closed, or the socket went away: `send` then fails, the server stops it itself). */
  stop(): void {
    const id = this.listening;
    if (id === null) return;
    this.send({ v: 1, type: 'listen-stop', alertId: id });
    this.release();
    this.refreshButton();
  }

  private start(): void {
    const id = this.shown;
    if (id === null) return;
    this.note = null;
    // the AudioContext is created inside the click, so the browser lets it play
    const Ctx = window.AudioContext as typeof AudioContext | undefined;
    if (Ctx === undefined) {
      this.note = t('listen.noAudio');
      this.renderStatus();
      return;
    }
    if (!this.send({ v: 1, type: 'listen', alertId: id })) return;
    this.ctx = new Ctx();
    this.playAt = 0;
    this.frames = 0;
    this.speech = null;
    this.listening = id;
    this.listenId = null;
    this.answerTimer = window.setTimeout(() => {
      this.answerTimer = null;
      if (this.listening !== id || this.listenId !== null) return;
      this.note = t('listen.noAnswer');
      this.release();
      this.refreshButton();
    }, ANSWER_MS);
    this.refreshButton();
  }

  private clearAnswerTimer(): void {
    if (this.answerTimer !== null) window.clearTimeout(this.answerTimer);
    this.answerTimer = null;
  }

  /** Forgets the listen and closes the audio (no message to the server). */
  private release(): void {
    this.clearAnswerTimer();
    this.listening = null;
    this.listenId = null;
    const ctx = this.ctx;
    this.ctx = null;
    void ctx?.close().catch(() => undefined);
  }

  /** The button: shown while the alert offers listening or a listen is on (its close may come before the stop). */
  private refreshButton(): void {
    this.button.hidden = !this.offer && this.listening === null;
    this.button.textContent = this.listening !== null ? t('listen.stop') : this.closest !== null ? t('listen.startClosest', { name: classLabel(this.closest) }) : t('listen.start');
    this.button.dataset.listening = String(this.listening !== null);
    this.renderStatus();
  }

  private renderStatus(): void {
    this.status.dataset.frames = String(this.frames);
    this.status.dataset.speech = this.speech === null ? '' : String(this.speech);
    if (this.listening === null) this.status.textContent = this.note ?? '';
    else if (this.listenId === null) this.status.textContent = t('listen.waiting');
    else if (this.frames === 0) this.status.textContent = t('listen.waitingAudio');
    else this.status.textContent = `${t('listen.on')}${this.speech === null ? '' : ` · ${t(this.speech ? 'listen.speech' : 'listen.noSpeech')}`}`;
  }
}
