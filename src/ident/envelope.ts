// Envelope of an identification clip's analysis channel: its power averaged over a window, and the noise-corrected
// envelope kurtosis that tells a constant envelope (FM, FSK, carrier) from AM, keying and noise-like emissions
// (docs/identification.md §4).

/** Moving mean of `x` over `len` samples (centred; edges use the part inside). */
export function movingMean(x: Float64Array, len: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  const h = Math.floor(len / 2);
  let acc = 0;
  let lo = 0;
  let hi = 0; // window [lo, hi)
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - h);
    const b = Math.min(n, i - h + len);
    while (hi < b) acc += x[hi++];
    while (lo < a) acc -= x[lo++];
    out[i] = acc / (hi - lo);
  }
  return out;
}

/**
 * Noise-corrected envelope kurtosis of the samples of `p` (= |z|²) inside `runs` (each shrunk by `edge` at both ends):
 * (E p² − 2(E p)²)/S² + 1 with S = E p − N. For z = s + n with circular Gaussian noise n of power N, E|z|⁴ =
 * E|s|⁴ + 4·S·N + 2N², so the noise terms cancel and the result is E|s|⁴/S² − 1: 0 for a constant envelope, 1 for a
 * Gaussian signal, 1/d − 1 for a constant envelope on a share d of the time. NaN when fewer than 16 samples.
 */
export function envelopeKurtosis(p: Float64Array, runs: [number, number][], edge: number, noise: number): number {
  let m2 = 0;
  let m4 = 0;
  let c = 0;
  for (const [a, b] of runs) {
    for (let i = a + edge; i < b - edge; i++) {
      m2 += p[i];
      m4 += p[i] * p[i];
      c++;
    }
  }
  if (c < 16) return NaN;
  m2 /= c;
  m4 /= c;
  const s = Math.max(m2 - noise, 1e-30);
  return (m4 - 2 * m2 * m2) / (s * s) + 1;
}

/**
 * The envelope moments of a clip, noise-corrected ({@link envelopeKurtosis}; `p` the channel's power, `noise` its noise
 * power N): `span` over the whole span from the first rise to the last fall (on/off structure included; 0 without
 * runs), `on` while on only, each run shrunk by half the averaging length `smoothLen` at both ends (its edges
 * excluded; the runs whole when that leaves fewer than 16 samples). NaN when even the whole runs are too short.
 */
export function envelopeMoments(p: Float64Array, runs: [number, number][], smoothLen: number, noise: number): { span: number; on: number } {
  const span = runs.length ? envelopeKurtosis(p, [[runs[0][0], runs[runs.length - 1][1]]], 0, noise) : 0;
  const edge = Math.ceil(smoothLen / 2);
  let on = envelopeKurtosis(p, runs, edge, noise);
  if (!Number.isFinite(on)) on = envelopeKurtosis(p, runs, 0, noise);
  return { span, on };
}
