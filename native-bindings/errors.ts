// The error class the addon wrappers throw, and the codes they use. It is QuietBand's one error class: src/errors.ts
// gives it the daemon's full code list, so an error from a receiver and one from a config file are the same type.

/** Codes the addon wrappers throw (a subset of the daemon's `QuietBandErrorCode`, src/errors.ts). */
export type NativeErrorCode =
  | 'CONFIG' // an invalid setting, flag or config field (names it and what is allowed)
  | 'DEVICE_NOT_FOUND' // no receiver matches (the message lists what is attached)
  | 'DEVICE_BUSY' // another program holds the receiver
  | 'PERMISSION' // the OS refuses access to the USB device (udev rules)
  | 'DISCONNECTED' // the receiver went away: reopen it
  | 'USB_TRANSFER' // a USB call failed or hung
  | 'NATIVE_UNAVAILABLE' // the addon (or the library under it) is not built / cannot load
  | 'IO'; // a read, write or driver call failed otherwise

/** Options of a {@link CodedError}: the underlying error, and whether the device must be reopened. */
export interface CodedErrorOptions {
  cause?: unknown;
  /** Default: `code === 'DISCONNECTED'`. */
  disconnected?: boolean;
}

/**
 * Error with a typed `code` and a message that says what to check. `disconnected` is set for errors after which a
 * sensor supervisor should reopen the source (unplug, server gone). `C` is the code list: {@link NativeErrorCode}
 * for the addon wrappers ({@link QuietBandError} below), the daemon's full list in src/errors.ts; both name the same
 * class, so `instanceof` holds across them. Its `name` is 'QuietBandError'.
 */
export class CodedError<C extends string> extends Error {
  readonly code: C;
  readonly disconnected: boolean;
  constructor(message: string, code: C, options: CodedErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'QuietBandError';
    this.code = code;
    this.disconnected = options.disconnected ?? code === 'DISCONNECTED';
  }
}

/** The error the addon wrappers throw: a {@link CodedError} whose code is a {@link NativeErrorCode}. */
export type QuietBandError = CodedError<NativeErrorCode>;
/** `new QuietBandError(message, code, { cause, disconnected })`: the {@link CodedError} constructor with the addon codes. */
export const QuietBandError = CodedError as new (message: string, code: NativeErrorCode, options?: CodedErrorOptions) => QuietBandError;
