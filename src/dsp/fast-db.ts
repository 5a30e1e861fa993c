// Table-driven 10·log10 for Float32 values (histogram binning on the hot path): error < 0.005 dB.

const MANTISSA_BITS = 11;
/** The log2 table of {@link fastDb} (2048 entries), shared with the quietband_dsp addon so both give the same values. */
export const FAST_DB_TABLE = new Float64Array(1 << MANTISSA_BITS);
const TABLE = FAST_DB_TABLE;
for (let i = 0; i < TABLE.length; i++) {
  // log2 of the mantissa at the centre of its 2^-11 interval
  TABLE[i] = Math.log2(1 + (i + 0.5) / TABLE.length);
}
/** 10·log10(2): dB per factor of 2 (the multiplier of {@link fastDb}). */
export const DB_PER_OCTAVE = 10 * Math.log10(2);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * 10·log10(x) for x > 0 from the IEEE-754 single-precision exponent and the top 11 mantissa bits (a 2048-entry
 * log2 table): |error| < 0.0021 dB for normal floats. Returns −Infinity-like −3000 for x ≤ 0 or subnormals, which callers
 * clamp. Used to bin per-frame statistics into 0.25 dB histograms without a Math.log10 per bin.
 */
export function fastDb(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const exp = (bits >>> 23) & 0xff;
  if (exp === 0 || bits >>> 31) return -3000;
  return DB_PER_OCTAVE * (exp - 127 + TABLE[(bits >>> (23 - MANTISSA_BITS)) & ((1 << MANTISSA_BITS) - 1)]);
}
