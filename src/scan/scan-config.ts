// The `scan` field of a sensor in the site config: zod schema, defaults, checks, and the per-hop baseline file names.
import { z } from 'zod';
import { DEFAULT_SCAN, planHops, type ScanPlan, type ScanSegment } from './scan-plan.js';

/** Most hops a plan may have (a typo such as a GHz-wide segment would otherwise make a revisit time of minutes). */
export const MAX_SCAN_HOPS = 256;

/**
 * Default settle after a retune (ms) before the one source buffer is added: max(25, 5) — rtl_power.c sleeps 5 ms and
 * throws one read away; dsd-neo PR#283 settles 25 ms after a retune on local USB (docs/field-notes.md §2).
 */
export const DEFAULT_SCAN_SETTLE_MS = Math.max(DEFAULT_SCAN.settleMs, 5);

// 10 GHz bounds what any supported receiver tunes (HackRF: 6 GHz); each source checks its own device's range.
const hz = z.number().int('expected a whole number of Hz').positive('expected a positive frequency in Hz').max(10e9, 'expected ≤ 10 GHz (10000000000 Hz)');

/**
 * `sensors[i].scan`: the sensor hops its source over `segments` instead of staying on `centerHz`.
 * - `segments` [{startHz, stopHz}, …] (Hz, at least one): ranges to watch; hops overlap (planHops).
 * - `dwellMs` [200]: time analysed on each hop per visit (settle excluded).
 * - `settleMs` [25 ms + one source buffer]: discarded after every retune; when given, exactly this long (0 = none).
 * - `cropFraction` [0.25]: share of each hop's band cropped at the edges (0…0.8).
 * - `simStaleMs` [0, sim only]: the simulated dongle still delivers the previous tuning for this long after a retune.
 */
export const scanConfigSchema = z
  .object({
    comment: z.union([z.string(), z.array(z.string())]).optional(),
    segments: z
      .array(z.object({ startHz: hz, stopHz: hz }).strict())
      .min(1, 'expected at least one {startHz, stopHz}'),
    dwellMs: z.number().min(10, 'expected a dwell of at least 10 ms').max(600_000).optional(),
    settleMs: z.number().min(0).max(10_000).optional(),
    cropFraction: z.number().min(0).max(0.8).optional(),
    simStaleMs: z.number().min(0).max(1000).optional(),
  })
  .strict();

/** `scan` as written in the config. */
export type ScanConfig = z.infer<typeof scanConfigSchema>;

/** A sensor's scan with every default applied (JSON-serialisable: it goes to the worker). */
export interface SensorScanSettings {
  segments: ScanSegment[];
  dwellMs: number;
  /** Settle after every retune (ms); null = {@link DEFAULT_SCAN_SETTLE_MS} plus one source buffer. */
  settleMs: number | null;
  cropFraction: number;
  /** sim only: ms of the previous tuning delivered after each retune. */
  simStaleMs: number;
  /** Per-hop stored baselines are `<baselineBase>-<centerHz>.json` (= `<calibrationDir>/<site>-<sensor>`). */
  baselineBase: string;
}

/**
 * Applies the scan defaults and checks what the schema cannot: stopHz above startHz, a plan of at most
 * {@link MAX_SCAN_HOPS} hops at the sensor's rate, no stored single-band `baseline`, no `file:` source (a recording
 * cannot be retuned: replay a scan recording with `quietband replay`), `simStaleMs` only for sim.
 * @param fail throws QuietBandError('CONFIG') for `field` with `msg` (the caller's, so messages name the config file).
 */
export function scanSettings(
  cfg: ScanConfig,
  o: { field: string; sourceKind: string; rateSps: number; hasBaseline: boolean; baselineBase: string },
  fail: (field: string, msg: string) => never,
): SensorScanSettings {
  if (o.sourceKind === 'file') fail(o.field, 'a file: source cannot be retuned; replay a scan recording (SigMF with several captures) with `quietband replay`');
  if (o.hasBaseline) fail(o.field, `a scanning sensor keeps one baseline per hop (${o.baselineBase}-<centerHz>.json, written by \`quietband calibrate\`); remove "baseline"`);
  if (cfg.simStaleMs !== undefined && o.sourceKind !== 'sim') fail(`${o.field}.simStaleMs`, 'only sim sensors take simStaleMs');
  cfg.segments.forEach((s, i) => {
    if (!(s.stopHz > s.startHz)) fail(`${o.field}.segments[${i}].stopHz`, `${s.stopHz} must be above startHz ${s.startHz}`);
  });
  const out: SensorScanSettings = {
    segments: cfg.segments.map((s) => ({ startHz: s.startHz, stopHz: s.stopHz })),
    dwellMs: cfg.dwellMs ?? DEFAULT_SCAN.dwellMs,
    settleMs: cfg.settleMs ?? null,
    cropFraction: cfg.cropFraction ?? DEFAULT_SCAN.cropFraction,
    simStaleMs: cfg.simStaleMs ?? 0,
    baselineBase: o.baselineBase,
  };
  const hops = planHops(scanPlanOf(out, 0), o.rateSps).length;
  if (hops > MAX_SCAN_HOPS) fail(`${o.field}.segments`, `need ${hops} hops at ${o.rateSps} S/s (at most ${MAX_SCAN_HOPS}); narrow the segments or raise rateSps`);
  return out;
}

/** The ScanPlan of a sensor's scan, with the settle actually applied (ms). */
export function scanPlanOf(scan: Pick<SensorScanSettings, 'segments' | 'dwellMs' | 'cropFraction'>, settleMs: number): ScanPlan {
  return { segments: scan.segments, dwellMs: scan.dwellMs, settleMs, cropFraction: scan.cropFraction };
}

/**
 * Samples discarded after every retune: `round(settleMs · rate)` when `settleMs` is configured, else
 * `round(DEFAULT_SCAN_SETTLE_MS · rate) + bufferSamples` (the source's block: the buffer that was filling at the retune).
 */
export function scanSettleSamples(scan: Pick<SensorScanSettings, 'settleMs'>, rateSps: number, bufferSamples: number): number {
  if (scan.settleMs !== null) return Math.round((scan.settleMs / 1000) * rateSps);
  return Math.round((DEFAULT_SCAN_SETTLE_MS / 1000) * rateSps) + bufferSamples;
}

/** Stored baseline of one hop: `<baselineBase>-<centerHz>.json` (centre in whole Hz). */
export function scanBaselinePath(baselineBase: string, centerHz: number): string {
  return `${baselineBase}-${Math.round(centerHz)}.json`;
}
