// `quietband replay` on a terminal: the progress bar speaks the command's language.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { replayFile } from '../../src/cli/replay.js';
import { capture } from '../helpers.js';

/** What `replayFile` draws on stderr when stderr says it is a terminal (escape codes removed). */
async function barText(lang: string | undefined): Promise<string> {
  const stderr = process.stderr as NodeJS.WriteStream & { isTTY: boolean };
  const wasTty = stderr.isTTY;
  const write = stderr.write;
  let out = '';
  stderr.isTTY = true;
  stderr.write = ((c: string | Uint8Array) => {
    out += String(c);
    return true;
  }) as typeof stderr.write;
  try {
    await replayFile(capture('lacrosse_TX7U_gfile001_433.92M_250k.cu8'), { lang, summary: false }, () => {}, pino({ level: 'silent' }));
  } finally {
    stderr.write = write;
    stderr.isTTY = wasTty;
  }
  return out.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, '');
}

describe('replay progress bar', () => {
  it('names the passes and the unit in Chinese under --lang zh-CN, in English otherwise', async () => {
    const zh = await barText('zh-CN');
    expect(zh).toMatch(/学习基线 \[[█░]{40}\] 0% \| 0\/131072 个采样/);
    expect(zh).toMatch(/检测 \[[█░]{40}\] \d+% \| \d+\/131072 个采样/);
    expect(zh).not.toMatch(/baseline|detect|samples/);
    const en = await barText('en');
    expect(en).toMatch(/baseline \[[█░]{40}\] 0% \| 0\/131072 samples/);
    expect(en).toMatch(/detect \[[█░]{40}\] \d+% \| \d+\/131072 samples/);
  });
});
