// SigMF metadata, the writing half: path helpers, the datatype written per sample format, build and write a `.sigmf-meta`.
// Kept apart from sigmf.ts (reading and validation with zod) so that writers do not load the validator.
import { QuietBandError } from '../errors.js';
import type { SampleFormat } from '../types.js';
import { writeFileAtomic } from '../atomic-write.js';

/** The SigMF `core:datatype` written for each {@link SampleFormat}. */
export const SIGMF_DATATYPE_OF: Readonly<Record<SampleFormat, string>> = {
  cu8: 'cu8',
  cs8: 'ci8',
  cs16: 'ci16_le',
  cf32: 'cf32_le',
};

/** Given a `.sigmf-meta`, `.sigmf-data` or extension-less base path, the paths of both halves of the recording. */
export function sigmfPaths(path: string): { metaPath: string; dataPath: string } {
  const base = path.replace(/\.sigmf-(meta|data)$/, '');
  return { metaPath: `${base}.sigmf-meta`, dataPath: `${base}.sigmf-data` };
}

/** True for names QuietBand reads as SigMF (`.sigmf-meta` / `.sigmf-data`). */
export function isSigmfPath(path: string): boolean {
  return /\.sigmf-(meta|data)$/.test(path);
}

/** An annotation to write: frequencies in Hz (absolute), sample indices from the dataset start. */
export interface SigmfAnnotationInput {
  sampleStart: number;
  sampleCount: number;
  freqLowerHz?: number;
  freqUpperHz?: number;
  label?: string;
  comment?: string;
}

/** What {@link writeSigmfMeta} writes. */
export interface SigmfWriteOptions {
  /** Sample encoding of the `.sigmf-data` (→ `core:datatype` via {@link SIGMF_DATATYPE_OF}). */
  format: SampleFormat;
  /** `core:sample_rate` (S/s). */
  rateSps: number;
  /** Mode of the meta file when it is created (e.g. 0o600 in the daemon's data dir). Default: 0666 minus the umask. */
  fileMode?: number;
  /** `core:frequency` (Hz) of the single default capture (ignored when `captures` is given). */
  centerHz?: number;
  /** `core:datetime` (ISO 8601 UTC) of the single default capture (ignored when `captures` is given). */
  datetime?: string;
  /** `core:description`. */
  description?: string;
  /** `core:hw` (receiver description, e.g. `RTL-SDR Blog V3, gain 28 dB`). */
  hw?: string;
  /** Explicit captures; default one capture at sample 0 with `centerHz`/`datetime`. */
  captures?: { sampleStart: number; centerHz?: number; datetime?: string }[];
  /** Annotations (written sorted by sample_start, as the spec requires). */
  annotations?: SigmfAnnotationInput[];
  /** More `global` keys (namespaced ones must be declared in `core:extensions`, sigmf-python PR#104). */
  extraGlobal?: Record<string, unknown>;
}

/**
 * Builds a SigMF 1.0 meta object: global (`core:datatype`, `core:sample_rate`, `core:version` "1.0.0",
 * `core:description`, `core:recorder` "quietband", `core:hw`), captures (`core:sample_start`, `core:frequency`,
 * `core:datetime`) and annotations (`core:sample_start`, `core:sample_count`, `core:freq_lower_edge`,
 * `core:freq_upper_edge`, `core:label`, `core:comment`). Absent optional values are omitted, never written as null.
 */
export function buildSigmfMeta(opts: SigmfWriteOptions): Record<string, unknown> {
  const global: Record<string, unknown> = {
    'core:datatype': SIGMF_DATATYPE_OF[opts.format],
    'core:sample_rate': opts.rateSps,
    'core:version': '1.0.0',
    'core:recorder': 'quietband',
  };
  if (opts.description !== undefined) global['core:description'] = opts.description;
  if (opts.hw !== undefined) global['core:hw'] = opts.hw;
  if (opts.extraGlobal !== undefined) Object.assign(global, opts.extraGlobal);
  const caps = opts.captures ?? [{ sampleStart: 0, centerHz: opts.centerHz, datetime: opts.datetime }];
  const captures = caps.map((c) => {
    const o: Record<string, unknown> = { 'core:sample_start': c.sampleStart };
    if (c.centerHz !== undefined) o['core:frequency'] = c.centerHz;
    if (c.datetime !== undefined) o['core:datetime'] = c.datetime;
    return o;
  });
  const annotations = [...(opts.annotations ?? [])]
    .sort((a, b) => a.sampleStart - b.sampleStart)
    .map((a) => {
      const o: Record<string, unknown> = { 'core:sample_start': a.sampleStart, 'core:sample_count': a.sampleCount };
      if (a.freqLowerHz !== undefined) o['core:freq_lower_edge'] = a.freqLowerHz;
      if (a.freqUpperHz !== undefined) o['core:freq_upper_edge'] = a.freqUpperHz;
      if (a.label !== undefined) o['core:label'] = a.label;
      if (a.comment !== undefined) o['core:comment'] = a.comment;
      return o;
    });
  return { global, captures, annotations };
}

/**
 * Writes `<base>.sigmf-meta` (via a temporary file and a rename, so readers never see half a file).
 * @param path the recording's base path, its `.sigmf-data`, or its `.sigmf-meta`
 * @returns the meta file's path
 * @throws QuietBandError('IO') when the folder is not writable
 */
export async function writeSigmfMeta(path: string, opts: SigmfWriteOptions): Promise<string> {
  const { metaPath } = sigmfPaths(path);
  try {
    // a user's file unless told (0666 before the umask, as a plain write makes it)
    await writeFileAtomic(metaPath, `${JSON.stringify(buildSigmfMeta(opts), null, 2)}\n`, { mode: opts.fileMode ?? 0o666 });
  } catch (err) {
    throw new QuietBandError(`${metaPath}: cannot write the SigMF meta (${(err as Error).message})`, 'IO', { cause: err });
  }
  return metaPath;
}
