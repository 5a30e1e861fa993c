// Seeded randomness of the simulator: a stateless hash of (seed, index), a reseedable PRNG with uniform and normal
// draws (Box–Muller and ziggurat), and a normal that depends only on (seed, index).

/** 32-bit avalanche hash of (seed, index): stateless random bits for symbol streams (index may exceed 2^32). */
export function hash32(seed: number, index: number): number {
  const lo = index % 4294967296;
  const hi = Math.floor(index / 4294967296);
  let h = Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x85ebca6b) ^ lo;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h ^= hi;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Ziggurat tables (Marsaglia & Tsang 2000, `zigset` for 128 layers), scaled for 25-bit signed integers. */
const ZIG_R = 3.442619855899;
const ZIG_M = 16777216; // 2^24
const ZIG_K = new Float64Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
{
  const v = 9.91256303526217e-3;
  let dn = ZIG_R;
  let tn = dn;
  const q = v / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = (dn / q) * ZIG_M;
  ZIG_K[1] = 0;
  ZIG_W[0] = q / ZIG_M;
  ZIG_W[127] = dn / ZIG_M;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(v / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = (dn / tn) * ZIG_M;
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / ZIG_M;
  }
}

/**
 * mulberry32 PRNG (Tommy Ettinger's public-domain generator, as in `jtarrio/signals` tests): uniform in [0, 1),
 * plus standard normals by Box–Muller (two per pair of uniforms; the second is cached). Reseedable without allocation.
 */
export class Prng {
  private state = 0;
  private spare = 0;
  private hasSpare = false;
  constructor(seed: number) {
    this.reset(seed);
  }
  /** Restarts the sequence from `seed` (any number; only its low 32 bits matter). */
  reset(seed: number): void {
    this.state = seed >>> 0;
    this.hasSpare = false;
  }
  /** The next raw 32-bit output (unsigned integer). */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1) with 32-bit resolution. */
  uniform(): number {
    return this.uint32() / 4294967296;
  }
  /**
   * Standard normal N(0, 1) by the ziggurat method (Marsaglia & Tsang, "The Ziggurat Method for Generating Random
   * Variables", J. Stat. Softw. 5(8), 2000; 128 layers, tail by Marsaglia 1964). The layer comes from the low 7 bits of
   * one 32-bit draw and the value from the other 25, so no bit serves both (the flaw Doornik 2005 found in the
   * original). Exact in distribution and ≈ 3× faster than {@link normal}; a different sequence from it.
   */
  normalZiggurat(): number {
    for (;;) {
      const j = this.uint32();
      const iz = j & 127;
      const hz = (j | 0) >> 7; // signed, in [−2^24, 2^24)
      const x = hz * ZIG_W[iz];
      if (Math.abs(hz) < ZIG_K[iz]) return x;
      if (iz === 0) {
        let xt: number;
        let y: number;
        do {
          xt = -Math.log(1 - this.uniform()) / ZIG_R;
          y = -Math.log(1 - this.uniform());
        } while (y + y < xt * xt);
        return hz > 0 ? ZIG_R + xt : -ZIG_R - xt;
      }
      if (ZIG_F[iz] + this.uniform() * (ZIG_F[iz - 1] - ZIG_F[iz]) < Math.exp(-0.5 * x * x)) return x;
    }
  }
  /** Standard normal N(0, 1) (Box–Muller: √(−2 ln u₁)·cos(2πu₂), and ·sin for the next call). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log never sees 0
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    this.spare = r * Math.sin(a);
    this.hasSpare = true;
    return r * Math.cos(a);
  }
}

/** A standard normal that depends only on (seed, index): Box–Muller on two {@link hash32} values (no state, no allocation). */
export function gaussianAt(seed: number, index: number): number {
  const u1 = (hash32(seed, 2 * index) + 1) / 4294967297; // (0, 1)
  const u2 = hash32(seed, 2 * index + 1) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
