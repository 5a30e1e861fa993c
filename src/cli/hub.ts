// `quietband hub --mqtt URL`: the province hub — alerts, health and heartbeats of many sites over MQTT, one web UI.
import { resolve } from 'node:path';
import { QuietBandError } from '../errors.js';
import { cliError } from '../error-text.js';
import { checkLogLevel, createLogger } from '../log.js';
import { mqttClientOptions, MQTT_DEFAULTS, type MqttSettings } from '../mqtt/mqtt-config.js';
import { tlsStartLine } from '../server/tls.js';

/** Flags of `quietband hub`. */
export interface HubFlags {
  mqtt: string;
  topicPrefix: string;
  clientId?: string;
  httpPort: string;
  bind: string;
  dataDir: string;
  offlineAfterMs?: string;
  timeZone?: string;
  username?: string;
  passwordFile?: string;
  ca?: string;
  cert?: string;
  key?: string;
  /** commander's --no-verify-tls. */
  verifyTls: boolean;
  logLevel?: string;
}

function intFlag(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw cliError('flag.intRange', { flag: name, min, max, value: v }, 'CONFIG');
  return n;
}

function timeZoneFlag(tz: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw cliError('flag.notA', { flag: '--time-zone', value: tz, expected: 'expect.timeZone' }, 'CONFIG');
  }
  return tz;
}

/** The hub's broker credentials/TLS flags in the shape of a site's `mqtt` section (paths absolute). */
function hubSettings(flags: HubFlags): MqttSettings {
  return {
    url: flags.mqtt,
    rejectUnauthorized: flags.verifyTls,
    topicPrefix: flags.topicPrefix,
    heartbeatMs: MQTT_DEFAULTS.heartbeatMs,
    healthEveryMs: MQTT_DEFAULTS.healthEveryMs,
    reconnectMs: MQTT_DEFAULTS.reconnectMs,
    ...(flags.username !== undefined ? { username: flags.username } : {}),
    ...(flags.passwordFile !== undefined ? { passwordFile: resolve(flags.passwordFile) } : {}),
    ...(flags.ca !== undefined ? { ca: resolve(flags.ca) } : {}),
    ...(flags.cert !== undefined ? { cert: resolve(flags.cert) } : {}),
    ...(flags.key !== undefined ? { key: resolve(flags.key) } : {}),
  };
}

/**
 * Runs the hub until SIGINT/SIGTERM. Prints `QuietBand hub running at <url> (broker <url without password>)` and,
 * when bound off loopback with a new token, the token once.
 * @throws QuietBandError('CONFIG') naming the flag.
 */
export async function hubCommand(flags: HubFlags): Promise<void> {
  if (!/^(mqtts?|wss?|tcp|ssl|tls):\/\/\S+$/.test(flags.mqtt)) throw cliError('flag.mqttUrl', { value: flags.mqtt }, 'CONFIG');
  const log = createLogger(checkLogLevel(flags.logLevel));
  // credentials and TLS files as for a site's `mqtt` section (files read now: a bad path is a flag error)
  let full: ReturnType<typeof mqttClientOptions>;
  try {
    full = mqttClientOptions(hubSettings(flags), 'unused');
  } catch (err) {
    const flag: Record<string, string> = { passwordFile: '--password-file', ca: '--ca', cert: '--cert', key: '--key' };
    throw new QuietBandError((err as Error).message.replace(/^mqtt\.(\w+)/, (_m, f: string) => flag[f] ?? f), 'CONFIG', { cause: err });
  }
  const mqttOptions = Object.fromEntries(Object.entries(full).filter(([k]) => ['username', 'password', 'ca', 'cert', 'key', 'rejectUnauthorized'].includes(k)));
  // loaded when the hub starts: the other commands start without it
  const { startHub } = await import('../hub/hub.js');
  const hub = await startHub({
    mqttUrl: flags.mqtt,
    mqttOptions,
    topicPrefix: flags.topicPrefix,
    ...(flags.clientId !== undefined ? { clientId: flags.clientId } : {}),
    bind: flags.bind,
    port: intFlag('--http-port', flags.httpPort, 0, 65535),
    dataDir: resolve(flags.dataDir),
    ...(flags.offlineAfterMs !== undefined ? { offlineAfterMs: intFlag('--offline-after-ms', flags.offlineAfterMs, 100, 86_400_000) } : {}),
    ...(flags.timeZone !== undefined ? { timeZone: timeZoneFlag(flags.timeZone) } : {}),
    logger: log,
  });
  const broker = (() => {
    try {
      const u = new URL(flags.mqtt);
      u.password = u.password === '' ? '' : '***';
      return u.toString();
    } catch {
      return flags.mqtt;
    }
  })();
  let out = `QuietBand hub running at ${hub.url} (broker ${broker})\n`;
  const srv = hub.server;
  if (srv.tls !== undefined) out += `${tlsStartLine(srv.tls)}\n`;
  if (srv.authRequired && srv.tokenCreated && srv.token !== undefined) out += `Access token (shown once; stored in ${srv.tokenPath ?? 'the data dir'}): ${srv.token}\n`;
  process.stdout.write(out);
  await new Promise<void>((done) => {
    const onSignal = (): void => {
      hub.close().then(done, done);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  process.exit(0);
}
