// Finds the compiled sensor worker (dist/src/site/sensor-worker.js) whether the caller runs from dist/ or from TypeScript sources.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QuietBandError } from '../errors.js';
import { compiledModuleUrl } from '../module-url.js';

/** Path of the worker inside the build output, relative to the repository root. */
export const WORKER_DIST_PATH = join('dist', 'src', 'site', 'sensor-worker.js');

/**
 * URL of the compiled sensor worker. Workers run plain JavaScript, so:
 * 1. `$QUIETBAND_SENSOR_WORKER` when set (a path);
 * 2. `sensor-worker.js` next to this module (the normal case: this module is dist/src/site/worker-url.js);
 * 3. `<package root>/dist/src/site/sensor-worker.js`, the package root being the nearest folder above this module
 *    holding package.json (this module loaded from src/ by a TypeScript runner such as vitest).
 * @throws QuietBandError('IO') when none exists, advising `npm run build`.
 */
export function sensorWorkerUrl(): URL {
  const env = process.env.QUIETBAND_SENSOR_WORKER;
  if (env !== undefined && env !== '') {
    if (!existsSync(env)) throw new QuietBandError(`QUIETBAND_SENSOR_WORKER: ${env} does not exist`, 'IO');
    return pathToFileURL(resolve(env));
  }
  const url = compiledModuleUrl(import.meta.url, WORKER_DIST_PATH);
  if (url === null) throw new QuietBandError(`the sensor worker ${WORKER_DIST_PATH} is missing: build QuietBand first (npm run build)`, 'IO');
  return url;
}
