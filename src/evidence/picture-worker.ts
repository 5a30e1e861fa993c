// Worker thread that renders clip pictures (spectrogram PNGs), so the sensor's own thread never blocks on them.
import { parentPort } from 'node:worker_threads';
import { renderClipPicture } from './clip-picture.js';

/** A request from {@link PictureRenderer}: render `metaPath` to `pngPath`. */
export interface PictureRequest {
  id: number;
  metaPath: string;
  pngPath: string;
}

/** The reply: the picture's info, or the error message. */
export type PictureReply = { id: number; ok: true; frames: number } | { id: number; ok: false; error: string };

const port = parentPort;
if (port !== null) {
  // one request at a time, in order (the renderer queues them)
  port.on('message', (req: PictureRequest) => {
    renderClipPicture(req.metaPath, req.pngPath).then(
      (info) => port.postMessage({ id: req.id, ok: true, frames: info.frames } satisfies PictureReply),
      (err: unknown) => port.postMessage({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies PictureReply),
    );
  });
}
