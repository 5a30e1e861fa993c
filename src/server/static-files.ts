// Static file serving for the web UI: content types, no directory traversal, web root discovery.
import { createReadStream, existsSync, promises as fsp, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pageCsp } from './guard.js';

/** Content types by lower-case extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** Content type for a file name (see {@link CONTENT_TYPES}). */
export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The UI folder shipped with the package: `<package root>/web-ui/dist` when it exists (built UI), else
 * `<package root>/web-ui`. The package root is the nearest folder above this module whose package.json is named
 * "quietband" (works from `src/` under vitest and from `dist/src/` after tsc).
 */
export function defaultWebRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'quietband') break;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const dist = path.join(dir, 'web-ui', 'dist');
  return existsSync(dist) ? dist : path.join(dir, 'web-ui');
}

/** An HTML page of the UI with the CSP that lets exactly its own inline scripts run (see {@link pageCsp}). */
export interface HtmlPage {
  body: Buffer;
  csp: string;
}

const htmlCache = new Map<string, { mtimeMs: number; size: number; page: HtmlPage }>();

/**
 * Reads an HTML file and its CSP; cached per path until its mtime or size changes (a rebuilt UI is picked up).
 * @throws the fs error when the file cannot be read.
 */
export async function readHtmlPage(file: string): Promise<HtmlPage> {
  const st = await fsp.stat(file);
  const hit = htmlCache.get(file);
  if (hit !== undefined && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.page;
  const body = await fsp.readFile(file);
  const page = { body, csp: pageCsp(body.toString('utf8')) };
  if (htmlCache.size > 64) htmlCache.clear();
  htmlCache.set(file, { mtimeMs: st.mtimeMs, size: st.size, page });
  return page;
}

/**
 * Serves `rawPathname` (the URL's pathname, still percent-encoded) from `rootReal`, the realpath of the web root. `/` and directories map to `index.html`. Paths that decode to NUL, leave the root
 * (`..`, encoded `%2e%2e`/`%2f`, or symlinks pointing outside) get 404. Only GET and HEAD (405 otherwise).
 * HTML files carry the CSP of {@link readHtmlPage}; every other response keeps the headers already set on `res`.
 * Resolves true when it answered.
 */
export async function serveStatic(rootReal: string, rawPathname: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return true;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(rawPathname);
  } catch {
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('bad path\n');
    return true;
  }
  const notFound = (): boolean => {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    return true;
  };
  if (rel.includes('\0')) return notFound();
  let file = path.resolve(rootReal, '.' + path.posix.normalize('/' + rel.replace(/\\/g, '/')));
  if (file !== rootReal && !file.startsWith(rootReal + path.sep)) return notFound();
  let real: string;
  try {
    real = await fsp.realpath(file);
    let st = await fsp.stat(real);
    if (st.isDirectory()) {
      file = path.join(real, 'index.html');
      real = await fsp.realpath(file);
      st = await fsp.stat(real);
    }
    if (!st.isFile()) return notFound();
    if (real !== rootReal && !real.startsWith(rootReal + path.sep)) return notFound();
    const isHtml = contentTypeFor(real).startsWith('text/html');
    const headers: Record<string, string | number> = {
      'Content-Type': contentTypeFor(real),
      'Content-Length': st.size,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': isHtml ? 'no-cache' : 'public, max-age=300',
    };
    if (isHtml) {
      const page = await readHtmlPage(real);
      headers['Content-Length'] = page.body.length;
      headers['Content-Security-Policy'] = page.csp;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : page.body);
      return true;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    const stream = createReadStream(real);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  } catch {
    return notFound();
  }
}
