// "Session report" dialog: lists the daemon's exam sessions (GET sessions) and links the chosen one's report (HTML, PDF).
import { formatDateTime } from './format.js';
import { lang, t, type MsgKey } from './i18n.js';
import type { SessionListEntry } from './protocol-types.js';


/** The report URL of a session, relative to `base` (works behind a path-prefix proxy), in the page's language. */
export function reportUrl(base: URL, s: { name: string; site: string }, pdf = false): string {
  const u = new URL('report', base);
  u.search = '';
  u.hash = '';
  u.searchParams.set('session', s.name);
  u.searchParams.set('site', s.site);
  if (pdf) u.searchParams.set('format', 'pdf');
  u.searchParams.set('lang', lang());
  return u.href;
}

/**
 * Drives the `<dialog>` of index.html: {@link open} fetches `sessions` (same-origin cookie auth, like the page) and
 * fills the select (`data-testid="report-session"`, newest first, "site — session — window · n alerts" at a hub); the
 * links `report-open` (HTML, new tab) and `report-pdf` follow the selection. The server builds the report on each
 * request, so acks made since are in it. With no session to link (loading, the list failed, none yet) both links are
 * disabled (`aria-disabled`, no href, greyed) and say why: beside them (`report-why`) and as their tooltip.
 */
export class ReportDialog {
  private readonly dialog: HTMLDialogElement;
  private readonly select: HTMLSelectElement;
  private readonly openLink: HTMLAnchorElement;
  private readonly pdfLink: HTMLAnchorElement;
  private readonly note: HTMLElement;
  private readonly why: HTMLElement;
  /** Why the links are disabled while no session is selected. */
  private whyKey: MsgKey = 'report.why.loading';
  private readonly base: URL;
  private sessions: SessionListEntry[] = [];
  private timeZone = 'UTC';

  constructor(dialog: HTMLDialogElement, base: URL) {
    this.dialog = dialog;
    this.base = base;
    this.select = dialog.querySelector<HTMLSelectElement>('select')!;
    this.openLink = dialog.querySelector<HTMLAnchorElement>('[data-testid="report-open"]')!;
    this.pdfLink = dialog.querySelector<HTMLAnchorElement>('[data-testid="report-pdf"]')!;
    this.note = dialog.querySelector<HTMLElement>('.report-note')!;
    this.why = dialog.querySelector<HTMLElement>('[data-testid="report-why"]')!;
    this.select.addEventListener('change', () => this.syncLinks());
    dialog.querySelector('.report-close')!.addEventListener('click', () => dialog.close());
  }

  /** Zone of the window times shown (hello.timeZone). */
  setTimeZone(tz: string): void {
    this.timeZone = tz;
  }

  /** Opens the dialog and loads the session list; `preferSite` preselects that site's newest session. */
  async open(preferSite: string | null, multiSite: boolean): Promise<void> {
    this.sessions = [];
    this.select.replaceChildren();
    this.select.disabled = true;
    this.whyKey = 'report.why.loading';
    this.syncLinks();
    this.note.hidden = false;
    this.note.textContent = t('report.loading');
    if (!this.dialog.open) this.dialog.showModal();
    let list: SessionListEntry[];
    try {
      const u = new URL('sessions', this.base);
      u.search = '';
      const r = await fetch(u, { credentials: 'same-origin', cache: 'no-store' });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      list = ((await r.json()) as { sessions: SessionListEntry[] }).sessions;
    } catch (err) {
      this.note.textContent = t('report.failed', { m: (err as Error).message });
      this.whyKey = 'report.why.failed';
      this.syncLinks();
      return;
    }
    this.sessions = list;
    for (const [i, s] of list.entries()) {
      const o = document.createElement('option');
      o.value = String(i);
      const when = `${formatDateTime(s.startTime, this.timeZone)} – ${formatDateTime(s.endTime, this.timeZone)}`;
      o.textContent = `${multiSite ? `${s.site} — ` : ''}${s.name} — ${when} · ${t('report.alerts', { n: s.alerts })}`;
      o.dataset.session = s.name;
      o.dataset.site = s.site;
      this.select.append(o);
    }
    const pick = preferSite !== null ? list.findIndex((s) => s.site === preferSite) : -1;
    this.select.value = String(Math.max(0, pick));
    this.select.disabled = list.length === 0;
    this.note.hidden = list.length > 0;
    this.note.textContent = list.length === 0 ? t('report.none') : '';
    this.whyKey = 'report.why.none';
    this.syncLinks();
  }

  /** Rebuilds the links (after a language change: the report follows the page's language). */
  relabel(): void {
    if (this.dialog.open) this.syncLinks();
  }

  private syncLinks(): void {
    const s = this.sessions[Number(this.select.value)];
    const why = s === undefined ? t(this.whyKey) : '';
    this.why.textContent = why;
    this.why.hidden = s !== undefined;
    for (const [a, pdf] of [[this.openLink, false], [this.pdfLink, true]] as const) {
      if (s === undefined) {
        a.removeAttribute('href');
        a.classList.add('disabled');
        a.setAttribute('aria-disabled', 'true');
        a.setAttribute('aria-describedby', this.why.id);
        a.title = why;
      } else {
        a.href = reportUrl(this.base, s, pdf);
        a.classList.remove('disabled');
        a.removeAttribute('aria-disabled');
        a.removeAttribute('aria-describedby');
        a.removeAttribute('title');
      }
    }
  }
}
