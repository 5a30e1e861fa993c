// Scan plans: a list of segments covered by overlapping hops, each with its own dwell, settle, baseline and detector.
import { QuietBandError } from '../errors.js';

/** A frequency range to watch (Hz). */
export interface ScanSegment {
  startHz: number;
  stopHz: number;
}

/** How a sensor hops. */
export interface ScanPlan {
  segments: ScanSegment[];
  /** Time spent on each hop, settle excluded (ms). */
  dwellMs: number;
  /**
   * Time discarded after every retune before samples are analysed (ms). rtl_power sleeps 5 ms and throws away one
   * 4096-byte read (rtl_power.c); tuner PLL settling and samples still queued in the USB buffers need at least that
   * (docs/field-notes.md §2). Default 25; one whole source block after the retune is always discarded as well.
   */
  settleMs: number;
  /** Fraction of each hop's band cropped at its edges (anti-alias roll-off; docs/field-notes.md §3). Default 0.25. */
  cropFraction: number;
}

/** One tuning of a plan. Usable = the uncropped part of its band. */
export interface Hop {
  index: number;
  centerHz: number;
  usableLowHz: number;
  usableHighHz: number;
}

export const DEFAULT_SCAN: Readonly<Omit<ScanPlan, 'segments'>> = Object.freeze({ dwellMs: 200, settleMs: 25, cropFraction: 0.25 });

/**
 * Hop centres for a plan at `rateSps`. Usable width U = rate·(1 − crop); hops are spaced 0.4·U apart, so every frequency
 * of a segment is inside the usable band of two hops (steps of 0.4·U) — in particular each hop's DC guard lies well inside its neighbours'
 * usable bands, which is how a signal sitting on a hop's centre is still seen (docs/field-notes.md §1: overlap hops so a
 * neighbour covers the masked bins). A segment narrower than that gets two hops around its middle.
 * @throws QuietBandError('CONFIG') for an empty or inverted segment, or a crop outside 0..0.8.
 */
export function planHops(plan: ScanPlan, rateSps: number): Hop[] {
  if (!(plan.cropFraction >= 0 && plan.cropFraction <= 0.8)) {
    throw new QuietBandError(`scan.cropFraction: ${plan.cropFraction} must be between 0 and 0.8`, 'CONFIG');
  }
  if (plan.segments.length === 0) throw new QuietBandError('scan.segments: expected at least one {startHz, stopHz}', 'CONFIG');
  const usable = rateSps * (1 - plan.cropFraction);
  const step = 0.4 * usable;
  const hops: Hop[] = [];
  plan.segments.forEach((seg, i) => {
    if (!(seg.stopHz > seg.startHz)) {
      throw new QuietBandError(`scan.segments[${i}]: stopHz (${seg.stopHz}) must be above startHz (${seg.startHz})`, 'CONFIG');
    }
    // first centre half a step inside the start; enough hops that the last usable edge passes stopHz
    const count = Math.max(2, Math.ceil((seg.stopHz - seg.startHz) / step) + 1);
    const first = (seg.startHz + seg.stopHz) / 2 - ((count - 1) * step) / 2;
    for (let k = 0; k < count; k++) {
      const centerHz = Math.round(first + k * step);
      hops.push({ index: hops.length, centerHz, usableLowHz: centerHz - usable / 2, usableHighHz: centerHz + usable / 2 });
    }
  });
  return hops;
}

/** Time between two visits of the same hop (ms): how long a burst on it could go unseen. */
export function revisitTimeMs(plan: ScanPlan, hops: readonly Hop[]): number {
  return hops.length * (plan.dwellMs + plan.settleMs);
}
