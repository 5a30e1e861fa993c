// A site background rendered once into memory and streamed again for each pass that reads it (a learning pass and a
// detect pass from sample 0 read the learning window twice; two detect passes with other settings read it all twice):
// site-background.test.ts, burst-calibration.test.ts and emitter-level.test.ts.
import { RenderedSource } from '../../src/source/sim.js';
import { SiteBackgroundRenderer, siteSamples, type SiteBackground } from '../../src/source/site-background.js';
import type { IqSource } from '../../src/types.js';

/** Blocks of a {@link SiteBackgroundSource} (its default block size): the rendering below uses the same chunks. */
const BLOCK_SAMPLES = 65536;

/**
 * Renders `site` once (cu8, 2 bytes a sample: 75 MB for 150 s at 250 kS/s) in the chunks a
 * `new SiteBackgroundSource(site)` renders, and returns a factory of sources that stream those bytes: the same blocks,
 * sample for sample (the renderer's output depends on the site, its seed and the chunk sizes only), without rendering
 * them again.
 */
export function renderedOnce(site: SiteBackground): () => IqSource {
  const total = siteSamples(site);
  const renderer = new SiteBackgroundRenderer(site, BLOCK_SAMPLES);
  const all = new Uint8Array(2 * total);
  for (let n = 0, k; (k = renderer.render(BLOCK_SAMPLES)) > 0; n += k) all.set(renderer.bytes.subarray(0, 2 * k), 2 * n);
  return () => new RenderedSource((blockSamples) => {
    const bytes = new Uint8Array(2 * blockSamples);
    let next = 0;
    return {
      bytes,
      render(count: number): number {
        const k = Math.max(0, Math.min(count, total - next));
        bytes.set(all.subarray(2 * next, 2 * (next + k)));
        next += k;
        return k;
      },
    };
  }, { rateSps: site.rateSps, centerHz: site.centerHz, seed: site.seed, totalSamples: total }, { label: 'sim:site', loop: false });
}
