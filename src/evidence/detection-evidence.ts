// Worker-side evidence: IQ ring → one SigMF clip + picture per detection; events are posted with the clip path once written.
import { join, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import { ClipRecorder, freeSpaceShortfall, PICTURE_FLOOR_FACTOR } from './clip-recorder.js';
import type { ClipBandOptions } from '../dsp/band-cut.js';
import type { ClipContext } from './clip-meta.js';
import type { IqRing } from './iq-ring.js';
import { clipPicturePath, CLIP_PICTURES_DIR, PICTURE_BYTES_BOUND, pruneClipPictures } from './clip-picture-files.js';
import { sharedPictureRenderer } from './picture-renderer.js';
import type { ClipLoss, DetectionEvent, IqBlock, IqSourceInfo } from '../types.js';

/** Folder (in the data dir) of the SigMF clips. */
export const CLIPS_DIR = 'clips';


/** Settings of {@link DetectionEvidence} (site config `evidence`, data dir, sensor). */
export interface DetectionEvidenceOptions {
  dataDir: string;
  sensor: string;
  /** Seconds of IQ kept before a detection's start (≥ 1). */
  preS: number;
  /** Seconds recorded after its end (≥ 1). */
  postS: number;
  /** Longest clip after the start (s); a longer signal is clipped from its start to start + maxS while still on. */
  maxS: number;
  /** Total bytes of `<dataDir>/clips` plus `<dataDir>/clip-pictures` (oldest clip deleted first with its picture, logged by ClipRecorder). */
  quotaBytes: number;
  /**
   * Largest band-cut clip (bytes of sigmf-data + meta; site config `evidence.maxClipBytes`): a longer span is shortened
   * (ClipOptions.maxBytes, fitClipSpan). Default DEFAULT_CLIP_MAX_BYTES (1 MB).
   */
  maxBytes?: number;
  /** Free-space floor (bytes): a clip or picture that would leave less free on the data dir's file system is shed (logged). Default 0. */
  minFreeBytes?: number;
  /** The band each clip keeps (see ClipOptions.band); `false` = the source's whole band. Default: the detection's band. */
  band?: Partial<ClipBandOptions> | false;
  /** Site, location, session and alert id for the clips' metas (`quietband:` keys). */
  context?: ClipContext;
  /**
   * Spectrogram PNGs of the clips (`<dataDir>/clip-pictures/<clip>.png`): true = render each after its clip's alert was
   * posted; 'on-view' = none here (the server draws one when it is first asked for, clips-route.ts), but the pictures
   * folder counts in the quota and a picture goes with its clip; false = none.
   */
  pictures: boolean | 'on-view';
  log: Logger;
  /**
   * Receives every detection event in order per track; `clip` = the clip's meta path relative to the data dir; a close
   * posted without one carries `noClip`, why.
   */
  post: (ev: DetectionEvent, clip?: string, noClip?: ClipLoss) => void;
  /**
   * Receives the clip of a detection whose close was posted without it (`late`: the hold time ran out while it was
   * being cut) once it is written: track `id`, the meta path relative to the data dir. The alert gains it then.
   */
  lateClip?: (id: number, clip: string) => void;
  /** A close waits at most this long (ms) for its clip, then goes without. Default (postS + 15) s. */
  holdMs?: number;
}

/** What an evidence sink reads of an identification (EvidenceSink.onSignal, src/site/sensor-runtime.ts): its class and 99 % band. */
export interface IdentifiedBand {
  class: string;
  lowHz?: number;
  highHz?: number;
  /** The emission filled the identification's search window (a slice of a band-wide emission): no band of its own. */
  wholeBand?: boolean;
  /** The complementary tone's offset from the keyed emission (Hz, signed; AlertSignal.complementSpacingHz). */
  complementSpacingHz?: number;
}

/**
 * The band an identification asks a detection's clip to hold (Hz, the detection's frame): its 99 % band; for a 2-FSK
 * found by its complementary tone (docs/identification.md §4b) instead the detection's band and the same band moved by
 * the tone spacing, i.e. the other tone as the detector would have seen it (the keyed tone's 99 % band holds its keying
 * sidebands, 33 kHz at Danfoss's 10 kBd: that band and its copy needed the same 100 kS/s and left one of the three
 * Danfoss clips reading ook). Undefined for `unknown`, a whole-band reading or one without a band. Pure.
 */
export function identifiedClipBand(signal: IdentifiedBand, ev: { lowHz: number; highHz: number }): { lowHz: number; highHz: number } | undefined {
  if (signal.class === 'unknown' || signal.wholeBand === true || typeof signal.lowHz !== 'number' || typeof signal.highHz !== 'number') return undefined;
  const cs = signal.complementSpacingHz;
  if (typeof cs === 'number' && Number.isFinite(cs) && cs !== 0) return { lowHz: Math.min(ev.lowHz, ev.lowHz + cs), highHz: Math.max(ev.highHz, ev.highHz + cs) };
  return { lowHz: signal.lowHz, highHz: signal.highHz };
}

interface TrackEvidence {
  startS: number;
  scheduled: boolean;
  /** The track's latest identification that measured a band ({@link DetectionEvidence.onSignal}). */
  signal?: IdentifiedBand;
  clip?: string;
  held?: DetectionEvent;
  timer?: NodeJS.Timeout;
  /** The close was posted before its clip was written (hold time over): the clip, when written, is logged as late. */
  postedBeforeClip?: boolean;
  /** No clip will come (the capped clip of a track still open was not written): why, for its close. */
  lost?: ClipLoss;
}

/**
 * Why a held close is posted: its clip was written (`written`), or it goes without one ({@link ClipLoss}: the hold time
 * ran out while the clip was still being cut, the recorder did not write it, the stream ended).
 */
type ReleaseReason = 'written' | ClipLoss;

/** The warning for a close posted without a clip, by reason (none for `written`). */
export const NO_CLIP_MESSAGE: Record<ClipLoss, string> = {
  late: 'clip not kept in time: the detection closed before its evidence clip was written, so the alert closes without it; the clip is still being cut and is added to the alert when written',
  'writer-behind': 'clip not kept: the clip writer was behind (alerts come first)',
  'disk-floor': 'clip not kept: free disk space below the evidence floor (alerts come first)',
  'iq-gone': 'clip not kept: its I/Q had already left the ring (the pipeline was too far behind)',
  'write-error': 'clip not kept: the clip file could not be written (see the error before)',
  'stream-end': 'clip not kept: the stream ended before the clip was written',
};

/**
 * One stream's evidence (a new instance per source run: the recorder's sample numbering is the stream's).
 *
 * - `push(block)` every block of the stream (the IQ ring; copies, so the block may be reused after the call);
 * - `onEvent(ev)` every detector event (track ids unique within the stream):
 *   - `open`/`update` are posted at once (with the clip once one exists);
 *   - a track still open `maxS − postS` after its start gets a capped clip (start − preS … start + maxS) at once,
 *     so long signals have evidence before they end;
 *   - `close` schedules the clip (start − preS … end + postS, capped) unless one exists, and is posted when the clip
 *     is written — about postS later — or after `holdMs` without a clip; meanwhile an `update` carrying the close's
 *     end goes at once, so the open alert shows how long the transmission was heard. With `pictures: true` the
 *     picture is rendered afterwards, one at a time, and pictures of clips the quota deleted are removed.
 * - `onSignal(id, band)` an identification of a track: its clip, scheduled after, is cut to the union of the
 *   detection's band and the identification's 99 % band when that is wider (ClipRecorder clipBandFor);
 * - `close()` at stream end: writes the pending clips from what the ring holds, posts every held close, waits for
 *   the writes.
 */
export class DetectionEvidence {
  private readonly recorder: ClipRecorder;
  private readonly tracks = new Map<number, TrackEvidence>();
  private renders: Promise<unknown> = Promise.resolve();
  /** Renders pictures on a thread of their own (this thread's shared renderer, started with the first picture). */
  private readonly pictures = sharedPictureRenderer();
  private readonly holdMs: number;
  private closed = false;
  private skipPictures = false;

  /** @param originMs wall time (ms) of the stream's sample 0. */
  constructor(info: IqSourceInfo, originMs: number, private readonly o: DetectionEvidenceOptions) {
    this.recorder = new ClipRecorder(info, originMs, {
      dir: join(o.dataDir, CLIPS_DIR),
      sensor: o.sensor,
      preS: o.preS,
      postS: o.postS,
      maxS: o.maxS,
      quotaBytes: o.quotaBytes,
      ...(o.maxBytes !== undefined ? { maxBytes: o.maxBytes } : {}),
      minFreeBytes: o.minFreeBytes ?? 0,
      band: o.band ?? {},
      cutter: this.pictures,
      ...(o.context !== undefined ? { context: o.context } : {}),
      ...(o.pictures !== false ? { picturesDir: join(o.dataDir, CLIP_PICTURES_DIR) } : {}),
      logger: o.log,
    });
    this.holdMs = o.holdMs ?? (o.postS + 15) * 1000;
    // drawing at every clip: the evidence thread starts now rather than with the first detections (a fixed sensor's
    // live identification starts it with the run anyway, src/site/live-ident.ts)
    if (o.pictures === true) this.pictures.warm();
  }

  /** The stream's recent IQ held for the clips (preS + maxS + postS seconds), for other readers of the same samples. */
  get iqRing(): IqRing {
    return this.recorder.ring;
  }

  /** Feeds one block (allocation-free: the recorder's ring copies it). */
  push(block: IqBlock): void {
    this.recorder.push(block);
  }

  /** Handles one detector event (see the class comment). */
  onEvent(ev: DetectionEvent): void {
    let t = this.tracks.get(ev.id);
    if (t === undefined) {
      t = { startS: ev.startS, scheduled: false };
      this.tracks.set(ev.id, t);
    }
    if (ev.kind !== 'close') {
      if (!t.scheduled && !this.closed && ev.endS !== undefined && ev.endS - t.startS >= this.o.maxS - this.o.postS) {
        this.schedule(t, { ...ev, paths: [...ev.paths], endS: t.startS + this.o.maxS });
      }
      this.o.post(ev, t.clip);
      return;
    }
    if (t.clip !== undefined || this.closed || t.lost !== undefined) {
      this.tracks.delete(ev.id);
      if (t.clip !== undefined) this.o.post(ev, t.clip);
      else this.postWithout(t, ev, t.lost ?? 'stream-end');
      return;
    }
    t.held = { ...ev, paths: [...ev.paths] };
    // the close waits for its clip (postS, then the band cut and the write: seconds, tens of seconds on a loaded
    // machine); meanwhile the alert learns the end the detector heard, so its open duration is the on-air time
    // known so far, not its start alone
    if (ev.endS !== undefined) this.o.post({ ...ev, kind: 'update', paths: [...ev.paths] }, t.clip);
    const id = ev.id;
    t.timer = setTimeout(() => this.release(id, 'late'), this.holdMs);
    if (!t.scheduled) this.schedule(t, t.held);
  }

  /**
   * An identification of track `id` (the live identifier's, src/site/live-ident.ts: the first one ≈ 0.5 s after the
   * start, the final one before the close is passed on): its band ({@link identifiedClipBand}: a class other than
   * `unknown`, not a slice of a band-wide emission) becomes the band the track's clip is widened to when it is scheduled
   * after this (the close's clip; the capped clip of a long track). The final identification replaces the first.
   */
  onSignal(id: number, signal: IdentifiedBand): void {
    const t = this.tracks.get(id);
    if (t === undefined || t.scheduled) return;
    if (identifiedClipBand(signal, { lowHz: 0, highHz: 0 }) !== undefined) t.signal = signal;
  }

  private schedule(t: TrackEvidence, ev: DetectionEvent): void {
    t.scheduled = true;
    const identified = t.signal === undefined ? undefined : identifiedClipBand(t.signal, ev);
    this.recorder.onDetection(ev, (metaPath) => this.onWritten(t, ev.id, metaPath), (why) => this.release(ev.id, why), identified);
  }

  private onWritten(t: TrackEvidence, id: number, metaPath: string): void {
    t.clip = relative(this.o.dataDir, metaPath).split(sep).join('/');
    if (t.held !== undefined) this.release(id, 'written');
    if (t.postedBeforeClip === true) {
      if (this.o.lateClip !== undefined) {
        this.o.log.info({ id, clip: t.clip }, 'evidence clip written after its alert closed: added to the alert');
        this.o.lateClip(id, t.clip);
      } else this.o.log.info({ id, clip: t.clip }, 'evidence clip of an already posted detection written (its alert went without it)');
    }
    if (this.o.pictures !== true) return;
    // the picture follows in the background, on a thread of its own (PictureRenderer): neither the alert nor the next
    // detections wait for it
    this.renders = this.renders.then(async () => {
      if (this.skipPictures) {
        this.o.log.info({ clip: metaPath }, 'clip picture skipped: shutting down');
        return;
      }
      try {
        const png = clipPicturePath(this.o.dataDir, metaPath);
        // a picture is at most a few hundred KiB: checked with that much headroom against its own floor, twice the
        // clips' (pictures go first as the disk fills: a picture can be drawn again from its clip)
        const pictureFloor = PICTURE_FLOOR_FACTOR * (this.o.minFreeBytes ?? 0);
        const short = await freeSpaceShortfall(this.o.dataDir, PICTURE_BYTES_BOUND, pictureFloor);
        if (short !== null) {
          this.o.log.warn({ clip: metaPath, freeBytes: short.freeBytes, pictureFloorBytes: pictureFloor }, 'clip picture shed: free disk space below twice the evidence floor (the clip is kept; alerts come first)');
          return;
        }
        const t0 = performance.now();
        const frames = await this.pictures.render(metaPath, png);
        this.o.log.debug({ picture: png, frames, ms: Math.round(performance.now() - t0) }, 'clip picture written');
        // the picture counts in the evidence quota: a pass now, then drop pictures whose clip another pass deleted
        await this.recorder.enforceQuota();
        const gone = await pruneClipPictures(join(this.o.dataDir, CLIP_PICTURES_DIR), join(this.o.dataDir, CLIPS_DIR));
        if (gone.length > 0) this.o.log.info({ deleted: gone }, 'pictures of deleted clips removed');
      } catch (err) {
        this.o.log.error({ err, clip: metaPath }, 'clip picture not written');
      }
    });
  }

  /** Posts a held close (with its clip when written) and forgets the track; without a clip it warns why (`reason`). */
  private release(id: number, reason: ReleaseReason): void {
    const t = this.tracks.get(id);
    if (t === undefined) return;
    if (t.held === undefined) {
      // a track still open: its close, when it comes, goes without a clip and says why
      if (reason !== 'written' && t.clip === undefined) t.lost = reason;
      return;
    }
    if (t.timer !== undefined) clearTimeout(t.timer);
    const ev = t.held;
    t.held = undefined;
    this.tracks.delete(id);
    if (t.clip === undefined && reason !== 'written') this.postWithout(t, ev, reason);
    else this.o.post(ev, t.clip);
  }

  /** Posts a close without a clip, with `reason`, and logs it (a warning naming the reason). */
  private postWithout(t: TrackEvidence, ev: DetectionEvent, reason: ClipLoss): void {
    if (reason === 'late') t.postedBeforeClip = true;
    this.o.log.warn({ id: ev.id, centerHz: ev.centerHz, clipNotKept: reason }, NO_CLIP_MESSAGE[reason]);
    this.o.post(ev, undefined, reason);
  }

  /**
   * Writes pending clips (stream end), posts held closes (before the pictures), waits for every write and picture.
   * With `skipPictures` (shutdown) pictures not yet started are skipped, so stopping does not wait for them. Idempotent.
   */
  async close(skipPictures = false): Promise<void> {
    this.closed = true;
    if (skipPictures) this.skipPictures = true;
    await this.recorder.close();
    for (const id of [...this.tracks.keys()]) this.release(id, 'stream-end');
    this.tracks.clear();
    await this.renders;
  }
}
