// Alarm sound from a WebAudio oscillator (no audio files); browsers allow it only after a click, hence enable().
// The choice is remembered (localStorage): a reload resumes the sound at the first click or key press on the page.

/** How loud and how long: 'high' = three two-tone beeps (~1.4 s), 'low' = one soft beep. */
export type AlarmLevel = 'high' | 'low';

/** localStorage key: '1' while the supervisor wants the alarm sound on. */
export const SOUND_KEY = 'quietband.sound';

/** Time (ms) between repeats of the alarm while an alert is unacknowledged or the daemon is unreachable. */
export const ALARM_REPEAT_MS = 8000;

/**
 * WebAudio alarm. {@link enable} must run inside a user gesture (click): it creates/resumes the AudioContext.
 * {@link play} is a no-op while disabled, and ignores calls while a previous alarm is still sounding (a burst of
 * alerts gives one alarm, not a cacophony). {@link wanted} is the remembered choice: {@link restore} (at page load)
 * creates the context and resumes it at the first user gesture when the browser did not let it start at once.
 */
export class Alarm {
  private ctx: AudioContext | null = null;
  private busyUntil = 0;
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
    const c = this.ctx;
    this.ctx = null;
    if (c !== null) await c.close().catch(() => undefined);
  }

  /** Sounds the alarm once (if enabled and not already sounding). Returns true when it started. */
  play(level: AlarmLevel): boolean {
    const c = this.ctx;
    if (c === null || c.state !== 'running') return false;
    const now = c.currentTime;
    if (now < this.busyUntil) return false;
    const beeps = level === 'high' ? 3 : 1;
    const peak = level === 'high' ? 0.35 : 0.12;
    const beepS = 0.18;
    const gapS = 0.07;
    let t = now + 0.02;
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
      t += 0.15;
    }
    this.busyUntil = t;
    this.played++;
    return true;
  }
}
