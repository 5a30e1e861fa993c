// `node bench/clip-ident.js [--margin M] [--demo-only | --real-only]`: identification from band-cut evidence clips
// (docs/clip-decimation.md, docs/identification.md §2). Needs dist/ (npx tsc -p .).
// - demo: the demo site's three sensors (src/site/demo-site.ts, one cycle to 34 s), detected as the daemon does
//   (baseline from the quiet first 10 s), each closed detection cut to its clip (ClipRecorder, the daemon's evidence
//   settings preS 1.5 s / postS 1 s / maxS 5 s); each clip replayed (`quietband replay`): its rate, bytes and class;
// - real: every recording of ../shared/captures{,-wide} with a known rate: its detections replayed at full rate
//   (class A), and the same file cut into clips as the daemon does (preS 1 s, as far as the file holds it), each clip
//   replayed (class B): how many B agree with A.
// `--margin M` sets the clip band's margin (rate ≥ M × the detected band; default 1.2): option A of
// docs/clip-decimation.md's known limit is 3.6. The real recordings' clips are cut to the union of the detection's band
// and its full-rate identification's 99 % band when wider, as the daemon's live identification widens them
// (DetectionEvidence.onSignal); `--no-ident-band` cuts them to the detection's band alone (as before).
// Prints one line per clip (its quantisation margin: quietband:quantisation_margin_db), then a JSON summary last.
// @ts-check
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { replayFile } from '../dist/src/cli/replay.js';
import { pipelineOptions } from '../dist/src/cli/pipeline-flags.js';
import { ClipRecorder } from '../dist/src/evidence/clip-recorder.js';
import { identifiedClipBand } from '../dist/src/evidence/detection-evidence.js';
import { detect, learnBaseline } from '../dist/src/pipeline.js';
import { demoSiteConfig } from '../dist/src/site/demo-site.js';
import { SimSource } from '../dist/src/source/sim.js';
import { openFileSource } from '../dist/src/source/file-source.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIRS = ['../../shared/captures', '../../shared/captures-wide'].map((d) => path.resolve(HERE, d));
const log = pino({ level: 'silent' });
const argv = process.argv.slice(2);
const marginAt = argv.indexOf('--margin');
const band = marginAt >= 0 ? { margin: Number(argv[marginAt + 1]) } : {};
const identBand = !argv.includes('--no-ident-band');

/**
 * A source's first `samples` samples, each block also pushed to `clips`.
 * @param {import('../dist/src/types.js').IqSource} src @param {number} samples @param {ClipRecorder | undefined} clips
 * @returns {import('../dist/src/types.js').IqSource}
 */
function take(src, samples, clips) {
  return {
    info: src.info,
    async *blocks() {
      for await (const b of src.blocks()) {
        if (b.firstSample >= samples) break;
        clips?.push(b);
        yield b;
      }
    },
    close: () => src.close(),
    health: () => src.health(),
  };
}

/**
 * Detects over `open()`'s stream (baseline learned from its first `baselineS` s, or the whole stream when undefined)
 * with a ClipRecorder; each clip replayed. @returns one entry per clip: the detection, rate, bytes and replayed class
 * @param {() => Promise<import('../dist/src/types.js').IqSource>} open @param {number | undefined} baselineS
 * @param {number} endS @param {{ preS: number, postS: number, maxS: number }} ev @param {string} dir
 * @param {(e: import('../dist/src/types.js').DetectionEvent) => { lowHz: number, highHz: number } | undefined} [identified]
 *   a detection's identification band (Hz, the detection's frame), handed to the recorder as the live identifier does
 */
async function clipsOf(open, baselineS, endS, ev, dir, identified = () => undefined) {
  const first = await open();
  const rate = first.info.rateSps;
  const opts = pipelineOptions({}, rate);
  const { baseline } = await learnBaseline(take(first, baselineS === undefined ? Infinity : baselineS * rate, undefined), opts, 'auto');
  await first.close();
  const src = await open();
  const clips = new ClipRecorder(src.info, Date.parse('2026-06-07T01:00:00Z'), { sensor: 's', dir, ...ev, band });
  /** @type {{ ev: import('../dist/src/types.js').DetectionEvent, meta: string }[]} */
  const written = [];
  await detect(take(src, endS * rate, clips), baseline, opts, (e) => {
    if (e.kind !== 'close') return;
    clips.onDetection(e, (p) => written.push({ ev: e, meta: p }), undefined, identified(e));
  });
  await clips.close();
  await src.close();
  const out = [];
  for (const { ev: e, meta } of written) {
    const m = JSON.parse(await readFile(meta, 'utf8'));
    const bytes = (await stat(meta.replace('.sigmf-meta', '.sigmf-data'))).size + (await stat(meta)).size;
    /** @type {{ centerHz: number, signal?: { class: string, confidence: number, bandwidthHz?: number, deviationHz?: number, reason: string } }[]} */
    const rows = [];
    await replayFile(meta, { progress: false }, (l) => {
      const j = JSON.parse(l);
      if (j.centerHz !== undefined) rows.push(j);
    }, log);
    const clipCenter = m.captures[0]['core:frequency'];
    // the row nearest the detection's centre (the clip is centred on it)
    const row = rows.sort((a, b) => Math.abs(a.centerHz - clipCenter) - Math.abs(b.centerHz - clipCenter))[0];
    out.push({ ev: e, rate: m.global['core:sample_rate'], bytes, signal: row?.signal, marginDb: m.global['quietband:quantisation_margin_db'], from: m.global['quietband:clip_band']?.from });
  }
  return out;
}

/** @param {{ class: string, confidence: number, bandwidthHz?: number, deviationHz?: number, reason: string } | undefined} s */
const said = (s) => (s === undefined ? 'no row' : `${s.class} ${s.confidence}${s.bandwidthHz !== undefined ? ` B99 ${s.bandwidthHz} Hz dev ${s.deviationHz} Hz` : ` (${s.reason})`}`);

const summary = { margin: band.margin ?? 1.2, identBand, demo: /** @type {Record<string, unknown>[]} */ ([]), real: { clips: 0, agree: 0, widened: 0, bytes: 0, marginDb: /** @type {number[]} */ ([]), disagree: /** @type {string[]} */ ([]) } };
const dir = await mkdtemp(path.join(tmpdir(), 'qb-clip-ident-'));
try {
  if (!argv.includes('--real-only')) {
    for (const sensor of demoSiteConfig(Date.parse('2026-06-07T01:00:00Z')).sensors) {
      const scenario = { ...sensor.scenario, rateSps: sensor.rateSps, centerHz: sensor.centerHz };
      const sub = path.join(dir, sensor.name);
      const clips = await clipsOf(async () => new SimSource(scenario), 10, 34, { preS: 1.5, postS: 1, maxS: 5 }, sub);
      for (const c of clips) {
        const line = { sensor: sensor.name, centerMHz: +(c.ev.centerHz / 1e6).toFixed(4), detectedHz: Math.round(c.ev.bandwidthHz), durationS: +((c.ev.endS - c.ev.startS).toFixed(2)), rateSps: c.rate, bytes: c.bytes, signal: said(c.signal) };
        console.log(JSON.stringify(line));
        summary.demo.push(line);
      }
    }
  }
  if (!argv.includes('--demo-only')) {
    for (const d of DIRS) {
      for (const name of (await readdir(d)).filter((f) => /_\d+k\.(cu8|cs8|cs16|cf32)$/.test(f)).sort()) {
        const file = path.join(d, name);
        /** @type {{ startS: number, centerHz: number, signal?: { class: string, lowHz?: number, highHz?: number, wholeBand?: boolean, complementSpacingHz?: number } }[]} */
        const full = [];
        await replayFile(file, { progress: false }, (l) => {
          const j = JSON.parse(l);
          if (j.centerHz !== undefined) full.push(j);
        }, log);
        const sub = path.join(dir, name);
        const probe = await openFileSource(file);
        const { rateSps, centerKnown } = probe.info;
        await probe.close();
        const offset = centerKnown ? 0 : 433.92e6; // the full-rate rows of such a recording are offsets from its centre
        /** @param {import('../dist/src/types.js').DetectionEvent} e the full-rate row of a clip's detection */
        const fullRow = (e) => full.filter((r) => Math.abs(r.startS - e.startS) < 0.05).sort((x, y) => Math.abs(x.centerHz + offset - e.centerHz) - Math.abs(y.centerHz + offset - e.centerHz))[0];
        /** @param {import('../dist/src/types.js').DetectionEvent} e its identification's band, as DetectionEvidence.onSignal takes it */
        const identified = (e) => {
          const s = fullRow(e)?.signal;
          if (!identBand || s === undefined) return undefined;
          // the row's frame: offsets from the centre for a recording without one
          const b = identifiedClipBand(s, { lowHz: e.lowHz - offset, highHz: e.highHz - offset });
          return b === undefined ? undefined : { lowHz: b.lowHz + offset, highHz: b.highHz + offset };
        };
        // a sensor's centre is absolute: a recording without one is taken at rtl_433's default of the time, 433.92 MHz
        const clips = await clipsOf(() => openFileSource(file, centerKnown ? {} : { centerHz: 433.92e6 }), undefined, Infinity, { preS: 1, postS: 1, maxS: 5 }, sub, identified);
        for (const c of clips) {
          if (c.rate === rateSps) continue; // not cut: the clip is the source as it was
          const a = fullRow(c.ev);
          if (a?.signal === undefined) continue;
          summary.real.clips++;
          summary.real.bytes += c.bytes;
          if (c.from === 'identification') summary.real.widened++;
          if (typeof c.marginDb === 'number') summary.real.marginDb.push(c.marginDb);
          const ok = a.signal.class === c.signal?.class;
          if (ok) summary.real.agree++;
          else summary.real.disagree.push(`${name} ${c.ev.id} @${c.ev.startS.toFixed(3)} s (${Math.round(c.ev.bandwidthHz)} Hz, clip ${c.rate} S/s): full rate ${a.signal.class}, clip ${said(c.signal)}`);
          console.log(`${ok ? 'same' : 'DIFF'} ${name} ${c.ev.id} clip ${c.rate} S/s ${c.bytes} B${c.from === 'identification' ? ' (widened)' : ''} margin ${c.marginDb} dB: full rate ${a.signal.class}, clip ${said(c.signal)}`);
        }
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
{
  const m = summary.real.marginDb.sort((x, y) => x - y);
  if (m.length > 0) Object.assign(summary.real, { marginDb: { min: m[0], median: m[Math.floor(m.length / 2)], max: m[m.length - 1], below10: m.filter((x) => x < 10).length } });
}
console.log(JSON.stringify(summary));
