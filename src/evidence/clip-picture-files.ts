// Clip pictures' files: their folder in the data dir, the picture path of a clip, and pruning pictures whose clip is gone.
// Apart from clip-picture.ts (the renderer) so that code which only names or prunes pictures does not load the renderer.
import { existsSync } from 'node:fs';
import { access, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { clipExtent, type ClipExtent } from './clip-axes.js';
import { freeSpaceShortfall } from './clip-recorder.js';

/** Folder (in the data dir) of clip pictures, `<clip base>.png`: counted in the evidence quota (ClipRecorder `picturesDir`). */
export const CLIP_PICTURES_DIR = 'clip-pictures';

/**
 * Bytes a clip picture is assumed to take when checking the free-space floor before drawing it (indexed PNGs of
 * 512 × 256: ≈ 30–100 kB; as RGBA they could reach ≈ 350 kB).
 */
export const PICTURE_BYTES_BOUND = 512 * 1024;

/** `<dataDir>/clip-pictures/<clip base>.png` for a clip's `.sigmf-meta` (or `.sigmf-data`) path. */
export function clipPicturePath(dataDir: string, clipPath: string): string {
  return join(dataDir, CLIP_PICTURES_DIR, `${basename(clipPath).replace(/\.sigmf-(meta|data)$/, '')}.png`);
}

/**
 * Deletes pictures whose clip is gone (the clip quota deleted it): every `<name>.png` in `picturesDir` without
 * `<clipsDir>/<name>.sigmf-meta`. Returns the names deleted.
 */
export async function pruneClipPictures(picturesDir: string, clipsDir: string): Promise<string[]> {
  let pics: string[];
  let clips: Set<string>;
  try {
    pics = (await readdir(picturesDir)).filter((n) => n.endsWith('.png'));
    clips = new Set((await readdir(clipsDir)).filter((n) => n.endsWith('.sigmf-meta')).map((n) => n.slice(0, -'.sigmf-meta'.length)));
  } catch {
    return [];
  }
  const gone = pics.filter((n) => !clips.has(n.slice(0, -'.png'.length)));
  for (const n of gone) await rm(join(picturesDir, n), { force: true });
  return gone;
}

/** Draws a clip's picture: `draw(metaPath, pngPath)` writes the PNG (PictureRenderer.render, renderClipPicture). */
export type PictureDrawer = (metaPath: string, pngPath: string) => Promise<unknown>;

/** Pictures being drawn by drawers of {@link missingPictureDrawer}, by PNG path: a second request waits for the same drawing. */
const drawing = new Map<string, Promise<unknown>>();

/**
 * `draw` for pictures drawn when first asked for (the clips route, the daemon's session report): it draws `pngPath`
 * only when it is not there yet, its clip (`metaPath` and its `.sigmf-data`) is, and free space is at least
 * `floorBytes` (then it logs the picture as shed: what can be made again from a clip goes first as the disk fills).
 * Every such drawer shares one drawing per PNG path, so a page and a report asking at once draw it once. Rejects as
 * `draw` does.
 */
export function missingPictureDrawer(draw: PictureDrawer, floorBytes: number, log: Logger): PictureDrawer {
  return (metaPath, pngPath) => {
    // registered before the first await: a second request for the same picture waits for this one
    const pending = drawing.get(pngPath);
    if (pending !== undefined) return pending;
    const job = drawMissing(draw, metaPath, pngPath, floorBytes, log).finally(() => drawing.delete(pngPath));
    drawing.set(pngPath, job);
    return job;
  };
}

async function drawMissing(draw: PictureDrawer, metaPath: string, pngPath: string, floorBytes: number, log: Logger): Promise<void> {
  if (await exists(pngPath)) return; // drawn before
  // no clip (never written, or deleted by the quota): no picture
  if (!(await exists(metaPath)) || !(await exists(metaPath.replace(/meta$/, 'data')))) return;
  const short = await freeSpaceShortfall(dirname(pngPath), PICTURE_BYTES_BOUND, floorBytes);
  if (short !== null) {
    log.warn({ clip: metaPath, freeBytes: short.freeBytes, pictureFloorBytes: floorBytes }, 'clip picture shed: free disk space below twice the evidence floor (the clip is kept; alerts come first)');
    return;
  }
  const t0 = performance.now();
  await draw(metaPath, pngPath);
  log.debug({ picture: pngPath, ms: Math.round(performance.now() - t0) }, 'clip picture written');
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The picture of `clip` (its meta path relative to `dataDir`) as a `data:image/png;base64,…` URL: drawn first with
 * `draw` when it is not there yet and its clip is (evidence.pictures 'on-view' draws pictures when first asked for).
 * Undefined when there is none (no clip, no drawer, or the drawing failed).
 */
export async function clipPictureDataUrl(dataDir: string, clip: string, draw?: PictureDrawer): Promise<string | undefined> {
  const png = clipPicturePath(dataDir, clip);
  const meta = join(dataDir, clip);
  if (!existsSync(png) && draw !== undefined && existsSync(meta)) await draw(meta, png).catch(() => undefined);
  return existsSync(png) ? `data:image/png;base64,${(await readFile(png)).toString('base64')}` : undefined;
}

/**
 * The extent of a clip's picture (band and duration; {@link clipExtent}) from `<dataDir>/<clip>` (its `.sigmf-meta`) and
 * the size of its `.sigmf-data`; undefined when either is missing or unreadable (the picture is then shown without axes).
 */
export async function clipFileExtent(dataDir: string, clip: string): Promise<ClipExtent | undefined> {
  const meta = join(dataDir, clip);
  try {
    const [text, data] = await Promise.all([readFile(meta, 'utf8'), stat(meta.replace(/\.sigmf-meta$/, '.sigmf-data'))]);
    return clipExtent(JSON.parse(text), data.size);
  } catch {
    return undefined;
  }
}

/**
 * Most pictures one session report draws (evidence.pictures 'on-view'): ≈ 0.1–0.6 s each on a loaded 2-core laptop,
 * so a report of a busy session is answered within ≈ 30 s; alerts past it are shown without their picture (one
 * viewed in the page meanwhile is drawn and then shown).
 */
export const REPORT_MAX_DRAWINGS = 60;

/** `draw`, but only for its first `max` calls; later calls resolve without drawing anything. */
export function limitDrawings(draw: PictureDrawer, max: number): PictureDrawer {
  let left = max;
  return async (metaPath, pngPath) => (left-- > 0 ? draw(metaPath, pngPath) : undefined);
}
