// Breaker scenes for the emitter-splatter, emitter-watch and IQ-image rules: writes <out>.sigmf-data (cf32_le) and
// .sigmf-meta. Usage: node breaker/gen.mjs OUTBASE CALIB_S TEST_S 'JSON list of sources' [imageDb]
// 250 kS/s, centre 433.92 MHz, white noise NOISE_DBFS (env, default -30) dBFS over the band. Sources (times in s from the file start, off in Hz):
//  {t:'ook', off, snr (dB in 2 kHz), sym=0.001, per=10, pkt=0.5, t0=2, rise=0 (raised-cosine edge s), drift=0 (Hz/s
//    after calib), from=0, to=inf}                                  keyed OOK sensor, random bits
//  {t:'chirp', off, bw=125000, snr (dB in bw), sym=0.001 (one sweep), rand (random start per sweep), per, pkt, t0, from, to}  LoRa-like chirp bursts
//  {t:'nfm', off, snr (dB in 12.5 kHz), from, to, gate (index of a keyed source: on only while it is in a packet),
//    after (s: on only for this long after each packet of source `gate` ends)}   NFM link, two-tone audio, 2.5 kHz dev
//  {t:'tone', off, snr (dB in one 244 Hz slow bin), from, to, gate, after}
//  {t:'fsk', off, snr (dB in 12.5 kHz), dev=5000, sym=0.0005, from, to, gate, after}
// nfm, tone and fsk sources with keyed:true send in packets (per, pkt, t0) as ook does.
// imageDb (optional): IQ imbalance y = x + b·conj(x), |b|^2 = imageDb dB.
import fs from 'node:fs';
const [out, calibArg, testArg, srcArg, imgArg] = process.argv.slice(2);
const RATE = 250000, calibS = Number(calibArg), testS = Number(testArg), N = Math.round((calibS + testS) * RATE);
const pn = 10 ** (Number(process.env.NOISE_DBFS ?? -30) / 10), sn = Math.sqrt(pn / 2);   // NOISE_DBFS: noise over the band
const S = JSON.parse(srcArg);
let seed = 7;
function rnd() { seed = (seed + 0x6D2B79F5) >>> 0; let t = seed; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; }
let spare = null;
function gauss() { if (spare !== null) { const s = spare; spare = null; return s; } let u = 0; while (u === 0) u = rnd(); const v = rnd(); const r = Math.sqrt(-2 * Math.log(u)); spare = r * Math.sin(2 * Math.PI * v); return r * Math.cos(2 * Math.PI * v); }
for (const s of S) {
  s.from ??= 0; s.to ??= Infinity; s.ph = 0; s.ph2 = 0; s.aph = 0; s.left = 0; s.bit = 0; s.sym ??= s.t === 'fsk' ? 0.0005 : 0.001;
  s.per ??= 10; s.pkt ??= 0.5; s.t0 ??= 2; s.rise ??= 0; s.drift ??= 0;
  const ref = s.t === 'ook' ? 2000 : s.t === 'chirp' ? (s.bw ??= 125000) : s.t === 'tone' ? 244 : 12500;
  s.amp = Math.sqrt(pn * ref / RATE * 10 ** (s.snr / 10));
}
// envelope of a keyed source at time t: 0..1 over its packets (raised-cosine edges of `rise` s)
function packetEnv(s, t) {
  if (t < s.from || t >= s.to) return 0;
  const u = (t - s.t0) % s.per;
  if (t < s.t0 || u >= s.pkt) return 0;
  if (s.rise <= 0) return 1;
  const e = Math.min(u, s.pkt - u) / s.rise;
  return e >= 1 ? 1 : 0.5 - 0.5 * Math.cos(Math.PI * e);
}
function gated(s, t) {
  if (t < s.from || t >= s.to) return false;
  if (s.keyed) return packetEnv(s, t) > 0;
  if (s.gate === undefined) return true;
  const g = S[s.gate];
  if (s.after === undefined) return packetEnv(g, t) > 0;
  if (t < g.t0) return false;
  const u = (t - g.t0) % g.per;
  return u >= g.pkt && u < g.pkt + s.after;
}
const B = 1 << 16; const buf = new Float32Array(2 * B);
const fd = fs.openSync(out + '.sigmf-data', 'w');
const b = imgArg !== undefined ? 10 ** (Number(imgArg) / 20) : 0;
const TW = 2 * Math.PI / RATE;
for (let n0 = 0; n0 < N; n0 += B) {
  const m = Math.min(B, N - n0);
  for (let i = 0; i < m; i++) {
    const n = n0 + i, t = n / RATE;
    let yr = gauss() * sn, yi = gauss() * sn;
    for (const s of S) {
      let a = 0, f = s.off;
      if (s.t === 'ook') {
        if (s.left <= 0) { s.bit = rnd() < 0.5 ? 1 : 0; s.left = Math.round(RATE * s.sym); }
        s.left--;
        f += s.drift * Math.max(0, t - calibS);
        a = s.rise > 0 ? s.amp * packetEnv(s, t) * (s.bit ? 1 : 0) : (packetEnv(s, t) > 0 && s.bit ? s.amp : 0);
        if (s.rise > 0 && s.bit === 0) a = 0;
      } else if (s.t === 'chirp') {
        a = packetEnv(s, t) > 0 ? s.amp : 0;
        const u = (((t - s.t0) / s.sym) % 1 + 1) % 1;
        if (s.rand) {   // a random start frequency for each sweep: a flat spectrum instead of a comb
          const k = Math.floor((t - s.t0) / s.sym);
          if (k !== s.k) { s.k = k; s.u0 = rnd(); }
          f += s.bw * ((u + s.u0) % 1 - 0.5);
        } else f += s.bw * (u - 0.5);
      } else if (s.t === 'nfm') {
        if (gated(s, t)) { a = s.amp; s.aph += TW * 1000; s.ph2 += TW * 370; f += 2500 * (0.6 * Math.sin(s.aph) + 0.4 * Math.sin(s.ph2)); }
      } else if (s.t === 'tone') {
        if (gated(s, t)) a = s.amp;
      } else if (s.t === 'fsk') {
        if (s.left <= 0) { s.bit = rnd() < 0.5 ? 1 : -1; s.left = Math.round(RATE * s.sym); }
        s.left--;
        if (gated(s, t)) { a = s.amp; f += s.bit * (s.dev ?? 5000); }
      }
      s.ph += TW * f;
      if (s.ph > 1e4) s.ph -= 2 * Math.PI * Math.floor(s.ph / (2 * Math.PI));
      if (a > 0) { yr += a * Math.cos(s.ph); yi += a * Math.sin(s.ph); }
    }
    if (b > 0) { const r0 = yr, i0 = yi; yr = r0 + b * r0; yi = i0 - b * i0; }
    buf[2 * i] = yr; buf[2 * i + 1] = yi;
  }
  fs.writeSync(fd, Buffer.from(buf.buffer, 0, 8 * m));
}
fs.closeSync(fd);
fs.writeFileSync(out + '.sigmf-meta', JSON.stringify({ global: { 'core:datatype': 'cf32_le', 'core:sample_rate': RATE, 'core:version': '1.0.0' }, captures: [{ 'core:sample_start': 0, 'core:frequency': 433920000 }], annotations: [] }));
