// Samples handed out and the time of the last block: the delivery part of IqSourceHealth for files and simulators.
import type { IqSourceHealth } from '../types.js';

/**
 * Counts what a source hands out, for its {@link IqSourceHealth}: call {@link count} with each block's sample count
 * just before yielding it. No allocation per block.
 */
export class DeliveryCounter {
  /** Complex samples handed out so far. */
  samplesDelivered = 0;
  /** `performance.now()` (ms) of the last block handed out, null before the first. */
  private lastMs: number | null = null;

  /** Records a block of `count` complex samples handed out now. */
  count(count: number): void {
    this.samplesDelivered += count;
    this.lastMs = performance.now();
  }

  /** Milliseconds since the last block, null before the first. */
  ageMs(): number | null {
    return this.lastMs === null ? null : performance.now() - this.lastMs;
  }

  /**
   * The {@link IqSourceHealth} of a source without a receiver (no tuner, no driver drops: `droppedBlocks` null).
   * @param online whether the stream runs (started, not ended or closed)
   */
  health(label: string, online: boolean, nonFiniteSamples = 0, lastError: string | null = null): IqSourceHealth {
    return { label, online, samplesDelivered: this.samplesDelivered, droppedBlocks: null, nonFiniteSamples, lastDataAgeMs: this.ageMs(), lastError, tunerName: null };
  }
}
