// The stream life of a simulated source (SimPacer: start once, blocks at the sample rate or one event-loop turn apart, close) and their common base (SimulatedSource).
import { setImmediate as setImmediateP, setTimeout as sleep } from 'node:timers/promises';
import type { IqBlock, IqSource, IqSourceHealth, IqSourceInfo } from '../types.js';
import { DeliveryCounter } from './delivery-counter.js';

/**
 * Paces and counts the blocks of a simulator ({@link RenderedSource}, {@link HoppingSimSource}): {@link start} once
 * per stream, {@link release} before each block is yielded, {@link end} when the stream stops, {@link close} from the
 * source's close(). Realtime: a block goes out when its last sample is due by the wall clock,
 * `t0 + endSample / rateSps · 1000` ms after {@link start}; otherwise after one event-loop turn, so timers and I/O run
 * between blocks. No allocation per block.
 */
export class SimPacer {
  private readonly abort = new AbortController();
  private readonly waitOpts = { signal: this.abort.signal };
  private readonly delivered = new DeliveryCounter();
  private t0Ms = 0;
  private started = false;
  private ended = false;
  /** True once {@link close} was called. */
  closed = false;

  /**
   * @param realtime pace at the sample rate
   * @param rateSps sample rate (S/s)
   */
  constructor(private readonly realtime: boolean, private readonly rateSps: number) {}

  /**
   * Starts the stream's clock (a source streams once).
   * @throws Error with `again` as its message when the stream was already started.
   */
  start(again: string): void {
    if (this.started) throw new Error(again);
    this.started = true;
    this.t0Ms = performance.now();
  }

  /**
   * Waits until a block of `count` samples ending at sample `endSample` (exclusive, from the stream's start) may go
   * out, then counts it as delivered.
   * @returns false when the source was closed meanwhile (the block must not be yielded).
   */
  async release(endSample: number, count: number): Promise<boolean> {
    try {
      if (this.realtime) {
        const due = this.t0Ms + (endSample / this.rateSps) * 1000 - performance.now();
        if (due > 0) await sleep(due, undefined, this.waitOpts);
      } else {
        await setImmediateP(undefined, this.waitOpts);
      }
    } catch {
      return false; // aborted by close()
    }
    if (this.closed) return false;
    this.delivered.count(count);
    return true;
  }

  /** Marks the stream finished (its end reached, or the consumer stopped iterating). */
  end(): void {
    this.ended = true;
  }

  /** The source's {@link IqSourceHealth}: online while started, not ended and not closed. */
  health(label: string): IqSourceHealth {
    return this.delivered.health(label, this.started && !this.closed && !this.ended);
  }

  /** Ends a pending wait at once; later {@link release} calls return false. Idempotent. */
  close(): void {
    this.closed = true;
    this.abort.abort();
  }
}

/** Base of the simulated sources ({@link RenderedSource}, {@link HoppingSimSource}): health() and close() from their {@link SimPacer}. */
export abstract class SimulatedSource implements IqSource {
  abstract readonly info: IqSourceInfo;
  /** Paces, counts and stops the stream. */
  protected abstract readonly pacer: SimPacer;

  /** Blocks until the scenario ends (or forever when looping) or `close()`. */
  abstract blocks(): AsyncGenerator<IqBlock>;

  /** Health snapshot (a new object each call): samples handed out, online while the stream runs. */
  health(): IqSourceHealth {
    return this.pacer.health(this.info.label);
  }

  /** Stops the stream (a pending realtime wait ends at once). Idempotent. */
  async close(): Promise<void> {
    this.pacer.close();
  }
}
