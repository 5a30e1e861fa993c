// HTTP routes of the session report (GET /sessions, GET /report?session=…) for the server's `routes` option; PDF via Chromium.
import { execFile } from 'node:child_process';
import { DATA_DIR_MODE, DATA_FILE_MODE } from '../file-modes.js';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { pino, type Logger } from 'pino';
import { withBindings } from '../log.js';
import { QuietBandError } from '../errors.js';
import { cliError, errorMessageIn, errorTextIn } from '../error-text.js';
import type { ReportSource } from './report-source.js';
import { buildSessionReport, renderReportHtml, reportLang, type ReportLang } from './session-report.js';
import { create as createContentDisposition } from 'content-disposition';
import { makeFolder } from '../make-folder.js';

/** Folder (inside a daemon's data dir) where every report served is also kept, for the record. */
export const REPORTS_DIR = 'reports';

/** An extra route of the server (`ServerOptions.routes`): true when it answered. */
export type ReportRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

/** Time limit of one PDF print ({@link printPdf}): see its docstring for the figures. */
export const PDF_PRINT_TIMEOUT_MS = 180_000;

/**
 * Prints an HTML file to PDF with headless Chromium (`--print-to-pdf`, no header/footer; A4 from the page's @page rule).
 * The time limit: a 64-alert report of the demo with 55 pictures (4.1 MB of HTML, a 1.7 MB PDF) printed in 4.9–6.4 s
 * on a 2-core machine at load 8.4 (three prints); the trial's print on a loaded machine passed the old 60 s limit.
 * The default {@link PDF_PRINT_TIMEOUT_MS} (180 s, ≈ 30× the measured time) lets a busy laptop finish: the page
 * waits for it, and a print cut off is lost work the supervisor must ask for again.
 * Chromium ends with status 0 when killed at the limit (it shuts down cleanly on SIGTERM) and writes no file, so the
 * limit is told by the clock, and a missing file is checked.
 * @throws QuietBandError('IO') coded `report.pdfTimeout` when Chromium is still printing after `timeoutMs`,
 * `report.pdfFailed` when it fails (not found, exit status), `report.pdfMissing` when it ends without the file.
 */
export async function printPdf(htmlFile: string, pdfFile: string, chromium = 'chromium', timeoutMs = PDF_PRINT_TIMEOUT_MS): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    await promisify(execFile)(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--print-to-pdf=${pdfFile}`, pathToFileURL(htmlFile).href], { signal: ac.signal });
  } catch (err) {
    if (ac.signal.aborted) throw cliError('report.pdfTimeout', { chromium, s: Number((timeoutMs / 1000).toFixed(1)) }, 'IO', { cause: err });
    throw cliError('report.pdfFailed', { chromium, path: htmlFile, detail: (err as Error).message }, 'IO', { cause: err });
  } finally {
    clearTimeout(timer);
  }
  if (ac.signal.aborted) throw cliError('report.pdfTimeout', { chromium, s: Number((timeoutMs / 1000).toFixed(1)) }, 'IO');
  try {
    await stat(pdfFile);
  } catch (err) {
    throw cliError('report.pdfMissing', { chromium, path: pdfFile }, 'IO', { cause: err });
  }
}

/** `site-session` as a file name: anything but letters, digits, `.`, `_`, `-` becomes `_` (at most 120 chars). */
export function reportFileName(site: string, session: string, ext: 'html' | 'pdf'): string {
  return `${`${site}-${session}`.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 120)}.${ext}`;
}

/**
 * `inline; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>` (RFC 6266 with RFC 5987/8187
 * encoding, by the content-disposition package): a header carries only Latin-1, so a session named `数学 Maths` is sent
 * encoded; browsers save it under its real name, older clients under the fallback with `_` for each non-ASCII character.
 */
export function inlineDisposition(fileName: string): string {
  // eslint-disable-next-line no-control-regex
  return createContentDisposition(fileName, { type: 'inline', fallback: fileName.replace(/[^\x20-\x7e]/g, '_') });
}

/** Options of {@link reportRoutes}. */
export interface ReportRoutesOptions {
  /** Data dir: each HTML report served is also written to `<dataDir>/reports/<site>-<session>.html` (latest wins). Absent: not kept. */
  dataDir?: string;
  /** Chromium binary for `format=pdf`. Default 'chromium'. */
  chromium?: string;
  /** Time limit of one PDF print (ms). Default {@link PDF_PRINT_TIMEOUT_MS}. */
  pdfTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Routes (put them in the server's `routes`, behind its auth):
 * - `GET /sessions` → `{ sessions: SessionListEntry[] }` (JSON, newest first);
 * - `GET /report?session=NAME[&site=SITE][&format=pdf][&lang=zh-CN]` → the report of {@link renderReportHtml} (text/html;
 *   `lang` zh* → Simplified Chinese, else English), or its PDF
 *   printed by headless Chromium (application/pdf; one print at a time). 400 without `session`; 404 for an unknown
 *   session (message in text/plain, in `lang` when the error is coded); 500 when the store cannot be read or Chromium fails.
 * The HTML is built from the source on every request (acks made since appear) and kept in `<dataDir>/reports/`.
 */
export function reportRoutes(src: ReportSource, o: ReportRoutesOptions = {}): ReportRoute[] {
  const log = (o.logger ?? pino({ level: 'silent' })).child({ component: 'report' });
  let printing: Promise<unknown> = Promise.resolve();
  const text = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(`${body}\n`);
  };
  // `lang`: the request's (`&lang=`), in which a coded error is worded (src/error-text.ts; others stay English)
  const fail = (res: ServerResponse, err: unknown, lang: ReportLang = 'en'): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof QuietBandError && err.code === 'BAD_INPUT') text(res, 404, errorMessageIn(lang, err) ?? err.message);
    else {
      log.error({ err }, 'report failed');
      text(res, 500, errorTextIn(lang, { id: 'report.failed', params: { detail: err instanceof Error ? (errorMessageIn(lang, err) ?? err.message) : String(err) } }));
    }
  };
  const sessions: ReportRoute = (req, res, url) => {
    if (url.pathname !== '/sessions' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    src.sessions().then((list) => {
      const body = JSON.stringify({ sessions: list });
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
    }, (err: unknown) => fail(res, err));
    return true;
  };
  const report: ReportRoute = (req, res, url) => {
    if (url.pathname !== '/report' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const session = url.searchParams.get('session');
    const site = url.searchParams.get('site') ?? undefined;
    const pdf = url.searchParams.get('format') === 'pdf';
    const lang = reportLang(url.searchParams.get('lang'));
    if (session === null || session.length === 0 || session.length > 200 || (site !== undefined && site.length > 200)) {
      text(res, 400, errorTextIn(lang, { id: 'report.badQuery' }));
      return true;
    }
    (async () => {
      const r = await buildSessionReport(await src.input(session, site));
      const html = renderReportHtml(r, lang);
      if (o.dataDir !== undefined) {
        const dir = join(o.dataDir, REPORTS_DIR);
        await makeFolder(dir, DATA_DIR_MODE);
        await writeFile(join(dir, reportFileName(r.site, r.session, 'html')), html, { mode: DATA_FILE_MODE });
      }
      withBindings(log, { site: r.site }).info({ session: r.session, alerts: r.alerts.length, outages: r.outages.length, pdf }, 'session report served');
      if (!pdf) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Disposition': inlineDisposition(reportFileName(r.site, r.session, 'html')) });
        res.end(req.method === 'HEAD' ? undefined : html);
        return;
      }
      const job = printing.then(async () => {
        const tmp = await mkdtemp(join(tmpdir(), 'quietband-report-'));
        try {
          await writeFile(join(tmp, 'report.html'), html);
          await printPdf(join(tmp, 'report.html'), join(tmp, 'report.pdf'), o.chromium ?? 'chromium', o.pdfTimeoutMs);
          return await readFile(join(tmp, 'report.pdf'));
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
      });
      printing = job.catch(() => undefined);
      const body = await job;
      res.writeHead(200, { 'Content-Type': 'application/pdf', 'Cache-Control': 'no-store', 'Content-Disposition': inlineDisposition(reportFileName(r.site, r.session, 'pdf')) });
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch((err: unknown) => fail(res, err, lang));
    return true;
  };
  return [sessions, report];
}
