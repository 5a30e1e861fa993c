// The server's access rules as one object: token check with the per-peer wrong-token budget, Origin and Host rules for
// state changes, X-Forwarded-Host only from trusted proxies, one refusal log line per peer per 10 s.
import type { PeerRequest } from '../../src/server/guard.js';
import { describe, expect, it } from 'vitest';
import { AccessPolicy, type AccessOptions } from '../../src/server/access.js';
import { memoryLogger } from './helpers.js';

const BASE: AccessOptions = {
  bind: '127.0.0.1',
  allowedHosts: ['quietband.exam.local'],
  allowedOrigins: ['https://proxy.example'],
  trustedProxies: ['127.0.0.9'],
  loginBurst: 3,
  loginPerSecond: 1e-6,
  tls: false,
  authRequired: true,
  token: 'right-token',
};

/** A request as the policy reads it: headers and the socket's peer address. */
function req(headers: Record<string, string>, remoteAddress = '10.1.2.3'): PeerRequest {
  return { headers, socket: { remoteAddress } };
}

describe('AccessPolicy', () => {
  it('token: none → 401 without spending, wrong → 401 and one unit spent, budget gone → 429 even for the right token', () => {
    const { logger, lines } = memoryLogger();
    const a = new AccessPolicy(BASE, logger);
    const peer = a.peerOf(req({}));
    expect(peer.address).toBe('10.1.2.3');
    for (let i = 0; i < 5; i++) expect(a.checkAuth(req({}), peer, 'GET /').status).toBe(401);
    expect(a.checkAuth(req({ authorization: 'Bearer right-token' }), peer, 'GET /')).toEqual({ status: 200 });
    expect(a.checkAuth(req({ cookie: 'quietband_token=right-token' }), peer, 'GET /')).toEqual({ status: 200 });
    for (let i = 0; i < 3; i++) expect(a.checkAuth(req({ authorization: 'Bearer wrong' }), peer, 'GET /').status).toBe(401);
    expect(lines.filter((l) => l.msg === 'wrong access token refused (401)')).toHaveLength(3);
    const limited = a.checkAuth(req({ authorization: 'Bearer right-token' }), peer, 'GET /');
    expect(limited.status).toBe(429);
    expect(limited.retryAfterS).toBeGreaterThanOrEqual(1);
    // another peer keeps its own budget
    const other = a.peerOf(req({}, '10.9.9.9'));
    expect(a.checkAuth(req({ authorization: 'Bearer right-token' }, '10.9.9.9'), other, 'GET /')).toEqual({ status: 200 });
    // auth off: everything passes
    expect(new AccessPolicy({ ...BASE, authRequired: false, token: undefined }, logger).checkAuth(req({}), peer, 'GET /')).toEqual({ status: 200 });
  });

  it('Origin: absent, listed, or this very host; state changes also need one of our Host names', () => {
    const { logger } = memoryLogger();
    const a = new AccessPolicy(BASE, logger);
    expect(a.originAllowed(undefined, 'localhost:8080')).toBe(true);
    expect(a.originAllowed('https://proxy.example', 'anything')).toBe(true);
    expect(a.originAllowed('http://localhost:8080', 'localhost:8080')).toBe(true);
    expect(a.originAllowed('http://quietband.exam.local:8080', 'quietband.exam.local:8080')).toBe(true);
    expect(a.originAllowed('http://attacker.example', 'localhost:8080')).toBe(false);
    expect(a.originAllowed('http://attacker.example:8080', 'attacker.example:8080')).toBe(false);
    expect(a.originAllowed('not a url', 'localhost:8080')).toBe(false);
    expect(a.stateChangeRefusal('http://localhost:8080', 'localhost:8080')).toBeUndefined();
    expect(a.stateChangeRefusal(undefined, 'attacker.example')).toBe('Host "attacker.example" is not a name of this server');
    expect(a.stateChangeRefusal('http://evil.example', 'localhost:8080')).toBe('Origin "http://evil.example" is not allowed');
  });

  it('reads X-Forwarded-Host and X-Forwarded-For only from a trusted proxy', () => {
    const { logger } = memoryLogger();
    const a = new AccessPolicy(BASE, logger);
    const fwd = { host: '127.0.0.1:8080', 'x-forwarded-host': 'quietband.exam.local, inner', 'x-forwarded-for': '192.0.2.7' };
    expect(a.forwardedHostHeader(req(fwd, '127.0.0.9'))).toBe('quietband.exam.local');
    expect(a.peerOf(req(fwd, '127.0.0.9')).address).toBe('192.0.2.7');
    expect(a.forwardedHostHeader(req(fwd, '10.1.2.3'))).toBe('127.0.0.1:8080');
    expect(a.peerOf(req(fwd, '10.1.2.3')).address).toBe('10.1.2.3');
  });

  it('logs one refusal line per kind and peer per 10 s, then counts the ones not logged', () => {
    const { logger, lines } = memoryLogger();
    const a = new AccessPolicy(BASE, logger);
    const peer = a.peerOf(req({}));
    for (let i = 0; i < 7; i++) a.logRefusal(peer, 'login from a foreign origin refused (403)');
    a.logRefusal(a.peerOf(req({}, '10.4.4.4')), 'login from a foreign origin refused (403)');
    expect(lines.filter((l) => l.msg === 'login from a foreign origin refused (403)').map((l) => l.peer)).toEqual(['10.1.2.3', '10.4.4.4']);
  });
});
