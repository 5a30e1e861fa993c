// Page element lookup and toasts: what every panel module of the monitoring page uses to reach index.html.

/**
 * The element of index.html with this id.
 * @throws Error `page: missing #<id>` when the page lacks it (index.html and the script are out of step).
 */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`page: missing #${id}`);
  return el as T;
}

/**
 * Shows `text` in a toast (#toasts) for `ms` milliseconds, above any open modal dialog: #toasts is a manual popover,
 * shown again on each toast so it enters the top layer after (so above) the dialogs open now. A z-index cannot do this:
 * a modal dialog and its backdrop sit in the top layer over every z-index, which hid "not sent" under the alert detail.
 */
export function toast(text: string, ms = 6000): void {
  const box = $('toasts');
  const el = document.createElement('div');
  el.className = 'toast';
  el.textContent = text;
  box.append(el);
  if (box.matches(':popover-open')) box.hidePopover();
  box.showPopover();
  window.setTimeout(() => {
    el.remove();
    if (box.childElementCount === 0 && box.matches(':popover-open')) box.hidePopover();
  }, ms);
}
