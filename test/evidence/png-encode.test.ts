// Indexed PNG encoding of the clip pictures: the same pixels as RGBA, a bounded number of bytes per picture.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLOUR_LEVELS, computeSpectrogram, OUTLINE_RGB, renderClipPicture, spectrogramPng } from '../../src/evidence/clip-picture.js';
import { encodeIndexedPng, encodePng } from '../../src/evidence/png-encode.js';
import { writeSimCapture } from '../../src/source/sim.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qb-png-encode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('encodePng', () => {
  it('writes ≤ 256 colours as an indexed PNG that decodes to the same RGBA pixels, translucent ones through tRNS', () => {
    const png = new PNG({ width: 37, height: 11 });
    const px = png.data;
    for (let i = 0; i < 37 * 11; i++) px.set([(i % 40) * 6, 255 - (i % 40), 40, i % 40 === 0 ? 128 : 255], 4 * i); // 40 colours
    const bytes = encodePng(png);
    expect(bytes[25]).toBe(3); // IHDR colour type: indexed
    expect(bytes.includes(Buffer.from('tRNS'))).toBe(true);
    const back = PNG.sync.read(bytes);
    expect([back.width, back.height]).toEqual([37, 11]);
    expect(Buffer.from(back.data).equals(Buffer.from(png.data))).toBe(true);
  });

  it('falls back to RGBA above 256 colours', () => {
    const png = new PNG({ width: 300, height: 2 });
    const px = png.data;
    for (let i = 0; i < 600; i++) px.set([i & 0xff, i >> 8, 7, 255], 4 * i);
    expect(encodeIndexedPng(png)).toBeNull();
    const bytes = encodePng(png);
    expect(bytes[25]).toBe(6); // truecolour with alpha
    expect(Buffer.from(PNG.sync.read(bytes).data).equals(Buffer.from(png.data))).toBe(true);
  });
});

describe('clip picture bytes', () => {
  it('a 6.5 s clip at 25 kS/s (one noisy FFT frame per row, as the demo\'s FM clips) takes ≤ 100 kB; it took ≈ 340 kB as RGBA', async () => {
    const rate = 25_000;
    const rec = await writeSimCapture(join(dir, 'fm'), {
      rateSps: rate, centerHz: 433.86e6, durationS: 6.5, seed: 3, noiseDbfs: -40, carriers: [],
      events: [{ kind: 'tone', offsetHz: 2_000, snrDb: 25, startS: 1.5, durationS: 4 }],
    });
    const out = join(dir, 'fm.png');
    const info = await renderClipPicture(rec.metaPath, out);
    expect(info.frames).toBe(Math.floor((6.5 * rate - 1024) / 512) + 1); // 316: ≈ 1 frame per row
    const bytes = (await stat(out)).size;
    expect(bytes).toBeLessThanOrEqual(100_000);
    expect(bytes).toBeGreaterThan(20_000); // the noise is drawn, not flattened
    // the same picture as the colour map draws it: the tone bright, the map's COLOUR_LEVELS levels at most
    const back = PNG.sync.read(await readFile(out));
    const sg = await computeSpectrogram(rec.metaPath, 512, 256);
    const { png } = spectrogramPng(sg.db, 512, 256);
    const colours = new Set<number>();
    const a = png.data;
    for (let i = 0; i < 512 * 256; i++) colours.add(a[4 * i]! * 65536 + a[4 * i + 1]! * 256 + a[4 * i + 2]!);
    expect(colours.size).toBeLessThanOrEqual(COLOUR_LEVELS);
    const b = back.data;
    // every pixel but the outline's is the colour map's
    let same = 0;
    let outline = 0;
    for (let i = 0; i < 512 * 256; i++) {
      if (b[4 * i] === OUTLINE_RGB[0] && b[4 * i + 1] === OUTLINE_RGB[1] && b[4 * i + 2] === OUTLINE_RGB[2]) outline++;
      else if (b.readUInt32BE(4 * i) === a.readUInt32BE(4 * i)) same++;
    }
    expect(outline).toBeLessThan(3000);
    expect(same + outline).toBe(512 * 256);
    const row = 128; // inside the tone (1.5–5.5 s of 6.5 s)
    // the tone at +2 kHz of ±12.5 kHz: column (0.5 + 2/25) × 512 ≈ 297, yellow-green
    expect(Math.max(b[4 * (row * 512 + 296) + 1]!, b[4 * (row * 512 + 297) + 1]!, b[4 * (row * 512 + 298) + 1]!)).toBeGreaterThan(180);
  });
});
