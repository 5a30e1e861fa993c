// GET /clips/…: evidence clips (SigMF pairs) and their spectrogram pictures, behind the server's auth.
import { promises as fsp } from 'node:fs';
import type { Logger } from 'pino';
import { failFileAnswer, type HttpRoute } from './http-reply.js';
import { serveStatic } from './static-files.js';

/** URL prefix of the route. */
export const CLIPS_PREFIX = '/clips/';

/** Where clips live (ServerOptions.clips). */
export interface ClipFolders {
  /** Folder of the `.sigmf-meta` / `.sigmf-data` files. */
  dir: string;
  /** Folder of the `.png` spectrograms. */
  picturesDir: string;
}

/**
 * `GET /clips/<name>.sigmf-meta|.sigmf-data` from `folders.dir`, `GET /clips/<name>.png` from `folders.picturesDir`,
 * served as static files (same path checks: nothing outside the folder). 404 "no clips yet" while the folder does not
 * exist; 500 (logged) when a file cannot be read.
 */
export function clipsRoute(folders: ClipFolders, log: Logger): HttpRoute {
  return (req, res, url) => {
    if (!url.pathname.startsWith(CLIPS_PREFIX)) return false;
    const name = url.pathname.slice(CLIPS_PREFIX.length - 1);
    const root = name.endsWith('.png') ? folders.picturesDir : folders.dir;
    fsp.realpath(root).then(
      (real) => serveStatic(real, name, req, res),
      () => res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('no clips yet\n'),
    ).catch((err: unknown) => failFileAnswer(res, log, 'clip file error', err));
    return true;
  };
}
