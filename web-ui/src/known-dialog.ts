// Known-emitter list: every emitter the site treats as known (config and marked), with removal of the marked ones.
import { toast } from './dom.js';
import { actorNodes, formatDateTime, formatMhz } from './format.js';
import { t, type MsgKey } from './i18n.js';
import type { KnownEmitterEntry } from './protocol-types.js';

function isEntry(x: unknown): x is KnownEmitterEntry {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.id === 'string' && typeof o.label === 'string' && typeof o.lowHz === 'number' && typeof o.highHz === 'number';
}

/**
 * The `<dialog id="known-dialog">`: {@link open} loads `GET known-emitters` (relative to the page, same cookie) into a
 * table (`data-testid="known-row"`, `data-id`), a Remove button (`known-remove`) on marked ones sends
 * `DELETE known-emitters?id=…&by=<operator>` with the header `X-QuietBand-Request: 1` after a confirm, then reloads the list.
 */
export class KnownDialog {
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;
  private timeZone = 'UTC';

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly base: URL,
    /** The operator's remembered name (sent as `by`: the alerts the emitter hid record who removed it). */
    private readonly operator: () => string | null = () => null,
  ) {
    const q = <T extends HTMLElement>(sel: string): T => {
      const el = dialog.querySelector<T>(sel);
      if (el === null) throw new Error(`known dialog: missing ${sel}`);
      return el;
    };
    this.body = q('tbody');
    this.note = q('.known-note');
    q('.known-close').addEventListener('click', () => dialog.close());
    this.body.addEventListener('click', (ev) => {
      const btn = (ev.target as HTMLElement).closest<HTMLButtonElement>('button[data-id]');
      if (btn !== null) void this.remove(btn.dataset.id!, btn.dataset.label ?? '');
    });
  }

  /** Site time zone (hello.timeZone). */
  setTimeZone(tz: string): void {
    this.timeZone = tz;
  }

  private url(id?: string): URL {
    const u = new URL('known-emitters', this.base);
    u.search = '';
    u.hash = '';
    if (id !== undefined) u.searchParams.set('id', id);
    return u;
  }

  /** Opens the dialog and loads the list. */
  async open(): Promise<void> {
    if (!this.dialog.open) this.dialog.showModal();
    await this.load();
  }

  /** Reloads the list (also after a language change while open). */
  async load(): Promise<void> {
    this.note.hidden = false;
    this.note.textContent = '…';
    let list: KnownEmitterEntry[];
    try {
      const r = await fetch(this.url(), { credentials: 'same-origin', cache: 'no-store' });
      if (r.status === 404) {
        this.body.replaceChildren();
        this.note.textContent = t('known.unavailable');
        return;
      }
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const v = (await r.json()) as { emitters?: unknown };
      list = Array.isArray(v.emitters) ? v.emitters.filter(isEntry) : [];
    } catch (err) {
      this.note.textContent = t('known.failed', { m: (err as Error).message });
      return;
    }
    this.note.hidden = list.length > 0;
    this.note.textContent = t('known.none');
    this.body.replaceChildren(...list.map((e) => this.row(e)));
  }

  private row(e: KnownEmitterEntry): HTMLTableRowElement {
    const tr = document.createElement('tr');
    tr.dataset.testid = 'known-row';
    tr.dataset.id = e.id;
    tr.classList.toggle('expired', e.expired);
    // each cell carries its column's heading (data-head): on a phone the table stacks one row as a card, the heading
    // before each value, so Remove is in the screen without a sideways swipe (styles.css)
    const cell = (text: string, cls = '', headKey?: MsgKey): HTMLTableCellElement => {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls !== '') td.className = cls;
      if (headKey !== undefined) td.dataset.head = t(headKey);
      tr.append(td);
      return td;
    };
    cell(e.label, 'k-label');
    cell(`${formatMhz(e.lowHz)} – ${formatMhz(e.highHz)}`, 'num', 'known.range');
    cell(e.sensor ?? t('known.allSensors'), '', 'known.sensor');
    const added = cell(e.origin === 'config' ? t('known.origin.config') : e.addedAt !== undefined ? formatDateTime(e.addedAt, this.timeZone) : e.addedBy === undefined ? t('known.origin.marked') : '', '', 'known.added');
    // who marked it: the name, the connection as a muted detail, then when
    if (e.origin !== 'config' && e.addedBy !== undefined) added.prepend(...actorNodes(e.addedBy), ...(e.addedAt !== undefined ? [' · '] : []));
    cell(e.expired ? t('known.expired') : e.expiresMs !== undefined ? formatDateTime(e.expiresMs, this.timeZone) : t('known.never'), '', 'known.expires');
    const td = cell('', 'k-remove');
    if (e.removable) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn';
      b.dataset.testid = 'known-remove';
      b.dataset.id = e.id;
      b.dataset.label = e.label;
      b.textContent = t('known.remove');
      td.append(b);
    }
    return tr;
  }

  private async remove(id: string, label: string): Promise<void> {
    if (!window.confirm(t('known.confirm', { label }))) return;
    try {
      const u = this.url(id);
      const by = this.operator();
      if (by !== null && by !== '') u.searchParams.set('by', by);
      const r = await fetch(u, { method: 'DELETE', credentials: 'same-origin', cache: 'no-store', headers: { 'X-QuietBand-Request': '1' } });
      if (!r.ok) {
        const v = (await r.json().catch(() => ({}))) as { error?: unknown };
        throw new Error(typeof v.error === 'string' ? v.error : `HTTP ${r.status}`);
      }
      // nothing comes back while another mark covers them: say which, else the supervisor wonders why
      const v = (await r.json().catch(() => ({}))) as { stillKnown?: { label?: unknown; count?: unknown }[] };
      for (const s of Array.isArray(v.stillKnown) ? v.stillKnown : []) {
        if (typeof s.label === 'string' && typeof s.count === 'number') toast(t('known.stillKnown', { n: s.count, label: s.label }), 15_000);
      }
    } catch (err) {
      this.note.hidden = false;
      this.note.textContent = t('known.removeFailed', { m: (err as Error).message });
      return;
    }
    await this.load();
  }
}
