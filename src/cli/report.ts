// `quietband report --session NAME -o report.html [--lang zh-CN]`: the session's alerts, acks and outages as printable HTML (PDF optional).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { limitDrawings, REPORT_MAX_DRAWINGS } from '../evidence/clip-picture-files.js';
import type { Alert } from '../alerts/alert.js';
import { ALERTS_FILE } from '../alerts/alert-store.js';
import { applySiteDefaults, loadSiteConfigFile } from '../config/site-config.js';
import { QuietBandError } from '../errors.js';
import { cliError, type CodedQuietBandError } from '../error-text.js';
import { reportSensors, runSensors, siteReportInput } from '../report/report-source.js';
import { sessionWindow } from '../report/session-window.js';
import { readRunRecords } from '../report/run-log.js';
import { DEMO_DATA_DIR } from '../site/demo-site.js';
import { langFlag } from './replay-words.js';
import { pluralWord, type TextLang } from '../text-template.js';
import type { MonitoringSummary } from '../report/monitoring-gaps.js';
import { buildSessionReport, durationText, readAlertRecords, renderReportHtml, type ReportLang, type SessionReportInput } from '../report/session-report.js';

/** Flags of `quietband report`. */
export interface ReportFlags {
  session: string;
  dataDir?: string;
  config?: string;
  output: string;
  pdf?: string;
  chromium: string;
  /** Report language: 'en' (default) or 'zh-CN' (also 'zh', any case). */
  lang?: string;
}

/**
 * The line `quietband report` prints on stdout in `lang`: session, site, how many alerts and sensor outages the report
 * holds, the time not monitored and the daemon's stops (`monitoring`, when the data dir has a run log), and the HTML file
 * written (its absolute path). Chinese in the report's own words (src/report/session-report.ts).
 */
export function reportSummaryLine(lang: TextLang, session: string, site: string, alerts: number, outages: number, out: string, monitoring?: MonitoringSummary): string {
  const gaps = monitoring === undefined ? '' : lang === 'zh-CN'
    ? `，无监测 ${durationText(lang, monitoring.unmonitoredS)}（守护进程停止 ${monitoring.downs} 次）`
    : `, not monitored ${durationText(lang, monitoring.unmonitoredS)} (daemon down ${monitoring.downs} ${pluralWord('en', monitoring.downs, 'time', 'times')})`;
  return lang === 'zh-CN'
    ? `考试场次“${session}”（考点 ${site}）的报告：告警 ${alerts} 条，传感器中断 ${outages} 次${gaps} → ${out}`
    : `report of session "${session}" at ${site}: ${alerts} ${pluralWord('en', alerts, 'alert', 'alerts')}, ${outages} ${pluralWord('en', outages, 'outage', 'outages')}${gaps} → ${out}`;
}

/** `--lang` value → report language ({@link langFlag}). @throws QuietBandError('CONFIG') for anything but en / zh / zh-CN (any case). */
export function reportLangFlag(v: string | undefined): ReportLang {
  return langFlag(v);
}

/**
 * Writes the report. With `--config`: site name, time zone, sensors (room, source, baseline creation time from the
 * stored baseline file) and the session's configured window; the data dir defaults to the config's. Without: the
 * window spans the records carrying the session's name. `--pdf FILE`: also prints it through headless Chromium.
 * `--lang zh-CN`: the report in Simplified Chinese (labels, kinds, severities, states, coded notes), else English.
 * @returns the report's alert and outage counts (also printed).
 * @throws QuietBandError('CONFIG') bad config or --lang; 'BAD_INPUT' unknown session or no store in the data dir (no such
 * folder or file: a wrong --data-dir); 'IO' otherwise unreadable store / unwritable output / Chromium failure.
 */
export async function reportCommand(flags: ReportFlags): Promise<{ alerts: number; outages: number }> {
  const lang = reportLangFlag(flags.lang);
  let input: SessionReportInput;
  try {
    if (flags.config !== undefined) {
      const site = applySiteDefaults(await loadSiteConfigFile(flags.config), flags.dataDir !== undefined ? { dataDir: flags.dataDir } : {}, flags.config);
      input = await siteReportInput(site, flags.session);
    } else {
      const dataDir = flags.dataDir !== undefined ? resolve(flags.dataDir) : resolve('./data');
      input = { session: flags.session, dataDir, records: await readDefaultStore(dataDir), runs: await readRunRecords(dataDir) };
      // the sensors the daemon ran with, as its run log's starts list them (the web report's table from its config)
      const w = sessionWindow(input.records, flags.session);
      const sensors = w !== undefined ? runSensors(input.runs!, w.endMs) : [];
      if (w !== undefined && sensors.length > 0) input.sensors = await reportSensors(sensors, w.startMs);
    }
  } catch (err) {
    throw missingStoreAsBadInput(err);
  }
  // pictures not drawn yet (evidence.pictures 'on-view' draws them when first asked for) are drawn into the data dir
  // here too, so the report shows every alert's spectrogram; one that cannot be written is left out of the report
  input.drawPicture = limitDrawings(async (metaPath, pngPath) => (await import('../evidence/clip-picture.js')).renderClipPicture(metaPath, pngPath), REPORT_MAX_DRAWINGS);
  const report = await buildSessionReport(input);
  const out = resolve(flags.output);
  try {
    await writeFile(out, renderReportHtml(report, lang));
  } catch (err) {
    throw cliError('flag.cannotWrite', { flag: '-o', path: out, detail: (err as Error).message }, 'IO', { cause: err });
  }
  let line = `${reportSummaryLine(lang, report.session, report.site, report.alerts.length, report.outages.length, out, report.monitoring)}\n`;
  if (flags.pdf !== undefined) {
    const pdf = resolve(flags.pdf);
    try {
      const { printPdf } = await import('../report/report-routes.js');
      await printPdf(out, pdf, flags.chromium);
    } catch (err) {
      throw cliError('flag.detail', { flag: '--pdf', detail: (err as Error).message }, 'IO', { cause: err });
    }
    line += `  PDF → ${pdf}\n`;
  }
  process.stdout.write(line);
  return { alerts: report.alerts.length, outages: report.outages.length };
}

/**
 * {@link readAlertRecords} of `dataDir`; when that is the default folder (./data) and holds no store while the demo's
 * folder ({@link DEMO_DATA_DIR}) has one, the error says so and names the flag that reads it (`report.storeDemo`): a
 * report tried after `npm start` otherwise ends on a bare ENOENT.
 * @throws QuietBandError('BAD_INPUT') coded `report.storeDemo`, else as readAlertRecords.
 */
async function readDefaultStore(dataDir: string): Promise<Alert[]> {
  try {
    return await readAlertRecords(dataDir);
  } catch (err) {
    const missing = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    if (missing && dataDir === resolve('./data') && existsSync(join(DEMO_DATA_DIR, ALERTS_FILE))) {
      throw cliError('report.storeDemo', { dataDir, path: join(dataDir, ALERTS_FILE), demoDir: DEMO_DATA_DIR }, 'BAD_INPUT', { cause: err });
    }
    throw err;
  }
}

/**
 * A coded store error whose cause is a missing folder or file (ENOENT, ENOTDIR: a wrong --data-dir or config dataDir)
 * as the same message coded 'BAD_INPUT', so the CLI exits 2 as for any bad input; any other error as it is (a store
 * that exists but cannot be read stays 'IO', exit 1).
 */
function missingStoreAsBadInput(err: unknown): unknown {
  if (!(err instanceof QuietBandError) || err.code !== 'IO') return err;
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  const coded = (err as Partial<CodedQuietBandError>).messageCode;
  if (coded === undefined || (cause?.code !== 'ENOENT' && cause?.code !== 'ENOTDIR')) return err;
  return cliError(coded.id, coded.params ?? {}, 'BAD_INPUT', { cause });
}
