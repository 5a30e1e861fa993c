// Detector evaluation on the simulated site background: false alarms per hour, Pd vs in-band SNR per kind, alerts per
// transmission, and the gap to the ideal energy detector. Runs the replay's two passes (learn, then detect) in memory.
// Usage: npx tsc -p tsconfig.json && node bench/detector-eval.mjs [--quick] [--only fa|pd] [--kinds ook,nfm,tdma]
//        [--trials N] [--fa-minutes M] [--fa-rate 250000|2400000] [--calib-s S] [--seed S] [--snr -15:12:3] [--list]
//        [--pd-background site|noise] [--set thresholdDb=10,holdMs=200]
//        (docs/eval.md)
// @ts-check
import os from 'node:os';
import { replayPasses, overlapsTruth } from '../dist/src/eval/site-eval.js';
import { Prng } from '../dist/src/source/sim-generators.js';
import {
  SiteBackgroundRenderer, siteBackgroundPreset, siteIntervals, freeWindows, targetBandwidthHz, OOK_DUTY,
} from '../dist/src/source/site-background.js';
import { GSM_BURST_S, GSM_FRAME_S } from '../dist/src/source/sim-generators.js';
import { poissonUpper95, idealSnrDb, pdCrossingDb, cellsPerHour } from '../dist/src/eval/detection-stats.js';

// ───────────────────────────── arguments ─────────────────────────────

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Record<string, string | boolean>} */
  const a = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!k.startsWith('--')) throw new Error(`detector-eval: unexpected argument "${k}" (flags start with --)`);
    const name = k.slice(2);
    if (name === 'quick' || name === 'list') a[name] = true;
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`detector-eval: ${k} needs a value`);
      a[name] = v;
    }
  }
  const known = ['quick', 'only', 'kinds', 'trials', 'fa-minutes', 'fa-rate', 'seed', 'snr', 'calib-s', 'list', 'pd-background', 'set'];
  for (const k of Object.keys(a)) if (!known.includes(k)) throw new Error(`detector-eval: unknown flag --${k}; known: ${known.map((x) => '--' + x).join(' ')}`);
  const quick = a.quick === true;
  const num = (/** @type {string} */ k, /** @type {number} */ d) => {
    if (a[k] === undefined) return d;
    const n = Number(a[k]);
    if (!Number.isFinite(n)) throw new Error(`detector-eval: --${k} "${a[k]}" is not a number`);
    return n;
  };
  const snr = String(a.snr ?? '-15:12:3').split(':').map(Number);
  if (snr.length !== 3 || snr.some((x) => !Number.isFinite(x)) || !(snr[2] > 0)) throw new Error(`detector-eval: --snr "${a.snr}" is not MIN:MAX:STEP in dB`);
  const grid = [];
  for (let s = snr[0]; s <= snr[1] + 1e-9; s += snr[2]) grid.push(Math.round(s * 100) / 100);
  if (a['pd-background'] !== undefined && a['pd-background'] !== 'site' && a['pd-background'] !== 'noise') {
    throw new Error(`detector-eval: --pd-background "${a['pd-background']}" is not site or noise`);
  }
  const only = a.only === undefined ? ['fa', 'pd'] : String(a.only).split(',');
  const kinds = a.kinds === undefined ? ['ook', 'nfm', 'tdma'] : String(a.kinds).split(',');
  for (const k of kinds) if (!(k in KINDS)) throw new Error(`detector-eval: --kinds: "${k}" is not one of ${Object.keys(KINDS).join(', ')}`);
  return {
    quick,
    list: a.list === true,
    only,
    kinds,
    trials: num('trials', quick ? 4 : 20),
    faMinutes: num('fa-minutes', quick ? 10 : 60),
    faRateSps: num('fa-rate', 250_000),
    pdBackground: a['pd-background'] === undefined ? 'site' : String(a['pd-background']),
    flags: parseSet(a.set === undefined ? '' : String(a.set)),
    calibS: num('calib-s', 300),
    seed: num('seed', 1),
    grid,
  };
}

/**
 * `--set thresholdDb=10,holdMs=200`: replay's pipeline flags (PipelineFlags keys, e.g. fftSize, thresholdDb,
 * slowThresholdDb, minDurationMs, holdMs, dcGuardHz, bandPlan), validated by the same parser as the CLI's.
 * @param {string} text
 * @returns {Record<string, string>}
 */
function parseSet(text) {
  /** @type {Record<string, string>} */
  const flags = {};
  for (const item of text.split(',').filter(Boolean)) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(item.trim());
    if (m === null) throw new Error(`detector-eval: --set: "${item}" is not key=value (e.g. thresholdDb=10)`);
    flags[m[1]] = m[2];
  }
  return flags;
}

// ───────────────────────────── matching ─────────────────────────────

/** @typedef {import('../dist/src/eval/site-eval.js').ClosedDetection} Det */
const overlaps = overlapsTruth;

/**
 * The background component a stray detection most likely comes from: first an intermittent one (click, packet, talk
 * spurt, TDMA session) it overlaps in time and band, else a steady one (carrier, broadcast FM) whose band it overlaps;
 * `noise` when none.
 * @param {Det} d
 * @param {import('../dist/src/source/site-background.js').SiteBackground} site
 * @param {{ kind: string, index: number, offsetHz: number, bandwidthHz: number, schedule?: unknown }[]} steady
 * @param {{ kind: string, index: number, offsetHz: number, bandwidthHz: number, startS: number, endS: number }[]} intervals
 * @param {number} tolHz
 */
function attribute(d, site, steady, intervals, tolHz) {
  for (const iv of intervals) if (overlaps(d, iv, site, 0.2, tolHz)) return iv.kind === 'clicks' ? 'click' : `${iv.kind}[${iv.index}]`;
  for (const c of steady) if (overlaps(d, { startS: d.startS, endS: d.endS, offsetHz: c.offsetHz, bandwidthHz: c.bandwidthHz }, site, 0, tolHz)) return `${c.kind}[${c.index}]`;
  return 'noise';
}

// ───────────────────────────── part a: false alarms per hour ─────────────────────────────

/** @param {ReturnType<typeof parseArgs>} args */
async function falseAlarms(args) {
  const calibS = args.calibS;
  const evalS = args.faMinutes * 60;
  const site = siteBackgroundPreset(args.faRateSps, { durationS: calibS + evalS, seed: args.seed });
  const r = await replayPasses(site, calibS, args.flags);
  const tolHz = 2 * r.rbwHz;
  const comps = new SiteBackgroundRenderer(site, 16).components;
  const steady = comps.filter((c) => c.schedule === undefined && c.kind !== 'target');
  const intervals = [...siteIntervals(comps, site.rateSps, site.durationS)];
  const packets = intervals.filter((iv) => iv.kind === 'known-emitter');
  // every alert a supervisor sees after calibration: those that start later and those still open at its end
  const after = r.detections.filter((d) => d.endS > calibS);
  /** @type {Record<string, number>} */
  const byCause = {};
  let strays = 0;
  let longestS = 0;
  const heard = new Set();
  for (const d of after) {
    const hits = packets.filter((p) => overlaps(d, p, site, 0.2, tolHz));
    if (hits.length > 0) {
      for (const p of hits) heard.add(p.startS);
      continue;
    }
    strays++;
    longestS = Math.max(longestS, d.endS - d.startS);
    const cause = attribute(d, site, steady, intervals.filter((iv) => iv.kind !== 'known-emitter'), tolHz);
    byCause[cause] = (byCause[cause] ?? 0) + 1;
  }
  // the emitter watch hears the known emitter's packets without alerting: an appearance of a calibration emitter whose
  // band (widened by the envelope's drift tolerance) covers the packet, overlapping it in time
  const driftTolHz = 10e-6 * site.centerHz;
  for (const a of r.appearances) {
    const e = r.emitters[a.emitter];
    const box = { startS: a.startS, endS: a.endS, lowHz: e.lowHz - driftTolHz, highHz: e.highHz + driftTolHz };
    for (const p of packets) if (overlaps(box, p, site, 0.2, tolHz)) heard.add(p.startS);
  }
  const lifted = r.appearances.filter((a) => a.lifted).length;
  // of those, the ones that opened during calibration and stayed open more than a minute after it
  const openAcross = r.detections.filter((d) => d.startS < calibS && d.endS > calibS + 60).length;
  const later = packets.filter((p) => p.startS >= calibS);
  const heardTimes = later.filter((p) => heard.has(p.startS)).map((p) => p.startS);
  let longestDeafS = 0;
  let prev = calibS;
  for (const t of [...heardTimes, site.durationS]) {
    longestDeafS = Math.max(longestDeafS, t - prev);
    prev = t;
  }
  const hours = evalS / 3600;
  return {
    rateSps: site.rateSps,
    calibrationS: calibS,
    evaluatedS: evalS,
    driftPpm: site.drift.ppm,
    creepDb: site.gainCreep.db,
    detectionsTotal: r.detections.length,
    falseAlarms: strays,
    faPerHour: strays / hours,
    faPerHourUpper95: poissonUpper95(strays) / hours,
    longestFalseAlarmS: longestS,
    openAcrossCalibrationEnd: openAcross,
    falseAlarmCauses: byCause,
    knownEmitter: { packets: later.length, heard: heardTimes.length, fraction: later.length ? heardTimes.length / later.length : 0, longestDeafS },
    calibrationEmitters: r.heard,
    driftPpmMeasured: r.driftPpm,
    envelopeLifts: lifted,
    wall: { learnS: r.learnS, detectS: r.detectS, cpuS: r.cpuS },
  };
}

// ───────────────────────────── part b/c: Pd vs SNR, alerts per transmission, ideal ─────────────────────────────

/**
 * The target classes measured: rate, bandwidth, duration range (s), gap after each target (s), frequency margin, and
 * `ref`, the cell (duration, duty) at which the ideal energy detector's Pd is quoted beside ours (docs/eval.md).
 * TDMA targets are GSM-like trains of 1–8 bursts (577 µs every 4.615 ms).
 */
const KINDS = {
  ook: { rateSps: 250_000, bandwidthHz: 10_000, durS: [0.02, 0.2], gapS: [1.5, 2.5], marginHz: 3_000, ref: { durationS: 0.02, duty: 1 } },
  nfm: { rateSps: 250_000, bandwidthHz: 12_500, durS: [1, 4], gapS: [2.5, 4], marginHz: 3_000, ref: { durationS: 2, duty: 1 } },
  tdma: { rateSps: 2_400_000, bandwidthHz: 200_000, durS: [1, 8], gapS: [0.5, 0.8], marginHz: 20_000, ref: { durationS: GSM_BURST_S, duty: 1 } },
};

/**
 * @param {ReturnType<typeof parseArgs>} args
 * @param {keyof typeof KINDS} kind
 */
async function pdCurve(args, kind) {
  const k = KINDS[kind];
  const calibS = args.quick ? 30 : 60;
  const prng = new Prng(args.seed * 7919 + kind.length);
  const site = siteBackgroundPreset(k.rateSps, { seed: args.seed + 100 });
  if (args.pdBackground === 'noise') {
    // white noise only: sensitivity without the background's interference, drift or creep
    Object.assign(site, { carriers: [], wfm: [], nfmUsers: [], knownEmitters: [], tdma: [], clicks: null, drift: { ppm: 0, overS: 1 }, gainCreep: { db: 0, overS: 1 } });
  }
  const windows = freeWindows(site, k.marginHz).filter(([a, b]) => b - a >= k.bandwidthHz);
  if (windows.length === 0) throw new Error(`detector-eval: no free part of the ${kind} band wide enough for ${k.bandwidthHz} Hz`);
  const widths = windows.map(([a, b]) => b - a - k.bandwidthHz);
  const totalWidth = widths.reduce((x, y) => x + y, 0);
  /** @type {{ snrDb: number }[]} */
  const order = [];
  for (const snrDb of args.grid) for (let i = 0; i < args.trials; i++) order.push({ snrDb });
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(prng.uniform() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  /** @type {import('../dist/src/source/site-background.js').SiteTarget[]} */
  const targets = [];
  /** @type {{ on: number, span: number }[]} */
  const cells = [];
  let t = calibS + 1;
  for (const o of order) {
    let durationS;
    let on;
    if (kind === 'tdma') {
      const bursts = 1 + Math.floor(prng.uniform() * k.durS[1]);
      durationS = (bursts - 1) * GSM_FRAME_S + GSM_BURST_S;
      on = bursts * GSM_BURST_S;
    } else {
      durationS = k.durS[0] + (k.durS[1] - k.durS[0]) * prng.uniform();
      on = durationS * (kind === 'ook' ? OOK_DUTY : 1);
    }
    let u = prng.uniform() * totalWidth;
    let w = 0;
    while (u > widths[w] && w < widths.length - 1) u -= widths[w++];
    const offsetHz = Math.round(windows[w][0] + k.bandwidthHz / 2 + u);
    targets.push({ kind, offsetHz, startS: t, durationS, snrDb: o.snrDb, bandwidthHz: k.bandwidthHz });
    cells.push({ on, span: durationS });
    t += durationS + k.gapS[0] + (k.gapS[1] - k.gapS[0]) * prng.uniform();
  }
  site.durationS = Math.ceil(t + 1);
  site.targets = targets;
  const r = await replayPasses(site, calibS, args.flags);
  const tolHz = 2 * r.rbwHz;
  const tolS = 0.2;
  const comps = new SiteBackgroundRenderer({ ...site, targets: [] }, 16).components;
  // the background's own transmissions: the known emitter's packets, and the talk spurts and TDMA sessions of users the
  // (shorter) calibration may not have heard: real transmissions, counted apart from strays (clicks stay strays)
  const packets = [...siteIntervals(comps, site.rateSps, site.durationS)].filter((iv) => iv.kind !== 'clicks');
  /** @type {number[]} */
  const matches = targets.map(() => 0);
  let strays = 0;
  /** Detections of a background user's talk spurt or TDMA session that calibration did not hear. */
  let background = 0;
  for (const d of r.detections) {
    if (d.startS < calibS) continue;
    let hit = false;
    // targets are in time order and seconds apart: look only near the detection
    for (let i = 0; i < targets.length; i++) {
      const tg = targets[i];
      if (tg.startS > d.endS + tolS) break;
      if (overlaps(d, { startS: tg.startS, endS: tg.startS + tg.durationS, offsetHz: tg.offsetHz, bandwidthHz: targetBandwidthHz(tg) }, site, tolS, tolHz)) {
        matches[i]++;
        hit = true;
      }
    }
    if (hit) continue;
    const bg = packets.find((p) => overlaps(d, p, site, tolS, tolHz));
    if (bg !== undefined) {
      if (bg.kind !== 'known-emitter') background++;
      if (args.list && bg.kind !== 'known-emitter') {
        process.stderr.write(`${kind} background ${bg.kind}[${bg.index}] [${d.startS.toFixed(4)}–${d.endS.toFixed(4)} s, ${((d.lowHz - site.centerHz) / 1e3).toFixed(1)}…` +
          `${((d.highHz - site.centerHz) / 1e3).toFixed(1)} kHz, ${d.peakExcessDb.toFixed(1)} dB, ${d.paths.join('+')}]\n`);
      }
    } else {
      strays++;
      if (args.list) {
        process.stderr.write(`${kind} stray [${d.startS.toFixed(4)}–${d.endS.toFixed(4)} s, ${((d.lowHz - site.centerHz) / 1e3).toFixed(1)}…` +
          `${((d.highHz - site.centerHz) / 1e3).toFixed(1)} kHz, ${d.peakExcessDb.toFixed(1)} dB, ${d.paths.join('+')}]\n`);
      }
    }
  }
  if (args.list) {
    for (const [i, tg] of targets.entries()) {
      const near = r.detections.filter((d) => d.endS >= tg.startS - 1 && d.startS <= tg.startS + tg.durationS + 1);
      process.stderr.write(`${kind} t=${tg.startS.toFixed(3)} dur=${tg.durationS.toFixed(4)} off=${tg.offsetHz} snr=${tg.snrDb} matched=${matches[i]}` +
        ` near: ${near.map((d) => `[${d.startS.toFixed(3)}–${d.endS.toFixed(3)} s, ${((d.lowHz - site.centerHz) / 1e3).toFixed(1)}…${((d.highHz - site.centerHz) / 1e3).toFixed(1)} kHz, ${d.peakExcessDb.toFixed(1)} dB]`).join(' ')}\n`);
    }
  }
  // a target is in the free band when every slow bin of its band is a noise bin of the detector (the background is noise
  // alone there, as the ideal energy detector assumes); elsewhere it lies under something calibration heard (a
  // broadcast FM carrier's excursions, an emitter's skirt) and must stand over that
  const nBins = r.slowNoiseBins.length;
  const free = targets.map((tg) => {
    const lo = Math.floor((tg.offsetHz - k.bandwidthHz / 2) / r.rbwHz) + nBins / 2;
    const hi = Math.ceil((tg.offsetHz + k.bandwidthHz / 2) / r.rbwHz) + nBins / 2;
    for (let b = Math.max(0, lo); b <= Math.min(nBins - 1, hi); b++) if (r.slowNoiseBins[b] === 0) return false;
    return true;
  });
  const pointsOf = (/** @type {(i: number) => boolean} */ keep) => args.grid.map((snrDb) => {
    const idx = targets.map((tg, i) => (tg.snrDb === snrDb && keep(i) ? i : -1)).filter((i) => i >= 0);
    const found = idx.filter((i) => matches[i] > 0);
    const alerts = found.reduce((s, i) => s + matches[i], 0);
    return { snrDb, trials: idx.length, pd: idx.length ? found.length / idx.length : 0, alertsPerTransmission: found.length ? alerts / found.length : null };
  });
  const freePoints = pointsOf((i) => free[i]);
  const freeIdeal = idealSnrDb(cells.filter((_, i) => free[i]).map((c) => ({ durationS: c.span, bandwidthHz: k.bandwidthHz, duty: c.on / c.span })), k.rateSps);
  const freeOurs = pdCrossingDb(freePoints, 0.9);
  const points = args.grid.map((snrDb) => {
    const idx = targets.map((tg, i) => (tg.snrDb === snrDb ? i : -1)).filter((i) => i >= 0);
    const found = idx.filter((i) => matches[i] > 0);
    const alerts = found.reduce((s, i) => s + matches[i], 0);
    return { snrDb, trials: idx.length, pd: found.length / idx.length, alertsPerTransmission: found.length ? alerts / found.length : null };
  });
  const ours = pdCrossingDb(points, 0.9);
  const idealTrials = idealSnrDb(cells.map((c) => ({ durationS: c.span, bandwidthHz: k.bandwidthHz, duty: c.on / c.span })), k.rateSps);
  const idealRef = idealSnrDb([{ durationS: k.ref.durationS, bandwidthHz: k.bandwidthHz, duty: k.ref.duty }], k.rateSps);
  const worstApt = points.filter((p) => p.pd >= 0.5 && p.alertsPerTransmission !== null).reduce((m, p) => Math.max(m, /** @type {number} */ (p.alertsPerTransmission)), 0);
  const hours = (site.durationS - calibS) / 3600;
  return {
    kind,
    background: args.pdBackground,
    rateSps: k.rateSps,
    bandwidthHz: k.bandwidthHz,
    durationRangeS: kind === 'tdma' ? [GSM_BURST_S, (k.durS[1] - 1) * GSM_FRAME_S + GSM_BURST_S] : k.durS,
    targets: targets.length,
    streamS: site.durationS,
    points,
    pd90SnrDb: ours,
    idealPd90SnrDb: idealTrials,
    idealRef: { durationS: k.ref.durationS, bandwidthHz: k.bandwidthHz, pfaPerDecision: 1 / cellsPerHour(k.ref.durationS, k.bandwidthHz, k.rateSps), pd90SnrDb: idealRef },
    gapDb: ours === null ? null : ours - idealTrials,
    freeBand: { targets: free.filter(Boolean).length, points: freePoints, pd90SnrDb: freeOurs, idealPd90SnrDb: freeIdeal, gapDb: freeOurs === null ? null : freeOurs - freeIdeal },
    worstAlertsPerTransmissionAtPd50: worstApt,
    strayDetections: strays,
    strayPerHour: strays / hours,
    backgroundUserDetections: background,
    wall: { learnS: r.learnS, detectS: r.detectS, cpuS: r.cpuS },
  };
}

// ───────────────────────────── report ─────────────────────────────

const f1 = (/** @type {number | null | undefined} */ x, d = 1) => (x === null || x === undefined ? '—' : x === -Infinity ? '<grid' : x.toFixed(d));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const loadStart = os.loadavg();
  process.stderr.write(`detector-eval: ${args.quick ? 'quick' : 'full'} run, load average ${load()} (${os.cpus().length} CPUs)\n`);
  /** @type {Record<string, unknown>} */
  const out = { quick: args.quick, seed: args.seed, snrGridDb: args.grid, trialsPerSnr: args.trials, pipelineFlags: args.flags };
  if (args.only.includes('fa')) {
    const ts = performance.now();
    process.stderr.write(`false alarms: ${args.faMinutes} min of site background at ${args.faRateSps / 1e3} kS/s after ${args.calibS} s of calibration…\n`);
    const fa = await falseAlarms(args);
    out.falseAlarms = fa;
    console.log(`\nFalse alarms (site background, ${fa.rateSps / 1e3} kS/s, ${fa.driftPpm} ppm drift, +${fa.creepDb} dB creep; ${fa.evaluatedS / 60} min after a ${fa.calibrationS} s calibration)`);
    console.log(`  FA/h ${f1(fa.faPerHour, 2)} (95 % upper ${f1(fa.faPerHourUpper95, 2)}), ${fa.falseAlarms} strays of ${fa.detectionsTotal} detections, longest ${f1(fa.longestFalseAlarmS)} s, open across the calibration end ${fa.openAcrossCalibrationEnd}`);
    console.log(`  causes: ${Object.entries(fa.falseAlarmCauses).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
    console.log(`  known emitter heard: ${fa.knownEmitter.heard}/${fa.knownEmitter.packets} packets after calibration, longest deaf stretch ${f1(fa.knownEmitter.longestDeafS, 0)} s`);
    console.log(`  receiver drift measured on the steady carriers at the end: ${fa.driftPpmMeasured === null ? 'no carrier' : fa.driftPpmMeasured.toFixed(2) + ' ppm'} (simulated: ${fa.driftPpm} ppm, reached after 15 min)`);
    console.log(`  calibration emitters: ${fa.calibrationEmitters.length}, envelope lifted ${fa.envelopeLifts} time(s)` +
      fa.calibrationEmitters.map((e) => `\n    ${(e.centerHz / 1e6).toFixed(4)} MHz ${(e.bandwidthHz / 1e3).toFixed(1)} kHz: ${e.appearances} appearances, longest silence ${f1(e.longestDeafS, 0)} s, limit ${e.limitS === null ? 'none (continuous)' : f1(e.limitS) + ' s'}, lifted ${e.lifted}`).join(''));
    console.log(`  wall: learn ${f1(fa.wall.learnS)} s, detect ${f1(fa.wall.detectS)} s (${f1((performance.now() - ts) / 1000)} s; CPU ${f1(fa.wall.cpuS)} s)`);
  }
  if (args.only.includes('pd')) {
    /** @type {Awaited<ReturnType<typeof pdCurve>>[]} */
    const curves = [];
    for (const kind of /** @type {(keyof typeof KINDS)[]} */ (args.kinds)) {
      process.stderr.write(`Pd: ${kind}, ${args.grid.length} SNRs × ${args.trials} trials…\n`);
      curves.push(await pdCurve(args, kind));
    }
    out.pd = curves;
    console.log(`\nPd vs in-band SNR (dB) on the ${args.pdBackground === 'site' ? 'site background' : 'white noise only'}; cells: Pd / alerts per detected transmission`);
    console.log(['kind'.padEnd(5), ...args.grid.map((s) => String(s).padStart(10))].join(' '));
    for (const c of curves) console.log([c.kind.padEnd(5), ...c.points.map((p) => `${p.pd.toFixed(2)}/${p.alertsPerTransmission === null ? '—' : p.alertsPerTransmission.toFixed(1)}`.padStart(10))].join(' '));
    console.log('\nSNR for Pd = 0.9 vs the ideal energy detector at 1 false alarm per hour');
    console.log('kind   T range (s)        W (Hz)   ideal@ref (T, pfa/decision)     ideal(trials)  ours    gap dB  worst alerts/tx  strays/h  background users');
    for (const c of curves) {
      console.log([
        c.kind.padEnd(6),
        `${c.durationRangeS[0].toPrecision(3)}–${c.durationRangeS[1].toPrecision(3)}`.padEnd(18),
        String(c.bandwidthHz).padEnd(8),
        `${f1(c.idealRef.pd90SnrDb)} (${c.idealRef.durationS.toPrecision(3)} s, ${c.idealRef.pfaPerDecision.toExponential(1)})`.padEnd(31),
        f1(c.idealPd90SnrDb).padEnd(14),
        (c.pd90SnrDb === null ? `>${args.grid[args.grid.length - 1]}` : f1(c.pd90SnrDb)).padEnd(7),
        f1(c.gapDb).padEnd(7),
        f1(c.worstAlertsPerTransmissionAtPd50, 2).padEnd(16),
        f1(c.strayPerHour, 1).padEnd(9),
        String(c.backgroundUserDetections),
      ].join(' '));
    }
    // the same targets, only those whose band lies where the detector's baseline is noise alone
    console.log('\nfree band only (targets whose every slow bin is a noise bin of the detector):');
    for (const c of curves) {
      const fb = c.freeBand;
      console.log(`${c.kind.padEnd(6)} ${fb.targets}/${c.targets} targets; Pd ${fb.points.map((p) => `${p.snrDb}:${p.trials ? p.pd.toFixed(2) : '—'}`).join(' ')}; ` +
        `Pd 0.9 at ${fb.pd90SnrDb === null ? '—' : f1(fb.pd90SnrDb)} dB, ideal ${f1(fb.idealPd90SnrDb)} dB, gap ${f1(fb.gapDb)} dB`);
    }
  }
  out.loadAverage = { start: loadStart, end: os.loadavg() };
  out.wallS = (performance.now() - t0) / 1000;
  console.log(`\nload average ${loadStart.map((x) => x.toFixed(2)).join(' ')} → ${load()}; wall ${f1(/** @type {number} */ (out.wallS))} s`);
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(`detector-eval: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
