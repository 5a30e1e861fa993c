// Ring of the most recent raw IQ of a sensor (for evidence clips): preallocated, indexed by absolute sample number.
import type { IqBlock, SampleFormat } from '../types.js';

/**
 * Keeps the last `capacity` complex samples of a stream, addressed by the stream's absolute sample index
 * (IqBlock.firstSample), in the source's own encoding: cu8 and cs8 sources are held as bytes (2 B per sample instead of
 * 8 B as floats — a 16 s ring at 1 MS/s is 32 MB, not 128 MB), others as Float32. The float → byte step inverts the
 * file converter exactly for samples that came from that format. Gaps in firstSample (drops, reconnects) reset the
 * ring: samples before a gap are no longer readable, so a clip never splices two stretches of time.
 * Allocation-free per block.
 */
export class IqRing {
  private readonly f32: Float32Array | null;
  private readonly u8: Uint8Array | null;
  /** Absolute index one past the newest sample held. */
  private end = 0;
  /** Absolute index of the oldest sample held. */
  private start = 0;
  constructor(readonly capacity: number, readonly format: SampleFormat = 'cf32') {
    if (!(capacity >= 1)) throw new RangeError(`ring capacity must be ≥ 1 sample, got ${capacity}`);
    const bytes = format === 'cu8' || format === 'cs8';
    this.u8 = bytes ? new Uint8Array(2 * capacity) : null;
    this.f32 = bytes ? null : new Float32Array(2 * capacity);
  }
  /** Oldest and one-past-newest absolute sample indices held. */
  get range(): [number, number] {
    return [this.start, this.end];
  }
  /** Appends a block's samples. */
  push(block: IqBlock): void {
    if (block.firstSample !== this.end || block.discontinuity) {
      this.start = block.firstSample;
      this.end = block.firstSample;
    }
    const cap = this.capacity;
    const s = block.samples;
    const n = block.count;
    const u8 = this.u8;
    const f32 = this.f32;
    const cu8 = this.format === 'cu8';
    for (let i = 0; i < n; i++) {
      const pos = 2 * ((this.end + i) % cap);
      const I = s[2 * i];
      const Q = s[2 * i + 1];
      if (u8) {
        if (cu8) {
          u8[pos] = clampByte(Math.round(I * 127.5 + 127.5));
          u8[pos + 1] = clampByte(Math.round(Q * 127.5 + 127.5));
        } else {
          u8[pos] = clampSigned(Math.round(I * 128)) & 0xff;
          u8[pos + 1] = clampSigned(Math.round(Q * 128)) & 0xff;
        }
      } else {
        f32![pos] = I;
        f32![pos + 1] = Q;
      }
    }
    this.end += n;
    if (this.end - this.start > cap) this.start = this.end - cap;
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
      const out = Buffer.allocUnsafe(2 * count);
      for (let i = 0; i < count; i++) {
        const pos = 2 * ((a + i) % cap);
        out[2 * i] = this.u8[pos];
        out[2 * i + 1] = this.u8[pos + 1];
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
  /** Samples [from, to) as Float32 I/Q into `out` (from index 0). @returns [first index copied, samples copied] */
  read(from: number, to: number, out: Float32Array): [number, number] {
    const a = Math.max(from, this.start);
    const z = Math.min(to, this.end, a + out.length / 2);
    const cap = this.capacity;
    for (let i = a; i < z; i++) {
      const pos = 2 * (i % cap);
      let I: number;
      let Q: number;
      if (this.u8) {
        if (this.format === 'cu8') {
          I = (this.u8[pos] - 127.5) / 127.5;
          Q = (this.u8[pos + 1] - 127.5) / 127.5;
        } else {
          I = ((this.u8[pos] << 24) >> 24) / 128;
          Q = ((this.u8[pos + 1] << 24) >> 24) / 128;
        }
      } else {
        I = this.f32![pos];
        Q = this.f32![pos + 1];
      }
      out[2 * (i - a)] = I;
      out[2 * (i - a) + 1] = Q;
    }
    return [a, Math.max(0, z - a)];
  }
}

const clampByte = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
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
