// Writing a simulated capture as SigMF (cu8 data streamed with constant memory, meta with the truth annotations).
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { QuietBandError } from '../errors.js';
import { RTL_DC_CENTER } from './sim-generators.js';
import { generateScenario, type GenerateResult } from './sim-render.js';
import { DEFAULT_NOISE_DBFS, parseScenario, scenarioAnnotations, type Scenario } from './sim-scenario.js';
import { isSigmfPath, sigmfPaths, writeSigmfMeta, type SigmfAnnotationInput, type SigmfWriteOptions } from './sigmf-write.js';
import { makeFolder } from '../make-folder.js';

/** Default base name for a scenario's files: `quietband-sim_433.92M_1000k_seed1` (parsable by `file-name.ts`). */
export function simBaseName(scenario: Scenario): string {
  const mhz = +(scenario.centerHz / 1e6).toFixed(6);
  const ksps = +(scenario.rateSps / 1e3).toFixed(3);
  return `quietband-sim_${mhz}M_${ksps}k_seed${scenario.seed}`;
}

/** Result of {@link writeSimCapture}. */
export interface SimCaptureFiles extends GenerateResult {
  dataPath: string;
  metaPath: string;
  annotations: SigmfAnnotationInput[];
}

/**
 * Writes `<name>.sigmf-data` (cu8) and `<name>.sigmf-meta` (rate, centre, description of noise and carriers,
 * ground-truth annotations from {@link scenarioAnnotations}).
 * @param target an existing folder or a path ending in `/` (files named {@link simBaseName}), or a base path /
 *   `.sigmf-data` / `.sigmf-meta` path
 *   (missing parent folders are created)
 * @throws QuietBandError('IO') when the files cannot be written; CONFIG for an invalid scenario.
 */
export async function writeSimCapture(target: string, scenario: Scenario): Promise<SimCaptureFiles> {
  const s = parseScenario(scenario);
  const annotations = scenarioAnnotations(s);
  const carriers = s.carriers.map((c) => `${c.offsetHz >= 0 ? '+' : ''}${c.offsetHz / 1e3} kHz at ${c.powerDbfs} dBFS`).join(', ');
  return writeRenderedCapture(target, simBaseName(s), (sink) => generateScenario(s, sink), (name) => ({
    format: 'cu8',
    rateSps: s.rateSps,
    centerHz: s.centerHz,
    datetime: s.datetime,
    description:
      `QuietBand simulated RTL-SDR capture (${name}): seed ${s.seed}, noise ${s.noiseDbfs ?? DEFAULT_NOISE_DBFS} dBFS over the band, ` +
      `u8 DC centre ${s.dcI ?? RTL_DC_CENTER}/${s.dcQ ?? RTL_DC_CENTER}; steady carriers (baseline, not annotated): ${carriers || 'none'}; ` +
      `annotations are the injected events (label = kind)` +
      (s.eventGainDb !== undefined || s.fadingDb !== undefined
        ? `; event path gain ${s.eventGainDb ?? 0} dB, fading ${s.fadingDb ?? 0} dB (seed ${s.fadingSeed ?? s.seed}) included in the annotated powers`
        : ''),
    hw: 'quietband sim (synthetic RTL-SDR)',
    annotations,
  }));
}

/**
 * Writes `<name>.sigmf-data` (cu8, streamed by `generate`) and `<name>.sigmf-meta` (`meta(name)`, name = the files'
 * base name without folder).
 * @param target an existing folder or a path ending in `/` (files named `defaultName`), or a base path /
 *   `.sigmf-data` / `.sigmf-meta` path (missing parent folders are created)
 * @throws QuietBandError('IO') when the files cannot be written.
 */
export async function writeRenderedCapture(
  target: string,
  defaultName: string,
  generate: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<GenerateResult>,
  meta: (name: string) => SigmfWriteOptions & { annotations: SigmfAnnotationInput[] },
): Promise<SimCaptureFiles> {
  let base: string;
  const st = await fsp.stat(target).catch(() => undefined);
  if (!isSigmfPath(target) && (st?.isDirectory() === true || /[\\/]$/.test(target))) base = join(target, defaultName);
  else base = target.replace(/\.sigmf-(meta|data)$/, '');
  const { dataPath, metaPath } = sigmfPaths(base);
  let fh: FileHandle | undefined;
  let result: GenerateResult;
  try {
    await makeFolder(dirname(dataPath));
    fh = await fsp.open(dataPath, 'w');
    const h = fh;
    result = await generate(async (chunk) => {
      let off = 0;
      while (off < chunk.length) off += (await h.write(chunk, off, chunk.length - off)).bytesWritten;
    });
  } catch (err) {
    throw new QuietBandError(`${dataPath}: cannot write the simulated capture (${(err as Error).message})`, 'IO', { cause: err });
  } finally {
    await fh?.close();
  }
  const m = meta(basename(base));
  await writeSigmfMeta(metaPath, m);
  return { ...result, dataPath, metaPath, annotations: m.annotations };
}
