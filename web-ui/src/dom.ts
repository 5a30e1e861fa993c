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
  const el = document.createElement('div');
  el.className = 'toast';
  el.textContent = text;
  showToast(el, ms);
}

/**
 * A {@link toast} with a button after its text (`data-testid="toast-action"`): pressing it runs `run` and closes the
 * toast. `setText` rewrites the text while it shows (a count that grows as records arrive).
 */
export function actionToast(text: string, ms: number, label: string, run: () => void): { setText: (text: string) => void } {
  const el = document.createElement('div');
  el.className = 'toast';
  const words = document.createElement('span');
  words.textContent = text;
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'btn toast-action';
  b.dataset.testid = 'toast-action';
  b.textContent = label;
  b.addEventListener('click', () => {
    run();
    el.remove();
  });
  el.append(words, ' ', b);
  showToast(el, ms);
  return { setText: (s) => void (words.textContent = s) };
}

function showToast(el: HTMLElement, ms: number): void {
  const box = $('toasts');
  box.append(el);
  if (box.matches(':popover-open')) box.hidePopover();
  box.showPopover();
  window.setTimeout(() => {
    el.remove();
    if (box.childElementCount === 0 && box.matches(':popover-open')) box.hidePopover();
  }, ms);
}
