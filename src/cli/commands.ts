// Every command's name, arguments, options and English help (the Chinese: help-words.ts), registered on the program at
// every start. A command's implementation (src/cli/<command>.ts and what it imports: the pipeline, zod, the native
// addons, the servers) is imported by its action only, so `quietband --help` or one command does not load the others;
// this module imports only commander and the constants its help shows (defaults from modules that load nothing heavy).
import type { Command } from 'commander';
import { DEFAULT_SENSOR, DEFAULT_SITE_CONFIG } from '../config/site-defaults.js';
import { DEFAULT_DETECTOR_OPTIONS } from '../detector/options.js';
import { WINDOW_NAMES } from '../dsp/window.js';
import { DEFAULT_SCAN } from '../scan/scan-plan.js';
import { DEFAULT_SETTLE_SAMPLES, SAMPLE_FORMATS } from '../types.js';
import type { CalibrateFlags } from './calibrate.js';
import type { CalibrateLiveFlags } from './calibrate-live.js';
import type { DevicesCliOptions } from './devices.js';
import type { HubFlags } from './hub.js';
import type { RecordFlags } from './record.js';
import type { ReplayFlags } from './replay.js';
import type { ReportFlags } from './report.js';
import type { RunFlags } from './run.js';
import type { SimCliOptions } from './sim.js';

/** Adds the input flags (format, rate, centre). */
function addInputFlags(cmd: Command): Command {
  return cmd
    .option('--format <fmt>', `sample format: ${SAMPLE_FORMATS.join(', ')} (default: from the extension or SigMF)`)
    .option('--rate <sps>', 'sample rate, e.g. 250k, 2.4M (default: SigMF core:sample_rate or the file name)')
    .option('--center <hz>', 'centre frequency, e.g. 433.92M (default: SigMF core:frequency or the file name)');
}

/**
 * Adds the spectrum and baseline flags and, for a command that detects (`detect`: replay, run), the detector's
 * thresholds, durations and DC guard. `calibrate` only learns a baseline: those flags would change nothing there, so
 * its help does not list them (and giving one is an unknown-option error). Defaults are documented in the help text.
 */
function addPipelineFlags(cmd: Command, detect = true): Command {
  const d = DEFAULT_DETECTOR_OPTIONS;
  cmd
    .option('--fft-size <n>', 'FFT size of the slow (Welch) path, a power of two 64..65536', '1024')
    .option('--fast-fft-size <n>', 'FFT size of the fast (short-frame) path (default: fft-size/4)')
    .option('--window <name>', `window: ${WINDOW_NAMES.join(', ')}`, 'hann')
    .option('--average <n>', 'short frames per Welch average (default: the number spanning ~100 ms)')
    .option('--no-dc-removal', 'do not subtract the running I/Q mean before the FFT');
  if (detect) {
    cmd
      .option('--threshold-db <db>', 'fast path: minimum excess over the baseline to open a signal (dB)', String(d.thresholdDb))
      .option('--slow-threshold-db <db>', 'slow path: minimum excess over the baseline (dB)', String(d.slowThresholdDb))
      .option('--min-duration-ms <ms>', 'report signals lasting at least this long (ms)', String(d.minDurationMs))
      .option('--hold-ms <ms>', 'a signal stays open this long after its last hit; closer bursts merge (ms)', String(d.holdMs));
  }
  // calibrate learns what the burst path would open on (the baseline's burstHeard), so it takes the scales too
  cmd.option('--burst-scales-ms <list>', 'burst integration times (ms), e.g. 0.5,20 (default: 20; off turns it off; docs/detector.md §12)');
  if (detect) cmd.option('--dc-guard-hz <hz>', `bins within ± this of the tuning centre are never tested (Hz; default ${d.dcGuardHz})`);
  return cmd
    .option('--band-plan <region>', 'band plan for labels and background (envelope) bands: CN, EU or none', 'CN')
    .option('--settle-samples <n>', 'samples discarded at stream start (transients)', String(DEFAULT_SETTLE_SAMPLES));
}

/** Adds the source flags shared by `run` and live `calibrate` (besides --center/--rate/--format/--fft-size). */
function addSourceFlags(cmd: Command): Command {
  return cmd
    .option('--source <spec>', 'sim | rtlsdr:<serial|index> | rtltcp:<host>:<port> | soapy:<driver=…,serial=…> | file:<path> (one sensor; not with --config)')
    .option('--config <file>', 'site config JSON (see calibration/example-site.json); flags override its values')
    .option('--gain <db|auto>', `tuner gain in dB (snapped to the tuner's steps) or auto (default ${String(DEFAULT_SENSOR.gainDb)})`)
    .option('--ppm <n>', 'frequency correction (whole ppm, default 0)')
    .option('--site <name>', `site name (default: the config's, else "${DEFAULT_SITE_CONFIG.site}")`)
    .option('--sensor <name>', 'name of the sensor given with --source (default: derived from the source)')
    .option('--calibration-dir <dir>', `folder of stored baselines <site>-<sensor>.json (default ${DEFAULT_SITE_CONFIG.calibrationDir})`);
}

/**
 * Adds `quietband devices [--json] [--no-probe] [--no-soapy] [--lang en|zh-CN]`; the text is in `--lang`, else the
 * locale's language (JSON stays as found). Exits with status 1 when no dongle is found.
 */
export function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('list attached RTL-SDR dongles (index, serial, USB strings, tuner, gain steps) and SoapySDR devices (exit 1 if none)')
    .option('--json', 'print JSON instead of text')
    .option('--no-probe', 'do not open the dongles (no tuner/gain information)')
    .option('--no-soapy', 'do not list SoapySDR devices')
    .option('--lang <lang>', 'language of the text: en or zh-CN (default: zh-CN under a Chinese locale such as LANG=zh_CN.UTF-8, else en) (Simplified Chinese)')
    .action(async (opts: DevicesCliOptions) => (await import('./devices.js')).devicesCommand(opts));
}

/** Registers `quietband sim [-o OUT] [--seed N] [--scenario FILE.json] [--duration S] [--background site …] [--lang L]`. */
export function registerSim(program: Command): void {
  program
    .command('sim')
    .description(
      'write a synthetic RTL-SDR capture: <name>.sigmf-data (cu8) + <name>.sigmf-meta with the injected events as annotations ' +
        '(default scenario: 433.92 MHz, 1 MS/s, 10 s, two steady carriers, an OOK burst, an FM carrier from 5 s, a GSM-like burst train)',
    )
    .option('-o, --output <path>', 'output folder (created when missing), or a <name>.sigmf-data / .sigmf-meta path', '.')
    .option('--seed <n>', 'PRNG seed (same seed, same bytes)')
    .option('--scenario <file>', 'scenario JSON: {rateSps, centerHz, durationS, seed?, noiseDbfs?, carriers?, events?}')
    .option('--duration <s>', 'length in seconds (overrides the scenario; default 60 with --background)')
    .option('--background <kind>', 'site: an exam site\'s background instead (crystal drift, floor creep, carriers, fading broadcast FM, NFM users, a 47 s OOK sensor, clicks, TDMA neighbours; docs/eval.md)')
    .option('--rate <sps>', 'with --background: 250k (default) or 2.4M')
    .option('--center <hz>', 'with --background: centre frequency (default 433.92M)')
    .option('--drift-ppm <ppm>', 'with --background: apparent drift of every signal over the first 15 min (default 2, at most ±10)')
    .option('--lang <lang>', 'language of the summary line on stderr: en or zh-CN (default: zh-CN under a Chinese locale such as LANG=zh_CN.UTF-8, else en)')
    .action(async (opts: SimCliOptions) => (await import('./sim.js')).simCommand(opts));
}

/** Registers `quietband replay`. */
export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .description('replay a recording (raw cu8/cs8/cs16/cf32 or SigMF) through the detector; one JSON line per detection on stdout (a table when stdout is a terminal)')
    .argument('<file>', 'recording: .cu8 .cs8 .cs16 .cf32 (rtl_433-style names give rate and centre) or .sigmf-meta/.sigmf-data');
  addInputFlags(cmd);
  addPipelineFlags(cmd);
  cmd
    .option('--baseline <auto|file>', "'auto' learns it from the recording itself; or a JSON file written by 'quietband calibrate'", 'auto')
    .option('--baseline-seconds <s>', 'with --baseline auto: learn from the first S seconds only')
    .option('--hop-settle-ms <ms>', `scans (SigMF with several capture frequencies): samples discarded after each retune (default ${DEFAULT_SCAN.settleMs})`)
    .option('--crop <fraction>', `scans: fraction of each hop's band cropped at the edges (default ${DEFAULT_SCAN.cropFraction})`)
    .option('--png <file>', 'also write a spectrogram picture of the recording: frequency (MHz) and time (s) axes, each detection boxed in red')
    .option('--csv <file>', "also write the slow-path spectra in rtl_power's CSV layout (date, time, Hz low, Hz high, Hz step, samples, dB…)")
    .option('--no-identify', 'no "signal" object (modulation class, features) on detection lines')
    .option('--audio <dir>', 'write a 16 kHz mono WAV per analog (am, nfm, wfm) detection, or unknown one whose closest class is analog, into DIR')
    .option('--threads <n>', 'threads for a single-tuning recording: 1 runs on one core; 2 or more compute the slow path on a worker thread (the same output byte for byte). Default: the cores available for a recording of 30 s or more, else 1')
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)')
    .option('--no-summary', 'no summary in words at the end (it is written only to a terminal: stdout, else stderr)')
    .option('--json', 'JSON lines on stdout even when it is a terminal (the default when piped)')
    .option('--table', 'one readable table line per detection on stdout even when it is piped (default on a terminal)')
    .option('--lang <lang>', 'language of the table, the summary in words and the readable log lines: en or zh-CN (Simplified Chinese); JSON lines are the same in both')
    .option('--log-level <level>', 'pino log level on stderr', 'info')
    .action(async (file: string, flags: ReplayFlags) => (await import('./replay.js')).replayCommand(file, flags, cmd));
}

/** Registers `quietband calibrate <file>` and its live form `calibrate --config site.json | --source SPEC` (calibrate-live.ts). */
export function registerCalibrate(program: Command): void {
  const cmd = program
    .command('calibrate')
    .description("record a baseline from a quiet recording of the site's background spectrum, or live from every sensor of --config/--source")
    .argument('[file]', 'recording (same formats as replay); omit with --config or --source')
    .option('-o, --output <file>', 'baseline JSON to write, e.g. calibration/room-101.json (live: default <calibration-dir>/<site>-<sensor>.json)')
    .option('--seconds <s>', 'use only the first S seconds (live: record S seconds, default 60)');
  addInputFlags(cmd);
  addPipelineFlags(cmd, false); // no detector flags: calibrate detects nothing
  addSourceFlags(cmd); // the live form (--config/--source, calibrate-live.ts)
  cmd.option('--log-level <level>', 'pino log level on stderr', 'info');
  cmd.option('--lang <lang>', 'language of the terminal lines (readable log lines, countdown bars): en or zh-CN (default: zh-CN under a Chinese locale such as LANG=zh_CN.UTF-8, else en); JSON log lines stay English');
  cmd.action(async (file: string | undefined, flags: CalibrateFlags & CalibrateLiveFlags & { lang?: string }, command: Command) => (await import('./calibrate.js')).calibrateCommand(file, flags, command));
}

/** Registers `quietband run`. */
export function registerRun(program: Command): void {
  const d = DEFAULT_SITE_CONFIG;
  const cmd = program
    .command('run')
    .description(
      'run the live daemon: one worker thread per sensor, alerts stored in <data-dir>/alerts.jsonl, web UI and WebSocket at http://<bind>:<port>/ (https and the access token off loopback). ' +
        'Without --source/--config: one sensor per attached dongle, or (no dongle) a demo site of three simulated sensors in three rooms',
    );
  addSourceFlags(cmd);
  addInputFlags(cmd);
  addPipelineFlags(cmd);
  cmd
    .option('--data-dir <dir>', 'alert store and access token folder', d.dataDir)
    .option('--http-port <port>', 'HTTP/WebSocket port (0 = any free port; the printed URL shows it)', String(d.http.port))
    .option('--bind <addr>', 'listen address; anything but loopback requires the access token and serves HTTPS', d.http.bind)
    .option('--tls-cert <file>', 'HTTPS certificate chain (PEM); with --tls-key. Default off loopback: a self-signed pair kept in <data-dir>')
    .option('--tls-key <file>', 'private key (PEM, unencrypted, mode 0600) of --tls-cert')
    .option('--no-tls', 'plain HTTP even off loopback (only behind a TLS-terminating reverse proxy: set http.trustedProxies)')
    .option('--warmup <s>', 'seconds of signal a sensor without a stored baseline learns from (no detections meanwhile)', String(d.warmupS))
    .option('--demo', 'run the demo site even when dongles are attached')
    .option('--csv <file>', "write every sensor's spectra in rtl_power's CSV layout (several sensors: <file> with -<sensor> before the extension)")
    .option('--log-level <level>', 'pino log level on stderr', 'info')
    .option('--lang <lang>', 'language of the terminal lines (start-up, readable log lines, warm-up bars): en or zh-CN (default: zh-CN under a Chinese locale such as LANG=zh_CN.UTF-8, else en); JSON log lines stay English')
    .action(async (flags: RunFlags, command: Command) => {
      const [{ runCommand }, { cliSetter }] = await Promise.all([import('./run.js'), import('./site-flags.js')]);
      await runCommand(flags, cliSetter(command));
    });
}

/** Registers `quietband record`. */
export function registerRecord(program: Command): void {
  program
    .command('record')
    .description('record IQ from a source into a SigMF recording (.sigmf-data in the source datatype + .sigmf-meta with frequency, time, hardware and gain)')
    .option('--source <spec>', 'sim | rtlsdr:<serial|index> | rtltcp:<host>:<port> | file:<path>')
    .option('--center <hz>', 'centre frequency, e.g. 433.92M (default 433.92 MHz; files: their own)')
    .option('--rate <sps>', 'sample rate, e.g. 250k, 2.4M (default 1 MS/s; files: their own)')
    .option('--gain <db|auto>', 'tuner gain in dB or auto (default 30)')
    .option('--ppm <n>', 'frequency correction (whole ppm, default 0)')
    .option('--format <fmt>', 'file: sources only: sample format when the extension/SigMF does not say')
    .requiredOption('--duration <s>', 'seconds to record')
    .requiredOption('-o, --output <file>', 'recording to write: <name>, <name>.sigmf-meta or <name>.sigmf-data')
    .option('--log-level <level>', 'pino log level on stderr', 'info')
    .option('--lang <lang>', 'language of the terminal lines (readable log lines, the countdown bar): en or zh-CN (default: zh-CN under a Chinese locale such as LANG=zh_CN.UTF-8, else en); JSON log lines stay English')
    .action(async (flags: RecordFlags & { lang?: string }, command: Command) => (await import('./record.js')).recordCommand(flags, command));
}

/** Registers `quietband hub`. */
export function registerHub(program: Command): void {
  program
    .command('hub')
    .description('province hub: subscribe to the alerts, sensor health and heartbeats many sites publish over MQTT; serve one web UI across sites (GET /sites for per-site state, GET /report?session=&site= for session reports); its alert history and acks are kept in --data-dir')
    .requiredOption('--mqtt <url>', 'broker URL (mqtt://, mqtts://, ws://, wss://; user:password@ allowed)')
    .option('--topic-prefix <prefix>', 'topic prefix the sites publish under', 'quietband')
    .option('--client-id <id>', 'MQTT client id of the persistent session (default quietband-hub-<hostname>)')
    .option('--http-port <port>', 'HTTP/WebSocket port (0 = any free port)', '8090')
    .option('--bind <addr>', 'listen address; anything but loopback requires the access token and serves HTTPS (self-signed certificate in --data-dir)', '127.0.0.1')
    .option('--data-dir <dir>', 'alert history (hub-alerts.jsonl, kept across restarts), access token, served session reports', './data-hub')
    .option('--offline-after-ms <ms>', 'a site without a heartbeat for this long raises site-offline (default 3 × its heartbeat period)')
    .option('--time-zone <iana>', "time zone shown in the UI and the session reports (default: this machine's)")
    .option('--username <name>', 'broker user name (or user@ in the URL)')
    .option('--password-file <file>', 'file holding the broker password (first line)')
    .option('--ca <pem>', 'TLS: CA certificate to trust (mqtts://, wss://)')
    .option('--cert <pem>', 'TLS: client certificate')
    .option('--key <pem>', 'TLS: client key')
    .option('--no-verify-tls', "TLS: accept a broker certificate that does not verify (testing only)")
    .option('--log-level <level>', 'pino log level on stderr', 'info')
    .action(async (flags: HubFlags) => (await import('./hub.js')).hubCommand(flags));
}

/** Registers `quietband report`. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description("write a session report for the record (HTML, printable): site, sensors and baseline ages, every alert with its spectrogram, who acknowledged it and when, sensor outages")
    .requiredOption('--session <name>', 'exam session name (as in the site config `sessions`, and on its alerts)')
    .option('--data-dir <dir>', 'alert store folder (default: the config\'s, else ./data)')
    .option('--config <file>', 'site config: sensors, baselines, time zone and the session window')
    .requiredOption('-o, --output <file>', 'HTML file to write')
    .option('--pdf <file>', 'also print it to PDF with headless Chromium')
    .option('--chromium <path>', 'Chromium binary for --pdf', 'chromium')
    .option('--lang <lang>', 'report language: en or zh-CN (default: zh-CN under a Chinese locale such as LANG=zh_CN.UTF-8, else en) (Simplified Chinese)')
    .action(async (flags: ReportFlags) => {
      await (await import('./report.js')).reportCommand(flags);
    });
}

/** Registers `quietband notify`. */
export function registerNotify(program: Command): void {
  program
    .command('notify')
    .description('send a test notification through every channel of the site config\'s notify section (webhook, e-mail, ntfy) and print which ones work; exit 1 when one fails')
    .requiredOption('--config <file>', 'site config with a notify section')
    .option('--channel <name>', 'only this channel')
    .action(async (flags: { config: string; channel?: string }) => (await import('./notify.js')).notifyCommand(flags));
}
