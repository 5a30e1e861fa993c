// Replays a recording at its sample rate (like a live dongle) for `file:` sensors of the live daemon.
import { setTimeout as sleep } from 'node:timers/promises';
import type { IqBlock, IqSource, IqSourceHealth, IqSourceInfo } from '../types.js';

/**
 * Wraps an {@link IqSource} (a file) so that each block is yielded when its last sample is due by the wall clock:
 * `t0 + (firstSample + count − first) / rateSps` seconds after the first block, t0 = the first request. Blocks are
 * passed through unchanged (same reuse rule as the inner source). `close()` ends a pending wait at once.
 */
export class PacedSource implements IqSource {
  readonly info: IqSourceInfo;
  private readonly abort = new AbortController();

  constructor(private readonly inner: IqSource) {
    this.info = inner.info;
  }

  async *blocks(): AsyncGenerator<IqBlock> {
    const t0 = performance.now();
    let first = -1;
    const waitOpts = { signal: this.abort.signal };
    for await (const b of this.inner.blocks()) {
      if (first < 0) first = b.firstSample;
      const due = t0 + ((b.firstSample + b.count - first) / b.rateSps) * 1000 - performance.now();
      if (due > 0) {
        try {
          await sleep(due, undefined, waitOpts);
        } catch {
          return; // closed
        }
      }
      if (this.abort.signal.aborted) return;
      yield b;
    }
  }

  /** The inner source's health (pacing changes when blocks arrive, not what is counted). */
  health(): IqSourceHealth {
    return this.inner.health();
  }

  /** Closes the inner source. Idempotent. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.inner.close();
  }
}
