// Site config `mqtt` section: validation messages, defaults, credentials and TLS files turned into mqtt.js options.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import { mqttClientOptions, siteTopic } from '../../src/mqtt/mqtt-config.js';
import { redact } from '../../src/mqtt/mqtt-publisher.js';
import { tempDir } from '../daemon/helpers.js';

const tmp = tempDir('qb-mqtt-config-');
afterAll(() => tmp.cleanup());
const sensors = [{ name: 'room-1', source: 'sim' }];

describe('site config: mqtt', () => {
  it('applies defaults (prefix quietband, 5 s heartbeat/health, 2 s reconnect, verify TLS) and keeps mqtt absent when not configured', () => {
    const site = applySiteDefaults(validateSiteConfig({ site: 'hall-a', mqtt: { url: 'mqtts://broker.example:8883' }, sensors }, 'site.json'), {}, 'site.json');
    expect(site.mqtt).toEqual({ url: 'mqtts://broker.example:8883', rejectUnauthorized: true, topicPrefix: 'quietband', heartbeatMs: 5000, healthEveryMs: 5000, reconnectMs: 2000 });
    expect(applySiteDefaults(validateSiteConfig({ site: 'hall-a', sensors }, 'site.json'), {}, 'site.json').mqtt).toBeUndefined();
    expect(siteTopic('province/x', 'hall-a', 'alert')).toBe('province/x/hall-a/alert');
  });

  it('names the field of a bad value', () => {
    expect(() => validateSiteConfig({ mqtt: { url: 'http://broker' }, sensors }, 'site.json')).toThrow(/site\.json: mqtt\.url: expected a broker URL/);
    expect(() => validateSiteConfig({ mqtt: { url: 'mqtt://b', topicPrefix: 'a/#' }, sensors }, 'site.json')).toThrow(/mqtt\.topicPrefix: expected a topic prefix without MQTT wildcards/);
    expect(() => validateSiteConfig({ mqtt: { url: 'mqtt://b', heartbeatMs: 10 }, sensors }, 'site.json')).toThrow(/mqtt\.heartbeatMs/);
    expect(() => validateSiteConfig({ mqtt: { url: 'mqtt://b', pasword: 'x' }, sensors }, 'site.json')).toThrow(/mqtt\.pasword: unknown field/);
  });

  it('reads the password file (first line) and TLS PEM files into the client options; a missing file names the field', () => {
    const pw = join(tmp.dir, 'pw');
    const ca = join(tmp.dir, 'ca.pem');
    writeFileSync(pw, 's3cret\nignored\n');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const site = applySiteDefaults(validateSiteConfig({ site: 'hall-a', mqtt: { url: 'mqtts://b:8883', username: 'hall-a', passwordFile: pw, ca, rejectUnauthorized: false, clientId: 'qb-a' }, sensors }, 'site.json'), {}, 'site.json');
    const o = mqttClientOptions(site.mqtt!, 'quietband-hall-a');
    expect(o).toMatchObject({ clientId: 'qb-a', username: 'hall-a', password: 's3cret', rejectUnauthorized: false, clean: true, reconnectPeriod: 2000 });
    expect(String(o.ca)).toContain('BEGIN CERTIFICATE');
    expect(() => mqttClientOptions({ ...site.mqtt!, key: join(tmp.dir, 'nope.key') }, 'x')).toThrow(/mqtt\.key: cannot read .*nope\.key/);
    expect(redact('mqtt://hub:pa55@broker:1883')).toBe('mqtt://hub:***@broker:1883');
  });
});
