// A source that can change its tuning while streaming (RTL-SDR, rtl_tcp, the hopping simulator): what a scan needs.
import type { IqSource } from '../types.js';

/**
 * An {@link IqSource} that can be retuned between two blocks. After `retune(centerHz)` resolves, every block the source
 * yields that was (partly) captured after the command carries the new `centerHz`, a new `tuneId` and, on the first of
 * them, `discontinuity: true`. Samples captured before the retune keep the old centre and tune generation. Sources may
 * still deliver some pre-retune samples under the new tuning (tuner settling, samples queued in USB or TCP buffers;
 * docs/field-notes.md §2): the consumer discards a settle window after every `tuneId` change.
 */
export interface RetunableSource extends IqSource {
  /**
   * Tunes to `centerHz` (Hz).
   * @returns the centre the device reports (Hz); blocks carry this value.
   * @throws QuietBandError on a device error or an out-of-range frequency.
   */
  retune(centerHz: number): Promise<number>;
}

/** True when `source` has a `retune(centerHz)` method. */
export function isRetunable(source: IqSource): source is RetunableSource {
  return typeof (source as Partial<RetunableSource>).retune === 'function';
}
