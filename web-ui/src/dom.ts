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

/** Shows `text` in a toast (#toasts) for `ms` milliseconds. */
export function toast(text: string, ms = 6000): void {
  const el = document.createElement('div');
  el.className = 'toast';
  el.textContent = text;
  $('toasts').append(el);
  window.setTimeout(() => el.remove(), ms);
}
