// Errors of a field of a file (the SigMF meta, the site config, a flag's field check), coded so each prints in Chinese
// too: the frame `<where>: <field>: <why>`, the reason of a zod schema issue, and a recording's error inside its field.
import type { QuietBandError, QuietBandErrorCode } from './errors.js';
import { cliError, errorTextIn, type CodedQuietBandError, type ErrorMessageCode } from './error-text.js';

/**
 * A coded field error `<where>: <field>: <why>[advice]` (`field.bad`): `why` is a `why.*`/`range.*` code whose params
 * join the frame's (`where`, `field`, `why` and `advice` are the frame's own names), `advice` an `advice.*` code or
 * none. Used for the SigMF meta checks, the site config and the flags' field checks, so each prints in Chinese too.
 */
export function fieldError(where: string, field: string, why: ErrorMessageCode, code: QuietBandErrorCode, advice?: ErrorMessageCode | null): CodedQuietBandError {
  const params = { ...advice?.params, ...why.params, where, field, why: why.id, advice: advice?.id ?? 'none' };
  return cliError('field.bad', params, code);
}

/**
 * The reason of a zod schema issue as a code when QuietBand words it (a missing field, an unknown one, a wrong type, a
 * number out of range: the English text is zod's own), else null (the caller keeps zod's English as `field.detail`).
 * `issue.message` is zod 4's text ("Invalid input: expected number, received string", "Too big: expected number to be
 * <=65535"); `missing` is whether the value was absent (`input === undefined` with reportInput).
 */
export function schemaIssueWhy(issue: { code: string; message: string }, missing: boolean): ErrorMessageCode | null {
  if (issue.code === 'invalid_type' && missing) return { id: 'why.missing' };
  const type = /^Invalid input: expected (\w+), received (\w+)$/.exec(issue.message);
  if (type !== null) return { id: 'why.type', params: { expected: type[1], received: type[2] } };
  const range = /^Too (big|small): expected number to be ([<>]=?)(\S+)$/.exec(issue.message);
  if (range !== null) return { id: range[1] === 'big' ? 'why.tooBig' : 'why.tooSmall', params: { op: range[2], limit: range[3] } };
  return null;
}

/**
 * `err` (thrown while reading what a config field names: a recording) inside that field's error,
 * `<where>: <field>: <err's message>`, with the same error code; a coded `err` keeps its words in both languages
 * (`field.detail` with the detail worded per language), another keeps its English message.
 */
export function fieldWrap(where: string, field: string, err: QuietBandError): CodedQuietBandError {
  const c = (err as Partial<CodedQuietBandError>).messageCode;
  const detail = c === undefined ? err.message : { en: errorTextIn('en', c), 'zh-CN': errorTextIn('zh-CN', c) };
  return cliError('field.detail', { where, field, detail }, err.code, { cause: err });
}
