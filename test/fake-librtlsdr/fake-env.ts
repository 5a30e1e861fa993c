// Test helpers for the fake librtlsdr: set its FAKE_RTLSDR_* variables in this process, and reproduce its generator in TS.

/** Every variable the fake reads (test/fake-librtlsdr/fake-librtlsdr.c header). */
export const FAKE_VARS = [
  'FAKE_RTLSDR_DEVICES',
  'FAKE_RTLSDR_SERIALS',
  'FAKE_RTLSDR_TUNERS',
  'FAKE_RTLSDR_MANUFACTURERS',
  'FAKE_RTLSDR_PRODUCTS',
  'FAKE_RTLSDR_FAIL_OPEN',
  'FAKE_RTLSDR_LOCK_DIR',
  'FAKE_RTLSDR_UNPLUG_AFTER_BYTES',
  'FAKE_RTLSDR_UNPLUG_MODE',
  'FAKE_RTLSDR_FILE',
  'FAKE_RTLSDR_LOOP',
  'FAKE_RTLSDR_REALTIME',
  'FAKE_RTLSDR_QUIET',
  'FAKE_RTLSDR_SEED',
  'FAKE_RTLSDR_TONE_HZ',
  'FAKE_RTLSDR_TONE_ABS_HZ',
  'FAKE_RTLSDR_TONE_AMPL',
  'FAKE_RTLSDR_NOISE',
] as const;

/**
 * Resets every FAKE_RTLSDR_* variable of this process (the fake reads them with getenv at enumeration and open),
 * then sets `vars`. FAKE_RTLSDR_QUIET=1 unless given.
 */
export function setFakeEnv(vars: Partial<Record<(typeof FAKE_VARS)[number], string>> = {}): void {
  for (const k of FAKE_VARS) delete process.env[k];
  process.env.FAKE_RTLSDR_QUIET = '1';
  Object.assign(process.env, vars);
}

/** Options of {@link fakeGeneratorBytes}; defaults are the fake's. */
export interface FakeGeneratorOptions {
  rateSps: number;
  toneHz?: number;
  ampl?: number;
  noise?: number;
  seed?: number;
}

/**
 * The first `samples` complex samples (2·samples bytes, cu8) the fake generates after open, computed exactly as in
 * fake-librtlsdr.c `produce()`: uint32 phase accumulator with step round(toneHz/rate · 2^32), xorshift32 noise (four
 * draws per sample), byte = clamp(floor(127.5 + 127.5·v + 0.5)).
 */
export function fakeGeneratorBytes(samples: number, o: FakeGeneratorOptions): Uint8Array {
  const out = new Uint8Array(2 * samples);
  const tone = o.toneHz ?? o.rateSps / 8;
  const ampl = o.ampl ?? 0.25;
  const s = o.noise ?? 0.02;
  let x = (o.seed ?? 1) >>> 0 || 1;
  let r = (tone / o.rateSps) % 1;
  if (r < 0) r += 1;
  const step = Math.round(r * 4294967296) >>> 0;
  const twoPi = 6.283185307179586;
  const k = 127.5;
  const sqrt6 = 2.449489742783178;
  const draw = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
  const q = (v: number): number => Math.min(255, Math.max(0, Math.floor(v + 0.5)));
  let phase = 0;
  for (let i = 0; i < samples; i++) {
    const ph = twoPi * (phase / 4294967296);
    let vi = ampl * Math.cos(ph);
    let vq = ampl * Math.sin(ph);
    if (s > 0) {
      const a = draw();
      const b = draw();
      const c = draw();
      const d = draw();
      vi += s * (a + b - 1.0) * sqrt6;
      vq += s * (c + d - 1.0) * sqrt6;
    }
    out[2 * i] = q(k + k * vi);
    out[2 * i + 1] = q(k + k * vq);
    phase = (phase + step) >>> 0;
  }
  return out;
}

/**
 * Fills `out` with the low bytes of a xorshift32 sequence started at `seed` (taken as uint32; a seed of 0 gives zeros)
 * and returns it. The one generator behind {@link seededBytes} and the fake rtl_tcp server's `prngBytes`.
 */
export function xorshiftFill<T extends Uint8Array>(out: T, seed: number): T {
  let x = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift32) for capture files the fake streams; a seed of 0 counts as 1. */
export function seededBytes(n: number, seed = 12345): Uint8Array {
  return xorshiftFill(new Uint8Array(n), seed >>> 0 || 1);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Spins the JS thread for `ms` milliseconds (no callbacks run meanwhile). */
export function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}
