// One pino logger factory for the CLI and the daemon: logs go to stderr, never to stdout (which carries data).
import { pino, type Logger } from 'pino';
import { QuietBandError } from './errors.js';

/** Creates the root logger writing JSON lines to stderr (fd 2) synchronously, so the last lines survive exit. */
export function createLogger(level: string = process.env.QUIETBAND_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'quietband' } }, pino.destination({ fd: 2, sync: true }));
}

export type { Logger };

/** pino's level names. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Returns `level` when it is a pino level. @throws QuietBandError('CONFIG') naming --log-level otherwise. */
export function checkLogLevel(level: string | undefined): string {
  const l = level ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(l)) {
    throw new QuietBandError(`--log-level: "${l}" is not a level; expected one of ${LOG_LEVELS.join(', ')}`, 'CONFIG');
  }
  return l;
}
