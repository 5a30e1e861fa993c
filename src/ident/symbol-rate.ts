// Symbol rate of an identification clip: the shortest element among the pulse and gap durations of an on-off keyed clip,
// timed at the mesial (50 %) amplitude level, or among the runs of an FSK clip's tones (docs/identification.md §4).
import { movingMean } from './envelope.js';
import { quantile } from './spectrum.js';

/**
 * Relative tolerance of one timing cluster: a duration joins a cluster when |x − mean| < 0.2 · max(x, mean). rtl_433's
 * pulse analyser (merbanan/rtl_433 `src/pulse_analyzer.c`, `TOLERANCE`, "should still discern between the pulse
 * widths: 0.33, 0.66, 1.0") clusters its pulse and gap widths the same way.
 */
export const TIMING_TOLERANCE = 0.2;
/** Fewest durations a cluster needs to be an element (rtl_433 -A prints clusters with their counts; 3 = a pattern). */
export const MIN_ELEMENT_COUNT = 3;
/**
 * Smallest share of all durations an element's cluster holds: rarer clusters are runs cut by noise (a flicker of the
 * frequency between FSK tones, a dip in a pulse) rather than a symbol.
 */
export const MIN_ELEMENT_SHARE = 0.1;
/** A duration longer than this many median pulses ends a package (an inter-packet pause, not an element). */
export const PACKAGE_GAP_PULSES = 20;

/** One cluster of durations: how many, their mean and median (s), and the most of them inside one package. */
export interface TimingCluster {
  count: number;
  meanS: number;
  medianS: number;
  perPackage: number;
}

/**
 * The durations (s) grouped into clusters, shortest first: sorted ascending, each joins the last cluster when
 * |x − mean| < `tolerance` · max(x, mean), else opens one; then neighbouring clusters whose means meet the same test are
 * fused (rtl_433's `histogram_sum` and `histogram_fuse_bins`, taken in sorted order so the result does not depend on the
 * order of the durations). `packages[i]` numbers the package duration i belongs to (all one package when absent).
 */
export function timingClusters(durationsS: readonly number[], packages?: readonly number[], tolerance = TIMING_TOLERANCE): TimingCluster[] {
  const order = durationsS.map((_, i) => i).sort((a, b) => durationsS[a] - durationsS[b]);
  const groups: { sum: number; members: number[] }[] = [];
  const near = (a: number, b: number): boolean => Math.abs(a - b) < tolerance * Math.max(a, b);
  for (const i of order) {
    const g = groups[groups.length - 1];
    if (g !== undefined && near(durationsS[i], g.sum / g.members.length)) {
      g.sum += durationsS[i];
      g.members.push(i);
    } else groups.push({ sum: durationsS[i], members: [i] });
  }
  for (let k = 0; k + 1 < groups.length; ) {
    const a = groups[k];
    const b = groups[k + 1];
    if (near(a.sum / a.members.length, b.sum / b.members.length)) {
      a.sum += b.sum;
      a.members.push(...b.members);
      groups.splice(k + 1, 1);
    } else k++;
  }
  return groups.map((g) => {
    const inPackage = new Map<number, number>();
    for (const i of g.members) {
      const pk = packages?.[i] ?? 0;
      inPackage.set(pk, (inPackage.get(pk) ?? 0) + 1);
    }
    return {
      count: g.members.length,
      meanS: g.sum / g.members.length,
      medianS: quantile(g.members.map((i) => durationsS[i]), 0.5),
      perPackage: Math.max(...inPackage.values()),
    };
  });
}

/**
 * The elementary duration (s) behind a set of durations (on/off keying: pulses and gaps together; FSK: runs of a tone):
 * the median of the shortest {@link timingClusters} cluster that recurs {@link MIN_ELEMENT_COUNT} times within one
 * package (`packages[i]` numbers the package of duration i), else of the shortest one holding that many in all (both
 * holding at least {@link MIN_ELEMENT_SHARE} of the durations), else of the most populous; 0 for no durations. This is the "shortest timing" of rtl_433's pulse analyser, which clusters each
 * package's pulses and gaps together: the symbol of NRZ keying (its single-symbol runs), the half bit of Manchester
 * coding, the short pulse of pulse-width coding. The median keeps a cluster's value when jitter spreads it.
 */
export function shortestElement(durationsS: readonly number[], packages?: readonly number[]): number {
  const clusters = timingClusters(durationsS, packages);
  if (clusters.length === 0) return 0;
  const enough = MIN_ELEMENT_SHARE * durationsS.length;
  const pick =
    clusters.find((c) => c.perPackage >= MIN_ELEMENT_COUNT && c.count >= enough) ??
    clusters.find((c) => c.count >= MIN_ELEMENT_COUNT && c.count >= enough) ??
    clusters.reduce((a, b) => (b.count > a.count ? b : a));
  return pick.medianS;
}

/** Pulse and gap durations (s) of an on-off keyed clip. */
export interface KeyedTiming {
  pulsesS: number[];
  gapsS: number[];
}

/**
 * Pulse and gap durations (s) timed at the mesial level: each edge where the amplitude envelope crosses the level
 * halfway between its low (gap) and high (pulse) states, the pulse duration being the time between the two mesial
 * crossings of a pulse (IEEE Std 181-2011, "pulse duration", 50 % reference level; rtl_433's OOK slicer also cuts
 * halfway between its low and high level estimates). `p` = |z|² of the channel at `rateSps`, `runs` its on-runs found
 * on the power averaged over `smoothLen` samples (whose thresholds, 0.6 and 0.35 of the on power, sit above the mesial
 * level and shorten pulses by the transmitter's rise and fall), `noise` the channel's noise power.
 *
 * The envelope is √p averaged over `smoothLen` samples (centred: a symmetric edge keeps its middle); the high state is the
 * median of it inside the runs, the low state the median between them (each from at most ≈ 20 000 evenly spaced samples) (√(N·ln 2), a Rayleigh median, when no sample lies
 * between), both with `smoothLen` left out at each edge. From each run edge the crossing is followed along the envelope,
 * at most half of the neighbouring pulse or gap, and placed to a fraction of a sample by linear interpolation.
 */
export function mesialTiming(p: Float64Array, runs: readonly [number, number][], rateSps: number, smoothLen: number, noise: number): KeyedTiming {
  const n = p.length;
  // one run (a continuous emission) has no element to time: its length as found
  if (runs.length < 2) return { pulsesS: runs.map(([s, e]) => (e - s) / rateSps), gapsS: [] };
  const amp = new Float64Array(n);
  for (let i = 0; i < n; i++) amp[i] = Math.sqrt(p[i]);
  const a = movingMean(amp, smoothLen);
  const edge = smoothLen;
  // the states' medians from every step-th sample (at most ≈ 20 000 of them: a median to well under 1 %)
  const step = Math.max(1, Math.floor(n / 20_000));
  const hi: number[] = [];
  const lo: number[] = [];
  for (let r = 0; r < runs.length; r++) {
    for (let i = runs[r][0] + edge; i < runs[r][1] - edge; i += step) hi.push(a[i]);
    if (r + 1 < runs.length) for (let i = runs[r][1] + edge; i < runs[r + 1][0] - edge; i += step) lo.push(a[i]);
  }
  const high = hi.length ? quantile(hi, 0.5) : quantile(a, 0.95);
  const low = lo.length ? quantile(lo, 0.5) : Math.sqrt(noise * Math.LN2);
  const level = (high + low) / 2;
  // the crossing of `level` nearest to sample b within [from, to]: where a goes from below to above (rising) or back
  const crossing = (b: number, from: number, to: number, rising: boolean): number => {
    const above = (i: number): boolean => a[i] >= level;
    const at = (i: number): number => {
      // between samples i and i + 1 (one above, one below)
      const d = a[i + 1] - a[i];
      return d !== 0 ? i + (level - a[i]) / d : i + 0.5;
    };
    let i = Math.min(Math.max(b, from), to);
    // on the "after" side of the edge: walk back until the sample before is on the "before" side
    if (above(i) === rising) {
      while (i - 1 >= from && above(i - 1) === rising) i--;
      return i - 1 >= from ? at(i - 1) : from;
    }
    while (i + 1 <= to && above(i + 1) !== rising) i++;
    return i + 1 <= to ? at(i) : to;
  };
  const rises: number[] = [];
  const falls: number[] = [];
  for (let r = 0; r < runs.length; r++) {
    const [s, e] = runs[r];
    const half = Math.floor((e - s) / 2);
    const prevEnd = r > 0 ? runs[r - 1][1] : 0;
    const nextStart = r + 1 < runs.length ? runs[r + 1][0] : n;
    rises.push(crossing(s, Math.max(0, s - Math.floor((s - prevEnd) / 2)), s + half, true));
    falls.push(crossing(e, e - half, Math.min(n - 2, e + Math.floor((nextStart - e) / 2)), false));
  }
  const pulsesS = rises.map((x, r) => (falls[r] - x) / rateSps);
  const gapsS: number[] = [];
  for (let r = 1; r < runs.length; r++) gapsS.push((rises[r] - falls[r - 1]) / rateSps);
  return { pulsesS, gapsS };
}

/** Durations (s) with the number of the package each belongs to (a burst of FSK, a group of pulses between long gaps). */
export interface PackagedDurations {
  durationsS: number[];
  packages: number[];
}

/**
 * Runs (s) of the nearest FSK tone (`toneOffsetsHz`, absolute, ≥ 2) in each burst's instantaneous frequency (`perRun`,
 * smoothed over `smoothLen` samples at `rateSps`), each burst a package: nearest-tone decisions cut halfway between
 * tones, the mesial level of a frequency step. A flicker shorter than 1.5 smoothing lengths (noise, a transition through
 * a middle tone) joins the run that follows; the first and last run of each burst are left out (cut by its edges).
 */
export function toneRuns(toneOffsetsHz: readonly number[], perRun: readonly Float64Array[], smoothLen: number, rateSps: number): PackagedDurations {
  const out: PackagedDurations = { durationsS: [], packages: [] };
  perRun.forEach((f, burst) => {
    const runsOfBurst = burstToneRuns(toneOffsetsHz, f, smoothLen);
    for (let k = 1; k + 1 < runsOfBurst.length; k++) {
      out.durationsS.push(runsOfBurst[k] / rateSps);
      out.packages.push(burst);
    }
  });
  return out;
}

/**
 * Lengths (samples, in time order) of the runs of the nearest tone (`toneOffsetsHz`, ≥ 2) in one burst's instantaneous
 * frequency `f` (smoothed over `smoothLen` samples; its first `smoothLen` values left out): decisions cut halfway
 * between tones, a flicker shorter than 1.5 smoothing lengths joins the run that follows (see {@link toneRuns}).
 */
export function burstToneRuns(toneOffsetsHz: readonly number[], f: Float64Array, smoothLen: number): number[] {
  const lf = smoothLen;
  const minRun = Math.max(2, Math.ceil(1.5 * lf));
  const runs: number[] = [];
  let cur = -1;
  let len = 0;
  for (let i = lf; i < f.length; i++) {
    // the smoothed frequency lags the symbol by lf/2: runs are counted on it as is (edges shift equally)
    let best = 0;
    for (let t = 1; t < toneOffsetsHz.length; t++) if (Math.abs(f[i] - toneOffsetsHz[t]) < Math.abs(f[i] - toneOffsetsHz[best])) best = t;
    if (best === cur) len++;
    else if (len < minRun && cur >= 0) {
      cur = best;
      len++;
    } else {
      if (cur >= 0 && len > 0) runs.push(len);
      cur = best;
      len = 1;
    }
  }
  if (cur >= 0 && len > 0) runs.push(len);
  return runs;
}

/**
 * Share (0..1) of the bursts whose frequency changes tone within them: of the bursts long enough to hold two tone runs
 * (≥ smoothLen + 2 × 1.5 smoothing lengths), those with two runs or more ({@link burstToneRuns}). FSK keys its tones
 * within a burst (a package: ≈ 1); on-off pulses each at one frequency, the frequency pulled from pulse to pulse by the
 * keying, change it only between bursts (≈ 0). 1 when there is nothing to judge: fewer than 2 tones, or no burst that long.
 */
export function toneChangeShare(toneOffsetsHz: readonly number[], perRun: readonly Float64Array[], smoothLen: number): number {
  if (toneOffsetsHz.length < 2) return 1;
  const minLen = smoothLen + 2 * Math.max(2, Math.ceil(1.5 * smoothLen));
  let judged = 0;
  let changing = 0;
  for (const f of perRun) {
    if (f.length < minLen) continue;
    judged++;
    if (burstToneRuns(toneOffsetsHz, f, smoothLen).length >= 2) changing++;
  }
  return judged > 0 ? changing / judged : 1;
}

/** Durations shorter than this share of the median pulse are glitches (see {@link debounce}). */
export const GLITCH_SHARE = 0.25;

/**
 * The pulses and gaps in time order (pulse, gap, pulse, …, pulse) with glitches removed, shortest first: a gap shorter
 * than `minS` joins the pulses either side of it into one (a pulse split by a dip), a pulse shorter than `minS` joins the
 * gaps either side (a spike); one at either end is dropped with its neighbour. rtl_433's slicer treats pulses shorter
 * than its PD_MIN_PULSE_SAMPLES as spurious the same way; the line codes of keyed devices (NRZ, Manchester, pulse width
 * 1:2 or 1:3, pulse position) have no element shorter than a third of their median pulse, so `minS` =
 * {@link GLITCH_SHARE} × the median pulse removes no element.
 */
export function debounce(t: KeyedTiming, minS: number): KeyedTiming {
  // the sequence as a doubly linked list, and a min-heap of the durations below minS (stale entries skipped): each
  // merge costs O(log k), so a noise-like clip with 10 000 runs takes milliseconds
  const val: number[] = [];
  for (let i = 0; i < t.pulsesS.length; i++) {
    val.push(t.pulsesS[i]);
    if (i + 1 < t.pulsesS.length) val.push(t.gapsS[i]);
  }
  const k = val.length;
  const prev = Int32Array.from({ length: k }, (_, i) => i - 1);
  const next = Int32Array.from({ length: k }, (_, i) => (i + 1 < k ? i + 1 : -1));
  const alive = new Uint8Array(k).fill(1);
  let head = k > 0 ? 0 : -1;
  const heap: [number, number][] = [];
  const push = (v: number, i: number): void => {
    heap.push([v, i]);
    for (let c = heap.length - 1; c > 0; ) {
      const p = (c - 1) >> 1;
      if (heap[p][0] <= heap[c][0]) break;
      [heap[p], heap[c]] = [heap[c], heap[p]];
      c = p;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let c = 0; ; ) {
        const l = 2 * c + 1;
        const r = l + 1;
        let m = c;
        if (l < heap.length && heap[l][0] < heap[m][0]) m = l;
        if (r < heap.length && heap[r][0] < heap[m][0]) m = r;
        if (m === c) break;
        [heap[m], heap[c]] = [heap[c], heap[m]];
        c = m;
      }
    }
    return top;
  };
  const unlink = (i: number): void => {
    alive[i] = 0;
    if (prev[i] >= 0) next[prev[i]] = next[i];
    else head = next[i];
    if (next[i] >= 0) prev[next[i]] = prev[i];
  };
  for (let i = 0; i < k; i++) if (val[i] < minS) push(val[i], i);
  while (heap.length > 0) {
    const [v, i] = pop();
    if (alive[i] === 0 || v !== val[i]) continue;
    const p = prev[i];
    const n = next[i];
    if (p < 0) {
      // at the start: dropped with the duration after it (the sequence keeps starting with a pulse)
      unlink(i);
      if (n >= 0) unlink(n);
    } else if (n < 0) {
      unlink(i);
      unlink(p);
    } else {
      val[p] += v + val[n];
      unlink(i);
      unlink(n);
      if (val[p] < minS) push(val[p], p);
    }
  }
  const pulsesS: number[] = [];
  const gapsS: number[] = [];
  let pulse = true;
  for (let i = head; i >= 0; i = next[i]) {
    (pulse ? pulsesS : gapsS).push(val[i]);
    pulse = !pulse;
  }
  return { pulsesS, gapsS };
}

/**
 * The element of an on-off keyed clip (s; 0 when fewer than 3 durations): its mesial timing {@link debounce}d at
 * {@link GLITCH_SHARE} of the median pulse, cut into packages at gaps longer than {@link PACKAGE_GAP_PULSES} median
 * pulses (those gaps left out), then {@link shortestElement} of the pulses and gaps together.
 */
export function keyedElement(timing: KeyedTiming): number {
  if (timing.pulsesS.length === 0) return 0;
  const t = debounce(timing, GLITCH_SHARE * quantile(timing.pulsesS, 0.5));
  if (t.pulsesS.length === 0) return 0;
  const longest = PACKAGE_GAP_PULSES * quantile(t.pulsesS, 0.5);
  const d: PackagedDurations = { durationsS: [], packages: [] };
  let pkg = 0;
  t.pulsesS.forEach((p, i) => {
    d.durationsS.push(p);
    d.packages.push(pkg);
    const g = t.gapsS[i];
    if (g === undefined) return;
    if (g < longest) {
      d.durationsS.push(g);
      d.packages.push(pkg);
    } else pkg++;
  });
  return d.durationsS.length >= 3 ? shortestElement(d.durationsS, d.packages) : 0;
}

/** The element of an FSK clip (s; 0 when fewer than 3 inner tone runs): {@link shortestElement} of its {@link toneRuns}. */
export function toneElement(runs: PackagedDurations): number {
  return runs.durationsS.length >= 3 ? shortestElement(runs.durationsS, runs.packages) : 0;
}
