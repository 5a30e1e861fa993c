// "Who is acting?": the supervisor's name (remembered per browser in localStorage) and, for a known mark, the emitter's label.
import { t, type MsgKey } from './i18n.js';

/** localStorage key of the operator's name. */
export const OPERATOR_KEY = 'quietband.operator';

/** What {@link WhoDialog.ask} returns when confirmed. */
export interface WhoAnswer {
  name: string;
  /** The label (only when asked for). */
  label?: string;
}

/** Options of {@link WhoDialog.ask}. */
export interface WhoQuestion {
  title: MsgKey;
  /** Ask for a label too (mark as known), prefilled with this. */
  label?: string;
  /** How many alerts the action covers (shown under the title when above 1). */
  count?: number;
}

/**
 * A modal `<dialog id="who">` asking for the operator's name (prefilled with the remembered one) and optionally a label.
 * Both fields must be non-empty (trimmed, name ≤ 100 and label ≤ 200 characters: the server's limits). The name is
 * remembered in localStorage on confirm.
 */
export class WhoDialog {
  private readonly dialog: HTMLDialogElement;
  private readonly title: HTMLElement;
  private readonly count: HTMLElement;
  private readonly nameInput: HTMLInputElement;
  private readonly labelInput: HTMLInputElement;
  private readonly labelRow: HTMLElement;
  private readonly error: HTMLElement;
  private resolve: ((a: WhoAnswer | null) => void) | null = null;
  private wantLabel = false;
  /** Called after the remembered name changed. */
  onNameChange: () => void = () => undefined;

  constructor(dialog: HTMLDialogElement) {
    this.dialog = dialog;
    const q = <T extends HTMLElement>(sel: string): T => {
      const el = dialog.querySelector<T>(sel);
      if (el === null) throw new Error(`who dialog: missing ${sel}`);
      return el;
    };
    this.title = q('.who-title');
    this.count = q('.who-count');
    this.nameInput = q<HTMLInputElement>('input[name="name"]');
    this.labelInput = q<HTMLInputElement>('input[name="label"]');
    this.labelRow = q('.who-label-row');
    this.error = q('.who-error');
    q<HTMLFormElement>('form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const name = this.nameInput.value.trim().slice(0, 100);
      const label = this.labelInput.value.trim().slice(0, 200);
      if (name === '' || (this.wantLabel && label === '')) {
        this.error.hidden = false;
        (name === '' ? this.nameInput : this.labelInput).focus();
        return;
      }
      this.remember(name);
      this.finish(this.wantLabel ? { name, label } : { name });
    });
    q('.who-cancel').addEventListener('click', () => this.finish(null));
    dialog.addEventListener('close', () => this.finish(null));
  }

  /** The remembered name, or null. */
  name(): string | null {
    try {
      const n = localStorage.getItem(OPERATOR_KEY);
      return n !== null && n.trim() !== '' ? n : null;
    } catch {
      return null;
    }
  }

  private remember(name: string): void {
    try {
      localStorage.setItem(OPERATOR_KEY, name);
    } catch {
      // storage disabled: asked again next time
    }
    this.onNameChange();
  }

  /** Opens the dialog; resolves the answer, or null when cancelled (Escape, Cancel). */
  ask(q: WhoQuestion): Promise<WhoAnswer | null> {
    this.finish(null);
    this.wantLabel = q.label !== undefined;
    this.title.textContent = t(q.title);
    this.count.hidden = (q.count ?? 1) <= 1;
    this.count.textContent = t('who.count', { n: q.count ?? 1 });
    this.nameInput.value = this.name() ?? '';
    this.labelRow.hidden = !this.wantLabel;
    this.labelInput.value = q.label ?? '';
    this.error.hidden = true;
    if (!this.dialog.open) this.dialog.showModal();
    (this.nameInput.value === '' || !this.wantLabel ? this.nameInput : this.labelInput).focus();
    return new Promise((resolve) => (this.resolve = resolve));
  }

  private finish(a: WhoAnswer | null): void {
    const r = this.resolve;
    this.resolve = null;
    if (this.dialog.open) this.dialog.close();
    r?.(a);
  }
}
