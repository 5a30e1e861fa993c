// Symbol rate of an identification clip: the elementary duration behind the runs of an FSK clip's tones or of an
// on-off keyed clip's pulses and gaps (docs/identification.md §4).
import { quantile } from './spectrum.js';

/**
 * The elementary duration behind run lengths (s): pulses (and, for on/off keying, the gaps between them) are taken as
 * near-integer multiples k = 1…8 of a unit u, the pulses measured δ too short and the gaps δ too long (a threshold on a
 * smoothed power shifts both edges of a pulse the same way). Candidates u from 0.6× to 2× the 10th percentile of all
 * runs (1 % steps) and δ within ±0.3·u are scored by how close the corrected runs sit to multiples of u
 * (Σ max(0, 1 − 4·|r/u − k|)); the largest u within 5 % of the best score wins (a half or a third of the unit fits as
 * well), then u = Σ r / Σ k over the runs that fit it (rtl_433's pulse analyser reports the same shortest timing).
 */
export function unitDuration(pulses: number[], gaps: number[] = []): number {
  const all = pulses.concat(gaps);
  if (all.length === 0) return 0;
  const q10 = quantile(all, 0.1);
  const near = (x: number): number => {
    const k = Math.round(x);
    return k >= 1 && k <= 8 ? Math.max(0, 1 - 4 * Math.abs(x - k)) : 0;
  };
  let best = 0;
  const cands: { u: number; d: number; sc: number }[] = [];
  for (let m = 0.6; m <= 2.0001; m += 0.01) {
    const u = q10 * m;
    for (let j = gaps.length ? -6 : 0; j <= (gaps.length ? 6 : 0); j++) {
      const d = (j / 20) * u;
      let sc = 0;
      for (const r of pulses) sc += near((r + d) / u);
      for (const g of gaps) sc += near((g - d) / u);
      cands.push({ u, d, sc });
      best = Math.max(best, sc);
    }
  }
  let pick = cands[0];
  for (const c of cands) if (c.sc >= 0.95 * best && c.u > pick.u) pick = c;
  let num = 0;
  let den = 0;
  const take = (r: number): void => {
    const k = Math.round(r / pick.u);
    if (k >= 1 && k <= 8 && Math.abs(r / pick.u - k) < 0.2) {
      num += r;
      den += k;
    }
  };
  for (const r of pulses) take(r + pick.d);
  for (const g of gaps) take(g - pick.d);
  return den > 0 ? num / den : pick.u;
}

/**
 * The symbol duration of a clip (s; 0 when fewer than 3 runs to measure): with 2 or more FSK tones (`toneOffsetsHz`,
 * absolute), the runs of the nearest tone in each burst's instantaneous frequency (`perRun`, smoothed over `smoothLen`
 * samples at `rateSps`; a flicker shorter than 1.5 smoothing lengths joins the run that follows; the first and last
 * run of each burst left out, cut by its edges); otherwise the bursts `burstLens` and the gaps `gapLens` (s) shorter
 * than 20 median bursts. Then {@link unitDuration} of those.
 */
export function symbolDuration(
  toneOffsetsHz: number[], perRun: Float64Array[], smoothLen: number, rateSps: number, burstLens: number[], gapLens: number[],
): number {
  const toneOffsets = toneOffsetsHz;
  const lf = smoothLen;
  const fs = rateSps;
  let elementRuns: number[] = [];
  let elementGaps: number[] = [];
  if (toneOffsets.length >= 2) {
    const minRun = Math.max(2, Math.ceil(1.5 * lf));
    const runsOfBurst: number[] = [];
    for (const f of perRun) {
      let cur = -1;
      let len = 0;
      for (let i = lf; i < f.length; i++) {
        // the smoothed frequency lags the symbol by lf/2: runs are counted on it as is (edges shift equally)
        let best = 0;
        for (let t = 1; t < toneOffsets.length; t++) if (Math.abs(f[i] - toneOffsets[t]) < Math.abs(f[i] - toneOffsets[best])) best = t;
        if (best === cur) len++;
        else if (len < minRun && cur >= 0) {
          // a flicker shorter than 1.5 smoothing lengths (noise, a transition through a middle tone) is not a symbol:
          // it joins the run that follows
          cur = best;
          len++;
        } else {
          if (cur >= 0 && len > 0) runsOfBurst.push(len);
          cur = best;
          len = 1;
        }
      }
      // the first and last run of each burst are cut by its edges
      for (let k = 1; k + 1 < runsOfBurst.length; k++) elementRuns.push(runsOfBurst[k] / fs);
      runsOfBurst.length = 0;
    }
  } else {
    elementRuns = burstLens;
    const longest = 20 * Math.max(quantile(burstLens, 0.5), 1 / fs);
    elementGaps = gapLens.filter((g) => g < longest);
  }
  return elementRuns.length + elementGaps.length >= 3 ? unitDuration(elementRuns, elementGaps) : 0;
}
