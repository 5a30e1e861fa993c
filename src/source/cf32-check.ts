// The first-block check of a cf32 recording: integer samples mislabelled as float32 are refused when the file is opened,
// naming the field that said cf32, instead of failing later as a recording of mostly non-finite samples.
import type { FileHandle } from 'node:fs/promises';
import { badInput } from '../errors.js';
import { BYTES_PER_COMPLEX } from '../types.js';
import { implausibleFloatFraction } from './sample-formats.js';

/** Complex samples of the first block {@link checkFirstFloats} looks at. */
const FIRST_CHECK_SAMPLES = 65536;
/** Fraction of implausible float values in the first block above which the data is taken for another format. */
const IMPLAUSIBLE_FLOAT_LIMIT = 0.1;

/**
 * Before anything else reads a cf32 recording: the first block (≤ {@link FIRST_CHECK_SAMPLES} samples of `first`, the
 * first segment: its byte offset in `dataPath` and its sample count) must look like float samples. Integer data
 * mislabelled as cf32 (an RTL-SDR cu8 file with `core:datatype` "cf32_le") reads as ≈ 90 % NaN/±Inf/1e38/1e-38 values
 * ({@link implausibleFloatFraction}); left alone, the non-finite samples are dropped and the run later fails as "too
 * short for a baseline". Genuine NaN runs (a few samples) stay far below {@link IMPLAUSIBLE_FLOAT_LIMIT} and are
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
  const count = Math.min(FIRST_CHECK_SAMPLES, first?.sampleCount ?? 0);
  if (first === undefined || count === 0) return;
  const raw = Buffer.alloc(count * BYTES_PER_COMPLEX.cf32);
  const { bytesRead } = await fh.read(raw, 0, raw.length, first.byteOffset);
  const values = new Float32Array(Math.floor(bytesRead / 4));
  for (let i = 0; i < values.length; i++) values[i] = raw.readFloatLE(4 * i);
  const bad = implausibleFloatFraction(values, values.length);
  if (bad <= IMPLAUSIBLE_FLOAT_LIMIT) return;
  throw badInput(
    field.file,
    field.name,
    `${field.value}, but ${(bad * 100).toFixed(0)} % of the first ${values.length / 2} samples of ${dataPath} are not finite or absurd as float32 ` +
      `(NaN, ±Inf, |x| ≥ 2^40 or 0 < |x| < 1e-30): is ${field.name} right? Integer samples read as floats look like this: ` +
      `RTL-SDR bytes are cu8 (SigMF "cu8"), 16-bit I/Q is cs16 ("ci16_le"); fix the meta or pass --format`,
  );
}
