// Alarm sound from a WebAudio oscillator (no audio files); browsers allow it only after a click, hence enable().
// The choice is remembered (localStorage): a reload resumes the sound at the first click or key press on the page.

/** How loud and how long: 'high' = three two-tone beeps (~1.4 s), 'low' = one soft beep. */
export type AlarmLevel = 'high' | 'low';

/** localStorage key: '1' while the supervisor wants the alarm sound on. */
export const SOUND_KEY = 'quietband.sound';

/** Time (ms) between repeats of the alarm while an alert is unacknowledged or the daemon is unreachable. */
export const ALARM_REPEAT_MS = 8000;

/** Timing of the beeps (s): each tone, the gap after it, the pause after each beep (a tone pair), the lead-in. */
const BEEP = { beepS: 0.18, gapS: 0.07, pauseS: 0.15, leadS: 0.02 };

/** Length (s) of one alarm: 'high' = 3 beeps of two tones (≈ 1.97 s), 'low' = 1 beep of one tone (≈ 0.42 s). */
export function alarmLengthS(level: AlarmLevel): number {
  const beeps = level === 'high' ? 3 : 1;
  const tones = level === 'high' ? 2 : 1;
  return BEEP.leadS + beeps * (tones * (BEEP.beepS + BEEP.gapS) + BEEP.pauseS);
}

/**
 * WebAudio alarm. {@link enable} must run inside a user gesture (click): it creates/resumes the AudioContext.
 * {@link play} is a no-op while disabled; a call while a previous alarm is still sounding is queued and sounds once
 * that one ends (any number of calls meanwhile give one more alarm, at the highest level asked: a burst of alerts
 * is not a cacophony, and an alert that arrives during a repeat still gets its own ring). {@link wanted} is the
 * remembered choice: {@link restore} (at page load) creates the context and resumes it at the first user gesture when
 * the browser did not let it start at once.
 */
export class Alarm {
  private ctx: AudioContext | null = null;
  private busyUntil = 0;
  /** Level asked for while an alarm was sounding (null: none), played by {@link queued} when it ends. */
  private pending: AlarmLevel | null = null;
  private pendingTimer: ReturnType<typeof setTimeout> | null = null;
  /** Number of alarms actually started (for tests and the debug hook). */
  played = 0;
  /** The supervisor turned the sound on (remembered across reloads). */
  wanted = false;
  /** Called when the context starts running after {@link restore} (the page re-renders the sound button). */
  onChange: () => void = () => undefined;

  /** Reads the remembered choice; when on, starts the context now or at the first click / key press. */
  restore(): void {
    try {
      this.wanted = localStorage.getItem(SOUND_KEY) === '1';
    } catch {
      this.wanted = false;
    }
    if (!this.wanted) return;
    try {
      this.ctx ??= new AudioContext();
    } catch {
      return;
    }
    const c = this.ctx;
    c.onstatechange = () => this.onChange();
    if (c.state === 'running') return;
    void c.resume().catch(() => undefined);
    const onGesture = (): void => {
      if (this.ctx === null || !this.wanted) return;
      void this.ctx.resume().then(() => this.onChange(), () => undefined);
    };
    for (const ev of ['pointerdown', 'keydown'] as const) document.addEventListener(ev, onGesture, { capture: true, once: true });
  }

  private remember(on: boolean): void {
    this.wanted = on;
    try {
      localStorage.setItem(SOUND_KEY, on ? '1' : '0');
    } catch {
      // storage disabled: the choice lasts for this page only
    }
  }

  /** True when sound is on and the AudioContext is running. */
  get enabled(): boolean {
    return this.ctx !== null && this.ctx.state === 'running';
  }

  /** Turns sound on (call from a click handler); resolves true when the browser let the audio start. */
  async enable(): Promise<boolean> {
    this.remember(true);
    try {
      if (this.ctx === null) this.ctx = new AudioContext();
      if (this.ctx.state !== 'running') await this.ctx.resume();
    } catch {
      return false;
    }
    return this.enabled;
  }

  /** Turns sound off. */
  async disable(): Promise<void> {
    this.remember(false);
    this.dropPending();
    const c = this.ctx;
    this.ctx = null;
    if (c !== null) await c.close().catch(() => undefined);
  }

  private dropPending(): void {
    if (this.pendingTimer !== null) clearTimeout(this.pendingTimer);
    this.pendingTimer = null;
    this.pending = null;
  }

  /** The alarm asked for while the previous one sounded: plays it now (or waits again if that one is still on). */
  private readonly queued = (): void => {
    this.pendingTimer = null;
    const level = this.pending;
    this.pending = null;
    if (level !== null) this.play(level);
  };

  /**
   * Sounds the alarm once, if enabled: at once, or queued until the one sounding now ends (see the class comment).
   * Returns true when it started or is queued (it will be heard), false when the sound is off.
   */
  play(level: AlarmLevel): boolean {
    const c = this.ctx;
    if (c === null || c.state !== 'running') return false;
    const now = c.currentTime;
    if (now < this.busyUntil) {
      if (this.pending !== 'high') this.pending = level;
      this.pendingTimer ??= setTimeout(this.queued, Math.ceil((this.busyUntil - now) * 1000) + 20);
      return true;
    }
    this.sound(c, level);
    this.played++;
    return true;
  }

  /** One soft beep that says the sound works (after the supervisor turned it on); not an alarm, not counted. */
  confirm(): void {
    const c = this.ctx;
    if (c !== null && c.state === 'running' && c.currentTime >= this.busyUntil) this.sound(c, 'low');
  }

  /** Schedules the beeps of one alarm on `c` from now and marks the alarm busy until they end. */
  private sound(c: AudioContext, level: AlarmLevel): void {
    const now = c.currentTime;
    const beeps = level === 'high' ? 3 : 1;
    const peak = level === 'high' ? 0.35 : 0.12;
    const { beepS, gapS, pauseS, leadS } = BEEP;
    let t = now + leadS;
    for (let b = 0; b < beeps; b++) {
      for (const hz of level === 'high' ? [880, 1320] : [660]) {
        const osc = c.createOscillator();
        const gain = c.createGain();
        osc.type = 'square';
        osc.frequency.value = hz;
        gain.gain.setValueAtTime(0, t);
        gain.gain.linearRampToValueAtTime(peak, t + 0.01);
        gain.gain.setValueAtTime(peak, t + beepS - 0.02);
        gain.gain.linearRampToValueAtTime(0, t + beepS);
        osc.connect(gain).connect(c.destination);
        osc.start(t);
        osc.stop(t + beepS + 0.01);
        t += beepS + gapS;
      }
      t += pauseS;
    }
    this.busyUntil = t;
  }
}
