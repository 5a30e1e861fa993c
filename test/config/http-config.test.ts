// Site config `http` section: TLS, auth, origins, hosts and proxies validated with errors naming the field; run flags.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySiteDefaults, validateSiteConfig } from '../../src/config/site-config.js';
import { overridesFromFlags, type SiteFlags } from '../../src/cli/site-flags.js';
import { QuietBandError } from '../../src/errors.js';
import { httpServerOptions } from '../../src/site/site-daemon.js';
import { bindProblem, otherComputerUrls } from '../../src/config/http-config.js';
import { errorTextIn } from '../../src/error-text.js';

const sensors = [{ name: 's1', source: 'sim' }];
const settings = (http: unknown, overrides = {}) => applySiteDefaults(validateSiteConfig({ http, sensors }, 'x.json'), overrides, 'x.json').http;
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(QuietBandError);
    return (err as Error).message;
  }
  throw new Error('expected a QuietBandError');
}

describe('http config', () => {
  it('takes tls, requireAuth, allowedOrigins, allowedHosts, trustedProxies and hands them to the server', () => {
    const h = settings({
      bind: '127.0.0.1',
      requireAuth: true,
      tls: { cert: 'certs/site.pem', key: '/etc/qb/site.key' },
      allowedOrigins: ['https://proxy.example/', 'http://10.0.0.2:8443'],
      allowedHosts: ['quietband.exam.local', '10.0.0.2', '[fe80::1]'],
      trustedProxies: ['127.0.0.1', '::1'],
    });
    expect(h).toEqual({
      bind: '127.0.0.1',
      port: 8080,
      requireAuth: true,
      tls: { cert: resolve('certs/site.pem'), key: '/etc/qb/site.key' },
      allowedOrigins: ['https://proxy.example', 'http://10.0.0.2:8443'],
      allowedHosts: ['quietband.exam.local', '10.0.0.2', '[fe80::1]'],
      trustedProxies: ['127.0.0.1', '::1'],
    });
    expect(httpServerOptions(h)).toEqual({ requireAuth: true, tls: h.tls, allowedOrigins: h.allowedOrigins, allowedHosts: h.allowedHosts, trustedProxies: h.trustedProxies });
    expect(settings({ tls: 'self-signed' }).tls).toBe('self-signed');
    expect(httpServerOptions(settings(undefined))).toEqual({}); // server defaults: TLS and auth off loopback only
    expect(settings({ tls: 'self-signed' }, { tls: 'off' }).tls).toBe('off'); // --no-tls wins over the file
  });

  it('names the field of a bad value', () => {
    const bad: [unknown, RegExp][] = [
      [{ tls: 'on' }, /^x\.json: http\.tls: expected "self-signed", "off", or \{ "cert"/],
      [{ tls: { cert: 'a.pem' } }, /^x\.json: http\.tls/],
      [{ allowedOrigins: ['https://proxy.example/path'] }, /^x\.json: http\.allowedOrigins\[0\]: expected an origin/],
      [{ allowedOrigins: ['proxy.example'] }, /^x\.json: http\.allowedOrigins\[0\]: expected an origin/],
      [{ allowedHosts: ['quietband.local:8080'] }, /^x\.json: http\.allowedHosts\[0\]: expected a host name or address without port/],
      [{ trustedProxies: ['proxy.example'] }, /^x\.json: http\.trustedProxies\[0\]: expected the IP address of a reverse proxy/],
      [{ requireAuth: false, bind: '0.0.0.0' }, /^x\.json: http\.requireAuth: false is refused with the non-loopback bind 0\.0\.0\.0/],
      [{ tlsCert: 'a.pem' }, /^x\.json: http\.tlsCert: unknown field/],
    ];
    for (const [http, re] of bad) expect(messageOf(() => settings(http)), JSON.stringify(http)).toMatch(re);
    expect(settings({ requireAuth: false, bind: '127.0.0.1' }).requireAuth).toBe(false);
  });

  it('run flags: --tls-cert with --tls-key, --no-tls, and their conflicts', () => {
    const all = (f: SiteFlags) => (k: keyof SiteFlags) => f[k] !== undefined;
    expect(overridesFromFlags({ tlsCert: 'c.pem', tlsKey: 'k.pem' }, all({ tlsCert: 'c.pem', tlsKey: 'k.pem' }))).toEqual({ tls: { cert: 'c.pem', key: 'k.pem' } });
    expect(overridesFromFlags({ tls: false }, all({ tls: false }))).toEqual({ tls: 'off' });
    expect(overridesFromFlags({ tls: true }, () => false)).toEqual({}); // commander's default for --no-tls
    expect(messageOf(() => overridesFromFlags({ tlsCert: 'c.pem' }, all({ tlsCert: 'c.pem' })))).toBe('--tls-cert: give both --tls-cert and --tls-key');
    expect(messageOf(() => overridesFromFlags({ tlsCert: 'c.pem', tlsKey: 'k.pem', tls: false }, all({ tlsCert: 'c.pem', tlsKey: 'k.pem', tls: false })))).toBe('--no-tls: cannot be combined with --tls-cert/--tls-key');
  });
  it('refuses a bind holding a port, naming the port setting, and an IP address this machine does not hold', () => {
    expect(messageOf(() => settings(undefined, { bind: '0.0.0.0:8080' }))).toBe('x.json: --bind: "0.0.0.0:8080" holds a port: give the address alone (0.0.0.0) and the port with --http-port 8080');
    expect(messageOf(() => settings({ bind: '[::]:9000' }))).toBe('x.json: http.bind: "[::]:9000" holds a port: give the address alone ([::]) and the port with http.port 9000');
    const eth = { eth0: [{ address: '192.0.2.7', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null }] } as never;
    expect(errorTextIn('en', bindProblem('192.0.2.8', '--http-port', eth)!)).toBe('192.0.2.8 is not an address of this machine (its addresses: 192.0.2.7; 0.0.0.0 listens on all)');
    for (const ok of ['192.0.2.7', '0.0.0.0', '::', '127.0.0.1', 'localhost', 'quietband.local', '[::1]', 'exam-pc.', 'hall-1.example.org', '3com.net']) expect(bindProblem(ok, '--http-port', eth)).toBeNull();
    // neither an IP address nor a host name (a numeric last label, a space, an empty label, a hyphen at a label's end)
    for (const bad of ['0.0.0.0.1', '300.1.1.1', '192.168.1', 'exam hall', 'a..b', 'hall-.lan', '::g']) expect([bad, bindProblem(bad, '--http-port', eth)?.id]).toEqual([bad, 'why.bindNotAddress']);
    expect(messageOf(() => settings(undefined, { bind: '0.0.0.0.1' }))).toMatch(/^x\.json: --bind: "0\.0\.0\.0\.1" is neither an IP address nor a host name: expected an address of this machine \(127\.0\.0\.1, .*\), 0\.0\.0\.0 or :: to listen on all, or a host name$/);
    expect(errorTextIn('zh-CN', bindProblem('0.0.0.0.1', '--http-port', eth)!)).toBe('"0.0.0.0.1" 既不是 IP 地址也不是主机名：应为本机的地址（192.0.2.7）、表示监听所有地址的 0.0.0.0 或 ::，或者主机名');
  });
  it('a wildcard bind prints the addresses other computers open: every non-internal IPv4 (IPv6 but link-local too for ::), none otherwise', () => {
    const ifs = {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: null }],
      eth0: [
        { address: '192.0.2.7', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null },
        { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 2 },
        { address: '2001:db8::7', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 0 },
        { address: 'FEBF::2', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 2 },
        { address: 'fec0::3', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 0 },
      ],
      wlan0: [{ address: '10.0.0.5', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null }],
    } as never;
    expect(otherComputerUrls('https://127.0.0.1:18080/', '0.0.0.0', ifs)).toEqual(['https://192.0.2.7:18080/', 'https://10.0.0.5:18080/']);
    // link-local IPv6 (fe80::/10: fe80::1, FEBF::2) is left out: a browser needs a zone id to open it; fec0:: is outside /10
    expect(otherComputerUrls('https://127.0.0.1:18080/', '::', ifs)).toEqual(['https://192.0.2.7:18080/', 'https://[2001:db8::7]:18080/', 'https://[fec0::3]:18080/', 'https://10.0.0.5:18080/']);
    expect(otherComputerUrls('http://127.0.0.1:8080/', '127.0.0.1', ifs)).toEqual([]);
    expect(otherComputerUrls('https://192.0.2.7:8443/', '192.0.2.7', ifs)).toEqual([]);
  });
});
