// Raw sample bytes → IqBlock floats (cu8, cs8, cs16 LE, cf32 LE), clip fractions, and format-name aliases.
import { QuietBandError } from '../errors.js';
import { SAMPLE_FORMATS, type SampleFormat } from '../types.js';
import { nativeConvertCu8 } from '../dsp/native-frame.js';

// the list lives in types.ts, which the CLI's help loads at every start without the native DSP addon
export { SAMPLE_FORMATS };

/**
 * Extension / name aliases, lower case without the dot (docs/field-notes.md §17, triq.org IQ_FORMATS):
 * `.cu8 .data .complex16u` → cu8 (URH's "complex16u" is 8-bit, rtl_433#2971), `.cs8 .complex16s` → cs8,
 * `.cs16 .complex32s` → cs16, `.cf32 .cfile .complex .raw` → cf32 (`.raw` is gqrx's `_fc.raw` recording, gqrx PR#1182).
 * SigMF spellings of the same encodings (`ci8`, `ci16_le`, `cf32_le`) are accepted too.
 */
const FORMAT_ALIASES: Readonly<Record<string, SampleFormat>> = {
  cu8: 'cu8',
  data: 'cu8',
  complex16u: 'cu8',
  cs8: 'cs8',
  ci8: 'cs8',
  complex16s: 'cs8',
  cs16: 'cs16',
  ci16_le: 'cs16',
  complex32s: 'cs16',
  cf32: 'cf32',
  cf32_le: 'cf32',
  cfile: 'cf32',
  complex: 'cf32',
  raw: 'cf32',
};

/** Scale of the cu8 conversion: x → (x − 127.5) / 127.5 (rtl_433 IQ_FORMATS; DC is removed later by the spectrum stage). */
export const CU8_OFFSET = 127.5;

/**
 * Looks a format name or file extension up in the alias table (case-insensitive, leading dot optional).
 * Returns undefined for anything unknown; never throws. Example: `.complex16u` → `'cu8'`, `cfile` → `'cf32'`.
 */
export function lookupFormat(name: string): SampleFormat | undefined {
  const key = name.trim().toLowerCase().replace(/^\./, '');
  return Object.prototype.hasOwnProperty.call(FORMAT_ALIASES, key) ? FORMAT_ALIASES[key] : undefined;
}

/**
 * Parses a `--format` value or an extension (aliases as in docs/field-notes.md §17: `.data`, `.complex16u`, `.cfile`…).
 * @param name e.g. `cu8`, `.cs16`, `complex16s`, `cfile`
 * @param field what to name in the error (default `--format`)
 * @throws QuietBandError('CONFIG') naming `field` and listing the accepted names when `name` is unknown.
 */
export function parseFormat(name: string, field = '--format'): SampleFormat {
  const format = lookupFormat(name);
  if (format === undefined) {
    throw new QuietBandError(
      `${field}: "${name}" is not a sample format; use one of ${SAMPLE_FORMATS.join(', ')} ` +
        `(aliases: .data .complex16u = cu8, .complex16s = cs8, .complex32s = cs16, .cfile .complex .raw = cf32)`,
      'CONFIG',
    );
  }
  return format;
}

/**
 * Format implied by a file name's extension (`x_433.92M_250k.cu8` → cu8, `gqrx_…_fc.raw` → cf32), or undefined
 * when the extension is not a known raw-IQ alias. SigMF names (`.sigmf-data`) return undefined: read the meta.
 */
export function formatFromExtension(path: string): SampleFormat | undefined {
  const base = path.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return lookupFormat(base.slice(dot + 1));
}

/** (b − 127.5) / 127.5 for every byte value, exactly as the arithmetic would give it in float32. */
const CU8_LUT = Float32Array.from({ length: 256 }, (_, b) => (b - CU8_OFFSET) / CU8_OFFSET);

/**
 * cu8 (RTL-SDR native, unsigned 8-bit I,Q) → floats: `(x − 127.5) / 127.5`.
 * Reads `2·count` bytes from `raw[rawOffset…]`, writes `2·count` floats to `out[0…]`.
 * @returns clip fraction: share of the `2·count` raw values equal to 0 or 255 (docs/field-notes.md §5); 0 when count is 0.
 */
export function convertCu8(raw: Uint8Array, out: Float32Array, count: number, rawOffset = 0): number {
  // blocks of a useful size go through the quietband_dsp addon when it is built (the same values; 1 pass instead of 2)
  if (nativeCu8 !== null && count >= NATIVE_MIN_SAMPLES) return nativeCu8(raw, out, count, rawOffset);
  return convertCu8Js(raw, out, count, rawOffset);
}

/** Below this many samples the JS loop is cheaper than the addon call. */
const NATIVE_MIN_SAMPLES = 256;
const nativeCu8 = nativeConvertCu8;

/** {@link convertCu8} in JS (the reference the native conversion is tested against). */
export function convertCu8Js(raw: Uint8Array, out: Float32Array, count: number, rawOffset = 0): number {
  const n = 2 * count;
  const lut = CU8_LUT;
  for (let i = 0; i < n; i++) out[i] = lut[raw[rawOffset + i]];
  // clip count in a second, branch-light pass (1.7× faster than one loop with the comparisons; bench/stages.js)
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const v = raw[rawOffset + i];
    clipped += (v === 0 ? 1 : 0) + (v === 255 ? 1 : 0);
  }
  return n > 0 ? clipped / n : 0;
}

/**
 * cs8 (signed 8-bit I,Q; HackRF, URH `.complex16s`) → floats: `x / 128`.
 * @returns clip fraction: share of raw values equal to −128 or 127.
 */
export function convertCs8(raw: Uint8Array, out: Float32Array, count: number, rawOffset = 0): number {
  const n = 2 * count;
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const b = raw[rawOffset + i];
    const v = b > 127 ? b - 256 : b;
    if (v === -128 || v === 127) clipped++;
    out[i] = v / 128;
  }
  return n > 0 ? clipped / n : 0;
}

/**
 * cs16 (signed 16-bit little-endian I,Q; URH `.complex32s`, SigMF `ci16_le`) → floats: `x / 32768`.
 * Reads `4·count` bytes; the byte assembly is explicit, so host endianness does not matter.
 * @returns clip fraction: share of raw values equal to −32768 or 32767.
 */
export function convertCs16(raw: Uint8Array, out: Float32Array, count: number, rawOffset = 0): number {
  const n = 2 * count;
  let clipped = 0;
  for (let i = 0; i < n; i++) {
    const j = rawOffset + 2 * i;
    const u = raw[j] + raw[j + 1] * 256;
    const v = u > 32767 ? u - 65536 : u;
    if (v === -32768 || v === 32767) clipped++;
    out[i] = v / 32768;
  }
  return n > 0 ? clipped / n : 0;
}

// One DataView per distinct backing buffer: created when a source passes a new buffer, reused for every block after.
let cachedViewBuffer: ArrayBufferLike | undefined;
let cachedView: DataView | undefined;

function viewOf(raw: Uint8Array): DataView {
  if (cachedView === undefined || cachedViewBuffer !== raw.buffer) {
    cachedViewBuffer = raw.buffer;
    cachedView = new DataView(raw.buffer);
  }
  return cachedView;
}

/**
 * cf32 (IEEE-754 float32 little-endian I,Q; GNU Radio `.cfile`, gqrx `.raw`, SigMF `cf32_le`) → floats as stored
 * (no normalisation: GNU Radio captures are often far above ±1, see MANIFEST "unnormalised cf32").
 * Reads `8·count` bytes. A DataView over `raw.buffer` is cached between calls, so steady-state use allocates nothing.
 * @returns 0: float data has no ADC rails.
 */
export function convertCf32(raw: Uint8Array, out: Float32Array, count: number, rawOffset = 0): number {
  convertCf32Finite(raw, out, count, rawOffset);
  return 0;
}

/**
 * {@link convertCf32} that also says whether every value was usable: false when any I or Q is NaN, ±Inf or at least
 * {@link CF32_LIMIT} in magnitude (then {@link firstNonFinite} finds them). `v·2^984` overflows to ±Inf exactly when
 * |v| ≥ 2^40 (double range 2^1024), and Inf·0 and NaN·0 are NaN while finite·0 is 0: the check is two multiplies and
 * an add per value in the conversion loop, no branch (the file source calls this on every cf32 block).
 */
export function convertCf32Finite(raw: Uint8Array, out: Float32Array, count: number, rawOffset = 0): boolean {
  const view = viewOf(raw);
  const base = raw.byteOffset + rawOffset;
  const n = 2 * count;
  let poison = 0;
  for (let i = 0; i < n; i++) {
    const v = view.getFloat32(base + 4 * i, true);
    out[i] = v;
    poison += v * OVERFLOW_AT_LIMIT * 0;
  }
  return poison === 0;
}

/** 2^984: a value times this overflows the double range (2^1024) exactly when its magnitude is ≥ 2^40 ({@link CF32_LIMIT}). */
const OVERFLOW_AT_LIMIT = 2 ** 984;

/**
 * Magnitude (2^40 ≈ 1.1e12) from which a float sample counts as non-finite: NaN and ±Inf are, and so is any value
 * this large, because the float32 power of a frame holding it is not finite: |X|² ≤ (N·|x|)² overflows float32
 * (3.4e38) for N = 65536 above |x| ≈ 2.8e14, and 2^40 leaves room for the window sums. No ADC comes near it (a 24-bit
 * converter's full scale is 2^23); unnormalised GNU Radio captures reach ≈ 2^15.
 */
export const CF32_LIMIT = 2 ** 40;

/** True when `v` is a usable sample value: finite and below {@link CF32_LIMIT} in magnitude (false for NaN). */
function usable(v: number): boolean {
  return v < CF32_LIMIT && v > -CF32_LIMIT;
}

/**
 * The first complex sample in `[from, to)` of interleaved I/Q `samples` whose I or Q is not usable (NaN, ±Inf, or at
 * least {@link CF32_LIMIT} in magnitude), or −1 when there is none. Only float input (cf32) can hold such values:
 * integer formats always convert to small finite floats.
 */
export function firstNonFinite(samples: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    if (!(usable(samples[2 * i]) && usable(samples[2 * i + 1]))) return i;
  }
  return -1;
}

/** Magnitude below which a non-zero float sample is absurd (no receiver or DSP chain writes 1e-30 of full scale). */
export const CF32_TINY = 1e-30;

/**
 * How implausible the `count` float values of `values` are as samples, as two fractions (0..1): `huge` NaN, ±Inf or
 * |x| ≥ {@link CF32_LIMIT}; `tiny` 0 < |x| < {@link CF32_TINY}. A real cf32 recording scores ≈ 0 on both (zero runs
 * count as plausible; a filter tail decaying into subnormals is all `tiny`); integer data read as float32 scores high on
 * both, because the integer bytes land in the float's exponent: RTL-SDR cu8 bytes near 127/128 give exponents of 254/255
 * (≈ 1e38, Inf, NaN) or ≈ 1e-38 (91 % implausible for cu8 noise, ≈ 100 % for cs16). Both 0 for `count` 0.
 */
export function implausibleFloats(values: Float32Array, count: number): { huge: number; tiny: number } {
  let huge = 0;
  let tiny = 0;
  for (let i = 0; i < count; i++) {
    const a = Math.abs(values[i]!);
    if (!(a < CF32_LIMIT)) huge++;
    else if (a > 0 && a < CF32_TINY) tiny++;
  }
  return count === 0 ? { huge: 0, tiny: 0 } : { huge: huge / count, tiny: tiny / count };
}

/**
 * The end (exclusive) of the run of non-finite complex samples that starts at `from` (see {@link firstNonFinite}):
 * the first sample in `[from, to)` whose I and Q are both usable, or `to`.
 */
export function nonFiniteRunEnd(samples: Float32Array, from: number, to: number): number {
  let i = from;
  while (i < to && !(usable(samples[2 * i]) && usable(samples[2 * i + 1]))) i++;
  return i;
}

/**
 * Converts `count` complex samples of `format` from `raw[rawOffset…]` into `out[0 … 2·count)`.
 * `out` must hold at least `2·count` floats; `raw` at least `rawOffset + count·BYTES_PER_COMPLEX[format]` bytes.
 * @returns the clip fraction (0..1) as defined for each format; 0 for cf32.
 */
export function convertSamples(format: SampleFormat, raw: Uint8Array, out: Float32Array, count: number, rawOffset = 0): number {
  switch (format) {
    case 'cu8':
      return convertCu8(raw, out, count, rawOffset);
    case 'cs8':
      return convertCs8(raw, out, count, rawOffset);
    case 'cs16':
      return convertCs16(raw, out, count, rawOffset);
    case 'cf32':
      return convertCf32(raw, out, count, rawOffset);
  }
}
