// Seeded generators and runners of malformed inputs (recordings, SigMF metas, site configs, replay flag values), shared
// by test/fuzz/malformed-inputs.test.ts and bench/fuzz-inputs.js. Each case must end in a QuietBandError naming the
// file or field (the CLI's exit 2) or in sane output, never in another exception.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { QuietBandError } from '../../src/errors.js';
import { replayFile, type ReplayFlags } from '../../src/cli/replay.js';
import { openFileSource } from '../../src/source/file-source.js';
import { centerProblem, rateProblem } from '../../src/source/input-ranges.js';
import { applySiteDefaults, loadSiteConfigFile } from '../../src/config/site-config.js';
import { resolveSite } from '../../src/site/site-resolve.js';

/** xorshift32: the same cases on every run. */
export class Rng {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 1;
  }
  u32(): number {
    let x = this.x;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return this.u32() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }
}

/** Values a mutated field can take: wrong types, signs, magnitudes, non-finite (1e400 parses to Infinity), junk. */
const JSON_VALUES = ['null', 'true', '"x"', '""', '[]', '{}', '0', '-1', '1', '0.5', '1e400', '-1e400', '1e12', '-433000000', '4294967296',
  '1e20', '"250k"', '"NaN"', '3.2e6', '2900000', '250000', '433920000', '[1,2]', '{"a":1}', '-0', '1e-300', '"rtlsdr:1"'];

/**
 * Flag values commander could hand over (strings). Valid FFT sizes above 1024 are left out: a replay at them is
 * slow to set up (7.6 s at --fft-size 65536 on a 16384-sample file), not wrong, and the fuzzer must stay fast.
 */
const FLAG_VALUES = ['', ' ', '0', '-1', '1', '3', '1e20', '1e400', 'NaN', 'Infinity', '-Infinity', '0x10', '250k', '2.4M', '1.09G', '433.92M',
  '-433M', '1k', '999', '16', '64', '100', '1024', '131072', '0.5', 'hann', 'blackman', 'nope', 'cu8', 'cf32', 'CN', 'none',
  'XX', '1e3', '12abc', '2048', '100000000', '100000001', '9'.repeat(40)];

/** replay flags fuzzed, as commander names them in ReplayFlags. */
const FLAGS: (keyof ReplayFlags)[] = ['format', 'rate', 'center', 'fftSize', 'fastFftSize', 'window', 'average', 'thresholdDb', 'slowThresholdDb',
  'minDurationMs', 'holdMs', 'dcGuardHz', 'bandPlan', 'settleSamples', 'baselineSeconds', 'baseline', 'hopSettleMs', 'crop'];

/** What one case ended in. */
export type Outcome = 'refused' | 'ok' | 'crash' | 'nonsense';

/** A run's tally; `failures` lists the first few cases that crashed or produced nonsense. */
export interface Tally {
  refused: number;
  ok: number;
  crash: number;
  nonsense: number;
  failures: string[];
}

const newTally = (): Tally => ({ refused: 0, ok: 0, crash: 0, nonsense: 0, failures: [] });

function record(t: Tally, outcome: Outcome, what: string): void {
  t[outcome]++;
  if ((outcome === 'crash' || outcome === 'nonsense') && t.failures.length < 10) t.failures.push(what);
}

/**
 * Classifies an error: 'refused' for a QuietBandError the CLI exits 2 on (BAD_INPUT, CONFIG, BASELINE_MISMATCH) whose
 * message names one of `names` (a file or a flag); anything else is a crash.
 */
function classify(err: unknown, names: readonly string[]): { outcome: Outcome; why: string } {
  if (err instanceof QuietBandError && (err.code === 'BAD_INPUT' || err.code === 'CONFIG' || err.code === 'BASELINE_MISMATCH')) {
    if (names.some((n) => err.message.includes(n))) return { outcome: 'refused', why: err.message };
    return { outcome: 'crash', why: `message names none of ${names.join(', ')}: ${err.message}` };
  }
  const e = err as Error;
  return { outcome: 'crash', why: `${e?.name}: ${e?.message} ${String(e?.stack).split('\n').slice(1, 3).join(' ')}` };
}

interface Det {
  centerHz: number;
  lowHz: number;
  highHz: number;
  startS: number;
  endS: number;
}

/**
 * A finished replay's output is sane when the band it was analysed as is physically plausible (input-ranges.ts), every
 * number is finite and every detection lies in that band and in the recording's span.
 */
function replaySane(dets: Det[], summary: { samples: number; durationS: number }, centerHz: number, rateSps: number): string | null {
  if (!Number.isFinite(summary.durationS) || summary.samples < 0) return `summary ${JSON.stringify(summary)}`;
  const band = rateProblem(rateSps) ?? centerProblem(centerHz);
  if (band !== null) return `accepted an implausible band: ${band}`;
  for (const d of dets) {
    const values = [d.centerHz, d.lowHz, d.highHz, d.startS, d.endS];
    if (!values.every(Number.isFinite)) return `non-finite detection ${JSON.stringify(d)}`;
    if (d.centerHz < centerHz - rateSps / 2 - 1 || d.centerHz > centerHz + rateSps / 2 + 1) return `detection outside the band: ${JSON.stringify(d)}`;
    if (d.startS < 0 || d.endS > summary.durationS + 1e-6) return `detection outside the recording: ${JSON.stringify(d)}`;
  }
  return null;
}

const silent = pino({ level: 'silent' });

/** Replays `file` with `flags`; returns the outcome (centre/rate of the band for the sanity check). */
async function replayCase(file: string, flags: ReplayFlags, names: string[], band: () => { centerHz: number; rateSps: number }): Promise<{ outcome: Outcome; why: string }> {
  const dets: Det[] = [];
  try {
    const summary = await replayFile(file, { progress: false, ...flags }, (line) => dets.push(JSON.parse(line) as Det), silent);
    const b = band();
    const bad = replaySane(dets, summary, b.centerHz, b.rateSps);
    return bad === null ? { outcome: 'ok', why: '' } : { outcome: 'nonsense', why: bad };
  } catch (err) {
    return classify(err, names);
  }
}

/** Random raw bytes, a few with structure: an integer ramp, float32 noise with NaN/Inf, all zeros. */
function randomBytes(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  const kind = rng.int(4);
  if (kind === 0) for (let i = 0; i < n; i++) b[i] = rng.int(256);
  else if (kind === 1) for (let i = 0; i < n; i++) b[i] = (i * 7) & 0xff;
  else if (kind === 2) {
    for (let i = 0; i + 4 <= n; i += 4) {
      const r = rng.int(100);
      b.writeFloatLE(r === 0 ? Number.NaN : r === 1 ? Infinity : r === 2 ? -Infinity : r === 3 ? 3e38 : (rng.int(2001) - 1000) / 1000, i);
    }
  }
  return b;
}

const EXTENSIONS = ['cu8', 'cs8', 'cs16', 'cf32', 'cfile', 'raw', 'data', 'complex16u', 'bin', 'iq', ''];
const NAME_TOKENS = ['433.92M', '250k', '1e20', '0k', '0M', '99999G', '2400k', '4000k', '1k', '3k', '310M', '1G', '.5M', '9999999999M', 'abc', ''];

/**
 * `count` raw recordings in `dir` with random names (rate/centre tokens, extensions), sizes (0–20 kB, not always whole
 * samples) and contents, and SigMF pairs with mutated metas, each replayed with default flags.
 */
export async function fuzzFiles(dir: string, count: number, seed = 1): Promise<Tally> {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  const t = newTally();
  for (let i = 0; i < count; i++) {
    const sigmf = rng.chance(0.5);
    const size = rng.chance(0.1) ? rng.int(16) : rng.int(20_000);
    let file: string;
    let dataFile: string;
    let band = { centerHz: 0, rateSps: 1 };
    if (!sigmf) {
      const tokens = [rng.pick(NAME_TOKENS), rng.pick(NAME_TOKENS)].filter((x) => x !== '');
      const ext = rng.pick(EXTENSIONS);
      file = join(dir, `f${i}_${tokens.join('_')}${ext === '' ? '' : '.' + ext}`);
      dataFile = file;
      writeFileSync(file, randomBytes(rng, size));
    } else {
      const base = join(dir, `s${i}`);
      file = `${base}.sigmf-meta`;
      dataFile = `${base}.sigmf-data`;
      if (rng.chance(0.95)) writeFileSync(dataFile, randomBytes(rng, size));
      writeFileSync(file, mutatedMeta(rng));
    }
    const names = [basename(file), basename(dataFile)];
    // the band for the sanity check of an accepted file: what the file source settles on (a refusal comes again below)
    try {
      const src = await openFileSource(file);
      band = { centerHz: src.info.centerHz, rateSps: src.info.rateSps };
      await src.close();
    } catch {
      // replayCase meets the same error
    }
    const r = await replayCase(file, {}, names, () => band);
    record(t, r.outcome, `${file}: ${r.why}`);
  }
  return t;
}

/** A SigMF meta: a valid one with 1–3 random mutations (field values, deleted keys, extra captures, truncated text). */
function mutatedMeta(rng: Rng): string {
  const meta: Record<string, unknown> = {
    global: { 'core:datatype': rng.pick(['cu8', 'ci8', 'ci16_le', 'cf32_le']), 'core:sample_rate': 250000, 'core:version': '1.0.0' },
    captures: [{ 'core:sample_start': 0, 'core:frequency': 433920000 }],
    annotations: [],
  };
  let text = JSON.stringify(meta);
  const paths = ['global.core:datatype', 'global.core:sample_rate', 'global.core:trailing_bytes', 'captures.0.core:sample_start',
    'captures.0.core:frequency', 'captures.0.core:header_bytes', 'captures.1.core:sample_start', 'captures.1.core:frequency',
    'annotations.0.core:sample_start', 'global', 'captures', 'captures.0'];
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) {
    const obj = JSON.parse(text) as Record<string, unknown>;
    setPath(obj, rng.pick(paths).split('.'), rng.chance(0.15) ? undefined : JSON.parse(rng.pick(JSON_VALUES)));
    text = JSON.stringify(obj, (_, v: unknown) => (v === Infinity ? '__INF__' : v === -Infinity ? '__NINF__' : v)).replace(/"__INF__"/g, '1e400').replace(/"__NINF__"/g, '-1e400');
  }
  if (rng.chance(0.08)) text = text.slice(0, rng.int(text.length));
  return text;
}

/** Sets (or deletes, value undefined) a dotted path, creating objects/arrays on the way. */
function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o: Record<string, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = o[k];
    if (typeof next !== 'object' || next === null) o[k] = /^\d+$/.test(path[i + 1]!) ? [] : {};
    o = o[k] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete o[last];
  else o[last] = value;
}

/** A valid site config the config fuzzer mutates. `capture` is a recording for the file: sensor. */
function baseSite(capture: string, dir: string): Record<string, unknown> {
  return {
    site: 'fuzz',
    dataDir: join(dir, 'data'),
    calibrationDir: join(dir, 'cal'),
    http: { bind: '127.0.0.1', port: 8080 },
    warmupS: 10,
    overload: { clipFraction: 0.01, onAfterMs: 1000, offAfterMs: 5000 },
    spectrum: { window: 'hann', dcRemoval: true },
    detector: { thresholdDb: 10 },
    sensors: [
      { name: 'a', source: 'rtlsdr:00000001', centerHz: 433920000, rateSps: 1000000, gainDb: 30, ppm: 0, fftSize: 1024 },
      { name: 'b', source: 'rtltcp:127.0.0.1:1234', centerHz: 868300000, rateSps: 250000 },
      { name: 'c', source: 'sim', centerHz: 433920000, rateSps: 250000, seed: 1 },
      { name: 'd', source: `file:${capture}` },
    ],
  };
}

const SITE_PATHS = ['site', 'dataDir', 'calibrationDir', 'http.bind', 'http.port', 'warmupS', 'settleS', 'offlineAfterMs', 'overload.clipFraction',
  'restart.initialMs', 'restart.maxMs', 'bandPlan', 'spectrum.window', 'spectrum.average', 'spectrum.fastFftSize', 'detector.thresholdDb',
  'detector.holdMs', 'detector.dcGuardHz', 'detector.maxTracks', 'sensors', 'sensors.0', 'sensors.0.name', 'sensors.0.source', 'sensors.0.centerHz',
  'sensors.0.rateSps', 'sensors.0.gainDb', 'sensors.0.ppm', 'sensors.0.fftSize', 'sensors.1.source', 'sensors.1.centerHz', 'sensors.1.rateSps',
  'sensors.2.rateSps', 'sensors.2.centerHz', 'sensors.2.scenario', 'sensors.3.source', 'sensors.3.format', 'sensors.3.rateSps', 'sensors.3.realtime',
  'sensors.4', 'sensors.4.name', 'sessions', 'knownEmitters', 'evidence.quotaMiB', 'timeZone', 'unknownField'];
const SOURCES = ['"rtlsdr:00000001"', '"rtlsdr:0"', '"rtlsdr"', '"rtltcp:localhost:1234"', '"rtltcp:127.0.0.1:1234"', '"rtltcp::1234"', '"rtltcp:[::1]:99999"',
  '"sim"', '"file:/nonexistent.cu8"', '"file:"', '"gopher://x"', '"rtlsdr: 1"'];

/** `count` mutated site configs written to `dir` and loaded, validated and resolved as `run --config` does. */
export async function fuzzConfigs(dir: string, count: number, capture: string, seed = 2): Promise<Tally> {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  const t = newTally();
  for (let i = 0; i < count; i++) {
    const cfg = baseSite(capture, dir);
    const n = 1 + rng.int(3);
    for (let k = 0; k < n; k++) {
      const path = rng.pick(SITE_PATHS).split('.');
      const v = path[path.length - 1] === 'source' && rng.chance(0.6) ? rng.pick(SOURCES) : rng.pick(JSON_VALUES);
      setPath(cfg, path, rng.chance(0.1) ? undefined : JSON.parse(v));
    }
    let text = JSON.stringify(cfg, (_, v: unknown) => (v === Infinity ? '__INF__' : v === -Infinity ? '__NINF__' : v)).replace(/"__INF__"/g, '1e400').replace(/"__NINF__"/g, '-1e400');
    if (rng.chance(0.05)) text = text.slice(0, rng.int(text.length));
    const file = join(dir, `site${i}.json`);
    writeFileSync(file, text);
    try {
      const parsed = await loadSiteConfigFile(file);
      const site = await resolveSite(applySiteDefaults(parsed, {}, file), file, { lookupBaselines: false });
      // accepted: every live sensor's numbers must be sane
      const bad = site.sensors.find((s) => !(s.rateSps >= 1000 && s.rateSps <= 100e6 && s.centerHz >= 0 && Number.isFinite(s.centerHz)));
      record(t, bad === undefined ? 'ok' : 'nonsense', `${file}: ${text} → ${JSON.stringify(bad)}`);
    } catch (err) {
      const c = classify(err, [file]);
      record(t, c.outcome, `${file}: ${text}: ${c.why}`);
    }
  }
  return t;
}

/** `count` random replay flag sets (1–4 flags of random values) over one small recording. */
export async function fuzzFlags(file: string, count: number, seed = 3): Promise<Tally> {
  const rng = new Rng(seed);
  const t = newTally();
  for (let i = 0; i < count; i++) {
    const flags: Record<string, string> = {};
    const n = 1 + rng.int(4);
    for (let k = 0; k < n; k++) flags[rng.pick(FLAGS)] = rng.pick(FLAG_VALUES);
    const names = [basename(file), ...Object.keys(flags).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)];
    const r = await replayCase(file, flags as ReplayFlags, names, () => bandOf(flags));
    record(t, r.outcome, `${JSON.stringify(flags)}: ${r.why}`);
  }
  return t;
}

/** The band a flag set replays the fuzz recording (250 kS/s at 310 MHz) at, when its flags were accepted. */
function bandOf(flags: Record<string, string>): { centerHz: number; rateSps: number } {
  const scaled = (v: string): number => {
    const m = /^([\d.]+)([kMG]?)$/.exec(v.trim());
    return m ? Math.round(Number(m[1]) * ({ '': 1, k: 1e3, M: 1e6, G: 1e9 } as Record<string, number>)[m[2]!]!) : Math.round(Number(v));
  };
  return { centerHz: flags.center !== undefined ? scaled(flags.center) : 310e6, rateSps: flags.rate !== undefined ? scaled(flags.rate) : 250_000 };
}

/** The first `samples` complex samples of a real cu8 capture, written to `out` (a small recording for the flag fuzzer). */
export function cutCapture(capture: string, out: string, samples: number): string {
  writeFileSync(out, readFileSync(capture).subarray(0, 2 * samples));
  return out;
}
