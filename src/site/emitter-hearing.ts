// Worker side of the deaf-receiver check: when each calibration emitter of the baseline in use was last heard.
import type { CalibrationEmitter } from '../baseline/emitters.js';
import type { CalibrationEmitterHeard } from '../server/protocol.js';

/**
 * The calibration emitters of the baseline a sensor detects with, and when each was last heard (wall ms) by the
 * detector's emitter watch. Reported with the sensor's health; the main thread judges it (src/field/baseline-health.ts
 * judgeHearing).
 */
export class EmitterHearing {
  private heard: { emitter: CalibrationEmitter; lastMs: number; appearances: number }[] = [];

  /** Starts watching the emitters of the baseline the detector now runs with (none heard yet, silent from now). */
  watch(emitters: readonly CalibrationEmitter[], nowMs = Date.now()): void {
    this.heard = emitters.map((emitter) => ({ emitter, lastMs: nowMs, appearances: 0 }));
  }

  /** The detector's emitter watch heard emitter `index` (of the list given to {@link watch}); other indexes are ignored. */
  onHeard(index: number, nowMs = Date.now()): void {
    const h = this.heard[index];
    if (h === undefined) return;
    h.lastMs = nowMs;
    h.appearances++;
  }

  /** Each watched emitter with its appearances and whole seconds of silence at `nowMs`; undefined when none is watched. */
  report(nowMs: number): CalibrationEmitterHeard[] | undefined {
    if (this.heard.length === 0) return undefined;
    return this.heard.map((h) => ({
      centerHz: h.emitter.centerHz, periodS: h.emitter.periodS, continuous: h.emitter.continuous,
      appearances: h.appearances, silentS: Math.round((nowMs - h.lastMs) / 1000),
    }));
  }
}
