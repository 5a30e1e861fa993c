// `quietband record --source SPEC --duration S -o OUT`: writes a SigMF recording from any source (sim, file, rtl_tcp, dongle).
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { cliError } from '../error-text.js';
import { createLogger, type Logger } from '../log.js';
import { Countdown } from './countdown.js';
import { LOG_LANG_ENV, resolveLogLang, terminalWords } from '../log-words.js';
import { langFlag } from './replay-words.js';
import { applySiteDefaults, validateSiteConfig } from '../config/site-config.js';
import { parseSourceSpec } from '../config/source-spec.js';
import { cliSetter, overridesFromFlags, sensorNameFor, type SiteFlags } from './site-flags.js';
import { resolveSite } from '../site/site-resolve.js';
import { openSensorSource } from '../site/open-source.js';
import { sigmfPaths, writeSigmfMeta, type SigmfAnnotationInput } from '../source/sigmf.js';
import { BYTES_PER_COMPLEX, type IqSource, type SampleFormat } from '../types.js';
import { makeFolder } from '../make-folder.js';

/** Flags of `record`. */
export interface RecordFlags {
  source?: string;
  center?: string;
  rate?: string;
  gain?: string;
  ppm?: string;
  format?: string;
  duration?: string;
  output?: string;
  logLevel?: string;
}

/** What {@link recordSource} wrote. */
export interface RecordResult {
  metaPath: string;
  dataPath: string;
  /** Complex samples written (= round(duration × rate) unless the source ended or was stopped first). */
  samples: number;
  rateSps: number;
  centerHz: number;
  format: SampleFormat;
  /** Places where the source reported lost samples (each is an annotation labelled `gap`). */
  gaps: number;
}

/**
 * Writes `count` interleaved Float32 I/Q values (full scale ±1) into `out` in `format`, allocation-free: the inverse of the
 * readers' conversion (cu8: round(x·127.5 + 127.5), exact for samples read from cu8 — src/evidence/iq-ring.ts
 * encodeSamples; cs8: x·128; cs16: x·32768 little-endian; cf32 as is), clamped to the format's range. Returns bytes written.
 */
export function encodeInto(format: SampleFormat, samples: Float32Array, count: number, out: DataView): number {
  const n = 2 * count;
  switch (format) {
    case 'cu8':
      for (let i = 0; i < n; i++) {
        const v = Math.round(samples[i]! * 127.5 + 127.5);
        out.setUint8(i, v < 0 ? 0 : v > 255 ? 255 : v);
      }
      return n;
    case 'cs8':
      for (let i = 0; i < n; i++) {
        const v = Math.round(samples[i]! * 128);
        out.setInt8(i, v < -128 ? -128 : v > 127 ? 127 : v);
      }
      return n;
    case 'cs16':
      for (let i = 0; i < n; i++) {
        const v = Math.round(samples[i]! * 32768);
        out.setInt16(2 * i, v < -32768 ? -32768 : v > 32767 ? 32767 : v, true);
      }
      return 2 * n;
    case 'cf32':
      for (let i = 0; i < n; i++) out.setFloat32(4 * i, samples[i]!, true);
      return 4 * n;
  }
}

/**
 * Records `--duration` seconds from `--source` into a SigMF pair (`-o` names the base, `.sigmf-meta` or `.sigmf-data`):
 * - the data in the source's datatype (cu8 for dongles, rtl_tcp and sim; a file's own format), every sample the source
 *   delivers after its own settle discard (dongle and rtl_tcp sources drop their first buffers, docs/field-notes.md §2);
 * - the meta: `core:datatype`, `core:sample_rate`, one capture (`core:frequency`, `core:datetime` of the first sample:
 *   the wall clock for live sources, the file's datetime for recordings), `core:hw` (source, tuner when known, gain,
 *   ppm), `core:description` (the same plus the duration), and a `gap` annotation wherever the source lost samples.
 * Sim and files are read as fast as possible; live sources in real time. `signal` stops early (the meta is still written).
 * `onProgress(samplesWritten, samplesWanted)` is called after every block written.
 * @throws QuietBandError('CONFIG') naming the flag; the source's errors (DEVICE_NOT_FOUND, BAD_INPUT, …); 'IO' for the output.
 */
export async function recordSource(flags: RecordFlags, log: Logger, signal?: AbortSignal, onProgress?: (written: number, wanted: number) => void): Promise<RecordResult> {
  if (flags.source === undefined) throw cliError('record.sourceMissing', {}, 'CONFIG');
  if (flags.output === undefined) throw cliError('record.outputMissing', {}, 'CONFIG');
  const durationS = Number(flags.duration);
  if (flags.duration === undefined || !(durationS > 0) || !Number.isFinite(durationS)) {
    throw cliError('flag.notA', { flag: '--duration', value: flags.duration ?? '', expected: 'expect.positiveSeconds' }, 'CONFIG');
  }
  const spec = parseSourceSpec(flags.source, '--source');
  const given = (k: keyof SiteFlags): boolean => (flags as Record<string, unknown>)[k] !== undefined;
  const overrides = overridesFromFlags({ center: flags.center, rate: flags.rate, gain: flags.gain, ppm: flags.ppm, format: flags.format }, given);
  const cfg = validateSiteConfig({ sensors: [{ name: sensorNameFor(spec), source: flags.source }] }, 'flags');
  const site = await resolveSite(applySiteDefaults(cfg, overrides, 'flags'), 'flags', { lookupBaselines: false });
  const sensor = site.sensors[0]!;
  const { metaPath, dataPath } = sigmfPaths(flags.output);
  const source: IqSource = await openSensorSource(sensor, { realtime: false, log });
  const onAbort = (): void => void source.close();
  signal?.addEventListener('abort', onAbort);
  const info = source.info;
  const format = info.format;
  const want = Math.round(durationS * info.rateSps);
  let written = 0;
  let centerHz = info.centerHz;
  let firstMs: number | undefined;
  let tuner: string | null | undefined;
  const gaps: SigmfAnnotationInput[] = [];
  let buf = new ArrayBuffer(0);
  let view = new DataView(buf);
  try {
    await makeFolder(dirname(dataPath));
    const fh = await open(dataPath, 'w').catch((err: unknown) => {
      throw cliError('file.cannotWrite', { path: dataPath, detail: (err as Error).message }, 'IO', { cause: err });
    });
    try {
      for await (const b of source.blocks()) {
        if (firstMs === undefined) {
          centerHz = b.centerHz;
          tuner = source.health().tunerName;
          const fileMs = spec.kind === 'file' && info.datetime !== undefined ? Date.parse(info.datetime) : NaN;
          firstMs = Number.isFinite(fileMs) ? fileMs + (b.firstSample / b.rateSps) * 1000 : Date.now() - (b.count / b.rateSps) * 1000;
        } else if (b.discontinuity) {
          gaps.push({ sampleStart: written, sampleCount: 1, label: 'gap', comment: 'samples were lost before this point (drop, overrun or reconnect)' });
        }
        const take = Math.min(b.count, want - written);
        const bytes = take * BYTES_PER_COMPLEX[format];
        if (buf.byteLength < bytes) {
          buf = new ArrayBuffer(bytes); // grows to the largest block once
          view = new DataView(buf);
        }
        encodeInto(format, b.samples, take, view);
        await fh.write(new Uint8Array(buf, 0, bytes));
        written += take;
        onProgress?.(written, want);
        if (written >= want) break;
      }
    } finally {
      await fh.close();
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await source.close();
  }
  const gain = info.gainDb ?? sensor.gainDb;
  const gainText = gain === 'auto' ? 'gain auto (AGC)' : `gain ${gain} dB`;
  const hw = `${info.label}${tuner ? `, tuner ${tuner}` : ''}${info.deviceId !== undefined ? `, device ${info.deviceId}` : ''}, ${gainText}, ppm ${info.ppm ?? sensor.ppm}`;
  const datetime = new Date(firstMs ?? Date.now()).toISOString();
  await writeSigmfMeta(metaPath, {
    format,
    rateSps: info.rateSps,
    captures: [{ sampleStart: 0, ...(centerHz > 0 ? { centerHz } : {}), datetime }],
    hw,
    description: `QuietBand recording of ${info.label}: ${(written / info.rateSps).toFixed(3)} s at ${info.rateSps} S/s, ${gainText}, ppm ${info.ppm ?? sensor.ppm}`,
    annotations: gaps,
  });
  if (written < want) log.warn({ written, wanted: want }, signal?.aborted ? 'recording stopped early' : 'the source ended before the duration');
  log.info({ meta: metaPath, samples: written, seconds: written / info.rateSps, format, gaps: gaps.length }, 'recording written');
  return { metaPath, dataPath, samples: written, rateSps: info.rateSps, centerHz, format, gaps: gaps.length };
}

/** Runs `quietband record` (src/cli/commands.ts registers it): a countdown bar on a terminal, the .sigmf-meta path on stdout; Ctrl-C stops the recording early. */
export async function recordCommand(flags: RecordFlags & { lang?: string }, command: Command): Promise<void> {
  process.env[LOG_LANG_ENV] = langFlag(flags.lang);
  const set = cliSetter(command);
  const used: RecordFlags = { ...flags };
  for (const k of ['center', 'rate', 'gain', 'ppm', 'format'] as const) if (!set(k)) delete used[k];
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  // on a terminal: a bar with the time left (samples written / wanted)
  const countdown = new Countdown();
  const durationS = Number(flags.duration);
  if (durationS > 0 && Number.isFinite(durationS)) countdown.start('record', terminalWords(resolveLogLang()).recording(flags.source ?? 'sim'), durationS); // else recordSource names the flag
  try {
    const r = await recordSource(used, createLogger(flags.logLevel), stop.signal, (n, want) => countdown.progress('record', n / want));
    countdown.close();
    process.stdout.write(`${r.metaPath}\n`);
  } finally {
    countdown.close();
  }
}
