// Ring of the most recent raw IQ of a sensor (for evidence clips): preallocated, indexed by absolute sample number.
import type { IqBlock, SampleFormat } from '../types.js';

/**
 * Keeps the last `capacity` complex samples of a stream as interleaved Float32 I/Q, addressed by the stream's absolute
 * sample index (IqBlock.firstSample). Gaps in firstSample (drops, reconnects) are recorded as a reset: samples before
 * a gap are no longer readable, so a clip never silently splices two stretches of time. Allocation-free per block.
 */
export class IqRing {
  private readonly buf: Float32Array;
  /** Absolute index one past the newest sample held. */
  private end = 0;
  /** Absolute index of the oldest sample held. */
  private start = 0;
  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`ring capacity must be ≥ 1 sample, got ${capacity}`);
    this.buf = new Float32Array(2 * capacity);
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
    for (let i = 0; i < block.count; i++) {
      const pos = (this.end + i) % cap;
      this.buf[2 * pos] = s[2 * i];
      this.buf[2 * pos + 1] = s[2 * i + 1];
    }
    this.end += block.count;
    if (this.end - this.start > cap) this.start = this.end - cap;
  }
  /**
   * Copies samples [from, to) — clipped to what the ring holds — into `out` (interleaved, from index 0).
   * @returns [first absolute index copied, number of samples copied]
   */
  read(from: number, to: number, out: Float32Array): [number, number] {
    const a = Math.max(from, this.start);
    const z = Math.min(to, this.end, a + out.length / 2);
    const cap = this.capacity;
    for (let i = a; i < z; i++) {
      const pos = i % cap;
      out[2 * (i - a)] = this.buf[2 * pos];
      out[2 * (i - a) + 1] = this.buf[2 * pos + 1];
    }
    return [a, Math.max(0, z - a)];
  }
}

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
