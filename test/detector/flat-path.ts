// A detector path over a flat learned background, for unit tests of the detector's rules on synthetic groups.
import type { BaselinePath } from '../../src/baseline/baseline.js';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions } from '../../src/detector/options.js';
import { PathState } from '../../src/detector/path-state.js';

/** A learned path of n bins at `levelDb` (dBFS) with a 1 dB spread, from 100 frames. */
export function flatBaselinePath(n: number, levelDb = -60): BaselinePath {
  return { levelDb: new Float32Array(n).fill(levelDb), spreadDb: new Float32Array(n).fill(1), frames: 100 };
}

/**
 * A PathState of n bins at rateSps (RBW = rateSps / n), `scale` fine bins per bin, 3-bin narrow and 9-bin wide
 * kernels, minimum open excess `minDb` (dB), over a flat background at −60 dBFS, with the default options but
 * `options`.
 */
export function flatPath(n: number, rateSps: number, scale = 1, minDb = 12, options: Partial<DetectorOptions> = {}): PathState {
  const o = { ...DEFAULT_DETECTOR_OPTIONS, ...options };
  return new PathState(n, scale, rateSps, 0, 3, 9, flatBaselinePath(n), flatBaselinePath(n), minDb, minDb, o, null);
}
