// RtlSdrSource over the fake librtlsdr: a centre outside the dongle's own tuner range is refused at open and at retune,
// naming the tuner and its range.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRtlSdr, type RtlSdrBinding } from '../../native-bindings/index.js';
import { QuietBandError } from '../../src/errors.js';
import { RtlSdrSource } from '../../src/source/rtlsdr-source.js';
import { buildAddonAgainstFake } from '../fake-librtlsdr/build.js';
import { setFakeEnv } from '../fake-librtlsdr/fake-env.js';

let binding: RtlSdrBinding;
beforeAll(async () => {
  binding = loadRtlSdr({ path: await buildAddonAgainstFake() });
});
afterEach(() => setFakeEnv());

const open = (centerHz: number) => RtlSdrSource.open({ serial: 'FAKE0001', centerHz, rateSps: 1_024_000, gainDb: 30, binding });

describe('tuner range at open and retune', () => {
  it('R820T: 2.0 GHz refused with CONFIG naming the tuner and 24–1766 MHz; 433.92 MHz opens, retune to 10 MHz refused', async () => {
    setFakeEnv({ FAKE_RTLSDR_TUNERS: 'r820t' });
    const err = await open(2_000_000_000).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(QuietBandError);
    expect((err as QuietBandError).code).toBe('CONFIG');
    expect((err as Error).message).toContain('centerHz: 2000 MHz is out of range: the R820T tuner tunes 24–1766 MHz');
    const src = await open(433_920_000);
    try {
      await expect(src.retune(10_000_000)).rejects.toThrow('retune: 10 MHz is out of range: the R820T tuner tunes 24–1766 MHz');
    } finally {
      await src.close();
    }
  });

  it('E4000: 2.0 GHz opens; 1.2 GHz (the gap) is refused', async () => {
    setFakeEnv({ FAKE_RTLSDR_TUNERS: 'e4000' });
    const src = await open(2_000_000_000);
    await src.close();
    await expect(open(1_200_000_000)).rejects.toThrow('the E4000 tuner tunes 52–1100 MHz and 1250–2200 MHz');
  });
});
