// Demodulation of analog emissions (AM, narrow and wide FM) to 16 kHz mono audio, a speech-present flag (voice
// activity), and WAV files through the `wavefile` library (docs/identification.md §6).
import { writeFile } from 'node:fs/promises';
import wavefile from 'wavefile';
import { QuietBandError } from '../errors.js';
import { channelise, resampleReal } from './channel.js';
import { ANALOG_CLASSES, type SignalClass } from './classify.js';
import type { IdentInput, SignalFeatures } from './features.js';
import { quantile } from './spectrum.js';

/** Audio sample rate (S/s) of every demodulated clip. */
export const AUDIO_RATE_SPS = 16000;

/** Demodulated audio of one clip. */
export interface DemodAudio {
  /** Mono samples in [−1, 1] at {@link AUDIO_RATE_SPS}, normalised so the 99.9th percentile of |x| is 0.9. */
  samples: Float32Array;
  rateSps: number;
  /** Voice activity over the clip (see {@link voiceActivity}). */
  voice: VoiceActivity;
}

/** What the voice-activity test found. */
export interface VoiceActivity {
  speechPresent: boolean;
  /** Share of 40 ms frames above the frame-energy floor + 3 dB. */
  activeFraction: number;
  /** 90th − 10th percentile of the frame energies in the voice band (dB). */
  dynamicRangeDb: number;
  /** Share of the frame-energy envelope's fluctuation power at syllable rates (2–8 Hz, of 0.5–12 Hz). */
  syllabicFraction: number;
  reason: string;
}

/** One-pole low-pass in place: y += c·(x − y), c = 1 − e^{−2π·fc/fs}. */
function lowPass(x: Float64Array, fc: number, fs: number): void {
  const c = 1 - Math.exp((-2 * Math.PI * fc) / fs);
  let y = 0;
  for (let i = 0; i < x.length; i++) {
    y += c * (x[i] - y);
    x[i] = y;
  }
}

/** One-pole high-pass in place: x − (one-pole low-pass of x). */
function highPass(x: Float64Array, fc: number, fs: number): void {
  const c = 1 - Math.exp((-2 * Math.PI * fc) / fs);
  let y = 0;
  for (let i = 0; i < x.length; i++) {
    y += c * (x[i] - y);
    x[i] -= y;
  }
}

/**
 * Demodulates an analog emission to 16 kHz audio.
 * - nfm: channel ±clamp(0.55·B99, 4 k, 15 k) Hz, FM discriminator f[n] = arg(z[n]·z*[n−1])·fs/2π, voice band
 *   (300 Hz high-pass, 3.4 kHz low-pass);
 * - wfm: channel ±clamp(0.55·B99, 50 k, 120 k) Hz, discriminator, 50 µs de-emphasis (the CN/EU broadcast constant);
 * - am: channel ±4 kHz, envelope |z|, voice band.
 * Then resampled to 16 kHz ({@link resampleReal}) and normalised.
 * @throws QuietBandError('BAD_INPUT') for a class that carries no audio (carrier, ook, fsk, tdma-burst, wideband-digital,
 *   pulsed-wideband, unknown).
 */
export function demodulate(input: IdentInput, cls: SignalClass, features?: SignalFeatures): DemodAudio {
  if (!ANALOG_CLASSES.includes(cls)) {
    throw new QuietBandError(`cannot demodulate a "${cls}" emission to audio: only analog classes (${ANALOG_CLASSES.join(', ')}) carry audio; a digital or unmodulated emission has nothing to listen to`, 'BAD_INPUT');
  }
  const centerHz = features?.centerOffsetHz ?? input.offsetHz;
  const bw99 = features?.bandwidthHz ?? input.bandwidthHz;
  const half = cls === 'am' ? 4000 : cls === 'nfm' ? Math.min(15_000, Math.max(4000, 0.55 * bw99)) : Math.min(120_000, Math.max(50_000, 0.55 * bw99));
  const ch = channelise(input.iq, input.count, input.rateSps, centerHz, half);
  const z = ch.iq;
  const n = ch.count;
  const fs = ch.rateSps;
  const raw = new Float64Array(n);
  if (cls === 'am') {
    for (let i = 0; i < n; i++) raw[i] = Math.hypot(z[2 * i], z[2 * i + 1]);
  } else {
    for (let i = 1; i < n; i++) {
      const re = z[2 * i] * z[2 * i - 2] + z[2 * i + 1] * z[2 * i - 1];
      const im = z[2 * i + 1] * z[2 * i - 2] - z[2 * i] * z[2 * i - 1];
      raw[i] = (Math.atan2(im, re) * fs) / (2 * Math.PI);
    }
    raw[0] = raw[1] ?? 0;
  }
  if (cls === 'wfm') lowPass(raw, 1 / (2 * Math.PI * 50e-6), fs);
  let audio = resampleReal(raw, fs, AUDIO_RATE_SPS);
  highPass(audio, cls === 'wfm' ? 30 : 300, AUDIO_RATE_SPS);
  if (cls !== 'wfm') {
    lowPass(audio, 3400, AUDIO_RATE_SPS);
    lowPass(audio, 3400, AUDIO_RATE_SPS);
  }
  // normalise: the 99.9th percentile of |x| to 0.9, clipped to ±1
  const abs = new Float64Array(audio.length);
  for (let i = 0; i < audio.length; i++) abs[i] = Math.abs(audio[i]);
  const peak = audio.length ? quantile(abs, 0.999) : 0;
  const g = peak > 0 ? 0.9 / peak : 0;
  const out = new Float32Array(audio.length);
  for (let i = 0; i < audio.length; i++) out[i] = Math.max(-1, Math.min(1, audio[i] * g));
  audio = new Float64Array(0);
  return { samples: out, rateSps: AUDIO_RATE_SPS, voice: voiceActivity(out, AUDIO_RATE_SPS) };
}

/** Shortest audio judged for speech (s). */
export const MIN_VOICE_S = 0.5;

/**
 * Voice activity: speech is syllables (energy bursts at 2–8 Hz) separated by pauses. On 40 ms frames of the voice band
 * (300–3400 Hz, two one-pole sections each side) it requires all of: a frame-energy spread P90 − P10 ≥ 5 dB (a data
 * tone, a carrier's discriminator noise or steady noise stay within ≈ 3 dB), between 10 % and 97 % of the frames
 * active (energy ≥ floor + 3 dB, floor = P10), and at least 35 % of the energy envelope's fluctuation power (0.5–12 Hz)
 * at 2–8 Hz, the syllable rate (Houtgast & Steeneken's modulation spectrum of speech peaks near 4 Hz).
 */
export function voiceActivity(samples: Float32Array, rateSps: number): VoiceActivity {
  const frame = Math.round(rateSps * 0.04);
  const frames = Math.floor(samples.length / frame);
  const none = (reason: string): VoiceActivity => ({ speechPresent: false, activeFraction: 0, dynamicRangeDb: 0, syllabicFraction: 0, reason });
  if (samples.length < MIN_VOICE_S * rateSps || frames < 8) return none(`audio too short to judge speech: ${(samples.length / rateSps).toFixed(2)} s (need ${MIN_VOICE_S} s)`);
  const x = Float64Array.from(samples);
  highPass(x, 300, rateSps);
  highPass(x, 300, rateSps);
  lowPass(x, 3400, rateSps);
  lowPass(x, 3400, rateSps);
  const e = new Float64Array(frames);
  const db = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    let acc = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) acc += x[i] * x[i];
    e[f] = acc / frame;
    db[f] = 10 * Math.log10(e[f] + 1e-12);
  }
  const p10 = quantile(db, 0.1);
  const p90 = quantile(db, 0.9);
  let active = 0;
  for (let f = 0; f < frames; f++) if (db[f] >= p10 + 3) active++;
  const activeFraction = active / frames;
  // modulation spectrum of the energy envelope (frame rate 50 Hz), by a direct DFT on 0.5 … 25 Hz in 0.25 Hz steps
  let mean = 0;
  for (let f = 0; f < frames; f++) mean += e[f];
  mean /= frames;
  let syll = 0;
  let all = 0;
  const frameRate = rateSps / frame;
  for (let hz = 0.5; hz <= 12; hz += 0.25) {
    let re = 0;
    let im = 0;
    for (let f = 0; f < frames; f++) {
      const ph = (2 * Math.PI * hz * f) / frameRate;
      re += (e[f] - mean) * Math.cos(ph);
      im += (e[f] - mean) * Math.sin(ph);
    }
    const pw = re * re + im * im;
    all += pw;
    if (hz >= 2 && hz <= 8) syll += pw;
  }
  const syllabicFraction = all > 0 ? syll / all : 0;
  const dynamicRangeDb = p90 - p10;
  const checks: string[] = [];
  if (dynamicRangeDb < 5) checks.push(`frame energies spread ${dynamicRangeDb.toFixed(1)} dB (< 5 dB: steady, no pauses)`);
  if (activeFraction < 0.1 || activeFraction > 0.97) checks.push(`${Math.round(activeFraction * 100)} % of frames active (speech: 10–97 %)`);
  if (syllabicFraction < 0.35) checks.push(`${Math.round(syllabicFraction * 100)} % of the envelope's fluctuation at 2–8 Hz (speech ≥ 35 %)`);
  const speechPresent = checks.length === 0;
  return {
    speechPresent,
    activeFraction,
    dynamicRangeDb,
    syllabicFraction,
    reason: speechPresent
      ? `speech-like: energy spread ${dynamicRangeDb.toFixed(1)} dB, ${Math.round(activeFraction * 100)} % of frames active, ${Math.round(syllabicFraction * 100)} % of the envelope fluctuation at syllable rates`
      : `no speech: ${checks.join('; ')}`,
  };
}

/**
 * Encodes mono audio as a 16-bit PCM WAV (RIFF) in memory, via the `wavefile` library: samples in [−1, 1] scaled by
 * 32767 and clamped to the int16 range. @returns the whole file (44-byte header + 2 bytes a sample)
 */
export function wavBuffer(samples: Float32Array, rateSps: number): Buffer {
  const pcm = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767)));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, rateSps, '16', pcm);
  return Buffer.from(wav.toBuffer());
}

/**
 * Writes mono audio as a 16-bit PCM WAV file ({@link wavBuffer}).
 * @throws the file system's error (ENOENT, EACCES…) with the path.
 */
export async function writeWav(path: string, samples: Float32Array, rateSps: number): Promise<void> {
  await writeFile(path, wavBuffer(samples, rateSps));
}
