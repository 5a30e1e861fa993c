// `quietband run`: the live daemon — sensors in worker threads, alert store, HTTP + WebSocket server; demo site without flags.
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { cliSetter, addSourceFlags, siteFromFlags, type SiteFlags } from '../config/site-flags.js';
import { DEFAULT_SITE_CONFIG } from '../config/site-config.js';
import { startSite, type RunningSite } from '../site/site-daemon.js';
import { addInputFlags, addPipelineFlags } from './pipeline-flags.js';

/** One stdout line per sensor: `  sensor hall-a-433: sim at 433.920 MHz, 1000 kS/s, FFT 1024; baseline: warm-up 10 s`. */
export function sensorLine(site: RunningSite['site'], i: number): string {
  const s = site.sensors[i]!;
  const base = s.baselinePath !== null ? `stored ${s.baselinePath}` : `warm-up ${site.warmupS} s`;
  return `  sensor ${s.name}: ${s.sourceText} at ${(s.centerHz / 1e6).toFixed(3)} MHz, ${+(s.rateSps / 1e3).toFixed(3)} kS/s, FFT ${s.fftSize}; baseline: ${base}`;
}

/**
 * Runs the daemon until SIGINT/SIGTERM. Prints to stdout: `QuietBand demo site running at <url>` (or
 * `QuietBand site "<name>" running at <url>`), one line per sensor, and — when auth is on and the token was just
 * created — the token, once. On a signal: stops sources and workers, stores and sends the last alerts (fsync), closes
 * the server and the store, exits 0 (a signal repeated within 1 s is ignored; a later one exits 1 at once).
 * @throws QuietBandError('CONFIG' | 'BAD_INPUT') naming the flag or the config file and field (exit 2).
 */
export async function runCommand(flags: SiteFlags, isSet: (k: keyof SiteFlags) => boolean): Promise<void> {
  const logLevel = flags.logLevel ?? 'info';
  const log = createLogger(logLevel);
  const { site, origin } = await siteFromFlags(flags, isSet, 'run', log);
  const running = await startSite(site, { log, logLevel });
  const head = origin === 'demo' ? 'QuietBand demo site' : `QuietBand site "${site.site}"`;
  let out = `${head} running at ${running.url}\n`;
  for (let i = 0; i < site.sensors.length; i++) out += `${sensorLine(site, i)}\n`;
  const srv = running.server;
  if (srv.authRequired) {
    if (srv.tokenCreated && srv.token !== undefined) {
      out += `Access token (shown once; stored in ${srv.tokenPath ?? 'the data dir'}): ${srv.token}\n`;
      out += `Open ${running.url}login?token=${srv.token} in a browser to sign in.\n`;
    } else out += `Access token required: it is stored in ${srv.tokenPath ?? 'the data dir'} (mode 0600).\n`;
  }
  process.stdout.write(out);

  await new Promise<void>((resolveDone) => {
    let firstAtMs = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (firstAtMs > 0) {
        // a process group signalled as a whole (coreutils timeout, some supervisors) delivers the same signal twice
        if (Date.now() - firstAtMs < 1000) return;
        log.warn({ signal: sig }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      firstAtMs = Date.now();
      log.info({ signal: sig }, 'stopping');
      running.stop().then(
        () => resolveDone(),
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
  process.exit(process.exitCode ?? 0);
}

/** Registers `quietband run`. */
export function register(program: Command): void {
  const d = DEFAULT_SITE_CONFIG;
  const cmd = program
    .command('run')
    .description(
      'run the live daemon: one worker thread per sensor, alerts stored in <data-dir>/alerts.jsonl, web UI and WebSocket at http://<bind>:<port>/. ' +
        'Without --source/--config: one sensor per attached dongle, or (no dongle) a demo site of two simulated sensors',
    );
  addSourceFlags(cmd);
  addInputFlags(cmd);
  addPipelineFlags(cmd);
  cmd
    .option('--data-dir <dir>', 'alert store and access token folder', d.dataDir)
    .option('--http-port <port>', 'HTTP/WebSocket port (0 = any free port; the printed URL shows it)', String(d.http.port))
    .option('--bind <addr>', 'listen address; anything but loopback requires the access token', d.http.bind)
    .option('--warmup <s>', 'seconds of signal a sensor without a stored baseline learns from (no detections meanwhile)', String(d.warmupS))
    .option('--demo', 'run the demo site even when dongles are attached')
    .option('--log-level <level>', 'pino log level on stderr', 'info')
    .action(async (flags: SiteFlags, command: Command) => {
      await runCommand(flags, cliSetter(command));
    });
}
