// The exam session on now and its countdown (or the next one), from the `session` field of status messages.
import { formatTime } from './format.js';
import { t } from './i18n.js';
import type { SessionStatus } from './protocol-types.js';

/** "1:02:03" / "4:05" for a remaining time in ms (rounded up to the second; negative → "0:00"). */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * Renders the session line into `el` (`data-state` = current | next | none | unscheduled | unknown, hidden while no
 * status said anything about sessions, e.g. at a hub). Times are the site's (time zone from hello); the countdown is
 * computed from the browser clock against the session's epoch ms bounds, so call {@link tick} every second.
 */
export class SessionBar {
  private status: SessionStatus | null = null;
  private timeZone = 'UTC';

  constructor(private readonly el: HTMLElement) {
    el.hidden = true;
  }

  /** Latest `status.session` (undefined: the server sends none). */
  update(s: SessionStatus | undefined): void {
    this.status = s ?? null;
    this.tick(Date.now());
  }

  /** Whether the site has an exam timetable (null before any status said so). */
  get scheduled(): boolean | null {
    return this.status === null ? null : this.status.scheduled;
  }

  /** Site time zone (hello.timeZone). */
  setTimeZone(tz: string): void {
    this.timeZone = tz;
  }

  /** Re-renders the text (every second, and on a language change). */
  tick(nowMs: number): void {
    const s = this.status;
    this.el.hidden = s === null;
    if (s === null) return;
    let state: string;
    let text: string;
    if (!s.scheduled) {
      state = 'unscheduled';
      text = t('session.unscheduled');
    } else if (s.current !== undefined && nowMs < s.current.endMs) {
      state = 'current';
      text = t('session.current', { name: s.current.name, left: formatCountdown(s.current.endMs - nowMs) });
    } else if (s.next !== undefined) {
      state = 'next';
      text = t('session.next', { name: s.next.name, time: formatTime(s.next.startMs, this.timeZone), left: formatCountdown(s.next.startMs - nowMs) });
    } else {
      state = 'none';
      text = t('session.none');
    }
    this.el.dataset.state = state;
    if (this.el.textContent !== text) this.el.textContent = text;
  }
}
