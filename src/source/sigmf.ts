// SigMF metadata: read and validate `.sigmf-meta` (datatype, rate, captures, header bytes), lay out data segments, write metas.
import { promises as fsp } from 'node:fs';
import { z } from 'zod';
import { cliError, type ErrorMessageCode } from '../error-text.js';
import { fieldError, schemaIssueWhy } from '../field-error.js';
import type { SampleFormat } from '../types.js';
import { centerProblemCode, rateProblemCode } from './input-ranges.js';
import { sigmfPaths } from './sigmf-write.js';

// the writing half and the path helpers live in sigmf-write.ts (no zod: a sensor worker writes clip metas without
// loading the validator); they are part of this module's API too
export { buildSigmfMeta, isSigmfPath, SIGMF_DATATYPE_OF, sigmfPaths, writeSigmfMeta, type SigmfAnnotationInput, type SigmfWriteOptions } from './sigmf-write.js';

/** SigMF `core:datatype` values QuietBand reads, and the {@link SampleFormat} each maps to (SigMF spec "Dataset Format"). */
export const SIGMF_DATATYPES: Readonly<Record<string, SampleFormat>> = {
  cu8: 'cu8',
  ci8: 'cs8',
  ci16_le: 'cs16',
  cf32_le: 'cf32',
};

/** The datatypes of {@link SIGMF_DATATYPES} as an error lists them. */
const DATATYPE_LIST = Object.keys(SIGMF_DATATYPES).join(', ');

/** One `captures[]` segment, normalised. */
export interface SigmfCapture {
  /** `core:sample_start`: index (in samples, headers excluded) of the first sample of this segment. */
  sampleStart: number;
  /** `core:frequency` (Hz); undefined when absent (SigMF#291: absent is not 0). */
  centerHz?: number;
  /** `core:datetime` (ISO 8601) of the segment's first sample. */
  datetime?: string;
  /** `core:header_bytes`: bytes of non-sample data placed right before this segment's samples (PR#190). */
  headerBytes: number;
}

/** One `annotations[]` entry, normalised (fields absent in the file stay undefined). */
export interface SigmfAnnotation {
  sampleStart: number;
  sampleCount?: number;
  freqLowerHz?: number;
  freqUpperHz?: number;
  label?: string;
  comment?: string;
}

/** A parsed `.sigmf-meta`. */
export interface SigmfMeta {
  metaPath: string;
  dataPath: string;
  /** `global.core:datatype` as written. */
  datatype: string;
  /** The format the samples are decoded as (the datatype's, or the caller's override). */
  format: SampleFormat;
  /** `global.core:sample_rate` (S/s), when present (it is optional in the spec, SigMF#339). */
  rateSps?: number;
  /** `global.core:trailing_bytes` (0 when absent). */
  trailingBytes: number;
  /** `global.core:description`, when present. */
  description?: string;
  /** Captures in file order; `[{ sampleStart: 0, headerBytes: 0 }]` when the file lists none (SigMF#291). */
  captures: SigmfCapture[];
  annotations: SigmfAnnotation[];
}

/** A run of contiguous samples in the data file belonging to one capture. */
export interface SigmfSegment {
  /** Index into {@link SigmfMeta.captures}. */
  captureIndex: number;
  /** Dataset sample index of the first sample (SigMF numbering: headers excluded). */
  sampleStart: number;
  /** Number of complex samples in the segment. */
  sampleCount: number;
  /** Byte offset of the first sample: Σ header_bytes of captures 0..k + sampleStart × bytes per sample (docs/field-notes.md §20). */
  byteOffset: number;
  centerHz?: number;
  datetime?: string;
}

/** Result of {@link sigmfSegments}. */
export interface SigmfLayout {
  segments: SigmfSegment[];
  /** Σ sampleCount over the segments. */
  totalSamples: number;
  /** Bytes after the last whole sample that do not form a complete sample (0 for a conforming file). */
  danglingBytes: number;
  /** Non-fatal findings (truncated captures), each naming the file and field. */
  warnings: string[];
}

/**
 * Why a datatype string is refused, with the legal spelling where one exists (docs/field-notes.md §19:
 * SigMF#172 `i16_le` → `ri16_le`, SigMF#339 leading r/c, SigMF#18 endianness suffix, SigMF#226 cf64 mislabel).
 * As an `advice.*` code (src/error-text.ts; its text follows the reason), or null when there is nothing specific to add.
 */
export function datatypeAdvice(datatype: string): ErrorMessageCode | null {
  const dt = datatype.trim().toLowerCase();
  const ours: Record<string, string> = { cs8: 'ci8', cs16: 'ci16_le', cs16_le: 'ci16_le', cf32: 'cf32_le', fc32: 'cf32_le', complex64: 'cf32_le' };
  if (ours[dt] !== undefined) return { id: 'advice.spelling', params: { spelling: ours[dt] } };
  const m = /^([rc]?)([fiu])(8|16|32|64)(?:_(le|be))?$/.exec(dt);
  if (m === null) return null;
  const [, kind, type, bits, endian] = m;
  const multiByte = bits !== '8';
  const suffix = multiByte ? `_${endian ?? 'le'}` : '';
  const complex = `c${type}${bits}${suffix}`;
  if (kind === '') return { id: 'advice.noKind', params: { real: `r${type}${bits}${suffix}`, complex } };
  if (kind === 'r') return { id: 'advice.real', params: { complex } };
  if (multiByte && endian === undefined) return { id: 'advice.endian', params: { complex: `c${type}${bits}_le` } };
  if (endian === 'be') return { id: 'advice.bigEndian', params: { complex: `c${type}${bits}_le` } };
  if (dt === 'cf64_le') return { id: 'advice.cf64' };
  return null;
}

/**
 * Maps a SigMF `core:datatype` to a {@link SampleFormat}.
 * @throws QuietBandError('BAD_INPUT') `"<file>: global.core:datatype: …"` listing the supported types and
 *   suggesting the legal spelling (see {@link datatypeAdvice}).
 */
export function datatypeToFormat(datatype: string, file: string): SampleFormat {
  const format = SIGMF_DATATYPES[datatype];
  if (format !== undefined && Object.prototype.hasOwnProperty.call(SIGMF_DATATYPES, datatype)) return format;
  throw fieldError(file, 'global.core:datatype', { id: 'why.datatypeUnsupported', params: { value: datatype, types: DATATYPE_LIST } }, 'BAD_INPUT', datatypeAdvice(datatype));
}

const nonNegInt = z.number().int().nonnegative();
const captureSchema = z.looseObject({
  'core:sample_start': nonNegInt,
  'core:frequency': z.number().optional(), // 0 is a legal (baseband) centre; absent means unknown
  'core:datetime': z.string().optional(),
  'core:header_bytes': nonNegInt.optional(),
});
const annotationSchema = z.looseObject({
  'core:sample_start': nonNegInt,
  'core:sample_count': nonNegInt.optional(),
  'core:freq_lower_edge': z.number().optional(),
  'core:freq_upper_edge': z.number().optional(),
  'core:label': z.string().optional(),
  'core:comment': z.string().optional(),
});
const metaSchema = z.looseObject({
  global: z.looseObject({
    'core:datatype': z.string(),
    'core:sample_rate': z.number().positive().optional(),
    'core:trailing_bytes': nonNegInt.optional(),
    'core:description': z.string().optional(),
  }),
  captures: z.array(captureSchema).optional(),
  annotations: z.array(annotationSchema).optional(),
});

/** `['captures', 1, 'core:frequency']` → `captures[1].core:frequency`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/**
 * Validates a parsed `.sigmf-meta` object.
 * @param json the JSON value of the meta file
 * @param metaPath used in error messages and to locate the data file
 * @param opts.formatOverride decode the samples as this format whatever `core:datatype` says (the datatype is then
 *   not checked; for mislabelled files)
 * @throws QuietBandError('BAD_INPUT') naming the file and the field (`global.core:datatype`, `captures[1].core:sample_start`…),
 *   also for a `core:sample_rate` or `core:frequency` outside the physical ranges of input-ranges.ts
 */
export function parseSigmfMeta(json: unknown, metaPath: string, opts: { formatOverride?: SampleFormat } = {}): SigmfMeta {
  const file = metaPath;
  const g = (json as { global?: Record<string, unknown> } | null)?.global;
  if (typeof g === 'object' && g !== null && g['core:datatype'] === undefined) {
    const id = g['dtype'] !== undefined || g['datatype'] !== undefined ? 'why.datatypeMissingDtype' : 'why.datatypeMissing';
    throw fieldError(file, 'global.core:datatype', { id, params: { types: DATATYPE_LIST } }, 'BAD_INPUT');
  }
  if (typeof g === 'object' && g !== null && typeof g['core:datatype'] !== 'string') {
    const v = g['core:datatype'];
    const params = { value: JSON.stringify(v), kind: v === null ? 'null' : typeof v, types: DATATYPE_LIST };
    throw fieldError(file, 'global.core:datatype', { id: 'why.datatypeNotString', params }, 'BAD_INPUT');
  }
  const parsed = metaSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const why = schemaIssueWhy(issue, (issue as { input?: unknown }).input === undefined);
    const field = fieldPath(issue.path);
    throw why !== null ? fieldError(file, field, why, 'BAD_INPUT') : cliError('field.detail', { where: file, field, detail: issue.message }, 'BAD_INPUT');
  }
  const meta = parsed.data;
  const rate = meta.global['core:sample_rate'];
  const rateWhy = rate === undefined ? null : rateProblemCode(rate);
  if (rateWhy !== null) throw fieldError(file, 'global.core:sample_rate', rateWhy, 'BAD_INPUT');
  (meta.captures ?? []).forEach((c, k) => {
    const hz = c['core:frequency'];
    const why = hz === undefined ? null : centerProblemCode(hz);
    if (why !== null) throw fieldError(file, `captures[${k}].core:frequency`, why, 'BAD_INPUT');
  });
  const datatype = meta.global['core:datatype'];
  const format = opts.formatOverride ?? datatypeToFormat(datatype, file);

  const rawCaptures = meta.captures ?? [];
  const captures: SigmfCapture[] =
    rawCaptures.length === 0
      ? [{ sampleStart: 0, headerBytes: 0 }]
      : rawCaptures.map((c) => ({
          sampleStart: c['core:sample_start'],
          centerHz: c['core:frequency'],
          datetime: c['core:datetime'],
          headerBytes: c['core:header_bytes'] ?? 0,
        }));
  for (let k = 1; k < captures.length; k++) {
    if (captures[k].sampleStart < captures[k - 1].sampleStart) {
      const params = { start: captures[k].sampleStart, prev: k - 1, prevStart: captures[k - 1].sampleStart };
      throw fieldError(file, `captures[${k}].core:sample_start`, { id: 'why.captureOrder', params }, 'BAD_INPUT');
    }
  }
  const annotations: SigmfAnnotation[] = (meta.annotations ?? []).map((a) => ({
    sampleStart: a['core:sample_start'],
    sampleCount: a['core:sample_count'],
    freqLowerHz: a['core:freq_lower_edge'],
    freqUpperHz: a['core:freq_upper_edge'],
    label: a['core:label'],
    comment: a['core:comment'],
  }));
  return {
    metaPath,
    dataPath: sigmfPaths(metaPath).dataPath,
    datatype,
    format,
    rateSps: meta.global['core:sample_rate'],
    trailingBytes: meta.global['core:trailing_bytes'] ?? 0,
    description: meta.global['core:description'],
    captures,
    annotations,
  };
}

/**
 * Reads and validates the meta of a SigMF recording.
 * @param path the `.sigmf-meta`, or the `.sigmf-data` (the meta beside it is read)
 * @throws QuietBandError('BAD_INPUT') when the meta is missing, is not JSON, or fails {@link parseSigmfMeta}
 */
export async function readSigmfMeta(path: string, opts: { formatOverride?: SampleFormat } = {}): Promise<SigmfMeta> {
  const { metaPath } = sigmfPaths(path);
  let text: string;
  try {
    text = await fsp.readFile(metaPath, 'utf8');
  } catch (err) {
    throw cliError('sigmf.cannotRead', { path: metaPath, detail: (err as Error).message }, 'BAD_INPUT', { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw cliError('sigmf.notJson', { path: metaPath, detail: (err as Error).message }, 'BAD_INPUT', { cause: err });
  }
  return parseSigmfMeta(json, metaPath, opts);
}

/**
 * Lays the captures over a data file of `dataBytes` bytes (docs/field-notes.md §20; SigMF PR#190, #93, #205):
 * capture k's sample n sits at byte `Σ_{j≤k} header_bytes_j + n·bytesPerSample`; samples before the first capture's
 * `sample_start` are skipped; the last capture runs to the end of the samples, which end `trailing_bytes` before EOF.
 * A byte count that is not a whole number of samples leaves `danglingBytes` (the caller warns; never zero-filled).
 * Captures past the end of the data are truncated with a warning.
 * @throws QuietBandError('BAD_INPUT') when headers + trailing bytes exceed the file.
 */
export function sigmfSegments(meta: SigmfMeta, dataBytes: number, bytesPerSample: number): SigmfLayout {
  let headerTotal = 0;
  for (const c of meta.captures) headerTotal += c.headerBytes;
  const sampleBytes = dataBytes - headerTotal - meta.trailingBytes;
  if (sampleBytes < 0) {
    const params = { headerBytes: headerTotal, trailingBytes: meta.trailingBytes, dataBytes };
    throw fieldError(meta.dataPath, 'core:header_bytes', { id: 'why.headerBytes', params }, 'BAD_INPUT');
  }
  const fileSamples = Math.floor(sampleBytes / bytesPerSample);
  const danglingBytes = sampleBytes - fileSamples * bytesPerSample;
  const segments: SigmfSegment[] = [];
  const warnings: string[] = [];
  let headersSoFar = 0;
  let totalSamples = 0;
  for (let k = 0; k < meta.captures.length; k++) {
    const c = meta.captures[k];
    headersSoFar += c.headerBytes;
    const nominalEnd = k + 1 < meta.captures.length ? meta.captures[k + 1].sampleStart : fileSamples;
    const end = Math.min(nominalEnd, fileSamples);
    if (nominalEnd > fileSamples) {
      warnings.push(`${meta.dataPath}: captures[${k}]: the data file ends at sample ${fileSamples}, before the capture's end (${nominalEnd}); reading what is there`);
    }
    const count = Math.max(0, end - c.sampleStart);
    if (count === 0) continue;
    segments.push({
      captureIndex: k,
      sampleStart: c.sampleStart,
      sampleCount: count,
      byteOffset: headersSoFar + c.sampleStart * bytesPerSample,
      centerHz: c.centerHz,
      datetime: c.datetime,
    });
    totalSamples += count;
  }
  return { segments, totalSamples, danglingBytes, warnings };
}
