// Finds the compiled JavaScript of a module that a worker thread runs, whether the caller runs from dist/ or from
// TypeScript sources (workers run plain JavaScript).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * URL of a compiled module for a worker thread: the file named like `distPath`'s last part next to `callerUrl` when the
 * caller itself runs compiled (dist/…/x.js), else `<package root>/<distPath>` (the caller loaded from src/ by a
 * TypeScript runner such as vitest; the package root is the nearest folder above it holding package.json); null when
 * neither exists.
 */
export function compiledModuleUrl(callerUrl: string, distPath: string): URL | null {
  const here = fileURLToPath(callerUrl);
  const beside = join(dirname(here), basename(distPath));
  if (here.endsWith('.js') && existsSync(beside)) return pathToFileURL(beside);
  let dir = dirname(here);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      const p = join(dir, distPath);
      return existsSync(p) ? pathToFileURL(p) : null;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}
