// The one way live sources turn a zod schema's refusal of their options into a CONFIG error naming the field.
import type { z } from 'zod';
import { QuietBandError } from '../errors.js';

/**
 * Parses a source's options with its zod schema.
 * @throws QuietBandError('CONFIG') naming the first invalid field: `<what> option <field>: <zod message>` (an unknown
 *   key is named by its key)
 */
export function parseSourceOptions<S extends z.ZodTypeAny>(schema: S, options: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : ((issue as { keys?: string[] }).keys?.join(', ') ?? '(options)');
    throw new QuietBandError(`${what} option ${field}: ${issue.message}`, 'CONFIG');
  }
  return parsed.data as z.output<S>;
}
