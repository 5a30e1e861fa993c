// The first-block check of a cf32 recording: integer samples mislabelled as float32 are refused when the file is opened,
// naming the field that said cf32, instead of failing later as a recording of mostly non-finite samples.
import type { FileHandle } from 'node:fs/promises';
import { badInput } from '../errors.js';
import { BYTES_PER_COMPLEX } from '../types.js';
import { implausibleFloats } from './sample-formats.js';

/** Complex samples of the first block {@link checkFirstFloats} looks at. */
const FIRST_CHECK_SAMPLES = 65536;
/**
 * The first block is taken for another format when more than this fraction of its values is implausible (NaN, ±Inf,
 * huge or tiny) and more than {@link HUGE_FLOAT_LIMIT} of them NaN, ±Inf or huge: integer data gives both (66–92 % for
 * cu8 noise, ≈ 100 % for cs16), a real recording neither (a receiver's settling NaN run of 7 ms is 11 % of the block;
 * a filter tail decaying into subnormals is all tiny, none huge).
 */
const IMPLAUSIBLE_FLOAT_LIMIT = 0.5;
const HUGE_FLOAT_LIMIT = 0.1;
/** Blocks of exact zeros (a receiver's start-up, padding) skipped to find the first block holding signal. */
const MAX_ZERO_BLOCKS = 64;

/**
 * Before anything else reads a cf32 recording: its first block that is not all zeros (≤ {@link FIRST_CHECK_SAMPLES}
 * samples of `first`, the first segment: its byte offset in `dataPath` and its sample count; from its first non-zero
 * value) must look like float samples. Integer data
 * mislabelled as cf32 (an RTL-SDR cu8 file with `core:datatype` "cf32_le") reads as ≈ 90 % NaN/±Inf/1e38/1e-38 values
 * ({@link implausibleFloats}); left alone, the non-finite samples are dropped and the run later fails as "too
 * short for a baseline". Genuine NaN runs (a settling receiver) stay below {@link IMPLAUSIBLE_FLOAT_LIMIT} and are
 * handled by the block reader.
 * @param field where the format came from, for the message: file, field name and value as written
 * @throws QuietBandError('BAD_INPUT') `"<file>: <field>: <value>, but NN % of the first N samples of <data> are not finite …"`
 */
export async function checkFirstFloats(
  fh: FileHandle,
  dataPath: string,
  first: { byteOffset: number; sampleCount: number } | undefined,
  field: { file: string; name: string; value: string },
): Promise<void> {
  if (first === undefined || first.sampleCount === 0) return;
  const bytesPerBlock = FIRST_CHECK_SAMPLES * BYTES_PER_COMPLEX.cf32;
  const raw = Buffer.alloc(bytesPerBlock);
  const endByte = first.byteOffset + first.sampleCount * BYTES_PER_COMPLEX.cf32;
  let values = new Float32Array(0);
  // the first block that is not all zeros: integer zeros read as float zeros, so a mislabelled recording that starts
  // with silence would pass a check of its silence
  for (let k = 0, pos = first.byteOffset; k < MAX_ZERO_BLOCKS && pos < endByte; k++, pos += bytesPerBlock) {
    const { bytesRead } = await fh.read(raw, 0, Math.min(bytesPerBlock, endByte - pos), pos);
    const n = Math.floor(bytesRead / 4);
    let nonZero = -1;
    for (let i = 0; i < n; i++) {
      if (raw.readUInt32LE(4 * i) !== 0) {
        nonZero = i;
        break;
      }
    }
    if (nonZero < 0) continue;
    values = new Float32Array(n - nonZero);
    for (let i = 0; i < values.length; i++) values[i] = raw.readFloatLE(4 * (nonZero + i));
    break;
  }
  const { huge, tiny } = implausibleFloats(values, values.length);
  const bad = huge + tiny;
  if (bad <= IMPLAUSIBLE_FLOAT_LIMIT || huge <= HUGE_FLOAT_LIMIT) return;
  throw badInput(
    field.file,
    field.name,
    `${field.value}, but ${(bad * 100).toFixed(0)} % of ${values.length / 2} samples of ${dataPath} (its first that are not zero) are not finite or absurd as float32 ` +
      `(NaN, ±Inf, |x| ≥ 2^40 or 0 < |x| < 1e-30): is ${field.name} right? Integer samples read as floats look like this: ` +
      `RTL-SDR bytes are cu8 (SigMF "cu8"), 16-bit I/Q is cs16 ("ci16_le"); fix the meta or pass --format`,
  );
}
