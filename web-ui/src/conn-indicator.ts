// The connection indicator (#conn: live / reconnecting in n s / sign-in needed / connecting) and the sign-in form.
import type { ConnState } from './connection.js';
import { $ } from './dom.js';
import { t } from './i18n.js';
import type { PageState } from './page-state.js';
import type { SensorPanel } from './sensor-panel.js';

/** Follows the connection's state: indicator, lost-connection banner and alarm, the sign-in form when a token is needed. */
export class ConnIndicator {
  constructor(
    private readonly state: PageState,
    private readonly sensorPanel: SensorPanel,
    /** Plans a render pass. */
    private readonly schedule: () => void,
  ) {}

  /** The connection's `onState`: `retryInMs` is the wait before the next attempt while reconnecting. */
  onState(s: ConnState, retryInMs?: number): void {
    const { state } = this;
    if (s === 'reconnecting' && state.connState === 'live') {
      state.connLost = true;
      state.lastAlarmAt = 0; // ring at once
    }
    if (s === 'live') state.connLost = false;
    state.connState = s;
    this.schedule();
    state.retryAt = retryInMs !== undefined ? performance.now() + retryInMs : 0;
    $('login').hidden = s !== 'auth';
    if (s === 'auth') $<HTMLInputElement>('login-token').focus();
    this.render();
    this.sensorPanel.tick(performance.now(), s === 'live');
  }

  /** Draws the indicator (the reconnect countdown in whole seconds). */
  render(): void {
    const { state } = this;
    const el = $('conn');
    el.dataset.state = state.connState;
    const text =
      state.connState === 'live'
        ? t('conn.live')
        : state.connState === 'reconnecting'
          ? t('conn.reconnecting', { s: retryInS(state.retryAt, performance.now()) })
          : state.connState === 'auth'
            ? t('conn.auth')
            : t('conn.connecting');
    $('conn-text').textContent = text;
  }
}

/**
 * The toast of an action that could not be sent (not connected): says it was not sent, when the next connection
 * attempt comes (whole seconds until `retryAtMs`, performance.now() time; 0 once due), and to act again then.
 */
export function notSentText(retryAtMs: number, nowMs: number): string {
  return t('conn.notSent', { s: retryInS(retryAtMs, nowMs) });
}

/** Whole seconds (rounded up, ≥ 0) from `nowMs` to the reconnect attempt at `retryAtMs` (performance.now() time). */
function retryInS(retryAtMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((retryAtMs - nowMs) / 1000));
}

/** Posts the token to `login` (the daemon sets its HttpOnly cookie and redirects to the page); true when it was accepted. */
async function signIn(base: URL, candidate: string): Promise<boolean> {
  const u = new URL('login', base);
  u.search = '';
  u.hash = '';
  try {
    const r = await fetch(u, { method: 'POST', body: new URLSearchParams({ token: candidate }), credentials: 'same-origin', cache: 'no-store' });
    return r.ok;
  } catch {
    return false;
  }
}

/** Wires the sign-in form (#login-form): a refused token shows #login-error; an accepted one hides the form and calls `signedIn`. */
export function bindSignIn(base: URL, signedIn: () => void): void {
  $<HTMLFormElement>('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const input = $<HTMLInputElement>('login-token');
    const candidate = input.value.trim();
    if (candidate.length === 0) return;
    $('login-error').hidden = true;
    void signIn(base, candidate).then((ok) => {
      if (!ok) {
        $('login-error').hidden = false;
        return;
      }
      input.value = '';
      $('login').hidden = true;
      signedIn();
    });
  });
}
