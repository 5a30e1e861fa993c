// One rate-limited warning for samples a live source lost (dropped blocks, driver overflows), shared by the sources.
import type { Logger } from 'pino';

/** Options of {@link DropWarning}. */
export interface DropWarningOptions {
  /** Shortest time between two warnings (ms). Default 10 000. */
  periodMs: number;
  /** Fields added to every line (e.g. the pool size). */
  fields: Record<string, unknown>;
}

/**
 * Logs lost samples at most once per `periodMs` (default 10 s), however many gaps there are: a source that keeps
 * falling behind loses a block every few blocks, and one line per gap (50+ per second at 20 MS/s) would flood the log
 * and cost the time it reports.
 *
 * - The first gap after a quiet period is logged at once (`first: true`), with what it lost; a period starts.
 * - Gaps inside the period are counted; when it ends, one summary line gives their number, the blocks and samples
 *   they lost and the totals since the source started, and the next period starts. A period without gaps ends the
 *   series: the next gap is logged at once again.
 * - {@link close} logs what the running period counted (nothing is left unreported) and stops the timer.
 * The timer is unref'd (it never keeps the process alive). `note` allocates nothing unless it logs.
 */
export class DropWarning {
  private readonly o: DropWarningOptions;
  private timer: NodeJS.Timeout | null = null;
  private gaps = 0;
  private blocks = 0;
  private samples = 0;
  private samplesKnown = false;
  private totalGaps = 0;
  private totalBlocks = 0;
  private totalSamples = 0;

  /** @param log where the lines go (level warn); @param message the line's text (what was lost and why). */
  constructor(private readonly log: Logger, private readonly message: string, options: Partial<DropWarningOptions> = {}) {
    this.o = { periodMs: 10_000, fields: {}, ...options };
  }

  /** Gaps, blocks and samples (where known) lost since the source started. */
  get totals(): { gaps: number; blocks: number; samples: number } {
    return { gaps: this.totalGaps, blocks: this.totalBlocks, samples: this.totalSamples };
  }

  /**
   * Records one gap before a block; logs it when no period is running.
   * @param blocks blocks lost in the gap (consumer drops, plus one per driver overflow report)
   * @param samples samples lost in it, when the source knows them (time stamps, an estimate); -1 when it does not
   */
  note(blocks: number, samples = -1): void {
    this.totalGaps++;
    this.totalBlocks += blocks;
    if (samples >= 0) this.totalSamples += samples;
    if (this.timer === null) {
      this.log.warn({ ...this.o.fields, first: true, lostBlocks: blocks, ...(samples >= 0 ? { lostSamples: samples } : {}) }, this.message);
      this.startPeriod();
      return;
    }
    this.gaps++;
    this.blocks += blocks;
    if (samples >= 0) {
      this.samples += samples;
      this.samplesKnown = true;
    }
  }

  /** Logs the running period's count (if any) and stops. Idempotent. */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.summary();
  }

  private startPeriod(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.summary()) this.startPeriod();
    }, this.o.periodMs);
    this.timer.unref();
  }

  /** Logs and resets the period's count; false when it counted nothing. */
  private summary(): boolean {
    if (this.gaps === 0) return false;
    this.log.warn(
      {
        ...this.o.fields,
        periodS: this.o.periodMs / 1000,
        gaps: this.gaps,
        lostBlocks: this.blocks,
        ...(this.samplesKnown ? { lostSamples: this.samples } : {}),
        totalGaps: this.totalGaps,
        totalLostBlocks: this.totalBlocks,
      },
      `${this.message} (${this.gaps} more gaps in the last ${this.o.periodMs / 1000} s)`,
    );
    this.gaps = 0;
    this.blocks = 0;
    this.samples = 0;
    this.samplesKnown = false;
    return true;
  }
}
