// Test helpers: where the shared captures are, and a quiet logger.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';

/** Repository root (this file lives in test/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared relative to the repo root (read-only in CI). */
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
export const CAPTURES = join(SHARED, 'captures');

/** Path of a capture in ../shared/captures; throws a clear error if the folder is missing. */
export function capture(name: string): string {
  const p = join(CAPTURES, name);
  if (!existsSync(p)) throw new Error(`missing real capture ${p}: tests expect ../shared/captures beside the repository`);
  return p;
}

/** A pino logger that drops everything (tests assert on values, not on logs). */
export const silentLog = pino({ level: 'silent' });
