// Evidence clips: SigMF recordings of the raw IQ around each detection, with a disk quota.
import { readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { withBindings } from '../log.js';
import { writeSigmfMeta } from '../source/sigmf-write.js';
import { DATA_DIR_MODE, DATA_FILE_MODE } from '../file-modes.js';
import { BYTES_PER_COMPLEX, type ClipLoss, type DetectionEvent, type IqBlock, type IqSourceInfo } from '../types.js';
import { planClipBand, type ClipBandOptions, type ClipBandPlan } from '../dsp/band-cut.js';
import { clipSampleFormat, cutBand, QUANTISATION_DBFS_8BIT, type BandCutInput, type BandCutResult } from './clip-band.js';
import { clipBaseName, clipMetaExtras, type ClipBudgetRecord, type ClipContext } from './clip-meta.js';
import { IqRing } from './iq-ring.js';
import { makeFolder } from '../make-folder.js';

/** Clip settings. */
export interface ClipOptions {
  /** Folder for `.sigmf-data` + `.sigmf-meta` pairs (`<data dir>/clips`). */
  dir: string;
  /** Seconds kept before a detection's start. Default 1.5. */
  preS: number;
  /** Seconds recorded after a detection's end. Default 1. */
  postS: number;
  /** Longest clip (s); a longer detection is cut at start + maxS. Default 10. */
  maxS: number;
  /**
   * Largest band-cut clip (bytes, sigmf-data + meta; issue #17: ≤ 1 MB per alert): a clip whose span at its rate would
   * take more is shortened by {@link fitClipSpan} (post-roll down to {@link CLIP_BUDGET_MIN_POST_S}, pre-roll down to
   * {@link CLIP_BUDGET_MIN_PRE_S}, the rest of the post-roll, pre-roll down to {@link CLIP_BUDGET_LAST_PRE_S}, then
   * the transmission's tail). Clips that keep the source's whole band (`band:
   * false`, or a signal too wide to cut) are not shortened. Default {@link DEFAULT_CLIP_MAX_BYTES}; the constructor
   * throws a RangeError naming `maxBytes` when it is not above {@link CLIP_META_RESERVE_BYTES}.
   */
  maxBytes: number;
  /**
   * Total bytes of evidence kept: clips plus their pictures (`picturesDir`); the oldest clips are deleted first, each
   * with its picture. Default 1 GiB.
   */
  quotaBytes: number;
  /**
   * Folder of the clips' spectrogram pictures (`<data dir>/clip-pictures`, `<clip base>.png`): counted in the quota and
   * deleted with their clip. Undefined = no pictures.
   */
  picturesDir?: string;
  /**
   * Free-space floor (bytes) of the clips' file system: a clip whose write would leave less free than this is not
   * written (shed, logged as a warning), so evidence never takes the space the alert store needs. Default 0.
   */
  minFreeBytes: number;
  /** Sensor name (in file names and the meta). */
  sensor: string;
  /**
   * The band a clip keeps (src/dsp/band-cut.ts): the detection's occupied band × a margin at a standard rate,
   * mixed to its centre and decimated (docs/clip-decimation.md); `false` keeps the source's whole band at its rate
   * (scan clips, whose metas are rewritten per visit at the source rate). Default: {@link DEFAULT_CLIP_BAND}.
   */
  band: Partial<ClipBandOptions> | false;
  /** Site, location and (per detection) session / alert id written into the clip's meta (`quietband:` keys). */
  context?: ClipContext;
  /**
   * Where band cuts run: a thread of their own (the sensor's evidence worker, PictureRenderer.cut), so the sensor's
   * thread does not wait for them. Default: on this thread, yielding every 10 ms.
   */
  cutter?: { cut(input: BandCutInput): Promise<BandCutResult> };
  logger?: Logger;
}

/**
 * Clip pictures are shed below this many times the evidence floor (`minFreeBytes`), clips only below the floor: as the
 * disk fills, the picture (drawn again from its clip at any time) goes before the clip (the evidence itself), and both
 * before the alerts.
 */
export const PICTURE_FLOOR_FACTOR = 2;

/** Issue #17's target for one alert's clip: 1 MB (10^6 B) of sigmf-data + sigmf-meta. */
export const DEFAULT_CLIP_MAX_BYTES = 1_000_000;

/**
 * Bytes of a clip's budget kept for its sigmf-meta (measured 1.5–2.5 kB: capture, annotation, `quietband:` keys with
 * filter stages, session and location).
 */
export const CLIP_META_RESERVE_BYTES = 4096;

/**
 * Pre-roll (s) a clip over its byte budget keeps while the post-roll can still give: site configs ask for preS ≥ 1 s;
 * the clip's replay learns its baseline from it and its identification takes the 0.5 s noise reference from it
 * (CLIP_PRE_ROLL_NOISE_S, less a 10 ms margin and a 50 ms guard).
 */
export const CLIP_BUDGET_MIN_PRE_S = 1;

/**
 * Pre-roll (s) kept before the budget cuts into the transmission itself: the identification's noise reference (0.5 s +
 * its 10 ms margin and 50 ms guard = 0.56 s) and a few more Welch frames for the replay's baseline.
 */
export const CLIP_BUDGET_LAST_PRE_S = 0.75;

/** Post-roll (s) a clip over its byte budget keeps until the pre-roll is down to its floor: a quarter second of the band after the end shows it ended. */
export const CLIP_BUDGET_MIN_POST_S = 0.25;

export const DEFAULT_CLIP_OPTIONS = Object.freeze({ preS: 1.5, postS: 1, maxS: 10, maxBytes: DEFAULT_CLIP_MAX_BYTES, quotaBytes: 1 << 30, minFreeBytes: 0, band: {} });

/** A clip's span (source samples) after {@link fitClipSpan}, and what the budget took from it. */
export interface FittedClipSpan {
  from: number;
  until: number;
  /** Samples taken off the post-roll, the pre-roll and the transmission's tail (0 each when the span fit). */
  cutPost: number;
  cutPre: number;
  cutBody: number;
}

/**
 * Shortens a clip span [from, until) of a detection [start, end) (source sample indices) to at most `maxSamples`,
 * taking in this order, each only as far as still needed: the post-roll down to `minPost` samples after `end`; the
 * pre-roll down to `minPre` before `start`; the rest of the post-roll; the pre-roll down to `lastPre` (≤ minPre); then
 * the transmission's tail (a cap, like maxS: the clip then ends inside the detection, whose annotation is cut at the
 * clip's end). A span that fits comes back as it is. Pure.
 * @throws RangeError when `maxSamples` is not a positive number
 */
export function fitClipSpan(
  start: number, end: number, from: number, until: number, maxSamples: number, minPre: number, minPost: number, lastPre = minPre,
): FittedClipSpan {
  if (!(maxSamples > 0)) throw new RangeError(`maxSamples: expected a positive number of samples, got ${maxSamples}`);
  let excess = until - from - Math.floor(maxSamples);
  if (excess <= 0) return { from, until, cutPost: 0, cutPre: 0, cutBody: 0 };
  const tEnd = Math.max(end, start);
  let cutPost = 0;
  let cutPre = 0;
  /** Takes up to `avail` samples (none when ≤ 0) off what is still over. */
  const take = (avail: number): number => {
    const t = Math.min(excess, Math.max(0, avail));
    excess -= t;
    return t;
  };
  cutPost += take(until - tEnd - minPost);
  cutPre += take(start - from - minPre);
  cutPost += take(until - cutPost - tEnd);
  cutPre += take(start - from - cutPre - lastPre);
  return { from: from + cutPre, until: until - cutPost - excess, cutPost, cutPre, cutBody: excess };
}

/**
 * The suffix of a clip's files after its base name `<name>`: its SigMF pair, its picture, its audio kept for the web
 * page (`<name>.nfm.wav`, one per analog class asked for). The quota deletes the files of one base together.
 */
const CLIP_FILE_SUFFIX = /\.(sigmf-data|sigmf-meta|png|(am|nfm|wfm)\.wav)$/;

/**
 * Checks the file system holding `dir` (fs.statfs: blocks available to unprivileged users × block size) before a write
 * of `bytes`: null when at least `minFreeBytes` stay free after it, else the free bytes now. A folder that does not
 * exist yet is checked through its nearest existing parent. Never throws (an unreadable statfs lets the write go on).
 */
export async function freeSpaceShortfall(dir: string, bytes: number, minFreeBytes: number): Promise<{ freeBytes: number } | null> {
  if (minFreeBytes <= 0) return null;
  for (let d = dir; ; d = dirname(d)) {
    try {
      const s = await statfs(d);
      const freeBytes = s.bavail * s.bsize;
      return freeBytes - bytes < minFreeBytes ? { freeBytes } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) return null;
    }
  }
}

/**
 * The band a clip is cut to ({@link clipBandFor}): edges (Hz, in the detection's frame) and where they came from: the
 * detection's, or the union with its identification's 99 % band when that is wider.
 */
export interface ClipBandChoice {
  lowHz: number;
  highHz: number;
  from: 'detection' | 'identification';
}

/**
 * The edges a detection's clip is cut to: the detection's [lowHz, highHz], widened to the union with `identified` (its
 * identification's band, identifiedClipBand in detection-evidence.ts) when that reaches past the flat passband of the detection's own
 * clip (centre ± passbandHz; a full-band plan: ± half its rate), as long as the union still
 * gives a cut (`planFor(union).decimated`: a clip never falls back to the source's whole band, which the byte budget
 * does not bound, for it). The detector can report one tone of a 2-FSK emission (the other beside the receiver's DC
 * guard: the Danfoss recordings, docs/clip-decimation.md); its identification's band spans both. Pure.
 */
export function clipBandFor(ev: Pick<DetectionEvent, 'lowHz' | 'highHz'>, identified: { lowHz: number; highHz: number } | undefined, planFor: (lowHz: number, highHz: number, widened: boolean) => ClipBandPlan): { choice: ClipBandChoice; plan: ClipBandPlan } {
  const own = { choice: { lowHz: ev.lowHz, highHz: ev.highHz, from: 'detection' as const }, plan: planFor(ev.lowHz, ev.highHz, false) };
  if (identified === undefined || !(identified.highHz > identified.lowHz)) return own;
  // already inside the flat passband of the detection's own clip: nothing is missing (a new centre alone would change
  // nothing but the clip's noise)
  const flat = own.plan.decimated ? own.plan.passbandHz : own.plan.rateSps / 2;
  if (identified.lowHz >= own.plan.centerHz - flat && identified.highHz <= own.plan.centerHz + flat) return own;
  const lowHz = Math.min(ev.lowHz, identified.lowHz);
  const highHz = Math.max(ev.highHz, identified.highHz);
  const plan = planFor(lowHz, highHz, true);
  return plan.decimated || !own.plan.decimated ? { choice: { lowHz, highHz, from: 'identification' }, plan } : own;
}

/**
 * A widened cut ({@link clipBandFor}) may take up to this share of the source rate (a detection's own cut: a quarter,
 * DEFAULT_CLIP_BAND.maxRateFraction), when its rate is at most {@link WIDENED_MAX_RATE_SPS}: a 250 kS/s recording's
 * Danfoss 2-FSK (tones 33 kHz apart, 10 kBd) needs 100 kS/s, 2.5 × fewer bytes than the source, and its working copy
 * (8 B per clip sample) is ≤ 6 MB for a 7.5 s clip.
 */
export const WIDENED_MAX_RATE_FRACTION = 0.5;
/** Highest rate of a widened cut: the byte budget's design rate (1 MB holds 0.75 s of pre-roll and 1.24 s of signal). */
export const WIDENED_MAX_RATE_SPS = 250e3;

/** The plan of a clip's band: the detection's with `options`; a widened one may go up to {@link WIDENED_MAX_RATE_FRACTION}. */
function planFor(rateSps: number, centerHz: number, options: Partial<ClipBandOptions>): (lowHz: number, highHz: number, widened: boolean) => ClipBandPlan {
  return (lowHz, highHz, widened) => {
    const own = planClipBand(rateSps, centerHz, lowHz, highHz, options);
    if (!widened || own.decimated) return own;
    const wide = planClipBand(rateSps, centerHz, lowHz, highHz, { ...options, maxRateFraction: Math.max(options.maxRateFraction ?? 0, WIDENED_MAX_RATE_FRACTION) });
    return wide.rateSps <= WIDENED_MAX_RATE_SPS ? wide : own;
  };
}

interface Pending {
  ev: DetectionEvent;
  /** The band the clip keeps (planned once, when the detection is scheduled: its bytes per second set the budget). */
  band: ClipBandPlan;
  /** The edges it was planned for, and whether its identification widened them. */
  choice: ClipBandChoice;
  from: number;
  /** Sample at which the clip is complete (end + post, or start + max). */
  until: number;
  /** What the byte budget took off (absent: the span fit). */
  budget?: ClipBudgetRecord;
  onWritten?: (metaPath: string) => void;
  /** Called instead of `onWritten` when no clip was written, with the reason. */
  onShed?: (reason: ClipLoss) => void;
}

/** A written clip. */
export interface ClipInfo {
  metaPath: string;
  dataPath: string;
  /** Samples in the clip (at the clip's rate). */
  sampleCount: number;
  /** The band kept (rate, centre, filter). */
  band: ClipBandPlan;
}

/**
 * Keeps a ring of the sensor's raw IQ (preS + maxS + postS long) and writes a SigMF clip per detection: the detection
 * plus `preS` before and `postS` after, capped at `maxS` + pre + post. The clip holds the detection's band
 * ({@link planClipBand}: occupied bandwidth × margin at a standard rate, centred on the signal; the whole band when
 * that is not narrower than the source), in the source's datatype, with a capture (`core:frequency` = the clip's
 * centre, `core:datetime`), an annotation in the clip's own frame (`core:freq_lower_edge`, `core:freq_upper_edge`,
 * `core:sample_start`, `core:sample_count` at the clip's rate, `core:label`) and the `quietband:` keys of
 * src/evidence/clip-meta.ts (site, sensor, location, session, alert id, source band, filter, gain).
 * Files are named the rtl_433 way, `<sensor>_<time>_<id>_<centre>M_<rate>k` ({@link clipBaseName}).
 * `quietband replay` on a clip reproduces the detection. Then enforces the quota (oldest clips first, logged).
 */
export class ClipRecorder {
  /** The stream's recent IQ (preS + maxS + postS): the clips' source, read by the live identification too. */
  readonly ring: IqRing;
  private readonly pending: Pending[] = [];
  private lastEnd = 0;
  private readonly o: ClipOptions;
  private writes: Promise<unknown> = Promise.resolve();
  /** Clips not written because of the free-space floor. */
  shed = 0;
  /**
   * Clips not written because the writer was behind: their raw copies would have taken the copies waiting for the
   * writer past {@link maxBacklogBytes}.
   */
  behind = 0;
  /** Bytes of raw copies waiting for the writer (cut and write run one at a time). */
  private backlogBytes = 0;
  /**
   * Most bytes of raw copies that may wait for the writer: two rings' worth. At 20 MS/s a 2.5 s copy is ≈ 100 MB and a
   * detection every second outpaces the band cut, so without a bound the queue grows until the process runs out of
   * memory; beyond it a clip is not written (the alert still goes out, logged and counted in {@link behind}).
   */
  readonly maxBacklogBytes: number;
  /** `logger` with the sensor bound (once, whether or not the caller's logger already binds it). */
  private readonly log: Logger | undefined;

  /**
   * @param info the source's info (rate, centre, datatype)
   * @param originMs wall-clock time (ms) of sample 0 of the stream, for `core:datetime`
   */
  constructor(private readonly info: IqSourceInfo, private readonly originMs: number, options: Partial<ClipOptions> & { dir: string; sensor: string }) {
    this.o = { ...DEFAULT_CLIP_OPTIONS, ...options };
    if (!(this.o.maxBytes > CLIP_META_RESERVE_BYTES)) throw new RangeError(`maxBytes: expected more than the meta's ${CLIP_META_RESERVE_BYTES} B, got ${this.o.maxBytes}`);
    this.log = this.o.logger === undefined ? undefined : withBindings(this.o.logger, { sensor: this.o.sensor });
    const cap = Math.ceil((this.o.preS + this.o.maxS + this.o.postS) * info.rateSps) + 1;
    this.ring = new IqRing(cap, info.format);
    this.maxBacklogBytes = 2 * cap * BYTES_PER_COMPLEX[info.format];
  }

  /** Feeds every block of the stream (before or after the detector sees it). */
  push(block: IqBlock): void {
    this.ring.push(block);
    this.lastEnd = block.firstSample + block.count;
    while (this.pending.length && this.pending[0].until <= this.lastEnd) this.flushOne(this.pending.shift()!);
  }

  /**
   * Schedules a clip for a detection (call on `close`; on `open` for a clip of a still-open signal capped at maxS).
   * `onWritten` gets the meta path once written; `onShed` is called instead, with the reason, when none was written
   * (writer behind, free-space floor, the I/Q already gone from the ring, a write error). `identified`: the 99 % band
   * of its identification when known by now (Hz, the detection's frame): the clip is cut to the union when wider
   * ({@link clipBandFor}).
   */
  onDetection(ev: DetectionEvent, onWritten?: (metaPath: string) => void, onShed?: (reason: ClipLoss) => void, identified?: { lowHz: number; highHz: number }): void {
    const rate = this.info.rateSps;
    const start = Math.round(ev.startS * rate);
    const end = Math.round((ev.endS ?? ev.startS) * rate);
    const bandOpts = this.o.band;
    const { choice, plan: band } = bandOpts === false
      ? { choice: { lowHz: ev.lowHz, highHz: ev.highHz, from: 'detection' as const }, plan: planClipBand(rate, this.info.centerHz, -Infinity, Infinity) }
      : clipBandFor(ev, identified, planFor(rate, this.info.centerHz, bandOpts));
    let from = start - Math.round(this.o.preS * rate);
    let until = Math.min(end + Math.round(this.o.postS * rate), start + Math.round(this.o.maxS * rate));
    let budget: ClipBudgetRecord | undefined;
    if (band.decimated) {
      // the byte budget at the clip's rate, as source samples: bytes per source sample = B per complex × up / down
      const maxSamples = ((this.o.maxBytes - CLIP_META_RESERVE_BYTES) / BYTES_PER_COMPLEX[clipSampleFormat(this.info.format)]) * (band.down / band.up);
      const fit = fitClipSpan(start, end, from, until, maxSamples, Math.round(CLIP_BUDGET_MIN_PRE_S * rate), Math.round(CLIP_BUDGET_MIN_POST_S * rate), Math.round(CLIP_BUDGET_LAST_PRE_S * rate));
      if (fit.cutPost + fit.cutPre + fit.cutBody > 0) {
        budget = { maxBytes: this.o.maxBytes, cutPreS: fit.cutPre / rate, cutPostS: fit.cutPost / rate, cutTransmissionS: fit.cutBody / rate };
        this.log?.info({ id: ev.id, centerHz: ev.centerHz, rateSps: band.rateSps, ...budget }, 'evidence clip shortened to its byte budget');
      }
      ({ from, until } = fit);
    }
    this.pending.push({ ev, band, choice, from, until, onWritten, onShed, ...(budget !== undefined ? { budget } : {}) });
    this.pending.sort((a, b) => a.until - b.until);
    while (this.pending.length && this.pending[0].until <= this.lastEnd) this.flushOne(this.pending.shift()!);
  }

  /** Writes what is pending now (stream end), and waits for all writes. */
  async close(): Promise<void> {
    while (this.pending.length) this.flushOne(this.pending.shift()!);
    await this.writes;
  }

  private flushOne(p: Pending): void {
    const bytes = Math.max(0, p.until - p.from) * BYTES_PER_COMPLEX[this.info.format];
    if (this.backlogBytes > 0 && this.backlogBytes + bytes > this.maxBacklogBytes) {
      this.behind++;
      this.log?.warn({ id: p.ev.id, centerHz: p.ev.centerHz, backlogBytes: this.backlogBytes, maxBacklogBytes: this.maxBacklogBytes, behind: this.behind }, 'evidence clip not written: the clip writer is behind (alerts come first)');
      p.onShed?.('writer-behind');
      return;
    }
    const { data, first, count } = this.ring.readRaw(p.from, p.until);
    if (count === 0) {
      this.log?.warn({ id: p.ev.id, centerHz: p.ev.centerHz }, 'evidence clip not written: its I/Q has already left the ring (the pipeline is too far behind)');
      p.onShed?.('iq-gone');
      return;
    }
    this.backlogBytes += data.length;
    const job = this.writes.then(() => this.write(p, first, count, data)).finally(() => {
      this.backlogBytes -= data.length;
    }).then((info) => {
      if (info === null) {
        p.onShed?.('disk-floor');
        return;
      }
      p.onWritten?.(info.metaPath);
      return this.enforceQuota();
    }, (err: unknown) => {
      this.log?.error({ err, id: p.ev.id }, 'evidence clip not written');
      p.onShed?.('write-error');
    }).then(() => undefined).catch((err: unknown) => this.log?.error({ err }, 'evidence clip quota pass failed'));
    this.writes = job;
  }

  /**
   * Writes one clip (its band cut out first, see {@link extractBand}); null when it was shed (writing it would leave
   * less than `minFreeBytes` free).
   */
  private async write(p: Pending, first: number, count: number, raw: Buffer): Promise<ClipInfo | null> {
    const srcRate = this.info.rateSps;
    const band = p.band;
    const ratio = band.up / band.down;
    const format = band.decimated ? clipSampleFormat(this.info.format) : this.info.format;
    const clipBytes = Math.floor(count * ratio) * BYTES_PER_COMPLEX[format];
    const short = await freeSpaceShortfall(this.o.dir, clipBytes + 4096, this.o.minFreeBytes);
    if (short !== null) {
      this.shed++;
      this.log?.warn({ id: p.ev.id, centerHz: p.ev.centerHz, clipBytes, freeBytes: short.freeBytes, minFreeBytes: this.o.minFreeBytes, shed: this.shed }, 'evidence clip shed: free disk space below the evidence floor (alerts come first)');
      return null;
    }
    let data: Uint8Array = raw;
    let clipCount = count;
    let extras: Parameters<typeof clipMetaExtras>[0]['filter'];
    if (band.decimated) {
      const t = performance.now();
      const input = { raw, format: this.info.format, count, sourceRateSps: srcRate, sourceCenterHz: this.info.centerHz, plan: band };
      const x = this.o.cutter !== undefined ? await this.o.cutter.cut(input) : await cutBand(input);
      data = x.data;
      clipCount = x.count;
      extras = { band, gain: x.gain, stages: x.stages, ms: performance.now() - t, noiseDbfs: x.noiseDbfs, quantisationDbfs: QUANTISATION_DBFS_8BIT };
    }
    await makeFolder(this.o.dir, DATA_DIR_MODE);
    const rate = band.rateSps;
    const t0 = this.originMs + (first / srcRate) * 1000;
    const base = join(this.o.dir, clipBaseName(this.o.sensor, t0, p.ev.id, this.info.centerKnown ? band.centerHz : undefined, rate));
    const dataPath = `${base}.sigmf-data`;
    await writeFile(dataPath, data, { mode: DATA_FILE_MODE });
    const start = Math.round(p.ev.startS * srcRate);
    const startIdx = Math.round((start - first) * ratio);
    // the pre-roll asked for (none before the stream's sample 0) and what the ring still held of it
    const preRoll = { askedS: Math.max(0, start - Math.max(0, p.from)) / srcRate, keptS: Math.max(0, start - first) / srcRate };
    if (first - Math.max(0, p.from) > 1) {
      this.log?.warn({ id: p.ev.id, centerHz: p.ev.centerHz, preRollAskedS: preRoll.askedS, preRollKeptS: preRoll.keptS }, 'evidence clip short of its pre-roll: its first I/Q had already left the ring (the pipeline was behind)');
    }
    const endIdx = Math.round((Math.round((p.ev.endS ?? p.ev.startS) * srcRate) - first) * ratio);
    const metaPath = await writeSigmfMeta(base, {
      format,
      rateSps: rate,
      fileMode: DATA_FILE_MODE,
      description: `QuietBand evidence clip, sensor ${this.o.sensor}, detection ${p.ev.id}`,
      captures: [{ sampleStart: 0, centerHz: band.centerHz, datetime: new Date(t0).toISOString() }],
      annotations: [{
        sampleStart: Math.max(0, startIdx),
        sampleCount: Math.max(1, Math.min(clipCount, endIdx) - Math.max(0, startIdx)),
        freqLowerHz: p.ev.lowHz,
        freqUpperHz: p.ev.highHz,
        label: 'detection',
        comment: `peak excess ${p.ev.peakExcessDb.toFixed(1)} dB, peak ${p.ev.peakPowerDbfs.toFixed(1)} dBFS`,
      }],
      extraGlobal: clipMetaExtras({
        sensor: this.o.sensor, context: this.o.context, ev: p.ev, sourceRateSps: srcRate, sourceCenterHz: this.info.centerHz,
        sourceFirstSample: first, sourceFormat: this.info.format, filter: extras, budget: p.budget, ...(band.decimated ? { bandChoice: p.choice } : {}),
        preRoll,
      }),
    });
    this.log?.info({ clip: metaPath, seconds: clipCount / rate, rateSps: rate, bytes: data.length, fullRateBytes: raw.length, ...(extras ? { bandMs: Math.round(extras.ms) } : {}) }, 'evidence clip written');
    return { metaPath, dataPath, sampleCount: clipCount, band };
  }

  /**
   * Deletes the oldest clips (by the newest modification time of their files in the clips folder: a picture, drawn
   * later and under load after a newer clip was written, does not make its clip younger) until the clips folder plus the
   * pictures folder (`.png` files only: a `.tmp` being rendered is not counted) is under the quota; a clip's picture
   * and its kept audio (`<name>.<class>.wav`, src/server/clips-route.ts) go with it. Runs after every clip; call it after a picture is written too. Tolerates a concurrent pass of another
   * sensor (shared folders). Resolves with the clip bases deleted.
   */
  async enforceQuota(): Promise<string[]> {
    const list = async (dir: string, keep: (n: string) => boolean): Promise<{ dir: string; n: string; base: string; size: number; mtimeMs: number }[]> => {
      let names: string[];
      try {
        names = (await readdir(dir)).filter(keep);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      // the folders are shared by every sensor of the site: a file another sensor's quota pass removed between readdir
      // and stat is simply gone (ENOENT), not an error
      const found = await Promise.all(names.map(async (n) => {
        try {
          const s = await stat(join(dir, n));
          return { dir, n, base: n.replace(CLIP_FILE_SUFFIX, ''), size: s.size, mtimeMs: s.mtimeMs };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
          throw err;
        }
      }));
      return found.filter((f): f is NonNullable<typeof f> => f !== null);
    };
    const files = [
      ...(await list(this.o.dir, () => true)),
      ...(this.o.picturesDir !== undefined ? await list(this.o.picturesDir, (n) => n.endsWith('.png')) : []),
    ];
    let total = files.reduce((a, f) => a + f.size, 0);
    if (total <= this.o.quotaBytes) return [];
    const bases = new Map<string, { mtime: number; size: number; paths: string[] }>();
    for (const f of files) {
      const b = bases.get(f.base) ?? { mtime: 0, size: 0, paths: [] };
      if (f.dir === this.o.dir) b.mtime = Math.max(b.mtime, f.mtimeMs);
      b.size += f.size;
      b.paths.push(join(f.dir, f.n));
      bases.set(f.base, b);
    }
    const deleted: string[] = [];
    for (const [base, b] of [...bases].sort((x, y) => x[1].mtime - y[1].mtime)) {
      if (total <= this.o.quotaBytes) break;
      for (const p of b.paths) await rm(p, { force: true });
      total -= b.size;
      deleted.push(base);
      this.log?.warn({ deleted: base, files: b.paths.length, quotaBytes: this.o.quotaBytes }, 'clip quota reached: oldest clip deleted');
    }
    return deleted;
  }
}
