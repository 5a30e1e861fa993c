// One error class for the whole daemon: a typed code, plain-words advice, optional cause.

import { CodedError, type CodedErrorOptions, type NativeErrorCode } from '../native-bindings/errors.js';

/** Machine-readable error codes: the addon wrappers' ({@link NativeErrorCode}) and the daemon's. `BAD_INPUT` and `CONFIG` make the CLI exit with status 2. */
export type QuietBandErrorCode =
  | NativeErrorCode // CONFIG, DEVICE_NOT_FOUND, DEVICE_BUSY, PERMISSION, DISCONNECTED, USB_TRANSFER, NATIVE_UNAVAILABLE, IO
  | 'BAD_INPUT' // a file or its metadata is not what was expected (names the file and field)
  | 'BASELINE_MISMATCH' // a stored baseline's fingerprint differs from the live settings
  | 'NOT_RTL_TCP'; // the peer at an rtl_tcp address does not speak rtl_tcp

/**
 * Error with a typed `code` and a message that says what to check. `disconnected` is set for errors
 * after which a sensor supervisor should reopen the source (unplug, server gone). The class is the one the addon
 * wrappers throw ({@link CodedError} of native-bindings/errors.ts, the lowest layer), typed here with the daemon's
 * codes, so `err instanceof QuietBandError` holds for receiver errors too.
 */
export type QuietBandError = CodedError<QuietBandErrorCode>;
/** `new QuietBandError(message, code, { cause, disconnected })`: the {@link CodedError} constructor with the daemon's codes. */
export const QuietBandError = CodedError as new (message: string, code: QuietBandErrorCode, options?: CodedErrorOptions) => QuietBandError;

/** Shorthand for a `BAD_INPUT` error naming the file and the field: `"<file>: <field>: <what was expected>"`. */
export function badInput(file: string, field: string, expected: string): QuietBandError {
  return new QuietBandError(`${file}: ${field}: ${expected}`, 'BAD_INPUT');
}
