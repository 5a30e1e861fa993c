// Ring of the most recent raw IQ of a sensor (for evidence clips): preallocated, indexed by absolute sample number.
import type { SampleFormat } from '../types.js';
import { SampleRing } from '../dsp/sample-ring.js';

/**
 * Keeps the last `capacity` complex samples of a stream, addressed by the stream's absolute sample index
 * (IqBlock.firstSample), in the source's own encoding: cu8 and cs8 sources are held as bytes (2 B per sample instead of
 * 8 B as floats — a 16 s ring at 1 MS/s is 32 MB, not 128 MB), others as Float32. The float → byte step inverts the
 * file converter exactly for samples that came from that format. Gaps in firstSample (drops, reconnects) reset the
 * ring: samples before a gap are no longer readable, so a clip never splices two stretches of time.
 * Allocation-free per block (the ring's bookkeeping: {@link SampleRing}).
 */
export class IqRing extends SampleRing {
  private readonly f32: Float32Array | null;
  private readonly u8: Uint8Array | null;
  /** cu8 rings: a clamped view of `u8` (the float → byte store rounds and clamps). */
  private readonly c8: Uint8ClampedArray | null;
  constructor(capacity: number, readonly format: SampleFormat = 'cf32') {
    super(capacity);
    const bytes = format === 'cu8' || format === 'cs8';
    this.u8 = bytes ? new Uint8Array(2 * capacity) : null;
    this.f32 = bytes ? null : new Float32Array(2 * capacity);
    this.c8 = format === 'cu8' && this.u8 !== null ? new Uint8ClampedArray(this.u8.buffer) : null;
  }
  /** Writes `values` floats of `s` from `from` into the ring's storage at `to` (float index), in the ring's encoding. */
  protected override storeRun(s: Float32Array, from: number, to: number, values: number): void {
    const c8 = this.c8;
    if (c8 !== null) {
      // cu8: the inverse of (b − 127.5)/127.5; a Uint8ClampedArray store rounds to the nearest byte and clamps to
      // 0..255 (never a tie here: a float from a byte lands within 1e-5 of it), as Math.round + clampByte did
      for (let i = 0; i < values; i++) c8[to + i] = s[from + i] * 127.5 + 127.5;
      return;
    }
    const u8 = this.u8;
    if (u8 !== null) {
      for (let i = 0; i < values; i++) u8[to + i] = clampSigned(Math.round(s[from + i] * 128)) & 0xff;
      return;
    }
    const f32 = this.f32 as Float32Array;
    for (let i = 0; i < values; i++) f32[to + i] = s[from + i];
  }
  /**
   * Samples [from, to) — clipped to what the ring holds — encoded in the ring's format (the clip's `.sigmf-data`).
   * @returns the bytes, the first absolute index and the number of samples
   */
  readRaw(from: number, to: number): { data: Buffer; first: number; count: number } {
    const a = Math.max(from, this.start);
    const z = Math.max(a, Math.min(to, this.end));
    const count = z - a;
    const cap = this.capacity;
    if (this.u8) {
      // at most two contiguous runs of the ring, each one native copy (a clip is megabytes: a per-byte loop here held
      // the sensor's thread for tens of ms per clip)
      const out = Buffer.allocUnsafe(2 * count);
      const src = Buffer.from(this.u8.buffer, this.u8.byteOffset, this.u8.byteLength);
      let done = 0;
      while (done < count) {
        const at = (a + done) % cap;
        const run = Math.min(count - done, cap - at);
        src.copy(out, 2 * done, 2 * at, 2 * (at + run));
        done += run;
      }
      return { data: out, first: a, count };
    }
    const tmp = new Float32Array(2 * count);
    for (let i = 0; i < count; i++) {
      const pos = 2 * ((a + i) % cap);
      tmp[2 * i] = this.f32![pos];
      tmp[2 * i + 1] = this.f32![pos + 1];
    }
    return { data: encodeSamples(this.format, tmp, count), first: a, count };
  }
  /**
   * Decodes `values` stored floats from float index `from` of the ring into `out` at `to` (the file converters'
   * scaling), for {@link SampleRing.readInto}: decoded in runs, a 0.27 s read at 2.4 MS/s from a cu8 ring takes ≈ 2 ms,
   * where a per-sample modulo loop took 35–50 ms of the sensor's thread.
   */
  protected override loadRun(from: number, to: number, values: number, out: Float32Array): void {
    const u8 = this.u8;
    if (u8 === null) {
      out.set(this.f32!.subarray(from, from + values), to);
    } else if (this.format === 'cu8') {
      for (let i = 0; i < values; i++) out[to + i] = (u8[from + i] - 127.5) / 127.5;
    } else {
      for (let i = 0; i < values; i++) out[to + i] = ((u8[from + i] << 24) >> 24) / 128;
    }
  }
}

const clampSigned = (v: number): number => (v < -128 ? -128 : v > 127 ? 127 : v);

/**
 * Encodes interleaved Float32 I/Q (full scale ±1) back into a raw sample format: the inverse of the file converters
 * (cu8: round(x·127.5 + 127.5), exact for samples that came from cu8; cs8: x·128; cs16: x·32768 (LE); cf32 as is),
 * clamped to the format's range.
 */
export function encodeSamples(format: SampleFormat, samples: Float32Array, count: number): Buffer {
  const n = 2 * count;
  switch (format) {
    case 'cu8': {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) out[i] = Math.max(0, Math.min(255, Math.round(samples[i] * 127.5 + 127.5)));
      return out;
    }
    case 'cs8': {
      const out = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) out.writeInt8(Math.max(-128, Math.min(127, Math.round(samples[i] * 128))), i);
      return out;
    }
    case 'cs16': {
      const out = Buffer.allocUnsafe(2 * n);
      for (let i = 0; i < n; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), 2 * i);
      return out;
    }
    case 'cf32': {
      const out = Buffer.allocUnsafe(4 * n);
      for (let i = 0; i < n; i++) out.writeFloatLE(samples[i], 4 * i);
      return out;
    }
  }
}
