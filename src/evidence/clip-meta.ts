// Evidence clip names (rtl_433 convention) and the `quietband:` SigMF keys of a clip's meta (docs/clip-decimation.md).
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { SIGMF_DATATYPE_OF, sigmfPaths } from '../source/sigmf-write.js';
import type { DetectionEvent, SampleFormat } from '../types.js';
import type { ClipBandPlan, ResamplerStage } from '../dsp/band-cut.js';
import { writeFileAtomic } from '../atomic-write.js';
import { BoundedSet } from '../bounded.js';

/** SigMF extension namespace of QuietBand's clip keys, declared in `core:extensions` of every clip. */
export const QB_NAMESPACE = 'quietband';
/** Version of the `quietband:` keys (bumped when a key changes meaning). */
export const QB_EXTENSION_VERSION = '1.0.0';

/** Where a clip was heard and what it belongs to (site config, exam schedule, alert store). */
export interface ClipContext {
  /** Site name (site config `site.name`). */
  site?: string;
  /** Sensor location (site config `sensors[].location`): room, and metres on the site plan when known. */
  location?: { room: string; xM?: number; yM?: number };
  /**
   * Per detection: the exam session in progress and the alert id, when the host knows them at write time (the alert id
   * `<site>-<seq>` is assigned by the alert store on the main thread; a worker without it leaves the key out).
   */
  forDetection?: (ev: DetectionEvent) => { session?: string; alertId?: string };
  /** FFT size of the sensor's slow spectrum (its RBW = rate / size); replays of the clip match that RBW. Default 1024. */
  sourceFftSize?: number;
}

/** `%g` of C's printf (6 significant digits, no trailing zeros): 433.92, 250, 12.5, 2400. */
function g6(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/**
 * Base name of a clip (no folder, no extension), rtl_433 style so its own tools and `parseCaptureFileName` read the
 * centre and rate from it: `<sensor>_<UTC time of the first sample, ':' and '.' as '-'>_<detection id>_<centre in MHz,
 * %g>M_<rate in kS/s, %g>k`, e.g. `room-101_2026-06-07T01-00-02-000Z_7_433.92M_250k` (rtl_433 `-S`:
 * `g001_433.92M_250k.cu8`). With the centre unknown the `M` token is left out (a lone `k` token is the rate).
 */
export function clipBaseName(sensor: string, firstSampleMs: number, detectionId: number, centerHz: number | undefined, rateSps: number): string {
  const stamp = new Date(firstSampleMs).toISOString().replace(/[:.]/g, '-');
  const freq = centerHz !== undefined && centerHz > 0 ? `_${g6(centerHz / 1e6)}M` : '';
  return `${sensor}_${stamp}_${detectionId}${freq}_${g6(rateSps / 1e3)}k`;
}

/** What {@link clipMetaExtras} records of the band cut (absent: the clip has the source's full band). */
export interface ClipFilterRecord {
  band: ClipBandPlan;
  gain: number;
  stages: ResamplerStage[];
  ms: number;
  /** The clip's noise power per complex sample after the gain (dBFS of the clip; src/evidence/clip-band.ts clipNoisePower). */
  noiseDbfs?: number;
  /** Quantisation noise of the clip's sample format per complex sample (dBFS of the clip). */
  quantisationDbfs?: number;
}

/** How much of the pre-roll asked for (after the byte budget) the clip holds: seconds (its I/Q may have left the ring). */
export interface ClipPreRollRecord {
  askedS: number;
  keptS: number;
}

/**
 * What {@link clipMetaExtras} records of a clip shortened to its byte budget (src/evidence/clip-recorder.ts
 * fitClipSpan): the budget (bytes) and the seconds taken off the pre-roll, the post-roll and the transmission's tail.
 */
export interface ClipBudgetRecord {
  maxBytes: number;
  cutPreS: number;
  cutPostS: number;
  cutTransmissionS: number;
}

/**
 * The clip's `global` keys beyond `core:` (SigMF extensions must be declared: `core:extensions` lists
 * {@link QB_NAMESPACE}, optional):
 * - `quietband:site`, `quietband:sensor`, `quietband:location` (`{room, x_m?, y_m?}`), `quietband:session`,
 *   `quietband:alert_id`, `quietband:detection_id` (the detector's track id in the sensor's stream);
 * - `quietband:source_frequency` (Hz) and `quietband:source_sample_rate` (S/s) of the stream the clip was cut from,
 *   `quietband:source_sample_start` (the clip's first sample in that stream);
 * - for a band cut: `quietband:dc_free` true (the clip's centre is a mixer's, not a tuner's: no LO leakage at 0 Hz; the
 *   source's DC was removed before mixing), `quietband:gain_db` (20·log10 of the gain applied: clip dBFS − gain_db =
 *   source dBFS) and `quietband:filter` (`{type, up, down, passband_hz, stopband_hz, attenuation_db, stages: [{up, down,
 *   passband_hz, stopband_hz, taps_per_phase, prototype_taps}]}`);
 * - for a clip its byte budget shortened: `quietband:byte_budget` (`{max_bytes, cut_pre_s, cut_post_s,
 *   cut_transmission_s}`, seconds to 1 µs: cut_transmission_s > 0 means the clip ends before the detection did);
 * - `quietband:source_datatype` (SigMF datatype of the stream: its full scale is the source's 0 dBFS);
 * - for a band cut: `quietband:noise_dbfs` (the clip's noise per complex sample, dBFS of the clip),
 *   `quietband:quantisation_dbfs` (its sample format's rounding noise, dBFS of the clip) and
 *   `quietband:quantisation_margin_db` (the first minus the second: ≥ 10 dB unless a strong signal needed the
 *   headroom), all to 0.01 dB;
 * - for a band cut: `quietband:clip_band` (`{low_hz, high_hz, from}`): the edges the cut was planned for (Hz, the
 *   detection's frame), `from` "detection" (its own) or "identification" (widened to its identification's 99 % band,
 *   src/evidence/clip-recorder.ts clipBandFor);
 * - `quietband:pre_roll` (`{asked_s, kept_s, short}`, seconds to 1 µs): the pre-roll asked for (preS, less what the
 *   byte budget took) and what the clip holds; `short` true when the ring no longer held its first samples (a pipeline
 *   far behind), i.e. kept_s < asked_s by more than one source sample.
 */
export function clipMetaExtras(a: {
  sensor: string; context?: ClipContext; ev: DetectionEvent; sourceRateSps: number; sourceCenterHz: number;
  sourceFirstSample: number; sourceFormat?: SampleFormat; filter?: ClipFilterRecord; budget?: ClipBudgetRecord; preRoll?: ClipPreRollRecord;
  bandChoice?: { lowHz: number; highHz: number; from: 'detection' | 'identification' };
}): Record<string, unknown> {
  const c = a.context;
  const per = c?.forDetection?.(a.ev) ?? {};
  const g: Record<string, unknown> = {
    'core:extensions': [{ name: QB_NAMESPACE, version: QB_EXTENSION_VERSION, optional: true }],
  };
  if (c?.site !== undefined) g['quietband:site'] = c.site;
  g['quietband:sensor'] = a.sensor;
  if (c?.location !== undefined) {
    const l: Record<string, unknown> = { room: c.location.room };
    if (c.location.xM !== undefined) l.x_m = c.location.xM;
    if (c.location.yM !== undefined) l.y_m = c.location.yM;
    g['quietband:location'] = l;
  }
  if (per.session !== undefined) g['quietband:session'] = per.session;
  if (per.alertId !== undefined) g['quietband:alert_id'] = per.alertId;
  g['quietband:detection_id'] = a.ev.id;
  g['quietband:source_frequency'] = a.sourceCenterHz;
  g['quietband:source_sample_rate'] = a.sourceRateSps;
  g['quietband:source_sample_start'] = a.sourceFirstSample;
  g['quietband:source_fft_size'] = c?.sourceFftSize ?? DEFAULT_SOURCE_FFT_SIZE;
  if (a.sourceFormat !== undefined) g['quietband:source_datatype'] = SIGMF_DATATYPE_OF[a.sourceFormat];
  const cb = (x: number): number => Math.round(x * 100) / 100;
  const us = (x: number): number => Math.round(x * 1e6) / 1e6;
  const f = a.filter;
  if (f !== undefined) {
    g['quietband:dc_free'] = true;
    g['quietband:gain_db'] = cb(20 * Math.log10(f.gain));
    if (f.noiseDbfs !== undefined && Number.isFinite(f.noiseDbfs) && f.quantisationDbfs !== undefined) {
      g['quietband:noise_dbfs'] = cb(f.noiseDbfs);
      g['quietband:quantisation_dbfs'] = cb(f.quantisationDbfs);
      g['quietband:quantisation_margin_db'] = cb(f.noiseDbfs - f.quantisationDbfs);
    }
    g['quietband:filter'] = {
      type: 'kaiser-windowed-sinc polyphase resampler',
      up: f.band.up,
      down: f.band.down,
      passband_hz: f.band.passbandHz,
      stopband_hz: f.band.stopbandHz,
      attenuation_db: f.band.attenuationDb,
      stages: f.stages.map((st) => ({
        up: st.up, down: st.down, passband_hz: st.passbandHz, stopband_hz: st.stopbandHz, taps_per_phase: st.tapsPerPhase, prototype_taps: st.prototypeTaps,
      })),
    };
  }
  if (a.bandChoice !== undefined) g['quietband:clip_band'] = { low_hz: Math.round(a.bandChoice.lowHz), high_hz: Math.round(a.bandChoice.highHz), from: a.bandChoice.from };
  const pr = a.preRoll;
  if (pr !== undefined) {
    const rate = a.sourceRateSps;
    g['quietband:pre_roll'] = { asked_s: us(pr.askedS), kept_s: us(pr.keptS), short: (pr.askedS - pr.keptS) * rate > 1 };
  }
  const b = a.budget;
  if (b !== undefined) {
    g['quietband:byte_budget'] = { max_bytes: b.maxBytes, cut_pre_s: us(b.cutPreS), cut_post_s: us(b.cutPostS), cut_transmission_s: us(b.cutTransmissionS) };
  }
  return g;
}

/** FFT size assumed for the source when the clip does not say (the pipeline's default). */
export const DEFAULT_SOURCE_FFT_SIZE = 1024;
/** Smallest FFT size a clip replay picks for itself (its fast path then has 32 bins). */
export const MIN_CLIP_REPLAY_FFT_SIZE = 128;

/** What the `quietband:` keys of a recording's meta tell a reader (defaults for recordings without them). */
export interface ClipHints {
  /** `quietband:dc_free`: no receiver DC at the centre (no DC guard or DC removal is needed). */
  dcFree: boolean;
  /** `quietband:gain_db` (0 when absent). */
  gainDb: number;
  /**
   * FFT size for replaying a band-cut clip at about the source's RBW: the power of two nearest to
   * source_fft_size × clip rate / source rate, within [{@link MIN_CLIP_REPLAY_FFT_SIZE}, source_fft_size]. With the
   * default 1024 at the clip's own rate the bins are narrower than the sensor's by source rate / clip rate, a signal
   * spans that many more bins, and the detector's noise hits inside its band keep a track open longer than the sensor
   * saw it (a 200 ms burst replayed as 0.97 s at 100 kS/s from 250 kS/s). Undefined for other recordings.
   */
  replayFftSize?: number;
}

/**
 * Reads the hints of a SigMF recording (`.sigmf-meta`/`.sigmf-data`/base path); other files (raw captures) and
 * unreadable metas give the defaults (the file's reader reports those errors itself). Never throws.
 */
export async function readClipHints(path: string): Promise<ClipHints> {
  const out: ClipHints = { dcFree: false, gainDb: 0 };
  if (!/\.sigmf-(meta|data)$/.test(path)) return out;
  try {
    const j = JSON.parse(await readFile(sigmfPaths(path).metaPath, 'utf8')) as { global?: Record<string, unknown> };
    out.dcFree = j.global?.['quietband:dc_free'] === true;
    const gl = j.global ?? {};
    const g = gl['quietband:gain_db'];
    if (typeof g === 'number' && Number.isFinite(g)) out.gainDb = g;
    const srcRate = gl['quietband:source_sample_rate'];
    const rate = gl['core:sample_rate'];
    const srcFft = typeof gl['quietband:source_fft_size'] === 'number' ? gl['quietband:source_fft_size'] : DEFAULT_SOURCE_FFT_SIZE;
    if (out.dcFree && typeof srcRate === 'number' && srcRate > 0 && typeof rate === 'number' && rate > 0 && Number.isInteger(Math.log2(srcFft))) {
      const ideal = Math.round(Math.log2((srcFft * rate) / srcRate));
      out.replayFftSize = Math.min(srcFft, Math.max(MIN_CLIP_REPLAY_FFT_SIZE, 2 ** ideal));
    }
  } catch {
    // the recording's reader names the file and field
  }
  return out;
}

/**
 * Adds `quietband:alert_id` (and `quietband:session` when given) to a written clip's meta: the alert store assigns the
 * id on the main thread after the sensor's worker wrote the clip. Rewritten through a temp file and a rename (readers
 * never see half a file); every other key is kept. Resolves false when the clip is gone (the quota deleted it).
 * @throws the file system's error for anything but a missing meta, or a SyntaxError for a meta that is not JSON
 */
export async function annotateClipAlert(metaPath: string, alert: { alertId: string; session?: string }): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(metaPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const j = JSON.parse(text) as { global: Record<string, unknown> };
  const ext = Array.isArray(j.global['core:extensions']) ? (j.global['core:extensions'] as { name?: string }[]) : [];
  if (!ext.some((e) => e.name === QB_NAMESPACE)) j.global['core:extensions'] = [...ext, { name: QB_NAMESPACE, version: QB_EXTENSION_VERSION, optional: true }];
  j.global['quietband:alert_id'] = alert.alertId;
  if (alert.session !== undefined) j.global['quietband:session'] = alert.session;
  await writeFileAtomic(metaPath, `${JSON.stringify(j, null, 2)}\n`);
  return true;
}

/**
 * Gives each clip its alert id once: the first stored record carrying a clip has its id and session written into the
 * clip's meta ({@link annotateClipAlert}); later records with the same clip are ignored (the last 1000 clips are
 * remembered). Failures are logged as warnings.
 */
export class ClipAlertAnnotator {
  private readonly done = new BoundedSet<string>(1000);
  constructor(private readonly dataDir: string | undefined, private readonly log: { warn: (obj: object, msg: string) => void }) {}

  /** `clip`: the meta path relative to the data dir; `stored`: the record carrying it. */
  annotate(clip: string, stored: Promise<{ alertId: string; session?: string }>): void {
    const dataDir = this.dataDir;
    if (dataDir === undefined || this.done.has(clip)) return;
    this.done.add(clip);
    stored
      .then((a) => annotateClipAlert(join(dataDir, clip), { alertId: a.alertId, ...(a.session !== undefined ? { session: a.session } : {}) }))
      .catch((err: unknown) => this.log.warn({ err, clip }, 'clip meta not given its alert id'));
  }
}
