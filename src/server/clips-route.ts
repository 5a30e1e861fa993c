// GET /clips/…: evidence clips (SigMF pairs), their spectrogram pictures and their demodulated audio, behind the server's auth.
import { promises as fsp } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { Logger } from 'pino';
import { ClipAudioError, clipAudioWav, isAudioClass, MAX_CLIP_AUDIO_IQ_SAMPLES, MAX_CLIP_AUDIO_S } from '../evidence/clip-audio.js';
import { freeSpaceShortfall } from '../evidence/clip-recorder.js';
import { missingPictureDrawer, type PictureDrawer } from '../evidence/clip-picture-files.js';
import { ANALOG_CLASSES, type SignalClass } from '../ident/classify.js';
import { failFileAnswer, type HttpRoute } from './http-reply.js';
import { serveStatic } from './static-files.js';
import { writeFileAtomic } from '../atomic-write.js';

/** URL prefix of the route. */
export const CLIPS_PREFIX = '/clips/';

/** Where clips live (ServerOptions.clips). */
export interface ClipFolders {
  /** Folder of the `.sigmf-meta` / `.sigmf-data` files. */
  dir: string;
  /** Folder of the `.png` spectrograms. */
  picturesDir: string;
  /**
   * Draws a picture that is not there yet from its clip (site config `evidence.pictures` 'on-view'): `draw(metaPath,
   * pngPath)` writes the PNG (PictureRenderer.render: on a thread of its own). Absent: a missing picture is a 404.
   */
  draw?: PictureDrawer;
  /**
   * Free-space floor (bytes) below which no picture is drawn and no clip audio kept (twice the evidence floor, as for
   * pictures drawn with their clip: what can be made again from a clip goes first as the disk fills). Default 0.
   */
  pictureFloorBytes?: number;
}

/**
 * Makes sure `<picturesDir>/<name>.png` exists when its clip does (`rawName`: the URL's `/<name>.png`, still
 * percent-encoded): draws it with `draw` (a {@link missingPictureDrawer} over `folders.draw`) the first time it is
 * asked for. Resolves either way; a name with a path in it, a clip that is not there (deleted by the quota), too little
 * free space or a failed drawing (logged) leave the picture missing, which the static answer then reports as 404.
 */
async function ensurePicture(folders: ClipFolders, draw: PictureDrawer | undefined, rawName: string, log: Logger): Promise<void> {
  if (draw === undefined) return;
  let base: string;
  try {
    base = decodeURIComponent(rawName.slice(1, -'.png'.length));
  } catch {
    return;
  }
  if (base === '' || base.startsWith('.') || /[/\\\0]/.test(base)) return;
  const metaPath = path.join(folders.dir, `${base}.sigmf-meta`);
  await draw(metaPath, path.join(folders.picturesDir, `${base}.png`)).catch((err: unknown) => log.error({ err, clip: metaPath }, 'clip picture not written'));
}

/**
 * `GET /clips/<name>.sigmf-meta|.sigmf-data` from `folders.dir`, `GET /clips/<name>.png` from `folders.picturesDir`,
 * served as static files (same path checks: nothing outside the folder); a picture not drawn yet is drawn from its clip
 * first when `folders.draw` is given (then kept: later requests read the file). 404 "no clips yet" while the folder does not
 * exist; 500 (logged) when a file cannot be read. `GET /clips/<name>.wav?class=nfm|wfm|am`: the clip demodulated
 * ({@link answerClipWav}).
 */
export function clipsRoute(folders: ClipFolders, log: Logger): HttpRoute {
  const draw = folders.draw === undefined ? undefined : missingPictureDrawer(folders.draw, folders.pictureFloorBytes ?? 0, log);
  return (req, res, url) => {
    if (!url.pathname.startsWith(CLIPS_PREFIX)) return false;
    const name = url.pathname.slice(CLIPS_PREFIX.length - 1);
    if (name.endsWith('.wav')) {
      const clip = name.slice(1, -'.wav'.length);
      answerClipWav(folders, clip, url, req, res, log).catch((err: unknown) =>
        failFileAnswer(res, log, 'clip audio not made: answered 500', err, { clip, class: url.searchParams.get('class') }),
      );
      return true;
    }
    const png = name.endsWith('.png');
    const root = png ? folders.picturesDir : folders.dir;
    (png ? ensurePicture(folders, draw, name, log) : Promise.resolve()).then(() => fsp.realpath(root)).then(
      (real) => serveStatic(real, name, req, res),
      () => res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('no clips yet\n'),
    ).catch((err: unknown) => failFileAnswer(res, log, 'clip file error', err, { file: name }));
    return true;
  };
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } as const;

/** WAVs being made, by cache path: a second request for one (the player's, a second page's) waits for the same one. */
const demodulating = new Map<string, Promise<Buffer>>();

/**
 * The WAV of clip `metaPath` as `cls`: read from `wavPath` (`<clips dir>/<name>.<class>.wav`, kept beside its clip)
 * when made before, else demodulated ({@link clipAudioWav}: 2.5–5 s on a loaded demo box, measured on every request
 * before) and kept there for the next request, unless free space is below `floorBytes` (then only answered). The kept
 * file goes with its clip when the evidence quota deletes it (ClipRecorder groups `<name>.<class>.wav` with `<name>`).
 * Rejects as clipAudioWav does; a WAV that cannot be kept is logged and answered all the same.
 */
function cachedClipWav(metaPath: string, cls: SignalClass, wavPath: string, floorBytes: number, log: Logger): Promise<Buffer> {
  const pending = demodulating.get(wavPath);
  if (pending !== undefined) return pending;
  const job = (async (): Promise<Buffer> => {
    try {
      return await fsp.readFile(wavPath);
    } catch {
      // not made yet
    }
    const wav = await clipAudioWav(metaPath, cls);
    const short = await freeSpaceShortfall(path.dirname(wavPath), wav.length, floorBytes);
    if (short === null) {
      // written aside and renamed: a request meanwhile reads the whole WAV or none
      await writeFileAtomic(wavPath, wav).catch((err: unknown) => {
        log.warn({ err, clip: metaPath }, 'clip audio not kept (made again on the next request)');
      });
    }
    return wav;
  })().finally(() => demodulating.delete(wavPath));
  demodulating.set(wavPath, job);
  return job;
}

/**
 * `GET|HEAD /clips/<name>.wav?class=nfm|wfm|am`: the clip `<dir>/<name>.sigmf-meta` (+ `.sigmf-data`) demodulated as
 * `class` ({@link clipAudioWav}, in a worker thread: the first annotation's band) and encoded as a 16 kHz mono 16-bit WAV (`audio/wav`),
 * kept beside the clip after the first request ({@link cachedClipWav}; the picture floor applies).
 * 400 for a missing or non-analog `class` or a name with a path in it; 404 for a clip that is not there (or no clips
 * folder); 413 for a clip over {@link MAX_CLIP_AUDIO_S} or {@link MAX_CLIP_AUDIO_IQ_SAMPLES}; 422 with the reason (file names only, no folders) for a clip
 * that cannot be demodulated; 405 for other methods. `rawName` is the URL's name, still percent-encoded. Rejects with
 * any other error (the worker failed to start or met an I/O error): the caller answers 500 and logs it.
 */
async function answerClipWav(folders: ClipFolders, rawName: string, url: URL, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  const dir = folders.dir;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...TEXT, Allow: 'GET, HEAD' }).end('method not allowed\n');
    return;
  }
  const cls = url.searchParams.get('class');
  if (cls === null || !isAudioClass(cls)) {
    res.writeHead(400, TEXT).end(`query parameter "class": ${cls === null ? 'missing' : `"${cls}" carries no audio`}; expected one of ${ANALOG_CLASSES.join(', ')}\n`);
    return;
  }
  let name: string;
  try {
    name = decodeURIComponent(rawName);
  } catch {
    name = '';
  }
  if (name === '' || name.startsWith('.') || /[/\\\0]/.test(name)) {
    res.writeHead(400, TEXT).end('bad clip name\n');
    return;
  }
  let root: string;
  let metaPath: string;
  try {
    root = await fsp.realpath(dir);
    metaPath = await fsp.realpath(path.join(root, `${name}.sigmf-meta`));
    // a clip is the pair: its samples missing (deleted by the quota, still being written) is a clip not there
    await fsp.access(path.join(root, `${name}.sigmf-data`));
  } catch {
    res.writeHead(404, TEXT).end('not found\n');
    return;
  }
  if (path.dirname(metaPath) !== root) {
    res.writeHead(404, TEXT).end('not found\n');
    return;
  }
  let wav: Buffer;
  try {
    wav = await cachedClipWav(metaPath, cls, path.join(root, `${name}.${cls}.wav`), folders.pictureFloorBytes ?? 0, log);
  } catch (err) {
    if (!(err instanceof ClipAudioError)) throw err;
    // the reason names the clip's files; the server's folders are nobody's business
    const reason = err.message.split(`${root}${path.sep}`).join('');
    res.writeHead(err.reason === 'too-long' ? 413 : 422, TEXT).end(`cannot make audio of clip ${name}: ${reason}\n`);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'audio/wav', 'Content-Length': wav.length, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, max-age=300' });
  res.end(req.method === 'HEAD' ? undefined : wav);
}
