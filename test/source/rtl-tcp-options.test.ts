// lossOriginBytes: where an rtl_tcp connection's loss accounting starts inside the settle window.
import { describe, expect, it } from 'vitest';
import { defaultSettleSamples, lossOriginBytes, RTL_TCP_TRANSFER_SAMPLES } from '../../src/source/rtl-tcp-options.js';

const TRANSFER_BYTES = 2 * RTL_TCP_TRANSFER_SAMPLES;

describe('lossOriginBytes', () => {
  it('starts at the first transfer begun after the rate command surely landed: transfer 3 on a loopback at 2.4 MS/s', () => {
    const settle = defaultSettleSamples(2_400_000, 16_384); // 731 072 samples: 5.6 transfers
    // 2 ms round trip + 50 ms to apply the rate, 41 ms per transfer at 3.2 MS/s: 1 + ⌈52 / 40.96⌉ = 3
    expect(lossOriginBytes(2, settle)).toBe(3 * TRANSFER_BYTES);
    // 31 ms: 1 + ⌈81 / 40.96⌉ = 3; 32 ms: 1 + ⌈82 / 40.96⌉ = 4
    expect(lossOriginBytes(31, settle)).toBe(3 * TRANSFER_BYTES);
    expect(lossOriginBytes(32, settle)).toBe(4 * TRANSFER_BYTES);
    expect(lossOriginBytes(-5, settle)).toBe(3 * TRANSFER_BYTES); // a clock step backwards counts as 0
  });

  it('never after the end of the settle: a long round trip, and the slower rates whose settle ends first, keep that origin', () => {
    const settle = defaultSettleSamples(2_400_000, 16_384);
    expect(lossOriginBytes(200, settle)).toBe(2 * settle); // transfer 8 would be past the settle's 5.6
    expect(lossOriginBytes(2, defaultSettleSamples(250_000, 16_384))).toBe(2 * 193_572); // 1.5 transfers
    expect(lossOriginBytes(2, defaultSettleSamples(1_024_000, 16_384))).toBe(2 * 387_072); // 2.95 transfers
  });
});
