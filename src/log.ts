// One pino logger factory for the CLI and the daemon: logs go to stderr, never to stdout (which carries data).
import { pino, type Logger } from 'pino';

/** Creates the root logger writing JSON lines to stderr (fd 2) synchronously, so the last lines survive exit. */
export function createLogger(level: string = process.env.QUIETBAND_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'quietband' } }, pino.destination({ fd: 2, sync: true }));
}

export type { Logger };
