// Coded texts: the languages QuietBand words its messages in, and the `{param}` template filling that the server's
// message table (src/server/message-text.ts) and the identification reasons (src/ident/reasons.ts) share.

/** Languages of the texts (the web UI's and the session report's). */
export type TextLang = 'en' | 'zh-CN';

/** Whether `o` has its own property `k` (a table's id or a code's param, not one inherited from Object). */
export function hasOwn(o: object, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, k);
}

/**
 * `template` with `{k}` replaced by `params[k]` and, when `nested`, `{=k}` by the text of the message id `params[k]` in
 * `table`, rendered with the same params (one level: the nested text's own `{=k}` stay as written). Unknown keys, and a
 * `{=k}` whose value is no id of `table`, stay as written.
 */
export function fillTemplate(table: Readonly<Record<string, string>>, template: string, params: Record<string, unknown>, nested: boolean): string {
  return template.replace(/\{(=?)(\w+)\}/g, (m, eq: string, k: string) => {
    if (!hasOwn(params, k)) return m;
    if (eq === '') return String(params[k]);
    const id = String(params[k]);
    return nested && hasOwn(table, id) ? fillTemplate(table, table[id]!, params, false) : m;
  });
}
