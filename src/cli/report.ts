// `quietband report --session NAME -o report.html`: the session's alerts, acks and outages as printable HTML (PDF optional).
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { applySiteDefaults, defaultBaselinePath, loadSiteConfigFile } from '../config/site-config.js';
import { QuietBandError } from '../errors.js';
import { buildSessionReport, readAlertRecords, renderReportHtml, type ReportSensor, type SessionReportInput } from '../report/session-report.js';

/** Flags of `quietband report`. */
export interface ReportFlags {
  session: string;
  dataDir?: string;
  config?: string;
  output: string;
  pdf?: string;
  chromium: string;
}

/**
 * Writes the report. With `--config`: site name, time zone, sensors (room, source, baseline creation time from the
 * stored baseline file) and the session's configured window; the data dir defaults to the config's. Without: the
 * window spans the records carrying the session's name. `--pdf FILE`: also prints it through headless Chromium.
 * @returns the report's alert and outage counts (also printed).
 * @throws QuietBandError('CONFIG') bad config; 'BAD_INPUT' unknown session; 'IO' unreadable store / unwritable output /
 * Chromium failure.
 */
export async function reportCommand(flags: ReportFlags): Promise<{ alerts: number; outages: number }> {
  const input: Partial<SessionReportInput> = { session: flags.session };
  let dataDir = flags.dataDir !== undefined ? resolve(flags.dataDir) : resolve('./data');
  if (flags.config !== undefined) {
    const site = applySiteDefaults(await loadSiteConfigFile(flags.config), flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}, flags.config);
    dataDir = site.dataDir;
    input.site = site.site;
    if (site.timeZone !== undefined) input.timeZone = site.timeZone;
    const s = site.sessions.find((x) => x.name === flags.session);
    if (s !== undefined) input.window = { startMs: s.startMs, endMs: s.endMs };
    const startMs = input.window?.startMs ?? Date.now();
    input.sensors = await Promise.all(
      site.sensors.map(async (x): Promise<ReportSensor> => {
        const r: ReportSensor = { name: x.name, centerHz: x.centerHz, rateSps: x.rateSps, source: x.sourceText, baselineChecked: true };
        if (x.location !== undefined) r.room = x.location.room;
        try {
          const b = JSON.parse(await readFile(x.baselinePath ?? defaultBaselinePath(site, x.name), 'utf8')) as { createdAt?: unknown };
          if (typeof b.createdAt === 'string' && !Number.isNaN(Date.parse(b.createdAt))) {
            r.baselineCreatedAt = b.createdAt;
            r.baselineAgeH = (startMs - Date.parse(b.createdAt)) / 3_600_000;
          }
        } catch {
          // no stored baseline (warm-up sensor)
        }
        return r;
      }),
    );
  }
  input.dataDir = dataDir;
  input.records = await readAlertRecords(dataDir);
  const report = await buildSessionReport(input as SessionReportInput);
  const out = resolve(flags.output);
  try {
    await writeFile(out, renderReportHtml(report));
  } catch (err) {
    throw new QuietBandError(`-o: cannot write ${out} (${(err as Error).message})`, 'IO', { cause: err });
  }
  let line = `report of session "${report.session}" at ${report.site}: ${report.alerts.length} alert(s), ${report.outages.length} outage(s) → ${out}\n`;
  if (flags.pdf !== undefined) {
    const pdf = resolve(flags.pdf);
    try {
      await promisify(execFile)(flags.chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, pathToFileURL(out).href], { timeout: 60_000 });
    } catch (err) {
      throw new QuietBandError(`--pdf: ${flags.chromium} could not print ${out} (${(err as Error).message})`, 'IO', { cause: err });
    }
    line += `  PDF → ${pdf}\n`;
  }
  process.stdout.write(line);
  return { alerts: report.alerts.length, outages: report.outages.length };
}

/** Registers `quietband report`. */
export function register(program: Command): void {
  program
    .command('report')
    .description("write a session report for the record (HTML, printable): site, sensors and baseline ages, every alert with its spectrogram, who acknowledged it and when, sensor outages")
    .requiredOption('--session <name>', 'exam session name (as in the site config `sessions`, and on its alerts)')
    .option('--data-dir <dir>', 'alert store folder (default: the config\'s, else ./data)')
    .option('--config <file>', 'site config: sensors, baselines, time zone and the session window')
    .requiredOption('-o, --output <file>', 'HTML file to write')
    .option('--pdf <file>', 'also print it to PDF with headless Chromium')
    .option('--chromium <path>', 'Chromium binary for --pdf', 'chromium')
    .action(async (flags: ReportFlags) => {
      await reportCommand(flags);
    });
}
