// Site config section `mqtt` (optional publishing to a broker), its zod schema, defaults, topic names and client options.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { z } from 'zod';
import { QuietBandError } from '../errors.js';

/** Defaults of the `mqtt` section. */
export const MQTT_DEFAULTS = {
  topicPrefix: 'quietband',
  heartbeatMs: 5000,
  healthEveryMs: 5000,
  reconnectMs: 2000,
  connectTimeoutMs: 10_000,
} as const;

/** The `mqtt` section as written in the site config (paths relative to the config file's folder). */
export const mqttSchema = z
  .object({
    /** Broker URL: mqtt://host:1883, mqtts://host:8883 (TLS), ws:// or wss://. Credentials may be in the URL. */
    url: z.string().regex(/^(mqtts?|wss?|tcp|ssl|tls):\/\/\S+$/, 'expected a broker URL such as mqtt://broker:1883 or mqtts://broker:8883'),
    username: z.string().min(1).optional(),
    /** Password; prefer `passwordFile` so the config can be shared. */
    password: z.string().optional(),
    /** File holding the password (first line). */
    passwordFile: z.string().min(1).optional(),
    /** TLS: CA certificate (PEM) to trust, client certificate and key (PEM) for mutual TLS. */
    ca: z.string().min(1).optional(),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    /** TLS: refuse a broker whose certificate does not verify. Default true. */
    rejectUnauthorized: z.boolean().optional(),
    /** Topics: `<topicPrefix>/<site>/alert|health|heartbeat`. Default 'quietband'. */
    topicPrefix: z.string().min(1).regex(/^[^#+]+$/, 'expected a topic prefix without MQTT wildcards').optional(),
    /** MQTT client id. Default `quietband-<site>`. */
    clientId: z.string().min(1).max(200).optional(),
    /** Heartbeat period (ms). Default 5000. */
    heartbeatMs: z.number().int().min(100).max(3_600_000).optional(),
    /** Sensor health period (ms). Default 5000. */
    healthEveryMs: z.number().int().min(100).max(3_600_000).optional(),
    /** Reconnect period while the broker is unreachable (ms). Default 2000. */
    reconnectMs: z.number().int().min(100).max(600_000).optional(),
  })
  .strict();

/** The `mqtt` section with defaults applied and TLS files resolved to absolute paths. */
export interface MqttSettings {
  url: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  topicPrefix: string;
  clientId?: string;
  heartbeatMs: number;
  healthEveryMs: number;
  reconnectMs: number;
}

/** Applies defaults; relative file paths are resolved against `baseDir` (the config file's folder). */
export function mqttSettings(cfg: z.infer<typeof mqttSchema>, baseDir: string): MqttSettings {
  const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(baseDir, p));
  const out: MqttSettings = {
    url: cfg.url,
    rejectUnauthorized: cfg.rejectUnauthorized ?? true,
    topicPrefix: cfg.topicPrefix ?? MQTT_DEFAULTS.topicPrefix,
    heartbeatMs: cfg.heartbeatMs ?? MQTT_DEFAULTS.heartbeatMs,
    healthEveryMs: cfg.healthEveryMs ?? MQTT_DEFAULTS.healthEveryMs,
    reconnectMs: cfg.reconnectMs ?? MQTT_DEFAULTS.reconnectMs,
  };
  for (const k of ['username', 'password', 'clientId'] as const) if (cfg[k] !== undefined) out[k] = cfg[k];
  for (const k of ['passwordFile', 'ca', 'cert', 'key'] as const) if (cfg[k] !== undefined) out[k] = abs(cfg[k]);
  return out;
}

/** Topic names under a prefix: `<prefix>/<site>/<kind>`. */
export function siteTopic(prefix: string, site: string, kind: 'alert' | 'health' | 'heartbeat'): string {
  return `${prefix}/${site}/${kind}`;
}

/**
 * mqtt.js client options from the settings: credentials (password file read now), TLS files read now, manual reconnect
 * period, clean session.
 * @throws QuietBandError('CONFIG') when a password/TLS file cannot be read (naming the `mqtt.<field>`).
 */
export function mqttClientOptions(s: MqttSettings, defaultClientId: string): IClientOptions {
  const read = (field: string, p: string): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch (err) {
      throw new QuietBandError(`mqtt.${field}: cannot read ${p} (${(err as Error).message})`, 'CONFIG', { cause: err });
    }
  };
  const o: IClientOptions = {
    clientId: s.clientId ?? defaultClientId,
    clean: true,
    reconnectPeriod: s.reconnectMs,
    connectTimeout: MQTT_DEFAULTS.connectTimeoutMs,
    rejectUnauthorized: s.rejectUnauthorized,
  };
  if (s.username !== undefined) o.username = s.username;
  if (s.password !== undefined) o.password = s.password;
  if (s.passwordFile !== undefined) o.password = read('passwordFile', s.passwordFile).split('\n')[0]!.trim();
  if (s.ca !== undefined) o.ca = read('ca', s.ca);
  if (s.cert !== undefined) o.cert = read('cert', s.cert);
  if (s.key !== undefined) o.key = read('key', s.key);
  return o;
}
