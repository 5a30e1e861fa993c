// `quietband run`: the live daemon — sensors in worker threads, alert store, HTTP + WebSocket server; demo site without flags.
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { cliError } from '../error-text.js';
import { createLogger, resolveLogFormat } from '../log.js';
import { logCodeText } from '../server/message-text.js';
import { otherComputerUrls } from '../config/http-config.js';
import { LOG_LANG_ENV, terminalWords } from '../log-words.js';
import type { TextLang } from '../text-template.js';
import { langFlag } from './replay-words.js';
import { shellWord } from '../field/baseline-health.js';
import { siteFromFlags, type SiteFlags } from './site-flags.js';
import type { SiteSettings } from '../config/site-config.js';
import { parseSourceSpec } from '../config/source-spec.js';
import type { RunningSite } from '../site/site-daemon.js';
import { tlsStartLine } from '../server/tls.js';
import { plannedLearningS, watchWarmup } from './countdown.js';
import { scanBaselinePath, scanPlanOf } from '../scan/scan-config.js';
import { planHops } from '../scan/scan-plan.js';

/**
 * One stdout line per sensor: `  sensor hall-a-433: sim at 433.920 MHz, 1000 kS/s, FFT 1024; baseline: warm-up 10 s`
 * (zh-CN: `  传感器 hall-a-433：sim，433.920 MHz，1000 kS/s，FFT 1024；基线：预热 10 秒`); a scanning sensor without every
 * hop's stored baseline: `warm-up 2 s on each of 8 hops (about 18 s)` ({@link plannedLearningS}), with them
 * `stored <calibrationDir>/<site>-<sensor>-<centerHz>.json × 8`.
 */
export function sensorLine(site: RunningSite['site'], i: number, lang: TextLang = 'en'): string {
  const w = terminalWords(lang);
  const s = site.sensors[i]!;
  let base = s.baselinePath !== null ? w.storedBaseline(s.baselinePath) : w.warmupBaseline(site.warmupS);
  if (s.scan !== undefined) {
    const scan = s.scan;
    const { lengthS, hops } = plannedLearningS(site.warmupS, s);
    const stored = planHops(scanPlanOf(scan, 0), s.rateSps).every((h) => existsSync(scanBaselinePath(scan.baselineBase, h.centerHz)));
    base = stored ? w.storedBaseline(`${scan.baselineBase}-<centerHz>.json × ${hops}`) : w.warmupScan(site.warmupS, hops, Math.round(lengthS));
  }
  return w.sensorLine(s.name, s.sourceText, (s.centerHz / 1e6).toFixed(3), String(+(s.rateSps / 1e3).toFixed(3)), s.fftSize, base);
}

/** Flags of `run` (the site flags plus `--csv`). */
export interface RunFlags extends SiteFlags {
  /** rtl_power CSV of every sensor's spectra (sensor name inserted before the extension when there are several). */
  csv?: string;
  /** `--lang`: language of the terminal lines ({@link langFlag}: en, zh, zh-CN). */
  lang?: string;
}

/**
 * `--csv FILE` → one file per sensor: FILE itself for a single sensor, else FILE with `-<sensor>` inserted before its
 * extension (`spectra.csv` → `spectra-hall-a.csv`; no extension → `spectra-hall-a`). Paths are absolute.
 */
export function csvPathsFor(file: string, sensors: readonly string[]): Record<string, string> {
  const abs = resolve(file);
  if (sensors.length === 1) return { [sensors[0]!]: abs };
  const ext = extname(abs);
  const stem = join(dirname(abs), basename(abs, ext));
  return Object.fromEntries(sensors.map((n) => [n, `${stem}-${n}${ext}`]));
}

/** Calibrate flags that change a baseline's fingerprint or its file, copied from `run` into the refresh command. */
const CALIBRATE_FLAGS: readonly [keyof SiteFlags, string][] = [
  ['site', '--site'], ['sensor', '--sensor'], ['calibrationDir', '--calibration-dir'], ['center', '--center'], ['rate', '--rate'],
  ['format', '--format'], ['gain', '--gain'], ['ppm', '--ppm'], ['fftSize', '--fft-size'], ['fastFftSize', '--fast-fft-size'],
  ['window', '--window'], ['average', '--average'], ['bandPlan', '--band-plan'],
];

/**
 * The command that records this site's baselines by hand, as the technician types it (absolute paths, shell-quoted):
 * `quietband calibrate --config /srv/site.json` (+ the fingerprint flags given to run), or `--source SPEC …` for a
 * one-sensor site from flags; one `calibrate --source rtlsdr:<serial>` per dongle (joined by &&) for a site from the
 * attached dongles; for the demo site, the config form with a placeholder.
 */
export function refreshCommandFor(flags: SiteFlags, isSet: (k: keyof SiteFlags) => boolean, origin: string, site: SiteSettings): string {
  const extra: string[] = [];
  for (const [k, flag] of CALIBRATE_FLAGS) {
    const v = flags[k];
    if (!isSet(k) || typeof v !== 'string') continue;
    extra.push(flag, shellWord(k === 'calibrationDir' ? resolve(v) : v));
  }
  if (isSet('dcRemoval') && flags.dcRemoval === false) extra.push('--no-dc-removal');
  const cmd = (words: string[]): string => ['quietband', 'calibrate', ...words, ...extra].join(' ');
  if (origin === 'config' && flags.config !== undefined) return cmd(['--config', shellWord(resolve(flags.config))]);
  if (origin === 'flags' && flags.source !== undefined) {
    const spec = parseSourceSpec(flags.source, '--source');
    return cmd(['--source', shellWord(spec.kind === 'file' ? `file:${resolve(spec.path)}` : flags.source)]);
  }
  if (origin === 'dongles') return site.sensors.map((s) => cmd(['--source', shellWord(s.sourceText)])).join(' && ');
  return cmd(['--config', '<site.json>']);
}

/**
 * Runs the daemon until SIGINT/SIGTERM. Prints to stdout: `QuietBand demo site running at <url>` (or
 * `QuietBand site "<name>" running at <url>`), one line per sensor, and — when auth is on and the token was just
 * created — the token, once. On a signal: stops sources and workers, stores and sends the last alerts (fsync), closes
 * the server and the store, exits 0 — 1 when alert records could not be stored until the end (storage failed; each is
 * logged in full on stderr) — (a signal repeated within 1 s is ignored; a later one exits 1 at once).
 * @throws QuietBandError('CONFIG' | 'BAD_INPUT') naming the flag or the config file and field (exit 2).
 */
export async function runCommand(flags: RunFlags, isSet: (k: keyof SiteFlags) => boolean): Promise<void> {
  const logLevel = flags.logLevel ?? 'info';
  const lang = langFlag(flags.lang);
  // worker threads inherit the environment: their terminal lines are worded in the same language
  process.env[LOG_LANG_ENV] = lang;
  // the offline reasons the supervisor logs carry their code: worded in the terminal's language
  const log = createLogger(logLevel, resolveLogFormat(), lang, logCodeText);
  const { site, origin } = await siteFromFlags(flags, isSet, 'run', log);
  let csvPaths: Record<string, string> | undefined;
  if (flags.csv !== undefined) {
    csvPaths = csvPathsFor(flags.csv, site.sensors.map((s) => s.name));
    for (const p of Object.values(csvPaths)) {
      try {
        await (await open(p, 'w')).close(); // created (truncated) now: a bad path is a flag error, not a worker crash
      } catch (err) {
        throw cliError('flag.cannotWrite', { flag: '--csv', path: p, detail: (err as Error).message }, 'CONFIG', { cause: err });
      }
    }
  }
  // the daemon (server, sensors, add-ons) is loaded when it starts: the other commands start without it
  const { startSite } = await import('../site/site-daemon.js');
  const running = await startSite(site, { log, logLevel, refreshCommand: refreshCommandFor(flags, isSet, origin, site), ...(csvPaths !== undefined ? { csvPaths } : {}) });
  let out = `${terminalWords(lang).siteRunning(origin === 'demo', site.site, running.url)}\n`;
  const lan = otherComputerUrls(running.url, site.http.bind);
  if (lan.length > 0) out += `${terminalWords(lang).otherComputers(lan.join(' '))}\n`;
  for (let i = 0; i < site.sensors.length; i++) out += `${sensorLine(site, i, lang)}\n`;
  if (csvPaths !== undefined) for (const [n, p] of Object.entries(csvPaths)) out += `  spectra of ${n} → ${p} (rtl_power CSV)\n`;
  if (site.notify !== undefined) out += `  notifications → ${site.notify.channels.map((c) => `${c.name} (${c.type}: ${c.severities.join('/')})`).join(', ')}\n`;
  const srv = running.server;
  if (srv.tls !== undefined) out += `${tlsStartLine(srv.tls)}\n`;
  if (srv.authRequired) {
    if (srv.tokenCreated && srv.token !== undefined) {
      out += `Access token (shown once; stored in ${srv.tokenPath ?? 'the data dir'}): ${srv.token}\n`;
      out += `Open ${running.url} in a browser and paste the token into the sign-in form.\n`;
    } else out += `Access token required: it is stored in ${srv.tokenPath ?? 'the data dir'} (mode 0600).\n`;
  }
  let stopWarmupBars = (): void => {};
  // the signal handlers are in place before the URL is printed: whoever reads it (a supervisor, a test) may stop the
  // daemon at once, and it must then release its data dir and store its alerts, not die of the default action
  const stopped = new Promise<void>((resolveDone) => {
    let firstAtMs = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (firstAtMs > 0) {
        // a process group signalled as a whole (coreutils timeout, some supervisors) delivers the same signal twice
        if (Date.now() - firstAtMs < 1000) return;
        log.warn({ signal: sig }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      firstAtMs = Date.now();
      stopWarmupBars();
      log.info({ signal: sig }, 'stopping');
      running.stop(sig).then(
        () => {
          // alerts sent but never stored (storage failed until the end) are in the log in full: say so by the exit status
          if (running.store.unstoredAtClose > 0) process.exitCode = 1;
          resolveDone();
        },
        (err: unknown) => {
          log.error({ err }, 'error while stopping');
          process.exitCode = 1;
          resolveDone();
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  process.stdout.write(out);
  // whole lines, not bars: the daemon's and its workers' log lines reach the same terminal at any moment
  stopWarmupBars = watchWarmup(() => running.supervisors.map((s) => s.health()), { warmupS: site.warmupS, settleS: site.settleS }, undefined, (line) => log.info(line));
  await stopped;
  process.exit(process.exitCode ?? 0);
}
