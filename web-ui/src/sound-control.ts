// The alarm's sound button and its repeat while something needs a look.
import { type Alarm, ALARM_REPEAT_MS } from './alarm.js';
import type { AlertModel } from './alert-model.js';
import { $ } from './dom.js';
import { t } from './i18n.js';
import type { PageState } from './page-state.js';

/** The #sound-toggle button (on / resume / off) and the alarm repeat. */
export class SoundControl {
  constructor(
    private readonly alarm: Alarm,
    private readonly model: AlertModel,
    private readonly state: PageState,
  ) {
    $('sound-toggle').addEventListener('click', () => {
      if (alarm.enabled) void alarm.disable().then(() => this.render());
      else
        void alarm.enable().then((ok) => {
          this.render();
          if (ok) alarm.confirm();
        });
    });
  }

  /** Draws the sound button in the page's language. */
  render(): void {
    const b = $('sound-toggle');
    b.textContent = this.alarm.enabled ? t('sound.on') : this.alarm.wanted ? t('sound.resume') : t('sound.off');
    b.classList.toggle('off', !this.alarm.enabled);
  }

  /**
   * Time (ms) between repeats: ALARM_REPEAT_MS, or the browser tests' `window.quietbandTest.alarmRepeatMs` while they
   * set it (read at each tick, so a test can shorten the period for its repeat checks and delete it to go back).
   */
  get repeatMs(): number {
    return window.quietbandTest?.alarmRepeatMs ?? ALARM_REPEAT_MS;
  }

  /**
   * Called every second: the alarm repeats every {@link repeatMs} (ALARM_REPEAT_MS) while an alert that needs a look
   * is unacknowledged ('high' when one of them is high) or while the daemon is unreachable ('high'); a new alert rings
   * at once (PageMessages).
   */
  repeat(): void {
    if (!this.alarm.enabled) return;
    const now = performance.now();
    const { state, model } = this;
    if (state.lastAlarmAt !== 0 && now - state.lastAlarmAt < this.repeatMs) return;
    let level: 'high' | 'low' | null = state.connLost ? 'high' : null;
    if (level === null && model.unacknowledgedCount() > 0) level = model.unacknowledgedHigh() ? 'high' : 'low';
    if (level === null) {
      state.lastAlarmAt = 0;
      return;
    }
    if (this.alarm.play(level)) state.lastAlarmAt = now;
  }
}
