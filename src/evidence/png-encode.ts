// PNG encoding of the spectrogram pictures: indexed colour (one byte per pixel and a palette) whenever the picture has
// at most 256 colours, which a viridis map of a fixed number of levels plus a few outline and axis colours always has.
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';

/** The 8 bytes every PNG starts with (PNG spec §5.2). */
const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

/** CRC-32 table (polynomial 0xEDB88320, PNG spec annex D); `zlib.crc32` needs Node ≥ 20.15. */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk: length, type, data, CRC over type + data (PNG spec §5.3). */
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * The image as indexed PNG bytes (colour type 3, bit depth 8: PLTE, and tRNS when a colour is not opaque), or null
 * when it has more than 256 distinct RGBA colours. Each scanline is filtered with None or Up, whichever zlib packs
 * smaller for the whole image (Up wins on rows repeated for clips with fewer FFT frames than rows).
 */
export function encodeIndexedPng(png: PNG): Buffer | null {
  const W = png.width;
  const H = png.height;
  // one number per RGBA pixel (a copy when the pixels do not start on a 4-byte boundary)
  const bytes = png.data;
  const rgba = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, W * H) : new Uint32Array(Uint8Array.from(bytes.subarray(0, 4 * W * H)).buffer);
  const index = new Map<number, number>();
  const idx = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) {
    const c = rgba[i]!;
    let k = index.get(c);
    if (k === undefined) {
      if (index.size === 256) return null;
      k = index.size;
      index.set(c, k);
    }
    idx[i] = k;
  }
  const n = index.size;
  const plte = new Uint8Array(3 * n);
  const alpha = new Uint8Array(n);
  let translucent = false;
  const px = bytes;
  for (let i = 0, seen = 0; seen < n && i < W * H; i++) {
    const k = idx[i]!;
    if (k !== seen) continue; // palette entries are numbered in order of first appearance
    plte.set(px.subarray(4 * i, 4 * i + 3), 3 * k);
    alpha[k] = px[4 * i + 3]!;
    if (alpha[k] !== 255) translucent = true;
    seen++;
  }
  const scanlines = (filter: 0 | 2): Buffer => {
    const raw = Buffer.alloc(H * (W + 1));
    for (let y = 0; y < H; y++) {
      const o = y * (W + 1);
      raw[o] = filter;
      for (let x = 0; x < W; x++) {
        const v = idx[y * W + x]!;
        raw[o + 1 + x] = filter === 2 && y > 0 ? (v - idx[(y - 1) * W + x]!) & 0xff : v;
      }
    }
    return deflateSync(raw, { level: 9 });
  };
  const none = scanlines(0);
  const up = scanlines(2);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // colour type: indexed
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    ...(translucent ? [chunk('tRNS', alpha)] : []),
    chunk('IDAT', up.length < none.length ? up : none),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * PNG bytes of a pngjs RGBA image: indexed ({@link encodeIndexedPng}) when it has ≤ 256 colours, else pngjs's
 * truecolour encoder (RGBA). A 512 × 256 clip picture in 64 viridis levels: ≈ 3–5× smaller than as RGBA.
 */
export function encodePng(png: PNG): Buffer {
  return encodeIndexedPng(png) ?? PNG.sync.write(png);
}
