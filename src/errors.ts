// One error class for the whole daemon: a typed code, plain-words advice, optional cause.

/** Machine-readable error codes. `BAD_INPUT` and `CONFIG` make the CLI exit with status 2. */
export type QuietBandErrorCode =
  | 'BAD_INPUT' // a file or its metadata is not what was expected (names the file and field)
  | 'CONFIG' // a flag or config field is invalid (names the field)
  | 'BASELINE_MISMATCH' // a stored baseline's fingerprint differs from the live settings
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_BUSY'
  | 'PERMISSION'
  | 'DISCONNECTED'
  | 'USB_TRANSFER'
  | 'NOT_RTL_TCP'
  | 'NATIVE_UNAVAILABLE'
  | 'IO';

/**
 * Error with a typed `code` and a message that says what to check. `disconnected` is set for errors
 * after which a sensor supervisor should reopen the source (unplug, server gone).
 */
export class QuietBandError extends Error {
  readonly code: QuietBandErrorCode;
  readonly disconnected: boolean;
  constructor(message: string, code: QuietBandErrorCode, options: { cause?: unknown; disconnected?: boolean } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'QuietBandError';
    this.code = code;
    this.disconnected = options.disconnected ?? code === 'DISCONNECTED';
  }
}

/** Shorthand for a `BAD_INPUT` error naming the file and the field: `"<file>: <field>: <what was expected>"`. */
export function badInput(file: string, field: string, expected: string): QuietBandError {
  return new QuietBandError(`${file}: ${field}: ${expected}`, 'BAD_INPUT');
}
