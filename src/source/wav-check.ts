// A WAV file given as a recording: refused in words, before its header is read as I/Q samples.
import { promises as fsp } from 'node:fs';
import { cliError } from '../error-text.js';
import { SAMPLE_FORMATS } from './sample-formats.js';

/** True when the file at `path` starts as a RIFF WAVE file (`RIFF`, 4 size bytes, `WAVE`); false when it does not or cannot be read (the read that follows says why). */
async function isWav(path: string): Promise<boolean> {
  const head = Buffer.alloc(12);
  try {
    const fh = await fsp.open(path, 'r');
    try {
      const { bytesRead } = await fh.read(head, 0, 12, 0);
      return bytesRead === 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WAVE';
    } finally {
      await fh.close();
    }
  } catch {
    return false;
  }
}

/**
 * Refuses a raw recording that is a WAV file (a `.wav` name, or a RIFF WAVE header under another name): sound, or the
 * 2-channel I/Q WAV that SDR# and HDSDR write, which QuietBand does not read. With --format its 44-byte header and
 * PCM would be taken for I/Q samples; without, the advice to pass --format would lead there.
 * @throws QuietBandError('BAD_INPUT') `file.wavAudio` (src/error-text.ts) naming the file and the formats read.
 */
export async function refuseWav(path: string): Promise<void> {
  if (/\.wav$/i.test(path) || (await isWav(path))) throw cliError('file.wavAudio', { path, choices: SAMPLE_FORMATS.join(', ') }, 'BAD_INPUT');
}
