// Helpers for the exam-day tests: site-local times, the async CLI run of test/daemon/helpers.ts, PNG pixels.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { formatSiteTime } from '../../src/field/local-time.js';
export { runCliAsync } from '../daemon/helpers.js';

/** Site zone of the tests (UTC+8, no DST). */
export const TZ = 'Asia/Shanghai';

/** Local time of the site `offsetMs` from now, as a config would write it (`2026-06-07T09:00:00`). */
export function siteTimeIn(offsetMs: number): string {
  return formatSiteTime(Date.now() + offsetMs, TZ);
}

/** Decodes a PNG file (pngjs): size and an RGBA getter. */
export function readPng(path: string): { width: number; height: number; rgb: (x: number, y: number) => [number, number, number] } {
  const png = PNG.sync.read(readFileSync(path));
  return {
    width: png.width,
    height: png.height,
    rgb: (x, y) => {
      const i = 4 * (y * png.width + x);
      return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    },
  };
}
