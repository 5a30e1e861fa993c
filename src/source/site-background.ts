// Site-background simulator: an exam site's radio background (warm-up drift, gain creep, carriers, fading broadcast FM,
// NFM users, an intermittent known emitter, clicks, TDMA neighbours) streamed at any length, plus inserted targets.
// One import for all: the description (site-background-model.ts), the presets (site-background-preset.ts), the
// renderer (site-background-render.ts); here the live source and the SigMF writer.
import { RenderedSource, streamRenderer, writeRenderedCapture, type SimCaptureFiles, type SimSourceOptions } from './sim.js';
import type { SigmfAnnotationInput } from './sigmf.js';
import { checkSiteBackground, siteSamples, targetBandwidthHz, targetPowerDbfs, type SiteBackground, type SiteComponent } from './site-background-model.js';
import { SiteBackgroundRenderer, siteIntervals } from './site-background-render.js';

export * from './site-background-model.js';
export * from './site-background-preset.js';
export * from './site-background-render.js';

/**
 * An {@link IqSource} streaming a site background as an RTL-SDR would deliver it (cu8 converted as the file source
 * does). `info.label` defaults to `sim:site`; `info.totalSamples` is the site's length.
 * @throws QuietBandError('CONFIG') for an invalid site or options.
 */
export class SiteBackgroundSource extends RenderedSource {
  readonly site: SiteBackground;
  constructor(site: SiteBackground, opts: SimSourceOptions = {}) {
    checkSiteBackground(site);
    super((blockSamples) => new SiteBackgroundRenderer(site, blockSamples), { rateSps: site.rateSps, centerHz: site.centerHz, seed: site.seed, totalSamples: siteSamples(site) }, { label: 'sim:site', ...opts, loop: false });
    this.site = site;
  }
}

/** Default base name of a site capture: `quietband-site_433.92M_250k_seed1` (parsable by `file-name.ts`). */
export function siteBaseName(site: SiteBackground): string {
  return `quietband-site_${+(site.centerHz / 1e6).toFixed(6)}M_${+(site.rateSps / 1e3).toFixed(3)}k_seed${site.seed}`;
}

/**
 * SigMF annotations of a site: every inserted target (label = its kind, comment with SNR and power) and every
 * on-interval of the intermittent background (label `background:<kind>`: known-emitter packets, talk spurts, TDMA
 * sessions, clicks), in sample indices, with edges at the nominal (undrifted) frequencies.
 */
export function siteAnnotations(site: SiteBackground, components: readonly SiteComponent[]): SigmfAnnotationInput[] {
  const r = site.rateSps;
  const edge = (f: number, bw: number) => ({ freqLowerHz: site.centerHz + f - bw / 2, freqUpperHz: site.centerHz + f + bw / 2 });
  const out: SigmfAnnotationInput[] = site.targets.map((t) => ({
    sampleStart: Math.round(t.startS * r),
    sampleCount: Math.round(t.durationS * r),
    ...edge(t.offsetHz, targetBandwidthHz(t)),
    label: t.kind,
    comment: `snr ${t.snrDb} dB in ${targetBandwidthHz(t)} Hz; power ${targetPowerDbfs(site, t).toFixed(1)} dBFS`,
  }));
  for (const iv of siteIntervals(components, r, site.durationS)) {
    out.push({ sampleStart: Math.round(iv.startS * r), sampleCount: Math.round((Math.min(iv.endS, site.durationS) - iv.startS) * r), ...edge(iv.offsetHz, iv.bandwidthHz), label: `background:${iv.kind}` });
  }
  return out.sort((a, b) => a.sampleStart - b.sampleStart);
}

/**
 * Writes a site background as `<name>.sigmf-data` (cu8, streamed with constant memory) and `<name>.sigmf-meta`
 * (rate, centre, a description of every component, {@link siteAnnotations}).
 * @param target folder (files named {@link siteBaseName}) or base / `.sigmf-data` / `.sigmf-meta` path.
 * @throws QuietBandError('CONFIG') for an invalid site, ('IO') when the files cannot be written.
 */
export async function writeSiteCapture(target: string, site: SiteBackground): Promise<SimCaptureFiles> {
  const chunk = 65536;
  const renderer = new SiteBackgroundRenderer(site, chunk);
  const annotations = siteAnnotations(site, renderer.components);
  const list = (xs: { offsetHz: number; powerDbfs: number }[]) => xs.map((c) => `${c.offsetHz / 1e3} kHz ${c.powerDbfs} dBFS`).join(', ') || 'none';
  return writeRenderedCapture(target, siteBaseName(site), (sink) => streamRenderer(renderer, chunk, sink), (name) => ({
    format: 'cu8',
    rateSps: site.rateSps,
    centerHz: site.centerHz,
    description:
      `QuietBand simulated site background (${name}): seed ${site.seed}, noise ${site.noiseDbfs} dBFS over the band creeping +${site.gainCreep.db} dB over ${site.gainCreep.overS} s, ` +
      `drift ${site.drift.ppm} ppm of every signal's RF frequency over ${site.drift.overS} s; carriers: ${list(site.carriers)}; broadcast FM: ${list(site.wfm)}; ` +
      `NFM users: ${list(site.nfmUsers)}; known emitters: ${list(site.knownEmitters)}; TDMA: ${list(site.tdma)}; ` +
      `clicks: ${site.clicks === null ? 'none' : `${site.clicks.durationS * 1e6} µs at ${site.clicks.powerDbfs} dBFS every ${site.clicks.meanGapS} s on average`}; ` +
      `annotations: inserted targets (label = kind) and the background's intermittent emissions (label background:<kind>)`,
    hw: 'quietband sim --background site (synthetic RTL-SDR)',
    annotations,
  }));
}
