// A synthetic analog evidence clip for the clip-audio tests (server route and web UI): an NFM tone written as a SigMF
// pair the way the ClipRecorder writes clips.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeSigmfMeta } from '../../src/source/sigmf.js';

/**
 * The clip {@link writeNfmClip} writes: 2 s of cf32 at 50 kS/s centred on 433.5 MHz; the detection is an NFM carrier
 * 12 kHz above the centre with a 1 kHz tone at 2.5 kHz deviation, annotated ±3.5 kHz around it.
 */
export const NFM_CLIP = Object.freeze({ rateSps: 50_000, clipS: 2, centerHz: 433_500_000, signalOffsetHz: 12_000, toneHz: 1000, deviationHz: 2500 });

/**
 * Writes `<dir>/<name>.sigmf-data` (cf32) and its meta the way ClipRecorder does: one capture at the clip's centre, an
 * annotation with the detection's band edges in absolute Hz. The clip holds the detection ({@link NFM_CLIP}) and, at the
 * clip's centre, an equally strong NFM carrier with a 400 Hz tone: audio made from the wrong band (e.g. the centre)
 * would be 400 Hz. Noise: ±0.005 uniform (deterministic LCG).
 */
export async function writeNfmClip(dir: string, name: string): Promise<void> {
  const { rateSps, clipS, centerHz, signalOffsetHz, toneHz, deviationHz } = NFM_CLIP;
  const n = rateSps * clipS;
  const iq = new Float32Array(2 * n);
  let seed = 2026;
  const noise = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; // LCG (glibc constants)
    return (seed / 2 ** 32 - 0.5) * 0.01;
  };
  const other = { offsetHz: 0, toneHz: 400 };
  for (let i = 0; i < n; i++) {
    const t = i / rateSps;
    // FM: φ(t) = 2π·fc·t + (Δf/fm)·sin(2π·fm·t)
    const a = 2 * Math.PI * signalOffsetHz * t + (deviationHz / toneHz) * Math.sin(2 * Math.PI * toneHz * t);
    const b = 2 * Math.PI * other.offsetHz * t + (deviationHz / other.toneHz) * Math.sin(2 * Math.PI * other.toneHz * t);
    iq[2 * i] = 0.3 * Math.cos(a) + 0.3 * Math.cos(b) + noise();
    iq[2 * i + 1] = 0.3 * Math.sin(a) + 0.3 * Math.sin(b) + noise();
  }
  writeFileSync(path.join(dir, `${name}.sigmf-data`), Buffer.from(iq.buffer));
  await writeSigmfMeta(path.join(dir, name), {
    format: 'cf32', rateSps,
    captures: [{ sampleStart: 0, centerHz, datetime: '2026-12-07T01:00:00.000Z' }],
    annotations: [{ sampleStart: 0, sampleCount: n, freqLowerHz: centerHz + signalOffsetHz - 3500, freqUpperHz: centerHz + signalOffsetHz + 3500, label: 'detection' }],
  });
}
